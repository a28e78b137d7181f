// Compiling a model ahead of time: fix the input shapes, let the runtime's own GraphRunner
// prepare it (kernel resolution, constant folding, shapes, the arena plan) and keep exactly what
// a device must still run.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>

#include "graph_runner.h"
#include "onyx/compiled_model.h"
#include "onyx/graph_fusion.h"
#include "onyx/topo_order.h"
#include "prims/fast_paths.h"

namespace onyx {

namespace {

// ONNX's schema defaults of optional attributes (generated: compiled_model_defaults.inc).
struct SchemaDefault {
  const char* name;
  AttrType type;
  const char* text;  // numbers separated by spaces (floats in hex), strings by newlines
};
struct SchemaVersion {
  const char* domain;
  const char* op_type;
  int since_version;
  std::vector<SchemaDefault> defaults;
};

const std::vector<SchemaVersion>& schema_versions() {
  static const std::vector<SchemaVersion> table = [] {
    std::vector<SchemaVersion> t;
#define ONYX_SCHEMA(domain, op, version) t.push_back(SchemaVersion{domain, op, version, {}});
#define ONYX_DEFAULT(name, type, text) t.back().defaults.push_back(SchemaDefault{name, AttrType::type, text});
#include "compiled_model_defaults.inc"
#undef ONYX_SCHEMA
#undef ONYX_DEFAULT
    return t;
  }();
  return table;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

Attribute default_attribute(const SchemaDefault& d) {
  Attribute a;
  a.name = d.name;
  a.type = d.type;
  const std::string text = d.text;
  switch (d.type) {
    case AttrType::kInt: a.i = std::strtoll(text.c_str(), nullptr, 10); break;
    case AttrType::kFloat: a.f = static_cast<float>(std::strtod(text.c_str(), nullptr)); break;
    case AttrType::kString: a.s = text; break;
    case AttrType::kInts:
      for (const std::string& v : split(text, ' ')) a.ints.push_back(std::strtoll(v.c_str(), nullptr, 10));
      break;
    case AttrType::kFloats:
      for (const std::string& v : split(text, ' ')) a.floats.push_back(static_cast<float>(std::strtod(v.c_str(), nullptr)));
      break;
    case AttrType::kStrings: a.strings = split(text, '\n'); break;
    default: break;
  }
  return a;
}

// Appends the schema defaults of the attributes `n` leaves out, for the ONNX schema version in
// effect at `opset` (the largest since-version <= opset).
void add_schema_defaults(Node* n, int64_t opset) {
  const std::string domain = n->domain == "ai.onnx" ? std::string() : n->domain;
  const SchemaVersion* best = nullptr;
  for (const SchemaVersion& v : schema_versions()) {
    if (v.op_type != n->op_type || v.domain != domain || v.since_version > opset) continue;
    if (best == nullptr || v.since_version > best->since_version) best = &v;
  }
  if (best == nullptr) return;
  for (const SchemaDefault& d : best->defaults) {
    if (n->attr(d.name) == nullptr) n->attrs.push_back(default_attribute(d));
  }
}

Placement placement_of(GraphRunner::Placed p) {
  switch (p) {
    case GraphRunner::Placed::kInput: return Placement::kInput;
    case GraphRunner::Placed::kInitializer:
    case GraphRunner::Placed::kConstant: return Placement::kWeight;
    case GraphRunner::Placed::kArena: return Placement::kArena;
    case GraphRunner::Placed::kHeap: return Placement::kHeap;
    default: return Placement::kUnplanned;
  }
}

TypeInfo tensor_type(const Tensor& t) {
  TypeInfo type;
  type.kind = TypeInfo::Kind::kTensor;
  type.elem = t.dtype();
  type.has_shape = true;
  for (int64_t d : t.shape()) {
    Dim dim;
    dim.value = d;
    type.shape.push_back(dim);
  }
  return type;
}

// The input declarations of the compiled model: static shapes, initializer-backed inputs gone.
Status static_inputs(const Graph& g, const CompileOptions& options, std::vector<ValueInfo>* out) {
  for (const auto& [name, dims] : options.input_shapes) {
    bool found = false;
    for (const ValueInfo& vi : g.inputs) found |= vi.name == name && g.initializer(name) == nullptr;
    if (!found) return error(Code::kInvalidArgument, "the model has no input '", name, "' to give a shape");
    ONYX_TRY(checked_numel(dims).status().with_context("input '" + name + "'"));
  }
  for (const ValueInfo& vi : g.inputs) {
    if (g.initializer(vi.name) != nullptr) continue;  // a constant from now on
    ValueInfo s = vi;
    if (s.type.kind != TypeInfo::Kind::kTensor || s.type.elem == DType::kUndefined) {
      return error(Code::kUnsupported, "input '", vi.name, "' is not a tensor of a known dtype: only tensor inputs compile");
    }
    auto given = std::find_if(options.input_shapes.begin(), options.input_shapes.end(),
                              [&](const auto& p) { return p.first == vi.name; });
    if (given != options.input_shapes.end()) {
      // The given shape replaces the declared one entirely (the prepare below validates it).
      s.type.has_shape = true;
      s.type.shape.clear();
      for (int64_t d : given->second) {
        Dim dim;
        dim.value = d;
        s.type.shape.push_back(dim);
      }
    } else {
      if (!s.type.has_shape) return error(Code::kInvalidArgument, "input '", vi.name, "' has no declared rank: give its shape");
      for (Dim& d : s.type.shape) {
        if (d.fixed()) continue;
        if (!options.unknown_dims_to_one) {
          return error(Code::kInvalidArgument, "input '", vi.name, "' has a symbolic dimension",
                       d.param.empty() ? std::string() : " '" + d.param + "'", ": give its shape");
        }
        d.value = 1;
      }
    }
    for (Dim& d : s.type.shape) d.param.clear();
    out->push_back(std::move(s));
  }
  return Status();
}

void collect_ops(const Graph& g, std::set<std::string>* ops) {
  for (const Node& n : g.nodes) {
    ops->insert(n.op_type);
    for (const Attribute& a : n.attrs) {
      if (a.type == AttrType::kGraph && a.g) collect_ops(*a.g, ops);
      for (const auto& sub : a.graphs) {
        if (sub) collect_ops(*sub, ops);
      }
    }
  }
}

}  // namespace

Result<std::shared_ptr<Model>> compile_graph(const Model& model, const CompileOptions& options, CompiledPlan* plan) {
  const std::string& where = model.source.empty() ? std::string("model") : model.source;
  // The model with static input shapes, as the runtime will plan it.
  auto fixed = std::make_shared<Model>(model);  // shares tensors and subgraphs
  fixed->graph.inputs.clear();
  ONYX_TRY(static_inputs(model.graph, options, &fixed->graph.inputs).with_context(where));
  // The rewrites a Session makes at creation, made once here (the same condition).
  if (options.optimize && prims::fast_paths_enabled()) {
    fuse_conv_chains(fixed.get());
    fuse_gelu(fixed.get());
  }

  SessionOptions so;
  so.fold_constants = options.fold_constants;
  so.optimize = false;  // applied above
  Result<std::unique_ptr<GraphRunner>> runner = GraphRunner::create(*fixed, fixed->graph, so);
  if (!runner.ok()) return runner.status().with_context(where);
  ONYX_TRY((*runner)->prepare().with_context(where));
  std::unordered_map<std::string, GraphRunner::PlacedValue> placed;
  for (const GraphRunner::PlacedValue& p : (*runner)->placed_values()) placed[*p.name] = p;
  auto is_constant = [&](const std::string& name) {
    auto it = placed.find(name);
    return it != placed.end() &&
           (it->second.placed == GraphRunner::Placed::kInitializer || it->second.placed == GraphRunner::Placed::kConstant);
  };

  // The nodes the runtime still runs, in its execution order: those with a non-constant output.
  const Graph& g = fixed->graph;
  std::vector<std::string> available;
  for (const ValueInfo& vi : g.inputs) available.push_back(vi.name);
  for (const NamedTensor& t : g.initializers) available.push_back(t.name);
  std::vector<size_t> order;
  ONYX_TRY(topo_order(g, available, &order).with_context(where));

  auto out = std::make_shared<Model>();
  out->ir_version = model.ir_version;
  out->opsets = fixed->opsets;  // with the rewrites' domain
  out->producer_name = model.producer_name;
  out->producer_version = model.producer_version;
  out->domain = model.domain;
  out->model_version = model.model_version;
  out->source = model.source;
  Graph& cg = out->graph;
  cg.name = g.name;
  cg.inputs = g.inputs;
  std::set<std::string> weights;  // constants the kept nodes or the outputs read
  auto need = [&](const std::string& name) {
    if (!name.empty() && is_constant(name)) weights.insert(name);
  };
  for (size_t idx : order) {
    const Node& n = g.nodes[idx];
    bool runs = n.outputs.empty();
    for (const std::string& o : n.outputs) runs |= !o.empty() && !is_constant(o);
    if (!runs) continue;
    Node copy = n;
    copy.doc.clear();
    add_schema_defaults(&copy, model.opset(n.domain));
    for (const std::string& i : n.inputs) need(i);
    for (const std::string& c : n.captured_names()) need(c);
    for (const std::string& o : n.outputs) {
      if (o.empty()) continue;
      const Value* v = placed.count(o) != 0 ? placed[o].value : nullptr;
      if (v != nullptr && v->is_tensor() && v->tensor.defined()) cg.value_info.push_back(ValueInfo{o, tensor_type(v->tensor), ""});
    }
    cg.nodes.push_back(std::move(copy));
  }
  for (const ValueInfo& vi : g.outputs) {
    need(vi.name);
    ValueInfo o = vi;
    o.doc.clear();
    auto it = placed.find(vi.name);
    if (it != placed.end() && it->second.value->is_tensor() && it->second.value->tensor.defined() &&
        it->second.placed != GraphRunner::Placed::kInput) {
      o.type = tensor_type(it->second.value->tensor);
    }
    cg.outputs.push_back(std::move(o));
  }
  // Outputs carry their own declaration: drop them from value_info.
  std::set<std::string> output_names;
  for (const ValueInfo& vi : cg.outputs) output_names.insert(vi.name);
  cg.value_info.erase(std::remove_if(cg.value_info.begin(), cg.value_info.end(),
                                     [&](const ValueInfo& vi) { return output_names.count(vi.name) != 0; }),
                      cg.value_info.end());
  // Weights in a stable order: original initializers first, then folded constants by name.
  for (const NamedTensor& t : g.initializers) {
    if (weights.count(t.name) != 0) cg.initializers.push_back(NamedTensor{t.name, t.tensor, ""});
  }
  for (const std::string& name : weights) {
    if (g.initializer(name) != nullptr) continue;
    const Value* v = placed[name].value;
    if (!v->is_tensor() || !v->tensor.defined()) {
      return error(Code::kInternal, where, ": folded value '", name, "' is not a tensor");
    }
    cg.initializers.push_back(NamedTensor{name, v->tensor, ""});
  }

  // The plan the device computes for the compiled graph (the same runner, the same shapes).
  if (plan != nullptr) {
    Result<std::unique_ptr<GraphRunner>> r2 = GraphRunner::create(*out, out->graph, so);
    if (!r2.ok()) return r2.status().with_context(where + " (compiled)");
    ONYX_TRY((*r2)->prepare().with_context(where + " (compiled)"));
    plan->arena_bytes = (*r2)->arena_bytes();
    plan->values.clear();
    for (const GraphRunner::PlacedValue& p : (*r2)->placed_values()) {
      PlannedValue v;
      v.name = *p.name;
      v.placement = placement_of(p.placed);
      if (v.placement == Placement::kUnplanned) continue;
      v.arena_offset = p.arena_offset;
      v.bytes = p.value->is_tensor() && p.value->tensor.defined() && p.value->tensor.dtype() != DType::kString
                    ? p.value->tensor.nbytes()
                    : 0;
      plan->values.push_back(std::move(v));
    }
  }
  return out;
}

Result<std::vector<uint8_t>> compile_model(const Model& model, const CompileOptions& options) {
  CompiledPlan plan;
  Result<std::shared_ptr<Model>> compiled = compile_graph(model, options, &plan);
  if (!compiled.ok()) return compiled.status();
  return encode_compiled_model(**compiled, plan);
}

std::string required_ops(const Model& model) {
  std::set<std::string> ops;
  collect_ops(model.graph, &ops);
  std::string out;
  for (const std::string& op : ops) out += (out.empty() ? "" : ",") + op;
  return out;
}

}  // namespace onyx
