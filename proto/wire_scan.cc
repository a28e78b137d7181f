#include "wire_scan.h"

#include "onnx.pb.h"

namespace onyx::proto {

namespace {

namespace pb = onyx::pb;

// The message types of onnx.proto a model can contain.
enum class Msg : uint8_t {
  kModel, kGraph, kNode, kAttribute, kTensor, kSegment, kSparseTensor, kValueInfo, kType, kTypeTensor,
  kTypeSequence, kTypeMap, kTypeOptional, kTypeSparseTensor, kTypeOpaque, kShape, kDimension,
  kStringString, kOpsetId, kTensorAnnotation, kFunction, kTrainingInfo,
};

// How a field is stored once parsed.
enum class Kind : uint8_t {
  kScalar,        // a number inside the message, or any field of an unknown number
  kString,        // std::string (strings, bytes, unknown length-delimited fields)
  kPackedVarint,  // repeated integers: a one-byte varint becomes an element of up to 8 bytes
  kPackedFixed,   // repeated float/double: as many bytes as on the wire
  kMessage,       // a submessage of type `child`
};

struct Field {
  Kind kind = Kind::kScalar;
  Msg child = Msg::kModel;
};

constexpr Field str() { return {Kind::kString, Msg::kModel}; }
constexpr Field msg(Msg m) { return {Kind::kMessage, m}; }
constexpr Field varints() { return {Kind::kPackedVarint, Msg::kModel}; }
constexpr Field fixed() { return {Kind::kPackedFixed, Msg::kModel}; }

// The schema: field `f` of message type `t` (length-delimited fields only matter).
Field field_of(Msg t, uint32_t f) {
  switch (t) {
    case Msg::kModel:
      if (f == 2 || f == 3 || f == 4 || f == 6) return str();
      if (f == 7) return msg(Msg::kGraph);
      if (f == 8) return msg(Msg::kOpsetId);
      if (f == 14) return msg(Msg::kStringString);
      if (f == 20) return msg(Msg::kTrainingInfo);
      if (f == 25) return msg(Msg::kFunction);
      break;
    case Msg::kGraph:
      if (f == 1) return msg(Msg::kNode);
      if (f == 2 || f == 10) return str();
      if (f == 5) return msg(Msg::kTensor);
      if (f == 11 || f == 12 || f == 13) return msg(Msg::kValueInfo);
      if (f == 14) return msg(Msg::kTensorAnnotation);
      if (f == 15) return msg(Msg::kSparseTensor);
      if (f == 16) return msg(Msg::kStringString);
      break;
    case Msg::kNode:
      if (f == 5) return msg(Msg::kAttribute);
      if (f == 9) return msg(Msg::kStringString);
      if (f >= 1 && f <= 8) return str();
      break;
    case Msg::kAttribute:
      if (f == 1 || f == 4 || f == 9 || f == 13 || f == 21) return str();
      if (f == 5 || f == 10) return msg(Msg::kTensor);
      if (f == 6 || f == 11) return msg(Msg::kGraph);
      if (f == 7) return fixed();
      if (f == 8) return varints();
      if (f == 14 || f == 15) return msg(Msg::kType);
      if (f == 22 || f == 23) return msg(Msg::kSparseTensor);
      break;
    case Msg::kTensor:
      if (f == 1 || f == 5 || f == 7 || f == 11) return varints();
      if (f == 3) return msg(Msg::kSegment);
      if (f == 4 || f == 10) return fixed();
      if (f == 6 || f == 8 || f == 9 || f == 12) return str();
      if (f == 13 || f == 16) return msg(Msg::kStringString);
      break;
    case Msg::kSparseTensor:
      if (f == 1 || f == 2) return msg(Msg::kTensor);
      if (f == 3) return varints();
      break;
    case Msg::kValueInfo:
      if (f == 1 || f == 3) return str();
      if (f == 2) return msg(Msg::kType);
      if (f == 4) return msg(Msg::kStringString);
      break;
    case Msg::kType:
      if (f == 1) return msg(Msg::kTypeTensor);
      if (f == 4) return msg(Msg::kTypeSequence);
      if (f == 5) return msg(Msg::kTypeMap);
      if (f == 6) return str();
      if (f == 7) return msg(Msg::kTypeOpaque);
      if (f == 8) return msg(Msg::kTypeSparseTensor);
      if (f == 9) return msg(Msg::kTypeOptional);
      break;
    case Msg::kTypeTensor:
    case Msg::kTypeSparseTensor:
      if (f == 2) return msg(Msg::kShape);
      break;
    case Msg::kTypeSequence:
    case Msg::kTypeOptional:
      if (f == 1) return msg(Msg::kType);
      break;
    case Msg::kTypeMap:
      if (f == 2) return msg(Msg::kType);
      break;
    case Msg::kTypeOpaque:
    case Msg::kStringString:
    case Msg::kOpsetId:
      if (f == 1 || f == 2) return str();
      break;
    case Msg::kShape:
      if (f == 1) return msg(Msg::kDimension);
      break;
    case Msg::kDimension:
      if (f == 2 || f == 3) return str();
      break;
    case Msg::kTensorAnnotation:
      if (f == 1) return str();
      if (f == 2) return msg(Msg::kStringString);
      break;
    case Msg::kFunction:
      if (f == 1 || f == 4 || f == 5 || f == 6 || f == 8 || f == 10 || f == 13) return str();
      if (f == 7) return msg(Msg::kNode);
      if (f == 9) return msg(Msg::kOpsetId);
      if (f == 11) return msg(Msg::kAttribute);
      if (f == 12) return msg(Msg::kValueInfo);
      if (f == 14) return msg(Msg::kStringString);
      break;
    case Msg::kTrainingInfo:
      if (f == 1 || f == 2) return msg(Msg::kGraph);
      if (f == 3 || f == 4) return msg(Msg::kStringString);
      break;
    case Msg::kSegment:
      break;
  }
  return {};
}

// Heap bytes of one parsed message object: the object, the allocator's overhead and its slot
// in the parent's repeated field.
template <class T>
constexpr uint64_t object_cost() {
  return sizeof(T) + 48;
}

uint64_t message_cost(Msg t) {
  switch (t) {
    case Msg::kModel: return object_cost<pb::ModelProto>();
    case Msg::kGraph: return object_cost<pb::GraphProto>();
    case Msg::kNode: return object_cost<pb::NodeProto>();
    case Msg::kAttribute: return object_cost<pb::AttributeProto>();
    case Msg::kTensor: return object_cost<pb::TensorProto>();
    case Msg::kSegment: return object_cost<pb::TensorProto_Segment>();
    case Msg::kSparseTensor: return object_cost<pb::SparseTensorProto>();
    case Msg::kValueInfo: return object_cost<pb::ValueInfoProto>();
    case Msg::kType: return object_cost<pb::TypeProto>();
    case Msg::kTypeTensor: return object_cost<pb::TypeProto_Tensor>();
    case Msg::kTypeSequence: return object_cost<pb::TypeProto_Sequence>();
    case Msg::kTypeMap: return object_cost<pb::TypeProto_Map>();
    case Msg::kTypeOptional: return object_cost<pb::TypeProto_Optional>();
    case Msg::kTypeSparseTensor: return object_cost<pb::TypeProto_SparseTensor>();
    case Msg::kTypeOpaque: return object_cost<pb::TypeProto_Opaque>();
    case Msg::kShape: return object_cost<pb::TensorShapeProto>();
    case Msg::kDimension: return object_cost<pb::TensorShapeProto_Dimension>();
    case Msg::kStringString: return object_cost<pb::StringStringEntryProto>();
    case Msg::kOpsetId: return object_cost<pb::OperatorSetIdProto>();
    case Msg::kTensorAnnotation: return object_cost<pb::TensorAnnotation>();
    case Msg::kFunction: return object_cost<pb::FunctionProto>();
    case Msg::kTrainingInfo: return object_cost<pb::TrainingInfoProto>();
  }
  return 256;
}

// Protobuf's default recursion limit: deeper input does not parse.
constexpr int kMaxDepth = 100;

class Scanner {
 public:
  explicit Scanner(WireEstimate* out) : out_(out) {}

