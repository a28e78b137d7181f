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
//   PartialVector  the first n <= lanes floats as one vector (the rest zero), and back: the last
//        tiles of a row that is not a whole number of vectors, without a scalar loop. The
//        generic one goes through a buffer on the stack; AVX-512 uses masks.
//   Transpose  lanes x lanes floats held as `lanes` vectors, transposed in registers: channel
//        planes to channel-interleaved pixels and back (simd/channel_lanes.h). The generic
//        one goes through memory.
//   Interleave  a0 b0 a1 b1 ... as two vectors (the pairs of the first half of the lanes, then
//        of the second): Winograd's even and odd output columns into one row. xsimd 8.1's
//        zip_lo/zip_hi pair lanes only within each 128 bits on AVX, so each ISA file gives the
//        whole-vector one; the generic one goes through memory.
//   EvenOdd  the even and odd lanes of p[0 .. 2 * lanes) as two vectors, and the even lanes
//        moved down one with p[2 * lanes] put last: the three columns of stride-2 windows of
//        width 3 (max pooling reads a row once for all three). Unavailable generically: the
//        ISAs without a specialisation take EvenLanes per tap.
//   KeepGreater  v where v > best, else best (NaN never replaces, a NaN best stays): max
//        pooling's rule, tap by tap. Generic: a compare and a blend. x86's maxps is defined as
//        exactly this rule, in one instruction of half the latency (a window's taps are a chain
//        of these), so the x86 files use it; NEON's vmaxq propagates NaN, so ARM keeps the blend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

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
struct Interleave {
  using V = xsimd::batch<float, Arch>;
  static constexpr size_t L = V::size;
  static void apply(const V& a, const V& b, V* lo, V* hi) {
    alignas(64) float x[L], y[L], t[2 * L];
    a.store_aligned(x);
    b.store_aligned(y);
    for (size_t i = 0; i < L; ++i) {
      t[2 * i] = x[i];
      t[2 * i + 1] = y[i];
    }
    *lo = V::load_aligned(t);
    *hi = V::load_aligned(t + L);
  }
};

template <class Arch>
struct KeepGreater {
  using V = xsimd::batch<float, Arch>;
  static V apply(const V& v, const V& best) { return xsimd::select(v > best, v, best); }
};

template <class Arch>
struct EvenLanes {
  static constexpr bool available = false;
};

template <class Arch>
struct EvenOdd {
  static constexpr bool available = false;
};

// Rows shorter than a vector in one masked load and store, where the ISA has masks that do not
// fault (AVX-512): with m = masks(n), copy out[i] = src[i] and even out[i] = src[2i], for
// i < n <= L. Nothing outside those elements is read or written. Elsewhere short rows take
// fixed-size copies or plain loops (simd/elementwise.h).
template <class Arch>
struct ShortRows {
  static constexpr bool available = false;
};

template <class Arch>
struct PartialVector {
  using V = xsimd::batch<float, Arch>;
  static constexpr size_t L = V::size;
  explicit PartialVector(int64_t n) : bytes(static_cast<size_t>(n) * sizeof(float)) {}
  // n = 0 touches nothing (p may then be null, as an empty row's data is).
  V load(const float* p) const {
    alignas(64) float t[L] = {};
    if (bytes != 0) std::memcpy(t, p, bytes);
    return V::load_aligned(t);
  }
  void store(float* p, const V& x) const {
    if (bytes == 0) return;
    alignas(64) float t[L];
    x.store_aligned(t);
    std::memcpy(p, t, bytes);
  }
  size_t bytes;
};

template <class Arch>
struct Transpose {
  using V = xsimd::batch<float, Arch>;
  static void apply(V* r) {
    constexpr size_t L = V::size;
    alignas(64) float m[L * L];
    for (size_t i = 0; i < L; ++i) r[i].store_unaligned(m + i * L);
    alignas(64) float t[L];
    for (size_t j = 0; j < L; ++j) {
      for (size_t i = 0; i < L; ++i) t[i] = m[i * L + j];
      r[j] = V::load_unaligned(t);
    }
  }
};

}  // namespace onyx::simd
