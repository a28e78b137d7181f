// Graph tools: building graphs with the API and running them, save/load round trips, check on
// seeded broken graphs, the cleanup passes, merge/concat/extract and DOT. Expected values are
// derived by hand or computed here independently (plain loops), never taken from the code under
// test. The reference models in ../shared/models are read from the project root (the working
// directory of the test); tests that need them say so and pass trivially when they are absent.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "loader.h"
#include "onyx/graph_check.h"
#include "onyx/graph_dot.h"
#include "onyx/graph_edit.h"
#include "onyx/graph_merge.h"
#include "onyx/graph_passes.h"
#include "onyx/graph_run.h"
#include "tensor_file.h"
#include "writer.h"

using namespace onyx;
namespace fs = std::filesystem;

namespace {

const char* const kModels = "../shared/models";

bool have_models() {
  if (fs::is_directory(kModels)) return true;
  MESSAGE("../shared/models not found (run from the project root): skipped");
  return false;
}

std::shared_ptr<Model> load(const std::string& path) {
  Result<std::shared_ptr<Model>> m = load_model_file(path);
  REQUIRE_MESSAGE(m.ok(), m.status().message());
  return *m;
}

// Every graph output, by running the model on `inputs`.
std::vector<NamedTensor> run(const Model& m, const std::vector<NamedTensor>& inputs) {
  Result<std::vector<NamedTensor>> r = run_model(m, inputs);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  return *r;
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  if (a.dtype() == DType::kString) {
    for (int64_t i = 0; i < a.numel(); ++i) {
      if (a.data_as<std::string>()[i] != b.data_as<std::string>()[i]) return false;
    }
    return true;
  }
  return a.nbytes() == 0 || std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

// The inputs of <dir>/test_data_set_0 by name.
std::vector<NamedTensor> test_inputs(const fs::path& dir) {
  std::vector<NamedTensor> out;
  for (int k = 0;; ++k) {
    fs::path p = dir / "test_data_set_0" / ("input_" + std::to_string(k) + ".pb");
    if (!fs::exists(p)) break;
    std::string name;
    Result<Tensor> t = read_tensor_file(p.string(), &name);
    REQUIRE_MESSAGE(t.ok(), t.status().message());
    out.push_back({name, *t, ""});
  }
  return out;
}

bool has_issue(const std::vector<CheckIssue>& issues, const std::string& node_fragment, const std::string& message_fragment) {
  for (const CheckIssue& i : issues) {
    if (i.error() && i.node.find(node_fragment) != std::string::npos &&
        i.message.find(message_fragment) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string all_issues(const std::vector<CheckIssue>& issues) {
  std::string s;
  for (const CheckIssue& i : issues) s += i.to_string() + "\n";
  return s;
}

// ---- the seed examples, built with the API ----

Model add_graph() {
  Model m = make_model("add_scalars", 13);
  REQUIRE(add_input(m.graph, tensor_info("x1", DType::kFloat32, {1})).ok());
  REQUIRE(add_input(m.graph, tensor_info("x2", DType::kFloat32, {1})).ok());
  REQUIRE(add_node(m.graph, make_node("Add", {"x1", "x2"}, {"sum"})).ok());
  REQUIRE(add_output(m.graph, tensor_info("sum", DType::kFloat32, {1})).ok());
  return m;
}

constexpr int64_t kH = 300, kW = 400, kC = 3;
constexpr int64_t kThreshold = 1200000;

Model motion_detector(const Tensor& background) {
  Model m = make_model("motion_detector", 13);
  Graph& g = m.graph;
  REQUIRE(add_input(g, tensor_info("frame", DType::kInt64, {kH, kW, kC})).ok());
  REQUIRE(add_initializer(g, "background", background).ok());
  REQUIRE(add_constant(g, "threshold", Tensor::scalar<int64_t>(kThreshold)).ok());
  REQUIRE(add_node(g, make_node("Sub", {"frame", "background"}, {"diff"})).ok());
  REQUIRE(add_node(g, make_node("Abs", {"diff"}, {"absdiff"})).ok());
  REQUIRE(add_node(g, make_node("ReduceSum", {"absdiff"}, {"total"}, {int_attr("keepdims", 0)})).ok());
  REQUIRE(add_node(g, make_node("Less", {"threshold", "total"}, {"motion"})).ok());
  REQUIRE(add_output(g, tensor_info("motion", DType::kBool, {})).ok());
  return m;
}

// uint8 HWC frame -> float NCHW, bilinear Resize to 224x224, ImageNet normalisation (0..255 units).
Model camera_preproc(int64_t h, int64_t w) {
  Model m = make_model("camera_preproc", 13);
  Graph& g = m.graph;
  REQUIRE(add_input(g, tensor_info("frame", DType::kUInt8, {h, w, 3})).ok());
  REQUIRE(add_initializer(g, "axes0", make_tensor<int64_t>({1}, {0}).value()).ok());
  REQUIRE(add_initializer(g, "sizes", make_tensor<int64_t>({4}, {1, 3, 224, 224}).value()).ok());
  REQUIRE(add_initializer(g, "mean", make_tensor<float>({1, 3, 1, 1}, {123.675f, 116.28f, 103.53f}).value()).ok());
  REQUIRE(add_initializer(g, "std", make_tensor<float>({1, 3, 1, 1}, {58.395f, 57.12f, 57.375f}).value()).ok());
  REQUIRE(add_node(g, make_node("Cast", {"frame"}, {"frame_f"}, {int_attr("to", static_cast<int64_t>(DType::kFloat32))})).ok());
  REQUIRE(add_node(g, make_node("Transpose", {"frame_f"}, {"chw"}, {ints_attr("perm", {2, 0, 1})})).ok());
  REQUIRE(add_node(g, make_node("Unsqueeze", {"chw", "axes0"}, {"nchw"})).ok());
  REQUIRE(add_node(g, make_node("Resize", {"nchw", "", "", "sizes"}, {"resized"},
                                {string_attr("mode", "linear"), string_attr("coordinate_transformation_mode", "half_pixel")}))
              .ok());
  REQUIRE(add_node(g, make_node("Sub", {"resized", "mean"}, {"centered"})).ok());
  REQUIRE(add_node(g, make_node("Div", {"centered", "std"}, {"preprocessed"})).ok());
  REQUIRE(add_output(g, tensor_info("preprocessed", DType::kFloat32, {1, 3, 224, 224})).ok());
  return m;
}

}  // namespace

TEST_CASE("the two-scalar Add graph built with the API gives 1.2 + 2.5 = 3.7, in memory and through a file") {
  Model m = add_graph();
  Tensor x1 = make_tensor<float>({1}, {1.2f}).value();
  Tensor x2 = make_tensor<float>({1}, {2.5f}).value();
  std::vector<NamedTensor> out = run(m, {{"x1", x1, ""}, {"x2", x2, ""}});
  REQUIRE(out.size() == 1);
  CHECK(out[0].name == "sum");
  CHECK(out[0].tensor.shape() == Dims{1});
  CHECK(out[0].tensor.data_as<float>()[0] == 1.2f + 2.5f);
  CHECK(out[0].tensor.data_as<float>()[0] == doctest::Approx(3.7));

  fs::path file = fs::temp_directory_path() / "onyx_graph_tools_add.onnx";
  REQUIRE(save_model_file(m, file.string()).ok());
  std::shared_ptr<Model> back = load(file.string());
  CHECK(back->producer_name == "onyx");
  CHECK(!back->producer_version.empty());
  CHECK(back->opset("") == 13);
  std::vector<NamedTensor> out2 = run(*back, {{"x1", x1, ""}, {"x2", x2, ""}});
  CHECK(same_bytes(out2[0].tensor, out[0].tensor));
  CHECK(check_model(*back).empty());
  fs::remove(file);
}

TEST_CASE("save -> load keeps every field the API sets: attributes of every type, symbolic dims, docs, metadata") {
  Model m = make_model("roundtrip", 17);
  set_opset(m, "com.example", 2);
  m.producer_name = "unit-test";
  m.producer_version = "9.9";
  m.doc = "a model";
  m.model_version = 3;
  m.metadata = {{"author", "onyx"}};
  Graph& g = m.graph;
  g.doc = "the graph";
  REQUIRE(add_input(g, tensor_info("x", DType::kFloat32, {"batch", 3, 0})).ok());
  REQUIRE(add_input(g, tensor_info_unranked("u", DType::kInt64)).ok());
  auto body = std::make_shared<Graph>();
  body->name = "body";
  REQUIRE(add_node(*body, make_node("Identity", {"x"}, {"bx"})).ok());
  REQUIRE(add_output(*body, tensor_info("bx", DType::kFloat32, {"batch", 3, 0})).ok());
  Tensor t = make_tensor<int32_t>({2, 2}, {1, -2, 3, -4}).value();
  Tensor s = make_tensor<std::string>({2}, {"a", "bc"}).value();
  std::vector<Attribute> attrs = {int_attr("i", -7),
                                  float_attr("f", 0.25f),
                                  string_attr("s", "text"),
                                  tensor_attr("t", t),
                                  graph_attr("g", body),
                                  ints_attr("is", {1, 2, 3}),
                                  floats_attr("fs", {0.5f, -1.5f}),
                                  strings_attr("ss", {"p", "q"}),
                                  tensors_attr("ts", {t, s}),
                                  graphs_attr("gs", {body})};
  Node n = make_node("Custom", {"x", "", "u"}, {"y", ""}, attrs, "", "com.example");
  n.doc = "node doc";
  Result<std::string> name = add_node(g, n);
  REQUIRE(name.ok());
  CHECK(*name == "Custom_0");
  REQUIRE(add_initializer(g, "w", make_tensor<double>({3}, {1.0, 2.5, -3.0}).value()).ok());
  REQUIRE(add_output(g, tensor_info("y", DType::kFloat16, {"batch"})).ok());
  g.value_info.push_back(tensor_info("bx", DType::kFloat32, {}));

  Result<std::string> bytes = save_model_buffer(m);
  REQUIRE(bytes.ok());
  Result<std::shared_ptr<Model>> r = load_model_buffer(bytes->data(), bytes->size());
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  const Model& b = **r;
  CHECK(b.producer_name == "unit-test");
  CHECK(b.producer_version == "9.9");
  CHECK(b.doc == "a model");
  CHECK(b.model_version == 3);
  CHECK(b.metadata == m.metadata);
  CHECK(b.opset("") == 17);
  CHECK(b.opset("com.example") == 2);
  CHECK(b.graph.name == "roundtrip");
  CHECK(b.graph.doc == "the graph");
  REQUIRE(b.graph.inputs.size() == 2);
  const TypeInfo& xt = b.graph.inputs[0].type;
  CHECK(xt.elem == DType::kFloat32);
  REQUIRE(xt.shape.size() == 3);
  CHECK(xt.shape[0].param == "batch");
  CHECK(!xt.shape[0].fixed());
  CHECK(xt.shape[1].value == 3);
  CHECK(xt.shape[2].value == 0);
  CHECK(!b.graph.inputs[1].type.has_shape);
  REQUIRE(b.graph.nodes.size() == 1);
  const Node& bn = b.graph.nodes[0];
  CHECK(bn.domain == "com.example");
  CHECK(bn.doc == "node doc");
  CHECK(bn.inputs == std::vector<std::string>{"x", "", "u"});
  CHECK(bn.outputs == std::vector<std::string>{"y", ""});
  REQUIRE(bn.attrs.size() == attrs.size());
  CHECK(bn.attr("i")->i == -7);
  CHECK(bn.attr("f")->f == 0.25f);
  CHECK(bn.attr("s")->s == "text");
  CHECK(same_bytes(bn.attr("t")->t, t));
  CHECK(bn.attr("g")->g->nodes.size() == 1);
  CHECK(bn.attr("g")->g->outputs[0].type.shape[0].param == "batch");
  CHECK(bn.attr("is")->ints == std::vector<int64_t>{1, 2, 3});
  CHECK(bn.attr("fs")->floats == std::vector<float>{0.5f, -1.5f});
  CHECK(bn.attr("ss")->strings == std::vector<std::string>{"p", "q"});
  REQUIRE(bn.attr("ts")->tensors.size() == 2);
  CHECK(same_bytes(bn.attr("ts")->tensors[1], s));
  CHECK(bn.attr("gs")->graphs.size() == 1);
  REQUIRE(b.graph.initializers.size() == 1);
  CHECK(same_bytes(b.graph.initializers[0].tensor, make_tensor<double>({3}, {1.0, 2.5, -3.0}).value()));
  CHECK(b.graph.outputs[0].type.elem == DType::kFloat16);
  REQUIRE(b.graph.value_info.size() == 1);
  CHECK(b.graph.value_info[0].type.shape.empty());
  // Saving again gives the same bytes: nothing is lost or reordered.
  Result<std::string> again = save_model_buffer(b);
  REQUIRE(again.ok());
  CHECK(*again == *bytes);
}

TEST_CASE("editing: unique names, clashes refused, renames reach every use, deletes") {
  Model m = make_model("edit", 13);
  Graph& g = m.graph;
  REQUIRE(add_input(g, tensor_info("x", DType::kFloat32, {2})).ok());
  CHECK(!add_input(g, tensor_info("x", DType::kFloat32, {2})).ok());
  REQUIRE(add_node(g, make_node("Relu", {"x"}, {"r"})).ok());
  REQUIRE(add_node(g, make_node("Neg", {"r"}, {"y"})).ok());
  CHECK(g.nodes[0].name == "Relu_0");
  CHECK(g.nodes[1].name == "Neg_1");
  CHECK(add_node(g, make_node("Abs", {"x"}, {"r"})).status().code() == Code::kInvalidArgument);  // r exists
  CHECK(add_node(g, make_node("Abs", {"x"}, {"z"}, {}, "Relu_0")).status().code() == Code::kInvalidArgument);
  CHECK(!add_initializer(g, "r", Tensor::scalar<float>(1.0f)).ok());
  CHECK(!add_input(g, tensor_info("y", DType::kFloat32, {2})).ok());
  REQUIRE(add_output(g, tensor_info("y", DType::kFloat32, {2})).ok());
  CHECK(!add_output(g, tensor_info("y", DType::kFloat32, {2})).ok());
  CHECK(unique_name(g, "r") == "r_1");
  CHECK(unique_name(g, "fresh") == "fresh");

  REQUIRE(rename_input(g, "x", "image").ok());
  CHECK(g.inputs[0].name == "image");
  CHECK(g.nodes[0].inputs[0] == "image");
  REQUIRE(rename_output(g, "y", "out").ok());
  CHECK(g.outputs[0].name == "out");
  CHECK(g.nodes[1].outputs[0] == "out");
  CHECK(rename_tensor(g, "r", "image").code() == Code::kInvalidArgument);
  CHECK(rename_tensor(g, "nothing", "q").code() == Code::kNotFound);
  REQUIRE(replace_input(g, tensor_info("image", DType::kFloat32, {"n"})).ok());
  CHECK(g.inputs[0].type.shape[0].param == "n");

  std::vector<NamedTensor> out = run(m, {{"image", make_tensor<float>({3}, {-1.0f, 2.0f, 0.5f}).value(), ""}});
  CHECK(out[0].name == "out");
  CHECK(out[0].tensor.data_as<float>()[0] == 0.0f);  // -relu(-1)
  CHECK(out[0].tensor.data_as<float>()[1] == -2.0f);
  CHECK(out[0].tensor.data_as<float>()[2] == -0.5f);

  REQUIRE(delete_node(g, "Neg_1").ok());
  CHECK(delete_node(g, "Neg_1").code() == Code::kNotFound);
  REQUIRE(delete_output(g, "out").ok());
  REQUIRE(delete_input(g, "image").ok());
  CHECK(g.inputs.empty());
  CHECK(g.outputs.empty());
  CHECK(list_inputs(g).empty());

  // A rename reaches names a subgraph body reads from the enclosing scope, not ones it defines.
  auto body = std::make_shared<Graph>();
  REQUIRE(add_node(*body, make_node("Identity", {"r"}, {"inner"})).ok());
  REQUIRE(add_output(*body, tensor_info_unranked("inner", DType::kFloat32)).ok());
  REQUIRE(add_node(g, make_node("If", {"cond"}, {"branch"}, {graph_attr("then_branch", body), graph_attr("else_branch", body)})).ok());
  REQUIRE(rename_tensor(g, "r", "relu_out").ok());
  CHECK(body->nodes[0].inputs[0] == "relu_out");
  CHECK(body->outputs[0].name == "inner");
}

TEST_CASE("listing: inputs without initializers, tensor names, dtypes, supported operators, a summary") {
  Model m = motion_detector(Tensor::make(DType::kInt64, {kH, kW, kC}).value());
  REQUIRE(list_inputs(m.graph).size() == 1);
  CHECK(list_inputs(m.graph)[0]->name == "frame");
  std::vector<std::string> names = list_tensor_names(m.graph);
  for (const char* t : {"frame", "background", "threshold", "diff", "absdiff", "total", "motion"}) {
    CHECK(std::find(names.begin(), names.end(), t) != names.end());
  }
  std::vector<DType> dtypes = list_dtypes();
  CHECK(std::find(dtypes.begin(), dtypes.end(), DType::kBFloat16) != dtypes.end());
  CHECK(std::find(dtypes.begin(), dtypes.end(), DType::kUndefined) == dtypes.end());
  std::vector<SupportedOp> ops = list_supported_ops();
  CHECK(ops.size() >= 190);
  bool conv = false;
  for (const SupportedOp& op : ops) conv |= op.op_type == "Conv" && op.domain.empty() && op.versions.front() == 1;
  CHECK(conv);
  std::string text = describe_model(m);
  CHECK(text.find("input  frame: int64 [300, 400, 3]") != std::string::npos);
  CHECK(text.find("node 'Less_4' (Less): (threshold, total) -> (motion)") != std::string::npos);
}

TEST_CASE("the motion detector built with the API: false on a still scene, true when an object appears") {
  Tensor background = Tensor::make(DType::kInt64, {kH, kW, kC}).value();
  int64_t* bg = background.data_as<int64_t>();
  for (int64_t y = 0; y < kH; ++y) {
    for (int64_t x = 0; x < kW; ++x) {
      for (int64_t c = 0; c < kC; ++c) bg[(y * kW + x) * kC + c] = (x + 2 * y + 40 * c) % 200;
    }
  }
  Model m = motion_detector(background);
  CHECK(count_errors(check_model(m, CheckOptions{true, 0, 0})) == 0);
  Tensor still = background.clone().value();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> noise(-3, 3);
  for (int64_t i = 0; i < still.numel(); ++i) still.data_as<int64_t>()[i] += noise(rng);
  Tensor moving = still.clone().value();
  for (int64_t y = 100; y < 180; ++y) {
    for (int64_t x = 150; x < 270; ++x) {
      for (int64_t c = 0; c < kC; ++c) moving.data_as<int64_t>()[(y * kW + x) * kC + c] = 255;
    }
  }
  // By hand: noise of at most 3 on 360,000 elements sums to at most 1,080,000 < 1,200,000; the
  // 80x120x3 object differs from a background below 200 by more than 55 on each of its 28,800
  // elements, over 1,584,000 > 1,200,000 on its own.
  auto sum_abs = [&](const Tensor& f) {
    int64_t s = 0;
    for (int64_t i = 0; i < f.numel(); ++i) s += std::llabs(f.data_as<int64_t>()[i] - bg[i]);
    return s;
  };
  CHECK(sum_abs(still) <= 1080000);
  CHECK(sum_abs(moving) > kThreshold);
  std::vector<NamedTensor> a = run(m, {{"frame", still, ""}});
  REQUIRE(a[0].tensor.dtype() == DType::kBool);
  CHECK(a[0].tensor.shape().empty());
  CHECK(a[0].tensor.data_as<bool>()[0] == false);
  std::vector<NamedTensor> b = run(m, {{"frame", moving, ""}});
  CHECK(b[0].tensor.data_as<bool>()[0] == true);
}

TEST_CASE("the API-built motion detector on the reference frames of ../shared/models/motion_detect") {
  if (!have_models()) return;
  fs::path dir = fs::path(kModels) / "motion_detect";
  std::shared_ptr<Model> ref = load((dir / "model.onnx").string());
  const NamedTensor* b = ref->graph.initializer("B");
  REQUIRE(b != nullptr);
  Model m = motion_detector(b->tensor);
  for (const char* set : {"test_data_set_0", "test_data_set_1"}) {
    Result<Tensor> in = read_tensor_file((dir / set / "input_0.pb").string());
    Result<Tensor> expected = read_tensor_file((dir / set / "output_0.pb").string());
    REQUIRE(in.ok());
    REQUIRE(expected.ok());
    std::vector<NamedTensor> out = run(m, {{"frame", *in, ""}});
    CHECK(same_bytes(out[0].tensor, *expected));
  }
}

TEST_CASE("the API-built camera preprocessing matches ONNX Runtime's output on ../shared/models/camera_preproc") {
  if (!have_models()) return;
  fs::path dir = fs::path(kModels) / "camera_preproc";
  Result<Tensor> in = read_tensor_file((dir / "test_data_set_0" / "input_0.pb").string());
  Result<Tensor> expected = read_tensor_file((dir / "test_data_set_0" / "output_0.pb").string());
  REQUIRE(in.ok());
  REQUIRE(expected.ok());
  REQUIRE(in->shape() == Dims{1, 480, 640, 3});
  Model m = camera_preproc(480, 640);
  std::vector<NamedTensor> out = run(m, {{"frame", in->reshaped({480, 640, 3}), ""}});
  REQUIRE(out[0].tensor.shape() == expected->shape());
  // The reference set's recommended comparison: |a - b| <= 1e-4 + 1e-3 |b|.
  int64_t bad = 0;
  for (int64_t i = 0; i < expected->numel(); ++i) {
    double a = out[0].tensor.data_as<float>()[i], b = expected->data_as<float>()[i];
    bad += std::fabs(a - b) > 1e-4 + 1e-3 * std::fabs(b) ? 1 : 0;
  }
  CHECK(bad == 0);
}

TEST_CASE("camera preprocessing merged in front of mobilenet_v2 equals running the two one after the other") {
  if (!have_models()) return;
  std::shared_ptr<Model> net = load((fs::path(kModels) / "mobilenet_v2" / "model.onnx").string());
  Model pre = camera_preproc(240, 320);
  Result<Model> merged = merge_models(pre, *net, {{"preprocessed", "input"}});
  REQUIRE_MESSAGE(merged.ok(), merged.status().message());
  CHECK(merged->graph.nodes.size() == pre.graph.nodes.size() + net->graph.nodes.size());
  REQUIRE(list_inputs(merged->graph).size() == 1);
  CHECK(list_inputs(merged->graph)[0]->name == "frame");
  REQUIRE(merged->graph.outputs.size() == 1);
  CHECK(merged->graph.outputs[0].name == "logits");
  CHECK(merged->opset("") == 13);

  Tensor frame = Tensor::make(DType::kUInt8, {240, 320, 3}).value();
  for (int64_t i = 0; i < frame.numel(); ++i) frame.data_as<uint8_t>()[i] = static_cast<uint8_t>((i * 7919) % 251);
  std::vector<NamedTensor> stage1 = run(pre, {{"frame", frame, ""}});
  std::vector<NamedTensor> stage2 = run(*net, {{"input", stage1[0].tensor, ""}});
  // Through a file, as a user would ship it.
  Result<std::string> bytes = save_model_buffer(*merged);
  REQUIRE(bytes.ok());
  Result<std::shared_ptr<Model>> reloaded = load_model_buffer(bytes->data(), bytes->size());
  REQUIRE(reloaded.ok());
  std::vector<NamedTensor> both = run(**reloaded, {{"frame", frame, ""}});
  REQUIRE(both.size() == 1);
  CHECK(both[0].tensor.shape() == Dims{1, 1000});
  CHECK(same_bytes(both[0].tensor, stage2[0].tensor));
}

TEST_CASE("merge: clashing names of the second graph get the prefix; types must agree") {
  // first: y = relu(x) through node 'act'; second: out = y * w + x, with its own 'y', 'w' and 'act'.
  Model a = make_model("a", 13);
  REQUIRE(add_input(a.graph, tensor_info("x", DType::kFloat32, {3})).ok());
  REQUIRE(add_node(a.graph, make_node("Relu", {"x"}, {"y"}, {}, "act")).ok());
  REQUIRE(add_output(a.graph, tensor_info("y", DType::kFloat32, {3})).ok());
  Model b = make_model("b", 11);
  REQUIRE(add_input(b.graph, tensor_info("in", DType::kFloat32, {3})).ok());
  REQUIRE(add_input(b.graph, tensor_info("x", DType::kFloat32, {3})).ok());
  REQUIRE(add_initializer(b.graph, "w", make_tensor<float>({3}, {2, 3, 4}).value()).ok());
  REQUIRE(add_node(b.graph, make_node("Mul", {"in", "w"}, {"y"}, {}, "act")).ok());
  REQUIRE(add_node(b.graph, make_node("Add", {"y", "x"}, {"out"})).ok());
  REQUIRE(add_output(b.graph, tensor_info("out", DType::kFloat32, {3})).ok());

  Result<Model> m = merge_models(a, b, {{"y", "in"}});
  REQUIRE_MESSAGE(m.ok(), m.status().message());
  const Graph& g = m->graph;
  CHECK(m->opset("") == 13);
  REQUIRE(g.inputs.size() == 2);
  CHECK(g.inputs[0].name == "x");
  CHECK(g.inputs[1].name == "g2_x");  // b's x is another tensor than a's x
  REQUIRE(g.outputs.size() == 1);
  CHECK(g.outputs[0].name == "out");
  REQUIRE(g.nodes.size() == 3);
  CHECK(g.nodes[1].name == "g2_act");
  CHECK(g.nodes[1].inputs == std::vector<std::string>{"y", "w"});
  CHECK(g.nodes[1].outputs == std::vector<std::string>{"g2_y"});
  CHECK(g.nodes[2].inputs == std::vector<std::string>{"g2_y", "g2_x"});
  // out = relu(x) * w + x2, by hand: x = [-1, 2, 3], x2 = [10, 20, 30] -> [10, 26, 42].
  std::vector<NamedTensor> out = run(*m, {{"x", make_tensor<float>({3}, {-1, 2, 3}).value(), ""},
                                          {"g2_x", make_tensor<float>({3}, {10, 20, 30}).value(), ""}});
  CHECK(out[0].tensor.data_as<float>()[0] == 10.0f);
  CHECK(out[0].tensor.data_as<float>()[1] == 26.0f);
  CHECK(out[0].tensor.data_as<float>()[2] == 42.0f);

  MergeOptions keep;
  keep.keep_connected_outputs = true;
  keep.prefix = "second/";
  Result<Model> k = merge_models(a, b, {{"y", "in"}}, keep);
  REQUIRE(k.ok());
  REQUIRE(k->graph.outputs.size() == 2);
  CHECK(k->graph.outputs[0].name == "y");
  CHECK(k->graph.nodes[1].name == "second/act");

  CHECK(merge_models(a, b, {{"nope", "in"}}).status().code() == Code::kNotFound);
  CHECK(merge_models(a, b, {{"y", "w"}}).status().code() == Code::kNotFound);  // an initializer, not an input
  Model c = b;
  REQUIRE(replace_input(c.graph, tensor_info("in", DType::kInt64, {3})).ok());
  Result<Model> bad = merge_models(a, c, {{"y", "in"}});
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(bad.status().message().find("cannot connect 'y' (float32 [3]) to input 'in' (int64 [3])") != std::string::npos);
  Model d = b;
  REQUIRE(replace_input(d.graph, tensor_info("in", DType::kFloat32, {4})).ok());
  CHECK(merge_models(a, d, {{"y", "in"}}).status().code() == Code::kInvalidArgument);
}

TEST_CASE("concat: two independent graphs side by side, a common input shared") {
  Model a = make_model("a", 13);
  REQUIRE(add_input(a.graph, tensor_info("x", DType::kFloat32, {2})).ok());
  REQUIRE(add_node(a.graph, make_node("Neg", {"x"}, {"y"})).ok());
  REQUIRE(add_output(a.graph, tensor_info("y", DType::kFloat32, {2})).ok());
  Model b = make_model("b", 13);
  REQUIRE(add_input(b.graph, tensor_info("x", DType::kFloat32, {2})).ok());
  REQUIRE(add_node(b.graph, make_node("Abs", {"x"}, {"y"})).ok());
  REQUIRE(add_output(b.graph, tensor_info("y", DType::kFloat32, {2})).ok());
  Result<Model> m = concat_models(a, b);
  REQUIRE_MESSAGE(m.ok(), m.status().message());
  REQUIRE(m->graph.inputs.size() == 1);
  REQUIRE(m->graph.outputs.size() == 2);
  CHECK(m->graph.outputs[1].name == "g2_y");
  std::vector<NamedTensor> out = run(*m, {{"x", make_tensor<float>({2}, {-1.5f, 2.0f}).value(), ""}});
  CHECK(out[0].tensor.data_as<float>()[0] == 1.5f);
  CHECK(out[0].tensor.data_as<float>()[1] == -2.0f);
  CHECK(out[1].tensor.data_as<float>()[0] == 1.5f);
  CHECK(out[1].tensor.data_as<float>()[1] == 2.0f);
  ConcatOptions separate;
  separate.share_inputs = false;
  Result<Model> s = concat_models(a, b, separate);
  REQUIRE(s.ok());
  CHECK(s->graph.inputs.size() == 2);
  CHECK(s->graph.inputs[1].name == "g2_x");
}

TEST_CASE("extract: a runnable model up to an intermediate tensor, and from one") {
  // y = relu(2x + 1) - 5
  Model m = make_model("chain", 13);
  Graph& g = m.graph;
  REQUIRE(add_input(g, tensor_info("x", DType::kFloat32, {"n"})).ok());
  REQUIRE(add_initializer(g, "two", Tensor::scalar<float>(2.0f)).ok());
  REQUIRE(add_initializer(g, "one", Tensor::scalar<float>(1.0f)).ok());
  REQUIRE(add_initializer(g, "five", Tensor::scalar<float>(5.0f)).ok());
  REQUIRE(add_node(g, make_node("Mul", {"x", "two"}, {"a"})).ok());
  REQUIRE(add_node(g, make_node("Add", {"a", "one"}, {"b"})).ok());
  REQUIRE(add_node(g, make_node("Relu", {"b"}, {"c"})).ok());
  REQUIRE(add_node(g, make_node("Sub", {"c", "five"}, {"y"})).ok());
  REQUIRE(add_output(g, tensor_info("y", DType::kFloat32, {"n"})).ok());

  Result<Model> head = extract_model(m, {"x"}, {"b"});
  REQUIRE_MESSAGE(head.ok(), head.status().message());
  CHECK(head->graph.nodes.size() == 2);
  CHECK(head->graph.initializers.size() == 2);  // two and one; five is not needed
  REQUIRE(head->graph.outputs.size() == 1);
  CHECK(head->graph.outputs[0].type.elem == DType::kFloat32);
  std::vector<NamedTensor> out = run(*head, {{"x", make_tensor<float>({3}, {-2, 0, 1.5f}).value(), ""}});
  CHECK(out[0].tensor.data_as<float>()[0] == -3.0f);
  CHECK(out[0].tensor.data_as<float>()[1] == 1.0f);
  CHECK(out[0].tensor.data_as<float>()[2] == 4.0f);

  Result<Model> tail = extract_model(m, {"b"}, {"y"});
  REQUIRE_MESSAGE(tail.ok(), tail.status().message());
  CHECK(tail->graph.nodes.size() == 2);
  REQUIRE(tail->graph.inputs.size() == 1);
  CHECK(tail->graph.inputs[0].name == "b");
  CHECK(tail->graph.inputs[0].type.elem == DType::kFloat32);  // inferred: b has no declaration
  std::vector<NamedTensor> t = run(*tail, {{"b", make_tensor<float>({2}, {-1, 7}).value(), ""}});
  CHECK(t[0].tensor.data_as<float>()[0] == -5.0f);
  CHECK(t[0].tensor.data_as<float>()[1] == 2.0f);

  Result<Model> auto_in = extract_model(m, {}, {"c"});  // the graph input comes along
  REQUIRE(auto_in.ok());
  CHECK(auto_in->graph.inputs.size() == 1);
  CHECK(auto_in->graph.inputs[0].type.shape[0].param == "n");
  CHECK(extract_model(m, {"x"}, {"nothing"}).status().code() == Code::kNotFound);
  CHECK(extract_model(m, {}, {}).status().code() == Code::kInvalidArgument);
}

TEST_CASE("extract up to an intermediate layer of mnist_cnn equals that tensor in the full model") {
  if (!have_models()) return;
  fs::path dir = fs::path(kModels) / "mnist_cnn";
  std::shared_ptr<Model> full = load((dir / "model.onnx").string());
  std::string pooled;
  for (const Node& n : full->graph.nodes) {
    if (n.op_type == "MaxPool") {
      pooled = n.outputs[0];
      break;
    }
  }
  REQUIRE(!pooled.empty());
  std::vector<NamedTensor> inputs = test_inputs(dir);
  Result<Model> part = extract_model(*full, {}, {pooled});
  REQUIRE_MESSAGE(part.ok(), part.status().message());
  CHECK(part->graph.nodes.size() == 3);  // Conv, Relu, MaxPool
  std::vector<NamedTensor> cut = run(*part, inputs);
  REQUIRE(cut[0].tensor.shape() == Dims{64, 20, 12, 12});
  // The full model with the intermediate tensor exposed as an extra output.
  Model probe = *full;
  REQUIRE(add_output(probe.graph, tensor_info_unranked(pooled, DType::kFloat32)).ok());
  std::vector<NamedTensor> whole = run(probe, inputs);
  CHECK(same_bytes(cut[0].tensor, whole.back().tensor));
}

TEST_CASE("check reports every seeded problem of a broken graph, with node names") {
  Model m = make_model("broken", 13);
  Graph& g = m.graph;
  g.inputs.push_back(tensor_info("x", DType::kFloat32, {2}));
  g.inputs.push_back(tensor_info("k", DType::kInt64, {2}));
  g.nodes.push_back(make_node("Relu", {"x"}, {"r"}, {}, "dup"));
  g.nodes.push_back(make_node("Neg", {"r"}, {"n"}, {}, "dup"));                  // duplicate node name
  g.nodes.push_back(make_node("Abs", {"x"}, {"r"}, {}, "twice"));                // tensor produced twice
  g.nodes.push_back(make_node("Add", {"n", "ghost"}, {"s"}, {}, "dangling"));    // dangling input
  g.nodes.push_back(make_node("Add", {"x", "k"}, {"t"}, {}, "mismatch"));        // float32 + int64
  g.nodes.push_back(make_node("FancyOp", {"t"}, {"u"}, {}, "alien"));            // unsupported op
  g.nodes.push_back(make_node("Sigmoid", {"late"}, {"v"}, {}, "early"));         // out of order
  g.nodes.push_back(make_node("Relu", {"x"}, {"late"}, {}, "producer"));
  g.nodes.push_back(make_node("Mul", {"c2", "x"}, {"c1"}, {}, "cyc1"));          // a cycle
  g.nodes.push_back(make_node("Mul", {"c1", "x"}, {"c2"}, {}, "cyc2"));
  g.outputs.push_back(tensor_info("s", DType::kFloat32, {2}));
  g.outputs.push_back(tensor_info("u", DType::kFloat32, {2}));
  g.outputs.push_back(tensor_info("v", DType::kFloat32, {2}));
  g.outputs.push_back(tensor_info("c2", DType::kFloat32, {2}));
  g.outputs.push_back(tensor_info("missing", DType::kFloat32, {2}));

  std::vector<CheckIssue> issues = check_model(m);
  INFO(all_issues(issues));
  CHECK(has_issue(issues, "node 'dup' (Neg)", "node name 'dup' is also used by node #0 (Relu)"));
  CHECK(has_issue(issues, "node 'twice' (Abs)", "output 'r' is also produced by node 'dup' (Relu)"));
  CHECK(has_issue(issues, "node 'dangling' (Add)", "input 'ghost' is not defined"));
  CHECK(has_issue(issues, "node 'mismatch' (Add)", "int64"));
  CHECK(has_issue(issues, "node 'alien' (FancyOp)", "unsupported operator 'FancyOp'"));
  CHECK(has_issue(issues, "node 'early' (Sigmoid)", "input 'late' is read before node 'producer' (Relu) produces it"));
  CHECK(has_issue(issues, "node 'cyc1' (Mul)", "cycle"));
  CHECK(has_issue(issues, "node 'cyc2' (Mul)", "cycle"));
  CHECK(has_issue(issues, "", "graph output 'missing' is not produced by any node"));
  CHECK(count_errors(issues) >= 9);
  for (const CheckIssue& i : issues) CHECK(!i.to_string().empty());
}

TEST_CASE("check: declared types against inferred ones, opsets, edge rules, unused things") {
  Model m = make_model("typed", 13);
  Graph& g = m.graph;
  REQUIRE(add_input(g, tensor_info("x", DType::kFloat32, {"batch", 4})).ok());
  REQUIRE(add_input(g, tensor_info("unused", DType::kFloat32, {1})).ok());
  REQUIRE(add_initializer(g, "w", make_tensor<float>({4, 2}, std::vector<float>(8, 0.5f)).value()).ok());
  REQUIRE(add_initializer(g, "spare", Tensor::scalar<float>(1.0f)).ok());
  REQUIRE(add_node(g, make_node("MatMul", {"x", "w"}, {"y"}, {}, "mm")).ok());
  REQUIRE(add_node(g, make_node("Cast", {"y"}, {"z"}, {int_attr("to", 7)}, "cast")).ok());
  REQUIRE(add_node(g, make_node("Relu", {"x"}, {"dead"}, {}, "dead_end")).ok());
  REQUIRE(add_output(g, tensor_info("y", DType::kFloat32, {"batch", 3})).ok());  // really [batch, 2]
  REQUIRE(add_output(g, tensor_info("z", DType::kFloat32, {"batch", 2})).ok());  // really int64
  std::vector<CheckIssue> issues = check_model(m);
  INFO(all_issues(issues));
  CHECK(has_issue(issues, "node 'mm' (MatMul)", "graph output 'y' is declared float32 [batch, 3] but the graph computes"));
  CHECK(has_issue(issues, "node 'cast' (Cast)", "graph output 'z' is declared float32 but the graph computes int64"));
  CHECK(count_errors(issues) == 2);
  auto warned = [&](const std::string& fragment) {
    return std::any_of(issues.begin(), issues.end(), [&](const CheckIssue& i) {
      return !i.error() && (i.message.find(fragment) != std::string::npos || i.node.find(fragment) != std::string::npos);
    });
  };
  CHECK(warned("dead_end"));
  CHECK(warned("initializer 'spare' is not used"));
  CHECK(warned("graph input 'unused' is not used"));

  CheckOptions edge;
  edge.static_input_shapes = true;
  edge.max_weight_bytes = 16;
  std::vector<CheckIssue> e = check_model(m, edge);
  CHECK(has_issue(e, "", "dim 0 of graph input 'x' is symbolic ('batch')"));
  CHECK(has_issue(e, "", "the weights take 36 bytes, over the budget of 16"));

  Model fixed = make_model("arena", 13);
  REQUIRE(add_input(fixed.graph, tensor_info("x", DType::kFloat32, {1024})).ok());
  REQUIRE(add_node(fixed.graph, make_node("Relu", {"x"}, {"r"})).ok());
  REQUIRE(add_node(fixed.graph, make_node("Neg", {"r"}, {"y"})).ok());
  REQUIRE(add_output(fixed.graph, tensor_info("y", DType::kFloat32, {1024})).ok());
  CheckOptions arena;
  arena.max_arena_bytes = 4096;  // r and y are 4 KiB each and live at the same time
  CHECK(has_issue(check_model(fixed, arena), "", "over the budget of 4096"));
  arena.max_arena_bytes = 8192;
  CHECK(count_errors(check_model(fixed, arena)) == 0);

  Model no_opset = add_graph();
  no_opset.opsets.clear();
  CHECK(has_issue(check_model(no_opset), "", "imports no opset for the default domain"));
  Model future = add_graph();
  set_opset(future, "", 99);
  std::vector<CheckIssue> f = check_model(future);
  CHECK(count_errors(f) == 0);
  CHECK(f.size() == 1);
  Model old = add_graph();
  set_opset(old, "", 13);
  old.graph.nodes[0].op_type = "Gelu";  // exists from opset 20 only, not in this runtime at 13
  CHECK(count_errors(check_model(old)) == 1);
}

TEST_CASE("check: subgraph bodies are checked against their scope") {
  Model m = make_model("flow", 13);
  Graph& g = m.graph;
  REQUIRE(add_input(g, tensor_info("c", DType::kBool, {})).ok());
  REQUIRE(add_input(g, tensor_info("x", DType::kFloat32, {2})).ok());
  auto then_body = std::make_shared<Graph>();
  then_body->name = "then";
  REQUIRE(add_node(*then_body, make_node("Neg", {"x"}, {"t"}, {}, "neg_outer"))  .ok());  // reads the outer x
  REQUIRE(add_output(*then_body, tensor_info("t", DType::kFloat32, {2})).ok());
  auto else_body = std::make_shared<Graph>();
  else_body->name = "else";
  REQUIRE(add_node(*else_body, make_node("Abs", {"nowhere"}, {"e"}, {}, "abs_bad")).ok());
  REQUIRE(add_output(*else_body, tensor_info("e", DType::kFloat32, {2})).ok());
  REQUIRE(add_node(g, make_node("If", {"c"}, {"y"}, {graph_attr("then_branch", then_body), graph_attr("else_branch", else_body)}, "branch"))
              .ok());
  REQUIRE(add_output(g, tensor_info_unranked("y", DType::kFloat32)).ok());
  std::vector<CheckIssue> issues = check_model(m);
  INFO(all_issues(issues));
  CHECK(count_errors(issues) == 1);
  CHECK(has_issue(issues, "subgraph 'else_branch' of node 'branch' (If): node 'abs_bad' (Abs)", "input 'nowhere' is not defined"));
}

TEST_CASE("every reference model passes check without errors") {
  if (!have_models()) return;
  for (const auto& entry : fs::directory_iterator(kModels)) {
    fs::path file = entry.path() / "model.onnx";
    if (!fs::exists(file)) continue;
    std::shared_ptr<Model> m = load(file.string());
    std::vector<CheckIssue> issues = check_model(*m, CheckOptions{true, 0, 0});
    INFO(file.string(), "\n", all_issues(issues));
    CHECK(count_errors(issues) == 0);
  }
}

TEST_CASE("passes: Identity and inference Dropout removed, graph output names kept") {
  Model m = make_model("ids", 13);
  Graph& g = m.graph;
  REQUIRE(add_input(g, tensor_info("x", DType::kFloat32, {3})).ok());
  REQUIRE(add_node(g, make_node("Identity", {"x"}, {"i1"})).ok());
  REQUIRE(add_node(g, make_node("Relu", {"i1"}, {"r"})).ok());
  REQUIRE(add_node(g, make_node("Dropout", {"r"}, {"d", "mask"})).ok());  // mask unused
  REQUIRE(add_node(g, make_node("Neg", {"d"}, {"n"})).ok());
  REQUIRE(add_node(g, make_node("Identity", {"n"}, {"out"})).ok());       // produces a graph output
  REQUIRE(add_node(g, make_node("Identity", {"x"}, {"passthrough"})).ok());  // input -> output: kept
  REQUIRE(add_output(g, tensor_info("out", DType::kFloat32, {3})).ok());
  REQUIRE(add_output(g, tensor_info("passthrough", DType::kFloat32, {3})).ok());
  Model before = m;
  CHECK(remove_identity(g) == 2);
  CHECK(remove_dropout(g, m.opset("")) == 1);
  REQUIRE(g.nodes.size() == 3);
  CHECK(g.nodes[0].op_type == "Relu");
  CHECK(g.nodes[0].inputs[0] == "x");
  CHECK(g.nodes[1].op_type == "Neg");
  CHECK(g.nodes[1].inputs[0] == "r");
  CHECK(g.nodes[1].outputs[0] == "out");
  CHECK(g.outputs[0].name == "out");
  CHECK(count_errors(check_model(m)) == 0);
  std::vector<NamedTensor> in = {{"x", make_tensor<float>({3}, {-1, 0.5f, 2}).value(), ""}};
  std::vector<NamedTensor> a = run(before, in), b = run(m, in);
  CHECK(same_bytes(a[0].tensor, b[0].tensor));
  CHECK(same_bytes(a[1].tensor, b[1].tensor));
  CHECK(b[0].tensor.data_as<float>()[2] == -2.0f);
}

TEST_CASE("passes: Dropout removal is opset-aware") {
  auto model = [](int64_t opset, std::vector<std::string> inputs, std::vector<Attribute> attrs, bool used_mask) {
    Model m = make_model("drop", opset);
    REQUIRE(add_input(m.graph, tensor_info("in", DType::kFloat32, {4})).ok());
    REQUIRE(add_node(m.graph, make_node("Relu", {"in"}, {"x"})).ok());
    REQUIRE(add_initializer(m.graph, "no", Tensor::scalar<bool>(false)).ok());
    REQUIRE(add_initializer(m.graph, "yes", Tensor::scalar<bool>(true)).ok());
    REQUIRE(add_initializer(m.graph, "zero", Tensor::scalar<float>(0.0f)).ok());
    REQUIRE(add_initializer(m.graph, "half", Tensor::scalar<float>(0.5f)).ok());
    inputs.insert(inputs.begin(), "x");
    REQUIRE(add_node(m.graph, make_node("Dropout", inputs, {"y", "mask"}, attrs)).ok());
    REQUIRE(add_output(m.graph, tensor_info("y", DType::kFloat32, {4})).ok());
    if (used_mask) REQUIRE(add_output(m.graph, tensor_info_unranked("mask", DType::kBool)).ok());
    return m;
  };
  auto removed = [](Model m) { return remove_dropout(m.graph, m.opset("")); };
  CHECK(removed(model(6, {}, {}, false)) == 0);                            // is_test = 0: training
  CHECK(removed(model(6, {}, {int_attr("is_test", 1)}, false)) == 1);
  CHECK(removed(model(6, {}, {float_attr("ratio", 0.0f)}, false)) == 1);  // training that drops nothing
  CHECK(removed(model(10, {}, {}, false)) == 1);
  CHECK(removed(model(10, {}, {}, true)) == 0);                           // the mask is an output
  CHECK(removed(model(13, {}, {}, false)) == 1);
  CHECK(removed(model(13, {"half", "no"}, {}, false)) == 1);
  CHECK(removed(model(13, {"half", "yes"}, {}, false)) == 0);
  CHECK(removed(model(13, {"zero", "yes"}, {}, false)) == 1);
}

TEST_CASE("passes: constants folded by the runtime's kernels, duplicates merged, unused things removed") {
  Model m = make_model("fold", 13);
  Graph& g = m.graph;
  REQUIRE(add_input(g, tensor_info("x", DType::kFloat32, {2, 3})).ok());
  REQUIRE(add_input(g, tensor_info("ignored", DType::kFloat32, {1})).ok());
  REQUIRE(add_constant(g, "c1", make_tensor<float>({3}, {1, 2, 3}).value()).ok());
  REQUIRE(add_constant(g, "c2", make_tensor<float>({3}, {1, 2, 3}).value()).ok());  // same bytes as c1
  REQUIRE(add_initializer(g, "w", make_tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6}).value()).ok());
  REQUIRE(add_initializer(g, "orphan", Tensor::scalar<float>(9.0f)).ok());
  g.inputs.push_back(tensor_info("w", DType::kFloat32, {2, 3}));  // an initializer listed as input
  REQUIRE(add_node(g, make_node("Shape", {"x"}, {"shape"})).ok());          // [2, 3], static
  REQUIRE(add_node(g, make_node("Reshape", {"x", "shape"}, {"same"})).ok());
  REQUIRE(add_node(g, make_node("Add", {"same", "c1"}, {"a"})).ok());
  REQUIRE(add_node(g, make_node("Mul", {"a", "c2"}, {"b"})).ok());
  REQUIRE(add_node(g, make_node("Transpose", {"w"}, {"wt"}, {ints_attr("perm", {1, 0})})).ok());  // foldable
  REQUIRE(add_node(g, make_node("MatMul", {"b", "wt"}, {"unused_product"})).ok());  // nothing reads it
  REQUIRE(add_node(g, make_node("Sigmoid", {"b"}, {"y"})).ok());
  REQUIRE(add_output(g, tensor_info("y", DType::kFloat32, {2, 3})).ok());
  g.value_info.push_back(tensor_info("gone", DType::kFloat32, {1}));
  g.value_info.push_back(tensor_info("a", DType::kFloat32, {2, 3}));

  std::vector<NamedTensor> in = {{"x", make_tensor<float>({2, 3}, {-1, 0, 1, 2, 3, 4}).value(), ""}};
  std::vector<NamedTensor> expected = run(m, {in[0], {"ignored", Tensor::scalar<float>(0.0f).reshaped({1}), ""}});
  Model cleaned = m;
  CleanReport r = clean_model(cleaned);
  INFO(r.summary(), "\n", describe_model(cleaned));
  CHECK(r.nodes_before == 9);
  CHECK(r.initializer_inputs == 1);
  CHECK(r.unused_inputs == 1);
  CHECK(r.folded >= 3);              // c1, c2, Shape
  CHECK(r.deduplicated == 1);        // c2 -> c1
  CHECK(r.unused_value_info == 1);   // "gone"
  const Graph& c = cleaned.graph;
  REQUIRE(c.nodes.size() == 4);      // Reshape, Add, Mul, Sigmoid
  CHECK(c.nodes[0].op_type == "Reshape");
  CHECK(c.nodes[3].op_type == "Sigmoid");
  CHECK(c.nodes[2].inputs[1] == c.nodes[1].inputs[1]);  // both read the merged constant
  CHECK(c.initializers.size() == 2);  // shape and the merged c1
  const NamedTensor* shape = c.initializer("shape");
  REQUIRE(shape != nullptr);
  CHECK(same_bytes(shape->tensor, make_tensor<int64_t>({2}, {2, 3}).value()));
  REQUIRE(c.inputs.size() == 1);
  CHECK(c.inputs[0].name == "x");
  CHECK(c.outputs[0].name == "y");
  std::vector<NamedTensor> got = run(cleaned, in);
  CHECK(same_bytes(got[0].tensor, expected[0].tensor));
  // By hand for the first element: sigmoid((x + 1) * 1) at x = -1 is sigmoid(0) = 0.5.
  CHECK(got[0].tensor.data_as<float>()[0] == 0.5f);
  CHECK(clean_model(cleaned).summary().find("nothing to clean") != std::string::npos);
}

TEST_CASE("passes: folding never grows the model, and skips what depends on symbolic dims") {
  Model m = make_model("grow", 13);
  Graph& g = m.graph;
  REQUIRE(add_input(g, tensor_info("x", DType::kFloat32, {"n", 4})).ok());
  REQUIRE(add_initializer(g, "big_shape", make_tensor<int64_t>({2}, {256, 256}).value()).ok());
  REQUIRE(add_node(g, make_node("ConstantOfShape", {"big_shape"}, {"zeros"})).ok());  // 256 KiB from 16 bytes
  REQUIRE(add_node(g, make_node("Shape", {"x"}, {"xs"})).ok());                        // [n, 4]: not constant
  REQUIRE(add_node(g, make_node("ReduceSum", {"zeros"}, {"zs"}, {int_attr("keepdims", 0)})).ok());
  REQUIRE(add_node(g, make_node("Cast", {"zs"}, {"zi"}, {int_attr("to", 7)})).ok());
  REQUIRE(add_node(g, make_node("Add", {"xs", "zi"}, {"y"})).ok());
  REQUIRE(add_output(g, tensor_info("y", DType::kInt64, {2})).ok());
  Model cleaned = m;
  clean_model(cleaned);
  // ConstantOfShape alone would grow the file; ConstantOfShape -> ReduceSum -> Cast frees it.
  INFO(describe_model(cleaned));
  CHECK(find_node(cleaned.graph, "Shape_1") != nullptr);
  CHECK(cleaned.graph.nodes.size() == 2);  // Shape and Add
  size_t bytes = 0;
  for (const NamedTensor& t : cleaned.graph.initializers) bytes += t.tensor.nbytes();
  CHECK(bytes <= 16);
  std::vector<NamedTensor> in = {{"x", Tensor::make(DType::kFloat32, {5, 4}).value(), ""}};
  std::vector<NamedTensor> a = run(m, in), b = run(cleaned, in);
  CHECK(same_bytes(a[0].tensor, b[0].tensor));
  CHECK(b[0].tensor.data_as<int64_t>()[0] == 5);
  CHECK(b[0].tensor.data_as<int64_t>()[1] == 4);

  // Without a way to free the big constant, it is not folded.
  Model lone = make_model("lone", 13);
  REQUIRE(add_initializer(lone.graph, "big_shape", make_tensor<int64_t>({2}, {256, 256}).value()).ok());
  REQUIRE(add_input(lone.graph, tensor_info("x", DType::kFloat32, {256, 256})).ok());
  REQUIRE(add_node(lone.graph, make_node("ConstantOfShape", {"big_shape"}, {"zeros"})).ok());
  REQUIRE(add_node(lone.graph, make_node("Add", {"x", "zeros"}, {"y"})).ok());
  REQUIRE(add_output(lone.graph, tensor_info("y", DType::kFloat32, {256, 256})).ok());
  CHECK(fold_constants(lone) == 0);
}

TEST_CASE("clean of every reference model keeps its outputs identical and does not grow the file") {
  if (!have_models()) return;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(kModels)) {
    if (fs::exists(entry.path() / "model.onnx")) dirs.push_back(entry.path());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const fs::path& dir : dirs) {
    fs::path file = dir / "model.onnx";
    std::shared_ptr<Model> original = load(file.string());
    std::vector<NamedTensor> inputs = test_inputs(dir);
    std::vector<NamedTensor> before = run(*original, inputs);
    Model cleaned = *original;
    CleanReport r = clean_model(cleaned);
    Result<std::string> bytes = save_model_buffer(cleaned);
    REQUIRE(bytes.ok());
    uintmax_t old_size = fs::file_size(file);
    MESSAGE(dir.filename().string(), ": ", r.summary(), "; bytes ", old_size, " -> ", bytes->size());
    CHECK(bytes->size() <= old_size);
    Result<std::shared_ptr<Model>> back = load_model_buffer(bytes->data(), bytes->size());
    REQUIRE(back.ok());
    CHECK(count_errors(check_model(**back)) == 0);
    std::vector<NamedTensor> after = run(**back, inputs);
    REQUIRE(after.size() == before.size());
    for (size_t i = 0; i < before.size(); ++i) {
      CHECK(after[i].name == before[i].name);
      CHECK(same_bytes(after[i].tensor, before[i].tensor));
    }
  }
}

TEST_CASE("DOT: ops, typed edges, summarised initializers") {
  Model m = camera_preproc(480, 640);
  std::string dot = to_dot(m);
  CHECK(dot.rfind("digraph onyx {", 0) == 0);
  CHECK(dot.find("label=\"Resize\\nResize_3") != std::string::npos);
  CHECK(dot.find("sizes: int64 [4]") != std::string::npos);           // initializer inside the Resize box
  CHECK(dot.find("frame\\nuint8 [480,640,3]") != std::string::npos);  // the input ellipse
  CHECK(dot.find("chw\\nfloat32 [3,480,640]") != std::string::npos);  // inferred edge type
  CHECK(dot.find("preprocessed\\nfloat32 [1,3,224,224]") != std::string::npos);
  size_t edges = 0;
  for (size_t p = dot.find("->"); p != std::string::npos; p = dot.find("->", p + 2)) ++edges;
  CHECK(edges == 7);  // input->Cast, 5 node-to-node edges, Div->output
  DotOptions quiet;
  quiet.tensor_names = false;
  quiet.max_initializers = 0;
  std::string q = to_dot(m, quiet);
  CHECK(q.find("+1 initializers") != std::string::npos);
  CHECK(q.find("label=\"float32 [3,480,640]\"") != std::string::npos);
}
