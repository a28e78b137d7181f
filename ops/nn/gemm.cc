// Gemm (1, 6, 7, 9, 11, 13) and MatMul (1, 9, 13). float32 runs prims::sgemm on the session's
// threads (ParallelSgemm; MatMul's separate batches as whole products); the other floating
// types run prims::gemm_ref; integers use wrap-around (two's complement) arithmetic.
#include <algorithm>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "dispatch.h"
#include "kernel.h"
#include "nn/common.h"
#include "prims/gemm.h"
#include "simd/kernels.h"

namespace onyx {
namespace {

constexpr DTypeMask kInts = mask_of(DType::kInt32, DType::kInt64, DType::kUInt32, DType::kUInt64);

// The dtypes a Gemm/MatMul schema version allows: floats from 1, 32/64-bit ints from 9,
// bfloat16 from 13.
constexpr DTypeMask matmul_types(int since_version) {
  DTypeMask m = kMaskFloat3;
  if (since_version >= 9) m |= kInts;
  if (since_version >= 13) m |= mask_of(DType::kBFloat16);
  return m;
}

// Same-width unsigned type, used to multiply and add integers with defined wrap-around.
template <class T>
struct Wrap {
  using type = T;
};
template <>
struct Wrap<int32_t> {
  using type = uint32_t;
};
template <>
struct Wrap<int64_t> {
  using type = uint64_t;
};

// C = alpha * op(A) * op(B) + beta * C for any element type (beta == 0: C not read).
template <class T>
void gemm_any(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const T* a, int64_t lda,
              const T* b, int64_t ldb, float beta, T* c, int64_t ldc, void* scratch) {
  if constexpr (std::is_same_v<T, float>) {
    prims::sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, scratch);
  } else if constexpr (std::is_integral_v<T>) {
    using U = typename Wrap<T>::type;
    // Integer dot products wrap; a non-unit alpha/beta scales in double and truncates.
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        U sum = 0;
        for (int64_t p = 0; p < k; ++p) {
          U av = static_cast<U>(ta ? a[p * lda + i] : a[i * lda + p]);
          U bv = static_cast<U>(tb ? b[j * ldb + p] : b[p * ldb + j]);
          sum = static_cast<U>(sum + static_cast<U>(av * bv));
        }
        T& out = c[i * ldc + j];
        U v = alpha == 1.0f ? sum : static_cast<U>(static_cast<T>(static_cast<double>(alpha) *
                                                                   static_cast<double>(static_cast<T>(sum))));
        if (beta == 1.0f) {
          v = static_cast<U>(v + static_cast<U>(out));
        } else if (beta != 0.0f) {
          v = static_cast<U>(v + static_cast<U>(static_cast<T>(static_cast<double>(beta) * static_cast<double>(out))));
        }
        out = static_cast<T>(v);
      }
    }
  } else {
    using Acc = compute_t<T>;
    prims::gemm_ref<T, Acc>(ta, tb, m, n, k, static_cast<Acc>(alpha), a, lda, b, ldb, static_cast<Acc>(beta), c, ldc);
  }
}

// A float32 product C = alpha op(A) op(B) + beta C shared between the session's threads: each
// a run of C's rows (or, when C has fewer rows than columns to share, of its columns) sized to
// its speed (RunContext::parallel_shares), with its own scratch. Every part runs the whole
// product's plan, so an element is the same sum in the same order however the product is split
// (and no part is a single row, which sgemm would take as a matrix-vector product, summed in
// another order). Products under kMinParallelMacs, and the portable (Eigen) path, stay on one
// thread; products of a few rows (matrix-vector products in sgemm) are split by columns.
class ParallelSgemm {
 public:
  void prepare(PrepareContext& ctx, int64_t m, int64_t n, int64_t k) {
    plan_ = prims::sgemm_plan(m, n, k);
    m_ = m;
    n_ = n;
    k_ = k;
    ctx.request_worker_scratch(plan_.scratch_bytes);
  }

