// Max, Min, Sum, Mean: element-wise over any number of inputs with numpy broadcasting (opset
// 8; earlier versions require equal shapes, which is the special case). The output is folded
// pairwise: out = f(in0, in1), then out = f(out, in_k) for each further input, each step on
// its own broadcast plan. Max/Min propagate NaN (like numpy.maximum).
#include <cmath>
#include <cstring>
#include <vector>

#include "elementwise/binary.h"

namespace onyx {
namespace {

struct MaxOp {
  static constexpr DTypeMask kMask = kMaskNumeric;
  static constexpr bool kMean = false;
  template <class C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
    }
    return a < b ? b : a;
  }
};

struct MinOp {
  static constexpr DTypeMask kMask = kMaskNumeric;
  static constexpr bool kMean = false;
  template <class C>
  C operator()(C a, C b) const {
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(a)) return a;
      if (std::isnan(b)) return b;
    }
    return b < a ? b : a;
  }
};

struct SumOp {
  static constexpr DTypeMask kMask = kMaskNumeric;
  static constexpr bool kMean = false;
  template <class C>
  C operator()(C a, C b) const {
    if constexpr (ew::is_int_v<C>) {
      return ew::wrap_add(a, b);
    } else {
      return a + b;
    }
  }
};

struct MeanOp : SumOp {
  static constexpr DTypeMask kMask = kMaskFloat;
  static constexpr bool kMean = true;
};

template <class Op>
class VariadicKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    const int n = ctx.num_inputs();
    if (n < 1) return ctx.fail(Code::kInvalidModel, "expects at least 1 input");
    ONYX_TRY(ew::check_inputs(ctx, n, n));
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, Op::kMask)) return ctx.unsupported_dtype(0, t);
    std::vector<const Dims*> shapes;
    for (int i = 0; i < n; ++i) {
      ONYX_TRY(ew::check_same_dtype(ctx, i));
      shapes.push_back(&ctx.in_shape(i));
    }
    Dims out;
    if (!ew::broadcast_all(shapes.data(), n, &out)) {
      std::string all;
      for (int i = 0; i < n; ++i) all += (i ? ", " : "") + shape_str(ctx.in_shape(i));
      return ctx.fail(Code::kInvalidModel, "input shapes ", all, " cannot be broadcast together");
    }
    plans_.assign(static_cast<size_t>(n > 1 ? n - 1 : 1), ew::BroadcastPlan());
    if (n == 1) {
      plans_[0].build2(ctx.in_shape(0), ctx.in_shape(0), out);
    } else {
      plans_[0].build2(ctx.in_shape(0), ctx.in_shape(1), out);
      for (int i = 2; i < n; ++i) plans_[static_cast<size_t>(i - 1)].build2(out, ctx.in_shape(i), out);
    }
    ctx.set_output(0, t, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const int n = ctx.num_inputs();
    Tensor& y = ctx.output(0);
    return dispatch<Op::kMask>(y.dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      T* out = y.data_as<T>();
      const Op op;
      auto f = [&op](const T& a, const T& b) { return ew::store<T>(op(ew::load(a), ew::load(b))); };
      if (n == 1) {
        const T* x = ctx.input(0).data_as<T>();
        for (int64_t i = 0; i < y.numel(); ++i) out[i] = x[i];
        return Status();
      }
      ew::broadcast_apply2(plans_[0], ctx.input(0).data_as<T>(), ctx.input(1).data_as<T>(), out, f);
      for (int i = 2; i < n; ++i) {
        ew::broadcast_apply2(plans_[static_cast<size_t>(i - 1)], static_cast<const T*>(out),
                             ctx.input(i).data_as<T>(), out, f);
      }
      if constexpr (Op::kMean) {
        using C = std::remove_cvref_t<decltype(ew::load(std::declval<const T&>()))>;
        const C count = static_cast<C>(n);
        for (int64_t i = 0; i < y.numel(); ++i) out[i] = ew::store<T>(ew::load(out[i]) / count);
      }
      return Status();
    });
  }

 private:
  std::vector<ew::BroadcastPlan> plans_;
};

}  // namespace

std::unique_ptr<Kernel> make_Max() { return make_kernel<VariadicKernel<MaxOp>>(); }
std::unique_ptr<Kernel> make_Min() { return make_kernel<VariadicKernel<MinOp>>(); }
std::unique_ptr<Kernel> make_Sum() { return make_kernel<VariadicKernel<SumOp>>(); }
std::unique_ptr<Kernel> make_Mean() { return make_kernel<VariadicKernel<MeanOp>>(); }

}  // namespace onyx
