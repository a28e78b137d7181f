// Unit tests of the control-flow family (If, Loop, Scan) and the sequence/optional family
// (SequenceEmpty ... SequenceMap, Optional*). Expected values are computed by hand.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "op_test.h"

using namespace onyx;
using namespace onyx::test;

namespace {

// ---- building graphs ------------------------------------------------------------------------

ValueInfo vi_tensor(const std::string& name, DType dtype, Dims dims) {
  ValueInfo vi;
  vi.name = name;
  vi.type.kind = TypeInfo::Kind::kTensor;
  vi.type.elem = dtype;
  vi.type.has_shape = true;
  for (int64_t d : dims) vi.type.shape.push_back(Dim{d, ""});
  return vi;
}

// A tensor of known dtype and unknown shape.
ValueInfo vi_any(const std::string& name, DType dtype) {
  ValueInfo vi;
  vi.name = name;
  vi.type.kind = TypeInfo::Kind::kTensor;
  vi.type.elem = dtype;
  return vi;
}

ValueInfo vi_seq(const std::string& name, DType dtype) {
  ValueInfo vi;
  vi.name = name;
  vi.type.kind = TypeInfo::Kind::kSequence;
  vi.type.inner = std::make_shared<TypeInfo>();
  vi.type.inner->kind = TypeInfo::Kind::kTensor;
  vi.type.inner->elem = dtype;
  return vi;
}

ValueInfo vi_opt(const std::string& name, TypeInfo inner) {
  ValueInfo vi;
  vi.name = name;
  vi.type.kind = TypeInfo::Kind::kOptional;
  vi.type.inner = std::make_shared<TypeInfo>(std::move(inner));
  return vi;
}

ValueInfo vi_untyped(const std::string& name) {
  ValueInfo vi;
  vi.name = name;
  return vi;
}

Node node(const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs,
          std::vector<Attribute> attrs = {}) {
  Node n;
  n.op_type = op;
  n.name = op + "_" + (outs.empty() ? std::string() : outs[0]);
  n.inputs = std::move(ins);
  n.outputs = std::move(outs);
  n.attrs = std::move(attrs);
  return n;
}

Graph graph(const std::string& name, std::vector<Node> nodes, std::vector<ValueInfo> inputs,
            std::vector<ValueInfo> outputs, std::vector<NamedTensor> inits = {}) {
  Graph g;
  g.name = name;
  g.nodes = std::move(nodes);
  g.inputs = std::move(inputs);
  g.outputs = std::move(outputs);
  g.initializers = std::move(inits);
  return g;
}

Attribute attr_graph(const std::string& name, Graph g) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kGraph;
  a.g = std::make_shared<Graph>(std::move(g));
  return a;
}

Attribute attr_type_tensor(const std::string& name, DType elem) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kTypeProto;
  auto t = std::make_shared<TypeInfo>();
  t->kind = TypeInfo::Kind::kTensor;
  t->elem = elem;
  a.types.push_back(t);
  return a;
}

Attribute attr_type_seq(const std::string& name, DType elem) {
  Attribute a = attr_type_tensor(name, elem);
  auto s = std::make_shared<TypeInfo>();
  s->kind = TypeInfo::Kind::kSequence;
  s->inner = a.types[0];
  a.types[0] = s;
  return a;
}

NamedTensor init(const std::string& name, Tensor t) { return {name, std::move(t), ""}; }

Value seq(DType elem, std::vector<Tensor> items) {
  Value v;
  v.kind = ValueKind::kSequence;
  v.elem_type = elem;
  v.sequence = std::move(items);
  return v;
}

Value none(DType elem) {
  Value v;
  v.kind = ValueKind::kNone;
  v.optional = true;
  v.elem_type = elem;
  return v;
}

Tensor i64(Dims d, std::vector<int64_t> v) { return tensor<int64_t>(std::move(d), std::move(v)); }
Tensor b1(bool v) { return tensor<bool>({}, {v}); }

// A whole model: feeds are graph inputs (tensors, sequences or optionals) unless `as_init`
// lists them (then tensor feeds become initializers).
struct ModelTest {
  std::vector<Node> nodes;
  std::vector<std::pair<std::string, Value>> feeds;
  std::vector<NamedTensor> inits;
  std::vector<std::string> outputs;
  int64_t opset = 17;
  bool feeds_as_initializers = false;

  Result<std::vector<Value>> run() const {
    auto model = std::make_shared<Model>();
    model->ir_version = 8;
    model->opsets.push_back({"", opset});
    model->source = "model_test";
    Graph& g = model->graph;
    g.name = "main";
    g.nodes = nodes;
    g.initializers = inits;
    for (const auto& [name, v] : feeds) {
      if (feeds_as_initializers && v.is_tensor()) {
        g.initializers.push_back(init(name, v.tensor));
        continue;
      }
      if (v.kind == ValueKind::kSequence) {
        g.inputs.push_back(vi_seq(name, v.elem_type));
      } else if (v.kind == ValueKind::kNone || v.optional) {
        TypeInfo inner;
        inner.kind = TypeInfo::Kind::kTensor;
        inner.elem = v.kind == ValueKind::kNone ? v.elem_type : v.tensor.dtype();
        g.inputs.push_back(vi_opt(name, inner));
      } else {
        g.inputs.push_back(vi_tensor(name, v.tensor.dtype(), v.tensor.shape()));
      }
    }
    for (const std::string& o : outputs) g.outputs.push_back(vi_untyped(o));
    auto session = Session::create(model);
    if (!session.ok()) return session.status();
    for (const auto& [name, v] : feeds) {
      if (feeds_as_initializers && v.is_tensor()) continue;
      ONYX_TRY((*session)->set_input(name, v));
    }
    ONYX_TRY((*session)->run());
    std::vector<Value> outs;
    for (const std::string& o : outputs) {
      const Value* v = (*session)->output_value(o);
      if (v == nullptr) return error(Code::kInternal, "missing output ", o);
      Value c = *v;
      if (c.is_tensor()) {
        Result<Tensor> t = v->tensor.clone();
        if (!t.ok()) return t.status();
        c.tensor = *t;
      }
      for (Tensor& t : c.sequence) {
        Result<Tensor> r = t.clone();
        if (!r.ok()) return r.status();
        t = *r;
      }
      outs.push_back(c);
    }
    return outs;
  }
};

std::vector<Value> run_ok(const ModelTest& t) {
  Result<std::vector<Value>> r = t.run();
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return *r;
}

// Runs with graph inputs, then with the tensor feeds as initializers; both must agree.
std::vector<Value> run_both(ModelTest t) {
  std::vector<Value> a = run_ok(t);
  t.feeds_as_initializers = true;
  std::vector<Value> b = run_ok(t);
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].kind == b[i].kind);
    if (a[i].is_tensor()) CHECK(compare(b[i].tensor, a[i].tensor, 0, 0) == "");
    REQUIRE(a[i].sequence.size() == b[i].sequence.size());
    for (size_t k = 0; k < a[i].sequence.size(); ++k) CHECK(compare(b[i].sequence[k], a[i].sequence[k], 0, 0) == "");
  }
  return a;
}

Code run_code(const ModelTest& t) {
  Result<std::vector<Value>> r = t.run();
  return r.ok() ? Code::kOk : r.status().code();
}

void check_tensor(const Value& v, const Tensor& want) {
  REQUIRE(v.kind == ValueKind::kTensor);
  CHECK_MESSAGE(compare(v.tensor, want) == "", compare(v.tensor, want));
}

void check_seq(const Value& v, const std::vector<Tensor>& want) {
  REQUIRE(v.kind == ValueKind::kSequence);
  REQUIRE(v.sequence.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK_MESSAGE(compare(v.sequence[i], want[i]) == "", "element ", i, ": ", compare(v.sequence[i], want[i]));
  }
}

// ---- If -------------------------------------------------------------------------------------

// then: Add(x, y); else: Identity(x). x, y are read from the enclosing graph.
std::vector<Attribute> if_add_or_identity() {
  Graph then_g = graph("then", {node("Add", {"x", "y"}, {"t_out"})}, {}, {vi_any("t_out", DType::kFloat32)});
  Graph else_g = graph("else", {node("Identity", {"x"}, {"e_out"})}, {}, {vi_any("e_out", DType::kFloat32)});
  return {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)};
}

}  // namespace

TEST_CASE("If: picks the branch; branches read enclosing values") {
  for (bool c : {true, false}) {
    ModelTest t;
    t.nodes = {node("If", {"c"}, {"out"}, if_add_or_identity())};
    t.feeds = {{"c", Value::of(b1(c))},
               {"x", Value::of(ftensor({2}, {1, 2}))},
               {"y", Value::of(ftensor({2}, {10, 20}))}};
    t.outputs = {"out"};
    for (int64_t opset : {11, 13, 16}) {
      t.opset = opset;
      std::vector<Value> r = run_both(t);
      check_tensor(r[0], c ? ftensor({2}, {11, 22}) : ftensor({2}, {1, 2}));
    }
  }
}

