// Convolution primitives (no ONNX knowledge): NC[D...] layout, grouped, strided, dilated,
// zero-padded, N spatial dimensions.
//
// conv_ref is the plain scalar direct convolution for any element type (16-bit floats
// accumulate in float); it is the reference every fast path is tested against.
// conv_fast is the float32 path: a direct kernel for depthwise 1-D/2-D convolutions, a plain
// GEMM for 1x1 stride-1 unpadded convolutions, and im2col + GEMM otherwise. It allocates
// nothing; it needs conv_scratch_bytes(shape) bytes of scratch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dispatch.h"
#include "simd/kernels.h"

namespace onyx::prims {

// Largest number of spatial axes the primitives handle (run-time loops use fixed arrays).
constexpr size_t kMaxSpatial = 8;

struct ConvShape {
  int64_t batch = 0;
  int64_t in_channels = 0;   // C (all groups)
  int64_t out_channels = 0;  // M (all groups)
  int64_t group = 1;
  // Per spatial axis:
  std::vector<int64_t> in;         // input extent
  std::vector<int64_t> out;        // output extent
  std::vector<int64_t> kernel;     // kernel extent
  std::vector<int64_t> strides;    // >= 1
  std::vector<int64_t> dilations;  // >= 1
  std::vector<int64_t> pads;       // padding before each axis (padding after is implied by `out`)

  size_t rank() const { return in.size(); }
  int64_t in_size() const;      // product of `in`
  int64_t out_size() const;     // product of `out`
  int64_t kernel_size() const;  // product of `kernel`
  // Multiply-adds of the direct convolution: what the threads' minimums are measured against.
  int64_t macs() const { return batch * out_channels * out_size() * (in_channels / group) * kernel_size(); }
};

// Scalar reference. x: [batch, C, in...], w: [M, C/group, kernel...], bias: [M] or null,
// y: [batch, M, out...].
template <class T>
void conv_ref(const ConvShape& s, const T* x, const T* w, const T* bias, T* y) {
  using Acc = compute_t<T>;
  const size_t nd = s.rank();
  const int64_t cg = s.in_channels / s.group, mg = s.out_channels / s.group;
  const int64_t in_size = s.in_size(), out_size = s.out_size(), k_size = s.kernel_size();
  int64_t opos[kMaxSpatial] = {}, kpos[kMaxSpatial] = {};
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t m = 0; m < s.out_channels; ++m) {
      const int64_t g = m / mg;
      for (int64_t o = 0; o < out_size; ++o) {
        for (size_t i = nd, r = static_cast<size_t>(o); i-- > 0;) {
          opos[i] = static_cast<int64_t>(r) % s.out[i];
          r /= static_cast<size_t>(s.out[i]);
        }
        Acc acc = bias != nullptr ? static_cast<Acc>(bias[m]) : Acc(0);
        for (int64_t c = 0; c < cg; ++c) {
          const T* xc = x + (n * s.in_channels + g * cg + c) * in_size;
          const T* wc = w + (m * cg + c) * k_size;
          for (int64_t kk = 0; kk < k_size; ++kk) {
            for (size_t i = nd, r = static_cast<size_t>(kk); i-- > 0;) {
              kpos[i] = static_cast<int64_t>(r) % s.kernel[i];
              r /= static_cast<size_t>(s.kernel[i]);
            }
            int64_t offset = 0;
            bool inside = true;
            for (size_t i = 0; i < nd; ++i) {
              int64_t p = opos[i] * s.strides[i] - s.pads[i] + kpos[i] * s.dilations[i];
              if (p < 0 || p >= s.in[i]) {
                inside = false;
                break;
              }
              offset = offset * s.in[i] + p;
            }
            if (inside) acc += static_cast<Acc>(xc[offset]) * static_cast<Acc>(wc[kk]);
          }
        }
        y[(n * s.out_channels + m) * out_size + o] = static_cast<T>(acc);
      }
    }
  }
}

