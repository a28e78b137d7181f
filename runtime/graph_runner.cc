#include "graph_runner.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "aligned_memory.h"
#include "onyx/memory_planner.h"
#include "onyx/topo_order.h"
#include "prims/fast_paths.h"

namespace onyx {

// The RunContext of one step. Planned outputs are views into the arena; outputs of dynamic
// steps (and outputs a kernel sizes at run) are allocated here.
class GraphRunner::StepContext final : public RunContext {
 public:
  Tensor* output(int i, DType dtype, const Dims& dims) override {
    Value* v = outputs_[i];
    if (planned && v->tensor.defined()) {
      if (v->tensor.dtype() != dtype || v->tensor.shape() != dims) return nullptr;
      return &v->tensor;
    }
    Result<int64_t> n = checked_numel(dims);
    if (!n.ok() || *n > limits().max_tensor_elements) {
      limit_error = error(Code::kResourceExhausted, "output '", node().outputs[i], "' of shape ", shape_str(dims),
                          " is over Limits::max_tensor_elements = ", limits().max_tensor_elements);
      return nullptr;
    }
    Result<Tensor> t = Tensor::make(dtype, dims);
    if (!t.ok()) return nullptr;
    v->kind = ValueKind::kTensor;
    v->tensor = *t;
    return &v->tensor;
  }
  bool planned = false;  // outputs were placed by the planner
  Status limit_error;    // why output() refused a size, reported instead of the kernel's message
};

// A subgraph as the kernels see it: a GraphRunner over the body, reading enclosing scopes.
class BodyRunner final : public Subgraph {
 public:
  explicit BodyRunner(std::unique_ptr<GraphRunner> r) : runner_(std::move(r)) {}
  const Graph& graph() const override { return runner_->graph(); }
  Status set_input(int index, const Value& value) override {
    if (index < 0 || static_cast<size_t>(index) >= runner_->graph().inputs.size()) {
      return error(Code::kInvalidArgument, "subgraph '", runner_->graph().name, "' has no input ", index);
    }
    int i = runner_->input_index(runner_->graph().inputs[index].name);
    return runner_->set_input(i, value);
  }
  Status run() override { return runner_->run(); }
  const Value& output(int index) const override { return runner_->output(static_cast<size_t>(index)); }

 private:
  std::unique_ptr<GraphRunner> runner_;
};

// The subgraphs of one step, compiled on first request.
class GraphRunner::StepSubgraphs final : public SubgraphProvider {
 public:
  StepSubgraphs(const GraphRunner* owner, const Step* step) : owner_(owner), step_(step) {}
  Result<Subgraph*> subgraph(const Attribute& attr, size_t index) override {
    for (auto& b : bodies_) {
      if (b.attr == &attr && b.index == index) return static_cast<Subgraph*>(b.body.get());
    }
    const Graph& g = attr.type == AttrType::kGraph ? *attr.g : *attr.graphs[index];
    Result<std::unique_ptr<GraphRunner>> r =
        GraphRunner::create(*owner_->model_, g, owner_->options_, owner_, owner_->depth_ + 1);
    if (!r.ok()) return r.status().with_context("subgraph '" + attr.name + "'");
    bodies_.push_back({&attr, index, nullptr, std::make_unique<BodyRunner>(std::move(*r))});
    return static_cast<Subgraph*>(bodies_.back().body.get());
  }
  Result<Subgraph*> compile(std::shared_ptr<const Graph> graph) override {
    if (graph == nullptr) return error(Code::kInternal, "no graph to compile");
    Result<std::unique_ptr<GraphRunner>> r =
        GraphRunner::create(*owner_->model_, *graph, owner_->options_, owner_, owner_->depth_ + 1);
    if (!r.ok()) return r.status().with_context("generated subgraph '" + graph->name + "'");
    bodies_.push_back({nullptr, 0, std::move(graph), std::make_unique<BodyRunner>(std::move(*r))});
    return static_cast<Subgraph*>(bodies_.back().body.get());
  }

