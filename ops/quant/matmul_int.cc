// MatMulInteger (10) and QLinearMatMul (10): numpy-style matmul of 8-bit integer matrices
// (1-D operands promoted and their dimension dropped again, batch dimensions broadcast) with
// int32 accumulation of (a - a_zero_point) * (b - b_zero_point).
//   MatMulInteger: Y = the int32 accumulator (wraps modulo 2^32 on overflow).
//   QLinearMatMul: y = saturate(round_half_even(acc * a_scale * b_scale / y_scale) + y_zero_point)
// The parameters of A (zero point, scale) are a scalar or per row: a 1-D tensor of M values or
// a tensor broadcastable to [..., M, 1]; those of B are per column: N values or [..., 1, N].
// QLinearMatMul's y_scale and y_zero_point are per tensor.
#include <cmath>
#include <memory>
#include <vector>

#include "dispatch.h"
#include "kernel.h"
#include "quant/common.h"

namespace onyx {
namespace {

using quant::load_float;
using quant::load_int;

// Broadcast layout of one operand or parameter over the output batch dimensions.
struct Operand {
  const char* name = "";
  bool present = false;
  Dims batch_strides;      // element stride per output batch dim (0 where broadcast)
  int64_t row_stride = 0;  // stride along M (A side) or N (B side); 0 when per-tensor
};

struct MatMulPlan {
  Dims out_batch;  // broadcast batch dims
  int64_t batches = 1, M = 1, K = 1, N = 1;
  Operand a, b;  // matrices: batch strides; a.row_stride = K, b.row_stride unused
  Dims out_shape;

  // Element strides of `dims` (its trailing `skip` dims are the matrix) aligned to the right of
  // out_batch; 0 for broadcast dims.
  Dims batch_strides(const Dims& dims, size_t skip) const {
    Dims full = strides_of(dims);
    Dims out(out_batch.size(), 0);
    const size_t nb = dims.size() - skip;
    for (size_t i = 0; i < nb; ++i) {
      const size_t o = out_batch.size() - nb + i;
      out[o] = dims[i] == 1 ? 0 : full[i];
    }
    return out;
  }

