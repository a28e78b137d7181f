// Winograd F(2x2, 3x3) convolution for 3x3, stride-1, undilated, ungrouped float32 layers:
// each 2x2 block of outputs (a "tile") comes from a 4x4 patch of the padded input, and the
// 36 multiply-adds per input channel that a direct 3x3 kernel spends on it become 16. The
// patch is transformed (V = B^T d B), multiplied element by element with the transformed
// weights (U = G g G^T, made once at prepare) and summed over channels — 16 GEMMs of
// [out channels x in channels] x [in channels x tiles] on the packed micro-kernel — and the
// 4x4 products turn back into the 2x2 outputs (Y = A^T M A). All three transforms only add,
// subtract and halve, so the result differs from the direct sum by rounding alone.
//
// Tiles are processed in blocks of whole tile rows, sized so a block's transformed input and
// products stay in the near caches. Threads take blocks of their own (each its share of the
// image's rows) or, on an image of one block, output channels of their own (each its share of
// the weights, and all of the input transform).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "onyx/status.h"
#include "prims/align.h"
#include "prims/conv.h"
#include "prims/packed_gemm.h"
#include "simd/kernels.h"

namespace onyx::prims {

class Winograd3x3 {
 public:
  // Whether a convolution has the shape this algorithm computes (2-D, 3x3, stride 1,
  // dilation 1, group 1).
  static bool applies(const ConvShape& s);

  // Transforms and packs w ([m][c][3][3]) for `kernels`, for a convolution of s's shape (its
  // batch aside), in a multiple of `parts` blocks of equal rows where the image has rows enough
  // (threads that take whole blocks then finish together), a little longer when parts > 1 (a
  // faster thread's share of rows still fits one block).
  Status pack(const simd::SimdKernels& kernels, const float* w, const ConvShape& s, int64_t parts = 1);

  // Tile rows [begin, end) of an image (2 output rows each); a block has at most the rows pack()
  // chose.
  struct Rows {
    int64_t begin, end;
  };
  int64_t tile_rows() const { return tiles_h_; }
  // Whether the products run as C^T = V^T U^T (PackedGemm::transposed()).
  bool transposed() const { return gemm_[0].transposed(); }
  int64_t blocks() const { return (tiles_h_ + block_rows_ - 1) / block_rows_; }

  // Output channels are split between threads in multiples of this (the products' tile rows).
  int64_t channel_grain() const { return gemm_[0].tile_rows(); }

  // All three phases of tile rows `rows` for output channels [m_begin, m_end) (m_begin a
  // multiple of channel_grain(); m_end -1 means all) on one thread, in blocks of near-equal rows
  // none longer than pack() chose, with scratch_bytes() of scratch. Threads split an image that has
  // too few blocks for each its own by output channels: each transforms every input channel
  // itself, and nothing one thread writes is read by another. (Sharing each phase instead, with
  // input channels, the 16 products and output channels split in turn, made every thread read
  // what the others had just written, twice a layer: on two vCPUs in different core complexes
  // the transforms then ran 2-3 times slower per channel than on one thread.)
  size_t scratch_bytes() const;
  void run(const float* x, float* y, const float* z, const simd::TileEpilogue& ep, void* scratch, Rows rows,
           int64_t m_begin = 0, int64_t m_end = -1) const;

 private:
  const simd::SimdKernels* kernels_ = nullptr;  // the table the GEMMs and transforms are from
  int64_t m_ = 0, c_ = 0, out_h_ = 0, out_w_ = 0;
  int64_t in_h_ = 0, in_w_ = 0, pad_top_ = 0, pad_left_ = 0;
  int64_t tiles_h_ = 0, tiles_w_ = 0, block_rows_ = 1;
  PackedGemm gemm_[16];  // one per element of the 4x4 transformed tile

  // A thread's own scratch: the even and odd columns of the block's rows of one channel, as if
  // zero-padded (2 more rows and columns than the tiles' outputs, the convolution's padding
  // before the first ones), or one tile row's 2x2 outputs; then a GEMM panel.
  struct Own;
  Own own_at(void* own) const;
  size_t columns_bytes() const {
    return align_size(2 * static_cast<size_t>((2 * block_rows_ + 2) * (tiles_w_ + 1)) * sizeof(float));
  }

  struct Block;
  Block block_at(Rows rows, void* block_scratch) const;
  // A block's transformed input and products, and a thread's own scratch (columns, GEMM panel).
  size_t block_scratch_bytes() const;
  size_t worker_scratch_bytes() const;

  // The three phases of one block. V for every input channel of the block of the image x
  // ([c][in_h][in_w]): each channel's rows that the block reads are split into even and odd
  // columns, zero-padded, in the thread's own scratch (no padded copy of the image).
  void transform_input(const float* x, const Block& b, void* own) const;
  // Rows [m_begin, m_end) of product e (of 16): the transformed weights' matrix e times V's.
  void multiply(const Block& b, int e, int64_t m_begin, int64_t m_end, void* own) const;
  // y ([m][out_h][out_w]) for output channels [m_begin, m_end) of the block's outputs, [+ z, of
  // y's layout, when not null (it may be y)], then the epilogue (bias per output channel, clamp).
  void transform_output(const Block& b, int64_t m_begin, int64_t m_end, float* y, const float* z,
                        const simd::TileEpilogue& ep, void* own) const;
};

}  // namespace onyx::prims