 private:
  struct Body {
    const Attribute* attr;
    size_t index;
    std::shared_ptr<const Graph> owned;  // kernel-built graphs
    std::unique_ptr<BodyRunner> body;
  };
  const GraphRunner* owner_;
  const Step* step_;
  std::vector<Body> bodies_;
};

GraphRunner::~GraphRunner() = default;

const Value* GraphRunner::find_value(const std::string& name) const {
  auto it = slot_of_.find(name);
  if (it != slot_of_.end()) return &value_of(it->second);
  return parent_ != nullptr ? parent_->find_value(name) : nullptr;
}

bool GraphRunner::outer_shapes_changed() const {
  for (const Slot& s : slots_) {
    if (s.outer == nullptr) continue;
    if (s.outer->kind != s.prepared_kind) return true;
    if (s.outer->is_tensor() && s.outer->tensor.shape() != s.prepared_shape) return true;
  }
  return false;
}

std::string GraphRunner::where(const Step& s) const { return s.node->describe(s.node_index); }

Result<std::unique_ptr<GraphRunner>> GraphRunner::create(const Model& model, const Graph& graph,
                                                         const SessionOptions& options,
                                                         const GraphRunner* parent, int depth) {
  if (depth > options.limits.max_graph_depth) {
    return error(Code::kInvalidModel, "subgraph '", graph.name, "' is nested ", depth,
                 " levels deep: over Limits::max_graph_depth = ", options.limits.max_graph_depth);
  }
  if (static_cast<int64_t>(graph.nodes.size()) > options.limits.max_nodes) {
    return error(Code::kResourceExhausted, "graph '", graph.name, "' has ", graph.nodes.size(),
                 " nodes: over Limits::max_nodes = ", options.limits.max_nodes);
  }
  std::unique_ptr<GraphRunner> r(new GraphRunner());
  r->model_ = &model;
  r->graph_ = &graph;
  r->options_ = options;
  r->parent_ = parent;
  r->depth_ = depth;
  if (parent != nullptr) {
    r->iterations_ = parent->iterations_;
    r->elements_ = parent->elements_;
  }

  auto add_slot = [&](const std::string& name) -> int {
    auto it = r->slot_of_.find(name);
    if (it != r->slot_of_.end()) return it->second;
    int id = static_cast<int>(r->slots_.size());
    r->slots_.push_back(Slot{});
    r->slots_.back().name = name;
    r->slot_of_.emplace(name, id);
    return id;
  };

  std::vector<std::string> available;
  for (const NamedTensor& init : graph.initializers) {
    if (r->slot_of_.count(init.name) != 0) {
      return error(Code::kInvalidModel, "initializer '", init.name, "' is defined twice");
    }
    int id = add_slot(init.name);
    Slot& s = r->slots_[id];
    s.storage = Storage::kInitializer;
    s.value = Value::of(init.tensor);
    s.known = true;
    available.push_back(init.name);
  }
  for (const ValueInfo& vi : graph.inputs) {
    if (vi.name.empty()) return error(Code::kInvalidModel, "a graph input has an empty name");
    bool has_init = r->slot_of_.count(vi.name) != 0;
    for (const GraphInput& gi : r->inputs_) {
      if (r->slots_[gi.slot].name == vi.name) {
        return error(Code::kInvalidModel, "graph input '", vi.name, "' is declared twice");
      }
    }
    int id = add_slot(vi.name);
    if (!has_init) {
      r->slots_[id].storage = Storage::kInput;
      available.push_back(vi.name);
    }
    r->inputs_.push_back(GraphInput{id, &vi, false, {}});
  }

  if (parent != nullptr) {
    // Names this subgraph reads but does not define come from the enclosing scopes.
    std::vector<std::string> wanted;
    for (const Node& n : graph.nodes) {
      for (const std::string& in : n.inputs) wanted.push_back(in);
      for (const std::string& c : n.captured_names()) wanted.push_back(c);
    }
    for (const ValueInfo& vi : graph.outputs) wanted.push_back(vi.name);
    std::vector<std::string> produced;
    for (const Node& n : graph.nodes) produced.insert(produced.end(), n.outputs.begin(), n.outputs.end());
    for (const std::string& name : wanted) {
      if (name.empty() || r->slot_of_.count(name) != 0) continue;
      if (std::find(produced.begin(), produced.end(), name) != produced.end()) continue;
      const Value* outer = parent->find_value(name);
      if (outer == nullptr) continue;  // topo_order reports it
      int id = add_slot(name);
      r->slots_[id].storage = Storage::kOuter;
      r->slots_[id].outer = outer;
      r->slots_[id].known = true;
      available.push_back(name);
    }
  }

  std::vector<size_t> order;
  ONYX_TRY(topo_order(graph, available, &order));

  const size_t n = order.size();
  r->steps_.resize(n);
  for (size_t pos = 0; pos < n; ++pos) {
    Step& s = r->steps_[pos];
    s.node_index = order[pos];
    s.node = &graph.nodes[order[pos]];
    int64_t opset = model.opset(s.node->domain);
    Result<OpMatch> m = find_op(s.node->domain, s.node->op_type, opset);
    if (!m.ok()) return m.status().with_context(s.node->describe(s.node_index));
    s.op = *m;
    s.kernel = s.op.entry->create();
    s.ctx = std::make_unique<StepContext>();
    s.ctx->set_limits(&r->options_.limits, r->iterations_);
    s.ctx->set_task_runner(r->options_.task_runner);
    for (const std::string& in : s.node->inputs) {
      s.inputs.push_back(in.empty() ? -1 : r->slot_of_.at(in));
    }
    for (const std::string& out : s.node->outputs) {
      int id = out.empty() ? -1 : add_slot(out);
      if (id >= 0) r->slots_[id].producer = static_cast<int>(pos);
      s.outputs.push_back(id);
    }
  }
  for (size_t pos = 0; pos < n; ++pos) {
    Step& s = r->steps_[pos];
    for (const std::string& c : s.node->captured_names()) {
      auto it = r->slot_of_.find(c);
      if (it != r->slot_of_.end()) s.captures.push_back(it->second);
    }
    s.subgraphs = std::make_unique<StepSubgraphs>(r.get(), &s);
    for (int id : s.inputs) {
      if (id >= 0) r->slots_[id].last_use = static_cast<int>(pos);
    }
    for (int id : s.captures) r->slots_[id].last_use = std::max(r->slots_[id].last_use, static_cast<int>(pos));
  }
  for (const ValueInfo& vi : graph.outputs) {
    auto it = r->slot_of_.find(vi.name);
    if (it == r->slot_of_.end()) {
      return error(Code::kInvalidModel, "graph output '", vi.name, "' is not produced by any node");
    }
    r->slots_[it->second].graph_output = true;
    r->outputs_.push_back(it->second);
  }
  return r;
}

int GraphRunner::input_index(const std::string& name) const {
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (slots_[inputs_[i].slot].name == name) return static_cast<int>(i);
  }
  return -1;
}

