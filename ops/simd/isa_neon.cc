// The neon instantiation of the SIMD kernels (compiled with neon flags; see ops/meson.build).
#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_neon() {
  static const SimdKernels table = make_kernels<xsimd::neon>(Isa::kNeon, Tiles<4, 2, 6, 1>{});
  return &table;
}

}  // namespace onyx::simd
