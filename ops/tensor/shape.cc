// Shape (1, 13, 15) and Size (1, 13): known from the input shape at prepare, so always folded.
#include <algorithm>

#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

class Shape final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) {
      return ctx.fail(Code::kInvalidModel, "Shape takes exactly 1 input");
    }
    if (ctx.input(0).kind != ValueKind::kTensor) {
      return ctx.fail(Code::kInvalidModel, "input 'data' must be a tensor");
    }
    const Dims& dims = ctx.in_shape(0);
    const auto rank = static_cast<int64_t>(dims.size());
    int64_t start = 0;
    int64_t end = rank;
    if (ctx.since_version() >= 15) {
      ONYX_TRY(ctx.attr_int("start", &start, 0));
      ONYX_TRY(ctx.attr_int("end", &end, rank));
      if (start < 0) start += rank;
      if (end < 0) end += rank;
      start = std::clamp<int64_t>(start, 0, rank);
      end = std::clamp<int64_t>(end, 0, rank);
    }
    const int64_t n = std::max<int64_t>(end - start, 0);
    Result<Tensor> r = Tensor::make(DType::kInt64, {n});
    if (!r.ok()) return r.status();
    for (int64_t i = 0; i < n; ++i) r->data_as<int64_t>()[i] = dims[static_cast<size_t>(start + i)];
    value_ = *r;
    ctx.set_output_value(0, value_);
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    copy_elements(DType::kInt64, y.data(), value_.data(), value_.numel());
    return Status();
  }

 private:
  Tensor value_;
};

class Size final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) {
      return ctx.fail(Code::kInvalidModel, "Size takes exactly 1 input");
    }
    if (ctx.input(0).kind != ValueKind::kTensor) {
      return ctx.fail(Code::kInvalidModel, "input 'data' must be a tensor");
    }
    Result<int64_t> n = checked_numel(ctx.in_shape(0));
    if (!n.ok()) return n.status();
    size_ = *n;
    ctx.set_output_value(0, Tensor::scalar<int64_t>(size_));
    return Status();
  }

  Status run(RunContext& ctx) override {
    *ctx.output(0).data_as<int64_t>() = size_;
    return Status();
  }

 private:
  int64_t size_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_Shape() { return make_kernel<Shape>(); }
std::unique_ptr<Kernel> make_Size() { return make_kernel<Size>(); }

}  // namespace onyx