  // Scans the fields in [p, end) of a message of type t.
  bool message(const uint8_t* p, const uint8_t* end, Msg t, int depth) {
    if (depth > kMaxDepth) return false;
    if (t == Msg::kNode) ++out_->nodes;
    while (p < end) {
      uint64_t tag = 0;
      if (!varint(&p, end, &tag)) return false;
      const auto number = static_cast<uint32_t>(tag >> 3);
      if (number == 0 || (tag >> 3) > 0x1fffffff) return false;
      switch (tag & 7) {
        case 0: {
          uint64_t v = 0;
          if (!varint(&p, end, &v)) return false;
          out_->bytes += 8;
          break;
        }
        case 1:
          if (end - p < 8) return false;
          p += 8;
          out_->bytes += 8;
          break;
        case 5:
          if (end - p < 4) return false;
          p += 4;
          out_->bytes += 8;
          break;
        case 2: {
          uint64_t len = 0;
          if (!varint(&p, end, &len) || len > static_cast<uint64_t>(end - p)) return false;
          const uint8_t* body = p;
          p += len;
          const Field f = field_of(t, number);
          switch (f.kind) {
            case Kind::kMessage:
              out_->bytes += message_cost(f.child);
              if (!message(body, p, f.child, depth + 1)) return false;
              break;
            case Kind::kPackedVarint:
              out_->bytes += 8 * len + 48;
              break;
            case Kind::kPackedFixed:
              out_->bytes += len + 48;
              break;
            case Kind::kString:
            case Kind::kScalar:
              out_->bytes += len + 64;  // a std::string, separately allocated when repeated
              break;
          }
          break;
        }
        case 3:
          if (!group(&p, end, number, depth + 1)) return false;
          break;
        default:  // 4 (end group) outside a group, 6 and 7 do not exist
          return false;
      }
    }
    return true;
  }

