// The GEMM micro-kernel, written once over an xsimd architecture and instantiated per ISA.
// It keeps an MR x NV-vector block of C in registers and walks K: per step one row of B (NV
// vectors, of a packed panel or of a matrix in place) and MR broadcasts of the A panel, MR*NV
// fused multiply-adds.
#pragma once

#include <xsimd/xsimd.hpp>

#include "simd/arch_ops.h"
#include "simd/kernels.h"

namespace onyx::simd {
// Internal linkage: each ISA's translation unit keeps its own copies (no ODR mixing of code
// compiled for different instruction sets).
namespace {

template <class Arch, int MR, int NV>
void gemm_tile(int64_t kc, const float* a, const float* b, int64_t ldb, float* c, int64_t ldc, int m, int n,
               bool accumulate, bool last, const TileEpilogue& ep) {
  using V = xsimd::batch<float, Arch>;
  constexpr int L = static_cast<int>(V::size);
  constexpr int NR = NV * L;
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = V(0.0f);

  for (int64_t k = 0; k < kc; ++k) {
    V bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = V::load_unaligned(b + v * L);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const V ar(a[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = Fma<Arch>::apply(ar, bv[v], acc[r][v]);
    }
    a += MR;
    b += ldb;
  }

  const V lo(ep.lo), hi(ep.hi);
  auto finish = [&](V x, int r) {
    if (last) {
      if (ep.bias != nullptr) x += V(ep.bias[r]);
      if (ep.clamp) x = xsimd::min(xsimd::max(x, lo), hi);
    }
    return x;
  };
  if (m == MR && n == NR) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      float* row = c + r * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        V x = acc[r][v];
        if (accumulate) x += V::load_unaligned(row + v * L);
        finish(x, r).store_unaligned(row + v * L);
      }
    }
    return;
  }
  // Partial tile (edges of C): go through a buffer so nothing past m x n is touched.
  alignas(64) float tile[MR * NR];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v].store_aligned(tile + r * NR + v * L);
  for (int r = 0; r < m; ++r) {
    float* row = c + r * ldc;
    const float bias = last && ep.bias != nullptr ? ep.bias[r] : 0.0f;
    for (int j = 0; j < n; ++j) {
      float x = tile[r * NR + j];
      if (accumulate) x += row[j];
      if (last) {
        x += bias;
        if (ep.clamp) {
          x = x > ep.lo ? x : ep.lo;  // as the vector max/min: NaN becomes the bound
          x = x < ep.hi ? x : ep.hi;
        }
      }
      row[j] = x;
    }
  }
}

}  // namespace
}  // namespace onyx::simd
