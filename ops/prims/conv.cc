#include "prims/conv.h"

#include "prims/align.h"
#include "prims/epilogue.h"
#include "prims/fast_paths.h"

#include <algorithm>
#include <cstring>

#include "prims/gemm.h"
#include "simd/kernels.h"

namespace onyx::prims {

int64_t ConvShape::in_size() const {
  int64_t n = 1;
  for (int64_t d : in) n *= d;
  return n;
}
int64_t ConvShape::out_size() const {
  int64_t n = 1;
  for (int64_t d : out) n *= d;
  return n;
}
int64_t ConvShape::kernel_size() const {
  int64_t n = 1;
  for (int64_t d : kernel) n *= d;
  return n;
}

namespace {

// im2col buffers are filled in column chunks of at most this many floats.
constexpr int64_t kMaxColFloats = int64_t{1} << 20;


// 2-D view of a 1-D or 2-D convolution (a 1-D one has height 1).
struct Geom2 {
  int64_t ih, iw, oh, ow, kh, kw, sh, sw, dh, dw, ph, pw;
};

Geom2 geom2(const ConvShape& s) {
  Geom2 g{};
  if (s.rank() == 1) {
    g = Geom2{1, s.in[0], 1, s.out[0], 1, s.kernel[0], 1, s.strides[0], 1, s.dilations[0], 0, s.pads[0]};
  } else {
    g = Geom2{s.in[0],      s.in[1],      s.out[0],       s.out[1],       s.kernel[0], s.kernel[1],
              s.strides[0], s.strides[1], s.dilations[0], s.dilations[1], s.pads[0],   s.pads[1]};
  }
  return g;
}

int64_t col_chunk(const ConvShape& s) {
  const int64_t rows = (s.in_channels / s.group) * s.kernel_size();
  const int64_t total = s.out_size();
  int64_t chunk = rows > 0 ? kMaxColFloats / rows : total;
  chunk = std::max<int64_t>(chunk, 64);
  return std::min(chunk, total);
}

// Single-channel 2-D correlation: y[oh, ow] = bias + sum w[kh, kw] * x[ih, iw] (zero padding).
void depthwise_channel(const Geom2& g, const float* x, const float* w, float bias, float* y) {
  for (int64_t oh = 0; oh < g.oh; ++oh) {
    float* yrow = y + oh * g.ow;
    for (int64_t ow = 0; ow < g.ow; ++ow) yrow[ow] = bias;
    for (int64_t kh = 0; kh < g.kh; ++kh) {
      const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
      if (ih < 0 || ih >= g.ih) continue;
      const float* xrow = x + ih * g.iw;
      for (int64_t kw = 0; kw < g.kw; ++kw) {
        const float wv = w[kh * g.kw + kw];
        const int64_t off = kw * g.dw - g.pw;
        int64_t lo, hi;
        valid_range(off, g.sw, g.iw, g.ow, &lo, &hi);
        if (g.sw == 1) {
          const float* xs = xrow + off;
          for (int64_t ow = lo; ow < hi; ++ow) yrow[ow] += wv * xs[ow];
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) yrow[ow] += wv * xrow[ow * g.sw + off];
        }
      }
    }
  }
}

// kh x kw undilated single-channel correlation (3x3, EfficientNet's and MobileNet-v3's 5x5,
// ConvNeXt's 7x7), any strides, as one long row: the zero-padded input is split into its
// sh x sw polyphase planes (plane (ry, rx) holds padded rows ry, ry + sh, ... and columns rx,
// rx + sw, ...), each hv x wv. Output (oy, ox) is then sum over taps (kh, kw) of plane (kh % sh,
// kw % sw) at (oy + kh / sh, ox + kw / sw): every tap is the same plane offset plus oy * wv + ox,
// so the whole image is one run of the taps kernel over "virtual" rows of wv columns (the last
// wv - ow of each row are discarded when copying out). No border cases, and small images
// vectorise as well as large ones.
//
// With a SIMD table, 3x3 planes whose rows are narrower than kLanesBelow outputs run with
// channels in the lanes instead (SimdKernels::depthwise3x3_lanes): no lanes wasted on 7- or
// 14-wide rows and no per-row work. Wider rows are as fast here, without the transposes.
struct DepthwisePlanes {
  static constexpr int64_t kLanesBelow = 64;
  int64_t hp, wp, hv, wv;  // padded extent that the windows cover; polyphase plane extent
  bool lanes;              // whether the shape suits channels in the lanes
  explicit DepthwisePlanes(const Geom2& g)
      : hp((g.oh - 1) * g.sh + g.kh), wp((g.ow - 1) * g.sw + g.kw), hv((hp + g.sh - 1) / g.sh),
        wv((wp + g.sw - 1) / g.sw), lanes(g.kh == 3 && g.kw == 3 && g.ow < kLanesBelow) {}
  // Scratch floats: the planes, then the virtual output rows; for channels in the lanes, the
  // padded pixels of simd::kMaxChannelLanes channels.
  int64_t floats(const Geom2& g) const {
    const int64_t planes = g.sh * g.sw * hv * wv + g.oh * wv;
    return lanes ? std::max(planes, hp * wp * simd::kMaxChannelLanes) : planes;
  }
};

// The planes' padding is the same for every channel: scratch is zeroed once per call
// (depthwise_planes_zero) and each channel writes only the part inside the input.
void depthwise_planes_zero(const Geom2& g, const DepthwisePlanes& d, float* scratch) {
  std::fill(scratch, scratch + g.sh * g.sw * d.hv * d.wv, 0.0f);
}

void depthwise_planes_channel(const Geom2& g, const DepthwisePlanes& d, const float* x, const float* w, float bias,
                              float* y, float* scratch, const simd::SimdKernels* kernels) {
  const int64_t plane = d.hv * d.wv;
  float* virt = scratch + g.sh * g.sw * plane;
  for (int64_t ry = 0; ry < g.sh; ++ry) {
    for (int64_t rx = 0; rx < g.sw; ++rx) {
      // Rows a read input row a * sh + ry - ph, columns b input column b * sw + rx - pw: inside
      // the input for a in [a_lo, a_hi) and b in [lo, hi).
      int64_t a_lo, a_hi, lo, hi;
      valid_range(ry - g.ph, g.sh, g.ih, d.hv, &a_lo, &a_hi);
      valid_range(rx - g.pw, g.sw, g.iw, d.wv, &lo, &hi);
      if (hi <= lo || a_hi <= a_lo) continue;
      const auto len = static_cast<size_t>(hi - lo);
      float* dst = scratch + (ry * g.sw + rx) * plane + a_lo * d.wv + lo;
      const float* src = x + (a_lo * g.sh + ry - g.ph) * g.iw + (lo * g.sw + rx - g.pw);
      if (kernels != nullptr) {
        // The whole phase in one call: rows sh input rows apart, columns sw apart.
        kernels->gather_rows(src, nullptr, g.sh * g.iw, a_hi - a_lo, g.sw, static_cast<int>(len), dst, d.wv);
        continue;
      }
      for (int64_t a = a_lo; a < a_hi; ++a, dst += d.wv, src += g.sh * g.iw) {
        for (size_t b = 0; b < len; ++b) dst[b] = src[static_cast<int64_t>(b) * g.sw];
      }
    }
  }
  const int count = static_cast<int>(g.kh * g.kw);
  const float* taps[simd::kMaxDepthwiseTaps];
  for (int64_t kh = 0; kh < g.kh; ++kh) {
    for (int64_t kw = 0; kw < g.kw; ++kw) {
      taps[kh * g.kw + kw] = scratch + ((kh % g.sh) * g.sw + kw % g.sw) * plane + (kh / g.sh) * d.wv + kw / g.sw;
    }
  }
  // out[i] for i < n from the taps shifted by `shift`: bias, then each tap's product added in order.
  auto run = [&](int64_t shift, float* out, int64_t n) {
    const float* t[simd::kMaxDepthwiseTaps];
    for (int j = 0; j < count; ++j) t[j] = taps[j] + shift;
    if (kernels != nullptr) {
      kernels->depthwise_taps(t, count, w, bias, out, static_cast<size_t>(n));
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      float acc = bias;
      for (int j = 0; j < count; ++j) acc = acc + w[j] * t[j][i];
      out[i] = acc;
    }
  };
  // Wide rows straight into y, one run per row; narrow ones as one run over the virtual rows
  // (whose junk columns are dropped as they are copied out).
  constexpr int64_t kWideRow = 32;
  if (g.ow >= kWideRow) {
    for (int64_t oy = 0; oy < g.oh; ++oy) run(oy * d.wv, y + oy * g.ow, g.ow);
    return;
  }
  run(0, virt, (g.oh - 1) * d.wv + g.ow);
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    std::memcpy(y + oy * g.ow, virt + oy * d.wv, static_cast<size_t>(g.ow) * sizeof(float));
  }
}

