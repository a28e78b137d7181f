// Serialises a compiled model into a .onyx blob (layout: compiled_model_format.h).
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <unordered_map>

#include "compiled_model_format.h"
#include "onyx/compiled_model.h"
#include "registry.h"

namespace onyx {

namespace {

using namespace onyxfmt;

// Accumulates the pools and tables of one blob; assemble() lays them out.
class BlobBuilder {
 public:
  Status add_model(const Model& m, const CompiledPlan& plan);
  const Model* model = nullptr;
  Result<std::vector<uint8_t>> assemble(uint64_t arena_bytes) const;

 private:
  Status fits(size_t n, const char* what) const {
    if (n >= kNoIndex) return error(Code::kResourceExhausted, "the model has too many ", what, " for the .onyx format");
    return Status();
  }
  Result<StrRef> str(const std::string& s);
  Result<uint32_t> i64s(const std::vector<int64_t>& v);
  Result<uint32_t> idx(const std::vector<uint32_t>& v);
  Result<uint32_t> type(const TypeInfo& t);
  Result<uint32_t> tensor(const Tensor& t, const std::string& name);
  Status attr(const Attribute& a);
  Result<uint32_t> graph_ref(const std::shared_ptr<Graph>& g);
  Status graph(uint32_t index, const Graph& g, const CompiledPlan* plan);

