// Pad (1, 2, 11, 13): constant / reflect / edge padding; negative pads crop.
#include <algorithm>

#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

enum class PadMode { kConstant, kReflect, kEdge };

// Source index of output coordinate o along an axis of length n, or -1 for the constant.
int64_t pad_source(int64_t o, int64_t begin, int64_t n, PadMode mode) {
  int64_t j = o - begin;
  if (j >= 0 && j < n) return j;
  switch (mode) {
    case PadMode::kConstant: return -1;
    case PadMode::kEdge: return j < 0 ? 0 : n - 1;
    case PadMode::kReflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t m = j % period;
      if (m < 0) m += period;
      return m < n ? m : period - m;
    }
  }
  return -1;
}

class Pad final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    const int v = ctx.since_version();
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'data' is missing");
    const DType dt = ctx.in_dtype(0);
    const DTypeMask allowed = v >= 13 ? kMaskData : v >= 11 ? kMaskNumeric : kMaskFloat;
    if (!in_mask(dt, allowed)) return ctx.unsupported_dtype(0, dt);
    std::string mode;
    ONYX_TRY(ctx.attr_string("mode", &mode, "constant"));
    if (mode == "constant") {
      mode_ = PadMode::kConstant;
    } else if (mode == "reflect") {
      mode_ = PadMode::kReflect;
    } else if (mode == "edge") {
      mode_ = PadMode::kEdge;
    } else {
      return ctx.fail(Code::kInvalidModel, "attribute 'mode' has unsupported value '", mode, "'");
    }
    const Dims& in = ctx.in_shape(0);
    const size_t rank = in.size();
    std::vector<int64_t> pads;
    Result<Tensor> cv = Tensor::make(dt, {});
    if (!cv.ok()) return cv.status();
    constant_ = *cv;
    if (v < 11) {
      const char* name = v < 2 ? "paddings" : "pads";
      if (!ctx.has_attr(name)) return ctx.fail(Code::kInvalidModel, "attribute '", name, "' is required");
      ONYX_TRY(ctx.attr_ints(name, &pads));
      float value = 0;
      ONYX_TRY(ctx.attr_float("value", &value, 0.0f));
      ONYX_TRY(dispatch<kMaskFloat>(dt, [&](auto tag) {
        using T = typename decltype(tag)::type;
        *constant_.data_as<T>() = static_cast<T>(value);
        return Status();
      }));
    } else {
      if (!ctx.has_input(1)) return ctx.fail(Code::kInvalidModel, "input 'pads' is missing");
      if (ctx.in_dtype(1) != DType::kInt64) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
      if (ctx.has_input(2)) {
        if (ctx.in_dtype(2) != dt) {
          return ctx.fail(Code::kInvalidModel, "input 'constant_value' has dtype ", dtype_name(ctx.in_dtype(2)),
                          ", 'data' has ", dtype_name(dt));
        }
        if (numel(ctx.in_shape(2)) != 1) {
          return ctx.fail(Code::kInvalidArgument, "input 'constant_value' must hold one value, shape ",
                          shape_str(ctx.in_shape(2)));
        }
      }
      const Tensor* pv = ctx.in_value(1);
      if (pv == nullptr) return ctx.dynamic();
      ONYX_TRY(read_ints(*pv, "input 'pads'", &pads));
    }
    if (pads.size() != 2 * rank) {
      return ctx.fail(Code::kInvalidArgument, "'pads' has ", pads.size(), " values; rank ", rank, " needs ",
                      2 * rank);
    }
    Dims out(rank);
    for (size_t d = 0; d < rank; ++d) {
      int64_t o = 0;
      if (!checked_add(in[d], pads[d], &o) || !checked_add(o, pads[d + rank], &o)) {
        return ctx.fail(Code::kResourceExhausted, "'pads' ", shape_str(pads), " overflow the size of ",
                        shape_str(in));
      }
      if (o < 0) {
        return ctx.fail(Code::kInvalidArgument, "'pads' ", shape_str(pads), " give a negative size for ",
                        shape_str(in));
      }
      out[d] = o;
    }
    Result<int64_t> total = ctx.checked_elements(out);  // before maps_ is sized by it
    if (!total.ok()) return total.status();
    if (mode_ != PadMode::kConstant && *total > 0) {
      for (size_t d = 0; d < rank; ++d) {
        if (in[d] == 0) {
          return ctx.fail(Code::kInvalidArgument, "cannot pad the empty axis ", d, " in mode '", mode, "'");
        }
      }
    }
    // Per-axis source maps, and the identity run of the last axis. An empty output reads nothing,
    // and its other axes may be huge: no maps then.
    maps_.assign(rank, {});
    for (size_t d = 0; d < rank && *total > 0; ++d) {
      maps_[d].resize(static_cast<size_t>(out[d]));
      for (int64_t o = 0; o < out[d]; ++o) maps_[d][static_cast<size_t>(o)] = pad_source(o, pads[d], in[d], mode_);
    }
    in_strides_ = strides_of(in);
    out_dims_ = out;
    counter_.assign(rank, 0);
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return Status();
    const Tensor& x = ctx.input(0);
    const char* cval = bytes_of(constant_);
    if (ctx.has_input(2)) cval = bytes_of(ctx.input(2));
    return dispatch_elem(x.dtype(), [&](auto e) {
      run_typed<decltype(e)>(bytes_of(x), bytes_of(y), cval);
      return Status();
    });
  }

 private:
  template <class E>
  void run_typed(const char* in, char* out, const char* cval) {
    constexpr size_t kSize = E::kSize;
    const size_t rank = out_dims_.size();
    if (rank == 0) {
      E::copy(out, in);
      return;
    }
    const std::vector<int64_t>& inner_map = maps_[rank - 1];
    const int64_t inner = out_dims_[rank - 1];
    for (size_t d = 0; d < rank; ++d) counter_[d] = 0;
    for (;;) {
      // Source row of the current outer position, or constant.
      bool constant_row = false;
      int64_t row = 0;
      for (size_t d = 0; d + 1 < rank; ++d) {
        const int64_t s = maps_[d][static_cast<size_t>(counter_[d])];
        if (s < 0) {
          constant_row = true;
          break;
        }
        row += s * in_strides_[d];
      }
      for (int64_t o = 0; o < inner; ++o) {
        const int64_t s = constant_row ? -1 : inner_map[static_cast<size_t>(o)];
        E::copy(out, s < 0 ? cval : in + static_cast<size_t>(row + s) * kSize);
        out += kSize;
      }
      size_t d = rank - 1;
      for (;;) {
        if (d == 0) return;
        --d;
        if (++counter_[d] < out_dims_[d]) break;
        counter_[d] = 0;
      }
    }
  }

  PadMode mode_ = PadMode::kConstant;
  Tensor constant_;
  std::vector<std::vector<int64_t>> maps_;
  Dims in_strides_;
  Dims out_dims_;
  std::vector<int64_t> counter_;
};

}  // namespace

std::unique_ptr<Kernel> make_Pad() { return make_kernel<Pad>(); }

}  // namespace onyx
