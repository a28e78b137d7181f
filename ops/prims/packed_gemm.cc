#include "prims/packed_gemm.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "prims/align.h"
#include "prims/epilogue.h"
#include "prims/prefetch.h"

namespace onyx::prims {
namespace {

// K is walked in slices so that the B panel (slice x NR floats) stays in L1 while A panels
// stream past it.
// (Measured on Zen 4 over the ResNet-18 layers: 16 KiB, 32 KiB and 64 KiB within noise.)
constexpr int64_t kPanelBytes = 32 * 1024;
// Software prefetch distance, in row panels, for the weights (ResNet-18 layer4 convolutions in
// the model 2.9 -> 2.5 ms at 4, 1 and 2 in between, on Zen 4). C is not prefetched: asking for
// the lines of the column panel 4 ahead, which once took MobileNet-v2's 112x112 expansion from
// 0.73 to 0.60 ms, measured slower on this Zen 5 machine (7 alternating rounds without it:
// SqueezeNet 4.27 -> 4.21 ms, MobileNet-v2 4.63 -> 4.51, ResNet-18 18.11 -> 18.06).
constexpr int64_t kPrefetchPanels = 4;
// A product with few columns holds all of a slice's B panels (up to this many bytes) and walks
// the weights once, row panel by row panel, instead of once per column panel.
constexpr int64_t kHeldPanelBytes = 256 * 1024;
// A transposed product must fill its tiles this much better than the best ordinary tile does:
// it pays a pass that writes C^T into C, and it packs B where a 1x1 layer's is read in place.
// (At 1.08, SqueezeNet's 13x13 fire modules went transposed and 4.35 -> 4.64 ms; 7x7 images
// gain 1.3.)
constexpr double kTransposeGain = 1.2;

// n columns in tiles of t.nr, the last one narrow when it fits.
int64_t padded_cols(const simd::SimdKernels::GemmTile& t, int64_t n) {
  const int64_t full = n / t.nr * t.nr, rest = n - full;
  if (rest == 0) return full;
  return full + (t.narrow != nullptr && rest <= t.narrow_nr ? t.narrow_nr : t.nr);
}

// The fraction of an m x n product's tile grid that is real work.
double tile_fill(const simd::SimdKernels::GemmTile& t, int64_t m, int64_t n) {
  m = std::max<int64_t>(m, 1);
  n = std::max<int64_t>(n, 1);
  const auto rows = static_cast<double>((m + t.mr - 1) / t.mr * t.mr);
  return static_cast<double>(m) * static_cast<double>(n) / (rows * static_cast<double>(padded_cols(t, n)));
}

// Image offsets of B rows [k0, k0 + kc) of `b`: row (channel, ky, kx) reads the window at
// x + koffs. The position (ch, ky, kx) carries over from one K slice to the next (stepped,
// not divided out).
void window_offsets(const BSource& b, int64_t kc, int64_t* ch, int64_t* ky, int64_t* kx, int64_t* koffs) {
  const int64_t cstride = b.channel_stride != 0 ? b.channel_stride : b.in_h * b.in_w;
  for (int64_t kk = 0; kk < kc; ++kk) {
    koffs[kk] = *ch * cstride + *ky * b.dilation_h * b.in_w + *kx * b.dilation_w;
    if (++*kx == b.kernel_w) {
      *kx = 0;
      if (++*ky == b.kernel_h) {
        *ky = 0;
        ++*ch;
      }
    }
  }
}

}  // namespace

void pack_b_panel(const BSource& s, const int64_t* koffs, int64_t kc, int64_t j0, int nr, int nr_full,
                  const simd::SimdKernels& kernels, float* panel) {
  const int64_t cstride = s.channel_stride != 0 ? s.channel_stride : s.in_h * s.in_w;
  for (int col = 0; col < nr;) {
    const int64_t j = j0 + col;
    const int64_t oy = j / s.out_w, ox = j - oy * s.out_w;
    const int len = static_cast<int>(std::min<int64_t>(nr - col, s.out_w - ox));
    const float* window = s.x + oy * s.stride_h * s.in_w + ox * s.stride_w;
    kernels.gather_rows(window, koffs, cstride, kc, s.stride_w, len, panel + col, nr_full);
    col += len;
  }
  if (nr < nr_full) {
    for (int64_t kk = 0; kk < kc; ++kk) std::fill(panel + kk * nr_full + nr, panel + (kk + 1) * nr_full, 0.0f);
  }
}

void pad_planes(const float* x, int64_t h, int64_t w, int64_t top, int64_t left, int64_t hp, int64_t wp,
                int64_t first, int64_t last, int64_t row_begin, int64_t row_end, float* out) {
  // Input columns [0, cols) land at [left, left + cols) of each output row.
  const int64_t cols = std::clamp<int64_t>(wp - left, 0, w);
  row_begin = std::max<int64_t>(row_begin, 0);
  row_end = std::min(row_end, hp);
  for (int64_t p = first; p < last; ++p) {
    const float* plane = x + p * h * w;
    float* dst = out + p * hp * wp + row_begin * wp;
    for (int64_t i = row_begin; i < row_end; ++i, dst += wp) {
      const int64_t iy = i - top;
      if (iy < 0 || iy >= h) {
        std::fill(dst, dst + wp, 0.0f);
        continue;
      }
      std::fill(dst, dst + std::min(left, wp), 0.0f);
      if (cols > 0) std::copy(plane + iy * w, plane + iy * w + cols, dst + left);
      std::fill(dst + std::min(left + cols, wp), dst + wp, 0.0f);
    }
  }
}

void pack_a_panels(const float* a, int64_t lda, bool trans, int64_t row0, int64_t rows, int64_t k0, int64_t kc,
                   int mr, float alpha, float* dst) {
  // Row by row of each panel (k), its mr entries: the rows that exist, then zeros. Branches
  // are per panel, not per element: a large model packs tens of megabytes at prepare.
  for (int64_t i0 = 0; i0 < rows; i0 += mr) {
    const int live = static_cast<int>(std::min<int64_t>(mr, rows - i0));
    const float* first = trans ? a + k0 * lda + row0 + i0 : a + (row0 + i0) * lda + k0;
    for (int64_t p = 0; p < kc; ++p, dst += mr) {
      if (trans) {
        const float* src = first + p * lda;  // the panel's rows are contiguous in A^T
        for (int r = 0; r < live; ++r) dst[r] = alpha * src[r];
      } else {
        for (int r = 0; r < live; ++r) dst[r] = alpha * first[r * lda + p];
      }
      for (int r = live; r < mr; ++r) dst[r] = 0.0f;
    }
  }
}

int choose_tile(const simd::SimdKernels& kernels, int64_t m, int64_t n) {
  // The first listed tile is the ISA's best in steady state; another wins only by wasting
  // clearly less of the product on padding (counting a last narrow panel: SqueezeNet's 169
  // columns fill 8 x 32-column tiles to 176, 8 x 48 ones to 192).
  int chosen = 0;
  double best = tile_fill(kernels.gemm[0], m, n) * 1.03;
  for (int i = 1; i < kernels.gemm_tiles; ++i) {
    const double e = tile_fill(kernels.gemm[i], m, n);
    if (e > best) {
      best = e;
      chosen = i;
    }
  }
  return chosen;
}

Status PackedGemm::pack(const simd::SimdKernels& kernels, const float* a, int64_t m, int64_t k, int64_t lda,
                        int64_t n_hint, bool may_transpose) {
  kernels_ = &kernels;
  tile_ = kernels.gemm[choose_tile(kernels, m, n_hint)];
  transposed_ = may_transpose && kernels.transposed.fn != nullptr &&
                tile_fill(kernels.transposed, n_hint, m) > kTransposeGain * tile_fill(tile_, m, n_hint);
  if (transposed_) tile_ = kernels.transposed;
  // A's rows are interleaved in its panels by the tile's rows, or, transposed, by its columns.
  const int64_t mr = transposed_ ? tile_.nr : tile_.mr;
  const int64_t panels = (m + mr - 1) / mr;
  Result<Tensor> t = Tensor::make_unset(DType::kFloat32, {panels, k, mr});  // pack_a_panels writes it all
  if (!t.ok()) return t.status();
  panels_ = std::move(*t);
  m_ = m;
  k_ = k;
  // The panel that stays in L1 while the others stream past: B's, or transposed, A's.
  kc_ = std::min<int64_t>(k, std::max<int64_t>(64, kPanelBytes / (tile_.nr * 4) / 8 * 8));
  if (transposed_) {
    // Every column's panel is held (n_hint is small: few columns is what makes it transposed).
    held_cols_ = (std::max<int64_t>(n_hint, 1) + tile_.mr - 1) / tile_.mr * tile_.mr;
  } else {
    const int64_t cols = (std::max<int64_t>(n_hint, 1) + tile_.nr - 1) / tile_.nr * tile_.nr;
    held_cols_ = cols > tile_.nr && kc_ * cols * 4 <= kHeldPanelBytes ? cols : 0;
  }
  // Otherwise as many column panels at a time as fit kPanelBytes: one for a long K, several for
  // a short one (a 3-channel stem's 27 rows, a 1x1 layer's 16), whose row panels then write each
  // row of C in runs of several panels rather than one. Measured one thread, 8 alternating pairs:
  // MobileNet-v2's 16->96 expansion at 112x112 0.374 -> 0.282 ms and 32->16 projection 0.098 ->
  // 0.082, SqueezeNet's stem 0.386 -> 0.362.
  const int64_t panel_bytes = std::max<int64_t>(kc_, 1) * tile_.nr * static_cast<int64_t>(sizeof(float));
  group_cols_ = tile_.nr * std::max<int64_t>(1, kPanelBytes / panel_bytes);
  // Slice by slice of K: the panels of one slice are one contiguous stream (a late layer's
  // weights come from far caches every run; a sequential stream is what prefetchers follow).
  for (int64_t k0 = 0; k0 < k; k0 += kc_) {
    pack_a_panels(a, lda, false, 0, m, k0, std::min(kc_, k - k0), static_cast<int>(mr), 1.0f,
                  panels_.data_as<float>() + k0 * panels * mr);
  }
  return Status();
}

size_t PackedGemm::scratch_bytes() const {
  if (tile_.fn == nullptr) return 0;
  if (transposed_) {
    // The held B^T panels and their image offsets, then C^T for every row.
    const auto held = static_cast<size_t>(kc_ * held_cols_);
    return held * sizeof(float) + static_cast<size_t>(kc_) * sizeof(int64_t) + kAlign +
           static_cast<size_t>(held_cols_ * m_) * sizeof(float) + kAlign;
  }
  // The B panels (a group's, or the held columns'), then the image offsets of one slice's rows.
  const auto cols = static_cast<size_t>(panel_cols());
  return static_cast<size_t>(kc_) * (cols * sizeof(float) + sizeof(int64_t)) + kAlign;
}

void PackedGemm::run(const BSource& b, float* c, int64_t ldc, bool accumulate, const simd::TileEpilogue& ep,
                     void* scratch, int64_t col_begin, int64_t col_end, int64_t row_begin,
                     int64_t row_end) const {
  const int mr = tile_.mr, nr = tile_.nr;
  if (row_end < 0 || row_end > m_) row_end = m_;
  float* panel = align_ptr<float>(scratch);
  // A 1x1 stride-1 image (or a matrix) has B's rows in place: full tiles read them there, and
  // only a last partial panel is packed. (Side by side, packing every panel was slower at every
  // size measured: MobileNet-v2's 576->96 at 14x14 0.138 -> 0.113 ms, SqueezeNet's squeezes
  // 0.121 -> 0.065 ms at most, Winograd's products up to 5%.)
  const bool in_place =
      b.kernel_h == 1 && b.kernel_w == 1 && b.stride_h == 1 && b.stride_w == 1 && b.in_w == b.out_w;
  const bool hold = !in_place && held_cols_ > 0 && col_end - col_begin <= held_cols_;
  auto* koffs = reinterpret_cast<int64_t*>(panel + kc_ * panel_cols());
  const float* a = panels_.data_as<float>();
  const int64_t m_pad = (m_ + mr - 1) / mr * mr;  // rows of each K slice's panels
  if (k_ == 0) {
    // An empty sum: C = 0 (or C unchanged), then the epilogue.
    for (int64_t i = row_begin; i < row_end; ++i) {
      for (int64_t j = col_begin; j < col_end; ++j) {
        const float x = accumulate ? c[i * ldc + j] : 0.0f;
        c[i * ldc + j] = finish_scalar(x, ep.bias != nullptr ? ep.bias[i] : 0.0f, ep);
      }
    }
    apply_post(kernels_, ep, c, ldc, row_begin, row_end, col_begin, col_end);
    return;
  }
  if (transposed_) {
    run_transposed(b, c, ldc, accumulate, ep, scratch, col_begin, col_end, row_begin, row_end);
    return;
  }
  const int64_t cstride = b.channel_stride != 0 ? b.channel_stride : b.in_h * b.in_w;
  int64_t ch = 0, ky = 0, kx = 0;
  for (int64_t k0 = 0; k0 < k_; k0 += kc_) {
    const int64_t kc = std::min(kc_, k_ - k0);
    const bool first = k0 == 0, last = k0 + kc >= k_;
    window_offsets(b, kc, &ch, &ky, &kx, koffs);
    // Column panels are packed a group at a time: group_cols_ (their B stays in L1 while every
    // weight panel streams past), or with `hold` all of them (the weights stream once).
    const int64_t group = hold ? col_end - col_begin : group_cols_;
    for (int64_t g0 = col_begin; g0 < col_end; g0 += group) {
      const int64_t g1 = std::min(col_end, g0 + group);
      auto panel_width = [&](int64_t j0) { return static_cast<int>(std::min<int64_t>(nr, g1 - j0)); };
      // A last panel that fits one vector of columns runs the narrow tile on a narrow panel.
      auto is_narrow = [&](int n) { return tile_.narrow != nullptr && n <= tile_.narrow_nr; };
      // Where tile j0's B rows start and how far apart they are.
      auto b_rows = [&](int64_t j0, int n) -> std::pair<const float*, int64_t> {
        if (in_place && n == nr) return {b.x + k0 * cstride + j0, cstride};
        return {panel + (j0 - g0) * kc, is_narrow(n) ? tile_.narrow_nr : nr};
      };
      for (int64_t j0 = g0; j0 < g1; j0 += nr) {
        const int n = panel_width(j0);
        if (in_place && n == nr) continue;
        pack_b_panel(b, koffs, kc, j0, n, is_narrow(n) ? tile_.narrow_nr : nr, *kernels_, panel + (j0 - g0) * kc);
      }
      for (int64_t i0 = row_begin; i0 < row_end; i0 += mr) {
        // The first group of a slice brings the weights in from far caches (a late layer's do not
        // stay in the near ones between runs): ask for the panel kPrefetchPanels ahead.
        if (g0 == col_begin && i0 + kPrefetchPanels * mr < row_end) {
          prefetch_read(a + k0 * m_pad + (i0 + kPrefetchPanels * mr) * kc, static_cast<size_t>(kc * mr) * sizeof(float));
        }
        simd::TileEpilogue tile_ep = ep;
        if (ep.bias != nullptr) tile_ep.bias = ep.bias + i0;
        const int rows = static_cast<int>(std::min<int64_t>(mr, row_end - i0));
        for (int64_t j0 = g0; j0 < g1; j0 += nr) {
          const int n = panel_width(j0);
          const auto [rows_b, ldb] = b_rows(j0, n);
          (is_narrow(n) ? tile_.narrow : tile_.fn)(kc, a + k0 * m_pad + i0 * kc, rows_b, ldb, c + i0 * ldc + j0, ldc,
                                                   rows, n, accumulate || !first, last, tile_ep);
        }
      }
      if (last) apply_post(kernels_, ep, c, ldc, row_begin, row_end, g0, g1);  // this group's outputs are final
    }
  }
}

void PackedGemm::run_transposed(const BSource& b, float* c, int64_t ldc, bool accumulate,
                                const simd::TileEpilogue& ep, void* scratch, int64_t col_begin, int64_t col_end,
                                int64_t row_begin, int64_t row_end) const {
  const int mr = tile_.mr, nr = tile_.nr;
  // Scratch: the held B^T panels ([kc][mr] each, k-major), their image offsets, then C^T
  // (columns of C as rows, `width` floats apart).
  auto* held = align_ptr<float>(scratch);
  auto* koffs = reinterpret_cast<int64_t*>(held + kc_ * held_cols_);
  float* ct = align_ptr<float>(koffs + kc_);
  const int64_t width = row_end - row_begin;
  const float* a = panels_.data_as<float>();
  const int64_t m_pad = (m_ + nr - 1) / nr * nr;  // rows of each K slice's panels
  const simd::TileEpilogue none;
  for (int64_t j0 = col_begin; j0 < col_end; j0 += held_cols_) {
    const int64_t j1 = std::min(col_end, j0 + held_cols_);
    int64_t ch = 0, ky = 0, kx = 0;
    for (int64_t k0 = 0; k0 < k_; k0 += kc_) {
      const int64_t kc = std::min(kc_, k_ - k0);
      window_offsets(b, kc, &ch, &ky, &kx, koffs);
      for (int64_t p0 = j0; p0 < j1; p0 += mr) {
        pack_b_panel(b, koffs, kc, p0, static_cast<int>(std::min<int64_t>(mr, j1 - p0)), mr, *kernels_,
                     held + (p0 - j0) * kc);
      }
      // Each panel of A stays in L1 while the columns' panels stream past it; A streams once, in
      // memory order (without software prefetch: asking 4 panels ahead made ResNet-18's layer4
      // 5.55 -> 5.9 ms).
      for (int64_t i0 = row_begin; i0 < row_end; i0 += nr) {
        const int n = static_cast<int>(std::min<int64_t>(nr, row_end - i0));
        const auto fn = tile_.narrow != nullptr && n <= tile_.narrow_nr ? tile_.narrow : tile_.fn;
        const float* panel = a + k0 * m_pad + i0 * kc;
        for (int64_t p0 = j0; p0 < j1; p0 += mr) {
          fn(kc, held + (p0 - j0) * kc, panel, nr, ct + (p0 - j0) * width + (i0 - row_begin), width,
             static_cast<int>(std::min<int64_t>(mr, j1 - p0)), n, k0 > 0, false, none);
        }
      }
    }
    // C^T into C, with the epilogue.
    for (int64_t i = row_begin; i < row_end; ++i) {
      const float* src = ct + (i - row_begin);
      float* dst = c + i * ldc;
      const float bias = ep.bias != nullptr ? ep.bias[i] : 0.0f;
      for (int64_t j = j0; j < j1; ++j) {
        float x = src[(j - j0) * width];
        if (accumulate) x += dst[j];
        dst[j] = finish_scalar(x, bias, ep);
      }
    }
    apply_post(kernels_, ep, c, ldc, row_begin, row_end, j0, j1);
  }
}

}  // namespace onyx::prims
