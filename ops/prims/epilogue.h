// The GEMM tile's epilogue on one float, for the primitives' scalar paths (PackedGemm's empty
// sum, Winograd's output interleave): x plus the bias, then clamped to [lo, hi] with NaN
// becoming the bound, as the vector max/min do. The tiles keep their own copy inside each ISA's
// file; `static` keeps this one out of any cross-ISA symbol merging too.
#pragma once

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

}  // namespace onyx::prims
