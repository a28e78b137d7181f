// MaxPool (1, 8, 10, 11, 12), AveragePool (1, 7, 10, 11), LpPool (1, 2, 11) and the global
// pools GlobalAveragePool (1), GlobalMaxPool (1), GlobalLpPool (1, 2). One N-D window walker
// serves all of them; the reducers differ.
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>

#include "dispatch.h"
#include "kernel.h"
#include "nn/common.h"
#include "nn/spatial.h"
#include "prims/pool.h"

namespace onyx {
namespace {

using prims::ConvShape;
using prims::kMaxSpatial;

// Visits every output position of every (n, c) plane. For each one it calls
//   begin(), add(value, spatial_offset) for each input element inside the window,
//   end(plane, out_index, window_elems_clipped_to_padding)
// `pads_end` bounds the padded extent (count_include_pad counts up to it).
template <class T, class R>
void walk_windows(const ConvShape& s, const Dims& pads_end, const T* x, R& r) {
  const size_t nd = s.rank();
  const int64_t planes = s.batch * s.in_channels;
  const int64_t in_size = s.in_size(), out_size = s.out_size();
  int64_t in_stride[kMaxSpatial] = {};
  for (size_t i = nd, acc = 1; i-- > 0;) {
    in_stride[i] = static_cast<int64_t>(acc);
    acc *= static_cast<size_t>(s.in[i]);
  }
  int64_t opos[kMaxSpatial] = {}, base[kMaxSpatial] = {}, klo[kMaxSpatial] = {}, khi[kMaxSpatial] = {},
          k[kMaxSpatial] = {};
  for (int64_t plane = 0; plane < planes; ++plane) {
    const T* xp = x + plane * in_size;
    for (size_t i = 0; i < nd; ++i) opos[i] = 0;
    for (int64_t o = 0; o < out_size; ++o) {
      int64_t padded_count = 1;
      bool empty = false;
      for (size_t i = 0; i < nd; ++i) {
        base[i] = opos[i] * s.strides[i] - s.pads[i];
        const int64_t d = s.dilations[i];
        // Taps k with 0 <= base + k*d < in.
        int64_t lo = base[i] >= 0 ? 0 : (-base[i] + d - 1) / d;
        int64_t hi = s.in[i] - 1 - base[i] < 0 ? 0 : (s.in[i] - 1 - base[i]) / d + 1;
        if (hi > s.kernel[i]) hi = s.kernel[i];
        if (hi <= lo) empty = true;
        klo[i] = lo;
        khi[i] = hi;
        // Window extent clipped to the padded input (for count_include_pad).
        int64_t end = base[i] + (s.kernel[i] - 1) * d + 1;
        if (end > s.in[i] + pads_end[i]) end = s.in[i] + pads_end[i];
        padded_count *= end - base[i];
      }
      r.begin();
      if (!empty) {
        for (size_t i = 0; i < nd; ++i) k[i] = klo[i];
        for (;;) {
          int64_t off = 0;
          for (size_t i = 0; i < nd; ++i) off += (base[i] + k[i] * s.dilations[i]) * in_stride[i];
          r.add(xp[off], off);
          size_t i = nd;
          while (i-- > 0) {
            if (++k[i] < khi[i]) break;
            k[i] = klo[i];
          }
          if (i == static_cast<size_t>(-1)) break;
        }
      }
      r.end(plane, plane * out_size + o, padded_count);
      for (size_t i = nd; i-- > 0;) {
        if (++opos[i] < s.out[i]) break;
        opos[i] = 0;
      }
    }
  }
}

template <class T>
struct MaxReducer {
  using Acc = compute_t<T>;
  T* y;
  int64_t* indices;  // may be null
  const ConvShape* s;
  bool column_major;
  Acc best{};
  int64_t best_off = -1;
  bool any = false;

  void begin() {
    any = false;
    best_off = -1;
  }
  void add(T v, int64_t off) {
    Acc a = static_cast<Acc>(v);
    if (!any || a > best) {
      best = a;
      best_off = off;
      any = true;
    }
  }
  void end(int64_t plane, int64_t out_index, int64_t) {
    y[out_index] = any ? static_cast<T>(best) : static_cast<T>(std::numeric_limits<Acc>::lowest());
    if (indices == nullptr) return;
    int64_t off = best_off < 0 ? 0 : best_off;
    if (column_major) {
      // Re-linearise the row-major spatial offset with the first axis fastest.
      const size_t nd = s->rank();
      int64_t pos[kMaxSpatial] = {};
      for (size_t i = nd; i-- > 0;) {
        pos[i] = off % s->in[i];
        off /= s->in[i];
      }
      off = 0;
      for (size_t i = nd; i-- > 0;) off = off * s->in[i] + pos[i];
    }
    indices[out_index] = plane * s->in_size() + off;
  }
};

template <class T>
struct AvgReducer {
  using Acc = compute_t<T>;
  T* y;
  bool count_include_pad;
  Acc sum{};
  int64_t count = 0;

