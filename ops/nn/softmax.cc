// Softmax, LogSoftmax, Hardmax (1, 11, 13).
// Before 13 the input is coerced to 2-D [prod(dims[:axis]), prod(dims[axis:])] (axis default
// 1) and the op runs over each row; from 13 it runs along the single axis (default -1).
// float32 Softmax over contiguous rows runs the vector kernels (softmax_rows).
#include <algorithm>
#include <cmath>
#include <memory>

#include "dispatch.h"
#include "kernel.h"
#include "nn/common.h"
#include "prims/fast_paths.h"
#include "simd/kernels.h"

namespace onyx {
namespace {

enum class SoftKind { kSoftmax, kLogSoftmax, kHardmax };

template <SoftKind kKind>
class SoftmaxKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'input' is missing");
    const DType t = ctx.in_dtype(0);
    const int v = ctx.since_version();
    if (!in_mask(t, v >= 13 ? kMaskFloat : kMaskFloat3)) return ctx.unsupported_dtype(0, t);
    const Dims& xs = ctx.in_shape(0);
    const int64_t rank = static_cast<int64_t>(xs.size());
    int64_t axis = 0;
    ONYX_TRY(ctx.attr_int("axis", &axis, v >= 13 ? -1 : 1));
    outer_ = 1;
    len_ = 1;
    inner_ = 1;
    if (v >= 13) {
      int64_t a = 0;
      if (!normalize_axis(axis, rank, &a)) {
        return ctx.fail(Code::kInvalidModel, "attribute 'axis' ", axis, " is out of range for input rank ", rank);
      }
      for (int64_t i = 0; i < a; ++i) outer_ *= xs[static_cast<size_t>(i)];
      len_ = xs[static_cast<size_t>(a)];
      for (int64_t i = a + 1; i < rank; ++i) inner_ *= xs[static_cast<size_t>(i)];
    } else {
      // Coerced 2-D view; axis may equal the rank (rows of length 1).
      if (axis < -rank || axis > rank) {
        return ctx.fail(Code::kInvalidModel, "attribute 'axis' ", axis, " is out of range for input rank ", rank);
      }
      const int64_t a = axis < 0 ? axis + rank : axis;
      for (int64_t i = 0; i < a; ++i) outer_ *= xs[static_cast<size_t>(i)];
      for (int64_t i = a; i < rank; ++i) len_ *= xs[static_cast<size_t>(i)];
    }
    ctx.set_output(0, t, xs);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return Status();
    const simd::SimdKernels* k = simd::kernels();
    if (kKind == SoftKind::kSoftmax && x.dtype() == DType::kFloat32 && inner_ == 1 && k != nullptr &&
        prims::fast_paths_enabled()) {
      softmax_rows(ctx, *k, x.data_as<float>(), y.data_as<float>());
      return Status();
    }
    return dispatch<kMaskFloat>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using Acc = compute_t<T>;
      const T* xp = x.data_as<T>();
      T* yp = y.data_as<T>();
      for (int64_t o = 0; o < outer_; ++o) {
        for (int64_t in = 0; in < inner_; ++in) {
          const int64_t base = o * len_ * inner_ + in;
          const T* src = xp + base;
          T* dst = yp + base;
          const int64_t st = inner_;
          Acc mx = static_cast<Acc>(src[0]);
          int64_t arg = 0;
          for (int64_t i = 1; i < len_; ++i) {
            const Acc vi = static_cast<Acc>(src[i * st]);
            if (vi > mx) {
              mx = vi;
              arg = i;
            }
          }
          if constexpr (kKind == SoftKind::kHardmax) {
            for (int64_t i = 0; i < len_; ++i) dst[i * st] = static_cast<T>(static_cast<Acc>(i == arg ? 1 : 0));
          } else {
            Acc sum = Acc(0);
            for (int64_t i = 0; i < len_; ++i) sum += std::exp(static_cast<Acc>(src[i * st]) - mx);
            if constexpr (kKind == SoftKind::kSoftmax) {
              const Acc inv = Acc(1) / sum;
              for (int64_t i = 0; i < len_; ++i) {
                dst[i * st] = static_cast<T>(std::exp(static_cast<Acc>(src[i * st]) - mx) * inv);
              }
            } else {
              const Acc lse = std::log(sum);
              for (int64_t i = 0; i < len_; ++i) dst[i * st] = static_cast<T>(static_cast<Acc>(src[i * st]) - mx - lse);
            }
          }
        }
      }
      return Status();
    });
  }

 private:
  // float32 Softmax over contiguous rows (the last axis: attention's scores) with the vector
  // kernels, rows shared between threads: y = x - max, y = exp(y) in place, then y * (1 / sum),
  // the scalar loop's operations (exp within a few ulp of std::exp).
  void softmax_rows(RunContext& ctx, const simd::SimdKernels& k, const float* x, float* y) const {
    const int64_t len = len_;
    ctx.parallel_rows(outer_, len, [&](int64_t r) {
      const float* src = x + r * len;
      float* dst = y + r * len;
      const auto n = static_cast<size_t>(len);
      const float mx = k.max(src, n);
      k.binary(simd::BinaryOp::kSub, simd::Operands::kVecScalar, src, &mx, dst, n);
      k.activation(simd::Activation::kExp, dst, dst, n, 0.0f, 0.0f);
      const float inv = 1.0f / k.sum(dst, n);
      k.binary(simd::BinaryOp::kMul, simd::Operands::kVecScalar, dst, &inv, dst, n);
    });
  }

  int64_t outer_ = 1, len_ = 1, inner_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_Softmax() { return make_kernel<SoftmaxKernel<SoftKind::kSoftmax>>(); }
std::unique_ptr<Kernel> make_LogSoftmax() { return make_kernel<SoftmaxKernel<SoftKind::kLogSoftmax>>(); }
std::unique_ptr<Kernel> make_Hardmax() { return make_kernel<SoftmaxKernel<SoftKind::kHardmax>>(); }

}  // namespace onyx