TEST_CASE("If: one-element [1] condition, several outputs, int and string outputs") {
  Graph then_g = graph("then", {node("Identity", {"a"}, {"o1"}), node("Identity", {"s"}, {"o2"})}, {},
                       {vi_any("o1", DType::kInt64), vi_any("o2", DType::kString)});
  Graph else_g = graph("else", {node("Identity", {"b"}, {"o1"}), node("Identity", {"s2"}, {"o2"})}, {},
                       {vi_any("o1", DType::kInt64), vi_any("o2", DType::kString)});
  Tensor s = tensor<std::string>({2}, {"x", "y"});
  Tensor s2 = tensor<std::string>({1}, {"z"});
  for (bool c : {true, false}) {
    ModelTest t;
    t.nodes = {node("If", {"c"}, {"r1", "r2"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)})};
    t.feeds = {{"c", Value::of(tensor<bool>({1}, {c}))},
               {"a", Value::of(i64({3}, {1, 2, 3}))},
               {"b", Value::of(i64({}, {7}))},
               {"s", Value::of(s)},
               {"s2", Value::of(s2)}};
    t.outputs = {"r1", "r2"};
    std::vector<Value> r = run_both(t);
    check_tensor(r[0], c ? i64({3}, {1, 2, 3}) : i64({}, {7}));
    REQUIRE(r[1].is_tensor());
    CHECK(values<std::string>(r[1].tensor) == (c ? std::vector<std::string>{"x", "y"} : std::vector<std::string>{"z"}));
  }
}

TEST_CASE("If: via OpTest, with and without constant inputs") {
  Graph then_g = graph("then", {node("Constant", {}, {"k"}, {attr_tensor("value", ftensor({2}, {1, 2}))})}, {},
                       {vi_any("k", DType::kFloat32)});
  Graph else_g = graph("else", {node("Constant", {}, {"k"}, {attr_tensor("value", ftensor({1}, {9}))})}, {},
                       {vi_any("k", DType::kFloat32)});
  for (bool c : {true, false}) {
    for (bool constant : {false, true}) {
      OpTest t{"If", {b1(c)}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)}};
      t.constant_inputs = constant;
      Result<std::vector<Tensor>> r = t.run();
      REQUIRE_MESSAGE(r.ok(), r.status().to_string());
      CHECK(compare((*r)[0], c ? ftensor({2}, {1, 2}) : ftensor({1}, {9})) == "");
    }
  }
}

TEST_CASE("If: sequence and optional outputs; nested If reads two scopes up") {
  // then: SequenceConstruct(x, x); else: an empty optional sequence.
  Graph then_g = graph("then", {node("SequenceConstruct", {"x", "x"}, {"sq"})}, {}, {vi_seq("sq", DType::kFloat32)});
  Graph else_g = graph("else", {node("Optional", {}, {"op"}, {attr_type_seq("type", DType::kFloat32)})}, {},
                       {vi_untyped("op")});
  for (bool c : {true, false}) {
    ModelTest t;
    t.opset = 16;
    t.nodes = {node("If", {"c"}, {"out"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)})};
    t.feeds = {{"c", Value::of(b1(c))}, {"x", Value::of(ftensor({1}, {4}))}};
    t.outputs = {"out"};
    std::vector<Value> r = run_ok(t);
    if (c) {
      check_seq(r[0], {ftensor({1}, {4}), ftensor({1}, {4})});
    } else {
      CHECK(r[0].kind == ValueKind::kNone);
    }
  }
  // Outer If's then-branch holds an inner If whose branches read x from the main graph.
  Graph inner_then = graph("it", {node("Neg", {"x"}, {"n"})}, {}, {vi_any("n", DType::kFloat32)});
  Graph inner_else = graph("ie", {node("Abs", {"x"}, {"n"})}, {}, {vi_any("n", DType::kFloat32)});
  Graph outer_then = graph("ot",
                           {node("If", {"c2"}, {"r"}, {attr_graph("then_branch", inner_then),
                                                       attr_graph("else_branch", inner_else)})},
                           {}, {vi_any("r", DType::kFloat32)});
  Graph outer_else = graph("oe", {node("Identity", {"x"}, {"r"})}, {}, {vi_any("r", DType::kFloat32)});
  for (bool c2 : {true, false}) {
    ModelTest t;
    t.nodes = {node("If", {"c1"}, {"out"}, {attr_graph("then_branch", outer_then), attr_graph("else_branch", outer_else)})};
    t.feeds = {{"c1", Value::of(b1(true))}, {"c2", Value::of(b1(c2))}, {"x", Value::of(ftensor({2}, {-1, 3}))}};
    t.outputs = {"out"};
    std::vector<Value> r = run_ok(t);
    check_tensor(r[0], c2 ? ftensor({2}, {1, -3}) : ftensor({2}, {1, 3}));
  }
}

TEST_CASE("If: errors") {
  ModelTest t;
  t.feeds = {{"c", Value::of(ftensor({}, {1}))}, {"x", Value::of(ftensor({2}, {1, 2}))}, {"y", Value::of(ftensor({2}, {1, 2}))}};
  t.outputs = {"out"};
  t.nodes = {node("If", {"c"}, {"out"}, if_add_or_identity())};
  CHECK(run_code(t) == Code::kInvalidModel);  // float condition
  t.feeds[0].second = Value::of(tensor<bool>({2}, {true, false}));
  CHECK(run_code(t) == Code::kInvalidArgument);  // two-element condition
  t.feeds[0].second = Value::of(b1(true));
  std::vector<Attribute> attrs = if_add_or_identity();
  attrs[1].g->outputs.push_back(vi_any("x", DType::kFloat32));
  t.nodes = {node("If", {"c"}, {"out"}, attrs)};
  CHECK(run_code(t) == Code::kInvalidModel);  // branch output counts differ
  t.nodes = {node("If", {"c"}, {"out"}, {if_add_or_identity()[0]})};
  CHECK(run_code(t) == Code::kInvalidModel);  // else_branch missing
  // The failing branch's error propagates (Add of mismatched shapes).
  t.feeds[2].second = Value::of(ftensor({3}, {1, 2, 3}));
  t.nodes = {node("If", {"c"}, {"out"}, if_add_or_identity())};
  CHECK(run_code(t) != Code::kOk);
}

// ---- Loop -----------------------------------------------------------------------------------

namespace {

// Body: y_out = y_in + x (x from the enclosing graph), scan = y_out, cond passed through.
Graph loop_accumulate_body() {
  return graph("body",
               {node("Identity", {"cond_in"}, {"cond_out"}), node("Add", {"y_in", "x"}, {"y_out"}),
                node("Identity", {"y_out"}, {"scan"})},
               {vi_tensor("iter", DType::kInt64, {}), vi_tensor("cond_in", DType::kBool, {}),
                vi_tensor("y_in", DType::kFloat32, {2})},
               {vi_tensor("cond_out", DType::kBool, {}), vi_tensor("y_out", DType::kFloat32, {2}),
                vi_tensor("scan", DType::kFloat32, {2})});
}

// Body: i_out = i_in + 1; cond_out = i_out < limit (limit from the enclosing graph); scan = i_out.
Graph loop_while_body() {
  return graph("body",
               {node("Add", {"i_in", "one"}, {"i_out"}), node("Less", {"i_out", "limit"}, {"cond_out"}),
                node("Identity", {"i_out"}, {"scan"})},
               {vi_tensor("iter", DType::kInt64, {}), vi_tensor("cond_in", DType::kBool, {}),
                vi_tensor("i_in", DType::kInt64, {})},
               {vi_tensor("cond_out", DType::kBool, {}), vi_tensor("i_out", DType::kInt64, {}),
                vi_tensor("scan", DType::kInt64, {})},
               {init("one", i64({}, {1}))});
}

}  // namespace

TEST_CASE("Loop: trip count, loop-carried value and scan output") {
  for (int64_t opset : {1, 11, 13, 16}) {
    ModelTest t;
    t.opset = opset;
    t.nodes = {node("Loop", {"M", "cond", "y0"}, {"y", "scans"}, {attr_graph("body", loop_accumulate_body())})};
    t.feeds = {{"M", Value::of(i64({}, {3}))},
               {"cond", Value::of(b1(true))},
               {"y0", Value::of(ftensor({2}, {0, 10}))},
               {"x", Value::of(ftensor({2}, {1, 2}))}};
    t.outputs = {"y", "scans"};
    std::vector<Value> r = run_both(t);
    check_tensor(r[0], ftensor({2}, {3, 16}));
    check_tensor(r[1], ftensor({3, 2}, {1, 12, 2, 14, 3, 16}));
  }
}

