// Clip: y = min(max(x, lo), hi) (numpy.clip: when lo > hi every element becomes hi; NaN stays
// NaN). Before opset 11 the bounds are float attributes, from 11 optional scalar inputs of X's
// dtype, read at run time. Absent bounds are the dtype's lowest()/max().
#include <limits>

#include "elementwise/unary.h"

namespace onyx {
namespace {

class ClipKernel final : public Kernel {
 public:
  static constexpr DTypeMask kMask = kMaskNumeric;

  Status prepare(PrepareContext& ctx) override {
    const bool attrs = ctx.since_version() < 11;
    ONYX_TRY(ew::check_inputs(ctx, 1, attrs ? 1 : 3));
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, kMask)) return ctx.unsupported_dtype(0, t);
    has_min_ = has_max_ = false;
    if (attrs) {
      has_min_ = ctx.has_attr("min");
      has_max_ = ctx.has_attr("max");
      ONYX_TRY(ctx.attr_float("min", &min_attr_, 0.0f));
      ONYX_TRY(ctx.attr_float("max", &max_attr_, 0.0f));
    } else {
      for (int i = 1; i < 3; ++i) {
        if (!ctx.has_input(i)) continue;
        ONYX_TRY(ew::check_same_dtype(ctx, i));
        if (numel(ctx.in_shape(i)) != 1) {
          return ctx.fail(Code::kInvalidModel, "input ", i, " '", ctx.input_name(i),
                          "' must be a scalar, got shape ", shape_str(ctx.in_shape(i)));
        }
      }
    }
    ctx.set_output(0, t, ctx.in_shape(0));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    return dispatch<kMask>(x.dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      using C = std::remove_cvref_t<decltype(ew::load(std::declval<const T&>()))>;
      C lo = std::numeric_limits<C>::lowest();
      C hi = std::numeric_limits<C>::max();
      if (has_min_) lo = ew::convert<C>(min_attr_);
      if (has_max_) hi = ew::convert<C>(max_attr_);
      if (ctx.has_input(1)) lo = ew::load(ctx.input(1).data_as<T>()[0]);
      if (ctx.has_input(2)) hi = ew::load(ctx.input(2).data_as<T>()[0]);
      ew::unary_apply(x.data_as<T>(), y.data_as<T>(), x.numel(), [lo, hi](const T& xv) -> T {
        C v = ew::load(xv);
        if (v < lo) v = lo;
        if (v > hi) v = hi;
        return ew::store<T>(v);
      });
      return Status();
    });
  }

 private:
  bool has_min_ = false;
  bool has_max_ = false;
  float min_attr_ = 0.0f;
  float max_attr_ = 0.0f;
};

}  // namespace

std::unique_ptr<Kernel> make_Clip() { return make_kernel<ClipKernel>(); }

}  // namespace onyx
