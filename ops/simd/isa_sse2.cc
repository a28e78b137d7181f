// The sse2 instantiation of the SIMD kernels (compiled with sse2 flags; see ops/meson.build).
#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_sse2() {
  static const SimdKernels table = make_kernels<xsimd::sse2>(Isa::kSse2, Tiles<6, 2, 4, 3>{});
  return &table;
}

}  // namespace onyx::simd