TEST_CASE("Loop: while-style (no M), M and cond together, do-while") {
  ModelTest t;
  t.nodes = {node("Loop", {"", "cond", "i0"}, {"i", "scans"}, {attr_graph("body", loop_while_body())})};
  t.feeds = {{"cond", Value::of(b1(true))}, {"i0", Value::of(i64({}, {0}))}, {"limit", Value::of(i64({}, {3}))}};
  t.outputs = {"i", "scans"};
  std::vector<Value> r = run_both(t);
  check_tensor(r[0], i64({}, {3}));
  check_tensor(r[1], i64({3}, {1, 2, 3}));

  // M = 2 stops first.
  t.nodes = {node("Loop", {"M", "cond", "i0"}, {"i", "scans"}, {attr_graph("body", loop_while_body())})};
  t.feeds.push_back({"M", Value::of(i64({}, {2}))});
  r = run_both(t);
  check_tensor(r[0], i64({}, {2}));
  check_tensor(r[1], i64({2}, {1, 2}));

  // No cond input: M alone. Per the spec's table ("for (i = 0; i < trip_count; ++i) { cond =
  // ...; // ignored }") the body's cond output is ignored: limit 1 would stop a while loop.
  t.nodes = {node("Loop", {"M", "", "i0"}, {"i", "scans"}, {attr_graph("body", loop_while_body())})};
  t.feeds = {{"i0", Value::of(i64({}, {0}))}, {"limit", Value::of(i64({}, {1}))}, {"M", Value::of(i64({1}, {4}))}};
  r = run_both(t);
  check_tensor(r[0], i64({}, {4}));
  check_tensor(r[1], i64({4}, {1, 2, 3, 4}));
}

TEST_CASE("Loop: zero iterations keep the initial values; scan outputs are empty") {
  for (int which = 0; which < 2; ++which) {
    ModelTest t;
    t.nodes = {node("Loop", {"M", "cond", "y0"}, {"y", "scans"}, {attr_graph("body", loop_accumulate_body())})};
    t.feeds = {{"M", Value::of(i64({}, {which == 0 ? 0 : 5}))},
               {"cond", Value::of(b1(which == 0))},
               {"y0", Value::of(ftensor({2}, {4, 5}))},
               {"x", Value::of(ftensor({2}, {1, 2}))}};
    t.outputs = {"y", "scans"};
    std::vector<Value> r = run_both(t);
    check_tensor(r[0], ftensor({2}, {4, 5}));
    check_tensor(r[1], ftensor({0, 2}, {}));
  }
  // A negative trip count runs nothing.
  ModelTest t;
  t.nodes = {node("Loop", {"M", "", "y0"}, {"y"}, {attr_graph("body", loop_accumulate_body())})};
  Graph& body = *t.nodes[0].attrs[0].g;
  body.outputs.pop_back();
  body.nodes.pop_back();
  t.feeds = {{"M", Value::of(i64({}, {-3}))}, {"y0", Value::of(ftensor({2}, {4, 5}))}, {"x", Value::of(ftensor({2}, {1, 2}))}};
  t.outputs = {"y"};
  check_tensor(run_ok(t)[0], ftensor({2}, {4, 5}));
}

TEST_CASE("Loop: iteration_num, shape-changing carried values, strings") {
  // s_out = s_in + iter: 0 + 0 + 1 + 2 + 3 = 6.
  Graph sum_body = graph("body", {node("Identity", {"c_in"}, {"c_out"}), node("Add", {"s_in", "iter"}, {"s_out"})},
                         {vi_tensor("iter", DType::kInt64, {}), vi_tensor("c_in", DType::kBool, {}),
                          vi_tensor("s_in", DType::kInt64, {})},
                         {vi_tensor("c_out", DType::kBool, {}), vi_tensor("s_out", DType::kInt64, {})});
  ModelTest t;
  t.nodes = {node("Loop", {"M", "", "s0"}, {"s"}, {attr_graph("body", sum_body)})};
  t.feeds = {{"M", Value::of(i64({}, {4}))}, {"s0", Value::of(i64({}, {0}))}};
  t.outputs = {"s"};
  check_tensor(run_both(t)[0], i64({}, {6}));

  // v_out = Concat(v_in, v_in): the carried value doubles every iteration.
  Graph grow = graph("body",
                     {node("Identity", {"c_in"}, {"c_out"}),
                      node("Concat", {"v_in", "v_in"}, {"v_out"}, {attr_int("axis", 0)})},
                     {vi_tensor("iter", DType::kInt64, {}), vi_tensor("c_in", DType::kBool, {}), vi_any("v_in", DType::kFloat32)},
                     {vi_tensor("c_out", DType::kBool, {}), vi_any("v_out", DType::kFloat32)});
  t.nodes = {node("Loop", {"M", "", "v0"}, {"v"}, {attr_graph("body", grow)})};
  t.feeds = {{"M", Value::of(i64({}, {3}))}, {"v0", Value::of(ftensor({1}, {2.5f}))}};
  t.outputs = {"v"};
  check_tensor(run_both(t)[0], ftensor({8}, {2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f, 2.5f}));

  // A scan output whose shape changes between iterations is an error.
  grow.outputs.push_back(vi_any("v_out", DType::kFloat32));
  t.nodes = {node("Loop", {"M", "", "v0"}, {"v", "sc"}, {attr_graph("body", grow)})};
  t.outputs = {"v", "sc"};
  CHECK(run_code(t) == Code::kInvalidArgument);

  // Strings: carried and scanned.
  Graph str_body = graph("body", {node("Identity", {"c_in"}, {"c_out"}), node("Identity", {"s_in"}, {"s_out"}),
                                  node("Identity", {"s_in"}, {"s_scan"})},
                         {vi_tensor("iter", DType::kInt64, {}), vi_tensor("c_in", DType::kBool, {}),
                          vi_tensor("s_in", DType::kString, {2})},
                         {vi_tensor("c_out", DType::kBool, {}), vi_tensor("s_out", DType::kString, {2}),
                          vi_tensor("s_scan", DType::kString, {2})});
  t.nodes = {node("Loop", {"M", "", "s0"}, {"s", "scan"}, {attr_graph("body", str_body)})};
  t.feeds = {{"M", Value::of(i64({}, {2}))}, {"s0", Value::of(tensor<std::string>({2}, {"ab", "c"}))}};
  t.outputs = {"s", "scan"};
  std::vector<Value> r = run_both(t);
  CHECK(values<std::string>(r[0].tensor) == std::vector<std::string>{"ab", "c"});
  CHECK(r[1].tensor.shape() == Dims{2, 2});
  CHECK(values<std::string>(r[1].tensor) == std::vector<std::string>{"ab", "c", "ab", "c"});
}

TEST_CASE("Loop: carries a sequence built with SequenceInsert") {
  Graph body = graph("body", {node("Identity", {"c_in"}, {"c_out"}), node("SequenceInsert", {"q_in", "iter"}, {"q_out"})},
                     {vi_tensor("iter", DType::kInt64, {}), vi_tensor("c_in", DType::kBool, {}), vi_seq("q_in", DType::kInt64)},
                     {vi_tensor("c_out", DType::kBool, {}), vi_seq("q_out", DType::kInt64)});
  ModelTest t;
  t.nodes = {node("SequenceEmpty", {}, {"q0"}, {attr_int("dtype", static_cast<int64_t>(DType::kInt64))}),
             node("Loop", {"M", "", "q0"}, {"q"}, {attr_graph("body", body)})};
  t.feeds = {{"M", Value::of(i64({}, {3}))}};
  t.outputs = {"q"};
  std::vector<Value> r = run_both(t);
  check_seq(r[0], {i64({}, {0}), i64({}, {1}), i64({}, {2})});
  // The same, from a sequence graph input with one element.
  t.nodes.erase(t.nodes.begin());
  t.feeds.push_back({"q0", seq(DType::kInt64, {i64({2}, {7, 8})})});
  r = run_ok(t);
  check_seq(r[0], {i64({2}, {7, 8}), i64({}, {0}), i64({}, {1}), i64({}, {2})});
}

TEST_CASE("Loop: errors") {
  ModelTest t;
  t.feeds = {{"M", Value::of(i64({}, {3}))}, {"y0", Value::of(ftensor({2}, {0, 0}))}, {"x", Value::of(ftensor({2}, {1, 2}))}};
  t.outputs = {"y", "scans"};
  // Body with a wrong number of inputs.
  Graph bad = loop_accumulate_body();
  bad.inputs.pop_back();
  t.nodes = {node("Loop", {"M", "", "y0"}, {"y", "scans"}, {attr_graph("body", bad)})};
  CHECK(run_code(t) == Code::kInvalidModel);
  // Body with a wrong number of outputs for the node's outputs.
  t.nodes = {node("Loop", {"M", "", "y0"}, {"y", "scans"}, {attr_graph("body", loop_accumulate_body())})};
  t.outputs = {"y", "scans"};
  t.nodes[0].outputs.push_back("extra");
  t.outputs.push_back("extra");
  CHECK(run_code(t) == Code::kInvalidModel);
  // M must be int64.
  t.nodes = {node("Loop", {"M", "", "y0"}, {"y", "scans"}, {attr_graph("body", loop_accumulate_body())})};
  t.outputs = {"y", "scans"};
  t.feeds[0].second = Value::of(tensor<int32_t>({}, {3}));
  CHECK(run_code(t) == Code::kInvalidModel);
  // Missing body.
  t.feeds[0].second = Value::of(i64({}, {3}));
  t.nodes = {node("Loop", {"M", "", "y0"}, {"y", "scans"})};
  CHECK(run_code(t) == Code::kInvalidModel);
}

