// ConvInteger (10) and QLinearConv (10): N-d grouped convolution of 8-bit integer tensors with
// int32 accumulation of (x - x_zero_point) * (w - w_zero_point); padding contributes 0.
//   ConvInteger: y = the int32 accumulator (wraps modulo 2^32 on overflow).
//   QLinearConv: y = saturate(round_half_even((acc + B[m]) * x_scale * w_scale[m] / y_scale)
//                + y_zero_point)
// x: [N, C, D1..Dn], w: [M, C/group, k1..kn]. x_zero_point, x_scale, y_scale, y_zero_point are
// per tensor; w_scale and w_zero_point per tensor or per output channel ([M]).
// Attributes as Conv: auto_pad (NOTSET, SAME_UPPER, SAME_LOWER, VALID), dilations, group,
// kernel_shape, pads, strides.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "dispatch.h"
#include "kernel.h"
#include "quant/common.h"

namespace onyx {
namespace {

using quant::load_float;
using quant::load_int;

// Convolution geometry resolved from the attributes and the x / w shapes.
struct ConvGeom {
  int64_t N = 0, C = 0, M = 0, group = 1, Cg = 0, Mg = 0;
  Dims in, out, kernel, strides, dilations, pad_begin;
  int64_t in_size = 1, out_size = 1, kernel_size = 1;
  std::vector<int64_t> kernel_off;  // kernel_size x rank: k_d * dilation_d
  Dims out_shape;

  Status resolve(const PrepareContext& ctx, const Dims& xs, const Dims& ws) {
    if (xs.size() < 3) return ctx.fail(Code::kInvalidModel, "input 'x' must have rank >= 3, got ", shape_str(xs));
    if (ws.size() != xs.size()) {
      return ctx.fail(Code::kInvalidModel, "input 'w' has shape ", shape_str(ws), " but 'x' has rank ", xs.size());
    }
    const size_t r = xs.size() - 2;
    N = xs[0];
    C = xs[1];
    M = ws[0];
    ONYX_TRY(ctx.attr_int("group", &group, 1));
    if (group <= 0 || C % group != 0 || M % group != 0) {
      return ctx.fail(Code::kInvalidModel, "attribute 'group' ", group, " does not divide the ", C,
                      " input channels and ", M, " output channels");
    }
    Cg = C / group;
    Mg = M / group;
    if (ws[1] != Cg) {
      return ctx.fail(Code::kInvalidModel, "input 'w' has ", ws[1], " channels per group, expected ", Cg);
    }
    in.assign(xs.begin() + 2, xs.end());
    kernel.assign(ws.begin() + 2, ws.end());
    std::vector<int64_t> ks;
    ONYX_TRY(ctx.attr_ints("kernel_shape", &ks));
    if (!ks.empty() && ks != kernel) {
      return ctx.fail(Code::kInvalidModel, "attribute 'kernel_shape' ", shape_str(ks), " does not match 'w' ",
                      shape_str(ws));
    }
    ONYX_TRY(ctx.attr_ints("strides", &strides));
    ONYX_TRY(ctx.attr_ints("dilations", &dilations));
    std::vector<int64_t> pads;
    ONYX_TRY(ctx.attr_ints("pads", &pads));
    if (strides.empty()) strides.assign(r, 1);
    if (dilations.empty()) dilations.assign(r, 1);
    if (pads.empty()) pads.assign(2 * r, 0);
    if (strides.size() != r || dilations.size() != r || pads.size() != 2 * r) {
      return ctx.fail(Code::kInvalidModel, "attributes 'strides', 'dilations' and 'pads' must have ", r, ", ", r,
                      " and ", 2 * r, " values");
    }
    std::string auto_pad;
    ONYX_TRY(ctx.attr_string("auto_pad", &auto_pad, "NOTSET"));
    if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" && auto_pad != "VALID") {
      return ctx.fail(Code::kInvalidModel, "attribute 'auto_pad' has unknown value '", auto_pad, "'");
    }
    out.assign(r, 0);
    pad_begin.assign(r, 0);
    for (size_t d = 0; d < r; ++d) {
      if (strides[d] <= 0 || dilations[d] <= 0 || kernel[d] <= 0 || pads[d] < 0 || pads[d + r] < 0) {
        return ctx.fail(Code::kInvalidModel, "strides, dilations and kernel sizes must be positive and pads ",
                        "non-negative");
      }
      int64_t ext = 0;  // dilated kernel extent
      if (!checked_mul(kernel[d] - 1, dilations[d], &ext) || !checked_add(ext, 1, &ext)) {
        return ctx.fail(Code::kInvalidModel, "kernel extent overflows");
      }
      if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        out[d] = (in[d] + strides[d] - 1) / strides[d];
        int64_t total = (out[d] - 1) * strides[d] + ext - in[d];
        if (total < 0) total = 0;
        pad_begin[d] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      } else {
        int64_t pb = 0, pe = 0;
        if (auto_pad == "NOTSET") {
          pb = pads[d];
          pe = pads[d + r];
        }
        pad_begin[d] = pb;
        const int64_t span = in[d] + pb + pe - ext;
        if (span < 0) {
          return ctx.fail(Code::kInvalidArgument, "input 'x' spatial dimension ", d, " (", in[d],
                          " plus padding) is smaller than the kernel extent ", ext);
        }
        out[d] = span / strides[d] + 1;
      }
    }
    out_shape = {N, M};
    out_shape.insert(out_shape.end(), out.begin(), out.end());
    Result<int64_t> n = checked_numel(out_shape);
    if (!n.ok()) return n.status();
    in_size = numel(in);
    out_size = numel(out);
    kernel_size = numel(kernel);
    kernel_off.assign(static_cast<size_t>(kernel_size) * r, 0);
    for (int64_t k = 0; k < kernel_size; ++k) {
      int64_t rem = k;
      for (size_t d = r; d-- > 0;) {
        kernel_off[static_cast<size_t>(k) * r + d] = (rem % kernel[d]) * dilations[d];
        rem /= kernel[d];
      }
    }
    return Status();
  }

