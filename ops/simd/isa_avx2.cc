// The avx2 instantiation of the SIMD kernels (compiled with avx2 flags; see ops/meson.build).
#include <immintrin.h>

#include "simd/arch_ops.h"

namespace onyx::simd {

template <>
struct EvenLanes<xsimd::fma3<xsimd::avx2>> {
  static constexpr bool available = true;
  using V = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
  static V apply(const float* p) {
    // Lanes 0, 2, 4, 6 of p[0 .. 8) and of p[7 .. 15) shifted by one (p[15] is not readable).
    const __m256i lo_idx = _mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0);
    const __m256i hi_idx = _mm256_setr_epi32(0, 0, 0, 0, 1, 3, 5, 7);
    const __m256 lo = _mm256_permutevar8x32_ps(_mm256_loadu_ps(p), lo_idx);
    const __m256 hi = _mm256_permutevar8x32_ps(_mm256_loadu_ps(p + 7), hi_idx);
    return _mm256_blend_ps(lo, hi, 0xF0);
  }
};

}  // namespace onyx::simd

#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_avx2() {
  static const SimdKernels table = make_kernels<xsimd::fma3<xsimd::avx2>>(Isa::kAvx2, Tiles<6, 2, 4, 3>{});
  return &table;
}

}  // namespace onyx::simd
