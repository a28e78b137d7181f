// Session and executor tests: planning, no allocation at run, re-prepare on shape change,
// caller arenas, constant folding, dynamic shapes and error messages.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "op_test.h"
#include "onyx/session.h"

using namespace onyx;
using namespace onyx::test;

// Counts heap allocations made by this process while `g_counting` is set. The replaced global
// operators pair malloc with free, which GCC's -Wmismatched-new-delete cannot see through.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static std::atomic<bool> g_counting{false};
static std::atomic<long> g_allocations{0};

void* operator new(size_t n) {
  if (g_counting) ++g_allocations;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, std::align_val_t a) {
  if (g_counting) ++g_allocations;
  size_t al = static_cast<size_t>(a);
  void* p = std::aligned_alloc(al, (n + al - 1) / al * al);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return operator new(n, a);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return operator new(n);
  } catch (...) {
    return nullptr;
  }
}
// The array forms too: a kernel's `new (std::nothrow) float[n]` (Winograd's weights) must come
// from the malloc that the replaced delete[] frees (AddressSanitizer reports the mismatch).
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void* operator new[](size_t n, std::align_val_t a) { return operator new(n, a); }
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t& t) noexcept { return operator new(n, a, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

ValueInfo input_info(const std::string& name, DType t, std::vector<Dim> dims) {
  ValueInfo vi;
  vi.name = name;
  vi.type.kind = TypeInfo::Kind::kTensor;
  vi.type.elem = t;
  vi.type.has_shape = true;
  vi.type.shape = std::move(dims);
  return vi;
}

Node op(const std::string& type, std::vector<std::string> in, std::vector<std::string> out,
        std::vector<Attribute> attrs = {}) {
  Node n;
  n.name = out[0] + "_node";
  n.op_type = type;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.attrs = std::move(attrs);
  return n;
}

// An opset-13 model whose graph input x is one float32 image of c x h x w (no nodes yet).
std::shared_ptr<Model> image_model(int64_t c, int64_t h, int64_t w) {
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets.push_back({"", 13});
  m->graph.inputs.push_back(input_info("x", DType::kFloat32, {Dim{1, ""}, Dim{c, ""}, Dim{h, ""}, Dim{w, ""}}));
  return m;
}

// Runs the session once while counting heap allocations; the run must succeed.
long allocations_in_run(Session& s) {
  g_allocations = 0;
  g_counting = true;
  Status st = s.run();
  g_counting = false;
  REQUIRE(st.ok());
  return g_allocations;
}

ValueInfo output_info(const std::string& name) {
  ValueInfo vi;
  vi.name = name;
  return vi;
}

// x[batch, 4] -> MatMul(W) -> Add(b) -> Relu -> MatMul(W2) -> Relu -> y, with constant
// subexpressions (W2 = Relu(Wc)) that fold at prepare.
std::shared_ptr<Model> mlp(Dim batch) {
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets.push_back({"", 13});
  m->source = "mlp.onnx";
  Graph& g = m->graph;
  g.inputs.push_back(input_info("x", DType::kFloat32, {batch, Dim{4, ""}}));
  g.initializers.push_back({"W", ftensor({4, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}), ""});
  g.initializers.push_back({"b", ftensor({3}, {0.5f, -10.0f, 0.0f}), ""});
  g.initializers.push_back({"Wc", ftensor({3, 2}, {1, -1, 2, -2, 3, -3}), ""});
  g.nodes.push_back(op("MatMul", {"x", "W"}, {"h"}));
  g.nodes.push_back(op("Add", {"h", "b"}, {"hb"}));
  g.nodes.push_back(op("Relu", {"hb"}, {"r"}));
  g.nodes.push_back(op("Relu", {"Wc"}, {"W2"}));
  g.nodes.push_back(op("MatMul", {"r", "W2"}, {"z"}));
  g.nodes.push_back(op("Relu", {"z"}, {"y"}));
  g.outputs.push_back(output_info("y"));
  return m;
}

}  // namespace

TEST_CASE("a static model is planned at create and runs without allocating") {
  auto s = Session::create(mlp(Dim{2, ""})).value();
  CHECK(s->prepared());
  CHECK(s->arena_bytes() > 0);
  CHECK(s->planned_nodes() == 5);  // Relu(Wc) was folded
  std::vector<float> x = {1, 2, 3, 4, 0, 0, 0, 0};
  REQUIRE(s->set_input("x", Tensor::view(DType::kFloat32, {2, 4}, x.data())).ok());
  REQUIRE(s->run().ok());  // first run
  CHECK(allocations_in_run(*s) == 0);
  // Row 0: h = [1+4, 2+4, 3+4] = [5, 6, 7]; +b = [5.5, -4, 7]; relu = [5.5, 0, 7];
  // z = [5.5*1 + 7*3, 0] = [26.5, -26.5] -> relu [26.5, 0]. Row 1: h = 0 + b -> [0.5, 0, 0]
  // -> z = [0.5, -0.5] -> [0.5, 0].
  const Tensor* y = s->output("y");
  REQUIRE(y != nullptr);
  CHECK(y->shape() == Dims{2, 2});
  CHECK(values<float>(*y) == std::vector<float>{26.5f, 0.0f, 0.5f, 0.0f});
}

TEST_CASE("a CNN on the fast paths (padded conv, depthwise, pooling, transpose) runs without allocating") {
  auto m = image_model(8, 96, 96);
  Graph& g = m->graph;
  auto filled = [](Dims dims) {
    std::vector<float> v(static_cast<size_t>(numel(dims)));
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 7) * 0.1f - 0.3f;
    return ftensor(std::move(dims), std::move(v));
  };
  g.initializers.push_back({"w", filled({16, 8, 3, 3}), ""});
  g.initializers.push_back({"b", filled({16}), ""});
  g.initializers.push_back({"dw", filled({16, 1, 3, 3}), ""});
  // Sizes over the thresholds that split work between threads (2^21 multiply-adds for the dense
  // convolution, 2^18 for the depthwise one).
  g.nodes.push_back(op("Conv", {"x", "w", "b"}, {"c"}, {attr_ints("pads", {1, 1, 1, 1})}));
  g.nodes.push_back(op("Relu", {"c"}, {"r"}));
  g.nodes.push_back(op("Conv", {"r", "dw"}, {"d"}, {attr_ints("pads", {1, 1, 1, 1}), attr_ints("strides", {2, 2}), attr_int("group", 16)}));
  g.nodes.push_back(op("Relu", {"d"}, {"dr"}));
  g.nodes.push_back(op("MaxPool", {"dr"}, {"p"}, {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2})}));
  g.nodes.push_back(op("Transpose", {"p"}, {"y"}, {attr_ints("perm", {0, 2, 3, 1})}));
  g.outputs.push_back(output_info("y"));
  std::vector<float> x(8 * 96 * 96, 0.5f);
  for (int threads : {1, 2}) {
    CAPTURE(threads);
    SessionOptions o;
    o.threads = threads;
    auto s = Session::create(m, o).value();
    REQUIRE(s->prepared());
    REQUIRE(s->set_input("x", Tensor::view(DType::kFloat32, {1, 8, 96, 96}, x.data())).ok());
    REQUIRE(s->run().ok());
    CHECK(allocations_in_run(*s) == 0);
    CHECK(s->output("y")->shape() == Dims{1, 23, 23, 16});
  }
}

