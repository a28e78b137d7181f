// The shared binary driver: C = f(A, B) with numpy broadcasting (and the opset < 7
// `broadcast`/`axis` attributes). An op is a functor:
//
//   struct AddOp : BinaryOp {
//     static constexpr DTypeMask kMask = kMaskNumeric;   // dtypes of A and B
//     template <class C> C operator()(C a, C b) const { ... }
//   };
//
// operator() receives compute types (float for float16/bfloat16). kBoolOut: the output is
// bool (comparisons). kIntDivisor: for integer types B is checked for zeros at run time
// (kOutOfRange) before anything is computed. kSimd (default kCount: none) names the
// simd::BinaryOp the op is: float32 rows that are contiguous or a scalar then run the active ISA's kernel, which
// rounds exactly as operator() does (IEEE add, subtract, multiply, divide).
#pragma once

#include <type_traits>

#include "elementwise/broadcast.h"
#include "elementwise/common.h"
#include "kernel.h"
#include "prims/fast_paths.h"
#include "simd/kernels.h"

namespace onyx::ew {

struct BinaryOp {
  static constexpr bool kBoolOut = false;
  static constexpr bool kIntDivisor = false;
  static constexpr simd::BinaryOp kSimd = simd::BinaryOp::kCount;  // kCount: no SIMD kernel
  Status init(const PrepareContext&) { return Status(); }
};

// Fails with kOutOfRange if an integer divisor tensor holds a zero.
template <class T>
inline Status check_divisor(const RunContext& ctx, int input, const T* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (b[i] == T(0)) {
      return ctx.fail(Code::kOutOfRange, "integer division by zero: input ", input, " '",
                      ctx.node().inputs[static_cast<size_t>(input)], "' holds 0 at index ", i);
    }
  }
  return Status();
}

// c = op(a, b) over the plan on the SIMD kernel where a row is contiguous or a scalar (the same
// cases broadcast_apply2 singles out); other rows element by element with `f`.
template <class F>
void binary_simd(BroadcastPlan& p, const simd::SimdKernels& k, simd::BinaryOp op, const float* a, const float* b,
                 float* c, F&& f) {
  const int64_t sa = p.strides[0].back();
  const int64_t sb = p.strides[1].back();
  plan_rows(p, [&](int64_t oo, const int64_t* off, int64_t n) {
    const float* pa = a + off[0];
    const float* pb = b + off[1];
    const size_t len = static_cast<size_t>(n);
    if (sa == 1 && sb == 1) {
      k.binary(op, simd::Operands::kVecVec, pa, pb, c + oo, len);
    } else if (sa == 1 && sb == 0) {
      k.binary(op, simd::Operands::kVecScalar, pa, pb, c + oo, len);
    } else if (sa == 0 && sb == 1) {
      k.binary(op, simd::Operands::kScalarVec, pa, pb, c + oo, len);
    } else {
      for (int64_t i = 0; i < n; ++i) c[oo + i] = f(pa[i * sa], pb[i * sb]);
    }
  });
}

template <class Op>
class BinaryKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(check_inputs(ctx, 2, 2));
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, Op::kMask)) return ctx.unsupported_dtype(0, t);
    ONYX_TRY(check_same_dtype(ctx, 1));
    op_ = Op{};
    ONYX_TRY(op_.init(ctx));
    Dims b_shape, out;
    ONYX_TRY(binary_shapes(ctx, ctx.since_version() < 7, &b_shape, &out));
    plan_.build2(ctx.in_shape(0), b_shape, out);
    ctx.set_output(0, Op::kBoolOut ? DType::kBool : t, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor& c = ctx.output(0);
    return dispatch<Op::kMask>(a.dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      using O = std::conditional_t<Op::kBoolOut, bool, T>;
      if constexpr (Op::kIntDivisor && is_int_v<T>) {
        if (c.numel() != 0) ONYX_TRY(check_divisor(ctx, 1, b.data_as<T>(), b.numel()));
      }
      if constexpr (Op::kSimd != simd::BinaryOp::kCount && std::is_same_v<T, float>) {
        const simd::SimdKernels* k = simd::kernels();
        if (k != nullptr && prims::fast_paths_enabled()) {
          binary_simd(plan_, *k, Op::kSimd, a.data_as<float>(), b.data_as<float>(), c.data_as<float>(),
                      [this](float x, float y) { return op_(x, y); });
          return Status();
        }
      }
      broadcast_apply2(plan_, a.data_as<T>(), b.data_as<T>(), c.data_as<O>(),
                       [this](const T& x, const T& y) { return store<O>(op_(load(x), load(y))); });
      return Status();
    });
  }

 private:
  Op op_;
  BroadcastPlan plan_;
};

}  // namespace onyx::ew
