// Gradient (ai.onnx.preview.training, 1): the gradients of tensor `y` with respect to the
// tensors named in `xs`, by reverse-mode differentiation of the graph around the node.
//
// At prepare the kernel builds a subgraph: the forward nodes on the paths from xs (and zs,
// which are inputs held constant) to y, then backward nodes made of ordinary ONNX ops, seeded
// with ones of y's shape. It is compiled in the node's scope, so values y depends on other
// than xs/zs are read from the surrounding graph. Differentiable ops: Add, Sub, Mul, Div, Neg,
// Identity with operands of equal shape; a broadcast operand is reported as unsupported at
// run rather than answered wrongly.
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernel.h"

namespace onyx {
namespace {

class GradientBuilder {
 public:
  GradientBuilder(const Graph& outer, DType dtype) : outer_(outer), dtype_(dtype) {}

  Result<std::shared_ptr<Graph>> build(const std::vector<std::string>& xs, const std::vector<std::string>& zs,
                                       const std::string& y, const std::vector<DType>& input_dtypes) {
    auto g = std::make_shared<Graph>();
    g->name = "gradient_of_" + y;
    std::vector<std::string> leaves = xs;
    leaves.insert(leaves.end(), zs.begin(), zs.end());
    for (size_t i = 0; i < leaves.size(); ++i) {
      ValueInfo vi;
      vi.name = leaves[i];
      vi.type.kind = TypeInfo::Kind::kTensor;
      vi.type.elem = input_dtypes[i];
      g->inputs.push_back(vi);
      leaf_.insert(leaves[i]);
    }
    for (size_t i = 0; i < outer_.nodes.size(); ++i) {
      for (const std::string& o : outer_.nodes[i].outputs) {
        if (!o.empty()) producer_[o] = i;
      }
    }
    if (leaf_.count(y) == 0 && producer_.count(y) == 0) {
      return error(Code::kInvalidModel, "'y' names tensor '", y, "', which no node produces");
    }
    ONYX_TRY(visit(y, 0));
    for (size_t idx : forward_) g->nodes.push_back(outer_.nodes[idx]);
    nodes_ = &g->nodes;

    std::string shape = fresh();
    add("Shape", {y}, shape);
    contribs_[y].push_back(fresh());
    add("ConstantOfShape", {shape}, contribs_[y].back(), {fill_attr(1.0)});

    for (size_t k = forward_.size(); k-- > 0;) {
      const Node& n = outer_.nodes[forward_[k]];
      if (n.outputs.size() != 1 || contribs_.count(n.outputs[0]) == 0) {
        if (n.outputs.size() != 1) return unsupported(n, forward_[k]);
        continue;
      }
      std::string gy = total(n.outputs[0]);
      const std::string& a = n.inputs.size() > 0 ? n.inputs[0] : empty_;
      const std::string& b = n.inputs.size() > 1 ? n.inputs[1] : empty_;
      if (n.op_type == "Add" && n.inputs.size() == 2) {
        push(a, gy);
        push(b, gy);
      } else if (n.op_type == "Sub" && n.inputs.size() == 2) {
        push(a, gy);
        push(b, op("Neg", {gy}));
      } else if (n.op_type == "Mul" && n.inputs.size() == 2) {
        push(a, op("Mul", {gy, b}));
        push(b, op("Mul", {gy, a}));
      } else if (n.op_type == "Div" && n.inputs.size() == 2) {
        push(a, op("Div", {gy, b}));
        push(b, op("Neg", {op("Div", {op("Mul", {gy, a}), op("Mul", {b, b})})}));
      } else if (n.op_type == "Neg" && n.inputs.size() == 1) {
        push(a, op("Neg", {gy}));
      } else if (n.op_type == "Identity" && n.inputs.size() == 1) {
        push(a, gy);
      } else {
        return unsupported(n, forward_[k]);
      }
    }

    for (size_t i = 0; i < xs.size(); ++i) {
      std::string out = "__gradient_output_" + std::to_string(i);
      if (contribs_.count(xs[i]) != 0) {
        add("Identity", {total(xs[i])}, out);
      } else {  // y does not depend on this x
        std::string s = fresh();
        add("Shape", {xs[i]}, s);
        add("ConstantOfShape", {s}, out, {fill_attr(0.0)});
      }
      ValueInfo vi;
      vi.name = out;
      g->outputs.push_back(vi);
    }
    return g;
  }

 private:
  // Post-order walk from `name` to the leaves: forward_ ends up topologically ordered.
  Status visit(const std::string& name, int depth) {
    if (name.empty() || leaf_.count(name) != 0) return Status();
    auto it = producer_.find(name);
    if (it == producer_.end() || visited_.count(it->second) != 0) return Status();
    if (depth > 100000) return error(Code::kInvalidModel, "the graph behind 'y' is too deep");
    visited_.insert(it->second);
    for (const std::string& in : outer_.nodes[it->second].inputs) ONYX_TRY(visit(in, depth + 1));
    forward_.push_back(it->second);
    return Status();
  }

  Status unsupported(const Node& n, size_t index) const {
    return error(Code::kUnsupported, "cannot differentiate through ", n.describe(index),
                 " (differentiable: Add, Sub, Mul, Div, Neg, Identity)");
  }

