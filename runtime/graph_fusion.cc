#include "onyx/graph_fusion.h"

#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace onyx {
namespace {

constexpr const char* kFusedDomain = "ai.onyx";

// A float32 scalar known before running: an initializer or a Constant node's value.
bool constant_scalar(const Graph& g, const std::map<std::string, const Node*>& producer, const std::string& name,
                     float* out) {
  const Tensor* t = nullptr;
  if (const NamedTensor* init = g.initializer(name)) {
    t = &init->tensor;
  } else if (auto it = producer.find(name); it != producer.end() && it->second->op_type == "Constant" &&
                                            it->second->domain.empty()) {
    const Attribute* v = it->second->attr("value");
    if (v != nullptr && v->type == AttrType::kTensor) t = &v->t;
  }
  if (t == nullptr || t->dtype() != DType::kFloat32 || t->numel() != 1) return false;
  *out = t->data_as<float>()[0];
  return true;
}

bool is_default(const Node& n, const char* op) { return n.op_type == op && (n.domain.empty() || n.domain == "ai.onnx"); }

// Who reads each value of a graph (subgraph captures count as readers), who writes it, and
// which values are graph outputs; and which nodes a pass has absorbed so far.
struct Uses {
  Graph& g;
  std::map<std::string, int> readers;
  std::map<std::string, const Node*> producer;
  std::map<std::string, std::vector<size_t>> reader_nodes;  // each reading node once
  std::set<std::string> outputs;
  std::vector<bool> removed;

  explicit Uses(Graph& graph) : g(graph), removed(graph.nodes.size(), false) {
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node& n = g.nodes[i];
      for (const std::string& in : n.inputs) {
        if (in.empty()) continue;
        ++readers[in];
        std::vector<size_t>& r = reader_nodes[in];
        if (r.empty() || r.back() != i) r.push_back(i);
      }
      for (const std::string& c : n.captured_names()) readers[c] += 2;  // never fuse away a captured value
      for (const std::string& out : n.outputs) producer[out] = &n;
    }
    for (const ValueInfo& vi : g.outputs) outputs.insert(vi.name);
  }

  // The nodes reading `value` (each once), if it may be fused away: read `count` times in all,
  // not a graph output, and no reader already absorbed.
  std::vector<Node*> fusable_readers(const std::string& value, int count) {
    std::vector<Node*> r;
    if (readers[value] != count || outputs.count(value) != 0) return r;
    for (size_t i : reader_nodes[value]) {
      if (removed[i]) return {};
      r.push_back(&g.nodes[i]);
    }
    return r;
  }
  Node* sole_reader(const std::string& value) {
    std::vector<Node*> r = fusable_readers(value, 1);
    return r.size() == 1 ? r[0] : nullptr;
  }
  bool scalar(const std::string& name, float* out) const { return constant_scalar(g, producer, name, out); }
  void absorb(const Node* n) { removed[static_cast<size_t>(n - g.nodes.data())] = true; }

  // Drops the absorbed nodes and imports the ai.onyx domain; returns how many were dropped.
  int finish(Model* model) {
    int dropped = 0;
    for (bool r : removed) dropped += r ? 1 : 0;
    if (dropped == 0) return 0;
    std::vector<Node> kept;
    kept.reserve(g.nodes.size() - static_cast<size_t>(dropped));
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (!removed[i]) kept.push_back(std::move(g.nodes[i]));
    g.nodes = std::move(kept);
    bool has_domain = false;
    for (const OpsetImport& o : model->opsets) has_domain |= o.domain == kFusedDomain;
    if (!has_domain) model->opsets.push_back(OpsetImport{kFusedDomain, 1});
    return dropped;
  }
};

// The binary node's other input than `value` (read once), or empty.
std::string other_input(const Node& n, const std::string& value) {
  if (n.inputs.size() != 2 || n.inputs[0] == n.inputs[1]) return "";
  if (n.inputs[0] == value) return n.inputs[1];
  return n.inputs[1] == value ? n.inputs[0] : "";
}

}  // namespace

