#include "graph_infer.h"

#include <memory>
#include <set>

#include "kernel.h"
#include "registry.h"

namespace onyx {

namespace {

// The RunContext of a node run once on constant inputs: outputs own their memory.
class EvalContext final : public RunContext {
 public:
  Tensor* output(int i, DType dtype, const Dims& dims) override {
    Value* v = outputs_[i];
    if (v->tensor.defined() && v->tensor.dtype() == dtype && v->tensor.shape() == dims) return &v->tensor;
    Result<Tensor> t = Tensor::make(dtype, dims);
    if (!t.ok()) return nullptr;
    v->kind = ValueKind::kTensor;
    v->tensor = *t;
    return &v->tensor;
  }
};

bool has_subgraph(const Node& n) {
  for (const Attribute& a : n.attrs) {
    if (a.type == AttrType::kGraph || a.type == AttrType::kGraphs) return true;
  }
  return false;
}

}  // namespace

std::vector<size_t> lenient_order(const Graph& g) {
  const size_t n = g.nodes.size();
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < n; ++i) {
    for (const std::string& o : g.nodes[i].outputs) {
      if (!o.empty()) producer.emplace(o, i);
    }
  }
  std::vector<size_t> pending(n, 0);
  std::vector<std::vector<size_t>> consumers(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string> reads = g.nodes[i].inputs;
    std::vector<std::string> captured = g.nodes[i].captured_names();
    reads.insert(reads.end(), captured.begin(), captured.end());
    for (const std::string& in : reads) {
      if (in.empty()) continue;
      auto it = producer.find(in);
      if (it == producer.end()) continue;
      ++pending[i];
      consumers[it->second].push_back(i);
    }
  }
  std::set<size_t> ready;
  for (size_t i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.insert(i);
  }
  std::vector<size_t> order;
  while (!ready.empty()) {
    size_t i = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(i);
    for (size_t c : consumers[i]) {
      if (--pending[c] == 0) ready.insert(c);
    }
  }
  return order;
}

namespace {

// Kernels that compile subgraphs at prepare (Gradient) cannot be inferred here: the request
// is noted so that the node counts as skipped, not as a problem.
class NoSubgraphs final : public SubgraphProvider {
 public:
  Result<Subgraph*> subgraph(const Attribute&, size_t) override { return refuse(); }
  Result<Subgraph*> compile(std::shared_ptr<const Graph>) override { return refuse(); }
  bool requested = false;

 private:
  Status refuse() {
    requested = true;
    return error(Code::kUnsupported, "subgraphs are not inferred here");
  }
};

// Runs a prepared kernel on constant inputs; the outputs own their memory.
Status evaluate(Kernel& kernel, const Node& node, const std::vector<const Value*>& inputs,
                const PrepareContext& pctx, std::vector<Value>* results) {
  const auto& decls = pctx.outputs();
  results->assign(node.outputs.size(), Value());
  std::vector<Value*> outs(node.outputs.size(), nullptr);
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].empty()) continue;
    Result<Tensor> t = Tensor::make(decls[i].dtype, decls[i].shape);
    if (!t.ok()) return t.status();
    (*results)[i] = Value::of(*t);
    outs[i] = &(*results)[i];
  }
  std::vector<uint8_t> scratch;
  EvalContext ctx;
  ctx.bind(&node, inputs, std::move(outs), pctx.scratch_in(&scratch));
  return kernel.run(ctx);
}

}  // namespace

