#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "op_test.h"
#include "prims/conv.h"
#include "prims/gemm.h"

using namespace onyx;
using namespace onyx::test;

namespace {

std::vector<Tensor> run_ok(OpTest t) {
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
    CHECK_MESSAGE(compare(got[static_cast<size_t>(out)], want, rtol, atol) == "",
                  t.op_type, (constant ? " (constant)" : ""), ": ", compare(got[static_cast<size_t>(out)], want, rtol, atol));
  }
}

Code run_code(const OpTest& t) {
  Result<std::vector<Tensor>> r = t.run();
  return r.ok() ? Code::kOk : r.status().code();
}

Tensor dtensor(Dims dims, std::vector<double> v) { return tensor<double>(std::move(dims), std::move(v)); }

Tensor htensor(Dims dims, const std::vector<float>& v) {
  std::vector<Float16> h;
  for (float f : v) h.push_back(Float16(f));
  return tensor<Float16>(std::move(dims), h);
}

std::vector<float> iota(int n, float start = 1.0f) {
  std::vector<float> v;
  for (int i = 0; i < n; ++i) v.push_back(start + static_cast<float>(i));
  return v;
}

std::vector<float> random_floats(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Conv

TEST_CASE("Conv: 3x3 ones kernel on 5x5, with and without padding") {
  OpTest t{"Conv", {ftensor({1, 1, 5, 5}, iota(25, 0.0f)), ftensor({1, 1, 3, 3}, std::vector<float>(9, 1.0f))}};
  expect_out(t, ftensor({1, 1, 3, 3}, {54, 63, 72, 99, 108, 117, 144, 153, 162}));
  t.attrs = {attr_ints("pads", {1, 1, 1, 1}), attr_ints("kernel_shape", {3, 3})};
  expect_out(t, ftensor({1, 1, 5, 5}, {12, 21, 27, 33, 24, 33,  54,  63,  72,  51,  63, 99, 108,
                                       117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84}));
  t.opset = 1;
  expect_out(t, ftensor({1, 1, 5, 5}, {12, 21, 27, 33, 24, 33,  54,  63,  72,  51,  63, 99, 108,
                                       117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84}));
}

TEST_CASE("Conv: 1-D with bias, dilation and strides") {
  OpTest t{"Conv", {ftensor({1, 1, 4}, {1, 2, 3, 4}), ftensor({1, 1, 3}, {1, 0, -1}), ftensor({1}, {10})}};
  expect_out(t, ftensor({1, 1, 2}, {8, 8}));
  OpTest d{"Conv", {ftensor({1, 1, 5}, {1, 2, 3, 4, 5}), ftensor({1, 1, 2}, {1, -1})}, {attr_ints("dilations", {2})}};
  expect_out(d, ftensor({1, 1, 3}, {-2, -2, -2}));
  OpTest s{"Conv", {ftensor({1, 1, 5}, {1, 2, 3, 4, 5}), ftensor({1, 1, 1}, {2})}, {attr_ints("strides", {2})}};
  expect_out(s, ftensor({1, 1, 3}, {2, 6, 10}));
}

TEST_CASE("Conv: auto_pad SAME_UPPER / SAME_LOWER / VALID") {
  OpTest t{"Conv", {ftensor({1, 1, 5}, {1, 2, 3, 4, 5}), ftensor({1, 1, 3}, {1, 1, 1})},
           {attr_string("auto_pad", "SAME_UPPER"), attr_ints("strides", {2})}};
  expect_out(t, ftensor({1, 1, 3}, {3, 9, 9}));
  OpTest lo{"Conv", {ftensor({1, 1, 3}, {1, 2, 3}), ftensor({1, 1, 2}, {1, 1})}, {attr_string("auto_pad", "SAME_LOWER")}};
  expect_out(lo, ftensor({1, 1, 3}, {1, 3, 5}));
  lo.attrs = {attr_string("auto_pad", "SAME_UPPER")};
  expect_out(lo, ftensor({1, 1, 3}, {3, 5, 3}));
  // VALID ignores pads.
  lo.attrs = {attr_string("auto_pad", "VALID"), attr_ints("pads", {4, 4})};
  expect_out(lo, ftensor({1, 1, 2}, {3, 5}));
}

TEST_CASE("Conv: asymmetric pads and strides") {
  // x 3x3 = 1..9, kernel 2x2 ones, pads (top 1, left 0, bottom 0, right 1), stride 2.
  OpTest t{"Conv", {ftensor({1, 1, 3, 3}, iota(9)), ftensor({1, 1, 2, 2}, {1, 1, 1, 1})},
           {attr_ints("pads", {1, 0, 0, 1}), attr_ints("strides", {2, 2})}};
  // Output 2x2: rows start at -1 and 1, cols at 0 and 2.
  // (-1,0): 1+2=3; (-1,2): 3; (1,0): 4+5+7+8=24; (1,2): 6+9=15.
  expect_out(t, ftensor({1, 1, 2, 2}, {3, 3, 24, 15}));
}

TEST_CASE("Conv: groups and depthwise") {
  // group 2, one input channel per group (depthwise path).
  OpTest t{"Conv", {ftensor({1, 2, 2, 2}, iota(8)), ftensor({2, 1, 1, 1}, {2, -1})}, {attr_int("group", 2)}};
  expect_out(t, ftensor({1, 2, 2, 2}, {2, 4, 6, 8, -5, -6, -7, -8}));
  // Depthwise 3x3 with padding 1: channel 0 all ones, channel 1 = 1..9; bias [0, 100].
  std::vector<float> x(9, 1.0f);
  for (float v : iota(9)) x.push_back(v);
  OpTest d{"Conv",
           {ftensor({1, 2, 3, 3}, x), ftensor({2, 1, 3, 3}, std::vector<float>(18, 1.0f)), ftensor({2}, {0, 100})},
           {attr_int("group", 2), attr_ints("pads", {1, 1, 1, 1})}};
  expect_out(d, ftensor({1, 2, 3, 3}, {4, 6, 4, 6, 9, 6, 4, 6, 4, 112, 121, 116, 127, 145, 133, 124, 139, 128}));
  // Channel multiplier 2: four outputs from two inputs.
  OpTest m{"Conv", {ftensor({1, 2, 1, 2}, {1, 2, 3, 4}), ftensor({4, 1, 1, 1}, {1, 2, 3, 4})}, {attr_int("group", 2)}};
  expect_out(m, ftensor({1, 4, 1, 2}, {1, 2, 2, 4, 9, 12, 12, 16}));
  // group 2 with 2 input channels per group (GEMM per group).
  OpTest g{"Conv", {ftensor({1, 4, 1, 1}, {1, 2, 3, 4}), ftensor({2, 2, 1, 1}, {1, 1, 1, -1})}, {attr_int("group", 2)}};
  expect_out(g, ftensor({1, 2, 1, 1}, {3, -1}));
}

TEST_CASE("Conv: 1x1 pointwise with bias, 3-D, batch") {
  OpTest p{"Conv",
           {ftensor({1, 2, 1, 2}, {1, 2, 3, 4}), ftensor({3, 2, 1, 1}, {1, 1, 1, -1, 2, 0}), ftensor({3}, {0, 1, 2})}};
  expect_out(p, ftensor({1, 3, 1, 2}, {4, 6, -1, -1, 4, 6}));
  OpTest v{"Conv", {ftensor({1, 1, 2, 2, 2}, iota(8)), ftensor({1, 1, 2, 2, 2}, std::vector<float>(8, 1.0f))}};
  expect_out(v, ftensor({1, 1, 1, 1, 1}, {36}));
  v.attrs = {attr_ints("pads", {0, 0, 0, 1, 0, 0})};  // pad the first spatial axis at the end
  expect_out(v, ftensor({1, 1, 2, 1, 1}, {36, 26}));
  OpTest b{"Conv", {ftensor({2, 1, 1, 2}, {1, 2, 3, 4}), ftensor({1, 1, 1, 2}, {1, 1})}};
  expect_out(b, ftensor({2, 1, 1, 1}, {3, 7}));
}

TEST_CASE("Conv: float64 and float16") {
  OpTest d{"Conv", {dtensor({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), dtensor({1, 1, 2, 2}, {1, 0, 0, -1}),
                    dtensor({1}, {0.5})}};
  expect_out(d, dtensor({1, 1, 2, 2}, {-3.5, -3.5, -3.5, -3.5}));
  OpTest h{"Conv", {htensor({1, 1, 3, 3}, iota(9)), htensor({1, 1, 2, 2}, {1, 0, 0, -1}), htensor({1}, {0.5f})}};
  expect_out(h, htensor({1, 1, 2, 2}, {-3.5f, -3.5f, -3.5f, -3.5f}));
}

TEST_CASE("Conv: empty batch and errors") {
  OpTest e{"Conv", {ftensor({0, 1, 3, 3}, {}), ftensor({2, 1, 2, 2}, std::vector<float>(8, 1.0f))}};
  std::vector<Tensor> out = run_ok(e);
  CHECK(out[0].shape() == Dims{0, 2, 2, 2});

  OpTest bad{"Conv", {ftensor({1, 3, 3, 3}, {}), ftensor({1, 2, 2, 2}, {})}};
  CHECK(run_code(bad) == Code::kInvalidArgument);  // channel mismatch
  OpTest ap{"Conv", {ftensor({1, 1, 3, 3}, {}), ftensor({1, 1, 2, 2}, {})}, {attr_string("auto_pad", "SAME")}};
  CHECK(run_code(ap) == Code::kInvalidModel);
  OpTest ks{"Conv", {ftensor({1, 1, 3, 3}, {}), ftensor({1, 1, 2, 2}, {})}, {attr_ints("kernel_shape", {3, 3})}};
  CHECK(run_code(ks) == Code::kInvalidModel);
  OpTest gr{"Conv", {ftensor({1, 2, 3, 3}, {}), ftensor({3, 1, 2, 2}, {})}, {attr_int("group", 2)}};
  CHECK(run_code(gr) == Code::kInvalidArgument);  // 3 output channels in 2 groups
  OpTest big{"Conv", {ftensor({1, 1, 2, 2}, {}), ftensor({1, 1, 3, 3}, {})}};
  CHECK(run_code(big) == Code::kInvalidArgument);  // kernel larger than the input
  OpTest st{"Conv", {ftensor({1, 1, 3, 3}, {}), ftensor({1, 1, 2, 2}, {})}, {attr_ints("strides", {0, 1})}};
  CHECK(run_code(st) == Code::kInvalidModel);
  OpTest pd{"Conv", {ftensor({1, 1, 3, 3}, {}), ftensor({1, 1, 2, 2}, {})}, {attr_ints("pads", {1, 1})}};
  CHECK(run_code(pd) == Code::kInvalidModel);
  OpTest bs{"Conv", {ftensor({1, 1, 3, 3}, {}), ftensor({2, 1, 2, 2}, {}), ftensor({3}, {})}};
  CHECK(run_code(bs) == Code::kInvalidArgument);
  OpTest it{"Conv", {tensor<int32_t>({1, 1, 3, 3}, {}), tensor<int32_t>({1, 1, 2, 2}, {})}};
  CHECK(run_code(it) == Code::kUnsupported);
  OpTest r2{"Conv", {ftensor({3, 3}, {}), ftensor({1, 1}, {})}};
  CHECK(run_code(r2) == Code::kInvalidArgument);
}

// The fast float32 convolution against the scalar reference on awkward geometries.
TEST_CASE("prims: conv_fast matches conv_ref") {
  struct Case {
    int64_t n, c, m, group;
    Dims in, kernel, strides, dilations, pads_begin, pads_end;
  };
  const std::vector<Case> cases = {
      {1, 1, 1, 1, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}},
      {2, 3, 5, 1, {7, 9}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}},
      {1, 3, 4, 1, {11, 13}, {3, 5}, {2, 3}, {1, 1}, {0, 2}, {1, 0}},
      {1, 4, 6, 2, {9, 8}, {3, 3}, {1, 2}, {2, 1}, {2, 1}, {2, 1}},
      {2, 6, 6, 6, {10, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}},  // depthwise
      {1, 5, 10, 5, {9, 9}, {3, 3}, {2, 2}, {1, 1}, {1, 0}, {0, 1}},  // depthwise x2, stride 2
      {1, 3, 3, 3, {8, 8}, {5, 5}, {3, 2}, {2, 1}, {4, 2}, {3, 0}},   // depthwise dilated
      {1, 2, 2, 2, {1, 2}, {3, 3}, {1, 2}, {1, 1}, {1, 1}, {1, 1}},   // 3x3 depthwise, no interior
      {2, 4, 4, 4, {6, 11}, {3, 3}, {2, 1}, {1, 1}, {0, 2}, {1, 0}},  // 3x3 depthwise, sh != sw
      {1, 3, 3, 3, {7, 12}, {3, 3}, {1, 2}, {1, 1}, {2, 0}, {0, 2}},  // 3x3 depthwise stride 2
      {1, 2, 2, 2, {9}, {3}, {2}, {1}, {1}, {1}},                     // 1-D 3-tap depthwise
      {1, 7, 3, 1, {5, 6}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}},   // pointwise
      {3, 8, 4, 2, {4, 4}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}},   // pointwise grouped
      {1, 2, 3, 1, {5, 5}, {1, 1}, {2, 2}, {1, 1}, {0, 0}, {0, 0}},   // 1x1 strided (im2col)
      {1, 2, 3, 1, {17}, {3}, {1}, {1}, {1}, {1}},                    // 1-D
      {2, 4, 4, 4, {15}, {5}, {2}, {2}, {3}, {1}},                    // 1-D depthwise
      {1, 2, 3, 1, {4, 5, 3}, {2, 3, 2}, {1, 2, 1}, {1, 1, 2}, {1, 0, 1}, {0, 1, 1}},  // 3-D
      {1, 4, 2, 2, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}},  // 3-D pointwise
      // 3-D strided and dilated along the last axis, padding that leaves whole rows outside.
      {2, 3, 4, 1, {5, 6, 7}, {3, 3, 3}, {2, 1, 2}, {1, 2, 2}, {2, 2, 1}, {2, 0, 3}},
      {1, 2, 3, 1, {3, 4, 5, 6}, {2, 2, 3, 2}, {1, 2, 1, 2}, {1, 1, 1, 2}, {1, 0, 1, 1}, {0, 1, 1, 0}},  // 4-D
      {1, 64, 8, 1, {8, 28, 29}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}},  // 3-D, chunks mid-row
      {0, 3, 4, 1, {5, 5}, {3, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}},   // empty batch
      {1, 3, 0, 1, {5, 5}, {3, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}},   // no output channels
      {1, 64, 70, 1, {30, 31}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}},
      {1, 3, 8, 1, {120, 121}, {7, 7}, {2, 2}, {1, 1}, {3, 3}, {3, 3}},  // several im2col chunks
      {1, 200, 3, 1, {40, 41}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}},   // chunks not at row starts
      // ResNet-18 layer1: its last im2col chunk wants a bigger Eigen blocking than the first.
      {1, 64, 64, 1, {56, 56}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}},
  };
  std::mt19937 rng(42);
  for (const Case& k : cases) {
    prims::ConvShape s;
    s.batch = k.n;
    s.in_channels = k.c;
    s.out_channels = k.m;
    s.group = k.group;
    s.in = k.in;
    s.kernel = k.kernel;
    s.strides = k.strides;
    s.dilations = k.dilations;
    s.pads = k.pads_begin;
    for (size_t i = 0; i < k.in.size(); ++i) {
      const int64_t span = (k.kernel[i] - 1) * k.dilations[i] + 1;
      s.out.push_back((k.in[i] + k.pads_begin[i] + k.pads_end[i] - span) / k.strides[i] + 1);
    }
    const auto xn = static_cast<size_t>(k.n * k.c * s.in_size());
    const auto wn = static_cast<size_t>(k.m * (k.c / k.group) * s.kernel_size());
    const auto yn = static_cast<size_t>(k.n * k.m * s.out_size());
    for (bool bias : {false, true}) {
      std::vector<float> x = random_floats(xn, rng), w = random_floats(wn, rng),
                         b = random_floats(static_cast<size_t>(k.m), rng);
      std::vector<double> xd(x.begin(), x.end()), wd(w.begin(), w.end()), bd(b.begin(), b.end());
      std::vector<double> want(yn, 0.0);
      if (k.c == 64 && k.m == 64 && bias) continue;  // the large case once is enough
      prims::conv_ref<double>(s, xd.data(), wd.data(), bias ? bd.data() : nullptr, want.data());
      std::vector<float> got(yn, 12345.0f);
      // Scratch at an odd address, followed by canary bytes that must survive.
      const size_t sb = prims::conv_scratch_bytes(s);
      std::vector<unsigned char> scratch(sb + 1 + 256, 0xab);
      prims::conv_fast(s, x.data(), w.data(), bias ? b.data() : nullptr, got.data(), scratch.data() + 1);
      bool canary = true;
      for (size_t i = sb + 1; i < scratch.size(); ++i) canary = canary && scratch[i] == 0xab;
      CHECK_MESSAGE(canary, "conv_fast wrote past its scratch");
      double worst = 0.0;
      for (size_t i = 0; i < yn; ++i) worst = std::max(worst, test::gap(static_cast<double>(got[i]), want[i]));
      CHECK_MESSAGE(worst < 1e-4, "case c=", k.c, " m=", k.m, " group=", k.group, " rank=", k.in.size(),
                    " algo=", static_cast<int>(prims::conv_algo(s)), " max diff ", worst);
    }
  }
}