  void begin() {
    sum = Acc(0);
    count = 0;
  }
  void add(T v, int64_t) {
    sum += static_cast<Acc>(v);
    ++count;
  }
  void end(int64_t, int64_t out_index, int64_t padded_count) {
    const int64_t div = count_include_pad ? padded_count : count;
    y[out_index] = static_cast<T>(div > 0 ? sum / static_cast<Acc>(div) : Acc(0));
  }
};

template <class T>
struct LpReducer {
  using Acc = compute_t<T>;
  T* y;
  Acc p;
  Acc sum{};

  void begin() { sum = Acc(0); }
  void add(T v, int64_t) {
    const Acc a = std::fabs(static_cast<Acc>(v));
    sum += p == Acc(2) ? a * a : (p == Acc(1) ? a : std::pow(a, p));
  }
  void end(int64_t, int64_t out_index, int64_t) {
    y[out_index] = static_cast<T>(p == Acc(2) ? std::sqrt(sum) : (p == Acc(1) ? sum : std::pow(sum, Acc(1) / p)));
  }
};

enum class PoolKind { kMax, kAverage, kLp };

// Windowed and global pools. Global ones use a kernel covering the whole spatial extent.
template <PoolKind kKind, bool kGlobal>
class PoolKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'X' is missing");
    const DType t = ctx.in_dtype(0);
    DTypeMask allowed = kMaskFloat3;
    if (kKind == PoolKind::kMax && !kGlobal && ctx.since_version() >= 12) {
      allowed |= mask_of(DType::kInt8, DType::kUInt8);
    }
    if (!in_mask(t, allowed)) return ctx.unsupported_dtype(0, t);
    const Dims& xs = ctx.in_shape(0);
    if (xs.size() < 3) {
      return ctx.fail(Code::kInvalidArgument, "input 'X' must have rank >= 3 (N, C, spatial...), got ",
                      shape_str(xs));
    }
    const size_t nd = xs.size() - 2;
    Dims kernel;
    nn::WindowOptions opts;
    if (kGlobal) {
      kernel.assign(xs.begin() + 2, xs.end());
      for (int64_t& k : kernel) {
        if (k == 0) k = 1;  // an empty axis pools nothing; keep the window valid
      }
      if (nd > prims::kMaxSpatial) return ctx.fail(Code::kUnsupported, "too many spatial axes: ", nd);
      shape_ = ConvShape{};
      shape_.batch = xs[0];
      shape_.in_channels = xs[1];
      shape_.in.assign(xs.begin() + 2, xs.end());
      shape_.out.assign(nd, 1);
      shape_.kernel = kernel;
      shape_.strides.assign(nd, 1);
      shape_.dilations.assign(nd, 1);
      shape_.pads.assign(nd, 0);
      pads_end_.assign(nd, 0);
    } else {
      if (kKind == PoolKind::kLp && ctx.since_version() < 2 && !ctx.has_attr("kernel_shape")) {
        kernel.assign(xs.begin() + 2, xs.end());  // LpPool-1: kernel_shape was optional
      } else {
        ONYX_TRY(nn::pool_kernel_shape(ctx, nd, &kernel));
      }
      opts.dilations = kKind == PoolKind::kMax && ctx.since_version() >= 10;
      opts.ceil_mode = kKind != PoolKind::kLp && ctx.since_version() >= 10;
      ONYX_TRY(nn::resolve_window(ctx, xs, kernel, opts, &shape_, &pads_end_));
    }
    shape_.out_channels = shape_.in_channels;

    count_include_pad_ = false;
    if (kKind == PoolKind::kAverage && ctx.since_version() >= 7) {
      int64_t cip = 0;
      ONYX_TRY(ctx.attr_int("count_include_pad", &cip, 0));
      count_include_pad_ = cip != 0;
    }
    if (kKind == PoolKind::kLp) {
      if (ctx.since_version() >= 2) {
        int64_t p = 2;
        ONYX_TRY(ctx.attr_int("p", &p, 2));
        p_ = static_cast<double>(p);
      } else {
        float p = 2.0f;
        ONYX_TRY(ctx.attr_float("p", &p, 2.0f));
        p_ = p;
      }
      if (!(p_ > 0.0)) return ctx.fail(Code::kInvalidModel, "attribute 'p' must be > 0, got ", p_);
    }
    column_major_ = false;
    if (kKind == PoolKind::kMax && !kGlobal && ctx.since_version() >= 8) {
      int64_t so = 0;
      ONYX_TRY(ctx.attr_int("storage_order", &so, 0));
      if (so != 0 && so != 1) {
        return ctx.fail(Code::kInvalidModel, "attribute 'storage_order' must be 0 or 1, got ", so);
      }
      column_major_ = so == 1;
    }

