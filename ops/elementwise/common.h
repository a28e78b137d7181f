// Helpers shared by the element-wise kernels: compile-time-restricted dtype dispatch, the
// load/store conversions between storage and compute types (float16/bfloat16 compute in float),
// wrap-around integer arithmetic without undefined behaviour, and saturating float->int.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "dispatch.h"
#include "kernel.h"
#include "onyx/dtype.h"
#include "onyx/status.h"

namespace onyx::ew {

template <class T>
inline constexpr bool is_half_v = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;
// Floating-point storage types, including the 16-bit ones.
template <class T>
inline constexpr bool is_fp_v = std::is_floating_point_v<T> || is_half_v<T>;
// Integer types excluding bool.
template <class T>
inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// Checks the input count is within [min_inputs, max_inputs], that the first min_inputs are
// present and that every present input is a tensor.
inline Status check_inputs(const PrepareContext& ctx, int min_inputs, int max_inputs) {
  const int n = ctx.num_inputs();
  if (n < min_inputs || n > max_inputs) {
    if (min_inputs == max_inputs) {
      return ctx.fail(Code::kInvalidModel, "expects ", min_inputs, " inputs, got ", n);
    }
    return ctx.fail(Code::kInvalidModel, "expects ", min_inputs, " to ", max_inputs,
                    " inputs, got ", n);
  }
  for (int i = 0; i < n; ++i) {
    if (!ctx.has_input(i)) {
      if (i < min_inputs) return ctx.fail(Code::kInvalidModel, "required input ", i, " is missing");
      continue;
    }
    if (ctx.input(i).kind != ValueKind::kTensor) {
      return ctx.fail(Code::kInvalidModel, "input ", i, " '", ctx.input_name(i), "' is not a tensor");
    }
  }
  return Status();
}

// Checks that input i has the same dtype as input 0.
inline Status check_same_dtype(const PrepareContext& ctx, int i) {
  if (ctx.in_dtype(i) != ctx.in_dtype(0)) {
    return ctx.fail(Code::kInvalidModel, "input ", i, " '", ctx.input_name(i), "' has dtype ",
                    dtype_name(ctx.in_dtype(i)), " but input 0 '", ctx.input_name(0), "' has ",
                    dtype_name(ctx.in_dtype(0)));
  }
  return Status();
}

// Storage -> compute value: float for the 16-bit floats; a const reference otherwise.
template <class T>
inline decltype(auto) load(const T& v) {
  if constexpr (is_half_v<T>) {
    return static_cast<float>(v);
  } else {
    return (v);
  }
}

// Compute value -> storage (rounds to nearest even for the 16-bit floats).
template <class T, class C>
inline T store(const C& c) {
  if constexpr (is_half_v<T>) {
    return T(static_cast<float>(c));
  } else {
    return static_cast<T>(c);
  }
}

// Unsigned type at least as wide as unsigned int, so arithmetic on it neither promotes to a
// signed int nor overflows with undefined behaviour.
template <class T>
using wrap_t = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

template <class T>
inline T wrap_add(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) + static_cast<wrap_t<T>>(b));
}
template <class T>
inline T wrap_sub(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) - static_cast<wrap_t<T>>(b));
}
template <class T>
inline T wrap_mul(T a, T b) {
  return static_cast<T>(static_cast<wrap_t<T>>(a) * static_cast<wrap_t<T>>(b));
}
template <class T>
inline T wrap_neg(T a) {
  return static_cast<T>(wrap_t<T>(0) - static_cast<wrap_t<T>>(a));
}

// Integer division truncating toward zero; the divisor must be non-zero. MIN / -1 wraps.
template <class T>
inline T int_div(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return wrap_neg(a);
  }
  return static_cast<T>(a / b);
}

