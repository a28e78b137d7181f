// Constant (1, 9, 11, 12, 13) and ConstantOfShape (9).
#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

class Constant final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 0) return ctx.fail(Code::kInvalidModel, "Constant takes no inputs");
    const int v = ctx.since_version();
    static const char* const kNames[] = {"value",      "sparse_value", "value_float",
                                         "value_floats", "value_int",  "value_ints",
                                         "value_string", "value_strings"};
    const Attribute* found = nullptr;
    int count = 0;
    for (const char* name : kNames) {
      if (const Attribute* a = ctx.attr(name)) {
        found = a;
        ++count;
      }
    }
    if (count != 1 || found == nullptr) {
      return ctx.fail(Code::kInvalidModel, "Constant needs exactly one of the 'value*' attributes, got ",
                      count);
    }
    const std::string& name = found->name;
    if (name != "value" && name != "sparse_value" && v < 12) {
      return ctx.fail(Code::kInvalidModel, "attribute '", name, "' needs opset 12");
    }
    if (name == "sparse_value") {
      if (v < 11) return ctx.fail(Code::kInvalidModel, "attribute 'sparse_value' needs opset 11");
      return ctx.fail(Code::kUnsupported, "attribute 'sparse_value' (sparse tensors) is not supported");
    }
    Tensor out;
    if (name == "value") {
      if (found->type != AttrType::kTensor || !found->t.defined()) {
        return ctx.fail(Code::kInvalidModel, "attribute 'value' must be a tensor");
      }
      out = found->t;
      // Opset 1's schema lists only float types, but exporters (PyTorch among them) emit
      // int64 Constants at opset < 9 and the data is unambiguous, so any dtype is accepted.
      if (!in_mask(out.dtype(), kMaskData)) {
        return ctx.fail(Code::kUnsupported, "attribute 'value' has dtype ", dtype_name(out.dtype()));
      }
    } else if (name == "value_float") {
      float f = 0;
      ONYX_TRY(ctx.attr_float("value_float", &f, 0.0f));
      out = Tensor::scalar<float>(f);
    } else if (name == "value_int") {
      int64_t i = 0;
      ONYX_TRY(ctx.attr_int("value_int", &i));
      out = Tensor::scalar<int64_t>(i);
    } else if (name == "value_string") {
      std::string s;
      ONYX_TRY(ctx.attr_string("value_string", &s, ""));
      out = Tensor::scalar<std::string>(s);
    } else if (name == "value_floats") {
      std::vector<float> fs;
      ONYX_TRY(ctx.attr_floats("value_floats", &fs));
      Result<Tensor> r = Tensor::make(DType::kFloat32, {static_cast<int64_t>(fs.size())});
      if (!r.ok()) return r.status();
      for (size_t i = 0; i < fs.size(); ++i) r->data_as<float>()[i] = fs[i];
      out = *r;
    } else if (name == "value_ints") {
      std::vector<int64_t> is;
      ONYX_TRY(ctx.attr_ints("value_ints", &is));
      Result<Tensor> r = Tensor::make(DType::kInt64, {static_cast<int64_t>(is.size())});
      if (!r.ok()) return r.status();
      for (size_t i = 0; i < is.size(); ++i) r->data_as<int64_t>()[i] = is[i];
      out = *r;
    } else {  // value_strings
      std::vector<std::string> ss;
      ONYX_TRY(ctx.attr_strings("value_strings", &ss));
      Result<Tensor> r = Tensor::make(DType::kString, {static_cast<int64_t>(ss.size())});
      if (!r.ok()) return r.status();
      for (size_t i = 0; i < ss.size(); ++i) r->data_as<std::string>()[i] = ss[i];
      out = *r;
    }
    value_ = out;
    ctx.set_output_value(0, out);
    return Status();
  }

  // Only reached if the executor chose to run the node instead of using the folded value.
  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    copy_elements(value_.dtype(), y.data(), value_.data(), value_.numel());
    return Status();
  }

 private:
  Tensor value_;
};

constexpr DTypeMask kConstantOfShapeMask = kMaskNumeric | mask_of(DType::kBool);

class ConstantOfShape final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) {
      return ctx.fail(Code::kInvalidModel, "ConstantOfShape takes exactly 1 input");
    }
    const Attribute* a = ctx.attr("value");
    if (a != nullptr) {
      if (a->type != AttrType::kTensor || !a->t.defined() || a->t.numel() != 1) {
        return ctx.fail(Code::kInvalidModel, "attribute 'value' must be a one-element tensor");
      }
      if (!in_mask(a->t.dtype(), kConstantOfShapeMask)) {
        return ctx.fail(Code::kUnsupported, "attribute 'value' has dtype ", dtype_name(a->t.dtype()),
                        ", which ConstantOfShape does not support");
      }
      value_ = a->t;
    } else {
      value_ = Tensor::scalar<float>(0.0f);
    }
    if (ctx.in_dtype(0) != DType::kInt64) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    if (ctx.in_shape(0).size() != 1) {
      return ctx.fail(Code::kInvalidArgument, "input 'input' must be 1-D, got shape ",
                      shape_str(ctx.in_shape(0)));
    }
    const Tensor* shape = ctx.in_value(0);
    if (shape == nullptr) return ctx.dynamic();
    Dims dims(shape->data_as<int64_t>(), shape->data_as<int64_t>() + shape->numel());
    for (int64_t d : dims) {
      if (d < 0) {
        return ctx.fail(Code::kInvalidArgument, "input 'input' has a negative dimension: ",
                        shape_str(dims));
      }
    }
    Result<int64_t> n = checked_numel(dims);
    if (!n.ok()) return n.status();
    ctx.set_output(0, value_.dtype(), dims);
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    const size_t size = dtype_size(y.dtype());
    char* out = bytes_of(y);
    for (int64_t i = 0; i < y.numel(); ++i) std::memcpy(out + i * size, value_.data(), size);
    return Status();
  }

 private:
  Tensor value_;
};

}  // namespace

std::unique_ptr<Kernel> make_Constant() { return make_kernel<Constant>(); }
std::unique_ptr<Kernel> make_ConstantOfShape() { return make_kernel<ConstantOfShape>(); }

}  // namespace onyx
