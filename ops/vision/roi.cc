// Region-of-interest pooling: RoiAlign (10, 16), bilinear sampling on a regular grid in each
// output bin (average or max), and MaxRoiPool (1), max over the integer cells of each bin.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "vision/common.h"

namespace onyx {
namespace {

using vision::load;
using vision::store;

// Bilinear sample of one H x W plane at (y, x), following the RoiAlign convention: points more
// than one pixel outside the plane give 0, points in [-1, 0) are clamped to the border. The four
// weighted corner terms are returned separately (max mode takes the largest of them).
template <class T, class C>
void bilinear_terms(const T* plane, int64_t height, int64_t width, C y, C x, C terms[4]) {
  terms[0] = terms[1] = terms[2] = terms[3] = C(0);
  if (height <= 0 || width <= 0) return;
  if (!(y >= C(-1) && y <= static_cast<C>(height) && x >= C(-1) && x <= static_cast<C>(width))) return;  // and NaN
  if (y <= C(0)) y = C(0);
  if (x <= C(0)) x = C(0);
  auto y_low = static_cast<int64_t>(y);
  auto x_low = static_cast<int64_t>(x);
  int64_t y_high, x_high;
  if (y_low >= height - 1) {
    y_high = y_low = height - 1;
    y = static_cast<C>(y_low);
  } else {
    y_high = y_low + 1;
  }
  if (x_low >= width - 1) {
    x_high = x_low = width - 1;
    x = static_cast<C>(x_low);
  } else {
    x_high = x_low + 1;
  }
  const C ly = y - static_cast<C>(y_low), lx = x - static_cast<C>(x_low);
  const C hy = C(1) - ly, hx = C(1) - lx;
  terms[0] = hy * hx * load(plane[y_low * width + x_low]);
  terms[1] = hy * lx * load(plane[y_low * width + x_high]);
  terms[2] = ly * hx * load(plane[y_high * width + x_low]);
  terms[3] = ly * lx * load(plane[y_high * width + x_high]);
}

// Samples per bin along one axis when sampling_ratio is 0: ceil(roi_size / bins), kept in a sane
// range (non-finite or negative sizes sample nothing).
template <class C>
int64_t adaptive_grid(C roi_size, int64_t bins) {
  const double g = std::ceil(static_cast<double>(roi_size) / static_cast<double>(bins));
  if (!(g > 0.0)) return 0;
  return static_cast<int64_t>(std::min(g, 65536.0));
}

class RoiAlign final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 3 || !ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_input(2)) {
      return ctx.fail(Code::kInvalidModel, "RoiAlign takes 3 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskFloat3)) return ctx.unsupported_dtype(0, dt);
    if (ctx.in_dtype(1) != dt) {
      return ctx.fail(Code::kInvalidModel, "input 'rois' has dtype ", dtype_name(ctx.in_dtype(1)), ", expected ",
                      dtype_name(dt));
    }
    if (ctx.in_dtype(2) != DType::kInt64) return ctx.unsupported_dtype(2, ctx.in_dtype(2));
    std::string mode;
    ONYX_TRY(ctx.attr_string("mode", &mode, "avg"));
    if (mode != "avg" && mode != "max") {
      return ctx.fail(Code::kInvalidModel, "attribute 'mode' must be 'avg' or 'max', got '", mode, "'");
    }
    max_mode_ = mode == "max";
    ONYX_TRY(ctx.attr_int("output_height", &out_h_, 1));
    ONYX_TRY(ctx.attr_int("output_width", &out_w_, 1));
    if (out_h_ < 1 || out_w_ < 1) {
      return ctx.fail(Code::kInvalidModel, "attributes 'output_height' and 'output_width' must be >= 1, got ", out_h_,
                      " and ", out_w_);
    }
    ONYX_TRY(ctx.attr_int("sampling_ratio", &sampling_ratio_, 0));
    if (sampling_ratio_ < 0) {
      return ctx.fail(Code::kInvalidModel, "attribute 'sampling_ratio' must be >= 0, got ", sampling_ratio_);
    }
    ONYX_TRY(ctx.attr_float("spatial_scale", &spatial_scale_, 1.0f));
    // Opset 10 has no pixel shift (what opset 16 calls output_half_pixel).
    half_pixel_ = false;
    if (ctx.since_version() >= 16) {
      std::string ctm;
      ONYX_TRY(ctx.attr_string("coordinate_transformation_mode", &ctm, "half_pixel"));
      if (ctm != "half_pixel" && ctm != "output_half_pixel") {
        return ctx.fail(Code::kInvalidModel,
                        "attribute 'coordinate_transformation_mode' must be 'half_pixel' or 'output_half_pixel', got '",
                        ctm, "'");
      }
      half_pixel_ = ctm == "half_pixel";
    }
    const Dims& xs = ctx.in_shape(0);
    const Dims& rs = ctx.in_shape(1);
    const Dims& bs = ctx.in_shape(2);
    if (xs.size() != 4) return ctx.fail(Code::kInvalidArgument, "input 'X' must be 4-D, got ", shape_str(xs));
    if (rs.size() != 2 || rs[1] != 4) {
      return ctx.fail(Code::kInvalidArgument, "input 'rois' must have shape [num_rois, 4], got ", shape_str(rs));
    }
    if (bs.size() != 1 || bs[0] != rs[0]) {
      return ctx.fail(Code::kInvalidArgument, "input 'batch_indices' must have shape [", rs[0], "], got ",
                      shape_str(bs));
    }
    Dims out = {rs[0], xs[1], out_h_, out_w_};
    Result<int64_t> n = checked_numel(out);
    if (!n.ok()) return n.status();
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    return dispatch<kMaskFloat3>(ctx.input(0).dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const Tensor& x = ctx.input(0);
      const int64_t batch = x.dim(0), channels = x.dim(1), height = x.dim(2), width = x.dim(3);
      const T* xd = x.data_as<T>();
      const T* rois = ctx.input(1).data_as<T>();
      const int64_t* bidx = ctx.input(2).data_as<int64_t>();
      T* yd = ctx.output(0).data_as<T>();
      const int64_t num_rois = ctx.input(2).numel();
      const C scale = static_cast<C>(spatial_scale_);
      const C offset = half_pixel_ ? C(0.5) : C(0);
      for (int64_t r = 0; r < num_rois; ++r) {
        const int64_t b = bidx[r];
        if (b < 0 || b >= batch) {
          return ctx.fail(Code::kOutOfRange, "batch_indices[", r, "] = ", b, " is out of range for batch size ", batch);
        }
        const T* roi = rois + r * 4;
        const C start_w = load(roi[0]) * scale - offset;
        const C start_h = load(roi[1]) * scale - offset;
        const C end_w = load(roi[2]) * scale - offset;
        const C end_h = load(roi[3]) * scale - offset;
        C roi_w = end_w - start_w, roi_h = end_h - start_h;
        if (!half_pixel_) {  // malformed RoIs become 1x1
          roi_w = std::max(roi_w, C(1));
          roi_h = std::max(roi_h, C(1));
        }
        const C bin_h = roi_h / static_cast<C>(out_h_);
        const C bin_w = roi_w / static_cast<C>(out_w_);
        const int64_t grid_h = sampling_ratio_ > 0 ? sampling_ratio_ : adaptive_grid(roi_h, out_h_);
        const int64_t grid_w = sampling_ratio_ > 0 ? sampling_ratio_ : adaptive_grid(roi_w, out_w_);
        const C count = static_cast<C>(std::max<int64_t>(grid_h * grid_w, 1));
        for (int64_t c = 0; c < channels; ++c) {
          const T* plane = xd + (b * channels + c) * height * width;
          T* out = yd + (r * channels + c) * out_h_ * out_w_;
          for (int64_t ph = 0; ph < out_h_; ++ph) {
            for (int64_t pw = 0; pw < out_w_; ++pw) {
              C acc = C(0);
              bool first = true;
              for (int64_t iy = 0; iy < grid_h; ++iy) {
                const C yy = start_h + static_cast<C>(ph) * bin_h +
                             (static_cast<C>(iy) + C(0.5)) * bin_h / static_cast<C>(grid_h);
                for (int64_t ix = 0; ix < grid_w; ++ix) {
                  const C xx = start_w + static_cast<C>(pw) * bin_w +
                               (static_cast<C>(ix) + C(0.5)) * bin_w / static_cast<C>(grid_w);
                  C t[4];
                  bilinear_terms<T, C>(plane, height, width, yy, xx, t);
                  if (max_mode_) {
                    const C v = std::max(std::max(t[0], t[1]), std::max(t[2], t[3]));
                    acc = first ? v : std::max(acc, v);
                    first = false;
                  } else {
                    acc += t[0] + t[1] + t[2] + t[3];
                  }
                }
              }
              if (!max_mode_) acc /= count;
              out[ph * out_w_ + pw] = store<T>(acc);
            }
          }
        }
      }
      return Status();
    });
  }

