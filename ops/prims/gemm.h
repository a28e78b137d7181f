// Matrix multiplication primitives (no ONNX knowledge).
//
// Everything is row-major with explicit leading dimensions:
//   C[M x N] = alpha * op(A) * op(B) + beta * C
// op(A) is M x K: A is stored M x K (lda >= K), or K x M when trans_a (lda >= M).
// op(B) is K x N: B is stored K x N (ldb >= N), or N x K when trans_b (ldb >= K).
// When beta == 0, C is only written (NaN or garbage in C does not propagate).
//
// gemm_ref is the plain scalar reference for any element type (16-bit floats accumulate in
// float through Acc). sgemm is the fast float32 path: the active ISA's GEMM micro-kernels
// (simd::SimdKernels) with both operands packed as it goes, dot/axpy kernels for up to 4 rows,
// or Eigen's blocked GEMM when no SIMD table is compiled in. It runs single-threaded and
// allocates nothing: its packing buffers live in caller-provided scratch of
// sgemm_scratch_bytes(m, n, k) bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace onyx::prims {

template <class T, class Acc = T>
void gemm_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, Acc alpha,
              const T* a, int64_t lda, const T* b, int64_t ldb, Acc beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      Acc sum = Acc(0);
      for (int64_t p = 0; p < k; ++p) {
        Acc av = static_cast<Acc>(trans_a ? a[p * lda + i] : a[i * lda + p]);
        Acc bv = static_cast<Acc>(trans_b ? b[j * ldb + p] : b[p * ldb + j]);
        sum += av * bv;
      }
      T& out = c[i * ldc + j];
      Acc v = alpha * sum;
      if (beta != Acc(0)) v += beta * static_cast<Acc>(out);
      out = static_cast<T>(v);
    }
  }
}

// sgemm computes products of up to this many rows as matrix-vector products (dot or axpy per
// row, B read once for all of them): no scratch, no tile padding, and memory-bound.
constexpr int64_t kSgemmFewRows = 4;

// Cache blocking of sgemm and the scratch it needs. A plan made for an m x n x k product
// serves every product with smaller or equal m, n and k (Eigen's blocking heuristic is not
// monotone, so a smaller product must not compute its own: it could need more scratch).
struct SgemmPlan {
  int tile = -1;  // index of the SIMD micro-kernel (simd::SimdKernels::gemm), or -1: Eigen
  int64_t kc = 0, mc = 0, nc = 0;
  size_t scratch_bytes = 0;  // 0 when any of m, n, k is 0
};
SgemmPlan sgemm_plan(int64_t m, int64_t n, int64_t k);

// Fast float32 GEMM for m <= plan's m, n <= plan's n, k <= plan's k. `scratch` must hold
// plan.scratch_bytes bytes (any alignment).
void sgemm(const SgemmPlan& plan, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
           float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
           float* c, int64_t ldc, void* scratch);

// Shorthands planning for exactly this size.
inline size_t sgemm_scratch_bytes(int64_t m, int64_t n, int64_t k) { return sgemm_plan(m, n, k).scratch_bytes; }
inline void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                  int64_t ldc, void* scratch) {
  sgemm(sgemm_plan(m, n, k), trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch);
}

}  // namespace onyx::prims
