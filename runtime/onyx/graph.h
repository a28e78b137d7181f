// The graph IR: an in-memory ONNX model, independent of protobuf. proto/ converts ModelProto to
// and from it; the planner compiles it; the graph tools edit it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "onyx/tensor.h"

namespace onyx {

struct Graph;

// Numbered as AttributeProto.AttributeType.
enum class AttrType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kInt = 2,
  kString = 3,
  kTensor = 4,
  kGraph = 5,
  kFloats = 6,
  kInts = 7,
  kStrings = 8,
  kTensors = 9,
  kGraphs = 10,
  kSparseTensor = 11,
  kSparseTensors = 12,
  kTypeProto = 13,
  kTypeProtos = 14,
};
const char* attr_type_name(AttrType t);

struct TypeInfo;

struct Attribute {
  std::string name;
  AttrType type = AttrType::kUndefined;
  std::string ref_attr_name;  // set inside function bodies; unused by the runtime
  float f = 0.0f;
  int64_t i = 0;
  std::string s;  // may hold arbitrary bytes
  Tensor t;
  std::shared_ptr<Graph> g;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::vector<Tensor> tensors;
  std::vector<std::shared_ptr<Graph>> graphs;
  std::vector<std::shared_ptr<TypeInfo>> types;  // kTypeProto / kTypeProtos
};

// One dimension of a declared shape: a fixed size, a symbolic name, or unknown.
struct Dim {
  int64_t value = -1;  // >= 0 when fixed
  std::string param;   // symbolic name ("batch"), may be empty
  bool fixed() const { return value >= 0; }
};

// A declared type (ValueInfoProto.type): tensor, sequence or optional of another type.
struct TypeInfo {
  enum class Kind : uint8_t { kUnknown, kTensor, kSequence, kOptional, kMap, kSparseTensor };
  Kind kind = Kind::kUnknown;
  DType elem = DType::kUndefined;  // kTensor / kSparseTensor
  bool has_shape = false;          // false: rank unknown
  std::vector<Dim> shape;
  std::shared_ptr<TypeInfo> inner;  // kSequence / kOptional element type; kMap value type
  DType map_key = DType::kUndefined;
};

struct ValueInfo {
  std::string name;
  TypeInfo type;
  std::string doc;
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" is the default ONNX domain ("ai.onnx")
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;  // "" marks an omitted optional output
  std::vector<Attribute> attrs;
  std::string doc;

  const Attribute* attr(const std::string& attr_name) const;
  // Names the node's subgraphs (GRAPH/GRAPHS attributes, recursively) read from enclosing
  // scopes: implicit inputs of control-flow nodes. Empty for ordinary nodes.
  std::vector<std::string> captured_names() const;
  // "node 'conv1' (Conv)" or "node #12 (Conv)" when unnamed; `index` is the node's position.
  std::string describe(size_t index) const;
};

struct NamedTensor {
  std::string name;
  Tensor tensor;
  std::string doc;
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<ValueInfo> inputs;
  std::vector<ValueInfo> outputs;
  std::vector<ValueInfo> value_info;
  std::vector<NamedTensor> initializers;
  std::string doc;

  const NamedTensor* initializer(const std::string& tensor_name) const;
};

struct OpsetImport {
  std::string domain;  // "" or "ai.onnx" for the default domain
  int64_t version = 0;
};

struct Model {
  int64_t ir_version = 0;
  std::vector<OpsetImport> opsets;
  std::string producer_name;
  std::string producer_version;
  std::string domain;
  int64_t model_version = 0;
  std::string doc;
  std::vector<std::pair<std::string, std::string>> metadata;
  Graph graph;
  std::string source;  // where it came from ("models/x/model.onnx"), used in error messages

  // The opset imported for `domain` ("" and "ai.onnx" are the same); 0 when not imported.
  int64_t opset(const std::string& op_domain) const;
};

}  // namespace onyx
