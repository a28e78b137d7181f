// The shared reduction driver of the reduce family.
//
// A reduction over any set of axes of an N-D row-major tensor is described by a ReducePlan:
// the input dims with size-1 dims dropped and neighbouring dims of the same kind (kept or
// reduced) merged into groups. Walking the input in memory order, the last group is a
// contiguous run of `inner()` elements; for_each_block() calls a visitor once per run with
// the input offset of the run and the output offset it maps to. When the last group is
// reduced the whole run folds into one output element; when it is kept, element i of the run
// belongs to output element out_offset + i. Ops supply only the per-element arithmetic.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "kernel.h"
#include "onyx/half.h"
#include "onyx/shape.h"

namespace onyx::reduce {

struct ReducePlan {
  Dims sizes;         // merged group sizes; at least one group
  Dims out_strides;   // output stride of each group; 0 for reduced groups
  std::vector<uint8_t> reduced;  // 1 when the group is reduced
  int64_t in_numel = 0;
  int64_t out_numel = 0;
  int64_t count = 0;  // input elements folded into each output element

  int rank() const { return static_cast<int>(sizes.size()); }
  int64_t inner() const { return sizes.back(); }
  bool inner_reduced() const { return reduced.back() != 0; }
  // Bytes of index state for_each_block needs.
  size_t index_bytes() const { return sizes.size() * sizeof(int64_t); }
};

// Builds the plan for input dims `in`, reducing the dims flagged in `reduce_dim` (same size).
void make_plan(const Dims& in, const std::vector<uint8_t>& reduce_dim, ReducePlan* plan);

// The output dims of a reduction: reduced dims become 1 (keepdims) or are removed.
Dims reduced_dims(const Dims& in, const std::vector<uint8_t>& reduce_dim, bool keepdims);

// Turns an axes list (possibly negative) into per-dim flags; rejects out-of-range and repeated
// axes. `what` names the attribute or input in the message.
Status axes_to_flags(const std::vector<int64_t>& axes, int64_t rank, const char* what,
                     std::vector<uint8_t>* flags);

// Reads a 1-D int64 axes tensor into `out`.
Status read_axes_tensor(const Tensor& t, const char* what, std::vector<int64_t>* out);

// Visits every contiguous run of the input: f(in_offset, out_offset). `idx` is scratch for
// plan.rank() counters. Nothing is visited when the input is empty.
template <class F>
void for_each_block(const ReducePlan& p, int64_t* idx, F&& f) {
  if (p.in_numel == 0) return;
  const int outer_rank = p.rank() - 1;
  const int64_t inner = p.inner();
  for (int d = 0; d < outer_rank; ++d) idx[d] = 0;
  const int64_t blocks = p.in_numel / inner;
  int64_t out_off = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    f(b * inner, out_off);
    for (int d = outer_rank - 1; d >= 0; --d) {
      if (++idx[d] < p.sizes[d]) {
        out_off += p.out_strides[d];
        break;
      }
      idx[d] = 0;
      out_off -= p.out_strides[d] * (p.sizes[d] - 1);
    }
  }
}

// ---- Element arithmetic helpers ----

template <class T>
inline constexpr bool is_half_v = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;
template <class T>
inline constexpr bool is_floating_v = std::is_floating_point_v<T> || is_half_v<T>;

// The wide accumulator of sums and products: double for every floating type, 64-bit integers
// (with wrap-around) for integers.
template <class T>
using wide_t = std::conditional_t<is_floating_v<T>, double,
                                  std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

// An element as type A (16-bit floats go through float).
template <class A, class T>
inline A to_acc(T x) {
  if constexpr (is_half_v<T>) {
    return static_cast<A>(static_cast<float>(x));
  } else {
    return static_cast<A>(x);
  }
}

// Converts an accumulated value back to the element type: rounding for 16-bit floats,
// truncation toward zero with saturation (NaN -> 0) from a floating value to an integer.
template <class T, class A>
inline T from_acc(A a) {
  if constexpr (is_half_v<T>) {
    return T(static_cast<float>(a));
  } else if constexpr (std::is_integral_v<T> && std::is_floating_point_v<A>) {
    if (std::isnan(a)) return T(0);
    if (a <= static_cast<A>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (a >= static_cast<A>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
    return static_cast<T>(a);
  } else {
    return static_cast<T>(a);
  }
}

// Wrap-around integer arithmetic (no signed-overflow UB); plain arithmetic for floats.
template <class A>
inline A wadd(A a, A b) {
  if constexpr (std::is_integral_v<A>) {
    using U = std::make_unsigned_t<A>;
    return static_cast<A>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <class A>
inline A wmul(A a, A b) {
  if constexpr (std::is_integral_v<A>) {
    using U = std::make_unsigned_t<A>;
    return static_cast<A>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}
template <class A>
inline A wabs(A a) {
  if constexpr (std::is_unsigned_v<A>) {
    return a;
  } else if constexpr (std::is_integral_v<A>) {
    using U = std::make_unsigned_t<A>;
    return a < 0 ? static_cast<A>(U(0) - static_cast<U>(a)) : a;
  } else {
    return std::fabs(a);
  }
}

}  // namespace onyx::reduce
