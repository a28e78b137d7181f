// QuantizeLinear (10, 13), DequantizeLinear (10, 13), DynamicQuantizeLinear (11).
//   QuantizeLinear:   y = saturate(round_half_even(x / y_scale) + y_zero_point)
//   DequantizeLinear: y = (x - x_zero_point) * x_scale
// Scale and zero point are per tensor (a scalar or a 1-element 1-D tensor) or, from opset 13,
// a 1-D tensor along `axis` (default 1, negative counts from the back). The zero point's dtype
// (int8/uint8; int32 for DequantizeLinear) is the quantized type; without one QuantizeLinear
// produces uint8. Accepted beyond the opset-13 schema: float16/bfloat16 `x` and scales
// (computed in float); DequantizeLinear's output takes the scale's dtype.
#include <cmath>
#include <memory>
#include <vector>

#include "dispatch.h"
#include "kernel.h"
#include "quant/common.h"

namespace onyx {
namespace {

using quant::load_float;
using quant::load_int;

// Resolves the per-tensor / per-axis layout of scale input `si` (and zero point `zi`) against
// x's shape: x is viewed as [outer, count, inner] and element (o, c, i) uses parameter c.
struct AxisLayout {
  int64_t outer = 1, count = 1, inner = 1;

  Status resolve(const PrepareContext& ctx, const Dims& xs, int si, int zi, const char* sname, const char* zname) {
    const Dims& ss = ctx.in_shape(si);
    if (ctx.has_input(zi)) {
      const Dims& zs = ctx.in_shape(zi);
      const bool same = quant::is_per_tensor(ss) ? quant::is_per_tensor(zs) : zs == ss;
      if (!same) {
        return ctx.fail(Code::kInvalidModel, "input '", zname, "' has shape ", shape_str(zs), " but '", sname,
                        "' has shape ", shape_str(ss));
      }
    }
    outer = 1;
    count = 1;
    inner = numel(xs);
    if (quant::is_per_tensor(ss)) return Status();
    if (ctx.since_version() < 13 || ss.size() != 1) {
      return ctx.fail(Code::kInvalidModel, "input '", sname, "' must be a scalar",
                      ctx.since_version() >= 13 ? " or a 1-D tensor" : "", ", got shape ", shape_str(ss));
    }
    int64_t axis = 1;
    ONYX_TRY(ctx.attr_int("axis", &axis, 1));
    int64_t a = 0;
    if (!normalize_axis(axis, static_cast<int64_t>(xs.size()), &a)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' ", axis, " is out of range for input rank ", xs.size());
    }
    if (ss[0] != xs[static_cast<size_t>(a)]) {
      return ctx.fail(Code::kInvalidModel, "input '", sname, "' has ", ss[0], " elements but axis ", a,
                      " of the input has size ", xs[static_cast<size_t>(a)]);
    }
    outer = 1;
    for (int64_t i = 0; i < a; ++i) outer *= xs[static_cast<size_t>(i)];
    count = ss[0];
    inner = 1;
    for (size_t i = static_cast<size_t>(a) + 1; i < xs.size(); ++i) inner *= xs[i];
    return Status();
  }
};

constexpr DTypeMask kQuantizeIn = mask_of(DType::kFloat32, DType::kInt32, DType::kFloat16, DType::kBFloat16);

class QuantizeLinearKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'x' is missing");
    if (!in_mask(ctx.in_dtype(0), kQuantizeIn)) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    ONYX_TRY(quant::check_scale(ctx, 1, "y_scale"));
    DType qt = DType::kUInt8;
    if (ctx.has_input(2)) {
      qt = ctx.in_dtype(2);
      if (!in_mask(qt, quant::kMaskQ8)) return ctx.unsupported_dtype(2, qt);
    }
    ONYX_TRY(layout_.resolve(ctx, ctx.in_shape(0), 1, 2, "y_scale", "y_zero_point"));
    scales_.assign(static_cast<size_t>(layout_.count), 0.0f);
    zps_.assign(static_cast<size_t>(layout_.count), 0);
    ctx.set_output(0, qt, ctx.in_shape(0));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    for (int64_t c = 0; c < layout_.count; ++c) {
      scales_[static_cast<size_t>(c)] = load_float(ctx.input(1), c);
      zps_[static_cast<size_t>(c)] = ctx.has_input(2) ? load_int(ctx.input(2), c) : 0;
    }
    return dispatch<quant::kMaskQ8>(y.dtype(), [&](auto qtag) {
      using Q = typename decltype(qtag)::type;
      auto body = [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* xp = x.data_as<T>();
        Q* yp = y.data_as<Q>();
        int64_t idx = 0;
        for (int64_t o = 0; o < layout_.outer; ++o) {
          for (int64_t c = 0; c < layout_.count; ++c) {
            const float s = scales_[static_cast<size_t>(c)];
            const int32_t zp = zps_[static_cast<size_t>(c)];
            for (int64_t i = 0; i < layout_.inner; ++i, ++idx) {
              yp[idx] = quant::quantize_value<Q>(static_cast<float>(xp[idx]) / s, zp);
            }
          }
        }
        return Status();
      };
      if (x.dtype() == DType::kInt32) return body(TypeTag<int32_t>{});
      return dispatch<kMaskFloat>(x.dtype(), body);
    });
  }

