#include "prims/winograd.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>

#include "prims/align.h"
#include "prims/epilogue.h"
#include "prims/prefetch.h"

namespace onyx::prims {
namespace {

// A block's transformed input and products (16 x (c + m) x tiles floats) stay within about
// this many bytes (about L2): measured on ResNet-18, 1 MiB was 7% slower (GEMMs of too few
// columns), 4 MiB the same.
constexpr int64_t kBlockBytes = 2048 * 1024;

// Floats between the 16 matrices of a block (n floats each): whole cache lines, an odd number
// of them, so that the 16 streams a transform reads or writes at once fall in different cache
// sets (a multiple of 4 KiB would put them all in one set and alias their loads and stores).
int64_t matrix_stride(int64_t n) {
  const int64_t lines = (n + 15) / 16;
  return (lines | 1) * 16;
}

// U = G g G^T with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], in double, rounded once.
void kernel_transform(const float* g, float* u) {
  double gg[4][3];
  for (int j = 0; j < 3; ++j) {
    const double a = g[j], b = g[3 + j], c = g[6 + j];
    gg[0][j] = a;
    gg[1][j] = 0.5 * (a + b + c);
    gg[2][j] = 0.5 * (a - b + c);
    gg[3][j] = c;
  }
  for (int i = 0; i < 4; ++i) {
    const double a = gg[i][0], b = gg[i][1], c = gg[i][2];
    u[i * 4 + 0] = static_cast<float>(a);
    u[i * 4 + 1] = static_cast<float>(0.5 * (a + b + c));
    u[i * 4 + 2] = static_cast<float>(0.5 * (a - b + c));
    u[i * 4 + 3] = static_cast<float>(c);
  }
}

}  // namespace

bool Winograd3x3::applies(const ConvShape& s) {
  return s.rank() == 2 && s.group == 1 && s.kernel[0] == 3 && s.kernel[1] == 3 && s.strides[0] == 1 &&
         s.strides[1] == 1 && s.dilations[0] == 1 && s.dilations[1] == 1;
}

Status Winograd3x3::pack(const simd::SimdKernels& kernels, const float* w, const ConvShape& s, int64_t parts) {
  kernels_ = &kernels;
  const int64_t m = s.out_channels, c = s.in_channels;
  m_ = m;
  c_ = c;
  in_h_ = s.in[0];
  in_w_ = s.in[1];
  pad_top_ = s.pads[0];
  pad_left_ = s.pads[1];
  out_h_ = s.out[0];
  out_w_ = s.out[1];
  tiles_h_ = (out_h_ + 1) / 2;
  tiles_w_ = (out_w_ + 1) / 2;
  const int64_t row_bytes = 16 * (m + c) * tiles_w_ * static_cast<int64_t>(sizeof(float));
  // As few blocks as fit kBlockBytes, of rows shared out evenly (28 tile rows at most 9 to a
  // block: 7, 7, 7, 7, not 9, 9, 9, 1); a multiple of `parts` when that leaves the threads'
  // shares within 10% of equal (7 rows in 4 + 3 do not: one thread would wait).
  const int64_t rows = std::max<int64_t>(tiles_h_, 1);
  const int64_t most = std::max<int64_t>(kBlockBytes / std::max<int64_t>(row_bytes, 1), 1);
  int64_t blocks = (rows + most - 1) / most;
  parts = std::max<int64_t>(parts, 1);
  const int64_t shared = (blocks + parts - 1) / parts * parts;
  if (shared <= rows && 10 * rows >= 9 * shared * ((rows + shared - 1) / shared)) blocks = shared;
  block_rows_ = (rows + blocks - 1) / blocks;
  // Threads' shares follow their speeds (TaskRunner::run_shares): room for a third more rows
  // keeps a faster thread's share in one block, its GEMMs as wide as on one thread.
  if (parts > 1) block_rows_ = std::min(rows, (4 * block_rows_ + 2) / 3);
  // U as 16 matrices [m][c], one per element of the transformed tile (apart by an odd number
  // of cache lines: the transform writes all 16 at once).
  const int64_t us = matrix_stride(m * c);
  std::unique_ptr<float[]> u(new (std::nothrow) float[static_cast<size_t>(16 * us)]);  // written before read
  if (u == nullptr) return error(Code::kResourceExhausted, "out of memory for Winograd weights of ", m, "x", c);
  float t[16];
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < c; ++j) {
      kernel_transform(w + (i * c + j) * 9, t);
      for (int e = 0; e < 16; ++e) u[static_cast<size_t>(e * us + i * c + j)] = t[e];
    }
  }
  // A 14x14 image's 49 tiles fill the ISA's transposed tile exactly where column vectors pad
  // them to 64 (ResNet-18's layer3 on one thread: 7% faster).
  for (int e = 0; e < 16; ++e) {
    ONYX_TRY(gemm_[e].pack(kernels, u.get() + e * us, m, c, c, block_rows_ * tiles_w_, /*may_transpose=*/true));
  }
  return Status();
}