Status GraphRunner::check_input(const GraphInput& in, const Value& v) const {
  const std::string& name = slots_[in.slot].name;
  const TypeInfo& t = in.info->type;
  if (t.kind == TypeInfo::Kind::kTensor && !v.is_tensor() && !(v.kind == ValueKind::kNone)) {
    return error(Code::kInvalidArgument, "input '", name, "' expects a tensor");
  }
  if (t.kind == TypeInfo::Kind::kSequence && v.kind != ValueKind::kSequence) {
    return error(Code::kInvalidArgument, "input '", name, "' expects a sequence");
  }
  if (!v.is_tensor()) return Status();
  const Tensor& x = v.tensor;
  if (t.kind == TypeInfo::Kind::kTensor && t.elem != DType::kUndefined && x.dtype() != t.elem) {
    return error(Code::kInvalidArgument, "input '", name, "' has dtype ", dtype_name(x.dtype()),
                 " but the model declares ", dtype_name(t.elem));
  }
  if (t.kind == TypeInfo::Kind::kTensor && t.has_shape && options_.check_input_shapes) {
    if (x.rank() != t.shape.size()) {
      return error(Code::kInvalidArgument, "input '", name, "' has rank ", x.rank(), " (shape ",
                   shape_str(x.shape()), ") but the model declares rank ", t.shape.size());
    }
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (t.shape[d].fixed() && t.shape[d].value != x.dim(d)) {
        return error(Code::kInvalidArgument, "input '", name, "' has shape ", shape_str(x.shape()),
                     " but dimension ", d, " must be ", t.shape[d].value);
      }
    }
  }
  return Status();
}

Status GraphRunner::set_input(int index, const Value& value) {
  GraphInput& in = inputs_[index];
  ONYX_TRY(check_input(in, value));
  Slot& s = slots_[in.slot];
  if (s.storage == Storage::kInitializer) {
    // An old-IR input with a default: the caller overrides it, so shapes must be re-planned.
    s.storage = Storage::kInput;
    prepared_ = false;
  }
  s.value = value;
  s.known = true;
  in.bound = true;
  // A new shape, or a new kind (an optional switching between a value and none), re-plans.
  if (prepared_ && (value.kind != in.prepared_kind || (value.is_tensor() && value.tensor.shape() != in.prepared_shape))) {
    prepared_ = false;
  }
  return Status();
}

