// Helpers shared by the signal kernels: float-only and numeric dtype dispatch, conversions
// through double, and reading scalar inputs.
#pragma once

#include <cstdint>
#include <type_traits>

#include "dispatch.h"
#include "kernel.h"

namespace onyx::signal {

// Instantiates f for the floating types only.
template <class F>
Status dispatch_float(DType t, F&& f) {
  switch (t) {
    case DType::kFloat32:
      return f(TypeTag<float>{});
    case DType::kFloat64:
      return f(TypeTag<double>{});
    case DType::kFloat16:
      return f(TypeTag<Float16>{});
    case DType::kBFloat16:
      return f(TypeTag<BFloat16>{});
    default:
      break;
  }
  return error(Code::kUnsupported, "dtype ", dtype_name(t), " is not a floating type");
}

// Instantiates f for the floating and integer types (no bool, no string).
template <class F>
Status dispatch_numeric(DType t, F&& f) {
  switch (t) {
    case DType::kInt8:
      return f(TypeTag<int8_t>{});
    case DType::kInt16:
      return f(TypeTag<int16_t>{});
    case DType::kInt32:
      return f(TypeTag<int32_t>{});
    case DType::kInt64:
      return f(TypeTag<int64_t>{});
    case DType::kUInt8:
      return f(TypeTag<uint8_t>{});
    case DType::kUInt16:
      return f(TypeTag<uint16_t>{});
    case DType::kUInt32:
      return f(TypeTag<uint32_t>{});
    case DType::kUInt64:
      return f(TypeTag<uint64_t>{});
    default:
      break;
  }
  return dispatch_float(t, static_cast<F&&>(f));
}

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
