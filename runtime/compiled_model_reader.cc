// Reads a .onyx blob back into the graph IR (layout: compiled_model_format.h). The blob is
// untrusted: every offset, index and count is checked before it is followed, nothing recurses
// on blob data, and what decoding copies out of it is bounded by a multiple of its size.
#include <algorithm>
#include <cstring>
#include <limits>

#include "compiled_model_format.h"
#include "onyx/compiled_model.h"
#include "registry.h"

namespace onyx {

namespace {

using namespace onyxfmt;

constexpr uint32_t kMaxRank = 64;
// Deepest nesting of subgraphs and of sequence/optional types.
constexpr int kMaxNesting = 32;

template <class T>
struct Table {
  const uint8_t* data = nullptr;
  size_t count = 0;
  T operator[](size_t i) const {
    T r;
    std::memcpy(&r, data + i * sizeof(T), sizeof(T));
    return r;
  }
};

class BlobReader {
 public:
  BlobReader(const uint8_t* base, size_t size, const DecodeOptions& options)
      : base_(base), size_(size), options_(options) {
    // Strings (and, with copy_weights, tensor data) are copied out of the blob once per
    // reference, and a hostile blob may reference one item many times: this caps the total.
    copy_budget_ = size > (std::numeric_limits<uint64_t>::max() >> 7) ? std::numeric_limits<uint64_t>::max()
                                                                        : uint64_t{64} * size + (uint64_t{1} << 20);
  }
  Status parse();
  Result<CompiledModel> decode();

 private:
  template <class... Args>
  Status bad(const Args&... args) const {
    return error(Code::kInvalidModel, options_.source, ": corrupt .onyx blob: ", args...);
  }
  template <class T>
  Status table(SectionKind kind, Table<T>* out) const {
    const SectionEntry& e = sections_[static_cast<uint32_t>(kind) - 1];
    if (e.size % sizeof(T) != 0) return bad("section ", static_cast<uint32_t>(kind), " has ", e.size, " bytes, not a multiple of ", sizeof(T));
    out->data = base_ + e.offset;
    out->count = static_cast<size_t>(e.size / sizeof(T));
    return Status();
  }
  Status range(uint64_t first, uint64_t count, size_t pool, const char* what) const {
    if (first > pool || count > pool - first) return bad(what, " [", first, ", +", count, ") is outside its pool of ", pool);
    return Status();
  }
  Result<std::string> string(StrRef r);
  // Charges `bytes` copied out of the blob against the budget.
  Status spend(uint64_t bytes) {
    if (bytes > copy_budget_) return bad("its references expand to more than ", copy_budget_, " bytes of copies");
    copy_budget_ -= bytes;
    return Status();
  }
  Result<Dims> dims(uint32_t first, uint32_t rank, bool allow_unknown) const;
  Status decode_types();
  Result<Tensor> tensor(uint32_t index);
  Status attribute(const AttrRecord& r, uint32_t graph_index, const std::vector<std::shared_ptr<Graph>>& graphs,
                   Attribute* out, std::vector<size_t>* children);
  Status graph(uint32_t index, const std::vector<std::shared_ptr<Graph>>& graphs, Graph* out,
               std::vector<size_t>* children);
  Result<TypeInfo> type_at(uint32_t index) const {
    if (index >= types_.size()) return bad("type index ", index, " out of ", types_.size());
    return types_[index];
  }

