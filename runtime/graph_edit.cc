#include "onyx/graph_edit.h"

#include <algorithm>
#include <map>
#include <set>

#include "registry.h"

namespace onyx {

namespace {

// Names defined in this scope: graph inputs, initializers and node outputs.
std::set<std::string> defined_names(const Graph& g) {
  std::set<std::string> names;
  for (const ValueInfo& v : g.inputs) names.insert(v.name);
  for (const NamedTensor& t : g.initializers) names.insert(t.name);
  for (const Node& n : g.nodes) {
    for (const std::string& o : n.outputs) {
      if (!o.empty()) names.insert(o);
    }
  }
  return names;
}

template <class F>
void for_each_subgraph(Node& n, F&& f) {
  for (Attribute& a : n.attrs) {
    if (a.type == AttrType::kGraph && a.g) f(*a.g);
    if (a.type == AttrType::kGraphs) {
      for (auto& g : a.graphs) {
        if (g) f(*g);
      }
    }
  }
}

template <class F>
void for_each_subgraph(const Node& n, F&& f) {
  for (const Attribute& a : n.attrs) {
    if (a.type == AttrType::kGraph && a.g) f(static_cast<const Graph&>(*a.g));
    if (a.type == AttrType::kGraphs) {
      for (const auto& g : a.graphs) {
        if (g) f(static_cast<const Graph&>(*g));
      }
    }
  }
}

void collect_all_names(const Graph& g, std::set<std::string>* out) {
  for (const ValueInfo& v : g.inputs) out->insert(v.name);
  for (const ValueInfo& v : g.outputs) out->insert(v.name);
  for (const ValueInfo& v : g.value_info) out->insert(v.name);
  for (const NamedTensor& t : g.initializers) out->insert(t.name);
  for (const Node& n : g.nodes) {
    out->insert(n.name);
    out->insert(n.inputs.begin(), n.inputs.end());
    out->insert(n.outputs.begin(), n.outputs.end());
    for_each_subgraph(n, [&](const Graph& sub) { collect_all_names(sub, out); });
  }
  out->erase("");
}

void rename_in_scope(Graph& g, std::unordered_map<std::string, std::string> renames, bool top) {
  if (!top) {
    // A subgraph's own definitions shadow the enclosing scope's names.
    for (const std::string& d : defined_names(g)) renames.erase(d);
  }
  if (renames.empty()) return;
  auto fix = [&](std::string& name) {
    auto it = renames.find(name);
    if (it != renames.end()) name = it->second;
  };
  for (ValueInfo& v : g.inputs) fix(v.name);
  for (ValueInfo& v : g.outputs) fix(v.name);
  for (ValueInfo& v : g.value_info) fix(v.name);
  for (NamedTensor& t : g.initializers) fix(t.name);
  for (Node& n : g.nodes) {
    for (std::string& i : n.inputs) fix(i);
    for (std::string& o : n.outputs) fix(o);
    for_each_subgraph(n, [&](Graph& sub) { rename_in_scope(sub, renames, false); });
  }
}

ValueInfo* find_info(std::vector<ValueInfo>& list, const std::string& name) {
  for (ValueInfo& v : list) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

bool is_defined(const Graph& g, const std::string& name) { return defined_names(g).count(name) != 0; }

}  // namespace

// ---- models ----

Model make_model(const std::string& graph_name, int64_t opset) {
  Model m;
  m.graph.name = graph_name;
  m.opsets.push_back({"", opset});
  m.source = graph_name;
  return m;
}

void set_opset(Model& model, const std::string& domain, int64_t version) {
  auto norm = [](const std::string& d) { return d == "ai.onnx" ? std::string() : d; };
  for (OpsetImport& o : model.opsets) {
    if (norm(o.domain) == norm(domain)) {
      o.version = version;
      return;
    }
  }
  model.opsets.push_back({domain, version});
}

// ---- types ----

ValueInfo tensor_info(const std::string& name, DType dtype, const std::vector<ShapeDim>& shape) {
  ValueInfo vi = tensor_info_unranked(name, dtype);
  vi.type.has_shape = true;
  for (const ShapeDim& d : shape) vi.type.shape.push_back(d.dim);
  return vi;
}

ValueInfo tensor_info_dims(const std::string& name, DType dtype, const Dims& dims) {
  ValueInfo vi = tensor_info_unranked(name, dtype);
  vi.type.has_shape = true;
  for (int64_t d : dims) vi.type.shape.push_back(Dim{d, ""});
  return vi;
}

ValueInfo tensor_info_unranked(const std::string& name, DType dtype) {
  ValueInfo vi;
  vi.name = name;
  vi.type.kind = TypeInfo::Kind::kTensor;
  vi.type.elem = dtype;
  return vi;
}

// ---- attributes ----

static Attribute named(const std::string& name, AttrType type) {
  Attribute a;
  a.name = name;
  a.type = type;
  return a;
}

Attribute int_attr(const std::string& name, int64_t v) {
  Attribute a = named(name, AttrType::kInt);
  a.i = v;
  return a;
}
Attribute float_attr(const std::string& name, float v) {
  Attribute a = named(name, AttrType::kFloat);
  a.f = v;
  return a;
}
Attribute string_attr(const std::string& name, std::string v) {
  Attribute a = named(name, AttrType::kString);
  a.s = std::move(v);
  return a;
}
Attribute tensor_attr(const std::string& name, Tensor v) {
  Attribute a = named(name, AttrType::kTensor);
  a.t = std::move(v);
  return a;
}
Attribute graph_attr(const std::string& name, std::shared_ptr<Graph> g) {
  Attribute a = named(name, AttrType::kGraph);
  a.g = std::move(g);
  return a;
}
Attribute ints_attr(const std::string& name, std::vector<int64_t> v) {
  Attribute a = named(name, AttrType::kInts);
  a.ints = std::move(v);
  return a;
}
Attribute floats_attr(const std::string& name, std::vector<float> v) {
  Attribute a = named(name, AttrType::kFloats);
  a.floats = std::move(v);
  return a;
}
Attribute strings_attr(const std::string& name, std::vector<std::string> v) {
  Attribute a = named(name, AttrType::kStrings);
  a.strings = std::move(v);
  return a;
}
Attribute tensors_attr(const std::string& name, std::vector<Tensor> v) {
  Attribute a = named(name, AttrType::kTensors);
  a.tensors = std::move(v);
  return a;
}
Attribute graphs_attr(const std::string& name, std::vector<std::shared_ptr<Graph>> v) {
  Attribute a = named(name, AttrType::kGraphs);
  a.graphs = std::move(v);
  return a;
}

// ---- nodes ----

Node make_node(const std::string& op_type, std::vector<std::string> inputs, std::vector<std::string> outputs,
               std::vector<Attribute> attrs, const std::string& name, const std::string& domain) {
  Node n;
  n.name = name;
  n.op_type = op_type;
  n.domain = domain;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attrs = std::move(attrs);
  return n;
}

Result<std::string> add_node(Graph& graph, Node node) {
  if (node.op_type.empty()) return error(Code::kInvalidArgument, "a node needs an op type");
  if (node.name.empty()) {
    node.name = unique_name(graph, node.op_type + "_" + std::to_string(graph.nodes.size()));
  } else if (find_node(graph, node.name) != nullptr) {
    return error(Code::kInvalidArgument, "a node named '", node.name, "' already exists");
  }
  std::set<std::string> defined = defined_names(graph);
  std::set<std::string> own;
  for (const std::string& o : node.outputs) {
    if (o.empty()) continue;
    if (defined.count(o) != 0 || !own.insert(o).second) {
      return error(Code::kInvalidArgument, "node '", node.name, "' (", node.op_type, "): output '", o,
                   "' is already defined in graph '", graph.name, "'");
    }
  }
  std::set<std::string> attr_names;
  for (const Attribute& a : node.attrs) {
    if (!attr_names.insert(a.name).second) {
      return error(Code::kInvalidArgument, "node '", node.name, "' (", node.op_type, "): attribute '", a.name,
                   "' is given twice");
    }
  }
  std::string name = node.name;
  graph.nodes.push_back(std::move(node));
  return name;
}

Status delete_node(Graph& graph, const std::string& node_name) {
  auto it = std::find_if(graph.nodes.begin(), graph.nodes.end(), [&](const Node& n) { return n.name == node_name; });
  if (it == graph.nodes.end()) return error(Code::kNotFound, "graph '", graph.name, "' has no node '", node_name, "'");
  graph.nodes.erase(it);
  return Status();
}

Node* find_node(Graph& graph, const std::string& node_name) {
  for (Node& n : graph.nodes) {
    if (n.name == node_name) return &n;
  }
  return nullptr;
}

const Node* find_node(const Graph& graph, const std::string& node_name) {
  for (const Node& n : graph.nodes) {
    if (n.name == node_name) return &n;
  }
  return nullptr;
}

std::string unique_name(const Graph& graph, const std::string& base) {
  std::set<std::string> used;
  collect_all_names(graph, &used);
  if (!base.empty() && used.count(base) == 0) return base;
  for (size_t k = 1;; ++k) {
    std::string candidate = str_cat(base, "_", k);
    if (used.count(candidate) == 0) return candidate;
  }
}

// ---- graph inputs and outputs ----

Status add_input(Graph& graph, ValueInfo info) {
  if (info.name.empty()) return error(Code::kInvalidArgument, "a graph input needs a name");
  if (find_info(graph.inputs, info.name) != nullptr) {
    return error(Code::kInvalidArgument, "graph '", graph.name, "' already has an input '", info.name, "'");
  }
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    if (std::find(n.outputs.begin(), n.outputs.end(), info.name) != n.outputs.end()) {
      return error(Code::kInvalidArgument, "'", info.name, "' is produced by ", n.describe(i),
                   " and cannot also be a graph input");
    }
  }
  graph.inputs.push_back(std::move(info));
  return Status();
}

Status add_output(Graph& graph, ValueInfo info) {
  if (info.name.empty()) return error(Code::kInvalidArgument, "a graph output needs a name");
  if (find_info(graph.outputs, info.name) != nullptr) {
    return error(Code::kInvalidArgument, "graph '", graph.name, "' already has an output '", info.name, "'");
  }
  graph.outputs.push_back(std::move(info));
  return Status();
}

static Status replace_info(std::vector<ValueInfo>& list, ValueInfo info, const Graph& g, const char* what) {
  ValueInfo* v = find_info(list, info.name);
  if (v == nullptr) return error(Code::kNotFound, "graph '", g.name, "' has no ", what, " '", info.name, "'");
  *v = std::move(info);
  return Status();
}

Status replace_input(Graph& graph, ValueInfo info) { return replace_info(graph.inputs, std::move(info), graph, "input"); }
Status replace_output(Graph& graph, ValueInfo info) { return replace_info(graph.outputs, std::move(info), graph, "output"); }

static Status delete_info(std::vector<ValueInfo>& list, const std::string& name, const Graph& g, const char* what) {
  auto it = std::find_if(list.begin(), list.end(), [&](const ValueInfo& v) { return v.name == name; });
  if (it == list.end()) return error(Code::kNotFound, "graph '", g.name, "' has no ", what, " '", name, "'");
  list.erase(it);
  return Status();
}

Status delete_input(Graph& graph, const std::string& name) { return delete_info(graph.inputs, name, graph, "input"); }
Status delete_output(Graph& graph, const std::string& name) { return delete_info(graph.outputs, name, graph, "output"); }

Status rename_input(Graph& graph, const std::string& old_name, const std::string& new_name) {
  if (find_info(graph.inputs, old_name) == nullptr) {
    return error(Code::kNotFound, "graph '", graph.name, "' has no input '", old_name, "'");
  }
  return rename_tensor(graph, old_name, new_name);
}

Status rename_output(Graph& graph, const std::string& old_name, const std::string& new_name) {
  if (find_info(graph.outputs, old_name) == nullptr) {
    return error(Code::kNotFound, "graph '", graph.name, "' has no output '", old_name, "'");
  }
  return rename_tensor(graph, old_name, new_name);
}

// ---- initializers and constants ----

Status add_initializer(Graph& graph, const std::string& name, Tensor value) {
  if (name.empty()) return error(Code::kInvalidArgument, "an initializer needs a name");
  if (!value.defined()) return error(Code::kInvalidArgument, "initializer '", name, "' has no tensor");
  if (graph.initializer(name) != nullptr) {
    return error(Code::kInvalidArgument, "graph '", graph.name, "' already has an initializer '", name, "'");
  }
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    if (std::find(n.outputs.begin(), n.outputs.end(), name) != n.outputs.end()) {
      return error(Code::kInvalidArgument, "'", name, "' is produced by ", n.describe(i),
                   " and cannot also be an initializer");
    }
  }
  graph.initializers.push_back({name, std::move(value), ""});
  return Status();
}

