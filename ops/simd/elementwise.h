// Element-wise and reduction kernels over contiguous float arrays, written once over an xsimd
// architecture and instantiated per ISA. Tails shorter than a vector run the same operation
// on scalars, so results do not depend on where a vector boundary falls.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

#include <xsimd/xsimd.hpp>

#include "simd/arch_ops.h"
#include "simd/kernels.h"

namespace onyx::simd {
// Internal linkage: each ISA's translation unit keeps its own copies (no ODR mixing of code
// compiled for different instruction sets).
namespace {

// Max/Min follow the x86 vector instructions: when either operand is NaN the result is b.
// The scalar forms below do the same, so a tail element gives what a lane would.
template <class Arch, class V = xsimd::batch<float, Arch>>
inline V apply_binary(BinaryOp op, V a, V b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return Div<Arch>::apply(a, b);
    case BinaryOp::kMax: return xsimd::max(a, b);
    case BinaryOp::kMin: return xsimd::min(a, b);
    default: return a;
  }
}
inline float apply_binary_scalar(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    case BinaryOp::kMax: return a > b ? a : b;
    case BinaryOp::kMin: return a < b ? a : b;
    default: return a;
  }
}

template <class Arch, BinaryOp Op, Operands Kind>
void binary_loop(const float* a, const float* b, float* out, size_t n) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  if (n == 0) return;  // not even the scalar operand is read
  size_t i = 0;
  const V sa(Kind == Operands::kScalarVec ? a[0] : 0.0f), sb(Kind == Operands::kVecScalar ? b[0] : 0.0f);
  for (; i + L <= n; i += L) {
    const V x = Kind == Operands::kScalarVec ? sa : V::load_unaligned(a + i);
    const V y = Kind == Operands::kVecScalar ? sb : V::load_unaligned(b + i);
    apply_binary<Arch>(Op, x, y).store_unaligned(out + i);
  }
  for (; i < n; ++i) {
    const float x = Kind == Operands::kScalarVec ? a[0] : a[i];
    const float y = Kind == Operands::kVecScalar ? b[0] : b[i];
    out[i] = apply_binary_scalar(Op, x, y);
  }
}

template <class Arch, BinaryOp Op>
void binary_kind(Operands kind, const float* a, const float* b, float* out, size_t n) {
  switch (kind) {
    case Operands::kVecVec: return binary_loop<Arch, Op, Operands::kVecVec>(a, b, out, n);
    case Operands::kScalarVec: return binary_loop<Arch, Op, Operands::kScalarVec>(a, b, out, n);
    case Operands::kVecScalar: return binary_loop<Arch, Op, Operands::kVecScalar>(a, b, out, n);
  }
}

template <class Arch>
void binary(BinaryOp op, Operands kind, const float* a, const float* b, float* out, size_t n) {
  switch (op) {
    case BinaryOp::kAdd: return binary_kind<Arch, BinaryOp::kAdd>(kind, a, b, out, n);
    case BinaryOp::kSub: return binary_kind<Arch, BinaryOp::kSub>(kind, a, b, out, n);
    case BinaryOp::kMul: return binary_kind<Arch, BinaryOp::kMul>(kind, a, b, out, n);
    case BinaryOp::kDiv: return binary_kind<Arch, BinaryOp::kDiv>(kind, a, b, out, n);
    case BinaryOp::kMax: return binary_kind<Arch, BinaryOp::kMax>(kind, a, b, out, n);
    case BinaryOp::kMin: return binary_kind<Arch, BinaryOp::kMin>(kind, a, b, out, n);
    default: return;
  }
}

// out[0, n) = src[0, n) for n < 2 * B / sizeof(float) (n * 4 >= B): two fixed-size copies of B
// bytes, the second ending at n (compilers make each one vector move; the overlap copies the
// same values again).
template <size_t B>
inline void copy_two(const float* src, float* out, size_t n) {
  constexpr size_t F = B / sizeof(float);
  std::memcpy(out, src, B);
  std::memcpy(out + n - F, src + n - F, B);
}

