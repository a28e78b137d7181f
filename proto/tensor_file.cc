#include "tensor_file.h"

#include <climits>
#include <cstring>
#include <utility>

#include "file_io.h"
#include "proto_codec.h"

namespace onyx {

namespace {

// Protobuf cannot parse more; external data is the way to bigger tensors.
constexpr uint64_t kMaxTensorFileBytes = static_cast<uint64_t>(INT_MAX);
constexpr uint64_t kMaxExternalBytes = uint64_t{64} << 30;

struct Source {
  std::string where;     // file path or "<buffer>"
  std::string base_dir;  // folder for external data; empty for buffers
};

std::string tensor_context(const Source& src, const std::string& name) {
  return name.empty() ? src.where : str_cat(src.where, ": tensor '", name, "'");
}

Status parse_error(const Source& src, const char* message) {
  return error(Code::kInvalidModel, src.where, ": not a valid ", message, " (protobuf parse failed)");
}

Result<Tensor> decode_tensor(const void* data, size_t size, const Source& src, std::string* name) {
  pb::TensorProto tp;
  if (!proto::parse_message(data, size, &tp)) return parse_error(src, "TensorProto");
  proto::ExternalData ext{src.base_dir, kMaxExternalBytes};
  Tensor t;
  ONYX_TRY(proto::tensor_from_proto(tp, &ext, &t).with_context(tensor_context(src, tp.name())));
  if (name != nullptr) *name = tp.name();
  return t;
}

Result<Value> decode_sequence(const void* data, size_t size, const Source& src, std::string* name) {
  pb::SequenceProto sp;
  if (!proto::parse_message(data, size, &sp)) return parse_error(src, "SequenceProto");
  proto::ExternalData ext{src.base_dir, kMaxExternalBytes};
  Value v;
  std::string ctx = sp.name().empty() ? src.where : str_cat(src.where, ": sequence '", sp.name(), "'");
  ONYX_TRY(proto::sequence_from_proto(sp, &ext, &v).with_context(ctx));
  if (name != nullptr) *name = sp.name();
  return v;
}

Result<Value> decode_optional(const void* data, size_t size, const Source& src, std::string* name) {
  pb::OptionalProto op;
  if (!proto::parse_message(data, size, &op)) return parse_error(src, "OptionalProto");
  proto::ExternalData ext{src.base_dir, kMaxExternalBytes};
  Value v;
  std::string ctx = op.name().empty() ? src.where : str_cat(src.where, ": optional '", op.name(), "'");
  ONYX_TRY(proto::optional_from_proto(op, &ext, &v).with_context(ctx));
  if (name != nullptr) *name = op.name();
  return v;
}

// Fills the element type of an empty sequence/optional from the declared type.
void apply_expected_elem(const TypeInfo* expected, Value* v) {
  if (v->elem_type != DType::kUndefined || expected == nullptr) return;
  const TypeInfo* t = expected;
  while (t != nullptr && (t->kind == TypeInfo::Kind::kOptional || t->kind == TypeInfo::Kind::kSequence)) {
    t = t->inner.get();
  }
  if (t != nullptr && t->kind == TypeInfo::Kind::kTensor) v->elem_type = t->elem;
}

Result<Value> decode_value(const void* data, size_t size, const TypeInfo* expected, const Source& src,
                           std::string* name) {
  TypeInfo::Kind kind = expected != nullptr ? expected->kind : TypeInfo::Kind::kUnknown;
  if (kind == TypeInfo::Kind::kTensor) {
    Result<Tensor> t = decode_tensor(data, size, src, name);
    if (!t.ok()) return t.status();
    if (expected->elem == DType::kBFloat16 && t->dtype() == DType::kUInt16) {
      // numpy has no bfloat16: ONNX's backend test data stores its bits as uint16.
      Result<Tensor> bf = Tensor::make(DType::kBFloat16, t->shape());
      if (!bf.ok()) return bf.status();
      if (t->nbytes() != 0) std::memcpy(bf->data(), t->data(), t->nbytes());
      return Value::of(std::move(bf.value()));
    }
    return Value::of(std::move(t.value()));
  }
  if (kind == TypeInfo::Kind::kSequence || kind == TypeInfo::Kind::kOptional) {
    Result<Value> v = kind == TypeInfo::Kind::kSequence ? decode_sequence(data, size, src, name)
                                                        : decode_optional(data, size, src, name);
    if (v.ok()) apply_expected_elem(expected, &v.value());
    return v;
  }
  // Unknown: guess. Each message's decoder rejects the others' bytes in practice (a sequence
  // read as a TensorProto shows a segment or impossible dims), except the noted ambiguity.
  Result<Tensor> t = decode_tensor(data, size, src, name);
  if (t.ok()) return Value::of(std::move(t.value()));
  {
    pb::SequenceProto sp;
    if (proto::parse_message(data, size, &sp) && sp.elem_type() == pb::SequenceProto::TENSOR) {
      Result<Value> v = decode_sequence(data, size, src, name);
      if (v.ok()) return v;
    }
  }
  Result<Value> v = decode_optional(data, size, src, name);
  if (v.ok()) return v;
  return t.status();
}

Status check_size(const Source& src, size_t size) {
  if (size > kMaxTensorFileBytes) {
    return error(Code::kResourceExhausted, src.where, ": ", static_cast<uint64_t>(size),
                 " bytes; protobuf cannot parse 2 GiB or more");
  }
  return ok_status();
}

}  // namespace

Result<Tensor> read_tensor_file(const std::string& path, std::string* name) {
  Tensor bytes;
  ONYX_TRY(proto::read_whole_file(path, kMaxTensorFileBytes, &bytes));
  return decode_tensor(bytes.data(), bytes.nbytes(), Source{path, proto::dir_of(path)}, name);
}

Result<Tensor> read_tensor_buffer(const void* data, size_t size, std::string* name) {
  Source src{"<buffer>", ""};
  ONYX_TRY(check_size(src, size));
  return decode_tensor(data, size, src, name);
}

Result<Value> read_value_file(const std::string& path, const TypeInfo* expected, std::string* name) {
  Tensor bytes;
  ONYX_TRY(proto::read_whole_file(path, kMaxTensorFileBytes, &bytes));
  return decode_value(bytes.data(), bytes.nbytes(), expected, Source{path, proto::dir_of(path)}, name);
}

Result<Value> read_value_buffer(const void* data, size_t size, const TypeInfo* expected, std::string* name) {
  Source src{"<buffer>", ""};
  ONYX_TRY(check_size(src, size));
  return decode_value(data, size, expected, src, name);
}

Result<std::string> write_tensor_buffer(const Tensor& tensor, const std::string& name) {
  pb::TensorProto tp;
  ONYX_TRY(proto::tensor_to_proto(tensor, name, &tp));
  std::string out;
  ONYX_TRY(proto::serialize_message(tp, &out));
  return out;
}

Status write_tensor_file(const std::string& path, const Tensor& tensor, const std::string& name) {
  Result<std::string> bytes = write_tensor_buffer(tensor, name);
  if (!bytes.ok()) return bytes.status().with_context(path);
  return proto::write_whole_file(path, bytes->data(), bytes->size());
}

Result<std::string> write_value_buffer(const Value& value, const std::string& name) {
  std::string out;
  if (value.optional || value.kind == ValueKind::kNone) {
    pb::OptionalProto op;
    ONYX_TRY(proto::value_to_optional_proto(value, name, &op));
    ONYX_TRY(proto::serialize_message(op, &out));
  } else if (value.kind == ValueKind::kSequence) {
    pb::SequenceProto sp;
    ONYX_TRY(proto::value_to_sequence_proto(value, name, &sp));
    ONYX_TRY(proto::serialize_message(sp, &out));
  } else {
    return write_tensor_buffer(value.tensor, name);
  }
  return out;
}

Status write_value_file(const std::string& path, const Value& value, const std::string& name) {
  Result<std::string> bytes = write_value_buffer(value, name);
  if (!bytes.ok()) return bytes.status().with_context(path);
  return proto::write_whole_file(path, bytes->data(), bytes->size());
}

}  // namespace onyx
