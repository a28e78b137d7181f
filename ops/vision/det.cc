// Det (11): determinants of a batch of square matrices [*, M, M] -> [*], by LU decomposition
// with partial pivoting, accumulated in double.
#include <cmath>
#include <cstdint>
#include <utility>

#include "vision/common.h"

namespace onyx {
namespace {

using vision::load;
using vision::store;

// Determinant of the m x m row-major matrix `a` (overwritten).
double lu_determinant(double* a, int64_t m) {
  double det = 1.0;
  for (int64_t k = 0; k < m; ++k) {
    int64_t piv = k;
    double best = std::fabs(a[k * m + k]);
    for (int64_t r = k + 1; r < m; ++r) {
      const double v = std::fabs(a[r * m + k]);
      if (v > best) {
        best = v;
        piv = r;
      }
    }
    if (best == 0.0) return 0.0;
    if (piv != k) {
      for (int64_t c = 0; c < m; ++c) std::swap(a[k * m + c], a[piv * m + c]);
      det = -det;
    }
    const double pivot = a[k * m + k];
    det *= pivot;
    for (int64_t r = k + 1; r < m; ++r) {
      const double f = a[r * m + k] / pivot;
      if (f == 0.0) continue;
      for (int64_t c = k + 1; c < m; ++c) a[r * m + c] -= f * a[k * m + c];
    }
  }
  return det;
}

class Det final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "Det takes 1 input");
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskFloat3)) return ctx.unsupported_dtype(0, dt);
    const Dims& xs = ctx.in_shape(0);
    if (xs.size() < 2 || xs[xs.size() - 1] != xs[xs.size() - 2]) {
      return ctx.fail(Code::kInvalidArgument, "input 'X' must have shape [*, M, M], got ", shape_str(xs));
    }
    m_ = xs.back();
    int64_t mm = 0;
    if (!checked_mul(m_, m_, &mm) || !checked_mul(mm, static_cast<int64_t>(sizeof(double)), &mm)) {
      return ctx.fail(Code::kResourceExhausted, "matrix size ", m_, " is too large");
    }
    ctx.request_scratch(static_cast<size_t>(mm));
    ctx.set_output(0, dt, Dims(xs.begin(), xs.end() - 2));
    return Status();
  }

  Status run(RunContext& ctx) override {
    return dispatch<kMaskFloat3>(ctx.input(0).dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      const T* x = ctx.input(0).data_as<T>();
      Tensor& y = ctx.output(0);
      T* yd = y.data_as<T>();
      auto* a = static_cast<double*>(ctx.scratch());
      const int64_t mm = m_ * m_;
      for (int64_t b = 0; b < y.numel(); ++b) {
        for (int64_t i = 0; i < mm; ++i) a[i] = static_cast<double>(load(x[b * mm + i]));
        yd[b] = store<T>(lu_determinant(a, m_));
      }
      return Status();
    });
  }

 private:
  int64_t m_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_Det() { return make_kernel<Det>(); }

}  // namespace onyx