std::vector<InputInfo> GraphRunner::input_infos(const Step& s, bool with_values) const {
  std::vector<InputInfo> infos(s.inputs.size());
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    int id = s.inputs[i];
    if (id < 0) continue;
    const Slot& slot = slots_[id];
    const Value& v = value_of(id);
    InputInfo& info = infos[i];
    info.present = true;
    info.kind = v.kind;
    info.dtype = v.is_tensor() ? v.tensor.dtype() : v.elem_type;
    info.shape = v.tensor.shape();
    bool value_known = with_values || slot.storage == Storage::kInitializer ||
                       slot.storage == Storage::kConstant;
    if (value_known) {
      info.value = v.is_tensor() ? &v.tensor : nullptr;
      info.full = &v;
    }
  }
  return infos;
}

Status GraphRunner::prepare() {
  prepared_ = false;
  // Shapes of the graph inputs: bound values, else the declared static shapes.
  for (GraphInput& in : inputs_) {
    Slot& s = slots_[in.slot];
    if (s.storage == Storage::kInitializer) continue;
    if (in.bound) {
      in.prepared_shape = s.value.tensor.shape();
      in.prepared_kind = s.value.kind;
      continue;
    }
    const TypeInfo& t = in.info->type;
    bool is_static = t.kind == TypeInfo::Kind::kTensor && t.elem != DType::kUndefined && t.has_shape;
    Dims dims;
    for (const Dim& d : t.shape) {
      if (!d.fixed()) is_static = false;
      dims.push_back(d.value);
    }
    if (!is_static) {
      return error(Code::kInvalidArgument, "input '", s.name,
                   "' has no static shape; set it before preparing");
    }
    ONYX_TRY(checked_numel(dims).status().with_context("input '" + s.name + "'"));
    s.value = Value::of(Tensor::view(t.elem, dims, nullptr));
    s.known = true;
    in.prepared_shape = dims;
    in.prepared_kind = ValueKind::kTensor;
  }
  for (Slot& s : slots_) {
    if (s.outer != nullptr) {
      s.prepared_shape = s.outer->tensor.shape();
      s.prepared_kind = s.outer->kind;
    }
    if (s.storage == Storage::kConstant || s.storage == Storage::kArena || s.storage == Storage::kHeap ||
        s.storage == Storage::kNone) {
      s.storage = Storage::kNone;
      s.known = false;
      s.value = Value();
    }
  }

  PrepareContext pctx;
  pctx.set_limits(&options_.limits);
  std::vector<BufferRequest> requests;
  std::vector<std::pair<int, int>> request_owner;  // (slot id, or -1 - step pos for scratch)
  static_elements_ = 0;
  // Scratch: on one thread each step's (shared and the worker's) is planned with the tensors,
  // over dead ones. On more, each worker's own is one region per worker after them, as large as
  // the most any step asks, the same memory in every step (ScratchPlace).
  const int workers = this->workers();
  size_t worker_stride = 0;
  for (size_t pos = 0; pos < steps_.size(); ++pos) {
    Step& s = steps_[pos];
    std::vector<size_t> out_bytes;
    ONYX_TRY(prepare_step(s, static_cast<int>(pos), pctx, &out_bytes));
    if (s.mode != Mode::kStatic) continue;
    for (int id : s.outputs) static_elements_ += id >= 0 ? slots_[id].value.tensor.numel() : 0;
    for (size_t i = 0; i < s.outputs.size(); ++i) {
      int id = s.outputs[i];
      if (id < 0 || slots_[id].storage != Storage::kArena) continue;
      int last = slots_[id].graph_output ? static_cast<int>(steps_.size()) : std::max<int>(slots_[id].last_use, static_cast<int>(pos));
      requests.push_back({out_bytes[i], static_cast<int>(pos), last});
      request_owner.push_back({id, 0});
    }
    const size_t step_scratch =
        workers > 1 ? s.scratch_bytes : ScratchPlace::block_bytes(s.scratch_bytes, s.worker_scratch_bytes, 1);
    if (workers > 1) worker_stride = std::max(worker_stride, prims::align_size(s.worker_scratch_bytes));
    if (step_scratch != 0) {
      requests.push_back({step_scratch, static_cast<int>(pos), static_cast<int>(pos)});
      request_owner.push_back({-1, static_cast<int>(pos)});
    }
  }

  std::vector<InPlace> in_place;
  if (options_.optimize && prims::fast_paths_enabled()) in_place = plan_in_place_concats(requests, request_owner);
  MemoryPlan plan = plan_memory(requests);
  const size_t workers_at = prims::align_size(plan.peak_bytes);
  arena_bytes_ = workers_at + worker_stride * static_cast<size_t>(workers);
  uint64_t folded = 0;
  for (const Slot& sl : slots_) folded += sl.storage == Storage::kConstant ? sl.value.tensor.nbytes() : 0;
  if (arena_bytes_ + folded > options_.limits.max_total_bytes) {
    return error(Code::kResourceExhausted, "graph '", graph_->name, "' needs an arena of ", arena_bytes_,
                 " bytes and ", folded, " bytes of folded constants: over Limits::max_total_bytes = ",
                 options_.limits.max_total_bytes);
  }
  ONYX_TRY(allocate_arena());
  for (size_t r = 0; r < requests.size(); ++r) {
    uint8_t* p = arena_ + plan.offsets[r];
    if (request_owner[r].first >= 0) {
      slots_[request_owner[r].first].value.tensor.rebind(p);
    } else {
      steps_[request_owner[r].second].scratch_offset = plan.offsets[r];
    }
  }
  for (const InPlace& a : in_place) {
    slots_[a.slot].value.tensor.rebind(static_cast<uint8_t*>(slots_[a.within].value.tensor.data()) + a.offset);
  }
  // Bind the static steps' contexts once, so run() only calls kernels.
  for (Step& s : steps_) {
    if (s.mode != Mode::kStatic) continue;
    std::vector<const Value*> ins;
    for (int id : s.inputs) ins.push_back(id < 0 ? nullptr : &value_of(id));
    std::vector<Value*> outs;
    for (int id : s.outputs) outs.push_back(id < 0 ? nullptr : &slots_[id].value);
    ScratchPlace place;
    if (workers > 1) {
      place.shared = s.scratch_bytes != 0 ? arena_ + s.scratch_offset : nullptr;
      place.shared_size = s.scratch_bytes;
      if (s.worker_scratch_bytes != 0) {
        place.workers = arena_ + workers_at;
        place.worker_stride = worker_stride;
      }
    } else if (s.scratch_bytes != 0 || s.worker_scratch_bytes != 0) {
      place = ScratchPlace::block(arena_ + s.scratch_offset, s.scratch_bytes, s.worker_scratch_bytes);
    }
    s.ctx->bind(s.node, std::move(ins), std::move(outs), place);
    s.ctx->planned = true;
  }
  prepared_ = true;
  return Status();
}

