// Helpers shared by the signal kernels: conversions through double, and reading scalar inputs.
#pragma once

#include <cstdint>
#include <type_traits>

#include "dispatch.h"
#include "kernel.h"

namespace onyx::signal {

template <class T>
double to_double(T v) {
  return static_cast<double>(static_cast<compute_t<T>>(v));
}

// double -> T: floats round to nearest (16-bit floats via float), integers truncate toward zero
// (callers pass values within T's range).
template <class T>
T from_double(double v) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(v);
  } else {
    return static_cast<T>(static_cast<compute_t<T>>(v));
  }
}

// The value of a one-element int32/int64 tensor; false for anything else.
inline bool scalar_int(const Tensor& t, int64_t* out) {
  if (t.numel() != 1) return false;
  if (t.dtype() == DType::kInt32) {
    *out = t.data_as<int32_t>()[0];
    return true;
  }
  if (t.dtype() == DType::kInt64) {
    *out = t.data_as<int64_t>()[0];
    return true;
  }
  return false;
}

// The value of a one-element floating tensor as double; false for anything else.
inline bool scalar_float(const Tensor& t, double* out) {
  if (t.numel() != 1) return false;
  switch (t.dtype()) {
    case DType::kFloat32:
      *out = t.data_as<float>()[0];
      return true;
    case DType::kFloat64:
      *out = t.data_as<double>()[0];
      return true;
    case DType::kFloat16:
      *out = static_cast<float>(t.data_as<Float16>()[0]);
      return true;
    case DType::kBFloat16:
      *out = static_cast<float>(t.data_as<BFloat16>()[0]);
      return true;
    default:
      return false;
  }
}

// Checks that input i is a present one-element int32/int64 tensor (value not needed yet).
inline Status check_int_scalar_input(const PrepareContext& ctx, int i, const char* name) {
  if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input '", name, "' is missing");
  const DType t = ctx.in_dtype(i);
  if (t != DType::kInt32 && t != DType::kInt64) {
    return ctx.fail(Code::kInvalidModel, "input '", name, "' has dtype ", dtype_name(t), ", expected int32 or int64");
  }
  if (numel(ctx.in_shape(i)) != 1 || ctx.in_shape(i).size() > 1) {
    return ctx.fail(Code::kInvalidModel, "input '", name, "' must be a scalar, got shape ", shape_str(ctx.in_shape(i)));
  }
  return Status();
}

}  // namespace onyx::signal
