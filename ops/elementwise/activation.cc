// Activation functions on the shared unary driver (Relu, LeakyRelu, Elu, Selu, Celu, Sigmoid,
// HardSigmoid, HardSwish, Gelu, ThresholdedRelu, Softplus, Softsign, Tanh, Mish) and PRelu on the
// broadcasting loop. float16/bfloat16 are computed in float and rounded back.
#include <cmath>
#include <string>

#include "elementwise/activation_scalar.h"
#include "elementwise/binary.h"
#include "elementwise/unary.h"

namespace onyx {
namespace {

using ew::UnaryKernel;
using ew::UnaryOp;

struct ReluOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat | kMaskSigned;
  template <class C>
  C operator()(C x) const { return x < C(0) ? C(0) : x; }
};

struct LeakyReluOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  static constexpr simd::Activation kSimd = simd::Activation::kLeakyRelu;
  float alpha = 0.01f;
  Status init(const PrepareContext& ctx) { return ctx.attr_float("alpha", &alpha, 0.01f); }
  std::pair<float, float> simd_args() const { return {alpha, 0.0f}; }
  template <class C>
  C operator()(C x) const { return ew::activate<kSimd>(x, alpha, 0.0f); }
};

struct EluOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  float alpha = 1.0f;
  Status init(const PrepareContext& ctx) { return ctx.attr_float("alpha", &alpha, 1.0f); }
  template <class C>
  C operator()(C x) const { return x < C(0) ? static_cast<C>(alpha) * std::expm1(x) : x; }
};

struct SeluOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  float alpha = 0.0f;
  float gamma = 0.0f;
  Status init(const PrepareContext& ctx) {
    // Opset 1 documents rounded defaults; opset 6 the precise ones.
    const bool v1 = ctx.since_version() < 6;
    ONYX_TRY(ctx.attr_float("alpha", &alpha, v1 ? 1.6732f : 1.67326319217681884765625f));
    return ctx.attr_float("gamma", &gamma, v1 ? 1.0507f : 1.05070102214813232421875f);
  }
  template <class C>
  C operator()(C x) const {
    const C g = static_cast<C>(gamma);
    const C a = static_cast<C>(alpha);
    return x > C(0) ? g * x : g * (a * std::exp(x) - a);
  }
};

struct CeluOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  float alpha = 1.0f;
  Status init(const PrepareContext& ctx) {
    ONYX_TRY(ctx.attr_float("alpha", &alpha, 1.0f));
    if (alpha == 0.0f) return ctx.fail(Code::kInvalidModel, "attribute 'alpha' must not be 0");
    return Status();
  }
  template <class C>
  C operator()(C x) const {
    const C a = static_cast<C>(alpha);
    return x > C(0) ? x : a * std::expm1(x / a);
  }
};

struct SigmoidOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  static constexpr simd::Activation kSimd = simd::Activation::kSigmoid;
  template <class C>
  C operator()(C x) const { return ew::activate<kSimd>(x, 0.0f, 0.0f); }
};

struct TanhOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  static constexpr simd::Activation kSimd = simd::Activation::kTanh;
  template <class C>
  C operator()(C x) const { return ew::activate<kSimd>(x, 0.0f, 0.0f); }
};

struct HardSigmoidOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  static constexpr simd::Activation kSimd = simd::Activation::kHardSigmoid;
  float alpha = 0.2f;
  float beta = 0.5f;
  Status init(const PrepareContext& ctx) {
    ONYX_TRY(ctx.attr_float("alpha", &alpha, 0.2f));
    return ctx.attr_float("beta", &beta, 0.5f);
  }
  std::pair<float, float> simd_args() const { return {alpha, beta}; }
  template <class C>
  C operator()(C x) const { return ew::activate<kSimd>(x, alpha, beta); }
};

struct HardSwishOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  static constexpr simd::Activation kSimd = simd::Activation::kHardSwish;
  template <class C>
  C operator()(C x) const { return ew::activate<kSimd>(x, 0.0f, 0.0f); }
};

// Gelu (20): approximate "none" (erf) or "tanh" (simd_args' alpha 1). Also ai.onyx Gelu (1), made
// by the session's fusion pass from PyTorch's Div, Erf, Add, Mul, Mul (runtime/graph_fusion.cc).
struct GeluOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  static constexpr simd::Activation kSimd = simd::Activation::kGelu;
  float tanh_form = 0.0f;
  Status init(const PrepareContext& ctx) {
    std::string approximate;
    ONYX_TRY(ctx.attr_string("approximate", &approximate, "none"));
    if (approximate != "none" && approximate != "tanh") {
      return ctx.fail(Code::kInvalidModel, "attribute 'approximate' is '", approximate, "', expected 'none' or 'tanh'");
    }
    tanh_form = approximate == "tanh" ? 1.0f : 0.0f;
    return Status();
  }
  std::pair<float, float> simd_args() const { return {tanh_form, 0.0f}; }
  template <class C>
  C operator()(C x) const { return ew::activate<kSimd>(x, tanh_form, 0.0f); }
};