// A Concat along an axis with nothing outside it (the channels of one NCHW image, SqueezeNet's
// fire modules) copies each input into one contiguous slice of its output; the producers can
// write there directly instead. An input qualifies when it lives in the arena, comes from a
// planned step, is read for the last time by this Concat and is no graph output (and is not
// the output of another such Concat, or given twice). Its buffer request goes, the output's
// lifetime starts at the first input's producer, and Concat's copies become no-ops.
std::vector<GraphRunner::InPlace> GraphRunner::plan_in_place_concats(
    std::vector<BufferRequest>& requests, const std::vector<std::pair<int, int>>& request_owner) const {
  std::vector<InPlace> out;
  std::vector<int> request_of(slots_.size(), -1);
  for (size_t r = 0; r < request_owner.size(); ++r) {
    if (request_owner[r].first >= 0) request_of[static_cast<size_t>(request_owner[r].first)] = static_cast<int>(r);
  }
  std::vector<char> taken(slots_.size(), 0);  // inside, or holding, an in-place Concat's output
  for (size_t pos = 0; pos < steps_.size(); ++pos) {
    const Step& s = steps_[pos];
    if (s.mode != Mode::kStatic || s.node->op_type != "Concat" || !s.node->domain.empty() || s.outputs.size() != 1 ||
        s.inputs.empty()) {
      continue;
    }
    const int y = s.outputs[0];
    if (y < 0 || slots_[y].storage != Storage::kArena || request_of[y] < 0 || taken[y]) continue;
    const Dims& shape = slots_[y].value.tensor.shape();
    const Attribute* axis_attr = s.node->attr("axis");
    int64_t axis = axis_attr != nullptr ? axis_attr->i : 1;
    const auto rank = static_cast<int64_t>(shape.size());
    if (axis < 0) axis += rank;
    if (axis < 0 || axis >= rank) continue;
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= shape[static_cast<size_t>(d)];
    if (outer != 1) continue;
    bool fits = true;
    for (size_t i = 0; i < s.inputs.size() && fits; ++i) {
      const int id = s.inputs[i];
      fits = id >= 0 && slots_[id].storage == Storage::kArena && request_of[id] >= 0 && !taken[id] &&
             !slots_[id].graph_output && slots_[id].last_use == static_cast<int>(pos) && slots_[id].producer >= 0 &&
             steps_[static_cast<size_t>(slots_[id].producer)].mode == Mode::kStatic;
      for (size_t j = 0; j < i && fits; ++j) fits = s.inputs[j] != id;
    }
    if (!fits) continue;
    BufferRequest& whole = requests[static_cast<size_t>(request_of[y])];
    size_t offset = 0;
    for (int id : s.inputs) {
      BufferRequest& part = requests[static_cast<size_t>(request_of[id])];
      whole.first_step = std::min(whole.first_step, part.first_step);
      part.bytes = 0;  // lives inside `whole`
      out.push_back({id, y, offset});
      offset += slots_[id].value.tensor.nbytes();
      taken[id] = 1;
    }
    taken[y] = 1;
  }
  return out;
}

