// Conv (1, 11): N-D grouped convolution, and FusedConv (domain ai.onyx, made by the session's
// fusion pass): Conv, then + Z (an optional 4th input, broadcast like Add), then an activation:
// "Relu", "Clip" (activation_params [min, max]), "Sigmoid", "Silu" (x * sigmoid(x)), "Tanh",
// "HardSigmoid" ([alpha, beta]), "HardSwish" or "LeakyRelu" ([alpha]).
//
// float32 1-D/2-D convolutions (not depthwise) run a packed GEMM on the active ISA's micro-kernel
// with the weights packed at prepare and bias, Z and the activation applied as the tiles are
// written (3x3 stride-1 layers with many channels: Winograd F(2x2, 3x3), prims/winograd.h);
// other float32 shapes run prims::conv_fast (depthwise direct, im2col + Eigen GEMM); float64/float16
// and the reference mode run the scalar reference prims::conv_ref.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

#include "dispatch.h"
#include "elementwise/activation_scalar.h"
#include "elementwise/broadcast.h"
#include "kernel.h"
#include "nn/common.h"
#include "nn/spatial.h"
#include "prims/align.h"
#include "prims/conv.h"
#include "prims/fast_paths.h"
#include "prims/packed_gemm.h"
#include "prims/winograd.h"

