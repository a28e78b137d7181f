// The tensor-sequence ops (all since opset 11): SequenceEmpty, SequenceConstruct, SequenceInsert,
// SequenceErase, SequenceAt, SequenceLength. Sequences are heap values (onyx::Value of kind
// kSequence); every tensor put in a sequence is a fresh owned copy, so sequences share elements.
#include "control/values.h"

namespace onyx {
namespace {

constexpr DTypeMask kSeqTypes = kMaskAll | mask_of(DType::kComplex64, DType::kComplex128);

// Checks input i is a sequence; *elem gets its element type (may be undefined for an empty
// sequence of unknown type).
Status expect_sequence(const PrepareContext& ctx, int i, DType* elem) {
  if (!ctx.has_input(i) || ctx.input(i).kind != ValueKind::kSequence) {
    return ctx.fail(Code::kInvalidModel, "input ", i, " '", i < ctx.num_inputs() ? ctx.input_name(i) : "",
                    "' must be a sequence");
  }
  *elem = ctx.input(i).dtype;
  if (ctx.input(i).full != nullptr && *elem == DType::kUndefined && !ctx.input(i).full->sequence.empty()) {
    *elem = ctx.input(i).full->sequence[0].dtype();
  }
  return Status();
}

// Checks the optional position input i is a one-element int32/int64 tensor.
Status expect_position(const PrepareContext& ctx, int i) {
  if (!ctx.has_input(i)) return Status();
  const InputInfo& p = ctx.input(i);
  if (p.kind != ValueKind::kTensor || (p.dtype != DType::kInt32 && p.dtype != DType::kInt64) ||
      numel(p.shape) != 1) {
    return ctx.fail(Code::kInvalidModel, "input 'position' must be a one-element int32 or int64 tensor");
  }
  return Status();
}

// The element type of a sequence value, falling back to its first element.
DType elem_of(const Value& v) {
  if (v.elem_type != DType::kUndefined) return v.elem_type;
  return v.sequence.empty() ? DType::kUndefined : v.sequence[0].dtype();
}

class SequenceEmpty final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 0) return ctx.fail(Code::kInvalidModel, "SequenceEmpty takes no inputs");
    int64_t dt = 0;
    ONYX_TRY(ctx.attr_int("dtype", &dt, static_cast<int64_t>(DType::kFloat32)));
    if (!dtype_valid(static_cast<int32_t>(dt)) || dt == 0 || !in_mask(static_cast<DType>(dt), kSeqTypes)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'dtype' value ", dt, " is not a supported element type");
    }
    elem_ = static_cast<DType>(dt);
    ctx.set_output_kind(0, ValueKind::kSequence, elem_);
    return Status();
  }
  Status run(RunContext& ctx) override {
    Value& out = ctx.output_value(0);
    out = Value();
    out.kind = ValueKind::kSequence;
    out.elem_type = elem_;
    return Status();
  }

 private:
  DType elem_ = DType::kFloat32;
};

class SequenceConstruct final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() < 1) return ctx.fail(Code::kInvalidModel, "SequenceConstruct needs at least 1 input");
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i) || ctx.input(i).kind != ValueKind::kTensor) {
        return ctx.fail(Code::kInvalidModel, "input ", i, " must be a tensor");
      }
      if (ctx.in_dtype(i) != ctx.in_dtype(0)) {
        return ctx.fail(Code::kInvalidModel, "input ", i, " '", ctx.input_name(i), "' has dtype ",
                        dtype_name(ctx.in_dtype(i)), " but input 0 has ", dtype_name(ctx.in_dtype(0)));
      }
    }
    if (!in_mask(ctx.in_dtype(0), kSeqTypes)) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    elem_ = ctx.in_dtype(0);
    ctx.set_output_kind(0, ValueKind::kSequence, elem_);
    return Status();
  }
  Status run(RunContext& ctx) override {
    Value out;
    out.kind = ValueKind::kSequence;
    out.elem_type = elem_;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      Result<Tensor> t = flow::seq_elem(ctx.input(i));
      if (!t.ok()) return t.status();
      out.sequence.push_back(*t);
    }
    ctx.output_value(0) = std::move(out);
    return Status();
  }

 private:
  DType elem_ = DType::kUndefined;
};

