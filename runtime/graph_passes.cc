#include "onyx/graph_passes.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "graph_infer.h"
#include "onyx/graph_edit.h"
#include "registry.h"

namespace onyx {

namespace {

using NameSet = std::unordered_set<std::string>;

bool default_domain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

// Names something reads: node inputs, names subgraph bodies capture, graph outputs.
NameSet used_names(const Graph& g) {
  NameSet used;
  for (const Node& n : g.nodes) {
    for (const std::string& i : n.inputs) {
      if (!i.empty()) used.insert(i);
    }
    for (const std::string& c : n.captured_names()) used.insert(c);
  }
  for (const ValueInfo& v : g.outputs) used.insert(v.name);
  return used;
}

bool is_graph_output(const Graph& g, const std::string& name) {
  return std::any_of(g.outputs.begin(), g.outputs.end(), [&](const ValueInfo& v) { return v.name == name; });
}

bool is_graph_input(const Graph& g, const std::string& name) {
  return std::any_of(g.inputs.begin(), g.inputs.end(), [&](const ValueInfo& v) { return v.name == name; });
}

bool produced_by_node(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes) {
    if (std::find(n.outputs.begin(), n.outputs.end(), name) != n.outputs.end()) return true;
  }
  return false;
}

void erase_value_info(Graph& g, const std::string& name) {
  g.value_info.erase(std::remove_if(g.value_info.begin(), g.value_info.end(),
                                    [&](const ValueInfo& v) { return v.name == name; }),
                     g.value_info.end());
}

// Removes node `idx`, whose output `y` equals its input `x`, connecting y's readers to x.
// Returns false (and changes nothing) when that would rename a graph output or an input.
bool bypass(Graph& g, size_t idx, const std::string& x, const std::string& y) {
  if (x.empty() || y.empty() || x == y) return false;
  if (!is_graph_output(g, y)) {
    g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(idx));
    erase_value_info(g, y);
    rename_tensors(g, {{y, x}});
    return true;
  }
  // y is a graph output and keeps its name: x's producer must produce y instead.
  if (is_graph_output(g, x) || is_graph_input(g, x) || g.initializer(x) != nullptr || !produced_by_node(g, x)) {
    return false;
  }
  g.nodes.erase(g.nodes.begin() + static_cast<std::ptrdiff_t>(idx));
  erase_value_info(g, x);
  rename_tensors(g, {{x, y}});
  return true;
}

bool identity_like(const Node& n) {
  return n.inputs.size() == 1 && n.outputs.size() == 1 && !n.inputs[0].empty() && !n.outputs[0].empty();
}

// The scalar value of constant `name` (an initializer that is not a graph input), if any.
const Tensor* constant_scalar(const Graph& g, const std::string& name) {
  if (name.empty() || is_graph_input(g, name)) return nullptr;
  const NamedTensor* t = g.initializer(name);
  if (t == nullptr || t->tensor.numel() != 1) return nullptr;
  return &t->tensor;
}

