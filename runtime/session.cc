#include "onyx/session.h"

#include "graph_runner.h"

namespace onyx {

Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::create(std::shared_ptr<const Model> model, SessionOptions options) {
  if (model == nullptr) return error(Code::kInvalidArgument, "no model");
  const std::string& where = model->source.empty() ? std::string("model") : model->source;
  if (model->opset("") == 0 && !model->graph.nodes.empty()) {
    bool uses_default = false;
    for (const Node& n : model->graph.nodes) uses_default |= n.domain.empty() || n.domain == "ai.onnx";
    if (uses_default) return error(Code::kInvalidModel, where, ": the model imports no opset for the default domain");
  }
  std::unique_ptr<Session> s(new Session());
  s->model_ = std::move(model);
  Result<std::unique_ptr<GraphRunner>> r = GraphRunner::create(*s->model_, s->model_->graph, options);
  if (!r.ok()) return r.status().with_context(where);
  s->runner_ = std::move(*r);
  for (const ValueInfo& vi : s->model_->graph.inputs) {
    if (s->model_->graph.initializer(vi.name) == nullptr) s->inputs_.push_back(vi);
  }
  // Plan right away when every input shape is static, so arena_bytes() is known before the
  // first run; otherwise planning waits for the inputs.
  bool all_static = true;
  for (const ValueInfo& vi : s->inputs_) {
    if (vi.type.kind != TypeInfo::Kind::kTensor || !vi.type.has_shape || vi.type.elem == DType::kUndefined) {
      all_static = false;
    }
    for (const Dim& d : vi.type.shape) all_static &= d.fixed();
  }
  if (all_static) ONYX_TRY(s->runner_->prepare().with_context(where));
  return s;
}

Status Session::set_input(const std::string& name, const Tensor& tensor) {
  return set_input(name, Value::of(tensor));
}

Status Session::set_input(const std::string& name, const Value& value) {
  int idx = runner_->input_index(name);
  if (idx < 0) {
    std::string names;
    for (const ValueInfo& vi : inputs_) names += (names.empty() ? "'" : ", '") + vi.name + "'";
    return error(Code::kNotFound, model_->source, ": the model has no input '", name, "' (inputs: ", names, ")");
  }
  return runner_->set_input(idx, value).with_context(model_->source);
}

Status Session::prepare() { return runner_->prepare().with_context(model_->source); }

Status Session::run() { return runner_->run().with_context(model_->source); }

const Value* Session::output_value(const std::string& name) const { return runner_->output(name); }

const Tensor* Session::output(const std::string& name) const {
  const Value* v = runner_->output(name);
  return v != nullptr && v->is_tensor() ? &v->tensor : nullptr;
}

bool Session::prepared() const { return runner_->prepared(); }
size_t Session::arena_bytes() const { return runner_->arena_bytes(); }
size_t Session::planned_nodes() const { return runner_->planned_nodes(); }

}  // namespace onyx