Status GraphRunner::prepare_step(Step& s, int pos, PrepareContext& pctx, std::vector<size_t>* out_bytes) {
  (void)pos;
  bool inputs_known = true;
  bool inputs_const = true;
  for (int id : s.inputs) {
    if (id < 0) continue;
    const Slot& slot = slots_[id];
    if (!slot.known) inputs_known = false;
    if (slot.storage != Storage::kInitializer && slot.storage != Storage::kConstant) inputs_const = false;
  }
  for (int id : s.captures) {
    if (!slots_[id].known) inputs_known = false;
  }
  if (!s.captures.empty()) inputs_const = false;  // a body may read anything
  auto mark_dynamic = [&]() {
    s.mode = Mode::kDynamic;
    for (int id : s.outputs) {
      if (id >= 0) slots_[id].storage = Storage::kHeap;
    }
    return Status();
  };
  if (!inputs_known) return mark_dynamic();

  pctx.reset(s.node, s.op.since_version, model_->opset(s.node->domain), input_infos(s, false));
  pctx.set_scope(graph_, s.subgraphs.get());
  pctx.set_workers(workers());
  ONYX_TRY(s.kernel->prepare(pctx).with_context(where(s)));
  ONYX_TRY(pctx.check_outputs().with_context(where(s)));
  if (pctx.is_dynamic()) return mark_dynamic();

  const auto& decls = pctx.outputs();
  bool all_values = true;
  bool all_tensors = true;
  for (size_t i = 0; i < s.outputs.size(); ++i) {
    if (s.outputs[i] < 0) continue;
    if (!decls[i].set) {
      return error(Code::kInternal, where(s), ": kernel did not declare output ", i);
    }
    if (!decls[i].has_value) all_values = false;
    if (decls[i].kind != ValueKind::kTensor) all_tensors = false;
  }
  if (!all_tensors) return mark_dynamic();
  if (all_values) {
    s.mode = Mode::kSkip;
    for (size_t i = 0; i < s.outputs.size(); ++i) {
      int id = s.outputs[i];
      if (id < 0) continue;
      slots_[id].value = Value::of(decls[i].value);
      slots_[id].storage = Storage::kConstant;
      slots_[id].known = true;
    }
    return Status();
  }

  size_t total = 0;
  out_bytes->assign(s.outputs.size(), 0);
  for (size_t i = 0; i < s.outputs.size(); ++i) {
    if (s.outputs[i] < 0) continue;
    ONYX_TRY(check_output_size(s, i, decls[i].shape));
    (*out_bytes)[i] = static_cast<size_t>(numel(decls[i].shape)) * dtype_size(decls[i].dtype);
    total += (*out_bytes)[i];
  }
  if (options_.fold_constants && inputs_const && s.kernel->deterministic() &&
      total <= options_.limits.max_fold_bytes) {
    return fold_step(s, pctx);
  }

  s.mode = Mode::kStatic;
  s.scratch_bytes = pctx.scratch_bytes();
  s.worker_scratch_bytes = pctx.worker_scratch_bytes();
  for (size_t i = 0; i < s.outputs.size(); ++i) {
    int id = s.outputs[i];
    if (id < 0) continue;
    Slot& slot = slots_[id];
    slot.known = true;
    if (decls[i].dtype == DType::kString) {
      // Strings own their elements, so they live on the heap, allocated once here.
      Result<Tensor> t = Tensor::make(DType::kString, decls[i].shape);
      if (!t.ok()) return t.status().with_context(where(s));
      slot.value = Value::of(*t);
      slot.storage = Storage::kHeap;
      (*out_bytes)[i] = 0;
    } else {
      slot.value = Value::of(Tensor::view(decls[i].dtype, decls[i].shape, nullptr));
      slot.storage = Storage::kArena;
    }
  }
  return Status();
}

