#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "op_test.h"

using namespace onyx;
using namespace onyx::test;

namespace {

// Runs the node with graph inputs, then again with the inputs as initializers (so the node is
// constant-folded); both must succeed and agree. Returns the first run's outputs.
std::vector<Tensor> run_both(OpTest t) {
  Result<std::vector<Tensor>> a = t.run();
  REQUIRE_MESSAGE(a.ok(), a.status().to_string());
  t.constant_inputs = true;
  Result<std::vector<Tensor>> b = t.run();
  REQUIRE_MESSAGE(b.ok(), b.status().to_string());
  REQUIRE(a->size() == b->size());
  for (size_t i = 0; i < a->size(); ++i) {
    CHECK_MESSAGE(compare((*b)[i], (*a)[i], 0, 0) == "", "constant-folded output ", i, " differs");
  }
  return *a;
}

// Runs once (graph inputs only).
std::vector<Tensor> run_one(const OpTest& t) {
  Result<std::vector<Tensor>> a = t.run();
  REQUIRE_MESSAGE(a.ok(), a.status().to_string());
  return *a;
}

// Like OpTest::run, but input i is an initializer when const_mask[i] (else a graph input): the
// usual case of a static node whose shape-like inputs are constants and whose data is not.
std::vector<Tensor> run_mixed(const OpTest& t, const std::vector<bool>& const_mask) {
  auto model = std::make_shared<Model>();
  model->ir_version = 8;
  model->opsets.push_back({"", t.opset});
  model->source = "op_test";
  Node node;
  node.name = "n0";
  node.op_type = t.op_type;
  node.attrs = t.attrs;
  for (size_t i = 0; i < t.inputs.size(); ++i) {
    if (!t.inputs[i].defined()) {
      node.inputs.push_back("");
      continue;
    }
    std::string name = "in" + std::to_string(i);
    node.inputs.push_back(name);
    if (i < const_mask.size() && const_mask[i]) {
      model->graph.initializers.push_back({name, t.inputs[i], ""});
    } else {
      ValueInfo vi;
      vi.name = name;
      vi.type.kind = TypeInfo::Kind::kTensor;
      vi.type.elem = t.inputs[i].dtype();
      vi.type.has_shape = true;
      for (int64_t d : t.inputs[i].shape()) vi.type.shape.push_back(Dim{d, ""});
      model->graph.inputs.push_back(vi);
    }
  }
  for (int i = 0; i < t.num_outputs; ++i) {
    std::string name = "out" + std::to_string(i);
    node.outputs.push_back(name);
    ValueInfo vi;
    vi.name = name;
    model->graph.outputs.push_back(vi);
  }
  model->graph.nodes.push_back(node);
  auto session = Session::create(model);
  REQUIRE_MESSAGE(session.ok(), session.status().to_string());
  for (size_t i = 0; i < t.inputs.size(); ++i) {
    if (!t.inputs[i].defined() || (i < const_mask.size() && const_mask[i])) continue;
    Status st = (*session)->set_input("in" + std::to_string(i), t.inputs[i]);
    REQUIRE_MESSAGE(st.ok(), st.to_string());
  }
  Status st = (*session)->run();
  REQUIRE_MESSAGE(st.ok(), st.to_string());
  std::vector<Tensor> outs;
  for (int i = 0; i < t.num_outputs; ++i) {
    const Tensor* o = (*session)->output("out" + std::to_string(i));
    REQUIRE(o != nullptr);
    outs.push_back(o->clone().value());
  }
  return outs;
}

Code run_error(const OpTest& t) {
  Result<std::vector<Tensor>> a = t.run();
  if (a.ok()) return Code::kOk;
  return a.status().code();
}

void check_eq(const Tensor& got, const Tensor& want, double rtol = 1e-5, double atol = 1e-6) {
  CHECK_MESSAGE(compare(got, want, rtol, atol) == "", compare(got, want, rtol, atol));
}

Tensor i64(Dims dims, std::vector<int64_t> v) { return tensor<int64_t>(std::move(dims), std::move(v)); }
Tensor i32(Dims dims, std::vector<int32_t> v) { return tensor<int32_t>(std::move(dims), std::move(v)); }

Tensor stensor(Dims dims, std::vector<std::string> v) { return tensor<std::string>(std::move(dims), std::move(v)); }

// 0, 1, 2, ... as float.
Tensor iota_f(Dims dims) {
  Tensor t = Tensor::make(DType::kFloat32, dims).value();
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = static_cast<float>(i);
  return t;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Identity, Constant, ConstantOfShape, Shape, Size

TEST_CASE("Identity copies tensors of any dtype") {
  OpTest t{"Identity", {ftensor({2, 2}, {1, 2, 3, 4})}};
  check_eq(run_both(t)[0], ftensor({2, 2}, {1, 2, 3, 4}));

  t.inputs = {stensor({3}, {"a", "bb", ""})};
  auto out = run_both(t);
  CHECK(values<std::string>(out[0]) == std::vector<std::string>{"a", "bb", ""});

  t.inputs = {tensor<bool>({2}, {true, false})};
  check_eq(run_both(t)[0], tensor<bool>({2}, {true, false}));

  t.inputs = {Tensor::make(DType::kFloat16, {0, 3}).value()};
  CHECK(run_both(t)[0].shape() == Dims{0, 3});

  t.opset = 1;
  t.inputs = {i64({}, {7})};
  check_eq(run_both(t)[0], i64({}, {7}));
}

TEST_CASE("Constant: value tensor and the opset 12 value_* attributes") {
  OpTest t{"Constant"};
  t.attrs = {attr_tensor("value", ftensor({2}, {1.5f, -2}))};
  check_eq(run_one(t)[0], ftensor({2}, {1.5f, -2}));

  t.opset = 9;
  t.attrs = {attr_tensor("value", i32({2, 1}, {3, 4}))};
  check_eq(run_one(t)[0], i32({2, 1}, {3, 4}));

  t.opset = 13;
  t.attrs = {attr_float("value_float", 0.25f)};
  check_eq(run_one(t)[0], ftensor({}, {0.25f}));
  t.attrs = {attr_floats("value_floats", {1, 2, 3})};
  check_eq(run_one(t)[0], ftensor({3}, {1, 2, 3}));
  t.attrs = {attr_int("value_int", -5)};
  check_eq(run_one(t)[0], i64({}, {-5}));
  t.attrs = {attr_ints("value_ints", {4, 5})};
  check_eq(run_one(t)[0], i64({2}, {4, 5}));
  t.attrs = {attr_string("value_string", "hi")};
  auto out = run_one(t);
  CHECK(out[0].dtype() == DType::kString);
  CHECK(out[0].shape().empty());
  CHECK(values<std::string>(out[0]) == std::vector<std::string>{"hi"});
  Attribute ss;
  ss.name = "value_strings";
  ss.type = AttrType::kStrings;
  ss.strings = {"x", "yz"};
  t.attrs = {ss};
  CHECK(values<std::string>(run_one(t)[0]) == std::vector<std::string>{"x", "yz"});
}

TEST_CASE("Constant errors") {
  OpTest t{"Constant"};
  CHECK(run_error(t) == Code::kInvalidModel);  // no value
  t.attrs = {attr_float("value_float", 1), attr_int("value_int", 1)};
  CHECK(run_error(t) == Code::kInvalidModel);  // two values
  t.opset = 11;
  t.attrs = {attr_float("value_float", 1)};
  CHECK(run_error(t) == Code::kInvalidModel);  // value_float needs opset 12
  t.opset = 1;  // the opset-1 schema says floats only, but exporters emit int64: accepted
  t.attrs = {attr_tensor("value", i64({2}, {7, -1}))};
  CHECK(values<int64_t>(run_one(t)[0]) == std::vector<int64_t>{7, -1});
  t.opset = 13;
  t.attrs = {attr_int("value", 3)};
  CHECK(run_error(t) == Code::kInvalidModel);  // wrong attribute type
}

TEST_CASE("ConstantOfShape") {
  OpTest t{"ConstantOfShape", {i64({3}, {2, 1, 3})}};
  check_eq(run_both(t)[0], ftensor({2, 1, 3}, {0, 0, 0, 0, 0, 0}));
  t.attrs = {attr_tensor("value", i32({1}, {7}))};
  check_eq(run_both(t)[0], i32({2, 1, 3}, {7, 7, 7, 7, 7, 7}));
  t.inputs = {i64({1}, {0})};
  CHECK(run_both(t)[0].shape() == Dims{0});
  t.inputs = {i64({0}, {})};
  check_eq(run_both(t)[0], i32({}, {7}));  // empty shape: a scalar
  t.attrs = {attr_tensor("value", tensor<bool>({1}, {true}))};
  t.inputs = {i64({1}, {2})};
  check_eq(run_both(t)[0], tensor<bool>({2}, {true, true}));
  t.attrs = {attr_tensor("value", ftensor({2}, {1, 2}))};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {};
  t.inputs = {i64({2}, {2, -1})};
  CHECK(run_error(t) == Code::kInvalidArgument);
}

TEST_CASE("Shape and Size") {
  OpTest t{"Shape", {Tensor::make(DType::kFloat32, {2, 3, 4}).value()}};
  check_eq(run_both(t)[0], i64({3}, {2, 3, 4}));
  t.inputs = {ftensor({}, {1})};
  check_eq(run_both(t)[0], i64({0}, {}));
  t.inputs = {stensor({0, 5}, {})};
  check_eq(run_both(t)[0], i64({2}, {0, 5}));

  t.inputs = {Tensor::make(DType::kUInt8, {2, 3, 4, 5}).value()};
  t.opset = 15;
  t.attrs = {attr_int("start", 1)};
  check_eq(run_both(t)[0], i64({3}, {3, 4, 5}));
  t.attrs = {attr_int("start", 1), attr_int("end", -1)};
  check_eq(run_both(t)[0], i64({2}, {3, 4}));
  t.attrs = {attr_int("start", -10), attr_int("end", 10)};  // clamped
  check_eq(run_both(t)[0], i64({4}, {2, 3, 4, 5}));
  t.attrs = {attr_int("start", 3), attr_int("end", 1)};  // empty
  check_eq(run_both(t)[0], i64({0}, {}));
  t.opset = 13;  // start ignored before 15
  check_eq(run_both(t)[0], i64({4}, {2, 3, 4, 5}));

  OpTest s{"Size", {Tensor::make(DType::kInt8, {2, 3, 4}).value()}};
  check_eq(run_both(s)[0], i64({}, {24}));
  s.inputs = {ftensor({0, 7}, {})};
  check_eq(run_both(s)[0], i64({}, {0}));
  s.inputs = {ftensor({}, {3})};
  check_eq(run_both(s)[0], i64({}, {1}));
}

// ---------------------------------------------------------------------------------------------
// Reshape, Flatten, Squeeze, Unsqueeze

TEST_CASE("Reshape: 0, -1, allowzero, scalars") {
  Tensor x = iota_f({2, 3, 4});
  OpTest t{"Reshape", {x, i64({2}, {4, -1})}};
  auto out = run_both(t);
  CHECK(out[0].shape() == Dims{4, 6});
  check_eq(out[0], iota_f({4, 6}));
  t.inputs = {x, i64({3}, {0, 0, -1})};
  CHECK(run_both(t)[0].shape() == Dims{2, 3, 4});
  t.inputs = {x, i64({2}, {0, 12})};
  CHECK(run_both(t)[0].shape() == Dims{2, 12});
  t.inputs = {x, i64({4}, {-1, 1, 1, 2})};
  CHECK(run_both(t)[0].shape() == Dims{12, 1, 1, 2});
  t.inputs = {ftensor({1}, {5}), i64({0}, {})};
  check_eq(run_both(t)[0], ftensor({}, {5}));

  // allowzero: 0 is a real zero.
  t.opset = 14;
  t.attrs = {attr_int("allowzero", 1)};
  t.inputs = {ftensor({0, 3}, {}), i64({2}, {3, 0})};
  CHECK(run_both(t)[0].shape() == Dims{3, 0});
  t.attrs = {};
  t.inputs = {ftensor({0, 3}, {}), i64({2}, {3, 0})};  // 0 copies dim 1 (3): 9 != 0
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.attrs = {attr_int("allowzero", 1)};
  t.inputs = {x, i64({2}, {0, -1})};
  CHECK(run_error(t) == Code::kInvalidArgument);

  // strings
  t.attrs = {};
  t.inputs = {stensor({2, 2}, {"a", "b", "c", "d"}), i64({1}, {4})};
  out = run_both(t);
  CHECK(out[0].shape() == Dims{4});
  CHECK(values<std::string>(out[0]) == std::vector<std::string>{"a", "b", "c", "d"});
}

TEST_CASE("Reshape errors and opset 1") {
  Tensor x = iota_f({2, 3});
  OpTest t{"Reshape", {x, i64({2}, {4, -1})}};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {x, i64({2}, {-1, -1})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {x, i64({2}, {-2, 3})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {x, i64({3}, {1, 1, 0})};  // copies a dim the input does not have
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {x, i64({2}, {5, 1})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {x};
  CHECK(run_error(t) == Code::kInvalidModel);

  OpTest old{"Reshape", {x}, {attr_ints("shape", {3, -1})}};
  old.opset = 1;
  CHECK(run_both(old)[0].shape() == Dims{3, 2});
}

TEST_CASE("Flatten") {
  Tensor x = iota_f({2, 3, 4, 5});
  OpTest t{"Flatten", {x}};
  CHECK(run_both(t)[0].shape() == Dims{2, 60});
  check_eq(run_both(t)[0], iota_f({2, 60}));
  t.attrs = {attr_int("axis", 0)};
  CHECK(run_both(t)[0].shape() == Dims{1, 120});
  t.attrs = {attr_int("axis", 4)};
  CHECK(run_both(t)[0].shape() == Dims{120, 1});
  t.attrs = {attr_int("axis", -1)};
  CHECK(run_both(t)[0].shape() == Dims{24, 5});
  t.attrs = {attr_int("axis", -4)};
  CHECK(run_both(t)[0].shape() == Dims{1, 120});
  t.attrs = {attr_int("axis", 5)};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_int("axis", -5)};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_int("axis", 2)};
  t.inputs = {i64({2, 0, 3}, {})};
  CHECK(run_both(t)[0].shape() == Dims{0, 3});
  t.opset = 1;
  t.inputs = {i64({2, 2}, {1, 2, 3, 4})};
  CHECK(run_error(t) == Code::kUnsupported);  // opset 1 is float-only
}

TEST_CASE("Squeeze and Unsqueeze: attribute (<13) and input (13+) axes") {
  Tensor x = iota_f({1, 3, 1, 2});
  OpTest sq{"Squeeze", {x}};
  CHECK(run_both(sq)[0].shape() == Dims{3, 2});
  sq.inputs = {x, i64({1}, {-2})};
  auto out = run_both(sq);
  CHECK(out[0].shape() == Dims{1, 3, 2});
  check_eq(out[0], iota_f({1, 3, 2}));
  sq.inputs = {x, i64({1}, {1})};
  CHECK(run_error(sq) == Code::kInvalidArgument);  // dim 1 is 3
  sq.inputs = {x, i64({1}, {4})};
  CHECK(run_error(sq) == Code::kInvalidModel);
  sq.opset = 11;
  sq.inputs = {x};
  sq.attrs = {attr_ints("axes", {0, 2})};
  CHECK(run_both(sq)[0].shape() == Dims{3, 2});
  sq.attrs = {attr_ints("axes", {0, 0})};
  CHECK(run_error(sq) == Code::kInvalidModel);
  sq.attrs = {};
  sq.inputs = {ftensor({1, 1}, {9})};
  check_eq(run_both(sq)[0], ftensor({}, {9}));

  OpTest un{"Unsqueeze", {ftensor({3}, {1, 2, 3}), i64({2}, {0, -1})}};
  out = run_both(un);
  check_eq(out[0], ftensor({1, 3, 1}, {1, 2, 3}));
  un.inputs = {ftensor({2, 3}, {}), i64({3}, {4, 0, 2})};
  CHECK(run_both(un)[0].shape() == Dims{1, 2, 1, 3, 1});
  un.inputs = {ftensor({}, {5}), i64({1}, {0})};
  check_eq(run_both(un)[0], ftensor({1}, {5}));
  un.inputs = {ftensor({3}, {}), i64({2}, {1, 1})};
  CHECK(run_error(un) == Code::kInvalidModel);
  un.inputs = {ftensor({3}, {}), i64({1}, {2})};
  CHECK(run_error(un) == Code::kInvalidModel);
  un.inputs = {ftensor({3}, {})};
  CHECK(run_error(un) == Code::kInvalidModel);  // axes required
  un.opset = 11;
  un.attrs = {attr_ints("axes", {1})};
  CHECK(run_both(un)[0].shape() == Dims{3, 1});
  un.opset = 1;
  un.inputs = {stensor({2}, {"p", "q"})};
  out = run_both(un);
  CHECK(out[0].shape() == Dims{2, 1});
  CHECK(values<std::string>(out[0]) == std::vector<std::string>{"p", "q"});
}

// ---------------------------------------------------------------------------------------------
// Transpose, Concat, Split

TEST_CASE("Transpose") {
  OpTest t{"Transpose", {ftensor({2, 3}, {1, 2, 3, 4, 5, 6})}};
  check_eq(run_both(t)[0], ftensor({3, 2}, {1, 4, 2, 5, 3, 6}));
  // 2x3x4 with perm (1, 2, 0): out[j][k][i] = x[i][j][k] = 12i + 4j + k.
  Tensor x = iota_f({2, 3, 4});
  t.inputs = {x};
  t.attrs = {attr_ints("perm", {1, 2, 0})};
  auto out = run_both(t)[0];
  CHECK(out.shape() == Dims{3, 4, 2});
  std::vector<float> want;
  for (int j = 0; j < 3; ++j)
    for (int k = 0; k < 4; ++k)
      for (int i = 0; i < 2; ++i) want.push_back(static_cast<float>(12 * i + 4 * j + k));
  check_eq(out, ftensor({3, 4, 2}, want));
  // Default: reversed axes.
  t.attrs = {};
  out = run_both(t)[0];
  want.clear();
  for (int k = 0; k < 4; ++k)
    for (int j = 0; j < 3; ++j)
      for (int i = 0; i < 2; ++i) want.push_back(static_cast<float>(12 * i + 4 * j + k));
  check_eq(out, ftensor({4, 3, 2}, want));
  // Identity perm, unit dims, strings, 16-bit, empty.
  t.attrs = {attr_ints("perm", {0, 1, 2})};
  check_eq(run_both(t)[0], x);
  t.inputs = {stensor({1, 2}, {"a", "b"})};
  t.attrs = {};
  CHECK(values<std::string>(run_both(t)[0]) == std::vector<std::string>{"a", "b"});
  t.inputs = {tensor<uint16_t>({2, 2}, {1, 2, 3, 4})};
  check_eq(run_both(t)[0], tensor<uint16_t>({2, 2}, {1, 3, 2, 4}));
  t.inputs = {ftensor({0, 2}, {})};
  CHECK(run_both(t)[0].shape() == Dims{2, 0});
  t.inputs = {ftensor({}, {3})};
  check_eq(run_both(t)[0], ftensor({}, {3}));
  // Errors.
  t.inputs = {x};
  t.attrs = {attr_ints("perm", {0, 1})};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_ints("perm", {0, 1, 1})};
  CHECK(run_error(t) == Code::kInvalidModel);
}

TEST_CASE("Concat") {
  OpTest t{"Concat", {ftensor({2, 2}, {1, 2, 3, 4}), ftensor({2, 1}, {5, 6})}, {attr_int("axis", 1)}};
  check_eq(run_both(t)[0], ftensor({2, 3}, {1, 2, 5, 3, 4, 6}));
  t.attrs = {attr_int("axis", -1)};
  check_eq(run_both(t)[0], ftensor({2, 3}, {1, 2, 5, 3, 4, 6}));
  t.inputs = {ftensor({1, 2}, {1, 2}), ftensor({0, 2}, {}), ftensor({2, 2}, {3, 4, 5, 6})};
  t.attrs = {attr_int("axis", 0)};
  check_eq(run_both(t)[0], ftensor({3, 2}, {1, 2, 3, 4, 5, 6}));
  t.inputs = {i64({1}, {7})};
  check_eq(run_both(t)[0], i64({1}, {7}));
  t.inputs = {stensor({1}, {"x"}), stensor({2}, {"y", "z"})};
  CHECK(values<std::string>(run_both(t)[0]) == std::vector<std::string>{"x", "y", "z"});
  // Errors: mismatched dims, dtypes, rank, missing axis, axis out of range.
  t.inputs = {ftensor({2, 2}, {}), ftensor({2, 3}, {})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {ftensor({2}, {}), i64({2}, {})};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.inputs = {ftensor({2}, {}), ftensor({2}, {})};
  t.attrs = {};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_int("axis", 1)};
  CHECK(run_error(t) == Code::kInvalidModel);
}

TEST_CASE("Split: equal, attribute and input splits") {
  OpTest t{"Split", {ftensor({6}, {1, 2, 3, 4, 5, 6})}};
  t.num_outputs = 3;
  auto out = run_both(t);
  check_eq(out[0], ftensor({2}, {1, 2}));
  check_eq(out[2], ftensor({2}, {5, 6}));
  t.inputs = {ftensor({2, 3}, {1, 2, 3, 4, 5, 6}), i64({3}, {1, 0, 2})};
  t.attrs = {attr_int("axis", -1)};
  out = run_both(t);
  check_eq(out[0], ftensor({2, 1}, {1, 4}));
  CHECK(out[1].shape() == Dims{2, 0});
  check_eq(out[2], ftensor({2, 2}, {2, 3, 5, 6}));
  t.opset = 11;
  t.inputs = {ftensor({2, 3}, {1, 2, 3, 4, 5, 6})};
  t.attrs = {attr_int("axis", 1), attr_ints("split", {2, 0, 1})};
  out = run_both(t);
  check_eq(out[0], ftensor({2, 2}, {1, 2, 4, 5}));
  check_eq(out[2], ftensor({2, 1}, {3, 6}));
  t.attrs = {attr_int("axis", 1), attr_ints("split", {2, 2, 1})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.attrs = {attr_int("axis", 1)};
  t.num_outputs = 2;
  CHECK(run_error(t) == Code::kInvalidArgument);  // 3 does not split in 2
}

// ---------------------------------------------------------------------------------------------
// Gather family

TEST_CASE("Gather: axes, negative indices, int32 indices, out of range") {
  Tensor x = ftensor({3, 2}, {1, 2, 3, 4, 5, 6});
  OpTest t{"Gather", {x, i64({2, 2}, {0, 1, 1, 2})}};
  check_eq(run_both(t)[0], ftensor({2, 2, 2}, {1, 2, 3, 4, 3, 4, 5, 6}));
  t.inputs = {x, i32({2}, {-1, 0})};
  check_eq(run_both(t)[0], ftensor({2, 2}, {5, 6, 1, 2}));
  t.attrs = {attr_int("axis", 1)};
  t.inputs = {x, i64({1}, {1})};
  check_eq(run_both(t)[0], ftensor({3, 1}, {2, 4, 6}));
  t.attrs = {attr_int("axis", -1)};
  t.inputs = {x, i64({}, {0})};  // scalar index removes the axis
  check_eq(run_both(t)[0], ftensor({3}, {1, 3, 5}));
  t.attrs = {};
  t.inputs = {i64({3}, {10, 20, 30}), i64({0}, {})};
  CHECK(run_both(t)[0].shape() == Dims{0});
  t.inputs = {stensor({3}, {"a", "b", "c"}), i64({2}, {2, 0})};
  CHECK(values<std::string>(run_both(t)[0]) == std::vector<std::string>{"c", "a"});
  // The typical shape-subgraph use: Gather(Shape(x), scalar).
  t.inputs = {i64({4}, {1, 3, 480, 640}), i64({}, {2})};
  check_eq(run_both(t)[0], i64({}, {480}));
  // Errors.
  t.inputs = {x, i64({1}, {3})};
  CHECK(run_error(t) == Code::kOutOfRange);
  t.inputs = {x, i64({1}, {-4})};
  CHECK(run_error(t) == Code::kOutOfRange);
  t.inputs = {x, ftensor({1}, {0})};
  CHECK(run_error(t) == Code::kUnsupported);
  t.attrs = {attr_int("axis", 2)};
  t.inputs = {x, i64({1}, {0})};
  CHECK(run_error(t) == Code::kInvalidModel);
}

TEST_CASE("GatherElements") {
  OpTest t{"GatherElements", {ftensor({2, 2}, {1, 2, 3, 4}), i64({2, 2}, {0, 0, 1, 0})}, {attr_int("axis", 1)}};
  check_eq(run_both(t)[0], ftensor({2, 2}, {1, 1, 4, 3}));
  t.attrs = {};
  t.inputs = {ftensor({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), i32({2, 3}, {1, 2, 0, 2, 0, -3})};
  check_eq(run_both(t)[0], ftensor({2, 3}, {4, 8, 3, 7, 2, 3}));
  t.inputs = {ftensor({2, 2}, {1, 2, 3, 4}), i64({1, 1}, {2})};
  CHECK(run_error(t) == Code::kOutOfRange);
}

TEST_CASE("GatherND") {
  OpTest t{"GatherND", {i32({2, 2}, {0, 1, 2, 3}), i64({2, 2}, {0, 0, 1, 1})}};
  check_eq(run_both(t)[0], i32({2}, {0, 3}));
  t.inputs = {i32({2, 2}, {0, 1, 2, 3}), i64({2, 1}, {1, 0})};
  check_eq(run_both(t)[0], i32({2, 2}, {2, 3, 0, 1}));
  // batch_dims = 1
  t.attrs = {attr_int("batch_dims", 1)};
  t.inputs = {ftensor({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7}), i64({2, 1}, {1, 0})};
  check_eq(run_both(t)[0], ftensor({2, 2}, {2, 3, 4, 5}));
  t.attrs = {};
  t.inputs = {i32({2, 2}, {0, 1, 2, 3}), i64({1, 2}, {0, -1})};
  check_eq(run_both(t)[0], i32({1}, {1}));
  t.inputs = {i32({2, 2}, {0, 1, 2, 3}), i64({1, 2}, {0, 2})};
  CHECK(run_error(t) == Code::kOutOfRange);
  t.inputs = {i32({2, 2}, {0, 1, 2, 3}), i64({1, 3}, {0, 0, 0})};
  CHECK(run_error(t) == Code::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Resize / Upsample

TEST_CASE("Resize nearest (spec examples)") {
  OpTest t{"Resize", {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), Tensor(), ftensor({4}, {1, 1, 2, 3})},
           {attr_string("mode", "nearest")}};
  t.opset = 13;
  check_eq(run_both(t)[0], ftensor({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                                  3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
  t.inputs = {ftensor({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}), Tensor(), ftensor({4}, {1, 1, 0.6f, 0.6f})};
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 2}, {1, 3}));
  t.inputs = {ftensor({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}), Tensor(), Tensor(), i64({4}, {1, 1, 1, 3})};
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 3}, {1, 2, 4}));
  // sizes 2x2 -> 7x8 (round_prefer_floor, half_pixel): rows 0..3 -> 1 2, rows 4..6 -> 3 4.
  t.inputs = {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), Tensor(), Tensor(), i64({4}, {1, 1, 7, 8})};
  auto out = run_both(t)[0];
  CHECK(out.shape() == Dims{1, 1, 7, 8});
  for (int r = 0; r < 7; ++r) {
    for (int c = 0; c < 8; ++c) {
      float want = static_cast<float>((r < 4 ? 1 : 3) + (c < 4 ? 0 : 1));
      CHECK(out.data_as<float>()[r * 8 + c] == want);
    }
  }
  // Nearest works on any dtype: strings.
  t.inputs = {stensor({1, 2}, {"a", "b"}), Tensor(), ftensor({2}, {1, 2})};
  CHECK(values<std::string>(run_both(t)[0]) == std::vector<std::string>{"a", "a", "b", "b"});
}

TEST_CASE("Resize nearest_mode and coordinate modes") {
  // 1-D, 4 -> 8 with asymmetric: x = o/2. Indices: floor -> 0 0 1 1 2 2 3 3; ceil -> 0 1 1 2 2 3 3 3.
  Tensor x = ftensor({4}, {10, 20, 30, 40});
  OpTest t{"Resize", {x, Tensor(), ftensor({1}, {2})},
           {attr_string("coordinate_transformation_mode", "asymmetric"), attr_string("nearest_mode", "floor")}};
  check_eq(run_both(t)[0], ftensor({8}, {10, 10, 20, 20, 30, 30, 40, 40}));
  t.attrs = {attr_string("coordinate_transformation_mode", "asymmetric"), attr_string("nearest_mode", "ceil")};
  check_eq(run_both(t)[0], ftensor({8}, {10, 20, 20, 30, 30, 40, 40, 40}));
  // round_prefer_ceil: 0, .5->1, 1, 1.5->2, ...
  t.attrs = {attr_string("coordinate_transformation_mode", "asymmetric"),
             attr_string("nearest_mode", "round_prefer_ceil")};
  check_eq(run_both(t)[0], ftensor({8}, {10, 20, 20, 30, 30, 40, 40, 40}));
  // round_prefer_floor: .5 -> 0
  t.attrs = {attr_string("coordinate_transformation_mode", "asymmetric")};
  check_eq(run_both(t)[0], ftensor({8}, {10, 10, 20, 20, 30, 30, 40, 40}));
  // align_corners 4 -> 7: x = o/2 exactly as well, but x(6) = 3.
  t.inputs = {x, Tensor(), Tensor(), i64({1}, {7})};
  t.attrs = {attr_string("coordinate_transformation_mode", "align_corners")};
  check_eq(run_both(t)[0], ftensor({7}, {10, 10, 20, 20, 30, 30, 40}));
  // tf_half_pixel_for_nn (opset 11), 4 -> 2: x = (o + .5) * 2 = 1, 3.
  t.opset = 11;
  t.inputs = {x, ftensor({0}, {}), Tensor(), i64({1}, {2})};
  t.attrs = {attr_string("coordinate_transformation_mode", "tf_half_pixel_for_nn")};
  check_eq(run_both(t)[0], ftensor({2}, {20, 40}));
}

TEST_CASE("Resize linear (spec examples)") {
  Tensor x = ftensor({1, 1, 2, 2}, {1, 2, 3, 4});
  OpTest t{"Resize", {x, Tensor(), ftensor({4}, {1, 1, 2, 2})}, {attr_string("mode", "linear")}};
  check_eq(run_both(t)[0], ftensor({1, 1, 4, 4}, {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f,
                                                  2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4}));
  t.attrs = {attr_string("mode", "linear"), attr_string("coordinate_transformation_mode", "align_corners")};
  const float a = 1.0f / 3, b = 2.0f / 3;
  check_eq(run_both(t)[0], ftensor({1, 1, 4, 4}, {1, 1 + a, 1 + b, 2, 1 + b, 2, 2 + a, 2 + b,
                                                  2 + a, 2 + b, 3, 3 + a, 3, 3 + a, 3 + b, 4}));
  t.attrs = {attr_string("mode", "linear")};
  t.inputs = {ftensor({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}), Tensor(), ftensor({4}, {1, 1, 0.6f, 0.6f})};
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 2}, {2.6666665f, 4.3333331f}));
  // pytorch_half_pixel 4x4 -> 3x1: column x = 0 (length 1), rows (o + .5) * 4/3 - .5.
  t.attrs = {attr_string("mode", "linear"), attr_string("coordinate_transformation_mode", "pytorch_half_pixel")};
  t.inputs = {iota_f({1, 1, 4, 4}), Tensor(), Tensor(), i64({4}, {1, 1, 3, 1})};
  check_eq(run_both(t)[0], ftensor({1, 1, 3, 1}, {0.6666667f, 6.0f, 11.333333f}));
}

