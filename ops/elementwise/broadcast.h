// The shared broadcasting loop of the element-wise family. prepare() builds a BroadcastPlan
// from the input shapes (numpy multidirectional broadcasting); run() walks it with
// broadcast_apply2 / broadcast_apply3, which call a functor per element.
//
// The plan drops size-1 output dims and merges adjacent dims that are contiguous for every
// input, so the common cases become one flat loop: same shapes (every inner stride 1), a scalar
// operand (inner stride 0), a per-channel bias ([N,C,H,W] + [C,1,1]: rows of H*W with a fixed
// bias element). Everything else is the general strided loop over the outer dims.
#pragma once

#include <cstdint>
#include <vector>

#include "kernel.h"
#include "onyx/shape.h"
#include "onyx/status.h"

namespace onyx::ew {

constexpr int kMaxPlanInputs = 3;

struct BroadcastPlan {
  Dims out_shape;
  int64_t numel = 0;
  int num_inputs = 0;
  // Loop dims after dropping 1s and merging, outermost first; never empty.
  std::vector<int64_t> dims;
  // Per input, its element stride along each loop dim (0 where it is broadcast).
  std::vector<int64_t> strides[kMaxPlanInputs];
  // Odometer for run(); sized here so that run() never allocates.
  std::vector<int64_t> counter;

  // `shapes` must broadcast to `out` (see broadcast_all).
  void build(const Dims* const* shapes, int n, const Dims& out);
  void build2(const Dims& a, const Dims& b, const Dims& out) {
    const Dims* s[2] = {&a, &b};
    build(s, 2, out);
  }
};

// Numpy broadcasting of n shapes; false if incompatible.
bool broadcast_all(const Dims* const* shapes, int n, Dims* out);

// Output shape of a two-input element-wise node, and the shape B is broadcast with. From opset 7
// this is numpy broadcasting. Before it (`legacy`), the `broadcast` attribute (default 0)
// enables broadcasting B onto A, either suffix-aligned or starting at attribute `axis`, and
// the output has A's shape; B's returned shape is padded with 1s to express that as numpy
// broadcasting.
Status binary_shapes(const PrepareContext& ctx, bool legacy, Dims* b_shape, Dims* out);

// Walks the plan row by row: row(out_offset, in_offsets, length).
template <class F>
inline void plan_rows(BroadcastPlan& p, F&& row) {
  if (p.numel == 0) return;
  const size_t r = p.dims.size();
  const int64_t inner = p.dims[r - 1];
  int64_t off[kMaxPlanInputs] = {0, 0, 0};
  if (r == 1) {
    row(int64_t{0}, off, inner);
    return;
  }
  for (size_t d = 0; d < r; ++d) p.counter[d] = 0;
  const int n = p.num_inputs;
  for (int64_t o = 0; o < p.numel; o += inner) {
    row(o, off, inner);
    for (size_t d = r - 1; d-- > 0;) {
      if (++p.counter[d] < p.dims[d]) {
        for (int k = 0; k < n; ++k) off[k] += p.strides[k][d];
        break;
      }
      p.counter[d] = 0;
      for (int k = 0; k < n; ++k) off[k] -= p.strides[k][d] * (p.dims[d] - 1);
    }
  }
}

// out[i] = f(a[ia], b[ib]) over the plan.
template <class TA, class TB, class TO, class F>
inline void broadcast_apply2(BroadcastPlan& p, const TA* a, const TB* b, TO* out, F&& f) {
  const int64_t sa = p.strides[0].back();
  const int64_t sb = p.strides[1].back();
  plan_rows(p, [&](int64_t oo, const int64_t* off, int64_t n) {
    const TA* pa = a + off[0];
    const TB* pb = b + off[1];
    TO* po = out + oo;
    if (sa == 1 && sb == 1) {
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
    } else if (sa == 1 && sb == 0) {
      const TB& bv = pb[0];
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], bv);
    } else if (sa == 0 && sb == 1) {
      const TA& av = pa[0];
      for (int64_t i = 0; i < n; ++i) po[i] = f(av, pb[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i * sa], pb[i * sb]);
    }
  });
}

// out[i] = f(a[ia], b[ib], c[ic]) over the plan.
template <class TA, class TB, class TC, class TO, class F>
inline void broadcast_apply3(BroadcastPlan& p, const TA* a, const TB* b, const TC* c, TO* out,
                             F&& f) {
  const int64_t sa = p.strides[0].back();
  const int64_t sb = p.strides[1].back();
  const int64_t sc = p.strides[2].back();
  plan_rows(p, [&](int64_t oo, const int64_t* off, int64_t n) {
    const TA* pa = a + off[0];
    const TB* pb = b + off[1];
    const TC* pc = c + off[2];
    TO* po = out + oo;
    if (sa == 1 && sb == 1 && sc == 1) {
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i], pc[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i * sa], pb[i * sb], pc[i * sc]);
    }
  });
}

}  // namespace onyx::ew
