// Limits: the resource bounds a model must stay within, so that a hostile or broken file gives an
// error instead of exhausting memory, the stack or time. One struct serves the loader
// (LoadOptions::limits) and the session (SessionOptions::limits); the defaults admit every real
// model we know while keeping a tiny file from asking for gigabytes. Lower them on small devices.
//
// Exceeding a limit is a kResourceExhausted error (nesting deeper than max_graph_depth: kInvalidModel)
// whose message names the limit by its field name and the offending node or tensor:
//   "m.onnx: node 'loop' (Loop): iteration 1048576: loop bodies ran 1048577 times in this run:
//    over Limits::max_loop_iterations = 1048576"
#pragma once

#include <cstdint>

namespace onyx {

struct Limits {
  // Largest model file or buffer accepted (protobuf cannot parse 2 GiB or more anyway).
  uint64_t max_model_bytes = uint64_t{2} << 30;
  // Memory for a model's data. At load: the parsed protobuf messages (estimated from the bytes
  // before parsing: a file of empty messages grows ~100x), and separately every initializer and
  // tensor attribute (external data checked before it is read, sparse tensors as densified). At
  // prepare: the planned arena of one graph plus its folded constants.
  uint64_t max_total_bytes = uint64_t{4} << 30;
  // Elements of any single tensor: initializers, every output a kernel declares at prepare or
  // allocates at run, the stacked outputs of Loop/Scan.
  int64_t max_tensor_elements = int64_t{1} << 28;
  // Nodes in a model, counting every subgraph.
  int64_t max_nodes = int64_t{1} << 20;
  // Nesting of subgraphs (an If inside a Loop body is depth 2).
  int max_graph_depth = 24;
  // Tensors in one sequence (SplitToSequence, SequenceInsert): each costs an object, and a loop
  // that inserts into a carried sequence copies it every iteration.
  int64_t max_sequence_length = int64_t{1} << 16;
  // Body executions of Loop, Scan and SequenceMap in one run() of the session, all loops (nested
  // ones included) sharing the budget: a model-controlled trip count cannot hang the device.
  int64_t max_loop_iterations = int64_t{1} << 20;
  // Elements all node outputs of one run() may total, every loop iteration and subgraph
  // included: a bound on the work of a run, so that a loop whose body does big work cannot hang
  // the device either. (A run of ResNet-50 produces ~10^7; 2^36 is ~7 * 10^10.)
  int64_t max_run_elements = int64_t{1} << 36;
  // Largest output (bytes) constant folding computes at prepare. Not an error: a bigger node
  // is simply left to run (its output is then planned in the arena like any other).
  uint64_t max_fold_bytes = uint64_t{64} << 20;
};

}  // namespace onyx