// Integer remainder. fmod: sign of the dividend (C %); else sign of the divisor (Python %).
template <class T>
inline T int_mod(T a, T b, bool fmod) {
  if constexpr (std::is_signed_v<T>) {
    if (b == T(-1)) return T(0);
    T r = static_cast<T>(a % b);
    if (!fmod && r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
    return r;
  } else {
    (void)fmod;
    return static_cast<T>(a % b);
  }
}

// 2^n as a floating-point constant (exact).
template <class F>
constexpr F pow2(int n) {
  F r = 1;
  for (int i = 0; i < n; ++i) r *= 2;
  return r;
}

// Floating -> integer: truncates toward zero, saturates out-of-range values (and +-Inf) to the
// integer limits, maps NaN to 0. Never undefined behaviour.
template <class I, class F>
inline I float_to_int(F f) {
  if constexpr (std::is_same_v<I, bool>) {
    return f != F(0);
  } else {
    if (std::isnan(f)) return I(0);
    constexpr F hi = pow2<F>(std::numeric_limits<I>::digits);  // first value above the range
    if (f >= hi) return std::numeric_limits<I>::max();
    if constexpr (std::is_signed_v<I>) {
      constexpr F lo = -hi;
      if (f <= lo) return std::numeric_limits<I>::min();
    } else {
      if (f <= F(0)) return I(0);
    }
    return static_cast<I>(f);
  }
}

// double -> F (float or double) with IEEE round-to-nearest, overflowing to +-Inf (a plain
// static_cast of an out-of-range double is undefined behaviour).
template <class F>
inline F narrow(double d) {
  if constexpr (std::is_same_v<F, double>) {
    return d;
  } else {
    // Halfway between FLT_MAX and the next power of two: rounds to Inf (ties to even).
    constexpr double kOverflow = 340282356779733661637539395458142568448.0;  // 0x1.ffffffp127
    if (std::fabs(d) >= kOverflow && !std::isnan(d)) {
      return std::copysign(std::numeric_limits<float>::infinity(), static_cast<float>(d > 0 ? 1 : -1));
    }
    return static_cast<float>(d);
  }
}

// Rounds a double to float with round-to-odd, so that a following rounding to a narrower format
// (float16, bfloat16) gives the same result as rounding the double directly.
inline float double_to_float_odd(double d) {
  float f = narrow<float>(d);
  if (std::isnan(d) || static_cast<double>(f) == d) return f;
  if (std::isinf(f)) {
    // Overflowed: truncation gives the largest finite float (whose last bit is already odd).
    return std::copysign(std::numeric_limits<float>::max(), static_cast<float>(d));
  }
  if (std::fabs(static_cast<double>(f)) > std::fabs(d)) f = std::nextafter(f, 0.0f);
  uint32_t bits = float_bits(f) | 1u;
  return bits_float(bits);
}

// Any numeric value (storage type S) to any numeric storage type D, as Cast defines it:
// float->int truncates and saturates, int->int wraps, anything->bool is "!= 0".
template <class D, class S>
inline D convert(const S& s) {
  if constexpr (std::is_same_v<D, S>) {
    return s;
  } else if constexpr (std::is_same_v<D, bool>) {
    if constexpr (is_half_v<S>) {
      return static_cast<float>(s) != 0.0f;
    } else {
      return s != S(0);
    }
  } else if constexpr (is_half_v<D>) {
    if constexpr (std::is_same_v<S, float> || is_half_v<S> || std::is_same_v<S, bool>) {
      return D(static_cast<float>(s));
    } else if constexpr (std::is_same_v<S, double>) {
      return D(double_to_float_odd(s));
    } else {
      // Integers: exact in double up to 2^53, then round-to-odd to float, then to 16 bits.
      return D(double_to_float_odd(static_cast<double>(s)));
    }
  } else if constexpr (is_half_v<S>) {
    return convert<D>(static_cast<float>(s));
  } else if constexpr (std::is_floating_point_v<S> && is_int_v<D>) {
    return float_to_int<D>(s);
  } else if constexpr (std::is_same_v<S, double> && std::is_same_v<D, float>) {
    return narrow<float>(s);
  } else {
    // int->int (wraps, well defined since C++20), int->float, float->float, bool->anything.
    return static_cast<D>(s);
  }
}

}  // namespace onyx::ew
