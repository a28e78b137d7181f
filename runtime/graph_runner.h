// GraphRunner: the plan and the executor of one graph. It resolves a kernel per node, orders
// the nodes, and for a set of input shapes prepares every kernel, folds constants, plans the
// arena and binds each step's inputs and outputs; run() then walks the steps. Internal to the
// runtime (Session is the public face); control-flow kernels will reuse it for subgraphs.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernel.h"
#include "registry.h"
#include "onyx/memory_planner.h"
#include "onyx/graph.h"
#include "onyx/session.h"

namespace onyx {

class GraphRunner {
 public:
  // `model` supplies opsets and the name used in messages; it must outlive the runner.
  // `parent` is the runner of the enclosing graph when `graph` is a subgraph: names the
  // subgraph does not define are read from the enclosing scopes.
  static Result<std::unique_ptr<GraphRunner>> create(const Model& model, const Graph& graph,
                                                     const SessionOptions& options,
                                                     const GraphRunner* parent = nullptr, int depth = 0);
  ~GraphRunner();

  // Index of a graph input (including initializer-backed inputs of old IR versions), or -1.
  int input_index(const std::string& name) const;
  Status set_input(int index, const Value& value);

  Status prepare();
  Status run();
  bool prepared() const { return prepared_; }

  const Value* output(const std::string& name) const;
  const Value& output(size_t index) const;
  const Graph& graph() const { return *graph_; }
  size_t arena_bytes() const { return arena_bytes_; }
  size_t planned_nodes() const;

  // Where each named value of this graph lives after prepare(), read by the .onyx compiler
  // (runtime/compiled_model_compile.cc) to export the plan. Pointers stay valid until the next
  // prepare().
  enum class Placed : uint8_t { kInput, kInitializer, kConstant, kArena, kHeap, kOuter, kUnknown };
  struct PlacedValue {
    const std::string* name = nullptr;
    const Value* value = nullptr;
    Placed placed = Placed::kUnknown;
    size_t arena_offset = 0;  // kArena
  };
  std::vector<PlacedValue> placed_values() const;

 private:
  enum class Storage : uint8_t { kNone, kInput, kInitializer, kConstant, kArena, kHeap, kOuter };
  struct Slot {
    std::string name;
    Value value;
    Storage storage = Storage::kNone;
    bool known = false;      // dtype and shape (or kind) known at prepare
    int producer = -1;       // step index, -1 for inputs/initializers
    int last_use = -1;       // last step position reading it
    bool graph_output = false;
    const Value* outer = nullptr;  // kOuter: the value in an enclosing scope
    Dims prepared_shape;           // kOuter: its shape when this graph was prepared
    ValueKind prepared_kind = ValueKind::kTensor;  // kOuter: its kind then
  };
  enum class Mode : uint8_t { kSkip, kStatic, kDynamic };
  class StepContext;
  class StepSubgraphs;
  struct Step {
    size_t node_index = 0;
    const Node* node = nullptr;
    OpMatch op;
    std::unique_ptr<Kernel> kernel;
    std::vector<int> inputs;   // slot ids, -1 for omitted
    std::vector<int> outputs;  // slot ids, -1 for omitted
    std::vector<int> captures; // slots the node's subgraphs read (implicit inputs)
    std::unique_ptr<StepSubgraphs> subgraphs;
    Mode mode = Mode::kStatic;
    size_t scratch_bytes = 0;         // shared (PrepareContext::request_scratch)
    size_t worker_scratch_bytes = 0;  // each worker's own (request_worker_scratch)
    size_t scratch_offset = 0;
    std::unique_ptr<StepContext> ctx;
    std::vector<uint8_t> heap_scratch;  // dynamic steps only
  };
  struct GraphInput {
    int slot = -1;
    const ValueInfo* info = nullptr;
    bool bound = false;
    Dims prepared_shape;
    ValueKind prepared_kind = ValueKind::kTensor;
  };

  GraphRunner() = default;
  std::string where(const Step& s) const;
  // Threads the kernels may use (the session's task runner's, else 1).
  int workers() const { return options_.task_runner != nullptr ? options_.task_runner->workers() : 1; }
  const Value& value_of(int id) const {
    return slots_[id].outer != nullptr ? *slots_[id].outer : slots_[id].value;
  }
  // The value named `name` in this scope or an enclosing one, or null.
  const Value* find_value(const std::string& name) const;
  bool outer_shapes_changed() const;
  Status check_input(const GraphInput& in, const Value& v) const;
  std::vector<InputInfo> input_infos(const Step& s, bool with_values) const;
  Status prepare_step(Step& s, int pos, PrepareContext& pctx, std::vector<size_t>* out_bytes);
  Status fold_step(Step& s, PrepareContext& pctx);
  Status run_dynamic(Step& s);
  // Limits::max_tensor_elements for output `i` of step `s` (an error naming both).
  Status check_output_size(const Step& s, size_t i, const Dims& dims) const;
  // Adds `n` output elements to this run's work (Limits::max_run_elements).
  Status charge_elements(int64_t n) const;
  Status allocate_arena();
  // An input of a Concat written straight into its slice of the Concat's output.
  struct InPlace {
    int slot = -1;    // the input
    int within = -1;  // the Concat's output
    size_t offset = 0;
  };
  // Finds the Concats whose inputs can live inside the output (see graph_runner.cc), drops those
  // inputs' buffer requests and stretches the output's back to the first input's producer.
  std::vector<InPlace> plan_in_place_concats(std::vector<BufferRequest>& requests,
                                             const std::vector<std::pair<int, int>>& request_owner) const;

  const Model* model_ = nullptr;
  const GraphRunner* parent_ = nullptr;
  int depth_ = 0;
  const Graph* graph_ = nullptr;
  SessionOptions options_;
  std::vector<Slot> slots_;
  std::unordered_map<std::string, int> slot_of_;
  std::vector<Step> steps_;  // in topological order
  std::vector<GraphInput> inputs_;
  std::vector<int> outputs_;
  bool prepared_ = false;
  size_t arena_bytes_ = 0;
  std::shared_ptr<void> arena_owner_;
  uint8_t* arena_ = nullptr;
  // Loop-body executions of the current run, shared with every subgraph (Limits::max_loop_iterations).
  std::atomic<int64_t> own_iterations_{0};
  std::atomic<int64_t>* iterations_ = &own_iterations_;
  // Output elements of the current run's nodes, all graphs (Limits::max_run_elements), and the
  // part the static steps of this graph add every time it runs.
  std::atomic<int64_t> own_elements_{0};
  std::atomic<int64_t>* elements_ = &own_elements_;
  int64_t static_elements_ = 0;
};

}  // namespace onyx