  Status resolve(const PrepareContext& ctx, int ai, int bi) {
    Dims as = ctx.in_shape(ai), bs = ctx.in_shape(bi);
    if (as.empty() || bs.empty()) {
      return ctx.fail(Code::kInvalidModel, "matmul inputs must have rank >= 1, got ", shape_str(as), " and ",
                      shape_str(bs));
    }
    const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
    if (a_vec) as.insert(as.begin(), 1);
    if (b_vec) bs.push_back(1);
    M = as[as.size() - 2];
    K = as.back();
    N = bs.back();
    if (bs[bs.size() - 2] != K) {
      return ctx.fail(Code::kInvalidModel, "matmul inner dimensions differ: ", shape_str(ctx.in_shape(ai)), " x ",
                      shape_str(ctx.in_shape(bi)));
    }
    Dims ab(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
    if (!broadcast_shapes(ab, bb, &out_batch)) {
      return ctx.fail(Code::kInvalidModel, "matmul batch dimensions do not broadcast: ", shape_str(ctx.in_shape(ai)),
                      " x ", shape_str(ctx.in_shape(bi)));
    }
    batches = numel(out_batch);
    a.batch_strides = batch_strides(as, 2);
    b.batch_strides = batch_strides(bs, 2);
    out_shape = out_batch;
    if (!a_vec) out_shape.push_back(M);
    if (!b_vec) out_shape.push_back(N);
    Result<int64_t> n = checked_numel(out_shape);
    if (!n.ok()) return n.status();
    return Status();
  }

  // A parameter (zero point or scale) of A (`per_row`) or B (per column).
  Status param(const PrepareContext& ctx, int i, const char* name, bool per_row, Operand* p) const {
    p->name = name;
    p->present = ctx.has_input(i);
    p->batch_strides.assign(out_batch.size(), 0);
    p->row_stride = 0;
    if (!p->present) return Status();
    Dims d = ctx.in_shape(i);
    if (quant::is_per_tensor(d) || numel(d) == 1) return Status();
    const int64_t len = per_row ? M : N;
    if (d.size() == 1) {
      if (d[0] != len) {
        return ctx.fail(Code::kInvalidModel, "input '", name, "' has ", d[0], " elements, expected 1 or ", len);
      }
      p->row_stride = 1;
      return Status();
    }
    // [..., M, 1] for A, [..., 1, N] for B.
    const int64_t along = per_row ? d[d.size() - 2] : d.back();
    const int64_t across = per_row ? d.back() : d[d.size() - 2];
    if (across != 1 || (along != 1 && along != len) || d.size() - 2 > out_batch.size()) {
      return ctx.fail(Code::kInvalidModel, "input '", name, "' has shape ", shape_str(d), ", expected a scalar or ",
                      per_row ? "[..., M, 1]" : "[..., 1, N]");
    }
    for (size_t j = 0; j + 2 < d.size(); ++j) {
      const int64_t od = out_batch[out_batch.size() - (d.size() - 2) + j];
      if (d[j] != 1 && d[j] != od) {
        return ctx.fail(Code::kInvalidModel, "input '", name, "' has shape ", shape_str(d),
                        " which does not match the batch dimensions ", shape_str(out_batch));
      }
    }
    p->batch_strides = batch_strides(d, 2);
    const Dims st = strides_of(d);
    p->row_stride = along == 1 ? 0 : st[per_row ? d.size() - 2 : d.size() - 1];
    return Status();
  }

  // Offset of operand `o` for output batch b.
  int64_t offset(const Operand& o, int64_t b) const {
    int64_t off = 0;
    for (size_t j = out_batch.size(); j-- > 0;) {
      const int64_t d = out_batch[j];
      off += (b % d) * o.batch_strides[j];
      b /= d;
    }
    return off;
  }
};

// Runs the integer matmul, calling emit(batch, m, n, out_index, acc) for every output.
template <class TA, class TB, class Emit>
void int_matmul(const MatMulPlan& p, const Tensor& a, const Tensor& b, const Tensor* azp, const Tensor* bzp,
                const Operand& azp_op, const Operand& bzp_op, Emit&& emit) {
  const TA* ap = a.data_as<TA>();
  const TB* bp = b.data_as<TB>();
  int64_t out = 0;
  for (int64_t bt = 0; bt < p.batches; ++bt) {
    const TA* ab = ap + p.offset(p.a, bt);
    const TB* bb = bp + p.offset(p.b, bt);
    const int64_t azo = azp != nullptr ? p.offset(azp_op, bt) : 0;
    const int64_t bzo = bzp != nullptr ? p.offset(bzp_op, bt) : 0;
    for (int64_t m = 0; m < p.M; ++m) {
      const int32_t za = azp != nullptr ? load_int(*azp, azo + m * azp_op.row_stride) : 0;
      const TA* arow = ab + m * p.K;
      for (int64_t n = 0; n < p.N; ++n, ++out) {
        const int32_t zb = bzp != nullptr ? load_int(*bzp, bzo + n * bzp_op.row_stride) : 0;
        int64_t acc = 0;
        for (int64_t k = 0; k < p.K; ++k) {
          acc += static_cast<int64_t>(static_cast<int32_t>(arow[k]) - za) *
                 static_cast<int64_t>(static_cast<int32_t>(bb[k * p.N + n]) - zb);
        }
        emit(bt, m, n, out, static_cast<int32_t>(acc));
      }
    }
  }
}

class MatMulIntegerKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_input(0) || !ctx.has_input(1)) return ctx.fail(Code::kInvalidModel, "inputs 'A' and 'B' are required");
    if (!in_mask(ctx.in_dtype(0), quant::kMaskQ8)) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    if (!in_mask(ctx.in_dtype(1), quant::kMaskQ8)) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    ONYX_TRY(quant::check_zero_point(ctx, 2, "a_zero_point", ctx.in_dtype(0), false));
    ONYX_TRY(quant::check_zero_point(ctx, 3, "b_zero_point", ctx.in_dtype(1), false));
    ONYX_TRY(plan_.resolve(ctx, 0, 1));
    ONYX_TRY(plan_.param(ctx, 2, "a_zero_point", true, &azp_));
    ONYX_TRY(plan_.param(ctx, 3, "b_zero_point", false, &bzp_));
    ctx.set_output(0, DType::kInt32, plan_.out_shape);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor* azp = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    const Tensor* bzp = ctx.has_input(3) ? &ctx.input(3) : nullptr;
    int32_t* yp = ctx.output(0).data_as<int32_t>();
    return dispatch<quant::kMaskQ8>(ctx.input(0).dtype(), [&](auto ta) {
      return dispatch<quant::kMaskQ8>(ctx.input(1).dtype(), [&](auto tb) {
        using TA = typename decltype(ta)::type;
        using TB = typename decltype(tb)::type;
        int_matmul<TA, TB>(plan_, ctx.input(0), ctx.input(1), azp, bzp, azp_, bzp_,
                           [&](int64_t, int64_t, int64_t, int64_t i, int32_t acc) { yp[i] = acc; });
        return Status();
      });
    });
  }