struct Winograd3x3::Own {
  float* columns;  // [2][2 * block_rows + 2][tiles_w + 1]
  void* gemm;
};

Winograd3x3::Own Winograd3x3::own_at(void* own) const {
  Own o;
  o.columns = align_ptr<float>(own);
  o.gemm = o.columns + columns_bytes() / sizeof(float);
  return o;
}

// Where one block's matrices are in the block scratch: V (16 matrices of c x nt) then the
// products (16 of m x nt), each set at the stride of the largest block.
struct Winograd3x3::Block {
  int64_t t0, t1, nt;  // tile rows [t0, t1), tiles (the GEMMs' columns)
  int64_t vs, ps;      // between V's matrices, between the products
  float* v;
  float* prod;
};

Winograd3x3::Block Winograd3x3::block_at(Rows rows, void* scratch) const {
  Block b;
  b.t0 = rows.begin;
  b.t1 = std::min(tiles_h_, std::min(rows.end, b.t0 + block_rows_));
  b.nt = (b.t1 - b.t0) * tiles_w_;
  b.vs = matrix_stride(c_ * b.nt);
  b.ps = matrix_stride(m_ * b.nt);
  const int64_t most = block_rows_ * tiles_w_;
  b.v = align_ptr<float>(scratch);
  b.prod = b.v + align_size(16 * static_cast<size_t>(matrix_stride(c_ * most)) * sizeof(float)) / sizeof(float);
  return b;
}

size_t Winograd3x3::block_scratch_bytes() const {
  const int64_t most = block_rows_ * tiles_w_;
  return align_size(16 * static_cast<size_t>(matrix_stride(c_ * most)) * sizeof(float)) +
         align_size(16 * static_cast<size_t>(matrix_stride(m_ * most)) * sizeof(float)) + kAlign;
}

size_t Winograd3x3::worker_scratch_bytes() const {
  return columns_bytes() + gemm_[0].scratch_bytes() + kAlign;
}

size_t Winograd3x3::scratch_bytes() const { return align_size(block_scratch_bytes()) + worker_scratch_bytes(); }

void Winograd3x3::transform_input(const float* x, const Block& b, void* own) const {
  // V: per channel, the block's rows split into even and odd columns of the padded image (each
  // row once, straight from x: on small images, padding a copy and splitting each tile row's four
  // rows cost more than the transform); per tile row, its four rows transformed; element i of
  // the tile goes to matrix i, row = input channel, column = tile.
  const int64_t tw = tiles_w_, cols = tw + 1, window = 2 * (b.t1 - b.t0) + 2;
  float* even = own_at(own).columns;
  float* odd = even + window * cols;
  const simd::SimdKernels& k = *kernels_;
  // Padded row r of the window is input row r + first (rows outside the input are zeros);
  // column 2j + p of a padded row is input column 2j + p - pad_left.
  const int64_t first = 2 * b.t0 - pad_top_;
  const int64_t r0 = std::clamp<int64_t>(-first, 0, window), r1 = std::clamp<int64_t>(in_h_ - first, r0, window);
  struct Split {
    float* out;
    int64_t j0, j1, col;  // columns [j0, j1) come from input column col, col + 2, ...
  } splits[2];
  for (int p = 0; p < 2; ++p) {
    Split& sp = splits[p];
    sp.out = p == 0 ? even : odd;
    sp.j0 = std::clamp<int64_t>((pad_left_ - p + 1) / 2, 0, cols);
    sp.j1 = std::clamp<int64_t>((in_w_ - 1 - p + pad_left_) / 2 + 1, sp.j0, cols);
    if (in_w_ - 1 - p + pad_left_ < 0) sp.j1 = sp.j0;
    sp.col = 2 * sp.j0 + p - pad_left_;
    // The zeros: rows outside the input, and the columns either side of the copied ones.
    std::fill(sp.out, sp.out + r0 * cols, 0.0f);
    std::fill(sp.out + r1 * cols, sp.out + window * cols, 0.0f);
    for (int64_t r = r0; r < r1; ++r) {
      std::fill(sp.out + r * cols, sp.out + r * cols + sp.j0, 0.0f);
      std::fill(sp.out + r * cols + sp.j1, sp.out + (r + 1) * cols, 0.0f);
    }
  }
  const int64_t plane_size = in_h_ * in_w_;
  for (int64_t ch = 0; ch < c_; ++ch) {
    const float* plane = x + ch * plane_size;
    // The next channel's rows, while this one is transformed (on two threads, 30-40% less
    // time in this transform: they were often in the other core's cache).
    if (ch + 1 < c_ && r1 > r0) {
      prefetch_read(plane + plane_size + (r0 + first) * in_w_, static_cast<size_t>((r1 - r0) * in_w_) * sizeof(float));
    }
    for (const Split& sp : splits) {
      if (r1 > r0 && sp.j1 > sp.j0) {
        k.gather_rows(plane + (r0 + first) * in_w_ + sp.col, nullptr, in_w_, r1 - r0, 2,
                      static_cast<int>(sp.j1 - sp.j0), sp.out + r0 * cols + sp.j0, cols);
      }
    }
    for (int64_t ti = b.t0; ti < b.t1; ++ti) {
      const int64_t r = 2 * (ti - b.t0) * cols;
      k.winograd_input(even + r, odd + r, cols, tw, b.v + ch * b.nt + (ti - b.t0) * tw, b.vs);
    }
  }
}