TEST_CASE("threads: outputs are bitwise those of one thread, run after run") {
  // Threads take shares sized to their measured speeds, so the split moves from run to run; no
  // output may depend on it. Each layer is over the size that splits work: a padded conv by
  // output columns, max pooling by rows, a Winograd conv (+ Z) by tile rows, a stride-2 conv
  // by output channels, a Winograd conv of one block (14x14) by output channels. On two or more
  // threads each has its own scratch, apart from the tensors (ScratchPlace).
  auto m = image_model(16, 56, 56);
  Graph& g = m->graph;
  uint32_t state = 12345;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) / 16777216.0f - 0.5f;
  };
  auto filled = [&](Dims dims, float scale) {
    std::vector<float> v(static_cast<size_t>(numel(dims)));
    for (float& e : v) e = scale * next();
    return ftensor(std::move(dims), std::move(v));
  };
  g.initializers.push_back({"w1", filled({64, 16, 3, 3}, 0.3f), ""});
  g.initializers.push_back({"b1", filled({64}, 0.1f), ""});
  g.initializers.push_back({"w2", filled({64, 64, 3, 3}, 0.1f), ""});
  g.initializers.push_back({"w3", filled({128, 64, 3, 3}, 0.1f), ""});
  g.initializers.push_back({"w4", filled({64, 128, 3, 3}, 0.1f), ""});
  const std::vector<int64_t> pad1{1, 1, 1, 1};
  g.nodes.push_back(op("Conv", {"x", "w1", "b1"}, {"c1"}, {attr_ints("pads", pad1)}));
  g.nodes.push_back(op("Relu", {"c1"}, {"r1"}));
  g.nodes.push_back(op("MaxPool", {"r1"}, {"p"}, {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2}), attr_ints("pads", pad1)}));
  g.nodes.push_back(op("Conv", {"p", "w2"}, {"c2"}, {attr_ints("pads", pad1)}));
  g.nodes.push_back(op("Add", {"c2", "p"}, {"s"}));
  g.nodes.push_back(op("Relu", {"s"}, {"r2"}));
  g.nodes.push_back(op("Conv", {"r2", "w3"}, {"c3"}, {attr_ints("pads", pad1), attr_ints("strides", {2, 2})}));
  g.nodes.push_back(op("Conv", {"c3", "w4"}, {"y"}, {attr_ints("pads", pad1)}));
  g.outputs.push_back(output_info("y"));
  std::vector<float> x(16 * 56 * 56);
  for (float& e : x) e = next();
  std::vector<float> want;
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    SessionOptions o;
    o.threads = threads;
    auto s = Session::create(m, o).value();
    REQUIRE(s->set_input("x", Tensor::view(DType::kFloat32, {1, 16, 56, 56}, x.data())).ok());
    for (int run = 0; run < (threads == 1 ? 1 : 8); ++run) {
      CAPTURE(run);
      REQUIRE(s->run().ok());
      const Tensor& y = *s->output("y");
      REQUIRE(y.shape() == Dims{1, 64, 14, 14});
      if (want.empty()) want.assign(y.data_as<float>(), y.data_as<float>() + y.numel());
      CHECK(std::memcmp(y.data(), want.data(), want.size() * sizeof(float)) == 0);
    }
  }
}

