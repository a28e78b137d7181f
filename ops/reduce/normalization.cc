// LayerNormalization (17): normalisation over the trailing dims from `axis`. The reference
// accumulates statistics in double and rounds outputs once; float32 rows with one-row Scale and
// B run the vector kernels in float32 (run_rows). (MeanVarianceNormalization lives in nn/norm.cc.)
//
// LayerNormalization: each "row" is the block of X from `axis` to the end; Y = (X - mean) *
// InvStdDev * Scale + B with InvStdDev = 1 / sqrt(var + epsilon). Scale and B broadcast to X
// (numpy rules, unidirectionally). The optional outputs Mean and InvStdDev have X's shape with
// the normalised dims set to 1, and the stash_type dtype (float32, or bfloat16).
#include <algorithm>
#include <cmath>
#include <memory>

#include "dispatch.h"
#include "kernel.h"
#include "prims/fast_paths.h"
#include "reduce/reduce_plan.h"
#include "simd/kernels.h"

namespace onyx {
namespace {

using reduce::from_acc;
using reduce::to_acc;

// Element strides of a tensor of shape `b` broadcast to `out` (0 along broadcast dims); false
// when b does not broadcast to out unidirectionally.
bool broadcast_strides(const Dims& b, const Dims& out, Dims* strides) {
  if (b.size() > out.size()) return false;
  strides->assign(out.size(), 0);
  const Dims bs = strides_of(b);
  const size_t shift = out.size() - b.size();
  for (size_t d = 0; d < b.size(); ++d) {
    if (b[d] == out[d + shift]) {
      (*strides)[d + shift] = b[d] == 1 ? 0 : bs[d];
    } else if (b[d] != 1) {
      return false;
    }
  }
  return true;
}

// How an affine parameter (Scale or B) is indexed for element (row r, column j).
struct Param {
  bool present = false;
  bool per_column = false;  // the parameter is exactly one row: index j
  Dims strides;             // general case: broadcast strides over X's dims
};

class LayerNormKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "expects inputs 'X' and 'Scale'");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskFloat)) return ctx.unsupported_dtype(0, dt);
    const Dims& x = ctx.in_shape(0);
    const int64_t rank = static_cast<int64_t>(x.size());
    int64_t axis = -1, stash = 1;
    float eps = 1e-5f;
    ONYX_TRY(ctx.attr_int("axis", &axis, -1));
    ONYX_TRY(ctx.attr_float("epsilon", &eps, 1e-5f));
    ONYX_TRY(ctx.attr_int("stash_type", &stash, 1));
    if (axis < -rank || axis > rank) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' ", axis, " is out of range for rank ", rank);
    }
    if (axis < 0) axis += rank;
    DType stash_dt = DType::kFloat32;
    if (stash == 16) {
      stash_dt = DType::kBFloat16;
    } else if (stash != 1) {
      return ctx.fail(Code::kUnsupported, "attribute 'stash_type' ", stash,
                      " is not supported (expected 1 for float32 or 16 for bfloat16)");
    }
    eps_ = static_cast<double>(eps);
    stash_dt_ = stash_dt;
    rows_ = 1;
    cols_ = 1;
    Dims stat_shape;
    for (int64_t d = 0; d < rank; ++d) {
      if (d < axis) {
        rows_ *= x[d];
        stat_shape.push_back(x[d]);
      } else {
        cols_ *= x[d];
        stat_shape.push_back(1);
      }
    }
    x_shape_ = x;
    const char* names[2] = {"Scale", "B"};
    for (int p = 0; p < 2; ++p) {
      Param& prm = params_[p];
      prm = Param();
      if (!ctx.has_input(p + 1)) continue;
      if (ctx.in_dtype(p + 1) != dt) {
        return ctx.fail(Code::kInvalidModel, "input '", names[p], "' has dtype ",
                        dtype_name(ctx.in_dtype(p + 1)), " but 'X' has ", dtype_name(dt));
      }
      const Dims& ps = ctx.in_shape(p + 1);
      prm.present = true;
      if (!broadcast_strides(ps, x, &prm.strides)) {
        return ctx.fail(Code::kInvalidModel, "input '", names[p], "' of shape ", shape_str(ps),
                        " does not broadcast to 'X' of shape ", shape_str(x));
      }
      // The parameter is exactly one row (it moves only, and contiguously, along the
      // normalised dims): index it by column.
      prm.per_column = true;
      int64_t expect = 1;
      for (int64_t d = rank; d-- > 0;) {
        const int64_t want = d >= axis ? expect : 0;
        if (x[d] != 1 && prm.strides[d] != want) prm.per_column = false;
        if (d >= axis) expect *= x[d];
      }
    }
    if (ctx.num_inputs() > 3) return ctx.fail(Code::kInvalidModel, "expects at most 3 inputs");
    ctx.set_output(0, dt, x);
    if (ctx.has_output(1)) ctx.set_output(1, stash_dt, stat_shape);
    if (ctx.has_output(2)) ctx.set_output(2, stash_dt, stat_shape);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const simd::SimdKernels* k = simd::kernels();
    if (x.dtype() == DType::kFloat32 && k != nullptr && prims::fast_paths_enabled() && params_[0].per_column &&
        (!params_[1].present || params_[1].per_column) && stash_dt_ == DType::kFloat32) {
      run_rows(ctx, *k);
      return Status();
    }
    return dispatch<kMaskFloat>(x.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* scale = ctx.input(1).data_as<T>();
      const T* bias = ctx.has_input(2) ? ctx.input(2).data_as<T>() : nullptr;
      Tensor* mean_t = ctx.has_output(1) ? &ctx.output(1) : nullptr;
      Tensor* inv_t = ctx.has_output(2) ? &ctx.output(2) : nullptr;
      run_typed<T>(x.data_as<T>(), scale, bias, ctx.output(0).data_as<T>(), mean_t, inv_t);
      return Status();
    });
  }

 private:
  // float32 rows with Scale and B of one row each (a transformer's LayerNorm over its last
  // axis) through the vector kernels, rows shared between threads: mean from the row's sum,
  // d = x - mean into Y, variance from d . d, then Y = d * InvStdDev * Scale + B. float32
  // sums in the vector lanes instead of double: within 1e-5 of the reference.
  void run_rows(RunContext& ctx, const simd::SimdKernels& k) const {
    const float* x = ctx.input(0).data_as<float>();
    const float* scale = ctx.input(1).data_as<float>();
    const float* bias = ctx.has_input(2) ? ctx.input(2).data_as<float>() : nullptr;
    float* y = ctx.output(0).data_as<float>();
    float* mean_out = ctx.has_output(1) ? ctx.output(1).data_as<float>() : nullptr;
    float* inv_out = ctx.has_output(2) ? ctx.output(2).data_as<float>() : nullptr;
    const int64_t n = cols_;
    const auto len = static_cast<size_t>(n);
    ctx.parallel_rows(rows_, n, [&](int64_t r) {
      const float* row = x + r * n;
      float* out = y + r * n;
      // The mean as two floats: x - hi is exact near the mean, and lo (the mean of those
      // differences) corrects for hi's rounding, which alone would shift every output of a
      // row far from zero with a small spread (values near 100 spread by 0.01) by 1e-4.
      // An empty row gives NaN statistics, as the reference (0 / 0).
      const float hi = k.sum(row, len) / static_cast<float>(n);
      k.binary(simd::BinaryOp::kSub, simd::Operands::kVecScalar, row, &hi, out, len);
      const float lo = k.sum(out, len) / static_cast<float>(n);
      k.binary(simd::BinaryOp::kSub, simd::Operands::kVecScalar, out, &lo, out, len);
      const float mean = hi + lo;
      const float var = k.dot(out, out, len) / static_cast<float>(n);
      const auto inv = static_cast<float>(1.0 / std::sqrt(static_cast<double>(var) + eps_));
      k.binary(simd::BinaryOp::kMul, simd::Operands::kVecScalar, out, &inv, out, len);
      k.binary(simd::BinaryOp::kMul, simd::Operands::kVecVec, out, scale, out, len);
      if (bias != nullptr) k.binary(simd::BinaryOp::kAdd, simd::Operands::kVecVec, out, bias, out, len);
      if (mean_out != nullptr) mean_out[r] = mean;
      if (inv_out != nullptr) inv_out[r] = inv;
    });
  }

  // Element offset of a broadcast parameter for X element (r, j).
  int64_t param_offset(const Param& p, int64_t r, int64_t j) const {
    if (p.per_column) return j;
    int64_t lin = r * cols_ + j;
    int64_t off = 0;
    for (size_t d = x_shape_.size(); d-- > 0;) {
      const int64_t n = x_shape_[d];
      off += (lin % n) * p.strides[d];
      lin /= n;
    }
    return off;
  }

  void store_stat(Tensor* t, int64_t r, double v) const {
    if (t == nullptr) return;
    if (stash_dt_ == DType::kBFloat16) {
      t->data_as<BFloat16>()[r] = BFloat16(static_cast<float>(v));
    } else {
      t->data_as<float>()[r] = static_cast<float>(v);
    }
  }

  template <class T>
  void run_typed(const T* px, const T* scale, const T* bias, T* py, Tensor* mean_t,
                 Tensor* inv_t) const {
    const int64_t n = cols_;
    for (int64_t r = 0; r < rows_; ++r) {
      const T* row = px + r * n;
      T* out = py + r * n;
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) sum += to_acc<double>(row[j]);
      const double mean = sum / static_cast<double>(n);
      double ss = 0;
      for (int64_t j = 0; j < n; ++j) {
        const double d = to_acc<double>(row[j]) - mean;
        ss += d * d;
      }
      const double inv = 1.0 / std::sqrt(ss / static_cast<double>(n) + eps_);
      for (int64_t j = 0; j < n; ++j) {
        double v = (to_acc<double>(row[j]) - mean) * inv;
        v *= to_acc<double>(scale[param_offset(params_[0], r, j)]);
        if (bias != nullptr) v += to_acc<double>(bias[param_offset(params_[1], r, j)]);
        out[j] = from_acc<T>(v);
      }
      store_stat(mean_t, r, mean);
      store_stat(inv_t, r, inv);
    }
  }

  double eps_ = 1e-5;
  DType stash_dt_ = DType::kFloat32;
  int64_t rows_ = 1, cols_ = 1;
  Dims x_shape_;
  Param params_[2];
};

}  // namespace

std::unique_ptr<Kernel> make_LayerNormalization() { return make_kernel<LayerNormKernel>(); }

}  // namespace onyx
