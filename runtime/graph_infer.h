// Type and shape inference over a graph by the kernels' own prepare(), with constant
// propagation (nodes whose inputs are all known constants are run). Unlike GraphRunner, it does
// not stop at the first failure: every node that cannot be resolved or prepared is recorded and
// its outputs become unknown, so later nodes that depend on them are skipped, not re-reported.
// Shared by check (the problems), fold_constants (the values), extract and DOT (the types).
// Internal to the runtime.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "onyx/graph.h"
#include "onyx/status.h"
#include "onyx/value.h"

namespace onyx {

struct InferredValue {
  bool known = false;  // kind, dtype (and for tensors the shape) are known
  ValueKind kind = ValueKind::kTensor;
  DType dtype = DType::kUndefined;
  Dims shape;
  // Derived from a graph input whose symbolic dims were given a size (InferOptions::symbolic_dim):
  // the shape (and any value) holds for that assumption only.
  bool assumed = false;
  bool constant = false;  // `value` holds the tensor (initializer, Constant, folded node)
  Value value;
};

struct InferOptions {
  // Run deterministic nodes whose inputs are all constant, up to this many output bytes.
  bool evaluate = true;
  size_t evaluate_limit_bytes = size_t{64} << 20;
  // The size given to symbolic and unknown dims of graph inputs.
  int64_t symbolic_dim = 1;
  // Names of an enclosing scope visible to the graph, with what is known about them.
  const std::unordered_map<std::string, InferredValue>* outer = nullptr;
};

struct NodeProblem {
  size_t node_index = 0;
  Status status;  // the resolution or prepare error, without the node prefix
};

struct Inference {
  std::unordered_map<std::string, InferredValue> values;
  std::vector<NodeProblem> problems;
  // Per node: skipped (an input unknown, a control-flow node, or in a cycle), and whether all
  // of its outputs became constants (by prepare or by running it).
  std::vector<bool> skipped;
  std::vector<bool> evaluated;
  // Graph inputs that have a symbolic or unknown dim (taken as 1).
  std::vector<std::string> symbolic_inputs;

  const InferredValue* find(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() || !it->second.known ? nullptr : &it->second;
  }
};

// Infers every value of `graph` (the model supplies opsets). Initializers that are also graph
// inputs are overridable, so they are typed but not treated as constants.
Inference infer_graph(const Model& model, const Graph& graph, const InferOptions& options = {});

// The nodes in an executable order (Kahn's algorithm, ties to the earlier node). Names no node
// produces do not hold a node back; nodes on a cycle are left out.
std::vector<size_t> lenient_order(const Graph& graph);

// A TypeInfo for an inferred tensor value (dims of `assumed` values are left unknown).
TypeInfo inferred_type(const InferredValue& v);

}  // namespace onyx