namespace onyx {
namespace {

using prims::align_size;
using prims::kAlign;

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

// Runs `fast(x, w, b, y, scratch)` on float copies of float16 tensors; the result (yn values)
// is rounded into `out`.
template <class F>
void run_widened(RunContext& ctx, bool has_bias, Float16* out, size_t yn, void* scratch, F&& fast) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  auto* base = prims::align_ptr(scratch);
  auto take = [&](size_t n) {
    auto* p = reinterpret_cast<float*>(base);
    base += align_size(n * 4);
    return p;
  };
  const auto xn = static_cast<size_t>(x.numel()), wn = static_cast<size_t>(w.numel());
  const size_t bn = has_bias ? static_cast<size_t>(ctx.input(2).numel()) : 0;
  float* xf = take(xn);
  float* wf = take(wn);
  float* bf = take(bn);
  float* yf = take(yn);
  widen(x.data_as<Float16>(), xn, xf);
  widen(w.data_as<Float16>(), wn, wf);
  if (has_bias) widen(ctx.input(2).data_as<Float16>(), bn, bf);
  fast(xf, wf, has_bias ? bf : nullptr, yf, base);
  for (size_t i = 0; i < yn; ++i) out[i] = Float16(yf[i]);
}

class ConvKernel final : public Kernel {
 public:
  explicit ConvKernel(bool fused = false) : fused_(fused) {}

  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "Conv needs inputs 'X' and 'W'");
    }
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, kMaskFloat3)) return ctx.unsupported_dtype(0, t);
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
    conv_shape_ = ys;
    ONYX_TRY(prepare_epilogue(ctx, t, ys));
    ctx.set_output(0, t, out_shape_);
    packed_.clear();
    winograd_.reset();
    size_t scratch = 0;
    if (t == DType::kFloat32) {
      workers_ = ctx.workers();
      ONYX_TRY(pack_weights(ctx));
      // The Winograd, packed and depthwise paths split the work between threads, each with its
      // own scratch.
      const bool depthwise = prims::conv_algo(shape_) == prims::ConvAlgo::kDepthwise;
      if (winograd_) {
        ctx.request_worker_scratch(winograd_->scratch_bytes());
      } else if (!packed_.empty()) {
        ctx.request_worker_scratch(packed_worker_bytes());
      } else if (depthwise || !sum_broadcast_) {
        // Depthwise, and the other GEMM paths (3-D and up, dilated) in column chunks.
        ctx.request_worker_scratch(prims::conv_scratch_bytes(shape_));
      } else {
        scratch = prims::conv_scratch_bytes(shape_);
      }
    }
    if (t == DType::kFloat16) {
      Widened wd{static_cast<size_t>(numel(xs)), static_cast<size_t>(*wn), has_bias_ ? static_cast<size_t>(m) : 0,
                 static_cast<size_t>(*n)};
      scratch = wd.bytes(prims::conv_scratch_bytes(shape_));
    }
    // When Z broadcasts the convolution to a bigger shape, the convolution goes to scratch first.
    if (sum_broadcast_) scratch = align_size(static_cast<size_t>(*n) * dtype_size(t)) + scratch;
    ctx.request_scratch(scratch);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return Status();
    if (winograd_) {
      run_winograd(ctx);
      return Status();
    }
    if (!packed_.empty()) {
      run_packed(ctx);
      return Status();
    }
    // The convolution's own result: y itself, or scratch when Z broadcasts it bigger.
    void* scratch = ctx.scratch();
    void* conv_out = y.data();
    if (sum_broadcast_) {
      unsigned char* base = prims::align_ptr(scratch);
      conv_out = base;
      scratch = base + align_size(static_cast<size_t>(numel(conv_shape_)) * dtype_size(y.dtype()));
    }
    if (x.dtype() == DType::kFloat16) {
      run_widened(ctx, has_bias_, static_cast<Float16*>(conv_out), static_cast<size_t>(numel(conv_shape_)), scratch,
                  [&](const float* xf, const float* wf, const float* bf, float* yf, void* s) {
                    prims::conv_fast(shape_, xf, wf, bf, yf, s);
                  });
    } else if (x.dtype() == DType::kFloat32) {
      if (prims::conv_algo(shape_) == prims::ConvAlgo::kDepthwise) {
        if (run_depthwise(ctx, static_cast<float*>(conv_out))) return Status();
      } else if (sum_broadcast_ || !prims::fast_paths_enabled()) {
        prims::conv_fast(shape_, x.data_as<float>(), w.data_as<float>(),
                         has_bias_ ? ctx.input(2).data_as<float>() : nullptr, static_cast<float*>(conv_out),
                         sum_broadcast_ ? scratch : ctx.worker_scratch(0));
      } else {
        // The column chunks of every image on the threads, each with its own scratch.
        const float* xf = x.data_as<float>();
        const float* wf = w.data_as<float>();
        const float* bf = has_bias_ ? ctx.input(2).data_as<float>() : nullptr;
        auto* yf = static_cast<float*>(conv_out);
        auto unit = [&](int64_t u, int worker) { prims::conv_gemm_unit(shape_, u, xf, wf, bf, yf, ctx.worker_scratch(worker)); };
        const int64_t units = prims::conv_gemm_units(shape_);
        if (shape_.macs() >= kMinGemmParallelMacs) {
          ctx.parallel_for(units, unit);
        } else {
          for (int64_t u = 0; u < units; ++u) unit(u, 0);
        }
      }
    } else {
      ONYX_TRY(dispatch<kMaskFloat3>(x.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        prims::conv_ref<T>(shape_, x.data_as<T>(), w.data_as<T>(), has_bias_ ? ctx.input(2).data_as<T>() : nullptr,
                           static_cast<T*>(conv_out));
        return Status();
      }));
    }
    if (!fused_) return Status();
    return dispatch<kMaskFloat3>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      apply_epilogue<T>(ctx, static_cast<const T*>(conv_out), y.data_as<T>());
      return Status();
    });
  }

 private:
  // FusedConv's attributes and Z; for Conv, the output is the convolution's.
  Status prepare_epilogue(PrepareContext& ctx, DType t, const Dims& conv) {
    act_ = simd::TileEpilogue{};
    has_sum_ = false;
    sum_broadcast_ = false;
    out_shape_ = conv;
    if (!fused_) return Status();
    std::string act;
    ONYX_TRY(ctx.attr_string("activation", &act, ""));
    std::vector<float> params;
    ONYX_TRY(ctx.attr_floats("activation_params", &params));
    if (act == "Relu") {
      act_.clamp = true;
      act_.lo = 0.0f;
    } else if (act == "Clip") {
      if (params.size() != 2) return ctx.fail(Code::kInvalidModel, "Clip activation needs activation_params [min, max]");
      act_.clamp = true;
      act_.lo = params[0];
      act_.hi = params[1];
    } else if (!act.empty()) {
      // Activations applied to each block of outputs once it is final (simd::TileEpilogue::post),
      // with their operator's attributes as activation_params.
      struct Post {
        const char* name;
        simd::Activation f;
        size_t params;
      };
      static constexpr Post kPosts[] = {{"Sigmoid", simd::Activation::kSigmoid, 0},
                                        {"Silu", simd::Activation::kSilu, 0},
                                        {"Tanh", simd::Activation::kTanh, 0},
                                        {"HardSigmoid", simd::Activation::kHardSigmoid, 2},
                                        {"HardSwish", simd::Activation::kHardSwish, 0},
                                        {"LeakyRelu", simd::Activation::kLeakyRelu, 1}};
      const Post* post = nullptr;
      for (const Post& p : kPosts)
        if (act == p.name) post = &p;
      if (post == nullptr) return ctx.fail(Code::kUnsupported, "activation '", act, "' is not supported");
      if (params.size() != post->params) {
        return ctx.fail(Code::kInvalidModel, act, " activation needs ", post->params, " activation_params, has ",
                        params.size());
      }
      act_.post = post->f;
      act_.post_alpha = params.empty() ? 0.0f : params[0];
      act_.post_beta = params.size() < 2 ? 0.0f : params[1];
    }
    has_sum_ = ctx.has_input(3);
    if (has_sum_) {
      ONYX_TRY(nn::expect_dtype(ctx, 3, t, "Z"));
      const Dims* shapes[2] = {&conv, &ctx.in_shape(3)};
      if (!ew::broadcast_all(shapes, 2, &out_shape_)) {
        return ctx.fail(Code::kInvalidArgument, "input 'Z' ", shape_str(ctx.in_shape(3)),
                        " does not broadcast with the convolution ", shape_str(conv));
      }
      sum_broadcast_ = ctx.in_shape(3) != conv;
      if (sum_broadcast_) sum_plan_.build2(conv, ctx.in_shape(3), out_shape_);
    }
    return Status();
  }

  // Packs the weights for the active ISA's GEMM micro-kernel when the fast path applies.
  Status pack_weights(PrepareContext& ctx) {
    const simd::SimdKernels* kernels = simd::kernels();
    const Tensor* w = ctx.in_value(1);
    if (kernels == nullptr || w == nullptr || !prims::fast_paths_enabled() || shape_.rank() > 2 || sum_broadcast_ ||
        prims::conv_algo(shape_) == prims::ConvAlgo::kDepthwise) {
      return Status();
    }
    // The packed GEMM reads windows that lie inside the image: with padding, a zero-padded copy
    // of hp x wp (exactly what the windows cover).
    const bool one_d = shape_.rank() == 1;
    const int64_t ih = one_d ? 1 : shape_.in[0], iw = shape_.in[one_d ? 0 : 1];
    const int64_t axis_w = one_d ? 0 : 1;
    pad_top_ = one_d ? 0 : shape_.pads[0];
    pad_left_ = shape_.pads[axis_w];
    hp_ = one_d ? 1 : (shape_.out[0] - 1) * shape_.strides[0] + (shape_.kernel[0] - 1) * shape_.dilations[0] + 1;
    wp_ = (shape_.out[axis_w] - 1) * shape_.strides[axis_w] + (shape_.kernel[axis_w] - 1) * shape_.dilations[axis_w] + 1;
    pad_ = pad_top_ > 0 || pad_left_ > 0 || hp_ > ih || wp_ > iw;
    if (use_winograd(*kernels)) {
      // Winograd pads the rows each block reads itself.
      winograd_ = std::make_unique<prims::Winograd3x3>();
      pad_ = false;
      return winograd_->pack(*kernels, w->data_as<float>(), shape_, workers_);
    }
    if (!pad_) {
      hp_ = ih;
      wp_ = iw;
    }
    const int64_t mg = shape_.out_channels / shape_.group;
    const int64_t kg = (shape_.in_channels / shape_.group) * shape_.kernel_size();
    packed_.resize(static_cast<size_t>(shape_.group));
    for (int64_t g = 0; g < shape_.group; ++g) {
      ONYX_TRY(packed_[static_cast<size_t>(g)].pack(*kernels, w->data_as<float>() + g * mg * kg, mg, kg, kg,
                                                    shape_.out_size(), true));
    }
    return Status();
  }

  // Winograd F(2x2, 3x3) pays (bench/conv_bench) for 3x3 stride-1 layers with enough input
  // channels (the ISA's winograd_min_channels: 16 with AVX-512, 64 elsewhere), at least 64
  // output channels and images of at least 14x14 outputs (ResNet-18's first three stages,
  // SqueezeNet's 55x55 and 27x27 fire modules); fewer channels make its GEMMs too short, smaller
  // images leave too few tiles for its 16 matrices of weights (1.8x the direct kernel's) to be
  // worth streaming.
  bool use_winograd(const simd::SimdKernels& kernels) const {
    return prims::Winograd3x3::applies(shape_) && shape_.in_channels >= kernels.winograd_min_channels &&
           shape_.out_channels >= 64 && shape_.out[0] * shape_.out[1] >= 196;
  }

  // A thread's scratch on the packed path: the GEMM's, then (at padded_offset()) its padded copy
  // of one image's group of channels.
  size_t padded_offset() const { return align_size(packed_[0].scratch_bytes()); }
  size_t packed_worker_bytes() const {
    const size_t padded = pad_ ? static_cast<size_t>(shape_.in_channels / shape_.group * hp_ * wp_) * sizeof(float) : 0;
    return padded_offset() + align_size(padded);
  }

  void run_packed(RunContext& ctx) {
    const float* x = ctx.input(0).data_as<float>();
    float* y = ctx.output(0).data_as<float>();
    const float* bias = has_bias_ ? ctx.input(2).data_as<float>() : nullptr;
    const bool one_d = shape_.rank() == 1;
    const int64_t axis_w = one_d ? 0 : 1;
    prims::BSource src;
    src.channels = shape_.in_channels / shape_.group;
    src.in_h = hp_;
    src.in_w = wp_;
    src.kernel_h = one_d ? 1 : shape_.kernel[0];
    src.kernel_w = shape_.kernel[axis_w];
    src.stride_h = one_d ? 1 : shape_.strides[0];
    src.stride_w = shape_.strides[axis_w];
    src.dilation_h = one_d ? 1 : shape_.dilations[0];
    src.dilation_w = shape_.dilations[axis_w];
    src.out_h = one_d ? 1 : shape_.out[0];
    src.out_w = shape_.out[axis_w];
    const int64_t ih = one_d ? 1 : shape_.in[0], iw = shape_.in[axis_w];
    const int64_t in_size = shape_.in_size(), out_size = shape_.out_size();
    const int64_t mg = shape_.out_channels / shape_.group;
    const float* z = has_sum_ ? ctx.input(3).data_as<float>() : nullptr;  // copied, then the product added on
    // Threads: each one run of the images and groups when there are several, else of each
    // image's output columns in whole micro-tiles or, when there are too few column tiles to
    // share (late layers: 7x7 images, many channels), of its output channels in whole tile rows
    // (each thread then packs the same B panels). Runs are sized to the threads' speeds
    // (TaskRunner::run_shares): the same part of every layer's image, and B packed once per
    // image. Small convolutions stay on one thread (kMinGemmParallelMacs).
    const int64_t nr = packed_[0].tile_cols(), mr = packed_[0].tile_rows();
    int64_t workers = std::min<int64_t>(workers_, ctx.workers());
    if (shape_.macs() < kMinGemmParallelMacs) workers = 1;
    const size_t padded_at = padded_offset();
    const int64_t images = shape_.batch * shape_.group;
    const int64_t tiles = (out_size + nr - 1) / nr, row_tiles = (mg + mr - 1) / mr;
    const bool whole = workers == 1 || images >= 4 * workers;
    const bool split_rows = !whole && tiles < 4 * workers && row_tiles >= 2 * workers;
    const int64_t per_image = whole ? 1 : split_rows ? row_tiles : tiles;
    nn::share_units(ctx, workers, images * per_image, [&](int64_t first, int64_t last, int worker) {
      auto* own = static_cast<unsigned char*>(ctx.worker_scratch(worker));
      nn::for_each_item(first, last, per_image, [&](int64_t image, int64_t p0, int64_t p1) {
        const int64_t n = image / shape_.group, g = image % shape_.group;
        // This run's rows and columns of the product.
        int64_t r0 = 0, r1 = mg, c0 = 0, c1 = out_size;
        if (split_rows) {
          r0 = p0 * mr;
          r1 = std::min(p1 * mr, mg);
        } else if (!whole) {
          c0 = p0 * nr;
          c1 = std::min(p1 * nr, out_size);
        }
        prims::BSource b = src;
        b.x = x + (n * shape_.in_channels + g * src.channels) * in_size;
        if (pad_) {
          // The thread pads the rows its columns read into its own copy, as it goes: no pass
          // over the image before the product, and no waiting for the other threads' rows (on
          // two threads a separate pass cost about twice what it did on one).
          auto* padded = reinterpret_cast<float*>(own + padded_at);
          const int64_t row0 = c0 / src.out_w * src.stride_h;
          const int64_t row1 = (c1 - 1) / src.out_w * src.stride_h + (src.kernel_h - 1) * src.dilation_h + 1;
          prims::pad_planes(b.x, ih, iw, pad_top_, pad_left_, hp_, wp_, 0, src.channels, row0, row1, padded);
          b.x = padded;
        }
        simd::TileEpilogue ep = act_;
        ep.bias = bias != nullptr ? bias + g * mg : nullptr;
        const prims::PackedGemm& gemm = packed_[static_cast<size_t>(g)];
        const int64_t at = (n * shape_.out_channels + g * mg) * out_size;
        float* c = y + at;
        if (z != nullptr && z != y) {
          for (int64_t r = r0; r < r1; ++r) {
            std::memcpy(c + r * out_size + c0, z + at + r * out_size + c0, static_cast<size_t>(c1 - c0) * sizeof(float));
          }
        }
        gemm.run(b, c, out_size, has_sum_, ep, own, c0, c1, r0, r1);
      });
    });
  }

  // Winograd. Threads take their own blocks when the images have blocks enough: each thread a
  // share of the tile rows sized to its speed (TaskRunner::run_shares), the same part of the
  // image in every layer, so it reads the rows it wrote in the layer before and writes those the
  // next reads. Otherwise (ResNet-18's 14x14 layers are one block) each takes a share of the
  // output channels, and transforms all of the input itself.
  bool winograd_whole_blocks(int64_t workers) const {
    return workers > 1 && shape_.batch * winograd_->blocks() >= workers;
  }

  void run_winograd(RunContext& ctx) {
    const float* x = ctx.input(0).data_as<float>();
    float* y = ctx.output(0).data_as<float>();
    const prims::Winograd3x3& wg = *winograd_;
    const int64_t c = shape_.in_channels, m = shape_.out_channels;
    const int64_t in_size = shape_.in_size(), out_size = shape_.out_size();
    // Z is added as the outputs are written (no copy of it into y first).
    const float* z = has_sum_ ? ctx.input(3).data_as<float>() : nullptr;
    simd::TileEpilogue ep = act_;
    ep.bias = has_bias_ ? ctx.input(2).data_as<float>() : nullptr;
    int64_t workers = std::min<int64_t>(workers_, ctx.workers());
    if (shape_.macs() < kMinGemmParallelMacs) workers = 1;
    auto image = [&](int64_t n) { return x + n * c * in_size; };
    auto out = [&](int64_t n) { return y + n * m * out_size; };
    auto sum = [&](int64_t n) { return z != nullptr ? z + n * m * out_size : nullptr; };
    auto own = [&](int worker) { return ctx.worker_scratch(worker); };
    if (workers == 1 || winograd_whole_blocks(workers_)) {
      nn::share_units(ctx, workers, shape_.batch * wg.tile_rows(), [&](int64_t begin, int64_t end, int worker) {
        nn::for_each_item(begin, end, wg.tile_rows(), [&](int64_t n, int64_t r0, int64_t r1) {
          wg.run(image(n), out(n), sum(n), ep, own(worker), {r0, r1});
        });
      });
      return;
    }
    for (int64_t n = 0; n < shape_.batch; ++n) {
      ctx.parallel_shares(m, wg.channel_grain(), [&](int64_t m0, int64_t m1, int worker) {
        wg.run(image(n), out(n), sum(n), ep, own(worker), {0, wg.tile_rows()}, m0, m1);
      });
    }
  }

  // float32 depthwise convolution (groups of one input channel): channel ranges of each image
  // on the threads, each with its own scratch. When there is no Z, the SIMD clamp applies the
  // activation to each range as it is written (NaN becomes the bound, as apply_epilogue does).
  // Returns whether the output is final; otherwise apply_epilogue still has to run.
  bool run_depthwise(RunContext& ctx, float* y) {
    const float* x = ctx.input(0).data_as<float>();
    const float* w = ctx.input(1).data_as<float>();
    const float* bias = has_bias_ ? ctx.input(2).data_as<float>() : nullptr;
    const int64_t channels = shape_.in_channels;
    // Memory-bound: worth a second thread from about 2^18 multiply-adds (tens of microseconds).
    constexpr int64_t kMinParallelMacs = int64_t{1} << 18;
    int64_t workers = std::min<int64_t>(workers_, ctx.workers());
    if (shape_.macs() < kMinParallelMacs) workers = 1;
    const int64_t parts = workers == 1 ? 1 : std::min<int64_t>(channels, 2 * workers);
    const simd::SimdKernels* kernels = simd::kernels();
    const bool fast = prims::fast_paths_enabled();
    // The activation as the channels are written, when there is no Z to add first.
    const bool finish = fast && fused_ && !has_sum_ && kernels != nullptr;
    if (!fast) {
      prims::conv_fast(shape_, x, w, bias, y, ctx.worker_scratch(0));  // the reference, on one thread
    } else {
      simd::TileEpilogue ep;
      if (finish) ep = act_;
      ep.bias = bias;
      ctx.parallel_for(shape_.batch * parts, [&](int64_t task, int worker) {
        const int64_t n = task / parts, part = task % parts;
        int64_t c0 = 0, c1 = 0;
        block_range(channels, simd::kMaxChannelLanes, part, parts, &c0, &c1);
        if (c0 == c1) return;
        prims::conv_depthwise(shape_, n, c0, c1, x, w, y, ctx.worker_scratch(worker), ep);
      });
    }
    return !fused_ || (!has_sum_ && (!has_activation() || finish));
  }

  bool has_activation() const { return act_.clamp || act_.post != simd::Activation::kCount; }

  // y = activation(conv + Z) for the paths that do not fuse it into the GEMM. A float32
  // activation runs the active ISA's vector kernel when there is one, as the unfused operator
  // does, so fusing never changes a result.
  template <class T>
  void apply_epilogue(RunContext& ctx, const T* conv, T* y) {
    using Acc = compute_t<T>;
    const simd::SimdKernels* kernels = std::is_same_v<T, float> ? simd::kernels() : nullptr;
    const bool vector_post = act_.post != simd::Activation::kCount && kernels != nullptr;
    auto act = [&](Acc v) {
      if (act_.clamp) {
        v = v > Acc(act_.lo) ? v : Acc(act_.lo);
        return v < Acc(act_.hi) ? v : Acc(act_.hi);
      }
      if (act_.post == simd::Activation::kCount || vector_post) return v;
      return ew::activate(act_.post, v, act_.post_alpha, act_.post_beta);
    };
    const int64_t n = numel(out_shape_);
    if (!has_sum_) {
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(act(static_cast<Acc>(conv[i])));
    } else if (const T* z = ctx.input(3).data_as<T>(); !sum_broadcast_) {
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(act(static_cast<Acc>(conv[i]) + static_cast<Acc>(z[i])));
    } else {
      int64_t out = 0;
      ew::plan_rows(sum_plan_, [&](int64_t, const int64_t* in, int64_t len) {
        const int64_t sa = sum_plan_.strides[0].back(), sb = sum_plan_.strides[1].back();
        for (int64_t i = 0; i < len; ++i, ++out) {
          y[out] = static_cast<T>(act(static_cast<Acc>(conv[in[0] + i * sa]) + static_cast<Acc>(z[in[1] + i * sb])));
        }
      });
    }
    if constexpr (std::is_same_v<T, float>) {
      if (vector_post) kernels->activation(act_.post, y, y, static_cast<size_t>(n), act_.post_alpha, act_.post_beta);
    }
  }

  // A packed-GEMM or Winograd convolution stays on one thread below this many multiply-adds:
  // handing it out costs more than it saves (2^21 measured best on MobileNet-v2 with the polling
  // pool; 2^23 before).
  static constexpr int64_t kMinGemmParallelMacs = int64_t{1} << 21;

  bool fused_ = false;
  prims::ConvShape shape_;
  bool has_bias_ = false;
  Dims conv_shape_, out_shape_;
  simd::TileEpilogue act_;
  bool has_sum_ = false, sum_broadcast_ = false;
  ew::BroadcastPlan sum_plan_;
  std::vector<prims::PackedGemm> packed_;
  std::unique_ptr<prims::Winograd3x3> winograd_;  // instead of packed_, where it pays
  int workers_ = 1;  // the scratch is sized for this many
  // The packed path's padded copies of the input (each thread its own): whether there are any,
  // the padding before the first row and column, and the plane extent.
  bool pad_ = false;
  int64_t pad_top_ = 0, pad_left_ = 0, hp_ = 1, wp_ = 0;
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
    if (!in_mask(t, kMaskFloat3)) return ctx.unsupported_dtype(0, t);
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
      run_widened(ctx, has_bias_, y.data_as<Float16>(), static_cast<size_t>(y.numel()), ctx.scratch(),
                  [&](const float* xf, const float* wf, const float* bf, float* yf, void* scratch) {
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
    return dispatch<kMaskFloat3>(x.dtype(), [&](auto tag) {
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
std::unique_ptr<Kernel> make_FusedConv() { return make_kernel<ConvKernel>(true); }

}  // namespace onyx
