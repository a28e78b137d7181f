// Unit tests of the quant, signal and random op families. Expected values are computed by
// hand (or quoted from the ONNX operator documentation), never by the kernels under test.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "op_test.h"

using namespace onyx;
using namespace onyx::test;

namespace {

std::vector<Tensor> run_ok(const OpTest& t) {
  Result<std::vector<Tensor>> r = t.run();
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return r.value();
}

// Runs the node with graph inputs and again with constant (folded) inputs; checks output `out`.
void expect_out(OpTest t, const Tensor& want, int out = 0, double rtol = 1e-5, double atol = 1e-6) {
  for (bool constant : {false, true}) {
    t.constant_inputs = constant;
    std::vector<Tensor> got = run_ok(t);
    REQUIRE(static_cast<int>(got.size()) > out);
    const std::string d = compare(got[static_cast<size_t>(out)], want, rtol, atol);
    CHECK_MESSAGE(d == "", t.op_type, (constant ? " (constant)" : ""), ": ", d);
  }
}

Code run_code(OpTest t, bool constant = false) {
  t.constant_inputs = constant;
  Result<std::vector<Tensor>> r = t.run();
  return r.ok() ? Code::kOk : r.status().code();
}

Tensor u8(Dims d, std::vector<uint8_t> v) { return tensor<uint8_t>(std::move(d), std::move(v)); }
Tensor i8(Dims d, std::vector<int8_t> v) { return tensor<int8_t>(std::move(d), std::move(v)); }
Tensor i32(Dims d, std::vector<int32_t> v) { return tensor<int32_t>(std::move(d), std::move(v)); }
Tensor i64(Dims d, std::vector<int64_t> v) { return tensor<int64_t>(std::move(d), std::move(v)); }
Tensor f64(Dims d, std::vector<double> v) { return tensor<double>(std::move(d), std::move(v)); }
Tensor f16(Dims d, const std::vector<float>& v) {
  std::vector<Float16> h;
  for (float f : v) h.push_back(Float16(f));
  return tensor<Float16>(std::move(d), h);
}
Tensor bf16(Dims d, const std::vector<float>& v) {
  std::vector<BFloat16> h;
  for (float f : v) h.push_back(BFloat16(f));
  return tensor<BFloat16>(std::move(d), h);
}
Tensor boolean(Dims d, std::vector<bool> v) {
  Tensor t = Tensor::make(DType::kBool, std::move(d)).value();
  for (size_t i = 0; i < v.size(); ++i) t.data_as<bool>()[i] = v[i];
  return t;
}
Tensor f32s(float v) { return ftensor({}, {v}); }

// A one-node session (like OpTest) kept alive, to run several times and to inspect the plan.
struct NodeSession {
  std::unique_ptr<Session> session;

