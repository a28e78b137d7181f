// Optional (15): wraps a tensor or sequence in an optional, or makes an empty optional of the
// type given by attribute `type`. OptionalHasElement (15, 18): whether an optional holds a value
// (opset 18 also accepts plain tensors/sequences and an omitted input). OptionalGetElement
// (15, 18): the value inside an optional (opset 18 passes plain tensors/sequences through).
#include "control/values.h"

namespace onyx {
namespace {

class Optional final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() > 1) return ctx.fail(Code::kInvalidModel, "Optional takes at most 1 input");
    const Attribute* type = ctx.attr("type");
    if (type != nullptr && (type->type != AttrType::kTypeProto || type->types.empty() || !type->types[0])) {
      return ctx.fail(Code::kInvalidModel, "attribute 'type' must be a type");
    }
    if (!ctx.has_input(0)) {
      if (type == nullptr) {
        return ctx.fail(Code::kInvalidModel, "attribute 'type' is required when the input is omitted");
      }
      const TypeInfo& t = *type->types[0];
      if (t.kind != TypeInfo::Kind::kTensor && t.kind != TypeInfo::Kind::kSequence) {
        return ctx.fail(Code::kInvalidModel, "attribute 'type' must be a tensor or sequence type");
      }
      kind_ = ValueKind::kNone;
      elem_ = flow::declared_elem(t);
      ctx.set_output_kind(0, ValueKind::kNone, elem_);
      return Status();
    }
    const InputInfo& in = ctx.input(0);
    kind_ = in.kind;
    elem_ = in.dtype;
    if (type != nullptr) {
      const DType want = flow::declared_elem(*type->types[0]);
      if (want != DType::kUndefined && elem_ != DType::kUndefined && want != elem_) {
        return ctx.fail(Code::kInvalidModel, "input has element type ", dtype_name(elem_), " but attribute 'type' says ",
                        dtype_name(want));
      }
    }
    if (kind_ == ValueKind::kTensor) {
      ctx.set_output(0, in.dtype, in.shape);
    } else {
      ctx.set_output_kind(0, kind_, elem_);
    }
    return Status();
  }

  Status run(RunContext& ctx) override {
    Value& out = ctx.output_value(0);
    if (kind_ == ValueKind::kNone || !ctx.has_input(0) || ctx.input_value(0).kind == ValueKind::kNone) {
      out = Value();
      out.kind = ValueKind::kNone;
      out.elem_type = elem_;
      out.optional = true;
      return Status();
    }
    const Value& in = ctx.input_value(0);
    if (kind_ == ValueKind::kTensor) {
      const Tensor& x = in.tensor;
      Tensor& y = ctx.output(0);
      if (in.kind != ValueKind::kTensor || x.dtype() != y.dtype() || x.shape() != y.shape()) {
        return ctx.fail(Code::kInvalidArgument, "input changed kind or shape since prepare");
      }
      flow::copy_elems(x.dtype(), y.data(), x.data(), x.numel());
    } else {
      ONYX_TRY(flow::detach(in, &out));
    }
    out.optional = true;
    return Status();
  }

 private:
  ValueKind kind_ = ValueKind::kNone;
  DType elem_ = DType::kUndefined;
};

class OptionalHasElement final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() > 1) return ctx.fail(Code::kInvalidModel, "OptionalHasElement takes at most 1 input");
    if (!ctx.has_input(0) && ctx.since_version() < 18) {
      return ctx.fail(Code::kInvalidModel, "input 'input' is required before opset 18");
    }
    ctx.set_output(0, DType::kBool, {});
    return Status();
  }
  Status run(RunContext& ctx) override {
    ctx.output(0).data_as<bool>()[0] = ctx.has_input(0) && ctx.input_value(0).kind != ValueKind::kNone;
    return Status();
  }
};

class OptionalGetElement final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) {
      return ctx.fail(Code::kInvalidModel, "OptionalGetElement takes exactly 1 input");
    }
    const InputInfo& in = ctx.input(0);
    kind_ = in.kind;
    if (kind_ == ValueKind::kNone) {
      return ctx.fail(Code::kInvalidArgument, "input '", ctx.input_name(0), "' is an empty optional");
    }
    if (kind_ == ValueKind::kTensor) {
      ctx.set_output(0, in.dtype, in.shape);
    } else {
      ctx.set_output_kind(0, kind_, in.dtype);
    }
    return Status();
  }
  Status run(RunContext& ctx) override {
    const Value& in = ctx.input_value(0);
    if (in.kind != kind_) {
      return ctx.fail(Code::kInvalidArgument, "input '", ctx.node().inputs[0], "' ",
                      in.kind == ValueKind::kNone ? "is an empty optional" : "changed kind since prepare");
    }
    if (kind_ == ValueKind::kTensor) {
      const Tensor& x = in.tensor;
      Tensor& y = ctx.output(0);
      if (x.dtype() != y.dtype() || x.shape() != y.shape()) {
        return ctx.fail(Code::kInvalidArgument, "input changed shape since prepare");
      }
      flow::copy_elems(x.dtype(), y.data(), x.data(), x.numel());
      ctx.output_value(0).optional = false;
      return Status();
    }
    Value& out = ctx.output_value(0);
    ONYX_TRY(flow::detach(in, &out));
    out.optional = false;
    return Status();
  }

 private:
  ValueKind kind_ = ValueKind::kTensor;
};

}  // namespace

std::unique_ptr<Kernel> make_Optional() { return make_kernel<Optional>(); }
std::unique_ptr<Kernel> make_OptionalHasElement() { return make_kernel<OptionalHasElement>(); }
std::unique_ptr<Kernel> make_OptionalGetElement() { return make_kernel<OptionalGetElement>(); }

}  // namespace onyx