bool use_depthwise3x3(const Geom2& g) { return g.kh == 3 && g.kw == 3 && g.dh == 1 && g.dw == 1; }
bool use_depthwise_planes(const Geom2& g) {
  return g.dh == 1 && g.dw == 1 && g.kh * g.kw <= simd::kMaxDepthwiseTaps;
}

// 3x3 with column stride 1 or 2, rows of at least a vector of windows inside the input:
// straight from the input rows (SimdKernels::depthwise3x3_rows), with no padded or polyphase
// copy and no channels in lanes. MobileNet-v2's stride-2 layers: 112 -> 56 (96 channels, Clip
// fused) 0.30 -> 0.18 ms, 56 -> 28 (144 channels) 0.10 (in lanes) -> 0.07 ms. Rows above and
// below the input read `zeros` (zero_floats); the columns whose windows cross the left or
// right edge are computed here.
void depthwise3x3_interior_columns(const Geom2& g, int64_t* lo, int64_t* hi) {
  valid_range(-g.pw, g.sw, g.iw - 2, g.ow, lo, hi);  // all three columns of the window inside
}
int64_t zero_floats(const Geom2& g) { return (g.ow - 1) * g.sw + 3; }
// Stride 1 only where the alternative is the padded copy (rows of kLanesBelow outputs or more):
// MobileNet-v2's 112-wide layer 0.155 -> 0.137 ms, while on 56 and 28 wide rows the lanes kernel
// stays faster (0.166 against 0.22 ms, 0.052 against 0.093).
bool use_depthwise3x3_rows(const Geom2& g, const DepthwisePlanes& d, const simd::SimdKernels* kernels) {
  if (!use_depthwise3x3(g) || kernels == nullptr || kernels->depthwise3x3_rows == nullptr) return false;
  if (!(g.sw == 1 && !d.lanes) && !(g.sw == 2 && kernels->even_odd)) return false;
  int64_t lo, hi;
  depthwise3x3_interior_columns(g, &lo, &hi);
  return hi - lo >= kernels->channel_lanes;
}
void depthwise3x3_rows_channel(const Geom2& g, const float* x, const float* w, float bias, float* y,
                               const float* zeros, const simd::SimdKernels* kernels) {
  int64_t lo, hi;
  depthwise3x3_interior_columns(g, &lo, &hi);
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    const float* rows[3];
    for (int64_t kh = 0; kh < 3; ++kh) {
      const int64_t ih = oy * g.sh - g.ph + kh;
      rows[kh] = ih >= 0 && ih < g.ih ? x + ih * g.iw : zeros;
    }
    float* yrow = y + oy * g.ow;
    const int64_t first = lo * g.sw - g.pw;
    const float* at[3] = {rows[0] + first, rows[1] + first, rows[2] + first};
    kernels->depthwise3x3_rows(at, g.sw, w, bias, yrow + lo, static_cast<size_t>(hi - lo));
    // Edge columns: the taps inside the input, in the kernel's order (zeros rows read as zeros;
    // a multiply and an add where the kernel fuses them, within rounding of it).
    auto edge = [&](int64_t ox) {
      const int64_t x0 = ox * g.sw - g.pw;
      const int64_t k0 = std::max<int64_t>(0, -x0), k1 = std::min<int64_t>(3, g.iw - x0);
      float acc = bias;
      for (int64_t kh = 0; kh < 3; ++kh) {
        for (int64_t kw = k0; kw < k1; ++kw) acc += w[kh * 3 + kw] * rows[kh][x0 + kw];
      }
      yrow[ox] = acc;
    };
    for (int64_t ox = 0; ox < lo; ++ox) edge(ox);
    for (int64_t ox = hi; ox < g.ow; ++ox) edge(ox);
  }
}