  std::string fresh() { return "__gradient_" + std::to_string(counter_++); }

  void add(const char* type, std::vector<std::string> in, const std::string& out, std::vector<Attribute> attrs = {}) {
    Node n;
    n.name = out;
    n.op_type = type;
    n.inputs = std::move(in);
    n.outputs = {out};
    n.attrs = std::move(attrs);
    nodes_->push_back(std::move(n));
  }

  std::string op(const char* type, std::vector<std::string> in) {
    std::string out = fresh();
    add(type, std::move(in), out);
    return out;
  }

  // Gradient flows only into leaves being differentiated and values computed from them.
  void push(const std::string& name, const std::string& grad) {
    if (name.empty()) return;
    bool differentiable = leaf_.count(name) != 0 || (producer_.count(name) != 0 && visited_.count(producer_.at(name)) != 0);
    if (differentiable) contribs_[name].push_back(grad);
  }

  std::string total(const std::string& name) {
    std::vector<std::string>& parts = contribs_[name];
    if (parts.size() == 1) return parts[0];
    std::string sum = op("Sum", parts);
    parts = {sum};
    return sum;
  }

  Attribute fill_attr(double v) const {
    Attribute a;
    a.name = "value";
    a.type = AttrType::kTensor;
    a.t = Tensor::make(dtype_, {1}).value();
    if (dtype_ == DType::kFloat64) {
      a.t.data_as<double>()[0] = v;
    } else {
      a.t.data_as<float>()[0] = static_cast<float>(v);
    }
    return a;
  }

  const Graph& outer_;
  DType dtype_;
  std::set<std::string> leaf_;
  std::unordered_map<std::string, size_t> producer_;
  std::set<size_t> visited_;
  std::vector<size_t> forward_;
  std::vector<Node>* nodes_ = nullptr;
  std::map<std::string, std::vector<std::string>> contribs_;
  int counter_ = 0;
  const std::string empty_;
};

class GradientKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    std::vector<std::string> xs, zs;
    std::string y;
    ONYX_TRY(ctx.attr_strings("xs", &xs));
    ONYX_TRY(ctx.attr_strings("zs", &zs));
    ONYX_TRY(ctx.attr_string("y", &y, ""));
    if (xs.empty()) return ctx.fail(Code::kInvalidModel, "attribute 'xs' must name at least one tensor");
    if (y.empty()) return ctx.fail(Code::kInvalidModel, "attribute 'y' is required");
    if (ctx.num_inputs() != static_cast<int>(xs.size() + zs.size())) {
      return ctx.fail(Code::kInvalidModel, "expected ", xs.size() + zs.size(), " inputs (xs then zs), got ",
                      ctx.num_inputs());
    }
    if (ctx.num_outputs() != static_cast<int>(xs.size())) {
      return ctx.fail(Code::kInvalidModel, "expected one output per entry of 'xs' (", xs.size(), "), got ",
                      ctx.num_outputs());
    }
    std::vector<DType> dtypes;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input ", i, " is missing");
      dtypes.push_back(ctx.in_dtype(i));
    }
    if (dtypes[0] != DType::kFloat32 && dtypes[0] != DType::kFloat64) return ctx.unsupported_dtype(0, dtypes[0]);
    if (body_ == nullptr) {
      if (ctx.graph() == nullptr) return ctx.fail(Code::kInternal, "the node's graph is not available");
      GradientBuilder builder(*ctx.graph(), dtypes[0]);
      Result<std::shared_ptr<Graph>> g = builder.build(xs, zs, y, dtypes);
      if (!g.ok()) return g.status();
      Result<Subgraph*> body = ctx.compile(std::move(*g));
      if (!body.ok()) return body.status();
      body_ = *body;
    }
    return ctx.dynamic();
  }

  Status run(RunContext& ctx) override {
    for (int i = 0; i < ctx.num_inputs(); ++i) ONYX_TRY(body_->set_input(i, ctx.input_value(i)));
    ONYX_TRY(body_->run());
    for (int i = 0; i < ctx.num_outputs(); ++i) {
      if (!ctx.has_output(i)) continue;
      const Value& g = body_->output(i);
      const Tensor& x = ctx.input(i);
      if (!g.is_tensor() || g.tensor.shape() != x.shape() || g.tensor.dtype() != x.dtype()) {
        return ctx.fail(Code::kUnsupported, "the gradient for input ", i, " has shape ", shape_str(g.tensor.shape()),
                        " but the input has ", shape_str(x.shape()), ": differentiating through broadcasting is not supported");
      }
      Tensor* out = ctx.output(i, x.dtype(), x.shape());
      if (out == nullptr) return ctx.fail(Code::kResourceExhausted, "cannot allocate output ", i);
      if (g.tensor.nbytes() != 0) std::memcpy(out->data(), g.tensor.data(), g.tensor.nbytes());
    }
    return Status();
  }

 private:
  Subgraph* body_ = nullptr;  // owned by the executor
};

}  // namespace

std::unique_ptr<Kernel> make_Gradient() { return make_kernel<GradientKernel>(); }

}  // namespace onyx
