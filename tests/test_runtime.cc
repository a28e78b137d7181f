// Unit tests of the runtime core: status, dtypes, shapes, tensors, topological order and the
// memory planner.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "onyx/dtype.h"
#include "onyx/memory_planner.h"
#include "onyx/shape.h"
#include "onyx/status.h"
#include "onyx/tensor.h"
#include "onyx/topo_order.h"

using namespace onyx;

TEST_CASE("status carries code, message and context") {
  Status ok;
  CHECK(ok.ok());
  Status e = error(Code::kInvalidModel, "dim ", -5, " in ", std::string("W"));
  CHECK_FALSE(e.ok());
  CHECK(e.code() == Code::kInvalidModel);
  CHECK(e.message() == "dim -5 in W");
  CHECK(e.with_context("m.onnx").message() == "m.onnx: dim -5 in W");
  CHECK(e.to_string() == "InvalidModel: dim -5 in W");
  CHECK(ok.with_context("x").ok());
}

TEST_CASE("float16 conversion rounds to nearest even and keeps specials") {
  CHECK(Float16::from_float(1.0f) == 0x3c00);
  CHECK(Float16::from_float(-2.0f) == 0xc000);
  CHECK(Float16::from_float(65504.0f) == 0x7bff);
  CHECK(Float16::from_float(65520.0f) == 0x7c00);  // rounds up to +Inf
  CHECK(Float16::from_float(std::numeric_limits<float>::infinity()) == 0x7c00);
  CHECK(std::isnan(Float16::to_float(Float16::from_float(std::nanf("")))));
  CHECK(Float16::from_float(5.9604645e-08f) == 0x0001);  // smallest subnormal
  CHECK(Float16::to_float(0x0001) == doctest::Approx(5.9604645e-08));
  // 1 + 2^-11 is exactly between 1 and the next half (1 + 2^-10): ties to even -> 1.
  CHECK(Float16::from_float(1.0f + 1.0f / 2048.0f) == 0x3c00);
  CHECK(Float16::from_float(1.0f + 3.0f / 2048.0f) == 0x3c02);
  for (uint32_t h = 0; h < 0x7c00; ++h) {  // every finite positive half round-trips
    REQUIRE(Float16::from_float(Float16::to_float(static_cast<uint16_t>(h))) == h);
  }
}

TEST_CASE("bfloat16 conversion") {
  CHECK(BFloat16::from_float(1.0f) == 0x3f80);
  CHECK(BFloat16::to_float(0x4049) == doctest::Approx(3.140625));
  CHECK(std::isnan(BFloat16::to_float(BFloat16::from_float(std::nanf("")))));
}

TEST_CASE("dtype names and sizes") {
  CHECK(std::string(dtype_name(DType::kFloat32)) == "float32");
  CHECK(dtype_size(DType::kInt64) == 8);
  CHECK(dtype_size(DType::kBFloat16) == 2);
  CHECK(dtype_from_name("float") == DType::kFloat32);
  CHECK(dtype_from_name("uint16") == DType::kUInt16);
  CHECK_FALSE(dtype_valid(0));
  CHECK_FALSE(dtype_valid(17));
  CHECK(mask_names(mask_of(DType::kFloat32, DType::kInt64)) == "float32, int64");
}

TEST_CASE("checked element counts reject negative and overflowing shapes") {
  CHECK(checked_numel({2, 3, 4}).value() == 24);
  CHECK(checked_numel({}).value() == 1);
  CHECK(checked_numel({0, 5}).value() == 0);
  Result<int64_t> neg = checked_numel({2, -5});
  CHECK(neg.status().code() == Code::kInvalidModel);
  Result<int64_t> big = checked_numel({int64_t{1} << 62, 4});
  CHECK(big.status().code() == Code::kResourceExhausted);
  CHECK(checked_numel({int64_t{1} << 21, int64_t{1} << 21}).status().code() == Code::kResourceExhausted);
}

TEST_CASE("broadcasting and axes") {
  Dims out;
  CHECK(broadcast_shapes({2, 1, 4}, {3, 1}, &out));
  CHECK(out == Dims{2, 3, 4});
  CHECK(broadcast_shapes({}, {5}, &out));
  CHECK(out == Dims{5});
  CHECK(broadcast_shapes({0, 3}, {1, 3}, &out));
  CHECK(out == Dims{0, 3});
  CHECK_FALSE(broadcast_shapes({2, 3}, {4, 3}, &out));
  int64_t a = 0;
  CHECK(normalize_axis(-1, 3, &a));
  CHECK(a == 2);
  CHECK_FALSE(normalize_axis(3, 3, &a));
  CHECK_FALSE(normalize_axis(-4, 3, &a));
  CHECK(strides_of({2, 3, 4}) == Dims{12, 4, 1});
}

