// Pow(X, Y) = X^Y with numpy broadcasting (opset 1: the `broadcast`/`axis` attributes). From
// opset 12 the exponent may have another dtype than the base; the output has the base's.
//   float base: computed in float when both are float/float16/bfloat16, else in double
//   integer base, integer exponent >= 0: exact, wrapping on overflow (like numpy)
//   integer base, other exponents: computed in double, then truncated and saturated
#include <cmath>

#include "elementwise/binary.h"

namespace onyx {
namespace {

constexpr DTypeMask kPowMask = kMaskNumeric;

// x^y by repeated squaring, wrapping around on overflow.
template <class T, class E>
T int_pow(T x, E y) {
  T result = 1;
  T base = x;
  auto e = static_cast<std::make_unsigned_t<E>>(y);
  while (e != 0) {
    if (e & 1u) result = ew::wrap_mul(result, base);
    e >>= 1;
    if (e != 0) base = ew::wrap_mul(base, base);
  }
  return result;
}

template <class TX, class TY>
TX pow_elem(const TX& x, const TY& y) {
  if constexpr (ew::is_int_v<TX> && ew::is_int_v<TY>) {
    if constexpr (std::is_signed_v<TY>) {
      if (y < 0) return ew::convert<TX>(std::pow(static_cast<double>(x), static_cast<double>(y)));
    }
    return int_pow(x, y);
  } else if constexpr (ew::is_fp_v<TX> && !std::is_same_v<TX, double> && ew::is_fp_v<TY> &&
                       !std::is_same_v<TY, double>) {
    return ew::store<TX>(std::pow(static_cast<float>(x), static_cast<float>(y)));
  } else {
    const double r = std::pow(static_cast<double>(ew::load(x)), static_cast<double>(ew::load(y)));
    return ew::convert<TX>(r);
  }
}

class PowKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(ew::check_inputs(ctx, 2, 2));
    const DType tx = ctx.in_dtype(0);
    const DType ty = ctx.in_dtype(1);
    if (!in_mask(tx, kPowMask)) return ctx.unsupported_dtype(0, tx);
    if (!in_mask(ty, kPowMask)) return ctx.unsupported_dtype(1, ty);
    if (ctx.since_version() < 12) ONYX_TRY(ew::check_same_dtype(ctx, 1));
    Dims y_shape, out;
    ONYX_TRY(ew::binary_shapes(ctx, ctx.since_version() < 7, &y_shape, &out));
    plan_.build2(ctx.in_shape(0), y_shape, out);
    ctx.set_output(0, tx, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& y = ctx.input(1);
    Tensor& z = ctx.output(0);
    return dispatch<kPowMask>(x.dtype(), [&](auto xtag) -> Status {
      using TX = typename decltype(xtag)::type;
      return dispatch<kPowMask>(y.dtype(), [&](auto ytag) -> Status {
        using TY = typename decltype(ytag)::type;
        ew::broadcast_apply2(plan_, x.data_as<TX>(), y.data_as<TY>(), z.data_as<TX>(),
                             [](const TX& a, const TY& b) { return pow_elem(a, b); });
        return Status();
      });
    });
  }

 private:
  ew::BroadcastPlan plan_;
};

}  // namespace

std::unique_ptr<Kernel> make_Pow() { return make_kernel<PowKernel>(); }

}  // namespace onyx
