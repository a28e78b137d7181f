// The .onyx compiled-model format: compiling (folding, defaults, order, plan), the blob round
// trip (zero-copy weights, bit-identical outputs), every attribute type, subgraphs, and the
// reader's rejection of truncated, flipped and forged blobs.
#include <doctest/doctest.h>

#include <cstring>
#include <new>

#include "compiled_model_format.h"
#include "op_test.h"
#include "onyx/compiled_model.h"
#include "onyx/session.h"

using namespace onyx;
using namespace onyx::test;

namespace {

ValueInfo tensor_info(const std::string& name, DType t, const Dims& dims) {
  ValueInfo vi;
  vi.name = name;
  vi.type.kind = TypeInfo::Kind::kTensor;
  vi.type.elem = t;
  vi.type.has_shape = true;
  for (int64_t d : dims) vi.type.shape.push_back(Dim{d, ""});
  return vi;
}

Node node(const std::string& name, const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs,
          std::vector<Attribute> attrs = {}) {
  Node n;
  n.name = name;
  n.op_type = op;
  n.inputs = std::move(ins);
  n.outputs = std::move(outs);
  n.attrs = std::move(attrs);
  return n;
}

float x_at(int i) { return static_cast<float>(i) * 0.5f - 3.0f; }
float w_at(int k) { return static_cast<float>(k % 5) * 0.25f - 0.5f; }
float w2_at(int k) { return static_cast<float>(k % 7) * 0.125f - 0.375f; }
const float kB[2] = {0.1f, -0.2f};
const float kB2[3] = {1.0f, 2.0f, 3.0f};

// x[1,1,4,4] -> Conv(W[2,1,3,3], B) -> Relu -> Reshape(to a Constant [1, 8]) -> MatMul(W2[8,3])
// -> Add(b2) -> y[1,3]. The Constant folds into a weight; "unused" is read by nothing.
std::shared_ptr<Model> small_cnn() {
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets.push_back({"", 13});
  m->producer_name = "test";
  m->source = "small_cnn";
  Graph& g = m->graph;
  g.name = "small_cnn";
  g.inputs.push_back(tensor_info("x", DType::kFloat32, {1, 1, 4, 4}));
  std::vector<float> w(18), w2(24);
  for (int k = 0; k < 18; ++k) w[k] = w_at(k);
  for (int k = 0; k < 24; ++k) w2[k] = w2_at(k);
  g.initializers.push_back({"W", ftensor({2, 1, 3, 3}, w), ""});
  g.initializers.push_back({"B", ftensor({2}, {kB[0], kB[1]}), ""});
  g.initializers.push_back({"W2", ftensor({8, 3}, w2), ""});
  g.initializers.push_back({"b2", ftensor({3}, {kB2[0], kB2[1], kB2[2]}), ""});
  g.initializers.push_back({"unused", ftensor({5}, {1, 2, 3, 4, 5}), ""});
  // Listed out of order on purpose: compiling puts them in execution order.
  g.nodes.push_back(node("relu", "Relu", {"c"}, {"r"}));
  g.nodes.push_back(node("conv", "Conv", {"x", "W", "B"}, {"c"}));
  g.nodes.push_back(node("shape", "Constant", {}, {"shp"}, {attr_tensor("value", tensor<int64_t>({2}, {1, 8}))}));
  g.nodes.push_back(node("flat", "Reshape", {"r", "shp"}, {"f"}));
  g.nodes.push_back(node("mm", "MatMul", {"f", "W2"}, {"m"}));
  g.nodes.push_back(node("add", "Add", {"m", "b2"}, {"y"}));
  ValueInfo y;
  y.name = "y";
  g.outputs.push_back(y);
  return m;
}

Tensor small_cnn_input() {
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = x_at(i);
  return ftensor({1, 1, 4, 4}, x);
}

// small_cnn's output computed with plain loops, independently of the kernels.
std::vector<float> small_cnn_expected() {
  float f[8];
  for (int oc = 0; oc < 2; ++oc) {
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) {
        double acc = kB[oc];
        for (int ky = 0; ky < 3; ++ky) {
          for (int kx = 0; kx < 3; ++kx) acc += double{x_at((i + ky) * 4 + j + kx)} * w_at(oc * 9 + ky * 3 + kx);
        }
        f[oc * 4 + i * 2 + j] = acc > 0 ? static_cast<float>(acc) : 0.0f;
      }
    }
  }
  std::vector<float> y(3);
  for (int n = 0; n < 3; ++n) {
    double acc = kB2[n];
    for (int k = 0; k < 8; ++k) acc += double{f[k]} * w2_at(k * 3 + n);
    y[n] = static_cast<float>(acc);
  }
  return y;
}

