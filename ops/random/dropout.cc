// Dropout (1, 6, 7, 10, 12, 13).
//   Inference (the usual case): output = data; the optional mask is all ones/true.
//   Training: keep each element with probability 1 - ratio: output = data * mask / (1 - ratio),
//   mask = (u >= ratio) for u uniform in [0, 1). A ratio of 0 keeps everything.
// Training mode by version:
//   1, 6:   attribute is_test = 0 (the default) means training, with attribute `ratio` (0.5).
//   7, 10:  always inference.
//   12, 13: optional input training_mode (bool scalar, default false) and input ratio (float
//           scalar, default 0.5); attribute `seed` (int).
// The mask output has the data's type before opset 10 and bool from 10. A ratio outside [0, 1)
// in training mode is an error. The node is only treated as non-deterministic (never folded)
// when it may train.
#include <cstring>
#include <memory>

#include "dispatch.h"
#include "kernel.h"
#include "random/rng.h"

namespace onyx {
namespace {

class DropoutKernel final : public Kernel {
 public:
  bool deterministic() const override { return !may_train_; }

  Status prepare(PrepareContext& ctx) override {
    if (!seeded_) {
      ONYX_TRY(random::seed_rng(ctx, &rng_));
      seeded_ = true;
    }
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'data' is missing");
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, kMaskFloat)) return ctx.unsupported_dtype(0, t);
    const int v = ctx.since_version();
    attr_training_ = false;
    may_train_ = false;
    inputs_mode_ = v >= 12;
    if (v < 12) {
      ONYX_TRY(ctx.attr_float("ratio", &attr_ratio_, 0.5f));
      if (v < 7) {
        int64_t is_test = 0;
        ONYX_TRY(ctx.attr_int("is_test", &is_test, 0));
        attr_training_ = is_test == 0;
        may_train_ = attr_training_;
      }
    } else {
      if (ctx.has_input(1)) {
        if (!in_mask(ctx.in_dtype(1), kMaskFloat) || numel(ctx.in_shape(1)) != 1) {
          return ctx.fail(Code::kInvalidModel, "input 'ratio' must be a floating scalar, got ",
                          dtype_name(ctx.in_dtype(1)), " ", shape_str(ctx.in_shape(1)));
        }
      }
      if (ctx.has_input(2)) {
        if (ctx.in_dtype(2) != DType::kBool || numel(ctx.in_shape(2)) != 1) {
          return ctx.fail(Code::kInvalidModel, "input 'training_mode' must be a bool scalar, got ",
                          dtype_name(ctx.in_dtype(2)), " ", shape_str(ctx.in_shape(2)));
        }
        const Tensor* tv = ctx.in_value(2);
        may_train_ = tv == nullptr || tv->data_as<bool>()[0];
      }
    }
    ctx.set_output(0, t, ctx.in_shape(0));
    if (ctx.has_output(1)) ctx.set_output(1, v >= 10 ? DType::kBool : t, ctx.in_shape(0));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    Tensor* mask = ctx.has_output(1) ? &ctx.output(1) : nullptr;
    bool training = attr_training_;
    double ratio = attr_ratio_;
    if (inputs_mode_) {
      training = ctx.has_input(2) && ctx.input(2).data_as<bool>()[0];
      ratio = ctx.has_input(1) ? load_ratio(ctx.input(1)) : 0.5;
    }
    if (training && ratio != 0.0 && !(ratio > 0.0 && ratio < 1.0)) {
      return ctx.fail(Code::kOutOfRange, "dropout ratio ", ratio, " is outside [0, 1)");
    }
    const bool drop = training && ratio > 0.0;
    return dispatch<kMaskFloat>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const T* xp = x.data_as<T>();
      T* yp = y.data_as<T>();
      const int64_t n = x.numel();
      if (!drop) {
        if (n != 0) std::memcpy(yp, xp, static_cast<size_t>(n) * sizeof(T));
        for (int64_t i = 0; mask != nullptr && i < n; ++i) set_mask<T>(mask, i, true);
        return Status();
      }
      const C scale = static_cast<C>(1.0 / (1.0 - ratio));
      for (int64_t i = 0; i < n; ++i) {
        const bool keep = rng_.uniform() >= ratio;
        yp[i] = keep ? static_cast<T>(static_cast<C>(xp[i]) * scale) : static_cast<T>(C(0));
        if (mask != nullptr) set_mask<T>(mask, i, keep);
      }
      return Status();
    });
  }

 private:
  static double load_ratio(const Tensor& r) {
    switch (r.dtype()) {
      case DType::kFloat32:
        return r.data_as<float>()[0];
      case DType::kFloat64:
        return r.data_as<double>()[0];
      case DType::kFloat16:
        return static_cast<float>(r.data_as<Float16>()[0]);
      case DType::kBFloat16:
        return static_cast<float>(r.data_as<BFloat16>()[0]);
      default:
        return 0.5;
    }
  }

  // Mask element i: bool from opset 10, else the data type (1 or 0).
  template <class T>
  static void set_mask(Tensor* mask, int64_t i, bool keep) {
    if (mask->dtype() == DType::kBool) {
      mask->data_as<bool>()[i] = keep;
    } else {
      mask->data_as<T>()[i] = static_cast<T>(static_cast<compute_t<T>>(keep ? 1 : 0));
    }
  }

  random::Rng rng_;
  bool seeded_ = false;
  bool attr_training_ = false;  // opsets 1 and 6: is_test == 0
  bool may_train_ = false;
  bool inputs_mode_ = false;  // opset >= 12: ratio and training_mode are inputs
  float attr_ratio_ = 0.5f;
};

}  // namespace

std::unique_ptr<Kernel> make_Dropout() { return make_kernel<DropoutKernel>(); }

}  // namespace onyx