Inference infer_graph(const Model& model, const Graph& graph, const InferOptions& options) {
  Inference r;
  const size_t n = graph.nodes.size();
  r.skipped.assign(n, true);
  r.evaluated.assign(n, false);
  auto lookup = [&](const std::string& name) -> const InferredValue* {
    auto it = r.values.find(name);
    if (it != r.values.end()) return &it->second;
    if (options.outer != nullptr) {
      auto o = options.outer->find(name);
      if (o != options.outer->end()) return &o->second;
    }
    return nullptr;
  };

  std::set<std::string> input_names;
  for (const ValueInfo& vi : graph.inputs) input_names.insert(vi.name);
  for (const NamedTensor& init : graph.initializers) {
    InferredValue& v = r.values[init.name];
    v.known = init.tensor.defined();
    v.dtype = init.tensor.dtype();
    v.shape = init.tensor.shape();
    v.constant = v.known && input_names.count(init.name) == 0;  // an input may override it
    v.value = Value::of(init.tensor);
  }
  for (const ValueInfo& vi : graph.inputs) {
    if (graph.initializer(vi.name) != nullptr) continue;
    InferredValue& v = r.values[vi.name];
    const TypeInfo& t = vi.type;
    if (t.kind == TypeInfo::Kind::kTensor && t.elem != DType::kUndefined) {
      if (!t.has_shape) {
        r.symbolic_inputs.push_back(vi.name);
        continue;
      }
      v.known = true;
      v.dtype = t.elem;
      for (const Dim& d : t.shape) {
        v.shape.push_back(d.fixed() ? d.value : options.symbolic_dim);
        v.assumed |= !d.fixed();
      }
      if (v.assumed) r.symbolic_inputs.push_back(vi.name);
      if (!checked_numel(v.shape).ok()) v.known = false;
    } else if (t.kind == TypeInfo::Kind::kSequence && t.inner && t.inner->kind == TypeInfo::Kind::kTensor) {
      v.known = true;
      v.kind = ValueKind::kSequence;
      v.dtype = t.inner->elem;
    }
  }

  for (size_t idx : lenient_order(graph)) {
    const Node& node = graph.nodes[idx];
    if (has_subgraph(node)) continue;  // control flow: its bodies are not inferred here
    std::vector<InputInfo> infos(node.inputs.size());
    std::vector<const Value*> values(node.inputs.size(), nullptr);
    bool known = true, all_constant = true, assumed = false;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i].empty()) continue;
      const InferredValue* v = lookup(node.inputs[i]);
      if (v == nullptr || !v->known) {
        known = false;
        break;
      }
      InputInfo& info = infos[i];
      info.present = true;
      info.kind = v->kind;
      info.dtype = v->dtype;
      info.shape = v->shape;
      assumed |= v->assumed;
      if (v->constant) {
        info.value = &v->value.tensor;
        info.full = &v->value;
        values[i] = &v->value;
      } else {
        all_constant = false;
      }
    }
    if (!known) continue;

    Result<OpMatch> match = find_op(node.domain, node.op_type, model.opset(node.domain));
    if (!match.ok()) {
      r.problems.push_back({idx, match.status()});
      continue;
    }
    std::unique_ptr<Kernel> kernel = match->entry->create();
    PrepareContext pctx;
    pctx.reset(&node, match->since_version, model.opset(node.domain), std::move(infos));
    NoSubgraphs no_subgraphs;
    pctx.set_scope(&graph, &no_subgraphs);
    Status st = kernel->prepare(pctx);
    if (st.ok()) st = pctx.check_outputs();
    if (!st.ok()) {
      if (!no_subgraphs.requested) r.problems.push_back({idx, st});
      continue;
    }
    if (pctx.is_dynamic()) continue;
    const auto& decls = pctx.outputs();
    bool all_values = true, all_tensors = true;
    size_t out_bytes = 0;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i].empty()) continue;
      if (!decls[i].set) {
        r.problems.push_back({idx, error(Code::kInternal, "the kernel did not declare output ", i)});
        all_tensors = false;
        break;
      }
      all_values &= decls[i].has_value;
      all_tensors &= decls[i].kind == ValueKind::kTensor;
      if (decls[i].kind == ValueKind::kTensor) {
        Result<int64_t> count = checked_numel(decls[i].shape);
        out_bytes += count.ok() ? static_cast<size_t>(*count) * dtype_size(decls[i].dtype) : SIZE_MAX / 2;
      }
    }
    r.skipped[idx] = false;
    std::vector<Value> results;
    bool evaluated = false;
    if (all_values) {
      evaluated = true;
    } else if (options.evaluate && all_tensors && all_constant && kernel->deterministic() &&
               out_bytes <= options.evaluate_limit_bytes) {
      st = evaluate(*kernel, node, values, pctx, &results);
      if (!st.ok()) {
        r.problems.push_back({idx, st});
        r.skipped[idx] = true;
        continue;
      }
      evaluated = true;
    }
    r.evaluated[idx] = evaluated;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i].empty() || !decls[i].set) continue;
      InferredValue& v = r.values[node.outputs[i]];
      v.known = true;
      v.kind = decls[i].kind;
      v.dtype = decls[i].dtype;
      v.shape = decls[i].shape;
      v.assumed = assumed;
      v.constant = evaluated;
      if (decls[i].has_value) {
        v.value = Value::of(decls[i].value);
      } else if (evaluated) {
        v.value = std::move(results[i]);
      }
    }
  }
  return r;
}

TypeInfo inferred_type(const InferredValue& v) {
  TypeInfo t;
  if (!v.known) return t;
  if (v.kind == ValueKind::kSequence) {
    t.kind = TypeInfo::Kind::kSequence;
    t.inner = std::make_shared<TypeInfo>();
    t.inner->kind = TypeInfo::Kind::kTensor;
    t.inner->elem = v.dtype;
    return t;
  }
  if (v.kind != ValueKind::kTensor) return t;
  t.kind = TypeInfo::Kind::kTensor;
  t.elem = v.dtype;
  t.has_shape = true;
  for (int64_t d : v.shape) t.shape.push_back(v.assumed ? Dim{} : Dim{d, ""});
  return t;
}

}  // namespace onyx