TEST_CASE("tensors own or view memory") {
  Tensor t = Tensor::make(DType::kFloat32, {2, 3}).value();
  CHECK(t.numel() == 6);
  CHECK(t.nbytes() == 24);
  CHECK(t.data_as<float>()[5] == 0.0f);
  CHECK(reinterpret_cast<uintptr_t>(t.data()) % 64 == 0);
  t.data_as<float>()[1] = 7.0f;
  Tensor v = t.reshaped({3, 2});
  CHECK(v.data() == t.data());
  Tensor c = t.clone().value();
  CHECK(c.data() != t.data());
  CHECK(c.data_as<float>()[1] == 7.0f);
  Tensor s = Tensor::make(DType::kString, {2}).value();
  s.data_as<std::string>()[0] = "abc";
  CHECK(s.clone().value().data_as<std::string>()[0] == "abc");
  CHECK(Tensor::make(DType::kFloat32, {-1}).status().code() == Code::kInvalidModel);
}

static Node node(std::string name, std::vector<std::string> in, std::vector<std::string> out) {
  Node n;
  n.name = std::move(name);
  n.op_type = "Relu";
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

TEST_CASE("topological order sorts, keeps sorted graphs, and names errors") {
  Graph g;
  g.nodes = {node("c", {"b"}, {"c"}), node("a", {"x"}, {"a"}), node("b", {"a", "a"}, {"b"})};
  std::vector<size_t> order;
  REQUIRE(topo_order(g, {"x"}, &order).ok());
  CHECK(order == std::vector<size_t>{1, 2, 0});

  Graph sorted;
  sorted.nodes = {node("p", {"x"}, {"p"}), node("q", {"x"}, {"q"}), node("r", {"p", "q"}, {"r"})};
  REQUIRE(topo_order(sorted, {"x"}, &order).ok());
  CHECK(order == std::vector<size_t>{0, 1, 2});

  Graph cycle;
  cycle.nodes = {node("n1", {"x", "n2"}, {"n1"}), node("n2", {"n1"}, {"n2"})};
  Status s = topo_order(cycle, {"x"}, &order);
  CHECK(s.code() == Code::kInvalidModel);
  CHECK(s.message().find("cycle") != std::string::npos);
  CHECK(s.message().find("'n1'") != std::string::npos);

  Graph self;
  self.nodes = {node("loop", {"loop"}, {"loop"})};
  CHECK(topo_order(self, {}, &order).code() == Code::kInvalidModel);

  Graph missing;
  missing.nodes = {node("m", {"nowhere"}, {"m"})};
  s = topo_order(missing, {}, &order);
  CHECK(s.message().find("'nowhere'") != std::string::npos);
  CHECK(s.message().find("node 'm'") != std::string::npos);

  Graph dup;
  dup.nodes = {node("d1", {"x"}, {"y"}), node("d2", {"x"}, {"y"})};
  s = topo_order(dup, {"x"}, &order);
  CHECK(s.message().find("already produced") != std::string::npos);

  Graph shadow;
  shadow.nodes = {node("s", {"x"}, {"x"})};
  CHECK(topo_order(shadow, {"x"}, &order).code() == Code::kInvalidModel);
}

TEST_CASE("memory planner reuses memory of dead buffers") {
  // A chain a -> b -> c -> d: each buffer lives for two steps, so two slots suffice.
  std::vector<BufferRequest> chain = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  MemoryPlan p = plan_memory(chain);
  CHECK(p.peak_bytes == 2 * 1024);
  CHECK(p.offsets[0] != p.offsets[1]);
  CHECK(p.offsets[0] == p.offsets[2]);
  CHECK(p.offsets[1] == p.offsets[3]);

  // Everything alive at once: no reuse, sum of aligned sizes.
  std::vector<BufferRequest> all = {{100, 0, 5}, {200, 1, 5}, {64, 2, 5}};
  p = plan_memory(all);
  CHECK(p.peak_bytes == 128 + 256 + 64);

  // A small buffer fits in the gap a big dead one leaves.
  std::vector<BufferRequest> gap = {{4096, 0, 1}, {64, 0, 3}, {4096, 2, 3}, {1024, 2, 2}};
  p = plan_memory(gap);
  CHECK(p.peak_bytes == 4096 + 64 + 1024);
  for (size_t i = 0; i < gap.size(); ++i) {
    CHECK(p.offsets[i] % kArenaAlignment == 0);
    for (size_t j = i + 1; j < gap.size(); ++j) {
      bool time = gap[i].first_step <= gap[j].last_step && gap[j].first_step <= gap[i].last_step;
      bool space = p.offsets[i] < p.offsets[j] + gap[j].bytes && p.offsets[j] < p.offsets[i] + gap[i].bytes;
      CHECK_FALSE((time && space));
    }
  }
  CHECK(plan_memory({}).peak_bytes == 0);
  CHECK(plan_memory({{0, 0, 0}}).peak_bytes == 0);
}
