// The table of SIMD kernels compiled for one ISA. Kernels that need speed call through
// simd::kernels() (the active ISA's table, or null when the active ISA is kScalar, in which
// case they use their portable C++ path). Every entry has a scalar reference elsewhere that
// tests compare it with, on every ISA the machine has.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "simd/isa.h"

namespace onyx::simd {

// Element-wise activations and transcendental functions of float arrays (simd/activation.h).
// kHardSigmoid is clamp(alpha * x + beta, 0, 1); kHardSwish x * clamp(x / 6 + 1/2, 0, 1);
// kSilu x * sigmoid(x) (PyTorch's SiLU, exported as Sigmoid and Mul); kLeakyRelu x < 0 ? alpha * x : x;
// kGelu (x * (erf(x / sqrt(2)) + 1)) * 0.5 in the order PyTorch exports it (Div, Erf, Add, Mul,
// Mul), or with alpha != 0 the tanh approximation (x * 0.5) * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))).
enum class Activation : uint8_t {
  kExp, kSigmoid, kTanh, kErf, kHardSigmoid, kHardSwish, kSilu, kLeakyRelu, kGelu, kCount
};

// What a GEMM tile does to its result after the last slice of K: C = C + bias[row], then
// clamped to [lo, hi] when `clamp` (Relu, Clip; max/min take the bound when C is NaN). `post`
// (kCount: none) is an activation the caller of the tiles applies to each block of finished
// outputs while it is still in cache (prims::apply_post), with post_alpha and post_beta.
struct TileEpilogue {
  const float* bias = nullptr;  // per row of C (indexed from the tile's first row), or null
  bool clamp = false;
  float lo = -__builtin_huge_valf();
  float hi = __builtin_huge_valf();
  Activation post = Activation::kCount;
  float post_alpha = 0.0f, post_beta = 0.0f;
};

// Up to `lanes` channel planes of one image for a kernel with channels in the vector lanes
// (simd/channel_lanes.h). Channel c reads its plane at x + c * ih * iw and writes its plane at
// y + c * oh * ow. pad is hp x wp pixels of `lanes` floats each (64-byte aligned), pixel
// (py, px) holding input (py - ph, px - pw); hp and wp are what the windows cover. The kernel
// writes only the input's pixels: the caller fills the padding once for all blocks.
struct LanesPlanes {
  const float* x = nullptr;
  float* y = nullptr;
  float* pad = nullptr;
  int channels = 0;
  int64_t ih = 0, iw = 0, oh = 0, ow = 0, sh = 1, sw = 1, ph = 0, pw = 0, hp = 0, wp = 0;
};

// A 3x3 undilated depthwise convolution: channel c's nine taps at w + 9c and bias[c] (bias may
// be null); padding zero. clamp: outputs clamped to [lo, hi] as the clamp kernel does (Relu, Clip).
struct DepthwiseBlock : LanesPlanes {
  const float* w = nullptr;
  const float* bias = nullptr;
  bool clamp = false;
  float lo = 0.0f, hi = 0.0f;
};

// Channels per block of the channels-in-lanes kernels on any ISA (AVX-512's 16 floats): their
// scratch is sized for it, and threads split channels in whole blocks of it so that no range
// ends in a partial block that another range also pays for.
constexpr int64_t kMaxChannelLanes = 16;

// Max pooling, kh x kw windows (at most kMaxLanesPoolTaps taps) with dilations dh, dw, every
// window inside the input (no padding: pad is the input's pixels).
constexpr int kMaxLanesPoolTaps = 64;

// Taps of a depthwise convolution through SimdKernels::depthwise_taps (7x7 at most).
constexpr int kMaxDepthwiseTaps = 49;
struct MaxPoolBlock : LanesPlanes {
  int64_t kh = 1, kw = 1, dh = 1, dw = 1;
};

// Element-wise binary float ops with a contiguous layout: both arrays of n, or one a scalar.
enum class BinaryOp : uint8_t { kAdd, kSub, kMul, kDiv, kMax, kMin, kCount };
enum class Operands : uint8_t { kVecVec, kScalarVec, kVecScalar };

struct SimdKernels {
  Isa isa = Isa::kScalar;
  // GEMM micro-kernels, several tile shapes (the caller picks the one that wastes least on
  // its m x n): C[m x n] (+)= A_panel * B over kc, where A_panel is kc x mr (k-major, mr floats
  // per k, zero-padded past m) and B is kc rows of nr floats, ldb apart: a packed panel
  // (ldb = nr, zero-padded past n) or, for a full tile, the rows of a matrix in place.
  // accumulate: add to C instead of overwriting; last: apply the epilogue.
  struct GemmTile {
    using Fn = void (*)(int64_t kc, const float* a_panel, const float* b, int64_t ldb, float* c, int64_t ldc, int m,
                        int n, bool accumulate, bool last, const TileEpilogue& ep);
    int mr = 0;
    int nr = 0;
    Fn fn = nullptr;
    // The same rows with one vector of columns (null when nr is one vector already): the last
    // column panel of a product uses it when its columns fit, so that 196 columns pad to 208
    // instead of 224.
    int narrow_nr = 0;
    Fn narrow = nullptr;
  };
  static constexpr int kMaxGemmTiles = 3;
  GemmTile gemm[kMaxGemmTiles];
  int gemm_tiles = 0;
  // The tile for a product computed transposed, C^T = B^T A^T (prims::PackedGemm): a late
  // layer's few output pixels become its rows and the many output channels its vectors. It has
  // 7 rows, so that 7x7 and 14x14 images fill it (49 columns pad to 64 in vectors of 16).
  // Null on ISAs without one: 16 registers do not hold 7 rows of accumulators with two vectors
  // each, and NEON64's 4-float vectors already fill 49 columns to 52.
  GemmTile transposed;

