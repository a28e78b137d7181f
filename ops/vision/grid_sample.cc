// GridSample (16): samples a 4-D input at the normalised locations of a flow-field grid, with
// bilinear, nearest or bicubic interpolation and zeros, border or reflection padding
// (the conventions of torch.nn.functional.grid_sample).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "vision/common.h"

namespace onyx {
namespace {

using vision::load;
using vision::store;

enum class Mode { kBilinear, kNearest, kBicubic };
enum class Padding { kZeros, kBorder, kReflection };

// Maps a normalised coordinate in [-1, 1] to a pixel coordinate.
template <class C>
C unnormalize(C g, int64_t size, bool align_corners) {
  const C n = static_cast<C>(size);
  if (align_corners) return (g + C(1)) / C(2) * (n - C(1));
  return ((g + C(1)) * n - C(1)) / C(2);
}

// Reflects x into [lo, hi] (lo < hi), bouncing off both ends as often as needed.
template <class C>
C reflect(C x, C lo, C hi) {
  const C span = hi - lo;
  if (span <= C(0)) return lo;
  C d = std::fabs(x - lo);
  const C flips = std::floor(d / span);
  const C extra = d - flips * span;
  if (std::fmod(flips, C(2)) == C(0)) return lo + extra;
  return hi - extra;
}

// Applies border / reflection padding to a pixel coordinate (zeros leaves it as it is).
template <class C>
C pad_coord(C x, int64_t size, Padding padding, bool align_corners) {
  const C max_c = static_cast<C>(size - 1);
  if (padding == Padding::kBorder) return std::clamp(x, C(0), max_c);
  if (padding == Padding::kReflection) {
    if (align_corners) {
      x = reflect(x, C(0), max_c);
    } else {
      x = reflect(x, C(-0.5), static_cast<C>(size) - C(0.5));
    }
    return std::clamp(x, C(0), max_c);
  }
  return x;
}

// Cubic convolution weights (A = -0.75) for the taps at offsets -1, 0, 1, 2 from floor(x).
template <class C>
void cubic_weights(C t, C w[4]) {
  const C a = C(-0.75);
  auto near = [a](C d) { return ((a + C(2)) * d - (a + C(3))) * d * d + C(1); };       // |d| <= 1
  auto far = [a](C d) { return ((a * d - C(5) * a) * d + C(8) * a) * d - C(4) * a; };  // 1 < |d| < 2
  w[0] = far(t + C(1));
  w[1] = near(t);
  w[2] = near(C(1) - t);
  w[3] = far(C(2) - t);
}

class GridSample final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "GridSample takes 2 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskFloat3)) return ctx.unsupported_dtype(0, dt);
    if (!in_mask(ctx.in_dtype(1), kMaskFloat3)) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    std::string mode, padding;
    ONYX_TRY(ctx.attr_string("mode", &mode, "bilinear"));
    ONYX_TRY(ctx.attr_string("padding_mode", &padding, "zeros"));
    int64_t align = 0;
    ONYX_TRY(ctx.attr_int("align_corners", &align, 0));
    if (mode == "bilinear") {
      mode_ = Mode::kBilinear;
    } else if (mode == "nearest") {
      mode_ = Mode::kNearest;
    } else if (mode == "bicubic") {
      mode_ = Mode::kBicubic;
    } else {
      return ctx.fail(Code::kInvalidModel, "attribute 'mode' must be bilinear, nearest or bicubic, got '", mode, "'");
    }
    if (padding == "zeros") {
      padding_ = Padding::kZeros;
    } else if (padding == "border") {
      padding_ = Padding::kBorder;
    } else if (padding == "reflection") {
      padding_ = Padding::kReflection;
    } else {
      return ctx.fail(Code::kInvalidModel, "attribute 'padding_mode' must be zeros, border or reflection, got '",
                      padding, "'");
    }
    if (align != 0 && align != 1) {
      return ctx.fail(Code::kInvalidModel, "attribute 'align_corners' must be 0 or 1, got ", align);
    }
    align_corners_ = align == 1;
    const Dims& xs = ctx.in_shape(0);
    const Dims& gs = ctx.in_shape(1);
    if (xs.size() != 4) return ctx.fail(Code::kUnsupported, "input 'X' must be 4-D, got ", shape_str(xs));
    if (gs.size() != 4 || gs[0] != xs[0] || gs[3] != 2) {
      return ctx.fail(Code::kInvalidArgument, "input 'grid' must have shape [", xs[0], ", H_out, W_out, 2], got ",
                      shape_str(gs));
    }
    Dims out = {xs[0], xs[1], gs[1], gs[2]};
    Result<int64_t> n = checked_numel(out);
    if (!n.ok()) return n.status();
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    return dispatch<kMaskFloat3>(ctx.input(0).dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      return run_typed<T>(ctx);
    });
  }

 private:
  template <class T>
  Status run_typed(RunContext& ctx) {
    using C = compute_t<T>;
    const Tensor& x = ctx.input(0);
    const Tensor& grid = ctx.input(1);
    const int64_t batch = x.dim(0), channels = x.dim(1), height = x.dim(2), width = x.dim(3);
    const int64_t out_h = grid.dim(1), out_w = grid.dim(2);
    const T* xd = x.data_as<T>();
    T* yd = ctx.output(0).data_as<T>();
    const int64_t out_plane = out_h * out_w;
    // Pixel (iy, ix) of a plane, or 0 outside it.
    auto pixel = [&](const T* plane, int64_t iy, int64_t ix) -> C {
      if (iy < 0 || iy >= height || ix < 0 || ix >= width) return C(0);
      return load(plane[iy * width + ix]);
    };
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t p = 0; p < out_plane; ++p) {
        const int64_t g = (n * out_plane + p) * 2;
        const auto gx = static_cast<C>(vision::scalar_at(grid, g));
        const auto gy = static_cast<C>(vision::scalar_at(grid, g + 1));
        C px = unnormalize(gx, width, align_corners_);
        C py = unnormalize(gy, height, align_corners_);
        for (int64_t c = 0; c < channels; ++c) {
          const T* plane = xd + (n * channels + c) * height * width;
          C v = C(0);
          if (height > 0 && width > 0) {
            if (mode_ == Mode::kBicubic) {
              v = bicubic(plane, px, py, height, width, pixel);
            } else {
              const C x = pad_coord(px, width, padding_, align_corners_);
              const C y = pad_coord(py, height, padding_, align_corners_);
              if (mode_ == Mode::kNearest) {
                v = pixel(plane, to_index(std::nearbyint(y)), to_index(std::nearbyint(x)));
              } else {
                const C x0f = std::floor(x), y0f = std::floor(y);
                const int64_t x0 = to_index(x0f), y0 = to_index(y0f);
                const C lx = x - x0f, ly = y - y0f;
                v = (C(1) - ly) * ((C(1) - lx) * pixel(plane, y0, x0) + lx * pixel(plane, y0, x0 + 1)) +
                    ly * ((C(1) - lx) * pixel(plane, y0 + 1, x0) + lx * pixel(plane, y0 + 1, x0 + 1));
              }
            }
          }
          yd[(n * channels + c) * out_plane + p] = store<T>(v);
        }
      }
    }
    return Status();
  }

  // Float pixel coordinate to an index; NaN and huge values become an out-of-range index.
  template <class C>
  static int64_t to_index(C v) {
    if (!(v > C(-1e15) && v < C(1e15))) return -(int64_t{1} << 50);
    return static_cast<int64_t>(v);
  }

  template <class T, class C, class P>
  C bicubic(const T* plane, C px, C py, int64_t height, int64_t width, P& pixel) const {
    const C x0f = std::floor(px), y0f = std::floor(py);
    C wx[4], wy[4];
    cubic_weights(px - x0f, wx);
    cubic_weights(py - y0f, wy);
    C v = C(0);
    for (int i = 0; i < 4; ++i) {
      // Padding applies to each tap's integer location.
      const C ty = pad_coord(y0f - C(1) + static_cast<C>(i), height, padding_, align_corners_);
      C row = C(0);
      for (int j = 0; j < 4; ++j) {
        const C tx = pad_coord(x0f - C(1) + static_cast<C>(j), width, padding_, align_corners_);
        row += wx[j] * pixel(plane, to_index(ty), to_index(tx));
      }
      v += wy[i] * row;
    }
    return v;
  }

  Mode mode_ = Mode::kBilinear;
  Padding padding_ = Padding::kZeros;
  bool align_corners_ = false;
};

}  // namespace

std::unique_ptr<Kernel> make_GridSample() { return make_kernel<GridSample>(); }

}  // namespace onyx
