// Range (11) and OneHot (9, 11).
#include <cmath>
#include <type_traits>

#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

constexpr DTypeMask kRangeMask =
    mask_of(DType::kFloat32, DType::kFloat64, DType::kInt16, DType::kInt32, DType::kInt64);

class Range final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 3) return ctx.fail(Code::kInvalidModel, "Range takes 3 inputs");
    const DType dt = ctx.in_dtype(0);
    for (int i = 0; i < 3; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input ", i, " of Range is missing");
      if (ctx.in_dtype(i) != dt) {
        return ctx.fail(Code::kInvalidModel, "inputs of Range must share one dtype; input ", i, " has ",
                        dtype_name(ctx.in_dtype(i)));
      }
      if (numel(ctx.in_shape(i)) != 1) {
        return ctx.fail(Code::kInvalidArgument, "input ", i, " of Range must be a scalar, shape ",
                        shape_str(ctx.in_shape(i)));
      }
    }
    if (!in_mask(dt, kRangeMask)) return ctx.unsupported_dtype(0, dt);
    const Tensor* s = ctx.in_value(0);
    const Tensor* l = ctx.in_value(1);
    const Tensor* d = ctx.in_value(2);
    if (s == nullptr || l == nullptr || d == nullptr) return ctx.dynamic();
    int64_t n = 0;
    ONYX_TRY(dispatch<kRangeMask>(dt, [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_floating_point_v<T>) {
        const double start = *s->data_as<T>(), limit = *l->data_as<T>(), delta = *d->data_as<T>();
        if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta)) {
          return ctx.fail(Code::kInvalidArgument, "Range needs finite values and a non-zero delta");
        }
        const double c = std::ceil((limit - start) / delta);
        if (c > static_cast<double>(kMaxElements)) return ctx.fail(Code::kResourceExhausted, "Range is too long");
        n = c > 0 ? static_cast<int64_t>(c) : 0;
      } else {
        const auto start = static_cast<int64_t>(*s->data_as<T>());
        const auto limit = static_cast<int64_t>(*l->data_as<T>());
        const auto delta = static_cast<int64_t>(*d->data_as<T>());
        if (delta == 0) return ctx.fail(Code::kInvalidArgument, "Range needs a non-zero delta");
        int64_t diff = 0;
        if (__builtin_sub_overflow(limit, start, &diff)) {
          return ctx.fail(Code::kResourceExhausted, "Range is too long");
        }
        if ((diff > 0 && delta > 0) || (diff < 0 && delta < 0)) {
          // ceil(diff / delta) for same-signed operands without overflow.
          n = diff / delta + (diff % delta != 0 ? 1 : 0);
        }
      }
      return Status();
    }));
    if (n > kMaxElements) return ctx.fail(Code::kResourceExhausted, "Range is too long");
    ctx.set_output(0, dt, {n});
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    return dispatch<kRangeMask>(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T start = *ctx.input(0).data_as<T>();
      const T delta = *ctx.input(2).data_as<T>();
      T* out = y.data_as<T>();
      for (int64_t i = 0; i < y.numel(); ++i) out[i] = static_cast<T>(start + static_cast<T>(i) * delta);
      return Status();
    });
  }
};

constexpr DTypeMask kOneHotIndexMask = kMaskInt | kMaskFloat3;

// Reads element i of a numeric tensor as int64 (floats truncate toward zero).
int64_t numeric_as_int(const Tensor& t, int64_t i) {
  int64_t r = 0;
  Status s = dispatch<kMaskNumeric>(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const C v = static_cast<C>(t.data_as<T>()[i]);
    if constexpr (std::is_floating_point_v<C>) {
      if (!std::isfinite(v) || std::fabs(v) > 9.0e18) {
        r = INT64_MIN;
        return Status();
      }
    }
    r = static_cast<int64_t>(v);
    return Status();
  });
  (void)s;
  return r;
}

class OneHot final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 3) return ctx.fail(Code::kInvalidModel, "OneHot takes 3 inputs");
    for (int i = 0; i < 3; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input ", i, " of OneHot is missing");
    }
    if (!in_mask(ctx.in_dtype(0), kOneHotIndexMask)) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    if (!in_mask(ctx.in_dtype(1), kOneHotIndexMask)) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    const DType vt = ctx.in_dtype(2);
    if (!in_mask(vt, kMaskData)) return ctx.unsupported_dtype(2, vt);
    if (numel(ctx.in_shape(1)) != 1) {
      return ctx.fail(Code::kInvalidArgument, "input 'depth' must hold one value, shape ", shape_str(ctx.in_shape(1)));
    }
    if (ctx.in_shape(2).size() != 1 || ctx.in_shape(2)[0] != 2) {
      return ctx.fail(Code::kInvalidArgument, "input 'values' must have shape [2], got ", shape_str(ctx.in_shape(2)));
    }
    const Dims& ind = ctx.in_shape(0);
    const auto out_rank = static_cast<int64_t>(ind.size() + 1);
    int64_t axis = -1;
    ONYX_TRY(ctx.attr_int("axis", &axis, -1));
    int64_t ax = 0;
    if (!normalize_axis(axis, out_rank, &ax)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' = ", axis, " is out of range for output rank ", out_rank);
    }
    const Tensor* dv = ctx.in_value(1);
    if (dv == nullptr) return ctx.dynamic();
    depth_ = numeric_as_int(*dv, 0);
    if (depth_ < 1) return ctx.fail(Code::kInvalidArgument, "input 'depth' must be positive");
    if (depth_ > kMaxElements) {
      return ctx.fail(Code::kResourceExhausted, "input 'depth' = ", depth_, " is larger than 2^40");
    }
    const auto a = static_cast<size_t>(ax);
    Dims out(ind.begin(), ind.begin() + ax);
    out.push_back(depth_);
    out.insert(out.end(), ind.begin() + ax, ind.end());
    Result<int64_t> total = checked_numel(out);
    if (!total.ok()) return total.status();
    outer_ = dims_product(ind, 0, a);
    inner_ = dims_product(ind, a, ind.size());
    ctx.set_output(0, vt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& ind = ctx.input(0);
    const Tensor& vals = ctx.input(2);
    Tensor& y = ctx.output(0);
    return dispatch_elem(y.dtype(), [&](auto e) {
      using E = decltype(e);
      const char* off = bytes_of(vals);
      const char* on = off + E::kSize;
      char* out = bytes_of(y);
      // Fill with the off value, then set the on positions.
      for (int64_t i = 0; i < y.numel(); ++i) E::copy(out + static_cast<size_t>(i) * E::kSize, off);
      for (int64_t o = 0; o < outer_; ++o) {
        for (int64_t i = 0; i < inner_; ++i) {
          int64_t k = numeric_as_int(ind, o * inner_ + i);
          if (k < 0 && k >= -depth_) k += depth_;
          if (k < 0 || k >= depth_) continue;
          E::copy(out + static_cast<size_t>((o * depth_ + k) * inner_ + i) * E::kSize, on);
        }
      }
      return Status();
    });
  }

 private:
  int64_t depth_ = 0;
  int64_t outer_ = 0;
  int64_t inner_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_Range() { return make_kernel<Range>(); }
std::unique_ptr<Kernel> make_OneHot() { return make_kernel<OneHot>(); }

}  // namespace onyx
