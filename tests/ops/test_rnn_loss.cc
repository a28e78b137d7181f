// Unit tests of the rnn (RNN, GRU, LSTM), loss (NegativeLogLikelihoodLoss,
// SoftmaxCrossEntropyLoss) and training (Adagrad, Adam, Momentum) families.
//
// Expected values of the recurrent cases come from a small independent numpy implementation of
// the spec equations (checked against the ONNX conformance data); the loss and optimizer values
// are worked out by hand or from the spec's pseudo code.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "op_test.h"

using namespace onyx;
using namespace onyx::test;

namespace {

constexpr const char* kTraining = "ai.onnx.preview.training";

// op_test.h has no STRINGS helper.
Attribute attr_strings(const std::string& name, std::vector<std::string> v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kStrings;
  a.strings = std::move(v);
  return a;
}

std::vector<Tensor> run_ok(const OpTest& t) {
  Result<std::vector<Tensor>> r = t.run();
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return r.value();
}

Code run_code(const OpTest& t) {
  Result<std::vector<Tensor>> r = t.run();
  return r.ok() ? Code::kOk : r.status().code();
}

// Runs the node with graph inputs and with constant (folded) inputs; checks every output.
void expect_outs(OpTest t, const std::vector<Tensor>& want, double rtol = 1e-5, double atol = 1e-6) {
  t.num_outputs = static_cast<int>(want.size());
  for (bool constant : {false, true}) {
    t.constant_inputs = constant;
    std::vector<Tensor> got = run_ok(t);
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      const std::string diff = compare(got[i], want[i], rtol, atol);
      CHECK_MESSAGE(diff == "", t.op_type, " output ", i, (constant ? " (constant)" : ""), ": ", diff);
    }
  }
}

template <class T>
Tensor typed(Dims dims, const std::vector<double>& v) {
  std::vector<T> out;
  for (double x : v) {
    if constexpr (std::is_same_v<T, double>) {
      out.push_back(x);
    } else {
      out.push_back(static_cast<T>(static_cast<float>(x)));
    }
  }
  return tensor<T>(std::move(dims), out);
}

Tensor dtensor(Dims dims, std::vector<double> v) { return tensor<double>(std::move(dims), std::move(v)); }
Tensor itensor(Dims dims, std::vector<int64_t> v) { return tensor<int64_t>(std::move(dims), std::move(v)); }
Tensor i32tensor(Dims dims, std::vector<int32_t> v) { return tensor<int32_t>(std::move(dims), std::move(v)); }

// ---------------------------------------------------------------------------------------------
// Recurrent test data

struct Arr {
  Dims dims;
  std::vector<double> v;
  bool defined() const { return !dims.empty(); }
};

struct RnnData {
  Arr X, W, R, B, h0, c0, P;
  std::vector<int32_t> lens;
  Arr Y, Yh, Yc;
};

template <class T>
Tensor make(const Arr& a) {
  return a.defined() ? typed<T>(a.dims, a.v) : Tensor();
}

// Inputs in ONNX order; trailing omitted ones dropped.
template <class T>
std::vector<Tensor> rnn_inputs(const RnnData& d, bool lstm) {
  std::vector<Tensor> in = {make<T>(d.X), make<T>(d.W), make<T>(d.R), make<T>(d.B),
                            d.lens.empty() ? Tensor() : i32tensor({static_cast<int64_t>(d.lens.size())}, d.lens),
                            make<T>(d.h0)};
  if (lstm) {
    in.push_back(make<T>(d.c0));
    in.push_back(make<T>(d.P));
  }
  while (!in.empty() && !in.back().defined()) in.pop_back();
  return in;
}

template <class T>
void check_rnn(const char* op, const RnnData& d, std::vector<Attribute> attrs, int64_t opset = 17,
               double rtol = 1e-5, double atol = 1e-6) {
  const bool lstm = std::string(op) == "LSTM";
  OpTest t{op, rnn_inputs<T>(d, lstm), std::move(attrs)};
  t.opset = opset;
  std::vector<Tensor> want = {make<T>(d.Y), make<T>(d.Yh)};
  if (lstm) want.push_back(make<T>(d.Yc));
  expect_outs(t, want, rtol, atol);
}