Status GraphRunner::fold_step(Step& s, PrepareContext& pctx) {
  const auto& decls = pctx.outputs();
  std::vector<const Value*> ins;
  for (int id : s.inputs) ins.push_back(id < 0 ? nullptr : &value_of(id));
  std::vector<Value*> outs(s.outputs.size(), nullptr);
  for (size_t i = 0; i < s.outputs.size(); ++i) {
    int id = s.outputs[i];
    if (id < 0) continue;
    Result<Tensor> t = Tensor::make(decls[i].dtype, decls[i].shape);
    if (!t.ok()) return t.status().with_context(where(s));
    slots_[id].value = Value::of(*t);
    slots_[id].storage = Storage::kConstant;
    slots_[id].known = true;
    outs[i] = &slots_[id].value;
  }
  std::vector<uint8_t> scratch;
  StepContext ctx;
  ctx.set_limits(&options_.limits, iterations_);
  ctx.set_task_runner(options_.task_runner);
  ctx.bind(s.node, std::move(ins), std::move(outs), pctx.scratch_in(&scratch));
  ctx.planned = true;
  ONYX_TRY(s.kernel->run(ctx).with_context(where(s)));
  s.mode = Mode::kSkip;
  return Status();
}

Status GraphRunner::allocate_arena() {
  if (options_.arena != nullptr) {
    if (options_.arena_size < arena_bytes_) {
      return error(Code::kResourceExhausted, "the caller's arena has ", options_.arena_size,
                   " bytes but the plan needs ", arena_bytes_);
    }
    if (reinterpret_cast<uintptr_t>(options_.arena) % kArenaAlignment != 0) {
      return error(Code::kInvalidArgument, "the caller's arena must be ", kArenaAlignment, "-byte aligned");
    }
    arena_ = static_cast<uint8_t*>(options_.arena);
    return Status();
  }
  static_assert(kArenaAlignment <= 64, "allocate_aligned gives 64-byte alignment");
  void* p = allocate_aligned(arena_bytes_);
  if (p == nullptr) return error(Code::kResourceExhausted, "cannot allocate an arena of ", arena_bytes_, " bytes");
  arena_owner_ = std::shared_ptr<void>(p, [n = arena_bytes_](void* q) { free_aligned(q, n); });
  arena_ = static_cast<uint8_t*>(p);
  return Status();
}

Status GraphRunner::run_dynamic(Step& s) {
  for (int id : s.inputs) {
    if (id >= 0 && slots_[id].outer == nullptr && !slots_[id].known) {
      return error(Code::kInternal, where(s), ": input '", slots_[id].name, "' was not computed");
    }
  }
  PrepareContext pctx;
  pctx.set_limits(&options_.limits);
  pctx.reset(s.node, s.op.since_version, model_->opset(s.node->domain), input_infos(s, true));
  pctx.set_scope(graph_, s.subgraphs.get());
  pctx.set_workers(workers());
  ONYX_TRY(s.kernel->prepare(pctx).with_context(where(s)));
  ONYX_TRY(pctx.check_outputs().with_context(where(s)));
  const auto& decls = pctx.outputs();
  std::vector<const Value*> ins;
  for (int id : s.inputs) ins.push_back(id < 0 ? nullptr : &value_of(id));
  std::vector<Value*> outs(s.outputs.size(), nullptr);
  bool all_values = !pctx.is_dynamic();
  for (size_t i = 0; i < s.outputs.size(); ++i) {
    int id = s.outputs[i];
    if (id < 0) continue;
    Slot& slot = slots_[id];
    slot.known = true;
    outs[i] = &slot.value;
    if (pctx.is_dynamic() || !decls[i].set) {
      all_values = false;
      slot.value = Value();
      continue;
    }
    if (!decls[i].has_value) all_values = false;
    if (decls[i].has_value) {
      slot.value = Value::of(decls[i].value);
    } else if (decls[i].kind == ValueKind::kTensor) {
      ONYX_TRY(check_output_size(s, i, decls[i].shape));
      ONYX_TRY(charge_elements(numel(decls[i].shape)).with_context(where(s)));
      // Reuse the previous run's buffer when the shape is unchanged.
      if (!(slot.value.is_tensor() && slot.value.tensor.owns_data() &&
            slot.value.tensor.dtype() == decls[i].dtype && slot.value.tensor.shape() == decls[i].shape)) {
        Result<Tensor> t = Tensor::make(decls[i].dtype, decls[i].shape);
        if (!t.ok()) return t.status().with_context(where(s));
        slot.value = Value::of(*t);
      }
    } else {
      slot.value = Value();
      slot.value.kind = decls[i].kind;
      slot.value.elem_type = decls[i].dtype;
    }
  }
  if (all_values) return Status();
  s.ctx->bind(s.node, std::move(ins), std::move(outs), pctx.scratch_in(&s.heap_scratch));
  s.ctx->planned = false;
  s.ctx->limit_error = Status();
  s.ctx->new_run();
  Status st = s.kernel->run(*s.ctx);
  if (!st.ok() && !s.ctx->limit_error.ok()) st = s.ctx->limit_error;
  return st.ok() ? st : st.with_context(where(s));
}