  void run(RunContext& ctx, bool ta, bool tb, float alpha, const float* a, int64_t lda, const float* b, int64_t ldb,
           float beta, float* c, int64_t ldc) const {
    const int64_t row_blocks = m_ / kRowGrain, col_blocks = n_ / kColGrain;
    // A matrix-vector product streams all of B: worth a second thread from far fewer multiply-adds.
    const int64_t min_macs = m_ <= prims::kSgemmFewRows ? kMinParallelGemvMacs : kMinParallelMacs;
    const bool split = ctx.workers() > 1 && simd::kernels() != nullptr && m_ * n_ * k_ >= min_macs &&
                       std::max(row_blocks, col_blocks) >= 2;
    if (!split) {
      prims::sgemm(plan_, ta, tb, m_, n_, k_, alpha, a, lda, b, ldb, beta, c, ldc, ctx.worker_scratch(0));
      return;
    }
    // Blocks of whole grains, the last taking the remainder.
    const bool by_rows = row_blocks >= 2 * ctx.workers() || row_blocks >= col_blocks;
    const int64_t blocks = by_rows ? row_blocks : col_blocks, grain = by_rows ? kRowGrain : kColGrain;
    const int64_t size = by_rows ? m_ : n_;
    ctx.parallel_shares(blocks, 1, [&](int64_t first, int64_t last, int worker) {
      const int64_t i0 = first * grain, i1 = last == blocks ? size : last * grain;
      void* scratch = ctx.worker_scratch(worker);
      if (by_rows) {
        prims::sgemm(plan_, ta, tb, i1 - i0, n_, k_, alpha, a + (ta ? i0 : i0 * lda), lda, b, ldb, beta, c + i0 * ldc,
                     ldc, scratch);
      } else {
        prims::sgemm(plan_, ta, tb, m_, i1 - i0, k_, alpha, a, lda, b + (tb ? i0 * ldb : i0), ldb, beta, c + i0, ldc,
                     scratch);
      }
    });
  }

  // Below this many multiply-adds handing out the parts costs more than it saves (as for
  // convolutions).
  static constexpr int64_t kMinParallelMacs = int64_t{1} << 21, kMinParallelGemvMacs = int64_t{1} << 18;

 private:
  static constexpr int64_t kRowGrain = 16, kColGrain = 64;
  prims::SgemmPlan plan_;
  int64_t m_ = 0, n_ = 0, k_ = 0;
};

class GemmKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "Gemm needs inputs 'A' and 'B'");
    }
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, matmul_types(ctx.since_version()))) return ctx.unsupported_dtype(0, t);
    ONYX_TRY(nn::expect_dtype(ctx, 1, t, "B"));
    ONYX_TRY(ctx.attr_float("alpha", &alpha_, 1.0f));
    ONYX_TRY(ctx.attr_float("beta", &beta_, 1.0f));
    int64_t ta = 0, tb = 0;
    ONYX_TRY(ctx.attr_int("transA", &ta, 0));
    ONYX_TRY(ctx.attr_int("transB", &tb, 0));
    trans_a_ = ta != 0;
    trans_b_ = tb != 0;
    const Dims& as = ctx.in_shape(0);
    const Dims& bs = ctx.in_shape(1);
    if (as.size() != 2) return ctx.fail(Code::kInvalidArgument, "input 'A' must be 2-D, got ", shape_str(as));
    if (bs.size() != 2) return ctx.fail(Code::kInvalidArgument, "input 'B' must be 2-D, got ", shape_str(bs));
    m_ = trans_a_ ? as[1] : as[0];
    k_ = trans_a_ ? as[0] : as[1];
    const int64_t kb = trans_b_ ? bs[1] : bs[0];
    n_ = trans_b_ ? bs[0] : bs[1];
    if (kb != k_) {
      return ctx.fail(Code::kInvalidArgument, "inner dimensions differ: 'A' ", shape_str(as),
                      (trans_a_ ? " (transposed)" : ""), " and 'B' ", shape_str(bs), (trans_b_ ? " (transposed)" : ""));
    }
    // C is unidirectionally broadcast to [M, N] (opset < 7: with broadcast=1; accepted either way).
    has_c_ = ctx.has_input(2);
    c_rows_ = c_cols_ = 0;
    if (has_c_) {
      ONYX_TRY(nn::expect_dtype(ctx, 2, t, "C"));
      const Dims& cs = ctx.in_shape(2);
      if (cs.size() > 2) return ctx.fail(Code::kInvalidArgument, "input 'C' must have rank <= 2, got ", shape_str(cs));
      c_rows_ = cs.size() == 2 ? cs[0] : 1;
      c_cols_ = cs.empty() ? 1 : cs.back();
      if ((c_rows_ != 1 && c_rows_ != m_) || (c_cols_ != 1 && c_cols_ != n_)) {
        return ctx.fail(Code::kInvalidArgument, "input 'C' ", shape_str(cs), " cannot be broadcast to [", m_, ", ",
                        n_, "]");
      }
    } else if (ctx.since_version() < 11) {
      return ctx.fail(Code::kInvalidModel, "input 'C' is required before opset 11");
    }
    Result<int64_t> n = checked_numel({m_, n_});
    if (!n.ok()) return n.status();
    ctx.set_output(0, t, {m_, n_});
    if (t == DType::kFloat32) product_.prepare(ctx, m_, n_, k_);
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return Status();
    return dispatch<matmul_types(13)>(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* yp = y.data_as<T>();
      float beta = 0.0f;
      if (has_c_ && beta_ != 0.0f) {
        const T* cp = ctx.input(2).data_as<T>();
        for (int64_t i = 0; i < m_; ++i) {
          const T* crow = cp + (c_rows_ == 1 ? 0 : i * c_cols_);
          for (int64_t j = 0; j < n_; ++j) yp[i * n_ + j] = crow[c_cols_ == 1 ? 0 : j];
        }
        beta = beta_;
      }
      const T* a = ctx.input(0).data_as<T>();
      const T* b = ctx.input(1).data_as<T>();
      const int64_t lda = trans_a_ ? m_ : k_, ldb = trans_b_ ? k_ : n_;
      if constexpr (std::is_same_v<T, float>) {
        product_.run(ctx, trans_a_, trans_b_, alpha_, a, lda, b, ldb, beta, yp, n_);
      } else {
        gemm_any<T>(trans_a_, trans_b_, m_, n_, k_, alpha_, a, lda, b, ldb, beta, yp, n_, nullptr);
      }
      return Status();
    });
  }

 private:
  ParallelSgemm product_;
  float alpha_ = 1.0f, beta_ = 1.0f;
  bool trans_a_ = false, trans_b_ = false, has_c_ = false;
  int64_t m_ = 0, n_ = 0, k_ = 0, c_rows_ = 0, c_cols_ = 0;
};

