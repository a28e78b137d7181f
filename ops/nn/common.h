// Helpers shared by the nn kernels.
#pragma once

#include <cstdint>

#include "dispatch.h"
#include "kernel.h"

namespace onyx::nn {

// ctx.parallel_shares(units, 1, fn), or fn(0, units, 0) when the kernel keeps the work on one
// thread (workers <= 1: too little of it to hand out).
template <class F>
void share_units(RunContext& ctx, int64_t workers, int64_t units, F&& fn) {
  if (workers <= 1) {
    if (units > 0) fn(int64_t{0}, units, 0);
    return;
  }
  ctx.parallel_shares(units, 1, fn);
}

// The units [begin, end) of items x per_item units (a thread's share), item by item:
// fn(item, lo, hi) with [lo, hi) the units of that item.
template <class F>
void for_each_item(int64_t begin, int64_t end, int64_t per_item, F&& fn) {
  for (int64_t i = begin / per_item; i * per_item < end; ++i) {
    fn(i, begin > i * per_item ? begin - i * per_item : int64_t{0}, end < (i + 1) * per_item ? end - i * per_item : per_item);
  }
}

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
