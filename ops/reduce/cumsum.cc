// CumSum (versions 11, 14): running sums along the axis given by the scalar input 'axis',
// inclusive or exclusive, forward or reverse. Floating types accumulate in double, integers in
// 64 bits with wrap-around.
#include <memory>

#include "dispatch.h"
#include "kernel.h"
#include "reduce/reduce_plan.h"

namespace onyx {
namespace {

constexpr DTypeMask kCumSumMask =
    kMaskFloat | mask_of(DType::kInt32, DType::kInt64, DType::kUInt32, DType::kUInt64);

// Reads the axis scalar (0-D or one-element 1-D, int32 or int64).
Status read_axis(const Tensor& t, int64_t* out) {
  if (t.numel() != 1 || t.rank() > 1) {
    return error(Code::kInvalidModel, "input 'axis' must be a scalar, got shape ", shape_str(t.shape()));
  }
  if (t.dtype() == DType::kInt64) {
    *out = t.data_as<int64_t>()[0];
  } else if (t.dtype() == DType::kInt32) {
    *out = t.data_as<int32_t>()[0];
  } else {
    return error(Code::kInvalidModel, "input 'axis' has dtype ", dtype_name(t.dtype()),
                 ", expected int32 or int64");
  }
  return Status();
}

class CumSumKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "expects inputs 'x' and 'axis'");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kCumSumMask)) return ctx.unsupported_dtype(0, dt);
    const DType at = ctx.in_dtype(1);
    if (at != DType::kInt32 && at != DType::kInt64) {
      return ctx.fail(Code::kInvalidModel, "input 'axis' has dtype ", dtype_name(at),
                      ", expected int32 or int64");
    }
    const Dims& as = ctx.in_shape(1);
    if (as.size() > 1 || numel(as) != 1) {
      return ctx.fail(Code::kInvalidModel, "input 'axis' must be a scalar, got shape ", shape_str(as));
    }
    int64_t exclusive = 0, reverse = 0;
    ONYX_TRY(ctx.attr_int("exclusive", &exclusive, 0));
    ONYX_TRY(ctx.attr_int("reverse", &reverse, 0));
    exclusive_ = exclusive != 0;
    reverse_ = reverse != 0;
    const Dims& in = ctx.in_shape(0);
    if (in.empty()) return ctx.fail(Code::kInvalidModel, "input 'x' must have rank >= 1");
    // One running sum per element of the dims after the axis (all elements when the axis is
    // not known yet).
    int64_t sums = numel(in);
    if (const Tensor* v = ctx.in_value(1)) {
      int64_t axis = 0, a = 0;
      ONYX_TRY(read_axis(*v, &axis));
      if (!normalize_axis(axis, static_cast<int64_t>(in.size()), &a)) {
        return ctx.fail(Code::kInvalidModel, "input 'axis' value ", axis, " is out of range for rank ",
                        in.size());
      }
      sums = 1;
      for (size_t d = static_cast<size_t>(a) + 1; d < in.size(); ++d) sums *= in[d];
    }
    size_t acc = 0;
    ONYX_TRY(dispatch<kCumSumMask>(dt, [&](auto tag) {
      acc = sizeof(reduce::wide_t<typename decltype(tag)::type>);
      return Status();
    }));
    ctx.request_scratch(static_cast<size_t>(sums) * acc);
    ctx.set_output(0, dt, in);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    int64_t axis = 0, a = 0;
    ONYX_TRY(read_axis(ctx.input(1), &axis));
    if (!normalize_axis(axis, static_cast<int64_t>(x.rank()), &a)) {
      return ctx.fail(Code::kOutOfRange, "input 'axis' value ", axis, " is out of range for rank ",
                      x.rank());
    }
    if (x.numel() == 0) return Status();
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < x.rank(); ++d) {
      if (static_cast<int64_t>(d) < a) outer *= x.dim(d);
      if (static_cast<int64_t>(d) > a) inner *= x.dim(d);
    }
    const int64_t n = x.dim(static_cast<size_t>(a));
    Tensor& y = ctx.output(0);
    return dispatch<kCumSumMask>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using A = reduce::wide_t<T>;
      const T* px = x.data_as<T>();
      T* py = y.data_as<T>();
      A* acc = static_cast<A*>(ctx.scratch());
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t j = 0; j < inner; ++j) acc[j] = A(0);
        for (int64_t s = 0; s < n; ++s) {
          const int64_t k = reverse_ ? n - 1 - s : s;
          const int64_t off = (o * n + k) * inner;
          for (int64_t j = 0; j < inner; ++j) {
            const A v = reduce::to_acc<A>(px[off + j]);
            if (exclusive_) {
              py[off + j] = reduce::from_acc<T>(acc[j]);
              acc[j] = reduce::wadd(acc[j], v);
            } else {
              acc[j] = reduce::wadd(acc[j], v);
              py[off + j] = reduce::from_acc<T>(acc[j]);
            }
          }
        }
      }
      return Status();
    });
  }

 private:
  bool exclusive_ = false;
  bool reverse_ = false;
};

}  // namespace

std::unique_ptr<Kernel> make_CumSum() { return make_kernel<CumSumKernel>(); }

}  // namespace onyx
