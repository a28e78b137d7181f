// Every SIMD kernel against its scalar reference, on every ISA this machine has, at awkward
// sizes (0, 1, lanes - 1, lanes + 1, large odd, unaligned starts); the packed-GEMM convolution
// against prims::conv_ref; the thread pool; and the Conv + Add + Relu/Clip fusion through a
// session against the unfused graph.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <vector>

#include "onyx/graph_fusion.h"
#include "onyx/session.h"
#include "onyx/share_speeds.h"
#include "op_test.h"
#include "prims/conv.h"
#include "prims/epilogue.h"
#include "prims/fast_paths.h"
#include "prims/gemm.h"
#include "prims/packed_gemm.h"
#include "prims/pool.h"
#include "prims/winograd.h"
#include "simd/isa.h"
#include "simd/kernels.h"
#include "thread_pool.h"

#ifdef __linux__
#include <sched.h>
#endif

using namespace onyx;

namespace {

std::vector<simd::Isa> machine_isas() {
  std::vector<simd::Isa> out;
  for (simd::Isa isa : {simd::Isa::kSse2, simd::Isa::kAvx2, simd::Isa::kAvx512, simd::Isa::kNeon, simd::Isa::kNeon64}) {
    if (simd::kernels_for(isa) != nullptr) out.push_back(isa);
  }
  return out;
}

std::vector<float> random_floats(size_t n, unsigned seed, float lo = -2.0f, float hi = 2.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(gen);
  return v;
}

// Sizes around every vector width (4, 8, 16 lanes) plus a large odd one.
const std::vector<size_t> kSizes = {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1001};

float ref_binary(simd::BinaryOp op, float a, float b) {
  switch (op) {
    case simd::BinaryOp::kAdd: return a + b;
    case simd::BinaryOp::kSub: return a - b;
    case simd::BinaryOp::kMul: return a * b;
    case simd::BinaryOp::kDiv: return a / b;
    case simd::BinaryOp::kMax: return a > b ? a : b;
    case simd::BinaryOp::kMin: return a < b ? a : b;
    default: return 0;
  }
}

}  // namespace

TEST_CASE("simd: the ISA cap selects each available table and scalar") {
  const simd::Isa best = simd::active_isa();
  for (simd::Isa isa : machine_isas()) {
    simd::set_max_isa(isa);
    CHECK(simd::active_isa() == isa);
    REQUIRE(simd::kernels() != nullptr);
    CHECK(simd::kernels()->isa == isa);
  }
  simd::set_max_isa(simd::Isa::kScalar);
  CHECK(simd::active_isa() == simd::Isa::kScalar);
  CHECK(simd::kernels() == nullptr);
  simd::set_max_isa(simd::Isa::kNeon64);  // no cap
  CHECK(simd::active_isa() == best);
  simd::Isa parsed;
  CHECK(simd::parse_isa("avx2", &parsed));
  CHECK(parsed == simd::Isa::kAvx2);
  CHECK_FALSE(simd::parse_isa("avx9000", &parsed));
}

TEST_CASE("simd: element-wise kernels equal the scalar reference at awkward sizes") {
  for (simd::Isa isa : machine_isas()) {
    const simd::SimdKernels& k = *simd::kernels_for(isa);
    CAPTURE(simd::isa_name(isa));
    for (size_t n : kSizes) {
      CAPTURE(n);
      // One float of offset makes every start unaligned.
      std::vector<float> a = random_floats(n + 1, 1), b = random_floats(n + 1, 2), out(n + 1), ref(n + 1);
      for (float& x : b) x = x == 0.0f ? 0.5f : x;
      const float* pa = a.data() + 1;
      const float* pb = b.data() + 1;
      for (int o = 0; o < static_cast<int>(simd::BinaryOp::kCount); ++o) {
        const auto op = static_cast<simd::BinaryOp>(o);
        CAPTURE(o);
        for (simd::Operands kind : {simd::Operands::kVecVec, simd::Operands::kScalarVec, simd::Operands::kVecScalar}) {
          k.binary(op, kind, pa, pb, out.data() + 1, n);
          bool same = true;
          for (size_t i = 0; i < n; ++i) {
            const float x = kind == simd::Operands::kScalarVec ? pa[0] : pa[i];
            const float y = kind == simd::Operands::kVecScalar ? pb[0] : pb[i];
            same &= out[i + 1] == ref_binary(op, x, y);
          }
          CHECK(same);
        }
      }
      bool same = true;
      for (int64_t stride : {1, 2, 3}) {
        // Exactly the floats read (1 + (n - 1) * stride after one before), so that the
        // sanitizer build catches a read past them.
        std::vector<float> src = random_floats(n == 0 ? 1 : 2 + (n - 1) * static_cast<size_t>(stride), 15);
        k.gather_rows(src.data() + 1, nullptr, 0, 1, stride, static_cast<int>(n), out.data() + 1, 0);
        for (size_t i = 0; i < n; ++i) same &= out[i + 1] == src[1 + i * static_cast<size_t>(stride)];
      }
      CHECK(same);
      for (int64_t stride : {1, 2}) {
        // Three rows of n with stride `stride`: rows r * (ld) apart, then rows at listed offsets;
        // written with leading dimension n + 5, the rest of each row untouched.
        const int64_t ld = static_cast<int64_t>(n) * stride + 3;
        const int64_t offsets[3] = {2 * ld, 1, ld + 2};
        // Rows end at 2 * ld + (n - 1) * stride: nothing past it is allocated.
        std::vector<float> src = random_floats(static_cast<size_t>(2 * ld + (n > 0 ? (n - 1) * stride + 1 : 0)), 16);
        const size_t ldo = n + 5;
        for (const int64_t* offs : {static_cast<const int64_t*>(nullptr), offsets}) {
          std::vector<float> panel(3 * ldo, -1.0f);
          k.gather_rows(src.data(), offs, ld, 3, stride, static_cast<int>(n), panel.data(), static_cast<int64_t>(ldo));
          for (size_t r = 0; r < 3; ++r) {
            const int64_t off = offs != nullptr ? offs[r] : static_cast<int64_t>(r) * ld;
            for (size_t j = 0; j < ldo; ++j) {
              const float want = j < n ? src[static_cast<size_t>(off + static_cast<int64_t>(j) * stride)] : -1.0f;
              same &= panel[r * ldo + j] == want;
            }
          }
        }
        CHECK(same);
      }
      k.clamp(pa, out.data() + 1, n, -0.5f, 0.75f);
      same = true;
      for (size_t i = 0; i < n; ++i) same &= out[i + 1] == std::min(std::max(pa[i], -0.5f), 0.75f);
      CHECK(same);
      k.scale_shift(pa, out.data() + 1, n, 1.5f, -0.25f);
      same = true;
      for (size_t i = 0; i < n; ++i) {
        const float prod = pa[i] * 1.5f;
        same &= out[i + 1] == prod + -0.25f;
      }
      CHECK(same);
      // Depthwise 3x3 row: three input rows of n + 2, summed in the documented order.
      std::vector<float> rows = random_floats(3 * (n + 2) + 1, 13), w9 = random_floats(9, 14);
      const float* r0 = rows.data() + 1;
      const float* r1 = r0 + n + 2;
      const float* r2 = r1 + n + 2;
      const float* taps[9] = {r0, r0 + 1, r0 + 2, r1, r1 + 1, r1 + 2, r2, r2 + 1, r2 + 2};
      k.depthwise_taps(taps, 9, w9.data(), 0.125f, out.data() + 1, n);
      same = true;
      for (size_t i = 0; i < n; ++i) {
        float want = 0.125f;
        const float* r[3] = {r0, r1, r2};
        for (int kh = 0; kh < 3; ++kh) {
          for (int kw = 0; kw < 3; ++kw) {
            const float prod = w9[static_cast<size_t>(kh * 3 + kw)] * r[kh][i + static_cast<size_t>(kw)];
            want = want + prod;
          }
        }
        same &= out[i + 1] == want;
      }
      CHECK(same);
      double sum = 0.0;
      float mx = -std::numeric_limits<float>::infinity();
      for (size_t i = 0; i < n; ++i) {
        sum += pa[i];
        mx = std::max(mx, pa[i]);
      }
      CHECK(k.sum(pa, n) == doctest::Approx(sum).epsilon(1e-5).scale(1.0));
      double dot = 0.0, abs_dot = 0.0;
      for (size_t i = 0; i < n; ++i) {
        dot += static_cast<double>(pa[i]) * pb[i];
        abs_dot += std::fabs(static_cast<double>(pa[i]) * pb[i]);
      }
      CHECK(std::fabs(k.dot(pa, pb, n) - dot) <= 1e-6 * abs_dot + 1e-30);
      std::copy(pb, pb + n, out.begin() + 1);
      k.axpy(-0.75f, pa, out.data() + 1, n);
      same = true;
      for (size_t i = 0; i < n; ++i) {
        const float prod = -0.75f * pa[i];
        same &= out[i + 1] == pb[i] + prod;
      }
      CHECK(same);
      CHECK(k.max(pa, n) == mx);
    }
  }
}

namespace {

// Floats apart, counting every representable value between (0 and -0 are 0 apart).
int64_t ulps_apart(float a, float b) {
  auto ordered = [](float f) {
    int32_t i;
    std::memcpy(&i, &f, sizeof i);
    return i < 0 ? -static_cast<int64_t>(i & 0x7fffffff) : static_cast<int64_t>(i);
  };
  return std::llabs(ordered(a) - ordered(b));
}

// The exact value, from double precision, rounded once.
float ref_activation(simd::Activation f, float x, float alpha, float beta) {
  const double d = x;
  switch (f) {
    case simd::Activation::kExp: return static_cast<float>(std::exp(d));
    case simd::Activation::kSigmoid: return static_cast<float>(1.0 / (1.0 + std::exp(-d)));
    case simd::Activation::kTanh: return static_cast<float>(std::tanh(d));
    case simd::Activation::kErf: return static_cast<float>(std::erf(d));
    case simd::Activation::kHardSigmoid: {  // as HardSigmoidOp rounds: alpha * x, + beta, clamp
      const float prod = alpha * x;
      const float y = prod + beta;
      return y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y);
    }
    case simd::Activation::kHardSwish: {  // as HardSwishOp rounds
      const float prod = x * (1.0f / 6.0f);
      const float y = prod + 0.5f;
      return x * (y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y));
    }
    case simd::Activation::kSilu: return static_cast<float>(d / (1.0 + std::exp(-d)));
    case simd::Activation::kGelu:
      if (alpha != 0.0f) return static_cast<float>(0.5 * d * (1.0 + std::tanh(0.7978845608028654 * (d + 0.044715 * d * d * d))));
      return static_cast<float>(0.5 * d * (1.0 + std::erf(d / std::sqrt(2.0))));
    default: {  // kLeakyRelu as LeakyReluOp rounds
      const float prod = alpha * x;
      return x < 0.0f ? prod : x;
    }
  }
}

}  // namespace

TEST_CASE("simd: activations are within 4 ulp of exact (hard ones bit for bit), at awkward sizes, specials included") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  // Saturation and overflow edges of each function, zeros, infinities, NaN and tiny values.
  const float specials[] = {0.0f, -0.0f, inf, -inf, nan, 88.0f, 89.0f, -87.0f, -104.0f, 9.0f, -9.0f,
                            20.0f, -20.0f, 1e-30f, -1e-30f, 3.0f, -3.0f, 0.5f};
  for (simd::Isa isa : machine_isas()) {
    const simd::SimdKernels& k = *simd::kernels_for(isa);
    CAPTURE(simd::isa_name(isa));
    for (size_t n : kSizes) {
      CAPTURE(n);
      std::vector<float> x = random_floats(n + 1, 21, -12.0f, 12.0f), out(n + 1), one(1);
      for (size_t i = 0; i < n && i < std::size(specials); ++i) x[n - i] = specials[i];  // the tail first
      for (int fi = 0; fi < static_cast<int>(simd::Activation::kCount); ++fi) {
        const auto f = static_cast<simd::Activation>(fi);
        CAPTURE(fi);
        const bool exact = f == simd::Activation::kHardSigmoid || f == simd::Activation::kHardSwish ||
                           f == simd::Activation::kLeakyRelu;
        // GELU twice: erf (alpha 0) and the tanh approximation. Its 1 + erf (or 1 + tanh) cancels
        // for negative x in float32, as in the unfused graph: it is within 4 ulp of max(1, |x|).
        const bool gelu = f == simd::Activation::kGelu;
        for (float alpha : gelu ? std::vector<float>{0.0f, 1.0f} : std::vector<float>{0.2f}) {
          CAPTURE(alpha);
          const float beta = 0.5f;
          k.activation(f, x.data() + 1, out.data() + 1, n, alpha, beta);  // one float in: unaligned
          int64_t worst = 0;
          bool same_alone = true;
          for (size_t i = 1; i <= n; ++i) {
            const float want = ref_activation(f, x[i], alpha, beta);
            const float got = out[i];
            if (std::isnan(want) || std::isnan(got)) {
              worst = std::max<int64_t>(worst, std::isnan(want) && std::isnan(got) ? 0 : 1 << 30);
            } else if (gelu) {
              // Equal infinities are 0 apart; otherwise units of max(1, |x|) (an infinity against
              // a finite value: far, without converting inf to an integer).
              const double unit = std::numeric_limits<float>::epsilon() * std::max(1.0, std::fabs(static_cast<double>(x[i])));
              const double apart = got == want ? 0.0 : std::fabs(static_cast<double>(got) - want) / unit;
              worst = std::max<int64_t>(worst, apart < 1e9 ? static_cast<int64_t>(apart) : int64_t{1} << 30);
            } else if (std::fabs(want) < std::numeric_limits<float>::min() &&
                       std::fabs(got) < std::numeric_limits<float>::min()) {
              // Results below the normal range (sigmoid(-104), exp(-104)) may flush to zero.
            } else {
              worst = std::max(worst, ulps_apart(got, want));
            }
            // The same bits computed alone: no dependence on where the vector boundary falls.
            k.activation(f, &x[i], one.data(), 1, alpha, beta);
            same_alone &= std::memcmp(&one[0], &got, sizeof got) == 0;
          }
          CHECK(worst <= (exact ? 0 : 4));
          CHECK(same_alone);
          std::vector<float> in_place(x.begin() + 1, x.end());
          k.activation(f, in_place.data(), in_place.data(), n, alpha, beta);
          CHECK((n == 0 || std::memcmp(in_place.data(), out.data() + 1, n * sizeof(float)) == 0));  // no null to memcmp
        }
      }
    }
  }
}

