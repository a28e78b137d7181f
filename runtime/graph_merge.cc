#include "onyx/graph_merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "graph_infer.h"
#include "onyx/graph_check.h"
#include "onyx/graph_edit.h"

namespace onyx {

namespace {

const ValueInfo* find_info(const std::vector<ValueInfo>& list, const std::string& name) {
  for (const ValueInfo& v : list) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

// Names defined or read in the top scope of `g`.
std::set<std::string> top_names(const Graph& g) {
  std::set<std::string> s;
  for (const ValueInfo& v : g.inputs) s.insert(v.name);
  for (const ValueInfo& v : g.outputs) s.insert(v.name);
  for (const ValueInfo& v : g.value_info) s.insert(v.name);
  for (const NamedTensor& t : g.initializers) s.insert(t.name);
  for (const Node& n : g.nodes) {
    s.insert(n.inputs.begin(), n.inputs.end());
    s.insert(n.outputs.begin(), n.outputs.end());
    for (const std::string& c : n.captured_names()) s.insert(c);
  }
  s.erase("");
  return s;
}

bool defines(const Graph& g, const std::string& name) {
  if (find_info(g.inputs, name) != nullptr || g.initializer(name) != nullptr) return true;
  for (const Node& n : g.nodes) {
    if (std::find(n.outputs.begin(), n.outputs.end(), name) != n.outputs.end()) return true;
  }
  return false;
}

// The declared type of `name` in `model`, else the inferred one (computed once, on demand).
class TypeLookup {
 public:
  explicit TypeLookup(const Model& m) : model_(m) {}
  TypeInfo type_of(const std::string& name) {
    const Graph& g = model_.graph;
    for (const auto* list : {&g.inputs, &g.outputs, &g.value_info}) {
      const ValueInfo* v = find_info(*list, name);
      if (v != nullptr && v->type.kind != TypeInfo::Kind::kUnknown) return v->type;
    }
    if (const NamedTensor* t = g.initializer(name)) {
      TypeInfo ti;
      ti.kind = TypeInfo::Kind::kTensor;
      ti.elem = t->tensor.dtype();
      ti.has_shape = true;
      for (int64_t d : t->tensor.shape()) ti.shape.push_back(Dim{d, ""});
      return ti;
    }
    if (!inferred_) {
      InferOptions o;
      o.evaluate = true;
      inference_ = infer_graph(model_, g, o);
      inferred_ = true;
    }
    const InferredValue* v = inference_.find(name);
    return v != nullptr ? inferred_type(*v) : TypeInfo();
  }

 private:
  const Model& model_;
  bool inferred_ = false;
  Inference inference_;
};

std::string type_text(const TypeInfo& t) {
  if (t.kind != TypeInfo::Kind::kTensor) return "?";
  std::string s = dtype_name(t.elem);
  if (!t.has_shape) return s;
  s += " [";
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (i) s += ", ";
    s += t.shape[i].fixed() ? std::to_string(t.shape[i].value) : (t.shape[i].param.empty() ? "?" : t.shape[i].param);
  }
  return s + "]";
}

// An error when a value of type `from` cannot feed an input declared `to`.
Status compatible(const std::string& a, const TypeInfo& from, const std::string& b, const TypeInfo& to) {
  if (from.kind != TypeInfo::Kind::kTensor || to.kind != TypeInfo::Kind::kTensor) return Status();
  auto clash = [&]() {
    return error(Code::kInvalidArgument, "cannot connect '", a, "' (", type_text(from), ") to input '", b, "' (",
                 type_text(to), ")");
  };
  if (from.elem != DType::kUndefined && to.elem != DType::kUndefined && from.elem != to.elem) return clash();
  if (!from.has_shape || !to.has_shape) return Status();
  if (from.shape.size() != to.shape.size()) return clash();
  for (size_t d = 0; d < from.shape.size(); ++d) {
    if (from.shape[d].fixed() && to.shape[d].fixed() && from.shape[d].value != to.shape[d].value) return clash();
  }
  return Status();
}

// A name not in `taken`: prefix + name, then prefix + name + "_1", ...; recorded in `taken`.
std::string fresh_name(const std::string& prefix, const std::string& name, std::set<std::string>* taken) {
  std::string candidate = prefix + name;
  for (size_t k = 1; taken->count(candidate) != 0; ++k) candidate = str_cat(prefix, name, "_", k);
  taken->insert(candidate);
  return candidate;
}

// Renames the nodes of `g` whose names `taken` holds.
void rename_clashing_nodes(Graph& g, const std::string& prefix, std::set<std::string>* taken) {
  for (Node& n : g.nodes) {
    if (n.name.empty()) continue;
    if (taken->count(n.name) != 0) {
      n.name = fresh_name(prefix, n.name, taken);
    } else {
      taken->insert(n.name);
    }
  }
}

std::set<std::string> node_names(const Graph& g) {
  std::set<std::string> s;
  for (const Node& n : g.nodes) {
    if (!n.name.empty()) s.insert(n.name);
  }
  return s;
}

// Opsets and IR version: the larger of the two per domain.
void merge_versions(Model& into, const Model& other) {
  for (const OpsetImport& o : other.opsets) {
    int64_t have = into.opset(o.domain);
    if (have == 0) {
      into.opsets.push_back(o);
    } else if (o.version > have) {
      set_opset(into, o.domain, o.version);
    }
  }
  into.ir_version = std::max(into.ir_version, other.ir_version);
}

Status check_result(const Model& m, const char* what) {
  std::vector<CheckIssue> issues = check_model(m);
  if (count_errors(issues) == 0) return Status();
  std::string text = str_cat("the ", what, " model is not valid:");
  for (const CheckIssue& i : issues) {
    if (i.error()) text += "\n  " + i.to_string();
  }
  return Status(Code::kInvalidArgument, text);
}

}  // namespace

Result<Model> merge_models(const Model& first, const Model& second,
                           const std::vector<std::pair<std::string, std::string>>& io_map,
                           const MergeOptions& options) {
  const Graph& g1 = first.graph;
  Graph g2 = second.graph;
  if (io_map.empty()) return error(Code::kInvalidArgument, "merge needs at least one connection (first output -> second input)");
  TypeLookup types1(first);
  std::map<std::string, std::string> connect;  // second input -> first tensor
  for (const auto& [a, b] : io_map) {
    if (!defines(g1, a)) return error(Code::kNotFound, "the first graph '", g1.name, "' has no tensor '", a, "'");
    const ValueInfo* in = find_info(g2.inputs, b);
    if (in == nullptr || g2.initializer(b) != nullptr) {
      return error(Code::kNotFound, "the second graph '", g2.name, "' has no input '", b, "' to connect '", a, "' to");
    }
    if (!connect.emplace(b, a).second) return error(Code::kInvalidArgument, "input '", b, "' is connected twice");
    ONYX_TRY(compatible(a, types1.type_of(a), b, in->type));
  }

  // Rename the second graph: connected inputs take the first graph's names; clashes get the prefix.
  std::vector<std::string> all1 = list_tensor_names(g1);
  std::set<std::string> names1(all1.begin(), all1.end());
  std::set<std::string> taken = names1;
  std::set<std::string> names2 = top_names(g2);
  taken.insert(names2.begin(), names2.end());
  std::unordered_map<std::string, std::string> renames;
  for (const std::string& name : names2) {
    auto c = connect.find(name);
    if (c != connect.end()) {
      renames[name] = c->second;
    } else if (names1.count(name) != 0) {
      renames[name] = fresh_name(options.prefix, name, &taken);
    }
  }
  rename_tensors(g2, renames);
  std::set<std::string> nodes_taken = node_names(g1);
  rename_clashing_nodes(g2, options.prefix, &nodes_taken);

  Model m = first;
  merge_versions(m, second);
  Graph& g = m.graph;
  std::set<std::string> connected_first;
  for (const auto& [b, a] : connect) connected_first.insert(a);
  for (const ValueInfo& v : g2.inputs) {
    if (connected_first.count(v.name) == 0 || g2.initializer(v.name) != nullptr) g.inputs.push_back(v);
  }
  if (!options.keep_connected_outputs) {
    std::vector<ValueInfo> kept;
    for (ValueInfo& v : g.outputs) {
      if (connected_first.count(v.name) != 0) {
        g.value_info.push_back(std::move(v));  // its type stays known
      } else {
        kept.push_back(std::move(v));
      }
    }
    g.outputs = std::move(kept);
  }
  for (ValueInfo& v : g2.outputs) g.outputs.push_back(std::move(v));
  for (Node& n : g2.nodes) g.nodes.push_back(std::move(n));
  for (NamedTensor& t : g2.initializers) g.initializers.push_back(std::move(t));
  for (ValueInfo& v : g2.value_info) g.value_info.push_back(std::move(v));
  if (options.check) ONYX_TRY(check_result(m, "merged"));
  return m;
}

Result<Model> concat_models(const Model& first, const Model& second, const ConcatOptions& options) {
  const Graph& g1 = first.graph;
  Graph g2 = second.graph;
  std::set<std::string> shared;
  if (options.share_inputs) {
    for (const ValueInfo& v : g2.inputs) {
      const ValueInfo* u = find_info(g1.inputs, v.name);
      if (u != nullptr && g1.initializer(v.name) == nullptr && g2.initializer(v.name) == nullptr &&
          type_text(u->type) == type_text(v.type) && u->type.kind == v.type.kind) {
        shared.insert(v.name);
      }
    }
  }
  std::vector<std::string> all1 = list_tensor_names(g1);
  std::set<std::string> names1(all1.begin(), all1.end());
  std::set<std::string> taken = names1;
  std::set<std::string> names2 = top_names(g2);
  taken.insert(names2.begin(), names2.end());
  std::unordered_map<std::string, std::string> renames;
  for (const std::string& name : names2) {
    if (names1.count(name) != 0 && shared.count(name) == 0) renames[name] = fresh_name(options.prefix, name, &taken);
  }
  rename_tensors(g2, renames);
  std::set<std::string> nodes_taken = node_names(g1);
  rename_clashing_nodes(g2, options.prefix, &nodes_taken);

  Model m = first;
  merge_versions(m, second);
  Graph& g = m.graph;
  for (ValueInfo& v : g2.inputs) {
    if (shared.count(v.name) == 0) g.inputs.push_back(std::move(v));
  }
  for (ValueInfo& v : g2.outputs) g.outputs.push_back(std::move(v));
  for (Node& n : g2.nodes) g.nodes.push_back(std::move(n));
  for (NamedTensor& t : g2.initializers) g.initializers.push_back(std::move(t));
  for (ValueInfo& v : g2.value_info) g.value_info.push_back(std::move(v));
  if (options.check) ONYX_TRY(check_result(m, "concatenated"));
  return m;
}

Result<Model> extract_model(const Model& model, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& outputs) {
  const Graph& g = model.graph;
  if (outputs.empty()) return error(Code::kInvalidArgument, "extract needs at least one output");
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (const std::string& o : g.nodes[i].outputs) {
      if (!o.empty()) producer.emplace(o, i);
    }
  }
  for (const auto* list : {&inputs, &outputs}) {
    for (const std::string& name : *list) {
      if (!defines(g, name)) return error(Code::kNotFound, "graph '", g.name, "' has no tensor '", name, "'");
    }
  }
  std::set<std::string> stop(inputs.begin(), inputs.end());