// A heap buffer aligned like a blob in flash (or misaligned by `offset` bytes).
struct AlignedBlob {
  explicit AlignedBlob(const std::vector<uint8_t>& bytes, size_t offset = 0) : size(bytes.size()) {
    mem = static_cast<uint8_t*>(::operator new(bytes.size() + 64, std::align_val_t{64}));
    data = mem + offset;
    if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  }
  ~AlignedBlob() { ::operator delete(mem, std::align_val_t{64}); }
  AlignedBlob(const AlignedBlob&) = delete;
  AlignedBlob& operator=(const AlignedBlob&) = delete;
  uint8_t* mem;
  uint8_t* data;
  size_t size;
};

Result<std::vector<float>> run_model(std::shared_ptr<const Model> m, const Tensor& x, SessionOptions options = {}) {
  Result<std::unique_ptr<Session>> s = Session::create(std::move(m), options);
  if (!s.ok()) return s.status();
  ONYX_TRY((*s)->set_input("x", x));
  ONYX_TRY((*s)->run());
  const Tensor* y = (*s)->output("y");
  if (y == nullptr) return error(Code::kInternal, "no output y");
  return values<float>(*y);
}

void reseal(std::vector<uint8_t>* blob) {
  onyxfmt::Header h;
  std::memcpy(&h, blob->data(), sizeof(h));
  h.crc32 = onyxfmt::blob_crc32(blob->data(), blob->size());
  std::memcpy(blob->data(), &h, sizeof(h));
}

onyxfmt::SectionEntry section(const std::vector<uint8_t>& blob, onyxfmt::SectionKind kind) {
  onyxfmt::Header h;
  std::memcpy(&h, blob.data(), sizeof(h));
  for (uint32_t i = 0; i < h.section_count; ++i) {
    onyxfmt::SectionEntry e;
    std::memcpy(&e, blob.data() + h.sections_offset + i * sizeof(e), sizeof(e));
    if (e.kind == static_cast<uint32_t>(kind)) return e;
  }
  return {};
}

Code decode_code(const std::vector<uint8_t>& blob) {
  AlignedBlob a(blob);
  Result<CompiledModel> r = decode_compiled_model(a.data, a.size);
  return r.ok() ? Code::kOk : r.status().code();
}

}  // namespace

TEST_CASE("crc32 gives the standard check value") {
  CHECK(onyxfmt::crc32("123456789", 9) == 0xCBF43926u);
  CHECK(onyxfmt::crc32("", 0) == 0u);
  CHECK(onyxfmt::crc32("56789", 5, onyxfmt::crc32("1234", 4)) == 0xCBF43926u);
}

