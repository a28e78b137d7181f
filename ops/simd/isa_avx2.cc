// The avx2 instantiation of the SIMD kernels (compiled with avx2 flags; see ops/meson.build).
#include <immintrin.h>

#include "simd/arch_ops.h"

namespace onyx::simd {

// a0 b0 a1 b1 ... across the whole vector (see Interleave in simd/arch_ops.h).
template <>
struct Interleave<xsimd::fma3<xsimd::avx2>> {
  using V = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
  static void apply(const V& a, const V& b, V* lo, V* hi) {
    // Pairs within each 128-bit half, then the halves put in order.
    const __m256 l = _mm256_unpacklo_ps(a, b), h = _mm256_unpackhi_ps(a, b);
    *lo = _mm256_permute2f128_ps(l, h, 0x20);
    *hi = _mm256_permute2f128_ps(l, h, 0x31);
  }
};

// maxps(v, best) is v where v > best, else best: KeepGreater's rule (see simd/arch_ops.h).
template <>
struct KeepGreater<xsimd::fma3<xsimd::avx2>> {
  using V = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
  static V apply(const V& v, const V& best) { return _mm256_max_ps(v, best); }
};

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

template <>
struct EvenOdd<xsimd::fma3<xsimd::avx2>> {
  static constexpr bool available = true;
  using V = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
  static void apply(const float* p, V* even, V* odd) {
    // Evens (odds) of each 128-bit half of both vectors, then the 64-bit pairs put in order.
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
  }
  static V next_even(const V& even, float last) {
    const __m256 down = _mm256_permutevar8x32_ps(even, _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 7));
    return _mm256_blend_ps(down, _mm256_set1_ps(last), 0x80);
  }
};

template <>
struct Transpose<xsimd::fma3<xsimd::avx2>> {
  using V = xsimd::batch<float, xsimd::fma3<xsimd::avx2>>;
  static void apply(V* r) {
    // Pairs of rows interleaved, then pairs of pairs, then the 128-bit halves swapped across.
    __m256 t[8], s[8];
    for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; ++i) {
      s[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
      s[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
      s[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
      s[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int j = 0; j < 4; ++j) {
      r[j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x20);
      r[4 + j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x31);
    }
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
