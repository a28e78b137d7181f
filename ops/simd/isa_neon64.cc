// The neon64 instantiation of the SIMD kernels (compiled with neon64 flags; see ops/meson.build).
#include <arm_neon.h>

#include "simd/arch_ops.h"
#include "simd/neon_transpose.h"

namespace onyx::simd {

// a0 b0 a1 b1 ... across the whole vector (see Interleave in simd/arch_ops.h).
template <>
struct Interleave<xsimd::neon64> {
  using V = xsimd::batch<float, xsimd::neon64>;
  static void apply(const V& a, const V& b, V* lo, V* hi) {
    *lo = vzip1q_f32(a, b);
    *hi = vzip2q_f32(a, b);
  }
};

// xsimd 8.1 divides floats by a refined reciprocal estimate; aarch64 has a true divide.
template <>
struct Div<xsimd::neon64> {
  using V = xsimd::batch<float, xsimd::neon64>;
  static V apply(const V& a, const V& b) { return vdivq_f32(a, b); }
};

template <>
struct EvenLanes<xsimd::neon64> {
  static constexpr bool available = true;
  using V = xsimd::batch<float, xsimd::neon64>;
  // p[0], p[2] and (p[3 .. 7) shifted by one) p[4], p[6]: nothing past p[6] is read.
  static V apply(const float* p) { return vuzp1q_f32(vld1q_f32(p), vextq_f32(vld1q_f32(p + 3), vld1q_f32(p + 3), 1)); }
};

template <>
struct EvenOdd<xsimd::neon64> {
  static constexpr bool available = true;
  using V = xsimd::batch<float, xsimd::neon64>;
  static void apply(const float* p, V* even, V* odd) {
    const float32x4_t a = vld1q_f32(p), b = vld1q_f32(p + 4);
    *even = vuzp1q_f32(a, b);
    *odd = vuzp2q_f32(a, b);
  }
  static V next_even(const V& even, float last) { return vextq_f32(even, vdupq_n_f32(last), 1); }
};

template <>
struct Transpose<xsimd::neon64> : NeonTranspose<xsimd::neon64> {};

}  // namespace onyx::simd

#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_neon64() {
  static const SimdKernels table = make_kernels<xsimd::neon64>(Isa::kNeon64, Tiles<8, 2, 6, 3>{});
  return &table;
}

}  // namespace onyx::simd
