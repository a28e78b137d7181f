#include "loader.h"

#include <climits>
#include <unordered_set>
#include <utility>

#include "file_io.h"
#include "proto_codec.h"
#include "wire_scan.h"

namespace onyx {
using proto::ExternalData;
using proto::quoted_name;

namespace {

struct LoadState {
  const Limits* limits = nullptr;
  // ext.budget: bytes of tensors still allowed (Limits::max_total_bytes). decode_external
  // charges external data before reading it; charge() charges everything else once decoded.
  ExternalData ext;
  int64_t nodes = 0;  // nodes converted so far, all graphs
};

// Holds a decoded tensor to the per-tensor element limit and, unless its bytes were already
// charged (external data), to the model's remaining byte budget.
Status charge(LoadState& st, const Tensor& t, bool charged) {
  if (t.numel() > st.limits->max_tensor_elements) {
    return error(Code::kResourceExhausted, "tensor of shape ", shape_str(t.shape()), " has ", t.numel(),
                 " elements: over Limits::max_tensor_elements = ", st.limits->max_tensor_elements);
  }
  if (charged) return ok_status();
  const uint64_t bytes = t.nbytes();
  if (bytes > st.ext.budget) {
    return error(Code::kResourceExhausted, "tensor of shape ", shape_str(t.shape()), " (", bytes,
                 " bytes) brings the model's tensors over Limits::max_total_bytes = ", st.limits->max_total_bytes);
  }
  st.ext.budget -= bytes;
  return ok_status();
}

// Decodes a TensorProto under the limits.
Status decode_tensor(pb::TensorProto& tp, LoadState& st, Tensor* out) {
  const bool external = tp.data_location() == pb::TensorProto::EXTERNAL;
  ONYX_TRY(proto::tensor_from_proto(tp, &st.ext, out));
  return charge(st, *out, external);
}

// Densifies a SparseTensorProto under the limits (the dense size is bounded before allocating).
Status decode_sparse(pb::SparseTensorProto& sp, LoadState& st, Tensor* out) {
  ONYX_TRY(proto::sparse_to_dense(sp, &st.ext, st.ext.budget, out));
  return charge(st, *out, false);
}

Status convert_graph(pb::GraphProto& gp, LoadState& st, int depth, Graph* g);

Status convert_value_info(const pb::ValueInfoProto& vp, const char* what, size_t index, ValueInfo* v) {
  if (vp.name().empty()) return error(Code::kInvalidModel, what, " #", index, " has no name");
  v->name = vp.name();
  v->doc = vp.doc_string();
  if (vp.has_type()) {
    ONYX_TRY(proto::type_from_proto(vp.type(), 0, &v->type).with_context(str_cat(what, " '", vp.name(), "'")));
  }
  return ok_status();
}

Status convert_subgraph(pb::GraphProto& gp, LoadState& st, int depth, std::shared_ptr<Graph>* out) {
  if (depth > st.limits->max_graph_depth) {
    return error(Code::kInvalidModel, "subgraphs nested more than ", st.limits->max_graph_depth,
                 " levels deep (Limits::max_graph_depth)");
  }
  auto g = std::make_shared<Graph>();
  ONYX_TRY(convert_graph(gp, st, depth, g.get()).with_context(str_cat("graph ", quoted_name(gp.name(), 0))));
  *out = std::move(g);
  return ok_status();
}

Status convert_attribute(pb::AttributeProto& ap, LoadState& st, int depth, Attribute* a) {
  a->name = ap.name();
  const int32_t type = ap.type();
  if (type <= 0 || type > static_cast<int32_t>(AttrType::kTypeProtos)) {
    if (type == 0) return error(Code::kInvalidModel, "type is missing (AttributeProto.type is UNDEFINED)");
    return error(Code::kInvalidModel, "unknown attribute type ", type);
  }
  a->type = static_cast<AttrType>(type);
  a->ref_attr_name = ap.ref_attr_name();
  if (!a->ref_attr_name.empty()) return ok_status();  // a reference to the caller's attribute: no value

  auto need = [&](bool present, const char* field) -> Status {
    if (present) return ok_status();
    return error(Code::kInvalidModel, attr_type_name(a->type), " value is missing (field '", field, "')");
  };
  switch (a->type) {
    case AttrType::kFloat: a->f = ap.f(); break;
    case AttrType::kInt: a->i = ap.i(); break;
    case AttrType::kString: a->s = ap.s(); break;
    case AttrType::kTensor:
      ONYX_TRY(need(ap.has_t(), "t"));
      ONYX_TRY(decode_tensor(*ap.mutable_t(), st, &a->t));
      break;
    case AttrType::kGraph:
      ONYX_TRY(need(ap.has_g(), "g"));
      ONYX_TRY(convert_subgraph(*ap.mutable_g(), st, depth + 1, &a->g));
      break;
    case AttrType::kFloats: a->floats.assign(ap.floats().begin(), ap.floats().end()); break;
    case AttrType::kInts: a->ints.assign(ap.ints().begin(), ap.ints().end()); break;
    case AttrType::kStrings: a->strings.assign(ap.strings().begin(), ap.strings().end()); break;
    case AttrType::kTensors:
      a->tensors.resize(static_cast<size_t>(ap.tensors_size()));
      for (int k = 0; k < ap.tensors_size(); ++k) {
        ONYX_TRY(decode_tensor(*ap.mutable_tensors(k), st, &a->tensors[static_cast<size_t>(k)])
                     .with_context(str_cat("tensor #", k)));
      }
      break;
    case AttrType::kGraphs:
      a->graphs.resize(static_cast<size_t>(ap.graphs_size()));
      for (int k = 0; k < ap.graphs_size(); ++k) {
        ONYX_TRY(convert_subgraph(*ap.mutable_graphs(k), st, depth + 1, &a->graphs[static_cast<size_t>(k)]));
      }
      break;
    case AttrType::kSparseTensor:
      ONYX_TRY(need(ap.has_sparse_tensor(), "sparse_tensor"));
      ONYX_TRY(decode_sparse(*ap.mutable_sparse_tensor(), st, &a->t));
      break;
    case AttrType::kSparseTensors:
      a->tensors.resize(static_cast<size_t>(ap.sparse_tensors_size()));
      for (int k = 0; k < ap.sparse_tensors_size(); ++k) {
        ONYX_TRY(decode_sparse(*ap.mutable_sparse_tensors(k), st, &a->tensors[static_cast<size_t>(k)])
                     .with_context(str_cat("sparse tensor #", k)));
      }
      break;
    case AttrType::kTypeProto: {
      ONYX_TRY(need(ap.has_tp(), "tp"));
      auto t = std::make_shared<TypeInfo>();
      ONYX_TRY(proto::type_from_proto(ap.tp(), 0, t.get()));
      a->types.push_back(std::move(t));
      break;
    }
    case AttrType::kTypeProtos:
      for (int k = 0; k < ap.type_protos_size(); ++k) {
        auto t = std::make_shared<TypeInfo>();
        ONYX_TRY(proto::type_from_proto(ap.type_protos(k), 0, t.get()).with_context(str_cat("type #", k)));
        a->types.push_back(std::move(t));
      }
      break;
    case AttrType::kUndefined:
      break;
  }
  return ok_status();
}

Status convert_node(pb::NodeProto& np, LoadState& st, int depth, Node* n) {
  n->op_type = np.op_type();
  n->name = np.name();
  n->domain = np.domain();
  n->doc = np.doc_string();
  if (n->op_type.empty()) return error(Code::kInvalidModel, "has no op_type");
  n->inputs.assign(np.input().begin(), np.input().end());
  n->outputs.assign(np.output().begin(), np.output().end());
  n->attrs.resize(static_cast<size_t>(np.attribute_size()));
  std::unordered_set<std::string> seen;
  for (int k = 0; k < np.attribute_size(); ++k) {
    pb::AttributeProto& ap = *np.mutable_attribute(k);
    std::string where = str_cat("attribute ", quoted_name(ap.name(), static_cast<size_t>(k)));
    if (ap.name().empty()) return error(Code::kInvalidModel, where, " has no name");
    if (!seen.insert(ap.name()).second) return error(Code::kInvalidModel, where, " appears more than once");
    ONYX_TRY(convert_attribute(ap, st, depth, &n->attrs[static_cast<size_t>(k)]).with_context(where));
  }
  return ok_status();
}

Status convert_graph(pb::GraphProto& gp, LoadState& st, int depth, Graph* g) {
  g->name = gp.name();
  g->doc = gp.doc_string();

  std::unordered_set<std::string> init_names;
  g->initializers.reserve(static_cast<size_t>(gp.initializer_size() + gp.sparse_initializer_size()));
  for (int k = 0; k < gp.initializer_size(); ++k) {
    pb::TensorProto& tp = *gp.mutable_initializer(k);
    std::string where = str_cat("initializer ", quoted_name(tp.name(), static_cast<size_t>(k)));
    if (tp.name().empty()) return error(Code::kInvalidModel, where, " has no name");
    if (!init_names.insert(tp.name()).second) return error(Code::kInvalidModel, where, " appears more than once");
    NamedTensor nt;
    nt.name = tp.name();
    nt.doc = tp.doc_string();
    ONYX_TRY(decode_tensor(tp, st, &nt.tensor).with_context(where));
    g->initializers.push_back(std::move(nt));
  }
  for (int k = 0; k < gp.sparse_initializer_size(); ++k) {
    pb::SparseTensorProto& sp = *gp.mutable_sparse_initializer(k);
    const std::string& name = sp.values().name();
    std::string where = str_cat("sparse initializer ", quoted_name(name, static_cast<size_t>(k)));
    if (name.empty()) return error(Code::kInvalidModel, where, " has no name (values.name is empty)");
    if (!init_names.insert(name).second) return error(Code::kInvalidModel, where, " appears more than once");
    NamedTensor nt;
    nt.name = name;
    nt.doc = sp.values().doc_string();
    ONYX_TRY(decode_sparse(sp, st, &nt.tensor).with_context(where));
    g->initializers.push_back(std::move(nt));
  }

  g->inputs.resize(static_cast<size_t>(gp.input_size()));
  for (int k = 0; k < gp.input_size(); ++k) {
    ONYX_TRY(convert_value_info(gp.input(k), "graph input", static_cast<size_t>(k), &g->inputs[static_cast<size_t>(k)]));
  }
  g->outputs.resize(static_cast<size_t>(gp.output_size()));
  for (int k = 0; k < gp.output_size(); ++k) {
    ONYX_TRY(convert_value_info(gp.output(k), "graph output", static_cast<size_t>(k), &g->outputs[static_cast<size_t>(k)]));
  }
  g->value_info.resize(static_cast<size_t>(gp.value_info_size()));
  for (int k = 0; k < gp.value_info_size(); ++k) {
    ONYX_TRY(convert_value_info(gp.value_info(k), "value_info", static_cast<size_t>(k),
                                &g->value_info[static_cast<size_t>(k)]));
  }

  st.nodes += gp.node_size();
  if (st.nodes > st.limits->max_nodes) {
    return error(Code::kResourceExhausted, "the model has more than ", st.limits->max_nodes,
                 " nodes (Limits::max_nodes), counting every subgraph");
  }
  g->nodes.resize(static_cast<size_t>(gp.node_size()));
  for (int k = 0; k < gp.node_size(); ++k) {
    Node& n = g->nodes[static_cast<size_t>(k)];
    Status s = convert_node(*gp.mutable_node(k), st, depth, &n);
    if (!s.ok()) {
      // describe() needs op_type; an empty one is reported by index only.
      std::string where = n.op_type.empty() ? str_cat("node #", k) : n.describe(static_cast<size_t>(k));
      return s.with_context(where);
    }
  }
  return ok_status();
}

Status convert_model(pb::ModelProto& mp, const LoadOptions& options, const std::string& base_dir, Model* m) {
  if (!mp.has_ir_version() || mp.ir_version() <= 0) {
    return error(Code::kInvalidModel, "not a valid ONNX model: ir_version is missing");
  }
  m->ir_version = mp.ir_version();
  if (m->ir_version < kMinIrVersion || m->ir_version > kMaxIrVersion) {
    return error(Code::kUnsupported, "IR version ", m->ir_version, " is not supported (Onyx reads IR versions ",
                 kMinIrVersion, " to ", kMaxIrVersion, ")");
  }
  if (!mp.has_graph()) return error(Code::kInvalidModel, "not a valid ONNX model: graph is missing");
  if (mp.opset_import_size() == 0) {
    return error(Code::kInvalidModel, "not a valid ONNX model: opset_import is empty");
  }
  std::unordered_set<std::string> domains;
  for (const pb::OperatorSetIdProto& o : mp.opset_import()) {
    std::string norm = o.domain() == "ai.onnx" ? std::string() : o.domain();
    if (o.version() <= 0) {
      return error(Code::kInvalidModel, "opset_import of domain '", o.domain(), "' has version ", o.version());
    }
    if (!domains.insert(norm).second) {
      return error(Code::kInvalidModel, "opset_import lists domain '", o.domain(), "' more than once");
    }
    m->opsets.push_back(OpsetImport{o.domain(), o.version()});
  }
  m->producer_name = mp.producer_name();
  m->producer_version = mp.producer_version();
  m->domain = mp.domain();
  m->model_version = mp.model_version();
  m->doc = mp.doc_string();
  for (const pb::StringStringEntryProto& e : mp.metadata_props()) m->metadata.emplace_back(e.key(), e.value());

  LoadState st;
  st.limits = &options.limits;
  st.ext.base_dir = base_dir;
  st.ext.budget = options.limits.max_total_bytes;
  return convert_graph(*mp.mutable_graph(), st, 0, &m->graph);
}

Status parse_model(const void* data, size_t size, const LoadOptions& options, const std::string& source,
                   pb::ModelProto* mp) {
  if (size > options.limits.max_model_bytes) {
    return error(Code::kResourceExhausted, source, ": model is ", static_cast<uint64_t>(size),
                 " bytes, over the limit of ", options.limits.max_model_bytes, " (Limits::max_model_bytes)");
  }
  if (size > static_cast<size_t>(INT_MAX)) {
    return error(Code::kResourceExhausted, source, ": model is ", static_cast<uint64_t>(size),
                 " bytes; protobuf cannot parse 2 GiB or more (store the weights as external data)");
  }
  // Before protobuf allocates: a file of empty messages grows ~100x when parsed. (Bytes the scan
  // cannot walk are left to protobuf, which rejects them.)
  proto::WireEstimate est;
  if (proto::scan_model(data, size, &est)) {
    if (est.nodes > options.limits.max_nodes) {
      return error(Code::kResourceExhausted, source, ": the model has ", est.nodes, " nodes: over Limits::max_nodes = ",
                   options.limits.max_nodes, " (counting every subgraph)");
    }
    if (est.bytes > options.limits.max_total_bytes) {
      return error(Code::kResourceExhausted, source, ": parsing the model would take about ", est.bytes,
                   " bytes of memory: over Limits::max_total_bytes = ", options.limits.max_total_bytes);
    }
  }
  if (!proto::parse_message(data, size, mp)) {
    return error(Code::kInvalidModel, source, ": not a valid ONNX model (protobuf parse failed)");
  }
  return ok_status();
}

Result<std::shared_ptr<Model>> finish_model(pb::ModelProto& mp, const LoadOptions& options,
                                            const std::string& source, const std::string& base_dir) {
  auto m = std::make_shared<Model>();
  m->source = source;
  ONYX_TRY(convert_model(mp, options, base_dir, m.get()).with_context(source));
  return m;
}

}  // namespace

Result<std::shared_ptr<Model>> load_model_file(const std::string& path, const LoadOptions& options) {
  pb::ModelProto mp;
  {
    Tensor bytes;
    ONYX_TRY(proto::read_whole_file(path, options.limits.max_model_bytes, &bytes));
    ONYX_TRY(parse_model(bytes.data(), bytes.nbytes(), options, path, &mp));
  }  // the file bytes are freed before the tensors are decoded
  return finish_model(mp, options, path, proto::dir_of(path));
}

Result<std::shared_ptr<Model>> load_model_buffer(const void* data, size_t size, const LoadOptions& options) {
  if (data == nullptr && size != 0) return error(Code::kInvalidArgument, "<buffer>: null data");
  pb::ModelProto mp;
  ONYX_TRY(parse_model(data, size, options, "<buffer>", &mp));
  return finish_model(mp, options, "<buffer>", options.base_dir);
}

}  // namespace onyx
