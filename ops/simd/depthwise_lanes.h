// A 3x3 depthwise convolution with channels in the vector lanes (SimdKernels::depthwise3x3_lanes).
// Small planes (7x7, 14x14, and stride 2) waste most of a row-wise kernel's lanes and its time
// goes on per-row work; with one channel per lane every output pixel is nine full vector
// multiply-adds whatever the plane's width or stride. The planes are turned into
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

template <class Arch>
void depthwise3x3_lanes(const DepthwiseBlock& b) {
  using V = xsimd::batch<float, Arch>;
  constexpr int64_t L = static_cast<int64_t>(V::size);
  const int channels = b.channels;
  alignas(64) float buf[L];
  // Lane c of each weight vector and of the bias is channel c's (zero past `channels`).
  V wv[9], bv;
  for (int k = 0; k < 9; ++k) {
    for (int64_t c = 0; c < L; ++c) buf[c] = c < channels ? b.w[c * 9 + k] : 0.0f;
    wv[k] = V::load_aligned(buf);
  }
  for (int64_t c = 0; c < L; ++c) buf[c] = c < channels && b.bias != nullptr ? b.bias[c] : 0.0f;
  bv = V::load_aligned(buf);
  const V lo(b.lo), hi(b.hi);

  V rows[L];
  // The planes into pad's pixels, L pixels at a time in row-major order. A last partial block
  // is redone as the last L pixels (the same values stored again); a plane of fewer than L
  // pixels is read through a zero-filled buffer.
  const int64_t in_px = b.ih * b.iw;
  auto load_plane = [&](int64_t p0, int64_t n) {
    if (channels == L && n == L) {
      for (int64_t c = 0; c < L; ++c) rows[c] = V::load_unaligned(b.x + c * in_px + p0);
    } else {
      for (int64_t c = 0; c < L; ++c) {
        for (int64_t j = 0; j < L; ++j) buf[j] = c < channels && j < n ? b.x[c * in_px + p0 + j] : 0.0f;
        rows[c] = V::load_aligned(buf);
      }
    }
    Transpose<Arch>::apply(rows);
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
  if (in_px < L) {
    load_plane(0, in_px);
  } else {
    for (int64_t p0 = 0; p0 < in_px; p0 += L) load_plane(std::min(p0, in_px - L), L);
  }

  // Output pixels, L at a time: nine taps each, multiply-added in the order kh * 3 + kw, then
  // transposed back into the channels' planes (the same partial-block rules as above).
  const int64_t out_px = b.oh * b.ow, row = b.wp * L;
  auto store_plane = [&](int64_t q0, int64_t n) {
    int64_t oy = q0 / b.ow, ox = q0 % b.ow;
    for (int64_t j = 0; j < L; ++j) {
      const float* t = b.pad + (oy * b.sh * b.wp + ox * b.sw) * L;
      V acc = Fma<Arch>::apply(wv[0], V::load_aligned(t), bv);
      acc = Fma<Arch>::apply(wv[1], V::load_aligned(t + L), acc);
      acc = Fma<Arch>::apply(wv[2], V::load_aligned(t + 2 * L), acc);
      acc = Fma<Arch>::apply(wv[3], V::load_aligned(t + row), acc);
      acc = Fma<Arch>::apply(wv[4], V::load_aligned(t + row + L), acc);
      acc = Fma<Arch>::apply(wv[5], V::load_aligned(t + row + 2 * L), acc);
      acc = Fma<Arch>::apply(wv[6], V::load_aligned(t + 2 * row), acc);
      acc = Fma<Arch>::apply(wv[7], V::load_aligned(t + 2 * row + L), acc);
      acc = Fma<Arch>::apply(wv[8], V::load_aligned(t + 2 * row + 2 * L), acc);
      rows[j] = b.clamp ? xsimd::min(xsimd::max(acc, lo), hi) : acc;
      // Pixels past n (only in a plane of fewer than L) repeat the last one.
      if (j + 1 < n && ++ox == b.ow) {
        ox = 0;
        ++oy;
      }
    }
    Transpose<Arch>::apply(rows);
    if (channels == L && n == L) {
      for (int64_t c = 0; c < L; ++c) rows[c].store_unaligned(b.y + c * out_px + q0);
      return;
    }
    for (int64_t c = 0; c < channels; ++c) {
      rows[c].store_aligned(buf);
      for (int64_t j = 0; j < n; ++j) b.y[c * out_px + q0 + j] = buf[j];
    }
  };
  if (out_px < L) {
    store_plane(0, out_px);
  } else {
    for (int64_t q0 = 0; q0 < out_px; q0 += L) store_plane(std::min(q0, out_px - L), L);
  }
}

}  // namespace
}  // namespace onyx::simd
