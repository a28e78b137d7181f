// sgemm on the active ISA's GEMM micro-kernels (see tile_sgemm below) or, without a SIMD table,
// on Eigen's blocked GEMM kernel (packing + gebp micro-kernel), driven directly so
// that the packing buffers come from our scratch instead of Eigen's allocator:
// general_matrix_matrix_product::run() uses blocking.blockA()/blockB() when they are set,
// and only falls back to alloca/malloc when they are null. EIGEN_DONT_PARALLELIZE keeps it
// single-threaded (no OpenMP team, no GemmParallelInfo).
#define EIGEN_DONT_PARALLELIZE 1
#include "prims/gemm.h"

#include "prims/align.h"
#include "prims/fast_paths.h"
#include "prims/packed_gemm.h"
#include "simd/kernels.h"

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace onyx::prims {
namespace {

using Eigen::Index;

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

// Col-major res[rows x cols] (stride res_stride) += alpha * lhs[rows x depth] * rhs[depth x cols].
template <int LhsOrder, int RhsOrder>
void run_eigen(const SgemmPlan& plan, Index rows, Index cols, Index depth, const float* lhs,
               Index lhs_stride, const float* rhs, Index rhs_stride, float* res, Index res_stride,
               float alpha, void* scratch) {
  // Eigen packs at most kc * min(rows, mc) lhs and kc * min(cols, nc) rhs values.
  float* block_a = align_ptr<float>(scratch);
  float* block_b = align_ptr<float>(block_a + plan.kc * plan.mc);
  ScratchBlocking blocking(plan, block_a, block_b);
  Eigen::internal::general_matrix_matrix_product<Index, float, LhsOrder, false, float, RhsOrder,
                                                 false, Eigen::ColMajor, 1>::run(
      rows, cols, depth, lhs, lhs_stride, rhs, rhs_stride, res, 1, res_stride, alpha, blocking,
      nullptr);
}

// Blocking of the Eigen path (see sgemm_plan).
constexpr int64_t kEigenKc = 128, kEigenMc = 64, kEigenNc = 128;

// Blocking of the micro-kernel path: K in slices whose B panel (kc x NR) stays in L1, rows of
// op(A) in blocks of at most kTileMc (a multiple of every tile's MR) packed once per slice.
constexpr int64_t kTileKc = 256;
constexpr int64_t kTileMc = 240;

// C (m x n, already beta-scaled) += alpha * op(A) * op(B) on the micro-kernel `t`.
void tile_sgemm(const SgemmPlan& plan, const simd::SimdKernels& kernels, bool trans_a, bool trans_b, int64_t m,
                int64_t n, int64_t k, float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                int64_t ldc, void* scratch) {
  const simd::SimdKernels::GemmTile& t = kernels.gemm[plan.tile];
  const int mr = t.mr, nr = t.nr;
  float* a_pack = align_ptr<float>(scratch);                  // [plan.mc / mr][kc][mr]
  float* b_pack = align_ptr<float>(a_pack + plan.mc * plan.kc);  // [kc][nr]
  const simd::TileEpilogue none;
  for (int64_t i_blk = 0; i_blk < m; i_blk += plan.mc) {
    const int64_t mc = std::min(plan.mc, m - i_blk);
    for (int64_t k0 = 0; k0 < k; k0 += plan.kc) {
      const int64_t kc = std::min(plan.kc, k - k0);
      pack_a_panels(a, lda, trans_a, i_blk, mc, k0, kc, mr, alpha, a_pack);
      for (int64_t j0 = 0; j0 < n; j0 += nr) {
        const int cols = static_cast<int>(std::min<int64_t>(nr, n - j0));
        // B panel: op(B) rows k0.., columns j0.., zero-padded to nr columns.
        if (trans_b) {
          for (int j = 0; j < nr; ++j) {
            const float* src = b + (j0 + j) * ldb + k0;
            for (int64_t p = 0; p < kc; ++p) b_pack[p * nr + j] = j < cols ? src[p] : 0.0f;
          }
        } else {
          pack_b_panel(BSource::matrix(b + k0 * ldb, kc, n, ldb), nullptr, kc, j0, cols, nr, kernels, b_pack);
        }
        for (int64_t i0 = 0; i0 < mc; i0 += mr) {
          t.fn(kc, a_pack + i0 * kc, b_pack, t.nr, c + (i_blk + i0) * ldc + j0, ldc,
               static_cast<int>(std::min<int64_t>(mr, mc - i0)), cols, true, false, none);
        }
      }
    }
  }
}

// C (m <= kSgemmFewRows rows of n, already beta-scaled) += alpha * op(A) * op(B) for an op(A) of
// few rows: matrix-vector products over the rows (or, transposed, the columns) of B, with no
// scratch and none of a tile's padding (a batch of 3 through a 1000-class classifier: 0.67 ->
// 0.14 ms), each element the same sum as for one row alone. B is read once for all the rows.
// The active ISA's dot and axpy kernels when there are any.
void gemv(const simd::SimdKernels* kernels, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  const int64_t as = trans_a ? lda : 1, ar = trans_a ? 1 : lda;  // op(A)[i][p] = a[i * ar + p * as]
  if (!trans_b) {
    for (int64_t p = 0; p < k; ++p) {
      const float* row = b + p * ldb;
      for (int64_t i = 0; i < m; ++i) {
        const float ap = alpha * a[i * ar + p * as];
        float* ci = c + i * ldc;
        if (kernels != nullptr) {
          kernels->axpy(ap, row, ci, static_cast<size_t>(n));
        } else {
          for (int64_t j = 0; j < n; ++j) ci[j] = ci[j] + ap * row[j];
        }
      }
    }
    return;
  }
  for (int64_t j = 0; j < n; ++j) {
    const float* row = b + j * ldb;
    for (int64_t i = 0; i < m; ++i) {
      const float* ai = a + i * ar;
      float sum = 0.0f;
      if (kernels != nullptr && as == 1) {
        sum = kernels->dot(ai, row, static_cast<size_t>(k));
      } else {
        for (int64_t p = 0; p < k; ++p) sum += ai[p * as] * row[p];
      }
      c[i * ldc + j] += alpha * sum;
    }
  }
}

}  // namespace

SgemmPlan sgemm_plan(int64_t m, int64_t n, int64_t k) {
  SgemmPlan p;
  // A few rows need no scratch (gemv); neither does an empty product.
  if (m <= kSgemmFewRows || n <= 0 || k <= 0) return p;
  if (const simd::SimdKernels* kernels = simd::kernels(); kernels != nullptr && kernels->gemm_tiles > 0) {
    p.tile = choose_tile(*kernels, m, n);
    const int64_t mr = kernels->gemm[p.tile].mr, nr = kernels->gemm[p.tile].nr;
    p.kc = std::min(k, kTileKc);
    p.mc = std::min((m + mr - 1) / mr * mr, kTileMc);
    p.nc = nr;
    p.scratch_bytes = static_cast<size_t>(p.mc * p.kc + p.kc * nr) * sizeof(float) + 2 * kAlign;
    return p;
  }
  // The product is computed as C^T (n x m, col-major) = op(B)^T * op(A)^T: Eigen's rows are
  // our n, its cols our m. Fixed block sizes, not Eigen's heuristic: that one reads the CPU's
  // cache sizes and vector width, so a plan (and the arena of a compiled model) would differ
  // between the machine that compiles a model and the device that runs it. These keep the
  // packing buffers under 96 KiB, which suits the targets without SIMD kernels (microcontrollers).
  p.kc = std::min<int64_t>(k, kEigenKc);
  p.mc = std::min<int64_t>(n, kEigenMc);
  p.nc = std::min<int64_t>(m, kEigenNc);
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
  if (m <= kSgemmFewRows) {
    gemv(simd::kernels(), trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, c, ldc);
    return;
  }
  if (plan.kc <= 0 || plan.mc <= 0 || plan.nc <= 0 || scratch == nullptr) {  // planned for an empty product
    gemm_ref<float>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, 1.0f, c, ldc);
    return;
  }
  if (plan.tile >= 0) {
    const simd::SimdKernels& kernels = *simd::kernels();
    tile_sgemm(plan, kernels, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, c, ldc, scratch);
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
