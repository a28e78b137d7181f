// ReverseSequence (10).
#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

class ReverseSequence final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "ReverseSequence takes 2 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    if (ctx.in_dtype(1) != DType::kInt64) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    const Dims& in = ctx.in_shape(0);
    if (in.size() < 2) return ctx.fail(Code::kInvalidArgument, "input must have rank >= 2, got ", shape_str(in));
    int64_t batch_axis = 1, time_axis = 0;
    ONYX_TRY(ctx.attr_int("batch_axis", &batch_axis, 1));
    ONYX_TRY(ctx.attr_int("time_axis", &time_axis, 0));
    if ((batch_axis != 0 && batch_axis != 1) || (time_axis != 0 && time_axis != 1) || batch_axis == time_axis) {
      return ctx.fail(Code::kInvalidModel, "attributes 'batch_axis' and 'time_axis' must be 0 and 1 (either order)");
    }
    batch_ = in[static_cast<size_t>(batch_axis)];
    time_ = in[static_cast<size_t>(time_axis)];
    const Dims s = strides_of(in);
    batch_stride_ = s[static_cast<size_t>(batch_axis)];
    time_stride_ = s[static_cast<size_t>(time_axis)];
    inner_ = dims_product(in, 2, in.size());
    if (ctx.in_shape(1) != Dims{batch_}) {
      return ctx.fail(Code::kInvalidArgument, "input 'sequence_lens' must have shape [", batch_, "], got ",
                      shape_str(ctx.in_shape(1)));
    }
    ctx.set_output(0, dt, in);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const int64_t* lens = ctx.input(1).data_as<int64_t>();
    for (int64_t b = 0; b < batch_; ++b) {
      if (lens[b] < 0 || lens[b] > time_) {
        return ctx.fail(Code::kOutOfRange, "sequence_lens[", b, "] = ", lens[b], " is outside [0, ", time_, "]");
      }
    }
    const DType dt = x.dtype();
    const size_t size = dtype_size(dt);
    const char* in = bytes_of(x);
    char* out = bytes_of(ctx.output(0));
    for (int64_t b = 0; b < batch_; ++b) {
      for (int64_t t = 0; t < time_; ++t) {
        const int64_t src = t < lens[b] ? lens[b] - 1 - t : t;
        copy_elements(dt, out + static_cast<size_t>(b * batch_stride_ + t * time_stride_) * size,
                      in + static_cast<size_t>(b * batch_stride_ + src * time_stride_) * size, inner_);
      }
    }
    return Status();
  }

 private:
  int64_t batch_ = 0;
  int64_t time_ = 0;
  int64_t batch_stride_ = 0;
  int64_t time_stride_ = 0;
  int64_t inner_ = 1;
};

}  // namespace

std::unique_ptr<Kernel> make_ReverseSequence() { return make_kernel<ReverseSequence>(); }

}  // namespace onyx
