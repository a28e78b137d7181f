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

}  // namespace onyx::simd

#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_avx512() {
  static const SimdKernels table = make_kernels<xsimd::avx512f>(Isa::kAvx512, Tiles<12, 2, 8, 3, 8, 2>{});
  return &table;
}

}  // namespace onyx::simd
