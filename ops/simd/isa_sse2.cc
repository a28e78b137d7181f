// The sse2 instantiation of the SIMD kernels (compiled with sse2 flags; see ops/meson.build).
#include <emmintrin.h>

#include "simd/arch_ops.h"

namespace onyx::simd {

// a0 b0 a1 b1 ... across the whole vector (see Interleave in simd/arch_ops.h).
template <>
struct Interleave<xsimd::sse2> {
  using V = xsimd::batch<float, xsimd::sse2>;
  static void apply(const V& a, const V& b, V* lo, V* hi) {
    *lo = _mm_unpacklo_ps(a, b);
    *hi = _mm_unpackhi_ps(a, b);
  }
};

// maxps(v, best) is v where v > best, else best: KeepGreater's rule (see simd/arch_ops.h).
template <>
struct KeepGreater<xsimd::sse2> {
  using V = xsimd::batch<float, xsimd::sse2>;
  static V apply(const V& v, const V& best) { return _mm_max_ps(v, best); }
};

template <>
struct EvenLanes<xsimd::sse2> {
  static constexpr bool available = true;
  using V = xsimd::batch<float, xsimd::sse2>;
  static V apply(const float* p) {
    // The last lane read is p[6]: p[7] is past what the caller may read, so load p[3 .. 6].
    return _mm_shuffle_ps(_mm_loadu_ps(p), _mm_loadu_ps(p + 3), _MM_SHUFFLE(3, 1, 2, 0));
  }
};

template <>
struct EvenOdd<xsimd::sse2> {
  static constexpr bool available = true;
  using V = xsimd::batch<float, xsimd::sse2>;
  static void apply(const float* p, V* even, V* odd) {
    const __m128 a = _mm_loadu_ps(p), b = _mm_loadu_ps(p + 4);
    *even = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    *odd = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
  }
  static V next_even(const V& even, float last) {
    const __m128 t = _mm_move_ss(even, _mm_set_ss(last));  // last, e1, e2, e3
    return _mm_shuffle_ps(t, t, _MM_SHUFFLE(0, 3, 2, 1));
  }
};

template <>
struct Transpose<xsimd::sse2> {
  using V = xsimd::batch<float, xsimd::sse2>;
  static void apply(V* r) {
    __m128 a = r[0], b = r[1], c = r[2], d = r[3];
    _MM_TRANSPOSE4_PS(a, b, c, d);
    r[0] = a;
    r[1] = b;
    r[2] = c;
    r[3] = d;
  }
};

}  // namespace onyx::simd

#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_sse2() {
  static const SimdKernels table = make_kernels<xsimd::sse2>(Isa::kSse2, Tiles<6, 2, 4, 3>{});
  return &table;
}

}  // namespace onyx::simd