// True when this Dropout computes the identity (see dropout.cc for the modes by version).
bool dropout_is_identity(const Graph& g, const Node& n, int64_t opset) {
  Result<OpMatch> m = find_op(n.domain, n.op_type, opset);
  if (!m.ok() || n.inputs.empty() || n.inputs[0].empty() || n.outputs.empty() || n.outputs[0].empty()) return false;
  const int v = m->since_version;
  if (v >= 7 && v < 12) return true;
  if (v < 7) {
    const Attribute* is_test = n.attr("is_test");
    const Attribute* ratio = n.attr("ratio");
    return (is_test != nullptr && is_test->type == AttrType::kInt && is_test->i != 0) ||
           (ratio != nullptr && ratio->type == AttrType::kFloat && ratio->f == 0.0f);
  }
  if (n.inputs.size() < 3 || n.inputs[2].empty()) return true;
  const Tensor* training = constant_scalar(g, n.inputs[2]);
  if (training != nullptr && training->dtype() == DType::kBool && !training->data_as<bool>()[0]) return true;
  const Tensor* ratio = n.inputs.size() >= 2 ? constant_scalar(g, n.inputs[1]) : nullptr;
  return ratio != nullptr && is_float(ratio->dtype()) && ratio->get_as_double(0) == 0.0;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  if (a.dtype() == DType::kString) {
    for (int64_t i = 0; i < a.numel(); ++i) {
      if (a.data_as<std::string>()[i] != b.data_as<std::string>()[i]) return false;
    }
    return true;
  }
  return a.nbytes() == 0 || std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

size_t content_hash(const Tensor& t) {
  size_t h = std::hash<std::string>()(shape_str(t.shape())) ^ static_cast<size_t>(t.dtype());
  if (t.dtype() == DType::kString) {
    for (int64_t i = 0; i < t.numel(); ++i) h = h * 31 + std::hash<std::string>()(t.data_as<std::string>()[i]);
    return h;
  }
  return h ^ (std::hash<std::string_view>()(std::string_view(static_cast<const char*>(t.data()), t.nbytes())) << 1);
}

// Estimated serialized sizes (field contents plus about two bytes of tag and length per field),
// so that folding can tell whether it makes the file bigger.
size_t tensor_size(const Tensor& t) {
  size_t b = 4 + 3 * t.rank();
  if (t.dtype() != DType::kString) return b + t.nbytes();
  for (int64_t i = 0; i < t.numel(); ++i) b += t.data_as<std::string>()[i].size() + 2;
  return b;
}

size_t initializer_size(const std::string& name, const Tensor& t) { return name.size() + 4 + tensor_size(t); }

size_t node_size(const Node& n) {
  size_t b = 2 + n.op_type.size() + 2 + n.name.size() + (n.domain.empty() ? 0 : n.domain.size() + 2) + n.doc.size();
  for (const std::string& s : n.inputs) b += s.size() + 2;
  for (const std::string& s : n.outputs) b += s.size() + 2;
  for (const Attribute& a : n.attrs) {
    b += a.name.size() + 6 + a.s.size() + 10 * (a.ints.size() + a.floats.size());
    if (a.t.defined()) b += tensor_size(a.t);
    for (const Tensor& t : a.tensors) b += tensor_size(t);
    for (const std::string& s : a.strings) b += s.size() + 2;
  }
  return b;
}

}  // namespace

size_t remove_unused_nodes(Graph& g) {
  NameSet needed;
  for (const ValueInfo& v : g.outputs) needed.insert(v.name);
  std::vector<size_t> order = lenient_order(g);
  std::vector<bool> live(g.nodes.size(), false);
  std::vector<bool> scheduled(g.nodes.size(), false);
  for (size_t i : order) scheduled[i] = true;
  auto mark = [&](size_t i) {
    live[i] = true;
    for (const std::string& in : g.nodes[i].inputs) needed.insert(in);
    for (const std::string& c : g.nodes[i].captured_names()) needed.insert(c);
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!scheduled[i]) mark(i);  // on a cycle: not ours to judge
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const Node& n = g.nodes[*it];
    if (std::any_of(n.outputs.begin(), n.outputs.end(), [&](const std::string& o) { return !o.empty() && needed.count(o); })) {
      mark(*it);
    }
  }
  size_t removed = 0;
  std::vector<Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (live[i]) {
      kept.push_back(std::move(g.nodes[i]));
    } else {
      ++removed;
    }
  }
  g.nodes = std::move(kept);
  return removed;
}

size_t remove_unused_initializers(Graph& g) {
  NameSet used = used_names(g);
  size_t before = g.initializers.size();
  NameSet dropped;
  std::vector<NamedTensor> kept;
  for (NamedTensor& t : g.initializers) {
    if (used.count(t.name) != 0) {
      kept.push_back(std::move(t));
    } else {
      dropped.insert(t.name);
    }
  }
  g.initializers = std::move(kept);
  g.inputs.erase(std::remove_if(g.inputs.begin(), g.inputs.end(), [&](const ValueInfo& v) { return dropped.count(v.name) != 0; }),
                 g.inputs.end());
  return before - g.initializers.size();
}

size_t remove_unused_inputs(Graph& g) {
  NameSet used = used_names(g);
  size_t before = g.inputs.size();
  g.inputs.erase(std::remove_if(g.inputs.begin(), g.inputs.end(),
                                [&](const ValueInfo& v) { return used.count(v.name) == 0 && g.initializer(v.name) == nullptr; }),
                 g.inputs.end());
  return before - g.inputs.size();
}

