// Helpers shared by the nn kernels.
#pragma once

#include <cstdint>

#include "dispatch.h"
#include "kernel.h"

namespace onyx::nn {

// Like onyx::dispatch, but only instantiates `f` for the floating types (float32, float64,
// float16, bfloat16), so the body may use arithmetic that strings and bools lack.
template <class F>
Status dispatch_float(DTypeMask mask, DType t, F&& f) {
  if (in_mask(t, mask)) {
    switch (t) {
      case DType::kFloat32: return f(TypeTag<float>{});
      case DType::kFloat64: return f(TypeTag<double>{});
      case DType::kFloat16: return f(TypeTag<Float16>{});
      case DType::kBFloat16: return f(TypeTag<BFloat16>{});
      default: break;
    }
  }
  return error(Code::kUnsupported, "dtype ", dtype_name(t), " is not supported here");
}

// Floating and integer types (no bool, no string).
template <class F>
Status dispatch_numeric(DTypeMask mask, DType t, F&& f) {
  if (in_mask(t, mask)) {
    switch (t) {
      case DType::kInt8: return f(TypeTag<int8_t>{});
      case DType::kInt16: return f(TypeTag<int16_t>{});
      case DType::kInt32: return f(TypeTag<int32_t>{});
      case DType::kInt64: return f(TypeTag<int64_t>{});
      case DType::kUInt8: return f(TypeTag<uint8_t>{});
      case DType::kUInt16: return f(TypeTag<uint16_t>{});
      case DType::kUInt32: return f(TypeTag<uint32_t>{});
      case DType::kUInt64: return f(TypeTag<uint64_t>{});
      default: return dispatch_float(mask, t, static_cast<F&&>(f));
    }
  }
  return error(Code::kUnsupported, "dtype ", dtype_name(t), " is not supported here");
}

// Checks that input i is present and has dtype t (for the inputs that share the main type).
inline Status expect_dtype(const PrepareContext& ctx, int i, DType t, const char* name) {
  if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input '", name, "' is missing");
  if (ctx.in_dtype(i) != t) {
    return ctx.fail(Code::kInvalidModel, "input '", name, "' has dtype ", dtype_name(ctx.in_dtype(i)),
                    ", expected ", dtype_name(t));
  }
  return Status();
}

}  // namespace onyx::nn