  static NodeSession make(const OpTest& t) {
    auto model = std::make_shared<Model>();
    model->ir_version = 8;
    model->opsets.push_back({"", t.opset});
    Node node;
    node.name = "n0";
    node.op_type = t.op_type;
    node.attrs = t.attrs;
    for (size_t i = 0; i < t.inputs.size(); ++i) {
      const std::string name = "in" + std::to_string(i);
      node.inputs.push_back(t.inputs[i].defined() ? name : "");
      if (t.inputs[i].defined()) model->graph.initializers.push_back({name, t.inputs[i], ""});
    }
    for (int i = 0; i < t.num_outputs; ++i) {
      node.outputs.push_back("out" + std::to_string(i));
      ValueInfo vi;
      vi.name = node.outputs.back();
      model->graph.outputs.push_back(vi);
    }
    model->graph.nodes.push_back(node);
    auto s = Session::create(model);
    REQUIRE_MESSAGE(s.ok(), s.status().to_string());
    return NodeSession{std::move(*s)};
  }
  std::vector<double> run(int out = 0) {
    Status st = session->run();
    REQUIRE_MESSAGE(st.ok(), st.to_string());
    const Tensor* t = session->output("out" + std::to_string(out));
    REQUIRE(t != nullptr);
    std::vector<double> v;
    for (int64_t i = 0; i < t->numel(); ++i) v.push_back(t->get_as_double(i));
    return v;
  }
};

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}
double stddev_of(const std::vector<double>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size()));
}
std::vector<double> as_doubles(const Tensor& t) {
  std::vector<double> v;
  for (int64_t i = 0; i < t.numel(); ++i) v.push_back(t.get_as_double(i));
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear

TEST_CASE("QuantizeLinear per tensor, saturation and round half to even") {
  // The ONNX documentation example.
  OpTest t{"QuantizeLinear", {ftensor({6}, {0, 2, 3, 1000, -254, -1000}), f32s(2), u8({}, {128})}};
  expect_out(t, u8({6}, {128, 129, 130, 255, 1, 0}));
  for (int64_t opset : {10, 13}) {
    // x / 2 = 0.5, 1.5, 2.5, -0.5, -1.5, -2.5 round to 0, 2, 2, 0, -2, -2.
    OpTest h{"QuantizeLinear", {ftensor({6}, {1, 3, 5, -1, -3, -5}), f32s(2), i8({}, {0})}};
    h.opset = opset;
    expect_out(h, i8({6}, {0, 2, 2, 0, -2, -2}));
  }
  // int8 saturation at -128 / 127 with a zero point.
  expect_out(OpTest{"QuantizeLinear", {ftensor({3}, {-1000, 1000, 0}), f32s(1), i8({1}, {-3})}},
             i8({3}, {-128, 127, -3}));
}

TEST_CASE("QuantizeLinear without zero point gives uint8; int32, float16 and bfloat16 inputs") {
  expect_out(OpTest{"QuantizeLinear", {ftensor({3}, {-1, 1.4f, 300}), f32s(1)}}, u8({3}, {0, 1, 255}));
  // int32 input: 7 / 2 = 3.5 -> 4, -7 / 2 = -3.5 -> -4.
  expect_out(OpTest{"QuantizeLinear", {i32({2}, {7, -7}), f32s(2), i8({}, {0})}}, i8({2}, {4, -4}));
  expect_out(OpTest{"QuantizeLinear", {f16({3}, {1.5f, 2.5f, -8}), f32s(0.5f), i8({}, {1})}}, i8({3}, {4, 6, -15}));
  expect_out(OpTest{"QuantizeLinear", {bf16({2}, {4, 6}), f32s(2), u8({}, {10})}}, u8({2}, {12, 13}));
}

TEST_CASE("QuantizeLinear per axis") {
  // x [1, 2, 2]; channel 0 scale 1 zp 0, channel 1 scale 10 zp 5.
  Tensor x = ftensor({1, 2, 2}, {1, 2, 10, 20});
  expect_out(OpTest{"QuantizeLinear", {x, ftensor({2}, {1, 10}), u8({2}, {0, 5})}}, u8({1, 2, 2}, {1, 2, 6, 7}));
  expect_out(OpTest{"QuantizeLinear", {x, ftensor({2}, {1, 10}), u8({2}, {0, 5})}, {attr_int("axis", -2)}},
             u8({1, 2, 2}, {1, 2, 6, 7}));
  // axis 2 (the last): column 0 scale 1, column 1 scale 10.
  expect_out(OpTest{"QuantizeLinear", {x, ftensor({2}, {1, 10}), u8({2}, {0, 0})}, {attr_int("axis", 2)}},
             u8({1, 2, 2}, {1, 0, 10, 2}));
  // The ONNX documentation example (axis 1 of [1, 3, 3, 2]).
  Tensor xa = ftensor({1, 3, 3, 2},
                      {-162, 10, -100, 232, -20, -50, -76, 0, 0, 252, 32, -44, 245, -485, -960, -270, -375, -470});
  expect_out(OpTest{"QuantizeLinear", {xa, ftensor({3}, {2, 4, 5}), u8({3}, {84, 24, 196})}},
             u8({1, 3, 3, 2}, {3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13, 245, 99, 4, 142, 121, 102}));
}

TEST_CASE("QuantizeLinear errors and empty input") {
  Tensor x = ftensor({1, 2, 2}, {1, 2, 3, 4});
  // Per-axis parameters need opset 13.
  OpTest v10{"QuantizeLinear", {x, ftensor({2}, {1, 10}), u8({2}, {0, 5})}};
  v10.opset = 10;
  CHECK(run_code(v10) == Code::kInvalidModel);
  // Wrong length along the axis, axis out of range, zero point shape mismatch.
  CHECK(run_code(OpTest{"QuantizeLinear", {x, ftensor({3}, {1, 2, 3}), u8({3}, {0, 0, 0})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"QuantizeLinear", {x, ftensor({2}, {1, 2}), u8({2}, {0, 0})}, {attr_int("axis", 3)}}) ==
        Code::kInvalidModel);
  CHECK(run_code(OpTest{"QuantizeLinear", {x, ftensor({2}, {1, 2}), u8({}, {0})}}) == Code::kInvalidModel);
  // Unsupported dtypes: int16 zero point, float64 x.
  CHECK(run_code(OpTest{"QuantizeLinear", {x, f32s(1), tensor<int16_t>({}, {0})}}) == Code::kUnsupported);
  CHECK(run_code(OpTest{"QuantizeLinear", {f64({1}, {1}), f32s(1)}}) == Code::kUnsupported);
  // Scale must be floating.
  CHECK(run_code(OpTest{"QuantizeLinear", {x, i32({}, {1})}}) == Code::kInvalidModel);
  // Empty input.
  expect_out(OpTest{"QuantizeLinear", {ftensor({0, 3}, {}), f32s(1), i8({}, {0})}}, i8({0, 3}, {}));
}

TEST_CASE("DequantizeLinear") {
  expect_out(OpTest{"DequantizeLinear", {u8({4}, {0, 3, 128, 255}), f32s(2), u8({}, {128})}},
             ftensor({4}, {-256, -250, 0, 254}));
  OpTest v10{"DequantizeLinear", {i8({3}, {-128, 0, 127}), f32s(0.5f), i8({}, {-1})}};
  v10.opset = 10;
  expect_out(v10, ftensor({3}, {-63.5f, 0.5f, 64}));
  // int32 without zero point.
  expect_out(OpTest{"DequantizeLinear", {i32({2}, {1, -2}), f32s(0.5f)}}, ftensor({2}, {0.5f, -1}));
  // Per axis 0 (and -2).
  for (int64_t axis : {0, -2}) {
    expect_out(OpTest{"DequantizeLinear",
                      {i8({2, 2}, {1, 2, 3, 4}), ftensor({2}, {1, 2}), i8({2}, {0, 1})},
                      {attr_int("axis", axis)}},
               ftensor({2, 2}, {1, 2, 4, 6}));
  }
  // The ONNX documentation per-axis example: (x - zp[c]) * scale[c].
  Tensor x = u8({1, 3, 3, 2}, {3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13, 245, 99, 4, 142, 121, 102});
  expect_out(OpTest{"DequantizeLinear", {x, ftensor({3}, {2, 4, 5}), u8({3}, {84, 24, 196})}},
             ftensor({1, 3, 3, 2},
                     {-162, 10, -100, 232, -20, -50, -76, 0, 0, 252, 32, -44, 245, -485, -960, -270, -375, -470}));
  // float16 scale gives a float16 output (beyond the opset-13 schema).
  expect_out(OpTest{"DequantizeLinear", {u8({2}, {4, 6}), f16({}, {0.5f}), u8({}, {2})}}, f16({2}, {1, 2}));
  // Empty.
  expect_out(OpTest{"DequantizeLinear", {u8({0}, {}), f32s(2)}}, ftensor({0}, {}));
  // Zero point dtype must match x; float x is not quantized data.
  CHECK(run_code(OpTest{"DequantizeLinear", {u8({2}, {1, 2}), f32s(1), i8({}, {0})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"DequantizeLinear", {ftensor({2}, {1, 2}), f32s(1)}}) == Code::kUnsupported);
}

TEST_CASE("DynamicQuantizeLinear") {
  // Values from the ONNX documentation examples.
  OpTest t{"DynamicQuantizeLinear", {ftensor({6}, {0, 2, -3, -2.5f, 1.34f, 0.5f})}};
  t.num_outputs = 3;
  expect_out(t, u8({6}, {153, 255, 0, 26, 221, 179}), 0);
  expect_out(t, ftensor({}, {0.019607844f}), 1, 1e-6, 0);
  expect_out(t, u8({}, {153}), 2);
  OpTest m{"DynamicQuantizeLinear", {ftensor({2, 3}, {-1.0f, -2.1f, -1.3f, -2.5f, -3.34f, -4.0f})}};
  m.num_outputs = 3;
  expect_out(m, u8({2, 3}, {191, 121, 172, 96, 42, 0}), 0);
  expect_out(m, ftensor({}, {0.015686275f}), 1, 1e-6, 0);
  expect_out(m, u8({}, {255}), 2);
  // All zeros: scale 1, zero point 0.
  OpTest z{"DynamicQuantizeLinear", {ftensor({2}, {0, 0})}};
  z.num_outputs = 3;
  expect_out(z, u8({2}, {0, 0}), 0);
  expect_out(z, ftensor({}, {1}), 1);
  CHECK(run_code(OpTest{"DynamicQuantizeLinear", {f64({1}, {1})}}) == Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// MatMulInteger / QLinearMatMul

TEST_CASE("MatMulInteger") {
  // The ONNX documentation example.
  Tensor a = u8({4, 3}, {11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0});
  Tensor b = u8({3, 2}, {1, 4, 2, 5, 3, 6});
  expect_out(OpTest{"MatMulInteger", {a, b, u8({1}, {12}), u8({1}, {0})}},
             i32({4, 2}, {-38, -83, -44, -98, -50, -113, -56, -128}));
  // No zero points; int8 x uint8.
  expect_out(OpTest{"MatMulInteger", {i8({1, 2}, {-1, 2}), u8({2, 1}, {3, 4})}}, i32({1, 1}, {5}));
  // Per-row zero point of A, per-column of B.
  expect_out(OpTest{"MatMulInteger", {u8({2, 2}, {1, 2, 3, 4}), u8({2, 2}, {1, 0, 0, 1}), u8({2}, {1, 3})}},
             i32({2, 2}, {0, 1, 0, 1}));
  expect_out(OpTest{"MatMulInteger", {u8({2, 2}, {1, 0, 0, 1}), u8({2, 2}, {1, 2, 3, 4}), Tensor(), u8({2}, {1, 2})}},
             i32({2, 2}, {0, 0, 2, 2}));
  // [..., M, 1] shaped row zero point with a batch.
  expect_out(OpTest{"MatMulInteger", {u8({2, 1, 2}, {1, 1, 5, 5}), u8({2, 1}, {1, 1}), u8({2, 1, 1}, {0, 5})}},
             i32({2, 1, 1}, {2, 0}));
  // Batch broadcasting: A [2, 1, 2] x B [2, 1].
  expect_out(OpTest{"MatMulInteger", {i8({2, 1, 2}, {1, 2, 3, 4}), i8({2, 1}, {1, -1})}}, i32({2, 1, 1}, {-1, -1}));
  // B batched [3, 2, 1] with A [1, 2] broadcast.
  expect_out(OpTest{"MatMulInteger", {u8({1, 2}, {1, 2}), u8({3, 2, 1}, {1, 0, 0, 1, 2, 2})}},
             i32({3, 1, 1}, {1, 2, 6}));
  // 1-D operands drop their dimension.
  expect_out(OpTest{"MatMulInteger", {u8({2}, {1, 2}), u8({2, 2}, {1, 2, 3, 4})}}, i32({2}, {7, 10}));
  expect_out(OpTest{"MatMulInteger", {u8({2}, {1, 2}), u8({2}, {3, 4})}}, i32({}, {11}));
  // Empty: K = 0 gives zeros, M = 0 gives an empty output.
  expect_out(OpTest{"MatMulInteger", {u8({2, 0}, {}), u8({0, 2}, {})}}, i32({2, 2}, {0, 0, 0, 0}));
  expect_out(OpTest{"MatMulInteger", {u8({0, 2}, {}), u8({2, 2}, {1, 2, 3, 4})}}, i32({0, 2}, {}));
  // Errors: inner mismatch, zero point dtype, per-row zero point of the wrong length, float input.
  CHECK(run_code(OpTest{"MatMulInteger", {u8({2, 3}, {}), u8({2, 2}, {})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"MatMulInteger", {u8({2, 2}, {}), u8({2, 2}, {}), i8({}, {0})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"MatMulInteger", {u8({2, 2}, {}), u8({2, 2}, {}), u8({3}, {})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"MatMulInteger", {ftensor({2, 2}, {}), u8({2, 2}, {})}}) == Code::kUnsupported);
}

TEST_CASE("QLinearMatMul") {
  // The ONNX documentation example (2-D and 3-D).
  Tensor a = u8({2, 4}, {208, 236, 0, 238, 3, 214, 255, 29});
  Tensor b = u8({4, 3}, {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247});
  OpTest t{"QLinearMatMul",
           {a, ftensor({1}, {0.0066f}), u8({1}, {113}), b, ftensor({1}, {0.00705f}), u8({1}, {114}),
            ftensor({1}, {0.0107f}), u8({1}, {118})}};
  expect_out(t, u8({2, 3}, {168, 115, 255, 1, 66, 151}));
  Tensor a3 = u8({2, 2, 4}, {208, 236, 0, 238, 3, 214, 255, 29, 208, 236, 0, 238, 3, 214, 255, 29});
  Tensor b3 = u8({2, 4, 3}, {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247,
                             152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247});
  t.inputs[0] = a3;
  t.inputs[3] = b3;
  expect_out(t, u8({2, 2, 3}, {168, 115, 255, 1, 66, 151, 168, 115, 255, 1, 66, 151}));
  // Hand example: acc = 2*1 + 4*1 = 6, real 6 * 0.5 * 1 = 3, / 0.5 = 6, + 10 = 16.
  expect_out(OpTest{"QLinearMatMul",
                    {u8({1, 2}, {2, 4}), f32s(0.5f), u8({}, {0}), u8({2, 1}, {1, 1}), f32s(1), u8({}, {0}), f32s(0.5f),
                     u8({}, {10})}},
             u8({1, 1}, {16}));
  // int8 output with saturation and per-column B scale: a = [4], b = [1, 1], b_scale [1, 0.5].
  expect_out(OpTest{"QLinearMatMul",
                    {i8({1, 1}, {4}), f32s(1), i8({}, {0}), i8({1, 2}, {1, 1}), ftensor({2}, {1, 0.5f}),
                     i8({2}, {0, 0}), f32s(0.01f), i8({}, {0})}},
             i8({1, 2}, {127, 127}));
  expect_out(OpTest{"QLinearMatMul",
                    {i8({1, 1}, {4}), f32s(1), i8({}, {0}), i8({1, 2}, {1, 1}), ftensor({2}, {1, 0.5f}),
                     i8({2}, {0, 0}), f32s(1), i8({}, {-1})}},
             i8({1, 2}, {3, 1}));
  // Per-row A scale and zero point: rows (5 - 1) * 1 and (5 - 3) * 2 times b = 1.
  expect_out(OpTest{"QLinearMatMul",
                    {u8({2, 1}, {5, 5}), ftensor({2}, {1, 2}), u8({2}, {1, 3}), u8({1, 1}, {1}), f32s(1), u8({}, {0}),
                     f32s(1), u8({}, {0})}},
             u8({2, 1}, {4, 4}));
  // A missing input and a per-tensor y_scale of two elements are errors.
  OpTest missing = t;
  missing.inputs[7] = Tensor();
  CHECK(run_code(missing) == Code::kInvalidModel);
  OpTest ys = t;
  ys.inputs[6] = ftensor({2}, {1, 1});
  CHECK(run_code(ys) == Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// ConvInteger / QLinearConv

TEST_CASE("ConvInteger") {
  // The ONNX documentation examples (x_zero_point 1).
  Tensor x = u8({1, 1, 3, 3}, {2, 3, 4, 5, 6, 7, 8, 9, 10});
  Tensor w = u8({1, 1, 2, 2}, {1, 1, 1, 1});
  expect_out(OpTest{"ConvInteger", {x, w, u8({}, {1})}}, i32({1, 1, 2, 2}, {12, 16, 24, 28}));
  expect_out(OpTest{"ConvInteger", {x, w, u8({}, {1})}, {attr_ints("pads", {1, 1, 1, 1})}},
             i32({1, 1, 4, 4}, {1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9}));
  Tensor x9 = u8({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  // SAME_UPPER with stride 2: pad 0 before, 1 after.
  expect_out(OpTest{"ConvInteger", {x9, w}, {attr_string("auto_pad", "SAME_UPPER"), attr_ints("strides", {2, 2})}},
             i32({1, 1, 2, 2}, {12, 9, 15, 9}));
  // SAME_LOWER with stride 2: pad 1 before, 0 after.
  expect_out(OpTest{"ConvInteger", {x9, w}, {attr_string("auto_pad", "SAME_LOWER"), attr_ints("strides", {2, 2})}},
             i32({1, 1, 2, 2}, {1, 5, 11, 28}));
  // VALID ignores pads; dilation 2 reads the corners.
  expect_out(OpTest{"ConvInteger", {x9, w}, {attr_string("auto_pad", "VALID")}}, i32({1, 1, 2, 2}, {12, 16, 24, 28}));
  expect_out(OpTest{"ConvInteger", {x9, w}, {attr_ints("dilations", {2, 2})}}, i32({1, 1, 1, 1}, {20}));
  expect_out(OpTest{"ConvInteger", {x9, w}, {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {1, 2})}},
             i32({1, 1, 2, 1}, {12, 24}));
  // Groups with a per-channel int8 weight zero point: channel 0 * (2 - 1), channel 1 * 3.
  expect_out(OpTest{"ConvInteger",
                    {u8({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}), i8({2, 1, 1, 1}, {2, 3}), Tensor(), i8({2}, {1, 0})},
                    {attr_int("group", 2)}},
             i32({1, 2, 2, 2}, {1, 2, 3, 4, 15, 18, 21, 24}));
  // Channels summed without groups; batch of 2.
  expect_out(OpTest{"ConvInteger", {u8({2, 2, 1, 1}, {1, 2, 3, 4}), u8({1, 2, 1, 1}, {1, 10})}},
             i32({2, 1, 1, 1}, {21, 43}));
  // 1-D, uint8 x int8.
  expect_out(OpTest{"ConvInteger", {u8({1, 1, 4}, {1, 2, 3, 4}), i8({1, 1, 2}, {1, -1})}},
             i32({1, 1, 3}, {-1, -1, -1}));
  // Empty batch.
  expect_out(OpTest{"ConvInteger", {u8({0, 1, 3, 3}, {}), w}}, i32({0, 1, 2, 2}, {}));
  // Errors.
  CHECK(run_code(OpTest{"ConvInteger", {x9, u8({1, 2, 2, 2}, {})}}) == Code::kInvalidModel);  // channels
  CHECK(run_code(OpTest{"ConvInteger", {x9, w}, {attr_int("group", 2)}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"ConvInteger", {x9, w}, {attr_string("auto_pad", "FOO")}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"ConvInteger", {x9, w}, {attr_ints("strides", {1})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"ConvInteger", {x9, w}, {attr_ints("kernel_shape", {3, 3})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"ConvInteger", {x9, u8({1, 1, 4, 4}, {})}}) == Code::kInvalidArgument);  // kernel > input
  CHECK(run_code(OpTest{"ConvInteger", {x9, w, u8({2}, {1, 1})}}) == Code::kInvalidModel);       // x_zero_point
  CHECK(run_code(OpTest{"ConvInteger", {ftensor({1, 1, 3, 3}, {}), w}}) == Code::kUnsupported);
}

TEST_CASE("QLinearConv") {
  // The ONNX documentation example.
  Tensor x = u8({1, 1, 7, 7}, {255, 174, 162, 25,  203, 168, 58,  15,  59,  237, 95,  129, 0,  64,  56, 242, 153,
                               221, 168, 12,  166, 232, 178, 186, 195, 237, 162, 237, 188, 39, 124, 77, 80,  102,
                               43,  127, 230, 21,  83,  41,  40,  134, 255, 154, 92,  141, 42, 148, 247});
  OpTest t{"QLinearConv",
           {x, f32s(0.00369204697f), u8({}, {132}), u8({1, 1, 1, 1}, {0}), ftensor({1}, {0.00172794575f}),
            u8({1}, {255}), f32s(0.00162681262f), u8({}, {123})}};
  expect_out(t, u8({1, 1, 7, 7}, {0,   81,  93,  230, 52,  87,  197, 240, 196, 18,  160, 126, 255, 191, 199, 13,  102,
                                  34,  87,  243, 89,  23,  77,  69,  60,  18,  93,  18,  67,  216, 131, 178, 175, 153,
                                  212, 128, 25,  234, 172, 214, 215, 121, 0,   101, 163, 114, 213, 107, 8}));
  // Hand example with bias: acc 10*2 = 20 and 40, plus bias 4, times 0.5 * 1 / 1.
  OpTest b{"QLinearConv",
           {u8({1, 1, 1, 2}, {10, 20}), f32s(0.5f), u8({}, {0}), i8({1, 1, 1, 1}, {2}), f32s(1), i8({}, {0}), f32s(1),
            u8({}, {0}), i32({1}, {4})}};
  expect_out(b, u8({1, 1, 1, 2}, {12, 22}));
  // Per-channel weight scales, int8 output with saturation: channel 0 x*1*1, channel 1 x*1*0.5.
  OpTest pc{"QLinearConv",
            {i8({1, 1, 1, 2}, {100, -6}), f32s(1), i8({}, {0}), i8({2, 1, 1, 1}, {2, 1}), ftensor({2}, {1, 0.5f}),
             i8({2}, {0, 0}), f32s(1), i8({}, {-1})}};
  expect_out(pc, i8({1, 2, 1, 2}, {127, -13, 49, -4}));
  // Bias of the wrong length; missing y_zero_point.
  OpTest bad = b;
  bad.inputs[8] = i32({2}, {1, 2});
  CHECK(run_code(bad) == Code::kInvalidModel);
  bad = b;
  bad.inputs[7] = Tensor();
  CHECK(run_code(bad) == Code::kInvalidModel);
}

// ---------------------------------------------------------------------------------------------
// DFT / STFT

TEST_CASE("DFT forward, onesided, inverse") {
  // [1, 2, 3, 4] -> [10, -2+2i, -2, -2-2i].
  Tensor x = ftensor({1, 4, 1}, {1, 2, 3, 4});
  expect_out(OpTest{"DFT", {x}}, ftensor({1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2}));
  expect_out(OpTest{"DFT", {x}, {attr_int("onesided", 1)}}, ftensor({1, 3, 2}, {10, 0, -2, 2, -2, 0}));
  // Complex input, inverse.
  Tensor spec = ftensor({1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2});
  expect_out(OpTest{"DFT", {spec}, {attr_int("inverse", 1)}}, ftensor({1, 4, 2}, {1, 0, 2, 0, 3, 0, 4, 0}));
  // Length 3 (not a power of two): [1, 2, 3] -> [6, -1.5 + 0.866i, -1.5 - 0.866i].
  const float h = 0.8660254f;
  expect_out(OpTest{"DFT", {ftensor({1, 3, 1}, {1, 2, 3})}}, ftensor({1, 3, 2}, {6, 0, -1.5f, h, -1.5f, -h}));
  expect_out(OpTest{"DFT", {ftensor({1, 3, 1}, {1, 2, 3})}, {attr_int("onesided", 1)}},
             ftensor({1, 2, 2}, {6, 0, -1.5f, h}));
  // Inverse of length 3 (complex input).
  expect_out(OpTest{"DFT", {ftensor({1, 3, 2}, {6, 0, -1.5f, h, -1.5f, -h})}, {attr_int("inverse", 1)}},
             ftensor({1, 3, 2}, {1, 0, 2, 0, 3, 0}), 0, 1e-5, 1e-5);
}

TEST_CASE("DFT dft_length, axis, dtypes") {
  Tensor x = ftensor({1, 4, 1}, {1, 2, 3, 4});
  // Truncated to [1, 2] -> [3, -1]; zero-padded to 8 (bin 4 = 1 - 2 + 3 - 4 = -2).
  expect_out(OpTest{"DFT", {x, i64({}, {2})}}, ftensor({1, 2, 2}, {3, 0, -1, 0}));
  std::vector<Tensor> got = run_ok(OpTest{"DFT", {x, i32({}, {8})}});
  REQUIRE(got[0].shape() == Dims{1, 8, 2});
  CHECK(got[0].data_as<float>()[0] == doctest::Approx(10));
  CHECK(got[0].data_as<float>()[8] == doctest::Approx(-2));
  CHECK(got[0].data_as<float>()[9] == doctest::Approx(0));
  // Axis 2 of [1, 2, 2, 1]: rows [1, 2] and [3, 4] -> [3, -1] and [7, -1]; -2 is the same axis.
  Tensor x2 = ftensor({1, 2, 2, 1}, {1, 2, 3, 4});
  for (int64_t axis : {2, -2}) {
    expect_out(OpTest{"DFT", {x2}, {attr_int("axis", axis)}}, ftensor({1, 2, 2, 2}, {3, 0, -1, 0, 7, 0, -1, 0}));
  }
  // Axis 1 of the same: columns [1, 3] and [2, 4] -> [4, -2] and [6, -2].
  expect_out(OpTest{"DFT", {x2}}, ftensor({1, 2, 2, 2}, {4, 0, 6, 0, -2, 0, -2, 0}));
  // float64 and float16.
  expect_out(OpTest{"DFT", {f64({1, 4, 1}, {1, 2, 3, 4})}}, f64({1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2}));
  expect_out(OpTest{"DFT", {f16({1, 4, 1}, {1, 2, 3, 4})}}, f16({1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2}));
  expect_out(OpTest{"DFT", {bf16({1, 2, 1}, {1, 2})}}, bf16({1, 2, 2}, {3, 0, -1, 0}));
  // Empty batch.
  expect_out(OpTest{"DFT", {ftensor({0, 4, 1}, {})}}, ftensor({0, 4, 2}, {}));
}

TEST_CASE("DFT errors") {
  Tensor x = ftensor({1, 4, 1}, {1, 2, 3, 4});
  CHECK(run_code(OpTest{"DFT", {x}, {attr_int("axis", 2)}}) == Code::kInvalidModel);  // the complex dim
  CHECK(run_code(OpTest{"DFT", {x}, {attr_int("axis", -1)}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"DFT", {ftensor({1, 4, 3}, {})}}) == Code::kInvalidModel);  // last dim 3
  CHECK(run_code(OpTest{"DFT", {ftensor({1, 2, 2}, {})}, {attr_int("onesided", 1)}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"DFT", {x}, {attr_int("onesided", 1), attr_int("inverse", 1)}}) == Code::kUnsupported);
  CHECK(run_code(OpTest{"DFT", {x, i64({}, {0})}}) == Code::kOutOfRange);
  CHECK(run_code(OpTest{"DFT", {x, i64({}, {0})}}, true) == Code::kOutOfRange);
  CHECK(run_code(OpTest{"DFT", {x, ftensor({}, {2})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"DFT", {i32({1, 4, 1}, {})}}) == Code::kUnsupported);
}

TEST_CASE("STFT") {
  Tensor sig = ftensor({1, 4, 1}, {1, 2, 3, 4});
  // Frames [1, 2] and [3, 4] -> [3, -1] and [7, -1] (onesided: 2 bins of 2).
  expect_out(OpTest{"STFT", {sig, i64({}, {2}), Tensor(), i64({}, {2})}},
             ftensor({1, 2, 2, 2}, {3, 0, -1, 0, 7, 0, -1, 0}));
  // Window [1, 0] keeps the first sample: [1, 1] and [3, 3]; frame length from the window.
  expect_out(OpTest{"STFT", {sig, i32({}, {2}), ftensor({2}, {1, 0})}},
             ftensor({1, 2, 2, 2}, {1, 0, 1, 0, 3, 0, 3, 0}));
  // Step 1, length 3: frames [1,2,3] and [2,3,4], onesided bins 0..1.
  const float h = 0.8660254f;
  expect_out(OpTest{"STFT", {sig, i64({}, {1}), Tensor(), i64({}, {3})}},
             ftensor({1, 2, 2, 2}, {6, 0, -1.5f, h, 9, 0, -1.5f, h}));
  // Two-sided, one frame of 4.
  expect_out(OpTest{"STFT", {sig, i64({}, {4}), Tensor(), i64({}, {4})}, {attr_int("onesided", 0)}},
             ftensor({1, 1, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2}));
  // Complex signal (two-sided): [1+1i, 2+2i] -> [3+3i, -1-1i].
  expect_out(
      OpTest{
          "STFT", {ftensor({1, 2, 2}, {1, 1, 2, 2}), i64({}, {2}), Tensor(), i64({}, {2})}, {attr_int("onesided", 0)}},
      ftensor({1, 1, 2, 2}, {3, 3, -1, -1}));
  // float64; batch of 2.
  expect_out(OpTest{"STFT", {f64({2, 2, 1}, {1, 2, 5, 5}), i64({}, {2}), Tensor(), i64({}, {2})}},
             f64({2, 1, 2, 2}, {3, 0, -1, 0, 10, 0, 0, 0}));
  // Errors: no window nor frame_length, mismatched lengths, too short signal, bad step, complex onesided.
  CHECK(run_code(OpTest{"STFT", {sig, i64({}, {2})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"STFT", {sig, i64({}, {2}), ftensor({3}, {1, 1, 1}), i64({}, {2})}}) == Code::kInvalidArgument);
  CHECK(run_code(OpTest{"STFT", {sig, i64({}, {1}), Tensor(), i64({}, {5})}}) == Code::kInvalidArgument);
  CHECK(run_code(OpTest{"STFT", {sig, i64({}, {0}), Tensor(), i64({}, {2})}}) == Code::kOutOfRange);
  CHECK(run_code(OpTest{"STFT", {ftensor({1, 2, 2}, {}), i64({}, {2}), Tensor(), i64({}, {2})}}) ==
        Code::kInvalidModel);
}

// ---------------------------------------------------------------------------------------------
// Windows / MelWeightMatrix

TEST_CASE("Hann, Hamming and Blackman windows") {
  const float a = 25.0f / 46.0f, b = 4.0f / 46.0f;
  expect_out(OpTest{"HannWindow", {i32({}, {4})}}, ftensor({4}, {0, 0.5f, 1, 0.5f}));
  expect_out(OpTest{"HannWindow", {i64({}, {3})}, {attr_int("periodic", 0)}}, ftensor({3}, {0, 1, 0}));
  expect_out(OpTest{"HammingWindow", {i32({}, {4})}}, ftensor({4}, {b, a, 1, a}));
  expect_out(OpTest{"HammingWindow", {i32({}, {3})}, {attr_int("periodic", 0)}}, ftensor({3}, {b, 1, b}));
  expect_out(OpTest{"BlackmanWindow", {i32({}, {4})}}, ftensor({4}, {0, 0.34f, 1, 0.34f}), 0, 1e-5, 1e-6);
  expect_out(OpTest{"BlackmanWindow", {i32({}, {3})}, {attr_int("periodic", 0)}}, ftensor({3}, {0, 1, 0}), 0, 1e-5,
             1e-6);
  // output_datatype: double, float16, int32 (truncates: only the peak is 1).
  expect_out(OpTest{"HannWindow", {i32({}, {4})}, {attr_int("output_datatype", 11)}}, f64({4}, {0, 0.5, 1, 0.5}));
  expect_out(OpTest{"HannWindow", {i32({}, {4})}, {attr_int("output_datatype", 10)}}, f16({4}, {0, 0.5f, 1, 0.5f}));
  expect_out(OpTest{"HannWindow", {i32({}, {4})}, {attr_int("output_datatype", 6)}}, i32({4}, {0, 0, 1, 0}));
  // Sizes 0 and 1.
  expect_out(OpTest{"HannWindow", {i32({}, {0})}}, ftensor({0}, {}));
  expect_out(OpTest{"HannWindow", {i32({}, {1})}, {attr_int("periodic", 0)}}, ftensor({1}, {1}));
  expect_out(OpTest{"HannWindow", {i32({}, {1})}}, ftensor({1}, {0}));
  // Errors.
  CHECK(run_code(OpTest{"HannWindow", {i32({}, {-1})}}) == Code::kOutOfRange);
  CHECK(run_code(OpTest{"HannWindow", {i32({}, {-1})}}, true) == Code::kOutOfRange);
  CHECK(run_code(OpTest{"HannWindow", {ftensor({}, {4})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"HannWindow", {i32({2}, {4, 4})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"HannWindow", {i32({}, {4})}, {attr_int("output_datatype", 9)}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"HannWindow", {i32({}, {4})}, {attr_int("output_datatype", 99)}}) == Code::kInvalidModel);
}

TEST_CASE("MelWeightMatrix") {
  // The ONNX documentation example: 8 bins, dft 16, 8192 Hz, 0..4096 Hz; filter points fall on
  // bins 0, 0, 0, 1, 1, 2, 3, 4, 5, 6 (worked out by hand from the mel formula).
  std::vector<float> want(9 * 8, 0.0f);
  auto set = [&](int r, int c) { want[static_cast<size_t>(r * 8 + c)] = 1.0f; };
  set(0, 0);
  set(0, 1);
  set(1, 2);
  set(1, 3);
  set(2, 4);
  set(3, 5);
  set(4, 6);
  set(5, 7);
  OpTest t{"MelWeightMatrix", {i32({}, {8}), i32({}, {16}), i32({}, {8192}), f32s(0), f32s(4096)}};
  expect_out(t, ftensor({9, 8}, want));
  // Double output, int64 inputs.
  std::vector<double> wd(want.begin(), want.end());
  expect_out(OpTest{"MelWeightMatrix",
                    {i64({}, {8}), i64({}, {16}), i64({}, {8192}), f64({}, {0}), f64({}, {4096})},
                    {attr_int("output_datatype", 11)}},
             f64({9, 8}, wd));
  // Wider triangles: 1 mel bin, dft 64, sample rate 1000 Hz, 0..500 Hz. The 3 points are
  // mel(500)/3 apart: 0, 137.77 and 302.66 Hz, i.e. bins floor(65 * hz / 1000) = 0, 8, 19 (the
  // ONNX reference code agrees): rising 0..8, falling over 8..19.
  std::vector<Tensor> got =
      run_ok(OpTest{"MelWeightMatrix", {i32({}, {1}), i32({}, {64}), i32({}, {1000}), f32s(0), f32s(500)}});
  REQUIRE(got[0].shape() == Dims{33, 1});
  const float* g = got[0].data_as<float>();
  CHECK(g[0] == 0.0f);
  CHECK(g[3] == doctest::Approx(3.0 / 8.0));
  CHECK(g[8] == 1.0f);
  CHECK(g[15] == doctest::Approx(4.0 / 11.0));
  CHECK(g[19] == 0.0f);
  CHECK(g[32] == 0.0f);
  // Errors.
  CHECK(run_code(OpTest{"MelWeightMatrix", {i32({}, {8}), i32({}, {0}), i32({}, {8192}), f32s(0), f32s(4096)}}) ==
        Code::kOutOfRange);
  CHECK(run_code(OpTest{"MelWeightMatrix", {i32({}, {8}), i32({}, {16}), i32({}, {0}), f32s(0), f32s(4096)}}) ==
        Code::kOutOfRange);
  CHECK(run_code(OpTest{"MelWeightMatrix", {i32({}, {8}), i32({}, {16}), i32({}, {8192}), i32({}, {0}), f32s(1)}}) ==
        Code::kInvalidModel);
}

// ---------------------------------------------------------------------------------------------
// Random generators

TEST_CASE("RandomNormal and RandomUniform: shape, dtype, distribution, seed") {
  OpTest n{"RandomNormal",
           {},
           {attr_ints("shape", {100, 100}), attr_float("mean", 2), attr_float("scale", 3), attr_float("seed", 1)}};
  std::vector<Tensor> a = run_ok(n);
  REQUIRE(a[0].dtype() == DType::kFloat32);
  REQUIRE(a[0].shape() == Dims{100, 100});
  std::vector<double> va = as_doubles(a[0]);
  CHECK(mean_of(va) == doctest::Approx(2).epsilon(0.05));
  CHECK(stddev_of(va) == doctest::Approx(3).epsilon(0.05));
  // Same seed, same values in a new session; another seed differs.
  std::vector<Tensor> b = run_ok(n);
  CHECK(compare(a[0], b[0], 0, 0) == "");
  n.attrs.back() = attr_float("seed", 2);
  CHECK(compare(run_ok(n)[0], a[0], 0, 0) != "");
  // Without a seed, sessions differ.
  OpTest u{"RandomUniform", {}, {attr_ints("shape", {10000}), attr_float("low", 2), attr_float("high", 5)}};
  std::vector<double> u1 = as_doubles(run_ok(u)[0]);
  std::vector<double> u2 = as_doubles(run_ok(u)[0]);
  CHECK(u1 != u2);
  double lo = 1e9, hi = -1e9;
  for (double v : u1) {
    lo = std::fmin(lo, v);
    hi = std::fmax(hi, v);
  }
  CHECK(lo >= 2.0);
  CHECK(hi <= 5.0);
  CHECK(mean_of(u1) == doctest::Approx(3.5).epsilon(0.03));
  // dtype attribute: double and float16; empty shape; scalar shape.
  u.attrs = {attr_ints("shape", {3, 0}), attr_int("dtype", 11)};
  std::vector<Tensor> e = run_ok(u);
  CHECK(e[0].dtype() == DType::kFloat64);
  CHECK(e[0].shape() == Dims{3, 0});
  OpTest h{"RandomNormal", {}, {attr_ints("shape", {}), attr_int("dtype", 10)}};
  h.attrs[0].ints.clear();
  std::vector<Tensor> hs = run_ok(h);
  CHECK(hs[0].dtype() == DType::kFloat16);
  CHECK(hs[0].shape() == Dims{});
  // Errors: missing shape, negative dim, non-float dtype.
  CHECK(run_code(OpTest{"RandomNormal", {}, {}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"RandomUniform", {}, {attr_ints("shape", {2, -1})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"RandomUniform", {}, {attr_ints("shape", {2}), attr_int("dtype", 6)}}) == Code::kInvalidModel);
}

TEST_CASE("RandomNormalLike and RandomUniformLike") {
  std::vector<Tensor> a = run_ok(OpTest{"RandomUniformLike", {i32({3, 4}, {})}, {attr_int("dtype", 1)}});
  CHECK(a[0].dtype() == DType::kFloat32);
  CHECK(a[0].shape() == Dims{3, 4});
  for (double v : as_doubles(a[0])) CHECK((v >= 0.0 && v <= 1.0));
  std::vector<Tensor> b = run_ok(OpTest{"RandomNormalLike", {f16({2, 5}, {})}});
  CHECK(b[0].dtype() == DType::kFloat16);
  CHECK(b[0].shape() == Dims{2, 5});
  std::vector<Tensor> c = run_ok(OpTest{"RandomNormalLike", {f64({0}, {})}, {attr_float("seed", 3)}});
  CHECK(c[0].dtype() == DType::kFloat64);
  CHECK(c[0].numel() == 0);
  // A non-float input needs `dtype`.
  CHECK(run_code(OpTest{"RandomNormalLike", {i32({2}, {})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"RandomUniformLike", {i32({2}, {})}, {attr_int("dtype", 7)}}) == Code::kInvalidModel);
}

TEST_CASE("Random ops are never constant-folded and advance between runs") {
  OpTest n{"RandomNormal", {}, {attr_ints("shape", {4}), attr_float("seed", 5)}};
  NodeSession s = NodeSession::make(n);
  CHECK(s.session->planned_nodes() == 1);
  std::vector<double> r1 = s.run(), r2 = s.run();
  CHECK(r1 != r2);
  // The same seed in a new session reproduces the same sequence.
  NodeSession s2 = NodeSession::make(n);
  CHECK(s2.run() == r1);
  CHECK(s2.run() == r2);
  // *Like ops, Bernoulli and Multinomial with constant inputs still run.
  NodeSession like = NodeSession::make(OpTest{"RandomUniformLike", {ftensor({8}, {})}});
  CHECK(like.session->planned_nodes() == 1);
  NodeSession bern = NodeSession::make(OpTest{"Bernoulli", {ftensor({8}, {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f})}});
  CHECK(bern.session->planned_nodes() == 1);
  NodeSession mult = NodeSession::make(OpTest{"Multinomial", {ftensor({1, 2}, {0, 0})}});
  CHECK(mult.session->planned_nodes() == 1);
}

TEST_CASE("Bernoulli") {
  // p = 0 and p = 1 are certain.
  expect_out(OpTest{"Bernoulli", {ftensor({4}, {0, 1, 0, 1})}}, ftensor({4}, {0, 1, 0, 1}));
  expect_out(OpTest{"Bernoulli", {f64({2}, {1, 0})}, {attr_int("dtype", 9)}}, boolean({2}, {true, false}));
  expect_out(OpTest{"Bernoulli", {ftensor({2}, {1, 0})}, {attr_int("dtype", 7)}}, i64({2}, {1, 0}));
  expect_out(OpTest{"Bernoulli", {f16({2}, {1, 0})}, {attr_int("dtype", 16)}}, bf16({2}, {1, 0}));
  // Default dtype is the input's; p = 0.3 gives about 30% ones.
  std::vector<float> p(10000, 0.3f);
  std::vector<Tensor> r = run_ok(OpTest{"Bernoulli", {ftensor({100, 100}, p)}, {attr_float("seed", 0)}});
  CHECK(r[0].dtype() == DType::kFloat32);
  CHECK(r[0].shape() == Dims{100, 100});
  std::vector<double> v = as_doubles(r[0]);
  for (double x : v) CHECK((x == 0.0 || x == 1.0));
  CHECK(mean_of(v) == doctest::Approx(0.3).epsilon(0.05));
  std::vector<Tensor> d = run_ok(OpTest{"Bernoulli", {f64({10}, {})}});
  CHECK(d[0].dtype() == DType::kFloat64);
  // Errors.
  CHECK(run_code(OpTest{"Bernoulli", {i32({2}, {})}}) == Code::kUnsupported);
  CHECK(run_code(OpTest{"Bernoulli", {ftensor({2}, {})}, {attr_int("dtype", 8)}}) == Code::kInvalidModel);
}

TEST_CASE("Multinomial") {
  const float ninf = -std::numeric_limits<float>::infinity();
  // Only class 1 is possible in row 0, only class 0 in row 1.
  expect_out(OpTest{"Multinomial", {ftensor({2, 3}, {ninf, 0, ninf, 5, ninf, ninf})}, {attr_int("sample_size", 4)}},
             i32({2, 4}, {1, 1, 1, 1, 0, 0, 0, 0}));
  // int64 output; log-probabilities log(0.25), log(0.75): about 75% ones.
  std::vector<Tensor> r = run_ok(OpTest{"Multinomial",
                                        {ftensor({1, 2}, {std::log(0.25f), std::log(0.75f)})},
                                        {attr_int("sample_size", 10000), attr_int("dtype", 7), attr_float("seed", 1)}});
  CHECK(r[0].dtype() == DType::kInt64);
  CHECK(r[0].shape() == Dims{1, 10000});
  CHECK(mean_of(as_doubles(r[0])) == doctest::Approx(0.75).epsilon(0.03));
  // Unnormalised: [0, 0, 0] ~ uniform over 3 classes, double input.
  std::vector<Tensor> u = run_ok(OpTest{"Multinomial", {f64({1, 3}, {7, 7, 7})}, {attr_int("sample_size", 9000)}});
  CHECK(mean_of(as_doubles(u[0])) == doctest::Approx(1.0).epsilon(0.05));
  // Default sample_size 1; empty batch.
  CHECK(run_ok(OpTest{"Multinomial", {ftensor({3, 2}, {})}})[0].shape() == Dims{3, 1});
  CHECK(run_ok(OpTest{"Multinomial", {ftensor({0, 2}, {})}})[0].shape() == Dims{0, 1});
  // Errors: rank, dtype, no classes, all -inf.
  CHECK(run_code(OpTest{"Multinomial", {ftensor({3}, {})}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"Multinomial", {ftensor({1, 2}, {})}, {attr_int("dtype", 1)}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"Multinomial", {ftensor({1, 0}, {})}}) == Code::kInvalidArgument);
  CHECK(run_code(OpTest{"Multinomial", {ftensor({1, 2}, {ninf, ninf})}}) == Code::kOutOfRange);
}

// ---------------------------------------------------------------------------------------------
// Dropout

TEST_CASE("Dropout inference is identity with an all-true mask") {
  Tensor x = ftensor({2, 3}, {1, -2, 3, -4, 5, -6});
  for (int64_t opset : {7, 10, 12, 13}) {
    OpTest t{"Dropout", {x}};
    t.opset = opset;
    t.num_outputs = 2;
    expect_out(t, x, 0);
    expect_out(
        t, opset >= 10 ? boolean({2, 3}, {true, true, true, true, true, true}) : ftensor({2, 3}, {1, 1, 1, 1, 1, 1}),
        1);
  }
  // Opset 6 with is_test = 1; opsets 12/13 with training_mode false or ratio 0 in training.
  OpTest v6{"Dropout", {x}, {attr_int("is_test", 1)}};
  v6.opset = 6;
  expect_out(v6, x);
  expect_out(OpTest{"Dropout", {x, f32s(0.3f), boolean({}, {false})}}, x);
  OpTest zero{"Dropout", {x, f32s(0), boolean({}, {true})}};
  zero.num_outputs = 2;
  expect_out(zero, x, 0);
  expect_out(zero, boolean({2, 3}, {true, true, true, true, true, true}), 1);
  // float16 / float64 / bfloat16 data.
  expect_out(OpTest{"Dropout", {f16({2}, {1, 2})}}, f16({2}, {1, 2}));
  expect_out(OpTest{"Dropout", {f64({2}, {1, 2}), f64({}, {0.5})}}, f64({2}, {1, 2}));
  expect_out(OpTest{"Dropout", {bf16({2}, {1, 2})}}, bf16({2}, {1, 2}));
  // Inference Dropout of constants is folded.
  NodeSession folded = NodeSession::make(OpTest{"Dropout", {x}});
  CHECK(folded.session->planned_nodes() == 0);
}

TEST_CASE("Dropout training") {
  std::vector<float> ones(1000, 1.0f);
  Tensor x = ftensor({1000}, ones);
  for (float ratio : {0.5f, 0.75f}) {
    OpTest t{"Dropout", {x, f32s(ratio), boolean({}, {true})}, {attr_int("seed", 0)}};
    t.num_outputs = 2;
    std::vector<Tensor> r = run_ok(t);
    REQUIRE(r[0].dtype() == DType::kFloat32);
    REQUIRE(r[1].dtype() == DType::kBool);
    REQUIRE(r[1].shape() == Dims{1000});
    const float scale = 1.0f / (1.0f - ratio);
    int kept = 0;
    for (int64_t i = 0; i < 1000; ++i) {
      const bool m = r[1].data_as<bool>()[i];
      const float y = r[0].data_as<float>()[i];
      kept += m ? 1 : 0;
      CHECK(y == doctest::Approx(m ? scale : 0.0f));
    }
    CHECK(kept == doctest::Approx(1000.0 * (1.0 - ratio)).epsilon(0.15));
    // Same seed, same mask in a new session.
    std::vector<Tensor> r2 = run_ok(t);
    CHECK(compare(r[1], r2[1]) == "");
  }
  // Default ratio 0.5 when only training_mode is given.
  OpTest d{"Dropout", {x, Tensor(), boolean({}, {true})}};
  std::vector<double> v = as_doubles(run_ok(d)[0]);
  for (double y : v) CHECK((y == 0.0 || y == 2.0));
  // Opset 6 without is_test trains; the mask has the data type.
  OpTest v6{"Dropout", {x}, {attr_float("ratio", 0.5f)}};
  v6.opset = 6;
  v6.num_outputs = 2;
  std::vector<Tensor> r6 = run_ok(v6);
  CHECK(r6[1].dtype() == DType::kFloat32);
  for (int64_t i = 0; i < 1000; ++i) {
    CHECK(r6[0].data_as<float>()[i] == 2.0f * r6[1].data_as<float>()[i]);
  }
  // Training is never folded, even with constant inputs; an unknown training_mode is not either.
  NodeSession s = NodeSession::make(OpTest{"Dropout", {x, f32s(0.5f), boolean({}, {true})}});
  CHECK(s.session->planned_nodes() == 1);
  CHECK(s.run() != s.run());
  // Ratio outside [0, 1) in training mode.
  CHECK(run_code(OpTest{"Dropout", {x, f32s(1), boolean({}, {true})}}) == Code::kOutOfRange);
  CHECK(run_code(OpTest{"Dropout", {x, f32s(-0.5f), boolean({}, {true})}}) == Code::kOutOfRange);
  // Bad inputs.
  CHECK(run_code(OpTest{"Dropout", {i32({2}, {})}}) == Code::kUnsupported);
  CHECK(run_code(OpTest{"Dropout", {x, f32s(0.5f), ftensor({}, {1})}}) == Code::kInvalidModel);
}