// im2col for 1-D/2-D: col[(c*kh + i)*kw + j][s - s0] for output positions s in [s0, s1).
void im2col_2d(const Geom2& g, int64_t channels, const float* x, int64_t s0, int64_t s1, float* col) {
  const int64_t len = s1 - s0;
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * g.ih * g.iw;
    for (int64_t kh = 0; kh < g.kh; ++kh) {
      for (int64_t kw = 0; kw < g.kw; ++kw) {
        float* dst = col + ((c * g.kh + kh) * g.kw + kw) * len;
        const int64_t off = kw * g.dw - g.pw;
        int64_t lo, hi;
        valid_range(off, g.sw, g.iw, g.ow, &lo, &hi);
        int64_t s = s0;
        while (s < s1) {
          const int64_t oh = s / g.ow;
          const int64_t ow0 = s - oh * g.ow;
          const int64_t ow1 = std::min(g.ow, ow0 + (s1 - s));
          float* d = dst + (s - s0);
          const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
          if (ih < 0 || ih >= g.ih) {
            std::memset(d, 0, static_cast<size_t>(ow1 - ow0) * sizeof(float));
          } else {
            const float* xrow = xc + ih * g.iw;
            const int64_t a = std::clamp(lo, ow0, ow1), b = std::clamp(hi, ow0, ow1);
            for (int64_t ow = ow0; ow < a; ++ow) d[ow - ow0] = 0.0f;
            if (g.sw == 1) {
              if (b > a) std::memcpy(d + (a - ow0), xrow + a + off, static_cast<size_t>(b - a) * sizeof(float));
            } else {
              for (int64_t ow = a; ow < b; ++ow) d[ow - ow0] = xrow[ow * g.sw + off];
            }
            for (int64_t ow = b; ow < ow1; ++ow) d[ow - ow0] = 0.0f;
          }
          s += ow1 - ow0;
        }
      }
    }
  }
}

