// Builds the SimdKernels table of one ISA from the kernel templates. Included only by the
// per-ISA translation units (ops/simd/isa_<name>.cc), each compiled with its ISA's flags.
#pragma once

#include "simd/activation.h"
#include "simd/channel_lanes.h"
#include "simd/elementwise.h"
#include "simd/gemm_tile.h"
#include "simd/kernels.h"
#include "simd/winograd_tile.h"

namespace onyx::simd {
// Internal linkage: each ISA's translation unit keeps its own copies (no ODR mixing of code
// compiled for different instruction sets).
namespace {

template <class Arch, int MR, int NV>
SimdKernels::GemmTile tile_entry() {
  constexpr int L = static_cast<int>(xsimd::batch<float, Arch>::size);
  SimdKernels::GemmTile t{MR, NV * L, &gemm_tile<Arch, MR, NV>};
  if constexpr (NV > 1) {
    t.narrow_nr = L;
    t.narrow = &gemm_tile<Arch, MR, 1>;
  }
  return t;
}

// Tiles are given as (rows, vectors) pairs: Tiles<6, 2, 4, 3> is a 6 x 2-vector and a
// 4 x 3-vector tile; each keeps rows * vectors accumulators in registers.
template <int... RV>
struct Tiles {};

template <class Arch, int R, int V, int... Rest>
void add_tiles(SimdKernels& k) {
  k.gemm[k.gemm_tiles++] = tile_entry<Arch, R, V>();
  if constexpr (sizeof...(Rest) > 0) add_tiles<Arch, Rest...>(k);
}

template <class Arch, int... RV>
SimdKernels make_kernels(Isa isa, Tiles<RV...>) {
  static_assert(sizeof...(RV) % 2 == 0 && sizeof...(RV) / 2 <= SimdKernels::kMaxGemmTiles);
  SimdKernels k;
  k.isa = isa;
  add_tiles<Arch, RV...>(k);
  k.binary = &binary<Arch>;
  k.gather_rows = &gather_rows<Arch>;
  k.clamp = &clamp<Arch>;
  k.scale_shift = &scale_shift<Arch>;
  k.depthwise_taps = &depthwise_taps<Arch>;
  k.channel_lanes = static_cast<int>(xsimd::batch<float, Arch>::size);
  k.depthwise3x3_lanes = &depthwise3x3_lanes<Arch>;
  k.max_pool_lanes = &max_pool_lanes<Arch>;
  k.max_taps = &max_taps<Arch>;
  k.even_odd = EvenOdd<Arch>::available;
  k.max_stride2 = &max_stride2<Arch>;
  k.depthwise3x3_rows = &depthwise3x3_rows<Arch>;
  k.winograd_input = &winograd_input<Arch>;
  k.winograd_output = &winograd_output<Arch>;
  k.winograd_row = &winograd_row<Arch>;
  k.dot = &dot<Arch>;
  k.axpy = &axpy<Arch>;
  k.sum = &sum<Arch>;
  k.max = &max<Arch>;
  k.activation = &activation<Arch>;
  return k;
}

// With a tile for transposed products (SimdKernels::transposed) of R rows and V vectors.
template <int R, int V>
struct TransposedTile {};

template <class Arch, int... RV, int R, int V>
SimdKernels make_kernels(Isa isa, Tiles<RV...> tiles, TransposedTile<R, V>) {
  SimdKernels k = make_kernels<Arch>(isa, tiles);
  k.transposed = tile_entry<Arch, R, V>();
  return k;
}

}  // namespace
}  // namespace onyx::simd
