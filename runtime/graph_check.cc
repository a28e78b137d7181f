#include "onyx/graph_check.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "graph_infer.h"
#include "onyx/session.h"
#include "registry.h"

namespace onyx {

std::string CheckIssue::to_string() const {
  std::string s = severity == Severity::kError ? "error: " : "warning: ";
  if (!node.empty()) s += node + ": ";
  return s + message;
}

size_t count_errors(const std::vector<CheckIssue>& issues) {
  return static_cast<size_t>(std::count_if(issues.begin(), issues.end(), [](const CheckIssue& i) { return i.error(); }));
}

namespace {

bool default_domain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

std::string type_text(const TypeInfo& t) {
  if (t.kind != TypeInfo::Kind::kTensor) return "a non-tensor type";
  std::string s = dtype_name(t.elem);
  if (!t.has_shape) return s;
  s += " [";
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (i) s += ", ";
    s += t.shape[i].fixed() ? std::to_string(t.shape[i].value) : (t.shape[i].param.empty() ? "?" : t.shape[i].param);
  }
  return s + "]";
}

class Checker {
 public:
  Checker(const Model& model, const CheckOptions& options) : model_(model), options_(options) {}

  std::vector<CheckIssue> run() {
    check_opsets();
    check_graph(model_.graph, "", {}, nullptr, 0);
    check_edge_rules();
    return std::move(issues_);
  }

 private:
  template <class... Args>
  void add(CheckIssue::Severity sev, const std::string& node, const std::string& tensor, const Args&... msg) {
    issues_.push_back({sev, node, tensor, str_cat(msg...)});
  }
  template <class... Args>
  void err(const std::string& node, const std::string& tensor, const Args&... msg) {
    add(CheckIssue::Severity::kError, node, tensor, msg...);
  }
  template <class... Args>
  void warn(const std::string& node, const std::string& tensor, const Args&... msg) {
    add(CheckIssue::Severity::kWarning, node, tensor, msg...);
  }

  void check_opsets() {
    std::set<std::string> seen;
    for (const OpsetImport& o : model_.opsets) {
      std::string d = default_domain(o.domain) ? "ai.onnx" : o.domain;
      if (!seen.insert(d).second) err("", "", "the opset of domain '", d, "' is imported twice");
      if (o.version < 1) err("", "", "domain '", d, "' is imported at opset ", o.version);
      int newest = 0;
      for (const OpEntry& e : op_table()) {
        if (!(default_domain(e.domain) ? default_domain(o.domain) : o.domain == e.domain)) continue;
        for (int i = 0; e.versions[i] != 0; ++i) newest = std::max(newest, e.versions[i]);
      }
      if (newest != 0 && o.version > newest) {
        warn("", "", "domain '", d, "' is imported at opset ", o.version, "; the newest operator version this runtime knows is ",
             newest, ", so ops changed since then run with their older definition");
      }
    }
    bool uses_default = false;
    for (const Node& n : model_.graph.nodes) uses_default |= default_domain(n.domain);
    if (uses_default && model_.opset("") == 0) err("", "", "the model imports no opset for the default domain 'ai.onnx'");
  }

  // `scope` prefixes node descriptions of subgraphs; `outer` are names of enclosing scopes.
  void check_graph(const Graph& g, const std::string& scope, const std::set<std::string>& outer,
                   const std::unordered_map<std::string, InferredValue>* outer_values, int depth) {
    auto where = [&](size_t i) { return scope + g.nodes[i].describe(i); };
    const std::string graph_where = scope.empty() ? std::string() : scope.substr(0, scope.size() - 2);

    // Definitions: inputs, initializers, node outputs; each name once.
    std::map<std::string, std::string> defined;  // name -> what defines it (for messages)
    std::set<std::string> input_names;
    for (const ValueInfo& vi : g.inputs) {
      if (vi.name.empty()) {
        err(graph_where, "", "graph '", g.name, "' has an input with an empty name");
        continue;
      }
      if (!input_names.insert(vi.name).second) err(graph_where, vi.name, "graph input '", vi.name, "' is declared twice");
      defined.emplace(vi.name, "a graph input");
    }
    std::set<std::string> init_names;
    for (const NamedTensor& t : g.initializers) {
      if (t.name.empty()) {
        err(graph_where, "", "graph '", g.name, "' has an initializer with an empty name");
        continue;
      }
      if (!init_names.insert(t.name).second) err(graph_where, t.name, "initializer '", t.name, "' is defined twice");
      defined.emplace(t.name, "an initializer");
    }
    std::map<std::string, size_t> node_by_name;
    std::unordered_map<std::string, size_t> producer;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      if (!n.name.empty()) {
        auto [it, fresh] = node_by_name.emplace(n.name, i);
        if (!fresh) err(where(i), "", "node name '", n.name, "' is also used by node #", it->second, " (", g.nodes[it->second].op_type, ")");
      }
      for (const std::string& o : n.outputs) {
        if (o.empty()) continue;
        auto p = producer.find(o);
        if (p != producer.end()) {
          err(where(i), o, "output '", o, "' is also produced by ", where(p->second));
          continue;
        }
        auto d = defined.find(o);
        if (d != defined.end()) err(where(i), o, "output '", o, "' is also ", d->second);
        producer.emplace(o, i);
      }
    }
    auto is_defined = [&](const std::string& name) {
      return defined.count(name) != 0 || producer.count(name) != 0 || outer.count(name) != 0;
    };

