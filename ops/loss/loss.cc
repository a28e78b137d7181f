// NegativeLogLikelihoodLoss (12, 13) and SoftmaxCrossEntropyLoss (12, 13).
//
// Both view the class scores as [N, C, D] (D = d1*...*dk, 1 without extra dims) and the targets
// as [N, D]. The per-element loss is -weight[c] * logp[n, c, d] for c = target[n, d], 0 where
// target == ignore_index. Reductions: none (shape of target), sum, mean = sum / sum of the
// weights of the elements not ignored (their count when there is no weight input). A mean
// over nothing (every element ignored, or an empty batch) is 0/0 = NaN, like the reference.
// SoftmaxCrossEntropyLoss first takes log(softmax(scores)) along axis 1; its optional second
// output is that log-probability tensor.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "dispatch.h"
#include "kernel.h"

namespace onyx {
namespace {

enum class Reduction : uint8_t { kNone, kSum, kMean };

template <bool kSoftmax>
class LossKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    const char* in_name = kSoftmax ? "scores" : "input";
    const char* tgt_name = kSoftmax ? "labels" : "target";
    const char* w_name = kSoftmax ? "weights" : "weight";
    if (ctx.num_inputs() > 3) return ctx.fail(Code::kInvalidModel, "takes at most 3 inputs, got ", ctx.num_inputs());
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input '", in_name, "' is missing");
    if (!ctx.has_input(1)) return ctx.fail(Code::kInvalidModel, "input '", tgt_name, "' is missing");
    dtype_ = ctx.in_dtype(0);
    DTypeMask mask = kMaskFloat3;
    if (kSoftmax && ctx.since_version() >= 13) mask |= mask_of(DType::kBFloat16);
    if (!in_mask(dtype_, mask)) return ctx.unsupported_dtype(0, dtype_);
    tdtype_ = ctx.in_dtype(1);
    if (tdtype_ != DType::kInt32 && tdtype_ != DType::kInt64) {
      return ctx.fail(Code::kInvalidModel, "input '", tgt_name, "' has dtype ", dtype_name(tdtype_),
                      ", expected int32 or int64");
    }
    const Dims& xs = ctx.in_shape(0);
    const Dims& ts = ctx.in_shape(1);
    if (xs.size() < 2) {
      return ctx.fail(Code::kInvalidModel, "input '", in_name, "' must have rank >= 2 (N, C, ...), got shape ",
                      shape_str(xs));
    }
    Dims want_t = {xs[0]};
    for (size_t i = 2; i < xs.size(); ++i) want_t.push_back(xs[i]);
    if (ts != want_t) {
      return ctx.fail(Code::kInvalidModel, "input '", tgt_name, "' has shape ", shape_str(ts), ", expected ",
                      shape_str(want_t), " to match '", in_name, "' ", shape_str(xs));
    }
    n_ = xs[0];
    c_ = xs[1];
    d_ = 1;
    for (size_t i = 2; i < xs.size(); ++i) d_ *= xs[i];
    has_weight_ = ctx.has_input(2);
    if (has_weight_) {
      if (ctx.in_dtype(2) != dtype_) {
        return ctx.fail(Code::kInvalidModel, "input '", w_name, "' has dtype ", dtype_name(ctx.in_dtype(2)),
                        ", expected ", dtype_name(dtype_));
      }
      if (ctx.in_shape(2) != Dims{c_}) {
        return ctx.fail(Code::kInvalidModel, "input '", w_name, "' has shape ", shape_str(ctx.in_shape(2)),
                        ", expected ", shape_str(Dims{c_}));
      }
    }
    std::string red;
    ONYX_TRY(ctx.attr_string("reduction", &red, "mean"));
    if (red == "none") {
      reduction_ = Reduction::kNone;
    } else if (red == "sum") {
      reduction_ = Reduction::kSum;
    } else if (red == "mean") {
      reduction_ = Reduction::kMean;
    } else {
      return ctx.fail(Code::kInvalidModel, "attribute 'reduction' must be none, sum or mean, got '", red, "'");
    }
    has_ignore_ = ctx.has_attr("ignore_index");
    ignore_ = 0;
    if (has_ignore_) ONYX_TRY(ctx.attr_int("ignore_index", &ignore_, 0));
    const int max_outputs = kSoftmax ? 2 : 1;
    if (ctx.num_outputs() > max_outputs) {
      return ctx.fail(Code::kInvalidModel, "has at most ", max_outputs, " outputs, got ", ctx.num_outputs());
    }
    if (ctx.has_output(0)) ctx.set_output(0, dtype_, reduction_ == Reduction::kNone ? ts : Dims{});
    if (kSoftmax && ctx.has_output(1)) ctx.set_output(1, dtype_, xs);
    return Status();
  }