TEST_CASE("compiling folds constants, fills schema defaults and orders nodes for execution") {
  auto m = small_cnn();
  CompiledPlan plan;
  CompileOptions as_written;
  as_written.optimize = false;  // no Conv+Relu fusion: the nodes as the model has them
  Result<std::shared_ptr<Model>> c = compile_graph(*m, as_written, &plan);
  REQUIRE(c.ok());
  const Graph& g = (*c)->graph;
  std::vector<std::string> ops;
  for (const Node& n : g.nodes) ops.push_back(n.op_type);
  CHECK(ops == std::vector<std::string>{"Conv", "Relu", "Reshape", "MatMul", "Add"});
  // Conv-11's schema defaults are written out; explicit ones stay as they were.
  const Node& conv = g.nodes[0];
  REQUIRE(conv.attr("group") != nullptr);
  CHECK(conv.attr("group")->i == 1);
  REQUIRE(conv.attr("auto_pad") != nullptr);
  CHECK(conv.attr("auto_pad")->s == "NOTSET");
  // Weights: the ones the nodes read plus the folded Constant; "unused" is gone.
  std::vector<std::string> inits;
  for (const NamedTensor& t : g.initializers) inits.push_back(t.name);
  CHECK(inits == std::vector<std::string>{"W", "B", "W2", "b2", "shp"});
  CHECK(g.initializer("shp")->tensor.data_as<int64_t>()[1] == 8);
  // Every intermediate has its static shape; the output too.
  bool found_f = false;
  for (const ValueInfo& vi : g.value_info) {
    if (vi.name == "f") {
      found_f = true;
      REQUIRE(vi.type.shape.size() == 2);
      CHECK(vi.type.shape[1].value == 8);
    }
  }
  CHECK(found_f);
  REQUIRE(g.outputs[0].type.shape.size() == 2);
  CHECK(g.outputs[0].type.shape[1].value == 3);
  CHECK(required_ops(**c) == "Add,Conv,MatMul,Relu,Reshape");
  CHECK(required_ops(*m) == "Add,Constant,Conv,MatMul,Relu,Reshape");

  // The plan: arena values are 64-aligned and inside the peak, which the runtime agrees with.
  size_t arena_values = 0;
  for (const PlannedValue& v : plan.values) {
    if (v.placement != Placement::kArena) continue;
    ++arena_values;
    CHECK(v.arena_offset % 64 == 0);
    CHECK(v.arena_offset + v.bytes <= plan.arena_bytes);
  }
  CHECK(arena_values == 5);  // c, r, f, m, y (Reshape's output is its own buffer)
  SessionOptions no_rewrites;
  no_rewrites.optimize = false;
  auto session = Session::create(*c, no_rewrites);
  REQUIRE(session.ok());
  CHECK((*session)->arena_bytes() == plan.arena_bytes);

  // By default the blob holds the graph after the runtime's rewrites: Conv and Relu fused.
  Result<std::shared_ptr<Model>> fused = compile_graph(*m, {}, nullptr);
  REQUIRE(fused.ok());
  CHECK(required_ops(**fused) == "Add,FusedConv,MatMul,Reshape");
}

TEST_CASE("a blob runs in place with outputs bit-identical to the source model") {
  auto m = small_cnn();
  Result<std::vector<uint8_t>> blob = compile_model(*m);
  REQUIRE(blob.ok());
  REQUIRE(blob->size() > 64);
  CHECK(std::memcmp(blob->data(), "ONYX", 4) == 0);
  CHECK(is_compiled_model(blob->data(), blob->size()));

  AlignedBlob a(*blob);
  Result<CompiledModel> cm = decode_compiled_model(a.data, a.size);
  REQUIRE_MESSAGE(cm.ok(), cm.status().to_string());
  // Zero copy: every weight is a 64-aligned view into the blob.
  for (const NamedTensor& t : cm->model->graph.initializers) {
    const auto* p = static_cast<const uint8_t*>(t.tensor.data());
    CHECK(!t.tensor.owns_data());
    CHECK(p >= a.data);
    CHECK(p + t.tensor.nbytes() <= a.data + a.size);
    CHECK(reinterpret_cast<uintptr_t>(p) % 64 == 0);
  }

  Tensor x = small_cnn_input();
  Result<std::vector<float>> want = run_model(m, x);
  REQUIRE(want.ok());
  // Against the hand computation (tolerance: the kernels sum in another order).
  std::vector<float> hand = small_cnn_expected();
  for (int n = 0; n < 3; ++n) CHECK((*want)[n] == doctest::Approx(hand[n]).epsilon(1e-5));
  // A caller arena of exactly the planned size is enough.
  std::vector<uint8_t> arena_mem(cm->plan.arena_bytes + 64);
  SessionOptions so;
  so.arena = arena_mem.data() + (64 - reinterpret_cast<uintptr_t>(arena_mem.data()) % 64) % 64;
  so.arena_size = cm->plan.arena_bytes;
  Result<std::vector<float>> got = run_model(cm->model, x, so);
  REQUIRE(got.ok());
  CHECK(std::memcmp(got->data(), want->data(), 3 * sizeof(float)) == 0);

  // Encoding the decoded model again gives the same bytes.
  Result<std::vector<uint8_t>> again = encode_compiled_model(*cm->model, cm->plan);
  REQUIRE(again.ok());
  CHECK(*again == *blob);
}