  const uint8_t* base_;
  size_t size_;
  DecodeOptions options_;
  uint64_t copy_budget_ = 0;
  Header header_{};
  SectionEntry sections_[kSectionKinds]{};
  std::string_view strings_;
  Table<int64_t> i64_;
  Table<float> f32_;
  Table<uint32_t> idx_;
  Table<TypeRecord> type_records_;
  Table<TensorRecord> tensors_;
  Table<AttrRecord> attrs_;
  Table<NodeRecord> nodes_;
  Table<ValueRecord> values_;
  Table<GraphRecord> graphs_;
  Table<OpsetRecord> opsets_;
  const uint8_t* weights_ = nullptr;
  size_t weights_size_ = 0;
  std::vector<TypeInfo> types_;
  const Model* model_ = nullptr;  // for the opsets when checking kernels
};

Status BlobReader::parse() {
  if (size_ < sizeof(Header)) return bad("it has ", size_, " bytes, less than the ", sizeof(Header), "-byte header");
  std::memcpy(&header_, base_, sizeof(Header));
  if (std::memcmp(header_.magic, kCompiledMagic, sizeof(kCompiledMagic)) != 0) {
    return error(Code::kInvalidModel, options_.source, ": not a .onyx compiled model (bad magic)");
  }
  if (header_.version != kCompiledFormatVersion) {
    return error(Code::kUnsupported, options_.source, ": .onyx format version ", header_.version,
                 " (this build reads version ", kCompiledFormatVersion, ")");
  }
  if (header_.header_bytes != sizeof(Header)) return bad("header size ", header_.header_bytes);
  bool reserved_set = header_.flags != 0;
  for (uint32_t r : header_.reserved) reserved_set |= r != 0;
  if (reserved_set) return bad("reserved header fields are set");
  if (header_.total_bytes != size_) return bad("the header says ", header_.total_bytes, " bytes but there are ", size_);
  if (header_.section_count != kSectionKinds) return bad(header_.section_count, " sections, expected ", kSectionKinds);
  const uint64_t table_end = uint64_t{header_.sections_offset} + uint64_t{kSectionKinds} * sizeof(SectionEntry);
  if (header_.sections_offset < sizeof(Header) || table_end > size_) return bad("section table outside the blob");
  if (options_.verify_checksum) {
    uint32_t crc = blob_crc32(base_, size_);
    if (crc != header_.crc32) return bad("checksum mismatch (stored ", header_.crc32, ", computed ", crc, ")");
  }
  uint32_t seen = 0;
  for (uint32_t i = 0; i < kSectionKinds; ++i) {
    SectionEntry e;
    std::memcpy(&e, base_ + header_.sections_offset + i * sizeof(SectionEntry), sizeof(e));
    if (e.kind < 1 || e.kind > kSectionKinds) return bad("unknown section kind ", e.kind);
    if ((seen & (1u << e.kind)) != 0) return bad("section kind ", e.kind, " appears twice");
    seen |= 1u << e.kind;
    const uint64_t align = e.kind == static_cast<uint32_t>(SectionKind::kWeights) ? kCompiledAlignment : kSectionAlignment;
    if (e.offset < table_end || e.offset > size_ || e.size > size_ - e.offset || e.offset % align != 0) {
      return bad("section ", e.kind, " [", e.offset, ", +", e.size, ") is outside the blob or misaligned");
    }
    sections_[e.kind - 1] = e;
  }
  const SectionEntry& s = sections_[static_cast<uint32_t>(SectionKind::kStrings) - 1];
  strings_ = std::string_view(reinterpret_cast<const char*>(base_ + s.offset), static_cast<size_t>(s.size));
  const SectionEntry& w = sections_[static_cast<uint32_t>(SectionKind::kWeights) - 1];
  weights_ = base_ + w.offset;
  weights_size_ = static_cast<size_t>(w.size);
  ONYX_TRY(table(SectionKind::kInt64s, &i64_));
  ONYX_TRY(table(SectionKind::kFloat32s, &f32_));
  ONYX_TRY(table(SectionKind::kIndices, &idx_));
  ONYX_TRY(table(SectionKind::kTypes, &type_records_));
  ONYX_TRY(table(SectionKind::kTensors, &tensors_));
  ONYX_TRY(table(SectionKind::kAttributes, &attrs_));
  ONYX_TRY(table(SectionKind::kNodes, &nodes_));
  ONYX_TRY(table(SectionKind::kValues, &values_));
  ONYX_TRY(table(SectionKind::kGraphs, &graphs_));
  ONYX_TRY(table(SectionKind::kOpsets, &opsets_));
  Table<ModelRecord> model;
  ONYX_TRY(table(SectionKind::kModel, &model));
  if (model.count != 1) return bad("expected one model record, found ", model.count);
  if (graphs_.count == 0) return bad("no graph");
  return Status();
}

Result<std::string> BlobReader::string(StrRef r) {
  if (r.offset > strings_.size() || r.size > strings_.size() - r.offset) {
    return bad("string [", r.offset, ", +", r.size, ") is outside the string pool of ", strings_.size());
  }
  ONYX_TRY(spend(r.size));
  return std::string(strings_.substr(r.offset, r.size));
}

Result<Dims> BlobReader::dims(uint32_t first, uint32_t rank, bool allow_unknown) const {
  if (rank > kMaxRank) return bad("rank ", rank, " over the limit of ", kMaxRank);
  ONYX_TRY(range(first, rank, i64_.count, "dims"));
  Dims d(rank);
  for (uint32_t i = 0; i < rank; ++i) {
    d[i] = i64_[first + i];
    if (d[i] < (allow_unknown ? -1 : 0)) return bad("negative dim ", d[i]);
  }
  return d;
}

Status BlobReader::decode_types() {
  types_.reserve(type_records_.count);
  std::vector<int> depth(type_records_.count, 1);
  for (size_t i = 0; i < type_records_.count; ++i) {
    TypeRecord r = type_records_[i];
    TypeInfo t;
    if (r.kind > static_cast<uint8_t>(TypeInfo::Kind::kSparseTensor)) return bad("type ", i, " has kind ", r.kind);
    t.kind = static_cast<TypeInfo::Kind>(r.kind);
    auto valid = [](int32_t d) { return d == 0 || dtype_valid(d); };  // 0: undefined (unknown)
    if (!valid(r.elem) || !valid(r.map_key)) return bad("type ", i, " has an invalid dtype");
    t.elem = static_cast<DType>(r.elem);
    t.map_key = static_cast<DType>(r.map_key);
    t.has_shape = r.has_shape != 0;
    if (!t.has_shape && r.rank != 0) return bad("type ", i, " has dims but no shape");
    Result<Dims> d = dims(r.dims, r.rank, true);
    if (!d.ok()) return d.status();
    for (int64_t v : *d) {
      Dim dim;
      dim.value = v;
      t.shape.push_back(dim);
    }
    if (r.inner != kNoIndex) {
      // Types refer only to earlier ones, so there are no cycles; nesting is bounded.
      if (r.inner >= i) return bad("type ", i, " refers to type ", r.inner, " (not an earlier one)");
      depth[i] = depth[r.inner] + 1;
      if (depth[i] > kMaxNesting) return bad("types nested more than ", kMaxNesting, " deep");
      t.inner = std::make_shared<TypeInfo>(types_[r.inner]);
    }
    types_.push_back(std::move(t));
  }
  return Status();
}

Result<Tensor> BlobReader::tensor(uint32_t index) {
  if (index >= tensors_.count) return bad("tensor index ", index, " out of ", tensors_.count);
  TensorRecord r = tensors_[index];
  if (!dtype_valid(r.dtype) || r.dtype == static_cast<int32_t>(DType::kUndefined)) {
    return bad("tensor ", index, " has invalid dtype ", r.dtype);
  }
  if (r.layout != 0) {
    return error(Code::kUnsupported, options_.source, ": tensor ", index, " has weight layout ", r.layout,
                 ", which this build does not know");
  }
  const auto dtype = static_cast<DType>(r.dtype);
  Result<Dims> d = dims(r.dims, r.rank, false);
  if (!d.ok()) return d.status();
  Result<int64_t> n = checked_numel(*d);
  if (!n.ok()) return bad("tensor ", index, ": ", n.status().message());
  const auto count = static_cast<uint64_t>(*n);
  if (dtype == DType::kString) {
    if (r.data_bytes != count) return bad("string tensor ", index, " has ", r.data_bytes, " elements for ", count);
    if (count > idx_.count / 2) return bad("string tensor ", index, " is bigger than the index pool");
    ONYX_TRY(range(r.data_offset, 2 * count, idx_.count, "string tensor elements"));
    ONYX_TRY(spend(count * sizeof(std::string)));
    Result<Tensor> t = Tensor::make(DType::kString, *d);
    if (!t.ok()) return t.status();
    for (uint64_t i = 0; i < count; ++i) {
      StrRef s{idx_[static_cast<size_t>(r.data_offset + 2 * i)], idx_[static_cast<size_t>(r.data_offset + 2 * i + 1)]};
      Result<std::string> v = string(s);
      if (!v.ok()) return v.status();
      t->data_as<std::string>()[i] = std::move(*v);
    }
    return t;
  }
  const uint64_t elem = dtype_size(dtype);
  if (count > std::numeric_limits<uint64_t>::max() / elem || r.data_bytes != count * elem) {
    return bad("tensor ", index, " has ", r.data_bytes, " bytes but shape ", shape_str(*d), " of ",
               dtype_name(dtype), " needs ", count, " elements");
  }
  if (r.data_offset % kCompiledAlignment != 0 || r.data_offset > weights_size_ ||
      r.data_bytes > weights_size_ - r.data_offset) {
    return bad("tensor ", index, " data [", r.data_offset, ", +", r.data_bytes, ") is outside the weights or misaligned");
  }
  const uint8_t* src = weights_ + r.data_offset;
  if (options_.copy_weights) {
    ONYX_TRY(spend(r.data_bytes));
    Result<Tensor> t = Tensor::make(dtype, *d);
    if (!t.ok()) return t.status();
    if (r.data_bytes != 0) std::memcpy(t->data(), src, static_cast<size_t>(r.data_bytes));
    return t;
  }
  // Zero copy: kernels never write to their inputs, so a view of read-only memory is safe.
  return Tensor::view(dtype, *d, const_cast<uint8_t*>(src));
}

Status BlobReader::attribute(const AttrRecord& r, uint32_t graph_index, const std::vector<std::shared_ptr<Graph>>& graphs,
                             Attribute* a, std::vector<size_t>* children) {
  Result<std::string> name = string(r.name);
  if (!name.ok()) return name.status();
  a->name = std::move(*name);
  if (r.type < 1 || r.type > static_cast<uint32_t>(AttrType::kTypeProtos)) return bad("attribute '", a->name, "' has type ", r.type);
  a->type = static_cast<AttrType>(r.type);
  auto graph_at = [&](uint64_t g) -> Result<std::shared_ptr<Graph>> {
    // Subgraphs come after the graph holding them: no cycles, and they are decoded already.
    if (g <= graph_index || g >= graphs.size() || !graphs[g]) {
      return bad("attribute '", a->name, "' refers to graph ", g, " from graph ", graph_index);
    }
    children->push_back(static_cast<size_t>(g));
    return graphs[static_cast<size_t>(g)];
  };
  auto need_list = [&](size_t pool, uint64_t per_item) -> Status {
    return range(r.payload, uint64_t{r.count} * per_item, pool, "attribute list");
  };
  switch (a->type) {
    case AttrType::kInt:
      a->i = static_cast<int64_t>(r.payload);
      break;
    case AttrType::kFloat: {
      auto bits = static_cast<uint32_t>(r.payload);
      std::memcpy(&a->f, &bits, sizeof(bits));
      break;
    }
    case AttrType::kString: {
      Result<std::string> s = string(StrRef{static_cast<uint32_t>(r.payload), static_cast<uint32_t>(r.payload >> 32)});
      if (!s.ok()) return s.status();
      a->s = std::move(*s);
      break;
    }
    case AttrType::kTensor:
    case AttrType::kSparseTensor: {
      if (r.payload >= kNoIndex) return bad("attribute '", a->name, "' tensor index ", r.payload);
      Result<Tensor> t = tensor(static_cast<uint32_t>(r.payload));
      if (!t.ok()) return t.status();
      a->t = std::move(*t);
      break;
    }
    case AttrType::kGraph: {
      Result<std::shared_ptr<Graph>> g = graph_at(r.payload);
      if (!g.ok()) return g.status();
      a->g = *g;
      break;
    }
    case AttrType::kTypeProto: {
      if (r.payload >= kNoIndex) return bad("attribute '", a->name, "' type index ", r.payload);
      Result<TypeInfo> t = type_at(static_cast<uint32_t>(r.payload));
      if (!t.ok()) return t.status();
      a->types.push_back(std::make_shared<TypeInfo>(std::move(*t)));
      break;
    }
    case AttrType::kInts:
      ONYX_TRY(need_list(i64_.count, 1));
      for (uint32_t k = 0; k < r.count; ++k) a->ints.push_back(i64_[static_cast<size_t>(r.payload) + k]);
      break;
    case AttrType::kFloats:
      ONYX_TRY(need_list(f32_.count, 1));
      for (uint32_t k = 0; k < r.count; ++k) a->floats.push_back(f32_[static_cast<size_t>(r.payload) + k]);
      break;
    case AttrType::kStrings:
      ONYX_TRY(need_list(idx_.count, 2));
      for (uint32_t k = 0; k < r.count; ++k) {
        size_t at = static_cast<size_t>(r.payload) + 2 * size_t{k};
        Result<std::string> s = string(StrRef{idx_[at], idx_[at + 1]});
        if (!s.ok()) return s.status();
        a->strings.push_back(std::move(*s));
      }
      break;
    case AttrType::kTensors:
    case AttrType::kSparseTensors:
      ONYX_TRY(need_list(idx_.count, 1));
      for (uint32_t k = 0; k < r.count; ++k) {
        Result<Tensor> t = tensor(idx_[static_cast<size_t>(r.payload) + k]);
        if (!t.ok()) return t.status();
        a->tensors.push_back(std::move(*t));
      }
      break;
    case AttrType::kGraphs:
      ONYX_TRY(need_list(idx_.count, 1));
      for (uint32_t k = 0; k < r.count; ++k) {
        Result<std::shared_ptr<Graph>> g = graph_at(idx_[static_cast<size_t>(r.payload) + k]);
        if (!g.ok()) return g.status();
        a->graphs.push_back(*g);
      }
      break;
    case AttrType::kTypeProtos:
      ONYX_TRY(need_list(idx_.count, 1));
      for (uint32_t k = 0; k < r.count; ++k) {
        Result<TypeInfo> t = type_at(idx_[static_cast<size_t>(r.payload) + k]);
        if (!t.ok()) return t.status();
        a->types.push_back(std::make_shared<TypeInfo>(std::move(*t)));
      }
      break;
    case AttrType::kUndefined:
      return bad("attribute '", a->name, "' has no type");
  }
  return Status();
}

Status BlobReader::graph(uint32_t index, const std::vector<std::shared_ptr<Graph>>& graphs, Graph* g,
                         std::vector<size_t>* children) {
  GraphRecord r = graphs_[index];
  Result<std::string> gname = string(r.name);
  if (!gname.ok()) return gname.status();
  g->name = std::move(*gname);
  ONYX_TRY(range(r.values, r.num_values, values_.count, "graph values"));
  ONYX_TRY(range(r.nodes, r.num_nodes, nodes_.count, "graph nodes"));
  ONYX_TRY(range(r.inputs, r.num_inputs, idx_.count, "graph inputs"));
  ONYX_TRY(range(r.outputs, r.num_outputs, idx_.count, "graph outputs"));

  std::vector<std::string> names(r.num_values);
  std::vector<ValueRecord> records(r.num_values);
  for (uint32_t i = 0; i < r.num_values; ++i) {
    records[i] = values_[size_t{r.values} + i];
    Result<std::string> n = string(records[i].name);
    if (!n.ok()) return n.status();
    if (n->empty()) return bad("graph ", index, " has a value with an empty name");
    names[i] = std::move(*n);
  }
  auto value_info = [&](uint32_t id) -> Result<ValueInfo> {
    if (id >= r.num_values) return bad("graph ", index, " value id ", id, " out of ", r.num_values);
    ValueInfo vi;
    vi.name = names[id];
    if (records[id].type != kNoIndex) {
      Result<TypeInfo> t = type_at(records[id].type);
      if (!t.ok()) return t.status();
      vi.type = std::move(*t);
    }
    return vi;
  };
  for (uint32_t i = 0; i < r.num_inputs; ++i) {
    Result<ValueInfo> vi = value_info(idx_[size_t{r.inputs} + i]);
    if (!vi.ok()) return vi.status();
    g->inputs.push_back(std::move(*vi));
  }
  for (uint32_t i = 0; i < r.num_outputs; ++i) {
    Result<ValueInfo> vi = value_info(idx_[size_t{r.outputs} + i]);
    if (!vi.ok()) return vi.status();
    g->outputs.push_back(std::move(*vi));
  }
  for (uint32_t i = 0; i < r.num_values; ++i) {
    if (records[i].tensor != kNoIndex) {
      Result<Tensor> t = tensor(records[i].tensor);
      if (!t.ok()) return t.status().with_context("initializer '" + names[i] + "'");
      g->initializers.push_back(NamedTensor{names[i], std::move(*t), ""});
    }
    if ((records[i].flags & kValueInfo) != 0) {
      Result<ValueInfo> vi = value_info(i);
      if (!vi.ok()) return vi.status();
      g->value_info.push_back(std::move(*vi));
    }
  }

  g->nodes.resize(r.num_nodes);
  for (uint32_t k = 0; k < r.num_nodes; ++k) {
    NodeRecord nr = nodes_[size_t{r.nodes} + k];
    Node& n = g->nodes[k];
    Result<std::string> a = string(nr.name), b = string(nr.op_type), c = string(nr.domain);
    if (!a.ok()) return a.status();
    if (!b.ok()) return b.status();
    if (!c.ok()) return c.status();
    n.name = std::move(*a);
    n.op_type = std::move(*b);
    n.domain = std::move(*c);
    ONYX_TRY(range(nr.inputs, nr.num_inputs, idx_.count, "node inputs"));
    ONYX_TRY(range(nr.outputs, nr.num_outputs, idx_.count, "node outputs"));
    ONYX_TRY(range(nr.attrs, nr.num_attrs, attrs_.count, "node attributes"));
    auto name_of = [&](uint32_t id) -> Result<std::string> {
      if (id == kNoIndex) return std::string();
      if (id >= r.num_values) return bad(n.describe(k), ": value id ", id, " out of ", r.num_values);
      return names[id];
    };
    for (uint32_t i = 0; i < nr.num_inputs; ++i) {
      Result<std::string> s = name_of(idx_[size_t{nr.inputs} + i]);
      if (!s.ok()) return s.status();
      n.inputs.push_back(std::move(*s));
    }
    for (uint32_t i = 0; i < nr.num_outputs; ++i) {
      Result<std::string> s = name_of(idx_[size_t{nr.outputs} + i]);
      if (!s.ok()) return s.status();
      n.outputs.push_back(std::move(*s));
    }
    for (uint32_t i = 0; i < nr.num_attrs; ++i) {
      Attribute at;
      ONYX_TRY(attribute(attrs_[size_t{nr.attrs} + i], index, graphs, &at, children).with_context(n.describe(k)));
      n.attrs.push_back(std::move(at));
    }
    if (nr.since_version != 0) {
      // The kernel the blob was compiled for must be the one this build would pick.
      Result<OpMatch> m = find_op(n.domain, n.op_type, model_->opset(n.domain));
      if (!m.ok()) return m.status().with_context(options_.source + ": " + n.describe(k));
      if (static_cast<uint32_t>(m->since_version) != nr.since_version) {
        return error(Code::kUnsupported, options_.source, ": ", n.describe(k), " was compiled for schema version ",
                     nr.since_version, " but this build's kernel implements version ", m->since_version);
      }
    }
  }
  return Status();
}

Result<CompiledModel> BlobReader::decode() {
  if (!options_.copy_weights && reinterpret_cast<uintptr_t>(base_) % kCompiledAlignment != 0) {
    return error(Code::kInvalidArgument, options_.source, ": a .onyx blob used in place must be ", kCompiledAlignment,
                 "-byte aligned (or decode with copy_weights)");
  }
  auto model = std::make_shared<Model>();
  model->source = options_.source;
  Table<ModelRecord> mt;
  ONYX_TRY(table(SectionKind::kModel, &mt));
  ModelRecord mr = mt[0];
  model->ir_version = mr.ir_version;
  model->model_version = mr.model_version;
  Result<std::string> a = string(mr.producer_name), b = string(mr.producer_version), c = string(mr.domain);
  if (!a.ok()) return a.status();
  if (!b.ok()) return b.status();
  if (!c.ok()) return c.status();
  model->producer_name = std::move(*a);
  model->producer_version = std::move(*b);
  model->domain = std::move(*c);
  for (size_t i = 0; i < opsets_.count; ++i) {
    OpsetRecord o = opsets_[i];
    Result<std::string> d = string(o.domain);
    if (!d.ok()) return d.status();
    model->opsets.push_back(OpsetImport{std::move(*d), o.version});
  }
  model_ = model.get();
  ONYX_TRY(decode_types());

  // Last graph first: attributes refer only to later graphs, which are then already decoded.
  std::vector<std::shared_ptr<Graph>> graphs(graphs_.count);
  std::vector<int> depth(graphs_.count, 1);
  for (size_t i = graphs_.count; i-- > 0;) {
    auto g = std::make_shared<Graph>();
    std::vector<size_t> children;
    ONYX_TRY(graph(static_cast<uint32_t>(i), graphs, g.get(), &children));
    int d = 1;
    for (size_t j : children) d = std::max(d, depth[j] + 1);
    depth[i] = d;
    if (d > kMaxNesting) return bad("subgraphs nested more than ", kMaxNesting, " deep");
    graphs[i] = std::move(g);
  }
  model->graph = std::move(*graphs[0]);

  CompiledModel out;
  out.plan.arena_bytes = header_.arena_bytes;
  GraphRecord main = graphs_[0];
  for (uint32_t i = 0; i < main.num_values; ++i) {
    ValueRecord v = values_[size_t{main.values} + i];
    if (v.placement > static_cast<uint8_t>(Placement::kUnplanned)) return bad("value placement ", v.placement);
    PlannedValue p;
    p.placement = static_cast<Placement>(v.placement);
    if (p.placement == Placement::kArena &&
        (v.arena_offset > header_.arena_bytes || v.bytes > header_.arena_bytes - v.arena_offset)) {
      return bad("value ", i, " lies outside the planned arena of ", header_.arena_bytes, " bytes");
    }
    Result<std::string> n = string(v.name);
    if (!n.ok()) return n.status();
    p.name = std::move(*n);
    p.arena_offset = v.arena_offset;
    p.bytes = v.bytes;
    out.plan.values.push_back(std::move(p));
  }
  out.model = std::move(model);
  return out;
}

}  // namespace

Result<CompiledModel> decode_compiled_model(const void* data, size_t size, const DecodeOptions& options) {
  if (data == nullptr && size != 0) return error(Code::kInvalidArgument, "no blob");
  BlobReader r(static_cast<const uint8_t*>(data), size, options);
  ONYX_TRY(r.parse());
  return r.decode();
}

}  // namespace onyx
