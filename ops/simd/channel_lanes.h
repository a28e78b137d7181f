// Kernels with channels in the vector lanes (SimdKernels::depthwise3x3_lanes, max_pool_lanes).
// Small planes (7x7, 14x14, and stride 2) waste most of a row-wise kernel's lanes and its time
// goes on per-row work; with one channel per lane every output pixel is a few full vector
// operations whatever the plane's width or stride. The planes are turned into
// channel-interleaved pixels and back by in-register transposes of lanes x lanes blocks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include <xsimd/xsimd.hpp>

#include "simd/arch_ops.h"
#include "simd/kernels.h"

namespace onyx::simd {
// Internal linkage: each ISA's translation unit keeps its own copies (no ODR mixing of code
// compiled for different instruction sets).
namespace {

// f(first, n) over [0, count) in blocks of L: whole blocks, a last partial block redone as the
// last L (the same values computed and stored again), or one block of all when count < L.
template <int64_t L, class F>
void lane_blocks(int64_t count, F&& f) {
  if (count < L) {
    f(int64_t{0}, count);
    return;
  }
  for (int64_t p0 = 0; p0 < count; p0 += L) f(std::min(p0, count - L), L);
}

// The planes into pad's pixels, L pixels at a time in row-major order (a plane of fewer than L
// pixels is read through a zero-filled buffer).
template <class Arch>
void planes_to_pixels(const LanesPlanes& b) {
  using V = xsimd::batch<float, Arch>;
  constexpr int64_t L = static_cast<int64_t>(V::size);
  alignas(64) float buf[L];
  V rows[L];
  const int64_t in_px = b.ih * b.iw;
  auto load_plane = [&](int64_t p0, int64_t n) {
    if (b.channels == L && n == L) {
      for (int64_t c = 0; c < L; ++c) rows[c] = V::load_unaligned(b.x + c * in_px + p0);
    } else {
      for (int64_t c = 0; c < L; ++c) {
        for (int64_t j = 0; j < L; ++j) buf[j] = c < b.channels && j < n ? b.x[c * in_px + p0 + j] : 0.0f;
        rows[c] = V::load_aligned(buf);
      }
    }
    Transpose<Arch>::apply(rows);
    if (b.ph == 0 && b.pw == 0 && b.hp == b.ih && b.wp == b.iw) {  // no padding: pixels in a row
      for (int64_t j = 0; j < n; ++j) rows[j].store_aligned(b.pad + (p0 + j) * L);
      return;
    }
    int64_t iy = p0 / b.iw, ix = p0 % b.iw;
    for (int64_t j = 0; j < n; ++j) {
      const int64_t py = iy + b.ph, px = ix + b.pw;
      if (py < b.hp && px < b.wp) rows[j].store_aligned(b.pad + (py * b.wp + px) * L);
      if (++ix == b.iw) {
        ix = 0;
        ++iy;
      }
    }
  };
  lane_blocks<L>(in_px, load_plane);
}

// Output pixels, L at a time: pixel(t) is the vector of one output pixel whose window starts at
// pad pixel t; then transposed back into the channels' planes (pixels past a short plane's end
// repeat its last one and are not stored).
template <class Arch, class Pixel>
void pixels_to_planes(const LanesPlanes& b, Pixel&& pixel) {
  using V = xsimd::batch<float, Arch>;
  constexpr int64_t L = static_cast<int64_t>(V::size);
  alignas(64) float buf[L];
  V rows[L];
  const int64_t out_px = b.oh * b.ow;
  auto store_plane = [&](int64_t q0, int64_t n) {
    int64_t oy = q0 / b.ow, ox = q0 % b.ow;
    for (int64_t j = 0; j < L; ++j) {
      rows[j] = pixel(b.pad + (oy * b.sh * b.wp + ox * b.sw) * L);
      // Pixels past n (only in a plane of fewer than L) repeat the last one.
      if (j + 1 < n && ++ox == b.ow) {
        ox = 0;
        ++oy;
      }
    }
    Transpose<Arch>::apply(rows);
    if (b.channels == L && n == L) {
      for (int64_t c = 0; c < L; ++c) rows[c].store_unaligned(b.y + c * out_px + q0);
      return;
    }
    for (int64_t c = 0; c < b.channels; ++c) {
      rows[c].store_aligned(buf);
      for (int64_t j = 0; j < n; ++j) b.y[c * out_px + q0 + j] = buf[j];
    }
  };
  lane_blocks<L>(out_px, store_plane);
}

template <class Arch>
void depthwise3x3_lanes(const DepthwiseBlock& b) {
  using V = xsimd::batch<float, Arch>;
  constexpr int64_t L = static_cast<int64_t>(V::size);
  alignas(64) float buf[L];
  // Lane c of each weight vector and of the bias is channel c's (zero past `channels`).
  V wv[9], bv;
  for (int k = 0; k < 9; ++k) {
    for (int64_t c = 0; c < L; ++c) buf[c] = c < b.channels ? b.w[c * 9 + k] : 0.0f;
    wv[k] = V::load_aligned(buf);
  }
  for (int64_t c = 0; c < L; ++c) buf[c] = c < b.channels && b.bias != nullptr ? b.bias[c] : 0.0f;
  bv = V::load_aligned(buf);
  const V lo(b.lo), hi(b.hi);
  planes_to_pixels<Arch>(b);
  // Nine taps, multiply-added in the order kh * 3 + kw.
  const int64_t row = b.wp * L;
  pixels_to_planes<Arch>(b, [&](const float* t) {
    V acc = Fma<Arch>::apply(wv[0], V::load_aligned(t), bv);
    acc = Fma<Arch>::apply(wv[1], V::load_aligned(t + L), acc);
    acc = Fma<Arch>::apply(wv[2], V::load_aligned(t + 2 * L), acc);
    acc = Fma<Arch>::apply(wv[3], V::load_aligned(t + row), acc);
    acc = Fma<Arch>::apply(wv[4], V::load_aligned(t + row + L), acc);
    acc = Fma<Arch>::apply(wv[5], V::load_aligned(t + row + 2 * L), acc);
    acc = Fma<Arch>::apply(wv[6], V::load_aligned(t + 2 * row), acc);
    acc = Fma<Arch>::apply(wv[7], V::load_aligned(t + 2 * row + L), acc);
    acc = Fma<Arch>::apply(wv[8], V::load_aligned(t + 2 * row + 2 * L), acc);
    return b.clamp ? xsimd::min(xsimd::max(acc, lo), hi) : acc;
  });
}

template <class Arch>
void max_pool_lanes(const MaxPoolBlock& b) {
  using V = xsimd::batch<float, Arch>;
  constexpr int64_t L = static_cast<int64_t>(V::size);
  planes_to_pixels<Arch>(b);
  // The taps' pad offsets in row-major window order, the order of the scalar rule.
  int64_t offs[kMaxLanesPoolTaps];
  const int taps = static_cast<int>(b.kh * b.kw);
  for (int64_t i = 0; i < b.kh; ++i) {
    for (int64_t j = 0; j < b.kw; ++j) offs[i * b.kw + j] = (i * b.dh * b.wp + j * b.dw) * L;
  }
  pixels_to_planes<Arch>(b, [&](const float* t) {
    V best = V::load_aligned(t + offs[0]);
    for (int k = 1; k < taps; ++k) {
      const V v = V::load_aligned(t + offs[k]);
      best = KeepGreater<Arch>::apply(v, best);  // a later tap replaces the best only when greater
    }
    return best;
  });
}

}  // namespace
}  // namespace onyx::simd