TEST_CASE("a misaligned blob needs copy_weights") {
  Result<std::vector<uint8_t>> blob = compile_model(*small_cnn());
  REQUIRE(blob.ok());
  AlignedBlob a(*blob, 4);
  Result<CompiledModel> in_place = decode_compiled_model(a.data, a.size);
  REQUIRE(!in_place.ok());
  CHECK(in_place.status().code() == Code::kInvalidArgument);
  DecodeOptions copy;
  copy.copy_weights = true;
  Result<CompiledModel> copied = decode_compiled_model(a.data, a.size, copy);
  REQUIRE_MESSAGE(copied.ok(), copied.status().to_string());
  for (const NamedTensor& t : copied->model->graph.initializers) CHECK(t.tensor.owns_data());
  Result<std::vector<float>> got = run_model(copied->model, small_cnn_input());
  REQUIRE(got.ok());
  CHECK((*got)[2] == doctest::Approx(small_cnn_expected()[2]).epsilon(1e-5));
}

TEST_CASE("compile options: input shapes, symbolic dims, bad names") {
  auto m = small_cnn();
  m->graph.inputs[0].type.shape[0] = Dim{-1, "batch"};
  Result<std::vector<uint8_t>> no_shape = compile_model(*m);
  REQUIRE(!no_shape.ok());
  CHECK(no_shape.status().code() == Code::kInvalidArgument);
  CHECK(no_shape.status().message().find("batch") != std::string::npos);
  CompileOptions ones;
  ones.unknown_dims_to_one = true;
  CHECK(compile_model(*m, ones).ok());
  CompileOptions given;
  given.input_shapes.push_back({"x", {1, 1, 4, 4}});
  Result<std::shared_ptr<Model>> c = compile_graph(*m, given, nullptr);
  REQUIRE(c.ok());
  CHECK((*c)->graph.inputs[0].type.shape[0].value == 1);
  CompileOptions wrong;
  wrong.input_shapes.push_back({"nope", {1}});
  CHECK(compile_model(*m, wrong).status().code() == Code::kInvalidArgument);
}