 private:
  AxisLayout layout_;
  std::vector<float> scales_;
  std::vector<int32_t> zps_;
};

constexpr DTypeMask kDequantizeIn = mask_of(DType::kInt8, DType::kUInt8, DType::kInt32);

class DequantizeLinearKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'x' is missing");
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, kDequantizeIn)) return ctx.unsupported_dtype(0, t);
    ONYX_TRY(quant::check_scale(ctx, 1, "x_scale"));
    ONYX_TRY(quant::check_zero_point(ctx, 2, "x_zero_point", t, false));
    ONYX_TRY(layout_.resolve(ctx, ctx.in_shape(0), 1, 2, "x_scale", "x_zero_point"));
    scales_.assign(static_cast<size_t>(layout_.count), 0.0f);
    zps_.assign(static_cast<size_t>(layout_.count), 0);
    ctx.set_output(0, ctx.in_dtype(1), ctx.in_shape(0));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    for (int64_t c = 0; c < layout_.count; ++c) {
      scales_[static_cast<size_t>(c)] = load_float(ctx.input(1), c);
      zps_[static_cast<size_t>(c)] = ctx.has_input(2) ? load_int(ctx.input(2), c) : 0;
    }
    return dispatch<kMaskFloat>(y.dtype(), [&](auto otag) {
      using O = typename decltype(otag)::type;
      return dispatch<quant::kMaskQInt>(x.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T* xp = x.data_as<T>();
        O* yp = y.data_as<O>();
        int64_t idx = 0;
        for (int64_t o = 0; o < layout_.outer; ++o) {
          for (int64_t c = 0; c < layout_.count; ++c) {
            const float s = scales_[static_cast<size_t>(c)];
            const int64_t zp = zps_[static_cast<size_t>(c)];
            for (int64_t i = 0; i < layout_.inner; ++i, ++idx) {
              const float v = static_cast<float>(static_cast<int64_t>(xp[idx]) - zp) * s;
              yp[idx] = static_cast<O>(v);
            }
          }
        }
        return Status();
      });
    });
  }

 private:
  AxisLayout layout_;
  std::vector<float> scales_;
  std::vector<int32_t> zps_;
};

// DynamicQuantizeLinear: uint8 with the data range widened to include 0:
//   scale = (max - min) / 255 (1 when the range is empty: all zeros or no elements),
//   zero_point = saturate(round_half_even(0 - min / scale)),
//   y = saturate(round_half_even(x / scale) + zero_point).
// NaNs are ignored when computing the range.
class DynamicQuantizeLinearKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'x' is missing");
    if (ctx.in_dtype(0) != DType::kFloat32) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    ctx.set_output(0, DType::kUInt8, ctx.in_shape(0));
    if (ctx.has_output(1)) ctx.set_output(1, DType::kFloat32, {});
    if (ctx.has_output(2)) ctx.set_output(2, DType::kUInt8, {});
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const float* xp = x.data_as<float>();
    float lo = 0.0f, hi = 0.0f;
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float v = xp[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const float scale = hi == lo ? 1.0f : (hi - lo) / 255.0f;
    const uint8_t zp = quant::quantize_value<uint8_t>((0.0f - lo) / scale, 0);
    uint8_t* yp = ctx.output(0).data_as<uint8_t>();
    for (int64_t i = 0; i < x.numel(); ++i) yp[i] = quant::quantize_value<uint8_t>(xp[i] / scale, zp);
    if (ctx.has_output(1)) *ctx.output(1).data_as<float>() = scale;
    if (ctx.has_output(2)) *ctx.output(2).data_as<uint8_t>() = zp;
    return Status();
  }
};

}  // namespace

std::unique_ptr<Kernel> make_QuantizeLinear() { return make_kernel<QuantizeLinearKernel>(); }
std::unique_ptr<Kernel> make_DequantizeLinear() { return make_kernel<DequantizeLinearKernel>(); }
std::unique_ptr<Kernel> make_DynamicQuantizeLinear() { return make_kernel<DynamicQuantizeLinearKernel>(); }

}  // namespace onyx