TEST_CASE("prims: conv_algo picks the expected path") {
  prims::ConvShape s;
  s.batch = 1;
  s.in_channels = 8;
  s.out_channels = 8;
  s.group = 8;
  s.in = {5, 5};
  s.out = {5, 5};
  s.kernel = {3, 3};
  s.strides = {1, 1};
  s.dilations = {1, 1};
  s.pads = {1, 1};
  CHECK(prims::conv_algo(s) == prims::ConvAlgo::kDepthwise);
  s.group = 1;
  CHECK(prims::conv_algo(s) == prims::ConvAlgo::kIm2col);
  s.kernel = {1, 1};
  s.pads = {0, 0};
  CHECK(prims::conv_algo(s) == prims::ConvAlgo::kPointwise);
}

// ---------------------------------------------------------------------------------------------
// Gemm / MatMul

TEST_CASE("prims: sgemm matches gemm_ref") {
  std::mt19937 rng(7);
  const int64_t sizes[][3] = {{0, 3, 4}, {3, 0, 4}, {3, 4, 0}, {1, 1, 1}, {1, 17, 5}, {13, 1, 7},
                              {5, 7, 1}, {31, 33, 35}, {64, 129, 257}, {200, 3, 100}};
  for (const auto& sz : sizes) {
    const int64_t m = sz[0], n = sz[1], k = sz[2];
    for (int ta = 0; ta < 2; ++ta) {
      for (int tb = 0; tb < 2; ++tb) {
        for (float beta : {0.0f, 1.0f, -0.5f}) {
          // Leading dimensions wider than the matrices.
          const int64_t lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
          std::vector<float> a = random_floats(static_cast<size_t>((ta ? k : m) * lda), rng);
          std::vector<float> b = random_floats(static_cast<size_t>((tb ? n : k) * ldb), rng);
          std::vector<float> c = random_floats(static_cast<size_t>(m * ldc), rng);
          if (beta == 0.0f && !c.empty()) c[0] = NAN;  // must not propagate
          std::vector<double> ad(a.begin(), a.end()), bd(b.begin(), b.end()), cd(c.begin(), c.end());
          std::vector<unsigned char> scratch(prims::sgemm_scratch_bytes(m, n, k) + 3);
          prims::sgemm(ta != 0, tb != 0, m, n, k, 1.5f, a.data(), lda, b.data(), ldb, beta, c.data(), ldc,
                       scratch.data() + 3);
          prims::gemm_ref<double>(ta != 0, tb != 0, m, n, k, 1.5, ad.data(), lda, bd.data(), ldb, static_cast<double>(beta), cd.data(),
                                  ldc);
          double worst = 0.0;
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < ldc; ++j) {
              const size_t idx = static_cast<size_t>(i * ldc + j);
              if (j >= n) {
                CHECK(std::isnan(c[idx]) == std::isnan(cd[idx]));  // padding columns untouched
                continue;
              }
              worst = std::max(worst, test::gap(static_cast<double>(c[idx]), cd[idx]));
            }
          }
          CHECK_MESSAGE(worst < 1e-4, "m=", m, " n=", n, " k=", k, " ta=", ta, " tb=", tb, " diff ", worst);
        }
      }
    }
  }
}