    // Every input defined, before it is read; no cycles.
    std::vector<size_t> order = lenient_order(g);
    std::vector<bool> scheduled(g.nodes.size(), false);
    for (size_t i : order) scheduled[i] = true;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      if (!scheduled[i]) {
        err(where(i), "", "the node is on a cycle: it depends on its own output");
        continue;
      }
      for (const std::string& in : n.inputs) {
        if (in.empty()) continue;
        if (!is_defined(in)) {
          err(where(i), in, "input '", in, "' is not defined: no node, graph input or initializer produces it");
          continue;
        }
        auto p = producer.find(in);
        if (p != producer.end() && p->second > i && defined.count(in) == 0) {
          err(where(i), in, "input '", in, "' is read before ", where(p->second),
              " produces it (the nodes are not in topological order)");
        }
      }
    }
    std::set<std::string> output_names;
    for (const ValueInfo& vi : g.outputs) {
      if (vi.name.empty()) {
        err(graph_where, "", "graph '", g.name, "' has an output with an empty name");
        continue;
      }
      if (!output_names.insert(vi.name).second) err(graph_where, vi.name, "graph output '", vi.name, "' is declared twice");
      if (!is_defined(vi.name)) err(graph_where, vi.name, "graph output '", vi.name, "' is not produced by any node");
    }

