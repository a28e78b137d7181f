// Pooling primitives (no ONNX knowledge).
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "prims/align.h"
#include "prims/conv.h"
#include "prims/fast_paths.h"
#include "simd/kernels.h"

namespace onyx::prims {

// Most window taps the SIMD row kernel of max_pool_2d takes (larger windows run the scalar loop).
constexpr int64_t kMaxTaps = 64;

// 2-D (or 1-D, with s.in/out/kernel... of rank 1) max pooling of batch * in_channels planes
// without indices. Padding never wins: each output is the maximum of the window's elements
// inside the input (the first one if NaN compares false); a window with none gets `empty`.
// Same results as a generic N-D walker; this one just skips the per-element index math. For
// float, the interior columns of each row run on the active ISA's kernel (same rule, same order).
// Planes [first, last) only (last -1: all), so that threads can share the work.
template <class T, class Acc>
void max_pool_2d(const ConvShape& s, const T* x, T* y, T empty, int64_t first = 0, int64_t last = -1) {
  [[maybe_unused]] const simd::SimdKernels* kernels =
      std::is_same_v<T, float> && fast_paths_enabled() ? simd::kernels() : nullptr;
  const bool one_d = s.rank() == 1;
  const int64_t ih = one_d ? 1 : s.in[0], iw = s.in[one_d ? 0 : 1];
  const int64_t oh = one_d ? 1 : s.out[0], ow = s.out[one_d ? 0 : 1];
  const int64_t kh = one_d ? 1 : s.kernel[0], kw = s.kernel[one_d ? 0 : 1];
  const int64_t sh = one_d ? 1 : s.strides[0], sw = s.strides[one_d ? 0 : 1];
  const int64_t dh = one_d ? 1 : s.dilations[0], dw = s.dilations[one_d ? 0 : 1];
  const int64_t ph = one_d ? 0 : s.pads[0], pw = s.pads[one_d ? 0 : 1];
  if (last < 0) last = s.batch * s.in_channels;
  // Columns whose whole window lies inside the row skip the bounds work (same comparisons, same
  // order, so the same result).
  int64_t c_lo = 0, c_hi = 0;
  valid_range(-pw, sw, iw - (kw - 1) * dw, ow, &c_lo, &c_hi);
  // The SIMD kernel may read a vector of windows past a short row while that stays inside x.
  [[maybe_unused]] const T* x_end = x + s.batch * s.in_channels * ih * iw;
  for (int64_t p = first; p < last; ++p) {
    const T* xp = x + p * ih * iw;
    T* yp = y + p * oh * ow;
    for (int64_t r = 0; r < oh; ++r) {
      const int64_t h0 = r * sh - ph;
      int64_t klo_h, khi_h;
      valid_range(h0, dh, ih, kh, &klo_h, &khi_h);  // taps k with 0 <= h0 + k*dh < ih
      auto general = [&](int64_t c) {
        const int64_t w0 = c * sw - pw;
        int64_t klo_w, khi_w;
        valid_range(w0, dw, iw, kw, &klo_w, &khi_w);
        bool any = false;
        Acc best{};
        for (int64_t i = klo_h; i < khi_h; ++i) {
          const T* row = xp + (h0 + i * dh) * iw + w0;
          for (int64_t j = klo_w; j < khi_w; ++j) {
            const Acc v = static_cast<Acc>(row[j * dw]);
            if (!any || v > best) {
              best = v;
              any = true;
            }
          }
        }
        yp[r * ow + c] = any ? static_cast<T>(best) : empty;
      };
      if (khi_h <= klo_h || kw - 1 > (iw - 1) / std::max<int64_t>(dw, 1)) {
        for (int64_t c = 0; c < ow; ++c) general(c);
        continue;
      }
      for (int64_t c = 0; c < c_lo; ++c) general(c);
      bool interior_done = false;
      if constexpr (std::is_same_v<T, float>) {
        const int64_t taps = (khi_h - klo_h) * kw;
        if (kernels != nullptr && kernels->even_odd && sw == 2 && dw == 1 && khi_h - klo_h <= kMaxTaps) {
          const float* rows[kMaxTaps];
          for (int64_t i = klo_h; i < khi_h; ++i) rows[i - klo_h] = xp + (h0 + i * dh) * iw + c_lo * sw - pw;
          interior_done = kernels->max_stride2(rows, static_cast<int>(khi_h - klo_h), static_cast<int>(kw),
                                               yp + r * ow + c_lo, static_cast<size_t>(std::max<int64_t>(c_hi - c_lo, 0)));
        }
        if (!interior_done && kernels != nullptr && c_hi > c_lo && taps <= kMaxTaps) {
          const float* tap[kMaxTaps];
          for (int64_t i = klo_h; i < khi_h; ++i) {
            for (int64_t j = 0; j < kw; ++j) tap[(i - klo_h) * kw + j] = xp + (h0 + i * dh) * iw + c_lo * sw - pw + j * dw;
          }
          const bool slack = tap[taps - 1] + 16 * sw <= x_end;
          kernels->max_taps(tap, static_cast<int>(taps), sw, yp + r * ow + c_lo, static_cast<size_t>(c_hi - c_lo),
                            slack);
          interior_done = true;
        }
      }
      for (int64_t c = c_lo; !interior_done && c < c_hi; ++c) {
        const T* base = xp + c * sw - pw;
        Acc best = static_cast<Acc>(base[(h0 + klo_h * dh) * iw]);
        for (int64_t i = klo_h; i < khi_h; ++i) {
          const T* row = base + (h0 + i * dh) * iw;
          for (int64_t j = i == klo_h ? 1 : 0; j < kw; ++j) {
            const Acc v = static_cast<Acc>(row[j * dw]);
            if (v > best) best = v;
          }
        }
        yp[r * ow + c] = static_cast<T>(best);
      }
      for (int64_t c = std::max(c_lo, c_hi); c < ow; ++c) general(c);
    }
  }
}

// Max pooling with channels in the vector lanes (simd::SimdKernels::max_pool_lanes): for 2-D
// float planes with rows of fewer than kLanesPoolBelow outputs, no padding and every window
// inside the input (SqueezeNet's third pool, 13 wide), where the row kernels above spend their
// time per row rather than per output (27 wide, before max_stride2: 0.147 -> 0.09 ms). Same
// comparisons in the same order, so the same bits.
constexpr int64_t kLanesPoolBelow = 32;
inline bool max_pool_lanes_applies(const ConvShape& s) {
  const simd::SimdKernels* kernels = fast_paths_enabled() ? simd::kernels() : nullptr;
  if (kernels == nullptr || kernels->max_pool_lanes == nullptr || s.rank() != 2) return false;
  if (s.pads[0] != 0 || s.pads[1] != 0 || s.out[1] >= kLanesPoolBelow) return false;
  // Rows of a vector of stride-2 windows or more run faster on the row kernel (max_stride2):
  // SqueezeNet's second pool, 27 wide, 0.092 -> 0.065 ms.
  if (kernels->even_odd && s.strides[1] == 2 && s.dilations[1] == 1 &&
      (s.kernel[1] == 2 || s.kernel[1] == 3) && s.out[1] >= kernels->channel_lanes) {
    return false;
  }
  if (s.kernel_size() > simd::kMaxLanesPoolTaps) return false;
  for (size_t a = 0; a < 2; ++a) {
    if ((s.out[a] - 1) * s.strides[a] + (s.kernel[a] - 1) * s.dilations[a] >= s.in[a]) return false;
  }
  return true;
}
// Scratch for one concurrent call: one block's channel-interleaved pixels.
inline size_t max_pool_lanes_scratch_bytes(const ConvShape& s) {
  return static_cast<size_t>(s.in_size() * simd::kMaxChannelLanes) * sizeof(float) + kAlign;
}
// Planes [first, last) of all images (a block of lanes may span two images: planes are contiguous).
inline void max_pool_lanes(const ConvShape& s, const float* x, float* y, int64_t first, int64_t last, void* scratch) {
  const simd::SimdKernels* kernels = simd::kernels();
  const int64_t lanes = kernels->channel_lanes;
  simd::MaxPoolBlock b;
  b.ih = s.in[0], b.iw = s.in[1], b.oh = s.out[0], b.ow = s.out[1], b.sh = s.strides[0], b.sw = s.strides[1];
  b.hp = b.ih, b.wp = b.iw, b.kh = s.kernel[0], b.kw = s.kernel[1], b.dh = s.dilations[0], b.dw = s.dilations[1];
  b.pad = align_ptr<float>(scratch);
  for (int64_t p = first; p < last; p += lanes) {
    b.channels = static_cast<int>(std::min(lanes, last - p));
    b.x = x + p * s.in_size();
    b.y = y + p * s.out_size();
    kernels->max_pool_lanes(b);
  }
}

// Global average pooling of planes [first, last) of n floats each (n >= 1) through the active
// ISA's sum kernel, which adds in lanes (so the last bits may differ from an in-order sum, as in
// a GEMM); false when there is no SIMD table or fast paths are off (the caller pools in order).
inline bool global_avg_pool_fast(const float* x, int64_t n, float* y, int64_t first, int64_t last) {
  const simd::SimdKernels* kernels = fast_paths_enabled() ? simd::kernels() : nullptr;
  if (kernels == nullptr || kernels->sum == nullptr) return false;
  for (int64_t p = first; p < last; ++p) y[p] = kernels->sum(x + p * n, static_cast<size_t>(n)) / static_cast<float>(n);
  return true;
}

// 2-D (or 1-D) average pooling without dilation. The divisor is the number of window elements
// inside the input, or with count_include_pad the window clipped to the padded input
// (pads_end_h/w: padding after each axis).
template <class T, class Acc>
void avg_pool_2d(const ConvShape& s, int64_t pads_end_h, int64_t pads_end_w, bool count_include_pad, const T* x,
                 T* y) {
  const bool one_d = s.rank() == 1;
  const int64_t ih = one_d ? 1 : s.in[0], iw = s.in[one_d ? 0 : 1];
  const int64_t oh = one_d ? 1 : s.out[0], ow = s.out[one_d ? 0 : 1];
  const int64_t kh = one_d ? 1 : s.kernel[0], kw = s.kernel[one_d ? 0 : 1];
  const int64_t sh = one_d ? 1 : s.strides[0], sw = s.strides[one_d ? 0 : 1];
  const int64_t ph = one_d ? 0 : s.pads[0], pw = s.pads[one_d ? 0 : 1];
  const int64_t peh = one_d ? 0 : pads_end_h;
  const int64_t planes = s.batch * s.in_channels;
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x + p * ih * iw;
    T* yp = y + p * oh * ow;
    for (int64_t r = 0; r < oh; ++r) {
      const int64_t h0 = r * sh - ph;
      const int64_t hs = h0 < 0 ? 0 : h0, he = h0 + kh < ih ? h0 + kh : ih;
      const int64_t hp = (h0 + kh < ih + peh ? h0 + kh : ih + peh) - h0;
      for (int64_t c = 0; c < ow; ++c) {
        const int64_t w0 = c * sw - pw;
        const int64_t ws = w0 < 0 ? 0 : w0, we = w0 + kw < iw ? w0 + kw : iw;
        const int64_t wp = (w0 + kw < iw + pads_end_w ? w0 + kw : iw + pads_end_w) - w0;
        Acc sum = Acc(0);
        for (int64_t i = hs; i < he; ++i) {
          const T* row = xp + i * iw;
          for (int64_t j = ws; j < we; ++j) sum += static_cast<Acc>(row[j]);
        }
        const int64_t inside = (he > hs && we > ws) ? (he - hs) * (we - ws) : 0;
        const int64_t div = count_include_pad ? hp * wp : inside;
        yp[r * ow + c] = static_cast<T>(div > 0 ? sum / static_cast<Acc>(div) : Acc(0));
      }
    }
  }
}

}  // namespace onyx::prims