TEST_CASE("symbolic dims are planned when inputs arrive and re-planned when shapes change") {
  auto s = Session::create(mlp(Dim{-1, "batch"})).value();
  CHECK_FALSE(s->prepared());
  std::vector<float> x1(4, 1.0f), x3(12, 1.0f);
  REQUIRE(s->set_input("x", Tensor::view(DType::kFloat32, {1, 4}, x1.data())).ok());
  REQUIRE(s->run().ok());
  size_t small = s->arena_bytes();
  CHECK(s->output("y")->shape() == Dims{1, 2});
  REQUIRE(s->set_input("x", Tensor::view(DType::kFloat32, {3, 4}, x3.data())).ok());
  CHECK_FALSE(s->prepared());
  REQUIRE(s->run().ok());
  CHECK(s->output("y")->shape() == Dims{3, 2});
  CHECK(s->arena_bytes() >= small);
  // Same shape again: no re-plan, no allocation.
  REQUIRE(s->set_input("x", Tensor::view(DType::kFloat32, {3, 4}, x3.data())).ok());
  CHECK(s->prepared());
  CHECK(allocations_in_run(*s) == 0);
}

TEST_CASE("the caller may supply the arena") {
  size_t need = Session::create(mlp(Dim{2, ""})).value()->arena_bytes();
  alignas(64) static unsigned char buffer[1 << 16];
  REQUIRE(need <= sizeof buffer);
  SessionOptions small;
  small.arena = buffer;
  small.arena_size = need - 1;
  auto r = Session::create(mlp(Dim{2, ""}), small);
  CHECK(r.status().code() == Code::kResourceExhausted);
  SessionOptions fits;
  fits.arena = buffer;
  fits.arena_size = sizeof buffer;
  auto s = Session::create(mlp(Dim{2, ""}), fits).value();
  std::vector<float> x(8, 1.0f);
  REQUIRE(s->set_input("x", Tensor::view(DType::kFloat32, {2, 4}, x.data())).ok());
  REQUIRE(s->run().ok());
  const auto* y = static_cast<const unsigned char*>(s->output("y")->data());
  CHECK(y >= buffer);
  CHECK(y < buffer + sizeof buffer);
}

