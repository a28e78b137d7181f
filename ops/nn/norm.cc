// Normalizations: InstanceNormalization (1, 6), LpNormalization (1), LRN (1, 13),
// MeanVarianceNormalization (9, 13). Statistics accumulate in double.
#include <cmath>
#include <memory>
#include <vector>

#include "dispatch.h"
#include "kernel.h"
#include "nn/common.h"

namespace onyx {
namespace {

// y = scale * (x - mean) / sqrt(var + epsilon) + B with mean/var per (n, c) over the spatial axes.
class InstanceNormKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'input' is missing");
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, kMaskFloat3)) return ctx.unsupported_dtype(0, t);
    ONYX_TRY(nn::expect_dtype(ctx, 1, t, "scale"));
    ONYX_TRY(nn::expect_dtype(ctx, 2, t, "B"));
    ONYX_TRY(ctx.attr_float("epsilon", &epsilon_, 1e-5f));
    const Dims& xs = ctx.in_shape(0);
    if (xs.size() < 2) return ctx.fail(Code::kInvalidArgument, "input 'input' must have rank >= 2, got ", shape_str(xs));
    for (int i = 1; i <= 2; ++i) {
      if (ctx.in_shape(i) != Dims{xs[1]}) {
        return ctx.fail(Code::kInvalidArgument, "input '", i == 1 ? "scale" : "B", "' has shape ",
                        shape_str(ctx.in_shape(i)), ", expected [", xs[1], "]");
      }
    }
    planes_ = xs[0] * xs[1];
    channels_ = xs[1];
    inner_ = 1;
    for (size_t i = 2; i < xs.size(); ++i) inner_ *= xs[i];
    ctx.set_output(0, t, xs);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    return dispatch<kMaskFloat3>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using Acc = compute_t<T>;
      const T* scale = ctx.input(1).data_as<T>();
      const T* bias = ctx.input(2).data_as<T>();
      for (int64_t p = 0; p < planes_; ++p) {
        const T* xp = x.data_as<T>() + p * inner_;
        T* yp = y.data_as<T>() + p * inner_;
        double sum = 0.0;
        for (int64_t i = 0; i < inner_; ++i) sum += static_cast<double>(static_cast<Acc>(xp[i]));
        const double mean = inner_ > 0 ? sum / static_cast<double>(inner_) : 0.0;
        double sq = 0.0;
        for (int64_t i = 0; i < inner_; ++i) {
          const double d = static_cast<double>(static_cast<Acc>(xp[i])) - mean;
          sq += d * d;
        }
        const double var = inner_ > 0 ? sq / static_cast<double>(inner_) : 0.0;
        const int64_t c = p % channels_;
        const double a = static_cast<double>(static_cast<Acc>(scale[c])) / std::sqrt(var + static_cast<double>(epsilon_));
        const Acc as = static_cast<Acc>(a), ms = static_cast<Acc>(mean), bs = static_cast<Acc>(bias[c]);
        for (int64_t i = 0; i < inner_; ++i) yp[i] = static_cast<T>((static_cast<Acc>(xp[i]) - ms) * as + bs);
      }
      return Status();
    });
  }

 private:
  float epsilon_ = 1e-5f;
  int64_t planes_ = 0, channels_ = 1, inner_ = 1;
};