TEST_CASE("every attribute type survives encode and decode") {
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets.push_back({"", 13});
  m->opsets.push_back({"com.example", 2});
  m->producer_name = "p";
  m->producer_version = "1.2";
  m->domain = "d";
  m->model_version = 7;
  auto sub = std::make_shared<Graph>();
  sub->name = "body";
  sub->inputs.push_back(tensor_info("i", DType::kInt64, {}));
  sub->outputs.push_back(tensor_info("o", DType::kInt64, {}));
  sub->nodes.push_back(node("", "Identity", {"i"}, {"o"}));
  Node n = node("all", "Anything", {"a", "", "b"}, {"z", ""});
  n.domain = "com.example";
  n.attrs.push_back(attr_int("i", -5));
  n.attrs.push_back(attr_float("f", 0.1f));
  n.attrs.push_back(attr_string("s", std::string("bytes\0here", 10)));
  n.attrs.push_back(attr_ints("is", {1, -2, 3}));
  n.attrs.push_back(attr_floats("fs", {0.5f, -1.5f}));
  Attribute strs;
  strs.name = "ss";
  strs.type = AttrType::kStrings;
  strs.strings = {"x", "", "yz"};
  n.attrs.push_back(strs);
  Tensor st = Tensor::make(DType::kString, {2}).value();
  st.data_as<std::string>()[0] = "hello";
  st.data_as<std::string>()[1] = "";
  n.attrs.push_back(attr_tensor("t", st));
  Attribute ts;
  ts.name = "ts";
  ts.type = AttrType::kTensors;
  ts.tensors = {tensor<int16_t>({2, 2}, {1, 2, 3, 4}), tensor<double>({}, {2.5})};
  n.attrs.push_back(ts);
  Attribute ga;
  ga.name = "g";
  ga.type = AttrType::kGraph;
  ga.g = sub;
  n.attrs.push_back(ga);
  Attribute gs;
  gs.name = "gs";
  gs.type = AttrType::kGraphs;
  gs.graphs = {sub, sub};
  n.attrs.push_back(gs);
  Attribute tp;
  tp.name = "tp";
  tp.type = AttrType::kTypeProto;
  auto seq = std::make_shared<TypeInfo>();
  seq->kind = TypeInfo::Kind::kSequence;
  seq->inner = std::make_shared<TypeInfo>(tensor_info("", DType::kFloat16, {2, -1}).type);
  tp.types.push_back(seq);
  n.attrs.push_back(tp);
  m->graph.name = "main";
  m->graph.inputs.push_back(tensor_info("a", DType::kFloat32, {3}));
  m->graph.inputs.push_back(tensor_info("b", DType::kUInt8, {}));
  m->graph.outputs.push_back(tensor_info("z", DType::kBool, {1, 2}));
  m->graph.value_info.push_back(tensor_info("unused_info", DType::kInt8, {4}));
  m->graph.nodes.push_back(n);

  Result<std::vector<uint8_t>> blob = encode_compiled_model(*m, CompiledPlan{});
  REQUIRE(blob.ok());
  AlignedBlob a(*blob);
  Result<CompiledModel> cm = decode_compiled_model(a.data, a.size);
  REQUIRE_MESSAGE(cm.ok(), cm.status().to_string());
  const Model& d = *cm->model;
  CHECK(d.ir_version == 8);
  CHECK(d.model_version == 7);
  CHECK(d.producer_name == "p");
  CHECK(d.producer_version == "1.2");
  CHECK(d.domain == "d");
  REQUIRE(d.opsets.size() == 2);
  CHECK(d.opsets[1].domain == "com.example");
  CHECK(d.opsets[1].version == 2);
  REQUIRE(d.graph.nodes.size() == 1);
  const Node& e = d.graph.nodes[0];
  CHECK(e.name == "all");
  CHECK(e.domain == "com.example");
  CHECK(e.inputs == std::vector<std::string>{"a", "", "b"});
  CHECK(e.outputs == std::vector<std::string>{"z", ""});
  CHECK(e.attr("i")->i == -5);
  CHECK(e.attr("f")->f == 0.1f);
  CHECK(e.attr("s")->s == std::string("bytes\0here", 10));
  CHECK(e.attr("is")->ints == std::vector<int64_t>{1, -2, 3});
  CHECK(e.attr("fs")->floats == std::vector<float>{0.5f, -1.5f});
  CHECK(e.attr("ss")->strings == std::vector<std::string>{"x", "", "yz"});
  const Tensor& dt = e.attr("t")->t;
  CHECK(dt.dtype() == DType::kString);
  CHECK(dt.data_as<std::string>()[0] == "hello");
  REQUIRE(e.attr("ts")->tensors.size() == 2);
  CHECK(values<int16_t>(e.attr("ts")->tensors[0]) == std::vector<int16_t>{1, 2, 3, 4});
  CHECK(e.attr("ts")->tensors[1].rank() == 0);
  CHECK(e.attr("ts")->tensors[1].data_as<double>()[0] == 2.5);
  REQUIRE(e.attr("g")->g != nullptr);
  CHECK(e.attr("g")->g->name == "body");
  CHECK(e.attr("g")->g->nodes[0].op_type == "Identity");
  CHECK(e.attr("g")->g->inputs[0].type.elem == DType::kInt64);
  REQUIRE(e.attr("gs")->graphs.size() == 2);
  CHECK(e.attr("gs")->graphs[1]->outputs[0].name == "o");
  const TypeInfo& dtp = *e.attr("tp")->types[0];
  CHECK(dtp.kind == TypeInfo::Kind::kSequence);
  REQUIRE(dtp.inner != nullptr);
  CHECK(dtp.inner->elem == DType::kFloat16);
  REQUIRE(dtp.inner->shape.size() == 2);
  CHECK(dtp.inner->shape[0].value == 2);
  CHECK(!dtp.inner->shape[1].fixed());
  CHECK(d.graph.inputs[1].type.elem == DType::kUInt8);
  CHECK(d.graph.outputs[0].type.shape[1].value == 2);
  REQUIRE(d.graph.value_info.size() == 1);
  CHECK(d.graph.value_info[0].name == "unused_info");
}