  std::string strings_;
  std::unordered_map<std::string, StrRef> string_ids_;
  std::vector<int64_t> i64_;
  std::vector<float> f32_;
  std::vector<uint32_t> idx_;
  std::vector<TypeRecord> types_;
  std::vector<TensorRecord> tensors_;
  std::vector<AttrRecord> attrs_;
  std::vector<NodeRecord> nodes_;
  std::vector<ValueRecord> values_;
  std::vector<GraphRecord> graphs_;
  std::vector<const Graph*> pending_;  // graphs_[i] is pending_[i] until encoded
  ModelRecord model_{};
  std::vector<OpsetRecord> opsets_;
  std::vector<uint8_t> weights_;
};

Result<StrRef> BlobBuilder::str(const std::string& s) {
  auto it = string_ids_.find(s);
  if (it != string_ids_.end()) return it->second;
  if (s.size() > std::numeric_limits<uint32_t>::max() ||
      strings_.size() > std::numeric_limits<uint32_t>::max() - s.size()) {
    return error(Code::kResourceExhausted, "the model's strings exceed the .onyx format's 4 GiB string pool");
  }
  StrRef r{static_cast<uint32_t>(strings_.size()), static_cast<uint32_t>(s.size())};
  strings_ += s;
  string_ids_.emplace(s, r);
  return r;
}

Result<uint32_t> BlobBuilder::i64s(const std::vector<int64_t>& v) {
  ONYX_TRY(fits(i64_.size() + v.size(), "integers"));
  auto first = static_cast<uint32_t>(i64_.size());
  i64_.insert(i64_.end(), v.begin(), v.end());
  return first;
}

Result<uint32_t> BlobBuilder::idx(const std::vector<uint32_t>& v) {
  ONYX_TRY(fits(idx_.size() + v.size(), "references"));
  auto first = static_cast<uint32_t>(idx_.size());
  idx_.insert(idx_.end(), v.begin(), v.end());
  return first;
}

Result<uint32_t> BlobBuilder::type(const TypeInfo& t) {
  TypeRecord r{};
  r.inner = kNoIndex;
  if (t.inner) {  // inner types first: a type only refers to earlier ones
    Result<uint32_t> in = type(*t.inner);
    if (!in.ok()) return in.status();
    r.inner = *in;
  }
  r.kind = static_cast<uint8_t>(t.kind);
  r.has_shape = t.has_shape ? 1 : 0;
  r.elem = static_cast<int32_t>(t.elem);
  r.map_key = static_cast<int32_t>(t.map_key);
  std::vector<int64_t> dims;
  for (const Dim& d : t.shape) dims.push_back(d.fixed() ? d.value : -1);
  r.rank = static_cast<uint32_t>(dims.size());
  Result<uint32_t> first = i64s(dims);
  if (!first.ok()) return first.status();
  r.dims = *first;
  ONYX_TRY(fits(types_.size(), "types"));
  types_.push_back(r);
  return static_cast<uint32_t>(types_.size() - 1);
}

Result<uint32_t> BlobBuilder::tensor(const Tensor& t, const std::string& name) {
  if (!t.defined()) return error(Code::kInvalidArgument, "tensor '", name, "' has no dtype");
  TensorRecord r{};
  r.dtype = static_cast<int32_t>(t.dtype());
  r.rank = static_cast<uint32_t>(t.rank());
  Result<uint32_t> dims = i64s(t.shape());
  if (!dims.ok()) return dims.status();
  r.dims = *dims;
  Result<StrRef> n = str(name);
  if (!n.ok()) return n.status();
  r.name = *n;
  if (t.dtype() == DType::kString) {
    std::vector<uint32_t> refs;
    for (int64_t i = 0; i < t.numel(); ++i) {
      Result<StrRef> s = str(t.data_as<std::string>()[i]);
      if (!s.ok()) return s.status();
      refs.push_back(s->offset);
      refs.push_back(s->size);
    }
    Result<uint32_t> first = idx(refs);
    if (!first.ok()) return first.status();
    r.data_offset = *first;
    r.data_bytes = static_cast<uint64_t>(t.numel());
  } else {
    size_t at = (weights_.size() + kCompiledAlignment - 1) / kCompiledAlignment * kCompiledAlignment;
    weights_.resize(at + t.nbytes(), 0);
    if (t.nbytes() != 0) std::memcpy(weights_.data() + at, t.data(), t.nbytes());
    r.data_offset = at;
    r.data_bytes = t.nbytes();
  }
  ONYX_TRY(fits(tensors_.size(), "tensors"));
  tensors_.push_back(r);
  return static_cast<uint32_t>(tensors_.size() - 1);
}

Result<uint32_t> BlobBuilder::graph_ref(const std::shared_ptr<Graph>& g) {
  if (!g) return error(Code::kInvalidArgument, "a GRAPH attribute has no graph");
  ONYX_TRY(fits(graphs_.size(), "graphs"));
  graphs_.push_back(GraphRecord{});
  pending_.push_back(g.get());
  return static_cast<uint32_t>(graphs_.size() - 1);
}

Status BlobBuilder::attr(const Attribute& a) {
  AttrRecord r{};
  Result<StrRef> name = str(a.name);
  if (!name.ok()) return name.status();
  r.name = *name;
  r.type = static_cast<uint32_t>(a.type);
  auto set_list = [&](Result<uint32_t> first, size_t count) -> Status {
    if (!first.ok()) return first.status();
    ONYX_TRY(fits(count, "list elements"));
    r.payload = *first;
    r.count = static_cast<uint32_t>(count);
    return Status();
  };
  switch (a.type) {
    case AttrType::kInt:
      r.payload = static_cast<uint64_t>(a.i);
      break;
    case AttrType::kFloat: {
      uint32_t bits = 0;
      std::memcpy(&bits, &a.f, sizeof(bits));
      r.payload = bits;
      break;
    }
    case AttrType::kString: {
      Result<StrRef> s = str(a.s);
      if (!s.ok()) return s.status();
      r.payload = s->offset | (static_cast<uint64_t>(s->size) << 32);
      break;
    }
    case AttrType::kTensor:
    case AttrType::kSparseTensor: {
      Result<uint32_t> t = tensor(a.t, a.name);
      if (!t.ok()) return t.status().with_context("attribute '" + a.name + "'");
      r.payload = *t;
      break;
    }
    case AttrType::kGraph: {
      Result<uint32_t> g = graph_ref(a.g);
      if (!g.ok()) return g.status();
      r.payload = *g;
      break;
    }
    case AttrType::kTypeProto: {
      if (a.types.empty() || !a.types[0]) return error(Code::kInvalidArgument, "attribute '", a.name, "' has no type");
      Result<uint32_t> t = type(*a.types[0]);
      if (!t.ok()) return t.status();
      r.payload = *t;
      break;
    }
    case AttrType::kInts:
      ONYX_TRY(set_list(i64s(a.ints), a.ints.size()));
      break;
    case AttrType::kFloats: {
      ONYX_TRY(fits(f32_.size() + a.floats.size(), "floats"));
      auto first = static_cast<uint32_t>(f32_.size());
      f32_.insert(f32_.end(), a.floats.begin(), a.floats.end());
      ONYX_TRY(set_list(first, a.floats.size()));
      break;
    }
    case AttrType::kStrings: {
      std::vector<uint32_t> refs;
      for (const std::string& s : a.strings) {
        Result<StrRef> sr = str(s);
        if (!sr.ok()) return sr.status();
        refs.push_back(sr->offset);
        refs.push_back(sr->size);
      }
      ONYX_TRY(set_list(idx(refs), a.strings.size()));
      break;
    }
    case AttrType::kTensors:
    case AttrType::kSparseTensors: {
      std::vector<uint32_t> ids;
      for (const Tensor& t : a.tensors) {
        Result<uint32_t> id = tensor(t, a.name);
        if (!id.ok()) return id.status().with_context("attribute '" + a.name + "'");
        ids.push_back(*id);
      }
      ONYX_TRY(set_list(idx(ids), ids.size()));
      break;
    }
    case AttrType::kGraphs: {
      std::vector<uint32_t> ids;
      for (const auto& g : a.graphs) {
        Result<uint32_t> id = graph_ref(g);
        if (!id.ok()) return id.status();
        ids.push_back(*id);
      }
      ONYX_TRY(set_list(idx(ids), ids.size()));
      break;
    }
    case AttrType::kTypeProtos: {
      std::vector<uint32_t> ids;
      for (const auto& t : a.types) {
        if (!t) return error(Code::kInvalidArgument, "attribute '", a.name, "' has a null type");
        Result<uint32_t> id = type(*t);
        if (!id.ok()) return id.status();
        ids.push_back(*id);
      }
      ONYX_TRY(set_list(idx(ids), ids.size()));
      break;
    }
    case AttrType::kUndefined:
      return error(Code::kInvalidArgument, "attribute '", a.name, "' has no type");
  }
  ONYX_TRY(fits(attrs_.size(), "attributes"));
  attrs_.push_back(r);
  return Status();
}

// Encodes graph `g` as graphs_[index]. The plan (main graph only) gives each value's placement.
Status BlobBuilder::graph(uint32_t index, const Graph& g, const CompiledPlan* plan) {
  GraphRecord gr{};
  Result<StrRef> gname = str(g.name);
  if (!gname.ok()) return gname.status();
  gr.name = *gname;

  // The value table: every name the graph declares, defines or reads, each once.
  std::vector<std::string> names;
  std::unordered_map<std::string, uint32_t> id_of;
  auto add_name = [&](const std::string& n) {
    if (n.empty() || id_of.count(n) != 0) return;
    id_of.emplace(n, static_cast<uint32_t>(names.size()));
    names.push_back(n);
  };
  for (const ValueInfo& vi : g.inputs) add_name(vi.name);
  for (const NamedTensor& t : g.initializers) add_name(t.name);
  for (const Node& n : g.nodes) {
    for (const std::string& s : n.inputs) add_name(s);
    for (const std::string& s : n.outputs) add_name(s);
  }
  for (const ValueInfo& vi : g.outputs) add_name(vi.name);
  for (const ValueInfo& vi : g.value_info) add_name(vi.name);

  std::unordered_map<std::string, const TypeInfo*> declared;
  for (const ValueInfo& vi : g.value_info) declared[vi.name] = &vi.type;
  for (const ValueInfo& vi : g.outputs) declared[vi.name] = &vi.type;
  for (const ValueInfo& vi : g.inputs) declared[vi.name] = &vi.type;
  std::set<std::string> in_value_info;
  for (const ValueInfo& vi : g.value_info) in_value_info.insert(vi.name);
  std::unordered_map<std::string, const NamedTensor*> inits;
  for (const NamedTensor& t : g.initializers) {
    if (inits.count(t.name) != 0) return error(Code::kInvalidArgument, "initializer '", t.name, "' is defined twice");
    inits[t.name] = &t;
  }
  std::unordered_map<std::string, const PlannedValue*> placed;
  if (plan != nullptr) {
    for (const PlannedValue& p : plan->values) placed[p.name] = &p;
  }

  ONYX_TRY(fits(values_.size() + names.size(), "values"));
  gr.values = static_cast<uint32_t>(values_.size());
  gr.num_values = static_cast<uint32_t>(names.size());
  for (const std::string& n : names) {
    ValueRecord v{};
    Result<StrRef> sr = str(n);
    if (!sr.ok()) return sr.status();
    v.name = *sr;
    v.type = kNoIndex;
    v.tensor = kNoIndex;
    v.placement = static_cast<uint8_t>(Placement::kUnplanned);
    auto d = declared.find(n);
    if (d != declared.end()) {
      Result<uint32_t> t = type(*d->second);
      if (!t.ok()) return t.status();
      v.type = *t;
    }
    if (in_value_info.count(n) != 0) v.flags |= kValueInfo;
    auto it = inits.find(n);
    if (it != inits.end()) {
      Result<uint32_t> t = tensor(it->second->tensor, n);
      if (!t.ok()) return t.status().with_context("initializer '" + n + "'");
      v.tensor = *t;
    }
    auto p = placed.find(n);
    if (p != placed.end()) {
      v.placement = static_cast<uint8_t>(p->second->placement);
      v.arena_offset = p->second->arena_offset;
      v.bytes = p->second->bytes;
    }
    values_.push_back(v);
  }

  auto ids_of = [&](const std::vector<std::string>& list) {
    std::vector<uint32_t> ids;
    for (const std::string& s : list) ids.push_back(s.empty() ? kNoIndex : id_of.at(s));
    return ids;
  };
  std::vector<std::string> in_names, out_names;
  for (const ValueInfo& vi : g.inputs) in_names.push_back(vi.name);
  for (const ValueInfo& vi : g.outputs) out_names.push_back(vi.name);
  Result<uint32_t> ins = idx(ids_of(in_names));
  Result<uint32_t> outs = idx(ids_of(out_names));
  if (!ins.ok()) return ins.status();
  if (!outs.ok()) return outs.status();
  gr.inputs = *ins;
  gr.num_inputs = static_cast<uint32_t>(in_names.size());
  gr.outputs = *outs;
  gr.num_outputs = static_cast<uint32_t>(out_names.size());

  ONYX_TRY(fits(nodes_.size() + g.nodes.size(), "nodes"));
  gr.nodes = static_cast<uint32_t>(nodes_.size());
  gr.num_nodes = static_cast<uint32_t>(g.nodes.size());
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    NodeRecord r{};
    Result<StrRef> a = str(n.name), b = str(n.op_type), c = str(n.domain);
    if (!a.ok()) return a.status();
    if (!b.ok()) return b.status();
    if (!c.ok()) return c.status();
    r.name = *a;
    r.op_type = *b;
    r.domain = *c;
    // The kernel's identity: the schema version in effect for the model's opset.
    Result<OpMatch> op = find_op(n.domain, n.op_type, model->opset(n.domain));
    r.since_version = op.ok() ? static_cast<uint32_t>(op->since_version) : 0;
    Result<uint32_t> ni = idx(ids_of(n.inputs));
    Result<uint32_t> no = idx(ids_of(n.outputs));
    if (!ni.ok()) return ni.status();
    if (!no.ok()) return no.status();
    r.inputs = *ni;
    r.num_inputs = static_cast<uint32_t>(n.inputs.size());
    r.outputs = *no;
    r.num_outputs = static_cast<uint32_t>(n.outputs.size());
    r.attrs = static_cast<uint32_t>(attrs_.size());
    r.num_attrs = static_cast<uint32_t>(n.attrs.size());
    for (const Attribute& at : n.attrs) ONYX_TRY(attr(at).with_context(n.describe(k)));
    nodes_.push_back(r);
  }
  graphs_[index] = gr;
  return Status();
}

Status BlobBuilder::add_model(const Model& m, const CompiledPlan& plan) {
  model = &m;
  model_.ir_version = m.ir_version;
  model_.model_version = m.model_version;
  Result<StrRef> a = str(m.producer_name), b = str(m.producer_version), c = str(m.domain);
  if (!a.ok()) return a.status();
  if (!b.ok()) return b.status();
  if (!c.ok()) return c.status();
  model_.producer_name = *a;
  model_.producer_version = *b;
  model_.domain = *c;
  for (const OpsetImport& o : m.opsets) {
    Result<StrRef> d = str(o.domain);
    if (!d.ok()) return d.status();
    opsets_.push_back(OpsetRecord{*d, o.version});
  }
  graphs_.push_back(GraphRecord{});
  pending_.push_back(&m.graph);
  // Breadth first: a subgraph gets an index when first referenced, so it always comes after
  // the graph that holds it.
  for (size_t i = 0; i < graphs_.size(); ++i) {
    ONYX_TRY(graph(static_cast<uint32_t>(i), *pending_[i], i == 0 ? &plan : nullptr));
  }
  return Status();
}

Result<std::vector<uint8_t>> BlobBuilder::assemble(uint64_t arena_bytes) const {
  struct Part {
    SectionKind kind;
    const void* data;
    size_t size;
    size_t align;
  };
  const Part parts[] = {
      {SectionKind::kModel, &model_, sizeof(model_), kSectionAlignment},
      {SectionKind::kOpsets, opsets_.data(), opsets_.size() * sizeof(OpsetRecord), kSectionAlignment},
      {SectionKind::kGraphs, graphs_.data(), graphs_.size() * sizeof(GraphRecord), kSectionAlignment},
      {SectionKind::kNodes, nodes_.data(), nodes_.size() * sizeof(NodeRecord), kSectionAlignment},
      {SectionKind::kAttributes, attrs_.data(), attrs_.size() * sizeof(AttrRecord), kSectionAlignment},
      {SectionKind::kValues, values_.data(), values_.size() * sizeof(ValueRecord), kSectionAlignment},
      {SectionKind::kTypes, types_.data(), types_.size() * sizeof(TypeRecord), kSectionAlignment},
      {SectionKind::kTensors, tensors_.data(), tensors_.size() * sizeof(TensorRecord), kSectionAlignment},
      {SectionKind::kIndices, idx_.data(), idx_.size() * sizeof(uint32_t), kSectionAlignment},
      {SectionKind::kInt64s, i64_.data(), i64_.size() * sizeof(int64_t), kSectionAlignment},
      {SectionKind::kFloat32s, f32_.data(), f32_.size() * sizeof(float), kSectionAlignment},
      {SectionKind::kStrings, strings_.data(), strings_.size(), kSectionAlignment},
      {SectionKind::kWeights, weights_.data(), weights_.size(), kCompiledAlignment},
  };
  constexpr size_t kParts = sizeof(parts) / sizeof(parts[0]);
  static_assert(kParts == kSectionKinds);

  Header h{};
  std::memcpy(h.magic, kCompiledMagic, sizeof(h.magic));
  h.version = kCompiledFormatVersion;
  h.header_bytes = sizeof(Header);
  h.section_count = static_cast<uint32_t>(kParts);
  h.arena_bytes = arena_bytes;
  h.sections_offset = sizeof(Header);
  SectionEntry table[kParts];
  size_t at = sizeof(Header) + sizeof(table);
  for (size_t i = 0; i < kParts; ++i) {
    at = (at + parts[i].align - 1) / parts[i].align * parts[i].align;
    table[i] = SectionEntry{static_cast<uint32_t>(parts[i].kind), 0, at, parts[i].size};
    at += parts[i].size;
  }
  h.total_bytes = at;
  std::vector<uint8_t> out(at, 0);
  for (size_t i = 0; i < kParts; ++i) {
    if (parts[i].size != 0) std::memcpy(out.data() + table[i].offset, parts[i].data, parts[i].size);
  }
  std::memcpy(out.data() + sizeof(Header), table, sizeof(table));
  std::memcpy(out.data(), &h, sizeof(h));
  h.crc32 = blob_crc32(out.data(), out.size());
  std::memcpy(out.data(), &h, sizeof(h));
  return out;
}

}  // namespace

Result<std::vector<uint8_t>> encode_compiled_model(const Model& compiled, const CompiledPlan& plan) {
  BlobBuilder b;
  ONYX_TRY(b.add_model(compiled, plan));
  return b.assemble(plan.arena_bytes);
}

}  // namespace onyx
