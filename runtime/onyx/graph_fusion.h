// Graph rewrites for speed, applied by Session::create when SessionOptions::optimize is set.
// They change rounding only (a fused sum adds in another order), never results otherwise.
#pragma once

#include "onyx/graph.h"
#include "onyx/status.h"

namespace onyx {

// Conv -> [Add(other)] -> [activation] chains become one ai.onyx.FusedConv node (see
// ops/nn/conv.cc) when each intermediate value has no other reader and is not a graph output.
// The activations: Relu, Clip with constant bounds, Sigmoid, Tanh, HardSigmoid, HardSwish,
// LeakyRelu, and SiLU as x * Sigmoid(x) (Sigmoid and Mul reading the same value). Returns the
// number of nodes removed.
int fuse_conv_chains(Model* model);

// PyTorch's exact GELU, Div(x, sqrt(2)) -> Erf -> Add(1) -> Mul(x) -> Mul(0.5) with float32
// constants, becomes one ai.onyx.Gelu node (the same operations in one pass, so the same bits)
// when each intermediate value has no other reader. Returns the number of nodes removed.
int fuse_gelu(Model* model);

}  // namespace onyx
