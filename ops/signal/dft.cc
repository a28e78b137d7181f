// DFT (17) and STFT (17). Computed in double, rounded to the input's float type.
//
// DFT: input [batch, d1..dn, 1 | 2] (real, or complex as (re, im) pairs); the transform runs
// along `axis` (default 1; negative counts from the back; never the last, complex, dim) over
// dft_length points (optional input: the signal is truncated or zero-padded; default the axis
// size). inverse=1 computes the inverse transform (scaled by 1/n). onesided=1 keeps the
// n/2 + 1 non-redundant bins (real input, forward transform only). Output [..., 2].
//
// STFT: signal [batch, length, 1 | 2], frame_step (scalar), optional window [n], optional
// frame_length (scalar; the DFT size, the window's length when absent). Frames start every
// frame_step samples while a whole frame fits: (length - n) / frame_step + 1 of them. Each
// frame is multiplied by the window and transformed. onesided (default 1) keeps n/2 + 1 bins.
// Output [batch, frames, bins, 2].
#include <memory>
#include <vector>

#include "dispatch.h"
#include "kernel.h"
#include "signal/common.h"
#include "signal/fft.h"

namespace onyx {
namespace {

using signal::from_double;
using signal::to_double;

// Longest transform accepted (the twiddle table and scratch grow with it).
constexpr int64_t kMaxDftLength = int64_t{1} << 24;

Status check_length(const PrepareContext& ctx, int64_t n) {
  if (n > kMaxDftLength) {
    return ctx.fail(Code::kUnsupported, "a DFT length of ", n, " exceeds the supported maximum ", kMaxDftLength);
  }
  return Status();
}

// Checks an input that must hold one of the floating types.
Status check_float_input(const PrepareContext& ctx, int i) {
  if (!in_mask(ctx.in_dtype(i), kMaskFloat)) return ctx.unsupported_dtype(i, ctx.in_dtype(i));
  return Status();
}

class DftKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'input' is missing");
    ONYX_TRY(check_float_input(ctx, 0));
    const Dims& xs = ctx.in_shape(0);
    const int64_t rank = static_cast<int64_t>(xs.size());
    if (rank < 2 || (xs.back() != 1 && xs.back() != 2)) {
      return ctx.fail(Code::kInvalidModel, "input 'input' must have shape [batch, ..., 1 or 2], got ", shape_str(xs));
    }
    int64_t axis = 1, inverse = 0, onesided = 0;
    ONYX_TRY(ctx.attr_int("axis", &axis, 1));
    ONYX_TRY(ctx.attr_int("inverse", &inverse, 0));
    ONYX_TRY(ctx.attr_int("onesided", &onesided, 0));
    int64_t a = 0;
    if (!normalize_axis(axis, rank, &a) || a == rank - 1) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' ", axis, " is out of range for input shape ",
                      shape_str(xs), " (the last dimension holds the complex components)");
    }
    complex_ = xs.back() == 2;
    inverse_ = inverse != 0;
    if (onesided != 0 && complex_) {
      return ctx.fail(Code::kInvalidModel, "attribute 'onesided' requires a real input (last dimension 1), got ",
                      shape_str(xs));
    }
    if (onesided != 0 && inverse_) {
      return ctx.fail(Code::kUnsupported, "attributes 'onesided' and 'inverse' together are not supported");
    }
    len_ = xs[static_cast<size_t>(a)];
    int64_t n = len_;
    if (ctx.has_input(1)) {
      ONYX_TRY(signal::check_int_scalar_input(ctx, 1, "dft_length"));
      const Tensor* v = ctx.in_value(1);
      if (v == nullptr) return ctx.dynamic();
      signal::scalar_int(*v, &n);
      if (n <= 0) {
        return ctx.fail(Code::kOutOfRange, "input 'dft_length' is ", n, ", expected a positive length");
      }
    }
    if (n <= 0) return ctx.fail(Code::kInvalidArgument, "the DFT axis of input 'input' has size 0");
    ONYX_TRY(check_length(ctx, n));
    out_len_ = onesided != 0 ? n / 2 + 1 : n;
    outer_ = 1;
    for (int64_t i = 0; i < a; ++i) outer_ *= xs[static_cast<size_t>(i)];
    inner_ = 1;
    for (int64_t i = a + 1; i < rank - 1; ++i) inner_ *= xs[static_cast<size_t>(i)];
    Dims out = xs;
    out[static_cast<size_t>(a)] = out_len_;
    out.back() = 2;
    Result<int64_t> count = checked_numel(out);
    if (!count.ok()) return count.status();
    if (dft_.size() != n) dft_.setup(n);
    ctx.request_scratch(dft_.scratch_bytes());
    ctx.set_output(0, ctx.in_dtype(0), out);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const int64_t n = dft_.size();
    double* in = static_cast<double*>(ctx.scratch());
    double* out = in + 2 * n;
    const int64_t comp = complex_ ? 2 : 1;
    const int64_t take = len_ < n ? len_ : n;
    const double scale = inverse_ ? 1.0 / static_cast<double>(n) : 1.0;
    return dispatch<kMaskFloat>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* xp = x.data_as<T>();
      T* yp = y.data_as<T>();
      for (int64_t o = 0; o < outer_; ++o) {
        for (int64_t i = 0; i < inner_; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            if (j < take) {
              const T* src = xp + ((o * len_ + j) * inner_ + i) * comp;
              in[2 * j] = to_double(src[0]);
              in[2 * j + 1] = complex_ ? to_double(src[1]) : 0.0;
            } else {
              in[2 * j] = 0.0;
              in[2 * j + 1] = 0.0;
            }
          }
          dft_.transform(in, out, inverse_);
          for (int64_t k = 0; k < out_len_; ++k) {
            T* dst = yp + ((o * out_len_ + k) * inner_ + i) * 2;
            dst[0] = from_double<T>(out[2 * k] * scale);
            dst[1] = from_double<T>(out[2 * k + 1] * scale);
          }
        }
      }
      return Status();
    });
  }

 private:
  signal::Dft dft_;
  bool complex_ = false, inverse_ = false;
  int64_t outer_ = 1, inner_ = 1, len_ = 0, out_len_ = 0;
};

