// HannWindow, HammingWindow, BlackmanWindow (17) and MelWeightMatrix (17): generated tensors
// whose shape comes from scalar input values (so the node is dynamic unless they are
// constant, and then constant-folded). Values are computed in double and converted to
// `output_datatype` (default float32; integer types truncate toward zero).
//
// Windows: y[k] = sum_i a_i * cos(2*pi*i*k / N), k in [0, size), with N = size when periodic
// (default) and size - 1 when symmetric; a symmetric window of size 1 is [1].
//   Hann:     a = (0.5, -0.5)
//   Hamming:  a = (25/46, -21/46)
//   Blackman: a = (0.42, -0.5, 0.08)
//
// MelWeightMatrix(num_mel_bins, dft_length, sample_rate, lower_edge_hertz, upper_edge_hertz):
// [dft_length/2 + 1, num_mel_bins] triangular filters with peak 1, following the ONNX
// reference: num_mel_bins + 2 points evenly spaced on the mel scale (mel = 2595 *
// log10(1 + hz/700)) from the lower edge in steps of (mel(upper) - mel(lower)) /
// (num_mel_bins + 2), each mapped to the spectrogram bin floor((dft_length + 1) * hz /
// sample_rate); filter i rises from point i to point i + 1 and falls to point i + 2. Bins past
// the spectrogram are dropped.
#include <cmath>
#include <memory>
#include <numbers>
#include <vector>

#include "dispatch.h"
#include "kernel.h"
#include "signal/common.h"

namespace onyx {
namespace {

using signal::from_double;

// Reads attribute output_datatype (default float32) and checks it is a numeric type.
Status output_dtype(const PrepareContext& ctx, DType* out) {
  int64_t v = 1;
  ONYX_TRY(ctx.attr_int("output_datatype", &v, 1));
  const DType t =
      v >= 0 && v <= 0x7fffffff && dtype_valid(static_cast<int32_t>(v)) ? static_cast<DType>(v) : DType::kUndefined;
  if (!in_mask(t, kMaskNumeric)) {
    return ctx.fail(Code::kInvalidModel, "attribute 'output_datatype' ", v, " is not a numeric tensor type");
  }
  *out = t;
  return Status();
}

// The longest generated dimension accepted.
constexpr int64_t kMaxGenerated = int64_t{1} << 32;

enum class WindowKind { kHann, kHamming, kBlackman };

template <WindowKind kKind>
class WindowKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(signal::check_int_scalar_input(ctx, 0, "size"));
    ONYX_TRY(output_dtype(ctx, &dtype_));
    int64_t periodic = 1;
    ONYX_TRY(ctx.attr_int("periodic", &periodic, 1));
    periodic_ = periodic != 0;
    const Tensor* v = ctx.in_value(0);
    if (v == nullptr) return ctx.dynamic();
    signal::scalar_int(*v, &size_);
    if (size_ < 0 || size_ > kMaxGenerated) {
      return ctx.fail(Code::kOutOfRange, "input 'size' is ", size_, ", expected a length in [0, ", kMaxGenerated, "]");
    }
    ctx.set_output(0, dtype_, {size_});
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    const double period = static_cast<double>(periodic_ ? size_ : size_ - 1);
    return dispatch<kMaskNumeric>(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* yp = y.data_as<T>();
      for (int64_t k = 0; k < size_; ++k) {
        double w = 1.0;
        if (period > 0) {
          const double a = 2.0 * std::numbers::pi * static_cast<double>(k) / period;
          if constexpr (kKind == WindowKind::kHann) {
            w = 0.5 - 0.5 * std::cos(a);
          } else if constexpr (kKind == WindowKind::kHamming) {
            w = 25.0 / 46.0 - 21.0 / 46.0 * std::cos(a);
          } else {
            w = 0.42 - 0.5 * std::cos(a) + 0.08 * std::cos(2.0 * a);
          }
        }
        yp[k] = from_double<T>(w);
      }
      return Status();
    });
  }

 private:
  DType dtype_ = DType::kFloat32;
  bool periodic_ = true;
  int64_t size_ = 0;
};

double hz_to_mel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

class MelWeightMatrixKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    static const char* const kNames[] = {"num_mel_bins", "dft_length", "sample_rate", "lower_edge_hertz",
                                         "upper_edge_hertz"};
    for (int i = 0; i < 3; ++i) ONYX_TRY(signal::check_int_scalar_input(ctx, i, kNames[i]));
    for (int i = 3; i < 5; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input '", kNames[i], "' is missing");
      if (!in_mask(ctx.in_dtype(i), kMaskFloat) || numel(ctx.in_shape(i)) != 1 || ctx.in_shape(i).size() > 1) {
        return ctx.fail(Code::kInvalidModel, "input '", kNames[i], "' must be a floating scalar, got ",
                        dtype_name(ctx.in_dtype(i)), " ", shape_str(ctx.in_shape(i)));
      }
    }
    ONYX_TRY(output_dtype(ctx, &dtype_));
    for (int i = 0; i < 5; ++i) {
      if (ctx.in_value(i) == nullptr) return ctx.dynamic();
    }
    int64_t num_mel = 0, dft_length = 0, sample_rate = 0;
    double lower = 0, upper = 0;
    signal::scalar_int(*ctx.in_value(0), &num_mel);
    signal::scalar_int(*ctx.in_value(1), &dft_length);
    signal::scalar_int(*ctx.in_value(2), &sample_rate);
    signal::scalar_float(*ctx.in_value(3), &lower);
    signal::scalar_float(*ctx.in_value(4), &upper);
    if (num_mel < 0 || num_mel > kMaxGenerated) {
      return ctx.fail(Code::kOutOfRange, "input 'num_mel_bins' is ", num_mel, ", expected a count >= 0");
    }
    if (dft_length <= 0 || dft_length > kMaxGenerated) {
      return ctx.fail(Code::kOutOfRange, "input 'dft_length' is ", dft_length, ", expected a positive length");
    }
    if (sample_rate <= 0) return ctx.fail(Code::kOutOfRange, "input 'sample_rate' is ", sample_rate, ", expected > 0");
    if (!std::isfinite(lower) || !std::isfinite(upper)) {
      return ctx.fail(Code::kOutOfRange, "inputs 'lower_edge_hertz' and 'upper_edge_hertz' must be finite");
    }
    spectrogram_bins_ = dft_length / 2 + 1;
    num_mel_ = num_mel;
    Dims out = {spectrogram_bins_, num_mel_};
    Result<int64_t> count = checked_numel(out);
    if (!count.ok()) return count.status();
    // The num_mel + 2 filter points as spectrogram bin indices.
    const double low_mel = hz_to_mel(lower);
    const double step = (hz_to_mel(upper) - low_mel) / static_cast<double>(num_mel + 2);
    points_.assign(static_cast<size_t>(num_mel + 2), 0.0);
    for (int64_t i = 0; i < num_mel + 2; ++i) {
      const double hz = mel_to_hz(low_mel + static_cast<double>(i) * step);
      const double bin = std::floor(static_cast<double>(dft_length + 1) * hz / static_cast<double>(sample_rate));
      if (!std::isfinite(bin)) {
        return ctx.fail(Code::kOutOfRange, "the mel filter edges from 'lower_edge_hertz' ", lower,
                        " and 'upper_edge_hertz' ", upper, " are not finite frequencies");
      }
      points_[static_cast<size_t>(i)] = bin;
    }
    ctx.set_output(0, dtype_, out);
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    return dispatch<kMaskNumeric>(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* yp = y.data_as<T>();
      for (int64_t i = 0; i < y.numel(); ++i) yp[i] = from_double<T>(0.0);
      // Row index range [first, last] of the bins in [a, b] that exist in the spectrogram.
      const int64_t rows = spectrogram_bins_;
      auto clamp_row = [&](double v) -> int64_t {
        if (v < 0.0) return 0;
        if (v > static_cast<double>(rows)) return rows;
        return static_cast<int64_t>(v);
      };
      for (int64_t i = 0; i < num_mel_; ++i) {
        const double lo = points_[static_cast<size_t>(i)];
        const double center = points_[static_cast<size_t>(i) + 1];
        const double hi = points_[static_cast<size_t>(i) + 2];
        if (center == lo) {
          if (center >= 0.0 && center < static_cast<double>(rows)) {
            yp[static_cast<int64_t>(center) * num_mel_ + i] = from_double<T>(1.0);
          }
        } else if (center > lo) {
          const int64_t last = center < static_cast<double>(rows) ? static_cast<int64_t>(center) : rows - 1;
          for (int64_t j = clamp_row(lo); j <= last; ++j) {
            yp[j * num_mel_ + i] = from_double<T>((static_cast<double>(j) - lo) / (center - lo));
          }
        }
        if (hi > center) {
          const int64_t end = clamp_row(hi);  // exclusive
          for (int64_t j = clamp_row(center); j < end; ++j) {
            yp[j * num_mel_ + i] = from_double<T>((hi - static_cast<double>(j)) / (hi - center));
          }
        }
      }
      return Status();
    });
  }

 private:
  DType dtype_ = DType::kFloat32;
  int64_t spectrogram_bins_ = 0, num_mel_ = 0;
  std::vector<double> points_;  // filter edges as (possibly out of range) bin indices
};

}  // namespace

std::unique_ptr<Kernel> make_HannWindow() { return make_kernel<WindowKernel<WindowKind::kHann>>(); }
std::unique_ptr<Kernel> make_HammingWindow() { return make_kernel<WindowKernel<WindowKind::kHamming>>(); }
std::unique_ptr<Kernel> make_BlackmanWindow() { return make_kernel<WindowKernel<WindowKind::kBlackman>>(); }
std::unique_ptr<Kernel> make_MelWeightMatrix() { return make_kernel<MelWeightMatrixKernel>(); }

}  // namespace onyx
