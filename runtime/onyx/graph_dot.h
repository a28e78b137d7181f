// Graphviz DOT of a model: one box per node (name and op type), graph inputs and outputs as
// ellipses, edges labelled with the tensor's name, dtype and shape (declared, else inferred),
// and initializers summarised inside the box of the node that reads them rather than drawn.
// `dot -Tsvg` renders it (`onyx dot IN -o out.svg` does that when graphviz is installed).
#pragma once

#include <cstddef>
#include <string>

#include "onyx/graph.h"

namespace onyx {

struct DotOptions {
  bool tensor_names = true;     // label edges with tensor names (dtype and shape always)
  size_t max_initializers = 3;  // initializers listed per node; more are counted
  bool left_to_right = false;   // rankdir=LR instead of top to bottom
};

std::string to_dot(const Model& model, const DotOptions& options = {});

}  // namespace onyx