TEST_CASE("softmax: the vector rows match the scalar reference on every ISA, at awkward row lengths") {
  const float inf = std::numeric_limits<float>::infinity();
  for (size_t n : kSizes) {
    CAPTURE(n);
    // Four rows: plain values, one with -inf and a huge negative (exp gives 0), one with +inf
    // (inf - inf: every output NaN, as in the scalar loop), one with a large common offset.
    std::vector<float> v = random_floats(4 * n, 61, -20.0f, 20.0f);
    if (n > 0) {
      v[n + n / 2] = -inf;
      v[n + (n - 1) / 3] = -1e30f;
      v[2 * n + n / 2] = inf;
      for (size_t i = 3 * n; i < 4 * n; ++i) v[i] += 1000.0f;
    }
    const Tensor x = test::ftensor({4, static_cast<int64_t>(n)}, v);
    auto run = [&] {
      test::OpTest t{"Softmax", {x}, {}};
      auto out = t.run();
      REQUIRE(out.ok());
      return test::values<float>((*out)[0]);
    };
    prims::set_fast_paths_enabled(false);
    const std::vector<float> ref = run();
    prims::set_fast_paths_enabled(true);
    for (simd::Isa isa : machine_isas()) {
      simd::set_max_isa(isa);
      CAPTURE(simd::isa_name(isa));
      const std::vector<float> got = run();
      REQUIRE(got.size() == ref.size());
      float worst = 0.0f;
      bool nan_alike = true;
      for (size_t i = 0; i < got.size(); ++i) {
        nan_alike &= std::isnan(got[i]) == std::isnan(ref[i]);
        if (!std::isnan(ref[i])) worst = std::max(worst, test::gap(got[i], ref[i]) / std::max(ref[i], 1e-30f));
      }
      CHECK(nan_alike);
      CHECK(worst <= 2e-6f);  // exp within a few ulp, and the row's sum in another order
    }
    simd::set_max_isa(simd::Isa::kNeon64);
  }
}

TEST_CASE("layer norm: the vector rows match the double-precision reference on every ISA") {
  for (size_t n : kSizes) {
    CAPTURE(n);
    const auto cols = static_cast<int64_t>(n);
    // Three rows; the last far from zero (a large mean over a small spread).
    std::vector<float> v = random_floats(3 * n, 71, -3.0f, 3.0f);
    for (size_t i = 2 * n; i < 3 * n; ++i) v[i] = 100.0f + 0.01f * v[i];
    const Tensor x = test::ftensor({3, cols}, v);
    const Tensor scale = test::ftensor({cols}, random_floats(n, 72));
    const Tensor bias = test::ftensor({cols}, random_floats(n, 73));
    auto run = [&](bool with_bias) {
      test::OpTest t{"LayerNormalization", {x, scale, with_bias ? bias : Tensor()}, {test::attr_float("epsilon", 1e-3f)}};
      t.num_outputs = 3;
      auto out = t.run();
      REQUIRE(out.ok());
      std::vector<float> all;
      for (const Tensor& o : *out) {
        const std::vector<float> part = test::values<float>(o);
        all.insert(all.end(), part.begin(), part.end());
      }
      return all;
    };
    for (bool with_bias : {true, false}) {
      CAPTURE(with_bias);
      prims::set_fast_paths_enabled(false);
      const std::vector<float> ref = run(with_bias);
      prims::set_fast_paths_enabled(true);
      for (simd::Isa isa : machine_isas()) {
        simd::set_max_isa(isa);
        CAPTURE(simd::isa_name(isa));
        const std::vector<float> got = run(with_bias);
        REQUIRE(got.size() == ref.size());
        float worst = 0.0f;
        for (size_t i = 0; i < got.size(); ++i) {
          if (std::isnan(got[i]) && std::isnan(ref[i])) continue;  // an empty row's statistics (0 / 0)
          worst = std::max(worst, test::gap(got[i], ref[i]) / std::max(1.0f, std::fabs(ref[i])));
        }
        CHECK(worst <= 1e-5f);  // float32 sums in the lanes against double
      }
      simd::set_max_isa(simd::Isa::kNeon64);
    }
  }
}

TEST_CASE("recurrent: RNN, GRU and LSTM with vector dot products match the scalar reference on every ISA") {
  // Odd sizes around the vector widths; both directions; GRU both ways of applying the reset.
  const int64_t S = 4, B = 2, I = 17, H = 33;
  struct Case {
    const char* op;
    int64_t gates;
    int64_t linear_before_reset;
  };
  for (const Case& k : {Case{"RNN", 1, 0}, Case{"GRU", 3, 0}, Case{"GRU", 3, 1}, Case{"LSTM", 4, 0}}) {
    CAPTURE(k.op);
    CAPTURE(k.linear_before_reset);
    const int64_t G = k.gates;
    const Tensor x = test::ftensor({S, B, I}, random_floats(static_cast<size_t>(S * B * I), 101, -1.0f, 1.0f));
    const Tensor w = test::ftensor({2, G * H, I}, random_floats(static_cast<size_t>(2 * G * H * I), 102, -0.4f, 0.4f));
    const Tensor r = test::ftensor({2, G * H, H}, random_floats(static_cast<size_t>(2 * G * H * H), 103, -0.3f, 0.3f));
    const Tensor b = test::ftensor({2, 2 * G * H}, random_floats(static_cast<size_t>(4 * G * H), 104, -0.5f, 0.5f));
    auto run = [&] {
      std::vector<Attribute> attrs = {test::attr_int("hidden_size", H), test::attr_string("direction", "bidirectional")};
      if (G == 3) attrs.push_back(test::attr_int("linear_before_reset", k.linear_before_reset));
      test::OpTest t{k.op, {x, w, r, b}, attrs};
      t.opset = 14;
      t.num_outputs = 2;
      auto out = t.run();
      REQUIRE(out.ok());
      std::vector<float> all = test::values<float>((*out)[0]);
      const std::vector<float> last = test::values<float>((*out)[1]);
      all.insert(all.end(), last.begin(), last.end());
      return all;
    };
    prims::set_fast_paths_enabled(false);
    const std::vector<float> ref = run();
    prims::set_fast_paths_enabled(true);
    REQUIRE(ref.size() == static_cast<size_t>(S * 2 * B * H + 2 * B * H));
    for (simd::Isa isa : machine_isas()) {
      simd::set_max_isa(isa);
      CAPTURE(simd::isa_name(isa));
      const std::vector<float> got = run();
      REQUIRE(got.size() == ref.size());
      float worst = 0.0f;
      for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, test::gap(got[i], ref[i]));
      CHECK(worst <= 2e-6f);  // sums of 17 and 33 products in another order, through 4 steps
      CHECK(worst > 0.0f);    // the vector path ran (the scalar loop would give the same bits)
    }
    simd::set_max_isa(simd::Isa::kNeon64);
  }
}

TEST_CASE("simd: every GEMM tile (and its narrow variant) equals gemm_ref, with accumulation and the epilogue") {
  for (simd::Isa isa : machine_isas()) {
    const simd::SimdKernels& k = *simd::kernels_for(isa);
    std::vector<simd::SimdKernels::GemmTile> tiles;
    for (int t = 0; t < k.gemm_tiles; ++t) {
      tiles.push_back(k.gemm[t]);
      if (k.gemm[t].narrow != nullptr) tiles.push_back({k.gemm[t].mr, k.gemm[t].narrow_nr, k.gemm[t].narrow});
    }
    for (const simd::SimdKernels::GemmTile& tile : tiles) {
      CAPTURE(simd::isa_name(isa));
      CAPTURE(tile.mr);
      CAPTURE(tile.nr);
      for (int64_t kc : {1, 2, 7, 64}) {
        for (int m : {1, tile.mr - 1, tile.mr}) {
          for (int n : {1, tile.nr - 1, tile.nr}) {
            if (m < 1 || n < 1) continue;
            // Panels as the packer writes them: zero past m rows and n columns.
            std::vector<float> a(static_cast<size_t>(kc * tile.mr)), bbuf(static_cast<size_t>(kc * tile.nr + 16));
            float* b = bbuf.data() + (16 - (reinterpret_cast<uintptr_t>(bbuf.data()) % 64) / 4) % 16;
            std::vector<float> av = random_floats(static_cast<size_t>(m * kc), 3), bv = random_floats(static_cast<size_t>(kc * n), 4);
            for (int64_t p = 0; p < kc; ++p) {
              for (int r = 0; r < tile.mr; ++r) a[static_cast<size_t>(p * tile.mr + r)] = r < m ? av[static_cast<size_t>(r * kc + p)] : 0.0f;
              for (int j = 0; j < tile.nr; ++j) b[p * tile.nr + j] = j < n ? bv[static_cast<size_t>(p * n + j)] : 0.0f;
            }
            const int64_t ldc = n + 3;
            std::vector<float> c0 = random_floats(static_cast<size_t>(m * ldc), 5), c = c0, ref = c0;
            std::vector<float> bias = random_floats(static_cast<size_t>(m), 6);
            simd::TileEpilogue ep;
            ep.bias = bias.data();
            ep.clamp = true;
            ep.lo = -1.0f;
            ep.hi = 1.5f;
            if (n == tile.nr && kc > 1) {
              // B as the rows of a matrix in place: ldb past nr, rows not 64-byte aligned.
              const int64_t ldb = tile.nr + 5;
              std::vector<float> rows(static_cast<size_t>(kc * ldb + 1), std::numeric_limits<float>::quiet_NaN());
              for (int64_t p = 0; p < kc; ++p) {
                for (int j = 0; j < n; ++j) rows[static_cast<size_t>(1 + p * ldb + j)] = b[p * tile.nr + j];
              }
              std::vector<float> c_rows = c;
              tile.fn(kc, a.data(), rows.data() + 1, ldb, c_rows.data(), ldc, m, n, true, true, ep);
              tile.fn(kc, a.data(), b, tile.nr, c.data(), ldc, m, n, true, true, ep);
              CHECK(std::memcmp(c_rows.data(), c.data(), c.size() * sizeof(float)) == 0);
            } else {
              tile.fn(kc, a.data(), b, tile.nr, c.data(), ldc, m, n, true, true, ep);
            }
            prims::gemm_ref<float>(false, false, m, n, kc, 1.0f, av.data(), kc, bv.data(), n, 1.0f, ref.data(), ldc);
            bool close = true;
            for (int r = 0; r < m; ++r) {
              for (int64_t j = 0; j < ldc; ++j) {
                const size_t i = static_cast<size_t>(r * ldc + j);
                if (j >= n) {
                  close &= c[i] == c0[i];  // nothing outside the tile is touched
                  continue;
                }
                const float want = std::min(std::max(ref[i] + bias[static_cast<size_t>(r)], -1.0f), 1.5f);
                close &= std::fabs(c[i] - want) <= 1e-5f * (1.0f + std::fabs(want));
              }
            }
            CHECK(close);
          }
        }
      }
    }
  }
}