Status delete_initializer(Graph& graph, const std::string& name) {
  auto it = std::find_if(graph.initializers.begin(), graph.initializers.end(),
                         [&](const NamedTensor& t) { return t.name == name; });
  if (it == graph.initializers.end()) {
    return error(Code::kNotFound, "graph '", graph.name, "' has no initializer '", name, "'");
  }
  graph.initializers.erase(it);
  return Status();
}

Status add_constant(Graph& graph, const std::string& name, Tensor value) {
  if (!value.defined()) return error(Code::kInvalidArgument, "constant '", name, "' has no tensor");
  if (is_defined(graph, name)) {
    return error(Code::kInvalidArgument, "'", name, "' is already defined in graph '", graph.name, "'");
  }
  return add_node(graph, make_node("Constant", {}, {name}, {tensor_attr("value", std::move(value))},
                                   unique_name(graph, name + "_const")))
      .status();
}

// ---- renaming ----

void rename_tensors(Graph& graph, const std::unordered_map<std::string, std::string>& renames) {
  rename_in_scope(graph, renames, true);
}

Status rename_tensor(Graph& graph, const std::string& old_name, const std::string& new_name) {
  if (new_name.empty()) return error(Code::kInvalidArgument, "cannot rename '", old_name, "' to an empty name");
  if (old_name == new_name) return Status();
  std::set<std::string> used;
  collect_all_names(graph, &used);
  if (used.count(old_name) == 0) return error(Code::kNotFound, "graph '", graph.name, "' has no tensor '", old_name, "'");
  if (used.count(new_name) != 0) {
    return error(Code::kInvalidArgument, "cannot rename '", old_name, "' to '", new_name, "': that name is in use");
  }
  rename_tensors(graph, {{old_name, new_name}});
  return Status();
}