// ---- Scan -----------------------------------------------------------------------------------

namespace {

// Body: sum_out = sum_in + next; scan_out = sum_out (per-iteration values of shape [2]).
Graph scan_sum_body() {
  return graph("body", {node("Add", {"sum_in", "next"}, {"sum_out"}), node("Identity", {"sum_out"}, {"scan_out"})},
               {vi_tensor("sum_in", DType::kFloat32, {2}), vi_tensor("next", DType::kFloat32, {2})},
               {vi_tensor("sum_out", DType::kFloat32, {2}), vi_tensor("scan_out", DType::kFloat32, {2})});
}

ModelTest scan9(std::vector<Attribute> extra, Tensor x, int64_t opset = 16) {
  ModelTest t;
  t.opset = opset;
  std::vector<Attribute> attrs = {attr_graph("body", scan_sum_body()), attr_int("num_scan_inputs", 1)};
  attrs.insert(attrs.end(), extra.begin(), extra.end());
  t.nodes = {node("Scan", {"init", "x"}, {"y", "z"}, attrs)};
  t.feeds = {{"init", Value::of(ftensor({2}, {0, 0}))}, {"x", Value::of(std::move(x))}};
  t.outputs = {"y", "z"};
  return t;
}

}  // namespace

TEST_CASE("Scan 9+: running sum, every opset") {
  for (int64_t opset : {9, 11, 16}) {
    std::vector<Value> r = run_both(scan9({}, ftensor({3, 2}, {1, 2, 3, 4, 5, 6}), opset));
    check_tensor(r[0], ftensor({2}, {9, 12}));
    check_tensor(r[1], ftensor({3, 2}, {1, 2, 4, 6, 9, 12}));
  }
}

TEST_CASE("Scan 9+: directions and axes") {
  Tensor x = ftensor({3, 2}, {1, 2, 3, 4, 5, 6});
  // Reverse input: rows 5,6 then 3,4 then 1,2.
  std::vector<Value> r = run_both(scan9({attr_ints("scan_input_directions", {1})}, x));
  check_tensor(r[0], ftensor({2}, {9, 12}));
  check_tensor(r[1], ftensor({3, 2}, {5, 6, 8, 10, 9, 12}));
  // Reverse output: iteration t is written at row 2 - t.
  r = run_both(scan9({attr_ints("scan_output_directions", {1})}, x));
  check_tensor(r[1], ftensor({3, 2}, {9, 12, 4, 6, 1, 2}));
  // Scan axis 1 of the transposed input, outputs stacked on axis 1 (and -1).
  Tensor xt = ftensor({2, 3}, {1, 3, 5, 2, 4, 6});
  for (int64_t out_axis : {1, -1}) {
    r = run_both(scan9({attr_ints("scan_input_axes", {1}), attr_ints("scan_output_axes", {out_axis})}, xt));
    check_tensor(r[0], ftensor({2}, {9, 12}));
    check_tensor(r[1], ftensor({2, 3}, {1, 4, 9, 2, 6, 12}));
  }
  r = run_both(scan9({attr_ints("scan_input_axes", {-1})}, xt, 11));
  check_tensor(r[1], ftensor({3, 2}, {1, 2, 4, 6, 9, 12}));
}

TEST_CASE("Scan 9+: zero-length sequence; two scan inputs; no state") {
  ModelTest t = scan9({}, ftensor({0, 2}, {}));
  t.feeds[0].second = Value::of(ftensor({2}, {7, 8}));
  std::vector<Value> r = run_ok(t);
  check_tensor(r[0], ftensor({2}, {7, 8}));
  check_tensor(r[1], ftensor({0, 2}, {}));

  // No state, two scan inputs (one reversed): out[t] = a[t] * b[2 - t].
  Graph body = graph("body", {node("Mul", {"a", "b"}, {"p"})},
                     {vi_tensor("a", DType::kInt64, {}), vi_tensor("b", DType::kInt64, {})},
                     {vi_tensor("p", DType::kInt64, {})});
  ModelTest u;
  u.nodes = {node("Scan", {"A", "B"}, {"P"},
                  {attr_graph("body", body), attr_int("num_scan_inputs", 2), attr_ints("scan_input_directions", {0, 1})})};
  u.feeds = {{"A", Value::of(i64({3}, {1, 2, 3}))}, {"B", Value::of(i64({3}, {10, 20, 30}))}};
  u.outputs = {"P"};
  check_tensor(run_both(u)[0], i64({3}, {30, 40, 30}));
}

TEST_CASE("Scan 8: batch axis, sequence_lens, directions") {
  ModelTest t;
  t.opset = 8;
  t.nodes = {node("Scan", {"lens", "init", "x"}, {"y", "z"},
                  {attr_graph("body", scan_sum_body()), attr_int("num_scan_inputs", 1)})};
  Tensor x = ftensor({2, 3, 2}, {1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60});
  t.feeds = {{"lens", Value::of(i64({2}, {3, 2}))}, {"init", Value::of(ftensor({2, 2}, {0, 0, 0, 0}))}, {"x", Value::of(x)}};
  t.outputs = {"y", "z"};
  std::vector<Value> r = run_both(t);
  check_tensor(r[0], ftensor({2, 2}, {9, 12, 40, 60}));
  check_tensor(r[1], ftensor({2, 3, 2}, {1, 2, 4, 6, 9, 12, 10, 20, 40, 60, 0, 0}));

  t.nodes[0].attrs.push_back(attr_ints("directions", {1}));
  r = run_both(t);
  check_tensor(r[0], ftensor({2, 2}, {9, 12, 40, 60}));
  check_tensor(r[1], ftensor({2, 3, 2}, {5, 6, 8, 10, 9, 12, 30, 40, 40, 60, 0, 0}));

  // Without sequence_lens every batch runs the full length.
  t.nodes = {node("Scan", {"", "init", "x"}, {"y", "z"}, {attr_graph("body", scan_sum_body()), attr_int("num_scan_inputs", 1)})};
  t.feeds.erase(t.feeds.begin());
  r = run_both(t);
  check_tensor(r[0], ftensor({2, 2}, {9, 12, 90, 120}));

  // A sequence length beyond the scan axis is an error.
  t.nodes = {node("Scan", {"lens", "init", "x"}, {"y", "z"},
                  {attr_graph("body", scan_sum_body()), attr_int("num_scan_inputs", 1)})};
  t.feeds.insert(t.feeds.begin(), {"lens", Value::of(i64({2}, {4, 1}))});
  CHECK(run_code(t) == Code::kOutOfRange);
}

TEST_CASE("Scan: errors") {
  Tensor x = ftensor({3, 2}, {1, 2, 3, 4, 5, 6});
  ModelTest t = scan9({}, x);
  t.nodes[0].attrs[1] = attr_int("num_scan_inputs", 0);
  CHECK(run_code(t) == Code::kInvalidModel);
  t.nodes[0].attrs.pop_back();
  CHECK(run_code(t) == Code::kInvalidModel);  // num_scan_inputs missing
  CHECK(run_code(scan9({attr_ints("scan_input_axes", {2})}, x)) == Code::kInvalidModel);
  CHECK(run_code(scan9({attr_ints("scan_input_directions", {2})}, x)) == Code::kInvalidModel);
  CHECK(run_code(scan9({attr_ints("scan_output_axes", {3})}, x)) == Code::kInvalidModel);
  CHECK(run_code(scan9({attr_ints("scan_input_axes", {0, 0})}, x)) == Code::kInvalidModel);
  // Two scan inputs of different lengths.
  Graph body = graph("body", {node("Mul", {"a", "b"}, {"p"})},
                     {vi_tensor("a", DType::kInt64, {}), vi_tensor("b", DType::kInt64, {})},
                     {vi_tensor("p", DType::kInt64, {})});
  ModelTest u;
  u.nodes = {node("Scan", {"A", "B"}, {"P"}, {attr_graph("body", body), attr_int("num_scan_inputs", 2)})};
  u.feeds = {{"A", Value::of(i64({3}, {1, 2, 3}))}, {"B", Value::of(i64({2}, {10, 20}))}};
  u.outputs = {"P"};
  CHECK(run_code(u) == Code::kInvalidArgument);
}

// ---- sequences ------------------------------------------------------------------------------