// numpy.matmul: 1-D operands are promoted (and the added axis removed), leading axes broadcast.
class MatMulKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "MatMul needs inputs 'A' and 'B'");
    }
    const DType t = ctx.in_dtype(0);
    if (!in_mask(t, matmul_types(ctx.since_version()))) return ctx.unsupported_dtype(0, t);
    ONYX_TRY(nn::expect_dtype(ctx, 1, t, "B"));
    const Dims& as = ctx.in_shape(0);
    const Dims& bs = ctx.in_shape(1);
    if (as.empty() || bs.empty()) {
      return ctx.fail(Code::kInvalidArgument, "MatMul inputs must have rank >= 1, got ", shape_str(as), " and ",
                      shape_str(bs));
    }
    const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
    m_ = a_vec ? 1 : as[as.size() - 2];
    k_ = as.back();
    const int64_t kb = b_vec ? bs[0] : bs[bs.size() - 2];
    n_ = b_vec ? 1 : bs.back();
    if (kb != k_) {
      return ctx.fail(Code::kInvalidArgument, "inner dimensions differ: 'A' ", shape_str(as), " and 'B' ",
                      shape_str(bs));
    }
    const Dims a_batch(as.begin(), as.end() - (a_vec ? 1 : 2));
    const Dims b_batch(bs.begin(), bs.end() - (b_vec ? 1 : 2));
    Dims batch;
    if (!broadcast_shapes(a_batch, b_batch, &batch)) {
      return ctx.fail(Code::kInvalidArgument, "batch axes of 'A' ", shape_str(as), " and 'B' ", shape_str(bs),
                      " do not broadcast");
    }
    Dims ys = batch;
    if (!a_vec) ys.push_back(m_);
    if (!b_vec) ys.push_back(n_);
    Result<int64_t> total = checked_numel(ys);
    if (!total.ok()) return total.status();
    // The batch count sizes the offset tables below; with m or n zero it is not bounded by the
    // output's size.
    Result<int64_t> batches = ctx.checked_elements(batch);
    if (!batches.ok()) return batches.status().with_context("batch axes");
    const int64_t nb = *batches;

    // Offsets (in elements) of each output batch's A and B matrices.
    a_off_.assign(static_cast<size_t>(nb), 0);
    b_off_.assign(static_cast<size_t>(nb), 0);
    const size_t r = batch.size();
    const Dims bstr = strides_of(batch);
    auto offsets = [&](const Dims& sub, int64_t mat, std::vector<int64_t>* out) {
      const Dims sstr = strides_of(sub);
      for (int64_t i = 0; i < nb; ++i) {
        int64_t off = 0;
        for (size_t d = 0; d < r; ++d) {
          const size_t lead = r - sub.size();
          if (d < lead) continue;
          const int64_t coord = (i / bstr[d]) % batch[d];
          if (sub[d - lead] != 1) off += coord * sstr[d - lead];
        }
        (*out)[static_cast<size_t>(i)] = off * mat;
      }
    };
    offsets(a_batch, m_ * k_, &a_off_);
    offsets(b_batch, k_ * n_, &b_off_);
    // When B is shared by every batch and A's batches are contiguous, fold them into M.
    fold_ = nb > 1 && numel(b_batch) == 1 && a_batch == batch;
    ctx.set_output(0, t, ys);
    if (t == DType::kFloat32) product_.prepare(ctx, fold_ || nb == 1 ? m_ * nb : m_, n_, k_);
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    if (y.numel() == 0) return Status();
    return dispatch<matmul_types(13)>(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      using U = typename Wrap<T>::type;  // integers multiply with wrap-around
      const U* a = reinterpret_cast<const U*>(ctx.input(0).data_as<T>());
      const U* b = reinterpret_cast<const U*>(ctx.input(1).data_as<T>());
      U* yp = reinterpret_cast<U*>(y.data_as<T>());
      const auto batches = static_cast<int64_t>(a_off_.size());
      if constexpr (std::is_same_v<T, float>) {
        // One product (batches folded into M): shared by rows or columns. Several: whole
        // products on the threads (attention's per-head products), each with its own scratch.
        auto product = [&](int64_t i, int worker) {
          const auto at = static_cast<size_t>(i);
          prims::sgemm(false, false, m_, n_, k_, 1.0f, a + a_off_[at], k_, b + b_off_[at], n_, 0.0f, yp + i * m_ * n_, n_,
                       ctx.worker_scratch(worker));
        };
        if (fold_ || batches == 1) {
          product_.run(ctx, false, false, 1.0f, a, k_, b, n_, 0.0f, yp, n_);
        } else if (batches * m_ * n_ * k_ >= ParallelSgemm::kMinParallelMacs) {
          ctx.parallel_for(batches, product);
        } else {
          for (int64_t i = 0; i < batches; ++i) product(i, 0);
        }
      } else {
        for (int64_t i = 0; i < batches; ++i) {
          const auto at = static_cast<size_t>(i);
          gemm_any<U>(false, false, m_, n_, k_, 1.0f, a + a_off_[at], k_, b + b_off_[at], n_, 0.0f, yp + i * m_ * n_, n_,
                      nullptr);
        }
      }
      return Status();
    });
  }

 private:
  ParallelSgemm product_;  // float32: the whole product, or one batch's
  int64_t m_ = 0, n_ = 0, k_ = 0;
  bool fold_ = false;
  std::vector<int64_t> a_off_, b_off_;
};

}  // namespace

std::unique_ptr<Kernel> make_Gemm() { return make_kernel<GemmKernel>(); }
std::unique_ptr<Kernel> make_MatMul() { return make_kernel<MatMulKernel>(); }

}  // namespace onyx
