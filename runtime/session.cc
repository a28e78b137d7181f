#include "onyx/session.h"

#include "graph_runner.h"
#include "onyx/graph_fusion.h"
#include "onyx/graph_passes.h"
#include "prims/fast_paths.h"
#ifdef ONYX_HAS_THREADS
#include "thread_pool.h"
#endif

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
  // Kernels implement the operator versions ONNX has released; a model claiming a later opset
  // asks for semantics nobody has defined yet.
  constexpr int64_t kMaxDefaultOpset = 23;  // ONNX 1.18
  if (model->opset("") > kMaxDefaultOpset) {
    return error(Code::kUnsupported, where, ": the model imports ai.onnx opset ", model->opset(""),
                 "; Onyx reads opsets up to ", kMaxDefaultOpset);
  }
  std::unique_ptr<Session> s(new Session());
  if (options.threads < 1) return error(Code::kInvalidArgument, "SessionOptions::threads must be >= 1");
#ifdef ONYX_HAS_THREADS
  if (options.task_runner == nullptr && options.threads > 1) {
    s->pool_ = std::make_unique<ThreadPool>(options.threads, options.pin_threads);
    options.task_runner = s->pool_.get();
  }
#endif
  s->model_ = std::move(model);
  // The plan runs a rewritten copy (tensors are shared, not copied); the reference mode runs
  // the graph as written.
  s->plan_model_ = s->model_;
  if (options.optimize && prims::fast_paths_enabled()) {
    auto copy = std::make_shared<Model>(*s->model_);
    size_t changed = remove_identity(copy->graph);
    changed += remove_dropout(copy->graph, copy->opset(""));
    changed += static_cast<size_t>(fuse_conv_chains(copy.get()));
    changed += static_cast<size_t>(fuse_gelu(copy.get()));
    if (changed > 0) s->plan_model_ = std::move(copy);
  }
  Result<std::unique_ptr<GraphRunner>> r = GraphRunner::create(*s->plan_model_, s->plan_model_->graph, options);
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
