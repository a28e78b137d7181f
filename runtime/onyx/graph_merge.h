// Combining and cutting graphs: merge (one graph feeding another), concat (two graphs side by
// side) and extract (the part of a graph between given tensors).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "onyx/graph.h"
#include "onyx/status.h"

namespace onyx {

struct MergeOptions {
  // Names of the second graph (tensors and nodes) that clash with the first's get this prefix
  // (then a number if still taken). Names that do not clash are kept.
  std::string prefix = "g2_";
  // Keep the first graph's connected outputs as outputs of the merged graph too.
  bool keep_connected_outputs = false;
  // Run check_model on the result and fail on errors.
  bool check = true;
};

// Connects tensors of `first` to inputs of `second`: each pair of `io_map` is (a graph output or
// other tensor of `first`, a graph input of `second`). The merged graph reads the first graph's
// inputs and the second's unconnected ones, and gives the first's unconnected outputs then the
// second's outputs. Connected types must agree (dtype; fixed dims). Opsets are the larger of
// the two per domain, and so is the IR version; other model fields come from `first`.
// Errors (kInvalidArgument) name the tensor; with options.check, every error found by
// check_model in the merged model, one per line.
Result<Model> merge_models(const Model& first, const Model& second,
                           const std::vector<std::pair<std::string, std::string>>& io_map,
                           const MergeOptions& options = {});

struct ConcatOptions {
  std::string prefix = "g2_";
  // Inputs of the same name and type in both graphs become one shared input.
  bool share_inputs = true;
  bool check = true;
};
// Puts two independent graphs side by side in one model: inputs and outputs of both.
Result<Model> concat_models(const Model& first, const Model& second, const ConcatOptions& options = {});

// The subgraph of `model` that computes `outputs` from `inputs` (any tensors of the graph), for
// running a model up to an intermediate layer or from one. Initializers it needs come along;
// graph inputs it needs and that are not listed are added to the inputs. Types of new inputs
// and outputs come from the graph's declarations, else from shape inference. Fails (kNotFound)
// for unknown names, and (kInvalidArgument) when a given input is produced by a node that the
// outputs also need for another tensor, or an input's type cannot be determined.
Result<Model> extract_model(const Model& model, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& outputs);

}  // namespace onyx