TEST_CASE("control flow: an If with subgraphs reading the outer scope compiles and runs") {
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets.push_back({"", 13});
  Graph& g = m->graph;
  g.name = "iff";
  g.inputs.push_back(tensor_info("x", DType::kFloat32, {2}));
  g.inputs.push_back(tensor_info("cond", DType::kBool, {}));
  g.initializers.push_back({"one", ftensor({1}, {1.0f}), ""});
  auto branch = [](const std::string& op) {
    auto b = std::make_shared<Graph>();
    b->name = op;
    b->nodes.push_back(node("", op, {"x", "one"}, {op + "_out"}));
    ValueInfo o;
    o.name = op + "_out";
    b->outputs.push_back(o);
    return b;
  };
  Attribute then_a, else_a;
  then_a.name = "then_branch";
  then_a.type = AttrType::kGraph;
  then_a.g = branch("Add");
  else_a.name = "else_branch";
  else_a.type = AttrType::kGraph;
  else_a.g = branch("Sub");
  g.nodes.push_back(node("if", "If", {"cond"}, {"y"}, {then_a, else_a}));
  ValueInfo y;
  y.name = "y";
  g.outputs.push_back(y);

  Result<std::vector<uint8_t>> blob = compile_model(*m);
  REQUIRE(blob.ok());
  AlignedBlob a(*blob);
  Result<CompiledModel> cm = decode_compiled_model(a.data, a.size);
  REQUIRE_MESSAGE(cm.ok(), cm.status().to_string());
  CHECK(required_ops(*cm->model) == "Add,If,Sub");
  Tensor x = ftensor({2}, {2.0f, 5.0f});
  for (bool c : {true, false}) {
    auto s = Session::create(cm->model);
    REQUIRE(s.ok());
    Tensor cond = tensor<bool>({}, {c});
    REQUIRE((*s)->set_input("x", x).ok());
    REQUIRE((*s)->set_input("cond", cond).ok());
    REQUIRE((*s)->run().ok());
    std::vector<float> got = values<float>(*(*s)->output("y"));
    CHECK(got == (c ? std::vector<float>{3.0f, 6.0f} : std::vector<float>{1.0f, 4.0f}));
  }
}

TEST_CASE("every truncation of a blob is rejected") {
  Result<std::vector<uint8_t>> blob = compile_model(*small_cnn());
  REQUIRE(blob.ok());
  for (size_t n = 0; n < blob->size(); ++n) {
    std::vector<uint8_t> cut(blob->begin(), blob->begin() + static_cast<std::ptrdiff_t>(n));
    AlignedBlob a(cut);
    Result<CompiledModel> r = decode_compiled_model(a.data, a.size);
    REQUIRE_MESSAGE(!r.ok(), "a blob cut to ", n, " bytes decoded");
    CHECK(r.status().code() == Code::kInvalidModel);
  }
}

