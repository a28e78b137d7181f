#include "onyx/graph.h"

#include <set>

namespace onyx {

const char* attr_type_name(AttrType t) {
  switch (t) {
    case AttrType::kUndefined: return "UNDEFINED";
    case AttrType::kFloat: return "FLOAT";
    case AttrType::kInt: return "INT";
    case AttrType::kString: return "STRING";
    case AttrType::kTensor: return "TENSOR";
    case AttrType::kGraph: return "GRAPH";
    case AttrType::kFloats: return "FLOATS";
    case AttrType::kInts: return "INTS";
    case AttrType::kStrings: return "STRINGS";
    case AttrType::kTensors: return "TENSORS";
    case AttrType::kGraphs: return "GRAPHS";
    case AttrType::kSparseTensor: return "SPARSE_TENSOR";
    case AttrType::kSparseTensors: return "SPARSE_TENSORS";
    case AttrType::kTypeProto: return "TYPE_PROTO";
    case AttrType::kTypeProtos: return "TYPE_PROTOS";
  }
  return "UNDEFINED";
}

const Attribute* Node::attr(const std::string& attr_name) const {
  for (const Attribute& a : attrs) {
    if (a.name == attr_name) return &a;
  }
  return nullptr;
}

// Adds to `out` the names read inside `g` but defined neither there nor in `outer_defined`.
static void collect_captures(const Graph& g, std::set<std::string>* out) {
  std::set<std::string> defined;
  for (const ValueInfo& v : g.inputs) defined.insert(v.name);
  for (const NamedTensor& t : g.initializers) defined.insert(t.name);
  for (const Node& n : g.nodes) {
    for (const std::string& o : n.outputs) defined.insert(o);
  }
  for (const Node& n : g.nodes) {
    for (const std::string& i : n.inputs) {
      if (!i.empty() && defined.count(i) == 0) out->insert(i);
    }
    for (const std::string& c : n.captured_names()) {
      if (defined.count(c) == 0) out->insert(c);
    }
  }
  for (const ValueInfo& v : g.outputs) {
    if (defined.count(v.name) == 0) out->insert(v.name);
  }
}

std::vector<std::string> Node::captured_names() const {
  std::set<std::string> names;
  for (const Attribute& a : attrs) {
    if (a.type == AttrType::kGraph && a.g) collect_captures(*a.g, &names);
    if (a.type == AttrType::kGraphs) {
      for (const auto& g : a.graphs) {
        if (g) collect_captures(*g, &names);
      }
    }
  }
  return std::vector<std::string>(names.begin(), names.end());
}

std::string Node::describe(size_t index) const {
  std::string op = domain.empty() || domain == "ai.onnx" ? op_type : domain + "." + op_type;
  if (name.empty()) return str_cat("node #", index, " (", op, ")");
  return str_cat("node '", name, "' (", op, ")");
}

const NamedTensor* Graph::initializer(const std::string& tensor_name) const {
  for (const NamedTensor& t : initializers) {
    if (t.name == tensor_name) return &t;
  }
  return nullptr;
}

int64_t Model::opset(const std::string& op_domain) const {
  auto norm = [](const std::string& d) { return d == "ai.onnx" ? std::string() : d; };
  for (const OpsetImport& o : opsets) {
    if (norm(o.domain) == norm(op_domain)) return o.version;
  }
  return 0;
}

}  // namespace onyx
