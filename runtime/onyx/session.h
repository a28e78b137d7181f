// Session: the C++ API for running a model. Create it from a loaded Model (see proto/loader.h
// for files and buffers), bind inputs by name, run, read outputs by name.
//
//   auto s = onyx::Session::create(model).value();
//   ONYX_TRY(s->set_input("x", onyx::Tensor::view(DType::kFloat32, {1, 3}, data)));
//   ONYX_TRY(s->run());
//   const onyx::Tensor* y = s->output("y");   // a view, valid until the next run
//
// A session is not thread-safe; use one per thread. Preparing (planning memory for a set of
// input shapes) happens at create() when every input shape is static, otherwise at the first
// run() and again whenever input shapes change. run() of a prepared static model allocates
// nothing: every intermediate lives in one arena, placed by lifetime.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "onyx/graph.h"
#include "onyx/limits.h"
#include "onyx/task_runner.h"
#include "onyx/status.h"
#include "onyx/tensor.h"
#include "onyx/value.h"

namespace onyx {

// Told when each node starts and finishes running (profilers: `onyx bench --profile`). Nodes of
// If/Loop/Scan bodies are reported too, between their parent's begin and end.
class NodeObserver {
 public:
  virtual ~NodeObserver() = default;
  virtual void node_begin(const Node& node) = 0;
  virtual void node_end(const Node& node) = 0;
};

struct SessionOptions {
  // Caller-supplied arena (optional). Must be 64-byte aligned and at least arena_bytes() big
  // for the shapes being run; otherwise run() fails with kResourceExhausted.
  void* arena = nullptr;
  size_t arena_size = 0;
  // Reject inputs whose shape disagrees with the model's declared input shape. Dtypes are
  // always checked. (Conformance runners turn this off: some suites declare wrong shapes.)
  bool check_input_shapes = true;
  // Run nodes whose inputs are all constant once at prepare time (outputs up to
  // limits.max_fold_bytes).
  bool fold_constants = true;
  // Resource bounds (tensor sizes, nodes, nesting, loop iterations): see onyx/limits.h.
  Limits limits;
  // Intra-op threads (the caller's included). With task_runner null and threads > 1 the
  // session starts its own sleeping pool (hosted builds); a firmware may pass its own runner.
  int threads = 1;
  TaskRunner* task_runner = nullptr;
  // The session's own pool keeps each of its threads to a CPU of its own, other than the one
  // creating the session (when the process may use enough CPUs): otherwise, after an idle
  // spell, Linux may wake a thread onto the caller's CPU and the two take turns (see
  // runtime/thread_pool.h). Off for a firmware that places its threads itself.
  bool pin_threads = true;
  // Graph rewrites for speed at creation: Identity and inference-time Dropout removed, Conv +
  // Add + Relu/Clip fused; outputs stay within float rounding of the graph as written.
  bool optimize = true;
  // Optional; must outlive the session.
  NodeObserver* observer = nullptr;
};

class GraphRunner;

class Session {
 public:
  static Result<std::unique_ptr<Session>> create(std::shared_ptr<const Model> model,
                                                 SessionOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const Model& model() const { return *model_; }
  // Graph inputs the caller must provide (initializers excluded), and graph outputs.
  const std::vector<ValueInfo>& inputs() const { return inputs_; }
  const std::vector<ValueInfo>& outputs() const { return model_->graph.outputs; }

  // Binds an input by name (a view: the memory must stay valid through run()).
  Status set_input(const std::string& name, const Tensor& tensor);
  Status set_input(const std::string& name, const Value& value);
  // Prepares for the given shapes of every input, without running (useful to learn
  // arena_bytes() for symbolic models). Inputs already bound supply their shapes.
  Status prepare();
  Status run();

  // Output by name after run(); null if no such output. Views into the session's memory.
  const Tensor* output(const std::string& name) const;
  const Value* output_value(const std::string& name) const;

  bool prepared() const;
  // Peak bytes of the planned arena (0 before prepare).
  size_t arena_bytes() const;
  // Number of nodes the plan executes at run (after constant folding).
  size_t planned_nodes() const;

 private:
  Session() = default;
  std::shared_ptr<const Model> model_;
  std::vector<ValueInfo> inputs_;
  std::shared_ptr<const Model> plan_model_;  // model_, or its rewrite (onyx/graph_fusion.h)
  std::unique_ptr<TaskRunner> pool_;  // when the session made its own threads
  std::unique_ptr<GraphRunner> runner_;
};

}  // namespace onyx
