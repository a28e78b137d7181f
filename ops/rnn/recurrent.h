// Shared machinery of the recurrent ops RNN, GRU and LSTM (1, 7, 14; GRU also 3).
//
// RecurrentKernel validates what the three have in common (X, W, R, B, sequence_lens,
// initial_h; direction, hidden_size, layout, clip, activations with their alpha/beta), declares
// the outputs and runs the time loop; the cell equations of the three ops live in its run(), the
// op classes only add their own attributes (linear_before_reset, input_forget).
//
// Semantics fixed here (the spec leaves them open; they follow common practice):
//  - Padding: for a batch entry with sequence length L < seq_length, Y at steps t >= L is 0;
//    the reverse direction runs over t = L-1 .. 0. Y_h / Y_c hold the state after the last
//    processed step; a sequence of length 0 gives Y_h = Y_c = 0.
//  - clip bounds the input of every activation, including the cell state fed to LSTM's h();
//    the cell state itself is carried unclipped.
//  - activation_alpha / activation_beta are consumed in order by the activations that take
//    them (LeakyRelu, ThresholdedRelu, Elu: alpha; HardSigmoid, ScaledTanh, Affine: alpha and
//    beta); missing values take the defaults of the matching ONNX operators.
//  - A bidirectional op may list the per-direction activations once (used for both) or twice.
//  - Every version uses R transposed (Ht-1 * R^T): the "Ht-1*Rz" of GRU-1/3's text is a typo.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernel.h"

namespace onyx::rnn {

enum class ActKind : uint8_t {
  kRelu,
  kTanh,
  kSigmoid,
  kAffine,
  kLeakyRelu,
  kThresholdedRelu,
  kScaledTanh,
  kHardSigmoid,
  kElu,
  kSoftsign,
  kSoftplus,
};

struct Activation {
  ActKind kind = ActKind::kTanh;
  float alpha = 0.0f;
  float beta = 0.0f;

  template <class A>
  A operator()(A x) const {
    const A a = static_cast<A>(alpha);
    const A b = static_cast<A>(beta);
    switch (kind) {
      case ActKind::kRelu: return x > A(0) ? x : A(0);
      case ActKind::kTanh: return std::tanh(x);
      case ActKind::kSigmoid:
        // Two branches keep exp() from overflowing for large |x|.
        if (x >= A(0)) return A(1) / (A(1) + std::exp(-x));
        else {
          const A e = std::exp(x);
          return e / (A(1) + e);
        }
      case ActKind::kAffine: return a * x + b;
      case ActKind::kLeakyRelu: return x >= A(0) ? x : a * x;
      case ActKind::kThresholdedRelu: return x >= a ? x : A(0);
      case ActKind::kScaledTanh: return a * std::tanh(b * x);
      case ActKind::kHardSigmoid: return std::min(std::max(a * x + b, A(0)), A(1));
      case ActKind::kElu: return x >= A(0) ? x : a * (std::exp(x) - A(1));
      case ActKind::kSoftsign: return x / (A(1) + std::fabs(x));
      case ActKind::kSoftplus:
        // log(1 + e^x) without overflow: x + log1p(e^-x) for positive x.
        return x > A(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    }
    return x;
  }
};

// Which recurrent op a RecurrentKernel is.
struct CellSpec {
  const char* op;           // "RNN", "GRU", "LSTM" (for messages)
  int gates;                // rows of W/R per hidden unit: 1, 3, 4
  int acts;                 // activations per direction: 1, 2, 3
  ActKind default_acts[3];  // spec defaults
  bool has_cell;            // LSTM: initial_c, P inputs and Y_c output
};

// Input indices shared by the three ops.
enum : int { kX = 0, kW = 1, kR = 2, kB = 3, kSeqLens = 4, kInitH = 5, kInitC = 6, kP = 7 };

class RecurrentKernel : public Kernel {
 public:
  explicit RecurrentKernel(const CellSpec& spec) : spec_(spec) {}

  Status prepare(PrepareContext& ctx) override;
  Status run(RunContext& ctx) override;

 protected:
  // Hook for the op's own attributes.
  virtual Status prepare_extra(PrepareContext& ctx) {
    (void)ctx;
    return Status();
  }

  // Resolved geometry and attributes (valid after prepare).
  int64_t seq_ = 0, batch_ = 0, input_ = 0, hidden_ = 0, dirs_ = 1;
  bool reverse_only_ = false;  // direction == "reverse"
  int64_t layout_ = 0;
  bool has_clip_ = false;
  float clip_ = 0.0f;
  // acts_[d * spec_.acts + k]: activation k of direction d.
  std::vector<Activation> acts_;
  int64_t linear_before_reset_ = 0;  // GRU
  int64_t input_forget_ = 0;         // LSTM

  template <class A>
  A clipped(A x) const {
    if (!has_clip_) return x;
    const A c = static_cast<A>(clip_);
    return std::min(std::max(x, -c), c);
  }
  const Activation& act(int64_t dir, int k) const { return acts_[static_cast<size_t>(dir * spec_.acts + k)]; }

 private:
  template <class T>
  Status run_typed(RunContext& ctx);

  const CellSpec& spec_;
  DType dtype_ = DType::kUndefined;
};

}  // namespace onyx::rnn
