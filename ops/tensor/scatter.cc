// ScatterElements (11, 13, 16), Scatter (9, 11; the old name of ScatterElements) and
// ScatterND (11, 13, 16), with the opset 16 'reduction' attribute (none/add/mul; max/min too).
#include <algorithm>
#include <type_traits>

#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

enum class Reduction { kNone, kAdd, kMul, kMax, kMin };

Status parse_reduction(const PrepareContext& ctx, DType dt, Reduction* out) {
  *out = Reduction::kNone;
  if (ctx.since_version() < 16 || ctx.node().op_type == "Scatter") return Status();
  std::string r;
  ONYX_TRY(ctx.attr_string("reduction", &r, "none"));
  if (r == "none") return Status();
  if (r == "add") {
    *out = Reduction::kAdd;
  } else if (r == "mul") {
    *out = Reduction::kMul;
  } else if (r == "max") {
    *out = Reduction::kMax;
  } else if (r == "min") {
    *out = Reduction::kMin;
  } else {
    return ctx.fail(Code::kInvalidModel, "attribute 'reduction' has unsupported value '", r, "'");
  }
  if (!in_mask(dt, kMaskNumeric)) {
    return ctx.fail(Code::kUnsupported, "reduction '", r, "' needs numeric data, not ", dtype_name(dt));
  }
  return Status();
}

template <class T>
void apply(T* dst, const T* src, Reduction r) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool>) {
    *dst = *src;
  } else {
    using C = compute_t<T>;
    const C a = static_cast<C>(*dst), b = static_cast<C>(*src);
    switch (r) {
      case Reduction::kNone: *dst = *src; return;
      case Reduction::kAdd: *dst = static_cast<T>(static_cast<C>(a + b)); return;
      case Reduction::kMul: *dst = static_cast<T>(static_cast<C>(a * b)); return;
      case Reduction::kMax: *dst = static_cast<T>(std::max(a, b)); return;
      case Reduction::kMin: *dst = static_cast<T>(std::min(a, b)); return;
    }
  }
}

// Runs f(TypeTag<T>) over every dtype, reinterpreting complex as raw bytes (only for 'none').
template <class F>
Status dispatch_scatter(DType t, F&& f) {
  if (t == DType::kComplex64) return f(TypeTag<uint64_t>{});
  if (t == DType::kComplex128) {
    struct Bytes16 {
      uint64_t a, b;
    };
    return f(TypeTag<Bytes16>{});
  }
  return dispatch(kMaskAll, t, f);
}

template <class T>
constexpr bool kArith = !std::is_same_v<T, std::string> && !std::is_same_v<T, bool> && std::is_constructible_v<float, T>;

class ScatterElements final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 3) return ctx.fail(Code::kInvalidModel, ctx.node().op_type, " takes 3 inputs");
    for (int i = 0; i < 3; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input ", i, " is missing");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    const DType it = ctx.in_dtype(1);
    if (it != DType::kInt32 && it != DType::kInt64) return ctx.unsupported_dtype(1, it);
    if (ctx.in_dtype(2) != dt) {
      return ctx.fail(Code::kInvalidModel, "input 'updates' has dtype ", dtype_name(ctx.in_dtype(2)),
                      ", 'data' has ", dtype_name(dt));
    }
    ONYX_TRY(parse_reduction(ctx, dt, &reduction_));
    const Dims& data = ctx.in_shape(0);
    const Dims& ind = ctx.in_shape(1);
    const auto rank = static_cast<int64_t>(data.size());
    if (rank == 0) return ctx.fail(Code::kInvalidArgument, "input 'data' must have rank >= 1");
    if (ind.size() != data.size() || ctx.in_shape(2) != ind) {
      return ctx.fail(Code::kInvalidArgument, "'indices' ", shape_str(ind), " and 'updates' ",
                      shape_str(ctx.in_shape(2)), " must have one shape of the rank of 'data' ", shape_str(data));
    }
    int64_t axis = 0;
    ONYX_TRY(ctx.attr_int("axis", &axis, 0));
    if (!normalize_axis(axis, rank, &axis_)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' = ", axis, " is out of range for rank ", rank);
    }
    for (size_t d = 0; d < data.size(); ++d) {
      if (static_cast<int64_t>(d) != axis_ && ind[d] > data[d]) {
        return ctx.fail(Code::kInvalidArgument, "'indices' ", shape_str(ind), " is larger than 'data' ",
                        shape_str(data), " along axis ", d);
      }
    }
    dims_ = ind;
    data_dims_ = data;
    data_strides_ = strides_of(data);
    counter_.assign(ind.size(), 0);
    ctx.set_output(0, dt, data);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    const Tensor& upd = ctx.input(2);
    Tensor& y = ctx.output(0);
    const int64_t n = ind.numel();
    const auto a = static_cast<size_t>(axis_);
    const int64_t len = data_dims_[a];
    for (int64_t i = 0; i < n; ++i) {
      int64_t k = int_at(ind, i);
      if (k < -len || k >= len) {
        return ctx.fail(Code::kOutOfRange, "index ", k, " is out of range for axis of length ", len);
      }
    }
    copy_elements(x.dtype(), y.data(), x.data(), x.numel());
    if (n == 0) return Status();
    const size_t rank = dims_.size();
    return dispatch_scatter(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* out = y.data_as<T>();
      const T* u = upd.data_as<T>();
      for (size_t d = 0; d < rank; ++d) counter_[d] = 0;
      int64_t base = 0;
      for (int64_t i = 0; i < n; ++i) {
        int64_t k = int_at(ind, i);
        if (k < 0) k += len;
        T* dst = out + base + k * data_strides_[a];
        if constexpr (kArith<T>) {
          apply(dst, u + i, reduction_);
        } else {
          *dst = u[i];
        }
        for (size_t d = rank; d-- > 0;) {
          const int64_t step = d == a ? 0 : data_strides_[d];
          base += step;
          if (++counter_[d] < dims_[d]) break;
          base -= step * dims_[d];
          counter_[d] = 0;
        }
      }
      return Status();
    });
  }

 private:
  Reduction reduction_ = Reduction::kNone;
  int64_t axis_ = 0;
  Dims dims_;
  Dims data_dims_;
  Dims data_strides_;
  std::vector<int64_t> counter_;
};

