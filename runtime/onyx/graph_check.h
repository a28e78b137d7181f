// check_model: a validity check of a whole model that reports every problem it finds, each with
// the node and tensor it concerns, instead of stopping at the first.
//
// Structure: opset imports; names unique (graph inputs, initializers, node names, tensors
// produced once); every node input and graph output defined; nodes in topological order and
// free of cycles; subgraph bodies (If/Loop/Scan) checked the same way against their scope.
// Support: every node's op type exists in this runtime's registry at the model's opset.
// Types and shapes: the kernels' own prepare() runs on every node in order (symbolic input dims
// taken as 1, constants propagated), so a dtype clash, a bad attribute or a shape mismatch is
// reported on the node where the runtime would fail; inferred types are compared with the
// declared graph outputs and value_info. Warnings: unused nodes, initializers and inputs, an
// opset newer than the runtime knows.
// Edge rules (opt-in, CheckOptions): static input shapes, budgets for weights and the arena.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "onyx/graph.h"

namespace onyx {

struct CheckOptions {
  // Edge rule: every graph input has a fixed, known shape.
  bool static_input_shapes = false;
  // Edge rule: bytes of all initializers and Constant tensors (0: no limit).
  uint64_t max_weight_bytes = 0;
  // Edge rule: the planned arena for the declared input shapes (0: no limit).
  uint64_t max_arena_bytes = 0;
};

struct CheckIssue {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string node;     // "node 'conv1' (Conv)" (with "subgraph 'body' of ..." when nested), or ""
  std::string tensor;   // the tensor concerned, or ""
  std::string message;

  bool error() const { return severity == Severity::kError; }
  // "error: node 'add' (Add): tensor 'x': input 'x' is not defined"
  std::string to_string() const;
};

std::vector<CheckIssue> check_model(const Model& model, const CheckOptions& options = {});

size_t count_errors(const std::vector<CheckIssue>& issues);

}  // namespace onyx
