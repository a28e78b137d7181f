// BatchNormalization (1, 6, 7, 9, 14, 15).
// Inference: Y = (X - mean) / sqrt(var + epsilon) * scale + B per channel (axis 1); before
// opset 9, spatial=0 gives per-feature statistics of shape X.shape[1:].
// Training (training_mode=1 from 14): batch statistics, and running_mean/running_var outputs.
// Before 14 the training outputs (mean, var, saved_mean, saved_var) are not supported; a
// node with is_test=0 but only Y requested is run in inference form.
#include <cmath>
#include <memory>

#include "dispatch.h"
#include "kernel.h"
#include "nn/common.h"

namespace onyx {
namespace {

// Element i of a floating tensor as double (statistics and parameters: per-channel reads).
double param_at(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat32: return t.data_as<float>()[i];
    case DType::kFloat64: return t.data_as<double>()[i];
    case DType::kFloat16: return static_cast<float>(t.data_as<Float16>()[i]);
    case DType::kBFloat16: return static_cast<float>(t.data_as<BFloat16>()[i]);
    default: return 0.0;
  }
}

void param_set(Tensor& t, int64_t i, double v) {
  switch (t.dtype()) {
    case DType::kFloat32: t.data_as<float>()[i] = static_cast<float>(v); break;
    case DType::kFloat64: t.data_as<double>()[i] = v; break;
    case DType::kFloat16: t.data_as<Float16>()[i] = Float16(static_cast<float>(v)); break;
    case DType::kBFloat16: t.data_as<BFloat16>()[i] = BFloat16(static_cast<float>(v)); break;
    default: break;
  }
}

class BatchNormKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    const int v = ctx.since_version();
    static const char* const kNames[5] = {"X", "scale", "B", "mean", "var"};
    for (int i = 0; i < 5; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input '", kNames[i], "' is missing");
    }
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, v >= 14 ? kMaskFloat : kMaskFloat3)) return ctx.unsupported_dtype(0, t);
    // Opset 14 lets the statistics differ in type (U); 15 also the scale and bias (T1, T2).
    for (int i = 1; i < 5; ++i) {
      const DType pt = ctx.in_dtype(i);
      const bool may_differ = (v >= 15) || (v == 14 && i >= 3);
      if (may_differ ? !in_mask(pt, kMaskFloat) : pt != t) {
        return ctx.fail(Code::kInvalidModel, "input '", kNames[i], "' has dtype ", dtype_name(pt),
                        may_differ ? ", which is not a floating type" : ", expected the dtype of 'X'");
      }
    }
    if (v >= 14 && (ctx.in_dtype(3) != ctx.in_dtype(4) || ctx.in_dtype(1) != ctx.in_dtype(2))) {
      return ctx.fail(Code::kInvalidModel, "inputs 'scale'/'B' and 'mean'/'var' must share their dtypes");
    }
    ONYX_TRY(ctx.attr_float("epsilon", &epsilon_, 1e-5f));
    ONYX_TRY(ctx.attr_float("momentum", &momentum_, 0.9f));
    int64_t spatial = 1;
    if (v < 9) ONYX_TRY(ctx.attr_int("spatial", &spatial, 1));
    int64_t training = 0;
    if (v >= 14) ONYX_TRY(ctx.attr_int("training_mode", &training, 0));
    training_ = training != 0;

    const Dims& xs = ctx.in_shape(0);
    if (xs.size() < 2) {
      return ctx.fail(Code::kInvalidArgument, "input 'X' must have rank >= 2 (N, C, ...), got ", shape_str(xs));
    }
    batch_ = xs[0];
    channels_ = xs[1];
    inner_ = 1;
    for (size_t i = 2; i < xs.size(); ++i) inner_ *= xs[i];
    // Per-channel parameters, or per-feature ones (spatial=0) covering X.shape[1:].
    per_feature_ = spatial == 0;
    const int64_t want = per_feature_ ? channels_ * inner_ : channels_;
    for (int i = 1; i < 5; ++i) {
      const Dims& ps = ctx.in_shape(i);
      const bool ok = per_feature_ ? numel(ps) == want : ps == Dims{channels_};
      if (!ok) {
        return ctx.fail(Code::kInvalidArgument, "input '", kNames[i], "' has shape ", shape_str(ps), ", expected ",
                        per_feature_ ? shape_str(Dims(xs.begin() + 1, xs.end())) : shape_str(Dims{channels_}));
      }
    }
    for (int o = 1; o < ctx.num_outputs(); ++o) {
      if (!ctx.has_output(o)) continue;
      if (v < 14) {
        return ctx.fail(Code::kUnsupported, "training outputs of BatchNormalization-", v, " are not supported");
      }
      if (!training_) {
        return ctx.fail(Code::kInvalidModel, "output ", o, " requires training_mode=1");
      }
      if (o > 2) return ctx.fail(Code::kInvalidModel, "BatchNormalization-", v, " has at most 3 outputs");
    }
    ctx.set_output(0, t, xs);
    for (int o = 1; o <= 2; ++o) {
      if (ctx.has_output(o)) ctx.set_output(o, ctx.in_dtype(3), {channels_});
    }
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const Tensor& scale = ctx.input(1);
    const Tensor& bias = ctx.input(2);
    const Tensor& mean = ctx.input(3);
    const Tensor& var = ctx.input(4);
    return dispatch<kMaskFloat>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using Acc = compute_t<T>;
      const T* xp = x.data_as<T>();
      T* yp = y.data_as<T>();
      const int64_t plane = inner_, stride = channels_ * inner_;
      if (per_feature_) {
        for (int64_t f = 0; f < stride; ++f) {
          const double a = param_at(scale, f) / std::sqrt(param_at(var, f) + static_cast<double>(epsilon_));
          const double b = param_at(bias, f) - param_at(mean, f) * a;
          for (int64_t n = 0; n < batch_; ++n) {
            const int64_t i = n * stride + f;
            yp[i] = static_cast<T>(static_cast<Acc>(xp[i]) * static_cast<Acc>(a) + static_cast<Acc>(b));
          }
        }
        return Status();
      }
      for (int64_t c = 0; c < channels_; ++c) {
        double m = param_at(mean, c), vr = param_at(var, c);
        if (training_) {
          // Population statistics of channel c over the batch and spatial axes.
          double sum = 0.0;
          for (int64_t n = 0; n < batch_; ++n) {
            const T* p = xp + n * stride + c * plane;
            for (int64_t i = 0; i < plane; ++i) sum += static_cast<double>(static_cast<Acc>(p[i]));
          }
          const double count = static_cast<double>(batch_ * plane);
          const double cm = count > 0 ? sum / count : 0.0;
          double sq = 0.0;
          for (int64_t n = 0; n < batch_; ++n) {
            const T* p = xp + n * stride + c * plane;
            for (int64_t i = 0; i < plane; ++i) {
              const double d = static_cast<double>(static_cast<Acc>(p[i])) - cm;
              sq += d * d;
            }
          }
          const double cv = count > 0 ? sq / count : 0.0;
          const double mom = static_cast<double>(momentum_);
          if (ctx.has_output(1)) param_set(ctx.output(1), c, m * mom + cm * (1.0 - mom));
          if (ctx.has_output(2)) param_set(ctx.output(2), c, vr * mom + cv * (1.0 - mom));
          m = cm;
          vr = cv;
        }
        const double a = param_at(scale, c) / std::sqrt(vr + static_cast<double>(epsilon_));
        const Acc as = static_cast<Acc>(a), bs = static_cast<Acc>(param_at(bias, c) - m * a);
        for (int64_t n = 0; n < batch_; ++n) {
          const T* p = xp + n * stride + c * plane;
          T* q = yp + n * stride + c * plane;
          for (int64_t i = 0; i < plane; ++i) q[i] = static_cast<T>(static_cast<Acc>(p[i]) * as + bs);
        }
      }
      return Status();
    });
  }

 private:
  float epsilon_ = 1e-5f, momentum_ = 0.9f;
  bool training_ = false, per_feature_ = false;
  int64_t batch_ = 0, channels_ = 0, inner_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_BatchNormalization() { return make_kernel<BatchNormKernel>(); }

}  // namespace onyx