  // out[i] = op(a[i], b[i]) (a or b read as one scalar per `operands`).
  void (*binary)(BinaryOp op, Operands operands, const float* a, const float* b, float* out, size_t n) = nullptr;
  // Rows of a B panel: out[r * ldo + t] = src[off(r) + t * stride] for r < rows and t < n, where
  // off(r) is offsets[r], or r * ld when offsets is null (matrices, and im2col views of images).
  void (*gather_rows)(const float* src, const int64_t* offsets, int64_t ld, int64_t rows, int64_t stride, int n,
                      float* out, int64_t ldo) = nullptr;
  // out[i] = clamp(x[i], lo, hi) — Relu and Clip.
  void (*clamp)(const float* x, float* out, size_t n, float lo, float hi) = nullptr;
  // out[i] = x[i] * scale + shift (rounded after the multiply and after the add).
  void (*scale_shift)(const float* x, float* out, size_t n, float scale, float shift) = nullptr;
  // A depthwise convolution from its `count` taps (at most kMaxDepthwiseTaps; prims/conv.cc: the
  // taps are offsets into the padded input's polyphase planes): out[i] = bias + sum over j of
  // w[j] * taps[j][i], multiplied then added in order j = kh * kw_size + kw. out must not overlap
  // a tap.
  void (*depthwise_taps)(const float* const* taps, int count, const float* w, float bias, float* out,
                         size_t n) = nullptr;
  // The same convolution with column stride 1 or 2 from three input rows (rows[kh], the first
  // output's column 0): out[i] = bias + sum over kh, kw of w[kh * 3 + kw] * rows[kh][stride * i
  // + kw], multiply-adds fused, in that order. Reads only those floats. False, writing nothing,
  // for fewer outputs than a vector, or stride 2 on an ISA without a way to split even and odd
  // lanes.
  bool (*depthwise3x3_rows)(const float* const* rows, int64_t stride, const float* w, float bias, float* out,
                            size_t n) = nullptr;
  // Whether the ISA splits a vector pair into even and odd lanes in registers (EvenOdd in
  // simd/arch_ops.h): the row kernels below then take column stride 2.
  bool even_odd = false;
  // Channels per block of the channels-in-lanes kernels (simd/channel_lanes.h): the planes are
  // transposed into pad's pixels, each output pixel is computed for all channels at once, and the
  // outputs are transposed back. depthwise3x3_lanes: the convolution above, nine vector
  // multiply-adds in the same order (so the same bits); max_pool_lanes: the rule of max_taps
  // below, taps in row-major window order.
  int channel_lanes = 0;
  void (*depthwise3x3_lanes)(const DepthwiseBlock& b) = nullptr;
  void (*max_pool_lanes)(const MaxPoolBlock& b) = nullptr;
  // Max pooling over windows inside the input: out[i] is the running maximum of taps[t][i * stride]
  // over t = 0 .. count-1 in order, where a later value replaces the best only when greater (so
  // NaN wins only as the first tap), as the scalar max_pool_2d. out must not overlap a tap.
  // slack: every tap may also be read for 16 windows from its start (16 * stride floats), so
  // fewer outputs than a vector still run as one (rows of 7 or 13 pooled outputs).
  void (*max_taps)(const float* const* taps, int count, int64_t stride, float* out, size_t n, bool slack) = nullptr;
  // The same for stride 2 and windows kw = 2 or 3 columns wide, given each window row's first
  // tap (rows[r], the first output's column 0; taps in row-major order): out[i] is the running
  // maximum over r < count, j < kw of rows[r][2i + j]. Reads only those floats. False, writing
  // nothing, for other kw, fewer outputs than a vector, or an ISA without even_odd (max_taps
  // takes those).
  bool (*max_stride2)(const float* const* rows, int count, int kw, float* out, size_t n) = nullptr;
  // Winograd F(2x2, 3x3) data transforms for one tile row (simd/winograd_tile.h): tiles
  // [0, tiles) of the even (e) and odd (o) columns of four input rows ld apart into the 16
  // transformed matrices (element i of tile j at v[i * vs + j]); and the 16 products of each tile
  // (p[i * ps + j]) into its 2x2 outputs (y[(2a + b) * ys + j]).
  void (*winograd_input)(const float* e, const float* o, int64_t ld, int64_t tiles, float* v, int64_t vs) = nullptr;
  void (*winograd_output)(const float* p, int64_t ps, int64_t tiles, float* y, int64_t ys) = nullptr;
  // Output row y[0, n) from its even (e) and odd (o) columns, each plus add[i] (when add) and
  // bias (when ep.bias), then clamped when ep.clamp, as prims::finish_scalar.
  void (*winograd_row)(const float* e, const float* o, int64_t n, const float* add, float bias,
                       const TileEpilogue& ep, float* y) = nullptr;
  // The fewest input channels for which a Winograd convolution beats the direct one here. One
  // thread, SqueezeNet 1.1's fire modules (16 and 32 channels in): with AVX-512 the model 3%
  // faster, with AVX2 2% slower (each such layer 8%); so 16 on AVX-512, 64 (ResNet-18's
  // stages) on the others.
  int winograd_min_channels = 64;
  // sum of x[i] * y[i] (any order, fused where the ISA has FMA), and y[i] += a * x[i] (multiply,
  // then add): the matrix-vector products of sgemm with one row.
  float (*dot)(const float* x, const float* y, size_t n) = nullptr;
  void (*axpy)(float a, const float* x, float* y, size_t n) = nullptr;
  // Horizontal reductions over n contiguous floats.
  float (*sum)(const float* x, size_t n) = nullptr;
  float (*max)(const float* x, size_t n) = nullptr;
  // out[i] = f(x[i]) (out may be x). kExp, kSigmoid, kTanh and kErf are within a few ulp of the
  // C library's (xsimd's polynomials; NaN, infinities and saturation as the scalar operators),
  // the hard ones round exactly as their scalar operators. Every element, the tail's too, goes
  // through the vector code, so a result does not depend on where a vector boundary falls.
  void (*activation)(Activation f, const float* x, float* out, size_t n, float alpha, float beta) = nullptr;
};

// The active ISA's table, or null for kScalar (and before any ISA is compiled in).
const SimdKernels* kernels();
// The table of a given ISA, or null when this build or this CPU lacks it (for tests).
const SimdKernels* kernels_for(Isa isa);

// Per-ISA tables, each defined in ops/simd/isa_<name>.cc of the builds that compile it.
const SimdKernels* kernels_sse2();
const SimdKernels* kernels_avx2();
const SimdKernels* kernels_avx512();
const SimdKernels* kernels_neon();
const SimdKernels* kernels_neon64();

}  // namespace onyx::simd