// rnn_fwd (expected values from an independent numpy reference of the spec equations)
const RnnData k_rnn_fwd = {
    /*X*/ {{3, 2, 2}, {-0.85, 0.55, -0.1, 0.45, 0.95, 0.1, 0, -0.85, -0.45, -0, 0.35, 0.6}},
    /*W*/ {{1, 3, 2}, {-0.1, -0.45, -0.2, 0.4, -0.3, -0.05}},
    /*R*/ {{1, 3, 3}, {0.45, -0.5, 0.1, 0.45, -0.25, 0.05, 0.4, -0.35, 0}},
    /*B*/ {{1, 6}, {0.25, 0.15, -0.05, -0.3, -0, -0.15}},
    /*h0*/ {{1, 2, 3}, {-0, -0.15, 0.35, 0.25, -0.2, 0.05}},
    /*c0*/ {},
    /*P*/ {},
    /*lens*/ {},
    /*Y*/ {{3, 1, 2, 3}, {-0.102142539, 0.533482128, 0.0798297691, -0.024994793, 0.473831792, -0.0224962039, -0.457956357, -0.173568025, -0.615405427, 0.0819029488, -0.310257594, -0.321517858, -0.183726722, 0.0465077987, -0.185269209, -0.192725875, 0.395535127, -0.191263833}},
    /*Y_h*/ {{1, 2, 3}, {-0.183726722, 0.0465077987, -0.185269209, -0.192725875, 0.395535127, -0.191263833}},
    /*Y_c*/ {{1, 2, 3}, {0, 0, 0, 0, 0, 0}},
};
// rnn_rev (expected values from an independent numpy reference of the spec equations)
const RnnData k_rnn_rev = {
    /*X*/ {{3, 2, 2}, {-0.85, 0.55, -0.1, 0.45, 0.95, 0.1, 0, -0.85, -0.45, -0, 0.35, 0.6}},
    /*W*/ {{1, 3, 2}, {-0.1, -0.45, -0.2, 0.4, -0.3, -0.05}},
    /*R*/ {{1, 3, 3}, {0.45, -0.5, 0.1, 0.45, -0.25, 0.05, 0.4, -0.35, 0}},
    /*B*/ {{1, 6}, {0.25, 0.15, -0.05, -0.3, -0, -0.15}},
    /*h0*/ {},
    /*c0*/ {},
    /*P*/ {},
    /*lens*/ {3, 1},
    /*Y*/ {{3, 1, 2, 3}, {-0.354050845, 0.373334692, -0.0724062824, -0.23785571, 0.336375544, -0.190156948, -0.306328559, -0.0642805934, -0.518600504, 0, 0, 0, -0.00499995833, 0.23549575, -0.0649086128, 0, 0, 0}},
    /*Y_h*/ {{1, 2, 3}, {-0.354050845, 0.373334692, -0.0724062824, -0.23785571, 0.336375544, -0.190156948}},
    /*Y_c*/ {{1, 2, 3}, {0, 0, 0, 0, 0, 0}},
};
// rnn_bi (expected values from an independent numpy reference of the spec equations)
const RnnData k_rnn_bi = {
    /*X*/ {{2, 3, 2}, {-0.85, 0.55, 0.95, 0.1, -0.45, -0, -0.1, 0.45, 0, -0.85, 0.35, 0.6}},
    /*W*/ {{2, 3, 2}, {-0.2, -0.05, -0.15, 0.15, -0.15, -0.05, 0.2, -0.1, 0.4, -0.3, 0.25, -0.1}},
    /*R*/ {{2, 3, 3}, {-0.05, 0.15, 0, -0.1, -0.5, -0.4, 0.2, 0, 0.2, 0.45, 0.2, -0.45, -0.2, 0.1, -0.25, 0.45, 0.45, 0.35}},
    /*B*/ {{2, 6}, {-0.05, 0.35, -0.35, -0.2, -0.05, 0.25, -0, -0.35, -0.15, -0.2, -0.2, -0.35}},
    /*h0*/ {{2, 2, 3}, {-0.1, -0.05, 0.25, 0.3, 0.45, -0.45, 0.3, 0, -0.05, 0.4, -0.2, -0}},
    /*c0*/ {},
    /*P*/ {},
    /*lens*/ {},
    /*Y*/ {{2, 3, 2, 3}, {-0.011, 0.445, 0.03, -0.165360334, -0.604367777, -0.604367777, -0.03777, -0.00609, -0.02437, 0.112390701, -0.179487425, -0.540953128, -0.0159025, 0.38407, -0.0044928, 0.136639967, -0.559771258, -0.407408476, -0.02675, 0.3725, -0.00575, -0.0841701073, -0.522820546, -0.604367777, -0.01502875, -0.0008775, -0.0064, -0.0926170054, -0.248287873, -0.604367777, -0.0349380188, 0.342001625, -0.018678575, -0.049958375, -0.597982, -0.364876604}},
    /*Y_h*/ {{2, 2, 3}, {-0.0159025, 0.38407, -0.0044928, -0.165360334, -0.604367777, -0.604367777, -0.0349380188, 0.342001625, -0.018678575, -0.0841701073, -0.522820546, -0.604367777}},
    /*Y_c*/ {{2, 2, 3}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
};
// gru_fwd (expected values from an independent numpy reference of the spec equations)
const RnnData k_gru_fwd = {
    /*X*/ {{2, 2, 2}, {0.3, -0.85, -0.3, 0.65, -0.15, 0.2, 0.45, 0.65}},
    /*W*/ {{1, 6, 2}, {0.25, -0.5, -0.1, -0.05, -0.45, 0.05, 0.1, 0.35, 0.45, -0.35, -0.25, 0.15}},
    /*R*/ {{1, 6, 2}, {-0.35, -0.3, 0.05, -0.35, 0.3, 0.35, -0.45, 0.05, 0.3, 0.5, -0.25, -0.35}},
    /*B*/ {{1, 12}, {0.4, 0.4, -0.3, -0.05, 0.2, 0.35, -0.35, 0.15, 0.3, 0.05, -0.35, -0.45}},
    /*h0*/ {{1, 2, 2}, {-0.2, 0.3, -0.45, -0.5}},
    /*c0*/ {},
    /*P*/ {},
    /*lens*/ {},
    /*Y*/ {{2, 1, 2, 2}, {-0.0100797921, 0.0597171542, -0.536290034, -0.259578201, -0.145106491, 0.0221394431, -0.428540732, -0.165759972}},
    /*Y_h*/ {{1, 2, 2}, {-0.145106491, 0.0221394431, -0.428540732, -0.165759972}},
    /*Y_c*/ {{1, 2, 2}, {0, 0, 0, 0}},
};
// gru_lbr (expected values from an independent numpy reference of the spec equations)
const RnnData k_gru_lbr = {
    /*X*/ {{2, 2, 2}, {0.3, -0.85, -0.3, 0.65, -0.15, 0.2, 0.45, 0.65}},
    /*W*/ {{1, 6, 2}, {0.25, -0.5, -0.1, -0.05, -0.45, 0.05, 0.1, 0.35, 0.45, -0.35, -0.25, 0.15}},
    /*R*/ {{1, 6, 2}, {-0.35, -0.3, 0.05, -0.35, 0.3, 0.35, -0.45, 0.05, 0.3, 0.5, -0.25, -0.35}},
    /*B*/ {{1, 12}, {0.4, 0.4, -0.3, -0.05, 0.2, 0.35, -0.35, 0.15, 0.3, 0.05, -0.35, -0.45}},
    /*h0*/ {{1, 2, 2}, {-0.2, 0.3, -0.45, -0.5}},
    /*c0*/ {},
    /*P*/ {},
    /*lens*/ {},
    /*Y*/ {{2, 1, 2, 2}, {0.0485433812, 0.150128996, -0.457734567, -0.200660996, -0.018875366, 0.151473275, -0.266526998, -0.062392158}},
    /*Y_h*/ {{1, 2, 2}, {-0.018875366, 0.151473275, -0.266526998, -0.062392158}},
    /*Y_c*/ {{1, 2, 2}, {0, 0, 0, 0}},
};
// gru_bi (expected values from an independent numpy reference of the spec equations)
const RnnData k_gru_bi = {
    /*X*/ {{2, 2, 2}, {0.3, -0.85, -0.3, 0.65, -0.15, 0.2, 0.45, 0.65}},
    /*W*/ {{2, 6, 2}, {-0.15, -0.45, -0.35, -0.5, 0, 0.2, -0.05, -0.35, -0.15, 0.1, 0.45, 0.5, -0.25, -0.5, 0.35, 0.45, -0.05, 0.25, 0.35, 0.1, 0.35, -0.5, -0.25, -0.2}},
    /*R*/ {{2, 6, 2}, {-0.4, 0.4, -0.45, 0.15, -0.45, -0.15, -0.1, -0.3, 0, 0.05, -0.2, 0.25, -0.35, -0.3, -0.15, -0.1, -0.3, 0.4, 0.35, -0.4, -0.15, -0.25, -0.05, -0.2}},
    /*B*/ {{2, 12}, {0, 0.4, -0.1, 0.15, 0.1, 0.25, -0.45, 0.25, 0.45, 0.1, -0.2, 0.15, 0.2, 0.15, -0.35, 0.45, 0.45, -0.1, 0.1, -0.45, 0.5, 0.3, 0.15, 0.25}},
    /*h0*/ {},
    /*c0*/ {},
    /*P*/ {},
    /*lens*/ {2, 0},
    /*Y*/ {{2, 2, 2, 2}, {-0.0729235807, 0.0149688861, 0, 0, 0.380688967, 0.11406033, 0, 0, -0.0140936292, 0.133605761, 0, 0, 0.160015676, 0.036978984, 0, 0}},
    /*Y_h*/ {{2, 2, 2}, {-0.0140936292, 0.133605761, 0, 0, 0.380688967, 0.11406033, 0, 0}},
    /*Y_c*/ {{2, 2, 2}, {0, 0, 0, 0, 0, 0, 0, 0}},
};
// lstm_peep (expected values from an independent numpy reference of the spec equations)
const RnnData k_lstm_peep = {
    /*X*/ {{2, 1, 2}, {-0.6, -0.4, -0.5, 0.2}},
    /*W*/ {{1, 8, 2}, {-0.4, 0.4, -0.05, -0.05, -0.4, 0.2, 0.3, 0.15, -0.25, 0.3, -0.35, 0.35, 0.1, -0.2, 0, 0.15}},
    /*R*/ {{1, 8, 2}, {-0.25, 0.35, -0.1, 0.4, 0.35, -0.4, 0.15, -0.2, 0.25, 0.05, -0.05, 0.4, -0.45, 0.05, -0.15, -0.45}},
    /*B*/ {{1, 16}, {0.25, 0.05, 0.4, 0.1, -0.15, 0.5, -0.4, -0.45, 0.25, -0.15, -0.15, 0.4, -0.15, 0.4, 0.15, -0.15}},
    /*h0*/ {{1, 1, 2}, {-0.45, -0.25}},
    /*c0*/ {{1, 1, 2}, {0.45, -0.1}},
    /*P*/ {{1, 6}, {-0.35, -0.2, 0.4, -0.35, 0.3, -0.35}},
    /*lens*/ {},
    /*Y*/ {{2, 1, 1, 2}, {0.102554175, -0.162449807, -0.100679361, -0.266297942}},
    /*Y_h*/ {{1, 1, 2}, {-0.100679361, -0.266297942}},
    /*Y_c*/ {{1, 1, 2}, {-0.161553183, -0.44167455}},
};
// lstm_if (expected values from an independent numpy reference of the spec equations)
const RnnData k_lstm_if = {
    /*X*/ {{2, 1, 2}, {-0.6, -0.4, -0.5, 0.2}},
    /*W*/ {{1, 8, 2}, {-0.4, 0.4, -0.05, -0.05, -0.4, 0.2, 0.3, 0.15, -0.25, 0.3, -0.35, 0.35, 0.1, -0.2, 0, 0.15}},
    /*R*/ {{1, 8, 2}, {-0.25, 0.35, -0.1, 0.4, 0.35, -0.4, 0.15, -0.2, 0.25, 0.05, -0.05, 0.4, -0.45, 0.05, -0.15, -0.45}},
    /*B*/ {{1, 16}, {0.25, 0.05, 0.4, 0.1, -0.15, 0.5, -0.4, -0.45, 0.25, -0.15, -0.15, 0.4, -0.15, 0.4, 0.15, -0.15}},
    /*h0*/ {},
    /*c0*/ {},
    /*P*/ {},
    /*lens*/ {},
    /*Y*/ {{2, 1, 1, 2}, {-0.102121791, -0.118374802, -0.0952411885, -0.0796018254}},
    /*Y_h*/ {{1, 1, 2}, {-0.102121791, -0.118374802}},
    /*Y_c*/ {{1, 1, 2}, {-0.179684621, -0.212647128}},
};
// lstm_bi (expected values from an independent numpy reference of the spec equations)
const RnnData k_lstm_bi = {
    /*X*/ {{2, 1, 2}, {-0.6, -0.4, -0.5, 0.2}},
    /*W*/ {{2, 8, 2}, {0.45, 0.05, -0.45, 0.45, -0.15, 0.25, 0, -0.4, -0.4, -0.35, -0.35, -0.45, -0.45, 0.45, -0.4, 0, -0.4, -0.3, 0.25, 0.45, -0.05, -0.5, 0.5, -0.45, -0.1, 0.05, 0.4, 0.3, 0.1, -0.1, 0.35, 0.35}},
    /*R*/ {{2, 8, 2}, {0.35, 0.2, -0.4, -0.2, -0, 0, 0.35, -0.25, 0.15, -0.15, 0.3, -0.3, -0, -0.4, -0.3, 0.45, -0.2, 0.4, 0, -0.45, 0.3, -0.45, 0.35, -0.5, 0.15, -0.35, -0.15, 0.45, -0, 0.15, 0.25, -0.4}},
    /*B*/ {},
    /*h0*/ {},
    /*c0*/ {},
    /*P*/ {},
    /*lens*/ {},
    /*Y*/ {{2, 2, 1, 2}, {0.0113906794, 0.0431574181, 0.0296055576, -0.0605661984, 0.0459957829, 0.0503172, 0.0202779743, 0.00900432608}},
    /*Y_h*/ {{2, 1, 2}, {0.0459957829, 0.0503172, 0.0296055576, -0.0605661984}},
    /*Y_c*/ {{2, 1, 2}, {0.11748477, 0.155471779, -0.0234597842, -0.114338705}},
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// RNN

TEST_CASE("RNN: forward with bias and initial_h, every opset and dtype") {
  const std::vector<Attribute> a = {attr_int("hidden_size", 3)};
  for (int64_t opset : {1, 7, 14, 17}) check_rnn<float>("RNN", k_rnn_fwd, a, opset);
  check_rnn<double>("RNN", k_rnn_fwd, a, 17, 1e-7, 1e-8);
  check_rnn<Float16>("RNN", k_rnn_fwd, a, 17, 1e-2, 3e-3);
  // hidden_size is optional: R fixes it.
  check_rnn<float>("RNN", k_rnn_fwd, {});
}

TEST_CASE("RNN: reverse with sequence_lens pads Y with zeros") {
  check_rnn<float>("RNN", k_rnn_rev, {attr_int("hidden_size", 3), attr_string("direction", "reverse")});
}

TEST_CASE("RNN: bidirectional, layout 1, LeakyRelu alpha, clip") {
  check_rnn<float>("RNN", k_rnn_bi,
                   {attr_int("hidden_size", 3), attr_string("direction", "bidirectional"), attr_int("layout", 1),
                    attr_strings("activations", {"LeakyRelu", "Tanh"}), attr_floats("activation_alpha", {0.1f}),
                    attr_float("clip", 0.7f)},
                   14);
}

TEST_CASE("RNN: Y alone") {
  OpTest t{"RNN", rnn_inputs<float>(k_rnn_fwd, false), {attr_int("hidden_size", 3)}};
  expect_outs(t, {make<float>(k_rnn_fwd.Y)});
}

TEST_CASE("RNN: simple hand-checked values") {
  // H = tanh(x*w + h*r): x = [1, 2], w = 0.5, r = 1, h0 = 0.
  OpTest t{"RNN", {ftensor({2, 1, 1}, {1, 2}), ftensor({1, 1, 1}, {0.5f}), ftensor({1, 1, 1}, {1})},
           {attr_int("hidden_size", 1)}};
  const float h1 = std::tanh(0.5f);
  const float h2 = std::tanh(1.0f + h1);
  expect_outs(t, {ftensor({2, 1, 1, 1}, {h1, h2}), ftensor({1, 1, 1}, {h2})});
  // Every activation, one step from h0 = 0 with x*w = v.
  struct ActCase {
    const char* name;
    std::vector<float> alpha, beta;
    float x, want;
  };
  const std::vector<ActCase> cases = {
      {"Relu", {}, {}, -0.5f, 0.0f},
      {"Relu", {}, {}, 0.5f, 0.5f},
      {"Sigmoid", {}, {}, 0.0f, 0.5f},
      {"Affine", {2.0f}, {0.5f}, 1.5f, 3.5f},
      {"Affine", {}, {}, 1.5f, 1.5f},  // defaults alpha 1, beta 0
      {"LeakyRelu", {}, {}, -2.0f, -0.02f},
      {"LeakyRelu", {0.5f}, {}, -2.0f, -1.0f},
      {"ThresholdedRelu", {}, {}, 0.5f, 0.0f},
      {"ThresholdedRelu", {}, {}, 1.5f, 1.5f},
      {"ThresholdedRelu", {0.2f}, {}, 0.5f, 0.5f},
      {"ScaledTanh", {2.0f}, {0.5f}, 1.0f, 2.0f * std::tanh(0.5f)},
      {"HardSigmoid", {}, {}, 1.0f, 0.7f},
      {"HardSigmoid", {0.5f}, {0.25f}, 1.0f, 0.75f},
      {"HardSigmoid", {}, {}, 5.0f, 1.0f},
      {"Elu", {}, {}, -1.0f, std::exp(-1.0f) - 1.0f},
      {"Elu", {2.0f}, {}, -1.0f, 2.0f * (std::exp(-1.0f) - 1.0f)},
      {"Softsign", {}, {}, -3.0f, -0.75f},
      {"Softplus", {}, {}, 0.0f, std::log(2.0f)},
      {"softplus", {}, {}, 2.0f, std::log(1.0f + std::exp(2.0f))},  // names are case-insensitive
  };
  for (const ActCase& c : cases) {
    std::vector<Attribute> attrs = {attr_strings("activations", {c.name})};
    if (!c.alpha.empty()) attrs.push_back(attr_floats("activation_alpha", c.alpha));
    if (!c.beta.empty()) attrs.push_back(attr_floats("activation_beta", c.beta));
    OpTest u{"RNN", {ftensor({1, 1, 1}, {c.x}), ftensor({1, 1, 1}, {1}), ftensor({1, 1, 1}, {1})}, attrs};
    u.num_outputs = 2;
    std::vector<Tensor> got = run_ok(u);
    CHECK_MESSAGE(compare(got[1], ftensor({1, 1, 1}, {c.want})) == "", c.name, " x=", c.x);
  }
}

TEST_CASE("RNN: clip bounds the activation input") {
  // x*w = 3, clip 1 -> Relu(1) = 1.
  OpTest t{"RNN", {ftensor({1, 1, 1}, {3}), ftensor({1, 1, 1}, {1}), ftensor({1, 1, 1}, {1})},
           {attr_strings("activations", {"Relu"}), attr_float("clip", 1.0f)}};
  expect_outs(t, {ftensor({1, 1, 1, 1}, {1}), ftensor({1, 1, 1}, {1})});
}

TEST_CASE("RNN: zero-size dimensions") {
  // seq_length 0: Y is empty, Y_h is zero (no step ran).
  OpTest t{"RNN", {ftensor({0, 2, 1}, {}), ftensor({1, 3, 1}, {1, 1, 1}), ftensor({1, 3, 3}, {}),
                   Tensor(), Tensor(), ftensor({1, 2, 3}, {1, 1, 1, 1, 1, 1})}};
  expect_outs(t, {ftensor({0, 1, 2, 3}, {}), ftensor({1, 2, 3}, {0, 0, 0, 0, 0, 0})});
  // batch 0.
  OpTest b{"RNN", {ftensor({2, 0, 1}, {}), ftensor({1, 3, 1}, {1, 1, 1}), ftensor({1, 3, 3}, {})}};
  expect_outs(b, {ftensor({2, 1, 0, 3}, {}), ftensor({1, 0, 3}, {})});
  // input_size 0: only the recurrence and bias act.
  OpTest i{"RNN", {ftensor({1, 1, 0}, {}), ftensor({1, 1, 0}, {}), ftensor({1, 1, 1}, {1}), ftensor({1, 2}, {0.25f, 0.25f})}};
  expect_outs(i, {ftensor({1, 1, 1, 1}, {std::tanh(0.5f)}), ftensor({1, 1, 1}, {std::tanh(0.5f)})});
}

TEST_CASE("RNN: errors") {
  auto base = [] {
    return OpTest{"RNN", {ftensor({1, 1, 1}, {1}), ftensor({1, 1, 1}, {1}), ftensor({1, 1, 1}, {1})}};
  };
  OpTest t = base();
  t.attrs = {attr_string("direction", "sideways")};
  CHECK(run_code(t) == Code::kInvalidModel);
  t = base();
  t.attrs = {attr_int("hidden_size", 2)};  // W has 1 row
  CHECK(run_code(t) == Code::kInvalidModel);
  t = base();
  t.attrs = {attr_strings("activations", {"Gelu"})};
  CHECK(run_code(t) == Code::kUnsupported);
  t = base();
  t.attrs = {attr_strings("activations", {"Tanh", "Tanh", "Tanh"})};
  CHECK(run_code(t) == Code::kInvalidModel);
  t = base();
  t.attrs = {attr_int("layout", 2)};
  CHECK(run_code(t) == Code::kInvalidModel);
  t = base();
  t.attrs = {attr_float("clip", -1.0f)};
  CHECK(run_code(t) == Code::kInvalidModel);
  t = base();
  t.attrs = {attr_string("direction", "bidirectional")};  // W has one direction
  CHECK(run_code(t) == Code::kInvalidModel);
  t = base();
  t.inputs[1] = dtensor({1, 1, 1}, {1});  // dtype mismatch
  CHECK(run_code(t) == Code::kInvalidModel);
  t = base();
  t.inputs[0] = ftensor({1, 1}, {1});  // X rank 2
  CHECK(run_code(t) == Code::kInvalidModel);
  t = base();
  t.inputs = {tensor<int32_t>({1, 1, 1}, {1}), tensor<int32_t>({1, 1, 1}, {1}), tensor<int32_t>({1, 1, 1}, {1})};
  CHECK(run_code(t) == Code::kUnsupported);
  t = base();
  t.inputs.push_back(Tensor());
  t.inputs.push_back(i32tensor({1}, {2}));  // sequence_lens > seq_length
  CHECK(run_code(t) == Code::kOutOfRange);
  t.inputs[4] = itensor({1}, {1});  // int64 sequence_lens
  CHECK(run_code(t) == Code::kInvalidModel);
  t = base();
  t.inputs.push_back(ftensor({1, 3}, {0, 0, 0}));  // B of the wrong size
  CHECK(run_code(t) == Code::kInvalidModel);
}

// ---------------------------------------------------------------------------------------------
// GRU

TEST_CASE("GRU: forward, linear_before_reset 0 and 1, versions and dtypes") {
  const std::vector<Attribute> a = {attr_int("hidden_size", 2)};
  for (int64_t opset : {1, 3, 7, 14}) check_rnn<float>("GRU", k_gru_fwd, a, opset);
  check_rnn<double>("GRU", k_gru_fwd, a, 17, 1e-7, 1e-8);
  check_rnn<Float16>("GRU", k_gru_fwd, a, 17, 1e-2, 3e-3);
  for (int64_t opset : {3, 7, 14}) {
    check_rnn<float>("GRU", k_gru_lbr, {attr_int("hidden_size", 2), attr_int("linear_before_reset", 1)}, opset);
  }
}

TEST_CASE("GRU: bidirectional with a zero-length sequence") {
  check_rnn<float>("GRU", k_gru_bi,
                   {attr_int("hidden_size", 2), attr_string("direction", "bidirectional"),
                    attr_int("linear_before_reset", 1)});
}

TEST_CASE("GRU: hand-checked single step") {
  // W, R, B zero: z = r = 0.5, h~ = tanh(0) = 0, H = 0.5 * h0.
  OpTest t{"GRU", {ftensor({1, 1, 1}, {3}), ftensor({1, 3, 1}, {0, 0, 0}), ftensor({1, 3, 1}, {0, 0, 0}), Tensor(),
                   Tensor(), ftensor({1, 1, 1}, {0.8f})}};
  expect_outs(t, {ftensor({1, 1, 1, 1}, {0.4f}), ftensor({1, 1, 1}, {0.4f})});
}

// ---------------------------------------------------------------------------------------------
// LSTM

TEST_CASE("LSTM: peepholes, initial_h and initial_c, versions and dtypes") {
  const std::vector<Attribute> a = {attr_int("hidden_size", 2)};
  for (int64_t opset : {1, 7, 14}) check_rnn<float>("LSTM", k_lstm_peep, a, opset);
  check_rnn<double>("LSTM", k_lstm_peep, a, 17, 1e-7, 1e-8);
  check_rnn<Float16>("LSTM", k_lstm_peep, a, 17, 1e-2, 3e-3);
}

TEST_CASE("LSTM: input_forget, clip, reverse") {
  check_rnn<float>("LSTM", k_lstm_if,
                   {attr_int("hidden_size", 2), attr_int("input_forget", 1), attr_float("clip", 0.3f),
                    attr_string("direction", "reverse")});
}

TEST_CASE("LSTM: bidirectional with six activations and their alpha/beta") {
  check_rnn<float>("LSTM", k_lstm_bi,
                   {attr_int("hidden_size", 2), attr_string("direction", "bidirectional"),
                    attr_strings("activations", {"HardSigmoid", "ScaledTanh", "Softsign", "Sigmoid", "Elu", "Affine"}),
                    attr_floats("activation_alpha", {0.3f, 1.5f, 0.8f, 2.0f}),
                    attr_floats("activation_beta", {0.4f, 0.7f, 0.1f})});
}

TEST_CASE("LSTM: layout 1 equals layout 0 transposed") {
  // Batch of 2 with the same sequence twice: batch-major X [2, 2, 2].
  const RnnData& d = k_lstm_peep;
  std::vector<double> xb;
  for (int b = 0; b < 2; ++b) xb.insert(xb.end(), d.X.v.begin(), d.X.v.end());  // X is [S=2, 1, 2]
  std::vector<double> h0 = d.h0.v, c0 = d.c0.v;
  h0.insert(h0.end(), d.h0.v.begin(), d.h0.v.end());
  c0.insert(c0.end(), d.c0.v.begin(), d.c0.v.end());
  OpTest t{"LSTM",
           {typed<float>({2, 2, 2}, xb), make<float>(d.W), make<float>(d.R), make<float>(d.B), Tensor(),
            typed<float>({2, 1, 2}, h0), typed<float>({2, 1, 2}, c0), make<float>(d.P)},
           {attr_int("hidden_size", 2), attr_int("layout", 1)}};
  t.opset = 14;
  // Y [batch, seq, dirs, hidden]: each batch entry repeats layout-0 Y [seq, 1, 1, hidden].
  std::vector<double> y = d.Y.v, yh = d.Yh.v, yc = d.Yc.v;
  y.insert(y.end(), d.Y.v.begin(), d.Y.v.end());
  yh.insert(yh.end(), d.Yh.v.begin(), d.Yh.v.end());
  yc.insert(yc.end(), d.Yc.v.begin(), d.Yc.v.end());
  expect_outs(t, {typed<float>({2, 2, 1, 2}, y), typed<float>({2, 1, 2}, yh), typed<float>({2, 1, 2}, yc)});
}

TEST_CASE("LSTM: errors") {
  const RnnData& d = k_lstm_peep;
  OpTest t{"LSTM", rnn_inputs<float>(d, true), {attr_int("hidden_size", 2)}};
  t.inputs[7] = ftensor({1, 4}, {0, 0, 0, 0});  // P must be [1, 6]
  CHECK(run_code(t) == Code::kInvalidModel);
  t = OpTest{"LSTM", rnn_inputs<float>(d, true), {attr_int("hidden_size", 2)}};
  t.inputs[6] = ftensor({1, 2, 2}, {0, 0, 0, 0});  // initial_c batch 2 != 1
  CHECK(run_code(t) == Code::kInvalidModel);
  t = OpTest{"LSTM", rnn_inputs<float>(d, true), {attr_int("hidden_size", 2)}};
  t.inputs.push_back(ftensor({1}, {0}));  // 9 inputs
  CHECK(run_code(t) == Code::kInvalidModel);
  t = OpTest{"GRU", rnn_inputs<float>(d, true), {attr_int("hidden_size", 2)}};  // GRU takes 6 inputs
  CHECK(run_code(t) == Code::kInvalidModel);
}

// ---------------------------------------------------------------------------------------------
// NegativeLogLikelihoodLoss

namespace {

// The spec's example: input [N=2, C=3, d1=2], target [[2, 1], [0, 2]], weight [0.2, 0.3, 0.1].
Tensor nll_input() { return ftensor({2, 3, 2}, {1, 2, 2, 2, 3, 2, 0, 1, 2, 2, 1, 2}); }
Tensor nll_target() { return itensor({2, 2}, {2, 1, 0, 2}); }
Tensor nll_weight() { return ftensor({3}, {0.2f, 0.3f, 0.1f}); }

}  // namespace

TEST_CASE("NegativeLogLikelihoodLoss: spec examples, every reduction, both opsets") {
  for (int64_t opset : {12, 13}) {
    OpTest t{"NegativeLogLikelihoodLoss", {nll_input(), nll_target()}, {attr_string("reduction", "none")}};
    t.opset = opset;
    expect_outs(t, {ftensor({2, 2}, {-3, -2, -0, -2})});
    t.attrs = {attr_string("reduction", "sum")};
    expect_outs(t, {ftensor({}, {-7})});
    t.attrs = {};  // mean
    expect_outs(t, {ftensor({}, {-1.75f})});
    t.inputs.push_back(nll_weight());
    t.attrs = {attr_string("reduction", "sum")};
    expect_outs(t, {ftensor({}, {-1.1f})});
    t.attrs = {attr_string("reduction", "mean")};
    expect_outs(t, {ftensor({}, {-1.1f / 0.7f})});
    t.attrs = {attr_string("reduction", "none")};
    expect_outs(t, {ftensor({2, 2}, {-0.3f, -0.6f, -0.0f, -0.2f})});
  }
}

TEST_CASE("NegativeLogLikelihoodLoss: ignore_index") {
  // Class 2 ignored: the remaining losses are -2 (n0, d1) and -0 (n1, d0).
  OpTest t{"NegativeLogLikelihoodLoss", {nll_input(), nll_target()}, {attr_int("ignore_index", 2)}};
  expect_outs(t, {ftensor({}, {-1})});
  t.inputs.push_back(nll_weight());
  expect_outs(t, {ftensor({}, {-0.6f / 0.5f})});
  t.attrs.push_back(attr_string("reduction", "none"));
  expect_outs(t, {ftensor({2, 2}, {0, -0.6f, 0, 0})});
  // A negative ignore_index may appear in target; other out-of-range values are errors.
  OpTest n{"NegativeLogLikelihoodLoss", {ftensor({2, 2}, {1, 2, 3, 4}), tensor<int32_t>({2}, {-1, 1})},
           {attr_int("ignore_index", -1), attr_string("reduction", "sum")}};
  expect_outs(n, {ftensor({}, {-4})});
  n.attrs = {attr_string("reduction", "sum")};
  CHECK(run_code(n) == Code::kOutOfRange);
  n.inputs[1] = tensor<int32_t>({2}, {0, 2});
  CHECK(run_code(n) == Code::kOutOfRange);
  // Everything ignored: the mean is 0/0.
  OpTest all{"NegativeLogLikelihoodLoss", {ftensor({1, 2}, {1, 2}), itensor({1}, {5})}, {attr_int("ignore_index", 5)}};
  std::vector<Tensor> got = run_ok(all);
  CHECK(std::isnan(got[0].data_as<float>()[0]));
}

TEST_CASE("NegativeLogLikelihoodLoss: (N, C), N-D, dtypes, empty") {
  OpTest t{"NegativeLogLikelihoodLoss", {ftensor({2, 3}, {1, 2, 3, 4, 5, 6}), itensor({2}, {0, 2})},
           {attr_string("reduction", "none")}};
  expect_outs(t, {ftensor({2}, {-1, -6})});
  t.inputs = {dtensor({2, 3}, {1, 2, 3, 4, 5, 6}), i32tensor({2}, {0, 2})};
  expect_outs(t, {dtensor({2}, {-1, -6})});
  t.inputs = {typed<Float16>({2, 3}, {1, 2, 3, 4, 5, 6}), i32tensor({2}, {0, 2})};
  expect_outs(t, {typed<Float16>({2}, {-1, -6})});
  // [N=1, C=2, 2, 2] with sum.
  OpTest d{"NegativeLogLikelihoodLoss", {ftensor({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}), itensor({1, 2, 2}, {0, 1, 1, 0})},
           {attr_string("reduction", "sum")}};
  expect_outs(d, {ftensor({}, {-(1 + 6 + 7 + 4)})});
  // Empty batch.
  OpTest e{"NegativeLogLikelihoodLoss", {ftensor({0, 3}, {}), itensor({0}, {})}, {attr_string("reduction", "none")}};
  expect_outs(e, {ftensor({0}, {})});
  e.attrs = {attr_string("reduction", "sum")};
  expect_outs(e, {ftensor({}, {0})});
}

TEST_CASE("NegativeLogLikelihoodLoss: errors") {
  OpTest t{"NegativeLogLikelihoodLoss", {nll_input(), itensor({2, 3}, {0, 0, 0, 0, 0, 0})}};
  CHECK(run_code(t) == Code::kInvalidModel);  // target shape
  t = OpTest{"NegativeLogLikelihoodLoss", {nll_input(), nll_target()}, {attr_string("reduction", "avg")}};
  CHECK(run_code(t) == Code::kInvalidModel);
  t = OpTest{"NegativeLogLikelihoodLoss", {ftensor({3}, {1, 2, 3}), itensor({}, {0})}};
  CHECK(run_code(t) == Code::kInvalidModel);  // rank 1 input
  t = OpTest{"NegativeLogLikelihoodLoss", {nll_input(), ftensor({2, 2}, {0, 0, 0, 0})}};
  CHECK(run_code(t) == Code::kInvalidModel);  // float target
  t = OpTest{"NegativeLogLikelihoodLoss", {nll_input(), nll_target(), ftensor({2}, {1, 1})}};
  CHECK(run_code(t) == Code::kInvalidModel);  // weight size
  t = OpTest{"NegativeLogLikelihoodLoss", {tensor<int32_t>({1, 2}, {1, 2}), itensor({1}, {0})}};
  CHECK(run_code(t) == Code::kUnsupported);
  t = OpTest{"NegativeLogLikelihoodLoss", {nll_input(), nll_target()}};
  t.opset = 11;
  CHECK(run_code(t) == Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// SoftmaxCrossEntropyLoss

TEST_CASE("SoftmaxCrossEntropyLoss: reductions, weights, log_prob") {
  // Row 0 [1, 2, 3]: logsumexp = 3 + log(1 + e^-1 + e^-2). Row 1 [1, 1, 1]: log p = -log 3.
  const double lse0 = 3.0 + std::log(1.0 + std::exp(-1.0) + std::exp(-2.0));
  const float l0 = static_cast<float>(lse0 - 3.0);  // label 2
  const float l1 = static_cast<float>(std::log(3.0));  // label 0
  const Tensor scores = ftensor({2, 3}, {1, 2, 3, 1, 1, 1});
  const Tensor logp = ftensor({2, 3}, {static_cast<float>(1 - lse0), static_cast<float>(2 - lse0),
                                       static_cast<float>(3 - lse0), -l1, -l1, -l1});
  for (int64_t opset : {12, 13}) {
    OpTest t{"SoftmaxCrossEntropyLoss", {scores, itensor({2}, {2, 0})}};
    t.opset = opset;
    expect_outs(t, {ftensor({}, {(l0 + l1) / 2})});
    expect_outs(t, {ftensor({}, {(l0 + l1) / 2}), logp});
    t.attrs = {attr_string("reduction", "sum")};
    expect_outs(t, {ftensor({}, {l0 + l1}), logp});
    t.attrs = {attr_string("reduction", "none")};
    expect_outs(t, {ftensor({2}, {l0, l1}), logp});
    t.inputs.push_back(ftensor({3}, {1, 2, 3}));
    expect_outs(t, {ftensor({2}, {3 * l0, l1}), logp});
    t.attrs = {};
    expect_outs(t, {ftensor({}, {(3 * l0 + l1) / 4})});
    t.attrs = {attr_int("ignore_index", 0)};
    expect_outs(t, {ftensor({}, {l0})});
  }
}

TEST_CASE("SoftmaxCrossEntropyLoss: softmax runs along axis 1 of (N, C, D)") {
  // Columns [0, 1] and [1, 0], both labelled 1.
  const float lse = static_cast<float>(std::log(1.0 + std::exp(1.0)));
  OpTest t{"SoftmaxCrossEntropyLoss", {ftensor({1, 2, 2}, {0, 1, 1, 0}), itensor({1, 2}, {1, 1})},
           {attr_string("reduction", "none")}};
  expect_outs(t, {ftensor({1, 2}, {lse - 1, lse}), ftensor({1, 2, 2}, {-lse, 1 - lse, 1 - lse, -lse})});
  // dtypes: double, float16, bfloat16 (opset 13 only).
  OpTest d{"SoftmaxCrossEntropyLoss", {dtensor({1, 2, 2}, {0, 1, 1, 0}), i32tensor({1, 2}, {1, 1})},
           {attr_string("reduction", "sum")}};
  expect_outs(d, {dtensor({}, {2 * std::log(1.0 + std::exp(1.0)) - 1})}, 1e-12, 1e-12);
  d.inputs[0] = typed<Float16>({1, 2, 2}, {0, 1, 1, 0});
  expect_outs(d, {typed<Float16>({}, {2 * lse - 1})}, 1e-2, 1e-3);
  d.inputs[0] = typed<BFloat16>({1, 2, 2}, {0, 1, 1, 0});
  expect_outs(d, {typed<BFloat16>({}, {2 * lse - 1})}, 2e-2, 1e-2);
  d.opset = 12;
  CHECK(run_code(d) == Code::kUnsupported);
}

TEST_CASE("SoftmaxCrossEntropyLoss: errors") {
  OpTest t{"SoftmaxCrossEntropyLoss", {ftensor({2, 3}, {1, 2, 3, 4, 5, 6}), itensor({2}, {0, 3})}};
  CHECK(run_code(t) == Code::kOutOfRange);
  t.inputs[1] = itensor({3}, {0, 0, 0});
  CHECK(run_code(t) == Code::kInvalidModel);
  t.inputs[1] = itensor({2}, {0, 0});
  t.inputs.push_back(dtensor({3}, {1, 1, 1}));  // weights dtype
  CHECK(run_code(t) == Code::kInvalidModel);
}

// ---------------------------------------------------------------------------------------------
// Optimizers (ai.onnx.preview.training)

namespace {

OpTest training_op(const char* op, std::vector<Tensor> inputs, std::vector<Attribute> attrs) {
  OpTest t{op, std::move(inputs), std::move(attrs)};
  t.domain = kTraining;
  t.opset = 1;
  return t;
}

}  // namespace

TEST_CASE("Adagrad: one and two tensors, decayed learning rate") {
  const std::vector<Attribute> a = {attr_float("norm_coefficient", 0.001f), attr_float("epsilon", 1e-5f),
                                    attr_float("decay_factor", 0.1f)};
  // t = 0: r = 0.1; g = -0.999; h_new = 2.998001; x_new = 1 + 0.1 * 0.999 / (sqrt(h_new) + 1e-5).
  const float x_new = static_cast<float>(1.0 + 0.1 * 0.999 / (std::sqrt(2.998001) + 1e-5));
  OpTest t = training_op("Adagrad", {ftensor({}, {0.1f}), itensor({}, {0}), ftensor({1}, {1}), ftensor({1}, {-1}),
                                     ftensor({1}, {2})}, a);
  expect_outs(t, {ftensor({1}, {x_new}), ftensor({1}, {2.998001f})});
  // t = 3: r = 0.1 / 1.3.
  t = training_op("Adagrad", {ftensor({}, {0.1f}), itensor({}, {3}), ftensor({1}, {1}), ftensor({2}, {1, 2}),
                              ftensor({1}, {-1}), ftensor({2}, {-1, -3}), ftensor({1}, {2}), ftensor({2}, {4, 1})},
                  a);
  expect_outs(t, {ftensor({1}, {1.04438168f}), ftensor({2}, {1.03437336f, 2.07297054f}), ftensor({1}, {2.998001f}),
                  ftensor({2}, {4.998001f, 9.988004f})});
  // double.
  t = training_op("Adagrad", {dtensor({}, {0.1}), itensor({}, {3}), dtensor({1}, {1}), dtensor({1}, {-1}),
                              dtensor({1}, {2})}, a);
  expect_outs(t, {dtensor({1}, {1.04438168}), dtensor({1}, {2.998001})}, 1e-7, 1e-8);
}

TEST_CASE("Adam: defaults, bias correction, post-update regularization") {
  const std::vector<Tensor> xgvh = {ftensor({2}, {1.2f, 2.8f}), ftensor({2}, {-0.94f, -2.5f}), ftensor({2}, {1.7f, 3.6f}),
                                    ftensor({2}, {0.1f, 0.1f})};
  OpTest t = training_op("Adam", {ftensor({}, {0.1f}), itensor({}, {0}), xgvh[0], xgvh[1], xgvh[2], xgvh[3]}, {});
  expect_outs(t, {ftensor({2}, {0.74766714f, 1.88228072f}), ftensor({2}, {1.436f, 2.99f}),
                  ftensor({2}, {0.1007836f, 0.10615f})});
  t = training_op("Adam", {ftensor({1}, {0.1f}), itensor({1}, {2}), xgvh[0], xgvh[1], xgvh[2], xgvh[3]},
                  {attr_float("norm_coefficient", 0.001f), attr_float("norm_coefficient_post", 0.01f),
                   attr_float("alpha", 0.95f), attr_float("beta", 0.1f), attr_float("epsilon", 1e-7f)});
  expect_outs(t, {ftensor({2}, {-0.579648905f, 1.36802011f}), ftensor({2}, {1.56806f, 3.29514f}),
                  ftensor({2}, {0.803210896f, 5.62240706f})});
}

TEST_CASE("Momentum: standard and Nesterov") {
  auto inputs = [](int64_t t) {
    return std::vector<Tensor>{ftensor({}, {0.1f}), itensor({}, {t}), ftensor({2}, {1.2f, 2.8f}),
                               ftensor({2}, {-0.94f, -2.5f}), ftensor({2}, {1.7f, 3.6f})};
  };
  const std::vector<Attribute> std_attrs = {attr_float("norm_coefficient", 0.001f), attr_float("alpha", 0.95f),
                                            attr_float("beta", 0.1f), attr_string("mode", "standard")};
  expect_outs(training_op("Momentum", inputs(0), std_attrs),
              {ftensor({2}, {1.13238f, 2.70772f}), ftensor({2}, {0.6762f, 0.9228f})});
  expect_outs(training_op("Momentum", inputs(5), std_attrs),
              {ftensor({2}, {1.047888f, 2.482972f}), ftensor({2}, {1.52112f, 3.17028f})});
  expect_outs(training_op("Momentum", inputs(5),
                          {attr_float("norm_coefficient", 0.01f), attr_float("alpha", 0.95f), attr_float("beta", 0.5f),
                           attr_string("mode", "nesterov")}),
              {ftensor({2}, {1.183455f, 2.83972f}), ftensor({2}, {1.151f, 2.184f})});
}

TEST_CASE("Optimizers: errors") {
  const std::vector<Attribute> mom = {attr_float("norm_coefficient", 0.0f), attr_float("alpha", 0.9f),
                                      attr_float("beta", 1.0f), attr_string("mode", "standard")};
  auto ok_inputs = [] {
    return std::vector<Tensor>{ftensor({}, {0.1f}), itensor({}, {0}), ftensor({2}, {1, 2}), ftensor({2}, {1, 2}),
                               ftensor({2}, {1, 2})};
  };
  CHECK(run_code(training_op("Momentum", ok_inputs(), mom)) == Code::kOk);
  std::vector<Attribute> no_mode(mom.begin(), mom.end() - 1);
  CHECK(run_code(training_op("Momentum", ok_inputs(), no_mode)) == Code::kInvalidModel);
  std::vector<Attribute> bad_mode = no_mode;
  bad_mode.push_back(attr_string("mode", "heavy"));
  CHECK(run_code(training_op("Momentum", ok_inputs(), bad_mode)) == Code::kInvalidModel);
  std::vector<Tensor> in = ok_inputs();
  in.pop_back();  // 4 inputs: not R, T + 3n
  CHECK(run_code(training_op("Momentum", in, mom)) == Code::kInvalidModel);
  in = ok_inputs();
  in[3] = ftensor({3}, {1, 2, 3});  // G shape
  CHECK(run_code(training_op("Adagrad", in, {})) == Code::kInvalidModel);
  in = ok_inputs();
  in[1] = tensor<int32_t>({}, {0});  // T must be int64
  CHECK(run_code(training_op("Adagrad", in, {})) == Code::kInvalidModel);
  in = ok_inputs();
  in[0] = ftensor({2}, {0.1f, 0.2f});  // R must be a scalar
  CHECK(run_code(training_op("Adagrad", in, {})) == Code::kInvalidModel);
  in = ok_inputs();
  in[4] = dtensor({2}, {1, 2});  // mixed dtypes
  CHECK(run_code(training_op("Adagrad", in, {})) == Code::kInvalidModel);
  // Adam needs 4 tensors per variable.
  CHECK(run_code(training_op("Adam", ok_inputs(), {})) == Code::kInvalidModel);
  // The training domain must be imported.
  OpTest t{"Adagrad", ok_inputs()};
  CHECK(run_code(t) == Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// Gradient (ai.onnx.preview.training): differentiates the graph around the node.

static std::shared_ptr<Model> gradient_model(const std::string& inner_op) {
  auto m = std::make_shared<Model>();
  m->ir_version = 7;
  m->opsets = {{"", 12}, {"ai.onnx.preview.training", 1}};
  m->source = "gradient_test";
  for (const char* name : {"a", "b"}) {
    ValueInfo vi;
    vi.name = name;
    vi.type.kind = TypeInfo::Kind::kTensor;
    vi.type.elem = DType::kFloat32;
    vi.type.has_shape = true;
    vi.type.shape = {Dim{3, ""}};
    m->graph.inputs.push_back(vi);
  }
  auto node = [](std::string op, std::vector<std::string> in, std::vector<std::string> out) {
    Node n;
    n.name = out[0];
    n.op_type = std::move(op);
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    return n;
  };
  m->graph.nodes.push_back(node("Mul", {"a", "b"}, {"ab"}));
  m->graph.nodes.push_back(node(inner_op, {"ab"}, {"r"}));
  m->graph.nodes.push_back(node("Sub", {"r", "a"}, {"y"}));  // y = f(a*b) - a
  Node g = node("Gradient", {"a", "b"}, {"dy_da", "dy_db"});
  g.domain = "ai.onnx.preview.training";
  Attribute xs;
  xs.name = "xs";
  xs.type = AttrType::kStrings;
  xs.strings = {"a", "b"};
  g.attrs.push_back(xs);
  g.attrs.push_back(attr_string("y", "y"));
  m->graph.nodes.push_back(g);
  for (const char* name : {"y", "dy_da", "dy_db"}) {
    ValueInfo vi;
    vi.name = name;
    m->graph.outputs.push_back(vi);
  }
  return m;
}

TEST_CASE("Gradient of y = a*b - a") {
  auto s = Session::create(gradient_model("Identity")).value();
  Tensor a = ftensor({3}, {1, 2, 3}), b = ftensor({3}, {4, 5, -6});
  REQUIRE(s->set_input("a", a).ok());
  REQUIRE(s->set_input("b", b).ok());
  REQUIRE(s->run().ok());
  CHECK(values<float>(*s->output("y")) == std::vector<float>{3, 8, -21});
  CHECK(values<float>(*s->output("dy_da")) == std::vector<float>{3, 4, -7});  // b - 1
  CHECK(values<float>(*s->output("dy_db")) == std::vector<float>{1, 2, 3});   // a
}

TEST_CASE("Gradient through an op it cannot differentiate is an error naming the node") {
  // The inputs are static, so the body is built (and the error found) when the session plans.
  auto r = Session::create(gradient_model("Relu"));
  REQUIRE_FALSE(r.ok());
  const Status& st = r.status();
  CHECK(st.code() == Code::kUnsupported);
  CHECK(st.message().find("node 'r' (Relu)") != std::string::npos);
}
