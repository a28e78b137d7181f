// SplitToSequence (11): splits a tensor along an axis into a sequence of tensors.
// ConcatFromSequence (11): concatenates (or, with new_axis=1, stacks) a sequence's tensors.
#include <vector>

#include "control/values.h"

namespace onyx {
namespace {

constexpr DTypeMask kSeqTypes = kMaskAll | mask_of(DType::kComplex64, DType::kComplex128);

class SplitToSequence final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    sizes_.clear();
    chunk_ = 0;
    if (ctx.num_inputs() < 1 || ctx.num_inputs() > 2 || !ctx.has_input(0)) {
      return ctx.fail(Code::kInvalidModel, "SplitToSequence takes inputs 'input' and optional 'split'");
    }
    const InputInfo& x = ctx.input(0);
    if (x.kind != ValueKind::kTensor) return ctx.fail(Code::kInvalidModel, "input 'input' must be a tensor");
    if (!in_mask(x.dtype, kSeqTypes)) return ctx.unsupported_dtype(0, x.dtype);
    int64_t axis = 0, keepdims = 1;
    ONYX_TRY(ctx.attr_int("axis", &axis, 0));
    ONYX_TRY(ctx.attr_int("keepdims", &keepdims, 1));
    const int64_t rank = static_cast<int64_t>(x.shape.size());
    if (!normalize_axis(axis, rank, &axis_)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' value ", axis, " is out of range for rank ", rank);
    }
    if (keepdims != 0 && keepdims != 1) {
      return ctx.fail(Code::kInvalidModel, "attribute 'keepdims' must be 0 or 1, got ", keepdims);
    }
    const int64_t dim = x.shape[static_cast<size_t>(axis_)];
    squeeze_ = false;
    if (!ctx.has_input(1)) {
      chunk_ = 1;  // not a list of dim ones: dim may be huge, and run() refuses long sequences
      squeeze_ = keepdims == 0;
    } else {
      const InputInfo& s = ctx.input(1);
      if (s.kind != ValueKind::kTensor || (s.dtype != DType::kInt32 && s.dtype != DType::kInt64) ||
          s.shape.size() > 1) {
        return ctx.fail(Code::kInvalidModel, "input 'split' must be a scalar or 1-D int32/int64 tensor");
      }
      const Tensor* sv = ctx.in_value(1);
      if (sv == nullptr) return ctx.dynamic();
      if (s.shape.empty()) {
        const int64_t chunk = flow::int_at(*sv, 0);
        if (chunk <= 0) return ctx.fail(Code::kInvalidArgument, "input 'split' must be positive, got ", chunk);
        chunk_ = chunk;
      } else {
        int64_t total = 0;
        for (int64_t i = 0; i < sv->numel(); ++i) {
          const int64_t v = flow::int_at(*sv, i);
          if (v < 0) return ctx.fail(Code::kInvalidArgument, "input 'split' has a negative size ", v);
          if (!checked_add(total, v, &total)) return ctx.fail(Code::kInvalidArgument, "input 'split' overflows");
          sizes_.push_back(v);
        }
        if (total != dim) {
          return ctx.fail(Code::kInvalidArgument, "input 'split' sums to ", total, " but axis ", axis_,
                          " has size ", dim);
        }
      }
    }
    ctx.set_output_kind(0, ValueKind::kSequence, x.dtype);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const DType t = x.dtype();
    const Dims& dims = x.shape();
    const size_t ax = static_cast<size_t>(axis_);
    const int64_t outer = flow::span(dims, 0, ax), len = dims[ax], inner = flow::span(dims, ax + 1, dims.size());
    // A uniform split into chunks of chunk_ (the last one shorter), or the explicit sizes_.
    const int64_t count =
        chunk_ > 0 ? len / chunk_ + (len % chunk_ != 0 ? 1 : 0) : static_cast<int64_t>(sizes_.size());
    if (count > ctx.limits().max_sequence_length) {
      return ctx.fail(Code::kResourceExhausted, "the sequence would hold ", count,
                      " tensors: over Limits::max_sequence_length = ", ctx.limits().max_sequence_length);
    }
    Value out;
    out.kind = ValueKind::kSequence;
    out.elem_type = t;
    out.sequence.reserve(static_cast<size_t>(count));
    int64_t start = 0;
    for (int64_t k = 0; k < count; ++k) {
      const int64_t size = chunk_ > 0 ? std::min(chunk_, len - start) : sizes_[static_cast<size_t>(k)];
      Dims d = dims;
      if (squeeze_) {
        d.erase(d.begin() + axis_);
      } else {
        d[ax] = size;
      }
      Result<Tensor> part = Tensor::make(t, d);
      if (!part.ok()) return part.status();
      for (int64_t o = 0; o < outer; ++o) {
        flow::copy_elems(t, flow::elem_ptr(t, part->data(), o * size * inner),
                         flow::elem_ptr(t, x.data(), (o * len + start) * inner), size * inner);
      }
      out.sequence.push_back(*part);
      start += size;
    }
    ctx.output_value(0) = std::move(out);
    return Status();
  }

