#include "writer.h"

#include "file_io.h"
#include "loader.h"
#include "proto_codec.h"

#ifndef ONYX_VERSION
#define ONYX_VERSION "unknown"
#endif

namespace onyx {
using proto::quoted_name;

namespace {

Status graph_to_proto(const Graph& g, int depth, pb::GraphProto* gp);

void value_info_to_proto(const ValueInfo& v, pb::ValueInfoProto* vp) {
  vp->set_name(v.name);
  if (!v.doc.empty()) vp->set_doc_string(v.doc);
  if (v.type.kind != TypeInfo::Kind::kUnknown) proto::type_to_proto(v.type, vp->mutable_type());
}

Status subgraph_to_proto(const std::shared_ptr<Graph>& g, int depth, pb::GraphProto* gp) {
  if (!g) return error(Code::kInvalidArgument, "GRAPH attribute holds no graph");
  if (depth > kMaxGraphDepth) {
    return error(Code::kInvalidArgument, "subgraphs nested more than ", kMaxGraphDepth, " levels deep");
  }
  return graph_to_proto(*g, depth, gp).with_context(str_cat("graph ", quoted_name(g->name, 0)));
}

Status attribute_to_proto(const Attribute& a, int depth, pb::AttributeProto* ap) {
  ap->set_name(a.name);
  ap->set_type(static_cast<int32_t>(a.type));
  if (!a.ref_attr_name.empty()) {
    ap->set_ref_attr_name(a.ref_attr_name);
    return ok_status();
  }
  switch (a.type) {
    case AttrType::kFloat: ap->set_f(a.f); break;
    case AttrType::kInt: ap->set_i(a.i); break;
    case AttrType::kString: ap->set_s(a.s); break;
    case AttrType::kTensor: return proto::tensor_to_proto(a.t, "", ap->mutable_t());
    case AttrType::kGraph: return subgraph_to_proto(a.g, depth + 1, ap->mutable_g());
    case AttrType::kFloats:
      for (float f : a.floats) ap->add_floats(f);
      break;
    case AttrType::kInts:
      for (int64_t i : a.ints) ap->add_ints(i);
      break;
    case AttrType::kStrings:
      for (const std::string& s : a.strings) ap->add_strings(s);
      break;
    case AttrType::kTensors:
      for (const Tensor& t : a.tensors) ONYX_TRY(proto::tensor_to_proto(t, "", ap->add_tensors()));
      break;
    case AttrType::kGraphs:
      for (const auto& g : a.graphs) ONYX_TRY(subgraph_to_proto(g, depth + 1, ap->add_graphs()));
      break;
    case AttrType::kSparseTensor: return proto::tensor_to_sparse_proto(a.t, "", ap->mutable_sparse_tensor());
    case AttrType::kSparseTensors:
      for (const Tensor& t : a.tensors) ONYX_TRY(proto::tensor_to_sparse_proto(t, "", ap->add_sparse_tensors()));
      break;
    case AttrType::kTypeProto:
      if (a.types.empty() || !a.types[0]) return error(Code::kInvalidArgument, "TYPE_PROTO attribute holds no type");
      proto::type_to_proto(*a.types[0], ap->mutable_tp());
      break;
    case AttrType::kTypeProtos:
      for (const auto& t : a.types) {
        if (!t) return error(Code::kInvalidArgument, "TYPE_PROTOS attribute holds a null type");
        proto::type_to_proto(*t, ap->add_type_protos());
      }
      break;
    case AttrType::kUndefined:
      return error(Code::kInvalidArgument, "attribute has no type");
  }
  return ok_status();
}

Status node_to_proto(const Node& n, int depth, pb::NodeProto* np) {
  for (const std::string& s : n.inputs) np->add_input(s);
  for (const std::string& s : n.outputs) np->add_output(s);
  if (!n.name.empty()) np->set_name(n.name);
  np->set_op_type(n.op_type);
  if (!n.domain.empty()) np->set_domain(n.domain);
  if (!n.doc.empty()) np->set_doc_string(n.doc);
  for (const Attribute& a : n.attrs) {
    ONYX_TRY(attribute_to_proto(a, depth, np->add_attribute()).with_context(str_cat("attribute '", a.name, "'")));
  }
  return ok_status();
}

Status graph_to_proto(const Graph& g, int depth, pb::GraphProto* gp) {
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    ONYX_TRY(node_to_proto(g.nodes[k], depth, gp->add_node()).with_context(g.nodes[k].describe(k)));
  }
  if (!g.name.empty()) gp->set_name(g.name);
  for (const NamedTensor& nt : g.initializers) {
    pb::TensorProto* tp = gp->add_initializer();
    ONYX_TRY(proto::tensor_to_proto(nt.tensor, nt.name, tp).with_context(str_cat("initializer '", nt.name, "'")));
    if (!nt.doc.empty()) tp->set_doc_string(nt.doc);
  }
  if (!g.doc.empty()) gp->set_doc_string(g.doc);
  for (const ValueInfo& v : g.inputs) value_info_to_proto(v, gp->add_input());
  for (const ValueInfo& v : g.outputs) value_info_to_proto(v, gp->add_output());
  for (const ValueInfo& v : g.value_info) value_info_to_proto(v, gp->add_value_info());
  return ok_status();
}

// The IR version that introduced each default-domain opset: opset <= 8 -> IR 3 ... (ONNX's
// versioning table), so that older readers accept what we write.
int64_t ir_for_opset(int64_t opset) {
  if (opset <= 8) return 3;
  if (opset <= 9) return 4;
  if (opset <= 10) return 5;
  if (opset <= 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

Status model_to_proto(const Model& m, pb::ModelProto* mp) {
  int64_t ir = m.ir_version;
  if (ir == 0) ir = ir_for_opset(m.opset(""));
  mp->set_ir_version(ir);
  if (m.producer_name.empty()) {
    mp->set_producer_name("onyx");
    mp->set_producer_version(ONYX_VERSION);
  } else {
    mp->set_producer_name(m.producer_name);
    if (!m.producer_version.empty()) mp->set_producer_version(m.producer_version);
  }
  if (!m.domain.empty()) mp->set_domain(m.domain);
  if (m.model_version != 0) mp->set_model_version(m.model_version);
  if (!m.doc.empty()) mp->set_doc_string(m.doc);
  for (const OpsetImport& o : m.opsets) {
    pb::OperatorSetIdProto* op = mp->add_opset_import();
    if (!o.domain.empty()) op->set_domain(o.domain);  // absent means the default domain
    op->set_version(o.version);
  }
  for (const auto& [k, v] : m.metadata) {
    pb::StringStringEntryProto* e = mp->add_metadata_props();
    e->set_key(k);
    e->set_value(v);
  }
  return graph_to_proto(m.graph, 0, mp->mutable_graph());
}

}  // namespace

Result<std::string> save_model_buffer(const Model& model) {
  pb::ModelProto mp;
  const std::string& where = model.source.empty() ? std::string("<model>") : model.source;
  ONYX_TRY(model_to_proto(model, &mp).with_context(where));
  std::string out;
  ONYX_TRY(proto::serialize_message(mp, &out).with_context(where));
  return out;
}

Status save_model_file(const Model& model, const std::string& path) {
  Result<std::string> bytes = save_model_buffer(model);
  if (!bytes.ok()) return bytes.status();
  return proto::write_whole_file(path, bytes->data(), bytes->size());
}

}  // namespace onyx