TEST_CASE("prims: an sgemm plan serves every smaller product within its scratch") {
  std::mt19937 rng(11);
  const prims::SgemmPlan plan = prims::sgemm_plan(64, 1820, 576);
  std::vector<float> a = random_floats(64 * 576, rng), b = random_floats(576 * 1820, rng), c(64 * 1820);
  std::vector<double> ad(a.begin(), a.end()), bd(b.begin(), b.end());
  for (int64_t n : {int64_t{1820}, int64_t{1316}, int64_t{700}, int64_t{17}, int64_t{1}}) {
    std::vector<unsigned char> scratch(plan.scratch_bytes + 256, 0xcd);
    prims::sgemm(plan, false, false, 64, n, 576, 1.0f, a.data(), 576, b.data(), n, 0.0f, c.data(), n, scratch.data());
    bool canary = true;
    for (size_t i = plan.scratch_bytes; i < scratch.size(); ++i) canary = canary && scratch[i] == 0xcd;
    CHECK_MESSAGE(canary, "sgemm wrote past its scratch for n=", n);
    std::vector<double> want(static_cast<size_t>(64 * n));
    prims::gemm_ref<double>(false, false, 64, n, 576, 1.0, ad.data(), 576, bd.data(), n, 0.0, want.data(), n);
    double worst = 0.0;
    for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, test::gap(static_cast<double>(c[i]), want[i]));
    CHECK_MESSAGE(worst < 1e-3, "n=", n, " diff ", worst);
  }
}