 private:
  bool max_mode_ = false;
  bool half_pixel_ = true;
  int64_t out_h_ = 1, out_w_ = 1;
  int64_t sampling_ratio_ = 0;
  float spatial_scale_ = 1.0f;
};

class MaxRoiPool final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "MaxRoiPool takes 2 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskFloat3)) return ctx.unsupported_dtype(0, dt);
    if (ctx.in_dtype(1) != dt) {
      return ctx.fail(Code::kInvalidModel, "input 'rois' has dtype ", dtype_name(ctx.in_dtype(1)), ", expected ",
                      dtype_name(dt));
    }
    std::vector<int64_t> pooled;
    ONYX_TRY(ctx.attr_ints("pooled_shape", &pooled));
    if (!ctx.has_attr("pooled_shape"))
      return ctx.fail(Code::kInvalidModel, "required attribute 'pooled_shape' is missing");
    if (pooled.size() != 2 || pooled[0] < 1 || pooled[1] < 1) {
      return ctx.fail(Code::kInvalidModel, "attribute 'pooled_shape' must be 2 positive values");
    }
    pooled_h_ = pooled[0];
    pooled_w_ = pooled[1];
    ONYX_TRY(ctx.attr_float("spatial_scale", &spatial_scale_, 1.0f));
    const Dims& xs = ctx.in_shape(0);
    const Dims& rs = ctx.in_shape(1);
    if (xs.size() != 4) return ctx.fail(Code::kInvalidArgument, "input 'X' must be 4-D, got ", shape_str(xs));
    if (rs.size() != 2 || rs[1] != 5) {
      return ctx.fail(Code::kInvalidArgument, "input 'rois' must have shape [num_rois, 5], got ", shape_str(rs));
    }
    Dims out = {rs[0], xs[1], pooled_h_, pooled_w_};
    Result<int64_t> n = checked_numel(out);
    if (!n.ok()) return n.status();
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    return dispatch<kMaskFloat3>(ctx.input(0).dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const Tensor& x = ctx.input(0);
      const int64_t batch = x.dim(0), channels = x.dim(1), height = x.dim(2), width = x.dim(3);
      const T* xd = x.data_as<T>();
      const T* rois = ctx.input(1).data_as<T>();
      T* yd = ctx.output(0).data_as<T>();
      const int64_t num_rois = ctx.input(1).dim(0);
      const double scale = spatial_scale_;
      for (int64_t r = 0; r < num_rois; ++r) {
        const T* roi = rois + r * 5;
        const double bd = static_cast<double>(load(roi[0]));
        if (!(bd >= 0.0 && bd < static_cast<double>(batch))) {
          return ctx.fail(Code::kOutOfRange, "rois[", r, "] has batch index ", bd, " out of range for batch size ",
                          batch);
        }
        const auto b = static_cast<int64_t>(bd);
        const auto coord = [&](int k) {
          const double v = std::round(static_cast<double>(load(roi[k])) * scale);
          if (std::isnan(v)) return int64_t{0};
          return static_cast<int64_t>(std::clamp(v, -1e15, 1e15));
        };
        const int64_t start_w = coord(1), start_h = coord(2), end_w = coord(3), end_h = coord(4);
        const int64_t roi_h = std::max<int64_t>(end_h - start_h + 1, 1);
        const int64_t roi_w = std::max<int64_t>(end_w - start_w + 1, 1);
        const double bin_h = static_cast<double>(roi_h) / static_cast<double>(pooled_h_);
        const double bin_w = static_cast<double>(roi_w) / static_cast<double>(pooled_w_);
        for (int64_t c = 0; c < channels; ++c) {
          const T* plane = xd + (b * channels + c) * height * width;
          T* out = yd + (r * channels + c) * pooled_h_ * pooled_w_;
          for (int64_t ph = 0; ph < pooled_h_; ++ph) {
            int64_t hs = static_cast<int64_t>(std::floor(static_cast<double>(ph) * bin_h)) + start_h;
            int64_t he = static_cast<int64_t>(std::ceil(static_cast<double>(ph + 1) * bin_h)) + start_h;
            hs = std::clamp<int64_t>(hs, 0, height);
            he = std::clamp<int64_t>(he, 0, height);
            for (int64_t pw = 0; pw < pooled_w_; ++pw) {
              int64_t ws = static_cast<int64_t>(std::floor(static_cast<double>(pw) * bin_w)) + start_w;
              int64_t we = static_cast<int64_t>(std::ceil(static_cast<double>(pw + 1) * bin_w)) + start_w;
              ws = std::clamp<int64_t>(ws, 0, width);
              we = std::clamp<int64_t>(we, 0, width);
              C best = C(0);
              if (he > hs && we > ws) {
                best = -std::numeric_limits<C>::infinity();
                for (int64_t h = hs; h < he; ++h) {
                  for (int64_t w = ws; w < we; ++w) best = std::max(best, load(plane[h * width + w]));
                }
              }
              out[ph * pooled_w_ + pw] = store<T>(best);
            }
          }
        }
      }
      return Status();
    });
  }

 private:
  int64_t pooled_h_ = 1, pooled_w_ = 1;
  float spatial_scale_ = 1.0f;
};

}  // namespace

std::unique_ptr<Kernel> make_RoiAlign() { return make_kernel<RoiAlign>(); }
std::unique_ptr<Kernel> make_MaxRoiPool() { return make_kernel<MaxRoiPool>(); }

}  // namespace onyx