TEST_CASE("every flipped byte is caught (checksum, magic, version)") {
  Result<std::vector<uint8_t>> blob = compile_model(*small_cnn());
  REQUIRE(blob.ok());
  for (size_t i = 0; i < blob->size(); ++i) {
    std::vector<uint8_t> bad = *blob;
    bad[i] ^= 0xA5;
    Code c = decode_code(bad);
    REQUIRE_MESSAGE(c != Code::kOk, "flipping byte ", i, " went unnoticed");
    CHECK((c == Code::kInvalidModel || c == Code::kUnsupported));
  }
}

TEST_CASE("flipped bytes behind a valid checksum never crash the reader or the runtime") {
  Result<std::vector<uint8_t>> blob = compile_model(*small_cnn());
  REQUIRE(blob.ok());
  const Tensor x = small_cnn_input();
  int rejected = 0, loaded = 0;
  for (size_t i = 0; i < blob->size(); ++i) {
    if (i >= onyxfmt::kCrcOffset && i < onyxfmt::kCrcOffset + 4) continue;
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
      std::vector<uint8_t> bad = *blob;
      bad[i] ^= mask;
      reseal(&bad);
      AlignedBlob a(bad);
      Result<CompiledModel> r = decode_compiled_model(a.data, a.size);
      if (!r.ok()) {
        CHECK((r.status().code() == Code::kInvalidModel || r.status().code() == Code::kUnsupported));
        ++rejected;
        continue;
      }
      ++loaded;
      // A structurally valid blob with wrong contents: the runtime validates it like any model.
      Result<std::vector<float>> y = run_model(r->model, x);
      (void)y;
    }
  }
  MESSAGE("re-sealed flips: ", rejected, " rejected by the reader, ", loaded, " structurally valid");
  CHECK(rejected > 0);
}

TEST_CASE("forged headers and offsets give precise errors") {
  Result<std::vector<uint8_t>> blob = compile_model(*small_cnn());
  REQUIRE(blob.ok());
  using onyxfmt::SectionKind;
  auto patch32 = [](std::vector<uint8_t> b, size_t at, uint32_t v) {
    std::memcpy(b.data() + at, &v, 4);
    return b;
  };
  auto patch64 = [](std::vector<uint8_t> b, size_t at, uint64_t v) {
    std::memcpy(b.data() + at, &v, 8);
    return b;
  };
  auto sealed = [](std::vector<uint8_t> b) {
    reseal(&b);
    return b;
  };
  // Version 2: another format.
  CHECK(decode_code(sealed(patch32(*blob, 4, 2))) == Code::kUnsupported);
  // Not a blob at all.
  CHECK(decode_code(sealed(patch32(*blob, 0, 0x46445025))) == Code::kInvalidModel);
  // Trailing bytes: the size must match the header.
  std::vector<uint8_t> longer = *blob;
  longer.push_back(0);
  CHECK(decode_code(longer) == Code::kInvalidModel);
  onyxfmt::Header h;
  std::memcpy(&h, blob->data(), sizeof(h));
  // A section pointing past the end.
  const size_t entry0 = h.sections_offset;
  CHECK(decode_code(sealed(patch64(*blob, entry0 + 8, blob->size() + 64))) == Code::kInvalidModel);
  // A section size past the end (size field of the weights entry).
  for (uint32_t k = 0; k < h.section_count; ++k) {
    onyxfmt::SectionEntry e;
    std::memcpy(&e, blob->data() + h.sections_offset + k * sizeof(e), sizeof(e));
    size_t at = h.sections_offset + k * sizeof(e);
    CHECK(decode_code(sealed(patch64(*blob, at + 16, e.size + blob->size()))) == Code::kInvalidModel);
    // The kind of the first entry twice.
    uint32_t kind0;
    std::memcpy(&kind0, blob->data() + h.sections_offset, 4);
    if (k > 0) CHECK(decode_code(sealed(patch32(*blob, at, kind0))) == Code::kInvalidModel);
  }
  // A tensor whose data is misaligned, then one past the weights.
  onyxfmt::SectionEntry tensors = section(*blob, SectionKind::kTensors);
  const size_t data_offset_at = tensors.offset + offsetof(onyxfmt::TensorRecord, data_offset);
  uint64_t first_offset;
  std::memcpy(&first_offset, blob->data() + data_offset_at, 8);
  CHECK(decode_code(sealed(patch64(*blob, data_offset_at, first_offset + 4))) == Code::kInvalidModel);
  CHECK(decode_code(sealed(patch64(*blob, data_offset_at, uint64_t{1} << 40))) == Code::kInvalidModel);
  // A tensor dim that no longer matches its data size.
  onyxfmt::TensorRecord t0;
  std::memcpy(&t0, blob->data() + tensors.offset, sizeof(t0));
  onyxfmt::SectionEntry i64s = section(*blob, SectionKind::kInt64s);
  CHECK(decode_code(sealed(patch64(*blob, i64s.offset + t0.dims * 8, 1000))) == Code::kInvalidModel);
  CHECK(decode_code(sealed(patch64(*blob, i64s.offset + t0.dims * 8, uint64_t(-7)))) == Code::kInvalidModel);
  // A node input id out of its graph's values.
  onyxfmt::SectionEntry nodes = section(*blob, SectionKind::kNodes);
  onyxfmt::NodeRecord n0;
  std::memcpy(&n0, blob->data() + nodes.offset, sizeof(n0));
  onyxfmt::SectionEntry idx = section(*blob, SectionKind::kIndices);
  CHECK(decode_code(sealed(patch32(*blob, idx.offset + n0.inputs * 4, 999))) == Code::kInvalidModel);
  // A node name outside the string pool.
  CHECK(decode_code(sealed(patch32(*blob, nodes.offset, 0x7FFFFFFF))) == Code::kInvalidModel);
  // A kernel version this build does not implement.
  CHECK(decode_code(sealed(patch32(*blob, nodes.offset + offsetof(onyxfmt::NodeRecord, since_version), 3))) ==
        Code::kUnsupported);
  // An arena value outside the planned arena.
  CHECK(decode_code(sealed(patch64(*blob, 24, 0))) == Code::kInvalidModel);
}