  // Walk back from the outputs to the given inputs.
  std::vector<bool> need_node(g.nodes.size(), false);
  std::set<std::string> need_init, extra_inputs, seen;
  std::vector<std::string> stack(outputs.begin(), outputs.end());
  while (!stack.empty()) {
    std::string t = stack.back();
    stack.pop_back();
    if (t.empty() || !seen.insert(t).second || stop.count(t) != 0) continue;
    auto p = producer.find(t);
    if (p != producer.end()) {
      if (need_node[p->second]) continue;
      need_node[p->second] = true;
      const Node& n = g.nodes[p->second];
      stack.insert(stack.end(), n.inputs.begin(), n.inputs.end());
      for (const std::string& c : n.captured_names()) stack.push_back(c);
    } else if (g.initializer(t) != nullptr) {
      need_init.insert(t);
    } else if (find_info(g.inputs, t) != nullptr) {
      extra_inputs.insert(t);
    } else {
      return error(Code::kInvalidArgument, "tensor '", t, "' is not defined in graph '", g.name, "'");
    }
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!need_node[i]) continue;
    for (const std::string& o : g.nodes[i].outputs) {
      if (stop.count(o) != 0) {
        return error(Code::kInvalidArgument, "input '", o, "' is produced by ", g.nodes[i].describe(i),
                     ", which the outputs also need for another tensor");
      }
    }
  }

  TypeLookup types(model);
  Model m = model;
  Graph& out = m.graph;
  out.nodes.clear();
  out.inputs.clear();
  out.outputs.clear();
  out.initializers.clear();
  out.value_info.clear();
  std::vector<std::string> input_order(inputs.begin(), inputs.end());
  for (const ValueInfo& v : g.inputs) {
    if (extra_inputs.count(v.name) != 0) input_order.push_back(v.name);
  }
  std::set<std::string> added;
  for (const std::string& name : input_order) {
    if (!added.insert(name).second) continue;
    ValueInfo vi;
    vi.name = name;
    vi.type = types.type_of(name);
    if (vi.type.kind == TypeInfo::Kind::kUnknown) {
      return error(Code::kInvalidArgument, "cannot determine the type of input '", name,
                   "' (no declaration, and shape inference could not reach it)");
    }
    out.inputs.push_back(std::move(vi));
  }
  for (const NamedTensor& t : g.initializers) {
    if (need_init.count(t.name) == 0) continue;
    out.initializers.push_back(t);
    if (find_info(g.inputs, t.name) != nullptr && added.insert(t.name).second) out.inputs.push_back(*find_info(g.inputs, t.name));
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (need_node[i]) out.nodes.push_back(g.nodes[i]);
  }
  std::set<std::string> output_names;
  for (const std::string& name : outputs) {
    if (!output_names.insert(name).second) continue;
    ValueInfo vi;
    vi.name = name;
    vi.type = types.type_of(name);
    out.outputs.push_back(std::move(vi));
  }
  std::set<std::string> present = top_names(out);
  for (const ValueInfo& v : g.value_info) {
    if (present.count(v.name) != 0 && added.count(v.name) == 0 && output_names.count(v.name) == 0) out.value_info.push_back(v);
  }
  return m;
}

}  // namespace onyx
