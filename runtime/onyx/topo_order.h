// Topological ordering of a graph's nodes (Kahn's algorithm). Ties go to the earlier node, so a
// graph that is already sorted keeps its order exactly.
#pragma once

#include <string>
#include <vector>

#include "onyx/graph.h"
#include "onyx/status.h"

namespace onyx {

// `available` are the names defined before any node runs (graph inputs, initializers, values
// of an enclosing scope). On success `order` holds node indices. Errors name the node and the
// tensor: an input nothing produces, a tensor produced twice, or a cycle.
Status topo_order(const Graph& graph, const std::vector<std::string>& available,
                  std::vector<size_t>* order);

}  // namespace onyx