TEST_CASE("references that multiply one weight are bounded when copying") {
  // One node with a 1 MiB tensor attribute and 100 integer ones; the integers are then forged
  // into references to that same tensor: copying would take 100 MiB out of a 1 MiB blob.
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets.push_back({"", 13});
  Node n = node("n", "Anything", {}, {"y"});
  n.attrs.push_back(attr_tensor("big", Tensor::make(DType::kFloat32, {256, 1024}).value()));
  for (int i = 0; i < 100; ++i) n.attrs.push_back(attr_int("i" + std::to_string(i), i));
  m->graph.nodes.push_back(n);
  Result<std::vector<uint8_t>> blob = encode_compiled_model(*m, CompiledPlan{});
  REQUIRE(blob.ok());
  onyxfmt::SectionEntry attrs = section(*blob, onyxfmt::SectionKind::kAttributes);
  REQUIRE(attrs.size == 101 * sizeof(onyxfmt::AttrRecord));
  for (size_t k = 1; k <= 100; ++k) {
    onyxfmt::AttrRecord r;
    std::memcpy(&r, blob->data() + attrs.offset + k * sizeof(r), sizeof(r));
    r.type = static_cast<uint32_t>(AttrType::kTensor);
    r.payload = 0;
    std::memcpy(blob->data() + attrs.offset + k * sizeof(r), &r, sizeof(r));
  }
  reseal(&*blob);
  AlignedBlob a(*blob);
  // In place every reference is a view: fine.
  Result<CompiledModel> views = decode_compiled_model(a.data, a.size);
  REQUIRE_MESSAGE(views.ok(), views.status().to_string());
  CHECK(views->model->graph.nodes[0].attrs[100].t.data() == views->model->graph.nodes[0].attrs[0].t.data());
  DecodeOptions copy;
  copy.copy_weights = true;
  Result<CompiledModel> copied = decode_compiled_model(a.data, a.size, copy);
  REQUIRE(!copied.ok());
  CHECK(copied.status().code() == Code::kInvalidModel);
}
