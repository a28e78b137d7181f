// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceSumSquare, ReduceL1, ReduceL2,
// ReduceLogSum, ReduceLogSumExp: one kernel template over the shared driver, one functor each.
//
// Axes come from the `axes` attribute before the op's "axes input" version (13 for ReduceSum,
// 18 for the others) and from the optional second input from then on, where an empty or
// missing axes list reduces everything unless noop_with_empty_axes=1, which reduces nothing
// (each output element is then the reduction of the one-element set {x}: x for Sum and Max,
// x*x for SumSquare, |x| for L1, ...).
//
// Empty reductions: Sum, SumSquare, L1 and L2 give 0, Prod 1, Mean NaN (0 for integers),
// Max the lowest value (-inf for floats), Min the highest (+inf), LogSum and LogSumExp -inf.
#include <cmath>
#include <limits>
#include <memory>

#include "dispatch.h"
#include "kernel.h"
#include "reduce/reduce_plan.h"

namespace onyx {
namespace {

using reduce::from_acc;
using reduce::to_acc;
using reduce::wabs;
using reduce::wadd;
using reduce::wide_t;
using reduce::wmul;

constexpr DTypeMask kReduceMask =
    kMaskFloat | mask_of(DType::kInt32, DType::kInt64, DType::kUInt32, DType::kUInt64);
constexpr DTypeMask kMinMaxMask = kReduceMask | mask_of(DType::kInt8, DType::kUInt8);

// Each functor: kMask (the dtypes), kAxesInputSince, and Impl<T> with Acc, init(), step(acc, x)
// and finish(acc, count).

struct SumOp {
  static constexpr DTypeMask kMask = kReduceMask;
  static constexpr int kAxesInputSince = 13;
  template <class T>
  struct Impl {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static Acc step(Acc a, T x) { return wadd(a, to_acc<Acc>(x)); }
    static T finish(Acc a, int64_t) { return from_acc<T>(a); }
  };
};

struct SumSquareOp {
  static constexpr DTypeMask kMask = kReduceMask;
  static constexpr int kAxesInputSince = 18;
  template <class T>
  struct Impl {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static Acc step(Acc a, T x) {
      Acc v = to_acc<Acc>(x);
      return wadd(a, wmul(v, v));
    }
    static T finish(Acc a, int64_t) { return from_acc<T>(a); }
  };
};

struct L1Op {
  static constexpr DTypeMask kMask = kReduceMask;
  static constexpr int kAxesInputSince = 18;
  template <class T>
  struct Impl {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static Acc step(Acc a, T x) { return wadd(a, wabs(to_acc<Acc>(x))); }
    static T finish(Acc a, int64_t) { return from_acc<T>(a); }
  };
};

struct L2Op {
  static constexpr DTypeMask kMask = kReduceMask;
  static constexpr int kAxesInputSince = 18;
  template <class T>
  struct Impl {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static Acc step(Acc a, T x) {
      Acc v = to_acc<Acc>(x);
      return wadd(a, wmul(v, v));
    }
    static T finish(Acc a, int64_t) { return from_acc<T>(std::sqrt(static_cast<double>(a))); }
  };
};

struct MeanOp {
  static constexpr DTypeMask kMask = kReduceMask;
  static constexpr int kAxesInputSince = 18;
  template <class T>
  struct Impl {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static Acc step(Acc a, T x) { return wadd(a, to_acc<Acc>(x)); }
    static T finish(Acc a, int64_t n) {
      if constexpr (std::is_integral_v<Acc>) {
        // Integer mean truncates toward zero (numpy's mean cast back to the integer type).
        return n == 0 ? T(0) : from_acc<T>(a / static_cast<Acc>(n));
      } else {
        return from_acc<T>(a / static_cast<double>(n));  // 0/0 = NaN for an empty set
      }
    }
  };
};

struct ProdOp {
  static constexpr DTypeMask kMask = kReduceMask;
  static constexpr int kAxesInputSince = 18;
  template <class T>
  struct Impl {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(1); }
    static Acc step(Acc a, T x) { return wmul(a, to_acc<Acc>(x)); }
    static T finish(Acc a, int64_t) { return from_acc<T>(a); }
  };
};

struct LogSumOp {
  static constexpr DTypeMask kMask = kReduceMask;
  static constexpr int kAxesInputSince = 18;
  template <class T>
  struct Impl {
    using Acc = wide_t<T>;
    static Acc init() { return Acc(0); }
    static Acc step(Acc a, T x) { return wadd(a, to_acc<Acc>(x)); }
    static T finish(Acc a, int64_t) { return from_acc<T>(std::log(static_cast<double>(a))); }
  };
};

// log(sum(exp(x))) computed stably as m + log(sum(exp(x - m))) with a running maximum m.
struct LogSumExpOp {
  static constexpr DTypeMask kMask = kReduceMask;
  static constexpr int kAxesInputSince = 18;
  template <class T>
  struct Impl {
    struct Acc {
      double m;  // largest element so far
      double s;  // sum of exp(x - m)
    };
    static Acc init() { return {-std::numeric_limits<double>::infinity(), 0.0}; }
    static Acc step(Acc a, T xe) {
      double x = to_acc<double>(xe);
      if (std::isnan(x) || std::isnan(a.m)) return {std::numeric_limits<double>::quiet_NaN(), 0.0};
      if (x > a.m) {
        // Rescale the sum to the new maximum (exp(-inf) = 0 for the first finite element).
        double scale = std::isinf(x) ? 0.0 : std::exp(a.m - x);
        return {x, a.s * scale + 1.0};
      }
      // x == m == +inf keeps the result infinite; x == -inf adds exp(-inf) = 0.
      if (std::isinf(x)) return a;
      return {a.m, a.s + std::exp(x - a.m)};
    }
    static T finish(Acc a, int64_t) {
      if (std::isinf(a.m)) return from_acc<T>(a.m);  // -inf for an empty set, +inf overflow
      return from_acc<T>(a.m + std::log(a.s));
    }
  };
};

template <class T>
using minmax_t = compute_t<T>;

struct MaxOp {
  static constexpr DTypeMask kMask = kMinMaxMask;
  static constexpr int kAxesInputSince = 18;
  template <class T>
  struct Impl {
    using Acc = minmax_t<T>;
    static Acc init() {
      if constexpr (std::is_floating_point_v<Acc>) return -std::numeric_limits<Acc>::infinity();
      else return std::numeric_limits<Acc>::lowest();
    }
    static Acc step(Acc a, T xe) {
      Acc x = static_cast<Acc>(xe);
      // NaN propagates: once a is NaN no comparison replaces it.
      return (x > a || x != x) ? x : a;
    }
    static T finish(Acc a, int64_t) { return from_acc<T>(a); }
  };
};

struct MinOp {
  static constexpr DTypeMask kMask = kMinMaxMask;
  static constexpr int kAxesInputSince = 18;
  template <class T>
  struct Impl {
    using Acc = minmax_t<T>;
    static Acc init() {
      if constexpr (std::is_floating_point_v<Acc>) return std::numeric_limits<Acc>::infinity();
      else return std::numeric_limits<Acc>::max();
    }
    static Acc step(Acc a, T xe) {
      Acc x = static_cast<Acc>(xe);
      return (x < a || x != x) ? x : a;
    }
    static T finish(Acc a, int64_t) { return from_acc<T>(a); }
  };
};

template <class Op>
class ReduceKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'data' is missing");
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, Op::kMask)) return ctx.unsupported_dtype(0, dt);
    const Dims& in = ctx.in_shape(0);
    const int64_t rank = static_cast<int64_t>(in.size());

    int64_t keepdims = 1;
    ONYX_TRY(ctx.attr_int("keepdims", &keepdims, 1));
    if (keepdims != 0 && keepdims != 1) {
      return ctx.fail(Code::kInvalidModel, "attribute 'keepdims' must be 0 or 1, got ", keepdims);
    }

    std::vector<int64_t> axes;
    bool reduce_nothing = false;
    if (ctx.since_version() >= Op::kAxesInputSince) {
      if (ctx.num_inputs() > 2) return ctx.fail(Code::kInvalidModel, "expects at most 2 inputs");
      if (ctx.has_attr("axes")) {
        return ctx.fail(Code::kInvalidModel, "attribute 'axes' is not allowed from opset ",
                        Op::kAxesInputSince, "; axes are the second input");
      }
      int64_t noop = 0;
      ONYX_TRY(ctx.attr_int("noop_with_empty_axes", &noop, 0));
      if (ctx.has_input(1)) {
        const Dims& as = ctx.in_shape(1);
        if (as.size() > 1) {
          return ctx.fail(Code::kInvalidModel, "input 'axes' must be 1-D, got shape ", shape_str(as));
        }
        if (ctx.in_dtype(1) != DType::kInt64 && ctx.in_dtype(1) != DType::kInt32) {
          return ctx.fail(Code::kInvalidModel, "input 'axes' has dtype ", dtype_name(ctx.in_dtype(1)),
                          ", expected int64");
        }
        if (numel(as) != 0) {  // an axes input of shape [0] is known to be empty
          const Tensor* v = ctx.in_value(1);
          if (v == nullptr) return ctx.dynamic();
          ONYX_TRY(reduce::read_axes_tensor(*v, "input 'axes'", &axes));
        }
      }
      reduce_nothing = axes.empty() && noop != 0;
    } else {
      if (ctx.num_inputs() > 1) {
        return ctx.fail(Code::kInvalidModel, "takes 'axes' as an attribute before opset ",
                        Op::kAxesInputSince, " and has one input");
      }
      ONYX_TRY(ctx.attr_ints("axes", &axes));
    }

    std::vector<uint8_t> flags;
    if (reduce_nothing) {
      flags.assign(in.size(), 0);
    } else if (axes.empty()) {
      flags.assign(in.size(), 1);
    } else {
      ONYX_TRY(reduce::axes_to_flags(axes, rank, "axes", &flags));
    }

    reduce::make_plan(in, flags, &plan_);
    size_t acc_size = 0;
    ONYX_TRY(dispatch<Op::kMask>(dt, [&](auto tag) {
      using T = typename decltype(tag)::type;
      acc_size = sizeof(typename Op::template Impl<T>::Acc);
      return Status();
    }));
    acc_offset_ = (plan_.index_bytes() + 15) / 16 * 16;
    ctx.request_scratch(acc_offset_ + static_cast<size_t>(plan_.out_numel) * acc_size);
    ctx.set_output(0, dt, reduce::reduced_dims(in, flags, keepdims != 0));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    char* scratch = static_cast<char*>(ctx.scratch());
    return dispatch<Op::kMask>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      run_typed<T>(x.data_as<T>(), y.data_as<T>(), reinterpret_cast<int64_t*>(scratch),
                   scratch + acc_offset_);
      return Status();
    });
  }

 private:
  template <class T>
  void run_typed(const T* px, T* py, int64_t* idx, char* acc_mem) const {
    using I = typename Op::template Impl<T>;
    using Acc = typename I::Acc;
    Acc* acc = reinterpret_cast<Acc*>(acc_mem);
    const int64_t out_n = plan_.out_numel;
    for (int64_t o = 0; o < out_n; ++o) acc[o] = I::init();
    const int64_t inner = plan_.inner();
    if (plan_.inner_reduced()) {
      reduce::for_each_block(plan_, idx, [&](int64_t in_off, int64_t out_off) {
        const T* p = px + in_off;
        Acc a = acc[out_off];
        for (int64_t i = 0; i < inner; ++i) a = I::step(a, p[i]);
        acc[out_off] = a;
      });
    } else {
      reduce::for_each_block(plan_, idx, [&](int64_t in_off, int64_t out_off) {
        const T* p = px + in_off;
        Acc* q = acc + out_off;
        for (int64_t i = 0; i < inner; ++i) q[i] = I::step(q[i], p[i]);
      });
    }
    for (int64_t o = 0; o < out_n; ++o) py[o] = I::finish(acc[o], plan_.count);
  }

  reduce::ReducePlan plan_;
  size_t acc_offset_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_ReduceSum() { return make_kernel<ReduceKernel<SumOp>>(); }
std::unique_ptr<Kernel> make_ReduceMean() { return make_kernel<ReduceKernel<MeanOp>>(); }
std::unique_ptr<Kernel> make_ReduceMax() { return make_kernel<ReduceKernel<MaxOp>>(); }
std::unique_ptr<Kernel> make_ReduceMin() { return make_kernel<ReduceKernel<MinOp>>(); }
std::unique_ptr<Kernel> make_ReduceProd() { return make_kernel<ReduceKernel<ProdOp>>(); }
std::unique_ptr<Kernel> make_ReduceSumSquare() { return make_kernel<ReduceKernel<SumSquareOp>>(); }
std::unique_ptr<Kernel> make_ReduceL1() { return make_kernel<ReduceKernel<L1Op>>(); }
std::unique_ptr<Kernel> make_ReduceL2() { return make_kernel<ReduceKernel<L2Op>>(); }
std::unique_ptr<Kernel> make_ReduceLogSum() { return make_kernel<ReduceKernel<LogSumOp>>(); }
std::unique_ptr<Kernel> make_ReduceLogSumExp() { return make_kernel<ReduceKernel<LogSumExpOp>>(); }

}  // namespace onyx