  // Calls emit(n, m, out_index, acc) for every output element.
  template <class TX, class TW, class Emit>
  void run(const TX* x, const TW* w, int32_t xzp, const Tensor* wzp, Emit&& emit) const {
    const size_t r = in.size();
    int64_t coord[16];
    int64_t base[16];
    int64_t out_idx = 0;
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t m = 0; m < M; ++m) {
        const int64_t g = m / Mg;
        const int32_t zw = wzp == nullptr ? 0 : load_int(*wzp, wzp->numel() == 1 ? 0 : m);
        const TW* wm = w + m * Cg * kernel_size;
        for (int64_t o = 0; o < out_size; ++o, ++out_idx) {
          int64_t rem = o;
          for (size_t d = r; d-- > 0;) {
            base[d] = (rem % out[d]) * strides[d] - pad_begin[d];
            rem /= out[d];
          }
          int64_t acc = 0;
          for (int64_t c = 0; c < Cg; ++c) {
            const TX* xc = x + (n * C + g * Cg + c) * in_size;
            const TW* wc = wm + c * kernel_size;
            for (int64_t k = 0; k < kernel_size; ++k) {
              const int64_t* ko = &kernel_off[static_cast<size_t>(k) * r];
              int64_t off = 0;
              bool inside = true;
              for (size_t d = 0; d < r; ++d) {
                coord[d] = base[d] + ko[d];
                if (coord[d] < 0 || coord[d] >= in[d]) {
                  inside = false;
                  break;
                }
                off = off * in[d] + coord[d];
              }
              if (!inside) continue;
              acc += static_cast<int64_t>(static_cast<int32_t>(xc[off]) - xzp) *
                     static_cast<int64_t>(static_cast<int32_t>(wc[k]) - zw);
            }
          }
          emit(n, m, out_idx, static_cast<int32_t>(acc));
        }
      }
    }
  }
};

constexpr size_t kMaxSpatialRank = 16;

// Checks a per-tensor parameter.
Status check_scalar(const PrepareContext& ctx, int i, const char* name) {
  if (ctx.has_input(i) && numel(ctx.in_shape(i)) != 1) {
    return ctx.fail(Code::kInvalidModel, "input '", name, "' must be a scalar, got shape ", shape_str(ctx.in_shape(i)));
  }
  return Status();
}

// Checks a per-tensor or per-output-channel parameter.
Status check_per_channel(const PrepareContext& ctx, int i, const char* name, int64_t M) {
  if (!ctx.has_input(i)) return Status();
  const Dims& d = ctx.in_shape(i);
  if (numel(d) == 1 && d.size() <= 1) return Status();
  if (d.size() != 1 || d[0] != M) {
    return ctx.fail(Code::kInvalidModel, "input '", name, "' must be a scalar or have ", M, " elements, got shape ",
                    shape_str(d));
  }
  return Status();
}

Status check_rank(const PrepareContext& ctx) {
  if (ctx.in_shape(0).size() > kMaxSpatialRank + 2) {
    return ctx.fail(Code::kUnsupported, "input 'x' has rank ", ctx.in_shape(0).size(), "; at most ", kMaxSpatialRank,
                    " spatial dimensions are supported");
  }
  return Status();
}

