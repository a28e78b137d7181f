// RandomNormal, RandomUniform, RandomNormalLike, RandomUniformLike (1), Bernoulli (15),
// Multinomial (7). Never constant-folded (deterministic() is false).
//
// Seeding: the float `seed` attribute seeds the node's generator once, when the session is
// created (an int `seed` is accepted too); without one the seed differs per session. The
// generator advances from run to run, so with a seed a session reproduces the same sequence
// of outputs, not the same output every run. Values are drawn in double and rounded to the
// output type.
//   RandomNormal(Like):  mean + scale * N(0, 1) (attributes mean 0, scale 1)
//   RandomUniform(Like): low + (high - low) * U[0, 1) (attributes low 0, high 1)
//   Output dtype: attribute `dtype` (float16, float, double; bfloat16 accepted too); default
//   float for RandomNormal/RandomUniform, the input's dtype for the *Like ops, whose output
//   has the input's shape (any input dtype when `dtype` is given).
//   Bernoulli: y = 1 with probability p = x (else 0); output dtype `dtype` (any numeric type or
//   bool), default the input's.
//   Multinomial: input [batch, classes] of unnormalised log-probabilities; output
//   [batch, sample_size] (attribute, default 1) of class indices drawn with probabilities
//   softmax(input[b]); `dtype` int32 (default) or int64.
#include <cmath>
#include <memory>
#include <vector>

#include "dispatch.h"
#include "kernel.h"
#include "random/rng.h"

namespace onyx {

namespace {

using random::Rng;


template <class T>
T from_double(double v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0.0;
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(v);
  } else {
    return static_cast<T>(static_cast<compute_t<T>>(v));
  }
}

template <class T>
double to_double(T v) {
  return static_cast<double>(static_cast<compute_t<T>>(v));
}

// Reads attribute `dtype` into *out when present; checks it against `allowed`.
Status read_dtype(const PrepareContext& ctx, DTypeMask allowed, bool* present, DType* out) {
  *present = ctx.has_attr("dtype");
  if (!*present) return Status();
  int64_t v = 0;
  ONYX_TRY(ctx.attr_int("dtype", &v));
  const DType t =
      v >= 0 && v <= 0x7fffffff && dtype_valid(static_cast<int32_t>(v)) ? static_cast<DType>(v) : DType::kUndefined;
  if (!in_mask(t, allowed)) {
    return ctx.fail(Code::kInvalidModel, "attribute 'dtype' ", v, " is not one of ", mask_names(allowed));
  }
  *out = t;
  return Status();
}

// Common state: the node's generator, seeded on the first prepare.
class RandomKernelBase : public Kernel {
 public:
  bool deterministic() const override { return false; }

 protected:
  Status seed_once(const PrepareContext& ctx) {
    if (seeded_) return Status();
    ONYX_TRY(random::seed_rng(ctx, &rng_));
    seeded_ = true;
    return Status();
  }
  Rng rng_;
  bool seeded_ = false;
};

enum class Dist { kNormal, kUniform };

// RandomNormal / RandomUniform (kLike = false) and their *Like forms.
template <Dist kDist, bool kLike>
class RandomKernel final : public RandomKernelBase {
 public:
  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(seed_once(ctx));
    if constexpr (kDist == Dist::kNormal) {
      ONYX_TRY(ctx.attr_float("mean", &a_, 0.0f));
      ONYX_TRY(ctx.attr_float("scale", &b_, 1.0f));
    } else {
      ONYX_TRY(ctx.attr_float("low", &a_, 0.0f));
      ONYX_TRY(ctx.attr_float("high", &b_, 1.0f));
    }
    bool has_dtype = false;
    DType t = DType::kFloat32;
    ONYX_TRY(read_dtype(ctx, kMaskFloat, &has_dtype, &t));
    Dims shape;
    if constexpr (kLike) {
      if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'input' is missing");
      if (!has_dtype) {
        t = ctx.in_dtype(0);
        if (!in_mask(t, kMaskFloat)) {
          return ctx.fail(Code::kInvalidModel, "input 'input' has dtype ", dtype_name(t),
                          "; attribute 'dtype' is required for a non-floating input");
        }
      }
      shape = ctx.in_shape(0);
    } else {
      if (!ctx.has_attr("shape")) return ctx.fail(Code::kInvalidModel, "attribute 'shape' is required");
      ONYX_TRY(ctx.attr_ints("shape", &shape));
      Result<int64_t> n = checked_numel(shape);
      if (!n.ok()) {
        return ctx.fail(Code::kInvalidModel, "attribute 'shape' ", shape_str(shape),
                        " is invalid: ", n.status().message());
      }
    }
    ctx.set_output(0, t, shape);
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    const double a = a_, b = b_;
    return dispatch<kMaskFloat>(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* yp = y.data_as<T>();
      for (int64_t i = 0; i < y.numel(); ++i) {
        if constexpr (kDist == Dist::kNormal) {
          yp[i] = from_double<T>(a + b * rng_.normal());
        } else {
          yp[i] = from_double<T>(a + (b - a) * rng_.uniform());
        }
      }
      return Status();
    });
  }

 private:
  float a_ = 0.0f, b_ = 1.0f;
};

