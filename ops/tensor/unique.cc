// Unique (11): the distinct elements of the flattened input, or the distinct slices along
// 'axis', sorted ascending (slices compare lexicographically) or in order of first occurrence,
// with the optional indices / inverse_indices / counts outputs. The number of distinct values
// is only known after the run, so the outputs are sized in run().
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "dispatch.h"
#include "kernel.h"

namespace onyx {
namespace {

// Three-way comparison of two elements; NaNs compare equal to each other and above numbers.
template <class T>
int compare_elem(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, std::string>) {
    const int c = a.compare(b);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  } else if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16> || std::is_floating_point_v<T>) {
    const auto x = static_cast<compute_t<T>>(a), y = static_cast<compute_t<T>>(b);
    const bool xn = std::isnan(x), yn = std::isnan(y);
    if (xn || yn) return xn == yn ? 0 : (xn ? 1 : -1);
    return x < y ? -1 : (y < x ? 1 : 0);
  } else {
    return a < b ? -1 : (b < a ? 1 : 0);
  }
}

class Unique final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "Unique takes 1 input");
    if (ctx.num_outputs() < 1 || ctx.num_outputs() > 4)
      return ctx.fail(Code::kInvalidModel, "Unique has 1 to 4 outputs");
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskAll)) return ctx.unsupported_dtype(0, dt);
    int64_t sorted = 1;
    ONYX_TRY(ctx.attr_int("sorted", &sorted, 1));
    if (sorted != 0 && sorted != 1)
      return ctx.fail(Code::kInvalidModel, "attribute 'sorted' must be 0 or 1, got ", sorted);
    sorted_ = sorted == 1;
    const Dims& xs = ctx.in_shape(0);
    has_axis_ = ctx.has_attr("axis");
    const int64_t total = numel(xs);
    if (has_axis_) {
      int64_t axis = 0;
      ONYX_TRY(ctx.attr_int("axis", &axis, 0));
      if (!normalize_axis(axis, static_cast<int64_t>(xs.size()), &axis_)) {
        return ctx.fail(Code::kInvalidModel, "attribute 'axis' = ", axis, " is out of range for rank ", xs.size());
      }
      const auto a = static_cast<size_t>(axis_);
      slices_ = xs[a];
      outer_ = 1;
      inner_ = 1;
      for (size_t i = 0; i < a; ++i) outer_ *= xs[i];
      for (size_t i = a + 1; i < xs.size(); ++i) inner_ *= xs[i];
    } else {
      slices_ = total;
      outer_ = 1;
      inner_ = 1;
    }
    int64_t bytes = 0;
    if (!checked_mul(slices_, 5 * static_cast<int64_t>(sizeof(int64_t)), &bytes)) {
      return ctx.fail(Code::kResourceExhausted, "Unique input is too large");
    }
    ctx.request_scratch(static_cast<size_t>(bytes));
    // The number of unique values depends on the data.
    return ctx.dynamic();
  }

  Status run(RunContext& ctx) override {
    return dispatch<kMaskAll>(ctx.input(0).dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      return run_typed<T>(ctx);
    });
  }

 private:
  template <class T>
  Status run_typed(RunContext& ctx) {
    const Tensor& x = ctx.input(0);
    const T* xd = x.data_as<T>();
    const int64_t n = slices_, outer = outer_, inner = inner_;
    // Three-way comparison of slices a and b (elements in row-major order of the other axes).
    auto cmp = [&](int64_t a, int64_t b) -> int {
      if (a == b) return 0;
      for (int64_t o = 0; o < outer; ++o) {
        const T* pa = xd + (o * n + a) * inner;
        const T* pb = xd + (o * n + b) * inner;
        for (int64_t i = 0; i < inner; ++i) {
          const int c = compare_elem(pa[i], pb[i]);
          if (c != 0) return c;
        }
      }
      return 0;
    };
    auto* order = static_cast<int64_t*>(ctx.scratch());
    int64_t* group_of = order + n;  // slice -> group (groups numbered in sorted order)
    int64_t* first = group_of + n;  // group -> first slice index
    int64_t* count = first + n;     // group -> occurrences
    int64_t* pos = count + n;       // group -> output position
    for (int64_t i = 0; i < n; ++i) order[i] = i;
    // Equal slices keep ascending index order, so each group starts with its first occurrence.
    std::sort(order, order + n, [&](int64_t a, int64_t b) {
      const int c = cmp(a, b);
      return c < 0 || (c == 0 && a < b);
    });
    int64_t groups = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (j == 0 || cmp(order[j - 1], order[j]) != 0) {
        first[groups] = order[j];
        count[groups] = 0;
        ++groups;
      }
      ++count[groups - 1];
      group_of[order[j]] = groups - 1;
    }
    // order[] now lists the groups in output order.
    for (int64_t g = 0; g < groups; ++g) order[g] = g;
    if (!sorted_) std::sort(order, order + groups, [&](int64_t a, int64_t b) { return first[a] < first[b]; });
    for (int64_t u = 0; u < groups; ++u) pos[order[u]] = u;

    Dims ydims;
    if (has_axis_) {
      ydims = x.shape();
      ydims[static_cast<size_t>(axis_)] = groups;
    } else {
      ydims = {groups};
    }
    Tensor* y = ctx.output(0, x.dtype(), ydims);
    if (y == nullptr) return ctx.fail(Code::kResourceExhausted, "cannot allocate the Unique output");
    T* yd = y->data_as<T>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t u = 0; u < groups; ++u) {
        const T* src = xd + (o * n + first[order[u]]) * inner;
        T* dst = yd + (o * groups + u) * inner;
        for (int64_t i = 0; i < inner; ++i) dst[i] = src[i];
      }
    }
    if (ctx.has_output(1)) {
      Tensor* t = ctx.output(1, DType::kInt64, {groups});
      if (t == nullptr) return ctx.fail(Code::kResourceExhausted, "cannot allocate the Unique indices");
      for (int64_t u = 0; u < groups; ++u) t->data_as<int64_t>()[u] = first[order[u]];
    }
    if (ctx.has_output(2)) {
      Tensor* t = ctx.output(2, DType::kInt64, {n});
      if (t == nullptr) return ctx.fail(Code::kResourceExhausted, "cannot allocate the Unique inverse_indices");
      for (int64_t i = 0; i < n; ++i) t->data_as<int64_t>()[i] = pos[group_of[i]];
    }
    if (ctx.has_output(3)) {
      Tensor* t = ctx.output(3, DType::kInt64, {groups});
      if (t == nullptr) return ctx.fail(Code::kResourceExhausted, "cannot allocate the Unique counts");
      for (int64_t u = 0; u < groups; ++u) t->data_as<int64_t>()[u] = count[order[u]];
    }
    return Status();
  }

  bool sorted_ = true;
  bool has_axis_ = false;
  int64_t axis_ = 0;
  int64_t slices_ = 0, outer_ = 1, inner_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_Unique() { return make_kernel<Unique>(); }

}  // namespace onyx