class ScatterND final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 3) return ctx.fail(Code::kInvalidModel, "ScatterND takes 3 inputs");
    for (int i = 0; i < 3; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input ", i, " is missing");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    if (ctx.in_dtype(1) != DType::kInt64) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    if (ctx.in_dtype(2) != dt) {
      return ctx.fail(Code::kInvalidModel, "input 'updates' has dtype ", dtype_name(ctx.in_dtype(2)),
                      ", 'data' has ", dtype_name(dt));
    }
    ONYX_TRY(parse_reduction(ctx, dt, &reduction_));
    const Dims& data = ctx.in_shape(0);
    const Dims& ind = ctx.in_shape(1);
    const Dims& upd = ctx.in_shape(2);
    const auto r = static_cast<int64_t>(data.size());
    if (r < 1 || ind.empty()) return ctx.fail(Code::kInvalidArgument, "'data' and 'indices' must have rank >= 1");
    const int64_t k = ind.back();
    if (k < 1 || k > r) {
      return ctx.fail(Code::kInvalidArgument, "last dimension of 'indices' ", shape_str(ind), " must be in [1, ", r, "]");
    }
    Dims want(ind.begin(), ind.end() - 1);
    want.insert(want.end(), data.begin() + k, data.end());
    if (upd != want) {
      return ctx.fail(Code::kInvalidArgument, "'updates' has shape ", shape_str(upd), ", expected ", shape_str(want));
    }
    k_ = k;
    tuples_ = dims_product(ind, 0, ind.size() - 1);
    slice_ = dims_product(data, static_cast<size_t>(k), data.size());
    idx_dims_.assign(data.begin(), data.begin() + k);
    const Dims s = strides_of(data);
    idx_strides_.assign(s.begin(), s.begin() + k);
    ctx.set_output(0, dt, data);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int64_t* iv = ctx.input(1).data_as<int64_t>();
    const Tensor& upd = ctx.input(2);
    Tensor& y = ctx.output(0);
    for (int64_t j = 0; j < tuples_ * k_; ++j) {
      const int64_t dim = idx_dims_[static_cast<size_t>(j % k_)];
      if (iv[j] < -dim || iv[j] >= dim) {
        return ctx.fail(Code::kOutOfRange, "index ", iv[j], " is out of range for dimension of length ", dim);
      }
    }
    copy_elements(x.dtype(), y.data(), x.data(), x.numel());
    return dispatch_scatter(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* out = y.data_as<T>();
      const T* u = upd.data_as<T>();
      for (int64_t j = 0; j < tuples_; ++j) {
        int64_t off = 0;
        for (int64_t t = 0; t < k_; ++t) {
          int64_t v = iv[j * k_ + t];
          if (v < 0) v += idx_dims_[static_cast<size_t>(t)];
          off += v * idx_strides_[static_cast<size_t>(t)];
        }
        for (int64_t e = 0; e < slice_; ++e) {
          if constexpr (kArith<T>) {
            apply(out + off + e, u + j * slice_ + e, reduction_);
          } else {
            out[off + e] = u[j * slice_ + e];
          }
        }
      }
      return Status();
    });
  }

 private:
  Reduction reduction_ = Reduction::kNone;
  int64_t k_ = 0;
  int64_t tuples_ = 0;
  int64_t slice_ = 0;
  Dims idx_dims_;
  Dims idx_strides_;
};

}  // namespace

std::unique_ptr<Kernel> make_ScatterElements() { return make_kernel<ScatterElements>(); }
std::unique_ptr<Kernel> make_Scatter() { return make_kernel<ScatterElements>(); }
std::unique_ptr<Kernel> make_ScatterND() { return make_kernel<ScatterND>(); }

}  // namespace onyx