  Status run(RunContext& ctx) override {
    return dispatch<kMaskFloat>(dtype_, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (tdtype_ == DType::kInt32) return run_typed<T, int32_t>(ctx);
      return run_typed<T, int64_t>(ctx);
    });
  }

 private:
  template <class T, class I>
  Status run_typed(RunContext& ctx) {
    using A = compute_t<T>;
    const T* x = ctx.input(0).data_as<T>();
    const I* tgt = ctx.input(1).data_as<I>();
    const T* w = has_weight_ ? ctx.input(2).data_as<T>() : nullptr;
    T* out = ctx.has_output(0) ? ctx.output(0).data_as<T>() : nullptr;
    T* logp = kSoftmax && ctx.has_output(1) ? ctx.output(1).data_as<T>() : nullptr;
    // Sums in double: a float accumulator drifts over large batches.
    double total = 0.0, weight_total = 0.0;
    for (int64_t n = 0; n < n_; ++n) {
      for (int64_t d = 0; d < d_; ++d) {
        const T* col = x + n * c_ * d_ + d;  // class k at col[k * d_]
        A mx = A(0), lse = A(0);
        if constexpr (kSoftmax) {
          if (c_ > 0) {
            mx = static_cast<A>(col[0]);
            for (int64_t k = 1; k < c_; ++k) mx = std::max(mx, static_cast<A>(col[k * d_]));
            A sum = A(0);
            for (int64_t k = 0; k < c_; ++k) sum += std::exp(static_cast<A>(col[k * d_]) - mx);
            lse = std::log(sum);
          }
          if (logp != nullptr) {
            T* lcol = logp + n * c_ * d_ + d;
            for (int64_t k = 0; k < c_; ++k) lcol[k * d_] = static_cast<T>(static_cast<A>(col[k * d_]) - mx - lse);
          }
        }
        const int64_t label = static_cast<int64_t>(tgt[n * d_ + d]);
        A loss = A(0);
        if (!(has_ignore_ && label == ignore_)) {
          if (label < 0 || label >= c_) {
            return ctx.fail(Code::kOutOfRange, "target value ", label, " at index ", n * d_ + d,
                            " is outside [0, ", c_, ")");
          }
          A lp = static_cast<A>(col[label * d_]);
          if constexpr (kSoftmax) lp = lp - mx - lse;
          const A wc = w != nullptr ? static_cast<A>(w[label]) : A(1);
          loss = -lp * wc;
          weight_total += static_cast<double>(wc);
        }
        if (reduction_ == Reduction::kNone) {
          if (out != nullptr) out[n * d_ + d] = static_cast<T>(loss);
        } else {
          total += static_cast<double>(loss);
        }
      }
    }
    if (out != nullptr && reduction_ != Reduction::kNone) {
      const double r = reduction_ == Reduction::kSum ? total : total / weight_total;
      out[0] = static_cast<T>(static_cast<A>(r));
    }
    return Status();
  }

  DType dtype_ = DType::kUndefined, tdtype_ = DType::kUndefined;
  int64_t n_ = 0, c_ = 0, d_ = 1;
  bool has_weight_ = false, has_ignore_ = false;
  int64_t ignore_ = 0;
  Reduction reduction_ = Reduction::kMean;
};

}  // namespace

std::unique_ptr<Kernel> make_NegativeLogLikelihoodLoss() { return make_kernel<LossKernel<false>>(); }
std::unique_ptr<Kernel> make_SoftmaxCrossEntropyLoss() { return make_kernel<LossKernel<true>>(); }

}  // namespace onyx