TEST_CASE("intermediates share arena memory") {
  // A chain of 8 Relu on 1000 floats: a naive plan needs 8 buffers, ours reuses two.
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets.push_back({"", 13});
  m->graph.inputs.push_back(input_info("x", DType::kFloat32, {Dim{1000, ""}}));
  std::string prev = "x";
  for (int i = 0; i < 8; ++i) {
    std::string out = "t" + std::to_string(i);
    m->graph.nodes.push_back(op("Relu", {prev}, {out}));
    prev = out;
  }
  m->graph.outputs.push_back(output_info(prev));
  auto s = Session::create(m).value();
  CHECK(s->arena_bytes() == 2 * 4032);  // 4000 bytes rounded up to 64-byte alignment
}

TEST_CASE("a Concat of one image's channels is written in place by its producers") {
  // x[n, 2, 1, 2] -> Relu -> a, x -> Neg -> b, Concat(a, b, axis 1) -> y [, then uses of a].
  //   0: batch 1: a and b live inside y (the arena is y alone), Concat copies nothing;
  //   1: batch 2 (the channels of two images are not one slice each): copied;
  //   2: a is also a graph output: copied;
  //   3: a is read after the Concat: copied.
  for (int variant : {0, 1, 2, 3}) {
    CAPTURE(variant);
    const int64_t batch = variant == 1 ? 2 : 1;
    auto m = std::make_shared<Model>();
    m->ir_version = 8;
    m->opsets.push_back({"", 13});
    Graph& g = m->graph;
    g.inputs.push_back(input_info("x", DType::kFloat32, {Dim{batch, ""}, Dim{2, ""}, Dim{1, ""}, Dim{2, ""}}));
    Attribute axis;
    axis.name = "axis";
    axis.type = AttrType::kInt;
    axis.i = variant == 0 ? -3 : 1;  // a negative axis counts from the end
    g.nodes.push_back(op("Relu", {"x"}, {"a"}));
    g.nodes.push_back(op("Neg", {"x"}, {"b"}));
    g.nodes.push_back(op("Concat", {"a", "b"}, {"y"}, {axis}));
    g.outputs.push_back(output_info("y"));
    if (variant == 2) g.outputs.push_back(output_info("a"));
    if (variant == 3) {
      g.nodes.push_back(op("Neg", {"a"}, {"na"}));
      g.outputs.push_back(output_info("na"));
    }
    std::vector<float> x(static_cast<size_t>(batch * 4));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 1.5f;
    std::vector<float> want;
    for (int64_t n = 0; n < batch; ++n) {
      for (size_t i = 0; i < 4; ++i) want.push_back(std::max(x[static_cast<size_t>(n * 4) + i], 0.0f));
      for (size_t i = 0; i < 4; ++i) want.push_back(-x[static_cast<size_t>(n * 4) + i]);
    }
    size_t arena[2] = {};
    for (bool optimize : {true, false}) {
      SessionOptions o;
      o.optimize = optimize;
      auto s = Session::create(m, o).value();
      arena[optimize ? 0 : 1] = s->arena_bytes();
      REQUIRE(s->set_input("x", Tensor::view(DType::kFloat32, {batch, 2, 1, 2}, x.data())).ok());
      REQUIRE(s->run().ok());
      CHECK(values<float>(*s->output("y")) == want);
      if (variant == 3) {
        std::vector<float> na;
        for (size_t i = 0; i < 4; ++i) na.push_back(-std::max(x[i], 0.0f));
        CHECK(values<float>(*s->output("na")) == na);
      }
    }
    if (variant == 0) {
      CHECK(arena[0] == 64);  // y's 32 bytes, aligned: a and b are inside it
      CHECK(arena[1] > arena[0]);
    } else {
      CHECK(arena[0] == arena[1]);
    }
  }
}