TEST_CASE("SequenceEmpty, SequenceConstruct, SequenceLength, SequenceAt") {
  ModelTest t;
  t.nodes = {node("SequenceEmpty", {}, {"e"}), node("SequenceLength", {"e"}, {"n0"}),
             node("SequenceConstruct", {"a", "b", "c"}, {"s"}), node("SequenceLength", {"s"}, {"n"}),
             node("SequenceAt", {"s", "p"}, {"at"}), node("SequenceAt", {"s", "q"}, {"at2"})};
  t.feeds = {{"a", Value::of(ftensor({2}, {1, 2}))},
             {"b", Value::of(ftensor({}, {3}))},
             {"c", Value::of(ftensor({1, 2}, {4, 5}))},
             {"p", Value::of(i64({}, {-1}))},
             {"q", Value::of(tensor<int32_t>({}, {1}))}};
  t.outputs = {"e", "n0", "s", "n", "at", "at2"};
  std::vector<Value> r = run_both(t);
  REQUIRE(r[0].kind == ValueKind::kSequence);
  CHECK(r[0].sequence.empty());
  CHECK(r[0].elem_type == DType::kFloat32);
  check_tensor(r[1], i64({}, {0}));
  check_seq(r[2], {ftensor({2}, {1, 2}), ftensor({}, {3}), ftensor({1, 2}, {4, 5})});
  check_tensor(r[3], i64({}, {3}));
  check_tensor(r[4], ftensor({1, 2}, {4, 5}));
  check_tensor(r[5], ftensor({}, {3}));

  // SequenceEmpty's dtype attribute; strings in sequences.
  ModelTest u;
  u.nodes = {node("SequenceEmpty", {}, {"e"}, {attr_int("dtype", static_cast<int64_t>(DType::kString))}),
             node("SequenceInsert", {"e", "s"}, {"f"}), node("SequenceAt", {"f", "p"}, {"g"})};
  u.feeds = {{"s", Value::of(tensor<std::string>({2}, {"hi", "there"}))}, {"p", Value::of(i64({}, {0}))}};
  u.outputs = {"f", "g"};
  r = run_both(u);
  REQUIRE(r[0].sequence.size() == 1);
  CHECK(r[0].elem_type == DType::kString);
  CHECK(values<std::string>(r[1].tensor) == std::vector<std::string>{"hi", "there"});
}

TEST_CASE("SequenceInsert and SequenceErase: positions") {
  Value s = seq(DType::kInt64, {i64({1}, {1}), i64({1}, {2}), i64({1}, {3})});
  Tensor x = i64({2}, {9, 9});
  struct Case {
    std::vector<int64_t> pos;  // empty: no position input
    std::vector<Tensor> want;
  };
  std::vector<Case> inserts = {
      {{}, {i64({1}, {1}), i64({1}, {2}), i64({1}, {3}), x}},
      {{0}, {x, i64({1}, {1}), i64({1}, {2}), i64({1}, {3})}},
      {{-1}, {i64({1}, {1}), i64({1}, {2}), x, i64({1}, {3})}},
      {{3}, {i64({1}, {1}), i64({1}, {2}), i64({1}, {3}), x}},
      {{-3}, {x, i64({1}, {1}), i64({1}, {2}), i64({1}, {3})}},
  };
  for (const Case& c : inserts) {
    ModelTest t;
    t.feeds = {{"s", s}, {"x", Value::of(x)}};
    std::vector<std::string> ins = {"s", "x"};
    if (!c.pos.empty()) {
      ins.push_back("p");
      t.feeds.push_back({"p", Value::of(i64({1}, c.pos))});
    }
    t.nodes = {node("SequenceInsert", ins, {"out"})};
    t.outputs = {"out"};
    check_seq(run_both(t)[0], c.want);
  }
  std::vector<Case> erases = {
      {{}, {i64({1}, {1}), i64({1}, {2})}},
      {{0}, {i64({1}, {2}), i64({1}, {3})}},
      {{-2}, {i64({1}, {1}), i64({1}, {3})}},
      {{2}, {i64({1}, {1}), i64({1}, {2})}},
  };
  for (const Case& c : erases) {
    ModelTest t;
    t.feeds = {{"s", s}};
    std::vector<std::string> ins = {"s"};
    if (!c.pos.empty()) {
      ins.push_back("p");
      t.feeds.push_back({"p", Value::of(tensor<int32_t>({}, {static_cast<int32_t>(c.pos[0])}))});
    }
    t.nodes = {node("SequenceErase", ins, {"out"})};
    t.outputs = {"out"};
    check_seq(run_both(t)[0], c.want);
  }
}

TEST_CASE("Sequence ops: errors") {
  Value s = seq(DType::kInt64, {i64({1}, {1}), i64({1}, {2})});
  auto one = [&](Node n, std::vector<std::pair<std::string, Value>> feeds) {
    ModelTest t;
    t.nodes = {std::move(n)};
    t.feeds = std::move(feeds);
    t.outputs = {t.nodes[0].outputs[0]};
    return run_code(t);
  };
  CHECK(one(node("SequenceInsert", {"s", "x", "p"}, {"o"}),
            {{"s", s}, {"x", Value::of(i64({}, {1}))}, {"p", Value::of(i64({}, {3}))}}) == Code::kOutOfRange);
  CHECK(one(node("SequenceInsert", {"s", "x", "p"}, {"o"}),
            {{"s", s}, {"x", Value::of(i64({}, {1}))}, {"p", Value::of(i64({}, {-3}))}}) == Code::kOutOfRange);
  CHECK(one(node("SequenceInsert", {"s", "x"}, {"o"}), {{"s", s}, {"x", Value::of(ftensor({}, {1}))}}) ==
        Code::kInvalidModel);  // dtype mismatch
  CHECK(one(node("SequenceInsert", {"s", "x", "p"}, {"o"}),
            {{"s", s}, {"x", Value::of(i64({}, {1}))}, {"p", Value::of(ftensor({}, {0}))}}) == Code::kInvalidModel);
  CHECK(one(node("SequenceErase", {"s", "p"}, {"o"}), {{"s", s}, {"p", Value::of(i64({}, {2}))}}) == Code::kOutOfRange);
  CHECK(one(node("SequenceErase", {"s"}, {"o"}), {{"s", seq(DType::kInt64, {})}}) == Code::kOutOfRange);
  CHECK(one(node("SequenceAt", {"s", "p"}, {"o"}), {{"s", s}, {"p", Value::of(i64({}, {-3}))}}) == Code::kOutOfRange);
  CHECK(one(node("SequenceAt", {"x", "p"}, {"o"}), {{"x", Value::of(i64({}, {1}))}, {"p", Value::of(i64({}, {0}))}}) ==
        Code::kInvalidModel);  // not a sequence
  CHECK(one(node("SequenceConstruct", {"a", "b"}, {"o"}),
            {{"a", Value::of(i64({}, {1}))}, {"b", Value::of(ftensor({}, {1}))}}) == Code::kInvalidModel);
  CHECK(one(node("SequenceEmpty", {}, {"o"}, {attr_int("dtype", 99)}), {}) == Code::kInvalidModel);
}

TEST_CASE("SplitToSequence") {
  Tensor x = ftensor({2, 3}, {1, 2, 3, 4, 5, 6});
  auto split = [&](std::vector<Attribute> attrs, Tensor sp) {
    ModelTest t;
    t.feeds = {{"x", Value::of(x)}};
    std::vector<std::string> ins = {"x"};
    if (sp.defined()) {
      ins.push_back("sp");
      t.feeds.push_back({"sp", Value::of(sp)});
    }
    t.nodes = {node("SplitToSequence", ins, {"o"}, std::move(attrs))};
    t.outputs = {"o"};
    return run_both(t)[0];
  };
  // No split: size-1 pieces along axis 0, kept or squeezed.
  check_seq(split({}, Tensor()), {ftensor({1, 3}, {1, 2, 3}), ftensor({1, 3}, {4, 5, 6})});
  check_seq(split({attr_int("keepdims", 0)}, Tensor()), {ftensor({3}, {1, 2, 3}), ftensor({3}, {4, 5, 6})});
  check_seq(split({attr_int("axis", -1), attr_int("keepdims", 0)}, Tensor()),
            {ftensor({2}, {1, 4}), ftensor({2}, {2, 5}), ftensor({2}, {3, 6})});
  // Scalar split: equal chunks, the last one smaller (keepdims is ignored).
  check_seq(split({attr_int("axis", 1), attr_int("keepdims", 0)}, i64({}, {2})),
            {ftensor({2, 2}, {1, 2, 4, 5}), ftensor({2, 1}, {3, 6})});
  // 1-D split with a zero-size part.
  check_seq(split({attr_int("axis", 1)}, tensor<int32_t>({3}, {1, 0, 2})),
            {ftensor({2, 1}, {1, 4}), ftensor({2, 0}, {}), ftensor({2, 2}, {2, 3, 5, 6})});

  auto code = [&](std::vector<Attribute> attrs, Tensor sp) {
    ModelTest t;
    t.feeds = {{"x", Value::of(x)}, {"sp", Value::of(sp)}};
    t.nodes = {node("SplitToSequence", {"x", "sp"}, {"o"}, std::move(attrs))};
    t.outputs = {"o"};
    return run_code(t);
  };
  CHECK(code({}, i64({2}, {1, 2})) == Code::kInvalidArgument);  // sums to 3, axis 0 has 2
  CHECK(code({}, i64({}, {0})) == Code::kInvalidArgument);
  CHECK(code({}, i64({2}, {3, -1})) == Code::kInvalidArgument);
  CHECK(code({attr_int("axis", 2)}, i64({}, {1})) == Code::kInvalidModel);
  CHECK(code({}, ftensor({}, {1})) == Code::kInvalidModel);
}

