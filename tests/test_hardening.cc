// Hardening: every limit of onyx/limits.h in the loader and the session (each error names the
// limit and the node or tensor), the shared loop-iteration budget, and the run-time checks of
// data-dependent indices and sizes in the kernels. Expected values are derived by hand.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "loader.h"
#include "onnx.pb.h"
#include "op_test.h"
#include "writer.h"

using namespace onyx;
using namespace onyx::test;

namespace {

ValueInfo vi(const std::string& name, DType dtype, Dims dims) {
  ValueInfo v;
  v.name = name;
  v.type.kind = TypeInfo::Kind::kTensor;
  v.type.elem = dtype;
  v.type.has_shape = true;
  for (int64_t d : dims) v.type.shape.push_back(Dim{d, ""});
  return v;
}

ValueInfo vi_any(const std::string& name) {
  ValueInfo v;
  v.name = name;
  return v;
}

Node node(const std::string& op, const std::string& name, std::vector<std::string> ins,
          std::vector<std::string> outs, std::vector<Attribute> attrs = {}) {
  Node n;
  n.op_type = op;
  n.name = name;
  n.inputs = std::move(ins);
  n.outputs = std::move(outs);
  n.attrs = std::move(attrs);
  return n;
}

Attribute attr_graph(const std::string& name, Graph g) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kGraph;
  a.g = std::make_shared<Graph>(std::move(g));
  return a;
}

Tensor i64(Dims d, std::vector<int64_t> v) { return tensor<int64_t>(std::move(d), std::move(v)); }

std::shared_ptr<Model> model_of(Graph g) {
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets.push_back({"", 17});
  m->source = "hardening";
  m->graph = std::move(g);
  return m;
}

void check_error(const Status& s, Code code, const std::string& fragment) {
  CHECK_MESSAGE(s.code() == code, s.to_string());
  CHECK_MESSAGE(s.message().find(fragment) != std::string::npos, s.to_string(), " lacks: ", fragment);
}

template <class T>
void check_error(const Result<T>& r, Code code, const std::string& fragment) {
  REQUIRE_FALSE(r.ok());
  check_error(r.status(), code, fragment);
}

// Creates a session over `m` with `limits`, binds `feeds` and runs once.
Status create_and_run(const std::shared_ptr<Model>& m, const Limits& limits,
                      const std::vector<std::pair<std::string, Tensor>>& feeds = {},
                      std::unique_ptr<Session>* keep = nullptr) {
  SessionOptions o;
  o.limits = limits;
  Result<std::unique_ptr<Session>> s = Session::create(m, o);
  if (!s.ok()) return s.status();
  for (const auto& f : feeds) ONYX_TRY((*s)->set_input(f.first, f.second));
  ONYX_TRY((*s)->run());
  if (keep != nullptr) *keep = std::move(*s);
  return Status();
}

// y = Relu(x) over a [n] float input; the arena holds y (4n bytes).
std::shared_ptr<Model> relu_model(int64_t n) {
  Graph g;
  g.name = "g";
  g.inputs = {vi("x", DType::kFloat32, {n})};
  g.outputs = {vi_any("y")};
  g.nodes = {node("Relu", "relu", {"x"}, {"y"})};
  return model_of(std::move(g));
}

// Loop body: (iter, cond, v) -> (cond, v + 1).
Graph counting_body(const std::string& name) {
  Graph b;
  b.name = name;
  b.inputs = {vi("iter", DType::kInt64, {}), vi("c_in", DType::kBool, {}), vi("v_in", DType::kFloat32, {1})};
  b.outputs = {vi("c_out", DType::kBool, {}), vi("v_out", DType::kFloat32, {1})};
  b.initializers = {{"one", ftensor({1}, {1}), ""}};
  b.nodes = {node("Identity", name + "_c", {"c_in"}, {"c_out"}), node("Add", name + "_add", {"v_in", "one"}, {"v_out"})};
  return b;
}