TEST_CASE("Resize linear half_pixel via sizes on a camera-like frame") {
  // 1x3xHxW -> 1x3x(H/2)x(W/2), half_pixel: x = 2o + 0.5, so each output is the mean of a
  // 2x2 block. With x[c][h][w] = 1000c + 10h + w that is 1000c + 10(2i + .5) + (2j + .5).
  const int64_t H = 480, W = 640;
  Tensor x = Tensor::make(DType::kFloat32, {1, 3, H, W}).value();
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < W; ++w)
        x.data_as<float>()[(c * H + h) * W + w] = static_cast<float>(1000 * c + 10 * h + w);
  OpTest t{"Resize", {x, Tensor(), Tensor(), i64({4}, {1, 3, H / 2, W / 2})}, {attr_string("mode", "linear")}};
  Tensor y = run_one(t)[0];
  REQUIRE(y.shape() == Dims{1, 3, H / 2, W / 2});
  int bad = 0;
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < H / 2; ++i)
      for (int64_t j = 0; j < W / 2; ++j) {
        double want = 1000.0 * c + 10.0 * (2 * i + 0.5) + (2 * j + 0.5);
        double got = y.data_as<float>()[(c * (H / 2) + i) * (W / 2) + j];
        if (std::fabs(got - want) > 1e-3 * std::fabs(want) + 1e-3) ++bad;
      }
  CHECK(bad == 0);
  // Upscaling 2x2 -> 3x3 with half_pixel via sizes: x = (o + .5) * 2/3 - .5 = -1/6, 1/2, 7/6
  // (clamped to the edge outside): columns weights give 1, 1.5, 2 for row [1 2].
  t.inputs = {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), Tensor(), Tensor(), i64({4}, {1, 1, 3, 3})};
  check_eq(run_both(t)[0], ftensor({1, 1, 3, 3}, {1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4}));
  // Identity size: unchanged.
  t.inputs = {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), Tensor(), Tensor(), i64({4}, {1, 1, 2, 2})};
  check_eq(run_both(t)[0], ftensor({1, 1, 2, 2}, {1, 2, 3, 4}));
}

