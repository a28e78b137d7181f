// Resize (10, 11, 13) and Upsample (1, 7, 9, 10): nearest / N-linear / N-cubic interpolation.
//
// prepare() resolves every output coordinate of every axis into a short list of taps (input
// offset, weight) following the spec's coordinate transformation, so run() is a weighted sum
// of (product of per-axis) taps. Axes whose mapping is the identity collapse to one tap.
// Nearest mode copies elements and therefore works for every dtype; linear and cubic compute
// in float (double for float64 and 32/64-bit integers) and round integers to nearest,
// saturating.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

enum class Mode { kNearest, kLinear, kCubic };
enum class Coord { kHalfPixel, kPytorchHalfPixel, kAlignCorners, kAsymmetric, kTfHalfPixelForNN, kTfCropAndResize };
// kSimple: the rule of Upsample and Resize-10 (no nearest_mode): floor when upsampling, ceil
// when downsampling.
enum class Nearest { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kSimple };

struct AxisTaps {
  int64_t in = 1;
  int64_t out = 1;
  int64_t k = 1;                 // taps per output index
  std::vector<int64_t> off;      // out*k input element offsets (index * input stride)
  std::vector<double> wd;        // out*k weights
  std::vector<float> wf;         // the same weights as float
  std::vector<uint8_t> outside;  // out flags: coordinate outside the input (tf_crop_and_resize)
  bool any_outside = false;
};

template <class T>
using acc_of = std::conditional_t<std::is_same_v<T, double> || std::is_same_v<T, int32_t> ||
                                      std::is_same_v<T, uint32_t> || std::is_same_v<T, int64_t> ||
                                      std::is_same_v<T, uint64_t>,
                                  double, float>;

