// NonZero (9, 13) and Compress (9, 11): outputs sized by the data.
#include <type_traits>

#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

template <class T>
bool is_nonzero(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return !v.empty();
  } else if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    return static_cast<float>(v) != 0.0f;
  } else if constexpr (std::is_class_v<T>) {
    return v != T{};
  } else {
    return v != T(0);
  }
}

// Calls f with the element type, complex as pairs of floats/doubles.
template <class F>
Status dispatch_nonzero(DType t, F&& f) {
  struct C64 {
    float re, im;
    bool operator!=(const C64& o) const { return re != o.re || im != o.im; }
  };
  struct C128 {
    double re, im;
    bool operator!=(const C128& o) const { return re != o.re || im != o.im; }
  };
  if (t == DType::kComplex64) return f(TypeTag<C64>{});
  if (t == DType::kComplex128) return f(TypeTag<C128>{});
  return dispatch(kMaskAll, t, f);
}

class NonZero final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "NonZero takes 1 input");
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    if (ctx.since_version() < 13 && dt == DType::kBFloat16) return ctx.unsupported_dtype(0, dt);
    const Dims& in = ctx.in_shape(0);
    strides_ = strides_of(in);
    // The output's second dim is the number of non-zeros: known only when run() has counted.
    return ctx.dynamic();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const auto rank = static_cast<int64_t>(x.rank());
    return dispatch_nonzero(x.dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      const T* p = static_cast<const T*>(x.data());
      int64_t count = 0;
      for (int64_t i = 0; i < x.numel(); ++i) count += is_nonzero(p[i]) ? 1 : 0;
      // A scalar input is treated as rank 1 of length 1 (numpy's behaviour, as onnx's tests).
      const int64_t rows = rank == 0 ? 1 : rank;
      Tensor* y = ctx.output(0, DType::kInt64, {rows, count});
      if (y == nullptr) return ctx.fail(Code::kResourceExhausted, "cannot allocate the NonZero output");
      int64_t* out = y->data_as<int64_t>();
      int64_t j = 0;
      for (int64_t i = 0; i < x.numel(); ++i) {
        if (!is_nonzero(p[i])) continue;
        if (rank == 0) {
          out[j] = 0;
        } else {
          int64_t rem = i;
          for (int64_t d = 0; d < rank; ++d) {
            const int64_t s = strides_[static_cast<size_t>(d)];
            out[d * count + j] = rem / s;
            rem %= s;
          }
        }
        ++j;
      }
      return Status();
    });
  }

 private:
  Dims strides_;
};

class Compress final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "Compress takes 2 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    if (ctx.in_dtype(1) != DType::kBool) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    if (ctx.in_shape(1).size() != 1) {
      return ctx.fail(Code::kInvalidArgument, "input 'condition' must be 1-D, got ", shape_str(ctx.in_shape(1)));
    }
    const Dims& in = ctx.in_shape(0);
    const auto rank = static_cast<int64_t>(in.size());
    has_axis_ = ctx.has_attr("axis");
    int64_t axis = 0;
    ONYX_TRY(ctx.attr_int("axis", &axis, 0));
    int64_t len = numel(in);
    if (has_axis_) {
      if (!normalize_axis(axis, rank, &axis_)) {
        return ctx.fail(Code::kInvalidModel, "attribute 'axis' = ", axis, " is out of range for rank ", rank);
      }
      len = in[static_cast<size_t>(axis_)];
      outer_ = dims_product(in, 0, static_cast<size_t>(axis_));
      inner_ = dims_product(in, static_cast<size_t>(axis_) + 1, in.size());
    } else {
      outer_ = 1;
      inner_ = 1;
    }
    len_ = len;
    const int64_t clen = ctx.in_shape(1)[0];
    if (clen > len) {
      return ctx.fail(Code::kInvalidArgument, "input 'condition' has ", clen, " values for a length of ", len);
    }
    const Tensor* cond = ctx.in_value(1);
    if (cond == nullptr) return ctx.dynamic();
    int64_t kept = 0;
    for (int64_t i = 0; i < clen; ++i) kept += cond->data_as<bool>()[i] ? 1 : 0;
    Dims out;
    if (has_axis_) {
      out = in;
      out[static_cast<size_t>(axis_)] = kept;
    } else {
      out = {kept};
    }
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& cond = ctx.input(1);
    const DType dt = x.dtype();
    const size_t size = dtype_size(dt);
    const char* in = bytes_of(x);
    char* out = bytes_of(ctx.output(0));
    const bool* c = cond.data_as<bool>();
    const int64_t clen = cond.numel();
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t i = 0; i < clen; ++i) {
        if (!c[i]) continue;
        copy_elements(dt, out, in + static_cast<size_t>((o * len_ + i) * inner_) * size, inner_);
        out += static_cast<size_t>(inner_) * size;
      }
    }
    return Status();
  }

 private:
  bool has_axis_ = false;
  int64_t axis_ = 0;
  int64_t len_ = 0;
  int64_t outer_ = 1;
  int64_t inner_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_NonZero() { return make_kernel<NonZero>(); }
std::unique_ptr<Kernel> make_Compress() { return make_kernel<Compress>(); }

}  // namespace onyx