// im2col for any rank (used for 3-D and up), a run of the last axis at a time as im2col_2d
// does: the outer axes' input row found once per run, its in-range part copied (a plain copy
// at stride 1), the rest zero. (Element by element, with every axis checked per element, it
// took 63% of MC3-18's time, more than the GEMM.)
void im2col_nd(const ConvShape& s, int64_t channels, const float* x, int64_t s0, int64_t s1, float* col) {
  const size_t nd = s.rank(), last = nd - 1;
  const int64_t len = s1 - s0, in_size = s.in_size(), k_size = s.kernel_size();
  const int64_t ow = s.out[last], iw = s.in[last], sw = s.strides[last];
  int64_t kpos[kMaxSpatial] = {}, ipos[kMaxSpatial] = {};
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * in_size;
    for (int64_t kk = 0; kk < k_size; ++kk) {
      for (size_t i = nd, r = static_cast<size_t>(kk); i-- > 0;) {
        kpos[i] = static_cast<int64_t>(r) % s.kernel[i];
        r /= static_cast<size_t>(s.kernel[i]);
      }
      float* dst = col + (c * k_size + kk) * len;
      const int64_t off = kpos[last] * s.dilations[last] - s.pads[last];  // input column = o * sw + off
      int64_t lo = 0, hi = 0;
      valid_range(off, sw, iw, ow, &lo, &hi);
      for (int64_t at = s0; at < s1;) {
        const int64_t row = at / ow, o0 = at - row * ow, o1 = std::min(ow, o0 + (s1 - at));
        // The input row the outer axes of this output row read, if it is inside the input.
        int64_t base = 0;
        bool inside = true;
        for (size_t i = last, r = static_cast<size_t>(row); i-- > 0;) {
          const int64_t o = static_cast<int64_t>(r) % s.out[i];
          r /= static_cast<size_t>(s.out[i]);
          const int64_t p = o * s.strides[i] - s.pads[i] + kpos[i] * s.dilations[i];
          inside &= p >= 0 && p < s.in[i];
          ipos[i] = p;
        }
        float* d = dst + (at - s0);
        if (!inside) {
          std::fill(d, d + (o1 - o0), 0.0f);
        } else {
          for (size_t i = 0; i < last; ++i) base = base * s.in[i] + ipos[i];
          const float* xrow = xc + base * iw;
          const int64_t a = std::clamp(lo, o0, o1), b = std::clamp(hi, o0, o1);
          std::fill(d, d + (a - o0), 0.0f);
          if (sw == 1) {
            std::copy(xrow + a + off, xrow + b + off, d + (a - o0));
          } else {
            for (int64_t o = a; o < b; ++o) d[o - o0] = xrow[o * sw + off];
          }
          std::fill(d + (b - o0), d + (o1 - o0), 0.0f);
        }
        at += o1 - o0;
      }
    }
  }
}