class SequenceInsert final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() < 2 || ctx.num_inputs() > 3) {
      return ctx.fail(Code::kInvalidModel, "SequenceInsert takes 2 or 3 inputs");
    }
    DType elem = DType::kUndefined;
    ONYX_TRY(expect_sequence(ctx, 0, &elem));
    if (!ctx.has_input(1) || ctx.input(1).kind != ValueKind::kTensor) {
      return ctx.fail(Code::kInvalidModel, "input 'tensor' must be a tensor");
    }
    if (elem != DType::kUndefined && ctx.in_dtype(1) != elem) {
      return ctx.fail(Code::kInvalidModel, "input 'tensor' has dtype ", dtype_name(ctx.in_dtype(1)),
                      " but the sequence holds ", dtype_name(elem));
    }
    ONYX_TRY(expect_position(ctx, 2));
    elem_ = ctx.in_dtype(1);
    ctx.set_output_kind(0, ValueKind::kSequence, elem_);
    return Status();
  }
  Status run(RunContext& ctx) override {
    const Value& in = ctx.input_value(0);
    if (in.kind != ValueKind::kSequence) return ctx.fail(Code::kInvalidArgument, "input 0 is not a sequence");
    const DType have = elem_of(in);
    if (have != DType::kUndefined && have != elem_) {
      return ctx.fail(Code::kInvalidArgument, "input 'tensor' has dtype ", dtype_name(elem_),
                      " but the sequence holds ", dtype_name(have));
    }
    const int64_t n = static_cast<int64_t>(in.sequence.size());
    int64_t pos = n;
    if (ctx.has_input(2)) {
      flow::read_index(ctx.input(2), &pos);
      if (pos < -n || pos > n) {
        return ctx.fail(Code::kOutOfRange, "position ", pos, " is outside [", -n, ", ", n, "]");
      }
      if (pos < 0) pos += n;
    }
    if (n >= ctx.limits().max_sequence_length) {
      return ctx.fail(Code::kResourceExhausted, "the sequence would hold ", n + 1,
                      " tensors: over Limits::max_sequence_length = ", ctx.limits().max_sequence_length);
    }
    Result<Tensor> t = flow::seq_elem(ctx.input(1));
    if (!t.ok()) return t.status();
    Value out;
    out.kind = ValueKind::kSequence;
    out.elem_type = elem_;
    out.sequence.reserve(in.sequence.size() + 1);
    out.sequence.insert(out.sequence.end(), in.sequence.begin(), in.sequence.begin() + pos);
    out.sequence.push_back(*t);
    out.sequence.insert(out.sequence.end(), in.sequence.begin() + pos, in.sequence.end());
    return flow::detach(out, &ctx.output_value(0));
  }

 private:
  DType elem_ = DType::kUndefined;
};

class SequenceErase final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() < 1 || ctx.num_inputs() > 2) {
      return ctx.fail(Code::kInvalidModel, "SequenceErase takes 1 or 2 inputs");
    }
    ONYX_TRY(expect_sequence(ctx, 0, &elem_));
    ONYX_TRY(expect_position(ctx, 1));
    ctx.set_output_kind(0, ValueKind::kSequence, elem_);
    return Status();
  }
  Status run(RunContext& ctx) override {
    const Value& in = ctx.input_value(0);
    if (in.kind != ValueKind::kSequence) return ctx.fail(Code::kInvalidArgument, "input 0 is not a sequence");
    const int64_t n = static_cast<int64_t>(in.sequence.size());
    int64_t pos = n - 1;
    if (ctx.has_input(1)) flow::read_index(ctx.input(1), &pos);
    if (pos < -n || pos >= n) {
      return ctx.fail(Code::kOutOfRange, "position ", pos, " is outside [", -n, ", ", n - 1, "]",
                      n == 0 ? " (the sequence is empty)" : "");
    }
    if (pos < 0) pos += n;
    Value out;
    out.kind = ValueKind::kSequence;
    out.elem_type = elem_of(in);
    for (int64_t i = 0; i < n; ++i) {
      if (i != pos) out.sequence.push_back(in.sequence[static_cast<size_t>(i)]);
    }
    return flow::detach(out, &ctx.output_value(0));
  }

 private:
  DType elem_ = DType::kUndefined;
};

