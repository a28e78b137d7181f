// GEMM with a pre-packed left operand, the engine of float32 convolution:
//   C[m x n] = A[m x k] * B[k x n]  (+ bias per row, clamped when asked)
// A (the weights) is packed once at prepare into panels of the active ISA's micro-kernel
// (simd::SimdKernels::gemm_tile); B is never materialised: panels of it (kc x NR) are built on
// the fly from the source — a row-major matrix or the im2col view of an image — into a small
// scratch buffer that stays in L1 while every A panel streams past it. A product with few columns
// (a late layer's 7x7 or 14x14 image) packs all of a K slice's B panels, and A streams once.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "onyx/status.h"
#include "onyx/tensor.h"
#include "simd/kernels.h"

namespace onyx::prims {

// Where B comes from: the im2col view of a 2-D image with no padding (pad_planes makes the
// padded copy), every window inside it. It covers a row-major matrix too (kernel 1x1, stride 1:
// B row c is image channel c).
struct BSource {
  const float* x = nullptr;  // [channels, in_h, in_w]
  int64_t channels = 0, in_h = 1, in_w = 0;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t out_h = 1, out_w = 0;
  int64_t channel_stride = 0;  // floats between channels; 0 means in_h * in_w
  int64_t rows() const { return channels * kernel_h * kernel_w; }  // k
  int64_t cols() const { return out_h * out_w; }                    // n
  // A row-major k x n matrix with leading dimension ld (>= n).
  static BSource matrix(const float* b, int64_t k, int64_t n, int64_t ld) {
    BSource s;
    s.x = b;
    s.channels = k;
    s.in_w = s.out_w = n;
    s.channel_stride = ld;
    return s;
  }
};

// Zero-padded copies of planes [first, last) of h x w floats (plane p at x + p * h * w): out
// plane p is hp x wp with input (i, j) at (i + top, j + left), zeros elsewhere; input rows and
// columns that fall past hp or wp are dropped. Only out rows [row_begin, row_end) are written
// (threads that split a convolution by output rows pad the rows they read).
void pad_planes(const float* x, int64_t h, int64_t w, int64_t top, int64_t left, int64_t hp, int64_t wp,
                int64_t first, int64_t last, int64_t row_begin, int64_t row_end, float* out);

// Writes B rows [0, kc) x columns [j0, j0 + nr) of `s` as a k-major panel of nr_full columns,
// zero past nr. Row kk of the window at image offset o is x[o + koffs[kk]], or, with koffs null,
// x[o + kk * channel stride] (a matrix, or a 1x1 kernel). Columns are copied in runs that lie in
// one output row each (contiguous, or strided, in the image).
void pack_b_panel(const BSource& s, const int64_t* koffs, int64_t kc, int64_t j0, int nr, int nr_full,
                  const simd::SimdKernels& kernels, float* panel);

// The index in kernels.gemm of the tile shape for an m x n product: the ISA's first (best in
// steady state) unless another wastes clearly less on padding.
int choose_tile(const simd::SimdKernels& kernels, int64_t m, int64_t n);

// The micro-kernels' A operand: rows [row0, row0 + rows) of op(A) over k in [k0, k0 + kc), as
// ceil(rows / mr) panels of [kc][mr] (k-major, mr rows interleaved), times alpha, zero rows
// past `rows`. A is row-major with leading dimension lda, stored k x m when `trans`.
void pack_a_panels(const float* a, int64_t lda, bool trans, int64_t row0, int64_t rows, int64_t k0, int64_t kc,
                   int mr, float alpha, float* dst);

class PackedGemm {
 public:
  // Packs A (m x k, row-major with leading dimension lda) for `kernels`, choosing the tile
  // shape that wastes least on an m x n_hint product (n_hint: the usual column count). With
  // `may_transpose` (and n_hint the most columns any run() asks for), a product that fills the
  // ISA's transposed tile clearly better is computed as C^T = B^T A^T: a 7x7 image's 49 columns
  // fill 7-row tiles exactly, where vectors of 16 columns pad them to 64.
  Status pack(const simd::SimdKernels& kernels, const float* a, int64_t m, int64_t k, int64_t lda, int64_t n_hint,
              bool may_transpose = false);
  bool packed() const { return tile_.fn != nullptr; }
  bool transposed() const { return transposed_; }
  int64_t m() const { return m_; }
  int64_t k() const { return k_; }

  // Columns per micro-tile (split work between threads in multiples of it).
  int tile_cols() const { return tile_.fn == nullptr ? 1 : transposed_ ? tile_.mr : tile_.nr; }
  // Scratch bytes one run() needs (each concurrent run needs its own).
  size_t scratch_bytes() const;
  // Rows per micro-tile (split rows between threads in multiples of it).
  int tile_rows() const { return tile_.fn == nullptr ? 1 : transposed_ ? tile_.nr : tile_.mr; }
  // C (m x n, leading dimension ldc) = A * B [+ C when accumulate] then the epilogue on the whole
  // product (bias[row], clamp). Columns [col_begin, col_end) and rows [row_begin, row_end) only
  // (row_begin a multiple of tile_rows(); row_end -1 means m), for splitting work.
  void run(const BSource& b, float* c, int64_t ldc, bool accumulate, const simd::TileEpilogue& ep,
           void* scratch, int64_t col_begin, int64_t col_end, int64_t row_begin = 0, int64_t row_end = -1) const;

 private:
  // run() for a transposed product: the tiles write C^T into scratch, then one pass copies it
  // into C with the epilogue.
  void run_transposed(const BSource& b, float* c, int64_t ldc, bool accumulate, const simd::TileEpilogue& ep,
                      void* scratch, int64_t col_begin, int64_t col_end, int64_t row_begin, int64_t row_end) const;

  const simd::SimdKernels* kernels_ = nullptr;  // the table tile_ is from (its B packing kernels too)
  simd::SimdKernels::GemmTile tile_;
  int64_t m_ = 0, k_ = 0, kc_ = 0;
  int64_t held_cols_ = 0;  // columns whose B panels one slice can hold at once (0: one panel at a time)
  int64_t group_cols_ = 0;  // otherwise the columns packed and multiplied together (see pack())
  // Columns of B panels the scratch holds (run() and scratch_bytes() must agree).
  int64_t panel_cols() const { return std::max(held_cols_, group_cols_); }
  bool transposed_ = false;  // tile_ is kernels_->transposed, its rows B's columns (see pack())
  // per K slice of kc_: [ceil(m / MR)][kc][MR], zero rows past m (transposed: NR for MR)
  Tensor panels_;
};

}  // namespace onyx::prims
