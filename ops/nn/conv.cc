// Conv (1, 11): N-D grouped convolution. float32 runs prims::conv_fast (depthwise direct,
// 1x1 GEMM, im2col + GEMM); float64/float16 run the scalar reference prims::conv_ref.
#include <cstdint>
#include <memory>
#include <string>

#include "dispatch.h"
#include "kernel.h"
#include "nn/common.h"
#include "nn/spatial.h"
#include "prims/conv.h"

namespace onyx {
namespace {

constexpr DTypeMask kConvTypes = mask_of(DType::kFloat32, DType::kFloat64, DType::kFloat16);
constexpr size_t kAlign = 64;

size_t align_size(size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

// float16 runs the float32 fast path on widened copies (arithmetic in float either way):
// scratch holds x, w, bias and y as float, then the float32 primitive's own scratch.
struct Widened {
  size_t x = 0, w = 0, b = 0, y = 0;  // float counts
  size_t bytes(size_t inner) const {
    return align_size(x * 4) + align_size(w * 4) + align_size(b * 4) + align_size(y * 4) + inner + kAlign;
  }
};

void widen(const Float16* src, size_t n, float* dst) {
  for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
}

// Runs `fast(x, w, b, y, scratch)` on float copies of float16 tensors.
template <class F>
void run_widened(RunContext& ctx, bool has_bias, F&& fast) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  Tensor& y = ctx.output(0);
  auto* base = static_cast<unsigned char*>(ctx.scratch());
  base += (kAlign - reinterpret_cast<uintptr_t>(base) % kAlign) % kAlign;
  auto take = [&](size_t n) {
    auto* p = reinterpret_cast<float*>(base);
    base += align_size(n * 4);
    return p;
  };
  const auto xn = static_cast<size_t>(x.numel()), wn = static_cast<size_t>(w.numel()),
             yn = static_cast<size_t>(y.numel());
  const size_t bn = has_bias ? static_cast<size_t>(ctx.input(2).numel()) : 0;
  float* xf = take(xn);
  float* wf = take(wn);
  float* bf = take(bn);
  float* yf = take(yn);
  widen(x.data_as<Float16>(), xn, xf);
  widen(w.data_as<Float16>(), wn, wf);
  if (has_bias) widen(ctx.input(2).data_as<Float16>(), bn, bf);
  fast(xf, wf, has_bias ? bf : nullptr, yf, base);
  Float16* yh = y.data_as<Float16>();
  for (size_t i = 0; i < yn; ++i) yh[i] = Float16(yf[i]);
}

class ConvKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "Conv needs inputs 'X' and 'W'");
    }
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, kConvTypes)) return ctx.unsupported_dtype(0, t);
    if (ctx.in_dtype(1) != t) {
      return ctx.fail(Code::kInvalidModel, "input 'W' has dtype ", dtype_name(ctx.in_dtype(1)),
                      " but 'X' has ", dtype_name(t));
    }
    const Dims& xs = ctx.in_shape(0);
    const Dims& ws = ctx.in_shape(1);
    if (xs.size() < 3) {
      return ctx.fail(Code::kInvalidArgument, "input 'X' must have rank >= 3, got ", shape_str(xs));
    }
    if (ws.size() != xs.size()) {
      return ctx.fail(Code::kInvalidArgument, "input 'W' has shape ", shape_str(ws), " but 'X' has rank ",
                      xs.size());
    }
    int64_t group = 1;
    ONYX_TRY(ctx.attr_int("group", &group, 1));
    if (group < 1) return ctx.fail(Code::kInvalidModel, "attribute 'group' must be >= 1, got ", group);
    const int64_t c = xs[1], m = ws[0];
    int64_t wc = 0;
    if (!checked_mul(ws[1], group, &wc) || wc != c) {
      return ctx.fail(Code::kInvalidArgument, "input 'X' has ", c, " channels but 'W' ", shape_str(ws),
                      " with group ", group, " expects ", ws[1], "*", group);
    }
    if (m % group != 0) {
      return ctx.fail(Code::kInvalidArgument, "input 'W' has ", m, " output channels, not divisible by group ",
                      group);
    }
    Dims kernel(ws.begin() + 2, ws.end());
    if (ctx.has_attr("kernel_shape")) {
      Dims ks;
      ONYX_TRY(ctx.attr_ints("kernel_shape", &ks));
      if (ks != kernel) {
        return ctx.fail(Code::kInvalidModel, "attribute 'kernel_shape' ", shape_str(ks),
                        " does not match input 'W' ", shape_str(ws));
      }
    }
    has_bias_ = ctx.has_input(2);
    if (has_bias_) {
      if (ctx.in_dtype(2) != t) {
        return ctx.fail(Code::kInvalidModel, "input 'B' has dtype ", dtype_name(ctx.in_dtype(2)),
                        " but 'X' has ", dtype_name(t));
      }
      if (ctx.in_shape(2) != Dims{m}) {
        return ctx.fail(Code::kInvalidArgument, "input 'B' has shape ", shape_str(ctx.in_shape(2)),
                        ", expected [", m, "]");
      }
    }
    Dims pads_end;
    ONYX_TRY(nn::resolve_window(ctx, xs, kernel, nn::WindowOptions{}, &shape_, &pads_end));
    shape_.out_channels = m;
    shape_.group = group;
    Dims ys{xs[0], m};
    ys.insert(ys.end(), shape_.out.begin(), shape_.out.end());
    Result<int64_t> n = checked_numel(ys);
    if (!n.ok()) return n.status();
    Result<int64_t> wn = checked_numel(ws);
    if (!wn.ok()) return wn.status();
    ctx.set_output(0, t, ys);
    if (t == DType::kFloat32) ctx.request_scratch(prims::conv_scratch_bytes(shape_));
    if (t == DType::kFloat16) {
      Widened wd{static_cast<size_t>(numel(xs)), static_cast<size_t>(*wn), has_bias_ ? static_cast<size_t>(m) : 0,
                 static_cast<size_t>(*n)};
      ctx.request_scratch(wd.bytes(prims::conv_scratch_bytes(shape_)));
    }
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return Status();
    if (x.dtype() == DType::kFloat16) {
      run_widened(ctx, has_bias_, [&](const float* xf, const float* wf, const float* bf, float* yf, void* scratch) {
        prims::conv_fast(shape_, xf, wf, bf, yf, scratch);
      });
      return Status();
    }
    if (x.dtype() == DType::kFloat32) {
      prims::conv_fast(shape_, x.data_as<float>(), w.data_as<float>(),
                       has_bias_ ? ctx.input(2).data_as<float>() : nullptr, y.data_as<float>(), ctx.scratch());
      return Status();
    }
    return nn::dispatch_float(kConvTypes, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      prims::conv_ref<T>(shape_, x.data_as<T>(), w.data_as<T>(), has_bias_ ? ctx.input(2).data_as<T>() : nullptr,
                         y.data_as<T>());
      return Status();
    });
  }

 private:
  prims::ConvShape shape_;
  bool has_bias_ = false;
};

