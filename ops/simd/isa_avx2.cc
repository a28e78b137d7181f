// The avx2 instantiation of the SIMD kernels (compiled with avx2 flags; see ops/meson.build).
#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_avx2() {
  static const SimdKernels table = make_kernels<xsimd::fma3<xsimd::avx2>>(Isa::kAvx2, Tiles<6, 2, 4, 3>{});
  return &table;
}

}  // namespace onyx::simd
