// Identity (1, 13, 14, 16): copies a tensor; passes sequences and optionals through.
#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

class Identity final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) {
      return ctx.fail(Code::kInvalidModel, "Identity takes exactly 1 input");
    }
    const InputInfo& in = ctx.input(0);
    kind_ = in.kind;
    if (kind_ != ValueKind::kTensor) {
      if (ctx.since_version() < 14 || (kind_ == ValueKind::kNone && ctx.since_version() < 16)) {
        return ctx.fail(Code::kInvalidModel, "input 'input' is not a tensor (needs opset 14+/16+)");
      }
      ctx.set_output_kind(0, kind_, in.dtype);
      return Status();
    }
    if (!in_mask(in.dtype, kMaskData)) return ctx.unsupported_dtype(0, in.dtype);
    ctx.set_output(0, in.dtype, in.shape);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Value& in = ctx.input_value(0);
    if (in.kind == ValueKind::kTensor) {
      const Tensor& x = in.tensor;
      Tensor& y = ctx.output(0);
      copy_elements(x.dtype(), y.data(), x.data(), x.numel());
      ctx.output_value(0).optional = in.optional;
      return Status();
    }
    Value& out = ctx.output_value(0);
    out.kind = in.kind;
    out.optional = in.optional;
    out.elem_type = in.elem_type;
    out.sequence.clear();
    for (const Tensor& t : in.sequence) {
      Result<Tensor> c = t.clone();
      if (!c.ok()) return c.status();
      out.sequence.push_back(*c);
    }
    return Status();
  }

 private:
  ValueKind kind_ = ValueKind::kTensor;
};

}  // namespace

std::unique_ptr<Kernel> make_Identity() { return make_kernel<Identity>(); }

}  // namespace onyx