constexpr DTypeMask kBernoulliOut = kMaskNumeric | mask_of(DType::kBool);

class BernoulliKernel final : public RandomKernelBase {
 public:
  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(seed_once(ctx));
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'input' is missing");
    if (!in_mask(ctx.in_dtype(0), kMaskFloat)) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    bool has_dtype = false;
    DType t = ctx.in_dtype(0);
    ONYX_TRY(read_dtype(ctx, kBernoulliOut, &has_dtype, &t));
    ctx.set_output(0, t, ctx.in_shape(0));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    return dispatch<kMaskFloat>(x.dtype(), [&](auto xtag) {
      using X = typename decltype(xtag)::type;
      const X* xp = x.data_as<X>();
      return dispatch<kBernoulliOut>(y.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        T* yp = y.data_as<T>();
        for (int64_t i = 0; i < y.numel(); ++i) {
          yp[i] = from_double<T>(rng_.uniform() < to_double(xp[i]) ? 1.0 : 0.0);
        }
        return Status();
      });
    });
  }
};

class MultinomialKernel final : public RandomKernelBase {
 public:
  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(seed_once(ctx));
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'input' is missing");
    if (!in_mask(ctx.in_dtype(0), kMaskFloat)) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    const Dims& xs = ctx.in_shape(0);
    if (xs.size() != 2) {
      return ctx.fail(Code::kInvalidModel, "input 'input' must have shape [batch_size, class_size], got ",
                      shape_str(xs));
    }
    ONYX_TRY(ctx.attr_int("sample_size", &samples_, 1));
    if (samples_ < 0) return ctx.fail(Code::kInvalidModel, "attribute 'sample_size' is ", samples_, ", expected >= 0");
    bool has_dtype = false;
    DType t = DType::kInt32;
    ONYX_TRY(read_dtype(ctx, mask_of(DType::kInt32, DType::kInt64), &has_dtype, &t));
    batch_ = xs[0];
    classes_ = xs[1];
    if (classes_ == 0 && batch_ != 0 && samples_ != 0) {
      return ctx.fail(Code::kInvalidArgument, "input 'input' has no classes to sample from");
    }
    Dims out = {batch_, samples_};
    Result<int64_t> n = checked_numel(out);
    if (!n.ok()) return n.status();
    ctx.request_scratch(static_cast<size_t>(classes_) * sizeof(double));
    ctx.set_output(0, t, out);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    double* cdf = static_cast<double*>(ctx.scratch());
    return dispatch<kMaskFloat>(x.dtype(), [&](auto xtag) {
      using X = typename decltype(xtag)::type;
      const X* xp = x.data_as<X>();
      for (int64_t b = 0; b < batch_; ++b) {
        const X* row = xp + b * classes_;
        double mx = -INFINITY;
        // Not std::fmax: GCC 12's aarch64 vectorizer crashes (ICE in vect_transform_reduction) on
        // that reduction. Same result: a NaN element is skipped either way, mx never becomes NaN.
        for (int64_t c = 0; c < classes_; ++c) {
          const double v = to_double(row[c]);
          if (v > mx) mx = v;
        }
        double total = 0.0;
        for (int64_t c = 0; c < classes_; ++c) {
          total += std::exp(to_double(row[c]) - mx);
          cdf[c] = total;
        }
        if (!(total > 0.0) || !std::isfinite(total)) {
          return ctx.fail(Code::kOutOfRange, "row ", b, " of input 'input' has no finite probabilities");
        }
        for (int64_t s = 0; s < samples_; ++s) {
          const double u = rng_.uniform() * total;
          // First class whose cumulative weight exceeds u (binary search).
          int64_t lo = 0, hi = classes_ - 1;
          while (lo < hi) {
            const int64_t mid = lo + (hi - lo) / 2;
            if (cdf[mid] > u) {
              hi = mid;
            } else {
              lo = mid + 1;
            }
          }
          const int64_t out = b * samples_ + s;
          if (y.dtype() == DType::kInt64) {
            y.data_as<int64_t>()[out] = lo;
          } else {
            y.data_as<int32_t>()[out] = static_cast<int32_t>(lo);
          }
        }
      }
      return Status();
    });
  }

 private:
  int64_t samples_ = 1, batch_ = 0, classes_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_RandomNormal() { return make_kernel<RandomKernel<Dist::kNormal, false>>(); }
std::unique_ptr<Kernel> make_RandomUniform() { return make_kernel<RandomKernel<Dist::kUniform, false>>(); }
std::unique_ptr<Kernel> make_RandomNormalLike() { return make_kernel<RandomKernel<Dist::kNormal, true>>(); }
std::unique_ptr<Kernel> make_RandomUniformLike() { return make_kernel<RandomKernel<Dist::kUniform, true>>(); }
std::unique_ptr<Kernel> make_Bernoulli() { return make_kernel<BernoulliKernel>(); }
std::unique_ptr<Kernel> make_Multinomial() { return make_kernel<MultinomialKernel>(); }

}  // namespace onyx
