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

}  // namespace

int fuse_conv_chains(Model* model) {
  Graph& g = model->graph;
  const int64_t opset = model->opset("");
  if (opset < 7) return 0;  // before opset 7, Add broadcasts by attribute; keep it simple
  // Readers of each value (subgraph captures count as readers) and graph outputs.
  std::map<std::string, int> readers;
  std::map<std::string, const Node*> producer;
  std::map<std::string, std::vector<size_t>> reader_nodes;  // each reading node once
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
  std::set<std::string> outputs;
  for (const ValueInfo& vi : g.outputs) outputs.insert(vi.name);
  std::vector<bool> removed(g.nodes.size(), false);
  // The nodes reading `value` (each once), if it may be fused away: read `count` times in all,
  // not a graph output, and no reader already absorbed into another chain.
  auto fusable_readers = [&](const std::string& value, int count) -> std::vector<Node*> {
    std::vector<Node*> r;
    if (readers[value] != count || outputs.count(value) != 0) return r;
    for (size_t i : reader_nodes[value]) {
      if (removed[i]) return {};
      r.push_back(&g.nodes[i]);
    }
    return r;
  };
  auto sole_reader = [&](const std::string& value) -> Node* {
    std::vector<Node*> r = fusable_readers(value, 1);
    return r.size() == 1 ? r[0] : nullptr;
  };
  auto float_attr = [](const Node& n, const char* name, float fallback) {
    const Attribute* a = n.attr(name);
    return a != nullptr && a->type == AttrType::kFloat ? a->f : fallback;
  };

  int fused = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& conv = g.nodes[i];
    if (removed[i] || !is_default(conv, "Conv") || conv.outputs.size() != 1) continue;
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
    if (const std::vector<Node*> two = fusable_readers(tail, 2); two.size() == 2) {
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
        if (next->inputs.size() > 1 && !next->inputs[1].empty()) ok &= constant_scalar(g, producer, next->inputs[1], &lo);
        if (next->inputs.size() > 2 && !next->inputs[2].empty()) ok &= constant_scalar(g, producer, next->inputs[2], &hi);
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
    for (Node* n : absorbed) {
      removed[static_cast<size_t>(n - g.nodes.data())] = true;
      ++fused;
    }
  }
  if (fused == 0) return 0;
  std::vector<Node> kept;
  kept.reserve(g.nodes.size() - static_cast<size_t>(fused));
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(g.nodes[i]));
  g.nodes = std::move(kept);
  bool has_domain = false;
  for (const OpsetImport& o : model->opsets) has_domain |= o.domain == kFusedDomain;
  if (!has_domain) model->opsets.push_back(OpsetImport{kFusedDomain, 1});
  return fused;
}

}  // namespace onyx