// Adjoint of im2col_2d: adds col[(c*kh + i)*kw + j][s - s0] into the image positions it was
// gathered from.
void col2im_2d(const Geom2& g, int64_t channels, const float* col, int64_t s0, int64_t s1, float* x) {
  const int64_t len = s1 - s0;
  for (int64_t c = 0; c < channels; ++c) {
    float* xc = x + c * g.ih * g.iw;
    for (int64_t kh = 0; kh < g.kh; ++kh) {
      for (int64_t kw = 0; kw < g.kw; ++kw) {
        const float* src = col + ((c * g.kh + kh) * g.kw + kw) * len;
        const int64_t off = kw * g.dw - g.pw;
        int64_t lo, hi;
        valid_range(off, g.sw, g.iw, g.ow, &lo, &hi);
        int64_t s = s0;
        while (s < s1) {
          const int64_t oh = s / g.ow;
          const int64_t ow0 = s - oh * g.ow;
          const int64_t ow1 = std::min(g.ow, ow0 + (s1 - s));
          const int64_t ih = oh * g.sh - g.ph + kh * g.dh;
          if (ih >= 0 && ih < g.ih) {
            const float* d = src + (s - s0);
            float* xrow = xc + ih * g.iw;
            const int64_t a = std::clamp(lo, ow0, ow1), b = std::clamp(hi, ow0, ow1);
            for (int64_t ow = a; ow < b; ++ow) xrow[ow * g.sw + off] += d[ow - ow0];
          }
          s += ow1 - ow0;
        }
      }
    }
  }
}

// Adjoint of im2col_nd.
void col2im_nd(const ConvShape& s, int64_t channels, const float* col, int64_t s0, int64_t s1, float* x) {
  const size_t nd = s.rank();
  const int64_t len = s1 - s0, in_size = s.in_size(), k_size = s.kernel_size();
  int64_t kpos[kMaxSpatial] = {}, opos[kMaxSpatial] = {};
  for (int64_t c = 0; c < channels; ++c) {
    float* xc = x + c * in_size;
    for (int64_t kk = 0; kk < k_size; ++kk) {
      for (size_t i = nd, r = static_cast<size_t>(kk); i-- > 0;) {
        kpos[i] = static_cast<int64_t>(r) % s.kernel[i];
        r /= static_cast<size_t>(s.kernel[i]);
      }
      const float* src = col + (c * k_size + kk) * len;
      for (size_t i = nd, r = static_cast<size_t>(s0); i-- > 0;) {
        opos[i] = static_cast<int64_t>(r) % s.out[i];
        r /= static_cast<size_t>(s.out[i]);
      }
      for (int64_t o = 0; o < len; ++o) {
        int64_t offset = 0;
        bool inside = true;
        for (size_t i = 0; i < nd; ++i) {
          const int64_t p = opos[i] * s.strides[i] - s.pads[i] + kpos[i] * s.dilations[i];
          if (p < 0 || p >= s.in[i]) {
            inside = false;
            break;
          }
          offset = offset * s.in[i] + p;
        }
        if (inside) xc[offset] += src[o];
        for (size_t i = nd; i-- > 0;) {
          if (++opos[i] < s.out[i]) break;
          opos[i] = 0;
        }
      }
    }
  }
}