int fuse_conv_chains(Model* model) {
  Graph& g = model->graph;
  const int64_t opset = model->opset("");
  if (opset < 7) return 0;  // before opset 7, Add broadcasts by attribute; keep it simple
  Uses uses(g);
  auto sole_reader = [&](const std::string& value) { return uses.sole_reader(value); };
  auto float_attr = [](const Node& n, const char* name, float fallback) {
    const Attribute* a = n.attr(name);
    return a != nullptr && a->type == AttrType::kFloat ? a->f : fallback;
  };

  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& conv = g.nodes[i];
    if (uses.removed[i] || !is_default(conv, "Conv") || conv.outputs.size() != 1) continue;
    std::string tail = conv.outputs[0];
    std::vector<Node*> absorbed;
    std::string z, activation;
    std::vector<float> params;
    Node* next = sole_reader(tail);
    if (next != nullptr && is_default(*next, "Add") && next->inputs.size() == 2 && next->inputs[0] != next->inputs[1]) {
      z = next->inputs[0] == tail ? next->inputs[1] : next->inputs[0];
      absorbed.push_back(next);
      tail = next->outputs[0];
      next = sole_reader(tail);
    }
    // SiLU as PyTorch exports it: Mul(t, Sigmoid(t)), t read by just those two.
    if (const std::vector<Node*> two = uses.fusable_readers(tail, 2); two.size() == 2) {
      Node* sig = is_default(*two[0], "Sigmoid") ? two[0] : two[1];
      Node* mul = sig == two[0] ? two[1] : two[0];
      if (is_default(*sig, "Sigmoid") && is_default(*mul, "Mul") && mul->inputs.size() == 2 &&
          sig->outputs.size() == 1 && sole_reader(sig->outputs[0]) == mul &&
          (mul->inputs[0] == tail || mul->inputs[1] == tail)) {
        activation = "Silu";
        absorbed.push_back(sig);
        next = mul;
      }
    }
    if (!activation.empty() || next == nullptr) {
      // a SiLU, or no single reader to fuse
    } else if (is_default(*next, "Relu") || is_default(*next, "Sigmoid") || is_default(*next, "Tanh") ||
               is_default(*next, "HardSwish")) {
      activation = next->op_type;
    } else if (is_default(*next, "HardSigmoid")) {
      activation = "HardSigmoid";
      params = {float_attr(*next, "alpha", 0.2f), float_attr(*next, "beta", 0.5f)};
    } else if (is_default(*next, "LeakyRelu")) {
      activation = "LeakyRelu";
      params = {float_attr(*next, "alpha", 0.01f)};
    } else if (is_default(*next, "Clip")) {
      float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
      bool ok = true;
      if (opset >= 11) {
        if (next->inputs.size() > 1 && !next->inputs[1].empty()) ok &= uses.scalar(next->inputs[1], &lo);
        if (next->inputs.size() > 2 && !next->inputs[2].empty()) ok &= uses.scalar(next->inputs[2], &hi);
      } else {
        lo = -std::numeric_limits<float>::max();
        hi = std::numeric_limits<float>::max();
        if (const Attribute* a = next->attr("min")) lo = a->f;
        if (const Attribute* a = next->attr("max")) hi = a->f;
      }
      if (ok) {
        activation = "Clip";
        params = {lo, hi};
      }
    }
    if (!activation.empty()) {
      absorbed.push_back(next);
      tail = next->outputs[0];
    }
    if (absorbed.empty()) continue;

    conv.domain = kFusedDomain;
    conv.op_type = "FusedConv";
    while (conv.inputs.size() < 3) conv.inputs.push_back("");
    if (!z.empty()) conv.inputs.push_back(z);
    if (!activation.empty()) {
      Attribute a;
      a.name = "activation";
      a.type = AttrType::kString;
      a.s = activation;
      conv.attrs.push_back(a);
      if (!params.empty()) {
        Attribute p;
        p.name = "activation_params";
        p.type = AttrType::kFloats;
        p.floats = params;
        conv.attrs.push_back(p);
      }
    }
    conv.outputs[0] = tail;
    for (Node* n : absorbed) uses.absorb(n);
  }
  return uses.finish(model);
}

int fuse_gelu(Model* model) {
  Graph& g = model->graph;
  if (model->opset("") < 7) return 0;  // Add and Mul broadcast by attribute before 7
  Uses uses(g);
  constexpr float kSqrt2 = 1.41421356237309504880f;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& div = g.nodes[i];
    if (uses.removed[i] || !is_default(div, "Div") || div.inputs.size() != 2 || div.outputs.size() != 1) continue;
    // Div(x, sqrt(2)) -> Erf -> Add(1) -> Mul(x) -> Mul(0.5), each value read only by the next.
    const std::string& x = div.inputs[0];
    float c = 0.0f;
    if (x == div.inputs[1] || !uses.scalar(div.inputs[1], &c) || c != kSqrt2) continue;
    Node* erf = uses.sole_reader(div.outputs[0]);
    if (erf == nullptr || !is_default(*erf, "Erf") || erf->outputs.size() != 1) continue;
    Node* add = uses.sole_reader(erf->outputs[0]);
    float one = 0.0f;
    if (add == nullptr || !is_default(*add, "Add") || !uses.scalar(other_input(*add, erf->outputs[0]), &one) ||
        one != 1.0f) {
      continue;
    }
    Node* mul = uses.sole_reader(add->outputs[0]);
    if (mul == nullptr || !is_default(*mul, "Mul") || other_input(*mul, add->outputs[0]) != x) continue;
    Node* half = uses.sole_reader(mul->outputs[0]);
    float h = 0.0f;
    if (half == nullptr || !is_default(*half, "Mul") || !uses.scalar(other_input(*half, mul->outputs[0]), &h) ||
        h != 0.5f) {
      continue;
    }
    for (const Node* n : {static_cast<const Node*>(erf), static_cast<const Node*>(add), static_cast<const Node*>(mul),
                          static_cast<const Node*>(half)}) {
      uses.absorb(n);
    }
    const std::string out = half->outputs[0];
    div.domain = kFusedDomain;
    div.op_type = "Gelu";
    div.inputs = {x};
    div.outputs = {out};
    div.attrs.clear();
  }
  return uses.finish(model);
}

}  // namespace onyx
