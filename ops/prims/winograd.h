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
// products stay in the near caches; threads share each phase of a block (input channels, the
// 16 products, output channels), so none of them streams all the weights or repeats work.
#pragma once

#include <cstddef>
#include <cstdint>

#include "onyx/status.h"
#include "prims/conv.h"
#include "prims/packed_gemm.h"
#include "simd/kernels.h"

namespace onyx::prims {

class Winograd3x3 {
 public:
  // Whether a convolution has the shape this algorithm computes (2-D, 3x3, stride 1,
  // dilation 1, group 1).
  static bool applies(const ConvShape& s);

  // Transforms and packs w ([m][c][3][3]) for `kernels`, for outputs of out_h x out_w.
  Status pack(const simd::SimdKernels& kernels, const float* w, int64_t m, int64_t c, int64_t out_h, int64_t out_w);

  // The zero-padded input a run reads: every 4x4 patch of every tile (2 more rows and columns
  // than the tiles' outputs; the convolution's own padding goes before the first ones).
  int64_t padded_h() const { return 2 * tiles_h_ + 2; }
  int64_t padded_w() const { return 2 * tiles_w_ + 2; }
  int64_t blocks() const { return (tiles_h_ + block_rows_ - 1) / block_rows_; }

  // A block runs in three phases; each splits into ranges that threads can share, and must end
  // on every thread before the next begins. They use a block scratch (the block's transformed
  // input and products, one per block in flight) and each thread's own scratch.
  size_t block_scratch_bytes() const;
  size_t worker_scratch_bytes() const;
  // V for input channels [c_begin, c_end) of block `block` of `padded` ([c][padded_h][padded_w]).
  void transform_input(const float* padded, int64_t block, int64_t c_begin, int64_t c_end, void* block_scratch,
                       void* own) const;
  // Product e (of 16): the transformed weights' matrix e times V's.
  void multiply(int64_t block, int e, void* block_scratch, void* own) const;
  // y ([m][out_h][out_w]) for output channels [m_begin, m_end) of the block's outputs, [+ z, of
  // y's layout, when not null (it may be y)], then the epilogue (bias per output channel, clamp).
  void transform_output(int64_t block, int64_t m_begin, int64_t m_end, float* y, const float* z,
                        const simd::TileEpilogue& ep, void* block_scratch, void* own) const;

  // All three phases of a block on one thread, with scratch_bytes() of scratch.
  size_t scratch_bytes() const;
  void run(const float* padded, float* y, const float* z, const simd::TileEpilogue& ep, void* scratch,
           int64_t block) const;

 private:
  const simd::SimdKernels* kernels_ = nullptr;  // the table the GEMMs and transforms are from
  int64_t m_ = 0, c_ = 0, out_h_ = 0, out_w_ = 0;
  int64_t tiles_h_ = 0, tiles_w_ = 0, block_rows_ = 1;
  PackedGemm gemm_[16];  // one per element of the 4x4 transformed tile

  struct Block;
  Block block_at(int64_t block, void* block_scratch) const;
};

}  // namespace onyx::prims
