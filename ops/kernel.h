// The whole operator API. A kernel is created once per node; prepare() validates the node and
// settles its output types and shapes (and scratch size); run() computes. "Prepare validates,
// run trusts": run() only guards data-dependent values (indices, integer divisors).
//
// Shapes known at prepare time are planned into the session arena, so run() of a static node
// allocates nothing. When a kernel cannot know an output shape without input *values* that are
// not constant, prepare() calls ctx.dynamic(); the executor then calls prepare() again at run
// time with every input value present before calling run(). Kernels whose output shape depends
// on what run() computes (NonZero, Loop) obtain outputs with RunContext::output(i, dtype, dims).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "onyx/graph.h"
#include "onyx/limits.h"
#include "onyx/share_speeds.h"
#include "onyx/task_runner.h"
#include "onyx/status.h"
#include "onyx/tensor.h"
#include "onyx/value.h"
#include "prims/align.h"

namespace onyx {

// Where a step's scratch is during run(): `shared` (the kernel's request_scratch bytes), and
// worker w's own (request_worker_scratch bytes) at workers + w * worker_stride. On two or more
// threads the executor gives each worker the same memory in every step, touched by no other
// thread: when a step's scratch lay in the shared arena, over tensors that other threads had
// written, each worker first had to take those cache lines over from the other core, and on two
// vCPUs in different core complexes that made SqueezeNet 1.1's two-thread run 3-6% slower.
struct ScratchPlace {
  void* shared = nullptr;
  size_t shared_size = 0;
  unsigned char* workers = nullptr;
  size_t worker_stride = 0;
  // Bytes of one block holding both (shared, then `workers` workers', each part on whole cache
  // lines), as block() lays it out.
  static size_t block_bytes(size_t shared, size_t per_worker, int workers) {
    return prims::align_size(shared) + prims::align_size(per_worker) * static_cast<size_t>(workers < 1 ? 1 : workers);
  }
  // Both in one block at p (prims::kAlign-aligned, block_bytes() long; null when that is 0).
  static ScratchPlace block(void* p, size_t shared, size_t per_worker) {
    ScratchPlace s;
    s.shared = shared != 0 ? p : nullptr;
    s.shared_size = shared;
    if (per_worker != 0 && p != nullptr) {
      s.workers = static_cast<unsigned char*>(p) + prims::align_size(shared);
      s.worker_stride = prims::align_size(per_worker);
    }
    return s;
  }
};

// Information about one node input as seen by prepare().
struct InputInfo {
  bool present = false;       // false: omitted optional input (empty name or beyond the list)
  ValueKind kind = ValueKind::kTensor;
  DType dtype = DType::kUndefined;
  Dims shape;
  const Tensor* value = nullptr;  // non-null when the value is known at prepare time
  const Value* full = nullptr;    // the whole Value when known (sequences/optionals)
};

// A compiled subgraph (a GRAPH attribute of If, Loop, Scan, SequenceMap) that a control-flow
// kernel runs. It reads values of the enclosing scopes directly. Outputs are views that stay
// valid until the next set_input/run; copy what must outlive an iteration.
class Subgraph {
 public:
  virtual ~Subgraph() = default;
  virtual const Graph& graph() const = 0;
  virtual Status set_input(int index, const Value& value) = 0;
  virtual Status run() = 0;
  virtual const Value& output(int index) const = 0;
};

// Implemented by the executor: compiles (once) and owns the subgraphs of a node.
class SubgraphProvider {
 public:
  virtual ~SubgraphProvider() = default;
  virtual Result<Subgraph*> subgraph(const Attribute& attr, size_t index) = 0;
  // Compiles a graph the kernel built itself, in the node's scope (it may read the values of
  // the graph around the node). The executor keeps it alive with the node.
  virtual Result<Subgraph*> compile(std::shared_ptr<const Graph> graph) = 0;
};

class PrepareContext {
 public:
  virtual ~PrepareContext() = default;

  const Node& node() const { return *node_; }
  // The schema version in effect for this node (the largest registered since-version <= the
  // model's opset for the node's domain).
  int since_version() const { return since_version_; }
  int64_t opset() const { return opset_; }

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  bool has_input(int i) const { return i < num_inputs() && inputs_[i].present; }
  const InputInfo& input(int i) const { return inputs_[i]; }
  DType in_dtype(int i) const { return inputs_[i].dtype; }
  const Dims& in_shape(int i) const { return inputs_[i].shape; }
  // The input's value if known now (constant, or at run time for dynamic nodes); else null.
  const Tensor* in_value(int i) const { return has_input(i) ? inputs_[i].value : nullptr; }

