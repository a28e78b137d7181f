// The activations that have a vector kernel (simd::Activation), one value at a time: the
// operators' scalar path (elementwise/activation.cc) and FusedConv's epilogue where no vector
// table runs, so that a fused activation gives the unfused operator's results. C is the compute
// type (float for float32/float16/bfloat16, double for float64).
#pragma once

#include <cmath>

#include "simd/kernels.h"

namespace onyx::ew {

template <simd::Activation F, class C>
C activate(C x, float alpha, float beta) {
  using simd::Activation;
  if constexpr (F == Activation::kExp) {
    return std::exp(x);
  } else if constexpr (F == Activation::kSigmoid || F == Activation::kSilu) {
    C s;
    if (x >= C(0)) {
      s = C(1) / (C(1) + std::exp(-x));
    } else {  // exp(x) cannot overflow here
      const C e = std::exp(x);
      s = e / (C(1) + e);
    }
    if constexpr (F == Activation::kSilu) return x * s;
    return s;
  } else if constexpr (F == Activation::kTanh) {
    return std::tanh(x);
  } else if constexpr (F == Activation::kErf) {
    return std::erf(x);
  } else if constexpr (F == Activation::kHardSigmoid) {
    const C y = static_cast<C>(alpha) * x + static_cast<C>(beta);
    return y < C(0) ? C(0) : (y > C(1) ? C(1) : y);
  } else if constexpr (F == Activation::kHardSwish) {
    const C y = x * static_cast<C>(1.0f / 6.0f) + C(0.5);
    return x * (y < C(0) ? C(0) : (y > C(1) ? C(1) : y));
  } else if constexpr (F == Activation::kLeakyRelu) {
    return x < C(0) ? static_cast<C>(alpha) * x : x;
  } else {
    static_assert(F == Activation::kGelu);
    if (alpha != 0.0f) {  // the tanh approximation
      const C inner = x + static_cast<C>(0.044715f) * (x * x * x);
      return (C(0.5) * x) * (C(1) + std::tanh(static_cast<C>(0.79788456080286535588f) * inner));
    }
    return (x * (std::erf(x / static_cast<C>(1.41421356237309504880f)) + C(1))) * C(0.5);
  }
}

template <class C>
C activate(simd::Activation f, C x, float alpha, float beta) {
  using simd::Activation;
  switch (f) {
    case Activation::kExp: return activate<Activation::kExp>(x, alpha, beta);
    case Activation::kSigmoid: return activate<Activation::kSigmoid>(x, alpha, beta);
    case Activation::kTanh: return activate<Activation::kTanh>(x, alpha, beta);
    case Activation::kErf: return activate<Activation::kErf>(x, alpha, beta);
    case Activation::kHardSigmoid: return activate<Activation::kHardSigmoid>(x, alpha, beta);
    case Activation::kHardSwish: return activate<Activation::kHardSwish>(x, alpha, beta);
    case Activation::kSilu: return activate<Activation::kSilu>(x, alpha, beta);
    case Activation::kLeakyRelu: return activate<Activation::kLeakyRelu>(x, alpha, beta);
    case Activation::kGelu: return activate<Activation::kGelu>(x, alpha, beta);
    default: return x;
  }
}

}  // namespace onyx::ew