// y = x / ||x||_p along one axis (p = 1 or 2); an all-zero vector stays zero.
class LpNormKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'input' is missing");
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, kMaskFloat3)) return ctx.unsupported_dtype(0, t);
    int64_t axis = -1;
    ONYX_TRY(ctx.attr_int("axis", &axis, -1));
    ONYX_TRY(ctx.attr_int("p", &p_, 2));
    if (p_ != 1 && p_ != 2) return ctx.fail(Code::kInvalidModel, "attribute 'p' must be 1 or 2, got ", p_);
    const Dims& xs = ctx.in_shape(0);
    int64_t a = 0;
    if (!normalize_axis(axis, static_cast<int64_t>(xs.size()), &a)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' ", axis, " is out of range for rank ", xs.size());
    }
    outer_ = 1;
    inner_ = 1;
    for (int64_t i = 0; i < a; ++i) outer_ *= xs[static_cast<size_t>(i)];
    len_ = xs[static_cast<size_t>(a)];
    for (size_t i = static_cast<size_t>(a) + 1; i < xs.size(); ++i) inner_ *= xs[i];
    ctx.set_output(0, t, xs);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    return dispatch<kMaskFloat3>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using Acc = compute_t<T>;
      for (int64_t o = 0; o < outer_; ++o) {
        for (int64_t in = 0; in < inner_; ++in) {
          const T* xp = x.data_as<T>() + o * len_ * inner_ + in;
          T* yp = y.data_as<T>() + o * len_ * inner_ + in;
          double norm = 0.0;
          for (int64_t i = 0; i < len_; ++i) {
            const double v = static_cast<double>(static_cast<Acc>(xp[i * inner_]));
            norm += p_ == 1 ? std::fabs(v) : v * v;
          }
          if (p_ == 2) norm = std::sqrt(norm);
          const Acc inv = norm != 0.0 ? static_cast<Acc>(1.0 / norm) : Acc(0);
          for (int64_t i = 0; i < len_; ++i) yp[i * inner_] = static_cast<T>(static_cast<Acc>(xp[i * inner_]) * inv);
        }
      }
      return Status();
    });
  }

 private:
  int64_t p_ = 2, outer_ = 1, len_ = 1, inner_ = 1;
};

// Y = X / (bias + alpha / size * sum of squares over the channel window) ^ beta.
class LrnKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'X' is missing");
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, ctx.since_version() >= 13 ? kMaskFloat : kMaskFloat3)) return ctx.unsupported_dtype(0, t);
    ONYX_TRY(ctx.attr_float("alpha", &alpha_, 1e-4f));
    ONYX_TRY(ctx.attr_float("beta", &beta_, 0.75f));
    ONYX_TRY(ctx.attr_float("bias", &bias_, 1.0f));
    ONYX_TRY(ctx.attr_int("size", &size_));
    if (size_ < 1) return ctx.fail(Code::kInvalidModel, "attribute 'size' must be >= 1, got ", size_);
    const Dims& xs = ctx.in_shape(0);
    if (xs.size() < 2) return ctx.fail(Code::kInvalidArgument, "input 'X' must have rank >= 2, got ", shape_str(xs));
    batch_ = xs[0];
    channels_ = xs[1];
    inner_ = 1;
    for (size_t i = 2; i < xs.size(); ++i) inner_ *= xs[i];
    ctx.set_output(0, t, xs);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const int64_t before = (size_ - 1) / 2, after = size_ / 2;  // floor and ceil of (size - 1) / 2
    return dispatch<kMaskFloat>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using Acc = compute_t<T>;
      const Acc scale = static_cast<Acc>(alpha_) / static_cast<Acc>(size_);
      for (int64_t n = 0; n < batch_; ++n) {
        const T* xn = x.data_as<T>() + n * channels_ * inner_;
        T* yn = y.data_as<T>() + n * channels_ * inner_;
        for (int64_t c = 0; c < channels_; ++c) {
          const int64_t lo = c - before < 0 ? 0 : c - before;
          const int64_t hi = c + after >= channels_ ? channels_ - 1 : c + after;
          for (int64_t i = 0; i < inner_; ++i) {
            Acc sq = Acc(0);
            for (int64_t j = lo; j <= hi; ++j) {
              const Acc v = static_cast<Acc>(xn[j * inner_ + i]);
              sq += v * v;
            }
            const Acc d = std::pow(static_cast<Acc>(bias_) + scale * sq, static_cast<Acc>(beta_));
            yn[c * inner_ + i] = static_cast<T>(static_cast<Acc>(xn[c * inner_ + i]) / d);
          }
        }
      }
      return Status();
    });
  }

 private:
  float alpha_ = 1e-4f, beta_ = 0.75f, bias_ = 1.0f;
  int64_t size_ = 1, batch_ = 0, channels_ = 0, inner_ = 1;
};