 private:
  MatMulPlan plan_;
  Operand azp_, bzp_;
};

// Inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
class QLinearMatMulKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    static const char* const kNames[] = {"a",       "a_scale",      "a_zero_point", "b",
                                         "b_scale", "b_zero_point", "y_scale",      "y_zero_point"};
    for (int i = 0; i < 8; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input '", kNames[i], "' is missing");
    }
    for (int i : {0, 3, 7}) {
      if (!in_mask(ctx.in_dtype(i), quant::kMaskQ8)) return ctx.unsupported_dtype(i, ctx.in_dtype(i));
    }
    for (int i : {1, 4, 6}) ONYX_TRY(quant::check_scale(ctx, i, kNames[i]));
    ONYX_TRY(quant::check_zero_point(ctx, 2, "a_zero_point", ctx.in_dtype(0), true));
    ONYX_TRY(quant::check_zero_point(ctx, 5, "b_zero_point", ctx.in_dtype(3), true));
    if (numel(ctx.in_shape(6)) != 1 || numel(ctx.in_shape(7)) != 1) {
      return ctx.fail(Code::kUnsupported, "inputs 'y_scale' and 'y_zero_point' must have one element, got ",
                      shape_str(ctx.in_shape(6)), " and ", shape_str(ctx.in_shape(7)));
    }
    ONYX_TRY(plan_.resolve(ctx, 0, 3));
    ONYX_TRY(plan_.param(ctx, 1, "a_scale", true, &as_));
    ONYX_TRY(plan_.param(ctx, 2, "a_zero_point", true, &azp_));
    ONYX_TRY(plan_.param(ctx, 4, "b_scale", false, &bs_));
    ONYX_TRY(plan_.param(ctx, 5, "b_zero_point", false, &bzp_));
    ctx.set_output(0, ctx.in_dtype(7), plan_.out_shape);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& asc = ctx.input(1);
    const Tensor& bsc = ctx.input(4);
    const float ys = load_float(ctx.input(6), 0);
    const int32_t yzp = load_int(ctx.input(7), 0);
    Tensor& y = ctx.output(0);
    return dispatch<quant::kMaskQ8>(ctx.input(0).dtype(), [&](auto ta) {
      return dispatch<quant::kMaskQ8>(ctx.input(3).dtype(), [&](auto tb) {
        return dispatch<quant::kMaskQ8>(y.dtype(), [&](auto ty) {
          using TA = typename decltype(ta)::type;
          using TB = typename decltype(tb)::type;
          using TY = typename decltype(ty)::type;
          TY* yp = y.data_as<TY>();
          int_matmul<TA, TB>(plan_, ctx.input(0), ctx.input(3), &ctx.input(2), &ctx.input(5), azp_, bzp_,
                             [&](int64_t bt, int64_t m, int64_t n, int64_t i, int32_t acc) {
                               const float sa = load_float(asc, plan_.offset(as_, bt) + m * as_.row_stride);
                               const float sb = load_float(bsc, plan_.offset(bs_, bt) + n * bs_.row_stride);
                               const float multiplier = sa * sb / ys;
                               yp[i] = quant::quantize_value<TY>(static_cast<float>(acc) * multiplier, yzp);
                             });
          return Status();
        });
      });
    });
  }

 private:
  MatMulPlan plan_;
  Operand as_, azp_, bs_, bzp_;
};

}  // namespace

std::unique_ptr<Kernel> make_MatMulInteger() { return make_kernel<MatMulIntegerKernel>(); }
std::unique_ptr<Kernel> make_QLinearMatMul() { return make_kernel<QLinearMatMulKernel>(); }

}  // namespace onyx