TEST_CASE("ConcatFromSequence") {
  Value s = seq(DType::kFloat32, {ftensor({2, 1}, {1, 2}), ftensor({2, 2}, {3, 4, 5, 6})});
  auto concat = [&](const Value& in, std::vector<Attribute> attrs) {
    ModelTest t;
    t.feeds = {{"s", in}};
    t.nodes = {node("ConcatFromSequence", {"s"}, {"o"}, std::move(attrs))};
    t.outputs = {"o"};
    return t;
  };
  check_tensor(run_ok(concat(s, {attr_int("axis", 1)}))[0], ftensor({2, 3}, {1, 3, 4, 2, 5, 6}));
  check_tensor(run_ok(concat(s, {attr_int("axis", -1)}))[0], ftensor({2, 3}, {1, 3, 4, 2, 5, 6}));
  Value same = seq(DType::kFloat32, {ftensor({2}, {1, 2}), ftensor({2}, {3, 4}), ftensor({2}, {5, 6})});
  check_tensor(run_ok(concat(same, {attr_int("axis", 0)}))[0], ftensor({6}, {1, 2, 3, 4, 5, 6}));
  check_tensor(run_ok(concat(same, {attr_int("axis", 0), attr_int("new_axis", 1)}))[0],
               ftensor({3, 2}, {1, 2, 3, 4, 5, 6}));
  check_tensor(run_ok(concat(same, {attr_int("axis", -1), attr_int("new_axis", 1)}))[0],
               ftensor({2, 3}, {1, 3, 5, 2, 4, 6}));
  // Integer elements; a zero-size element.
  Value ints = seq(DType::kInt32, {tensor<int32_t>({0, 2}, {}), tensor<int32_t>({1, 2}, {7, 8})});
  check_tensor(run_ok(concat(ints, {attr_int("axis", 0)}))[0], tensor<int32_t>({1, 2}, {7, 8}));
  // Round trip through SplitToSequence.
  ModelTest rt;
  rt.feeds = {{"x", Value::of(i64({2, 3}, {1, 2, 3, 4, 5, 6}))}};
  rt.nodes = {node("SplitToSequence", {"x"}, {"s"}, {attr_int("axis", 1), attr_int("keepdims", 0)}),
              node("ConcatFromSequence", {"s"}, {"o"}, {attr_int("axis", 1), attr_int("new_axis", 1)})};
  rt.outputs = {"o"};
  check_tensor(run_both(rt)[0], i64({2, 3}, {1, 2, 3, 4, 5, 6}));

  CHECK(run_code(concat(s, {attr_int("axis", 0)})) == Code::kInvalidArgument);  // dims differ off-axis
  CHECK(run_code(concat(s, {attr_int("axis", 2)})) == Code::kInvalidModel);
  CHECK(run_code(concat(s, {})) == Code::kInvalidModel);  // axis is required
  CHECK(run_code(concat(seq(DType::kFloat32, {}), {attr_int("axis", 0)})) == Code::kInvalidArgument);
}

TEST_CASE("SequenceMap: sequences and broadcast tensors") {
  Value a = seq(DType::kFloat32, {ftensor({2}, {1, 2}), ftensor({3}, {3, 4, 5})});
  Value b = seq(DType::kFloat32, {ftensor({2}, {10, 20}), ftensor({3}, {30, 40, 50})});
  Graph add = graph("body", {node("Add", {"x", "y"}, {"z"})}, {vi_any("x", DType::kFloat32), vi_any("y", DType::kFloat32)},
                    {vi_any("z", DType::kFloat32)});
  ModelTest t;
  t.nodes = {node("SequenceMap", {"a", "b"}, {"o"}, {attr_graph("body", add)})};
  t.feeds = {{"a", a}, {"b", b}};
  t.outputs = {"o"};
  check_seq(run_ok(t)[0], {ftensor({2}, {11, 22}), ftensor({3}, {33, 44, 55})});

  // A tensor input goes whole to every iteration; two outputs, one of them a Shape.
  Graph two = graph("body", {node("Add", {"x", "y"}, {"z"}), node("Shape", {"x"}, {"sh"})},
                    {vi_any("x", DType::kFloat32), vi_any("y", DType::kFloat32)},
                    {vi_any("z", DType::kFloat32), vi_any("sh", DType::kInt64)});
  t.nodes = {node("SequenceMap", {"a", "k"}, {"o", "shapes"}, {attr_graph("body", two)})};
  t.feeds = {{"a", a}, {"k", Value::of(ftensor({1}, {100}))}};
  t.outputs = {"o", "shapes"};
  std::vector<Value> r = run_both(t);
  check_seq(r[0], {ftensor({2}, {101, 102}), ftensor({3}, {103, 104, 105})});
  check_seq(r[1], {i64({1}, {2}), i64({1}, {3})});

  // An empty input sequence gives empty outputs typed by the body's declaration.
  t.feeds = {{"a", seq(DType::kFloat32, {})}, {"k", Value::of(ftensor({1}, {100}))}};
  r = run_ok(t);
  CHECK(r[0].sequence.empty());
  CHECK(r[1].elem_type == DType::kInt64);

  // Sequences of different lengths; body arity mismatch.
  t.nodes = {node("SequenceMap", {"a", "b"}, {"o"}, {attr_graph("body", add)})};
  t.feeds = {{"a", a}, {"b", seq(DType::kFloat32, {ftensor({2}, {1, 2})})}};
  t.outputs = {"o"};
  CHECK(run_code(t) == Code::kInvalidArgument);
  t.nodes = {node("SequenceMap", {"a"}, {"o"}, {attr_graph("body", add)})};
  t.feeds = {{"a", a}};
  CHECK(run_code(t) == Code::kInvalidModel);
  t.nodes = {node("SequenceMap", {"x", "x"}, {"o"}, {attr_graph("body", add)})};
  t.feeds = {{"x", Value::of(ftensor({1}, {1}))}};
  CHECK(run_code(t) == Code::kInvalidModel);  // input 0 must be a sequence
}

// ---- optionals ------------------------------------------------------------------------------

TEST_CASE("Optional, OptionalHasElement, OptionalGetElement") {
  ModelTest t;
  t.opset = 16;
  t.nodes = {node("Optional", {"x"}, {"ox"}), node("OptionalHasElement", {"ox"}, {"hx"}),
             node("OptionalGetElement", {"ox"}, {"gx"}),
             node("Optional", {}, {"oe"}, {attr_type_tensor("type", DType::kInt32)}),
             node("OptionalHasElement", {"oe"}, {"he"}),
             node("SequenceConstruct", {"x", "x"}, {"s"}), node("Optional", {"s"}, {"os"}),
             node("OptionalHasElement", {"os"}, {"hs"}), node("OptionalGetElement", {"os"}, {"gs"})};
  t.feeds = {{"x", Value::of(ftensor({2}, {1, 2}))}};
  t.outputs = {"ox", "hx", "gx", "oe", "he", "os", "hs", "gs"};
  std::vector<Value> r = run_both(t);
  check_tensor(r[0], ftensor({2}, {1, 2}));
  CHECK(r[0].optional);
  check_tensor(r[1], tensor<bool>({}, {true}));
  check_tensor(r[2], ftensor({2}, {1, 2}));
  CHECK(r[3].kind == ValueKind::kNone);
  CHECK(r[3].elem_type == DType::kInt32);
  check_tensor(r[4], tensor<bool>({}, {false}));
  check_seq(r[5], {ftensor({2}, {1, 2}), ftensor({2}, {1, 2})});
  CHECK(r[5].optional);
  check_tensor(r[6], tensor<bool>({}, {true}));
  check_seq(r[7], {ftensor({2}, {1, 2}), ftensor({2}, {1, 2})});
  CHECK_FALSE(r[7].optional);
}

TEST_CASE("Optional ops: graph inputs, opset 18, errors") {
  // An optional graph input holding a value / holding none.
  ModelTest t;
  t.nodes = {node("OptionalHasElement", {"o"}, {"h"})};
  t.feeds = {{"o", none(DType::kFloat32)}};
  t.outputs = {"h"};
  t.opset = 15;
  check_tensor(run_ok(t)[0], tensor<bool>({}, {false}));
  Value present = Value::of(ftensor({1}, {3}));
  present.optional = true;
  t.feeds = {{"o", present}};
  check_tensor(run_ok(t)[0], tensor<bool>({}, {true}));
  t.nodes = {node("OptionalGetElement", {"o"}, {"h"})};
  check_tensor(run_ok(t)[0], ftensor({1}, {3}));
  t.feeds = {{"o", none(DType::kFloat32)}};
  CHECK(run_code(t) == Code::kInvalidArgument);  // empty optional

  // Opset 18: an omitted input is "no element"; plain tensors pass through.
  ModelTest u;
  u.opset = 18;
  u.nodes = {node("OptionalHasElement", {}, {"h0"}), node("OptionalHasElement", {"x"}, {"h1"}),
             node("OptionalGetElement", {"x"}, {"g"})};
  u.feeds = {{"x", Value::of(i64({2}, {5, 6}))}};
  u.outputs = {"h0", "h1", "g"};
  std::vector<Value> r = run_both(u);
  check_tensor(r[0], tensor<bool>({}, {false}));
  check_tensor(r[1], tensor<bool>({}, {true}));
  check_tensor(r[2], i64({2}, {5, 6}));
  u.opset = 15;
  CHECK(run_code(u) == Code::kInvalidModel);  // opset 15 requires the input

  ModelTest v;
  v.opset = 16;
  v.nodes = {node("Optional", {}, {"o"})};
  v.outputs = {"o"};
  CHECK(run_code(v) == Code::kInvalidModel);  // no input and no type
  v.nodes = {node("Optional", {"x"}, {"o"}, {attr_type_tensor("type", DType::kInt32)})};
  v.feeds = {{"x", Value::of(ftensor({1}, {1}))}};
  CHECK(run_code(v) == Code::kInvalidModel);  // type disagrees with the input
}

