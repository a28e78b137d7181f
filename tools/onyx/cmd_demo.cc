// onyx demo: the bundled camera demo. Builds two graphs in memory with the graph-editing API
// (onyx/graph_edit.h), checks them, and runs them on synthetic frames: the motion detector
// Less(threshold, ReduceSum(Abs(frame - background))) on an int64 300x400x3 frame, and an
// MNIST-style CNN (random weights) on a batch of synthetic digits.
#include <algorithm>
#include <cmath>
#include <random>

#include "cli.h"
#include "onyx/graph_check.h"
#include "onyx/graph_edit.h"

namespace onyx::cli {

namespace {

constexpr int64_t kH = 300, kW = 400, kC = 3;

// The graphs are built with the graph-editing API (onyx/graph_edit.h); every step returns a
// Status, collected here so a mistake in the demo is reported, not ignored.
struct Builder {
  Model model;
  Status status;
  explicit Builder(const std::string& name) : model(make_model(name, 13)) {}
  void input(ValueInfo vi) { keep(add_input(model.graph, std::move(vi))); }
  void output(ValueInfo vi) { keep(add_output(model.graph, std::move(vi))); }
  void initializer(const std::string& name, Tensor t) { keep(add_initializer(model.graph, name, std::move(t))); }
  void node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
            std::vector<Attribute> attrs = {}) {
    keep(add_node(model.graph, make_node(op, std::move(in), std::move(out), std::move(attrs))).status());
  }
  void keep(const Status& s) {
    if (status.ok()) status = s;
  }
  // The finished model, validated by check_model (onyx/graph_check.h).
  Result<std::shared_ptr<Model>> done() {
    if (!status.ok()) return status;
    for (const CheckIssue& issue : check_model(model)) {
      if (issue.error()) return error(Code::kInternal, model.graph.name, ": ", issue.to_string());
    }
    return std::make_shared<Model>(std::move(model));
  }
};

// motion = threshold < ReduceSum(|frame - background|), on an int64 [300, 400, 3] frame.
Result<std::shared_ptr<Model>> motion_detector(const Tensor& background, int64_t threshold) {
  Builder b("motion_detector");
  b.input(tensor_info("frame", DType::kInt64, {kH, kW, kC}));
  b.initializer("background", background);
  b.initializer("threshold", Tensor::scalar<int64_t>(threshold));
  b.node("Sub", {"frame", "background"}, {"diff"});
  b.node("Abs", {"diff"}, {"absdiff"});
  b.node("ReduceSum", {"absdiff"}, {"total"}, {int_attr("keepdims", 0)});
  b.node("Less", {"threshold", "total"}, {"motion"});
  b.output(tensor_info("motion", DType::kBool, {}));
  return b.done();
}

Tensor random_tensor(Dims dims, float scale, std::mt19937& rng) {
  Tensor t = Tensor::make(DType::kFloat32, std::move(dims)).value();
  std::normal_distribution<float> n(0.0f, scale);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = n(rng);
  return t;
}

Result<std::shared_ptr<Model>> mnist_cnn(int64_t batch, std::mt19937& rng) {
  Builder b("mnist_cnn");
  b.input(tensor_info("digits", DType::kFloat32, {batch, 1, 28, 28}));
  b.initializer("w1", random_tensor({20, 1, 5, 5}, 0.2f, rng));
  b.initializer("b1", random_tensor({20}, 0.1f, rng));
  b.initializer("w2", random_tensor({50, 20, 5, 5}, 0.045f, rng));
  b.initializer("b2", random_tensor({50}, 0.1f, rng));
  b.initializer("w3", random_tensor({800, 500}, 0.035f, rng));
  b.initializer("w4", random_tensor({500, 10}, 0.045f, rng));
  const Attribute k5 = ints_attr("kernel_shape", {5, 5});
  const std::vector<Attribute> pool = {ints_attr("kernel_shape", {2, 2}), ints_attr("strides", {2, 2})};
  b.node("Conv", {"digits", "w1", "b1"}, {"c1"}, {k5});
  b.node("Relu", {"c1"}, {"r1"});
  b.node("MaxPool", {"r1"}, {"p1"}, pool);
  b.node("Conv", {"p1", "w2", "b2"}, {"c2"}, {k5});
  b.node("Relu", {"c2"}, {"r2"});
  b.node("MaxPool", {"r2"}, {"p2"}, pool);
  b.node("Flatten", {"p2"}, {"f"}, {int_attr("axis", 1)});
  b.node("MatMul", {"f", "w3"}, {"h"});
  b.node("Relu", {"h"}, {"hr"});
  b.node("MatMul", {"hr", "w4"}, {"logits"});
  b.node("ArgMax", {"logits"}, {"label"}, {int_attr("axis", 1), int_attr("keepdims", 0)});
  b.output(tensor_info("label", DType::kInt64, {batch}));
  return b.done();
}

// Times `runs` runs and returns the median in ms.
double median_run_ms(Session& s, int runs, Status* st) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    double a = now_ms();
    *st = s.run();
    if (!st->ok()) return 0;
    t.push_back(now_ms() - a);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int cmd_demo(int argc, char** argv) {
  (void)argc;
  (void)argv;
  std::mt19937 rng(42);

  // --- motion detector on synthetic camera frames ---
  Tensor background = Tensor::make(DType::kInt64, {kH, kW, kC}).value();
  for (int64_t y = 0; y < kH; ++y) {
    for (int64_t x = 0; x < kW; ++x) {
      for (int64_t c = 0; c < kC; ++c) background.data_as<int64_t>()[(y * kW + x) * kC + c] = (x + 2 * y + 40 * c) % 200;
    }
  }
  Result<std::shared_ptr<Model>> detector = motion_detector(background, 1200000);
  if (!detector.ok()) return fail("demo", detector.status());
  Result<std::unique_ptr<Session>> ds = Session::create(*detector);
  if (!ds.ok()) return fail("demo", ds.status());
  Tensor still = background.clone().value();
  Tensor moving = background.clone().value();
  std::uniform_int_distribution<int> noise(-3, 3);
  for (int64_t i = 0; i < still.numel(); ++i) {
    int n = noise(rng);
    still.data_as<int64_t>()[i] += n;
    moving.data_as<int64_t>()[i] += n;
  }
  for (int64_t y = 100; y < 180; ++y) {  // a bright 80x120 object enters the scene
    for (int64_t x = 150; x < 270; ++x) {
      for (int64_t c = 0; c < kC; ++c) moving.data_as<int64_t>()[(y * kW + x) * kC + c] = 255;
    }
  }
  std::printf("motion detector: Sub -> Abs -> ReduceSum -> Less on int64 [300, 400, 3], threshold 1200000, arena %zu bytes\n",
              (*ds)->arena_bytes());
  for (const auto& [label, frame] : {std::pair<const char*, Tensor*>{"still scene", &still}, {"object enters", &moving}}) {
    Status st = (*ds)->set_input("frame", *frame);
    if (!st.ok()) return fail("demo", st);
    double ms = median_run_ms(**ds, 5, &st);
    if (!st.ok()) return fail("demo", st);
    bool motion = *(*ds)->output("motion")->data_as<bool>();
    std::printf("  %-14s motion = %-5s  (%.3f ms median of 5)\n", label, motion ? "true" : "false", ms);
  }

  // --- MNIST-style CNN on synthetic digits ---
  const int64_t batch = 64;
  Result<std::shared_ptr<Model>> cnn = mnist_cnn(batch, rng);
  if (!cnn.ok()) return fail("demo", cnn.status());
  Result<std::unique_ptr<Session>> cs = Session::create(*cnn);
  if (!cs.ok()) return fail("demo", cs.status());
  Tensor digits = Tensor::make(DType::kFloat32, {batch, 1, 28, 28}).value();
  for (int64_t b = 0; b < batch; ++b) {  // a ring whose radius depends on the sample
    double r = 4.0 + static_cast<double>(b % 8);
    for (int64_t y = 0; y < 28; ++y) {
      for (int64_t x = 0; x < 28; ++x) {
        double d = std::hypot(static_cast<double>(y) - 13.5, static_cast<double>(x) - 13.5);
        digits.data_as<float>()[(b * 28 + y) * 28 + x] = std::fabs(d - r) < 1.5 ? 1.0f : 0.0f;
      }
    }
  }
  Status st = (*cs)->set_input("digits", digits);
  if (!st.ok()) return fail("demo", st);
  double ms = median_run_ms(**cs, 5, &st);
  if (!st.ok()) return fail("demo", st);
  const Tensor* label = (*cs)->output("label");
  std::printf("mnist-style CNN: Conv/Relu/MaxPool x2 -> MatMul/Relu -> MatMul -> ArgMax, batch %lld, arena %zu bytes\n",
              static_cast<long long>(batch), (*cs)->arena_bytes());
  std::printf("  labels of the first 8 digits: %s  (%.3f ms median of 5, %.1f images/s)\n", values_str(*label, 8).c_str(),
              ms, 1000.0 * static_cast<double>(batch) / ms);
  return 0;
}

}  // namespace onyx::cli
