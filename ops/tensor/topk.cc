// TopK (1, 10, 11): the k largest (or smallest) elements along an axis and their indices.
// Ties keep the lower index first; NaN counts as larger than every number.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

template <class C>
bool is_nan_value(C v) {
  if constexpr (std::is_floating_point_v<C>) {
    return std::isnan(v);
  } else {
    (void)v;
    return false;
  }
}

// a < b in a total order where NaN is the largest value.
template <class C>
bool less_total(C a, C b) {
  const bool na = is_nan_value(a), nb = is_nan_value(b);
  if (na || nb) return !na && nb;
  return a < b;
}

class TopK final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    const int v = ctx.since_version();
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'X' is missing");
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, v >= 11 ? kMaskNumeric : kMaskFloat)) return ctx.unsupported_dtype(0, dt);
    const Dims& in = ctx.in_shape(0);
    const auto rank = static_cast<int64_t>(in.size());
    int64_t axis = -1;
    ONYX_TRY(ctx.attr_int("axis", &axis, -1));
    int64_t ax = 0;
    if (!normalize_axis(axis, rank, &ax)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' = ", axis, " is out of range for rank ", rank);
    }
    int64_t largest = 1, sorted = 1;
    if (v >= 11) {
      ONYX_TRY(ctx.attr_int("largest", &largest, 1));
      ONYX_TRY(ctx.attr_int("sorted", &sorted, 1));
    }
    largest_ = largest != 0;
    int64_t k = 0;
    if (v < 10) {
      ONYX_TRY(ctx.attr_int("k", &k));
    } else {
      if (!ctx.has_input(1)) return ctx.fail(Code::kInvalidModel, "input 'K' is missing");
      if (ctx.in_dtype(1) != DType::kInt64) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
      if (numel(ctx.in_shape(1)) != 1) {
        return ctx.fail(Code::kInvalidArgument, "input 'K' must hold one value, shape ", shape_str(ctx.in_shape(1)));
      }
      const Tensor* kv = ctx.in_value(1);
      if (kv == nullptr) return ctx.dynamic();
      k = *kv->data_as<int64_t>();
    }
    const auto a = static_cast<size_t>(ax);
    if (k < 0 || k > in[a]) {
      return ctx.fail(Code::kInvalidArgument, "K = ", k, " is outside [0, ", in[a], "] for axis ", ax, " of ",
                      shape_str(in));
    }
    k_ = k;
    len_ = in[a];
    outer_ = dims_product(in, 0, a);
    inner_ = dims_product(in, a + 1, in.size());
    Dims out = in;
    out[a] = k;
    ctx.request_scratch(static_cast<size_t>(len_) * sizeof(int64_t));
    if (ctx.has_output(0)) ctx.set_output(0, dt, out);
    if (ctx.has_output(1)) ctx.set_output(1, DType::kInt64, out);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor* values = ctx.has_output(0) ? &ctx.output(0) : nullptr;
    int64_t* idx_out = ctx.has_output(1) ? ctx.output(1).data_as<int64_t>() : nullptr;
    auto* order = static_cast<int64_t*>(ctx.scratch());
    if (k_ == 0) return Status();
    return dispatch<kMaskNumeric>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const T* in = x.data_as<T>();
      T* out = values != nullptr ? values->data_as<T>() : nullptr;
      for (int64_t o = 0; o < outer_; ++o) {
        for (int64_t i = 0; i < inner_; ++i) {
          const T* base = in + o * len_ * inner_ + i;
          auto at = [&](int64_t j) { return static_cast<C>(base[j * inner_]); };
          auto before = [&](int64_t p, int64_t q) {
            const C a = at(p), b = at(q);
            if (largest_) {
              if (less_total(b, a)) return true;
              if (less_total(a, b)) return false;
            } else {
              if (less_total(a, b)) return true;
              if (less_total(b, a)) return false;
            }
            return p < q;
          };
          for (int64_t j = 0; j < len_; ++j) order[j] = j;
          std::partial_sort(order, order + k_, order + len_, before);
          for (int64_t j = 0; j < k_; ++j) {
            const int64_t dst = (o * k_ + j) * inner_ + i;
            if (out != nullptr) out[dst] = base[order[j] * inner_];
            if (idx_out != nullptr) idx_out[dst] = order[j];
          }
        }
      }
      return Status();
    });
  }

 private:
  bool largest_ = true;
  int64_t k_ = 0;
  int64_t len_ = 0;
  int64_t outer_ = 0;
  int64_t inner_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_TopK() { return make_kernel<TopK>(); }

}  // namespace onyx
