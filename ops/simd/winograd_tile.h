// The two data transforms of Winograd F(2x2, 3x3) convolution (prims/winograd.h), written
// once over the element type: T = float (one tile) or an xsimd batch (one tile per lane).
// They only add and subtract, in the order written, so every ISA gives the same bits. Then
// each output row is put together from its even and odd columns (winograd_row).
#pragma once

#include <algorithm>
#include <cstdint>

#include <xsimd/xsimd.hpp>

#include "simd/arch_ops.h"
#include "simd/kernels.h"

namespace onyx::simd {
// Internal linkage: each ISA's translation unit keeps its own copies (no ODR mixing of code
// compiled for different instruction sets).
namespace {

// Input: the 4x4 patch of tile j, given as the even and odd columns of its four rows (row q's
// columns 2j, 2j+1, 2j+2, 2j+3 are e[q * ld + j], o[q * ld + j], e[q * ld + j + 1],
// o[q * ld + j + 1]), becomes V = B^T d B, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1];
// element i of V goes to v[i * vs + j].
template <class T, class Load, class Store>
inline void winograd_input_tile(const float* e, const float* o, int64_t ld, int64_t j, float* v, int64_t vs,
                                Load load, Store store) {
  T h[4][4];
  for (int q = 0; q < 4; ++q) {
    const T e0 = load(e + q * ld + j), e1 = load(e + q * ld + j + 1);
    const T o0 = load(o + q * ld + j), o1 = load(o + q * ld + j + 1);
    h[q][0] = e0 - e1;
    h[q][1] = o0 + e1;
    h[q][2] = e1 - o0;
    h[q][3] = o0 - o1;
  }
  for (int k = 0; k < 4; ++k) {
    store(v + k * vs + j, h[0][k] - h[2][k]);
    store(v + (4 + k) * vs + j, h[1][k] + h[2][k]);
    store(v + (8 + k) * vs + j, h[2][k] - h[1][k]);
    store(v + (12 + k) * vs + j, h[1][k] - h[3][k]);
  }
}

// Output: the 4x4 products of tile j (element i at p[i * ps + j]) become Y = A^T M A,
// A^T = [1 1 1 0; 0 1 -1 -1]; Y's element (a, b) goes to y[(2a + b) * ys + j].
template <class T, class Load, class Store>
inline void winograd_output_tile(const float* p, int64_t ps, int64_t j, float* y, int64_t ys, Load load,
                                 Store store) {
  T s0[4], s1[4];
  for (int k = 0; k < 4; ++k) {
    const T m0 = load(p + k * ps + j), m1 = load(p + (4 + k) * ps + j);
    const T m2 = load(p + (8 + k) * ps + j), m3 = load(p + (12 + k) * ps + j);
    s0[k] = m0 + m1 + m2;
    s1[k] = m1 - m2 - m3;
  }
  store(y + j, s0[0] + s0[1] + s0[2]);
  store(y + ys + j, s0[1] - s0[2] - s0[3]);
  store(y + 2 * ys + j, s1[0] + s1[1] + s1[2]);
  store(y + 3 * ys + j, s1[1] - s1[2] - s1[3]);
}

// Tiles [0, tiles) of one tile row: whole vectors, then the rest as one partial vector (on 7x7
// and 14x14 images, every tile; one at a time they took as long as the 16 products of a layer's
// GEMMs took a quarter of).
template <class Arch>
void winograd_input(const float* e, const float* o, int64_t ld, int64_t tiles, float* v, int64_t vs) {
  using V = xsimd::batch<float, Arch>;
  constexpr auto L = static_cast<int64_t>(V::size);
  auto load = [](const float* p) { return V::load_unaligned(p); };
  auto store = [](float* p, const V& x) { x.store_unaligned(p); };
  int64_t j = 0;
  for (; j + L <= tiles; j += L) winograd_input_tile<V>(e, o, ld, j, v, vs, load, store);
  if (j < tiles) {
    const PartialVector<Arch> part(tiles - j);
    winograd_input_tile<V>(
        e, o, ld, j, v, vs, [&](const float* p) { return part.load(p); },
        [&](float* p, const V& x) { part.store(p, x); });
  }
}

template <class Arch>
void winograd_output(const float* p, int64_t ps, int64_t tiles, float* y, int64_t ys) {
  using V = xsimd::batch<float, Arch>;
  constexpr auto L = static_cast<int64_t>(V::size);
  auto load = [](const float* q) { return V::load_unaligned(q); };
  auto store = [](float* q, const V& x) { x.store_unaligned(q); };
  int64_t j = 0;
  for (; j + L <= tiles; j += L) winograd_output_tile<V>(p, ps, j, y, ys, load, store);
  if (j < tiles) {
    const PartialVector<Arch> part(tiles - j);
    winograd_output_tile<V>(
        p, ps, j, y, ys, [&](const float* q) { return part.load(q); },
        [&](float* q, const V& x) { part.store(q, x); });
  }
}

// One output row from its even and odd columns (as winograd_output leaves them): y[2j] = e[j],
// y[2j + 1] = o[j] for i < n, each plus add[i] (when add), plus bias (when ep.bias), then
// clamped to [ep.lo, ep.hi] (NaN becomes lo), as prims::finish_scalar, in the same order: the
// same bits on every ISA. Whole vectors of outputs, then the rest as partial ones (ResNet-18's
// rows of 28 and 14 are shorter than two AVX-512 vectors). One float at a time, a 28x28 block's
// output transform took 36-40 us; with this, 32.5-33.
template <class Arch>
void winograd_row(const float* e, const float* o, int64_t n, const float* add, float bias, const TileEpilogue& ep,
                  float* y) {
  using V = xsimd::batch<float, Arch>;
  constexpr auto L = static_cast<int64_t>(V::size);
  const V b(bias), lo(ep.lo), hi(ep.hi);
  auto finish = [&](V x, const V& a) {
    if (add != nullptr) x += a;
    if (ep.bias != nullptr) x += b;
    if (ep.clamp) {
      x = KeepGreater<Arch>::apply(x, lo);
      x = xsimd::select(x < hi, x, hi);
    }
    return x;
  };
  int64_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    V first, second;
    Interleave<Arch>::apply(V::load_unaligned(e + i / 2), V::load_unaligned(o + i / 2), &first, &second);
    finish(first, add != nullptr ? V::load_unaligned(add + i) : V(0.0f)).store_unaligned(y + i);
    finish(second, add != nullptr ? V::load_unaligned(add + i + L) : V(0.0f)).store_unaligned(y + i + L);
  }
  if (i < n) {
    // The last rest outputs: (rest + 1) / 2 even and rest / 2 odd columns.
    const int64_t rest = n - i;
    const PartialVector<Arch> evens((rest + 1) / 2), odds(rest / 2);
    const PartialVector<Arch> head(std::min(rest, L)), tail(std::max<int64_t>(rest - L, 0));
    V first, second;
    Interleave<Arch>::apply(evens.load(e + i / 2), odds.load(o + i / 2), &first, &second);
    head.store(y + i, finish(first, add != nullptr ? head.load(add + i) : V(0.0f)));
    if (rest > L) tail.store(y + i + L, finish(second, add != nullptr ? tail.load(add + i + L) : V(0.0f)));
  }
}

}  // namespace
}  // namespace onyx::simd