size_t remove_unused_value_info(Graph& g) {
  NameSet exists;
  for (const ValueInfo& v : g.inputs) exists.insert(v.name);
  for (const NamedTensor& t : g.initializers) exists.insert(t.name);
  for (const Node& n : g.nodes) exists.insert(n.outputs.begin(), n.outputs.end());
  NameSet seen;
  size_t before = g.value_info.size();
  g.value_info.erase(std::remove_if(g.value_info.begin(), g.value_info.end(),
                                    [&](const ValueInfo& v) { return exists.count(v.name) == 0 || !seen.insert(v.name).second; }),
                     g.value_info.end());
  return before - g.value_info.size();
}

size_t remove_identity(Graph& g) {
  size_t removed = 0;
  for (size_t i = 0; i < g.nodes.size();) {
    const Node& n = g.nodes[i];
    if (n.op_type == "Identity" && default_domain(n.domain) && identity_like(n)) {
      std::string x = n.inputs[0], y = n.outputs[0];
      if (bypass(g, i, x, y)) {
        ++removed;
        continue;
      }
    }
    ++i;
  }
  return removed;
}

size_t remove_dropout(Graph& g, int64_t opset) {
  size_t removed = 0;
  NameSet used = used_names(g);
  for (size_t i = 0; i < g.nodes.size();) {
    const Node& n = g.nodes[i];
    bool mask_used = n.outputs.size() > 1 && !n.outputs[1].empty() && used.count(n.outputs[1]) != 0;
    if (n.op_type == "Dropout" && default_domain(n.domain) && !mask_used && dropout_is_identity(g, n, opset)) {
      std::string x = n.inputs[0], y = n.outputs[0];
      if (bypass(g, i, x, y)) {
        ++removed;
        used = used_names(g);
        continue;
      }
    }
    ++i;
  }
  return removed;
}

size_t dedupe_initializers(Graph& g) {
  std::unordered_map<size_t, std::vector<size_t>> by_hash;
  std::unordered_map<std::string, std::string> renames;
  std::vector<bool> drop(g.initializers.size(), false);
  for (size_t i = 0; i < g.initializers.size(); ++i) {
    const NamedTensor& t = g.initializers[i];
    if (!t.tensor.defined() || is_graph_input(g, t.name) || is_graph_output(g, t.name)) continue;
    std::vector<size_t>& bucket = by_hash[content_hash(t.tensor)];
    for (size_t k : bucket) {
      if (same_bytes(g.initializers[k].tensor, t.tensor)) {
        renames[t.name] = g.initializers[k].name;
        drop[i] = true;
        break;
      }
    }
    if (!drop[i]) bucket.push_back(i);
  }
  if (renames.empty()) return 0;
  std::vector<NamedTensor> kept;
  for (size_t i = 0; i < g.initializers.size(); ++i) {
    if (!drop[i]) kept.push_back(std::move(g.initializers[i]));
  }
  g.initializers = std::move(kept);
  for (const auto& [from, to] : renames) erase_value_info(g, from);
  rename_tensors(g, renames);
  return renames.size();
}

size_t drop_initializer_inputs(Graph& g) {
  size_t before = g.inputs.size();
  g.inputs.erase(std::remove_if(g.inputs.begin(), g.inputs.end(),
                                [&](const ValueInfo& v) { return g.initializer(v.name) != nullptr; }),
                 g.inputs.end());
  return before - g.inputs.size();
}

