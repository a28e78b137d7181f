// The avx512 instantiation of the SIMD kernels (compiled with avx512 flags; see ops/meson.build).
#include <immintrin.h>

#include "simd/arch_ops.h"

namespace onyx::simd {

// a0 b0 a1 b1 ... across the whole vector (see Interleave in simd/arch_ops.h).
template <>
struct Interleave<xsimd::avx512f> {
  using V = xsimd::batch<float, xsimd::avx512f>;
  static void apply(const V& a, const V& b, V* lo, V* hi) {
    const __m512i first = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i second = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    *lo = _mm512_permutex2var_ps(a, first, b);
    *hi = _mm512_permutex2var_ps(a, second, b);
  }
};

// maxps(v, best) is v where v > best, else best: KeepGreater's rule (see simd/arch_ops.h).
template <>
struct KeepGreater<xsimd::avx512f> {
  using V = xsimd::batch<float, xsimd::avx512f>;
  static V apply(const V& v, const V& best) { return _mm512_max_ps(v, best); }
};

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

template <>
struct EvenOdd<xsimd::avx512f> {
  static constexpr bool available = true;
  using V = xsimd::batch<float, xsimd::avx512f>;
  static void apply(const float* p, V* even, V* odd) {
    const __m512 lo = _mm512_loadu_ps(p), hi = _mm512_loadu_ps(p + 16);
    *even = _mm512_permutex2var_ps(lo, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi);
    *odd = _mm512_permutex2var_ps(lo, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), hi);
  }
  static V next_even(const V& even, float last) {
    return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(_mm512_set1_ps(last)), _mm512_castps_si512(even), 1));
  }
};

template <>
struct ShortRows<xsimd::avx512f> {
  static constexpr bool available = true;
  // The masks for rows of n: n elements, and the 2n - 1 that `even` reads in two vectors.
  struct Masks {
    __mmask16 out, lo, hi;
  };
  static __mmask16 first(int n) { return static_cast<__mmask16>(n >= 16 ? 0xFFFF : n <= 0 ? 0 : (1u << n) - 1u); }
  static Masks masks(int n) { return {first(n), first(2 * n - 1), first(2 * n - 1 - 16)}; }
  static void copy(const float* src, float* out, const Masks& m) {
    _mm512_mask_storeu_ps(out, m.out, _mm512_maskz_loadu_ps(m.out, src));
  }
  static void even(const float* src, float* out, const Masks& m) {
    const __m512 lo = _mm512_maskz_loadu_ps(m.lo, src);
    const __m512 hi = _mm512_maskz_loadu_ps(m.hi, src + 16);
    const __m512i idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    _mm512_mask_storeu_ps(out, m.out, _mm512_permutex2var_ps(lo, idx, hi));
  }
};

template <>
struct PartialVector<xsimd::avx512f> {
  using V = xsimd::batch<float, xsimd::avx512f>;
  explicit PartialVector(int64_t n) : mask(ShortRows<xsimd::avx512f>::first(static_cast<int>(n))) {}
  V load(const float* p) const { return _mm512_maskz_loadu_ps(mask, p); }
  void store(float* p, const V& x) const { _mm512_mask_storeu_ps(p, mask, x); }
  __mmask16 mask;
};

template <>
struct Transpose<xsimd::avx512f> {
  using V = xsimd::batch<float, xsimd::avx512f>;
  static void apply(V* r) {
    // After the two unpack stages, 128-bit block k of u[4i + j] holds column 4k + j of rows
    // 4i .. 4i + 3; the two block shuffles gather each column's four blocks.
    __m512 t[16], u[16];
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    auto lo64 = [](__m512 a, __m512 b) {
      return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
    };
    auto hi64 = [](__m512 a, __m512 b) {
      return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
    };
    for (int i = 0; i < 4; ++i) {
      u[4 * i] = lo64(t[4 * i], t[4 * i + 2]);
      u[4 * i + 1] = hi64(t[4 * i], t[4 * i + 2]);
      u[4 * i + 2] = lo64(t[4 * i + 1], t[4 * i + 3]);
      u[4 * i + 3] = hi64(t[4 * i + 1], t[4 * i + 3]);
    }
    for (int j = 0; j < 4; ++j) {
      const __m512 v0 = _mm512_shuffle_f32x4(u[j], u[4 + j], _MM_SHUFFLE(1, 0, 1, 0));
      const __m512 v1 = _mm512_shuffle_f32x4(u[j], u[4 + j], _MM_SHUFFLE(3, 2, 3, 2));
      const __m512 v2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], _MM_SHUFFLE(1, 0, 1, 0));
      const __m512 v3 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], _MM_SHUFFLE(3, 2, 3, 2));
      r[j] = _mm512_shuffle_f32x4(v0, v2, _MM_SHUFFLE(2, 0, 2, 0));
      r[4 + j] = _mm512_shuffle_f32x4(v0, v2, _MM_SHUFFLE(3, 1, 3, 1));
      r[8 + j] = _mm512_shuffle_f32x4(v1, v3, _MM_SHUFFLE(2, 0, 2, 0));
      r[12 + j] = _mm512_shuffle_f32x4(v1, v3, _MM_SHUFFLE(3, 1, 3, 1));
    }
  }
};

}  // namespace onyx::simd

#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_avx512() {
  // The transposed tile, 7 x 2 vectors: ResNet-18's layer4 3x3 convolutions in the model, one
  // thread, 5.2 ms against 5.45 for 7 x 3 and 5.6 for 7 x 4 (two threads: 3.0 against 3.45;
  // 512 channels share out as 8 + 8 panels of 32, not 6 + 5 of 48).
  static const SimdKernels table = [] {
    SimdKernels k = make_kernels<xsimd::avx512f>(Isa::kAvx512, Tiles<12, 2, 8, 3, 8, 2>{}, TransposedTile<7, 2>{});
    k.winograd_min_channels = 16;
    return k;
  }();
  return &table;
}

}  // namespace onyx::simd