// Transposed convolution, described by the forward convolution `s` it is the adjoint of: s.in
// and s.in_channels (M) are the transposed op's output, s.out and s.out_channels (C) its input.
// x: [batch, C, out...], w: [C, M/group, kernel...], bias: [M] or null, y: [batch, M, in...].
// Scalar reference in gather form (each output accumulated once, in compute_t).
template <class T>
void conv_transpose_ref(const ConvShape& s, const T* x, const T* w, const T* bias, T* y) {
  using Acc = compute_t<T>;
  const size_t nd = s.rank();
  const int64_t mg = s.in_channels / s.group;  // outputs per group
  const int64_t cg = s.out_channels / s.group; // inputs per group
  const int64_t in_size = s.in_size(), out_size = s.out_size(), k_size = s.kernel_size();
  int64_t ypos[kMaxSpatial] = {}, kpos[kMaxSpatial] = {};
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t m = 0; m < s.in_channels; ++m) {
      const int64_t g = m / mg, ml = m % mg;
      for (int64_t q = 0; q < in_size; ++q) {
        for (size_t i = nd, r = static_cast<size_t>(q); i-- > 0;) {
          ypos[i] = static_cast<int64_t>(r) % s.in[i];
          r /= static_cast<size_t>(s.in[i]);
        }
        Acc acc = bias != nullptr ? static_cast<Acc>(bias[m]) : Acc(0);
        for (int64_t kk = 0; kk < k_size; ++kk) {
          for (size_t i = nd, r = static_cast<size_t>(kk); i-- > 0;) {
            kpos[i] = static_cast<int64_t>(r) % s.kernel[i];
            r /= static_cast<size_t>(s.kernel[i]);
          }
          // The input position p with p*stride - pad + k*dilation == ypos, if any.
          int64_t offset = 0;
          bool hit = true;
          for (size_t i = 0; i < nd; ++i) {
            const int64_t t = ypos[i] + s.pads[i] - kpos[i] * s.dilations[i];
            if (t < 0 || t % s.strides[i] != 0 || t / s.strides[i] >= s.out[i]) {
              hit = false;
              break;
            }
            offset = offset * s.out[i] + t / s.strides[i];
          }
          if (!hit) continue;
          for (int64_t cl = 0; cl < cg; ++cl) {
            const int64_t c = g * cg + cl;
            acc += static_cast<Acc>(x[(n * s.out_channels + c) * out_size + offset]) *
                   static_cast<Acc>(w[(c * mg + ml) * k_size + kk]);
          }
        }
        y[(n * s.in_channels + m) * in_size + q] = static_cast<T>(acc);
      }
    }
  }
}

// float32 transposed convolution: GEMM (W^T * X) into columns, then col2im scatter-add.
size_t conv_transpose_scratch_bytes(const ConvShape& s);
void conv_transpose_fast(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                         void* scratch);

// Which algorithm conv_fast uses (exposed for tests and tools).
enum class ConvAlgo { kDepthwise, kPointwise, kIm2col };
ConvAlgo conv_algo(const ConvShape& s);

size_t conv_scratch_bytes(const ConvShape& s);
void conv_fast(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
               void* scratch);
// conv_fast's GEMM algorithms (kPointwise, kIm2col) as independent units, one column chunk of
// one image's group each (conv_gemm_units of them; 0 for an empty output), so that threads can
// share a convolution: conv_gemm_unit computes unit u with conv_scratch_bytes(s) of scratch of
// its own. conv_fast runs them in order; any order gives the same bits.
int64_t conv_gemm_units(const ConvShape& s);
void conv_gemm_unit(const ConvShape& s, int64_t u, const float* x, const float* w, const float* bias, float* y,
                    void* scratch);
// conv_fast's depthwise algorithm (conv_algo(s) == kDepthwise) for one image and input channels
// [c0, c1) (with their outputs), so that threads can share an image without copying the shape.
// x, w and y are the whole tensors; scratch is conv_scratch_bytes(s) bytes. ep.bias is the bias
// of every output channel (or null). A fused Relu or Clip (ep.clamp; NaN becomes lo, as the SIMD
// clamp) and activation (ep.post) are applied to each block of channels as it is written; they
// need the active ISA's table (the caller applies them on the scalar ISA).
void conv_depthwise(const ConvShape& s, int64_t image, int64_t c0, int64_t c1, const float* x, const float* w,
                    float* y, void* scratch, const simd::TileEpilogue& ep);

// Output positions i in [0, out) with 0 <= i*stride + offset < in, as [*lo, *hi).
inline void valid_range(int64_t offset, int64_t stride, int64_t in, int64_t out, int64_t* lo,
                        int64_t* hi) {
  int64_t l = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int64_t h = in - 1 - offset < 0 ? 0 : (in - 1 - offset) / stride + 1;
  if (l > out) l = out;
  if (h > out) h = out;
  if (h < l) h = l;
  *lo = l;
  *hi = h;
}

}  // namespace onyx::prims
