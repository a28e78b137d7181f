// sgemm on Eigen's blocked GEMM kernel (packing + gebp micro-kernel), driven directly so
// that the packing buffers come from our scratch instead of Eigen's allocator:
// general_matrix_matrix_product::run() uses blocking.blockA()/blockB() when they are set,
// and only falls back to alloca/malloc when they are null. EIGEN_DONT_PARALLELIZE keeps it
// single-threaded (no OpenMP team, no GemmParallelInfo).
#define EIGEN_DONT_PARALLELIZE 1
#include "prims/gemm.h"

#include "prims/fast_paths.h"

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace onyx::prims {
namespace {

using Eigen::Index;

constexpr size_t kAlign = 64;

// level3_blocking whose packing buffers point into caller memory.
class ScratchBlocking : public Eigen::internal::level3_blocking<float, float> {
 public:
  ScratchBlocking(const SgemmPlan& p, float* block_a, float* block_b) {
    this->m_kc = static_cast<Index>(p.kc);
    this->m_mc = static_cast<Index>(p.mc);
    this->m_nc = static_cast<Index>(p.nc);
    this->m_blockA = block_a;
    this->m_blockB = block_b;
  }
};

float* align_up(void* p) {
  auto u = reinterpret_cast<uintptr_t>(p);
  u = (u + kAlign - 1) & ~static_cast<uintptr_t>(kAlign - 1);
  return reinterpret_cast<float*>(u);
}

// Col-major res[rows x cols] (stride res_stride) += alpha * lhs[rows x depth] * rhs[depth x cols].
template <int LhsOrder, int RhsOrder>
void run_eigen(const SgemmPlan& plan, Index rows, Index cols, Index depth, const float* lhs,
               Index lhs_stride, const float* rhs, Index rhs_stride, float* res, Index res_stride,
               float alpha, void* scratch) {
  // Eigen packs at most kc * min(rows, mc) lhs and kc * min(cols, nc) rhs values.
  float* block_a = align_up(scratch);
  float* block_b = align_up(block_a + plan.kc * plan.mc);
  ScratchBlocking blocking(plan, block_a, block_b);
  Eigen::internal::general_matrix_matrix_product<Index, float, LhsOrder, false, float, RhsOrder,
                                                 false, Eigen::ColMajor, 1>::run(
      rows, cols, depth, lhs, lhs_stride, rhs, rhs_stride, res, 1, res_stride, alpha, blocking,
      nullptr);
}

}  // namespace

SgemmPlan sgemm_plan(int64_t m, int64_t n, int64_t k) {
  SgemmPlan p;
  if (m <= 0 || n <= 0 || k <= 0) return p;
  // The product is computed as C^T (n x m, col-major) = op(B)^T * op(A)^T: Eigen's rows are
  // our n, its cols our m.
  Index kc = k, mc = n, nc = m;
  Eigen::internal::computeProductBlockingSizes<float, float, 1>(kc, mc, nc, Index{1});
  p.kc = kc;
  p.mc = std::min<int64_t>(mc, n);
  p.nc = std::min<int64_t>(nc, m);
  p.scratch_bytes = static_cast<size_t>(p.kc * p.mc + p.kc * p.nc) * sizeof(float) + 2 * kAlign;
  return p;
}

void sgemm(const SgemmPlan& plan, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc, void* scratch) {
  if (m <= 0 || n <= 0) return;
  if (!fast_paths_enabled()) {
    gemm_ref<float, float>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  // C = beta * C first; the kernel then accumulates alpha * op(A) * op(B).
  if (beta == 0.0f) {
    for (int64_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, static_cast<size_t>(n) * sizeof(float));
  } else if (beta != 1.0f) {
    for (int64_t i = 0; i < m; ++i) {
      float* row = c + i * ldc;
      for (int64_t j = 0; j < n; ++j) row[j] *= beta;
    }
  }
  if (k <= 0 || alpha == 0.0f) return;
  if (plan.kc <= 0 || plan.mc <= 0 || plan.nc <= 0 || scratch == nullptr) {  // planned for an empty product
    gemm_ref<float>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, 1.0f, c, ldc);
    return;
  }
  // Row-major C (m x n) is col-major C^T (n x m) with stride ldc. Its factors:
  //   lhs = op(B)^T (n x k): B as stored is col-major when !trans_b, row-major when trans_b.
  //   rhs = op(A)^T (k x m): A as stored is col-major when !trans_a, row-major when trans_a.
  const Index rows = n, cols = m, depth = k;
  if (!trans_b && !trans_a) {
    run_eigen<Eigen::ColMajor, Eigen::ColMajor>(plan, rows, cols, depth, b, ldb, a, lda, c, ldc, alpha, scratch);
  } else if (!trans_b && trans_a) {
    run_eigen<Eigen::ColMajor, Eigen::RowMajor>(plan, rows, cols, depth, b, ldb, a, lda, c, ldc, alpha, scratch);
  } else if (trans_b && !trans_a) {
    run_eigen<Eigen::RowMajor, Eigen::ColMajor>(plan, rows, cols, depth, b, ldb, a, lda, c, ldc, alpha, scratch);
  } else {
    run_eigen<Eigen::RowMajor, Eigen::RowMajor>(plan, rows, cols, depth, b, ldb, a, lda, c, ldc, alpha, scratch);
  }
}

}  // namespace onyx::prims
