// Fused multiply-add per architecture: a * b + c rounded once. xsimd 8.1 (Debian 12) has no
// avx512f fma and falls back to a multiply and an add, which halves the GEMM tile's throughput;
// a per-architecture file specialises Fma before it includes the kernels (isa_avx512.cc).
#pragma once

#include <xsimd/xsimd.hpp>

namespace onyx::simd {

template <class Arch>
struct Fma {
  using V = xsimd::batch<float, Arch>;
  static V apply(const V& a, const V& b, const V& c) { return xsimd::fma(a, b, c); }
};

}  // namespace onyx::simd