// out[0, n) = src[0, n): whole vectors, then the tail as one last vector ending at n that
// overlaps what is copied already (the same values again: src and out do not overlap). Rows
// shorter than a vector (a 7x7 image's, packed for the transposed GEMM) take one masked copy,
// or two overlapping fixed-size ones.
template <class Arch>
inline void copy_row(const float* src, float* out, size_t n) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  if (n < L) {
    if constexpr (ShortRows<Arch>::available) {
      ShortRows<Arch>::copy(src, out, ShortRows<Arch>::masks(static_cast<int>(n)));
    } else if (n >= 8) {
      copy_two<32>(src, out, n);
    } else if (n >= 4) {
      copy_two<16>(src, out, n);
    } else {
      for (size_t i = 0; i < n; ++i) out[i] = src[i];
    }
    return;
  }
  size_t i = 0;
  for (; i + L <= n; i += L) V::load_unaligned(src + i).store_unaligned(out + i);
  if (i < n) V::load_unaligned(src + n - L).store_unaligned(out + n - L);
}

// out[i] = src[i * stride]; stride 2 (convolution windows) as even lanes where the ISA can.
template <class Arch>
inline void gather_strided(const float* src, int64_t stride, float* out, size_t n) {
  if (stride == 1) {
    copy_row<Arch>(src, out, n);
    return;
  }
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  size_t i = 0;
  if constexpr (EvenLanes<Arch>::available) {
    if (stride == 2 && n > L) {
      // Whole vectors while they stay within src[0 .. 2n - 1), then one overlapping vector
      // ending at element n - 2, then the last element.
      for (; i + L < n; i += L) EvenLanes<Arch>::apply(src + 2 * i).store_unaligned(out + i);
      EvenLanes<Arch>::apply(src + 2 * (n - 1 - L)).store_unaligned(out + (n - 1 - L));
      out[n - 1] = src[2 * (n - 1)];
      return;
    }
  }
  // A plain loop, vectorised by the compiler with this ISA's flags where it pays.
  for (; i < n; ++i) out[i] = src[static_cast<int64_t>(i) * stride];
}

template <class Arch>
void gather_rows(const float* src, const int64_t* offsets, int64_t ld, int64_t rows, int64_t stride, int n,
                 float* out, int64_t ldo) {
  if constexpr (ShortRows<Arch>::available) {
    // Rows shorter than a vector (7x7 and 14x14 images, stride 1 or 2): the masks once, then
    // one masked copy per row.
    constexpr int L = static_cast<int>(xsimd::batch<float, Arch>::size);
    if ((stride == 1 && n < L) || (stride == 2 && n <= L)) {
      const auto m = ShortRows<Arch>::masks(n);
      for (int64_t r = 0; r < rows; ++r, out += ldo) {
        const float* row = src + (offsets != nullptr ? offsets[r] : r * ld);
        if (stride == 1) {
          ShortRows<Arch>::copy(row, out, m);
        } else {
          ShortRows<Arch>::even(row, out, m);
        }
      }
      return;
    }
  }
  for (int64_t r = 0; r < rows; ++r, out += ldo) {
    gather_strided<Arch>(src + (offsets != nullptr ? offsets[r] : r * ld), stride, out, static_cast<size_t>(n));
  }
}

template <class Arch>
void clamp(const float* x, float* out, size_t n, float lo, float hi) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  const V vlo(lo), vhi(hi);
  size_t i = 0;
  for (; i + L <= n; i += L) xsimd::min(xsimd::max(V::load_unaligned(x + i), vlo), vhi).store_unaligned(out + i);
  for (; i < n; ++i) {
    float v = x[i] > lo ? x[i] : lo;  // NaN becomes lo, as the vector max does
    out[i] = v < hi ? v : hi;
  }
}

template <class Arch>
void scale_shift(const float* x, float* out, size_t n, float scale, float shift) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  const V s(scale), t(shift);
  size_t i = 0;
  // Multiply, then add: two roundings on every ISA, FMA or not, as the scalar reference does
  // (ops/meson.build compiles the ISA files with -ffp-contract=off).
  for (; i + L <= n; i += L) (V::load_unaligned(x + i) * s + t).store_unaligned(out + i);
  for (; i < n; ++i) out[i] = x[i] * scale + shift;
}

