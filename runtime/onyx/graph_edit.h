// Building and editing graphs: a small API over the graph IR of onyx/graph.h (the same Model the
// loader produces and the Session runs). Save and load with proto/writer.h and proto/loader.h;
// run in memory with onyx/graph_run.h; check, clean, merge and draw with the other graph_*.h.
//
//   onyx::Model m = onyx::make_model("add", 13);
//   ONYX_TRY(onyx::add_input(m.graph, onyx::tensor_info("x1", DType::kFloat32, {1})));
//   ONYX_TRY(onyx::add_input(m.graph, onyx::tensor_info("x2", DType::kFloat32, {1})));
//   ONYX_TRY(onyx::add_node(m.graph, onyx::make_node("Add", {"x1", "x2"}, {"sum"})).status());
//   ONYX_TRY(onyx::add_output(m.graph, onyx::tensor_info("sum", DType::kFloat32, {1})));
//
// Every edit keeps the graph well-formed in the ways it can see (no name produced twice, no
// dangling reference left behind by a rename or delete) and fails with kInvalidArgument or
// kNotFound otherwise; `check_model` (onyx/graph_check.h) validates the whole graph.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "onyx/graph.h"
#include "onyx/status.h"
#include "onyx/tensor.h"

namespace onyx {

// ---- models ----

// An empty model whose graph is named `graph_name`, importing the default-domain `opset`.
// ir_version and the producer are left empty: the writer saves the lowest IR version that
// allows the opset, and "onyx" with the library version as producer.
Model make_model(const std::string& graph_name, int64_t opset = 13);
// Imports `domain` ("" is the default domain) at `version`, replacing an existing import.
void set_opset(Model& model, const std::string& domain, int64_t version);

// ---- types ----

// One dimension of a declared shape: {1, "batch", 3} mixes fixed sizes and symbolic names.
struct ShapeDim {
  ShapeDim(int v) : dim{v, ""} {}  // NOLINT: implicit by design
  ShapeDim(long v) : dim{v, ""} {}  // NOLINT
  ShapeDim(long long v) : dim{static_cast<int64_t>(v), ""} {}  // NOLINT
  ShapeDim(const char* param) : dim{-1, param} {}  // NOLINT
  ShapeDim(std::string param) : dim{-1, std::move(param)} {}  // NOLINT
  Dim dim;
};
// A tensor value with a known rank: tensor_info("x", DType::kFloat32, {"batch", 3, 224, 224}).
ValueInfo tensor_info(const std::string& name, DType dtype, const std::vector<ShapeDim>& shape);
// The same from concrete dims.
ValueInfo tensor_info_dims(const std::string& name, DType dtype, const Dims& dims);
// A tensor value of unknown rank.
ValueInfo tensor_info_unranked(const std::string& name, DType dtype);

// ---- tensors ----

// A tensor that owns a copy of `values` laid out row-major in `dims`; numel must match.
template <class T>
Result<Tensor> make_tensor(const Dims& dims, const std::vector<T>& values) {
  Result<int64_t> n = checked_numel(dims);
  if (!n.ok()) return n.status();
  if (*n != static_cast<int64_t>(values.size())) {
    return error(Code::kInvalidArgument, "shape ", shape_str(dims), " holds ", *n, " elements but ",
                 values.size(), " values were given");
  }
  Result<Tensor> t = Tensor::make(dtype_of<T>(), dims);
  if (!t.ok()) return t.status();
  for (size_t i = 0; i < values.size(); ++i) t->template data_as<T>()[i] = values[i];
  return t;
}

// ---- attributes (every AttributeProto type the runtime reads) ----

Attribute int_attr(const std::string& name, int64_t v);
Attribute float_attr(const std::string& name, float v);
Attribute string_attr(const std::string& name, std::string v);
Attribute tensor_attr(const std::string& name, Tensor v);
Attribute graph_attr(const std::string& name, std::shared_ptr<Graph> g);
Attribute ints_attr(const std::string& name, std::vector<int64_t> v);
Attribute floats_attr(const std::string& name, std::vector<float> v);
Attribute strings_attr(const std::string& name, std::vector<std::string> v);
Attribute tensors_attr(const std::string& name, std::vector<Tensor> v);
Attribute graphs_attr(const std::string& name, std::vector<std::shared_ptr<Graph>> v);

// ---- nodes ----

// A node; an empty `name` is replaced by a unique one when it is added to a graph.
Node make_node(const std::string& op_type, std::vector<std::string> inputs, std::vector<std::string> outputs,
               std::vector<Attribute> attrs = {}, const std::string& name = "", const std::string& domain = "");
// Appends a node and returns its name. Fails when the name is taken or an output is already
// defined (by a node, a graph input or an initializer). Inputs may be defined later.
Result<std::string> add_node(Graph& graph, Node node);
// Removes the node named `node_name`. The tensors it produced are left dangling if still used.
Status delete_node(Graph& graph, const std::string& node_name);
// The node named `node_name`, or null.
Node* find_node(Graph& graph, const std::string& node_name);
const Node* find_node(const Graph& graph, const std::string& node_name);
// A name no tensor or node of the graph (or of its subgraphs) uses: `base`, else base_1, base_2...
std::string unique_name(const Graph& graph, const std::string& base);

// ---- graph inputs and outputs ----

// Declares a graph input. Fails if an input of that name exists or a node produces it.
Status add_input(Graph& graph, ValueInfo info);
// Declares a graph output (an existing or later-produced tensor). Fails on a duplicate.
Status add_output(Graph& graph, ValueInfo info);
// Replaces the declared type of the input/output named `info.name`.
Status replace_input(Graph& graph, ValueInfo info);
Status replace_output(Graph& graph, ValueInfo info);
// Removes an input / output declaration (the tensor's uses are untouched).
Status delete_input(Graph& graph, const std::string& name);
Status delete_output(Graph& graph, const std::string& name);
// Renames a graph input / output and every reference to that tensor.
Status rename_input(Graph& graph, const std::string& old_name, const std::string& new_name);
Status rename_output(Graph& graph, const std::string& old_name, const std::string& new_name);

// ---- initializers and constants ----

// Adds an initializer (a constant the graph reads by name). Fails if the name is defined.
Status add_initializer(Graph& graph, const std::string& name, Tensor value);
Status delete_initializer(Graph& graph, const std::string& name);
// Adds a Constant node producing `name` (what exporters emit; `clean` turns them into initializers).
Status add_constant(Graph& graph, const std::string& name, Tensor value);

// ---- renaming tensors ----

// Renames tensors everywhere in the graph at once (old -> new, applied simultaneously): node
// inputs and outputs, graph inputs/outputs, value_info, initializers, and the names subgraphs
// read from this scope (unless a subgraph defines the name itself). No check of the result.
void rename_tensors(Graph& graph, const std::unordered_map<std::string, std::string>& renames);
// One rename; fails if `old_name` is not defined or `new_name` is already used.
Status rename_tensor(Graph& graph, const std::string& old_name, const std::string& new_name);

// ---- listing ----

// Graph inputs the caller must feed (those without an initializer).
std::vector<const ValueInfo*> list_inputs(const Graph& graph);
// Every tensor name the graph defines or reads, subgraphs included.
std::vector<std::string> list_tensor_names(const Graph& graph);
// Every tensor element type, with its name ("float32", "int64", ...).
std::vector<DType> list_dtypes();
// An operator the runtime implements: domain ("" = ai.onnx), type, schema versions, dtypes.
struct SupportedOp {
  std::string domain;
  std::string op_type;
  std::vector<int> versions;
  std::string dtypes;
};
std::vector<SupportedOp> list_supported_ops();
// A readable summary: opsets, inputs, outputs, initializers and one line per node.
std::string describe_model(const Model& model);

}  // namespace onyx