TEST_CASE("Resize linear on integers, float16 and 3-D (trilinear)") {
  OpTest t{"Resize", {tensor<uint8_t>({1, 2}, {0, 255}), Tensor(), Tensor(), i64({2}, {1, 3})},
           {attr_string("mode", "linear"), attr_string("coordinate_transformation_mode", "align_corners")}};
  check_eq(run_both(t)[0], tensor<uint8_t>({1, 3}, {0, 128, 255}));  // 127.5 rounds to even 128
  t.inputs = {tensor<Float16>({2}, {Float16(1.0f), Float16(3.0f)}), Tensor(), Tensor(), i64({1}, {3})};
  check_eq(run_both(t)[0], tensor<Float16>({3}, {Float16(1.0f), Float16(2.0f), Float16(3.0f)}));
  // 2x2x2 -> 3x3x3 align_corners: the centre is the mean of all 8 corners.
  t.inputs = {ftensor({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7}), Tensor(), Tensor(), i64({3}, {3, 3, 3})};
  Tensor y = run_both(t)[0];
  CHECK(y.shape() == Dims{3, 3, 3});
  CHECK(y.data_as<float>()[13] == doctest::Approx(3.5));
  CHECK(y.data_as<float>()[26] == doctest::Approx(7));
  CHECK(y.data_as<float>()[1] == doctest::Approx(0.5));
  // Linear on strings is rejected.
  t.inputs = {stensor({2}, {"a", "b"}), Tensor(), Tensor(), i64({1}, {3})};
  CHECK(run_error(t) == Code::kUnsupported);
}

