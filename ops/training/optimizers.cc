// Optimizers of the ai.onnx.preview.training domain (opset 1): Adagrad, Adam, Momentum.
//
// Inputs: R (learning rate, scalar float/double), T (update count, scalar int64), then n groups
// of tensors laid out by kind: [X_1..X_n, G_1..G_n, <state_1>_1..n, ...]. Outputs likewise:
// [X_new_1..n, <state_1>_new_1..n, ...]. Every tensor of the i-th group has X_i's shape (the
// spec's broadcasting never applies between tensors of one group in practice; we require equal
// shapes). Arithmetic is done in double and rounded to the tensor type.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "dispatch.h"
#include "kernel.h"

namespace onyx {
namespace {

constexpr DTypeMask kOptMask = mask_of(DType::kFloat32, DType::kFloat64);

enum class Algo : uint8_t { kAdagrad, kAdam, kMomentum };

struct Params {
  float decay_factor = 0.0f;  // Adagrad
  float epsilon = 1e-6f;      // Adagrad, Adam
  float norm_coefficient = 0.0f;
  float norm_coefficient_post = 0.0f;  // Adam
  float alpha = 0.0f;                  // Adam, Momentum
  float beta = 0.0f;                   // Adam, Momentum
  bool nesterov = false;               // Momentum
};

template <class T>
double load(const void* p, int64_t i) {
  return static_cast<double>(static_cast<const T*>(p)[i]);
}

template <Algo kAlgo>
class OptimizerKernel final : public Kernel {
  // Tensors per optimized variable in the inputs (X, G, states...) and outputs (X, states...).
  static constexpr int kIn = kAlgo == Algo::kAdam ? 4 : 3;
  static constexpr int kOut = kIn - 1;

 public:
  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(read_attrs(ctx));
    const int ni = ctx.num_inputs();
    if (ni < 2 + kIn || (ni - 2) % kIn != 0) {
      return ctx.fail(Code::kInvalidModel, "expects R, T and ", kIn, " tensors per optimized variable, got ", ni,
                      " inputs");
    }
    n_ = (ni - 2) / kIn;
    for (int i = 0; i < ni; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input ", i, " is missing");
    }
    if (!in_mask(ctx.in_dtype(0), kOptMask)) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    if (numel(ctx.in_shape(0)) != 1) {
      return ctx.fail(Code::kInvalidModel, "input 'R' must be a scalar, got shape ", shape_str(ctx.in_shape(0)));
    }
    if (ctx.in_dtype(1) != DType::kInt64) {
      return ctx.fail(Code::kInvalidModel, "input 'T' has dtype ", dtype_name(ctx.in_dtype(1)), ", expected int64");
    }
    if (numel(ctx.in_shape(1)) != 1) {
      return ctx.fail(Code::kInvalidModel, "input 'T' must be a scalar, got shape ", shape_str(ctx.in_shape(1)));
    }
    dtype_ = ctx.in_dtype(2);
    if (!in_mask(dtype_, kOptMask)) return ctx.unsupported_dtype(2, dtype_);
    for (int v = 0; v < n_; ++v) {
      const Dims& xs = ctx.in_shape(2 + v);
      for (int k = 0; k < kIn; ++k) {
        const int i = 2 + k * n_ + v;
        if (ctx.in_dtype(i) != dtype_) {
          return ctx.fail(Code::kInvalidModel, "input ", i, " ('", ctx.input_name(i), "') has dtype ",
                          dtype_name(ctx.in_dtype(i)), ", expected ", dtype_name(dtype_));
        }
        if (ctx.in_shape(i) != xs) {
          return ctx.fail(Code::kInvalidModel, "input ", i, " ('", ctx.input_name(i), "') has shape ",
                          shape_str(ctx.in_shape(i)), ", expected ", shape_str(xs), " like the variable it updates");
        }
      }
    }
    if (ctx.num_outputs() > kOut * n_) {
      return ctx.fail(Code::kInvalidModel, "has ", kOut * n_, " outputs for ", n_, " variables, got ",
                      ctx.num_outputs());
    }
    for (int o = 0; o < ctx.num_outputs(); ++o) {
      if (ctx.has_output(o)) ctx.set_output(o, dtype_, ctx.in_shape(2 + o % n_));
    }
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& rt = ctx.input(0);
    const double r = rt.dtype() == DType::kFloat64 ? load<double>(rt.data(), 0) : load<float>(rt.data(), 0);
    const int64_t t = ctx.input(1).data_as<int64_t>()[0];
    if (dtype_ == DType::kFloat64) return run_typed<double>(ctx, r, t);
    return run_typed<float>(ctx, r, t);
  }