 private:
  int64_t axis_ = 0;
  bool squeeze_ = false;
  std::vector<int64_t> sizes_;
  int64_t chunk_ = 0;  // > 0: equal chunks of this size instead of sizes_
};

class ConcatFromSequence final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0) || ctx.input(0).kind != ValueKind::kSequence) {
      return ctx.fail(Code::kInvalidModel, "ConcatFromSequence takes 1 sequence input");
    }
    int64_t axis = 0, new_axis = 0;
    ONYX_TRY(ctx.attr_int("axis", &axis));
    ONYX_TRY(ctx.attr_int("new_axis", &new_axis, 0));
    if (new_axis != 0 && new_axis != 1) {
      return ctx.fail(Code::kInvalidModel, "attribute 'new_axis' must be 0 or 1, got ", new_axis);
    }
    new_axis_ = new_axis == 1;
    const Value* seq = ctx.input(0).full;
    if (seq == nullptr) return ctx.dynamic();
    if (seq->sequence.empty()) {
      return ctx.fail(Code::kInvalidArgument, "input sequence is empty; there is nothing to concatenate");
    }
    const Tensor& first = seq->sequence[0];
    const int64_t rank = static_cast<int64_t>(first.rank());
    if (!normalize_axis(axis, rank + (new_axis_ ? 1 : 0), &axis_)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' value ", axis, " is out of range for rank ", rank,
                      new_axis_ ? " with new_axis" : "");
    }
    if (!in_mask(first.dtype(), kSeqTypes)) return ctx.unsupported_dtype(0, first.dtype());
    const size_t ax = static_cast<size_t>(axis_);
    int64_t total = 0;
    for (size_t i = 0; i < seq->sequence.size(); ++i) {
      const Tensor& t = seq->sequence[i];
      bool same = t.dtype() == first.dtype() && t.rank() == first.rank();
      for (size_t d = 0; same && d < t.rank(); ++d) {
        if (d != ax || new_axis_) same = t.dim(d) == first.dim(d);
      }
      if (!same) {
        return ctx.fail(Code::kInvalidArgument, "sequence element ", i, " (", dtype_name(t.dtype()), " ",
                        shape_str(t.shape()), ") does not match element 0 (", dtype_name(first.dtype()), " ",
                        shape_str(first.shape()), ") outside axis ", axis_);
      }
      if (!new_axis_ && !checked_add(total, t.dim(ax), &total)) {
        return ctx.fail(Code::kInvalidArgument, "concatenated size overflows");
      }
    }
    Dims out = first.shape();
    if (new_axis_) {
      out.insert(out.begin() + axis_, static_cast<int64_t>(seq->sequence.size()));
    } else {
      out[ax] = total;
    }
    Result<int64_t> n = checked_numel(out);
    if (!n.ok()) return n.status();
    ctx.set_output(0, first.dtype(), out);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Value& seq = ctx.input_value(0);
    Tensor& y = ctx.output(0);
    const DType t = y.dtype();
    // Each element contributes a contiguous chunk per index of the axes before `axis`.
    const size_t ax = static_cast<size_t>(axis_);
    const Dims& d0 = seq.sequence[0].shape();
    const int64_t outer = flow::span(d0, 0, std::min(ax, d0.size()));
    int64_t offset = 0;
    for (int64_t o = 0; o < outer; ++o) {
      for (const Tensor& e : seq.sequence) {
        const int64_t chunk = outer == 0 ? 0 : e.numel() / outer;
        flow::copy_elems(t, flow::elem_ptr(t, y.data(), offset), flow::elem_ptr(t, e.data(), o * chunk), chunk);
        offset += chunk;
      }
    }
    return Status();
  }

 private:
  int64_t axis_ = 0;
  bool new_axis_ = false;
};

}  // namespace

std::unique_ptr<Kernel> make_SplitToSequence() { return make_kernel<SplitToSequence>(); }
std::unique_ptr<Kernel> make_ConcatFromSequence() { return make_kernel<ConcatFromSequence>(); }

}  // namespace onyx
