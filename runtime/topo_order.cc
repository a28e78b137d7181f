#include "onyx/topo_order.h"

#include <functional>
#include <queue>
#include <unordered_map>
#include <unordered_set>

namespace onyx {

Status topo_order(const Graph& graph, const std::vector<std::string>& available,
                  std::vector<size_t>* order) {
  const size_t n = graph.nodes.size();
  std::unordered_set<std::string> defined(available.begin(), available.end());
  std::unordered_map<std::string, size_t> producer;
  for (size_t i = 0; i < n; ++i) {
    for (const std::string& out : graph.nodes[i].outputs) {
      if (out.empty()) continue;
      if (defined.count(out) != 0) {
        return error(Code::kInvalidModel, graph.nodes[i].describe(i), ": output '", out,
                     "' is also a graph input or initializer");
      }
      auto [it, inserted] = producer.emplace(out, i);
      if (!inserted) {
        return error(Code::kInvalidModel, graph.nodes[i].describe(i), ": output '", out,
                     "' is already produced by ", graph.nodes[it->second].describe(it->second));
      }
    }
  }

  std::vector<size_t> pending(n, 0);
  std::vector<std::vector<size_t>> consumers(n);
  for (size_t i = 0; i < n; ++i) {
    std::unordered_set<size_t> deps;  // count each producer once even if used twice
    for (const std::string& in : graph.nodes[i].inputs) {
      if (in.empty() || defined.count(in) != 0) continue;
      auto it = producer.find(in);
      if (it == producer.end()) {
        return error(Code::kInvalidModel, graph.nodes[i].describe(i), ": input '", in,
                     "' is not produced by any node, nor a graph input or initializer");
      }
      if (deps.insert(it->second).second) consumers[it->second].push_back(i);
    }
    // Values the node's subgraphs read from this scope are inputs too.
    for (const std::string& in : graph.nodes[i].captured_names()) {
      if (defined.count(in) != 0) continue;
      auto it = producer.find(in);
      if (it == producer.end()) {
        return error(Code::kInvalidModel, graph.nodes[i].describe(i), ": a subgraph reads '", in,
                     "', which is not defined in any enclosing scope");
      }
      if (it->second == i) {
        return error(Code::kInvalidModel, graph.nodes[i].describe(i), ": a subgraph reads '", in,
                     "', an output of the node itself");
      }
      if (deps.insert(it->second).second) consumers[it->second].push_back(i);
    }
    pending[i] = deps.size();
  }

  // Kahn's algorithm with a min-heap on the node index, so an already sorted graph keeps its
  // file order exactly (and the plan is deterministic).
  order->clear();
  order->reserve(n);
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    order->push_back(i);
    for (size_t c : consumers[i]) {
      if (--pending[c] == 0) ready.push(c);
    }
  }
  if (order->size() != n) {
    for (size_t i = 0; i < n; ++i) {
      if (pending[i] != 0) {
        return error(Code::kInvalidModel, "the graph has a cycle through ", graph.nodes[i].describe(i));
      }
    }
  }
  return Status();
}

}  // namespace onyx
