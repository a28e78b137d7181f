// Add, Sub, Mul, Div, Mod: numeric binary arithmetic on the shared broadcasting driver.
// Integer arithmetic wraps around (two's complement) instead of overflowing; integer Div
// truncates toward zero and a zero divisor is a kOutOfRange error.
#include <cmath>

#include "elementwise/binary.h"

namespace onyx {
namespace {

using ew::BinaryKernel;
using ew::BinaryOp;

struct AddOp : BinaryOp {
  static constexpr DTypeMask kMask = kMaskNumeric;
  static constexpr simd::BinaryOp kSimd = simd::BinaryOp::kAdd;
  template <class C>
  C operator()(C a, C b) const {
    if constexpr (ew::is_int_v<C>) {
      return ew::wrap_add(a, b);
    } else {
      return a + b;
    }
  }
};

struct SubOp : BinaryOp {
  static constexpr DTypeMask kMask = kMaskNumeric;
  static constexpr simd::BinaryOp kSimd = simd::BinaryOp::kSub;
  template <class C>
  C operator()(C a, C b) const {
    if constexpr (ew::is_int_v<C>) {
      return ew::wrap_sub(a, b);
    } else {
      return a - b;
    }
  }
};

struct MulOp : BinaryOp {
  static constexpr DTypeMask kMask = kMaskNumeric;
  static constexpr simd::BinaryOp kSimd = simd::BinaryOp::kMul;
  template <class C>
  C operator()(C a, C b) const {
    if constexpr (ew::is_int_v<C>) {
      return ew::wrap_mul(a, b);
    } else {
      return a * b;
    }
  }
};

struct DivOp : BinaryOp {
  static constexpr DTypeMask kMask = kMaskNumeric;
  static constexpr simd::BinaryOp kSimd = simd::BinaryOp::kDiv;
  static constexpr bool kIntDivisor = true;
  template <class C>
  C operator()(C a, C b) const {
    if constexpr (ew::is_int_v<C>) {
      return ew::int_div(a, b);
    } else {
      return a / b;
    }
  }
};

struct ModOp : BinaryOp {
  static constexpr DTypeMask kMask = kMaskNumeric;
  static constexpr bool kIntDivisor = true;
  bool fmod = false;
  Status init(const PrepareContext& ctx) {
    int64_t v = 0;
    ONYX_TRY(ctx.attr_int("fmod", &v, 0));
    if (v != 0 && v != 1) return ctx.fail(Code::kInvalidModel, "attribute 'fmod' must be 0 or 1, got ", v);
    // The spec requires fmod=1 for floating-point inputs; fmod=0 on floats is accepted and
    // computed like numpy.mod (sign of the divisor).
    fmod = v == 1;
    return Status();
  }
  template <class C>
  C operator()(C a, C b) const {
    if constexpr (ew::is_int_v<C>) {
      return ew::int_mod(a, b, fmod);
    } else {
      C r = std::fmod(a, b);
      if (!fmod && r != C(0) && ((r < C(0)) != (b < C(0)))) r += b;
      return r;
    }
  }
};

}  // namespace

std::unique_ptr<Kernel> make_Add() { return make_kernel<BinaryKernel<AddOp>>(); }
std::unique_ptr<Kernel> make_Sub() { return make_kernel<BinaryKernel<SubOp>>(); }
std::unique_ptr<Kernel> make_Mul() { return make_kernel<BinaryKernel<MulOp>>(); }
std::unique_ptr<Kernel> make_Div() { return make_kernel<BinaryKernel<DivOp>>(); }
std::unique_ptr<Kernel> make_Mod() { return make_kernel<BinaryKernel<ModOp>>(); }

}  // namespace onyx