struct ThresholdedReluOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  float alpha = 1.0f;
  Status init(const PrepareContext& ctx) { return ctx.attr_float("alpha", &alpha, 1.0f); }
  template <class C>
  C operator()(C x) const { return x > static_cast<C>(alpha) ? x : C(0); }
};

// ln(1 + e^x) without overflow for large x.
template <class C>
C softplus(C x) {
  return x > C(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

struct SoftplusOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  template <class C>
  C operator()(C x) const { return softplus(x); }
};

struct SoftsignOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  template <class C>
  C operator()(C x) const { return x / (C(1) + std::fabs(x)); }
};

struct MishOp : UnaryOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  template <class C>
  C operator()(C x) const { return x * std::tanh(softplus(x)); }
};

// PRelu: y = x < 0 ? slope * x : x, slope broadcast onto X. From opset 7 the slope is
// unidirectionally (numpy) broadcastable to X. Before, it is a 1-element tensor, X's shape,
// or (as in the Caffe2 models of that era) one value per channel of dim 1.
class PReluKernel final : public Kernel {
 public:
  static constexpr DTypeMask kMask = kMaskNumeric;

  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(ew::check_inputs(ctx, 2, 2));
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, kMask)) return ctx.unsupported_dtype(0, t);
    ONYX_TRY(ew::check_same_dtype(ctx, 1));
    const Dims& x = ctx.in_shape(0);
    Dims s = ctx.in_shape(1);
    if (ctx.since_version() < 7) {
      if (numel(s) == 1) {
        s.clear();
      } else if (s.size() == 1 && x.size() >= 2 && s[0] == x[1] && x != s) {
        Dims e(x.size(), 1);
        e[1] = s[0];
        s = std::move(e);
      }
    }
    Dims out;
    if (!broadcast_shapes(x, s, &out) || out != x) {
      return ctx.fail(Code::kInvalidModel, "input 'slope' ", shape_str(ctx.in_shape(1)),
                      " cannot be broadcast to input 'X' ", shape_str(x));
    }
    plan_.build2(x, s, x);
    ctx.set_output(0, t, x);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& s = ctx.input(1);
    Tensor& y = ctx.output(0);
    return dispatch<kMask>(x.dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      ew::broadcast_apply2(plan_, x.data_as<T>(), s.data_as<T>(), y.data_as<T>(),
                           [](const T& xv, const T& sv) -> T {
                             auto v = ew::load(xv);
                             using C = decltype(v);
                             if constexpr (std::is_unsigned_v<C>) {
                               return xv;
                             } else {
                               if (!(v < C(0))) return xv;
                               if constexpr (ew::is_int_v<C>) {
                                 return ew::wrap_mul(v, ew::load(sv));
                               } else {
                                 return ew::store<T>(v * ew::load(sv));
                               }
                             }
                           });
      return Status();
    });
  }

 private:
  ew::BroadcastPlan plan_;
};

}  // namespace

std::unique_ptr<Kernel> make_Relu() { return make_kernel<UnaryKernel<ReluOp>>(); }
std::unique_ptr<Kernel> make_LeakyRelu() { return make_kernel<UnaryKernel<LeakyReluOp>>(); }
std::unique_ptr<Kernel> make_Elu() { return make_kernel<UnaryKernel<EluOp>>(); }
std::unique_ptr<Kernel> make_Selu() { return make_kernel<UnaryKernel<SeluOp>>(); }
std::unique_ptr<Kernel> make_Celu() { return make_kernel<UnaryKernel<CeluOp>>(); }
std::unique_ptr<Kernel> make_Sigmoid() { return make_kernel<UnaryKernel<SigmoidOp>>(); }
std::unique_ptr<Kernel> make_Tanh() { return make_kernel<UnaryKernel<TanhOp>>(); }
std::unique_ptr<Kernel> make_HardSigmoid() { return make_kernel<UnaryKernel<HardSigmoidOp>>(); }
std::unique_ptr<Kernel> make_HardSwish() { return make_kernel<UnaryKernel<HardSwishOp>>(); }
std::unique_ptr<Kernel> make_Gelu() { return make_kernel<UnaryKernel<GeluOp>>(); }
std::unique_ptr<Kernel> make_ThresholdedRelu() { return make_kernel<UnaryKernel<ThresholdedReluOp>>(); }
std::unique_ptr<Kernel> make_Softplus() { return make_kernel<UnaryKernel<SoftplusOp>>(); }
std::unique_ptr<Kernel> make_Softsign() { return make_kernel<UnaryKernel<SoftsignOp>>(); }
std::unique_ptr<Kernel> make_Mish() { return make_kernel<UnaryKernel<MishOp>>(); }
std::unique_ptr<Kernel> make_PRelu() { return make_kernel<PReluKernel>(); }

}  // namespace onyx
