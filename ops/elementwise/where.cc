// Where(condition, X, Y): condition ? X : Y with numpy broadcasting of all three inputs.
#include "elementwise/broadcast.h"
#include "elementwise/common.h"

namespace onyx {
namespace {

class WhereKernel final : public Kernel {
 public:
  static constexpr DTypeMask kMask = kMaskAll;

  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(ew::check_inputs(ctx, 3, 3));
    if (ctx.in_dtype(0) != DType::kBool) {
      return ctx.fail(Code::kInvalidModel, "input 0 'condition' must be bool, got ",
                      dtype_name(ctx.in_dtype(0)));
    }
    const DType t = ctx.in_dtype(1);
    if (!in_mask(t, kMask)) return ctx.unsupported_dtype(1, t);
    if (ctx.in_dtype(2) != t) {
      return ctx.fail(Code::kInvalidModel, "inputs 'X' (", dtype_name(t), ") and 'Y' (",
                      dtype_name(ctx.in_dtype(2)), ") differ in dtype");
    }
    const Dims* shapes[3] = {&ctx.in_shape(0), &ctx.in_shape(1), &ctx.in_shape(2)};
    Dims out;
    if (!ew::broadcast_all(shapes, 3, &out)) {
      return ctx.fail(Code::kInvalidModel, "input shapes ", shape_str(*shapes[0]), ", ",
                      shape_str(*shapes[1]), ", ", shape_str(*shapes[2]),
                      " cannot be broadcast together");
    }
    plan_.build(shapes, 3, out);
    ctx.set_output(0, t, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& c = ctx.input(0);
    const Tensor& x = ctx.input(1);
    const Tensor& y = ctx.input(2);
    Tensor& out = ctx.output(0);
    return dispatch<kMask>(x.dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      ew::broadcast_apply3(plan_, c.data_as<bool>(), x.data_as<T>(), y.data_as<T>(), out.data_as<T>(),
                           [](bool cv, const T& xv, const T& yv) -> const T& { return cv ? xv : yv; });
      return Status();
    });
  }

 private:
  ew::BroadcastPlan plan_;
};

}  // namespace

std::unique_ptr<Kernel> make_Where() { return make_kernel<WhereKernel>(); }

}  // namespace onyx
