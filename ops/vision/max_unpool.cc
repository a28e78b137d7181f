// MaxUnpool (9, 11): scatters X into a zero tensor at the flat indices I (as produced by
// MaxPool's Indices output). The output shape comes from kernel_shape/strides/pads, or from the
// optional output_shape input.
#include <cstdint>
#include <vector>

#include "vision/common.h"

namespace onyx {
namespace {

class MaxUnpool final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() < 2 || ctx.num_inputs() > 3 || !ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "MaxUnpool takes 2 or 3 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskFloat3)) return ctx.unsupported_dtype(0, dt);
    if (ctx.in_dtype(1) != DType::kInt64) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    const Dims& xs = ctx.in_shape(0);
    if (xs.size() < 3) return ctx.fail(Code::kInvalidArgument, "input 'X' must have rank >= 3, got ", shape_str(xs));
    if (ctx.in_shape(1) != xs) {
      return ctx.fail(Code::kInvalidArgument, "input 'I' has shape ", shape_str(ctx.in_shape(1)), ", expected ",
                      shape_str(xs));
    }
    const size_t nd = xs.size() - 2;
    std::vector<int64_t> kernel, strides, pads;
    if (!ctx.has_attr("kernel_shape"))
      return ctx.fail(Code::kInvalidModel, "required attribute 'kernel_shape' is missing");
    ONYX_TRY(vision::spatial_attr(ctx, "kernel_shape", nd, 1, 1, &kernel));
    ONYX_TRY(vision::spatial_attr(ctx, "strides", nd, 1, 1, &strides));
    ONYX_TRY(vision::spatial_attr(ctx, "pads", 2 * nd, 0, 0, &pads));

    // The unpooled shape implied by the attributes; the indices address a tensor of this shape.
    Dims inferred = {xs[0], xs[1]};
    for (size_t i = 0; i < nd; ++i) {
      int64_t d = 0;
      if (!checked_mul(xs[i + 2] - 1, strides[i], &d)) {
        return ctx.fail(Code::kResourceExhausted, "MaxUnpool output is too large");
      }
      d += kernel[i] - pads[i] - pads[i + nd];
      if (xs[i + 2] == 0) d = 0;
      if (d < 0) return ctx.fail(Code::kInvalidArgument, "pads leave a negative output size along spatial axis ", i);
      inferred.push_back(d);
    }
    Result<int64_t> inferred_n = checked_numel(inferred);
    if (!inferred_n.ok())
      return ctx.fail(Code::kInvalidArgument, "invalid MaxUnpool output shape ", shape_str(inferred));
    Dims out = inferred;
    if (ctx.has_input(2)) {
      // An explicit output_shape pads the unpooled tensor at the end of each axis.
      if (ctx.in_dtype(2) != DType::kInt64) return ctx.unsupported_dtype(2, ctx.in_dtype(2));
      const Tensor* v = ctx.in_value(2);
      if (v == nullptr) return ctx.dynamic();
      ONYX_TRY(vision::read_int_list(*v, "output_shape", &out));
      if (out.size() != xs.size()) {
        return ctx.fail(Code::kInvalidArgument, "input 'output_shape' has ", out.size(),
                        " values for an input of rank ", xs.size());
      }
      for (size_t i = 0; i < out.size(); ++i) {
        if (out[i] < inferred[i]) {
          return ctx.fail(Code::kInvalidArgument, "input 'output_shape' ", shape_str(out),
                          " is smaller than the unpooled shape ", shape_str(inferred));
        }
      }
    }
    Result<int64_t> n = checked_numel(out);
    if (!n.ok()) return ctx.fail(Code::kInvalidArgument, "invalid MaxUnpool output shape ", shape_str(out));
    inferred_numel_ = *inferred_n;
    same_shape_ = out == inferred;
    inferred_dims_ = inferred;
    out_strides_ = strides_of(out);
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    return dispatch<kMaskFloat3>(ctx.input(0).dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      const Tensor& x = ctx.input(0);
      const int64_t* idx = ctx.input(1).data_as<int64_t>();
      Tensor& y = ctx.output(0);
      T* yd = y.data_as<T>();
      const T* xd = x.data_as<T>();
      for (int64_t i = 0; i < y.numel(); ++i) yd[i] = T{};
      for (int64_t i = 0; i < x.numel(); ++i) {
        if (idx[i] < 0 || idx[i] >= inferred_numel_) {
          return ctx.fail(Code::kOutOfRange, "index I[", i, "] = ", idx[i],
                          " is out of range for an unpooled tensor of ", inferred_numel_, " elements");
        }
        yd[same_shape_ ? idx[i] : place(idx[i])] = xd[i];
      }
      return Status();
    });
  }

 private:
  // Offset in the (larger) output of the element at flat index `i` of the unpooled shape.
  int64_t place(int64_t i) const {
    int64_t off = 0;
    for (size_t d = inferred_dims_.size(); d-- > 0;) {
      off += (i % inferred_dims_[d]) * out_strides_[d];
      i /= inferred_dims_[d];
    }
    return off;
  }

  int64_t inferred_numel_ = 0;
  bool same_shape_ = true;
  Dims inferred_dims_, out_strides_;
};

}  // namespace

std::unique_ptr<Kernel> make_MaxUnpool() { return make_kernel<MaxUnpool>(); }

}  // namespace onyx
