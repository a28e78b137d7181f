// Internal to proto/: the conversions between protobuf messages and the IR that the loader, the
// writer and the tensor-file readers share (one TensorProto decoder serves initializers,
// attribute tensors and .pb files). Every decoder treats its input as hostile: sizes, dims,
// counts, dtypes and external-data paths are checked before anything is allocated.
//
// Errors carry no location prefix: callers add "model.onnx: initializer 'W'" with
// Status::with_context. Malformed content is kInvalidModel; valid ONNX that Onyx does not
// implement (float8, int4, segments, maps) is kUnsupported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "onnx.pb.h"
#include "onyx/graph.h"
#include "onyx/status.h"
#include "onyx/tensor.h"
#include "onyx/value.h"

namespace onyx::proto {

// Where external tensor data may be read from. `base_dir` empty: external data is refused.
struct ExternalData {
  std::string base_dir;
  // Bytes still allowed to be read from external files (shared by all tensors of one load).
  uint64_t budget = 0;
};

// Checks tensor dims from a file: each in [0, 2^40] and the element count within kMaxElements.
// Returns the element count.
Result<int64_t> checked_file_dims(const Dims& dims);

// Maps a TensorProto.DataType value to a DType: unknown values are kInvalidModel, ONNX types
// Onyx does not implement (float8, int4, ...) kUnsupported.
Result<DType> dtype_from_proto(int64_t v);

// Decodes one TensorProto (typed fields, raw_data or external data) into an owning Tensor.
// `tp` is taken mutable only so that its raw_data can be released once copied. `ext` may be
// null (external data refused).
Status tensor_from_proto(onyx::pb::TensorProto& tp, ExternalData* ext, Tensor* out);

// Densifies a SparseTensorProto (COO, [NNZ, rank] or linear [NNZ] indices). `max_bytes` bounds
// the dense result (a small file must not expand into an unbounded allocation).
Status sparse_to_dense(onyx::pb::SparseTensorProto& sp, ExternalData* ext, uint64_t max_bytes,
                       Tensor* out);

// Encodes a Tensor: strings into string_data, everything else as little-endian raw_data.
Status tensor_to_proto(const Tensor& t, const std::string& name, onyx::pb::TensorProto* tp);
// Encodes a dense tensor as a SparseTensorProto holding its non-zero elements (linear indices).
Status tensor_to_sparse_proto(const Tensor& t, const std::string& name,
                              onyx::pb::SparseTensorProto* sp);

// TypeProto <-> TypeInfo. A missing/opaque type is TypeInfo::Kind::kUnknown.
Status type_from_proto(const onyx::pb::TypeProto& tp, int depth, TypeInfo* out);
void type_to_proto(const TypeInfo& t, onyx::pb::TypeProto* tp);

// Sequence / optional values of onnx-data files.
Status sequence_from_proto(onyx::pb::SequenceProto& sp, ExternalData* ext, Value* out);
Status optional_from_proto(onyx::pb::OptionalProto& op, ExternalData* ext, Value* out);
Status value_to_sequence_proto(const Value& v, const std::string& name, onyx::pb::SequenceProto* sp);
Status value_to_optional_proto(const Value& v, const std::string& name, onyx::pb::OptionalProto* op);

// Parses `size` bytes into `msg`; false when they are not a valid encoding.
bool parse_message(const void* data, size_t size, google::protobuf::MessageLite* msg);
// Serializes `msg`; kResourceExhausted past protobuf's 2 GiB limit.
Status serialize_message(const google::protobuf::MessageLite& msg, std::string* out);

// "'W'" or "#3" when the name is empty: how messages name tensors and values.
std::string quoted_name(const std::string& name, size_t index);

}  // namespace onyx::proto