TEST_CASE("Loop with optional carried value and If inside the body (loop16_seq_none pattern)") {
  // Body: if the carried optional sequence is empty start from [0], else take it; append iter.
  Graph then_g = graph("then", {node("Constant", {}, {"z"}, {attr_tensor("value", i64({}, {0}))}),
                                node("SequenceConstruct", {"z"}, {"init_seq"})},
                       {}, {vi_seq("init_seq", DType::kInt64)});
  Graph else_g = graph("else", {node("OptionalGetElement", {"opt_in"}, {"got"})}, {}, {vi_seq("got", DType::kInt64)});
  Graph body = graph("body",
                     {node("Identity", {"c_in"}, {"c_out"}), node("OptionalHasElement", {"opt_in"}, {"has"}),
                      node("Not", {"has"}, {"is_none"}),
                      node("If", {"is_none"}, {"cur"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)}),
                      node("SequenceInsert", {"cur", "iter"}, {"q_out"})},
                     {vi_tensor("iter", DType::kInt64, {}), vi_tensor("c_in", DType::kBool, {}),
                      vi_opt("opt_in", vi_seq("", DType::kInt64).type)},
                     {vi_tensor("c_out", DType::kBool, {}), vi_seq("q_out", DType::kInt64)});
  ModelTest t;
  t.opset = 16;
  t.nodes = {node("Optional", {}, {"none"}, {attr_type_seq("type", DType::kInt64)}),
             node("Loop", {"M", "", "none"}, {"q"}, {attr_graph("body", body)})};
  t.feeds = {{"M", Value::of(i64({}, {3}))}};
  t.outputs = {"q"};
  std::vector<Value> r = run_both(t);
  check_seq(r[0], {i64({}, {0}), i64({}, {0}), i64({}, {1}), i64({}, {2})});
}

TEST_CASE("Nested control flow: Loop in Loop reading the outer body's iteration; If on a growing value") {
  // Inner body: acc_out = acc_in + i_outer (i_outer is the outer body's iteration_num).
  Graph inner = graph("inner", {node("Identity", {"ci"}, {"co"}), node("Add", {"a_in", "i_outer"}, {"a_out"})},
                      {vi_tensor("j", DType::kInt64, {}), vi_tensor("ci", DType::kBool, {}), vi_tensor("a_in", DType::kInt64, {})},
                      {vi_tensor("co", DType::kBool, {}), vi_tensor("a_out", DType::kInt64, {})});
  // Outer body: runs the inner loop i_outer times: acc += i_outer * i_outer.
  Graph outer = graph("outer", {node("Identity", {"c_in"}, {"c_out"}),
                                node("Loop", {"i_outer", "", "acc_in"}, {"acc_out"}, {attr_graph("body", inner)})},
                      {vi_tensor("i_outer", DType::kInt64, {}), vi_tensor("c_in", DType::kBool, {}),
                       vi_tensor("acc_in", DType::kInt64, {})},
                      {vi_tensor("c_out", DType::kBool, {}), vi_tensor("acc_out", DType::kInt64, {})});
  ModelTest t;
  t.nodes = {node("Loop", {"M", "", "acc0"}, {"acc"}, {attr_graph("body", outer)})};
  t.feeds = {{"M", Value::of(i64({}, {4}))}, {"acc0", Value::of(i64({}, {0}))}};
  t.outputs = {"acc"};
  check_tensor(run_both(t)[0], i64({}, {0 + 1 + 4 + 9}));

  // Body: v_out = If(iter is even) then Concat(v_in, v_in) else Identity(v_in); the branches
  // read v_in, whose shape changes between iterations. Iterations 0, 2 double: [1] -> 2 -> 2 -> 4.
  Graph dbl = graph("then", {node("Concat", {"v_in", "v_in"}, {"r"}, {attr_int("axis", 0)})}, {}, {vi_any("r", DType::kFloat32)});
  Graph same = graph("else", {node("Identity", {"v_in"}, {"r"})}, {}, {vi_any("r", DType::kFloat32)});
  Graph body = graph("body",
                     {node("Identity", {"c_in"}, {"c_out"}), node("Mod", {"iter", "two"}, {"m"}),
                      node("Equal", {"m", "zero"}, {"even"}),
                      node("If", {"even"}, {"v_out"}, {attr_graph("then_branch", dbl), attr_graph("else_branch", same)}),
                      node("ReduceSum", {"v_out"}, {"total"}, {attr_int("keepdims", 0)})},
                     {vi_tensor("iter", DType::kInt64, {}), vi_tensor("c_in", DType::kBool, {}), vi_any("v_in", DType::kFloat32)},
                     {vi_tensor("c_out", DType::kBool, {}), vi_any("v_out", DType::kFloat32), vi_any("total", DType::kFloat32)},
                     {init("two", i64({}, {2})), init("zero", i64({}, {0}))});
  ModelTest u;
  u.nodes = {node("Loop", {"M", "", "v0"}, {"v", "totals"}, {attr_graph("body", body)})};
  u.feeds = {{"M", Value::of(i64({}, {4}))}, {"v0", Value::of(ftensor({1}, {1.5f}))}};
  u.outputs = {"v", "totals"};
  std::vector<Value> r = run_both(u);
  check_tensor(r[0], ftensor({4}, {1.5f, 1.5f, 1.5f, 1.5f}));
  check_tensor(r[1], ftensor({4}, {3, 3, 6, 6}));
}

TEST_CASE("Scan inside a Loop body") {
  // The loop body scans the outer x with a running sum started from the carried state.
  Graph body = graph("body",
                     {node("Identity", {"c_in"}, {"c_out"}),
                      node("Scan", {"s_in", "x"}, {"s_out", "partial"},
                           {attr_graph("body", scan_sum_body()), attr_int("num_scan_inputs", 1)})},
                     {vi_tensor("iter", DType::kInt64, {}), vi_tensor("c_in", DType::kBool, {}),
                      vi_tensor("s_in", DType::kFloat32, {2})},
                     {vi_tensor("c_out", DType::kBool, {}), vi_tensor("s_out", DType::kFloat32, {2}),
                      vi_any("partial", DType::kFloat32)});
  ModelTest t;
  t.nodes = {node("Loop", {"M", "", "s0"}, {"s", "parts"}, {attr_graph("body", body)})};
  t.feeds = {{"M", Value::of(i64({}, {2}))}, {"s0", Value::of(ftensor({2}, {0, 0}))},
             {"x", Value::of(ftensor({2, 2}, {1, 2, 3, 4}))}};
  t.outputs = {"s", "parts"};
  std::vector<Value> r = run_both(t);
  check_tensor(r[0], ftensor({2}, {8, 12}));
  check_tensor(r[1], ftensor({2, 2, 2}, {1, 2, 4, 6, 5, 8, 8, 12}));
}