  int num_outputs() const { return static_cast<int>(node_->outputs.size()); }
  bool has_output(int i) const { return i < num_outputs() && !node_->outputs[i].empty(); }
  // Declares output i as a tensor of this dtype and shape.
  void set_output(int i, DType dtype, Dims dims);
  // Declares output i as a constant known now (e.g. Shape); the node will not run.
  // Only honoured when every output of the node is given a value this way.
  void set_output_value(int i, Tensor value);
  // Declares a non-tensor output (sequence, optional); such outputs are always heap-allocated.
  void set_output_kind(int i, ValueKind kind, DType elem);
  // Output shapes depend on input values not known yet, or on what run() computes.
  Status dynamic() {
    dynamic_ = true;
    return Status();
  }
  // Bytes of scratch memory run() needs (placed in the arena, valid only during run()): shared
  // (RunContext::scratch), and each thread's own (RunContext::worker_scratch, for workers()
  // threads).
  void request_scratch(size_t bytes) { scratch_bytes_ = bytes; }
  void request_worker_scratch(size_t bytes) { worker_scratch_bytes_ = bytes; }
  // Threads RunContext::parallel_for will use.
  int workers() const { return workers_; }
  // The session's resource bounds (onyx/limits.h). A kernel that builds tables sized by an
  // output shape checks that shape first: the executor checks declared outputs only after
  // prepare() returns.
  const Limits& limits() const {
    static const Limits defaults;
    return limits_ != nullptr ? *limits_ : defaults;
  }
  // checked_numel(dims), also held to Limits::max_tensor_elements (kResourceExhausted).
  Result<int64_t> checked_elements(const Dims& dims) const {
    Result<int64_t> n = checked_numel(dims);
    if (!n.ok() || *n <= limits().max_tensor_elements) return n;
    return Status(Code::kResourceExhausted, str_cat("shape ", shape_str(dims), " has ", *n,
                                                    " elements: over Limits::max_tensor_elements = ",
                                                    limits().max_tensor_elements));
  }

  // Attribute access with spec defaults. The typed getters return an error through `status`
  // when the attribute exists with the wrong type.
  const Attribute* attr(const char* name) const { return node_->attr(name); }
  bool has_attr(const char* name) const { return node_->attr(name) != nullptr; }
  Status attr_int(const char* name, int64_t* out, int64_t def) const;
  Status attr_int(const char* name, int64_t* out) const;  // required
  Status attr_float(const char* name, float* out, float def) const;
  Status attr_string(const char* name, std::string* out, const std::string& def) const;
  Status attr_ints(const char* name, std::vector<int64_t>* out) const;  // empty if absent
  Status attr_floats(const char* name, std::vector<float>* out) const;  // empty if absent
  Status attr_strings(const char* name, std::vector<std::string>* out) const;

  // The compiled subgraph of GRAPH attribute `name` (or element `index` of a GRAPHS one).
  // Owned by the executor; valid as long as the session. Error if absent or not a graph.
  Result<Subgraph*> subgraph(const char* name, size_t index = 0) const;
  // Compiles a kernel-built graph in this node's scope (see SubgraphProvider::compile).
  Result<Subgraph*> compile(std::shared_ptr<const Graph> graph) const;
  // The graph this node belongs to (for ops that look at their surroundings, like Gradient).
  const Graph* graph() const { return graph_; }

  // Errors name the node; the session adds the model. Example:
  //   return ctx.fail(Code::kUnsupported, "input 'X' has dtype ", dtype_name(t));
  template <class... Args>
  Status fail(Code code, const Args&... args) const {
    return Status(code, str_cat(args...));
  }
  // Standard error for a dtype the kernel does not implement.
  Status unsupported_dtype(int input_index, DType dtype) const;
  // Name of input / output i (for messages).
  const std::string& input_name(int i) const { return node_->inputs[i]; }
  const std::string& output_name(int i) const { return node_->outputs[i]; }

