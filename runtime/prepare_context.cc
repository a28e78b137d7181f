#include "kernel.h"

namespace onyx {

void PrepareContext::reset(const Node* node, int since_version, int64_t opset,
                           std::vector<InputInfo> inputs) {
  node_ = node;
  since_version_ = since_version;
  opset_ = opset;
  inputs_ = std::move(inputs);
  outputs_.assign(node->outputs.size(), OutputDecl{});
  missing_output_ = -1;
  dynamic_ = false;
  scratch_bytes_ = 0;
  worker_scratch_bytes_ = 0;
}

ScratchPlace PrepareContext::scratch_in(std::vector<uint8_t>* buffer) const {
  const size_t bytes = ScratchPlace::block_bytes(scratch_bytes_, worker_scratch_bytes_, workers_);
  if (bytes == 0) return ScratchPlace{};
  if (buffer->size() < bytes + prims::kAlign) buffer->resize(bytes + prims::kAlign);
  return ScratchPlace::block(prims::align_ptr(buffer->data()), scratch_bytes_, worker_scratch_bytes_);
}

PrepareContext::OutputDecl* PrepareContext::declare(int i) {
  if (i < 0 || static_cast<size_t>(i) >= outputs_.size() || node_->outputs[static_cast<size_t>(i)].empty()) {
    if (missing_output_ < 0) missing_output_ = i;
    return nullptr;
  }
  return &outputs_[static_cast<size_t>(i)];
}

Status PrepareContext::check_outputs() const {
  if (missing_output_ < 0) return Status();
  return fail(Code::kInvalidModel, "the operator produces output ", missing_output_,
              " but the node does not name it (", outputs_.size(), " output(s) listed)");
}

void PrepareContext::set_output(int i, DType dtype, Dims dims) {
  OutputDecl* decl = declare(i);
  if (decl == nullptr) return;
  OutputDecl& o = *decl;
  o.set = true;
  o.kind = ValueKind::kTensor;
  o.dtype = dtype;
  o.shape = std::move(dims);
}

void PrepareContext::set_output_value(int i, Tensor value) {
  OutputDecl* decl = declare(i);
  if (decl == nullptr) return;
  OutputDecl& o = *decl;
  o.set = true;
  o.kind = ValueKind::kTensor;
  o.dtype = value.dtype();
  o.shape = value.shape();
  o.has_value = true;
  o.value = std::move(value);
}

void PrepareContext::set_output_kind(int i, ValueKind kind, DType elem) {
  OutputDecl* decl = declare(i);
  if (decl == nullptr) return;
  OutputDecl& o = *decl;
  o.set = true;
  o.kind = kind;
  o.dtype = elem;
}

static Status wrong_type(const Attribute& a, AttrType want) {
  return error(Code::kInvalidModel, "attribute '", a.name, "' has type ", attr_type_name(a.type),
               ", expected ", attr_type_name(want));
}

Status PrepareContext::attr_int(const char* name, int64_t* out, int64_t def) const {
  const Attribute* a = attr(name);
  if (a == nullptr) {
    *out = def;
    return Status();
  }
  if (a->type != AttrType::kInt) return wrong_type(*a, AttrType::kInt);
  *out = a->i;
  return Status();
}

Status PrepareContext::attr_int(const char* name, int64_t* out) const {
  const Attribute* a = attr(name);
  if (a == nullptr) return error(Code::kInvalidModel, "required attribute '", name, "' is missing");
  return attr_int(name, out, 0);
}

Status PrepareContext::attr_float(const char* name, float* out, float def) const {
  const Attribute* a = attr(name);
  if (a == nullptr) {
    *out = def;
    return Status();
  }
  if (a->type != AttrType::kFloat) return wrong_type(*a, AttrType::kFloat);
  *out = a->f;
  return Status();
}

Status PrepareContext::attr_string(const char* name, std::string* out, const std::string& def) const {
  const Attribute* a = attr(name);
  if (a == nullptr) {
    *out = def;
    return Status();
  }
  if (a->type != AttrType::kString) return wrong_type(*a, AttrType::kString);
  *out = a->s;
  return Status();
}

Status PrepareContext::attr_ints(const char* name, std::vector<int64_t>* out) const {
  const Attribute* a = attr(name);
  out->clear();
  if (a == nullptr) return Status();
  if (a->type != AttrType::kInts) return wrong_type(*a, AttrType::kInts);
  *out = a->ints;
  return Status();
}

Status PrepareContext::attr_floats(const char* name, std::vector<float>* out) const {
  const Attribute* a = attr(name);
  out->clear();
  if (a == nullptr) return Status();
  if (a->type != AttrType::kFloats) return wrong_type(*a, AttrType::kFloats);
  *out = a->floats;
  return Status();
}

Status PrepareContext::attr_strings(const char* name, std::vector<std::string>* out) const {
  const Attribute* a = attr(name);
  out->clear();
  if (a == nullptr) return Status();
  if (a->type != AttrType::kStrings) return wrong_type(*a, AttrType::kStrings);
  *out = a->strings;
  return Status();
}

Result<Subgraph*> PrepareContext::subgraph(const char* name, size_t index) const {
  const Attribute* a = attr(name);
  if (a == nullptr) return error(Code::kInvalidModel, "required graph attribute '", name, "' is missing");
  bool ok = (a->type == AttrType::kGraph && a->g && index == 0) ||
            (a->type == AttrType::kGraphs && index < a->graphs.size() && a->graphs[index]);
  if (!ok) return error(Code::kInvalidModel, "attribute '", name, "' is not a graph");
  if (subgraphs_ == nullptr) return error(Code::kInternal, "no subgraph support in this context");
  return subgraphs_->subgraph(*a, index);
}

Result<Subgraph*> PrepareContext::compile(std::shared_ptr<const Graph> graph) const {
  if (subgraphs_ == nullptr) return error(Code::kInternal, "no subgraph support in this context");
  return subgraphs_->compile(std::move(graph));
}

Status PrepareContext::unsupported_dtype(int input_index, DType dtype) const {
  return error(Code::kUnsupported, "input ", input_index, " '", input_name(input_index),
               "' has dtype ", dtype_name(dtype), ", which ", node_->op_type,
               " does not support here");
}

}  // namespace onyx