size_t fold_constants(Model& model, const FoldOptions& options) {
  Graph& g = model.graph;
  InferOptions io;
  io.evaluate_limit_bytes = options.max_output_bytes;
  Inference inf = infer_graph(model, g, io);

  // Which nodes may fold: every output a constant that holds for any input, none a graph output.
  std::vector<bool> fold(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!inf.evaluated[i] || inf.skipped[i]) continue;
    bool ok = true;
    for (const std::string& o : g.nodes[i].outputs) {
      if (o.empty()) continue;
      const InferredValue* v = inf.find(o);
      ok &= v != nullptr && v->constant && !v->assumed && v->kind == ValueKind::kTensor && v->value.tensor.defined() &&
            !is_graph_output(g, o) && !is_graph_input(g, o) && g.initializer(o) == nullptr;
    }
    fold[i] = ok;
  }
  // Readers of each name, to know which constants a fold frees.
  std::unordered_map<std::string, std::vector<size_t>> readers;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (const std::string& in : g.nodes[i].inputs) {
      if (!in.empty()) readers[in].push_back(i);
    }
    for (const std::string& c : g.nodes[i].captured_names()) readers[c].push_back(static_cast<size_t>(-1));
  }
  auto freed_by = [&](size_t i) {
    size_t bytes = 0;
    for (const std::string& in : g.nodes[i].inputs) {
      const InferredValue* v = in.empty() ? nullptr : inf.find(in);
      if (v == nullptr || !v->constant || is_graph_output(g, in)) continue;
      const auto& r = readers[in];
      bool only_folded = std::all_of(r.begin(), r.end(), [&](size_t k) { return k < fold.size() && fold[k]; });
      if (only_folded) bytes += initializer_size(in, v->value.tensor);
    }
    return bytes;
  };
  std::vector<bool> apply(g.nodes.size(), false);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!fold[i]) continue;
    size_t added = 0;
    for (const std::string& o : g.nodes[i].outputs) {
      if (!o.empty()) added += initializer_size(o, inf.find(o)->value.tensor);
    }
    apply[i] = added <= node_size(g.nodes[i]) + freed_by(i) + options.slack_bytes;
  }

  size_t folded = 0;
  std::vector<Node> kept;
  std::vector<NamedTensor> added;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!apply[i]) {
      kept.push_back(std::move(g.nodes[i]));
      continue;
    }
    ++folded;
    for (const std::string& o : g.nodes[i].outputs) {
      if (!o.empty()) added.push_back({o, inf.find(o)->value.tensor, ""});
    }
  }
  g.nodes = std::move(kept);
  for (NamedTensor& t : added) g.initializers.push_back(std::move(t));
  return folded;
}

std::string CleanReport::summary() const {
  std::string s = str_cat("nodes ", nodes_before, " -> ", nodes_after, ", initializers ", initializers_before, " -> ",
                          initializers_after);
  std::string parts;
  auto part = [&](size_t n, const char* what) {
    if (n != 0) parts += str_cat(parts.empty() ? "" : ", ", n, " ", what);
  };
  part(folded, "folded");
  part(identities, "Identity");
  part(dropouts, "Dropout");
  part(unused_nodes, "unused nodes");
  part(deduplicated, "duplicate initializers");
  part(unused_initializers, "unused initializers");
  part(initializer_inputs, "initializer inputs");
  part(unused_inputs, "unused inputs");
  part(unused_value_info, "value_info");
  return parts.empty() ? s + " (nothing to clean)" : s + "; " + parts;
}

CleanReport clean_model(Model& model, const CleanOptions& options) {
  Graph& g = model.graph;
  CleanReport r;
  r.nodes_before = g.nodes.size();
  r.initializers_before = g.initializers.size();
  if (options.drop_initializer_inputs) r.initializer_inputs = drop_initializer_inputs(g);
  for (int round = 0; round < 16; ++round) {
    size_t changed = 0;
    auto count = [&](size_t n, size_t* total) {
      *total += n;
      changed += n;
    };
    count(remove_identity(g), &r.identities);
    count(remove_dropout(g, model.opset("")), &r.dropouts);
    if (options.fold_constants) count(fold_constants(model, options.fold), &r.folded);
    count(remove_unused_nodes(g), &r.unused_nodes);
    count(dedupe_initializers(g), &r.deduplicated);
    count(remove_unused_initializers(g), &r.unused_initializers);
    if (options.remove_unused_inputs) count(remove_unused_inputs(g), &r.unused_inputs);
    count(remove_unused_value_info(g), &r.unused_value_info);
    if (changed == 0) break;
  }
  r.nodes_after = g.nodes.size();
  r.initializers_after = g.initializers.size();
  return r;
}

}  // namespace onyx
