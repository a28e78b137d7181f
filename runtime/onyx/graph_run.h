// Running a graph held in memory in one call, inputs and outputs by name, without a file:
// what the graph tools use to test a graph they just built or edited. For repeated runs keep a
// Session (onyx/session.h) instead: this prepares the model on every call.
#pragma once

#include <memory>
#include <vector>

#include "onyx/graph.h"
#include "onyx/session.h"
#include "onyx/status.h"

namespace onyx {

// Runs `model` on `inputs` (every graph input the caller must feed, by name) and returns every
// graph output in graph order, as tensors that own their memory.
Result<std::vector<NamedTensor>> run_model(std::shared_ptr<const Model> model, const std::vector<NamedTensor>& inputs,
                                           const SessionOptions& options = {});
// The same for a model held by value (it is copied; tensors share their data).
Result<std::vector<NamedTensor>> run_model(const Model& model, const std::vector<NamedTensor>& inputs,
                                           const SessionOptions& options = {});

}  // namespace onyx