// Y = (X - mean) / (sqrt(variance) + 1e-9), statistics over `axes` (default [0, 2, 3]).
class MvnKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'X' is missing");
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, ctx.since_version() >= 13 ? kMaskFloat : kMaskFloat3)) return ctx.unsupported_dtype(0, t);
    const Dims& xs = ctx.in_shape(0);
    const int64_t rank = static_cast<int64_t>(xs.size());
    Dims axes;
    ONYX_TRY(ctx.attr_ints("axes", &axes));
    if (!ctx.has_attr("axes")) axes = {0, 2, 3};
    std::vector<bool> reduced(xs.size(), false);
    for (int64_t a : axes) {
      int64_t na = 0;
      if (!normalize_axis(a, rank, &na)) {
        return ctx.fail(Code::kInvalidModel, "attribute 'axes' value ", a, " is out of range for input rank ", rank);
      }
      if (reduced[static_cast<size_t>(na)]) return ctx.fail(Code::kInvalidModel, "attribute 'axes' repeats axis ", a);
      reduced[static_cast<size_t>(na)] = true;
    }
    // Stride of each input axis in the kept (statistics) index space; 0 for reduced axes.
    dims_ = xs;
    pos_.assign(xs.size(), 0);
    kept_stride_.assign(xs.size(), 0);
    kept_ = 1;
    for (size_t i = xs.size(); i-- > 0;) {
      if (reduced[i]) continue;
      kept_stride_[i] = kept_;
      kept_ *= xs[i];
    }
    const int64_t total = numel(xs);
    count_ = kept_ > 0 ? total / kept_ : 0;
    ctx.set_output(0, t, xs);
    ctx.request_scratch(static_cast<size_t>(kept_) * 2 * sizeof(double));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const int64_t total = x.numel();
    if (total == 0) return Status();
    double* mean = static_cast<double*>(ctx.scratch());
    double* dev = mean + kept_;
    return dispatch<kMaskFloat>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using Acc = compute_t<T>;
      const T* xp = x.data_as<T>();
      T* yp = y.data_as<T>();
      for (int64_t i = 0; i < kept_; ++i) mean[i] = dev[i] = 0.0;
      // Walks every element with its statistics index.
      auto walk = [&](auto&& visit) {
        const size_t r = dims_.size();
        int64_t* p = pos_.data();
        for (size_t i = 0; i < r; ++i) p[i] = 0;
        int64_t k = 0;
        for (int64_t e = 0; e < total; ++e) {
          visit(e, k);
          for (size_t i = r; i-- > 0;) {
            k += kept_stride_[i];
            if (++p[i] < dims_[i]) break;
            k -= kept_stride_[i] * dims_[i];
            p[i] = 0;
          }
        }
      };
      walk([&](int64_t e, int64_t k) { mean[k] += static_cast<double>(static_cast<Acc>(xp[e])); });
      for (int64_t i = 0; i < kept_; ++i) mean[i] /= static_cast<double>(count_);
      walk([&](int64_t e, int64_t k) {
        const double d = static_cast<double>(static_cast<Acc>(xp[e])) - mean[k];
        dev[k] += d * d;
      });
      for (int64_t i = 0; i < kept_; ++i) dev[i] = std::sqrt(dev[i] / static_cast<double>(count_)) + 1e-9;
      walk([&](int64_t e, int64_t k) {
        yp[e] = static_cast<T>(static_cast<Acc>((static_cast<double>(static_cast<Acc>(xp[e])) - mean[k]) / dev[k]));
      });
      return Status();
    });
  }

 private:
  Dims dims_, kept_stride_, pos_;  // pos_: the odometer run() walks with
  int64_t kept_ = 1, count_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_InstanceNormalization() { return make_kernel<InstanceNormKernel>(); }
std::unique_ptr<Kernel> make_LpNormalization() { return make_kernel<LpNormKernel>(); }
std::unique_ptr<Kernel> make_LRN() { return make_kernel<LrnKernel>(); }
std::unique_ptr<Kernel> make_MeanVarianceNormalization() { return make_kernel<MvnKernel>(); }

}  // namespace onyx