// Column chunk of the transposed convolution's GEMM output [mg*K x chunk].
int64_t transpose_chunk(const ConvShape& s) {
  const int64_t rows = (s.in_channels / s.group) * s.kernel_size();
  const int64_t total = s.out_size();
  int64_t chunk = rows > 0 ? kMaxColFloats / rows : total;
  chunk = std::max<int64_t>(chunk, 64);
  return std::min(chunk, total);
}

}  // namespace

size_t conv_transpose_scratch_bytes(const ConvShape& s) {
  const int64_t mg = s.in_channels / s.group, cg = s.out_channels / s.group;
  const int64_t rows = mg * s.kernel_size();
  const int64_t chunk = transpose_chunk(s);
  return align_size(static_cast<size_t>(rows * chunk) * sizeof(float)) + kAlign +
         sgemm_plan(rows, chunk, cg).scratch_bytes;
}

void conv_transpose_fast(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                         void* scratch) {
  if (!fast_paths_enabled()) {
    conv_transpose_ref<float>(s, x, w, bias, y);
    return;
  }
  const int64_t mg = s.in_channels / s.group, cg = s.out_channels / s.group;
  const int64_t y_size = s.in_size(), x_size = s.out_size(), k_size = s.kernel_size();
  const int64_t rows = mg * k_size;
  if (s.batch == 0 || y_size == 0 || s.in_channels == 0) return;
  const int64_t chunk = transpose_chunk(s);
  const SgemmPlan plan = sgemm_plan(rows, chunk, cg);
  float* col = reinterpret_cast<float*>(align_ptr(scratch));
  void* gemm_scratch =
      align_ptr(reinterpret_cast<unsigned char*>(col) + align_size(static_cast<size_t>(rows * chunk) * sizeof(float)));
  const bool two_d = s.rank() <= 2;
  const Geom2 g2 = two_d ? geom2(s) : Geom2{};
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t g = 0; g < s.group; ++g) {
      const float* xg = x + (n * s.out_channels + g * cg) * x_size;
      const float* wg = w + g * cg * rows;
      float* yg = y + (n * s.in_channels + g * mg) * y_size;
      for (int64_t m = 0; m < mg; ++m) {
        std::fill(yg + m * y_size, yg + (m + 1) * y_size, bias != nullptr ? bias[g * mg + m] : 0.0f);
      }
      if (cg == 0 || rows == 0) continue;
      for (int64_t s0 = 0; s0 < x_size; s0 += chunk) {
        const int64_t s1 = std::min(x_size, s0 + chunk);
        // col[mg*K x len] = W_g^T (W_g is [cg x mg*K]) * X_g[:, s0:s1]
        sgemm(plan, true, false, rows, s1 - s0, cg, 1.0f, wg, rows, xg + s0, x_size, 0.0f, col, s1 - s0,
              gemm_scratch);
        if (two_d) {
          col2im_2d(g2, mg, col, s0, s1, yg);
        } else {
          col2im_nd(s, mg, col, s0, s1, yg);
        }
      }
    }
  }
}

ConvAlgo conv_algo(const ConvShape& s) {
  const int64_t cg = s.in_channels / s.group;
  if (cg == 1 && s.group > 1 && (s.rank() == 1 || s.rank() == 2)) return ConvAlgo::kDepthwise;
  bool pointwise = true;
  for (size_t i = 0; i < s.rank(); ++i) {
    if (s.kernel[i] != 1 || s.strides[i] != 1 || s.pads[i] != 0 || s.out[i] != s.in[i]) pointwise = false;
  }
  return pointwise ? ConvAlgo::kPointwise : ConvAlgo::kIm2col;
}

