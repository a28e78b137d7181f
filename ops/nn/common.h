// Helpers shared by the nn kernels.
#pragma once

#include <cstdint>

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
