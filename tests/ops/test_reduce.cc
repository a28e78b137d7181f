#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "op_test.h"

using namespace onyx;
using namespace onyx::test;

namespace {

const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

Tensor i64(Dims dims, std::vector<int64_t> v) { return tensor<int64_t>(std::move(dims), std::move(v)); }
Tensor axes(std::vector<int64_t> v) {
  Dims d{static_cast<int64_t>(v.size())};
  return i64(d, std::move(v));
}

// Runs the node with graph inputs and again with constant (folded) inputs; checks output 0
// (and further outputs when given) against the expected tensors.
void check(OpTest t, std::vector<Tensor> want, double rtol = 1e-5, double atol = 1e-6) {
  t.num_outputs = static_cast<int>(want.size());
  for (bool constant : {false, true}) {
    t.constant_inputs = constant;
    CAPTURE(constant);
    auto r = t.run();
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
    for (size_t i = 0; i < want.size(); ++i) {
      CAPTURE(i);
      CHECK_EQ(compare((*r)[i], want[i], rtol, atol), "");
    }
  }
}
void check(OpTest t, Tensor want, double rtol = 1e-5, double atol = 1e-6) {
  check(std::move(t), std::vector<Tensor>{std::move(want)}, rtol, atol);
}

Code fails(OpTest t) {
  auto r = t.run();
  REQUIRE_FALSE(r.ok());
  return r.status().code();
}

OpTest reduce_op(const char* op, std::vector<Tensor> inputs, std::vector<Attribute> attrs, int64_t opset) {
  OpTest t;
  t.op_type = op;
  t.inputs = std::move(inputs);
  t.attrs = std::move(attrs);
  t.opset = opset;
  return t;
}

Tensor x23() { return ftensor({2, 3}, {1, 2, 3, 4, 5, 6}); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// ReduceSum

TEST_CASE("ReduceSum opset 11: axes attribute, keepdims") {
  check(reduce_op("ReduceSum", {x23()}, {attr_ints("axes", {1})}, 11), ftensor({2, 1}, {6, 15}));
  check(reduce_op("ReduceSum", {x23()}, {attr_ints("axes", {0}), attr_int("keepdims", 0)}, 11),
        ftensor({3}, {5, 7, 9}));
  check(reduce_op("ReduceSum", {x23()}, {attr_ints("axes", {-2})}, 1), ftensor({1, 3}, {5, 7, 9}));
  // No axes: everything.
  check(reduce_op("ReduceSum", {x23()}, {}, 11), ftensor({1, 1}, {21}));
  check(reduce_op("ReduceSum", {x23()}, {attr_int("keepdims", 0)}, 11), ftensor({}, {21}));
}

TEST_CASE("ReduceSum opset 13: axes input") {
  check(reduce_op("ReduceSum", {x23(), axes({-1})}, {attr_int("keepdims", 0)}, 13), ftensor({2}, {6, 15}));
  check(reduce_op("ReduceSum", {x23(), axes({1, 0})}, {}, 13), ftensor({1, 1}, {21}));
  // Missing axes input and empty axes reduce everything...
  check(reduce_op("ReduceSum", {x23()}, {}, 13), ftensor({1, 1}, {21}));
  check(reduce_op("ReduceSum", {x23(), axes({})}, {attr_int("keepdims", 0)}, 13), ftensor({}, {21}));
  // ... unless noop_with_empty_axes.
  check(reduce_op("ReduceSum", {x23(), axes({})}, {attr_int("noop_with_empty_axes", 1)}, 13), x23());
  check(reduce_op("ReduceSum", {x23(), Tensor()}, {attr_int("noop_with_empty_axes", 1)}, 13), x23());
}

TEST_CASE("ReduceSum over non-adjacent axes and middle axes") {
  Tensor x = ftensor({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  check(reduce_op("ReduceSum", {x, axes({0, 2})}, {attr_int("keepdims", 0)}, 13), ftensor({2}, {14, 22}));
  check(reduce_op("ReduceSum", {x, axes({1})}, {}, 13), ftensor({2, 1, 2}, {4, 6, 12, 14}));
  check(reduce_op("ReduceSum", {x, axes({0})}, {attr_int("keepdims", 0)}, 13), ftensor({2, 2}, {6, 8, 10, 12}));
  // Size-1 dims in between.
  Tensor y = ftensor({2, 1, 3}, {1, 2, 3, 4, 5, 6});
  check(reduce_op("ReduceSum", {y, axes({1})}, {attr_int("keepdims", 0)}, 13), ftensor({2, 3}, {1, 2, 3, 4, 5, 6}));
  check(reduce_op("ReduceSum", {y, axes({0, 1})}, {}, 13), ftensor({1, 1, 3}, {5, 7, 9}));
}

TEST_CASE("ReduceSum int64 is exact") {
  const int64_t big = (int64_t{1} << 53) + 1;
  check(reduce_op("ReduceSum", {i64({3}, {big, 1, -2})}, {attr_int("keepdims", 0)}, 13),
        i64({}, {(int64_t{1} << 53)}));
  // A 300x400x3 image-sized int64 tensor, summed whole and per channel.
  Tensor x = Tensor::make(DType::kInt64, {300, 400, 3}).value();
  int64_t total = 0, ch[3] = {0, 0, 0};
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t v = (i * 7919) % 256 - 100;
    x.data_as<int64_t>()[i] = v;
    total += v;
    ch[i % 3] += v;
  }
  check(reduce_op("ReduceSum", {x}, {attr_int("keepdims", 0)}, 13), i64({}, {total}));
  check(reduce_op("ReduceSum", {x, axes({0, 1})}, {}, 13), i64({1, 1, 3}, {ch[0], ch[1], ch[2]}));
}

TEST_CASE("ReduceSum dtypes") {
  check(reduce_op("ReduceSum", {tensor<int32_t>({2, 2}, {1, -2, 3, 4})}, {attr_ints("axes", {1})}, 11),
        tensor<int32_t>({2, 1}, {-1, 7}));
  check(reduce_op("ReduceSum", {tensor<uint32_t>({3}, {1, 2, 4000000000u})}, {}, 11),
        tensor<uint32_t>({1}, {4000000003u}));
  check(reduce_op("ReduceSum", {tensor<uint64_t>({2}, {1, 2})}, {}, 11), tensor<uint64_t>({1}, {3}));
  check(reduce_op("ReduceSum", {tensor<double>({2}, {0.5, 0.25})}, {}, 11), tensor<double>({1}, {0.75}));
  Tensor h = tensor<Float16>({4}, {Float16(1), Float16(2), Float16(3), Float16(4.5f)});
  check(reduce_op("ReduceSum", {h}, {attr_int("keepdims", 0)}, 13), tensor<Float16>({}, {Float16(10.5f)}));
  Tensor b = tensor<BFloat16>({2, 2}, {BFloat16(1), BFloat16(2), BFloat16(3), BFloat16(4)});
  check(reduce_op("ReduceSum", {b, axes({0})}, {attr_int("keepdims", 0)}, 13),
        tensor<BFloat16>({2}, {BFloat16(4), BFloat16(6)}));
  // float32 accumulation is accurate: 1e8 + many small values.
  std::vector<float> v(1001, 1.0f);
  v[0] = 1e8f;
  check(reduce_op("ReduceSum", {ftensor({1001}, v)}, {}, 13), ftensor({1}, {1e8f + 1000.0f}), 0, 0);
}

TEST_CASE("ReduceSum empty tensors") {
  Tensor e = ftensor({2, 0}, {});
  check(reduce_op("ReduceSum", {e, axes({1})}, {attr_int("keepdims", 0)}, 13), ftensor({2}, {0, 0}));
  check(reduce_op("ReduceSum", {e, axes({0})}, {}, 13), ftensor({1, 0}, {}));
  check(reduce_op("ReduceSum", {e}, {attr_int("keepdims", 0)}, 13), ftensor({}, {0}));
  check(reduce_op("ReduceSum", {ftensor({}, {2.5f})}, {}, 13), ftensor({}, {2.5f}));
}

TEST_CASE("ReduceSum errors") {
  CHECK_EQ(fails(reduce_op("ReduceSum", {x23(), axes({2})}, {}, 13)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ReduceSum", {x23(), axes({-3})}, {}, 13)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ReduceSum", {x23(), axes({1, -1})}, {}, 13)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ReduceSum", {x23()}, {attr_ints("axes", {5})}, 11)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ReduceSum", {x23()}, {attr_int("keepdims", 2)}, 11)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ReduceSum", {x23(), tensor<float>({1}, {1})}, {}, 13)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ReduceSum", {x23(), axes({0})}, {}, 11)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ReduceSum", {x23()}, {attr_ints("axes", {0})}, 13)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ReduceMean", {x23()}, {attr_ints("axes", {0})}, 18)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ReduceSum", {tensor<int8_t>({2}, {1, 2})}, {}, 13)), Code::kUnsupported);
  CHECK_EQ(fails(reduce_op("ReduceSum", {tensor<bool>({2}, {true, false})}, {}, 13)), Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// The other reductions

TEST_CASE("ReduceMean") {
  check(reduce_op("ReduceMean", {x23()}, {attr_ints("axes", {1}), attr_int("keepdims", 0)}, 13),
        ftensor({2}, {2, 5}));
  check(reduce_op("ReduceMean", {x23()}, {}, 11), ftensor({1, 1}, {3.5f}));
  check(reduce_op("ReduceMean", {x23(), axes({0})}, {}, 18), ftensor({1, 3}, {2.5f, 3.5f, 4.5f}));
  // Integer means truncate toward zero.
  check(reduce_op("ReduceMean", {tensor<int32_t>({2, 2}, {1, 2, -1, -2})}, {attr_ints("axes", {1})}, 13),
        tensor<int32_t>({2, 1}, {1, -1}));
  check(reduce_op("ReduceMean", {tensor<int64_t>({3}, {7, 7, 8})}, {}, 13), tensor<int64_t>({1}, {7}));
  // Mean of nothing is NaN.
  check(reduce_op("ReduceMean", {ftensor({0, 2}, {})}, {attr_ints("axes", {0})}, 13), ftensor({1, 2}, {kNaN, kNaN}));
  Tensor h = tensor<Float16>({2}, {Float16(1), Float16(2)});
  check(reduce_op("ReduceMean", {h}, {}, 13), tensor<Float16>({1}, {Float16(1.5f)}));
}

TEST_CASE("ReduceMax and ReduceMin") {
  Tensor x = ftensor({2, 3}, {1, 9, -3, 4, -5, 6});
  check(reduce_op("ReduceMax", {x}, {attr_ints("axes", {1}), attr_int("keepdims", 0)}, 13), ftensor({2}, {9, 6}));
  check(reduce_op("ReduceMin", {x}, {attr_ints("axes", {1}), attr_int("keepdims", 0)}, 13), ftensor({2}, {-3, -5}));
  check(reduce_op("ReduceMax", {x}, {attr_ints("axes", {0})}, 1), ftensor({1, 3}, {4, 9, 6}));
  check(reduce_op("ReduceMin", {x, axes({-2})}, {}, 18), ftensor({1, 3}, {1, -5, -3}));
  check(reduce_op("ReduceMax", {x}, {}, 12), ftensor({1, 1}, {9}));
  // NaN propagates.
  check(reduce_op("ReduceMax", {ftensor({3}, {1, kNaN, 3})}, {}, 13), ftensor({1}, {kNaN}));
  check(reduce_op("ReduceMin", {ftensor({3}, {1, kNaN, 3})}, {}, 13), ftensor({1}, {kNaN}));
  // int8 / uint8 (from version 12).
  check(reduce_op("ReduceMax", {tensor<int8_t>({3}, {-7, -128, -2})}, {}, 12), tensor<int8_t>({1}, {-2}));
  check(reduce_op("ReduceMin", {tensor<uint8_t>({3}, {7, 255, 2})}, {}, 13), tensor<uint8_t>({1}, {2}));
  check(reduce_op("ReduceMin", {tensor<int64_t>({2}, {INT64_MAX, INT64_MIN})}, {}, 13),
        tensor<int64_t>({1}, {INT64_MIN}));
  // Empty sets: -inf / +inf for floats, the type limits for integers.
  check(reduce_op("ReduceMax", {ftensor({2, 0}, {}), axes({1})}, {attr_int("keepdims", 0)}, 18),
        ftensor({2}, {-kInf, -kInf}));
  check(reduce_op("ReduceMin", {ftensor({2, 0}, {}), axes({1})}, {attr_int("keepdims", 0)}, 18),
        ftensor({2}, {kInf, kInf}));
  check(reduce_op("ReduceMax", {tensor<int32_t>({0}, {})}, {attr_int("keepdims", 0)}, 18),
        tensor<int32_t>({}, {INT32_MIN}));
  // noop_with_empty_axes at 18.
  check(reduce_op("ReduceMax", {x, axes({})}, {attr_int("noop_with_empty_axes", 1)}, 18), x);
  Tensor b = tensor<BFloat16>({2}, {BFloat16(-1), BFloat16(2)});
  check(reduce_op("ReduceMin", {b}, {}, 13), tensor<BFloat16>({1}, {BFloat16(-1)}));
}

TEST_CASE("ReduceProd") {
  check(reduce_op("ReduceProd", {x23()}, {attr_ints("axes", {1})}, 13), ftensor({2, 1}, {6, 120}));
  check(reduce_op("ReduceProd", {x23(), axes({0})}, {attr_int("keepdims", 0)}, 18), ftensor({3}, {4, 10, 18}));
  check(reduce_op("ReduceProd", {tensor<int64_t>({3}, {-2, 3, 1000000000})}, {}, 11),
        tensor<int64_t>({1}, {-6000000000}));
  check(reduce_op("ReduceProd", {ftensor({0}, {})}, {attr_int("keepdims", 0)}, 13), ftensor({}, {1}));
}

TEST_CASE("ReduceSumSquare, ReduceL1, ReduceL2") {
  Tensor x = ftensor({2, 2}, {3, -4, -1, 2});
  check(reduce_op("ReduceSumSquare", {x}, {attr_ints("axes", {1})}, 13), ftensor({2, 1}, {25, 5}));
  check(reduce_op("ReduceL1", {x}, {attr_ints("axes", {1})}, 13), ftensor({2, 1}, {7, 3}));
  check(reduce_op("ReduceL2", {x}, {attr_ints("axes", {1})}, 13), ftensor({2, 1}, {5, std::sqrt(5.0f)}));
  check(reduce_op("ReduceL2", {x, axes({0})}, {attr_int("keepdims", 0)}, 18),
        ftensor({2}, {std::sqrt(10.0f), std::sqrt(20.0f)}));
  check(reduce_op("ReduceL1", {tensor<int32_t>({3}, {-3, 4, -5})}, {}, 13), tensor<int32_t>({1}, {12}));
  // Integer L2 truncates: sqrt(1 + 4 + 4) = 3, sqrt(2) -> 1.
  check(reduce_op("ReduceL2", {tensor<int64_t>({2, 3}, {1, 2, 2, 1, 1, 0})}, {attr_ints("axes", {1})}, 13),
        tensor<int64_t>({2, 1}, {3, 1}));
  check(reduce_op("ReduceSumSquare", {tensor<uint32_t>({2}, {3, 4})}, {}, 11), tensor<uint32_t>({1}, {25}));
  // noop at 18: each element is reduced alone.
  check(reduce_op("ReduceSumSquare", {x, axes({})}, {attr_int("noop_with_empty_axes", 1)}, 18),
        ftensor({2, 2}, {9, 16, 1, 4}));
  check(reduce_op("ReduceL1", {x, Tensor()}, {attr_int("noop_with_empty_axes", 1)}, 18),
        ftensor({2, 2}, {3, 4, 1, 2}));
  // Empty sets are 0.
  check(reduce_op("ReduceL2", {ftensor({0, 3}, {})}, {attr_ints("axes", {0}), attr_int("keepdims", 0)}, 13),
        ftensor({3}, {0, 0, 0}));
}

TEST_CASE("ReduceLogSum and ReduceLogSumExp") {
  Tensor x = ftensor({2, 2}, {1, 2, 3, 4});
  check(reduce_op("ReduceLogSum", {x}, {attr_ints("axes", {1})}, 13), ftensor({2, 1}, {std::log(3.0f), std::log(7.0f)}));
  check(reduce_op("ReduceLogSum", {x, axes({0, 1})}, {attr_int("keepdims", 0)}, 18), ftensor({}, {std::log(10.0f)}));
  const float lse12 = static_cast<float>(std::log(std::exp(1.0) + std::exp(2.0)));
  check(reduce_op("ReduceLogSumExp", {x}, {attr_ints("axes", {1}), attr_int("keepdims", 0)}, 13),
        ftensor({2}, {lse12, static_cast<float>(std::log(std::exp(3.0) + std::exp(4.0)))}));
  // Stable for large values: log(2 e^1000) = 1000 + ln 2.
  check(reduce_op("ReduceLogSumExp", {ftensor({2}, {1000, 1000})}, {}, 13),
        ftensor({1}, {1000.0f + 0.69314718f}));
  check(reduce_op("ReduceLogSumExp", {tensor<double>({3}, {-1000, -1000, -kInf})}, {}, 13),
        tensor<double>({1}, {-1000 + 0.6931471805599453}), 1e-12, 0);
  // Empty sets: log(0) = -inf.
  check(reduce_op("ReduceLogSumExp", {ftensor({0}, {})}, {}, 13), ftensor({1}, {-kInf}));
  check(reduce_op("ReduceLogSum", {ftensor({0}, {})}, {}, 13), ftensor({1}, {-kInf}));
  // noop: LogSumExp of one element is the element.
  check(reduce_op("ReduceLogSumExp", {x, axes({})}, {attr_int("noop_with_empty_axes", 1)}, 18), x);
}

TEST_CASE("Reductions reject unsupported dtypes") {
  CHECK_EQ(fails(reduce_op("ReduceMean", {tensor<int8_t>({2}, {1, 2})}, {}, 13)), Code::kUnsupported);
  CHECK_EQ(fails(reduce_op("ReduceMax", {tensor<int16_t>({2}, {1, 2})}, {}, 13)), Code::kUnsupported);
  CHECK_EQ(fails(reduce_op("ReduceL2", {tensor<uint8_t>({2}, {1, 2})}, {}, 13)), Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// ArgMax / ArgMin

TEST_CASE("ArgMax and ArgMin") {
  Tensor x = ftensor({2, 2}, {2, 1, 3, 10});
  check(reduce_op("ArgMax", {x}, {}, 13), i64({1, 2}, {1, 1}));
  check(reduce_op("ArgMax", {x}, {attr_int("axis", 1), attr_int("keepdims", 0)}, 11), i64({2}, {0, 1}));
  check(reduce_op("ArgMax", {x}, {attr_int("axis", -1)}, 13), i64({2, 1}, {0, 1}));
  check(reduce_op("ArgMin", {x}, {attr_int("axis", 1), attr_int("keepdims", 0)}, 1), i64({2}, {1, 0}));
  check(reduce_op("ArgMin", {x}, {attr_int("axis", 0)}, 13), i64({1, 2}, {0, 0}));
  // Ties: first by default, last with select_last_index.
  Tensor t = ftensor({2, 3}, {2, 2, 1, 5, 0, 0});
  check(reduce_op("ArgMax", {t}, {attr_int("axis", 1), attr_int("keepdims", 0)}, 12), i64({2}, {0, 0}));
  check(reduce_op("ArgMax", {t}, {attr_int("axis", 1), attr_int("keepdims", 0), attr_int("select_last_index", 1)}, 12),
        i64({2}, {1, 0}));
  check(reduce_op("ArgMin", {t}, {attr_int("axis", 1), attr_int("keepdims", 0), attr_int("select_last_index", 1)}, 13),
        i64({2}, {2, 2}));
  // 3-D, middle axis.
  Tensor y = ftensor({2, 3, 2}, {1, 6, 5, 2, 3, 4, 9, 0, 8, 7, 9, 1});
  check(reduce_op("ArgMax", {y}, {attr_int("axis", 1)}, 13), i64({2, 1, 2}, {1, 0, 0, 1}));
  check(reduce_op("ArgMin", {y}, {attr_int("axis", 1), attr_int("keepdims", 0)}, 13), i64({2, 2}, {0, 1, 1, 0}));
  // NaN counts as the extreme.
  check(reduce_op("ArgMax", {ftensor({4}, {1, kNaN, 5, kNaN})}, {}, 13), i64({1}, {1}));
  check(reduce_op("ArgMin", {ftensor({4}, {1, kNaN, -5, kNaN})}, {attr_int("select_last_index", 1)}, 13), i64({1}, {3}));
  // Other dtypes.
  check(reduce_op("ArgMax", {tensor<int8_t>({3}, {-1, 5, 5})}, {attr_int("keepdims", 0)}, 13), i64({}, {1}));
  check(reduce_op("ArgMin", {tensor<uint16_t>({3}, {9, 2, 3})}, {}, 13), i64({1}, {1}));
  check(reduce_op("ArgMax", {tensor<Float16>({3}, {Float16(1), Float16(3), Float16(2)})}, {}, 13), i64({1}, {1}));
  check(reduce_op("ArgMax", {tensor<BFloat16>({2}, {BFloat16(4), BFloat16(3)})}, {}, 13), i64({1}, {0}));
  // Empty outer dims are fine; an empty axis is not.
  check(reduce_op("ArgMax", {ftensor({0, 3}, {})}, {attr_int("axis", 1)}, 13), i64({0, 1}, {}));
  CHECK_EQ(fails(reduce_op("ArgMax", {ftensor({3, 0}, {})}, {attr_int("axis", 1)}, 13)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ArgMax", {x}, {attr_int("axis", 2)}, 13)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ArgMin", {x}, {attr_int("axis", -3)}, 13)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("ArgMin", {tensor<bool>({1}, {true})}, {}, 13)), Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// CumSum

TEST_CASE("CumSum") {
  Tensor x = tensor<double>({5}, {1, 2, 3, 4, 5});
  Tensor ax0 = Tensor::scalar<int32_t>(0);
  check(reduce_op("CumSum", {x, ax0}, {}, 11), tensor<double>({5}, {1, 3, 6, 10, 15}));
  check(reduce_op("CumSum", {x, ax0}, {attr_int("exclusive", 1)}, 14), tensor<double>({5}, {0, 1, 3, 6, 10}));
  check(reduce_op("CumSum", {x, ax0}, {attr_int("reverse", 1)}, 14), tensor<double>({5}, {15, 14, 12, 9, 5}));
  check(reduce_op("CumSum", {x, ax0}, {attr_int("reverse", 1), attr_int("exclusive", 1)}, 14),
        tensor<double>({5}, {14, 12, 9, 5, 0}));
  Tensor m = ftensor({2, 3}, {1, 2, 3, 4, 5, 6});
  check(reduce_op("CumSum", {m, Tensor::scalar<int64_t>(0)}, {}, 14), ftensor({2, 3}, {1, 2, 3, 5, 7, 9}));
  check(reduce_op("CumSum", {m, Tensor::scalar<int64_t>(1)}, {}, 14), ftensor({2, 3}, {1, 3, 6, 4, 9, 15}));
  check(reduce_op("CumSum", {m, i64({1}, {-1})}, {attr_int("reverse", 1)}, 14), ftensor({2, 3}, {6, 5, 3, 15, 11, 6}));
  check(reduce_op("CumSum", {m, Tensor::scalar<int32_t>(-2)}, {attr_int("exclusive", 1)}, 14),
        ftensor({2, 3}, {0, 0, 0, 1, 2, 3}));
  check(reduce_op("CumSum", {tensor<int32_t>({3}, {5, -1, 7}), ax0}, {}, 14), tensor<int32_t>({3}, {5, 4, 11}));
  check(reduce_op("CumSum", {tensor<uint64_t>({2}, {1, 2}), ax0}, {}, 14), tensor<uint64_t>({2}, {1, 3}));
  check(reduce_op("CumSum", {tensor<int64_t>({2}, {INT64_MAX - 1, 1}), ax0}, {}, 14),
        tensor<int64_t>({2}, {INT64_MAX - 1, INT64_MAX}));
  check(reduce_op("CumSum", {tensor<Float16>({3}, {Float16(1), Float16(0.5f), Float16(2)}), ax0}, {}, 14),
        tensor<Float16>({3}, {Float16(1), Float16(1.5f), Float16(3.5f)}));
  check(reduce_op("CumSum", {ftensor({2, 0}, {}), ax0}, {}, 14), ftensor({2, 0}, {}));
  check(reduce_op("CumSum", {ftensor({0, 2}, {}), Tensor::scalar<int32_t>(1)}, {}, 14), ftensor({0, 2}, {}));
}

TEST_CASE("CumSum errors") {
  Tensor m = ftensor({2, 3}, {1, 2, 3, 4, 5, 6});
  OpTest t = reduce_op("CumSum", {m, Tensor::scalar<int32_t>(2)}, {}, 14);
  t.constant_inputs = true;
  CHECK_EQ(fails(t), Code::kInvalidModel);
  t.constant_inputs = false;  // the axis is only known at run time
  CHECK_EQ(fails(t), Code::kOutOfRange);
  CHECK_EQ(fails(reduce_op("CumSum", {m, ftensor({}, {0})}, {}, 14)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("CumSum", {m, i64({2}, {0, 1})}, {}, 14)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("CumSum", {tensor<int8_t>({1}, {1}), Tensor::scalar<int32_t>(0)}, {}, 14)),
           Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// Einsum

OpTest einsum(const char* eq, std::vector<Tensor> inputs) {
  return reduce_op("Einsum", std::move(inputs), {attr_string("equation", eq)}, 12);
}

TEST_CASE("Einsum one operand") {
  Tensor x = ftensor({2, 3}, {1, 2, 3, 4, 5, 6});
  check(einsum("ij->ji", {x}), ftensor({3, 2}, {1, 4, 2, 5, 3, 6}));
  check(einsum("ij->i", {x}), ftensor({2}, {6, 15}));
  check(einsum("ij->", {x}), ftensor({}, {21}));
  check(einsum("ij", {x}), x);
  check(einsum("ji", {x}), ftensor({3, 2}, {1, 4, 2, 5, 3, 6}));  // implicit: sorted labels
  Tensor sq = ftensor({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  check(einsum("ii", {sq}), ftensor({}, {15}));          // trace
  check(einsum("ii->i", {sq}), ftensor({3}, {1, 5, 9}));  // diagonal
  Tensor b = ftensor({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  check(einsum("...ii ->...i", {b}), ftensor({2, 2}, {1, 4, 5, 8}));
  check(einsum("...ii", {b}), ftensor({2}, {5, 13}));
  check(einsum("i...->...", {b}), ftensor({2, 2}, {6, 8, 10, 12}));
}

TEST_CASE("Einsum two and more operands") {
  Tensor a = ftensor({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor b = ftensor({3, 2}, {1, 0, 0, 1, 1, 1});
  check(einsum("ij,jk->ik", {a, b}), ftensor({2, 2}, {4, 5, 10, 11}));
  check(einsum("ij,jk", {a, b}), ftensor({2, 2}, {4, 5, 10, 11}));
  check(einsum("i,i", {ftensor({3}, {1, 2, 3}), ftensor({3}, {4, 5, 6})}), ftensor({}, {32}));
  check(einsum("i,j->ij", {ftensor({2}, {1, 2}), ftensor({3}, {1, 10, 100})}),
        ftensor({2, 3}, {1, 10, 100, 2, 20, 200}));
  check(einsum("ijk,jkl->il", {ftensor({1, 2, 2}, {1, 2, 3, 4}), ftensor({2, 2, 1}, {1, 1, 1, 1})}),
        ftensor({1, 1}, {10}));
  check(einsum("ij,j,j->i", {ftensor({2, 2}, {1, 2, 3, 4}), ftensor({2}, {1, 1}), ftensor({2}, {2, 3})}),
        ftensor({2}, {8, 18}));
  check(einsum("i,i,i->", {ftensor({2}, {1, 2}), ftensor({2}, {3, 4}), ftensor({2}, {5, 6})}), ftensor({}, {63}));
  // Batch matmul with spaces.
  Tensor x = ftensor({2, 1, 2}, {1, 2, 3, 4});
  Tensor y = ftensor({2, 2, 1}, {1, 1, 2, -1});
  check(einsum("bij, bjk -> bik", {x, y}), ftensor({2, 1, 1}, {3, 2}));
  // Ellipsis broadcasting: [2,1,2] against [3,2] -> [2,3].
  Tensor p = ftensor({2, 1, 2}, {1, 2, 3, 4});
  Tensor q = ftensor({3, 2}, {1, 0, 0, 1, 1, 1});
  check(einsum("...j,...j->...", {p, q}), ftensor({2, 3}, {1, 2, 3, 3, 4, 7}));
  // Upper-case labels sort before lower-case in implicit mode.
  check(einsum("aB", {ftensor({2, 3}, {1, 2, 3, 4, 5, 6})}), ftensor({3, 2}, {1, 4, 2, 5, 3, 6}));
  // Integers and doubles.
  check(einsum("ij,j->i", {tensor<int64_t>({2, 2}, {1, 2, 3, 4}), tensor<int64_t>({2}, {10, -1})}),
        tensor<int64_t>({2}, {8, 26}));
  check(einsum("i,i->i", {tensor<double>({2}, {0.5, 2}), tensor<double>({2}, {4, 8})}), tensor<double>({2}, {2, 16}));
  check(einsum("i->", {tensor<Float16>({2}, {Float16(1.5f), Float16(2)})}), tensor<Float16>({}, {Float16(3.5f)}));
  // Empty dims.
  check(einsum("ij,jk->ik", {ftensor({2, 0}, {}), ftensor({0, 2}, {})}), ftensor({2, 2}, {0, 0, 0, 0}));
  check(einsum("ij->j", {ftensor({0, 2}, {})}), ftensor({2}, {0, 0}));
}

TEST_CASE("Einsum errors") {
  Tensor a = ftensor({2, 3}, {1, 2, 3, 4, 5, 6});
  CHECK_EQ(fails(einsum("ij,jk->ik", {a})), Code::kInvalidModel);          // term count
  CHECK_EQ(fails(einsum("ijk->i", {a})), Code::kInvalidModel);             // rank mismatch
  CHECK_EQ(fails(einsum("ij,ij->i", {a, ftensor({3, 3}, {})})), Code::kInvalidModel);  // sizes
  CHECK_EQ(fails(einsum("ii->i", {a})), Code::kInvalidModel);              // non-square diagonal
  CHECK_EQ(fails(einsum("i1->i", {a})), Code::kInvalidModel);              // bad character
  CHECK_EQ(fails(einsum("ij->k", {a})), Code::kInvalidModel);              // unknown output label
  CHECK_EQ(fails(einsum("ij->ii", {a})), Code::kInvalidModel);             // repeated output label
  CHECK_EQ(fails(einsum("i..j->i", {a})), Code::kInvalidModel);            // broken ellipsis
  CHECK_EQ(fails(einsum("ij,jk", {a, tensor<double>({3, 1}, {1, 2, 3})})), Code::kInvalidModel);
  OpTest no_eq = reduce_op("Einsum", {a}, {}, 12);
  CHECK_EQ(fails(no_eq), Code::kInvalidModel);
}

// ---------------------------------------------------------------------------------------------
// LayerNormalization, MeanVarianceNormalization

TEST_CASE("LayerNormalization") {
  // Rows [1, 3] (mean 2, var 1) and [0, 4] (mean 2, var 4); epsilon 0.
  Tensor x = ftensor({2, 2}, {1, 3, 0, 4});
  Tensor scale = ftensor({2}, {2, 1});
  Tensor bias = ftensor({2}, {0, 1});
  OpTest t = reduce_op("LayerNormalization", {x, scale, bias}, {attr_float("epsilon", 0)}, 17);
  check(t, {ftensor({2, 2}, {-2, 2, -2, 2}), ftensor({2, 1}, {2, 2}), ftensor({2, 1}, {1, 0.5f})});
  // Without bias, only Y requested.
  check(reduce_op("LayerNormalization", {x, scale}, {attr_float("epsilon", 0)}, 17), ftensor({2, 2}, {-2, 1, -2, 1}));
  // axis 0 normalises everything: mean 2, var (1 + 1 + 4 + 4) / 4 = 2.5.
  const float r = 1.0f / std::sqrt(2.5f);
  check(reduce_op("LayerNormalization", {x, ftensor({2, 2}, {1, 1, 1, 1})},
                  {attr_int("axis", 0), attr_float("epsilon", 0)}, 17),
        {ftensor({2, 2}, {-r, r, -2 * r, 2 * r}), ftensor({1, 1}, {2}), ftensor({1, 1}, {r})});
  // Scale broadcasts ([1] to the row); default epsilon 1e-5.
  const float inv = 1.0f / std::sqrt(1.0f + 1e-5f);
  check(reduce_op("LayerNormalization", {ftensor({1, 2}, {1, 3}), ftensor({1}, {3})}, {attr_int("axis", -1)}, 17),
        ftensor({1, 2}, {-3 * inv, 3 * inv}));
  // Double and float16.
  check(reduce_op("LayerNormalization", {tensor<double>({2}, {1, 3}), tensor<double>({2}, {1, 1})},
                  {attr_float("epsilon", 0)}, 17),
        tensor<double>({2}, {-1, 1}));
  check(reduce_op("LayerNormalization",
                  {tensor<Float16>({2}, {Float16(1), Float16(3)}), tensor<Float16>({2}, {Float16(1), Float16(1)})},
                  {attr_float("epsilon", 0)}, 17),
        tensor<Float16>({2}, {Float16(-1), Float16(1)}));
  // A full-shape Scale (general broadcast path).
  check(reduce_op("LayerNormalization", {x, ftensor({2, 2}, {1, 2, 3, 4}), ftensor({2, 1}, {10, 20})},
                  {attr_float("epsilon", 0)}, 17),
        ftensor({2, 2}, {9, 12, 17, 24}));
  // Zero-size rows.
  check(reduce_op("LayerNormalization", {ftensor({0, 2}, {}), scale}, {}, 17), ftensor({0, 2}, {}));
  CHECK_EQ(fails(reduce_op("LayerNormalization", {x, scale}, {attr_int("stash_type", 11)}, 17)), Code::kUnsupported);
  CHECK_EQ(fails(reduce_op("LayerNormalization", {x, ftensor({3}, {1, 1, 1})}, {}, 17)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("LayerNormalization", {x, scale}, {attr_int("axis", 3)}, 17)), Code::kInvalidModel);
  CHECK_EQ(fails(reduce_op("LayerNormalization", {x, tensor<double>({2}, {1, 1})}, {}, 17)), Code::kInvalidModel);
}

TEST_CASE("MeanVarianceNormalization") {
  // Channel 0 holds [1, 3] (mean 2, std 1), channel 1 holds [5, 5] (std 0).
  Tensor x = ftensor({1, 2, 1, 2}, {1, 3, 5, 5});
  check(reduce_op("MeanVarianceNormalization", {x}, {}, 13), ftensor({1, 2, 1, 2}, {-1, 1, 0, 0}), 1e-5, 1e-6);
  check(reduce_op("MeanVarianceNormalization", {ftensor({2, 2}, {1, 3, 2, 6})}, {attr_ints("axes", {1})}, 9),
        ftensor({2, 2}, {-1, 1, -1, 1}));
  check(reduce_op("MeanVarianceNormalization", {ftensor({2, 2}, {1, 3, 3, 5})}, {attr_ints("axes", {0, 1})}, 13),
        ftensor({2, 2}, {-1.4142135f, 0, 0, 1.4142135f}));
  CHECK_EQ(fails(reduce_op("MeanVarianceNormalization", {ftensor({2, 2}, {1, 2, 3, 4})}, {}, 13)), Code::kInvalidModel);
}