template <class T, class A>
T to_elem(A v) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return T(static_cast<float>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    if (std::isnan(v)) return T(0);
    A r = std::nearbyint(v);
    if (r <= static_cast<A>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (r >= static_cast<A>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(r);
  }
}

double cubic_weight(double s, double a) {
  s = std::fabs(s);
  if (s <= 1.0) return ((a + 2.0) * s - (a + 3.0)) * s * s + 1.0;
  if (s < 2.0) return ((a * s - 5.0 * a) * s + 8.0 * a) * s - 4.0 * a;
  return 0.0;
}

class Resize final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    axes_.clear();
    const bool upsample = ctx.node().op_type == "Upsample";
    const int v = ctx.since_version();
    const bool legacy = upsample || v < 11;
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'X' is missing");
    dtype_ = ctx.in_dtype(0);
    if (!in_mask(dtype_, kMaskData)) return ctx.unsupported_dtype(0, dtype_);
    const Dims& in = ctx.in_shape(0);
    const size_t rank = in.size();
    if (rank == 0) return ctx.fail(Code::kInvalidArgument, "input 'X' must have rank >= 1");

    // Attributes.
    std::string mode;
    ONYX_TRY(ctx.attr_string("mode", &mode, "nearest"));
    if (mode == "nearest") {
      mode_ = Mode::kNearest;
    } else if (mode == "linear" || (legacy && mode == "bilinear")) {
      mode_ = Mode::kLinear;
    } else if (mode == "cubic" && !legacy) {
      mode_ = Mode::kCubic;
    } else {
      return ctx.fail(Code::kInvalidModel, "attribute 'mode' has unsupported value '", mode, "'");
    }
    coord_ = Coord::kAsymmetric;
    nearest_ = Nearest::kSimple;
    cubic_a_ = -0.75;
    exclude_outside_ = false;
    extrapolation_ = 0.0;
    if (!legacy) {
      std::string s;
      ONYX_TRY(ctx.attr_string("coordinate_transformation_mode", &s, "half_pixel"));
      if (s == "half_pixel") {
        coord_ = Coord::kHalfPixel;
      } else if (s == "pytorch_half_pixel") {
        coord_ = Coord::kPytorchHalfPixel;
      } else if (s == "align_corners") {
        coord_ = Coord::kAlignCorners;
      } else if (s == "asymmetric") {
        coord_ = Coord::kAsymmetric;
      } else if (s == "tf_half_pixel_for_nn") {
        coord_ = Coord::kTfHalfPixelForNN;
      } else if (s == "tf_crop_and_resize") {
        coord_ = Coord::kTfCropAndResize;
      } else {
        return ctx.fail(Code::kInvalidModel, "attribute 'coordinate_transformation_mode' has unsupported value '",
                        s, "'");
      }
      ONYX_TRY(ctx.attr_string("nearest_mode", &s, "round_prefer_floor"));
      if (s == "round_prefer_floor") {
        nearest_ = Nearest::kRoundPreferFloor;
      } else if (s == "round_prefer_ceil") {
        nearest_ = Nearest::kRoundPreferCeil;
      } else if (s == "floor") {
        nearest_ = Nearest::kFloor;
      } else if (s == "ceil") {
        nearest_ = Nearest::kCeil;
      } else {
        return ctx.fail(Code::kInvalidModel, "attribute 'nearest_mode' has unsupported value '", s, "'");
      }
      float f = 0;
      ONYX_TRY(ctx.attr_float("cubic_coeff_a", &f, -0.75f));
      cubic_a_ = f;
      int64_t ex = 0;
      ONYX_TRY(ctx.attr_int("exclude_outside", &ex, 0));
      exclude_outside_ = ex != 0;
      ONYX_TRY(ctx.attr_float("extrapolation_value", &f, 0.0f));
      extrapolation_ = f;
    }
    if (mode_ != Mode::kNearest && !in_mask(dtype_, kMaskNumeric)) {
      return ctx.fail(Code::kUnsupported, "mode '", mode, "' needs a numeric input, 'X' has dtype ",
                      dtype_name(dtype_));
    }
    if (coord_ == Coord::kTfCropAndResize && !in_mask(dtype_, kMaskNumeric)) {
      return ctx.fail(Code::kUnsupported, "tf_crop_and_resize needs a numeric input, 'X' has dtype ",
                      dtype_name(dtype_));
    }

    // Scales or sizes (and roi).
    std::vector<double> scales;
    std::vector<int64_t> sizes;
    std::vector<double> roi;
    if (upsample && v < 7) {
      if (rank != 4) return ctx.fail(Code::kInvalidArgument, "Upsample-1 needs a 4-D input");
      float h = 0, w = 0;
      ONYX_TRY(ctx.attr_float("height_scale", &h, 0.0f));
      ONYX_TRY(ctx.attr_float("width_scale", &w, 0.0f));
      if (!ctx.has_attr("height_scale") || !ctx.has_attr("width_scale")) {
        return ctx.fail(Code::kInvalidModel, "attributes 'height_scale' and 'width_scale' are required");
      }
      scales = {1.0, 1.0, h, w};
    } else if (upsample && v < 9) {
      std::vector<float> fs;
      ONYX_TRY(ctx.attr_floats("scales", &fs));
      if (!ctx.has_attr("scales")) return ctx.fail(Code::kInvalidModel, "attribute 'scales' is required");
      scales.assign(fs.begin(), fs.end());
    } else if (legacy) {
      if (!ctx.has_input(1)) return ctx.fail(Code::kInvalidModel, "input 'scales' is missing");
      const Tensor* s = ctx.in_value(1);
      if (s == nullptr) return ctx.dynamic();
      ONYX_TRY(read_floats(*s, "input 'scales'", &scales));
    } else {
      const bool has_scales = ctx.has_input(2) && numel(ctx.in_shape(2)) > 0;
      const bool has_sizes = ctx.has_input(3) && numel(ctx.in_shape(3)) > 0;
      if (has_scales == has_sizes) {
        return ctx.fail(Code::kInvalidModel, "exactly one of inputs 'scales' and 'sizes' must be given");
      }
      if (has_scales) {
        const Tensor* s = ctx.in_value(2);
        if (s == nullptr) return ctx.dynamic();
        ONYX_TRY(read_floats(*s, "input 'scales'", &scales));
      } else {
        if (ctx.in_dtype(3) != DType::kInt64) return ctx.unsupported_dtype(3, ctx.in_dtype(3));
        const Tensor* s = ctx.in_value(3);
        if (s == nullptr) return ctx.dynamic();
        ONYX_TRY(read_ints(*s, "input 'sizes'", &sizes));
      }
      if (coord_ == Coord::kTfCropAndResize) {
        if (!ctx.has_input(1) || numel(ctx.in_shape(1)) != static_cast<int64_t>(2 * rank)) {
          return ctx.fail(Code::kInvalidArgument, "tf_crop_and_resize needs input 'roi' with ", 2 * rank,
                          " values");
        }
        const Tensor* r = ctx.in_value(1);
        if (r == nullptr) return ctx.dynamic();
        ONYX_TRY(read_floats(*r, "input 'roi'", &roi));
      }
    }
    const size_t given = sizes.empty() ? scales.size() : sizes.size();
    if (given != rank) {
      return ctx.fail(Code::kInvalidArgument, sizes.empty() ? "'scales'" : "'sizes'", " has ", given,
                      " values but 'X' has rank ", rank);
    }

    // Output shape, and the scale and resized length each axis' coordinates use.
    Dims out(rank);
    std::vector<double> scale(rank), length(rank);
    for (size_t d = 0; d < rank; ++d) {
      const double extent = roi.empty() ? 1.0 : roi[d + rank] - roi[d];
      if (!sizes.empty()) {
        if (sizes[d] < 0) return ctx.fail(Code::kInvalidArgument, "'sizes' has a negative value");
        out[d] = sizes[d];
        // The scale is a float in the spec (and in ONNX Runtime): rounding it to float first
        // moves source coordinates by up to 1e-7 relative, enough to differ by 1e-2 on 8-bit
        // images, so compute it as the reference does.
        scale[d] = in[d] == 0 ? 1.0 : static_cast<double>(static_cast<float>(sizes[d]) / static_cast<float>(in[d]));
        length[d] = static_cast<double>(sizes[d]);
      } else {
        if (!(scales[d] > 0.0) || !std::isfinite(scales[d])) {
          return ctx.fail(Code::kInvalidArgument, "'scales' must be positive, got ", scales[d]);
        }
        const double len = static_cast<double>(in[d]) * scales[d];
        const double o = std::floor(len * extent);
        if (!(o >= 0.0)) return ctx.fail(Code::kInvalidArgument, "output size of axis ", d, " is negative");
        if (o > static_cast<double>(kMaxElements)) {
          return ctx.fail(Code::kResourceExhausted, "output size of axis ", d, " (", o, ") is larger than 2^40");
        }
        out[d] = static_cast<int64_t>(o);
        scale[d] = scales[d];
        length[d] = len;
      }
    }
    Result<int64_t> total = ctx.checked_elements(out);  // before the taps are sized by it
    if (!total.ok()) return total.status();
    const int64_t in_total = numel(in);
    if (*total > 0 && in_total == 0) {
      return ctx.fail(Code::kInvalidArgument, "cannot resize the empty input ", shape_str(in), " to ",
                      shape_str(out));
    }

    // An empty output computes nothing, and its other axes may be huge: no taps then.
    if (*total == 0) {
      ctx.set_output(0, dtype_, std::move(out));
      return Status();
    }
    // Taps per axis. Rank-1 inputs get a leading unit axis so run() always sees rank >= 2.
    const Dims strides = strides_of(in);
    if (rank == 1) axes_.push_back(identity_axis());
    for (size_t d = 0; d < rank; ++d) {
      const double roi_start = roi.empty() ? 0.0 : roi[d];
      const double roi_end = roi.empty() ? 1.0 : roi[d + rank];
      axes_.push_back(build_axis(in[d], out[d], strides[d], scale[d], length[d], roi_start, roi_end));
    }
    // Every output element reads the product of the axes' taps: cubic over many resized axes
    // would make that (and the tables below) explode.
    constexpr int64_t kMaxTaps = int64_t{1} << 16;
    int64_t taps = 1;
    for (const AxisTaps& a : axes_) {
      taps *= a.k;
      if (taps > kMaxTaps) {
        return ctx.fail(Code::kUnsupported, "Resize would read more than ", kMaxTaps,
                        " input elements per output element (", axes_.size(), " interpolated axes)");
      }
    }
    size_t lead_combos = 1;
    for (size_t d = 0; d + 2 < axes_.size(); ++d) lead_combos *= static_cast<size_t>(axes_[d].k);
    combo_off_.assign(lead_combos, 0);
    combo_wd_.assign(lead_combos, 0.0);
    combo_wf_.assign(lead_combos, 0.0f);
    counter_.assign(axes_.size(), 0);
    tap_counter_.assign(axes_.size(), 0);
    ctx.set_output(0, dtype_, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return Status();
    if (mode_ == Mode::kNearest && !axes_any_outside()) {
      return dispatch_elem(dtype_, [&](auto e) {
        run_nearest<decltype(e)>(bytes_of(x), bytes_of(y));
        return Status();
      });
    }
    return dispatch<kMaskNumeric>(dtype_, [&](auto tag) {
      using T = typename decltype(tag)::type;
      run_interp<T>(x.data_as<T>(), y.data_as<T>());
      return Status();
    });
  }

 private:
  static AxisTaps identity_axis() {
    AxisTaps a;
    a.off = {0};
    a.wd = {1.0};
    a.wf = {1.0f};
    a.outside = {0};
    return a;
  }

  double original_coord(int64_t o, int64_t in, double scale, double length, double roi_start,
                        double roi_end) const {
    const auto x = static_cast<double>(o);
    const auto len_in = static_cast<double>(in);
    switch (coord_) {
      case Coord::kHalfPixel: return (x + 0.5) / scale - 0.5;
      case Coord::kPytorchHalfPixel: return length > 1.0 ? (x + 0.5) / scale - 0.5 : 0.0;
      case Coord::kAlignCorners: return length == 1.0 ? 0.0 : x * (len_in - 1.0) / (length - 1.0);
      case Coord::kAsymmetric: return x / scale;
      case Coord::kTfHalfPixelForNN: return (x + 0.5) / scale;
      case Coord::kTfCropAndResize:
        if (length > 1.0) return roi_start * (len_in - 1.0) + x * (roi_end - roi_start) * (len_in - 1.0) / (length - 1.0);
        return 0.5 * (roi_start + roi_end) * (len_in - 1.0);
    }
    return 0.0;
  }

  int64_t nearest_index(double x, bool downsample) const {
    const double fl = std::floor(x);
    if (fl == x) return static_cast<int64_t>(x);
    const double frac = x - fl;
    switch (nearest_) {
      case Nearest::kRoundPreferFloor: return static_cast<int64_t>(frac <= 0.5 ? fl : fl + 1.0);
      case Nearest::kRoundPreferCeil: return static_cast<int64_t>(frac < 0.5 ? fl : fl + 1.0);
      case Nearest::kFloor: return static_cast<int64_t>(fl);
      case Nearest::kCeil: return static_cast<int64_t>(fl + 1.0);
      case Nearest::kSimple: return static_cast<int64_t>(downsample ? std::ceil(x) : std::trunc(x));
    }
    return static_cast<int64_t>(fl);
  }

  AxisTaps build_axis(int64_t in, int64_t out, int64_t stride, double scale, double length, double roi_start,
                      double roi_end) const {
    AxisTaps a;
    a.in = in;
    a.out = out;
    a.k = mode_ == Mode::kNearest ? 1 : mode_ == Mode::kLinear ? 2 : 4;
    const auto k = static_cast<size_t>(a.k);
    a.off.assign(static_cast<size_t>(out) * k, 0);
    a.wd.assign(static_cast<size_t>(out) * k, 0.0);
    a.outside.assign(static_cast<size_t>(out), 0);
    const int64_t last = std::max<int64_t>(in - 1, 0);
    double tap_w[4] = {0, 0, 0, 0};
    int64_t tap_i[4] = {0, 0, 0, 0};
    for (int64_t o = 0; o < out; ++o) {
      const size_t base = static_cast<size_t>(o) * k;
      double x = original_coord(o, in, scale, length, roi_start, roi_end);
      if (coord_ == Coord::kTfCropAndResize && (x < 0.0 || x > static_cast<double>(in - 1))) {
        a.outside[static_cast<size_t>(o)] = 1;
        a.any_outside = true;
        x = 0.0;
      }
      if (!std::isfinite(x)) x = 0.0;
      x = std::clamp(x, -4.0 - static_cast<double>(in), 4.0 + 2.0 * static_cast<double>(in));
      if (mode_ == Mode::kNearest) {
        const int64_t i = std::clamp<int64_t>(nearest_index(x, scale < 1.0), 0, last);
        a.off[base] = i * stride;
        a.wd[base] = 1.0;
        continue;
      }
      const double fl = std::floor(x);
      const double t = x - fl;
      const auto f = static_cast<int64_t>(fl);
      if (mode_ == Mode::kLinear) {
        tap_i[0] = f;
        tap_i[1] = f + 1;
        tap_w[0] = 1.0 - t;
        tap_w[1] = t;
      } else {
        for (int j = 0; j < 4; ++j) {
          tap_i[j] = f - 1 + j;
          tap_w[j] = cubic_weight(t - static_cast<double>(j - 1), cubic_a_);
        }
      }
      if (exclude_outside_) {
        double sum = 0.0;
        for (size_t j = 0; j < k; ++j) {
          if (tap_i[j] < 0 || tap_i[j] >= in) tap_w[j] = 0.0;
          sum += tap_w[j];
        }
        if (sum != 0.0) {
          for (size_t j = 0; j < k; ++j) tap_w[j] /= sum;
        }
      }
      for (size_t j = 0; j < k; ++j) {
        a.off[base + j] = std::clamp<int64_t>(tap_i[j], 0, last) * stride;
        a.wd[base + j] = tap_w[j];
      }
      // Fold taps that hit the same input element (clamped at an edge).
      for (size_t j = 1; j < k; ++j) {
        for (size_t i = 0; i < j; ++i) {
          if (a.off[base + i] == a.off[base + j] && a.wd[base + j] != 0.0) {
            a.wd[base + i] += a.wd[base + j];
            a.wd[base + j] = 0.0;
          }
        }
      }
    }
    // Collapse to one tap when every output reads exactly one input element with weight 1.
    if (k > 1) {
      bool single = true;
      for (int64_t o = 0; o < out && single; ++o) {
        int ones = 0;
        for (size_t j = 0; j < k; ++j) {
          const double w = a.wd[static_cast<size_t>(o) * k + j];
          if (w == 1.0) {
            ++ones;
          } else if (w != 0.0) {
            single = false;
          }
        }
        if (ones != 1) single = false;
      }
      if (single) {
        for (int64_t o = 0; o < out; ++o) {
          const size_t base = static_cast<size_t>(o) * k;
          size_t pick = 0;
          for (size_t j = 0; j < k; ++j) {
            if (a.wd[base + j] == 1.0) pick = j;
          }
          a.off[static_cast<size_t>(o)] = a.off[base + pick];
          a.wd[static_cast<size_t>(o)] = 1.0;
        }
        a.k = 1;
        a.off.resize(static_cast<size_t>(out));
        a.wd.resize(static_cast<size_t>(out));
      }
    }
    a.wf.assign(a.wd.begin(), a.wd.end());
    return a;
  }

  bool axes_any_outside() const {
    for (const AxisTaps& a : axes_) {
      if (a.any_outside) return true;
    }
    return false;
  }

  // Advances the odometer over the leading output axes (all but the last two). Returns false
  // after the last position.
  bool next_row() {
    for (size_t d = axes_.size() - 2; d-- > 0;) {
      if (++counter_[d] < axes_[d].out) return true;
      counter_[d] = 0;
    }
    return false;
  }

  // Fills combo_* with every combination of the leading axes' taps at the current row.
  // Returns false if the row is outside the input (tf_crop_and_resize).
  bool build_combos() {
    const size_t lead = axes_.size() - 2;
    for (size_t d = 0; d < lead; ++d) {
      if (axes_[d].outside[static_cast<size_t>(counter_[d])] != 0) return false;
      tap_counter_[d] = 0;
    }
    size_t c = 0;
    for (;;) {
      int64_t off = 0;
      double w = 1.0;
      for (size_t d = 0; d < lead; ++d) {
        const AxisTaps& a = axes_[d];
        const size_t i = static_cast<size_t>(counter_[d] * a.k + tap_counter_[d]);
        off += a.off[i];
        w *= a.wd[i];
      }
      combo_off_[c] = off;
      combo_wd_[c] = w;
      combo_wf_[c] = static_cast<float>(w);
      ++c;
      size_t d = lead;
      for (;;) {
        if (d == 0) return true;
        --d;
        if (++tap_counter_[d] < axes_[d].k) break;
        tap_counter_[d] = 0;
      }
    }
  }

  size_t combo_count() const {
    size_t n = 1;
    for (size_t d = 0; d + 2 < axes_.size(); ++d) n *= static_cast<size_t>(axes_[d].k);
    return n;
  }

  template <class E>
  void run_nearest(const char* in, char* out) {
    constexpr size_t kSize = E::kSize;
    const AxisTaps& ah = axes_[axes_.size() - 2];
    const AxisTaps& aw = axes_[axes_.size() - 1];
    for (int64_t& c : counter_) c = 0;
    do {
      build_combos();
      const int64_t base = combo_off_[0];
      for (int64_t oh = 0; oh < ah.out; ++oh) {
        const char* row = in + static_cast<size_t>(base + ah.off[static_cast<size_t>(oh)]) * kSize;
        for (int64_t ow = 0; ow < aw.out; ++ow) {
          E::copy(out, row + static_cast<size_t>(aw.off[static_cast<size_t>(ow)]) * kSize);
          out += kSize;
        }
      }
    } while (next_row());
  }

  template <class T>
  void run_interp(const T* in, T* out) {
    using A = acc_of<T>;
    using C = compute_t<T>;
    const AxisTaps& ah = axes_[axes_.size() - 2];
    const AxisTaps& aw = axes_[axes_.size() - 1];
    const A* wh = nullptr;
    const A* ww = nullptr;
    const A* wc = nullptr;
    if constexpr (std::is_same_v<A, double>) {
      wh = ah.wd.data();
      ww = aw.wd.data();
      wc = combo_wd_.data();
    } else {
      wh = ah.wf.data();
      ww = aw.wf.data();
      wc = combo_wf_.data();
    }
    const auto kh = static_cast<size_t>(ah.k);
    const auto kw = static_cast<size_t>(aw.k);
    const size_t ncombo = combo_count();
    const T extrap = to_elem<T>(static_cast<A>(extrapolation_));
    for (int64_t& c : counter_) c = 0;
    do {
      const bool row_inside = build_combos();
      for (int64_t oh = 0; oh < ah.out; ++oh) {
        const size_t hb = static_cast<size_t>(oh) * kh;
        const bool h_inside = row_inside && ah.outside[static_cast<size_t>(oh)] == 0;
        if (kh == 2 && kw == 2 && ncombo == 1 && h_inside && !aw.any_outside) {
          // Bilinear, the common case: the loop below unrolled, with the same operations in the
          // same order (so the same roundings).
          const T* r0 = in + combo_off_[0] + ah.off[hb];
          const T* r1 = in + combo_off_[0] + ah.off[hb + 1];
          const A w0 = wc[0] * wh[hb], w1 = wc[0] * wh[hb + 1];
          const int64_t* off = aw.off.data();
          for (int64_t ow = 0; ow < aw.out; ++ow) {
            const size_t wb = static_cast<size_t>(ow) * 2;
            A a0 = 0, a1 = 0, acc = 0;
            a0 += ww[wb] * static_cast<A>(static_cast<C>(r0[off[wb]]));
            a0 += ww[wb + 1] * static_cast<A>(static_cast<C>(r0[off[wb + 1]]));
            a1 += ww[wb] * static_cast<A>(static_cast<C>(r1[off[wb]]));
            a1 += ww[wb + 1] * static_cast<A>(static_cast<C>(r1[off[wb + 1]]));
            acc += w0 * a0;
            acc += w1 * a1;
            *out++ = to_elem<T>(acc);
          }
          continue;
        }
        for (int64_t ow = 0; ow < aw.out; ++ow) {
          const size_t wb = static_cast<size_t>(ow) * kw;
          if (!h_inside || aw.outside[static_cast<size_t>(ow)] != 0) {
            *out++ = extrap;
            continue;
          }
          A acc = 0;
          for (size_t c = 0; c < ncombo; ++c) {
            for (size_t i = 0; i < kh; ++i) {
              const T* row = in + combo_off_[c] + ah.off[hb + i];
              A racc = 0;
              for (size_t j = 0; j < kw; ++j) {
                racc += ww[wb + j] * static_cast<A>(static_cast<C>(row[aw.off[wb + j]]));
              }
              acc += wc[c] * wh[hb + i] * racc;
            }
          }
          *out++ = to_elem<T>(acc);
        }
      }
    } while (next_row());
  }

  DType dtype_ = DType::kUndefined;
  Mode mode_ = Mode::kNearest;
  Coord coord_ = Coord::kHalfPixel;
  Nearest nearest_ = Nearest::kRoundPreferFloor;
  double cubic_a_ = -0.75;
  bool exclude_outside_ = false;
  double extrapolation_ = 0.0;
  std::vector<AxisTaps> axes_;
  std::vector<int64_t> combo_off_;
  std::vector<double> combo_wd_;
  std::vector<float> combo_wf_;
  std::vector<int64_t> counter_;
  std::vector<int64_t> tap_counter_;
};

}  // namespace

std::unique_ptr<Kernel> make_Resize() { return make_kernel<Resize>(); }
std::unique_ptr<Kernel> make_Upsample() { return make_kernel<Resize>(); }

}  // namespace onyx