TEST_CASE("Resize cubic") {
  // asymmetric x2 on 1-D [0 1 2 3] (A = -0.75). Linear data is reproduced exactly away from
  // the edges (cubic convolution reproduces linear functions): x = 0.5 -> 0.5, x = 1.5 -> 1.5.
  OpTest t{"Resize", {ftensor({4}, {0, 1, 2, 3}), Tensor(), ftensor({1}, {2})},
           {attr_string("mode", "cubic"), attr_string("coordinate_transformation_mode", "asymmetric")}};
  Tensor y = run_both(t)[0];
  REQUIRE(y.shape() == Dims{8});
  CHECK(y.data_as<float>()[0] == doctest::Approx(0));
  CHECK(y.data_as<float>()[2] == doctest::Approx(1));
  CHECK(y.data_as<float>()[3] == doctest::Approx(1.5));
  // x = 0.5: taps -1(clamped to 0), 0, 1, 2 with weights w(1.5), w(.5), w(.5), w(1.5):
  // w(.5) = 1.25*.125 - 2.25*.25 + 1 = 0.59375, w(1.5) = -0.09375. Value = 0*(w1.5+w.5)
  // + 1*.59375 + 2*(-.09375) = 0.40625.
  CHECK(y.data_as<float>()[1] == doctest::Approx(0.40625));
  // exclude_outside renormalises: weights over taps 0, 1, 2 only: (0*.59375 + 1*.59375 -
  // 2*.09375) / (1.09375) = 0.37142857.
  t.attrs.push_back(attr_int("exclude_outside", 1));
  y = run_both(t)[0];
  CHECK(y.data_as<float>()[1] == doctest::Approx(0.40625 / 1.09375));
}