 private:
  Status read_attrs(PrepareContext& ctx) {
    p_ = Params{};
    if constexpr (kAlgo == Algo::kAdagrad) {
      ONYX_TRY(ctx.attr_float("decay_factor", &p_.decay_factor, 0.0f));
      ONYX_TRY(ctx.attr_float("epsilon", &p_.epsilon, 1e-6f));
      ONYX_TRY(ctx.attr_float("norm_coefficient", &p_.norm_coefficient, 0.0f));
    } else if constexpr (kAlgo == Algo::kAdam) {
      ONYX_TRY(ctx.attr_float("alpha", &p_.alpha, 0.9f));
      ONYX_TRY(ctx.attr_float("beta", &p_.beta, 0.999f));
      ONYX_TRY(ctx.attr_float("epsilon", &p_.epsilon, 1e-6f));
      ONYX_TRY(ctx.attr_float("norm_coefficient", &p_.norm_coefficient, 0.0f));
      ONYX_TRY(ctx.attr_float("norm_coefficient_post", &p_.norm_coefficient_post, 0.0f));
    } else {
      // Momentum's attributes have no defaults: all are required.
      for (const char* name : {"alpha", "beta", "norm_coefficient", "mode"}) {
        if (!ctx.has_attr(name)) return ctx.fail(Code::kInvalidModel, "required attribute '", name, "' is missing");
      }
      ONYX_TRY(ctx.attr_float("alpha", &p_.alpha, 0.0f));
      ONYX_TRY(ctx.attr_float("beta", &p_.beta, 0.0f));
      ONYX_TRY(ctx.attr_float("norm_coefficient", &p_.norm_coefficient, 0.0f));
      std::string mode;
      ONYX_TRY(ctx.attr_string("mode", &mode, ""));
      if (mode == "nesterov") {
        p_.nesterov = true;
      } else if (mode != "standard") {
        return ctx.fail(Code::kInvalidModel, "attribute 'mode' must be 'standard' or 'nesterov', got '", mode, "'");
      }
    }
    return Status();
  }

  template <class T>
  Status run_typed(RunContext& ctx, double r, int64_t t) {
    const double norm = p_.norm_coefficient;
    const double eps = p_.epsilon;
    const double alpha = p_.alpha, beta = p_.beta;
    // Scalar factors of the update, per the spec's pseudo code.
    double rate = r;
    if constexpr (kAlgo == Algo::kAdagrad) {
      rate = r / (1.0 + static_cast<double>(t) * static_cast<double>(p_.decay_factor));
    } else if constexpr (kAlgo == Algo::kAdam) {
      if (t > 0) {
        const double td = static_cast<double>(t);
        rate = r * std::sqrt(1.0 - std::pow(beta, td)) / (1.0 - std::pow(alpha, td));
      }
    }
    const double beta_adj = t > 0 ? beta : 1.0;  // Momentum
    for (int v = 0; v < n_; ++v) {
      const T* in[kIn];
      T* out[kOut];
      for (int k = 0; k < kIn; ++k) in[k] = ctx.input(2 + k * n_ + v).template data_as<T>();
      for (int k = 0; k < kOut; ++k) {
        const int o = k * n_ + v;
        out[k] = ctx.has_output(o) ? ctx.output(o).template data_as<T>() : nullptr;
      }
      const int64_t count = ctx.input(2 + v).numel();
      for (int64_t e = 0; e < count; ++e) {
        const double x = static_cast<double>(in[0][e]);
        const double g = norm * x + static_cast<double>(in[1][e]);
        double res[kOut];
        if constexpr (kAlgo == Algo::kAdagrad) {
          const double h_new = static_cast<double>(in[2][e]) + g * g;
          res[0] = x - rate * g / (std::sqrt(h_new) + eps);
          res[1] = h_new;
        } else if constexpr (kAlgo == Algo::kAdam) {
          const double v_new = alpha * static_cast<double>(in[2][e]) + (1.0 - alpha) * g;
          const double h_new = beta * static_cast<double>(in[3][e]) + (1.0 - beta) * g * g;
          const double x_new = x - rate * v_new / (std::sqrt(h_new) + eps);
          res[0] = (1.0 - static_cast<double>(p_.norm_coefficient_post)) * x_new;
          res[1] = v_new;
          res[2] = h_new;
        } else {
          const double v_new = alpha * static_cast<double>(in[2][e]) + beta_adj * g;
          res[0] = p_.nesterov ? x - r * (g + alpha * v_new) : x - r * v_new;
          res[1] = v_new;
        }
        for (int k = 0; k < kOut; ++k) {
          if (out[k] != nullptr) out[k][e] = static_cast<T>(res[k]);
        }
      }
    }
    return Status();
  }

  Params p_;
  int n_ = 0;
  DType dtype_ = DType::kUndefined;
};

}  // namespace

std::unique_ptr<Kernel> make_Adagrad() { return make_kernel<OptimizerKernel<Algo::kAdagrad>>(); }
std::unique_ptr<Kernel> make_Adam() { return make_kernel<OptimizerKernel<Algo::kAdam>>(); }
std::unique_ptr<Kernel> make_Momentum() { return make_kernel<OptimizerKernel<Algo::kMomentum>>(); }

}  // namespace onyx