class SequenceAt final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 2) return ctx.fail(Code::kInvalidModel, "SequenceAt takes 2 inputs");
    DType elem = DType::kUndefined;
    ONYX_TRY(expect_sequence(ctx, 0, &elem));
    if (!ctx.has_input(1)) return ctx.fail(Code::kInvalidModel, "input 'position' is required");
    ONYX_TRY(expect_position(ctx, 1));
    const Value* seq = ctx.input(0).full;
    const Tensor* p = ctx.in_value(1);
    if (seq == nullptr || p == nullptr) return ctx.dynamic();
    const int64_t n = static_cast<int64_t>(seq->sequence.size());
    int64_t pos = 0;
    flow::read_index(*p, &pos);
    if (pos < -n || pos >= n) {
      return ctx.fail(Code::kOutOfRange, "position ", pos, " is outside [", -n, ", ", n - 1, "]",
                      n == 0 ? " (the sequence is empty)" : "");
    }
    pos_ = pos < 0 ? pos + n : pos;
    const Tensor& t = seq->sequence[static_cast<size_t>(pos_)];
    ctx.set_output(0, t.dtype(), t.shape());
    return Status();
  }
  Status run(RunContext& ctx) override {
    const Value& in = ctx.input_value(0);
    if (in.kind != ValueKind::kSequence || pos_ >= static_cast<int64_t>(in.sequence.size())) {
      return ctx.fail(Code::kOutOfRange, "position is outside the sequence");
    }
    const Tensor& t = in.sequence[static_cast<size_t>(pos_)];
    Tensor& out = ctx.output(0);
    if (out.dtype() != t.dtype() || out.shape() != t.shape()) {
      return ctx.fail(Code::kInternal, "sequence element changed since prepare");
    }
    flow::copy_elems(t.dtype(), out.data(), t.data(), t.numel());
    return Status();
  }

 private:
  int64_t pos_ = 0;
};

class SequenceLength final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1) return ctx.fail(Code::kInvalidModel, "SequenceLength takes 1 input");
    DType elem = DType::kUndefined;
    ONYX_TRY(expect_sequence(ctx, 0, &elem));
    ctx.set_output(0, DType::kInt64, {});
    return Status();
  }
  Status run(RunContext& ctx) override {
    const Value& in = ctx.input_value(0);
    if (in.kind != ValueKind::kSequence) return ctx.fail(Code::kInvalidArgument, "input 0 is not a sequence");
    ctx.output(0).data_as<int64_t>()[0] = static_cast<int64_t>(in.sequence.size());
    return Status();
  }
};

}  // namespace

std::unique_ptr<Kernel> make_SequenceEmpty() { return make_kernel<SequenceEmpty>(); }
std::unique_ptr<Kernel> make_SequenceConstruct() { return make_kernel<SequenceConstruct>(); }
std::unique_ptr<Kernel> make_SequenceInsert() { return make_kernel<SequenceInsert>(); }
std::unique_ptr<Kernel> make_SequenceErase() { return make_kernel<SequenceErase>(); }
std::unique_ptr<Kernel> make_SequenceAt() { return make_kernel<SequenceAt>(); }
std::unique_ptr<Kernel> make_SequenceLength() { return make_kernel<SequenceLength>(); }

}  // namespace onyx