TEST_CASE("Gemm: attributes and C broadcasting") {
  const Tensor a = ftensor({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor b = ftensor({3, 2}, {1, 0, 0, 1, 1, 1});
  // A*B = [[4, 5], [10, 11]]
  OpTest t{"Gemm", {a, b, ftensor({2}, {1, 2})}, {attr_float("alpha", 2.0f), attr_float("beta", 0.5f)}};
  expect_out(t, ftensor({2, 2}, {8.5, 11, 20.5, 23}));
  t.inputs[2] = ftensor({2, 1}, {1, 2});
  expect_out(t, ftensor({2, 2}, {8.5, 10.5, 21, 23}));
  t.inputs[2] = ftensor({}, {4});
  expect_out(t, ftensor({2, 2}, {10, 12, 22, 24}));
  t.inputs[2] = ftensor({2, 2}, {1, 2, 3, 4});
  expect_out(t, ftensor({2, 2}, {8.5, 11, 21.5, 24}));
  // transA / transB with the transposed operands.
  OpTest tr{"Gemm", {ftensor({3, 2}, {1, 4, 2, 5, 3, 6}), ftensor({2, 3}, {1, 0, 1, 0, 1, 1})},
            {attr_int("transA", 1), attr_int("transB", 1)}};
  expect_out(tr, ftensor({2, 2}, {4, 5, 10, 11}));
  // No C (opset 11+), and beta ignored then.
  OpTest nc{"Gemm", {a, b}, {attr_float("beta", 3.0f)}};
  expect_out(nc, ftensor({2, 2}, {4, 5, 10, 11}));
  nc.opset = 9;
  CHECK(run_code(nc) == Code::kInvalidModel);
  // Opset 6 with the legacy broadcast attribute.
  OpTest old{"Gemm", {a, b, ftensor({1}, {1})}, {attr_int("broadcast", 1)}, 1, 6};
  expect_out(old, ftensor({2, 2}, {5, 6, 11, 12}));
}

TEST_CASE("Gemm: dtypes, empty and errors") {
  OpTest d{"Gemm", {dtensor({1, 2}, {1, 2}), dtensor({2, 1}, {3, 4}), dtensor({1}, {0.25})}};
  expect_out(d, dtensor({1, 1}, {11.25}));
  OpTest h{"Gemm", {htensor({1, 2}, {1, 2}), htensor({2, 1}, {3, 4}), htensor({1}, {0.5f})}};
  expect_out(h, htensor({1, 1}, {11.5f}));
  OpTest i{"Gemm", {tensor<int32_t>({1, 2}, {-1, 2}), tensor<int32_t>({2, 2}, {3, 4, 5, 6}), tensor<int32_t>({2}, {1, 1})}};
  expect_out(i, tensor<int32_t>({1, 2}, {8, 9}));
  OpTest u{"Gemm", {tensor<uint64_t>({1, 1}, {3}), tensor<uint64_t>({1, 1}, {5})}, {attr_float("alpha", 2.0f)}};
  expect_out(u, tensor<uint64_t>({1, 1}, {30}));
  i.opset = 7;  // integers arrive with opset 9
  CHECK(run_code(i) == Code::kUnsupported);
  OpTest e{"Gemm", {ftensor({0, 3}, {}), ftensor({3, 2}, std::vector<float>(6, 1.0f))}};
  CHECK(run_ok(e)[0].shape() == Dims{0, 2});
  OpTest k0{"Gemm", {ftensor({2, 0}, {}), ftensor({0, 2}, {}), ftensor({2}, {1, 2})}};
  expect_out(k0, ftensor({2, 2}, {1, 2, 1, 2}));
  OpTest km{"Gemm", {ftensor({2, 3}, {}), ftensor({2, 2}, {})}};
  CHECK(run_code(km) == Code::kInvalidArgument);
  OpTest cb{"Gemm", {ftensor({2, 3}, {}), ftensor({3, 2}, {}), ftensor({3}, {})}};
  CHECK(run_code(cb) == Code::kInvalidArgument);
  OpTest r3{"Gemm", {ftensor({1, 2, 3}, {}), ftensor({3, 2}, {})}};
  CHECK(run_code(r3) == Code::kInvalidArgument);
}

TEST_CASE("MatMul: 2-D, 1-D operands and batch broadcasting") {
  const Tensor a = ftensor({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor b = ftensor({3, 2}, {1, 0, 0, 1, 1, 1});
  expect_out(OpTest{"MatMul", {a, b}}, ftensor({2, 2}, {4, 5, 10, 11}));
  expect_out(OpTest{"MatMul", {ftensor({3}, {1, 2, 3}), b}}, ftensor({2}, {4, 5}));
  expect_out(OpTest{"MatMul", {a, ftensor({3}, {1, 0, -1})}}, ftensor({2}, {-2, -2}));
  expect_out(OpTest{"MatMul", {ftensor({3}, {1, 2, 3}), ftensor({3}, {4, 5, 6})}}, ftensor({}, {32}));
  // [2, 2, 3] x [3, 2]: folded batch.
  std::vector<float> a2 = {1, 2, 3, 4, 5, 6, 0, 0, 1, 1, 0, 0};
  expect_out(OpTest{"MatMul", {ftensor({2, 2, 3}, a2), b}}, ftensor({2, 2, 2}, {4, 5, 10, 11, 1, 1, 1, 0}));
  // [2, 1, 1, 2] x [3, 2, 1] -> [2, 3, 1, 1].
  OpTest bc{"MatMul", {ftensor({2, 1, 1, 2}, {1, 2, 3, 4}), ftensor({3, 2, 1}, {1, 0, 0, 1, 1, 1})}};
  expect_out(bc, ftensor({2, 3, 1, 1}, {1, 2, 3, 3, 4, 7}));
  // 1-D times batched: [2] x [2, 2, 1] -> [2, 1].
  expect_out(OpTest{"MatMul", {ftensor({2}, {1, 2}), ftensor({2, 2, 1}, {1, 1, 2, 3})}}, ftensor({2, 1}, {3, 8}));
}

TEST_CASE("MatMul: dtypes, empty and errors") {
  expect_out(OpTest{"MatMul", {dtensor({1, 2}, {0.5, 2}), dtensor({2, 1}, {2, 0.25})}}, dtensor({1, 1}, {1.5}));
  expect_out(OpTest{"MatMul", {htensor({1, 2}, {0.5f, 2}), htensor({2, 1}, {2, 0.25f})}}, htensor({1, 1}, {1.5f}));
  expect_out(OpTest{"MatMul", {tensor<int32_t>({1, 2}, {-3, 2}), tensor<int32_t>({2, 1}, {5, 7})}},
             tensor<int32_t>({1, 1}, {-1}));
  expect_out(OpTest{"MatMul", {tensor<int64_t>({2}, {int64_t{1} << 40, 1}), tensor<int64_t>({2}, {4, 1})}},
             tensor<int64_t>({}, {(int64_t{1} << 42) + 1}));
  OpTest bf{"MatMul", {tensor<BFloat16>({1, 1}, {BFloat16(2.0f)}), tensor<BFloat16>({1, 1}, {BFloat16(3.0f)})}};
  expect_out(bf, tensor<BFloat16>({1, 1}, {BFloat16(6.0f)}));
  bf.opset = 12;
  CHECK(run_code(bf) == Code::kUnsupported);
  OpTest k0{"MatMul", {ftensor({2, 0}, {}), ftensor({0, 3}, {})}};
  expect_out(k0, ftensor({2, 3}, {0, 0, 0, 0, 0, 0}));
  OpTest e{"MatMul", {ftensor({0, 2, 3}, {}), ftensor({3, 4}, {})}};
  CHECK(run_ok(e)[0].shape() == Dims{0, 2, 4});
  OpTest km{"MatMul", {ftensor({2, 3}, {}), ftensor({2, 3}, {})}};
  CHECK(run_code(km) == Code::kInvalidArgument);
  OpTest bb{"MatMul", {ftensor({2, 1, 3}, {}), ftensor({3, 3, 1}, {})}};
  CHECK(run_code(bb) == Code::kInvalidArgument);
  OpTest sc{"MatMul", {ftensor({}, {1}), ftensor({1}, {1})}};
  CHECK(run_code(sc) == Code::kInvalidArgument);
  OpTest dt{"MatMul", {ftensor({1, 1}, {1}), dtensor({1, 1}, {1})}};
  CHECK(run_code(dt) == Code::kInvalidModel);
}

TEST_CASE("MatMul: float32 fast path matches float64 on a larger batched product") {
  std::mt19937 rng(3);
  std::vector<float> a = random_floats(3 * 37 * 29, rng), b = random_floats(3 * 29 * 41, rng);
  std::vector<double> ad(a.begin(), a.end()), bd(b.begin(), b.end());
  std::vector<Tensor> f = run_ok(OpTest{"MatMul", {ftensor({3, 37, 29}, a), ftensor({3, 29, 41}, b)}});
  std::vector<Tensor> d = run_ok(OpTest{"MatMul", {dtensor({3, 37, 29}, ad), dtensor({3, 29, 41}, bd)}});
  REQUIRE(f[0].shape() == d[0].shape());
  for (int64_t i = 0; i < f[0].numel(); ++i) CHECK(f[0].get_as_double(i) == doctest::Approx(d[0].get_as_double(i)).epsilon(1e-4));
}

// ---------------------------------------------------------------------------------------------
// Pools

TEST_CASE("MaxPool: strides, Indices and storage_order") {
  OpTest t{"MaxPool", {ftensor({1, 1, 4, 4}, iota(16))}, {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})}};
  expect_out(t, ftensor({1, 1, 2, 2}, {6, 8, 14, 16}));
  t.num_outputs = 2;
  expect_out(t, tensor<int64_t>({1, 1, 2, 2}, {5, 7, 13, 15}), 1);
  t.attrs.push_back(attr_int("storage_order", 1));
  expect_out(t, tensor<int64_t>({1, 1, 2, 2}, {5, 13, 7, 15}), 1);
  // Indices count the (n, c) planes too.
  OpTest two{"MaxPool", {ftensor({1, 2, 1, 2}, {1, 2, 4, 3})}, {attr_ints("kernel_shape", {1, 2})}, 2};
  expect_out(two, tensor<int64_t>({1, 2, 1, 1}, {1, 2}), 1);
  two.opset = 7;  // Indices arrive with opset 8
  CHECK(run_code(two) == Code::kInvalidModel);
}

TEST_CASE("MaxPool: pads, ceil_mode, dilations, auto_pad") {
  OpTest p{"MaxPool", {ftensor({1, 1, 3}, {1, 3, 2})}, {attr_ints("kernel_shape", {2}), attr_ints("pads", {1, 1})}};
  expect_out(p, ftensor({1, 1, 4}, {1, 3, 3, 2}));
  p.inputs[0] = ftensor({1, 1, 3}, {-1, -3, -2});  // padding never wins
  expect_out(p, ftensor({1, 1, 4}, {-1, -1, -2, -2}));
  OpTest c{"MaxPool", {ftensor({1, 1, 4, 4}, iota(16))},
           {attr_ints("kernel_shape", {3, 3}), attr_ints("strides", {2, 2}), attr_int("ceil_mode", 1)}};
  expect_out(c, ftensor({1, 1, 2, 2}, {11, 12, 15, 16}));
  c.attrs.pop_back();
  expect_out(c, ftensor({1, 1, 1, 1}, {11}));
  OpTest d{"MaxPool", {ftensor({1, 1, 4, 4}, iota(16))}, {attr_ints("kernel_shape", {2, 2}), attr_ints("dilations", {2, 2})}};
  expect_out(d, ftensor({1, 1, 2, 2}, {11, 12, 15, 16}));
  OpTest s{"MaxPool", {ftensor({1, 1, 3}, {1, 3, 2})}, {attr_ints("kernel_shape", {2}), attr_string("auto_pad", "SAME_UPPER")}};
  expect_out(s, ftensor({1, 1, 3}, {3, 3, 2}));
  s.attrs[1] = attr_string("auto_pad", "SAME_LOWER");
  expect_out(s, ftensor({1, 1, 3}, {1, 3, 3}));
  // 3-D
  OpTest v{"MaxPool", {ftensor({1, 1, 2, 2, 2}, {1, 8, 3, 4, 5, 6, 7, 2})}, {attr_ints("kernel_shape", {2, 2, 2})}, 2};
  expect_out(v, ftensor({1, 1, 1, 1, 1}, {8}));
  expect_out(v, tensor<int64_t>({1, 1, 1, 1, 1}, {1}), 1);
}

// Without Indices, 1-D/2-D max pools take prims::max_pool_2d; with Indices, the generic walker.
TEST_CASE("MaxPool: 2-D fast path matches the generic walker") {
  struct Case {
    Dims x, kernel, strides, dilations, pads;
    int64_t ceil;
  };
  const std::vector<Case> cases = {
      {{1, 1, 7, 9}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, 0},
      {{2, 3, 8, 8}, {2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}, 0},
      {{1, 2, 9, 10}, {3, 2}, {2, 3}, {2, 1}, {2, 0, 1, 1}, 1},
      {{1, 1, 5, 5}, {5, 5}, {1, 1}, {1, 1}, {2, 2, 2, 2}, 0},
      {{1, 2, 11}, {4}, {3}, {2}, {3, 1}, 1},
      {{1, 1, 1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, 0},
  };
  std::mt19937 rng(5);
  for (const Case& c : cases) {
    const Tensor x = ftensor(c.x, random_floats(static_cast<size_t>(numel(c.x)), rng));
    OpTest t{"MaxPool",
             {x},
             {attr_ints("kernel_shape", c.kernel), attr_ints("strides", c.strides), attr_ints("dilations", c.dilations),
              attr_ints("pads", c.pads), attr_int("ceil_mode", c.ceil)}};
    const Tensor fast = run_ok(t)[0];
    t.num_outputs = 2;
    const Tensor walker = run_ok(t)[0];
    CHECK(compare(fast, walker, 0.0, 0.0) == "");
  }
}

TEST_CASE("MaxPool: dtypes and errors") {
  OpTest i8{"MaxPool", {tensor<int8_t>({1, 1, 4}, {-1, -5, 3, -2})}, {attr_ints("kernel_shape", {2})}};
  expect_out(i8, tensor<int8_t>({1, 1, 3}, {-1, 3, 3}));
  OpTest u8{"MaxPool", {tensor<uint8_t>({1, 1, 3}, {7, 200, 1})}, {attr_ints("kernel_shape", {2})}};
  expect_out(u8, tensor<uint8_t>({1, 1, 2}, {200, 200}));
  u8.opset = 11;
  CHECK(run_code(u8) == Code::kUnsupported);
  OpTest h{"MaxPool", {htensor({1, 1, 3}, {1.5f, -2, 0.25f})}, {attr_ints("kernel_shape", {2})}};
  expect_out(h, htensor({1, 1, 2}, {1.5f, 0.25f}));
  OpTest nk{"MaxPool", {ftensor({1, 1, 3}, {})}};
  CHECK(run_code(nk) == Code::kInvalidModel);
  OpTest wk{"MaxPool", {ftensor({1, 1, 3}, {})}, {attr_ints("kernel_shape", {2, 2})}};
  CHECK(run_code(wk) == Code::kInvalidModel);
  OpTest so{"MaxPool", {ftensor({1, 1, 3}, {})}, {attr_ints("kernel_shape", {2}), attr_int("storage_order", 2)}};
  CHECK(run_code(so) == Code::kInvalidModel);
  OpTest r2{"MaxPool", {ftensor({1, 3}, {})}, {attr_ints("kernel_shape", {2})}};
  CHECK(run_code(r2) == Code::kInvalidArgument);
  OpTest e{"MaxPool", {ftensor({0, 2, 3}, {})}, {attr_ints("kernel_shape", {2})}};
  CHECK(run_ok(e)[0].shape() == Dims{0, 2, 2});
}

TEST_CASE("AveragePool: count_include_pad, ceil_mode, strides") {
  OpTest t{"AveragePool", {ftensor({1, 1, 4}, {1, 2, 3, 4})}, {attr_ints("kernel_shape", {2}), attr_ints("pads", {1, 1})}};
  expect_out(t, ftensor({1, 1, 5}, {1, 1.5, 2.5, 3.5, 4}));
  t.attrs.push_back(attr_int("count_include_pad", 1));
  expect_out(t, ftensor({1, 1, 5}, {0.5, 1.5, 2.5, 3.5, 2}));
  OpTest c{"AveragePool", {ftensor({1, 1, 5}, {1, 2, 3, 4, 5})},
           {attr_ints("kernel_shape", {2}), attr_ints("strides", {2}), attr_int("ceil_mode", 1)}};
  expect_out(c, ftensor({1, 1, 3}, {1.5, 3.5, 5}));
  c.opset = 7;  // no ceil_mode before 10: floor
  expect_out(c, ftensor({1, 1, 2}, {1.5, 3.5}));
  OpTest two{"AveragePool", {ftensor({1, 1, 3, 3}, iota(9))}, {attr_ints("kernel_shape", {2, 2})}};
  expect_out(two, ftensor({1, 1, 2, 2}, {3, 4, 6, 7}));
  OpTest d{"AveragePool", {dtensor({1, 1, 3}, {1, 2, 4})}, {attr_ints("kernel_shape", {3})}};
  expect_out(d, dtensor({1, 1, 1}, {7.0 / 3.0}));
  OpTest same{"AveragePool", {ftensor({1, 1, 3}, {1, 2, 4})}, {attr_ints("kernel_shape", {2}), attr_string("auto_pad", "SAME_UPPER")}};
  expect_out(same, ftensor({1, 1, 3}, {1.5, 3, 4}));
}

// 1-D/2-D average pools take prims::avg_pool_2d; adding a unit spatial axis sends the same
// problem through the generic N-D walker.
TEST_CASE("AveragePool: 2-D fast path matches the generic walker") {
  struct Case {
    Dims x, kernel, strides, pads;
    int64_t ceil, cip;
  };
  const std::vector<Case> cases = {
      {{1, 2, 7, 9}, {3, 3}, {2, 2}, {1, 1, 1, 1}, 0, 0}, {{1, 2, 7, 9}, {3, 3}, {2, 2}, {1, 1, 1, 1}, 0, 1},
      {{2, 1, 8, 5}, {2, 3}, {3, 1}, {0, 2, 1, 0}, 1, 1}, {{1, 1, 5, 5}, {4, 2}, {2, 2}, {0, 0, 0, 0}, 1, 0},
      {{1, 3, 6, 6}, {3, 3}, {1, 1}, {2, 2, 2, 2}, 0, 1},
  };
  std::mt19937 rng(8);
  for (const Case& c : cases) {
    const std::vector<float> v = random_floats(static_cast<size_t>(numel(c.x)), rng);
    OpTest t{"AveragePool",
             {ftensor(c.x, v)},
             {attr_ints("kernel_shape", c.kernel), attr_ints("strides", c.strides), attr_ints("pads", c.pads),
              attr_int("ceil_mode", c.ceil), attr_int("count_include_pad", c.cip)}};
    const Tensor fast = run_ok(t)[0];
    Dims x3 = {c.x[0], c.x[1], 1, c.x[2], c.x[3]};
    OpTest t3{"AveragePool",
              {ftensor(x3, v)},
              {attr_ints("kernel_shape", {1, c.kernel[0], c.kernel[1]}), attr_ints("strides", {1, c.strides[0], c.strides[1]}),
               attr_ints("pads", {0, c.pads[0], c.pads[1], 0, c.pads[2], c.pads[3]}), attr_int("ceil_mode", c.ceil),
               attr_int("count_include_pad", c.cip)}};
    const Tensor walker = run_ok(t3)[0];
    CHECK(compare(fast, walker.reshaped(fast.shape()), 1e-6, 1e-7) == "");
  }
}

TEST_CASE("LpPool and global pools") {
  OpTest lp{"LpPool", {ftensor({1, 1, 3}, {3, -4, 0})}, {attr_ints("kernel_shape", {2})}};
  expect_out(lp, ftensor({1, 1, 2}, {5, 4}));
  lp.attrs.push_back(attr_int("p", 1));
  expect_out(lp, ftensor({1, 1, 2}, {7, 4}));
  OpTest lp1{"LpPool", {ftensor({1, 1, 2}, {3, 4})}, {attr_float("p", 2.0f)}, 1, 1};  // opset 1: float p, no kernel
  expect_out(lp1, ftensor({1, 1, 1}, {5}));
  const Tensor x = ftensor({1, 2, 2, 2}, iota(8));
  expect_out(OpTest{"GlobalAveragePool", {x}}, ftensor({1, 2, 1, 1}, {2.5, 6.5}));
  expect_out(OpTest{"GlobalMaxPool", {x}}, ftensor({1, 2, 1, 1}, {4, 8}));
  expect_out(OpTest{"GlobalLpPool", {ftensor({1, 1, 2}, {3, -4})}}, ftensor({1, 1, 1}, {5}));
  expect_out(OpTest{"GlobalLpPool", {ftensor({1, 1, 2}, {3, -4})}, {attr_int("p", 1)}}, ftensor({1, 1, 1}, {7}));
  expect_out(OpTest{"GlobalAveragePool", {htensor({1, 1, 3}, {1, 2, 6})}}, htensor({1, 1, 1}, {3}));
  expect_out(OpTest{"GlobalMaxPool", {dtensor({2, 1, 1, 1, 2}, {1, -2, -3, -4})}}, dtensor({2, 1, 1, 1, 1}, {1, -3}));
  CHECK(run_ok(OpTest{"GlobalAveragePool", {ftensor({0, 3, 4, 4}, {})}})[0].shape() == Dims{0, 3, 1, 1});
  CHECK(run_code(OpTest{"GlobalAveragePool", {ftensor({2, 3}, {})}}) == Code::kInvalidArgument);
  CHECK(run_code(OpTest{"GlobalMaxPool", {tensor<int32_t>({1, 1, 2}, {})}}) == Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// BatchNormalization

TEST_CASE("BatchNormalization: inference over versions") {
  // c0 = [1, 3], c1 = [2, 4]; scale [1, 2], B [0, 1], mean [2, 3], var [1, 4], epsilon 0.
  OpTest t{"BatchNormalization",
           {ftensor({1, 2, 1, 2}, {1, 3, 2, 4}), ftensor({2}, {1, 2}), ftensor({2}, {0, 1}), ftensor({2}, {2, 3}),
            ftensor({2}, {1, 4})},
           {attr_float("epsilon", 0.0f)}};
  const Tensor want = ftensor({1, 2, 1, 2}, {-1, 1, 0, 2});
  for (int64_t opset : {6, 7, 9, 14, 15}) {
    t.opset = opset;
    expect_out(t, want);
  }
  OpTest v1 = t;
  v1.opset = 1;
  v1.attrs.push_back(attr_ints("consumed_inputs", {0, 0, 0, 1, 1}));
  v1.attrs.push_back(attr_int("is_test", 1));
  expect_out(v1, want);
  // Default epsilon 1e-5 and a [N, C] input.
  OpTest e{"BatchNormalization",
           {ftensor({2, 1}, {1, 3}), ftensor({1}, {1}), ftensor({1}, {0}), ftensor({1}, {2}), ftensor({1}, {1})}};
  const float s = 1.0f / std::sqrt(1.0f + 1e-5f);
  expect_out(e, ftensor({2, 1}, {-s, s}));
}

TEST_CASE("BatchNormalization: spatial=0, dtypes, training mode, errors") {
  // spatial=0: per-feature statistics of shape [C, W].
  OpTest ns{"BatchNormalization",
            {ftensor({1, 2, 2}, {1, 2, 3, 4}), ftensor({2, 2}, {1, 1, 1, 2}), ftensor({2, 2}, {0, 0, 0, 1}),
             ftensor({2, 2}, {1, 1, 1, 1}), ftensor({2, 2}, {1, 1, 1, 1})},
            {attr_int("spatial", 0), attr_float("epsilon", 0.0f)},
            1,
            7};
  expect_out(ns, ftensor({1, 2, 2}, {0, 1, 2, 7}));
  OpTest d{"BatchNormalization",
           {dtensor({1, 1, 2}, {1, 3}), dtensor({1}, {2}), dtensor({1}, {1}), dtensor({1}, {1}), dtensor({1}, {4})},
           {attr_float("epsilon", 0.0f)}};
  expect_out(d, dtensor({1, 1, 2}, {1, 3}));
  OpTest h{"BatchNormalization",
           {htensor({1, 1, 2}, {1, 3}), htensor({1}, {2}), htensor({1}, {1}), htensor({1}, {1}), htensor({1}, {4})},
           {attr_float("epsilon", 0.0f)}};
  expect_out(h, htensor({1, 1, 2}, {1, 3}));
  // Opset 15: float16 data with float32 statistics.
  OpTest mix{"BatchNormalization",
             {htensor({1, 1, 2}, {1, 3}), htensor({1}, {2}), htensor({1}, {1}), ftensor({1}, {1}), ftensor({1}, {4})},
             {attr_float("epsilon", 0.0f)}};
  expect_out(mix, htensor({1, 1, 2}, {1, 3}));
  mix.opset = 9;
  CHECK(run_code(mix) == Code::kInvalidModel);

  // Training: c0 = [1, 3] (mean 2, var 1), c1 = [2, 4] (mean 3, var 1); momentum 0.5.
  OpTest tr{"BatchNormalization",
            {ftensor({1, 2, 1, 2}, {1, 3, 2, 4}), ftensor({2}, {1, 2}), ftensor({2}, {0, 1}), ftensor({2}, {0, 0}),
             ftensor({2}, {1, 1})},
            {attr_float("epsilon", 0.0f), attr_float("momentum", 0.5f), attr_int("training_mode", 1)},
            3};
  expect_out(tr, ftensor({1, 2, 1, 2}, {-1, 1, -1, 3}), 0);
  expect_out(tr, ftensor({2}, {1, 1.5}), 1);
  expect_out(tr, ftensor({2}, {1, 1}), 2);

  OpTest old = tr;
  old.opset = 9;
  old.attrs.pop_back();
  CHECK(run_code(old) == Code::kUnsupported);
  OpTest noinf = tr;
  noinf.attrs.pop_back();  // training outputs without training_mode
  CHECK(run_code(noinf) == Code::kInvalidModel);
  OpTest shp{"BatchNormalization",
             {ftensor({1, 2, 2}, {}), ftensor({3}, {}), ftensor({2}, {}), ftensor({2}, {}), ftensor({2}, {})}};
  CHECK(run_code(shp) == Code::kInvalidArgument);
  OpTest miss{"BatchNormalization", {ftensor({1, 2, 2}, {}), ftensor({2}, {}), ftensor({2}, {}), ftensor({2}, {})}};
  CHECK(run_code(miss) == Code::kInvalidModel);
  OpTest it{"BatchNormalization", {tensor<int32_t>({1, 1, 1}, {}), tensor<int32_t>({1}, {}), tensor<int32_t>({1}, {}),
                                   tensor<int32_t>({1}, {}), tensor<int32_t>({1}, {})}};
  CHECK(run_code(it) == Code::kUnsupported);
  OpTest empty{"BatchNormalization",
               {ftensor({0, 2, 3}, {}), ftensor({2}, {1, 1}), ftensor({2}, {0, 0}), ftensor({2}, {0, 0}), ftensor({2}, {1, 1})}};
  CHECK(run_ok(empty)[0].shape() == Dims{0, 2, 3});
}

// ---------------------------------------------------------------------------------------------
// Softmax / LogSoftmax / Hardmax

TEST_CASE("Softmax and LogSoftmax: values and axes") {
  const Tensor x = ftensor({1, 3}, {1, 2, 3});
  expect_out(OpTest{"Softmax", {x}}, ftensor({1, 3}, {0.09003057f, 0.24472847f, 0.66524096f}));
  expect_out(OpTest{"LogSoftmax", {x}}, ftensor({1, 3}, {-2.40760596f, -1.40760596f, -0.40760596f}));
  // Large values do not overflow.
  expect_out(OpTest{"Softmax", {ftensor({2}, {1000, 1000})}}, ftensor({2}, {0.5, 0.5}));
  expect_out(OpTest{"LogSoftmax", {ftensor({2}, {1000, 1000})}}, ftensor({2}, {-0.69314718f, -0.69314718f}));
  // Opset 13: axis 0 of a [2, 2] runs down the columns.
  const Tensor z = ftensor({2, 2}, {0, 0, 0, 0});
  expect_out(OpTest{"Softmax", {z}, {attr_int("axis", 0)}}, ftensor({2, 2}, {0.5, 0.5, 0.5, 0.5}));
  // Opset 11: axis 0 coerces to a single row of 4.
  expect_out(OpTest{"Softmax", {z}, {attr_int("axis", 0)}, 1, 11}, ftensor({2, 2}, {0.25, 0.25, 0.25, 0.25}));
  // Opset 11 default axis 1 on [1, 2, 2]: one row of 4; opset 13 default -1: rows of 2.
  const Tensor y = ftensor({1, 2, 2}, {0, 0, 0, 0});
  expect_out(OpTest{"Softmax", {y}, {}, 1, 11}, ftensor({1, 2, 2}, {0.25, 0.25, 0.25, 0.25}));
  expect_out(OpTest{"Softmax", {y}}, ftensor({1, 2, 2}, {0.5, 0.5, 0.5, 0.5}));
  expect_out(OpTest{"Softmax", {y}, {attr_int("axis", -2)}}, ftensor({1, 2, 2}, {0.5, 0.5, 0.5, 0.5}));
  // Middle axis with an inner stride: [1, 2, 2] along axis 1.
  expect_out(OpTest{"LogSoftmax", {ftensor({1, 2, 2}, {0, 1, 0, 1})}, {attr_int("axis", 1)}},
             ftensor({1, 2, 2}, {-0.69314718f, -0.69314718f, -0.69314718f, -0.69314718f}));
  // Opset 1 with axis == rank (rows of length 1).
  expect_out(OpTest{"Softmax", {ftensor({2}, {3, 4})}, {attr_int("axis", 1)}, 1, 1}, ftensor({2}, {1, 1}));
}

TEST_CASE("Softmax family: dtypes, empty and errors") {
  expect_out(OpTest{"Softmax", {dtensor({2}, {0, std::log(3.0)})}}, dtensor({2}, {0.25, 0.75}), 0, 1e-12, 1e-12);
  expect_out(OpTest{"Softmax", {htensor({2}, {0, 0})}}, htensor({2}, {0.5f, 0.5f}));
  expect_out(OpTest{"Softmax", {tensor<BFloat16>({2}, {BFloat16(1.0f), BFloat16(1.0f)})}},
             tensor<BFloat16>({2}, {BFloat16(0.5f), BFloat16(0.5f)}));
  CHECK(run_code(OpTest{"Softmax", {tensor<BFloat16>({2}, {})}, {}, 1, 11}) == Code::kUnsupported);
  CHECK(run_code(OpTest{"Softmax", {tensor<int32_t>({2}, {})}}) == Code::kUnsupported);
  CHECK(run_code(OpTest{"Softmax", {ftensor({2, 2}, {})}, {attr_int("axis", 2)}}) == Code::kInvalidModel);
  CHECK(run_code(OpTest{"LogSoftmax", {ftensor({2, 2}, {})}, {attr_int("axis", -3)}, 1, 11}) == Code::kInvalidModel);
  CHECK(run_ok(OpTest{"Softmax", {ftensor({0, 3}, {})}})[0].shape() == Dims{0, 3});
  CHECK(run_ok(OpTest{"Hardmax", {ftensor({3, 0}, {})}})[0].shape() == Dims{3, 0});
}

TEST_CASE("Hardmax: first maximum, axes and versions") {
  const Tensor x = ftensor({2, 3}, {1, 3, 3, 2, 1, 0});
  expect_out(OpTest{"Hardmax", {x}}, ftensor({2, 3}, {0, 1, 0, 1, 0, 0}));
  expect_out(OpTest{"Hardmax", {x}, {attr_int("axis", 0)}}, ftensor({2, 3}, {0, 1, 1, 1, 0, 0}));
  // Opset 11 axis 0: one row of 6, first maximum at index 1.
  expect_out(OpTest{"Hardmax", {x}, {attr_int("axis", 0)}, 1, 11}, ftensor({2, 3}, {0, 1, 0, 0, 0, 0}));
  expect_out(OpTest{"Hardmax", {dtensor({1, 2}, {-1, -2})}}, dtensor({1, 2}, {1, 0}));
  expect_out(OpTest{"Hardmax", {htensor({1, 2}, {-1, 2})}}, htensor({1, 2}, {0, 1}));
}

// ---------------------------------------------------------------------------------------------
// ConvTranspose

TEST_CASE("ConvTranspose: basic, strides, pads, output_padding, output_shape") {
  // 1-D: x = [1, 2], w = [1, 1, 1] -> full output [1, 3, 3, 2].
  OpTest t{"ConvTranspose", {ftensor({1, 1, 2}, {1, 2}), ftensor({1, 1, 3}, {1, 1, 1})}};
  expect_out(t, ftensor({1, 1, 4}, {1, 3, 3, 2}));
  // Two output channels and a bias.
  OpTest b{"ConvTranspose", {ftensor({1, 1, 2}, {1, 2}), ftensor({1, 2, 1}, {1, -1}), ftensor({2}, {10, 20})}};
  expect_out(b, ftensor({1, 2, 2}, {11, 12, 19, 18}));
  // Stride 2: x = [1, 2], w = [1, 1] -> [1, 1, 2, 2]; pads [1, 0] drop the first.
  OpTest s{"ConvTranspose", {ftensor({1, 1, 2}, {1, 2}), ftensor({1, 1, 2}, {1, 1})}, {attr_ints("strides", {2})}};
  expect_out(s, ftensor({1, 1, 4}, {1, 1, 2, 2}));
  s.attrs.push_back(attr_ints("pads", {1, 0}));
  expect_out(s, ftensor({1, 1, 3}, {1, 2, 2}));
  // Stride 3 leaves gaps; output_padding adds a trailing zero.
  OpTest g{"ConvTranspose", {ftensor({1, 1, 2}, {1, 2}), ftensor({1, 1, 2}, {1, 1})},
           {attr_ints("strides", {3}), attr_ints("output_padding", {1})}};
  expect_out(g, ftensor({1, 1, 6}, {1, 1, 0, 2, 2, 0}));
  // output_shape larger than the full output: extra zeros at the end.
  OpTest os{"ConvTranspose", {ftensor({1, 1, 2}, {1, 2}), ftensor({1, 1, 2}, {1, 1})},
            {attr_ints("strides", {3}), attr_ints("output_shape", {6})}};
  expect_out(os, ftensor({1, 1, 6}, {1, 1, 0, 2, 2, 0}));
  // SAME_UPPER: output = input * stride; total padding 1 goes at the end.
  OpTest su{"ConvTranspose", {ftensor({1, 1, 2}, {1, 2}), ftensor({1, 1, 3}, {1, 1, 1})},
            {attr_ints("strides", {2}), attr_string("auto_pad", "SAME_UPPER")}};
  expect_out(su, ftensor({1, 1, 4}, {1, 1, 3, 2}));
  su.attrs[1] = attr_string("auto_pad", "SAME_LOWER");
  expect_out(su, ftensor({1, 1, 4}, {1, 3, 2, 2}));
  // Dilation 2: w = [1, 1] taps 0 and 2.
  OpTest d{"ConvTranspose", {ftensor({1, 1, 2}, {1, 2}), ftensor({1, 1, 2}, {1, 1})}, {attr_ints("dilations", {2})}};
  expect_out(d, ftensor({1, 1, 4}, {1, 2, 1, 2}));
}

TEST_CASE("ConvTranspose: 2-D example, groups, dtypes and errors") {
  // The ONNX example: 3x3 input 0..8, two 3x3 ones kernels -> 5x5.
  std::vector<float> row = {0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6, 13, 21, 15, 8};
  std::vector<float> both = row;
  both.insert(both.end(), row.begin(), row.end());
  OpTest t{"ConvTranspose", {ftensor({1, 1, 3, 3}, iota(9, 0.0f)), ftensor({1, 2, 3, 3}, std::vector<float>(18, 1.0f))}};
  expect_out(t, ftensor({1, 2, 5, 5}, both));
  // group 2: each input channel feeds its own output channel.
  OpTest g{"ConvTranspose", {ftensor({1, 2, 1, 1}, {2, 3}), ftensor({2, 1, 1, 2}, {1, 2, 3, 4})}, {attr_int("group", 2)}};
  expect_out(g, ftensor({1, 2, 1, 2}, {2, 4, 9, 12}));
  OpTest dd{"ConvTranspose", {dtensor({1, 1, 2}, {1, 2}), dtensor({1, 1, 3}, {1, 1, 1})}};
  expect_out(dd, dtensor({1, 1, 4}, {1, 3, 3, 2}));
  OpTest h{"ConvTranspose", {htensor({1, 1, 2}, {1, 2}), htensor({1, 1, 3}, {1, 1, 1})}};
  expect_out(h, htensor({1, 1, 4}, {1, 3, 3, 2}));
  OpTest bad{"ConvTranspose", {ftensor({1, 2, 2}, {}), ftensor({1, 1, 2}, {})}};
  CHECK(run_code(bad) == Code::kInvalidArgument);
  OpTest pads{"ConvTranspose", {ftensor({1, 1, 2}, {}), ftensor({1, 1, 2}, {})}, {attr_ints("pads", {2, 2})}};
  CHECK(run_code(pads) == Code::kInvalidArgument);
  OpTest ap{"ConvTranspose", {ftensor({1, 1, 2}, {}), ftensor({1, 1, 2}, {})}, {attr_string("auto_pad", "FOO")}};
  CHECK(run_code(ap) == Code::kInvalidModel);
}

TEST_CASE("prims: conv_transpose_fast matches conv_transpose_ref") {
  struct Case {
    int64_t n, c, m, group;  // c: ConvTranspose input channels, m: its output channels
    Dims x, kernel, strides, dilations, pads, out_pad;
  };
  const std::vector<Case> cases = {
      {1, 1, 1, 1, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}},
      {2, 3, 4, 1, {5, 6}, {3, 3}, {2, 2}, {1, 1}, {1, 0}, {1, 0}},
      {1, 4, 6, 2, {4, 3}, {3, 2}, {1, 3}, {2, 1}, {0, 1}, {0, 2}},
      {1, 3, 3, 3, {7}, {4}, {2}, {1}, {1}, {1}},
      {1, 2, 3, 1, {3, 2, 4}, {2, 3, 2}, {2, 1, 2}, {1, 2, 1}, {1, 0, 0}, {0, 0, 1}},
      {1, 40, 8, 1, {60, 61}, {4, 4}, {2, 2}, {1, 1}, {1, 1}, {0, 0}},  // several GEMM chunks
      {0, 2, 2, 1, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {0, 0}, {0, 0}},
  };
  std::mt19937 rng(9);
  for (const Case& k : cases) {
    prims::ConvShape s;
    s.batch = k.n;
    s.in_channels = k.m;
    s.out_channels = k.c;
    s.group = k.group;
    s.out = k.x;
    s.kernel = k.kernel;
    s.strides = k.strides;
    s.dilations = k.dilations;
    s.pads = k.pads;
    for (size_t i = 0; i < k.x.size(); ++i) {
      const int64_t span = (k.kernel[i] - 1) * k.dilations[i] + 1;
      s.in.push_back(k.strides[i] * (k.x[i] - 1) + k.out_pad[i] + span - 2 * k.pads[i]);
    }
    const auto xn = static_cast<size_t>(k.n * k.c * s.out_size());
    const auto wn = static_cast<size_t>(k.c * (k.m / k.group) * s.kernel_size());
    const auto yn = static_cast<size_t>(k.n * k.m * s.in_size());
    std::vector<float> x = random_floats(xn, rng), w = random_floats(wn, rng), b = random_floats(static_cast<size_t>(k.m), rng);
    std::vector<double> xd(x.begin(), x.end()), wd(w.begin(), w.end()), bd(b.begin(), b.end());
    std::vector<double> want(yn);
    prims::conv_transpose_ref<double>(s, xd.data(), wd.data(), bd.data(), want.data());
    const size_t sb = prims::conv_transpose_scratch_bytes(s);
    std::vector<unsigned char> scratch(sb + 3 + 256, 0xab);
    std::vector<float> got(yn, 777.0f);
    prims::conv_transpose_fast(s, x.data(), w.data(), b.data(), got.data(), scratch.data() + 3);
    bool canary = true;
    for (size_t i = sb + 3; i < scratch.size(); ++i) canary = canary && scratch[i] == 0xab;
    CHECK_MESSAGE(canary, "conv_transpose_fast wrote past its scratch");
    double worst = 0.0;
    for (size_t i = 0; i < yn; ++i) worst = std::max(worst, test::gap(static_cast<double>(got[i]), want[i]));
    CHECK_MESSAGE(worst < 1e-4, "case c=", k.c, " m=", k.m, " rank=", k.x.size(), " diff ", worst);
  }
}

// ---------------------------------------------------------------------------------------------
// Other normalizations and Shrink

TEST_CASE("InstanceNormalization") {
  // Channel 0 = [1, 3] (mean 2, var 1), channel 1 = [5, 5] (var 0); scale [2, 1], B [0, 7].
  OpTest t{"InstanceNormalization", {ftensor({1, 2, 2}, {1, 3, 5, 5}), ftensor({2}, {2, 1}), ftensor({2}, {0, 7})}};
  const float e = 2.0f / std::sqrt(1.0f + 1e-5f);
  expect_out(t, ftensor({1, 2, 2}, {-e, e, 7, 7}));
  OpTest d{"InstanceNormalization", {dtensor({2, 1, 2}, {0, 4, 1, 1}), dtensor({1}, {1}), dtensor({1}, {0})}};
  const double s = 2.0 / std::sqrt(4.0 + 1e-5);
  expect_out(d, dtensor({2, 1, 2}, {-s, s, 0, 0}), 0, 1e-6, 1e-7);
  OpTest h{"InstanceNormalization", {htensor({1, 1, 2}, {1, 3}), htensor({1}, {1}), htensor({1}, {0})}, {attr_float("epsilon", 0.0f)}};
  expect_out(h, htensor({1, 1, 2}, {-1, 1}));
  OpTest bad{"InstanceNormalization", {ftensor({1, 2, 2}, {}), ftensor({3}, {}), ftensor({2}, {})}};
  CHECK(run_code(bad) == Code::kInvalidArgument);
}

TEST_CASE("LpNormalization") {
  OpTest t{"LpNormalization", {ftensor({2, 2}, {3, 4, 0, 0})}};
  expect_out(t, ftensor({2, 2}, {0.6f, 0.8f, 0, 0}));
  t.attrs = {attr_int("p", 1), attr_int("axis", 0)};
  t.inputs[0] = ftensor({2, 2}, {1, -2, 3, 2});
  expect_out(t, ftensor({2, 2}, {0.25f, -0.5f, 0.75f, 0.5f}));
  t.attrs = {attr_int("p", 3)};
  CHECK(run_code(t) == Code::kInvalidModel);
  OpTest d{"LpNormalization", {dtensor({2}, {-6, 8})}};
  expect_out(d, dtensor({2}, {-0.6, 0.8}));
}

TEST_CASE("LRN") {
  // size 3 across 3 channels of one pixel: x = [1, 2, 3], alpha 3 (alpha/size = 1), beta 1, bias 1.
  // c0 window {0,1}: 1+4=5 -> 1/6; c1 {0,1,2}: 14 -> 2/15; c2 {1,2}: 13 -> 3/14.
  OpTest t{"LRN", {ftensor({1, 3, 1, 1}, {1, 2, 3})},
           {attr_int("size", 3), attr_float("alpha", 3.0f), attr_float("beta", 1.0f), attr_float("bias", 1.0f)}};
  expect_out(t, ftensor({1, 3, 1, 1}, {1.0f / 6, 2.0f / 15, 3.0f / 14}));
  // size 2: window is [c, c+1] (floor((2-1)/2) = 0 before, ceil = 1 after); alpha 2 -> alpha/size = 1.
  OpTest s2{"LRN", {ftensor({1, 2, 1}, {1, 2})},
            {attr_int("size", 2), attr_float("alpha", 2.0f), attr_float("beta", 1.0f), attr_float("bias", 0.0f)}};
  expect_out(s2, ftensor({1, 2, 1}, {1.0f / 5, 2.0f / 4}));
  OpTest no{"LRN", {ftensor({1, 2, 1}, {})}};
  CHECK(run_code(no) == Code::kInvalidModel);
}

TEST_CASE("MeanVarianceNormalization") {
  // Default axes [0, 2, 3]: per channel. Channel 0 = [1, 3], channel 1 = [2, 6].
  OpTest t{"MeanVarianceNormalization", {ftensor({1, 2, 1, 2}, {1, 3, 2, 6})}};
  expect_out(t, ftensor({1, 2, 1, 2}, {-1, 1, -1, 1}), 0, 1e-6, 1e-6);
  // axes [1]: across the two channels at each position: (1, 2) and (3, 6).
  OpTest a{"MeanVarianceNormalization", {ftensor({1, 2, 1, 2}, {1, 3, 2, 6})}, {attr_ints("axes", {1})}};
  expect_out(a, ftensor({1, 2, 1, 2}, {-1, -1, 1, 1}), 0, 1e-6, 1e-6);
  a.opset = 9;
  expect_out(a, ftensor({1, 2, 1, 2}, {-1, -1, 1, 1}), 0, 1e-6, 1e-6);
  OpTest bad{"MeanVarianceNormalization", {ftensor({1, 2}, {})}, {attr_ints("axes", {2})}};
  CHECK(run_code(bad) == Code::kInvalidModel);
}

TEST_CASE("Shrink") {
  OpTest t{"Shrink", {ftensor({5}, {-2, -0.5f, 0, 0.5f, 2})}, {attr_float("lambd", 1.0f), attr_float("bias", 0.5f)}};
  expect_out(t, ftensor({5}, {-1.5f, 0, 0, 0, 1.5f}));
  OpTest d{"Shrink", {ftensor({3}, {-1, 0.25f, 1})}};  // soft default: lambd 0.5, bias 0
  expect_out(d, ftensor({3}, {-1, 0, 1}));
  OpTest i{"Shrink", {tensor<int8_t>({3}, {-5, 1, 5})}, {attr_float("lambd", 1.5f), attr_float("bias", 1.0f)}};
  expect_out(i, tensor<int8_t>({3}, {-4, 0, 4}));
  OpTest u{"Shrink", {tensor<uint32_t>({2}, {1, 9})}, {attr_float("lambd", 2.0f), attr_float("bias", 2.0f)}};
  expect_out(u, tensor<uint32_t>({2}, {0, 7}));
  CHECK(run_code(OpTest{"Shrink", {tensor<bool>({1}, {true})}}) == Code::kUnsupported);
}

TEST_CASE("Conv / ConvTranspose: float16 (widened fast path) agrees with float32") {
  std::mt19937 rng(21);
  std::vector<float> x = random_floats(2 * 4 * 7 * 6, rng), w = random_floats(6 * 2 * 3 * 3, rng), b = random_floats(6, rng);
  // Round the inputs to float16 first so both runs see the same values.
  for (float& v : x) v = static_cast<float>(Float16(v));
  for (float& v : w) v = static_cast<float>(Float16(v));
  for (float& v : b) v = static_cast<float>(Float16(v));
  const std::vector<Attribute> attrs = {attr_int("group", 2), attr_ints("pads", {1, 0, 1, 2}), attr_ints("strides", {2, 1})};
  const Tensor f = run_ok(OpTest{"Conv", {ftensor({2, 4, 7, 6}, x), ftensor({6, 2, 3, 3}, w), ftensor({6}, b)}, attrs})[0];
  const Tensor h = run_ok(OpTest{"Conv", {htensor({2, 4, 7, 6}, x), htensor({6, 2, 3, 3}, w), htensor({6}, b)}, attrs})[0];
  REQUIRE(f.shape() == h.shape());
  for (int64_t i = 0; i < f.numel(); ++i) CHECK(h.get_as_double(i) == doctest::Approx(f.get_as_double(i)).epsilon(2e-3).scale(1.0));
  // ConvTranspose: x [2, 6, 4, 3] into 4 output channels (group 2).
  std::vector<float> xt(x.begin(), x.begin() + 2 * 6 * 4 * 3);
  const std::vector<Attribute> ta = {attr_int("group", 2), attr_ints("strides", {2, 2}), attr_ints("output_padding", {1, 0})};
  const Tensor ft = run_ok(OpTest{"ConvTranspose", {ftensor({2, 6, 4, 3}, xt), ftensor({6, 2, 3, 3}, w)}, ta})[0];
  const Tensor ht = run_ok(OpTest{"ConvTranspose", {htensor({2, 6, 4, 3}, xt), htensor({6, 2, 3, 3}, w)}, ta})[0];
  REQUIRE(ft.shape() == ht.shape());
  CHECK(ft.shape() == Dims{2, 4, 10, 7});
  for (int64_t i = 0; i < ft.numel(); ++i) CHECK(ht.get_as_double(i) == doctest::Approx(ft.get_as_double(i)).epsilon(2e-3).scale(1.0));
}