Status GraphRunner::run() {
  for (const GraphInput& in : inputs_) {
    const Slot& s = slots_[in.slot];
    if (s.storage == Storage::kInput && !in.bound) {
      return error(Code::kInvalidArgument, "input '", s.name, "' was not set");
    }
  }
  if (parent_ == nullptr) {
    own_iterations_.store(0, std::memory_order_relaxed);
    own_elements_.store(0, std::memory_order_relaxed);
  }
  if (!prepared_ || outer_shapes_changed()) ONYX_TRY(prepare());
  ONYX_TRY(charge_elements(static_elements_));
  NodeObserver* observer = options_.observer;
  for (Step& s : steps_) {
    if (s.mode == Mode::kSkip) continue;
    if (observer != nullptr) observer->node_begin(*s.node);
    if (s.mode == Mode::kStatic) {
      s.ctx->new_run();
      if (Status st = s.kernel->run(*s.ctx); !st.ok()) return st.with_context(where(s));
    } else {
      ONYX_TRY(run_dynamic(s));
    }
    if (observer != nullptr) observer->node_end(*s.node);
  }
  return Status();
}

Status GraphRunner::check_output_size(const Step& s, size_t i, const Dims& dims) const {
  Result<int64_t> n = checked_numel(dims);
  if (!n.ok()) return n.status().with_context(where(s) + ": output '" + s.node->outputs[i] + "'");
  if (*n <= options_.limits.max_tensor_elements) return Status();
  return error(Code::kResourceExhausted, where(s), ": output '", s.node->outputs[i], "' of shape ", shape_str(dims),
               " has ", *n, " elements: over Limits::max_tensor_elements = ", options_.limits.max_tensor_elements);
}

Status GraphRunner::charge_elements(int64_t n) const {
  const int64_t total = elements_->fetch_add(n, std::memory_order_relaxed) + n;
  if (total <= options_.limits.max_run_elements) return Status();
  return error(Code::kResourceExhausted, "graph '", graph_->name, "': node outputs of this run reach ", total,
               " elements: over Limits::max_run_elements = ", options_.limits.max_run_elements);
}

const Value* GraphRunner::output(const std::string& name) const {
  for (int id : outputs_) {
    if (slots_[id].name == name) return &value_of(id);
  }
  return nullptr;
}

const Value& GraphRunner::output(size_t index) const { return value_of(outputs_[index]); }

std::vector<GraphRunner::PlacedValue> GraphRunner::placed_values() const {
  std::vector<PlacedValue> out;
  for (const Slot& s : slots_) {
    PlacedValue p;
    p.name = &s.name;
    p.value = &s.value;
    switch (s.storage) {
      case Storage::kInput: p.placed = Placed::kInput; break;
      case Storage::kInitializer: p.placed = Placed::kInitializer; break;
      case Storage::kConstant: p.placed = Placed::kConstant; break;
      case Storage::kArena: p.placed = Placed::kArena; break;
      case Storage::kHeap: p.placed = Placed::kHeap; break;
      case Storage::kOuter: p.placed = Placed::kOuter; break;
      case Storage::kNone: p.placed = Placed::kUnknown; break;
    }
    if (p.placed == Placed::kArena && arena_ != nullptr && s.value.tensor.data() != nullptr) {
      p.arena_offset = static_cast<size_t>(static_cast<const uint8_t*>(s.value.tensor.data()) - arena_);
    }
    out.push_back(p);
  }
  return out;
}

size_t GraphRunner::planned_nodes() const {
  size_t n = 0;
  for (const Step& s : steps_) n += s.mode != Mode::kSkip ? 1 : 0;
  return n;
}

}  // namespace onyx