void Winograd3x3::multiply(const Block& b, int e, int64_t m_begin, int64_t m_end, void* own) const {
  // The sum over input channels: product e = U_e [m x c] * V_e [c x nt].
  gemm_[e].run(BSource::matrix(b.v + e * b.vs, c_, b.nt, b.nt), b.prod + e * b.ps, b.nt, false, simd::TileEpilogue{},
               own_at(own).gemm, 0, b.nt, m_begin, m_end);
}

void Winograd3x3::transform_output(const Block& b, int64_t m_begin, int64_t m_end, float* y, const float* z,
                                   const simd::TileEpilogue& ep, void* own) const {
  // Y: per output channel and tile row, the 2x2 outputs of every tile (as even and odd
  // columns of the top and bottom rows), then interleaved into the output with Z, the bias and
  // the clamp (only outputs that exist: the last tile row or column may overhang); then the
  // epilogue's activation on the channel's rows of the block.
  const int64_t tw = tiles_w_, ow = out_w_;
  float* quads = own_at(own).columns;  // [4][tw]: top even, top odd, bottom even, bottom odd
  const int64_t plane = out_h_ * ow, first = 2 * b.t0 * ow;
  const auto bytes = static_cast<size_t>(std::min(2 * b.t1, out_h_) * ow - first) * sizeof(float);
  for (int64_t i = m_begin; i < m_end; ++i) {
    const float bias = ep.bias != nullptr ? ep.bias[i] : 0.0f;
    float* yi = y + i * plane;
    const float* zi = z != nullptr ? z + i * plane : nullptr;
    // The next channel's outputs (and Z), while this one is written: the stores then seldom
    // wait for a line from the other core (two threads: a quarter less time in this transform).
    if (i + 1 < m_end) {
      prefetch_write(yi + plane + first, bytes);
      if (zi != nullptr && z != y) prefetch_read(zi + plane + first, bytes);
    }
    for (int64_t ti = b.t0; ti < b.t1; ++ti) {
      kernels_->winograd_output(b.prod + i * b.nt + (ti - b.t0) * tw, b.ps, tw, quads, tw);
      for (int64_t a = 0; a < 2 && 2 * ti + a < out_h_; ++a) {
        const int64_t row = (2 * ti + a) * ow;
        kernels_->winograd_row(quads + 2 * a * tw, quads + (2 * a + 1) * tw, ow, zi != nullptr ? zi + row : nullptr,
                               bias, ep, yi + row);
      }
    }
    apply_post(kernels_, ep, yi, ow, 2 * b.t0, std::min(2 * b.t1, out_h_), 0, ow);
  }
}

void Winograd3x3::run(const float* x, float* y, const float* z, const simd::TileEpilogue& ep, void* scratch,
                      Rows rows, int64_t m_begin, int64_t m_end) const {
  if (m_end < 0 || m_end > m_) m_end = m_;
  if (m_begin >= m_end) return;
  void* own = static_cast<unsigned char*>(scratch) + align_size(block_scratch_bytes());
  const int64_t n = rows.end - rows.begin, blocks = (n + block_rows_ - 1) / block_rows_;
  for (int64_t i = 0; i < blocks; ++i) {
    const Block b = block_at({rows.begin + i * n / blocks, rows.begin + (i + 1) * n / blocks}, scratch);
    transform_input(x, b, own);
    for (int e = 0; e < 16; ++e) multiply(b, e, m_begin, m_end, own);
    transform_output(b, m_begin, m_end, y, z, ep, own);
  }
}

}  // namespace onyx::prims