// out[i] = bias + sum over j < count of w[j] * taps[j][i], multiplied then added in order j. A
// Count above 0 fixes the number of taps at compile time (3x3: the nine weights stay in
// registers); 0 takes `count` (5x5, 7x7: each weight broadcast as the taps stream past).
template <class Arch, int Count>
void taps_loop(const float* const* t, int count, const float* w, float bias, float* out, size_t n) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  if constexpr (Count > 0) count = Count;
  auto at = [&](size_t i) {
    V acc(bias);
    for (int j = 0; j < count; ++j) acc = acc + V(w[j]) * V::load_unaligned(t[j] + i);
    acc.store_unaligned(out + i);
  };
  size_t i = 0;
  for (; i + L <= n; i += L) at(i);
  if (i < n && n >= L) {
    at(n - L);  // the tail as one vector overlapping the last (out is not a tap, so it is the same)
    return;
  }
  for (; i < n; ++i) {
    float acc = bias;
    for (int j = 0; j < count; ++j) acc = acc + w[j] * t[j][i];
    out[i] = acc;
  }
}

template <class Arch>
void depthwise_taps(const float* const* t, int count, const float* w, float bias, float* out, size_t n) {
  if (count == 9) return taps_loop<Arch, 9>(t, 9, w, bias, out, n);
  taps_loop<Arch, 0>(t, count, w, bias, out, n);
}

// A 3x3 depthwise convolution straight from the input rows, column stride 1 or 2, where the
// tap kernel above needs the input copied into padded (polyphase) planes first: a pass over
// the whole input, of which stride 2 keeps a quarter. At stride 2 each row is split once into
// even and odd lanes (EvenOdd) for all three of its taps. Multiply-adds fused, in tap order.
template <class Arch>
bool depthwise3x3_rows(const float* const* rows, int64_t stride, const float* w, float bias, float* out, size_t n) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  if (n < L || (stride != 1 && (stride != 2 || !EvenOdd<Arch>::available))) return false;
  const V b(bias), w0(w[0]), w1(w[1]), w2(w[2]), w3(w[3]), w4(w[4]), w5(w[5]), w6(w[6]), w7(w[7]), w8(w[8]);
  auto run = [&](auto row) {
    auto at = [&](size_t i) {
      V acc = row(rows[0], i, w0, w1, w2, b);
      acc = row(rows[1], i, w3, w4, w5, acc);
      row(rows[2], i, w6, w7, w8, acc).store_unaligned(out + i);
    };
    size_t i = 0;
    for (; i + L <= n; i += L) at(i);
    if (i < n) at(n - L);  // the tail as one vector overlapping the last (out is not read)
  };
  if (stride == 1) {
    run([](const float* r, size_t i, const V& wa, const V& wb, const V& wc, V acc) {
      acc = Fma<Arch>::apply(wa, V::load_unaligned(r + i), acc);
      acc = Fma<Arch>::apply(wb, V::load_unaligned(r + i + 1), acc);
      return Fma<Arch>::apply(wc, V::load_unaligned(r + i + 2), acc);
    });
    return true;
  }
  if constexpr (EvenOdd<Arch>::available) {
    run([](const float* r, size_t i, const V& wa, const V& wb, const V& wc, V acc) {
      const float* p = r + 2 * i;
      V even, odd;
      EvenOdd<Arch>::apply(p, &even, &odd);
      acc = Fma<Arch>::apply(wa, even, acc);
      acc = Fma<Arch>::apply(wb, odd, acc);
      return Fma<Arch>::apply(wc, EvenOdd<Arch>::next_even(even, p[2 * L]), acc);
    });
  }
  return true;
}

// One lane per output: taps[t][i * stride] for i in [start, start + lanes), stride 1 or (with
// EvenLanes) 2.
template <class Arch>
inline xsimd::batch<float, Arch> load_window(const float* tap, int64_t stride, size_t start) {
  using V = xsimd::batch<float, Arch>;
  if constexpr (EvenLanes<Arch>::available) {
    if (stride == 2) return EvenLanes<Arch>::apply(tap + 2 * start);
  }
  return V::load_unaligned(tap + start);
}

