#include "onyx/graph_dot.h"

#include <cstdio>
#include <unordered_map>

#include "graph_infer.h"

namespace onyx {

namespace {

// A DOT double-quoted string body: quotes and backslashes escaped, newlines as \n.
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      out += c;
    }
  }
  return out + "\"";
}

std::string dims_text(const TypeInfo& t) {
  if (!t.has_shape) return "";
  std::string s = "[";
  for (size_t i = 0; i < t.shape.size(); ++i) {
    if (i) s += ",";
    s += t.shape[i].fixed() ? std::to_string(t.shape[i].value) : (t.shape[i].param.empty() ? "?" : t.shape[i].param);
  }
  return s + "]";
}

std::string dims_text(const Dims& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += str_cat(i ? "," : "", dims[i]);
  return s + "]";
}

std::string type_text(const TypeInfo& t) {
  switch (t.kind) {
    case TypeInfo::Kind::kTensor:
    case TypeInfo::Kind::kSparseTensor: {
      std::string d = dims_text(t);
      return d.empty() ? dtype_name(t.elem) : str_cat(dtype_name(t.elem), " ", d);
    }
    case TypeInfo::Kind::kSequence: return "sequence<" + (t.inner ? type_text(*t.inner) : std::string("?")) + ">";
    case TypeInfo::Kind::kOptional: return "optional<" + (t.inner ? type_text(*t.inner) : std::string("?")) + ">";
    case TypeInfo::Kind::kMap: return "map";
    case TypeInfo::Kind::kUnknown: return "";
  }
  return "";
}

std::string bytes_text(size_t b) {
  if (b < 10 * 1024) return str_cat(b, " B");
  char buf[32];
  if (b < 10 * 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f kB", static_cast<double>(b) / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(b) / (1024.0 * 1024.0));
  }
  return buf;
}

}  // namespace

std::string to_dot(const Model& model, const DotOptions& options) {
  const Graph& g = model.graph;
  Inference inf = infer_graph(model, g, InferOptions{});
  std::unordered_map<std::string, TypeInfo> declared;
  for (const auto* list : {&g.value_info, &g.inputs, &g.outputs}) {
    for (const ValueInfo& v : *list) {
      if (v.type.kind != TypeInfo::Kind::kUnknown) declared[v.name] = v.type;
    }
  }
  auto type_of = [&](const std::string& name) {
    auto it = declared.find(name);
    if (it != declared.end()) return type_text(it->second);
    const InferredValue* v = inf.find(name);
    return v != nullptr ? type_text(inferred_type(*v)) : std::string();
  };
  auto edge_label = [&](const std::string& name) {
    std::string t = type_of(name);
    if (!options.tensor_names) return t;
    return t.empty() ? name : name + "\n" + t;
  };

  size_t weight_bytes = 0;
  for (const NamedTensor& t : g.initializers) weight_bytes += t.tensor.nbytes();
  std::string s = "digraph onyx {\n";
  s += str_cat("  graph [rankdir=", options.left_to_right ? "LR" : "TB", ", fontname=\"Helvetica\", label=",
               quote(str_cat(g.name.empty() ? std::string("graph") : g.name, "  (", g.nodes.size(), " nodes, ",
                             g.initializers.size(), " initializers, ", bytes_text(weight_bytes), ")")),
               ", labelloc=t];\n");
  s += "  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=8];\n";

  // Where each tensor comes from: a node id or an input id.
  std::unordered_map<std::string, std::string> source;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const ValueInfo& v = g.inputs[i];
    if (g.initializer(v.name) != nullptr) continue;
    std::string id = str_cat("in", i);
    source[v.name] = id;
    s += str_cat("  ", id, " [shape=ellipse, style=filled, fillcolor=\"#d5f5d5\", label=",
                 quote(v.name + "\n" + type_text(v.type)), "];\n");
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (const std::string& o : g.nodes[i].outputs) {
      if (!o.empty()) source.emplace(o, str_cat("n", i));
    }
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    std::string op = n.domain.empty() || n.domain == "ai.onnx" ? n.op_type : n.domain + "." + n.op_type;
    std::string label = n.name.empty() || n.name == op ? op : op + "\n" + n.name;
    size_t listed = 0, more = 0, more_bytes = 0;
    for (const std::string& in : n.inputs) {
      const NamedTensor* t = in.empty() || source.count(in) ? nullptr : g.initializer(in);
      if (t == nullptr) continue;
      if (listed < options.max_initializers) {
        label += str_cat("\n", in, ": ", dtype_name(t->tensor.dtype()), " ", dims_text(t->tensor.shape()));
        ++listed;
      } else {
        ++more;
        more_bytes += t->tensor.nbytes();
      }
    }
    if (more != 0) label += str_cat("\n+", more, " initializers (", bytes_text(more_bytes), ")");
    for (const Attribute& a : n.attrs) {
      if (a.type == AttrType::kGraph || a.type == AttrType::kGraphs) {
        size_t count = a.type == AttrType::kGraph ? (a.g ? a.g->nodes.size() : 0) : 0;
        for (const auto& b : a.graphs) count += b ? b->nodes.size() : 0;
        label += str_cat("\n", a.name, ": subgraph of ", count, " nodes");
      }
    }
    s += str_cat("  n", i, " [shape=box, style=\"rounded,filled\", fillcolor=\"#dde8f8\", label=", quote(label), "];\n");
    for (const std::string& in : n.inputs) {
      auto src = source.find(in);
      if (in.empty() || src == source.end()) continue;
      s += str_cat("  ", src->second, " -> n", i, " [label=", quote(edge_label(in)), "];\n");
    }
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const ValueInfo& v = g.outputs[i];
    std::string id = str_cat("out", i);
    std::string t = type_of(v.name);
    s += str_cat("  ", id, " [shape=ellipse, style=filled, fillcolor=\"#f8e0c8\", label=",
                 quote(t.empty() ? v.name : v.name + "\n" + t), "];\n");
    auto src = source.find(v.name);
    if (src != source.end()) s += str_cat("  ", src->second, " -> ", id, ";\n");
  }
  s += "}\n";
  return s;
}

}  // namespace onyx
