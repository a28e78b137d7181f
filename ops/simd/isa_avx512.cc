// The avx512 instantiation of the SIMD kernels (compiled with avx512 flags; see ops/meson.build).
#include <immintrin.h>

#include "simd/arch_ops.h"

namespace onyx::simd {

// xsimd 8.1 lacks an avx512f fma (see simd/arch_ops.h).
template <>
struct Fma<xsimd::avx512f> {
  using V = xsimd::batch<float, xsimd::avx512f>;
  static V apply(const V& a, const V& b, const V& c) { return _mm512_fmadd_ps(a, b, c); }
};

template <>
struct EvenLanes<xsimd::avx512f> {
  static constexpr bool available = true;
  using V = xsimd::batch<float, xsimd::avx512f>;
  static V apply(const float* p) {
    // Two vectors, the second loaded without its last lane (p[31] is not readable).
    const __m512 lo = _mm512_loadu_ps(p);
    const __m512 hi = _mm512_maskz_loadu_ps(0x7FFF, p + 16);
    const __m512i idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(lo, idx, hi);
  }
};

}  // namespace onyx::simd

#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_avx512() {
  static const SimdKernels table = make_kernels<xsimd::avx512f>(Isa::kAvx512, Tiles<12, 2, 8, 3, 8, 2>{});
  return &table;
}

}  // namespace onyx::simd