template <class Arch>
void max_taps(const float* const* taps, int count, int64_t stride, float* out, size_t n, bool slack) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  static_assert(L <= 16, "slack covers 16 windows");
  const bool vector = stride == 1 || (stride == 2 && EvenLanes<Arch>::available);
  auto window = [&](size_t i) {
    V best = load_window<Arch>(taps[0], stride, i);
    for (int t = 1; t < count; ++t) {
      const V v = load_window<Arch>(taps[t], stride, i);
      best = KeepGreater<Arch>::apply(v, best);  // the scalar rule, lane by lane
    }
    return best;
  };
  // Four windows at once: each is a chain of dependent selects, and four independent chains
  // keep the vector units busy where one waits on its last select (ResNet-18's pool 0.237 ->
  // 0.200 ms; SqueezeNet's first, 55 wide, now 0.16 ms here against 0.21 with channels in lanes).
  // At stride 2 a window vector costs about 28 cycles on this Zen 5: its nine taps' 18 loads
  // straddle cache lines. Windows 2 or 3 wide take max_stride2 instead, which loads each row
  // once; separable maxima (rows into a stack buffer, then columns) were slower, reading back
  // their own fresh stores unaligned.
  auto four = [&](size_t i0, size_t i1, size_t i2, size_t i3) {
    V b0 = load_window<Arch>(taps[0], stride, i0), b1 = load_window<Arch>(taps[0], stride, i1);
    V b2 = load_window<Arch>(taps[0], stride, i2), b3 = load_window<Arch>(taps[0], stride, i3);
    for (int t = 1; t < count; ++t) {
      const V v0 = load_window<Arch>(taps[t], stride, i0), v1 = load_window<Arch>(taps[t], stride, i1);
      const V v2 = load_window<Arch>(taps[t], stride, i2), v3 = load_window<Arch>(taps[t], stride, i3);
      b0 = KeepGreater<Arch>::apply(v0, b0);
      b1 = KeepGreater<Arch>::apply(v1, b1);
      b2 = KeepGreater<Arch>::apply(v2, b2);
      b3 = KeepGreater<Arch>::apply(v3, b3);
    }
    b0.store_unaligned(out + i0);
    b1.store_unaligned(out + i1);
    b2.store_unaligned(out + i2);
    b3.store_unaligned(out + i3);
  };
  size_t i = 0;
  if (vector && n >= L) {
    for (; i + 4 * L <= n; i += 4 * L) four(i, i + L, i + 2 * L, i + 3 * L);
    // The rest, a last window overlapping the one before it (out is not a tap): up to four more.
    const size_t last = n - L;
    if (i < n) {
      auto at = [&](size_t k) { return std::min(i + k * L, last); };
      four(at(0), at(1), at(2), at(3));
    }
    return;
  }
  if (vector && slack && n > 0) {
    alignas(64) float lanes[L];
    window(0).store_aligned(lanes);
    for (size_t j = 0; j < n; ++j) out[j] = lanes[j];
    return;
  }
  for (; i < n; ++i) {
    float best = taps[0][static_cast<int64_t>(i) * stride];
    for (int t = 1; t < count; ++t) {
      const float v = taps[t][static_cast<int64_t>(i) * stride];
      if (v > best) best = v;
    }
    out[i] = best;
  }
}