TEST_CASE("Resize tf_crop_and_resize with extrapolation") {
  // 1-D [0..9], roi [0.4, 1.2], size 3: x = 0.4*9 + o*0.8*9/2 = 3.6, 7.2, 10.8 (outside).
  OpTest t{"Resize", {iota_f({10}), ftensor({2}, {0.4f, 1.2f}), Tensor(), i64({1}, {3})},
           {attr_string("mode", "linear"), attr_string("coordinate_transformation_mode", "tf_crop_and_resize"),
            attr_float("extrapolation_value", 10)}};
  check_eq(run_both(t)[0], ftensor({3}, {3.6f, 7.2f, 10}), 1e-5, 1e-5);
  t.inputs = {iota_f({10}), Tensor(), Tensor(), i64({1}, {3})};
  CHECK(run_error(t) == Code::kInvalidArgument);  // roi missing
}

TEST_CASE("Resize errors") {
  Tensor x = ftensor({1, 2}, {1, 2});
  OpTest t{"Resize", {x, Tensor(), ftensor({2}, {1, 2}), i64({2}, {1, 4})}};
  CHECK(run_error(t) == Code::kInvalidModel);  // both scales and sizes
  t.inputs = {x};
  CHECK(run_error(t) == Code::kInvalidModel);  // neither
  t.inputs = {x, Tensor(), ftensor({1}, {2})};
  CHECK(run_error(t) == Code::kInvalidArgument);  // wrong count
  t.inputs = {x, Tensor(), ftensor({2}, {1, -2})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {x, Tensor(), ftensor({2}, {1, 2})};
  t.attrs = {attr_string("mode", "bicubic")};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_string("coordinate_transformation_mode", "nope")};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_string("nearest_mode", "nope")};
  CHECK(run_error(t) == Code::kInvalidModel);
}

TEST_CASE("Resize opset 10 and Upsample") {
  // Opset 10: asymmetric; nearest floors when upsampling, ceils when downsampling.
  OpTest t{"Resize", {ftensor({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}), ftensor({4}, {1, 1, 0.6f, 0.6f})}};
  t.opset = 10;
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 2}, {1, 3}));
  t.inputs = {ftensor({1, 3}, {1, 2, 4}), ftensor({2}, {1, 2})};
  t.attrs = {attr_string("mode", "linear")};
  check_eq(run_both(t)[0], ftensor({1, 6}, {1, 1.5f, 2, 3, 4, 4}));

  OpTest u{"Upsample", {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), ftensor({4}, {1, 1, 2, 3})}};
  u.opset = 9;
  check_eq(run_both(u)[0], ftensor({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                                  3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}));
  u.opset = 7;
  u.inputs = {i32({2}, {5, 6})};
  u.attrs = {attr_floats("scales", {2})};
  check_eq(run_both(u)[0], i32({4}, {5, 5, 6, 6}));
  u.attrs = {attr_floats("scales", {2}), attr_string("mode", "linear")};
  check_eq(run_both(u)[0], i32({4}, {5, 6, 6, 6}));  // 5.5 rounds to even 6
  u.opset = 1;
  u.inputs = {ftensor({1, 1, 1, 2}, {1, 2})};
  u.attrs = {attr_float("height_scale", 2), attr_float("width_scale", 2)};
  check_eq(run_both(u)[0], ftensor({1, 1, 2, 4}, {1, 1, 2, 2, 1, 1, 2, 2}));
}

// ---------------------------------------------------------------------------------------------
// Slice, Expand, Tile, Pad

TEST_CASE("Slice: starts/ends/axes/steps, clamping, negative steps") {
  Tensor x = iota_f({3, 4});  // [[0 1 2 3] [4 5 6 7] [8 9 10 11]]
  OpTest t{"Slice", {x, i64({2}, {1, 0}), i64({2}, {3, 3})}};
  check_eq(run_both(t)[0], ftensor({2, 3}, {4, 5, 6, 8, 9, 10}));
  t.inputs = {x, i64({2}, {0, 1}), i64({2}, {3, 4}), i64({2}, {0, 1}), i64({2}, {1, 2})};
  check_eq(run_both(t)[0], ftensor({3, 2}, {1, 3, 5, 7, 9, 11}));
  // Reverse the columns: start -1, end "minus infinity".
  t.inputs = {x, i64({1}, {-1}), i64({1}, {INT64_MIN}), i64({1}, {1}), i64({1}, {-1})};
  check_eq(run_both(t)[0], ftensor({3, 4}, {3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8}));
  // Negative axis, end beyond the dim, int32 inputs.
  t.inputs = {x, i32({1}, {-2}), i32({1}, {INT32_MAX}), i32({1}, {-2})};
  check_eq(run_both(t)[0], ftensor({2, 4}, {4, 5, 6, 7, 8, 9, 10, 11}));
  // Start out of bounds: empty.
  t.inputs = {x, i64({1}, {10}), i64({1}, {12}), i64({1}, {1})};
  CHECK(run_both(t)[0].shape() == Dims{3, 0});
  // Step -2 on 1-D: 4, 2, 0.
  t.inputs = {iota_f({5}), i64({1}, {4}), i64({1}, {-6}), i64({1}, {0}), i64({1}, {-2})};
  check_eq(run_both(t)[0], ftensor({3}, {4, 2, 0}));
  // Strings.
  t.inputs = {stensor({3}, {"a", "b", "c"}), i64({1}, {1}), i64({1}, {3})};
  CHECK(values<std::string>(run_both(t)[0]) == std::vector<std::string>{"b", "c"});
  // Errors.
  t.inputs = {x, i64({1}, {0}), i64({1}, {1}), i64({1}, {0}), i64({1}, {0})};
  CHECK(run_error(t) == Code::kInvalidArgument);  // step 0
  t.inputs = {x, i64({2}, {0, 0}), i64({2}, {1, 1}), i64({2}, {1, 1})};
  CHECK(run_error(t) == Code::kInvalidArgument);  // repeated axis
  t.inputs = {x, i64({1}, {0}), i64({1}, {1}), i64({1}, {2})};
  CHECK(run_error(t) == Code::kInvalidArgument);  // axis out of range
  t.inputs = {x, i64({2}, {0, 0}), i64({1}, {1})};
  CHECK(run_error(t) == Code::kInvalidArgument);  // length mismatch
  // Opset 1: attributes.
  OpTest old{"Slice", {x}, {attr_ints("starts", {1}), attr_ints("ends", {1000}), attr_ints("axes", {1})}};
  old.opset = 1;
  check_eq(run_both(old)[0], ftensor({3, 3}, {1, 2, 3, 5, 6, 7, 9, 10, 11}));
}