namespace {

prims::ConvShape conv_shape(int64_t c, int64_t h, int64_t w, int64_t m, int64_t k, int64_t stride, int64_t pad,
                            int64_t dilation = 1) {
  prims::ConvShape s;
  s.batch = 1;
  s.in_channels = c;
  s.out_channels = m;
  s.in = {h, w};
  s.kernel = {k, k};
  s.strides = {stride, stride};
  s.dilations = {dilation, dilation};
  s.pads = {pad, pad};
  s.out = {(h + 2 * pad - dilation * (k - 1) - 1) / stride + 1, (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1};
  return s;
}

// s with begin pads (top, left) and the output size that its end pads make.
prims::ConvShape padded(prims::ConvShape s, int64_t top, int64_t left, int64_t out_h, int64_t out_w) {
  s.pads = {top, left};
  s.out = {out_h, out_w};
  return s;
}

}  // namespace

TEST_CASE("simd: sgemm equals gemm_ref on every ISA (and Eigen), every layout, awkward sizes") {
  struct Size {
    int64_t m, n, k;
  };
  const Size sizes[] = {{1, 1, 1}, {1, 37, 300}, {2, 5, 3}, {13, 33, 17}, {7, 1, 9}, {25, 70, 600}, {250, 9, 5}};
  const simd::Isa best = simd::active_isa();
  std::vector<simd::Isa> isas = machine_isas();
  isas.push_back(simd::Isa::kScalar);  // no table: sgemm runs Eigen
  for (simd::Isa isa : isas) {
    simd::set_max_isa(isa);
    CAPTURE(simd::isa_name(isa));
    for (const Size& z : sizes) {
      for (int layout = 0; layout < 4; ++layout) {
        const bool ta = (layout & 1) != 0, tb = (layout & 2) != 0;
        CAPTURE(z.m);
        CAPTURE(z.n);
        CAPTURE(z.k);
        CAPTURE(layout);
        // Leading dimensions one past the minimum, so rows are not contiguous.
        const int64_t lda = (ta ? z.m : z.k) + 1, ldb = (tb ? z.k : z.n) + 1, ldc = z.n + 2;
        std::vector<float> a = random_floats(static_cast<size_t>((ta ? z.k : z.m) * lda), 21);
        std::vector<float> b = random_floats(static_cast<size_t>((tb ? z.n : z.k) * ldb), 22);
        std::vector<float> c0 = random_floats(static_cast<size_t>(z.m * ldc), 23);
        for (float beta : {0.0f, 1.0f, 0.5f}) {
          const float alpha = beta == 0.5f ? -1.5f : 1.0f;
          std::vector<double> ad(a.begin(), a.end()), bd(b.begin(), b.end()), ref(c0.begin(), c0.end());
          prims::gemm_ref<double>(ta, tb, z.m, z.n, z.k, alpha, ad.data(), lda, bd.data(), ldb, beta, ref.data(), ldc);
          std::vector<float> c = c0;
          if (beta == 0.0f) {
            for (int64_t i = 0; i < z.m; ++i) std::fill_n(c.begin() + i * ldc, z.n, std::numeric_limits<float>::quiet_NaN());
          }
          std::vector<unsigned char> scratch(prims::sgemm_scratch_bytes(z.m, z.n, z.k));
          prims::sgemm(ta, tb, z.m, z.n, z.k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc, scratch.data());
          double worst = 0.0;
          bool padding_kept = true;
          for (int64_t i = 0; i < z.m; ++i) {
            for (int64_t j = 0; j < ldc; ++j) {
              const size_t at = static_cast<size_t>(i * ldc + j);
              if (j < z.n) {
                worst = std::max(worst, test::gap(static_cast<double>(c[at]), ref[at]));
              } else {
                padding_kept &= c[at] == c0[at];  // past n: never written
              }
            }
          }
          CHECK(padding_kept);
          CHECK(worst <= 1e-5 * static_cast<double>(z.k + 2));
        }
      }
    }
  }
  simd::set_max_isa(simd::Isa::kNeon64);  // no cap
  CHECK(simd::active_isa() == best);
}

namespace {

// A depthwise convolution through conv_fast on every ISA and the scalar table: within 1e-5 of
// conv_ref; with `same_bits`, every ISA's output equal to the scalar loop's bit for bit.
void check_depthwise(const prims::ConvShape& s, bool same_bits) {
  REQUIRE(prims::conv_algo(s) == prims::ConvAlgo::kDepthwise);
  const std::vector<float> x = random_floats(static_cast<size_t>(s.in_channels * s.in_size()), 51);
  const std::vector<float> w = random_floats(static_cast<size_t>(s.out_channels * s.kernel_size()), 52);
  const std::vector<float> bias = random_floats(static_cast<size_t>(s.out_channels), 53);
  std::vector<float> ref(static_cast<size_t>(s.out_channels * s.out_size()));
  prims::conv_ref<float>(s, x.data(), w.data(), bias.data(), ref.data());
  std::vector<simd::Isa> isas = {simd::Isa::kScalar};
  for (simd::Isa isa : machine_isas()) isas.push_back(isa);
  std::vector<float> scalar;
  for (simd::Isa isa : isas) {
    simd::set_max_isa(isa);
    CAPTURE(simd::isa_name(isa));
    std::vector<unsigned char> scratch(prims::conv_scratch_bytes(s));
    std::vector<float> y(ref.size(), std::numeric_limits<float>::quiet_NaN());
    prims::conv_fast(s, x.data(), w.data(), bias.data(), y.data(), scratch.data());
    float worst = 0.0f;
    for (size_t i = 0; i < y.size(); ++i) worst = std::max(worst, test::gap(y[i], ref[i]));
    CHECK(worst <= 1e-5f);
    if (isa == simd::Isa::kScalar) {
      scalar = y;
    } else if (same_bits) {
      CHECK(std::memcmp(y.data(), scalar.data(), y.size() * sizeof(float)) == 0);
    }
  }
  simd::set_max_isa(simd::Isa::kNeon64);  // no cap
}

}  // namespace

TEST_CASE("simd: depthwise 3x3 convolution (any strides) equals conv_ref on every ISA") {
  // (channels, h, w, stride, pad, row stride): widths below, at and past a vector, odd and even;
  // a 1x1 image; row and column strides that differ; output rows of 64 and more (run row by row).
  // Channel counts around the lane blocks (4, 8, 16 channels per vector): 15, 17, 33, 40; planes
  // of fewer pixels than a vector and not a multiple of one (MobileNet's 14x14, 14/2, 7x7).
  // Rows of a vector of outputs or more at column stride 2, and rows of 64 or more at stride 1,
  // take depthwise3x3_rows.
  const int64_t cases[][6] = {{3, 5, 5, 1, 1, 1},    {2, 9, 40, 1, 1, 1},  {2, 7, 7, 2, 1, 2},  {3, 12, 38, 2, 1, 2},
                              {2, 11, 33, 2, 0, 2},   {2, 3, 3, 2, 1, 2},   {2, 4, 19, 1, 0, 1},  {2, 1, 1, 1, 1, 1},
                              {2, 10, 23, 3, 1, 1},   {3, 13, 9, 1, 2, 2},  {2, 17, 16, 2, 1, 3},
                              {2, 5, 70, 1, 1, 1},    {2, 6, 141, 2, 1, 2},  // rows of 64 and more
                              {17, 14, 14, 1, 1, 1},  {33, 7, 7, 1, 1, 1},  {40, 14, 14, 2, 1, 2}, {15, 2, 3, 1, 1, 1},
                              {16, 3, 5, 2, 0, 2},    {20, 9, 11, 2, 1, 2}, {16, 1, 1, 1, 1, 1},
                              // column stride 2 from the input rows: row stride 1, a vector and one
                              // more inside, edge columns on either side or none
                              {2, 4, 35, 2, 1, 1},    {3, 7, 36, 2, 0, 2},  {2, 9, 113, 2, 1, 2}, {2, 4, 64, 1, 1, 1}};
  const simd::Isa best = simd::active_isa();
  for (const auto& c : cases) {
    CAPTURE(c[2]);
    CAPTURE(c[3]);
    prims::ConvShape s = conv_shape(c[0], c[1], c[2], c[0], 3, c[3], c[4]);
    s.group = c[0];
    s.strides[0] = c[5];
    s.out[0] = (c[1] + 2 * c[4] - 3) / c[5] + 1;
    check_depthwise(s, /*same_bits=*/false);  // the rows kernel fuses its multiply-adds
  }
  CHECK(simd::active_isa() == best);
}

TEST_CASE("simd: depthwise 5x5, 7x7 and 3x5 convolutions (any strides) equal conv_ref on every ISA") {
  // (channels, h, w, kernel h, kernel w, stride h, stride w, pad): EfficientNet's and
  // MobileNet-v3's 5x5 at stride 1 and 2, ConvNeXt's 7x7 at pad 3; rows narrower than a vector,
  // wide rows (row by row), a 1x1 image, an image smaller than the kernel, unequal strides.
  const int64_t cases[][8] = {{3, 9, 9, 5, 5, 1, 1, 2},    {2, 14, 14, 5, 5, 2, 2, 2},  {2, 8, 40, 5, 5, 1, 1, 2},
                              {2, 11, 37, 5, 5, 2, 2, 2},  {2, 1, 1, 5, 5, 1, 1, 2},    {2, 3, 4, 5, 5, 1, 1, 2},
                              {3, 7, 7, 7, 7, 1, 1, 3},    {2, 10, 70, 7, 7, 1, 1, 3},  {2, 9, 12, 3, 5, 2, 1, 1},
                              {2, 12, 17, 5, 5, 3, 2, 1}};
  const simd::Isa best = simd::active_isa();
  for (const auto& c : cases) {
    CAPTURE(c[2]);
    CAPTURE(c[3]);
    prims::ConvShape s = conv_shape(c[0], c[1], c[2], c[0], 1, 1, 0);
    s.group = c[0];
    s.kernel = {c[3], c[4]};
    s.strides = {c[5], c[6]};
    s.pads = {c[7], c[7]};
    s.out = {(c[1] + 2 * c[7] - c[3]) / c[5] + 1, (c[2] + 2 * c[7] - c[4]) / c[6] + 1};
    check_depthwise(s, /*same_bits=*/true);  // every ISA's taps kernel rounds as the scalar loop
  }
  CHECK(simd::active_isa() == best);
}

TEST_CASE("simd: global average pooling through the sum kernel is within rounding of the mean on every ISA") {
  // Plane sizes around the vector widths and the models' 7x7 and 13x13; planes 1 and 2 only.
  const simd::Isa best = simd::active_isa();
  for (int64_t n : {1, 3, 7, 15, 16, 17, 33, 49, 169, 1000}) {
    std::vector<float> x = random_floats(static_cast<size_t>(3 * n), 31);
    for (simd::Isa isa : machine_isas()) {
      simd::set_max_isa(isa);
      CAPTURE(simd::isa_name(isa));
      CAPTURE(n);
      std::vector<float> y(3, 12345.0f);
      if (!prims::global_avg_pool_fast(x.data(), n, y.data(), 1, 3)) {
        CHECK(simd::kernels() == nullptr);
        continue;
      }
      CHECK(y[0] == 12345.0f);
      for (int64_t p = 1; p < 3; ++p) {
        double sum = 0.0, mag = 0.0;
        for (int64_t i = 0; i < n; ++i) {
          sum += x[static_cast<size_t>(p * n + i)];
          mag += std::fabs(x[static_cast<size_t>(p * n + i)]);
        }
        CHECK(std::fabs(y[static_cast<size_t>(p)] - sum / static_cast<double>(n)) <=
              2.0 * static_cast<double>(n) * 6e-8 * mag / static_cast<double>(n) + 1e-7);
      }
    }
  }
  simd::set_max_isa(simd::Isa::kNeon64);  // no cap
  CHECK(simd::active_isa() == best);
}

TEST_CASE("simd: max pooling equals the scalar loop bit for bit on every ISA (NaN, -inf, strides, dilation)") {
  struct Case {
    int64_t c, h, w, k, stride, pad, dilation;
  };
  // 3x3/2 (SqueezeNet, ResNet), 3x3/1 padded, 2x2/2, a dilated 3x3, rows narrower than a
  // vector and wider than two, stride 3 (the scalar fallback inside the kernel), and rows of 13
  // (SqueezeNet's last pool: one vector reading past the row, except near the input's end), and
  // rows of 148 and 70 outputs (four windows at once, then up to four overlapping the last).
  // Unpadded small planes also run with channels in the lanes (max_pool_lanes): channel counts
  // around the lane blocks, planes smaller than a vector, a dilated window. Stride-2 rows of
  // windows 2 or 3 wide (max_stride2): padded (the first and last rows of windows have two rows
  // of taps), 2x2/2, rows of 27 (SqueezeNet's second pool), 16 and 17 outputs.
  const Case cases[] = {{2, 17, 40, 3, 2, 0, 1},  {2, 9, 33, 3, 1, 1, 1},   {3, 8, 8, 2, 2, 0, 1},
                        {2, 12, 37, 3, 1, 2, 2},  {1, 5, 5, 3, 2, 1, 1},    {2, 11, 50, 3, 3, 1, 1},
                        {3, 27, 27, 3, 2, 0, 1},  {20, 13, 13, 3, 2, 0, 1}, {17, 3, 3, 2, 1, 0, 1},
                        {33, 12, 12, 3, 1, 0, 2}, {2, 6, 150, 3, 1, 0, 1},  {2, 7, 141, 3, 2, 0, 1},
                        {2, 9, 113, 3, 2, 1, 1},  {3, 10, 70, 2, 2, 0, 1},  {2, 13, 55, 3, 2, 0, 1},
                        {2, 5, 33, 3, 2, 0, 1},   {2, 5, 35, 3, 2, 0, 1},   {18, 9, 9, 3, 1, 0, 1},
                        {5, 10, 10, 3, 3, 0, 1}};
  // Channels in the lanes on every ISA, whatever its vector width leaves to max_stride2.
  const std::vector<simd::Isa> isas = machine_isas();
  std::vector<int> lanes_cases(isas.size(), 0);
  const simd::Isa best = simd::active_isa();
  for (const Case& k : cases) {
    prims::ConvShape s = conv_shape(k.c, k.h, k.w, k.c, k.k, k.stride, k.pad, k.dilation);
    for (bool with_nan : {true, false}) {
      // Signed zeros tie (the first wins); NaN after a window's first tap is skipped, first it wins.
      std::vector<float> x = random_floats(static_cast<size_t>(k.c * k.h * k.w), 71);
      std::fill(x.begin() + static_cast<std::ptrdiff_t>(x.size() / 2), x.end(), -0.0f);
      for (size_t i = 0; i < x.size(); i += 7) x[i] = i % 2 == 0 ? 0.0f : -0.0f;
      for (size_t i = 0; with_nan && i < x.size(); i += 13) x[i] = std::numeric_limits<float>::quiet_NaN();
      for (size_t i = 5; i < x.size(); i += 29) x[i] = -std::numeric_limits<float>::infinity();
      const size_t out = static_cast<size_t>(k.c * s.out_size());
      const float empty = std::numeric_limits<float>::lowest();
      std::vector<float> ref(out);
      prims::set_fast_paths_enabled(false);
      prims::max_pool_2d<float, float>(s, x.data(), ref.data(), empty);
      prims::set_fast_paths_enabled(true);
      for (size_t i = 0; i < isas.size(); ++i) {
        const simd::Isa isa = isas[i];
        simd::set_max_isa(isa);
        CAPTURE(simd::isa_name(isa));
        CAPTURE(k.w);
        CAPTURE(k.stride);
        CAPTURE(with_nan);
        std::vector<float> y(out, 12345.0f);
        prims::max_pool_2d<float, float>(s, x.data(), y.data(), empty);
        CHECK(std::memcmp(y.data(), ref.data(), out * sizeof(float)) == 0);
        if (prims::max_pool_lanes_applies(s)) {
          ++lanes_cases[i];
          std::vector<unsigned char> scratch(prims::max_pool_lanes_scratch_bytes(s));
          std::fill(y.begin(), y.end(), 12345.0f);
          prims::max_pool_lanes(s, x.data(), y.data(), 0, k.c, scratch.data());
          CHECK(std::memcmp(y.data(), ref.data(), out * sizeof(float)) == 0);
        }
      }
    }
  }
  for (int count : lanes_cases) CHECK(count >= 5);
  simd::set_max_isa(simd::Isa::kNeon64);  // no cap
  CHECK(simd::active_isa() == best);
}

TEST_CASE("simd: the stride-2 max pooling row kernel folds its taps in order, reads only them, at awkward widths") {
  // Each row's floats sit at the end of their own buffer (one past is outside it), unaligned.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  int ran = 0;
  for (simd::Isa isa : machine_isas()) {
    const simd::SimdKernels* k = simd::kernels_for(isa);
    if (!k->even_odd) continue;
    const size_t lanes = static_cast<size_t>(k->channel_lanes);
    CAPTURE(simd::isa_name(isa));
    for (int kw : {1, 2, 3, 4}) {
      for (int count : {1, 2, 3, 5}) {
        for (size_t n : {size_t{0}, size_t{1}, lanes - 1, lanes, lanes + 1, 2 * lanes - 1, 2 * lanes, 2 * lanes + 1,
                         3 * lanes + 3, size_t{101}}) {
          CAPTURE(kw);
          CAPTURE(count);
          CAPTURE(n);
          const size_t width = n == 0 ? 0 : 2 * (n - 1) + static_cast<size_t>(kw);
          std::vector<std::vector<float>> buffers;
          std::vector<const float*> rows;
          for (int r = 0; r < count; ++r) {
            std::vector<float> b = random_floats(width + 1, static_cast<unsigned>(100 * r + n + kw));
            for (size_t i = 3 * static_cast<size_t>(r); i < b.size(); i += 11) b[i] = i % 2 == 0 ? nan : -0.0f;
            for (size_t i = 5; i < b.size(); i += 17) b[i] = 0.0f;
            buffers.push_back(std::move(b));
          }
          for (const std::vector<float>& b : buffers) rows.push_back(b.data() + 1);
          std::vector<float> y(n + 1, 12345.0f);
          const bool took = k->max_stride2(rows.data(), count, kw, y.data(), n);
          CHECK(took == (n >= lanes && (kw == 2 || kw == 3)));
          if (!took) {
            CHECK(y == std::vector<float>(n + 1, 12345.0f));
            continue;
          }
          ++ran;
          for (size_t i = 0; i < n; ++i) {
            float best = rows[0][2 * i];
            for (int r = 0; r < count; ++r) {
              for (int j = r == 0 ? 1 : 0; j < kw; ++j) {
                const float v = rows[static_cast<size_t>(r)][2 * i + static_cast<size_t>(j)];
                if (v > best) best = v;
              }
            }
            CHECK(std::memcmp(&y[i], &best, sizeof(float)) == 0);
          }
          CHECK(y[n] == 12345.0f);
        }
      }
    }
  }
  // Every x86-64 and ARM table has the kernel.
  CHECK(ran >= (simd::kernels() != nullptr ? 2 * 4 * 6 : 0));
}

TEST_CASE("simd: packed-GEMM convolution equals conv_ref on every ISA and split") {
  const prims::ConvShape shapes[] = {
      conv_shape(3, 9, 11, 5, 3, 1, 1),    conv_shape(4, 8, 8, 13, 1, 1, 0),  conv_shape(7, 13, 9, 16, 3, 2, 1),
      conv_shape(2, 10, 10, 3, 5, 1, 2),   conv_shape(5, 6, 7, 9, 3, 1, 0, 2), conv_shape(1, 1, 1, 1, 1, 1, 0),
      conv_shape(16, 17, 15, 24, 3, 1, 1), conv_shape(300, 5, 5, 20, 3, 1, 1),  // K > one slice
      conv_shape(8, 40, 40, 10, 3, 1, 1),  // too many columns to hold a slice's B panels at once
      conv_shape(5, 7, 9, 20, 1, 1, 0),    // 1x1: B's rows read in place, a last partial panel packed
      conv_shape(300, 4, 20, 30, 1, 1, 0),  // 1x1 with K over one slice
      // A short K and too many columns to hold: several column panels at a time (packed; in place).
      conv_shape(3, 50, 50, 20, 3, 1, 1),  conv_shape(16, 50, 50, 24, 1, 1, 0),
      conv_shape(0, 6, 6, 5, 3, 1, 1),  // no input channels: K = 0, the bias alone
      // Few columns and many rows: computed transposed where the ISA has the tile for it (7x7
      // images fill its rows; 5x5 leaves a partial row panel, 45 rows a narrow one).
      conv_shape(20, 7, 7, 64, 3, 1, 1),   conv_shape(300, 7, 7, 45, 3, 1, 1), conv_shape(9, 5, 5, 64, 3, 1, 1),
      conv_shape(40, 7, 7, 64, 1, 1, 0),   conv_shape(24, 14, 14, 64, 3, 2, 1),
      // Windows in the padding: pads wider than the kernel (whole windows in it), uneven pads,
      // the last rows and columns never read, dilation, one-row images, a 7x7 stride-2 stem,
      // runs that cross column panels.
      conv_shape(4, 3, 4, 5, 2, 1, 3),     padded(conv_shape(3, 6, 7, 8, 3, 1, 0), 2, 0, 8, 5),
      padded(conv_shape(5, 8, 8, 12, 3, 2, 0), 1, 1, 3, 3), conv_shape(6, 9, 40, 7, 3, 2, 2, 2),
      conv_shape(3, 1, 50, 9, 3, 1, 1),    conv_shape(3, 40, 40, 16, 7, 2, 3), conv_shape(16, 30, 30, 20, 3, 2, 1),
      padded(conv_shape(2, 5, 5, 70, 3, 1, 0), 3, 2, 6, 4),  // few columns: transposed, held panels
  };
  int transposed_cases = 0;
  for (const prims::ConvShape& s : shapes) {
    const int64_t kk = s.in_channels * s.kernel_size(), n = s.out_size();
    std::vector<float> x = random_floats(static_cast<size_t>(s.in_channels * s.in_size()), 7);
    std::vector<float> w = random_floats(static_cast<size_t>(s.out_channels * kk), 8);
    std::vector<float> bias = random_floats(static_cast<size_t>(s.out_channels), 9);
    // The reference in double; a float sum of K products may be off by about K * eps * |terms|.
    std::vector<double> xd(x.begin(), x.end()), wd(w.begin(), w.end()), bd(bias.begin(), bias.end());
    std::vector<double> ref(static_cast<size_t>(s.out_channels * n));
    prims::conv_ref<double>(s, xd.data(), wd.data(), bd.data(), ref.data());
    const double tolerance = 4.0 * static_cast<double>(kk) * 6e-8 * 4.0;
    // The packed GEMM reads a zero-padded copy covering every window.
    const int64_t hp = (s.out[0] - 1) * s.strides[0] + (s.kernel[0] - 1) * s.dilations[0] + 1;
    const int64_t wp = (s.out[1] - 1) * s.strides[1] + (s.kernel[1] - 1) * s.dilations[1] + 1;
    std::vector<float> padded(static_cast<size_t>(s.in_channels * hp * wp), std::numeric_limits<float>::quiet_NaN());
    prims::pad_planes(x.data(), s.in[0], s.in[1], s.pads[0], s.pads[1], hp, wp, 0, s.in_channels, 0, hp,
                      padded.data());
    prims::BSource src;
    src.x = padded.data();
    src.channels = s.in_channels;
    src.in_h = hp;
    src.in_w = wp;
    src.kernel_h = s.kernel[0];
    src.kernel_w = s.kernel[1];
    src.stride_h = s.strides[0];
    src.stride_w = s.strides[1];
    src.dilation_h = s.dilations[0];
    src.dilation_w = s.dilations[1];
    src.out_h = s.out[0];
    src.out_w = s.out[1];
    std::vector<std::pair<simd::Isa, bool>> runs;
    for (simd::Isa isa : machine_isas()) {
      for (bool may_transpose : {false, true}) runs.emplace_back(isa, may_transpose);
    }
    for (const auto& run : runs) {
      const simd::Isa isa = run.first;  // plain names: clang's CAPTURE lambdas cannot name bindings
      const bool may_transpose = run.second;
      CAPTURE(simd::isa_name(isa));
      CAPTURE(s.in_channels);
      CAPTURE(s.out_channels);
      CAPTURE(may_transpose);
      prims::PackedGemm g;
      REQUIRE(g.pack(*simd::kernels_for(isa), w.data(), s.out_channels, kk, kk, n, may_transpose).ok());
      CHECK((g.transposed() && !may_transpose) == false);
      transposed_cases += g.transposed() ? 1 : 0;
      std::vector<unsigned char> scratch(g.scratch_bytes());
      std::vector<float> y(ref.size(), std::numeric_limits<float>::quiet_NaN());
      simd::TileEpilogue ep;
      ep.bias = bias.data();
      // Columns in two uneven parts, as two threads would split them.
      const int64_t split = std::min<int64_t>(n, g.tile_cols());
      g.run(src, y.data(), n, false, ep, scratch.data(), 0, split);
      g.run(src, y.data(), n, false, ep, scratch.data(), split, n);
      double worst = 0.0;
      for (size_t i = 0; i < y.size(); ++i) worst = std::max(worst, test::gap(static_cast<double>(y[i]), ref[i]));
      CHECK(worst <= tolerance);
      // Rows in two parts (whole tile rows, then the rest), as threads split late layers.
      std::fill(y.begin(), y.end(), std::numeric_limits<float>::quiet_NaN());
      const int64_t row_split = std::min<int64_t>(s.out_channels, g.tile_rows());
      g.run(src, y.data(), n, false, ep, scratch.data(), 0, n, 0, row_split);
      g.run(src, y.data(), n, false, ep, scratch.data(), 0, n, row_split, s.out_channels);
      worst = 0.0;
      for (size_t i = 0; i < y.size(); ++i) worst = std::max(worst, test::gap(static_cast<double>(y[i]), ref[i]));
      CHECK(worst <= tolerance);
    }
  }
  // The AVX-512 table has a transposed tile: the five shapes above with few columns take it (and
  // some of the small ones before them).
  const std::vector<simd::Isa> isas = machine_isas();
  if (std::find(isas.begin(), isas.end(), simd::Isa::kAvx512) != isas.end()) CHECK(transposed_cases >= 5);
}

TEST_CASE("simd: Winograd tile transforms match the definition, write only their tiles, same bits on every ISA") {
  // One tile row of `tiles` tiles: whole vectors, then a partial one (masked on AVX-512).
  // Input: d is the 4x4 patch (row q, column 2j + r); V = B^T d B. Output: Y = A^T M A.
  const float kUntouched = 12345.0f;
  for (size_t tiles : kSizes) {
    const auto t = static_cast<int64_t>(tiles);
    const int64_t ld = t + 1, vs = t + 3;  // rows apart by more than a row: the gaps must stay untouched
    const std::vector<float> even = random_floats(static_cast<size_t>(4 * ld), 31);
    const std::vector<float> odd = random_floats(static_cast<size_t>(4 * ld), 32);
    const std::vector<float> prod = random_floats(static_cast<size_t>(16 * vs), 33);
    std::vector<float> first_v, first_y;
    for (simd::Isa isa : machine_isas()) {
      CAPTURE(simd::isa_name(isa));
      CAPTURE(tiles);
      const simd::SimdKernels& k = *simd::kernels_for(isa);
      std::vector<float> v(static_cast<size_t>(16 * vs), kUntouched), y(static_cast<size_t>(4 * vs), kUntouched);
      k.winograd_input(even.data(), odd.data(), ld, t, v.data(), vs);
      k.winograd_output(prod.data(), vs, t, y.data(), vs);
      int bad = 0;
      for (int64_t j = 0; j < t; ++j) {
        double d[4][4], bt[4][4];
        for (int q = 0; q < 4; ++q) {
          d[q][0] = even[static_cast<size_t>(q * ld + j)];
          d[q][1] = odd[static_cast<size_t>(q * ld + j)];
          d[q][2] = even[static_cast<size_t>(q * ld + j + 1)];
          d[q][3] = odd[static_cast<size_t>(q * ld + j + 1)];
        }
        const double b[4][4] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};  // B^T
        for (int i = 0; i < 4; ++i) {
          for (int c = 0; c < 4; ++c) {
            bt[i][c] = 0;
            for (int q = 0; q < 4; ++q) bt[i][c] += b[i][q] * d[q][c];
          }
        }
        for (int i = 0; i < 4; ++i) {
          for (int c = 0; c < 4; ++c) {
            double want = 0;
            for (int q = 0; q < 4; ++q) want += bt[i][q] * b[c][q];
            if (std::fabs(v[static_cast<size_t>((4 * i + c) * vs + j)] - want) > 1e-5) ++bad;
          }
        }
        const double a[2][4] = {{1, 1, 1, 0}, {0, 1, -1, -1}};  // A^T
        for (int r = 0; r < 2; ++r) {
          for (int c = 0; c < 2; ++c) {
            double want = 0;
            for (int p = 0; p < 4; ++p) {
              for (int q = 0; q < 4; ++q) want += a[r][p] * prod[static_cast<size_t>((4 * p + q) * vs + j)] * a[c][q];
            }
            if (std::fabs(y[static_cast<size_t>((2 * r + c) * vs + j)] - want) > 1e-5) ++bad;
          }
        }
      }
      CHECK(bad == 0);
      int touched = 0;
      for (int64_t i = 0; i < 16 * vs; ++i) touched += i % vs >= t && v[static_cast<size_t>(i)] != kUntouched;
      for (int64_t i = 0; i < 4 * vs; ++i) touched += i % vs >= t && y[static_cast<size_t>(i)] != kUntouched;
      CHECK(touched == 0);
      if (first_v.empty()) {
        first_v = v;
        first_y = y;
      } else {
        CHECK(std::memcmp(v.data(), first_v.data(), v.size() * sizeof(float)) == 0);
        CHECK(std::memcmp(y.data(), first_y.data(), y.size() * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("simd: a Winograd output row from its even and odd columns equals finish_scalar bit for bit on every ISA") {
  // Rows of ResNet-18 (56, 28, 14, 7) and around the vector sizes; with and without the added
  // tensor, the bias and the clamp; inputs with NaN, infinities and signed zeros. The columns
  // are exactly (n + 1) / 2 and n / 2 floats (the sanitizer build catches a read past them),
  // and nothing past y[n) is written.
  const float kNaN = std::numeric_limits<float>::quiet_NaN(), kInf = std::numeric_limits<float>::infinity();
  std::vector<size_t> sizes = kSizes;
  sizes.insert(sizes.end(), {2, 6, 14, 28, 32, 56, 63, 64, 65});
  for (size_t n : sizes) {
    std::vector<float> even = random_floats((n + 1) / 2, 41, -8.0f, 8.0f), odd = random_floats(n / 2, 42, -8.0f, 8.0f);
    const std::vector<float> add = random_floats(n, 43);
    for (size_t i = 0; i < even.size(); i += 5) even[i] = i % 2 == 0 ? kNaN : -0.0f;
    for (size_t i = 1; i < odd.size(); i += 4) odd[i] = i % 3 == 0 ? kInf : 0.0f;
    for (int variant = 0; variant < 8; ++variant) {
      const bool with_add = variant & 1;
      const float bias_value = 0.25f;
      simd::TileEpilogue ep;
      ep.bias = variant & 2 ? &bias_value : nullptr;
      if (variant & 4) {
        ep.clamp = true;
        ep.lo = 0.0f;
        ep.hi = 6.0f;
      }
      std::vector<float> want(n + 1, 12345.0f);
      for (size_t i = 0; i < n; ++i) {
        const float x = i % 2 == 0 ? even[i / 2] : odd[i / 2];
        want[i] = prims::finish_scalar(with_add ? x + add[i] : x, bias_value, ep);
      }
      for (simd::Isa isa : machine_isas()) {
        CAPTURE(simd::isa_name(isa));
        CAPTURE(n);
        CAPTURE(variant);
        std::vector<float> y(n + 1, 12345.0f);
        simd::kernels_for(isa)->winograd_row(even.data(), odd.data(), static_cast<int64_t>(n),
                                              with_add ? add.data() : nullptr, bias_value, ep, y.data());
        CHECK(std::memcmp(y.data(), want.data(), y.size() * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("simd: Winograd F(2x2, 3x3) convolution equals conv_ref on every ISA, block and channel split") {
  // Odd and even output sizes (the last tile row and column overhang), channels around the
  // vector widths, no padding, one 1x1 output, one with several blocks of tile rows and more
  // input channels than one K slice of the packed GEMM, and a tall one split into blocks.
  const prims::ConvShape shapes[] = {
      conv_shape(3, 5, 7, 5, 3, 1, 1),     conv_shape(16, 9, 11, 13, 3, 1, 0), conv_shape(17, 15, 15, 33, 3, 1, 1),
      conv_shape(1, 1, 1, 1, 3, 1, 1),     conv_shape(8, 2, 20, 9, 3, 1, 1),  conv_shape(260, 40, 40, 20, 3, 1, 1),
      conv_shape(8, 20, 6, 9, 3, 1, 1),     conv_shape(5, 4, 30, 3, 3, 1, 1),  // 15 tiles: lanes - 1
      padded(conv_shape(4, 6, 7, 5, 3, 1, 0), 3, 2, 7, 12),                   // uneven pads (end: 0, 5)
      padded(conv_shape(3, 2, 3, 4, 3, 1, 0), 4, 9, 9, 14),                   // pads wider than the image
      conv_shape(32, 14, 14, 32, 3, 1, 1),  // 49 tiles: the transposed products where the ISA has them
  };
  // One-thread packings of the 14x14 shape that took transposed products, and the ISAs that could.
  int transposed_runs = 0, transposed_isas = 0;
  for (simd::Isa isa : machine_isas()) transposed_isas += simd::kernels_for(isa)->transposed.fn != nullptr ? 1 : 0;
  for (const prims::ConvShape& s : shapes) {
    REQUIRE(prims::Winograd3x3::applies(s));
    const int64_t n = s.out_size(), c = s.in_channels, m = s.out_channels;
    std::vector<float> x = random_floats(static_cast<size_t>(c * s.in_size()), 17);
    std::vector<float> w = random_floats(static_cast<size_t>(m * c * 9), 18);
    std::vector<float> bias = random_floats(static_cast<size_t>(m), 19);
    std::vector<float> z = random_floats(static_cast<size_t>(m * n), 20);
    // The reference in double, and the same sum of absolute terms, which bounds the rounding
    // of any order of summation (the transforms add at most a small factor to it).
    std::vector<double> xd(x.begin(), x.end()), wd(w.begin(), w.end()), bd(bias.begin(), bias.end());
    std::vector<double> ref(static_cast<size_t>(m * n)), mag(ref.size());
    prims::conv_ref<double>(s, xd.data(), wd.data(), bd.data(), ref.data());
    for (double& v : xd) v = std::fabs(v);
    for (double& v : wd) v = std::fabs(v);
    for (double& v : bd) v = std::fabs(v);
    prims::conv_ref<double>(s, xd.data(), wd.data(), bd.data(), mag.data());
    // Blocks for 1, 2 and 3 threads (the 10 tile rows of the 20x6 image: one block, 5 + 5, and
    // one again: 4 + 4 + 2 would leave a thread idle).
    std::vector<std::pair<simd::Isa, int64_t>> runs;
    for (simd::Isa isa : machine_isas()) {
      for (int64_t parts : {1, 2, 3}) runs.emplace_back(isa, parts);
    }
    for (const auto& run : runs) {
      const simd::Isa isa = run.first;  // plain names: clang's CAPTURE lambdas cannot name bindings
      const int64_t parts = run.second;
      CAPTURE(simd::isa_name(isa));
      CAPTURE(c);
      CAPTURE(m);
      CAPTURE(parts);
      prims::Winograd3x3 wg;
      REQUIRE(wg.pack(*simd::kernels_for(isa), w.data(), s, parts).ok());
      if (s.in[0] == 20) CHECK(wg.blocks() == (parts == 2 ? 2 : 1));
      if (c == 260) CHECK(wg.blocks() > 1);
      if (s.in[0] == 14 && parts == 1) transposed_runs += wg.transposed() ? 1 : 0;
      std::vector<unsigned char> scratch(wg.scratch_bytes()), other(wg.scratch_bytes());
      // 0: all rows on one thread, with the bias; 1: the output channels in two uneven shares
      // (the first a multiple of channel_grain()), each on its own scratch, as ConvKernel shares
      // an image of one block, added to Z and clamped to [-1, 2] (Clip); 2: the rows in two
      // uneven shares, each on its own scratch, as threads of unequal speed take them (a share
      // may span several blocks).
      for (int mode : {0, 1, 2}) {
        CAPTURE(mode);
        simd::TileEpilogue ep;
        ep.bias = bias.data();
        std::vector<float> y(ref.size(), std::numeric_limits<float>::quiet_NaN());
        if (mode != 0) {
          y = z;
          ep.clamp = true;
          ep.lo = -1.0f;
          ep.hi = 2.0f;
        }
        const int64_t rows = wg.tile_rows();
        if (mode == 0) wg.run(x.data(), y.data(), nullptr, ep, scratch.data(), {0, rows});
        if (mode == 2) {
          const int64_t cut = rows / 3;
          wg.run(x.data(), y.data(), z.data(), ep, other.data(), {cut, rows});
          wg.run(x.data(), y.data(), y.data(), ep, scratch.data(), {0, cut});
        }
        if (mode == 1) {
          // The later share first, from z into a y of NaN: it must leave the first share's
          // channels alone.
          const int64_t grain = wg.channel_grain(), cut = std::min(m, (2 * m / 3 + grain - 1) / grain * grain);
          std::fill(y.begin(), y.end(), std::numeric_limits<float>::quiet_NaN());
          wg.run(x.data(), y.data(), z.data(), ep, other.data(), {0, rows}, cut, m);
          CHECK(std::all_of(y.begin(), y.begin() + cut * n, [](float v) { return std::isnan(v); }));
          wg.run(x.data(), y.data(), z.data(), ep, scratch.data(), {0, rows}, 0, cut);
        }
        int bad = 0;
        for (size_t i = 0; i < y.size(); ++i) {
          double want = ref[i];
          if (mode != 0) want = std::min(2.0, std::max(-1.0, want + z[i]));
          const double tolerance = 1e-6 + 16.0 * 6e-8 * (mag[i] + (mode != 0 ? std::fabs(z[i]) : 0.0));
          if (!(std::fabs(static_cast<double>(y[i]) - want) <= tolerance)) ++bad;
        }
        CHECK(bad == 0);
      }
    }
  }
  CHECK(transposed_runs == transposed_isas);
}

TEST_CASE("thread pool: every task runs once, on a worker index in range") {
  ThreadPool pool(3);
  CHECK(pool.workers() == 3);
  for (int64_t tasks : {0, 1, 2, 7, 100}) {
    std::vector<int> hits(static_cast<size_t>(tasks), 0);
    bool workers_ok = true;
    struct Ctx {
      std::vector<int>* hits;
      bool* ok;
    } ctx{&hits, &workers_ok};
    pool.run(tasks, [](void* c, int64_t t, int worker) {
      auto* x = static_cast<Ctx*>(c);
      (*x->hits)[static_cast<size_t>(t)] += 1;
      if (worker < 0 || worker >= 3) *x->ok = false;
    }, &ctx);
    bool once = true;
    for (int h : hits) once &= h == 1;
    CHECK(once);
    CHECK(workers_ok);
  }
}

TEST_CASE("thread pool: shares cover every unit once, in whole grains, one run per worker") {
  ThreadPool pool(3);
  ShareSpeeds site(3), other_workers(2);  // a call site's own estimate, and one that does not fit
  for (int64_t units : {0, 1, 5, 31, 100, 1001}) {
    for (int64_t grain : {1, 3, 32}) {
      CAPTURE(units);
      CAPTURE(grain);
      struct Ctx {
        std::vector<int> hits;
        int64_t grain = 1, units = 0;
        std::atomic<int> runs{0};
        std::atomic<bool> ok{true};
      } ctx;
      ctx.hits.assign(static_cast<size_t>(units), 0);
      ctx.grain = grain;
      ctx.units = units;
      pool.run_shares(units, grain, [](void* c, int64_t begin, int64_t end, int worker) {
        auto* x = static_cast<Ctx*>(c);
        x->runs += 1;
        if (worker < 0 || worker >= 3 || begin >= end || begin % x->grain != 0 || (end % x->grain != 0 && end != x->units)) {
          x->ok = false;
        }
        for (int64_t u = begin; u < end; ++u) x->hits[static_cast<size_t>(u)] += 1;
      }, &ctx, grain == 1 ? nullptr : grain == 3 ? &site : &other_workers);
      bool once = true;
      for (int h : ctx.hits) once &= h == 1;
      CHECK(once);
      CHECK(ctx.ok.load());
      CHECK(ctx.runs.load() <= 3);
    }
  }
}

TEST_CASE("thread pool: each pool thread keeps to a CPU of its own, not the creating thread's") {
#ifdef __linux__
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
  const int before = sched_getcpu();
  ThreadPool pool(2);
  const int after = sched_getcpu();
  ThreadPool floating(2, false);
  CHECK(floating.cpu(1) == -1);
  if (CPU_COUNT(&allowed) < 2) {
    CHECK(pool.cpu(1) == -1);  // nowhere to go
    return;
  }
  REQUIRE(pool.cpu(1) >= 0);
  CHECK(CPU_ISSET(pool.cpu(1), &allowed));
  if (before == after) CHECK(pool.cpu(1) != before);
  // Whatever worker 1 runs, it runs there (each task waits a little so that it takes one).
  struct Seen {
    std::atomic<int> cpu{-1};
  } seen;
  for (int i = 0; i < 100 && seen.cpu.load() < 0; ++i) {
    pool.run(8, [](void* c, int64_t, int worker) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
      while (std::chrono::steady_clock::now() < until) {
      }
      if (worker == 1) static_cast<Seen*>(c)->cpu.store(sched_getcpu());
    }, &seen);
  }
  REQUIRE(seen.cpu.load() >= 0);
  CHECK(seen.cpu.load() == pool.cpu(1));
#endif
}

TEST_CASE("task runner: the default run_shares splits as ShareSpeeds does at equal speeds") {
  // A runner with three workers that runs every task on the calling thread, in order.
  struct Serial final : TaskRunner {
    int workers() const override { return 3; }
    void run(int64_t tasks, void (*fn)(void*, int64_t, int), void* context) override {
      for (int64_t t = 0; t < tasks; ++t) fn(context, t, static_cast<int>(t));
    }
  } serial;
  for (int64_t units : {1, 2, 5, 10, 31, 100, 1001}) {
    for (int64_t grain : {1, 3, 8}) {
      CAPTURE(units);
      CAPTURE(grain);
      std::vector<int64_t> want(4);
      ShareSpeeds(3).split(units, grain, want.data());
      // Each worker's run [begin, end); empty runs are not called, and stay [-1, -1).
      std::vector<std::pair<int64_t, int64_t>> runs(3, {-1, -1});
      serial.run_shares(units, grain, [](void* c, int64_t begin, int64_t end, int worker) {
        (*static_cast<std::vector<std::pair<int64_t, int64_t>>*>(c))[static_cast<size_t>(worker)] = {begin, end};
      }, &runs, nullptr);
      for (size_t w = 0; w < 3; ++w) {
        CAPTURE(w);
        const bool empty = want[w] == want[w + 1];
        CHECK(runs[w] == (empty ? std::pair<int64_t, int64_t>{-1, -1} : std::pair<int64_t, int64_t>{want[w], want[w + 1]}));
      }
    }
  }
}

TEST_CASE("share speeds: a worker measured slower gets a shorter run, in whole grains") {
  auto split = [](const ShareSpeeds& s, int64_t units, int64_t grain) {
    std::vector<int64_t> bounds(static_cast<size_t>(s.workers()) + 1);
    s.split(units, grain, bounds.data());
    return bounds;
  };
  ShareSpeeds speeds(2);
  int64_t bounds[3];
  CHECK(split(speeds, 100, 1) == std::vector<int64_t>{0, 50, 100});
  // Worker 1 takes three times as long per unit (a core another tenant shares, a little core).
  // A fresh estimate averages its first measures: it knows within three jobs (a layer's own
  // estimate is updated once per inference), then moves by a sixteenth.
  for (int job = 0; job < 120; ++job) {
    if (job == 3) CHECK(std::fabs(speeds.speed(1) / speeds.speed(0) - 1.0 / 3.0) < 0.02);
    speeds.split(100, 1, bounds);
    const double seconds[2] = {static_cast<double>(bounds[1] - bounds[0]) * 1e-5,
                               static_cast<double>(bounds[2] - bounds[1]) * 3e-5};
    speeds.update(bounds, seconds);
  }
  CAPTURE(speeds.speed(0));
  CAPTURE(speeds.speed(1));
  CHECK(std::fabs(speeds.speed(1) / speeds.speed(0) - 1.0 / 3.0) < 0.02);
  CHECK(std::fabs(speeds.speed(0) + speeds.speed(1) - 2.0) < 1e-9);
  CHECK(split(speeds, 100, 1) == std::vector<int64_t>{0, 75, 100});
  // Grains: the first run ends on a multiple of 8 (its exact end is 75.75 of 101: 80 + 21 take
  // 53.3 and 42 units' time at these speeds, 72 + 29 48 and 58), the last at the units.
  CHECK(split(speeds, 101, 8) == std::vector<int64_t>{0, 80, 101});
  // Of the grain ends either side of the exact one (12.75 of 17), the one that keeps the longer
  // run shorter: 12 + 5 take 8 and 10 units' time at these speeds, the nearest, 16 + 1, 10.7 and 2.
  CHECK(split(speeds, 17, 4) == std::vector<int64_t>{0, 12, 17});
  // Runs under kMinTimed, or not run by their owner (0), teach nothing.
  const double short_runs[2] = {1e-6, 1e-6};
  speeds.update(bounds, short_runs);
  const double one_timed[2] = {0.0, 1.0};
  speeds.update(bounds, one_timed);
  CHECK(std::fabs(speeds.speed(1) / speeds.speed(0) - 1.0 / 3.0) < 0.02);
  // A worker that stalls entirely keeps a least share, so that it is still timed and recovers.
  for (int job = 0; job < 200; ++job) {
    speeds.split(1000, 1, bounds);
    const double seconds[2] = {1e-3, 1.0};
    speeds.update(bounds, seconds);
  }
  const std::vector<int64_t> stalled = split(speeds, 1000, 1);
  CHECK(stalled[2] - stalled[1] > 0);
  // Three workers, equal speeds: equal runs that tile the units. Two, with a last grain of 1:
  // 2 + 3 (4 + 1 has the nearer end).
  CHECK(split(ShareSpeeds(3), 10, 1) == std::vector<int64_t>{0, 3, 7, 10});
  CHECK(split(ShareSpeeds(2), 5, 2) == std::vector<int64_t>{0, 2, 5});
}

namespace {

Tensor float_tensor(Dims dims, const std::vector<float>& v) {
  Tensor t = Tensor::make(DType::kFloat32, std::move(dims)).value();
  std::memcpy(t.data(), v.data(), v.size() * sizeof(float));
  return t;
}

Attribute ints_attr(const char* name, std::vector<int64_t> v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kInts;
  a.ints = std::move(v);
  return a;
}

Attribute int_attr(const char* name, int64_t v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kInt;
  a.i = v;
  return a;
}

// A float32 model from graph input x (of shape xs when given) through `nodes` to output y.
std::shared_ptr<Model> float_model(std::vector<Node> nodes, const Dims& xs = {}) {
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets = {{"", 13}};
  ValueInfo x, y;
  x.name = "x";
  y.name = "y";
  for (ValueInfo* vi : {&x, &y}) {
    vi->type.kind = TypeInfo::Kind::kTensor;
    vi->type.elem = DType::kFloat32;
  }
  x.type.has_shape = !xs.empty();
  for (int64_t d : xs) x.type.shape.push_back(Dim{d, ""});
  m->graph.inputs = {x};
  m->graph.outputs = {y};
  m->graph.nodes = std::move(nodes);
  return m;
}

// Runs `m` once on input x with `threads` threads and returns its output y.
std::vector<float> run_model(std::shared_ptr<Model> m, const Tensor& x, int threads) {
  SessionOptions o;
  o.threads = threads;
  auto s = Session::create(std::move(m), o);
  REQUIRE(s.ok());
  REQUIRE((*s)->set_input("x", x).ok());
  REQUIRE((*s)->run().ok());
  const Tensor* y = (*s)->output("y");
  REQUIRE(y != nullptr);
  return std::vector<float>(y->data_as<float>(), y->data_as<float>() + y->numel());
}

// x -> Conv(w, b) -> Add(skip) -> Relu -> Conv(w2) -> Clip(0, 6) -> y, with `skip` a graph input.
std::shared_ptr<Model> chain_model() {
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets = {{"", 13}};
  Graph& g = m->graph;
  g.name = "chain";
  auto in = [](const char* name, Dims d) {
    ValueInfo vi;
    vi.name = name;
    vi.type.kind = TypeInfo::Kind::kTensor;
    vi.type.elem = DType::kFloat32;
    vi.type.has_shape = true;
    for (int64_t x : d) vi.type.shape.push_back(Dim{x, ""});
    return vi;
  };
  g.inputs = {in("x", {1, 3, 8, 8}), in("skip", {1, 4, 8, 8})};
  g.outputs = {in("y", {1, 2, 8, 8})};
  g.initializers = {{"w", float_tensor({4, 3, 3, 3}, random_floats(108, 11)), ""},
                    {"b", float_tensor({4}, random_floats(4, 12)), ""},
                    {"w2", float_tensor({2, 4, 1, 1}, random_floats(8, 13)), ""},
                    {"lo", float_tensor({}, {0.0f}), ""},
                    {"hi", float_tensor({}, {0.3f}), ""}};
  Node conv{"conv", "Conv", "", {"x", "w", "b"}, {"c"}, {ints_attr("pads", {1, 1, 1, 1})}, ""};
  Node add{"add", "Add", "", {"c", "skip"}, {"s"}, {}, ""};
  Node relu{"relu", "Relu", "", {"s"}, {"r"}, {}, ""};
  Node conv2{"conv2", "Conv", "", {"r", "w2"}, {"c2"}, {}, ""};
  Node clip{"clip", "Clip", "", {"c2", "lo", "hi"}, {"y"}, {}, ""};
  g.nodes = {conv, add, relu, conv2, clip};
  return m;
}

std::vector<float> run_chain(bool optimize, const std::vector<float>& x, const std::vector<float>& skip,
                             size_t* planned) {
  SessionOptions o;
  o.optimize = optimize;
  auto s = Session::create(chain_model(), o);
  REQUIRE(s.ok());
  Session& sess = **s;
  Tensor tx = float_tensor({1, 3, 8, 8}, x), ts = float_tensor({1, 4, 8, 8}, skip);
  REQUIRE(sess.set_input("x", tx).ok());
  REQUIRE(sess.set_input("skip", ts).ok());
  Status st = sess.run();
  REQUIRE_MESSAGE(st.ok(), st.message());
  *planned = sess.planned_nodes();
  const Tensor* y = sess.output("y");
  return std::vector<float>(y->data_as<float>(), y->data_as<float>() + y->numel());
}

}  // namespace

TEST_CASE("fusion: Conv + Add + Relu and Conv + Clip fuse and give the unfused results") {
  Model copy = *chain_model();
  CHECK(fuse_conv_chains(&copy) == 3);
  REQUIRE(copy.graph.nodes.size() == 2);
  CHECK(copy.graph.nodes[0].op_type == "FusedConv");
  CHECK(copy.graph.nodes[0].inputs.size() == 4);
  CHECK(copy.graph.nodes[0].outputs[0] == "r");
  CHECK(copy.graph.nodes[1].outputs[0] == "y");
  CHECK(copy.opset("ai.onyx") == 1);

  const std::vector<float> x = random_floats(192, 21), skip = random_floats(256, 22);
  size_t fused_nodes = 0, plain_nodes = 0;
  const std::vector<float> fused = run_chain(true, x, skip, &fused_nodes);
  const std::vector<float> plain = run_chain(false, x, skip, &plain_nodes);
  CHECK(fused_nodes == 2);
  CHECK(plain_nodes == 5);
  REQUIRE(fused.size() == plain.size());
  float worst = 0.0f;
  bool clipped = false;
  for (size_t i = 0; i < fused.size(); ++i) {
    worst = std::max(worst, test::gap(fused[i], plain[i]));
    clipped |= plain[i] == 0.3f;
  }
  CHECK(worst <= 1e-5f);
  CHECK(clipped);  // the Clip bound is really exercised
  // With every ISA and on the portable path, the same.
  for (simd::Isa isa : {simd::Isa::kScalar, simd::Isa::kSse2, simd::Isa::kAvx2}) {
    simd::set_max_isa(isa);
    const std::vector<float> capped = run_chain(true, x, skip, &fused_nodes);
    float d = 0.0f;
    for (size_t i = 0; i < capped.size(); ++i) d = std::max(d, test::gap(capped[i], plain[i]));
    CHECK(d <= 1e-5f);
  }
  simd::set_max_isa(simd::Isa::kNeon64);
}

TEST_CASE("fusion: a value read twice or a graph output is not fused away") {
  auto m = chain_model();
  m->graph.outputs.push_back(m->graph.outputs[0]);
  m->graph.outputs[1].name = "c";  // the first Conv's own output is now also a graph output
  Model copy = *m;
  CHECK(fuse_conv_chains(&copy) == 1);  // only conv2 + clip
  CHECK(copy.graph.nodes.size() == 4);
  m->graph.outputs[1].name = "s";  // the Add's output: Conv + Add fuse, the Relu stays apart
  copy = *m;
  CHECK(fuse_conv_chains(&copy) == 2);
  REQUIRE(copy.graph.nodes.size() == 3);
  CHECK(copy.graph.nodes[0].outputs[0] == "s");
  CHECK(copy.graph.nodes[1].op_type == "Relu");
}

namespace {

Attribute float_attr(const char* name, float v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kFloat;
  a.f = v;
  return a;
}

// Every activation the fusion pass folds into a convolution, each after a convolution of
// another kernel path: x [1, 32, 14, 14] ->
//   c1 1x1 -> SiLU as Sigmoid + Mul (packed GEMM, B in place)
//   c2 3x3 depthwise -> LeakyRelu(0.1) (depthwise planes)
//   c3 3x3 32 -> 32 -> HardSwish (Winograd where the ISA takes it for 32 channels, else im2col)
//   c4 3x3 stride 2 32 -> 4 -> HardSigmoid(0.3, 0.4) -> y (im2col panels; a partial last tile)
//   c5 1x1 32 -> 4 -> Sigmoid -> y2
//   c6 3x3 stride 2 32 -> 64 -> SiLU -> y3 (49 pixels, many channels: the transposed product)
//   c7 1x1 32 -> 8, + skip -> Tanh -> y4 (the sum in the tiles, the activation after)
std::shared_ptr<Model> activations_model() {
  auto m = std::make_shared<Model>();
  m->ir_version = 8;
  m->opsets = {{"", 17}};
  Graph& g = m->graph;
  g.name = "activations";
  auto in = [](const char* name, Dims d) {
    ValueInfo vi;
    vi.name = name;
    vi.type.elem = DType::kFloat32;
    vi.type.has_shape = true;
    for (int64_t v : d) vi.type.shape.push_back(Dim{v, ""});
    return vi;
  };
  g.inputs = {in("x", {1, 32, 14, 14}), in("skip", {1, 8, 14, 14})};
  g.outputs = {in("y", {1, 4, 7, 7}), in("y2", {1, 4, 14, 14}), in("y3", {1, 64, 7, 7}), in("y4", {1, 8, 14, 14})};
  // Weights uniform in +-r, r = 3 / sqrt(fan-in): every layer's outputs then reach where
  // the activations bend.
  auto weights = [&](const char* name, Dims d, unsigned seed) {
    int64_t n = 1;
    for (int64_t v : d) n *= v;
    const float r = d.size() == 1 ? 0.5f : 3.0f / std::sqrt(static_cast<float>(n / d[0]));
    g.initializers.push_back({name, float_tensor(d, random_floats(static_cast<size_t>(n), seed, -r, r)), ""});
  };
  weights("w1", {32, 32, 1, 1}, 41);
  weights("b1", {32}, 42);
  weights("w2", {32, 1, 3, 3}, 43);
  weights("w3", {32, 32, 3, 3}, 44);
  weights("w4", {4, 32, 3, 3}, 45);
  weights("w5", {4, 32, 1, 1}, 46);
  weights("w6", {64, 32, 3, 3}, 47);
  weights("w7", {8, 32, 1, 1}, 48);
  const Attribute pad1 = ints_attr("pads", {1, 1, 1, 1}), stride2 = ints_attr("strides", {2, 2});
  g.nodes = {
      {"c1", "Conv", "", {"x", "w1", "b1"}, {"c1"}, {}, ""},
      {"sig1", "Sigmoid", "", {"c1"}, {"s1"}, {}, ""},
      {"mul1", "Mul", "", {"s1", "c1"}, {"m1"}, {}, ""},
      {"c2", "Conv", "", {"m1", "w2"}, {"c2"}, {pad1, int_attr("group", 32)}, ""},
      {"leaky", "LeakyRelu", "", {"c2"}, {"l2"}, {float_attr("alpha", 0.1f)}, ""},
      {"c3", "Conv", "", {"l2", "w3"}, {"c3"}, {pad1}, ""},
      {"hswish", "HardSwish", "", {"c3"}, {"h3"}, {}, ""},
      {"c4", "Conv", "", {"h3", "w4"}, {"c4"}, {pad1, stride2}, ""},
      {"hsig", "HardSigmoid", "", {"c4"}, {"y"}, {float_attr("alpha", 0.3f), float_attr("beta", 0.4f)}, ""},
      {"c5", "Conv", "", {"h3", "w5"}, {"c5"}, {}, ""},
      {"sig5", "Sigmoid", "", {"c5"}, {"y2"}, {}, ""},
      {"c6", "Conv", "", {"h3", "w6"}, {"c6"}, {pad1, stride2}, ""},
      {"sig6", "Sigmoid", "", {"c6"}, {"s6"}, {}, ""},
      {"mul6", "Mul", "", {"c6", "s6"}, {"y3"}, {}, ""},
      {"c7", "Conv", "", {"h3", "w7"}, {"c7"}, {}, ""},
      {"add", "Add", "", {"c7", "skip"}, {"a7"}, {}, ""},
      {"tanh", "Tanh", "", {"a7"}, {"y4"}, {}, ""},
  };
  return m;
}

// The outputs of activations_model: y, y2 and y3 one after the other, and y4.
std::vector<float> run_activations(bool optimize, int threads, size_t* planned, std::vector<float>* y4) {
  SessionOptions o;
  o.optimize = optimize;
  o.threads = threads;
  auto s = Session::create(activations_model(), o);
  REQUIRE(s.ok());
  Tensor tx = float_tensor({1, 32, 14, 14}, random_floats(32 * 196, 51));
  Tensor ts = float_tensor({1, 8, 14, 14}, random_floats(8 * 196, 52));
  REQUIRE((*s)->set_input("x", tx).ok());
  REQUIRE((*s)->set_input("skip", ts).ok());
  Status st = (*s)->run();
  REQUIRE_MESSAGE(st.ok(), st.message());
  *planned = (*s)->planned_nodes();
  auto values = [&](const char* name) {
    const Tensor* t = (*s)->output(name);
    REQUIRE(t != nullptr);
    return std::vector<float>(t->data_as<float>(), t->data_as<float>() + t->numel());
  };
  std::vector<float> all;
  for (const char* name : {"y", "y2", "y3"}) {
    const std::vector<float> v = values(name);
    all.insert(all.end(), v.begin(), v.end());
  }
  *y4 = values("y4");
  return all;
}

}  // namespace

TEST_CASE("fusion: SiLU, Sigmoid, Tanh, HardSigmoid, HardSwish and LeakyRelu fuse and give the unfused bits") {
  Model copy = *activations_model();
  CHECK(fuse_conv_chains(&copy) == 10);
  REQUIRE(copy.graph.nodes.size() == 7);
  const char* activations[] = {"Silu", "LeakyRelu", "HardSwish", "HardSigmoid", "Sigmoid", "Silu", "Tanh"};
  for (size_t i = 0; i < 7; ++i) {
    CAPTURE(i);
    const Node& n = copy.graph.nodes[i];
    CHECK(n.op_type == "FusedConv");
    const Attribute* a = n.attr("activation");
    REQUIRE(a != nullptr);
    CHECK(a->s == activations[i]);
  }
  CHECK(copy.graph.nodes[1].attr("activation_params")->floats == std::vector<float>{0.1f});
  CHECK(copy.graph.nodes[3].attr("activation_params")->floats == std::vector<float>{0.3f, 0.4f});
  CHECK(copy.graph.nodes[6].inputs.size() == 4);  // the skip as Z
  // On each ISA (the scalar one: the reference convolution, then the scalar activations), on one
  // and two threads, a fused activation gives the unfused operator's bits. Only y4 differs in
  // rounding: there Z is added in the tiles, not by Add.
  for (simd::Isa isa : {simd::Isa::kScalar, simd::Isa::kSse2, simd::Isa::kAvx2, simd::Isa::kNeon64}) {
    simd::set_max_isa(isa);
    CAPTURE(simd::isa_name(simd::active_isa()));
    size_t fused_nodes = 0, plain_nodes = 0;
    std::vector<float> plain4, fused4;
    const std::vector<float> plain = run_activations(false, 1, &plain_nodes, &plain4);
    CHECK(plain_nodes == 17);
    // The activations' inputs reach where they bend: HardSigmoid clamps some of y (4x7x7 first),
    // Sigmoid takes y2 (4x14x14 next) below 0.2 and above 0.8.
    int64_t clamped = 0, low = 0, high = 0;
    for (size_t i = 0; i < 196; ++i) clamped += plain[i] == 0.0f || plain[i] == 1.0f;
    for (size_t i = 196; i < 196 + 784; ++i) {
      low += plain[i] < 0.2f;
      high += plain[i] > 0.8f;
    }
    CHECK(clamped > 0);
    CHECK(low > 0);
    CHECK(high > 0);
    for (int threads : {1, 2}) {
      CAPTURE(threads);
      const std::vector<float> fused = run_activations(true, threads, &fused_nodes, &fused4);
      CHECK(fused_nodes == 7);
      REQUIRE(fused.size() == plain.size());
      CHECK(std::memcmp(fused.data(), plain.data(), fused.size() * sizeof(float)) == 0);
      float worst = 0.0f;
      for (size_t i = 0; i < fused4.size(); ++i) worst = std::max(worst, test::gap(fused4[i], plain4[i]));
      CHECK(worst <= 1e-5f);
    }
  }
  simd::set_max_isa(simd::Isa::kNeon64);
}

TEST_CASE("fusion: a SiLU whose Sigmoid is also read elsewhere is not fused") {
  auto m = activations_model();
  m->graph.outputs.push_back(m->graph.outputs[0]);
  m->graph.outputs.back().name = "s1";  // the first SiLU's Sigmoid output is a graph output too
  Model copy = *m;
  CHECK(fuse_conv_chains(&copy) == 8);
  CHECK(copy.graph.nodes[0].op_type == "Conv");
  CHECK(copy.graph.nodes[1].op_type == "Sigmoid");
  CHECK(copy.graph.nodes[2].op_type == "Mul");
}

namespace {

// x [1, n] -> Div(sqrt(2)) -> Erf -> Add(1) -> Mul(x) -> Mul(0.5) -> y: PyTorch's exact GELU.
std::shared_ptr<Model> gelu_model(int64_t n) {
  auto m = float_model({Node{"div", "Div", "", {"x", "sqrt2"}, {"d"}, {}, ""},
                        Node{"erf", "Erf", "", {"d"}, {"e"}, {}, ""},
                        Node{"add", "Add", "", {"e", "one"}, {"a"}, {}, ""},
                        Node{"mul", "Mul", "", {"x", "a"}, {"p"}, {}, ""},
                        Node{"half", "Mul", "", {"p", "half_value"}, {"y"}, {}, ""}},
                       {1, n});
  m->graph.initializers = {{"sqrt2", float_tensor({}, {1.41421356f}), ""},
                           {"one", float_tensor({}, {1.0f}), ""},
                           {"half_value", float_tensor({}, {0.5f}), ""}};
  return m;
}

}  // namespace

TEST_CASE("fusion: PyTorch's GELU becomes one Gelu with the unfused bits; Gelu (20) matches its formula") {
  Model copy = *gelu_model(8);
  CHECK(fuse_gelu(&copy) == 4);
  REQUIRE(copy.graph.nodes.size() == 1);
  CHECK(copy.graph.nodes[0].op_type == "Gelu");
  CHECK(copy.graph.nodes[0].domain == "ai.onyx");
  CHECK(copy.graph.nodes[0].inputs == std::vector<std::string>{"x"});
  CHECK(copy.graph.nodes[0].outputs == std::vector<std::string>{"y"});
  // An intermediate that is also a graph output, or another constant, keeps the graph as it is.
  auto kept = gelu_model(8);
  kept->graph.outputs.push_back(kept->graph.outputs[0]);
  kept->graph.outputs.back().name = "e";
  copy = *kept;
  CHECK(fuse_gelu(&copy) == 0);
  kept = gelu_model(8);
  kept->graph.initializers[0].tensor.data_as<float>()[0] = 1.5f;
  copy = *kept;
  CHECK(fuse_gelu(&copy) == 0);

  const int64_t n = 1001;
  std::vector<float> v = random_floats(static_cast<size_t>(n), 91, -8.0f, 8.0f);
  v[0] = std::numeric_limits<float>::infinity();
  v[1] = -std::numeric_limits<float>::infinity();
  const Tensor x = float_tensor({1, n}, v);
  for (simd::Isa isa : {simd::Isa::kScalar, simd::Isa::kSse2, simd::Isa::kAvx2, simd::Isa::kNeon64}) {
    simd::set_max_isa(isa);
    CAPTURE(simd::isa_name(simd::active_isa()));
    SessionOptions plain;
    plain.optimize = false;
    auto unfused = Session::create(gelu_model(n), plain);
    auto fused = Session::create(gelu_model(n));
    REQUIRE(unfused.ok());
    REQUIRE(fused.ok());
    std::vector<float> out[2];
    int i = 0;
    for (auto* s : {&unfused, &fused}) {
      REQUIRE((**s)->set_input("x", x).ok());
      REQUIRE((**s)->run().ok());
      const Tensor* y = (**s)->output("y");
      out[i++] = std::vector<float>(y->data_as<float>(), y->data_as<float>() + n);
    }
    CHECK((*fused)->planned_nodes() == 1);
    CHECK(std::memcmp(out[0].data(), out[1].data(), static_cast<size_t>(n) * sizeof(float)) == 0);
  }
  simd::set_max_isa(simd::Isa::kNeon64);

  // The ONNX operator, both forms, vector and reference paths, against the double formula.
  for (const char* approximate : {"none", "tanh"}) {
    CAPTURE(approximate);
    for (bool fast : {true, false}) {
      prims::set_fast_paths_enabled(fast);
      test::OpTest t{"Gelu", {x}, {test::attr_string("approximate", approximate)}};
      t.opset = 20;
      auto r = t.run();
      REQUIRE(r.ok());
      const std::vector<float> got = test::values<float>((*r)[0]);
      double worst = 0.0;
      for (size_t j = 2; j < got.size(); ++j) {
        const double d = v[j];
        const double want = std::strcmp(approximate, "tanh") == 0
                                ? 0.5 * d * (1.0 + std::tanh(0.7978845608028654 * (d + 0.044715 * d * d * d)))
                                : 0.5 * d * (1.0 + std::erf(d / std::sqrt(2.0)));
        worst = std::max(worst, std::fabs(got[j] - want) / std::max(1.0, std::fabs(d)));
      }
      CHECK(worst <= 4 * std::numeric_limits<float>::epsilon());
      CHECK(got[0] == std::numeric_limits<float>::infinity());
      CHECK(std::isnan(got[1]));  // -inf * (1 + erf(-inf)) = -inf * 0, as the unfused graph
    }
    prims::set_fast_paths_enabled(true);
  }
  test::OpTest bad{"Gelu", {x}, {test::attr_string("approximate", "fast")}};
  bad.opset = 20;
  CHECK(bad.run().status().code() == Code::kInvalidModel);
}

TEST_CASE("threads: a two-thread session gives the one-thread results") {
  const std::vector<float> x = random_floats(192, 31), skip = random_floats(256, 32);
  size_t planned = 0;
  const std::vector<float> one = run_chain(true, x, skip, &planned);
  SessionOptions o;
  o.threads = 2;
  auto s = Session::create(chain_model(), o);
  REQUIRE(s.ok());
  Tensor tx = float_tensor({1, 3, 8, 8}, x), ts = float_tensor({1, 4, 8, 8}, skip);
  REQUIRE((*s)->set_input("x", tx).ok());
  REQUIRE((*s)->set_input("skip", ts).ok());
  REQUIRE((*s)->run().ok());
  const Tensor* y = (*s)->output("y");
  bool same = true;
  for (size_t i = 0; i < one.size(); ++i) same &= y->data_as<float>()[i] == one[i];
  CHECK(same);
  SessionOptions bad;
  bad.threads = 0;
  CHECK(Session::create(chain_model(), bad).status().code() == Code::kInvalidArgument);
}

TEST_CASE("threads: Gemm and MatMul split by rows, by columns and by batches give the one-thread bits") {
  // Each over ParallelSgemm's minimum of 2^21 multiply-adds:
  //   MatMul [1, 3137, 64] x [64, 96]: the batch folded into 3137 rows, split by rows (the last
  //   block 17 rows: no part is one row);
  //   MatMul [40, 96] x [96, 1000]: 2 row blocks, 15 column blocks: split by columns;
  //   MatMul [12, 49, 32] x [12, 32, 49] x 8 (attention's per-head products): whole batches;
  //   Gemm [300, 128] x [256, 128]^T + C[256] with alpha and beta: by rows;
  //   Gemm [3, 512] x [1000, 512]^T and MatMul [2, 512] x [512, 1000]: a few rows (sgemm's
  //   matrix-vector products), by columns.
  // One thread on the reference must agree within rounding.
  struct Case {
    Dims xs, ws;
    bool gemm = false;
  };
  for (const Case& k : {Case{{1, 3137, 64}, {64, 96}}, Case{{40, 96}, {96, 1000}}, Case{{96, 49, 32}, {96, 32, 49}},
                        Case{{300, 128}, {256, 128}, true}, Case{{3, 512}, {1000, 512}, true},
                        Case{{2, 512}, {512, 1000}}}) {
    CAPTURE(shape_str(k.xs));
    auto model = [&] {
      std::vector<Attribute> attrs;
      std::vector<std::string> inputs = {"x", "w"};
      if (k.gemm) {
        Attribute alpha, beta;
        alpha.name = "alpha", alpha.type = AttrType::kFloat, alpha.f = 0.5f;
        beta.name = "beta", beta.type = AttrType::kFloat, beta.f = 2.0f;
        attrs = {int_attr("transB", 1), alpha, beta};
        inputs.push_back("c");
      }
      auto m = float_model({Node{"mm", k.gemm ? "Gemm" : "MatMul", "", inputs, {"y"}, attrs, ""}}, k.xs);
      m->graph.initializers = {{"w", float_tensor(k.ws, random_floats(static_cast<size_t>(numel(k.ws)), 81)), ""}};
      if (k.gemm) m->graph.initializers.push_back({"c", float_tensor({k.ws[0]}, random_floats(static_cast<size_t>(k.ws[0]), 82)), ""});
      return m;
    };
    const Tensor tx = float_tensor(k.xs, random_floats(static_cast<size_t>(numel(k.xs)), 83));
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2, 0}) {  // 0: one thread on the scalar reference
      prims::set_fast_paths_enabled(threads != 0);
      results.push_back(run_model(model(), tx, std::max(threads, 1)));
    }
    prims::set_fast_paths_enabled(true);
    REQUIRE(!results[0].empty());
    CHECK(results[0] == results[1]);
    float worst = 0.0f, largest = 1.0f;
    for (size_t i = 0; i < results[0].size(); ++i) {
      worst = std::max(worst, test::gap(results[0][i], results[2][i]));
      largest = std::max(largest, std::fabs(results[2][i]));
    }
    CHECK(worst <= 1e-5f * largest);
  }
}

TEST_CASE("threads: a 3-D convolution's column chunks on two threads give the one-thread bits") {
  // 2 x 32 x 6 x 20 x 20 -> 32 channels, 3x3x3, padding 1: im2col chunks of 1213 of each
  // image's 2400 columns (the second chunk shorter), four units shared between the threads.
  const Dims xs = {2, 32, 6, 20, 20};
  auto model = [&] {
    auto m = float_model({Node{"conv", "Conv", "", {"x", "w", "b"}, {"c"}, {ints_attr("pads", {1, 1, 1, 1, 1, 1})}, ""},
                          Node{"relu", "Relu", "", {"c"}, {"y"}, {}, ""}},
                         xs);
    m->graph.initializers = {{"w", float_tensor({32, 32, 3, 3, 3}, random_floats(32 * 32 * 27, 111, -0.2f, 0.2f)), ""},
                             {"b", float_tensor({32}, random_floats(32, 112)), ""}};
    return m;
  };
  const Tensor tx = float_tensor(xs, random_floats(static_cast<size_t>(numel(xs)), 113));
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2, 0}) {  // 0: one thread on the scalar reference
    prims::set_fast_paths_enabled(threads != 0);
    results.push_back(run_model(model(), tx, std::max(threads, 1)));
  }
  prims::set_fast_paths_enabled(true);
  REQUIRE(results[0].size() == static_cast<size_t>(2 * 32 * 6 * 20 * 20));
  CHECK(results[0] == results[1]);
  float worst = 0.0f, largest = 1.0f;
  for (size_t i = 0; i < results[0].size(); ++i) {
    worst = std::max(worst, test::gap(results[0][i], results[2][i]));
    largest = std::max(largest, std::fabs(results[2][i]));
  }
  CHECK(worst <= 1e-5f * largest);
}

TEST_CASE("threads: convolutions split by columns, by channels and by images give the one-thread results") {
  // Each large enough to be split (over ConvKernel's minimum of 2^21 multiply-adds):
  //   1x32x32x32 -> 64 channels: 1024 output columns, split by columns;
  //   1x64x7x7 -> 512 channels: 49 columns (two tiles), split by output channels;
  //   8x16x16x16 -> 32 channels: eight images, one per task;
  //   3x16x300x300 -> 4 channels: three images, each split by columns, each thread padding the
  //   rows its columns read into its own copy;
  //   depthwise 2x64x28x28 (over the depthwise minimum of 2^18): channel ranges; and
  //   2x100x14x14: channels in the lanes, ranges in blocks of 16 with a partial last one;
  //   1x64x28x28 and 4x64x28x28 -> 64 channels, Winograd: two blocks of 7 tile rows, four images,
  //   each thread a run of whole blocks; 1x64x14x14: one block (4 + 3 rows would be uneven), its
  //   phases shared; 1x32x66x66 -> 64 channels at stride 2: 33x33 outputs split by columns in
  //   tiles that end inside an output row, each thread padding the input rows they read.
  // A Relu follows (fused into the convolution). One thread must also match the scalar reference.
  struct Case {
    int64_t batch, c, hw, m, group = 1, stride = 1;
  };
  for (const Case& k : {Case{1, 32, 32, 64}, Case{1, 64, 7, 512}, Case{8, 16, 16, 32}, Case{3, 16, 300, 4},
                        Case{2, 64, 28, 64, 64}, Case{2, 100, 14, 100, 100}, Case{1, 64, 28, 64},
                        Case{4, 64, 28, 64}, Case{1, 64, 14, 64}, Case{1, 32, 66, 64, 1, 2}}) {
    CAPTURE(k.m);
    CAPTURE(k.stride);
    const Dims xs = {k.batch, k.c, k.hw, k.hw};
    const int64_t out_hw = (k.hw - 1) / k.stride + 1;
    auto model = [&] {
      auto m = float_model({Node{"conv", "Conv", "", {"x", "w", "b"}, {"c"},
                                 {ints_attr("pads", {1, 1, 1, 1}), int_attr("group", k.group),
                                  ints_attr("strides", {k.stride, k.stride})},
                                 ""},
                            Node{"relu", "Relu", "", {"c"}, {"y"}, {}, ""}},
                           xs);
      m->graph.initializers = {
          {"w", float_tensor({k.m, k.c / k.group, 3, 3}, random_floats(static_cast<size_t>(k.m * k.c / k.group * 9), 41)),
           ""},
          {"b", float_tensor({k.m}, random_floats(static_cast<size_t>(k.m), 42)), ""}};
      return m;
    };
    const Tensor tx = float_tensor(xs, random_floats(static_cast<size_t>(numel(xs)), 43));
    std::vector<std::vector<float>> results;
    // 0: one thread on the scalar reference; -1: one thread, fast paths with no SIMD table
    // (the fused activation then runs as the scalar epilogue).
    const simd::Isa best = simd::active_isa();
    for (int threads : {1, 2, 0, -1}) {
      prims::set_fast_paths_enabled(threads != 0);
      if (threads < 0) simd::set_max_isa(simd::Isa::kScalar);
      results.push_back(run_model(model(), tx, std::max(threads, 1)));
      REQUIRE(static_cast<int64_t>(results.back().size()) == k.batch * k.m * out_hw * out_hw);
    }
    prims::set_fast_paths_enabled(true);
    simd::set_max_isa(simd::Isa::kNeon64);  // no cap
    CHECK(simd::active_isa() == best);
    CHECK(results[0] == results[1]);
    for (size_t r : {size_t{0}, size_t{3}}) {
      float worst = 0.0f, largest = 1.0f;
      for (size_t i = 0; i < results[r].size(); ++i) {
        worst = std::max(worst, test::gap(results[r][i], results[2][i]));
        largest = std::max(largest, std::fabs(results[2][i]));
      }
      CHECK(worst <= 1e-5f * largest);  // sums of up to 576 products, in another order
    }
  }
}

TEST_CASE("threads: Winograd with a residual Add and Relu fused gives the reference results") {
  // 2x64x14x14 -> 64 channels, 3x3 padded: Winograd, with Z (a per-image residual) added as
  // the outputs are written; one and two threads against the scalar reference.
  const Dims xs = {2, 64, 14, 14};
  auto model = [&] {
    auto m = float_model({Node{"conv", "Conv", "", {"x", "w", "b"}, {"c"}, {ints_attr("pads", {1, 1, 1, 1})}, ""},
                          Node{"add", "Add", "", {"c", "s"}, {"a"}, {}, ""},
                          Node{"relu", "Relu", "", {"a"}, {"y"}, {}, ""}},
                         xs);
    m->graph.initializers = {{"w", float_tensor({64, 64, 3, 3}, random_floats(64 * 64 * 9, 51)), ""},
                             {"b", float_tensor({64}, random_floats(64, 52)), ""},
                             {"s", float_tensor(xs, random_floats(static_cast<size_t>(numel(xs)), 53)), ""}};
    return m;
  };
  const Tensor tx = float_tensor(xs, random_floats(static_cast<size_t>(numel(xs)), 54));
  std::vector<std::vector<float>> results;
  for (int threads : {0, 1, 2}) {  // 0: one thread on the scalar reference
    prims::set_fast_paths_enabled(threads != 0);
    results.push_back(run_model(model(), tx, std::max(threads, 1)));
    REQUIRE(static_cast<int64_t>(results.back().size()) == numel(xs));
  }
  prims::set_fast_paths_enabled(true);
  CHECK(results[1] == results[2]);
  float worst = 0.0f, largest = 1.0f;
  for (size_t i = 0; i < results[0].size(); ++i) {
    worst = std::max(worst, test::gap(results[1][i], results[0][i]));
    largest = std::max(largest, std::fabs(results[0][i]));
  }
  CHECK(worst <= 1e-5f * largest);
}

TEST_CASE("threads: a one-row Gemm split by columns gives the one-thread and double-precision results") {
  // 1 x 300 times 300 x 1001 (B as given and transposed), plus a bias row: 300,300 multiply-adds,
  // over the 2^18 that splits it; 1001 columns leave a range that is not whole 16-column blocks.
  constexpr int64_t k = 300, n = 1001;
  const std::vector<float> xv = random_floats(k, 91), bv = random_floats(k * n, 92), cv = random_floats(n, 93);
  const Tensor tx = float_tensor({1, k}, xv);
  for (int64_t trans_b : {0, 1}) {
    CAPTURE(trans_b);
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2}) {
      auto m = float_model({Node{"gemm", "Gemm", "", {"x", "b", "c"}, {"y"}, {int_attr("transB", trans_b)}, ""}});
      m->graph.initializers = {{"b", float_tensor(trans_b ? Dims{n, k} : Dims{k, n}, bv), ""},
                               {"c", float_tensor({n}, cv), ""}};
      results.push_back(run_model(m, tx, threads));
      REQUIRE(results.back().size() == size_t{n});
    }
    CHECK(results[0] == results[1]);
    double worst = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      double ref = cv[static_cast<size_t>(j)];
      for (int64_t p = 0; p < k; ++p) {
        ref += static_cast<double>(xv[static_cast<size_t>(p)]) *
               bv[static_cast<size_t>(trans_b ? j * k + p : p * n + j)];
      }
      worst = std::max(worst, test::gap(ref, static_cast<double>(results[1][static_cast<size_t>(j)])));
    }
    CHECK(worst <= 1e-4);
  }
}

TEST_CASE("threads: MaxPool split by planes gives the one-thread and reference results") {
  // 2x64x57x57, 3x3 stride 2: 2 * 64 * 28 * 28 * 9 window taps, over the 2^18 that splits it.
  const Dims xs = {2, 64, 57, 57};
  std::vector<float> xv = random_floats(static_cast<size_t>(numel(xs)), 81);
  for (size_t i = 0; i < xv.size(); i += 97) xv[i] = std::numeric_limits<float>::quiet_NaN();
  const Tensor tx = float_tensor(xs, xv);
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2, 0}) {  // 0: one thread on the scalar reference
    prims::set_fast_paths_enabled(threads != 0);
    auto m = float_model({Node{"pool", "MaxPool", "", {"x"}, {"y"},
                               {ints_attr("kernel_shape", {3, 3}), ints_attr("strides", {2, 2})}, ""}});
    results.push_back(run_model(m, tx, std::max(threads, 1)));
    REQUIRE(results.back().size() == size_t{2 * 64 * 28 * 28});
  }
  prims::set_fast_paths_enabled(true);
  for (int r : {1, 2}) {
    CHECK(std::memcmp(results[0].data(), results[static_cast<size_t>(r)].data(), results[0].size() * sizeof(float)) == 0);
  }
}

TEST_CASE("simd: float Add/Sub/Mul/Div through a session equal the reference bit for bit on every ISA") {
  struct Case {
    Dims a, b;
  };
  const Case cases[] = {{{2, 33}, {2, 33}}, {{2, 33}, {1}}, {{1}, {3, 17}}, {{2, 1, 5}, {1, 3, 1}}, {{4, 9}, {9}}};
  auto run = [](const char* op, const Case& c, const std::vector<float>& av, const std::vector<float>& bv) {
    auto m = std::make_shared<Model>();
    m->ir_version = 8;
    m->opsets = {{"", 14}};
    ValueInfo a, b, y;
    a.name = "a";
    b.name = "b";
    y.name = "y";
    for (ValueInfo* vi : {&a, &b, &y}) {
      vi->type.kind = TypeInfo::Kind::kTensor;
      vi->type.elem = DType::kFloat32;
    }
    m->graph.inputs = {a, b};
    m->graph.outputs = {y};
    m->graph.nodes = {Node{"n", op, "", {"a", "b"}, {"y"}, {}, ""}};
    auto s = Session::create(m, SessionOptions{});
    REQUIRE(s.ok());
    REQUIRE((*s)->set_input("a", float_tensor(c.a, av)).ok());
    REQUIRE((*s)->set_input("b", float_tensor(c.b, bv)).ok());
    REQUIRE((*s)->run().ok());
    const Tensor* t = (*s)->output("y");
    return std::vector<float>(t->data_as<float>(), t->data_as<float>() + t->numel());
  };
  const simd::Isa best = simd::active_isa();
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    for (const Case& c : cases) {
      const std::vector<float> av = random_floats(static_cast<size_t>(numel(c.a)), 61);
      std::vector<float> bv = random_floats(static_cast<size_t>(numel(c.b)), 62);
      for (float& x : bv) x = x == 0.0f ? 0.5f : x;
      prims::set_fast_paths_enabled(false);
      const std::vector<float> ref = run(op, c, av, bv);
      prims::set_fast_paths_enabled(true);
      for (simd::Isa isa : machine_isas()) {
        simd::set_max_isa(isa);
        CAPTURE(op);
        CAPTURE(simd::isa_name(isa));
        CHECK(run(op, c, av, bv) == ref);
      }
    }
  }
  simd::set_max_isa(simd::Isa::kNeon64);  // no cap
  CHECK(simd::active_isa() == best);
}