// v = Loop(M = trips, cond = true, v0 = 0) with `body`; y = v.
std::shared_ptr<Model> loop_model(int64_t trips, Graph body) {
  Graph g;
  g.name = "g";
  g.initializers = {{"M", i64({}, {trips}), ""}, {"cond", tensor<bool>({}, {true}), ""}, {"v0", ftensor({1}, {0}), ""}};
  g.outputs = {vi_any("v")};
  g.nodes = {node("Loop", "loop", {"M", "cond", "v0"}, {"v"}, {attr_graph("body", std::move(body))})};
  return model_of(std::move(g));
}

}  // namespace

namespace pb = onyx::pb;

TEST_CASE("Limits: defaults") {
  Limits l;
  CHECK(l.max_model_bytes == uint64_t{2} << 30);
  CHECK(l.max_total_bytes == uint64_t{4} << 30);
  CHECK(l.max_tensor_elements == int64_t{1} << 28);
  CHECK(l.max_nodes == int64_t{1} << 20);
  CHECK(l.max_graph_depth == 24);
  CHECK(l.max_sequence_length == int64_t{1} << 16);
  CHECK(l.max_loop_iterations == int64_t{1} << 20);
  CHECK(l.max_run_elements == int64_t{1} << 36);
  CHECK(l.max_fold_bytes == uint64_t{64} << 20);
  CHECK(SessionOptions{}.limits.max_nodes == l.max_nodes);
  CHECK(LoadOptions{}.limits.max_total_bytes == l.max_total_bytes);
}

TEST_CASE("Limits in the loader: model bytes, tensor elements, total bytes, nodes, depth") {
  // y = x + w with a [6] float initializer (24 bytes), serialized by the writer.
  Graph g;
  g.name = "g";
  g.inputs = {vi("x", DType::kFloat32, {6})};
  g.outputs = {vi_any("y")};
  g.initializers = {{"w", ftensor({6}, {1, 2, 3, 4, 5, 6}), ""}, {"w2", ftensor({2}, {7, 8}), ""}};
  g.nodes = {node("Add", "add", {"x", "w"}, {"s"}), node("Sub", "sub", {"s", "w2"}, {"t"}),
             node("Relu", "relu", {"t"}, {"y"})};
  std::string bytes = save_model_buffer(*model_of(g)).value();
  REQUIRE(load_model_buffer(bytes.data(), bytes.size()).ok());

  LoadOptions o;
  o.limits.max_model_bytes = bytes.size() - 1;
  check_error(load_model_buffer(bytes.data(), bytes.size(), o), Code::kResourceExhausted, "Limits::max_model_bytes");
  o = LoadOptions{};
  o.limits.max_model_bytes = bytes.size();
  CHECK(load_model_buffer(bytes.data(), bytes.size(), o).ok());

  o = LoadOptions{};
  o.limits.max_tensor_elements = 5;  // 'w' has 6
  auto r = load_model_buffer(bytes.data(), bytes.size(), o);
  check_error(r, Code::kResourceExhausted, "initializer 'w': tensor of shape [6] has 6 elements");
  check_error(r, Code::kResourceExhausted, "Limits::max_tensor_elements = 5");
  o.limits.max_tensor_elements = 6;
  CHECK(load_model_buffer(bytes.data(), bytes.size(), o).ok());

  // Parsing a model takes far more than its bytes (objects, strings): 1 KB is not enough, 1 MB is.
  o = LoadOptions{};
  o.limits.max_total_bytes = 1000;
  check_error(load_model_buffer(bytes.data(), bytes.size(), o), Code::kResourceExhausted,
              "parsing the model would take about");
  o.limits.max_total_bytes = 1 << 20;
  CHECK(load_model_buffer(bytes.data(), bytes.size(), o).ok());
  // Decoded tensors count separately: a sparse initializer of 2^18 floats (1 MiB dense) from
  // a file of a few hundred bytes.
  {
    Graph sg = g;
    sg.initializers.clear();
    std::string sparse_bytes = save_model_buffer(*model_of(sg)).value();
    pb::ModelProto mp;
    REQUIRE(mp.ParseFromString(sparse_bytes));
    pb::SparseTensorProto* sp = mp.mutable_graph()->add_sparse_initializer();
    sp->add_dims(int64_t{1} << 18);
    sp->mutable_values()->set_name("w");
    sp->mutable_values()->set_data_type(pb::TensorProto::FLOAT);
    sp->mutable_values()->add_dims(1);
    sp->mutable_values()->add_float_data(5.0f);
    sp->mutable_indices()->set_data_type(pb::TensorProto::INT64);
    sp->mutable_indices()->add_dims(1);
    sp->mutable_indices()->add_int64_data(7);
    sparse_bytes = mp.SerializeAsString();
    o.limits.max_total_bytes = 1 << 19;
    r = load_model_buffer(sparse_bytes.data(), sparse_bytes.size(), o);
    check_error(r, Code::kResourceExhausted, "sparse initializer 'w'");
    check_error(r, Code::kResourceExhausted, "Limits::max_total_bytes");
    o.limits.max_total_bytes = 1 << 21;
    r = load_model_buffer(sparse_bytes.data(), sparse_bytes.size(), o);
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
    const Tensor& w = (*r)->graph.initializers.back().tensor;
    CHECK(w.numel() == (int64_t{1} << 18));
    CHECK(w.data_as<float>()[7] == 5.0f);
    CHECK(w.data_as<float>()[6] == 0.0f);
  }

  o = LoadOptions{};
  o.limits.max_nodes = 2;
  check_error(load_model_buffer(bytes.data(), bytes.size(), o), Code::kResourceExhausted, "Limits::max_nodes");
  o.limits.max_nodes = 3;
  CHECK(load_model_buffer(bytes.data(), bytes.size(), o).ok());

  // Nodes of subgraphs count too: a Loop (1 node) whose body has 2 nodes is 3 nodes.
  std::string loop_bytes = save_model_buffer(*loop_model(2, counting_body("b"))).value();
  o.limits.max_nodes = 2;
  check_error(load_model_buffer(loop_bytes.data(), loop_bytes.size(), o), Code::kResourceExhausted,
              "Limits::max_nodes");
  o.limits.max_nodes = 3;
  CHECK(load_model_buffer(loop_bytes.data(), loop_bytes.size(), o).ok());
  // The body is one level deep.
  o = LoadOptions{};
  o.limits.max_graph_depth = 0;
  check_error(load_model_buffer(loop_bytes.data(), loop_bytes.size(), o), Code::kInvalidModel,
              "Limits::max_graph_depth");
  o.limits.max_graph_depth = 1;
  CHECK(load_model_buffer(loop_bytes.data(), loop_bytes.size(), o).ok());
}

