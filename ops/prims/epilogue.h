// The GEMM tile's epilogue on one float, for the primitives' scalar paths (PackedGemm's empty
// sum, Winograd's output interleave): x plus the bias, then clamped to [lo, hi] with NaN
// becoming the bound, as the vector max/min do. The tiles keep their own copy inside each ISA's
// file; `static` keeps this one out of any cross-ISA symbol merging too.
#pragma once

#include <cstddef>
#include <cstdint>

#include "simd/kernels.h"

namespace onyx::prims {

static inline float finish_scalar(float x, float bias, const simd::TileEpilogue& ep) {
  if (ep.bias != nullptr) x += bias;
  if (ep.clamp) {
    x = x > ep.lo ? x : ep.lo;
    x = x < ep.hi ? x : ep.hi;
  }
  return x;
}

// The epilogue's activation (ep.post, if any) in place on rows [r0, r1) x columns [c0, c1) of
// C, ldc floats apart, through the table's vector kernel (k; never null when ep.post is set):
// called on each block of outputs as soon as it is final, while it is still in cache.
static inline void apply_post(const simd::SimdKernels* k, const simd::TileEpilogue& ep, float* c, int64_t ldc,
                              int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  if (ep.post == simd::Activation::kCount || r0 >= r1 || c0 >= c1) return;
  if (c0 == 0 && c1 == ldc) {  // whole rows: one run
    k->activation(ep.post, c + r0 * ldc, c + r0 * ldc, static_cast<size_t>((r1 - r0) * ldc), ep.post_alpha, ep.post_beta);
    return;
  }
  for (int64_t r = r0; r < r1; ++r) {
    float* row = c + r * ldc + c0;
    k->activation(ep.post, row, row, static_cast<size_t>(c1 - c0), ep.post_alpha, ep.post_beta);
  }
}

}  // namespace onyx::prims