// Stride-2 max pooling of windows kw = 2 or 3 wide (ResNet's and SqueezeNet's 3x3/2, VGG's
// 2x2/2), the rule of max_taps with its taps in the same row-major order: each row is loaded
// once as even and odd lanes (EvenOdd) for all of a window's columns, where max_taps loads and
// permutes two vectors per tap (SqueezeNet's first pool 0.145 -> 0.074 ms in a microbenchmark
// on this Zen 5). Two vectors of windows at a time keep two chains of selects going.
template <class Arch, int KW>
void max_stride2_rows(const float* const* rows, int count, float* out, size_t n) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  // Row r of the windows i .. i + L - 1: columns 2i + j for j < KW, j-major.
  auto row = [&](size_t i, int r, V& best) {
    const float* p = rows[r] + 2 * i;
    V even, odd;
    EvenOdd<Arch>::apply(p, &even, &odd);
    best = r == 0 ? even : KeepGreater<Arch>::apply(even, best);
    best = KeepGreater<Arch>::apply(odd, best);
    if constexpr (KW == 3) best = KeepGreater<Arch>::apply(EvenOdd<Arch>::next_even(even, p[2 * L]), best);
  };
  auto two = [&](size_t i0, size_t i1) {
    V b0, b1;
    for (int r = 0; r < count; ++r) {
      row(i0, r, b0);
      row(i1, r, b1);
    }
    b0.store_unaligned(out + i0);
    b1.store_unaligned(out + i1);
  };
  size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) two(i, i + L);
  // The rest, the last vector overlapping the one before it (out is not a tap).
  if (i < n) two(std::min(i, n - L), n - L);
}

template <class Arch>
bool max_stride2(const float* const* rows, int count, int kw, float* out, size_t n) {
  if constexpr (EvenOdd<Arch>::available) {
    if (n < xsimd::batch<float, Arch>::size || count < 1 || (kw != 2 && kw != 3)) return false;
    if (kw == 3) {
      max_stride2_rows<Arch, 3>(rows, count, out, n);
    } else {
      max_stride2_rows<Arch, 2>(rows, count, out, n);
    }
    return true;
  } else {
    return false;
  }
}

template <class Arch>
float sum(const float* x, size_t n) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  V acc0(0.0f), acc1(0.0f);
  size_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    acc0 += V::load_unaligned(x + i);
    acc1 += V::load_unaligned(x + i + L);
  }
  for (; i + L <= n; i += L) acc0 += V::load_unaligned(x + i);
  float s = xsimd::hadd(acc0 + acc1);
  for (; i < n; ++i) s += x[i];
  return s;
}

template <class Arch>
float dot(const float* x, const float* y, size_t n) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  V acc0(0.0f), acc1(0.0f), acc2(0.0f), acc3(0.0f);
  size_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    acc0 = Fma<Arch>::apply(V::load_unaligned(x + i), V::load_unaligned(y + i), acc0);
    acc1 = Fma<Arch>::apply(V::load_unaligned(x + i + L), V::load_unaligned(y + i + L), acc1);
    acc2 = Fma<Arch>::apply(V::load_unaligned(x + i + 2 * L), V::load_unaligned(y + i + 2 * L), acc2);
    acc3 = Fma<Arch>::apply(V::load_unaligned(x + i + 3 * L), V::load_unaligned(y + i + 3 * L), acc3);
  }
  for (; i + L <= n; i += L) acc0 = Fma<Arch>::apply(V::load_unaligned(x + i), V::load_unaligned(y + i), acc0);
  float s = xsimd::hadd((acc0 + acc1) + (acc2 + acc3));
  for (; i < n; ++i) s += x[i] * y[i];
  return s;
}

template <class Arch>
void axpy(float a, const float* x, float* y, size_t n) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  const V va(a);
  size_t i = 0;
  // Multiply, then add (as scale_shift): the same roundings as the scalar loop.
  for (; i + L <= n; i += L) (V::load_unaligned(y + i) + va * V::load_unaligned(x + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] = y[i] + a * x[i];
}

template <class Arch>
float max(const float* x, size_t n) {
  using V = xsimd::batch<float, Arch>;
  constexpr size_t L = V::size;
  float m = -__builtin_huge_valf();
  size_t i = 0;
  if (n >= L) {
    V acc = V::load_unaligned(x);
    for (i = L; i + L <= n; i += L) acc = xsimd::max(acc, V::load_unaligned(x + i));
    alignas(64) float lanes[L];
    acc.store_aligned(lanes);
    for (size_t j = 0; j < L; ++j) m = lanes[j] > m ? lanes[j] : m;
  }
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

}  // namespace
}  // namespace onyx::simd
