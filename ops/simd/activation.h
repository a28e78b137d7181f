// Element-wise activations (SimdKernels::activation), written once over an xsimd architecture
// and instantiated per ISA: exp, sigmoid, SiLU, tanh, erf and GELU from xsimd's vector
// polynomials, the hard sigmoid, hard swish and leaky ReLU as their scalar operators compute them.
#pragma once

#include <algorithm>
#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "simd/arch_ops.h"
#include "simd/kernels.h"

namespace onyx::simd {
// Internal linkage: each ISA's translation unit keeps its own copies (no ODR mixing of code
// compiled for different instruction sets).
namespace {

// Clamps to [0, 1] by selects, which keep NaN (as the scalar `y < 0 ? 0 : y > 1 ? 1 : y`).
// GELU's constants as float32 (PyTorch's export divides by sqrt(2) rounded to float).
constexpr float kSqrt2 = 1.41421356237309504880f;
constexpr float kSqrt2OverPi = 0.79788456080286535588f;

template <class V>
inline V clamp01(V y) {
  const V zero(0.0f), one(1.0f);
  return xsimd::select(y < zero, zero, xsimd::select(y > one, one, y));
}

// exp(-x) overflows to inf for x < -88: 1 / inf = 0, as the function's limit.
template <class Arch>
inline xsimd::batch<float, Arch> sigmoid(xsimd::batch<float, Arch> x) {
  using V = xsimd::batch<float, Arch>;
  return V(1.0f) / (V(1.0f) + xsimd::exp(-x));
}

template <Activation F, class Arch>
inline xsimd::batch<float, Arch> activate(xsimd::batch<float, Arch> x, float alpha, float beta) {
  using V = xsimd::batch<float, Arch>;
  if constexpr (F == Activation::kExp) {
    return xsimd::exp(x);
  } else if constexpr (F == Activation::kSigmoid) {
    return sigmoid<Arch>(x);
  } else if constexpr (F == Activation::kTanh) {
    return xsimd::tanh(x);
  } else if constexpr (F == Activation::kErf) {
    return xsimd::erf(x);
  } else if constexpr (F == Activation::kHardSigmoid) {
    return clamp01(V(alpha) * x + V(beta));
  } else if constexpr (F == Activation::kHardSwish) {
    return x * clamp01(x * V(1.0f / 6.0f) + V(0.5f));
  } else if constexpr (F == Activation::kSilu) {
    // The same roundings as Sigmoid, then Mul: a fused SiLU gives the unfused graph's bits.
    return x * sigmoid<Arch>(x);
  } else if constexpr (F == Activation::kLeakyRelu) {
    return xsimd::select(x < V(0.0f), V(alpha) * x, x);  // NaN and -0 pass through, as the scalar op
  } else {
    static_assert(F == Activation::kGelu);
    if (alpha != 0.0f) {
      const V inner = x + V(0.044715f) * (x * x * x);
      return (V(0.5f) * x) * (V(1.0f) + xsimd::tanh(V(kSqrt2OverPi) * inner));
    }
    // The unfused graph's operations: Div (correctly rounded, as the Div operator), Erf, Add, Mul, Mul.
    return (x * (xsimd::erf(Div<Arch>::apply(x, V(kSqrt2))) + V(1.0f))) * V(0.5f);
  }
}

template <class Arch, Activation F>
void activation_loop(const float* x, float* out, size_t n, float alpha, float beta) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  size_t i = 0;
  for (; i + L <= n; i += L) activate<F, Arch>(V::load_unaligned(x + i), alpha, beta).store_unaligned(out + i);
  if (i < n) {  // the tail through the same vector code, from a zero-padded copy
    alignas(64) float tail[L] = {};
    std::copy(x + i, x + n, tail);
    activate<F, Arch>(V::load_aligned(tail), alpha, beta).store_aligned(tail);
    std::copy(tail, tail + (n - i), out + i);
  }
}

template <class Arch>
void activation(Activation f, const float* x, float* out, size_t n, float alpha, float beta) {
  switch (f) {
    case Activation::kExp: return activation_loop<Arch, Activation::kExp>(x, out, n, alpha, beta);
    case Activation::kSigmoid: return activation_loop<Arch, Activation::kSigmoid>(x, out, n, alpha, beta);
    case Activation::kTanh: return activation_loop<Arch, Activation::kTanh>(x, out, n, alpha, beta);
    case Activation::kErf: return activation_loop<Arch, Activation::kErf>(x, out, n, alpha, beta);
    case Activation::kHardSigmoid: return activation_loop<Arch, Activation::kHardSigmoid>(x, out, n, alpha, beta);
    case Activation::kHardSwish: return activation_loop<Arch, Activation::kHardSwish>(x, out, n, alpha, beta);
    case Activation::kSilu: return activation_loop<Arch, Activation::kSilu>(x, out, n, alpha, beta);
    case Activation::kLeakyRelu: return activation_loop<Arch, Activation::kLeakyRelu>(x, out, n, alpha, beta);
    case Activation::kGelu: return activation_loop<Arch, Activation::kGelu>(x, out, n, alpha, beta);
    default: return;
  }
}

}  // namespace
}  // namespace onyx::simd
