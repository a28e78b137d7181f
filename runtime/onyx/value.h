// Value: what flows along a graph edge. Almost always a Tensor; ONNX also has sequences of
// tensors and optionals (which may be empty).
#pragma once

#include <vector>

#include "onyx/tensor.h"

namespace onyx {

enum class ValueKind : uint8_t {
  kTensor,
  kSequence,
  kNone,  // an empty optional
};

struct Value {
  ValueKind kind = ValueKind::kTensor;
  bool optional = false;            // wrapped in an optional (kNone is always optional)
  Tensor tensor;                    // kTensor
  std::vector<Tensor> sequence;     // kSequence
  DType elem_type = DType::kUndefined;  // element type of a sequence / empty optional, if known

  static Value of(Tensor t) {
    Value v;
    v.tensor = std::move(t);
    return v;
  }
  bool is_tensor() const { return kind == ValueKind::kTensor; }
};

}  // namespace onyx