size_t conv_scratch_bytes(const ConvShape& s) {
  const int64_t cg = s.in_channels / s.group, mg = s.out_channels / s.group;
  switch (conv_algo(s)) {
    case ConvAlgo::kDepthwise:
      // The polyphase planes and virtual output rows.
      return use_depthwise_planes(geom2(s))
                 ? static_cast<size_t>(DepthwisePlanes(geom2(s)).floats(geom2(s))) * sizeof(float) + kAlign
                 : 0;
    case ConvAlgo::kPointwise:
      return sgemm_scratch_bytes(mg, s.out_size(), cg);
    case ConvAlgo::kIm2col:
      break;
  }
  const int64_t rows = cg * s.kernel_size();
  const int64_t chunk = col_chunk(s);
  return align_size(static_cast<size_t>(rows * chunk) * sizeof(float)) + kAlign +
         sgemm_plan(mg, chunk, rows).scratch_bytes;
}

void conv_depthwise(const ConvShape& s, int64_t image, int64_t c0, int64_t c1, const float* x, const float* w,
                    float* y, void* scratch, const simd::TileEpilogue& ep) {
  const float* bias = ep.bias;
  const int64_t mg = s.out_channels / s.group;
  const int64_t in_size = s.in_size(), out_size = s.out_size(), k_size = s.kernel_size();
  const Geom2 g = geom2(s);
  const bool by_planes = use_depthwise_planes(g);
  const DepthwisePlanes dp(g);
  float* planes = by_planes ? reinterpret_cast<float*>(align_ptr(scratch)) : nullptr;
  const simd::SimdKernels* kernels = simd::kernels();
  const bool from_rows = use_depthwise3x3_rows(g, dp, kernels);
  if (by_planes && !from_rows && dp.lanes && mg == 1 && kernels != nullptr && kernels->depthwise3x3_lanes != nullptr) {
    // Blocks of channels in the vector lanes; the padding is zeroed once for all of them.
    const int64_t lanes = kernels->channel_lanes;
    std::fill(planes, planes + dp.hp * dp.wp * lanes, 0.0f);
    simd::DepthwiseBlock b;
    b.ih = g.ih, b.iw = g.iw, b.oh = g.oh, b.ow = g.ow, b.sh = g.sh, b.sw = g.sw, b.ph = g.ph, b.pw = g.pw;
    b.hp = dp.hp, b.wp = dp.wp, b.pad = planes;
    b.clamp = ep.clamp, b.lo = ep.lo, b.hi = ep.hi;
    for (int64_t c = c0; c < c1; c += lanes) {
      b.channels = static_cast<int>(std::min(lanes, c1 - c));
      b.x = x + (image * s.in_channels + c) * in_size;
      b.w = w + c * k_size;
      b.bias = bias != nullptr ? bias + c : nullptr;
      b.y = y + (image * s.out_channels + c) * out_size;
      kernels->depthwise3x3_lanes(b);
      apply_post(kernels, ep, b.y, out_size, 0, b.channels, 0, out_size);
    }
    return;
  }
  if (from_rows) {
    std::fill(planes, planes + zero_floats(g), 0.0f);  // the rows above and below the input
  } else if (by_planes) {
    depthwise_planes_zero(g, dp, planes);
  }
  for (int64_t m = c0 * mg; m < c1 * mg; ++m) {
    const float* xc = x + (image * s.in_channels + m / mg) * in_size;
    const float b = bias != nullptr ? bias[m] : 0.0f;
    float* yc = y + (image * s.out_channels + m) * out_size;
    if (from_rows) {
      depthwise3x3_rows_channel(g, xc, w + m * k_size, b, yc, planes, kernels);
    } else if (by_planes) {
      depthwise_planes_channel(g, dp, xc, w + m * k_size, b, yc, planes, kernels);
    } else {
      depthwise_channel(g, xc, w + m * k_size, b, yc);
    }
    // The channel's epilogue while its plane is in cache (never on the scalar ISA: the caller
    // applies it there).
    if (ep.clamp) kernels->clamp(yc, yc, static_cast<size_t>(out_size), ep.lo, ep.hi);
    apply_post(kernels, ep, yc, out_size, 0, 1, 0, out_size);
  }
}

