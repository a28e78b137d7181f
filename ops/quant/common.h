// Helpers shared by the quantization kernels: the quantized dtype masks, reading scales and zero
// points of any accepted dtype, round-half-to-even + saturate, and validation of the
// "scalar or 1-element" parameter inputs.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "kernel.h"

namespace onyx::quant {

constexpr DTypeMask kMaskQ8 = mask_of(DType::kInt8, DType::kUInt8);
// The quantized integer types of DequantizeLinear's input: the 8-bit ones and int32.
constexpr DTypeMask kMaskQInt = kMaskQ8 | mask_of(DType::kInt32);

// Element i of a float32/float64/float16/bfloat16 tensor as float.
inline float load_float(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat32:
      return t.data_as<float>()[i];
    case DType::kFloat64:
      return static_cast<float>(t.data_as<double>()[i]);
    case DType::kFloat16:
      return static_cast<float>(t.data_as<Float16>()[i]);
    case DType::kBFloat16:
      return static_cast<float>(t.data_as<BFloat16>()[i]);
    default:
      return 0.0f;
  }
}

// Element i of an int8/uint8/int32 tensor (zero points, biases) as int32.
inline int32_t load_int(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kInt8:
      return t.data_as<int8_t>()[i];
    case DType::kUInt8:
      return t.data_as<uint8_t>()[i];
    case DType::kInt32:
      return t.data_as<int32_t>()[i];
    default:
      return 0;
  }
}

// round(v) with ties to even, plus zero point, saturated to the range of Q. NaN maps to the
// zero point.
template <class Q>
Q quantize_value(float v, int32_t zero_point) {
  constexpr float lo = static_cast<float>(std::numeric_limits<Q>::min());
  constexpr float hi = static_cast<float>(std::numeric_limits<Q>::max());
  if (std::isnan(v)) v = 0.0f;
  float r = std::nearbyint(v) + static_cast<float>(zero_point);
  if (r < lo) r = lo;
  if (r > hi) r = hi;
  return static_cast<Q>(r);
}

// True for a scalar or a tensor with exactly one element of rank <= 1 (per-tensor parameter).
inline bool is_per_tensor(const Dims& d) { return d.empty() || (d.size() == 1 && d[0] == 1); }

// Checks that input i (a scale) is present and of a floating dtype.
inline Status check_scale(const PrepareContext& ctx, int i, const char* name) {
  if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input '", name, "' is missing");
  if (!is_float(ctx.in_dtype(i))) {
    return ctx.fail(Code::kInvalidModel, "input '", name, "' has dtype ", dtype_name(ctx.in_dtype(i)),
                    ", expected float");
  }
  return Status();
}

// Checks that optional input i (a zero point), when present, has dtype t. `required` makes it
// mandatory.
inline Status check_zero_point(const PrepareContext& ctx, int i, const char* name, DType t, bool required) {
  if (!ctx.has_input(i)) {
    if (required) return ctx.fail(Code::kInvalidModel, "input '", name, "' is missing");
    return Status();
  }
  if (ctx.in_dtype(i) != t) {
    return ctx.fail(Code::kInvalidModel, "input '", name, "' has dtype ", dtype_name(ctx.in_dtype(i)), ", expected ",
                    dtype_name(t));
  }
  return Status();
}

}  // namespace onyx::quant