TEST_CASE("Expand and Tile") {
  OpTest e{"Expand", {ftensor({3, 1}, {1, 2, 3}), i64({2}, {3, 4})}};
  check_eq(run_both(e)[0], ftensor({3, 4}, {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}));
  e.inputs = {ftensor({3, 1}, {1, 2, 3}), i64({3}, {2, 1, 2})};
  check_eq(run_both(e)[0], ftensor({2, 3, 2}, {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}));
  e.inputs = {ftensor({3, 1}, {1, 2, 3}), i64({2}, {1, 1})};  // the shape may be smaller
  check_eq(run_both(e)[0], ftensor({3, 1}, {1, 2, 3}));
  e.inputs = {stensor({1}, {"s"}), i64({1}, {2})};
  CHECK(values<std::string>(run_both(e)[0]) == std::vector<std::string>{"s", "s"});
  e.inputs = {ftensor({3}, {1, 2, 3}), i64({1}, {2})};
  CHECK(run_error(e) == Code::kInvalidArgument);

  Tensor x = ftensor({2, 2}, {1, 2, 3, 4});
  OpTest t{"Tile", {x, i64({2}, {2, 1})}};
  check_eq(run_both(t)[0], ftensor({4, 2}, {1, 2, 3, 4, 1, 2, 3, 4}));
  t.inputs = {x, i64({2}, {1, 2})};
  check_eq(run_both(t)[0], ftensor({2, 4}, {1, 2, 1, 2, 3, 4, 3, 4}));
  t.inputs = {x, i64({2}, {2, 2})};
  check_eq(run_both(t)[0], ftensor({4, 4}, {1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4}));
  t.inputs = {x, i64({2}, {0, 1})};
  CHECK(run_both(t)[0].shape() == Dims{0, 2});
  t.inputs = {x, i64({1}, {2})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {x, i64({2}, {-1, 1})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  OpTest old{"Tile", {x, i64({}, {3}), i64({}, {1})}};
  old.opset = 1;
  check_eq(run_both(old)[0], ftensor({2, 6}, {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
}

TEST_CASE("Pad: constant, reflect, edge, negative pads, opset 2") {
  Tensor x = ftensor({2, 2}, {1, 2, 3, 4});
  OpTest t{"Pad", {x, i64({4}, {0, 1, 1, 0})}};
  check_eq(run_both(t)[0], ftensor({3, 3}, {0, 1, 2, 0, 3, 4, 0, 0, 0}));
  t.inputs = {x, i64({4}, {0, 1, 1, 0}), ftensor({}, {9})};
  check_eq(run_both(t)[0], ftensor({3, 3}, {9, 1, 2, 9, 3, 4, 9, 9, 9}));
  Tensor v = ftensor({3}, {1, 2, 3});
  t.attrs = {attr_string("mode", "reflect")};
  t.inputs = {v, i64({2}, {2, 2})};
  check_eq(run_both(t)[0], ftensor({7}, {3, 2, 1, 2, 3, 2, 1}));
  t.attrs = {attr_string("mode", "edge")};
  t.inputs = {v, i64({2}, {2, 1})};
  check_eq(run_both(t)[0], ftensor({6}, {1, 1, 1, 2, 3, 3}));
  t.attrs = {attr_string("mode", "edge")};
  t.inputs = {x, i64({4}, {1, 0, 0, 1})};
  check_eq(run_both(t)[0], ftensor({3, 3}, {1, 2, 2, 1, 2, 2, 3, 4, 4}));
  t.attrs = {};
  t.inputs = {ftensor({4}, {1, 2, 3, 4}), i64({2}, {-1, 1})};
  check_eq(run_both(t)[0], ftensor({4}, {2, 3, 4, 0}));
  t.inputs = {i32({2}, {5, 6}), i64({2}, {1, 0}), i32({}, {-7})};
  check_eq(run_both(t)[0], i32({3}, {-7, 5, 6}));
  t.inputs = {stensor({1}, {"a"}), i64({2}, {1, 1})};
  CHECK(values<std::string>(run_both(t)[0]) == std::vector<std::string>{"", "a", ""});
  // Errors.
  t.inputs = {x, i64({2}, {1, 1})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {x, i64({4}, {-3, 0, 0, 0})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.attrs = {attr_string("mode", "wrap")};
  t.inputs = {x, i64({4}, {0, 0, 0, 0})};
  CHECK(run_error(t) == Code::kInvalidModel);
  // Opset 2: attributes.
  OpTest old{"Pad", {ftensor({2}, {1, 2})}, {attr_ints("pads", {1, 2}), attr_float("value", 1.5f)}};
  old.opset = 2;
  check_eq(run_both(old)[0], ftensor({5}, {1.5f, 1, 2, 1.5f, 1.5f}));
}

// ---------------------------------------------------------------------------------------------
// Range, OneHot, EyeLike, Trilu, DepthToSpace, SpaceToDepth

TEST_CASE("Range") {
  OpTest t{"Range", {i32({}, {10}), i32({}, {4}), i32({}, {-3})}};
  check_eq(run_both(t)[0], i32({2}, {10, 7}));
  t.inputs = {ftensor({}, {0}), ftensor({}, {1}), ftensor({}, {0.25f})};
  check_eq(run_both(t)[0], ftensor({4}, {0, 0.25f, 0.5f, 0.75f}));
  t.inputs = {i64({}, {0}), i64({}, {0}), i64({}, {1})};
  CHECK(run_both(t)[0].shape() == Dims{0});
  t.inputs = {i64({}, {1}), i64({}, {8}), i64({}, {3})};
  check_eq(run_both(t)[0], i64({3}, {1, 4, 7}));
  t.inputs = {tensor<int16_t>({}, {5}), tensor<int16_t>({}, {1}), tensor<int16_t>({}, {-2})};
  check_eq(run_both(t)[0], tensor<int16_t>({2}, {5, 3}));
  t.inputs = {i64({}, {0}), i64({}, {5}), i64({}, {0})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {i64({}, {0}), i32({}, {5}), i64({}, {1})};
  CHECK(run_error(t) == Code::kInvalidModel);
}

TEST_CASE("OneHot") {
  OpTest t{"OneHot", {i64({4}, {0, 2, -1, 5}), i64({}, {3}), ftensor({2}, {0, 1})}};
  check_eq(run_both(t)[0], ftensor({4, 3}, {1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0}));
  t.attrs = {attr_int("axis", 0)};
  check_eq(run_both(t)[0], ftensor({3, 4}, {1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0}));
  t.attrs = {};
  t.inputs = {ftensor({2}, {1.0f, 0.0f}), ftensor({1}, {2}), i32({2}, {-1, 7})};
  check_eq(run_both(t)[0], i32({2, 2}, {-1, 7, 7, -1}));
  t.inputs = {i64({1}, {0}), i64({}, {0}), ftensor({2}, {0, 1})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {i64({1}, {0}), i64({}, {2}), ftensor({3}, {0, 1, 2})};
  CHECK(run_error(t) == Code::kInvalidArgument);
}

TEST_CASE("EyeLike and Trilu") {
  OpTest e{"EyeLike", {ftensor({2, 3}, {})}, {attr_int("k", 1)}};
  check_eq(run_both(e)[0], ftensor({2, 3}, {0, 1, 0, 0, 0, 1}));
  e.attrs = {attr_int("k", -1), attr_int("dtype", static_cast<int64_t>(DType::kInt32))};
  check_eq(run_both(e)[0], i32({2, 3}, {0, 0, 0, 1, 0, 0}));
  e.attrs = {attr_int("k", 5)};
  check_eq(run_both(e)[0], ftensor({2, 3}, {0, 0, 0, 0, 0, 0}));
  e.inputs = {ftensor({3}, {})};
  CHECK(run_error(e) == Code::kInvalidArgument);

  Tensor x = ftensor({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  OpTest t{"Trilu", {x}};
  check_eq(run_both(t)[0], ftensor({3, 3}, {1, 2, 3, 0, 5, 6, 0, 0, 9}));
  t.attrs = {attr_int("upper", 0)};
  check_eq(run_both(t)[0], ftensor({3, 3}, {1, 0, 0, 4, 5, 0, 7, 8, 9}));
  t.inputs = {x, i64({}, {-1})};
  check_eq(run_both(t)[0], ftensor({3, 3}, {0, 0, 0, 4, 0, 0, 7, 8, 0}));
  t.attrs = {};
  t.inputs = {x, i64({}, {1})};
  check_eq(run_both(t)[0], ftensor({3, 3}, {0, 2, 3, 0, 0, 6, 0, 0, 0}));
  t.inputs = {ftensor({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})};
  check_eq(run_both(t)[0], ftensor({2, 2, 2}, {1, 2, 0, 4, 5, 6, 0, 8}));
  t.inputs = {stensor({2, 2}, {"a", "b", "c", "d"})};
  CHECK(values<std::string>(run_both(t)[0]) == std::vector<std::string>{"a", "b", "", "d"});
}

TEST_CASE("DepthToSpace and SpaceToDepth") {
  Tensor x = iota_f({1, 8, 1, 1});
  OpTest t{"DepthToSpace", {x}, {attr_int("blocksize", 2)}};
  check_eq(run_both(t)[0], ftensor({1, 2, 2, 2}, {0, 2, 4, 6, 1, 3, 5, 7}));
  t.attrs = {attr_int("blocksize", 2), attr_string("mode", "CRD")};
  check_eq(run_both(t)[0], ftensor({1, 2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7}));
  t.attrs = {attr_int("blocksize", 3)};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.attrs = {};
  CHECK(run_error(t) == Code::kInvalidModel);

  OpTest s{"SpaceToDepth", {ftensor({1, 2, 2, 2}, {0, 2, 4, 6, 1, 3, 5, 7})}, {attr_int("blocksize", 2)}};
  check_eq(run_both(s)[0], iota_f({1, 8, 1, 1}));
  // Round trip on a larger tensor.
  Tensor big = iota_f({2, 3, 4, 6});
  s.inputs = {big};
  Tensor packed = run_both(s)[0];
  CHECK(packed.shape() == Dims{2, 12, 2, 3});
  t.inputs = {packed};
  t.attrs = {attr_int("blocksize", 2)};
  check_eq(run_both(t)[0], big);
}

// ---------------------------------------------------------------------------------------------
// Scatter family

TEST_CASE("ScatterElements / Scatter") {
  OpTest t{"ScatterElements",
           {ftensor({3, 3}, {}), i64({2, 3}, {1, 0, 2, 0, 2, 1}), ftensor({2, 3}, {1, 1.1f, 1.2f, 2, 2.1f, 2.2f})}};
  check_eq(run_both(t)[0], ftensor({3, 3}, {2, 1.1f, 0, 1, 0, 2.2f, 0, 2.1f, 1.2f}));
  Tensor row = ftensor({1, 5}, {1, 2, 3, 4, 5});
  t.attrs = {attr_int("axis", 1)};
  t.inputs = {row, i32({1, 2}, {1, -2}), ftensor({1, 2}, {1.1f, 2.1f})};
  check_eq(run_both(t)[0], ftensor({1, 5}, {1, 1.1f, 3, 2.1f, 5}));
  t.attrs = {attr_int("axis", 1), attr_string("reduction", "add")};
  t.inputs = {row, i64({1, 2}, {1, 1}), ftensor({1, 2}, {1.1f, 2.1f})};
  check_eq(run_both(t)[0], ftensor({1, 5}, {1, 5.2f, 3, 4, 5}));
  t.attrs = {attr_int("axis", 1), attr_string("reduction", "mul")};
  check_eq(run_both(t)[0], ftensor({1, 5}, {1, 2 * 1.1f * 2.1f, 3, 4, 5}));
  t.attrs = {attr_int("axis", 1), attr_string("reduction", "sub")};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_int("axis", 1)};
  t.inputs = {row, i64({1, 1}, {5}), ftensor({1, 1}, {0})};
  CHECK(run_error(t) == Code::kOutOfRange);
  t.inputs = {stensor({2}, {"a", "b"}), i64({1}, {1}), stensor({1}, {"z"})};
  t.attrs = {};
  CHECK(values<std::string>(run_both(t)[0]) == std::vector<std::string>{"a", "z"});

  OpTest old{"Scatter", {ftensor({1, 3}, {0, 0, 0}), i64({1, 2}, {2, 0}), ftensor({1, 2}, {7, 8})},
             {attr_int("axis", 1)}};
  old.opset = 9;
  check_eq(run_both(old)[0], ftensor({1, 3}, {8, 0, 7}));
}

TEST_CASE("ScatterND") {
  OpTest t{"ScatterND",
           {ftensor({8}, {1, 2, 3, 4, 5, 6, 7, 8}), i64({4, 1}, {4, 3, 1, 7}), ftensor({4}, {9, 10, 11, 12})}};
  check_eq(run_both(t)[0], ftensor({8}, {1, 11, 3, 10, 9, 6, 7, 12}));
  Tensor x = ftensor({2, 2}, {1, 2, 3, 4});
  t.inputs = {x, i64({1, 1}, {-1}), ftensor({1, 2}, {9, 9})};
  check_eq(run_both(t)[0], ftensor({2, 2}, {1, 2, 9, 9}));
  t.inputs = {x, i64({1, 2}, {0, 1}), ftensor({1}, {7})};
  check_eq(run_both(t)[0], ftensor({2, 2}, {1, 7, 3, 4}));
  t.attrs = {attr_string("reduction", "add")};
  t.inputs = {x, i64({2, 1}, {0, 0}), ftensor({2, 2}, {1, 1, 2, 2})};
  check_eq(run_both(t)[0], ftensor({2, 2}, {4, 5, 3, 4}));
  t.attrs = {attr_string("reduction", "mul")};
  check_eq(run_both(t)[0], ftensor({2, 2}, {2, 4, 3, 4}));
  t.attrs = {};
  t.inputs = {x, i64({1, 1}, {2}), ftensor({1, 2}, {9, 9})};
  CHECK(run_error(t) == Code::kOutOfRange);
  t.inputs = {x, i64({1, 1}, {0}), ftensor({1, 3}, {9, 9, 9})};
  CHECK(run_error(t) == Code::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// NonZero, Compress, ReverseSequence, TopK

TEST_CASE("NonZero") {
  OpTest t{"NonZero", {ftensor({2, 2}, {1, 0, 1, 1})}};
  check_eq(run_both(t)[0], i64({2, 3}, {0, 1, 1, 0, 0, 1}));
  t.inputs = {tensor<bool>({3}, {false, true, true})};
  check_eq(run_both(t)[0], i64({1, 2}, {1, 2}));
  t.inputs = {i32({2, 3}, {0, 0, 0, 0, 0, 0})};
  CHECK(run_both(t)[0].shape() == Dims{2, 0});
  t.inputs = {stensor({3}, {"", "x", ""})};
  check_eq(run_both(t)[0], i64({1, 1}, {1}));
  t.inputs = {tensor<Float16>({2}, {Float16(0.0f), Float16(-2.0f)})};
  check_eq(run_both(t)[0], i64({1, 1}, {1}));
}

TEST_CASE("Compress") {
  Tensor x = ftensor({3, 2}, {1, 2, 3, 4, 5, 6});
  OpTest t{"Compress", {x, tensor<bool>({3}, {false, true, true})}, {attr_int("axis", 0)}};
  check_eq(run_both(t)[0], ftensor({2, 2}, {3, 4, 5, 6}));
  t.attrs = {attr_int("axis", -1)};
  t.inputs = {x, tensor<bool>({2}, {false, true})};
  check_eq(run_both(t)[0], ftensor({3, 1}, {2, 4, 6}));
  t.attrs = {};
  t.inputs = {x, tensor<bool>({5}, {false, true, false, false, true})};
  check_eq(run_both(t)[0], ftensor({2}, {2, 5}));
  t.attrs = {attr_int("axis", 0)};
  t.inputs = {x, tensor<bool>({1}, {true})};  // shorter condition: the rest is dropped
  check_eq(run_both(t)[0], ftensor({1, 2}, {1, 2}));
  t.inputs = {x, tensor<bool>({4}, {true, true, true, true})};
  CHECK(run_error(t) == Code::kInvalidArgument);
}

TEST_CASE("ReverseSequence") {
  Tensor x = ftensor({4, 4}, {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15});
  OpTest t{"ReverseSequence", {x, i64({4}, {4, 3, 2, 1})}, {attr_int("time_axis", 0), attr_int("batch_axis", 1)}};
  t.opset = 10;
  check_eq(run_both(t)[0], ftensor({4, 4}, {3, 6, 9, 12, 2, 5, 8, 13, 1, 4, 10, 14, 0, 7, 11, 15}));
  // batch-major with an inner dim: [2 batches, 3 steps, 2]
  t.attrs = {attr_int("time_axis", 1), attr_int("batch_axis", 0)};
  t.inputs = {iota_f({2, 3, 2}), i64({2}, {2, 3})};
  check_eq(run_both(t)[0], ftensor({2, 3, 2}, {2, 3, 0, 1, 4, 5, 10, 11, 8, 9, 6, 7}));
  t.inputs = {iota_f({2, 3, 2}), i64({2}, {4, 0})};
  CHECK(run_error(t) == Code::kOutOfRange);
  t.attrs = {attr_int("time_axis", 1), attr_int("batch_axis", 1)};
  CHECK(run_error(t) == Code::kInvalidModel);
}

TEST_CASE("TopK") {
  Tensor x = iota_f({3, 4});
  OpTest t{"TopK", {x, i64({1}, {3})}};
  t.num_outputs = 2;
  auto out = run_both(t);
  check_eq(out[0], ftensor({3, 3}, {3, 2, 1, 7, 6, 5, 11, 10, 9}));
  check_eq(out[1], i64({3, 3}, {3, 2, 1, 3, 2, 1, 3, 2, 1}));
  t.attrs = {attr_int("axis", 0), attr_int("largest", 0)};
  t.inputs = {x, i64({1}, {2})};
  out = run_both(t);
  check_eq(out[0], ftensor({2, 4}, {0, 1, 2, 3, 4, 5, 6, 7}));
  check_eq(out[1], i64({2, 4}, {0, 0, 0, 0, 1, 1, 1, 1}));
  // Ties keep the lower index first; NaN is the largest.
  t.attrs = {};
  t.inputs = {ftensor({4}, {1, 3, 3, 2}), i64({1}, {2})};
  out = run_both(t);
  check_eq(out[0], ftensor({2}, {3, 3}));
  check_eq(out[1], i64({2}, {1, 2}));
  t.inputs = {ftensor({3}, {1, NAN, 3}), i64({1}, {1})};
  check_eq(run_both(t)[1], i64({1}, {1}));
  t.inputs = {i32({3}, {5, -1, 7}), i64({1}, {3})};
  out = run_both(t);
  check_eq(out[0], i32({3}, {7, 5, -1}));
  check_eq(out[1], i64({3}, {2, 0, 1}));
  t.inputs = {x, i64({1}, {5})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  OpTest old{"TopK", {ftensor({3}, {2, 9, 4})}, {attr_int("k", 1)}};
  old.num_outputs = 2;
  old.opset = 1;
  out = run_both(old);
  check_eq(out[0], ftensor({1}, {9}));
  check_eq(out[1], i64({1}, {1}));
}

// ---------------------------------------------------------------------------------------------
// Static planning: data is a graph input, the shape-like inputs are initializers.

TEST_CASE("Static nodes with constant shape inputs") {
  Tensor x = iota_f({2, 3, 4});
  check_eq(run_mixed({"Reshape", {x, i64({2}, {-1, 4})}}, {false, true})[0], iota_f({6, 4}));
  check_eq(run_mixed({"Unsqueeze", {x, i64({1}, {0})}}, {false, true})[0], iota_f({1, 2, 3, 4}));
  check_eq(run_mixed({"Squeeze", {iota_f({1, 3}), i64({1}, {0})}}, {false, true})[0], iota_f({3}));
  check_eq(run_mixed({"Gather", {x, i64({}, {1})}}, {false, true})[0],
           ftensor({3, 4}, {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}));
  check_eq(run_mixed({"Slice", {x, i64({1}, {1}), i64({1}, {2}), i64({1}, {0})}}, {false, true, true, true})[0],
           ftensor({1, 3, 4}, {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}));
  check_eq(run_mixed({"Expand", {ftensor({1}, {2}), i64({2}, {2, 2})}}, {false, true})[0],
           ftensor({2, 2}, {2, 2, 2, 2}));
  check_eq(run_mixed({"Tile", {ftensor({2}, {1, 2}), i64({1}, {2})}}, {false, true})[0],
           ftensor({4}, {1, 2, 1, 2}));
  check_eq(run_mixed({"Pad", {ftensor({1}, {5}), i64({2}, {1, 1})}}, {false, true})[0], ftensor({3}, {0, 5, 0}));
  OpTest topk{"TopK", {ftensor({3}, {1, 3, 2}), i64({1}, {1})}};
  topk.num_outputs = 2;
  check_eq(run_mixed(topk, {false, true})[1], i64({1}, {1}));
  check_eq(run_mixed({"Compress", {ftensor({3}, {1, 2, 3}), tensor<bool>({3}, {true, false, true})}}, {false, true})[0],
           ftensor({2}, {1, 3}));
  OpTest resize{"Resize", {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), Tensor(), Tensor(), i64({4}, {1, 1, 4, 4})},
                {attr_string("mode", "linear")}};
  check_eq(run_mixed(resize, {false, false, false, true})[0],
           ftensor({1, 1, 4, 4}, {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f,
                                  3.75f, 4}));
  // A shape subgraph on a graph input still folds: Shape of a static input is a constant.
  check_eq(run_mixed({"Shape", {x}}, {false})[0], i64({3}, {2, 3, 4}));
}

// ---------------------------------------------------------------------------------------------
// Element sizes: the movement ops copy by size, so check each size (and complex, which only
// they support).

namespace {

// A tensor of dtype t whose element i has every byte equal to (i + 1).
Tensor byte_pattern(DType t, Dims dims) {
  Tensor r = Tensor::make(t, std::move(dims)).value();
  const size_t es = dtype_size(t);
  auto* p = static_cast<uint8_t*>(r.data());
  for (int64_t i = 0; i < r.numel(); ++i) {
    for (size_t b = 0; b < es; ++b) p[static_cast<size_t>(i) * es + b] = static_cast<uint8_t>(i + 1);
  }
  return r;
}

// The element index (byte value - 1) at each position, checking all bytes agree.
std::vector<int> pattern_of(const Tensor& t) {
  std::vector<int> r;
  const size_t es = dtype_size(t.dtype());
  const auto* p = static_cast<const uint8_t*>(t.data());
  for (int64_t i = 0; i < t.numel(); ++i) {
    int v = p[static_cast<size_t>(i) * es];
    for (size_t b = 1; b < es; ++b) {
      if (p[static_cast<size_t>(i) * es + b] != v) v = -1;
    }
    r.push_back(v - 1);
  }
  return r;
}

}  // namespace

TEST_CASE("Movement ops over every element size") {
  const DType types[] = {DType::kInt8,    DType::kBool,   DType::kFloat16,   DType::kBFloat16,
                         DType::kUInt16,  DType::kInt32,  DType::kFloat32,   DType::kFloat64,
                         DType::kUInt64,  DType::kComplex64, DType::kComplex128};
  for (DType t : types) {
    CAPTURE(dtype_name(t));
    if (t == DType::kBool) continue;  // bytes other than 0/1 are not valid bools
    Tensor x = byte_pattern(t, {2, 3});  // elements 0..5
    OpTest tr{"Transpose", {x}};
    Tensor y = run_both(tr)[0];
    CHECK(y.dtype() == t);
    CHECK(pattern_of(y) == std::vector<int>{0, 3, 1, 4, 2, 5});
    OpTest g{"Gather", {x, i64({2}, {1, 0})}, {attr_int("axis", 1)}};
    CHECK(pattern_of(run_both(g)[0]) == std::vector<int>{1, 0, 4, 3});
    OpTest c{"Concat", {x, x}, {attr_int("axis", 1)}};
    CHECK(pattern_of(run_both(c)[0]) == std::vector<int>{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5});
    OpTest s{"Slice", {x, i64({1}, {-1}), i64({1}, {0}), i64({1}, {1}), i64({1}, {-1})}};
    CHECK(pattern_of(run_both(s)[0]) == std::vector<int>{2, 1, 5, 4});
    OpTest r{"Resize", {x, Tensor(), ftensor({2}, {1, 2})}};
    CHECK(pattern_of(run_both(r)[0]) == std::vector<int>{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5});
  }
  // bool through the same ops.
  Tensor b = tensor<bool>({2, 2}, {true, false, false, true});
  OpTest tr{"Transpose", {tensor<bool>({2, 2}, {true, true, false, false})}};
  check_eq(run_both(tr)[0], tensor<bool>({2, 2}, {true, false, true, false}));
  OpTest e{"Expand", {tensor<bool>({2, 1}, {true, false}), i64({2}, {2, 2})}};
  check_eq(run_both(e)[0], tensor<bool>({2, 2}, {true, true, false, false}));
  OpTest sc{"ScatterND", {b, i64({1, 2}, {0, 1}), tensor<bool>({1}, {true})}};
  check_eq(run_both(sc)[0], tensor<bool>({2, 2}, {true, true, false, true}));
  // 16-bit floats keep their bits through Pad with a constant.
  OpTest p{"Pad", {tensor<BFloat16>({1}, {BFloat16(1.5f)}), i64({2}, {1, 0}), tensor<BFloat16>({}, {BFloat16(-2.0f)})}};
  check_eq(run_both(p)[0], tensor<BFloat16>({2}, {BFloat16(-2.0f), BFloat16(1.5f)}));
}

// ---------------------------------------------------------------------------------------------
// A shape subgraph (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) folds to constants, so
// only the Reshape runs, and it is planned statically.

TEST_CASE("Shape subgraph folds") {
  auto model = std::make_shared<Model>();
  model->ir_version = 8;
  model->opsets.push_back({"", 13});
  model->source = "shape_subgraph";
  ValueInfo xi;
  xi.name = "x";
  xi.type.kind = TypeInfo::Kind::kTensor;
  xi.type.elem = DType::kFloat32;
  xi.type.has_shape = true;
  for (int64_t d : {2, 3, 4}) xi.type.shape.push_back(Dim{d, ""});
  model->graph.inputs.push_back(xi);
  model->graph.initializers.push_back({"zero", i64({}, {0}), ""});
  model->graph.initializers.push_back({"axes", i64({1}, {0}), ""});
  model->graph.initializers.push_back({"minus1", i64({1}, {-1}), ""});
  auto node = [](const char* op, std::vector<std::string> ins, std::string out, std::vector<Attribute> attrs = {}) {
    Node n;
    n.name = out;
    n.op_type = op;
    n.inputs = std::move(ins);
    n.outputs = {std::move(out)};
    n.attrs = std::move(attrs);
    return n;
  };
  model->graph.nodes.push_back(node("Shape", {"x"}, "shape"));
  model->graph.nodes.push_back(node("Gather", {"shape", "zero"}, "batch"));
  model->graph.nodes.push_back(node("Unsqueeze", {"batch", "axes"}, "batch1"));
  model->graph.nodes.push_back(node("Concat", {"batch1", "minus1"}, "target", {attr_int("axis", 0)}));
  model->graph.nodes.push_back(node("Reshape", {"x", "target"}, "y"));
  ValueInfo yi;
  yi.name = "y";
  model->graph.outputs.push_back(yi);
  auto session = Session::create(model);
  REQUIRE_MESSAGE(session.ok(), session.status().to_string());
  Tensor x = iota_f({2, 3, 4});
  REQUIRE((*session)->set_input("x", x).ok());
  Status st = (*session)->run();
  REQUIRE_MESSAGE(st.ok(), st.to_string());
  CHECK((*session)->planned_nodes() == 1);
  const Tensor* y = (*session)->output("y");
  REQUIRE(y != nullptr);
  check_eq(*y, iota_f({2, 12}));
}