  // --- used by the executor ---
  struct OutputDecl {
    bool set = false;
    ValueKind kind = ValueKind::kTensor;
    DType dtype = DType::kUndefined;
    Dims shape;
    bool has_value = false;
    Tensor value;
  };
  void reset(const Node* node, int since_version, int64_t opset, std::vector<InputInfo> inputs);
  void set_scope(const Graph* graph, SubgraphProvider* p) {
    graph_ = graph;
    subgraphs_ = p;
  }
  void set_workers(int workers) { workers_ = workers; }
  void set_limits(const Limits* limits) { limits_ = limits; }
  bool is_dynamic() const { return dynamic_; }
  size_t scratch_bytes() const { return scratch_bytes_; }
  size_t worker_scratch_bytes() const { return worker_scratch_bytes_; }
  // For a step run off the plan: its scratch as one block (ScratchPlace::block) in `buffer`,
  // which grows when it is short.
  ScratchPlace scratch_in(std::vector<uint8_t>* buffer) const;
  const std::vector<OutputDecl>& outputs() const { return outputs_; }
  std::vector<InputInfo>& mutable_inputs() { return inputs_; }
  // After prepare(): an error if the kernel declared an output the node does not name (a
  // required output left out or given as ""), which run() would then write.
  Status check_outputs() const;

 private:
  OutputDecl* declare(int i);  // null (and the index remembered) for an output the node lacks

  const Node* node_ = nullptr;
  int since_version_ = 0;
  int64_t opset_ = 0;
  std::vector<InputInfo> inputs_;
  std::vector<OutputDecl> outputs_;
  int missing_output_ = -1;
  bool dynamic_ = false;
  size_t scratch_bytes_ = 0, worker_scratch_bytes_ = 0;
  int workers_ = 1;
  const Limits* limits_ = nullptr;
  SubgraphProvider* subgraphs_ = nullptr;
  const Graph* graph_ = nullptr;
};

// Part `part` of `parts` of [0, count) in whole blocks of `block` items, as [*begin, *end): the
// blocks are shared out evenly (their counts differ by one at most); the last block may be
// partial and a part may be empty. For splitting work between threads without a range ending
// in a partial block that another range also pays for (a micro-tile, a block of lanes).
inline void block_range(int64_t count, int64_t block, int64_t part, int64_t parts, int64_t* begin, int64_t* end) {
  const int64_t blocks = (count + block - 1) / block;
  *begin = std::min(count, part * blocks / parts * block);
  *end = std::min(count, (part + 1) * blocks / parts * block);
}

class RunContext {
 public:
  virtual ~RunContext() = default;

