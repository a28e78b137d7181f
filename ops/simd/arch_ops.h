// xsimd operations a per-architecture file may override, where xsimd 8.1 (Debian 12) is slow
// or inexact. Each is a class template over the xsimd architecture; an ISA's translation unit
// (ops/simd/isa_<name>.cc) specialises it before it includes the kernels:
//   Fma  a * b + c rounded once. xsimd has no avx512f fma and falls back to a multiply and an
//        add, which halves the GEMM tile's throughput (isa_avx512.cc).
//   Div  a / b correctly rounded, as the scalar reference divides. xsimd divides NEON floats
//        by a reciprocal estimate and Newton steps, off in the last bits (isa_neon.cc,
//        isa_neon64.cc).
//   EvenLanes  p[0], p[2], ..., p[2 * (lanes - 1)] as one vector, reading p[0 .. 2 * lanes - 1):
//        the stride-2 windows of convolutions and pooling. xsimd 8.1 has no generic shuffle, so
//        an ISA without a specialisation (available = false) gathers with a scalar loop.
#pragma once

#include <xsimd/xsimd.hpp>

namespace onyx::simd {

template <class Arch>
struct Fma {
  using V = xsimd::batch<float, Arch>;
  static V apply(const V& a, const V& b, const V& c) { return xsimd::fma(a, b, c); }
};

template <class Arch>
struct Div {
  using V = xsimd::batch<float, Arch>;
  static V apply(const V& a, const V& b) { return a / b; }
};

template <class Arch>
struct EvenLanes {
  static constexpr bool available = false;
};

}  // namespace onyx::simd