// Inputs: x, w, x_zero_point, w_zero_point.
class ConvIntegerKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.fail(Code::kInvalidModel, "inputs 'x' and 'w' are required");
    if (!in_mask(ctx.in_dtype(0), quant::kMaskQ8)) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    if (!in_mask(ctx.in_dtype(1), quant::kMaskQ8)) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    ONYX_TRY(quant::check_zero_point(ctx, 2, "x_zero_point", ctx.in_dtype(0), false));
    ONYX_TRY(quant::check_zero_point(ctx, 3, "w_zero_point", ctx.in_dtype(1), false));
    ONYX_TRY(check_rank(ctx));
    ONYX_TRY(geom_.resolve(ctx, ctx.in_shape(0), ctx.in_shape(1)));
    ONYX_TRY(check_scalar(ctx, 2, "x_zero_point"));
    ONYX_TRY(check_per_channel(ctx, 3, "w_zero_point", geom_.M));
    ctx.set_output(0, DType::kInt32, geom_.out_shape);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const int32_t xzp = ctx.has_input(2) ? load_int(ctx.input(2), 0) : 0;
    const Tensor* wzp = ctx.has_input(3) ? &ctx.input(3) : nullptr;
    int32_t* yp = ctx.output(0).data_as<int32_t>();
    return dispatch<quant::kMaskQ8>(ctx.input(0).dtype(), [&](auto tx) {
      return dispatch<quant::kMaskQ8>(ctx.input(1).dtype(), [&](auto tw) {
        using TX = typename decltype(tx)::type;
        using TW = typename decltype(tw)::type;
        geom_.run(ctx.input(0).data_as<TX>(), ctx.input(1).data_as<TW>(), xzp, wzp,
                  [&](int64_t, int64_t, int64_t i, int32_t acc) { yp[i] = acc; });
        return Status();
      });
    });
  }

 private:
  ConvGeom geom_;
};

// Inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B.
class QLinearConvKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    static const char* const kNames[] = {"x",       "x_scale",      "x_zero_point", "w",
                                         "w_scale", "w_zero_point", "y_scale",      "y_zero_point"};
    for (int i = 0; i < 8; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input '", kNames[i], "' is missing");
    }
    for (int i : {0, 3, 7}) {
      if (!in_mask(ctx.in_dtype(i), quant::kMaskQ8)) return ctx.unsupported_dtype(i, ctx.in_dtype(i));
    }
    for (int i : {1, 4, 6}) ONYX_TRY(quant::check_scale(ctx, i, kNames[i]));
    ONYX_TRY(quant::check_zero_point(ctx, 2, "x_zero_point", ctx.in_dtype(0), true));
    ONYX_TRY(quant::check_zero_point(ctx, 5, "w_zero_point", ctx.in_dtype(3), true));
    ONYX_TRY(check_rank(ctx));
    ONYX_TRY(geom_.resolve(ctx, ctx.in_shape(0), ctx.in_shape(3)));
    for (int i : {1, 2, 6, 7}) ONYX_TRY(check_scalar(ctx, i, kNames[i]));
    ONYX_TRY(check_per_channel(ctx, 4, "w_scale", geom_.M));
    ONYX_TRY(check_per_channel(ctx, 5, "w_zero_point", geom_.M));
    if (ctx.has_input(8)) {
      if (ctx.in_dtype(8) != DType::kInt32) return ctx.unsupported_dtype(8, ctx.in_dtype(8));
      const Dims& b = ctx.in_shape(8);
      if (b.size() != 1 || b[0] != geom_.M) {
        return ctx.fail(Code::kInvalidModel, "input 'B' must have shape [", geom_.M, "], got ", shape_str(b));
      }
    }
    multipliers_.assign(static_cast<size_t>(geom_.M), 0.0f);
    ctx.set_output(0, ctx.in_dtype(7), geom_.out_shape);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const float xs = load_float(ctx.input(1), 0);
    const int32_t xzp = load_int(ctx.input(2), 0);
    const Tensor& ws = ctx.input(4);
    const float ys = load_float(ctx.input(6), 0);
    const int32_t yzp = load_int(ctx.input(7), 0);
    const int32_t* bias = ctx.has_input(8) ? ctx.input(8).data_as<int32_t>() : nullptr;
    for (int64_t m = 0; m < geom_.M; ++m) {
      multipliers_[static_cast<size_t>(m)] = xs * load_float(ws, ws.numel() == 1 ? 0 : m) / ys;
    }
    Tensor& y = ctx.output(0);
    return dispatch<quant::kMaskQ8>(ctx.input(0).dtype(), [&](auto tx) {
      return dispatch<quant::kMaskQ8>(ctx.input(3).dtype(), [&](auto tw) {
        return dispatch<quant::kMaskQ8>(y.dtype(), [&](auto ty) {
          using TX = typename decltype(tx)::type;
          using TW = typename decltype(tw)::type;
          using TY = typename decltype(ty)::type;
          TY* yp = y.data_as<TY>();
          geom_.run(ctx.input(0).data_as<TX>(), ctx.input(3).data_as<TW>(), xzp, &ctx.input(5),
                    [&](int64_t, int64_t m, int64_t i, int32_t acc) {
                      const int32_t total =
                          bias == nullptr ? acc : static_cast<int32_t>(static_cast<int64_t>(acc) + bias[m]);
                      yp[i] = quant::quantize_value<TY>(
                          static_cast<float>(total) * multipliers_[static_cast<size_t>(m)], yzp);
                    });
          return Status();
        });
      });
    });
  }

 private:
  ConvGeom geom_;
  std::vector<float> multipliers_;
};

}  // namespace

std::unique_ptr<Kernel> make_ConvInteger() { return make_kernel<ConvIntegerKernel>(); }
std::unique_ptr<Kernel> make_QLinearConv() { return make_kernel<QLinearConvKernel>(); }

}  // namespace onyx
