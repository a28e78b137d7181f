#include "nn/spatial.h"

#include <algorithm>
#include <vector>

namespace onyx::nn {

Status pool_kernel_shape(const PrepareContext& ctx, size_t spatial, Dims* kernel) {
  if (!ctx.has_attr("kernel_shape")) {
    return ctx.fail(Code::kInvalidModel, "required attribute 'kernel_shape' is missing");
  }
  ONYX_TRY(ctx.attr_ints("kernel_shape", kernel));
  if (kernel->size() != spatial) {
    return ctx.fail(Code::kInvalidModel, "attribute 'kernel_shape' has ", kernel->size(),
                    " values but input 'X' has ", spatial, " spatial axes");
  }
  return Status();
}

Status resolve_window(const PrepareContext& ctx, const Dims& x_shape, const Dims& kernel,
                      const WindowOptions& opts, prims::ConvShape* shape, Dims* pads_end) {
  if (x_shape.size() < 3) {
    return ctx.fail(Code::kInvalidArgument, "input 'X' must have rank >= 3 (N, C, spatial...), got ",
                    shape_str(x_shape));
  }
  const size_t nd = x_shape.size() - 2;
  if (nd > prims::kMaxSpatial) {
    return ctx.fail(Code::kUnsupported, "input 'X' has ", nd, " spatial axes; at most ",
                    prims::kMaxSpatial, " are supported");
  }
  if (kernel.size() != nd) {
    return ctx.fail(Code::kInvalidModel, "kernel has ", kernel.size(), " axes but input 'X' has ", nd,
                    " spatial axes");
  }
  for (int64_t k : kernel) {
    if (k < 1) return ctx.fail(Code::kInvalidModel, "kernel extents must be >= 1, got ", shape_str(kernel));
  }

  Dims strides, dilations, pads;
  ONYX_TRY(ctx.attr_ints("strides", &strides));
  if (strides.empty()) strides.assign(nd, 1);
  if (strides.size() != nd) {
    return ctx.fail(Code::kInvalidModel, "attribute 'strides' has ", strides.size(), " values, expected ", nd);
  }
  for (int64_t s : strides) {
    if (s < 1) return ctx.fail(Code::kInvalidModel, "attribute 'strides' must be >= 1, got ", shape_str(strides));
  }
  if (opts.dilations) ONYX_TRY(ctx.attr_ints("dilations", &dilations));
  if (dilations.empty()) dilations.assign(nd, 1);
  if (dilations.size() != nd) {
    return ctx.fail(Code::kInvalidModel, "attribute 'dilations' has ", dilations.size(), " values, expected ", nd);
  }
  for (int64_t d : dilations) {
    if (d < 1) return ctx.fail(Code::kInvalidModel, "attribute 'dilations' must be >= 1, got ", shape_str(dilations));
  }
  std::string auto_pad;
  ONYX_TRY(ctx.attr_string("auto_pad", &auto_pad, "NOTSET"));
  if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" && auto_pad != "VALID") {
    return ctx.fail(Code::kInvalidModel, "attribute 'auto_pad' has unknown value '", auto_pad, "'");
  }
  ONYX_TRY(ctx.attr_ints("pads", &pads));
  if (auto_pad != "NOTSET" || pads.empty()) pads.assign(2 * nd, 0);
  if (pads.size() != 2 * nd) {
    return ctx.fail(Code::kInvalidModel, "attribute 'pads' has ", pads.size(), " values, expected ", 2 * nd);
  }
  for (int64_t p : pads) {
    if (p < 0) return ctx.fail(Code::kInvalidModel, "attribute 'pads' must be >= 0, got ", shape_str(pads));
  }
  int64_t ceil_mode = 0;
  if (opts.ceil_mode) ONYX_TRY(ctx.attr_int("ceil_mode", &ceil_mode, 0));

  shape->batch = x_shape[0];
  shape->in_channels = x_shape[1];
  shape->in.assign(x_shape.begin() + 2, x_shape.end());
  shape->kernel = kernel;
  shape->strides = strides;
  shape->dilations = dilations;
  shape->pads.assign(nd, 0);
  shape->out.assign(nd, 0);
  pads_end->assign(nd, 0);
  for (size_t i = 0; i < nd; ++i) {
    const int64_t in = shape->in[i], s = strides[i];
    int64_t span = 0;  // (kernel - 1) * dilation + 1
    if (!checked_mul(kernel[i] - 1, dilations[i], &span) || !checked_add(span, 1, &span) || span > kMaxElements) {
      return ctx.fail(Code::kInvalidModel, "kernel extent ", kernel[i], " with dilation ", dilations[i], " is too large");
    }
    if (in > kMaxElements) return ctx.fail(Code::kInvalidArgument, "input 'X' is too large");
    int64_t out = 0, pb = 0, pe = 0;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out = (in + s - 1) / s;
      const int64_t total = out > 0 ? std::max<int64_t>(0, (out - 1) * s + span - in) : 0;
      pb = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe = total - pb;
    } else {
      pb = pads[i];
      pe = pads[nd + i];
      if (pb > kMaxElements || pe > kMaxElements) {
        return ctx.fail(Code::kInvalidModel, "attribute 'pads' is too large: ", shape_str(pads));
      }
      const int64_t room = in + pb + pe - span;
      if (room < 0) {
        return ctx.fail(Code::kInvalidArgument, "input 'X' spatial axis ", i, " (", in, " plus padding ", pb,
                        "+", pe, ") is smaller than the kernel extent ", span);
      }
      if (ceil_mode != 0) {
        out = (room + s - 1) / s + 1;
        // The last window must start inside the input or the leading padding.
        if ((out - 1) * s >= in + pb) --out;
      } else {
        out = room / s + 1;
      }
    }
    shape->out[i] = out;
    shape->pads[i] = pb;
    (*pads_end)[i] = pe;
  }
  return Status();
}

}  // namespace onyx::nn
