// The shared unary driver: y = f(x) element by element, same shape. An op is a functor:
//
//   struct SqrtOp : UnaryOp {
//     static constexpr DTypeMask kMask = kMaskFloat;     // input dtypes implemented
//     template <class C> C operator()(C x) const { return std::sqrt(x); }
//   };
//
// operator() receives the compute type (float for float16/bfloat16, the type itself otherwise).
// Ops with attributes override init(); ops whose output is bool set kBoolOut. kSimd (default
// kCount: none) names the simd::Activation the op is: float32 tensors then run the active ISA's
// kernel, with simd_args() as its alpha and beta.
#pragma once

#include <type_traits>
#include <utility>

#include "elementwise/common.h"
#include "kernel.h"
#include "prims/fast_paths.h"
#include "simd/kernels.h"

namespace onyx::ew {

struct UnaryOp {
  static constexpr bool kBoolOut = false;
  static constexpr simd::Activation kSimd = simd::Activation::kCount;
  Status init(const PrepareContext&) { return Status(); }
  std::pair<float, float> simd_args() const { return {0.0f, 0.0f}; }
};

template <class T, class O, class F>
inline void unary_apply(const T* x, O* y, int64_t n, F&& f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <class Op>
class UnaryKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(check_inputs(ctx, 1, 1));
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, Op::kMask)) return ctx.unsupported_dtype(0, t);
    op_ = Op{};
    ONYX_TRY(op_.init(ctx));
    ctx.set_output(0, Op::kBoolOut ? DType::kBool : t, ctx.in_shape(0));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    return dispatch<Op::kMask>(x.dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      using O = std::conditional_t<Op::kBoolOut, bool, T>;
      if constexpr (Op::kSimd != simd::Activation::kCount && std::is_same_v<T, float>) {
        const simd::SimdKernels* k = simd::kernels();
        if (k != nullptr && prims::fast_paths_enabled()) {
          const auto [alpha, beta] = op_.simd_args();
          k->activation(Op::kSimd, x.data_as<float>(), y.data_as<float>(), static_cast<size_t>(x.numel()), alpha, beta);
          return Status();
        }
      }
      unary_apply(x.data_as<T>(), y.data_as<O>(), x.numel(),
                  [this](const T& v) { return store<O>(op_(load(v))); });
      return Status();
    });
  }

 private:
  Op op_;
};

}  // namespace onyx::ew