    // Every op supported by this runtime at the model's opset.
    std::set<size_t> unsupported;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      Result<OpMatch> m = find_op(n.domain, n.op_type, model_.opset(n.domain));
      if (!m.ok()) {
        err(where(i), "", m.status().message());
        unsupported.insert(i);
      }
    }

    // Types and shapes through the kernels' prepare().
    InferOptions io;
    io.outer = outer_values;
    Inference inf = infer_graph(model_, g, io);
    std::string assumption;
    if (!inf.symbolic_inputs.empty()) assumption = " (symbolic input dims taken as 1)";
    for (const NodeProblem& p : inf.problems) {
      if (unsupported.count(p.node_index) != 0) continue;
      err(where(p.node_index), "", p.status.message(), assumption);
    }
    // With symbolic inputs, a second inference with another size for them tells which inferred
    // dims do not depend on it.
    Inference other;
    if (!inf.symbolic_inputs.empty()) {
      InferOptions io2 = io;
      io2.symbolic_dim = 7;
      other = infer_graph(model_, g, io2);
    }
    auto settled = [&](const std::string& name, const InferredValue& v, size_t d) {
      if (!v.assumed) return true;
      const InferredValue* w = other.find(name);
      return w != nullptr && w->shape.size() == v.shape.size() && w->shape[d] == v.shape[d];
    };
    auto compare = [&](const ValueInfo& vi, const char* what) {
      const InferredValue* v = inf.find(vi.name);
      const TypeInfo& t = vi.type;
      if (v == nullptr || t.kind != TypeInfo::Kind::kTensor || v->kind != ValueKind::kTensor) return;
      auto p = producer.find(vi.name);
      std::string node = p != producer.end() ? where(p->second) : graph_where;
      if (t.elem != DType::kUndefined && t.elem != v->dtype) {
        err(node, vi.name, what, " '", vi.name, "' is declared ", dtype_name(t.elem), " but the graph computes ",
            dtype_name(v->dtype));
        return;
      }
      if (!t.has_shape) return;
      bool clash = t.shape.size() != v->shape.size();
      for (size_t d = 0; !clash && d < t.shape.size(); ++d) {
        clash = t.shape[d].fixed() && settled(vi.name, *v, d) && t.shape[d].value != v->shape[d];
      }
      if (clash) {
        err(node, vi.name, what, " '", vi.name, "' is declared ", type_text(t), " but the graph computes ",
            dtype_name(v->dtype), " ", shape_str(v->shape), v->assumed ? assumption : std::string());
      }
    };
    for (const ValueInfo& vi : g.outputs) compare(vi, "graph output");
    for (const ValueInfo& vi : g.value_info) compare(vi, "value_info");

    // Unused things (clean removes them).
    std::set<std::string> used;
    for (const Node& n : g.nodes) {
      used.insert(n.inputs.begin(), n.inputs.end());
      for (const std::string& c : n.captured_names()) used.insert(c);
    }
    for (const ValueInfo& vi : g.outputs) used.insert(vi.name);
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      bool any = std::any_of(n.outputs.begin(), n.outputs.end(), [&](const std::string& o) { return !o.empty() && used.count(o); });
      if (!any) warn(where(i), "", "none of its outputs is used");
    }
    for (const NamedTensor& t : g.initializers) {
      if (used.count(t.name) == 0) warn(graph_where, t.name, "initializer '", t.name, "' is not used");
    }
    for (const ValueInfo& vi : g.inputs) {
      // A body's inputs are fixed by its node's signature (a Loop body's iteration count...).
      if (depth == 0 && used.count(vi.name) == 0 && init_names.count(vi.name) == 0) {
        warn(graph_where, vi.name, "graph input '", vi.name, "' is not used");
      }
    }

    // Subgraph bodies, against this scope.
    bool has_bodies = false;
    for (const Node& n : g.nodes) {
      for (const Attribute& a : n.attrs) has_bodies |= a.type == AttrType::kGraph || a.type == AttrType::kGraphs;
    }
    if (!has_bodies) return;
    if (depth >= kMaxCheckDepth) {
      err(graph_where, "", "subgraphs are nested more than ", kMaxCheckDepth, " deep");
      return;
    }
    std::set<std::string> visible = outer;
    for (const auto& [name, what] : defined) visible.insert(name);
    for (const auto& [name, idx] : producer) visible.insert(name);
    std::unordered_map<std::string, InferredValue> values = outer_values ? *outer_values : std::unordered_map<std::string, InferredValue>();
    for (const auto& [name, v] : inf.values) values[name] = v;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      for (const Attribute& a : g.nodes[i].attrs) {
        std::vector<const Graph*> bodies;
        if (a.type == AttrType::kGraph) bodies.push_back(a.g.get());
        if (a.type == AttrType::kGraphs) {
          for (const auto& b : a.graphs) bodies.push_back(b.get());
        }
        for (size_t k = 0; k < bodies.size(); ++k) {
          std::string name = a.type == AttrType::kGraphs ? str_cat(a.name, "[", k, "]") : a.name;
          if (bodies[k] == nullptr) {
            err(where(i), "", "attribute '", name, "' holds no graph");
            continue;
          }
          check_graph(*bodies[k], str_cat("subgraph '", name, "' of ", where(i), ": "), visible, &values, depth + 1);
        }
      }
    }
  }

  void check_edge_rules() {
    const Graph& g = model_.graph;
    const bool valid = count_errors(issues_) == 0;  // the arena can only be planned for a valid model
    if (options_.static_input_shapes) {
      for (const ValueInfo& vi : g.inputs) {
        if (g.initializer(vi.name) != nullptr) continue;
        const TypeInfo& t = vi.type;
        if (t.kind != TypeInfo::Kind::kTensor || !t.has_shape) {
          err("", vi.name, "graph input '", vi.name, "' has no fixed shape (edge rule: static input shapes)");
          continue;
        }
        for (size_t d = 0; d < t.shape.size(); ++d) {
          if (t.shape[d].fixed()) continue;
          err("", vi.name, "dim ", d, " of graph input '", vi.name, "' is ",
              t.shape[d].param.empty() ? std::string("unknown") : "symbolic ('" + t.shape[d].param + "')",
              " (edge rule: static input shapes)");
        }
      }
    }
    if (options_.max_weight_bytes != 0) {
      uint64_t bytes = 0;
      for (const NamedTensor& t : g.initializers) bytes += t.tensor.nbytes();
      for (const Node& n : g.nodes) {
        for (const Attribute& a : n.attrs) {
          if (a.type == AttrType::kTensor) bytes += a.t.nbytes();
        }
      }
      if (bytes > options_.max_weight_bytes) {
        err("", "", "the weights take ", bytes, " bytes, over the budget of ", options_.max_weight_bytes, " (edge rule)");
      }
    }
    if (options_.max_arena_bytes != 0) {
      if (!valid) {
        warn("", "", "the arena budget was not checked: the model has errors");
        return;
      }
      Result<std::unique_ptr<Session>> s = Session::create(std::make_shared<Model>(model_));
      if (!s.ok()) {
        err("", "", s.status().message());
        return;
      }
      if (!(*s)->prepared()) {
        warn("", "", "the arena budget was not checked: the inputs have symbolic dims");
        return;
      }
      if ((*s)->arena_bytes() > options_.max_arena_bytes) {
        err("", "", "the planned arena takes ", (*s)->arena_bytes(), " bytes, over the budget of ",
            options_.max_arena_bytes, " (edge rule)");
      }
    }
  }

  static constexpr int kMaxCheckDepth = 24;
  const Model& model_;
  const CheckOptions& options_;
  std::vector<CheckIssue> issues_;
};

}  // namespace

std::vector<CheckIssue> check_model(const Model& model, const CheckOptions& options) {
  return Checker(model, options).run();
}

}  // namespace onyx