// ---- listing ----

std::vector<const ValueInfo*> list_inputs(const Graph& graph) {
  std::vector<const ValueInfo*> out;
  for (const ValueInfo& v : graph.inputs) {
    if (graph.initializer(v.name) == nullptr) out.push_back(&v);
  }
  return out;
}

static void collect_tensor_names(const Graph& g, std::set<std::string>* out) {
  for (const ValueInfo& v : g.inputs) out->insert(v.name);
  for (const ValueInfo& v : g.outputs) out->insert(v.name);
  for (const ValueInfo& v : g.value_info) out->insert(v.name);
  for (const NamedTensor& t : g.initializers) out->insert(t.name);
  for (const Node& n : g.nodes) {
    out->insert(n.inputs.begin(), n.inputs.end());
    out->insert(n.outputs.begin(), n.outputs.end());
    for_each_subgraph(n, [&](const Graph& sub) { collect_tensor_names(sub, out); });
  }
  out->erase("");
}

std::vector<std::string> list_tensor_names(const Graph& graph) {
  std::set<std::string> names;
  collect_tensor_names(graph, &names);
  return std::vector<std::string>(names.begin(), names.end());
}

std::vector<DType> list_dtypes() {
  std::vector<DType> out;
  for (int v = 1; v <= kMaxDType; ++v) {
    if (dtype_valid(v)) out.push_back(static_cast<DType>(v));
  }
  return out;
}