 private:
  static bool varint(const uint8_t** p, const uint8_t* end, uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 70 && *p < end; shift += 7) {
      const uint8_t b = *(*p)++;
      r |= static_cast<uint64_t>(b & 0x7f) << (shift < 64 ? shift : 63);
      if ((b & 0x80) == 0) {
        *v = r;
        return true;
      }
    }
    return false;
  }

  // Skips a group (an unknown field to protobuf: kept as raw bytes) up to its end tag.
  bool group(const uint8_t** p, const uint8_t* end, uint32_t number, int depth) {
    if (depth > kMaxDepth) return false;
    const uint8_t* start = *p;
    while (*p < end) {
      uint64_t tag = 0;
      if (!varint(p, end, &tag)) return false;
      const auto n = static_cast<uint32_t>(tag >> 3);
      uint64_t v = 0;
      switch (tag & 7) {
        case 0:
          if (!varint(p, end, &v)) return false;
          break;
        case 1:
          if (end - *p < 8) return false;
          *p += 8;
          break;
        case 5:
          if (end - *p < 4) return false;
          *p += 4;
          break;
        case 2:
          if (!varint(p, end, &v) || v > static_cast<uint64_t>(end - *p)) return false;
          *p += v;
          break;
        case 3:
          if (!group(p, end, n, depth + 1)) return false;
          break;
        case 4:
          if (n != number) return false;
          out_->bytes += static_cast<uint64_t>(*p - start);
          return true;
        default:
          return false;
      }
    }
    return false;
  }

  WireEstimate* out_;
};

}  // namespace

bool scan_model(const void* data, size_t size, WireEstimate* out) {
  *out = WireEstimate{};
  out->bytes = message_cost(Msg::kModel);
  const auto* p = static_cast<const uint8_t*>(data);
  return size == 0 || Scanner(out).message(p, p + size, Msg::kModel, 0);
}

}  // namespace onyx::proto