TEST_CASE("input checks name the model and the input") {
  auto s = Session::create(mlp(Dim{2, ""})).value();
  std::vector<float> x(8, 0.0f);
  std::vector<int32_t> xi(8, 0);
  Status st = s->set_input("nope", Tensor::view(DType::kFloat32, {2, 4}, x.data()));
  CHECK(st.code() == Code::kNotFound);
  CHECK(st.message().find("mlp.onnx") != std::string::npos);
  CHECK(st.message().find("'x'") != std::string::npos);  // lists the real inputs
  st = s->set_input("x", Tensor::view(DType::kInt32, {2, 4}, xi.data()));
  CHECK(st.code() == Code::kInvalidArgument);
  CHECK(st.message().find("int32") != std::string::npos);
  st = s->set_input("x", Tensor::view(DType::kFloat32, {8}, x.data()));
  CHECK(st.message().find("rank") != std::string::npos);
  st = s->set_input("x", Tensor::view(DType::kFloat32, {4, 2}, x.data()));
  CHECK(st.message().find("dimension 0 must be 2") != std::string::npos);
  auto fresh = Session::create(mlp(Dim{-1, "batch"})).value();
  st = fresh->run();
  CHECK(st.code() == Code::kInvalidArgument);
  CHECK(st.message().find("'x' was not set") != std::string::npos);
}

TEST_CASE("kernel errors name the model and the node") {
  auto m = mlp(Dim{2, ""});
  m->graph.initializers[0].tensor = ftensor({5, 3}, {});  // W no longer matches x's width
  auto r = Session::create(m);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("mlp.onnx") != std::string::npos);
  CHECK(r.status().message().find("node 'h_node' (MatMul)") != std::string::npos);

  auto u = mlp(Dim{2, ""});
  u->graph.nodes[2].op_type = "NoSuchOp";
  r = Session::create(u);
  CHECK(r.status().code() == Code::kUnsupported);
  CHECK(r.status().message().find("NoSuchOp") != std::string::npos);
  CHECK(r.status().message().find("opset 13") != std::string::npos);
}

TEST_CASE("a shape computed from an input value makes the node dynamic") {
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets.push_back({"", 14});
  m->graph.inputs.push_back(input_info("x", DType::kFloat32, {Dim{2, ""}, Dim{3, ""}}));
  m->graph.inputs.push_back(input_info("shape", DType::kInt64, {Dim{2, ""}}));
  m->graph.nodes.push_back(op("Reshape", {"x", "shape"}, {"r"}));
  m->graph.nodes.push_back(op("Relu", {"r"}, {"y"}));
  m->graph.outputs.push_back(output_info("y"));
  auto s = Session::create(m).value();
  std::vector<float> x = {-1, 2, -3, 4, -5, 6};
  std::vector<int64_t> shape = {3, -1};
  REQUIRE(s->set_input("x", Tensor::view(DType::kFloat32, {2, 3}, x.data())).ok());
  REQUIRE(s->set_input("shape", Tensor::view(DType::kInt64, {2}, shape.data())).ok());
  REQUIRE(s->run().ok());
  CHECK(s->output("y")->shape() == Dims{3, 2});
  CHECK(values<float>(*s->output("y")) == std::vector<float>{0, 2, 0, 4, 0, 6});
  shape = {1, 6};  // same input shapes, new value: the dynamic node follows it
  REQUIRE(s->run().ok());
  CHECK(s->output("y")->shape() == Dims{1, 6});
}
