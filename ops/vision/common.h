// Small helpers shared by the vision kernels: reading shape-like integer inputs and scalar
// parameters, and element conversion to and from the compute type.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "dispatch.h"
#include "kernel.h"

namespace onyx::vision {

// Copies a 1-D (or scalar) int32/int64 tensor into `out`. `what` names the input for errors.
inline Status read_int_list(const Tensor& t, const char* what, std::vector<int64_t>* out) {
  out->clear();
  if (t.rank() > 1) {
    return error(Code::kInvalidArgument, "input '", what, "' must be 1-D, got shape ", shape_str(t.shape()));
  }
  if (t.dtype() == DType::kInt64) {
    const int64_t* p = t.data_as<int64_t>();
    out->assign(p, p + t.numel());
  } else if (t.dtype() == DType::kInt32) {
    const int32_t* p = t.data_as<int32_t>();
    for (int64_t i = 0; i < t.numel(); ++i) out->push_back(p[i]);
  } else {
    return error(Code::kInvalidModel, "input '", what, "' must be int32 or int64, got ", dtype_name(t.dtype()));
  }
  return Status();
}

// Element i of a numeric tensor as double (for scalar parameters read once per run).
inline double scalar_at(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat32:
      return t.data_as<float>()[i];
    case DType::kFloat64:
      return t.data_as<double>()[i];
    case DType::kFloat16:
      return static_cast<float>(t.data_as<Float16>()[i]);
    case DType::kBFloat16:
      return static_cast<float>(t.data_as<BFloat16>()[i]);
    case DType::kInt32:
      return t.data_as<int32_t>()[i];
    case DType::kInt64:
      return static_cast<double>(t.data_as<int64_t>()[i]);
    default:
      return 0.0;
  }
}

// Value conversion between an element type and its compute type (float for 16-bit floats).
template <class T>
inline compute_t<T> load(const T& v) {
  return static_cast<compute_t<T>>(v);
}
template <class T, class C>
inline T store(C v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return T(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

// Parses an ints attribute that must have `n` entries (or be absent: filled with `def`).
inline Status spatial_attr(const PrepareContext& ctx, const char* name, size_t n, int64_t def, int64_t min_value,
                           std::vector<int64_t>* out) {
  ONYX_TRY(ctx.attr_ints(name, out));
  if (out->empty()) {
    out->assign(n, def);
    return Status();
  }
  if (out->size() != n) {
    return ctx.fail(Code::kInvalidModel, "attribute '", name, "' has ", out->size(), " values, expected ", n);
  }
  for (int64_t v : *out) {
    if (v < min_value) return ctx.fail(Code::kInvalidModel, "attribute '", name, "' has invalid value ", v);
  }
  return Status();
}

}  // namespace onyx::vision
