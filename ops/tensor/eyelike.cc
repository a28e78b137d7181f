// EyeLike (9) and Trilu (14).
#include <algorithm>
#include <type_traits>

#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

constexpr DTypeMask kEyeMask = kMaskNumeric | mask_of(DType::kBool);

class EyeLike final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "EyeLike takes 1 input");
    const DType in = ctx.in_dtype(0);
    if (!in_mask(in, kEyeMask)) return ctx.unsupported_dtype(0, in);
    if (ctx.in_shape(0).size() != 2) {
      return ctx.fail(Code::kInvalidArgument, "input 'input' must be 2-D, got ", shape_str(ctx.in_shape(0)));
    }
    int64_t dtype = 0;
    ONYX_TRY(ctx.attr_int("dtype", &dtype, static_cast<int64_t>(in)));
    if (dtype < 0 || dtype > kMaxDType || !in_mask(static_cast<DType>(dtype), kEyeMask)) {
      return ctx.fail(Code::kUnsupported, "attribute 'dtype' = ", dtype, " is not supported");
    }
    ONYX_TRY(ctx.attr_int("k", &k_, 0));
    ctx.set_output(0, static_cast<DType>(dtype), ctx.in_shape(0));
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    return dispatch(kEyeMask, y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (!std::is_same_v<T, std::string>) {
        const int64_t rows = y.dim(0), cols = y.dim(1);
        T* out = y.data_as<T>();
        for (int64_t i = 0; i < y.numel(); ++i) out[i] = static_cast<T>(0);
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t c = r + k_;
          if (c >= 0 && c < cols) out[r * cols + c] = static_cast<T>(1);
        }
      }
      return Status();
    });
  }

 private:
  int64_t k_ = 0;
};

class Trilu final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0) || ctx.num_inputs() > 2) return ctx.fail(Code::kInvalidModel, "Trilu takes 1 or 2 inputs");
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    if (ctx.in_shape(0).size() < 2) {
      return ctx.fail(Code::kInvalidArgument, "input 'input' must have rank >= 2, got ", shape_str(ctx.in_shape(0)));
    }
    if (ctx.has_input(1)) {
      if (ctx.in_dtype(1) != DType::kInt64) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
      if (numel(ctx.in_shape(1)) != 1) {
        return ctx.fail(Code::kInvalidArgument, "input 'k' must be a scalar, shape ", shape_str(ctx.in_shape(1)));
      }
    }
    int64_t upper = 1;
    ONYX_TRY(ctx.attr_int("upper", &upper, 1));
    upper_ = upper != 0;
    ctx.set_output(0, dt, ctx.in_shape(0));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    const int64_t k = ctx.has_input(1) ? *ctx.input(1).data_as<int64_t>() : 0;
    const size_t r = x.rank();
    const int64_t rows = x.dim(r - 2), cols = x.dim(r - 1);
    const int64_t mats = rows * cols == 0 ? 0 : x.numel() / (rows * cols);
    return dispatch_elem(x.dtype(), [&](auto e) {
      using E = decltype(e);
      copy_elements(x.dtype(), y.data(), x.data(), x.numel());
      char* out = bytes_of(y);
      for (int64_t m = 0; m < mats; ++m) {
        for (int64_t i = 0; i < rows; ++i) {
          char* row = out + static_cast<size_t>((m * rows + i) * cols) * E::kSize;
          // upper keeps j - i >= k; lower keeps j - i <= k.
          int64_t lo = 0, hi = cols;  // zeroed range [lo, hi)
          if (upper_) {
            hi = std::clamp<int64_t>(i + k, 0, cols);
          } else {
            lo = std::clamp<int64_t>(i + k + 1, 0, cols);
          }
          for (int64_t j = lo; j < hi; ++j) zero<E>(row + static_cast<size_t>(j) * E::kSize);
        }
      }
      return Status();
    });
  }

 private:
  template <class E>
  static void zero(char* p) {
    if constexpr (std::is_same_v<E, StringElem>) {
      reinterpret_cast<std::string*>(p)->clear();
    } else {
      std::memset(p, 0, E::kSize);
    }
  }

  bool upper_ = true;
};

}  // namespace

std::unique_ptr<Kernel> make_EyeLike() { return make_kernel<EyeLike>(); }
std::unique_ptr<Kernel> make_Trilu() { return make_kernel<Trilu>(); }

}  // namespace onyx
