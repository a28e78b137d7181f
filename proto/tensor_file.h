// Tensor and value files in ONNX's protobuf formats: a serialized TensorProto (the .pb files of
// ONNX test data sets, input_0.pb ...) or, for sequence/optional values, a SequenceProto or
// OptionalProto (onnx-data). Decoding is the loader's (same checks, same messages), so a
// malformed file is kInvalidModel; a missing file kNotFound. External tensor data in a file is
// read relative to the file's folder under the loader's path rules; buffers refuse it.
//
// Thread-safe: no shared state.
#pragma once

#include <cstddef>
#include <string>

#include "onyx/graph.h"
#include "onyx/status.h"
#include "onyx/tensor.h"
#include "onyx/value.h"

namespace onyx {

// Reads a TensorProto file into an owning Tensor; `name` (optional) receives TensorProto.name.
Result<Tensor> read_tensor_file(const std::string& path, std::string* name = nullptr);
Result<Tensor> read_tensor_buffer(const void* data, size_t size, std::string* name = nullptr);

// Reads a file holding a TensorProto, SequenceProto or OptionalProto into a Value. The bytes do
// not say which message they are, so pass the declared type of the graph input/output the file
// is for (ValueInfo::type): kTensor reads a TensorProto, kSequence a SequenceProto, kOptional an
// OptionalProto (Value::optional set; an empty one is ValueKind::kNone). With `expected` null or
// kUnknown the reader guesses: TensorProto, else SequenceProto, else OptionalProto (a sequence
// of one tensor and an optional tensor are the same bytes: the guess says sequence).
// Value::elem_type of an empty sequence/optional comes from `expected` when it says. A uint16
// tensor declared bfloat16 is read as bfloat16 (ONNX's test data stores bfloat16 that way).
Result<Value> read_value_file(const std::string& path, const TypeInfo* expected, std::string* name = nullptr);
Result<Value> read_value_buffer(const void* data, size_t size, const TypeInfo* expected,
                                std::string* name = nullptr);

// Writes a Tensor as a TensorProto (raw_data; strings as string_data) named `name`.
Status write_tensor_file(const std::string& path, const Tensor& tensor, const std::string& name = "");
Result<std::string> write_tensor_buffer(const Tensor& tensor, const std::string& name = "");

// Writes a Value: a plain tensor as TensorProto, a sequence as SequenceProto, an optional
// (Value::optional or kNone) as OptionalProto.
Status write_value_file(const std::string& path, const Value& value, const std::string& name = "");
Result<std::string> write_value_buffer(const Value& value, const std::string& name = "");

}  // namespace onyx