    Dims ys{xs[0], xs[1]};
    ys.insert(ys.end(), shape_.out.begin(), shape_.out.end());
    Result<int64_t> n = checked_numel(ys);
    if (!n.ok()) return n.status();
    ctx.set_output(0, t, ys);
    if (ctx.has_output(1)) {
      if (kKind != PoolKind::kMax || kGlobal || ctx.since_version() < 8) {
        return ctx.fail(Code::kInvalidModel, "this op has a single output");
      }
      ctx.set_output(1, DType::kInt64, ys);
    }
    // Small float planes pool with channels in the lanes, each thread in its own scratch block.
    lanes_ = kKind == PoolKind::kMax && !kGlobal && t == DType::kFloat32 && !ctx.has_output(1) &&
             prims::max_pool_lanes_applies(shape_);
    workers_ = ctx.workers();
    if (lanes_) {
      ctx.request_worker_scratch(prims::max_pool_lanes_scratch_bytes(shape_));
    }
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return Status();
    if (x.numel() == 0) {  // an empty spatial axis under a global pool
      return dispatch<kMaskFloat3>(y.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        for (int64_t i = 0; i < y.numel(); ++i) y.data_as<T>()[i] = T(0.0f);
        return Status();
      });
    }
    return dispatch<kMaskFloat3 | mask_of(DType::kInt8, DType::kUInt8)>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (kKind == PoolKind::kMax) {
        if (!ctx.has_output(1) && shape_.rank() <= 2) {
          // Plane ranges on the threads when there is enough to share (about 2^18 window taps).
          using Acc = compute_t<T>;
          constexpr int64_t kMinParallelTaps = int64_t{1} << 18;
          const int64_t planes = shape_.batch * shape_.in_channels;
          const int64_t workers = std::min<int64_t>(workers_, ctx.workers());
          const int64_t parts = y.numel() * shape_.kernel_size() < kMinParallelTaps
                                    ? 1
                                    : std::min<int64_t>(planes, 2 * workers);
          if constexpr (std::is_same_v<T, float>) {
            if (lanes_ && prims::max_pool_lanes_applies(shape_)) {
              // Parts in whole lane blocks of planes, one scratch block per thread.
              const int64_t blocks = (planes + simd::kMaxChannelLanes - 1) / simd::kMaxChannelLanes;
              const int64_t lane_parts = std::min(parts, blocks);
              ctx.parallel_for(lane_parts, [&](int64_t part, int worker) {
                int64_t p0 = 0, p1 = 0;
                block_range(planes, simd::kMaxChannelLanes, part, lane_parts, &p0, &p1);
                prims::max_pool_lanes(shape_, x.data_as<float>(), y.data_as<float>(), p0, p1,
                                      ctx.worker_scratch(worker));
              });
              return Status();
            }
          }
          const auto empty = static_cast<T>(std::numeric_limits<Acc>::lowest());
          ctx.parallel_for(parts, [&](int64_t part, int) {
            prims::max_pool_2d<T, Acc>(shape_, x.data_as<T>(), y.data_as<T>(), empty, part * planes / parts,
                                       (part + 1) * planes / parts);
          });
          return Status();
        }
        MaxReducer<T> r{y.data_as<T>(), ctx.has_output(1) ? ctx.output(1).data_as<int64_t>() : nullptr, &shape_,
                        column_major_};
        walk_windows(shape_, pads_end_, x.data_as<T>(), r);
      } else if constexpr (std::is_floating_point_v<compute_t<T>>) {
        if constexpr (kKind == PoolKind::kAverage) {
          if constexpr (kGlobal && std::is_same_v<T, float>) {
            if (prims::global_avg_pool_fast(x.data_as<float>(), shape_.in_size(), y.data_as<float>(), 0, y.numel())) {
              return Status();
            }
          }
          if (shape_.rank() <= 2) {
            prims::avg_pool_2d<T, compute_t<T>>(shape_, pads_end_[0], pads_end_.back(), count_include_pad_,
                                                x.data_as<T>(), y.data_as<T>());
            return Status();
          }
          AvgReducer<T> r{y.data_as<T>(), count_include_pad_};
          walk_windows(shape_, pads_end_, x.data_as<T>(), r);
        } else {
          LpReducer<T> r{y.data_as<T>(), static_cast<compute_t<T>>(p_)};
          walk_windows(shape_, pads_end_, x.data_as<T>(), r);
        }
      }
      return Status();
    });
  }

 private:
  ConvShape shape_;
  Dims pads_end_;
  bool count_include_pad_ = false;
  bool column_major_ = false;
  bool lanes_ = false;  // max pooling with channels in the lanes, with each worker's scratch
  int workers_ = 1;
  double p_ = 2.0;
};

}  // namespace

std::unique_ptr<Kernel> make_MaxPool() { return make_kernel<PoolKernel<PoolKind::kMax, false>>(); }
std::unique_ptr<Kernel> make_AveragePool() { return make_kernel<PoolKernel<PoolKind::kAverage, false>>(); }
std::unique_ptr<Kernel> make_LpPool() { return make_kernel<PoolKernel<PoolKind::kLp, false>>(); }
std::unique_ptr<Kernel> make_GlobalMaxPool() { return make_kernel<PoolKernel<PoolKind::kMax, true>>(); }
std::unique_ptr<Kernel> make_GlobalAveragePool() { return make_kernel<PoolKernel<PoolKind::kAverage, true>>(); }
std::unique_ptr<Kernel> make_GlobalLpPool() { return make_kernel<PoolKernel<PoolKind::kLp, true>>(); }

}  // namespace onyx
