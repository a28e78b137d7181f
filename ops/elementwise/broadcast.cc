#include "elementwise/broadcast.h"

#include <algorithm>

namespace onyx::ew {

bool broadcast_all(const Dims* const* shapes, int n, Dims* out) {
  Dims r;
  for (int k = 0; k < n; ++k) {
    Dims next;
    if (!broadcast_shapes(r, *shapes[k], &next)) return false;
    r = std::move(next);
  }
  *out = std::move(r);
  return true;
}

void BroadcastPlan::build(const Dims* const* shapes, int n, const Dims& out) {
  out_shape = out;
  numel = onyx::numel(out);
  num_inputs = n;
  const size_t rank = out.size();

  // Each input's strides aligned to the output's dims (0 where broadcast).
  std::vector<int64_t> full[kMaxPlanInputs];
  for (int k = 0; k < n; ++k) {
    const Dims& in = *shapes[k];
    full[k].assign(rank, 0);
    const size_t lead = rank - in.size();
    int64_t acc = 1;
    for (size_t i = in.size(); i-- > 0;) {
      if (in[i] != 1) full[k][i + lead] = acc;
      acc *= in[i];
    }
  }

  dims.clear();
  for (int k = 0; k < kMaxPlanInputs; ++k) strides[k].clear();
  for (size_t i = 0; i < rank; ++i) {
    if (out[i] == 1) continue;
    bool merge = !dims.empty();
    for (int k = 0; k < n && merge; ++k) merge = strides[k].back() == full[k][i] * out[i];
    if (merge) {
      dims.back() *= out[i];
      for (int k = 0; k < n; ++k) strides[k].back() = full[k][i];
    } else {
      dims.push_back(out[i]);
      for (int k = 0; k < n; ++k) strides[k].push_back(full[k][i]);
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    for (int k = 0; k < n; ++k) strides[k].push_back(0);
  }
  counter.assign(dims.size(), 0);
}

Status binary_shapes(const PrepareContext& ctx, bool legacy, Dims* b_shape, Dims* out) {
  const Dims& a = ctx.in_shape(0);
  const Dims& b = ctx.in_shape(1);
  if (!legacy) {
    if (!broadcast_shapes(a, b, out)) {
      return ctx.fail(Code::kInvalidModel, "inputs '", ctx.input_name(0), "' ", shape_str(a),
                      " and '", ctx.input_name(1), "' ", shape_str(b), " cannot be broadcast");
    }
    *b_shape = b;
    return Status();
  }

  int64_t broadcast = 0;
  ONYX_TRY(ctx.attr_int("broadcast", &broadcast, 0));
  *out = a;
  if (broadcast == 0) {
    if (a != b) {
      return ctx.fail(Code::kInvalidModel, "inputs '", ctx.input_name(0), "' ", shape_str(a),
                      " and '", ctx.input_name(1), "' ", shape_str(b),
                      " differ in shape and attribute 'broadcast' is not set");
    }
    *b_shape = b;
    return Status();
  }
  if (numel(b) == 1) {  // a scalar or a 1-element tensor
    *b_shape = Dims();
    return Status();
  }
  const int64_t ra = static_cast<int64_t>(a.size());
  const int64_t rb = static_cast<int64_t>(b.size());
  int64_t axis = ra - rb;  // suffix matching
  if (ctx.has_attr("axis")) {
    int64_t v = 0;
    ONYX_TRY(ctx.attr_int("axis", &v, 0));
    if (!normalize_axis(v, ra, &axis)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' = ", v, " is out of range for input '",
                      ctx.input_name(0), "' of rank ", ra);
    }
  }
  if (axis < 0 || axis + rb > ra) {
    return ctx.fail(Code::kInvalidModel, "input '", ctx.input_name(1), "' ", shape_str(b),
                    " cannot be broadcast onto '", ctx.input_name(0), "' ", shape_str(a),
                    " at axis ", axis);
  }
  Dims eb(a.size(), 1);
  for (int64_t i = 0; i < rb; ++i) {
    int64_t d = b[static_cast<size_t>(i)];
    int64_t da = a[static_cast<size_t>(axis + i)];
    if (d != da && d != 1) {
      return ctx.fail(Code::kInvalidModel, "input '", ctx.input_name(1), "' ", shape_str(b),
                      " cannot be broadcast onto '", ctx.input_name(0), "' ", shape_str(a),
                      " at axis ", axis);
    }
    eb[static_cast<size_t>(axis + i)] = d;
  }
  *b_shape = std::move(eb);
  return Status();
}

}  // namespace onyx::ew
