// The neon64 instantiation of the SIMD kernels (compiled with neon64 flags; see ops/meson.build).
#include "simd/kernels_impl.h"

namespace onyx::simd {

const SimdKernels* kernels_neon64() {
  static const SimdKernels table = make_kernels<xsimd::neon64>(Isa::kNeon64, Tiles<8, 2, 6, 3>{});
  return &table;
}

}  // namespace onyx::simd