std::vector<SupportedOp> list_supported_ops() {
  std::vector<SupportedOp> out;
  for (const OpEntry& e : op_table()) {
    SupportedOp op{e.domain, e.op_type, {}, mask_names(e.dtypes)};
    for (int i = 0; e.versions[i] != 0; ++i) op.versions.push_back(e.versions[i]);
    out.push_back(std::move(op));
  }
  return out;
}

static std::string type_text(const TypeInfo& t) {
  switch (t.kind) {
    case TypeInfo::Kind::kTensor:
    case TypeInfo::Kind::kSparseTensor: {
      std::string s = dtype_name(t.elem);
      if (!t.has_shape) return s + " [?]";
      s += " [";
      for (size_t i = 0; i < t.shape.size(); ++i) {
        if (i) s += ", ";
        s += t.shape[i].fixed() ? std::to_string(t.shape[i].value) : (t.shape[i].param.empty() ? "?" : t.shape[i].param);
      }
      return s + "]";
    }
    case TypeInfo::Kind::kSequence: return "sequence<" + (t.inner ? type_text(*t.inner) : std::string("?")) + ">";
    case TypeInfo::Kind::kOptional: return "optional<" + (t.inner ? type_text(*t.inner) : std::string("?")) + ">";
    case TypeInfo::Kind::kMap: return "map";
    case TypeInfo::Kind::kUnknown: return "?";
  }
  return "?";
}

std::string describe_model(const Model& model) {
  const Graph& g = model.graph;
  std::string s = str_cat("graph '", g.name, "'");
  for (const OpsetImport& o : model.opsets) s += str_cat(", opset ", o.domain.empty() ? "ai.onnx" : o.domain, " ", o.version);
  s += "\n";
  for (const ValueInfo* v : list_inputs(g)) s += str_cat("input  ", v->name, ": ", type_text(v->type), "\n");
  for (const ValueInfo& v : g.outputs) s += str_cat("output ", v.name, ": ", type_text(v.type), "\n");
  for (const NamedTensor& t : g.initializers) {
    s += str_cat("initializer ", t.name, ": ", dtype_name(t.tensor.dtype()), " ", shape_str(t.tensor.shape()), "\n");
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    s += n.describe(i) + ": (";
    for (size_t k = 0; k < n.inputs.size(); ++k) s += (k ? ", " : "") + n.inputs[k];
    s += ") -> (";
    for (size_t k = 0; k < n.outputs.size(); ++k) s += (k ? ", " : "") + n.outputs[k];
    s += ")\n";
  }
  return s;
}

}  // namespace onyx