TEST_CASE("Loop and If: one session run repeatedly with different values") {
  auto model = std::make_shared<Model>();
  model->ir_version = 8;
  model->opsets.push_back({"", 16});
  model->graph.name = "main";
  model->graph.inputs = {vi_tensor("M", DType::kInt64, {}), vi_tensor("c", DType::kBool, {}),
                         vi_any("y0", DType::kFloat32), vi_any("x", DType::kFloat32)};
  Graph then_g = graph("then", {node("Loop", {"M", "", "y0"}, {"y", "scans"}, {attr_graph("body", loop_accumulate_body())})},
                       {}, {vi_any("y", DType::kFloat32), vi_any("scans", DType::kFloat32)});
  Graph else_g = graph("else", {node("Identity", {"y0"}, {"y"}), node("Identity", {"x"}, {"scans"})}, {},
                       {vi_any("y", DType::kFloat32), vi_any("scans", DType::kFloat32)});
  model->graph.nodes = {node("If", {"c"}, {"a", "b"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)})};
  model->graph.outputs = {vi_untyped("a"), vi_untyped("b")};
  auto session = Session::create(model);
  REQUIRE_MESSAGE(session.ok(), session.status().to_string());
  Session& s = **session;
  struct Run {
    int64_t m;
    bool c;
    Tensor want_a, want_b;
  };
  const Tensor x = ftensor({2}, {1, 2});
  const Tensor y0 = ftensor({2}, {0, 10});
  std::vector<Run> runs = {
      {2, true, ftensor({2}, {2, 14}), ftensor({2, 2}, {1, 12, 2, 14})},
      {3, true, ftensor({2}, {3, 16}), ftensor({3, 2}, {1, 12, 2, 14, 3, 16})},
      {3, false, ftensor({2}, {0, 10}), ftensor({2}, {1, 2})},
      {0, true, ftensor({2}, {0, 10}), ftensor({0, 2}, {})},
      {1, true, ftensor({2}, {1, 12}), ftensor({1, 2}, {1, 12})},
  };
  for (const Run& r : runs) {
    Tensor m = i64({}, {r.m});
    Tensor c = b1(r.c);
    REQUIRE(s.set_input("M", m).ok());
    REQUIRE(s.set_input("c", c).ok());
    REQUIRE(s.set_input("y0", y0).ok());
    REQUIRE(s.set_input("x", x).ok());
    Status st = s.run();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    REQUIRE(s.output("a") != nullptr);
    REQUIRE(s.output("b") != nullptr);
    CHECK(compare(*s.output("a"), r.want_a) == "");
    CHECK(compare(*s.output("b"), r.want_b) == "");
  }
}

TEST_CASE("Subgraph outputs that are inputs, outer values or initializers directly") {
  // Loop body returns its own inputs: cond_in as cond_out, y_in as the carried value (so the
  // value never changes), and the outer x as a scan output.
  Graph body = graph("body", {}, {vi_tensor("iter", DType::kInt64, {}), vi_tensor("c_in", DType::kBool, {}),
                                  vi_tensor("y_in", DType::kFloat32, {2})},
                     {vi_tensor("c_in", DType::kBool, {}), vi_tensor("y_in", DType::kFloat32, {2}), vi_any("x", DType::kFloat32),
                      vi_any("k", DType::kInt64)},
                     {init("k", i64({1}, {42}))});
  ModelTest t;
  t.nodes = {node("Loop", {"M", "c", "y0"}, {"y", "xs", "ks"}, {attr_graph("body", body)})};
  t.feeds = {{"M", Value::of(i64({}, {2}))}, {"c", Value::of(b1(true))}, {"y0", Value::of(ftensor({2}, {5, 6}))},
             {"x", Value::of(ftensor({1}, {7}))}};
  t.outputs = {"y", "xs", "ks"};
  std::vector<Value> r = run_both(t);
  check_tensor(r[0], ftensor({2}, {5, 6}));
  check_tensor(r[1], ftensor({2, 1}, {7, 7}));
  check_tensor(r[2], i64({2, 1}, {42, 42}));

  // If branches that return an outer value / an initializer without any node.
  Graph then_g = graph("then", {}, {}, {vi_any("x", DType::kFloat32)});
  Graph else_g = graph("else", {}, {}, {vi_any("w", DType::kFloat32)}, {init("w", ftensor({3}, {1, 2, 3}))});
  for (bool c : {true, false}) {
    ModelTest u;
    u.nodes = {node("If", {"c"}, {"o"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)})};
    u.feeds = {{"c", Value::of(b1(c))}, {"x", Value::of(ftensor({1}, {7}))}};
    u.outputs = {"o"};
    check_tensor(run_both(u)[0], c ? ftensor({1}, {7}) : ftensor({3}, {1, 2, 3}));
  }
}

// A body input that changes kind (tensor -> empty optional -> tensor) with an unchanged shape
// must re-plan the body, or the third iteration sees "no element". Expected scans: true, false, true.
TEST_CASE("Loop: a carried optional tensor alternating between a value and none") {
  // Body: ident = Identity(opt_in); has = OptionalHasElement(ident) (scanned);
  // opt_out = If(has) then an empty optional else Optional(x). Iterations see: x, none, x.
  Graph then_g = graph("then", {node("Optional", {}, {"e"}, {attr_type_tensor("type", DType::kFloat32)})}, {},
                       {vi_untyped("e")});
  Graph else_g = graph("else", {node("Optional", {"x"}, {"e"})}, {}, {vi_untyped("e")});
  TypeInfo ft;
  ft.kind = TypeInfo::Kind::kTensor;
  ft.elem = DType::kFloat32;
  Graph body = graph("body",
                     {node("Identity", {"c_in"}, {"c_out"}), node("Identity", {"opt_in"}, {"ident"}),
                      node("OptionalHasElement", {"ident"}, {"has"}),
                      node("If", {"has"}, {"opt_out"}, {attr_graph("then_branch", then_g), attr_graph("else_branch", else_g)})},
                     {vi_tensor("iter", DType::kInt64, {}), vi_tensor("c_in", DType::kBool, {}), vi_opt("opt_in", ft)},
                     {vi_tensor("c_out", DType::kBool, {}), vi_untyped("opt_out"), vi_tensor("has", DType::kBool, {})});
  ModelTest t;
  t.opset = 16;
  t.nodes = {node("Optional", {"x"}, {"o0"}), node("Loop", {"M", "", "o0"}, {"o", "hs"}, {attr_graph("body", body)})};
  t.feeds = {{"M", Value::of(i64({}, {3}))}, {"x", Value::of(ftensor({2}, {1, 2}))}};
  t.outputs = {"o", "hs"};
  std::vector<Value> r = run_ok(t);
  CHECK(r[0].kind == ValueKind::kNone);
  check_tensor(r[1], tensor<bool>({3}, {true, false, true}));
}

TEST_CASE("Loop: the iteration limit ends a loop that never stops") {
  // No M, no cond: per the spec the body's cond is ignored, so only Limits::max_loop_iterations ends it.
  Graph body = graph("body", {}, {vi_tensor("iter", DType::kInt64, {}), vi_tensor("c_in", DType::kBool, {})},
                     {vi_tensor("c_in", DType::kBool, {})});
  ModelTest t;
  t.nodes = {node("Loop", {"", ""}, {}, {attr_graph("body", body)}), node("Identity", {"x"}, {"y"})};
  t.feeds = {{"x", Value::of(ftensor({1}, {1}))}};
  t.outputs = {"y"};
  Result<std::vector<Value>> r = t.run();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kResourceExhausted);
  CHECK(r.status().message().find("Loop") != std::string::npos);
}

TEST_CASE("Sequences and Scan over other element types: float16, bool, uint8, double") {
  Tensor h = tensor<Float16>({2, 2}, {Float16(1.5f), Float16(-2.0f), Float16(0.25f), Float16(8.0f)});
  Tensor bo = tensor<bool>({2, 2}, {true, false, false, true});
  Tensor u8 = tensor<uint8_t>({2, 2}, {1, 2, 3, 255});
  for (const Tensor& x : {h, bo, u8}) {
    ModelTest t;
    t.feeds = {{"x", Value::of(x)}};
    t.nodes = {node("SplitToSequence", {"x"}, {"s"}, {attr_int("axis", 0)}),
               node("SequenceErase", {"s"}, {"s1"}), node("SequenceInsert", {"s1", "x"}, {"s2"}),
               node("ConcatFromSequence", {"s2"}, {"y"}, {attr_int("axis", 0)})};
    t.outputs = {"y"};
    std::vector<Value> r = run_both(t);
    // [x[0:1]] + [x] along axis 0: rows 0, 0, 1.
    REQUIRE(r[0].is_tensor());
    CHECK(r[0].tensor.dtype() == x.dtype());
    CHECK(r[0].tensor.shape() == Dims{3, 2});
    for (int64_t i = 0; i < 2; ++i) {
      CHECK(r[0].tensor.get_as_double(i) == x.get_as_double(i));
      CHECK(r[0].tensor.get_as_double(2 + i) == x.get_as_double(i));
      CHECK(r[0].tensor.get_as_double(4 + i) == x.get_as_double(2 + i));
    }
  }
  // Scan with a float64 state and a bool scan output.
  Graph body = graph("body", {node("Add", {"s_in", "v"}, {"s_out"}), node("Greater", {"s_out", "thr"}, {"big"})},
                     {vi_tensor("s_in", DType::kFloat64, {}), vi_tensor("v", DType::kFloat64, {})},
                     {vi_tensor("s_out", DType::kFloat64, {}), vi_tensor("big", DType::kBool, {})},
                     {init("thr", tensor<double>({}, {2.0}))});
  ModelTest t;
  t.nodes = {node("Scan", {"s0", "vs"}, {"s", "bigs"}, {attr_graph("body", body), attr_int("num_scan_inputs", 1)})};
  t.feeds = {{"s0", Value::of(tensor<double>({}, {0.5}))}, {"vs", Value::of(tensor<double>({3}, {1, 1, 1}))}};
  t.outputs = {"s", "bigs"};
  std::vector<Value> r = run_both(t);
  check_tensor(r[0], tensor<double>({}, {3.5}));
  check_tensor(r[1], tensor<bool>({3}, {false, true, true}));
}