// Inputs: signal, frame_step, window (optional), frame_length (optional).
class StftKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'signal' is missing");
    ONYX_TRY(check_float_input(ctx, 0));
    const Dims& xs = ctx.in_shape(0);
    if (xs.size() != 3 || (xs[2] != 1 && xs[2] != 2)) {
      return ctx.fail(Code::kInvalidModel, "input 'signal' must have shape [batch, length, 1 or 2], got ",
                      shape_str(xs));
    }
    complex_ = xs[2] == 2;
    int64_t onesided = 1;
    ONYX_TRY(ctx.attr_int("onesided", &onesided, 1));
    if (onesided != 0 && complex_) {
      return ctx.fail(Code::kInvalidModel, "attribute 'onesided' requires a real signal (last dimension 1), got ",
                      shape_str(xs));
    }
    ONYX_TRY(signal::check_int_scalar_input(ctx, 1, "frame_step"));
    has_window_ = ctx.has_input(2);
    int64_t n = -1;
    if (has_window_) {
      if (ctx.in_dtype(2) != ctx.in_dtype(0)) {
        return ctx.fail(Code::kInvalidModel, "input 'window' has dtype ", dtype_name(ctx.in_dtype(2)),
                        " but 'signal' has ", dtype_name(ctx.in_dtype(0)));
      }
      if (ctx.in_shape(2).size() != 1) {
        return ctx.fail(Code::kInvalidModel, "input 'window' must be 1-D, got ", shape_str(ctx.in_shape(2)));
      }
      n = ctx.in_shape(2)[0];
    }
    if (ctx.has_input(3)) ONYX_TRY(signal::check_int_scalar_input(ctx, 3, "frame_length"));
    if (!has_window_ && !ctx.has_input(3)) {
      return ctx.fail(Code::kInvalidModel, "one of the inputs 'window' and 'frame_length' is required");
    }
    const Tensor* step_v = ctx.in_value(1);
    const Tensor* len_v = ctx.in_value(3);
    if (step_v == nullptr || (ctx.has_input(3) && len_v == nullptr)) return ctx.dynamic();
    signal::scalar_int(*step_v, &step_);
    if (step_ <= 0) return ctx.fail(Code::kOutOfRange, "input 'frame_step' is ", step_, ", expected >= 1");
    if (len_v != nullptr) {
      int64_t fl = 0;
      signal::scalar_int(*len_v, &fl);
      if (fl <= 0) return ctx.fail(Code::kOutOfRange, "input 'frame_length' is ", fl, ", expected >= 1");
      if (has_window_ && fl != n) {
        return ctx.fail(Code::kInvalidArgument, "input 'frame_length' is ", fl, " but 'window' has ", n, " elements");
      }
      n = fl;
    }
    if (n <= 0) return ctx.fail(Code::kInvalidArgument, "input 'window' is empty");
    ONYX_TRY(check_length(ctx, n));
    length_ = xs[1];
    if (length_ < n) {
      return ctx.fail(Code::kInvalidArgument, "input 'signal' has ", length_, " samples, fewer than the frame length ",
                      n);
    }
    batch_ = xs[0];
    frames_ = (length_ - n) / step_ + 1;
    bins_ = onesided != 0 ? n / 2 + 1 : n;
    Dims out = {batch_, frames_, bins_, 2};
    Result<int64_t> count = checked_numel(out);
    if (!count.ok()) return count.status();
    if (dft_.size() != n) dft_.setup(n);
    ctx.request_scratch(dft_.scratch_bytes());
    ctx.set_output(0, ctx.in_dtype(0), out);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const int64_t n = dft_.size();
    double* in = static_cast<double*>(ctx.scratch());
    double* out = in + 2 * n;
    const int64_t comp = complex_ ? 2 : 1;
    return dispatch<kMaskFloat>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* xp = x.data_as<T>();
      const T* wp = has_window_ ? ctx.input(2).data_as<T>() : nullptr;
      T* yp = y.data_as<T>();
      for (int64_t b = 0; b < batch_; ++b) {
        for (int64_t f = 0; f < frames_; ++f) {
          const T* src = xp + (b * length_ + f * step_) * comp;
          for (int64_t j = 0; j < n; ++j) {
            const double w = wp != nullptr ? to_double(wp[j]) : 1.0;
            in[2 * j] = to_double(src[j * comp]) * w;
            in[2 * j + 1] = complex_ ? to_double(src[j * comp + 1]) * w : 0.0;
          }
          dft_.transform(in, out, false);
          T* dst = yp + (b * frames_ + f) * bins_ * 2;
          for (int64_t k = 0; k < bins_; ++k) {
            dst[2 * k] = from_double<T>(out[2 * k]);
            dst[2 * k + 1] = from_double<T>(out[2 * k + 1]);
          }
        }
      }
      return Status();
    });
  }

 private:
  signal::Dft dft_;
  bool complex_ = false, has_window_ = false;
  int64_t batch_ = 0, length_ = 0, frames_ = 0, bins_ = 0, step_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_DFT() { return make_kernel<DftKernel>(); }
std::unique_ptr<Kernel> make_STFT() { return make_kernel<StftKernel>(); }

}  // namespace onyx