TEST_CASE("Limits in the loader apply before protobuf parses: files of empty messages") {
  // ModelProto{ir_version: 8, graph: {N empty nodes}, opset_import: [{version: 17}]} by hand:
  // an empty NodeProto is two bytes (field 1, length 0), a parsed one over a hundred.
  auto with_graph = [](const std::string& graph_body) {
    std::string m = "\x08\x08\x3a";  // ir_version = 8; field 7 (graph), length-delimited
    uint64_t len = graph_body.size();
    do {
      m += static_cast<char>((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
      len >>= 7;
    } while (len != 0);
    return m + graph_body + std::string("\x42\x02\x10\x11", 4);  // opset_import { version: 17 }
  };
  std::string nodes;
  for (int i = 0; i < (1 << 20) + 1; ++i) nodes += std::string("\x0a\x00", 2);
  std::string bomb = with_graph(nodes);
  check_error(load_model_buffer(bomb.data(), bomb.size()), Code::kResourceExhausted,
              "<buffer>: the model has 1048577 nodes: over Limits::max_nodes = 1048576");
  // Empty initializers (field 5): no node limit, but the estimated parse memory.
  std::string inits;
  for (int i = 0; i < (1 << 20); ++i) inits += std::string("\x2a\x00", 2);
  std::string bomb2 = with_graph(inits);
  LoadOptions o;
  o.limits.max_total_bytes = uint64_t{64} << 20;
  check_error(load_model_buffer(bomb2.data(), bomb2.size(), o), Code::kResourceExhausted,
              "parsing the model would take about");
  // The same shape with few messages parses (and then fails as a model: no nodes to name).
  std::string small = with_graph(std::string("\x0a\x00", 2));
  check_error(load_model_buffer(small.data(), small.size()), Code::kInvalidModel, "has no op_type");
}

TEST_CASE("Limits in the session: tensor elements, total bytes, nodes, depth, folding") {
  // ConstantOfShape([10]) declares a [10] output at prepare.
  Graph g;
  g.name = "g";
  g.initializers = {{"shape", i64({1}, {10}), ""}};
  g.outputs = {vi_any("y")};
  g.nodes = {node("ConstantOfShape", "cos", {"shape"}, {"y"})};
  auto m = model_of(g);
  Limits l;
  l.max_tensor_elements = 9;
  Status s = create_and_run(m, l);
  check_error(s, Code::kResourceExhausted, "node 'cos' (ConstantOfShape): output 'y' of shape [10] has 10 elements");
  check_error(s, Code::kResourceExhausted, "Limits::max_tensor_elements = 9");
  l.max_tensor_elements = 10;
  CHECK(create_and_run(m, l).ok());

  // The arena of Relu over [64] floats holds y: 256 bytes (a multiple of the 64-byte alignment).
  auto relu = relu_model(64);
  Tensor x = ftensor({64}, {});
  l = Limits{};
  l.max_total_bytes = 255;
  check_error(create_and_run(relu, l, {{"x", x}}), Code::kResourceExhausted, "Limits::max_total_bytes = 255");
  l.max_total_bytes = 256;
  CHECK(create_and_run(relu, l, {{"x", x}}).ok());

  l = Limits{};
  l.max_nodes = 0;
  check_error(create_and_run(relu, l, {{"x", x}}), Code::kResourceExhausted, "Limits::max_nodes = 0");

  // A Loop body is one level deep; with max_graph_depth 0 it cannot be compiled.
  auto loop = loop_model(3, counting_body("b"));
  l = Limits{};
  l.max_graph_depth = 0;
  check_error(create_and_run(loop, l), Code::kInvalidModel, "Limits::max_graph_depth = 0");

  // Folding: ConstantOfShape([10]) of float32 is 40 bytes; folded when allowed, else planned.
  SessionOptions o;
  o.limits.max_fold_bytes = 40;
  CHECK(Session::create(m, o).value()->planned_nodes() == 0);
  o.limits.max_fold_bytes = 39;
  auto planned = Session::create(m, o).value();
  CHECK(planned->planned_nodes() == 1);
  REQUIRE(planned->run().ok());
  CHECK(values<float>(*planned->output("y")) == std::vector<float>(10, 0.0f));
}

TEST_CASE("Limits: one loop-iteration budget per run, shared by nested loops") {
  // 10 iterations of v += 1.
  auto m = loop_model(10, counting_body("b"));
  Limits l;
  l.max_loop_iterations = 9;
  Status s = create_and_run(m, l);
  check_error(s, Code::kResourceExhausted, "Limits::max_loop_iterations = 9");
  check_error(s, Code::kResourceExhausted, "node 'loop' (Loop)");
  l.max_loop_iterations = 10;
  std::unique_ptr<Session> session;
  REQUIRE(create_and_run(m, l, {}, &session).ok());
  CHECK(values<float>(*session->output("v")) == std::vector<float>{10});
  // The budget starts again with every run.
  REQUIRE(session->run().ok());
  CHECK(values<float>(*session->output("v")) == std::vector<float>{10});

  // An outer loop of 3 whose body runs an inner loop of 4: 3 + 3 * 4 = 15 body executions,
  // v = 3 * (4 + 1) = 15.
  Graph outer = counting_body("o");
  outer.initializers.push_back({"four", i64({}, {4}), ""});
  outer.nodes = {node("Identity", "o_c", {"c_in"}, {"c_out"}),
                 node("Loop", "inner", {"four", "c_in", "v_in"}, {"v_mid"}, {attr_graph("body", counting_body("i"))}),
                 node("Add", "o_add", {"v_mid", "one"}, {"v_out"})};
  auto nested = loop_model(3, outer);
  l.max_loop_iterations = 14;
  check_error(create_and_run(nested, l), Code::kResourceExhausted, "Limits::max_loop_iterations = 14");
  l.max_loop_iterations = 15;
  REQUIRE(create_and_run(nested, l, {}, &session).ok());
  CHECK(values<float>(*session->output("v")) == std::vector<float>{15});
}

TEST_CASE("Limits: the work of a run (node output elements) is bounded, loop bodies included") {
  // Relu over [64]: 64 output elements per run.
  auto relu = relu_model(64);
  Tensor x = ftensor({64}, {});
  Limits l;
  l.max_run_elements = 63;
  check_error(create_and_run(relu, l, {{"x", x}}), Code::kResourceExhausted, "Limits::max_run_elements = 63");
  l.max_run_elements = 64;
  std::unique_ptr<Session> session;
  REQUIRE(create_and_run(relu, l, {{"x", x}}, &session).ok());
  REQUIRE(session->run().ok());  // every run starts from zero
  // 10 iterations of a body with two one-element outputs (cond, v): 20 elements. The Loop's
  // own output is sized while it runs and not counted.
  auto loop = loop_model(10, counting_body("b"));
  l.max_run_elements = 19;
  Status s = create_and_run(loop, l);
  check_error(s, Code::kResourceExhausted, "node 'loop' (Loop): body, iteration 9");
  check_error(s, Code::kResourceExhausted, "reach 20 elements: over Limits::max_run_elements = 19");
  l.max_run_elements = 20;
  CHECK(create_and_run(loop, l).ok());
}

TEST_CASE("Limits: a Loop scan output cannot stack past max_tensor_elements") {
  // Each of 3 iterations emits a [4] scan value: 12 stacked elements.
  Graph body = counting_body("b");
  body.initializers.push_back({"four", ftensor({4}, {1, 2, 3, 4}), ""});
  body.nodes.push_back(node("Identity", "b_scan", {"four"}, {"scan"}));
  body.outputs.push_back(vi("scan", DType::kFloat32, {4}));
  Graph g;
  g.name = "g";
  g.initializers = {{"M", i64({}, {3}), ""}, {"cond", tensor<bool>({}, {true}), ""}, {"v0", ftensor({1}, {0}), ""}};
  g.outputs = {vi_any("v"), vi_any("scans")};
  g.nodes = {node("Loop", "loop", {"M", "cond", "v0"}, {"v", "scans"}, {attr_graph("body", body)})};
  auto m = model_of(g);
  Limits l;
  l.max_tensor_elements = 11;
  check_error(create_and_run(m, l), Code::kResourceExhausted, "Limits::max_tensor_elements = 11");
  l.max_tensor_elements = 12;
  std::unique_ptr<Session> session;
  REQUIRE(create_and_run(m, l, {}, &session).ok());
  CHECK(session->output("scans")->shape() == Dims{3, 4});
}

TEST_CASE("Limits: outputs sized at run (NonZero) obey max_tensor_elements") {
  // NonZero of 6 non-zero values: a [1, 6] int64 output, sized while running.
  Graph g;
  g.name = "g";
  g.inputs = {vi("x", DType::kFloat32, {6})};
  g.outputs = {vi_any("y")};
  g.nodes = {node("NonZero", "nz", {"x"}, {"y"})};
  auto m = model_of(g);
  Tensor x = ftensor({6}, {1, 2, 3, 4, 5, 6});
  Limits l;
  l.max_tensor_elements = 5;
  Status s = create_and_run(m, l, {{"x", x}});
  check_error(s, Code::kResourceExhausted, "node 'nz' (NonZero)");
  check_error(s, Code::kResourceExhausted, "Limits::max_tensor_elements = 5");
  l.max_tensor_elements = 6;
  CHECK(create_and_run(m, l, {{"x", x}}).ok());
}

TEST_CASE("Limits: sequences cannot grow past max_sequence_length") {
  // SplitToSequence of [5] makes 5 tensors; SequenceInsert then makes 6.
  Graph g;
  g.name = "g";
  g.inputs = {vi("x", DType::kFloat32, {5})};
  g.outputs = {vi_any("n")};
  g.nodes = {node("SplitToSequence", "split", {"x"}, {"s"}), node("SequenceInsert", "insert", {"s", "x"}, {"s2"}),
             node("SequenceLength", "len", {"s2"}, {"n"})};
  auto m = model_of(g);
  Tensor x = ftensor({5}, {1, 2, 3, 4, 5});
  Limits l;
  l.max_sequence_length = 4;
  Status s = create_and_run(m, l, {{"x", x}});
  check_error(s, Code::kResourceExhausted, "node 'split' (SplitToSequence)");
  check_error(s, Code::kResourceExhausted, "5 tensors: over Limits::max_sequence_length = 4");
  l.max_sequence_length = 5;
  s = create_and_run(m, l, {{"x", x}});
  check_error(s, Code::kResourceExhausted, "node 'insert' (SequenceInsert)");
  check_error(s, Code::kResourceExhausted, "6 tensors: over Limits::max_sequence_length = 5");
  l.max_sequence_length = 6;
  std::unique_ptr<Session> session;
  REQUIRE(create_and_run(m, l, {{"x", x}}, &session).ok());
  CHECK(values<int64_t>(*session->output("n")) == std::vector<int64_t>{6});
}

TEST_CASE("Sessions refuse ai.onnx opsets newer than any released") {
  auto m = relu_model(2);
  m->opsets = {{"", 24}};
  check_error(Session::create(m), Code::kUnsupported, "ai.onnx opset 24");
  m->opsets = {{"", 23}};
  CHECK(Session::create(m).ok());
}

// ---- run-time checks of data-dependent values ------------------------------------------------

namespace {

// Runs a one-node model whose inputs are graph inputs (so nothing folds: the checks run in run()).
Status run_op(const std::string& op, std::vector<Tensor> inputs, std::vector<Attribute> attrs = {},
              int num_outputs = 1) {
  OpTest t;
  t.op_type = op;
  t.inputs = std::move(inputs);
  t.attrs = std::move(attrs);
  t.num_outputs = num_outputs;
  Result<std::vector<Tensor>> r = t.run();
  return r.ok() ? Status() : r.status();
}

}  // namespace

TEST_CASE("Indices out of range are run-time errors, in every indexing op") {
  const Tensor data = ftensor({4}, {1, 2, 3, 4});
  for (int64_t bad : std::vector<int64_t>{4, -5, int64_t{1} << 62, INT64_MIN, INT64_MAX}) {
    CAPTURE(bad);
    check_error(run_op("Gather", {data, i64({1}, {bad})}), Code::kOutOfRange, "out of range");
    check_error(run_op("GatherElements", {data, i64({1}, {bad})}), Code::kOutOfRange, "out of range");
    check_error(run_op("GatherND", {data, i64({1, 1}, {bad})}), Code::kOutOfRange, "out of range");
    check_error(run_op("ScatterElements", {data, i64({1}, {bad}), ftensor({1}, {9})}), Code::kOutOfRange,
                "out of range");
    check_error(run_op("ScatterND", {data, i64({1, 1}, {bad}), ftensor({1}, {9})}), Code::kOutOfRange,
                "out of range");
  }
  // int32 indices too.
  check_error(run_op("Gather", {data, tensor<int32_t>({1}, {INT32_MIN})}), Code::kOutOfRange, "out of range");
  // The last valid indices work: -4 is 1, 3 is 4.
  OpTest t{"Gather", {data, i64({2}, {-4, 3})}};
  CHECK(values<float>(t.run().value()[0]) == std::vector<float>{1, 4});
}

TEST_CASE("Integer division by zero is a run-time error") {
  for (const char* op : {"Div", "Mod"}) {
    CAPTURE(op);
    check_error(run_op(op, {i64({2}, {4, 5}), i64({2}, {2, 0})}), Code::kOutOfRange, "division by zero");
    check_error(run_op(op, {tensor<int32_t>({1}, {7}), tensor<int32_t>({1}, {0})}), Code::kOutOfRange,
                "division by zero");
    check_error(run_op(op, {tensor<uint8_t>({1}, {7}), tensor<uint8_t>({1}, {0})}), Code::kOutOfRange,
                "division by zero");
  }
  // INT64_MIN / -1 overflows in C++; the ONNX result wraps to INT64_MIN (remainder 0).
  OpTest div{"Div", {i64({1}, {INT64_MIN}), i64({1}, {-1})}};
  CHECK(values<int64_t>(div.run().value()[0]) == std::vector<int64_t>{INT64_MIN});
  OpTest mod{"Mod", {i64({1}, {INT64_MIN}), i64({1}, {-1})}};
  CHECK(values<int64_t>(mod.run().value()[0]) == std::vector<int64_t>{0});
}

TEST_CASE("Sizes from values: overflow and negatives are errors, never wrapped") {
  const Tensor x2 = ftensor({2}, {1, 2});
  // Expand / Tile / ConstantOfShape / Reshape with dims whose product overflows int64.
  check_error(run_op("Expand", {x2, i64({3}, {int64_t{1} << 32, int64_t{1} << 32, 2})}), Code::kResourceExhausted, "");
  check_error(run_op("Tile", {x2, i64({1}, {int64_t{1} << 62})}), Code::kResourceExhausted, "");
  check_error(run_op("Tile", {x2, i64({1}, {-1})}), Code::kInvalidArgument, "");
  check_error(run_op("ConstantOfShape", {i64({3}, {int64_t{1} << 32, int64_t{1} << 32, 0})}), Code::kResourceExhausted,
              "");
  check_error(run_op("ConstantOfShape", {i64({2}, {3, -1})}), Code::kInvalidArgument, "");
  check_error(run_op("Reshape", {ftensor({0}, {}), i64({3}, {int64_t{1} << 32, int64_t{1} << 32, 0})}),
              Code::kResourceExhausted, "");
  check_error(run_op("Reshape", {x2, i64({1}, {3})}), Code::kInvalidArgument, "");
  // Range: zero delta, and a length past the limits.
  check_error(run_op("Range", {i64({}, {0}), i64({}, {5}), i64({}, {0})}), Code::kInvalidArgument, "delta");
  check_error(run_op("Range", {i64({}, {INT64_MIN}), i64({}, {INT64_MAX}), i64({}, {1})}), Code::kResourceExhausted, "");
  check_error(run_op("Range", {ftensor({}, {0}), ftensor({}, {1e30f}), ftensor({}, {1e-30f})}),
              Code::kResourceExhausted, "");
  // Pad amounts and Slice steps.
  check_error(run_op("Pad", {x2, i64({2}, {0, int64_t{1} << 62})}), Code::kResourceExhausted, "");
  check_error(run_op("Pad", {x2, i64({2}, {INT64_MAX, INT64_MAX})}), Code::kResourceExhausted, "");
  check_error(run_op("Pad", {x2, i64({2}, {-3, 0})}), Code::kInvalidArgument, "");
  check_error(run_op("Slice", {x2, i64({1}, {0}), i64({1}, {2}), i64({1}, {0}), i64({1}, {0})}),
              Code::kInvalidArgument, "");
  // Slice bounds clamp: INT64_MIN..INT64_MAX is the whole axis.
  OpTest sl{"Slice", {x2, i64({1}, {INT64_MIN}), i64({1}, {INT64_MAX})}};
  CHECK(values<float>(sl.run().value()[0]) == std::vector<float>{1, 2});
  // Resize output sizes from scales.
  const Tensor img = ftensor({1, 1, 2, 2}, {1, 2, 3, 4});
  check_error(run_op("Resize", {img, Tensor(), ftensor({4}, {1, 1, 1e30f, 1e30f})}), Code::kResourceExhausted, "");
  check_error(run_op("Resize", {img, Tensor(), Tensor(), i64({4}, {1, 1, int64_t{1} << 40, int64_t{1} << 40})}),
              Code::kResourceExhausted, "");
  // OneHot depth and TopK k.
  check_error(run_op("OneHot", {i64({1}, {0}), i64({}, {int64_t{1} << 62}), ftensor({2}, {0, 1})}),
              Code::kResourceExhausted, "");
  check_error(run_op("OneHot", {i64({1}, {0}), i64({}, {0}), ftensor({2}, {0, 1})}), Code::kInvalidArgument, "depth");
  check_error(run_op("TopK", {x2, i64({1}, {3})}, {}, 2), Code::kInvalidArgument, "");
  check_error(run_op("TopK", {x2, i64({1}, {-1})}, {}, 2), Code::kInvalidArgument, "");
}
