// Lossless cleanup passes over the graph IR. Each pass is independent, returns how many things
// it changed, and keeps the graph's meaning: the outputs for any inputs stay identical and graph
// output names never change. clean_model() composes them until nothing changes.
//
// The passes look at the top-level graph; names read by subgraph bodies (If/Loop/Scan) count as
// uses, and renames reach into the bodies, but the bodies themselves are not simplified.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "onyx/graph.h"

namespace onyx {

// Removes nodes none of whose outputs is (transitively) needed for a graph output.
size_t remove_unused_nodes(Graph& graph);
// Removes initializers nothing reads (a graph input entry for them goes too).
size_t remove_unused_initializers(Graph& graph);
// Removes graph inputs nothing reads. This narrows the model's interface.
size_t remove_unused_inputs(Graph& graph);
// Removes value_info entries for tensors the graph does not have, and duplicate entries.
size_t remove_unused_value_info(Graph& graph);
// Removes Identity nodes, connecting their readers to the Identity's input. An Identity that
// produces a graph output from a graph input, an initializer or another graph output is kept.
size_t remove_identity(Graph& graph);
// Removes Dropout nodes that compute the identity at inference (opset-aware: is_test before 7,
// always for 7-11, training_mode absent or a constant false from 12, or a ratio of 0), when
// their mask output is unused. `opset` is the model's default-domain opset.
size_t remove_dropout(Graph& graph, int64_t opset);
// Merges initializers with identical dtype, shape and bytes into the first one. Initializers
// that are graph inputs (overridable) or graph outputs are left alone.
size_t dedupe_initializers(Graph& graph);
// Removes graph inputs that have an initializer (which makes the initializer a constant).
size_t drop_initializer_inputs(Graph& graph);

struct FoldOptions {
  // Largest tensor a folded node may produce.
  size_t max_output_bytes = size_t{16} << 20;
  // A node is folded only when the initializers replacing it take no more (estimated serialized)
  // bytes than the node itself plus the constants it frees (its constant inputs nothing else
  // reads), with this much slack: Constant nodes and weight transforms shrink the model, a small
  // shape vector may add a few bytes, a big generated tensor is never written out.
  size_t slack_bytes = 16;
};
// Replaces nodes whose inputs are all constant (initializers, Constant nodes, shapes known from
// static input shapes) by initializers holding their outputs, computed with the runtime's own
// kernels. Nodes that produce graph outputs or depend on symbolic dims are kept, and so are
// nodes that fail (check_model reports those).
size_t fold_constants(Model& model, const FoldOptions& options = {});

struct CleanOptions {
  bool fold_constants = true;
  FoldOptions fold;
  bool remove_unused_inputs = true;
  bool drop_initializer_inputs = true;
};

struct CleanReport {
  size_t nodes_before = 0, nodes_after = 0;
  size_t initializers_before = 0, initializers_after = 0;
  size_t unused_nodes = 0, unused_initializers = 0, unused_inputs = 0, unused_value_info = 0;
  size_t identities = 0, dropouts = 0, deduplicated = 0, initializer_inputs = 0, folded = 0;
  // "nodes 170 -> 100, initializers 106 -> 38; removed: ..."
  std::string summary() const;
};

// Runs every pass until none changes anything.
CleanReport clean_model(Model& model, const CleanOptions& options = {});

}  // namespace onyx