// ConvTranspose (1, 11): the adjoint of Conv. The output size comes from output_shape, or
// auto_pad (SAME_*: input * stride), or the pads and output_padding.
class ConvTransposeKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "ConvTranspose needs inputs 'X' and 'W'");
    }
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, kConvTypes)) return ctx.unsupported_dtype(0, t);
    ONYX_TRY(nn::expect_dtype(ctx, 1, t, "W"));
    const Dims& xs = ctx.in_shape(0);
    const Dims& ws = ctx.in_shape(1);
    if (xs.size() < 3) {
      return ctx.fail(Code::kInvalidArgument, "input 'X' must have rank >= 3, got ", shape_str(xs));
    }
    const size_t nd = xs.size() - 2;
    if (nd > prims::kMaxSpatial) return ctx.fail(Code::kUnsupported, "too many spatial axes: ", nd);
    if (ws.size() != xs.size()) {
      return ctx.fail(Code::kInvalidArgument, "input 'W' has shape ", shape_str(ws), " but 'X' has rank ",
                      xs.size());
    }
    int64_t group = 1;
    ONYX_TRY(ctx.attr_int("group", &group, 1));
    if (group < 1) return ctx.fail(Code::kInvalidModel, "attribute 'group' must be >= 1, got ", group);
    const int64_t c = xs[1];
    if (ws[0] != c || c % group != 0) {
      return ctx.fail(Code::kInvalidArgument, "input 'X' has ", c, " channels but 'W' is ", shape_str(ws),
                      " with group ", group);
    }
    int64_t m = 0;
    if (!checked_mul(ws[1], group, &m)) return ctx.fail(Code::kInvalidArgument, "input 'W' is too large");
    Dims kernel(ws.begin() + 2, ws.end());
    for (int64_t k : kernel) {
      if (k < 1) return ctx.fail(Code::kInvalidArgument, "input 'W' has an empty kernel: ", shape_str(ws));
    }
    if (ctx.has_attr("kernel_shape")) {
      Dims ks;
      ONYX_TRY(ctx.attr_ints("kernel_shape", &ks));
      if (ks != kernel) {
        return ctx.fail(Code::kInvalidModel, "attribute 'kernel_shape' ", shape_str(ks),
                        " does not match input 'W' ", shape_str(ws));
      }
    }
    has_bias_ = ctx.has_input(2);
    if (has_bias_) {
      ONYX_TRY(nn::expect_dtype(ctx, 2, t, "B"));
      if (ctx.in_shape(2) != Dims{m}) {
        return ctx.fail(Code::kInvalidArgument, "input 'B' has shape ", shape_str(ctx.in_shape(2)), ", expected [",
                        m, "]");
      }
    }
    auto ints = [&](const char* name, size_t count, int64_t def, int64_t min, Dims* out) -> Status {
      ONYX_TRY(ctx.attr_ints(name, out));
      if (out->empty()) out->assign(count, def);
      if (out->size() != count) {
        return ctx.fail(Code::kInvalidModel, "attribute '", name, "' has ", out->size(), " values, expected ", count);
      }
      for (int64_t v : *out) {
        if (v < min || v > kMaxElements) {
          return ctx.fail(Code::kInvalidModel, "attribute '", name, "' has an invalid value in ", shape_str(*out));
        }
      }
      return Status();
    };
    Dims strides, dilations, pads, out_pad, out_shape;
    ONYX_TRY(ints("strides", nd, 1, 1, &strides));
    ONYX_TRY(ints("dilations", nd, 1, 1, &dilations));
    ONYX_TRY(ints("output_padding", nd, 0, 0, &out_pad));
    ONYX_TRY(ints("pads", 2 * nd, 0, 0, &pads));
    ONYX_TRY(ctx.attr_ints("output_shape", &out_shape));
    if (out_shape.size() == nd + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
    if (!out_shape.empty() && out_shape.size() != nd) {
      return ctx.fail(Code::kInvalidModel, "attribute 'output_shape' has ", out_shape.size(), " values, expected ", nd);
    }
    std::string auto_pad;
    ONYX_TRY(ctx.attr_string("auto_pad", &auto_pad, "NOTSET"));
    if (auto_pad != "NOTSET" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER" && auto_pad != "VALID") {
      return ctx.fail(Code::kInvalidModel, "attribute 'auto_pad' has unknown value '", auto_pad, "'");
    }

    shape_ = prims::ConvShape{};
    shape_.batch = xs[0];
    shape_.in_channels = m;
    shape_.out_channels = c;
    shape_.group = group;
    shape_.out.assign(xs.begin() + 2, xs.end());
    shape_.kernel = kernel;
    shape_.strides = strides;
    shape_.dilations = dilations;
    shape_.pads.assign(nd, 0);
    shape_.in.assign(nd, 0);
    for (size_t i = 0; i < nd; ++i) {
      const int64_t in = xs[2 + i];
      // full = stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1
      int64_t full = 0, span = 0;
      if (in > kMaxElements || !checked_mul(kernel[i] - 1, dilations[i], &span) ||
          !checked_mul(strides[i], in > 0 ? in - 1 : 0, &full) || !checked_add(full, out_pad[i] + span + 1, &full) ||
          full > kMaxElements) {
        return ctx.fail(Code::kInvalidArgument, "ConvTranspose output is too large");
      }
      if (in == 0) full = 0;
      int64_t out = 0, pb = 0;
      const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
      if (!out_shape.empty() || same) {
        out = !out_shape.empty() ? out_shape[i] : in * strides[i];
        const int64_t total = full - out;
        // A negative total adds outputs at the end, as output_padding does.
        if (total < 0) {
          pb = 0;
        } else if (auto_pad == "SAME_UPPER") {
          pb = total / 2;
        } else {
          pb = total - total / 2;
        }
      } else if (auto_pad == "VALID") {
        out = full;
      } else {
        pb = pads[i];
        out = full - pads[i] - pads[nd + i];
        if (out < 0) {
          return ctx.fail(Code::kInvalidArgument, "attribute 'pads' ", shape_str(pads), " exceeds the output extent ",
                          full, " of axis ", i);
        }
      }
      shape_.in[i] = out;
      shape_.pads[i] = pb;
    }
    Dims ys{xs[0], m};
    ys.insert(ys.end(), shape_.in.begin(), shape_.in.end());
    Result<int64_t> n = checked_numel(ys);
    if (!n.ok()) return n.status();
    ctx.set_output(0, t, ys);
    if (t == DType::kFloat32) ctx.request_scratch(prims::conv_transpose_scratch_bytes(shape_));
    if (t == DType::kFloat16) {
      Widened wd{static_cast<size_t>(numel(xs)), static_cast<size_t>(numel(ws)), has_bias_ ? static_cast<size_t>(m) : 0,
                 static_cast<size_t>(*n)};
      ctx.request_scratch(wd.bytes(prims::conv_transpose_scratch_bytes(shape_)));
    }
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return Status();
    if (x.dtype() == DType::kFloat16) {
      run_widened(ctx, has_bias_, [&](const float* xf, const float* wf, const float* bf, float* yf, void* scratch) {
        prims::conv_transpose_fast(shape_, xf, wf, bf, yf, scratch);
      });
      return Status();
    }
    if (x.dtype() == DType::kFloat32) {
      prims::conv_transpose_fast(shape_, x.data_as<float>(), w.data_as<float>(),
                                 has_bias_ ? ctx.input(2).data_as<float>() : nullptr, y.data_as<float>(),
                                 ctx.scratch());
      return Status();
    }
    return nn::dispatch_float(kConvTypes, x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      prims::conv_transpose_ref<T>(shape_, x.data_as<T>(), w.data_as<T>(),
                                   has_bias_ ? ctx.input(2).data_as<T>() : nullptr, y.data_as<T>());
      return Status();
    });
  }

 private:
  prims::ConvShape shape_;
  bool has_bias_ = false;
};

}  // namespace

std::unique_ptr<Kernel> make_ConvTranspose() { return make_kernel<ConvTransposeKernel>(); }
std::unique_ptr<Kernel> make_Conv() { return make_kernel<ConvKernel>(); }

}  // namespace onyx
