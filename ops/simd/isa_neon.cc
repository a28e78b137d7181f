// The neon instantiation of the SIMD kernels (compiled with neon flags; see ops/meson.build).
#include <arm_neon.h>

#include "simd/arch_ops.h"
#include "simd/neon_transpose.h"

namespace onyx::simd {

// a0 b0 a1 b1 ... across the whole vector (see Interleave in simd/arch_ops.h).
template <>
struct Interleave<xsimd::neon> {
  using V = xsimd::batch<float, xsimd::neon>;
  static void apply(const V& a, const V& b, V* lo, V* hi) {
    const float32x4x2_t z = vzipq_f32(a, b);
    *lo = z.val[0];
    *hi = z.val[1];
  }
};

// ARMv7 NEON has no vector divide and xsimd 8.1 approximates one; divide lane by lane on the
// VFP unit instead, correctly rounded like the scalar reference.
template <>
struct Div<xsimd::neon> {
  using V = xsimd::batch<float, xsimd::neon>;
  static V apply(const V& a, const V& b) {
    alignas(16) float x[V::size], y[V::size];
    a.store_aligned(x);
    b.store_aligned(y);
    for (size_t i = 0; i < V::size; ++i) x[i] /= y[i];
    return V::load_aligned(x);
  }
};

template <>
struct EvenLanes<xsimd::neon> {
  static constexpr bool available = true;
  using V = xsimd::batch<float, xsimd::neon>;
  // p[0], p[2] and (p[3 .. 7) shifted by one) p[4], p[6]: nothing past p[6] is read.
  static V apply(const float* p) {
    const float32x4_t hi = vld1q_f32(p + 3);
    return vuzpq_f32(vld1q_f32(p), vextq_f32(hi, hi, 1)).val[0];
  }
};

template <>
struct EvenOdd<xsimd::neon> {
  static constexpr bool available = true;
  using V = xsimd::batch<float, xsimd::neon>;
  static void apply(const float* p, V* even, V* odd) {
    const float32x4x2_t u = vuzpq_f32(vld1q_f32(p), vld1q_f32(p + 4));
    *even = u.val[0];
    *odd = u.val[1];
  }
  static V next_even(const V& even, float last) { return vextq_f32(even, vdupq_n_f32(last), 1); }
};

template <>
struct Transpose<xsimd::neon> : NeonTranspose<xsimd::neon> {};

}  // namespace onyx::simd

#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_neon() {
  static const SimdKernels table = make_kernels<xsimd::neon>(Isa::kNeon, Tiles<4, 2, 6, 1>{});
  return &table;
}

}  // namespace onyx::simd