void conv_fast(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
               void* scratch) {
  if (!fast_paths_enabled()) {
    conv_ref<float>(s, x, w, bias, y);
    return;
  }
  if (s.batch == 0 || s.out_size() == 0 || s.out_channels == 0) return;
  if (conv_algo(s) == ConvAlgo::kDepthwise) {
    simd::TileEpilogue ep;
    ep.bias = bias;
    for (int64_t n = 0; n < s.batch; ++n) conv_depthwise(s, n, 0, s.in_channels, x, w, y, scratch, ep);
    return;
  }

  const int64_t units = conv_gemm_units(s);
  for (int64_t u = 0; u < units; ++u) conv_gemm_unit(s, u, x, w, bias, y, scratch);
}

int64_t conv_gemm_units(const ConvShape& s) {
  const int64_t out_size = s.out_size();
  if (s.batch == 0 || out_size == 0 || s.out_channels == 0) return 0;
  const int64_t chunk = conv_algo(s) == ConvAlgo::kIm2col ? col_chunk(s) : out_size;
  return s.batch * s.group * ((out_size + chunk - 1) / chunk);
}

// GEMM paths: Y_g[mg x S] = W_g[mg x cg*K] * col[cg*K x S] (+ bias, preloaded into Y), unit u
// being one column chunk of one image's group. Every chunk runs the plan of a whole chunk, so
// a unit's outputs do not depend on which thread runs it.
void conv_gemm_unit(const ConvShape& s, int64_t u, const float* x, const float* w, const float* bias, float* y,
                    void* scratch) {
  const int64_t cg = s.in_channels / s.group, mg = s.out_channels / s.group;
  const int64_t in_size = s.in_size(), out_size = s.out_size();
  const ConvAlgo algo = conv_algo(s);
  const int64_t rows = cg * s.kernel_size();
  const float beta = bias != nullptr ? 1.0f : 0.0f;
  const int64_t chunk = algo == ConvAlgo::kIm2col ? col_chunk(s) : out_size;
  const int64_t chunks = (out_size + chunk - 1) / chunk;
  const int64_t image = u / chunks, n = image / s.group, g = image % s.group;
  const int64_t s0 = u % chunks * chunk, s1 = std::min(out_size, s0 + chunk);
  const SgemmPlan plan = sgemm_plan(mg, chunk, rows);
  float* col = reinterpret_cast<float*>(align_ptr(scratch));
  void* gemm_scratch =
      algo == ConvAlgo::kIm2col ? align_ptr(reinterpret_cast<unsigned char*>(col) +
                                            align_size(static_cast<size_t>(rows * chunk) * sizeof(float)))
                                : scratch;
  const float* xg = x + (n * s.in_channels + g * cg) * in_size;
  const float* wg = w + g * mg * rows;
  float* yg = y + (n * s.out_channels + g * mg) * out_size;
  for (int64_t m = 0; m < mg; ++m) {
    std::fill(yg + m * out_size + s0, yg + m * out_size + s1, bias != nullptr ? bias[g * mg + m] : 0.0f);
  }
  if (rows == 0) return;
  if (algo == ConvAlgo::kPointwise) {
    sgemm(plan, false, false, mg, out_size, cg, 1.0f, wg, cg, xg, in_size, beta, yg, out_size, gemm_scratch);
    return;
  }
  if (s.rank() <= 2) {
    im2col_2d(geom2(s), cg, xg, s0, s1, col);
  } else {
    im2col_nd(s, cg, xg, s0, s1, col);
  }
  sgemm(plan, false, false, mg, s1 - s0, rows, 1.0f, wg, rows, col, s1 - s0, beta, yg + s0, out_size, gemm_scratch);
}

}  // namespace onyx::prims