  const Node& node() const { return *node_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  bool has_input(int i) const { return i < num_inputs() && inputs_[i] != nullptr; }
  const Tensor& input(int i) const { return inputs_[i]->tensor; }
  const Value& input_value(int i) const { return *inputs_[i]; }

  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  bool has_output(int i) const { return i < num_outputs() && outputs_[i] != nullptr; }
  // Output i with the dtype and shape settled by prepare().
  Tensor& output(int i) { return outputs_[i]->tensor; }
  // Output i whose shape is only known now. For a planned output the dims must equal the
  // planned ones; otherwise memory is allocated (only for dynamic nodes). Null on failure.
  virtual Tensor* output(int i, DType dtype, const Dims& dims) = 0;
  Value& output_value(int i) { return *outputs_[i]; }

  void* scratch() { return scratch_.shared; }
  size_t scratch_size() const { return scratch_.shared_size; }
  // Worker w's own scratch, for w in [0, workers()) (see ScratchPlace).
  void* worker_scratch(int w) { return scratch_.workers + static_cast<size_t>(w) * scratch_.worker_stride; }

  // The session's resource bounds (onyx/limits.h).
  const Limits& limits() const {
    static const Limits defaults;
    return limits_ != nullptr ? *limits_ : defaults;
  }
  // Counts one execution of a loop body (Loop, Scan, SequenceMap) against
  // Limits::max_loop_iterations; the budget is shared by every loop of one session run.
  Status count_iteration() {
    if (iterations_ == nullptr) return Status();
    const int64_t n = iterations_->fetch_add(1, std::memory_order_relaxed) + 1;
    if (n <= limits().max_loop_iterations) return Status();
    return Status(Code::kResourceExhausted, str_cat("loop bodies ran ", n, " times in this run: over ",
                                                    "Limits::max_loop_iterations = ", limits().max_loop_iterations));
  }

  template <class... Args>
  Status fail(Code code, const Args&... args) const {
    return Status(code, str_cat(args...));
  }

  // --- used by the executor ---
  void bind(const Node* node, std::vector<const Value*> inputs, std::vector<Value*> outputs,
            const ScratchPlace& scratch) {
    node_ = node;
    inputs_ = std::move(inputs);
    outputs_ = std::move(outputs);
    scratch_ = scratch;
  }
  void set_limits(const Limits* limits, std::atomic<int64_t>* iterations) {
    limits_ = limits;
    iterations_ = iterations;
  }
  void set_task_runner(TaskRunner* tasks) {
    tasks_ = tasks;
    speeds_.clear();
    const int workers = tasks != nullptr ? tasks->workers() : 1;
    for (int i = 0; workers > 1 && i < kShareSites; ++i) speeds_.emplace_back(workers);
  }
  // Before each run of the step: parallel_shares calls count from the first site again.
  void new_run() { site_ = 0; }

  // Splits work over the session's threads: fn(task, worker) for every task in [0, tasks),
  // worker in [0, workers()) (a worker's scratch share is disjoint from the others'). Serial
  // when the session has one thread.
  int workers() const { return tasks_ != nullptr ? tasks_->workers() : 1; }
  template <class F>
  void parallel_for(int64_t tasks, F&& fn) {
    if (tasks_ == nullptr || tasks <= 1 || tasks_->workers() <= 1) {
      for (int64_t t = 0; t < tasks; ++t) fn(t, 0);
      return;
    }
    using Fn = std::remove_reference_t<F>;
    tasks_->run(tasks, [](void* c, int64_t t, int w) { (*static_cast<Fn*>(c))(t, w); }, &fn);
  }
  // fn(row) for every row in [0, rows), rows of row_len elements, shared between threads in
  // tasks of whole rows of about 16K elements each (a small tensor stays on one thread).
  template <class F>
  void parallel_rows(int64_t rows, int64_t row_len, F&& fn) {
    const int64_t per_task = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(row_len, 1));
    parallel_for((rows + per_task - 1) / per_task, [&](int64_t task, int) {
      const int64_t end = std::min(rows, (task + 1) * per_task);
      for (int64_t r = task * per_task; r < end; ++r) fn(r);
    });
  }
  // Splits [0, units) into one run per thread, fn(begin, end, worker), in multiples of `grain`
  // and sized to the threads' speeds (TaskRunner::run_shares) as measured on this call site:
  // the step's n-th call of a run (the first kShareSites; later ones share the last). On two
  // vCPUs of one machine the second ran ResNet-18's convolutions at 0.89-1.05 times the
  // first's speed, depending on the layer, and the padding before a strided one at 0.2-0.4: one
  // estimate for all left 5% of two-thread time waiting for the slower thread. Serial:
  // fn(0, units, 0).
  template <class F>
  void parallel_shares(int64_t units, int64_t grain, F&& fn) {
    if (units <= 0) return;
    if (tasks_ == nullptr || units <= grain || tasks_->workers() <= 1) {
      fn(int64_t{0}, units, 0);
      return;
    }
    using Fn = std::remove_reference_t<F>;
    ShareSpeeds* speeds = speeds_.empty() ? nullptr : &speeds_[std::min(site_++, speeds_.size() - 1)];
    tasks_->run_shares(units, grain, [](void* c, int64_t b, int64_t e, int w) { (*static_cast<Fn*>(c))(b, e, w); },
                       &fn, speeds);
  }

 protected:
  const Node* node_ = nullptr;
  std::vector<const Value*> inputs_;
  std::vector<Value*> outputs_;
  ScratchPlace scratch_;
  const Limits* limits_ = nullptr;
  std::atomic<int64_t>* iterations_ = nullptr;
  TaskRunner* tasks_ = nullptr;
  static constexpr int kShareSites = 4;
  std::vector<ShareSpeeds> speeds_;  // per parallel_shares site, when the runner has 2+ workers
  size_t site_ = 0;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // May be called more than once (when input shapes change, or at run for dynamic nodes);
  // must reset any state it derives.
  virtual Status prepare(PrepareContext& ctx) = 0;
  virtual Status run(RunContext& ctx) = 0;
  // True when run() has no side effects and the same inputs always give the same outputs,
  // so the node may be folded when its inputs are constant.
  virtual bool deterministic() const { return true; }
};

template <class K, class... Args>
std::unique_ptr<Kernel> make_kernel(Args&&... args) {
  return std::make_unique<K>(static_cast<Args&&>(args)...);
}

}  // namespace onyx
