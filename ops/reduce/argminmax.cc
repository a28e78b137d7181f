// ArgMax and ArgMin (versions 1, 11, 12, 13): the int64 index of the largest / smallest element
// along one axis. select_last_index (from 12) picks the last of equal extremes. NaN counts as the
// extreme (as numpy's argmax/argmin do): the first NaN wins, or the last with select_last_index.
#include <cmath>
#include <memory>

#include "dispatch.h"
#include "kernel.h"
#include "reduce/reduce_plan.h"

namespace onyx {
namespace {

constexpr DTypeMask kArgMask = kMaskNumeric;

template <class C>
inline bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

template <bool kMax>
class ArgKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'data' is missing");
    if (ctx.num_inputs() > 1) return ctx.fail(Code::kInvalidModel, "expects 1 input");
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kArgMask)) return ctx.unsupported_dtype(0, dt);
    const Dims& in = ctx.in_shape(0);
    const int64_t rank = static_cast<int64_t>(in.size());

    int64_t axis = 0, keepdims = 1, last = 0;
    ONYX_TRY(ctx.attr_int("axis", &axis, 0));
    ONYX_TRY(ctx.attr_int("keepdims", &keepdims, 1));
    if (ctx.since_version() >= 12) ONYX_TRY(ctx.attr_int("select_last_index", &last, 0));
    if (keepdims != 0 && keepdims != 1) {
      return ctx.fail(Code::kInvalidModel, "attribute 'keepdims' must be 0 or 1, got ", keepdims);
    }
    if (last != 0 && last != 1) {
      return ctx.fail(Code::kInvalidModel, "attribute 'select_last_index' must be 0 or 1, got ", last);
    }
    // A rank-0 input behaves as a 1-element vector (axis 0 or -1).
    const int64_t eff_rank = rank == 0 ? 1 : rank;
    int64_t a = 0;
    if (!normalize_axis(axis, eff_rank, &a)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' ", axis, " is out of range for rank ", rank);
    }
    outer_ = 1;
    inner_ = 1;
    n_ = rank == 0 ? 1 : in[a];
    Dims out;
    for (int64_t d = 0; d < rank; ++d) {
      if (d < a) outer_ *= in[d];
      if (d > a) inner_ *= in[d];
      if (d != a) out.push_back(in[d]);
      else if (keepdims) out.push_back(1);
    }
    if (n_ == 0 && outer_ * inner_ != 0) {
      return ctx.fail(Code::kInvalidModel, "cannot take the arg", kMax ? "max" : "min",
                      " over axis ", axis, " of size 0 (input shape ", shape_str(in), ")");
    }
    select_last_ = last != 0;
    size_t elem = 0;
    ONYX_TRY(dispatch<kArgMask>(dt, [&](auto tag) {
      elem = sizeof(compute_t<typename decltype(tag)::type>);
      return Status();
    }));
    ctx.request_scratch(static_cast<size_t>(inner_) * elem);
    ctx.set_output(0, DType::kInt64, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    int64_t* py = ctx.output(0).data_as<int64_t>();
    return dispatch<kArgMask>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      run_typed<T, C>(x.data_as<T>(), py, static_cast<C*>(ctx.scratch()));
      return Status();
    });
  }

 private:
  // True when candidate v should replace the current best b.
  template <class C>
  bool better(C v, C b) const {
    if (is_nan(b)) return false;  // a NaN best is final (it was the first NaN, or last below)
    if (is_nan(v)) return true;
    if (select_last_) return kMax ? v >= b : v <= b;
    return kMax ? v > b : v < b;
  }

  template <class T, class C>
  void run_typed(const T* px, int64_t* py, C* best) const {
    if (n_ == 0) return;
    for (int64_t o = 0; o < outer_; ++o) {
      const T* base = px + o * n_ * inner_;
      int64_t* out = py + o * inner_;
      for (int64_t j = 0; j < inner_; ++j) {
        best[j] = static_cast<C>(base[j]);
        out[j] = 0;
      }
      for (int64_t k = 1; k < n_; ++k) {
        const T* row = base + k * inner_;
        for (int64_t j = 0; j < inner_; ++j) {
          C v = static_cast<C>(row[j]);
          bool take = select_last_ && is_nan(v) ? true : better(v, best[j]);
          if (take) {
            best[j] = v;
            out[j] = k;
          }
        }
      }
    }
  }

  int64_t outer_ = 1, n_ = 1, inner_ = 1;
  bool select_last_ = false;
};

}  // namespace

std::unique_ptr<Kernel> make_ArgMax() { return make_kernel<ArgKernel<true>>(); }
std::unique_ptr<Kernel> make_ArgMin() { return make_kernel<ArgKernel<false>>(); }

}  // namespace onyx
