#include "reduce/reduce_plan.h"

namespace onyx::reduce {

void make_plan(const Dims& in, const std::vector<uint8_t>& reduce_dim, ReducePlan* plan) {
  plan->sizes.clear();
  plan->reduced.clear();
  plan->in_numel = 1;
  plan->count = 1;
  for (size_t d = 0; d < in.size(); ++d) {
    plan->in_numel *= in[d];
    if (reduce_dim[d]) plan->count *= in[d];
    if (in[d] == 1) continue;  // size-1 dims change no offsets
    uint8_t r = reduce_dim[d] ? 1 : 0;
    if (!plan->sizes.empty() && plan->reduced.back() == r) {
      plan->sizes.back() *= in[d];
    } else {
      plan->sizes.push_back(in[d]);
      plan->reduced.push_back(r);
    }
  }
  if (plan->sizes.empty()) {
    plan->sizes.push_back(1);
    plan->reduced.push_back(0);
  }
  // Output strides: row-major over the kept groups.
  plan->out_strides.assign(plan->sizes.size(), 0);
  int64_t stride = 1;
  for (size_t g = plan->sizes.size(); g-- > 0;) {
    if (plan->reduced[g]) continue;
    plan->out_strides[g] = stride;
    stride *= plan->sizes[g];
  }
  plan->out_numel = stride;
}

Dims reduced_dims(const Dims& in, const std::vector<uint8_t>& reduce_dim, bool keepdims) {
  Dims out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!reduce_dim[d]) {
      out.push_back(in[d]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

Status axes_to_flags(const std::vector<int64_t>& axes, int64_t rank, const char* what,
                     std::vector<uint8_t>* flags) {
  flags->assign(static_cast<size_t>(rank), 0);
  for (int64_t a : axes) {
    int64_t n = 0;
    if (!normalize_axis(a, rank, &n)) {
      return error(Code::kInvalidModel, what, " value ", a, " is out of range for rank ", rank);
    }
    if ((*flags)[n]) return error(Code::kInvalidModel, what, " repeats axis ", a);
    (*flags)[n] = 1;
  }
  return Status();
}

Status read_axes_tensor(const Tensor& t, const char* what, std::vector<int64_t>* out) {
  out->clear();
  if (t.rank() > 1) {
    return error(Code::kInvalidModel, what, " must be 1-D, got shape ", shape_str(t.shape()));
  }
  if (t.dtype() == DType::kInt64) {
    const int64_t* p = t.data_as<int64_t>();
    out->assign(p, p + t.numel());
  } else if (t.dtype() == DType::kInt32) {
    const int32_t* p = t.data_as<int32_t>();
    out->assign(p, p + t.numel());
  } else {
    return error(Code::kInvalidModel, what, " has dtype ", dtype_name(t.dtype()), ", expected int64");
  }
  return Status();
}

}  // namespace onyx::reduce
