// The avx512 instantiation of the SIMD kernels (compiled with avx512 flags; see ops/meson.build).
#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_avx512() {
  static const SimdKernels table = make_kernels<xsimd::avx512f>(Isa::kAvx512, Tiles<12, 2, 8, 3, 8, 2>{});
  return &table;
}

}  // namespace onyx::simd
