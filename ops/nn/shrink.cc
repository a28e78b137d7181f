// Shrink (9). (Dropout lives in random/dropout.cc, MaxRoiPool in vision/roi.cc.)
#include <memory>
#include <type_traits>

#include "dispatch.h"
#include "kernel.h"
#include "nn/common.h"

namespace onyx {
namespace {

// y = x + bias if x < -lambd; x - bias if x > lambd; 0 otherwise (compared in double).
class ShrinkKernel final : public Kernel {
 public:
  static constexpr DTypeMask kTypes = kMaskFloat3 | kMaskInt;

  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'input' is missing");
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, kTypes)) return ctx.unsupported_dtype(0, t);
    ONYX_TRY(ctx.attr_float("bias", &bias_, 0.0f));
    ONYX_TRY(ctx.attr_float("lambd", &lambd_, 0.5f));
    ctx.set_output(0, t, ctx.in_shape(0));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    return dispatch<kTypes>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const double lambd = lambd_, bias = bias_;
      for (int64_t i = 0; i < x.numel(); ++i) {
        const double v = static_cast<double>(static_cast<compute_t<T>>(x.data_as<T>()[i]));
        double r = 0.0;
        if (v < -lambd) {
          r = v + bias;
        } else if (v > lambd) {
          r = v - bias;
        }
        if constexpr (std::is_integral_v<T>) {
          y.data_as<T>()[i] = static_cast<T>(static_cast<int64_t>(r));
        } else {
          y.data_as<T>()[i] = static_cast<T>(static_cast<compute_t<T>>(r));
        }
      }
      return Status();
    });
  }

 private:
  float bias_ = 0.0f, lambd_ = 0.5f;
};

}  // namespace

std::unique_ptr<Kernel> make_Shrink() { return make_kernel<ShrinkKernel>(); }

}  // namespace onyx
