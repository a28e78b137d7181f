// Concat (1, 4, 11, 13) and Split (1, 2, 11, 13).
#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

class Concat final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    const int n = ctx.num_inputs();
    if (n < 1) return ctx.fail(Code::kInvalidModel, "Concat needs at least 1 input");
    for (int i = 0; i < n; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input ", i, " of Concat is missing");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    if (ctx.since_version() < 4 && !in_mask(dt, kMaskFloat)) return ctx.unsupported_dtype(0, dt);
    const Dims& first = ctx.in_shape(0);
    const auto rank = static_cast<int64_t>(first.size());
    int64_t axis = 1;
    if (ctx.since_version() < 4) {
      ONYX_TRY(ctx.attr_int("axis", &axis, 1));
    } else {
      ONYX_TRY(ctx.attr_int("axis", &axis));
    }
    if (rank == 0) return ctx.fail(Code::kInvalidArgument, "Concat inputs must have rank >= 1");
    int64_t ax = 0;
    if (!normalize_axis(axis, rank, &ax)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' = ", axis, " is out of range for rank ", rank);
    }
    Dims out = first;
    out[static_cast<size_t>(ax)] = 0;
    const size_t a = static_cast<size_t>(ax);
    const int64_t inner = dims_product(first, a + 1, first.size());
    chunks_.clear();
    for (int i = 0; i < n; ++i) {
      const Dims& s = ctx.in_shape(i);
      if (ctx.in_dtype(i) != dt) {
        return ctx.fail(Code::kInvalidModel, "input ", i, " has dtype ", dtype_name(ctx.in_dtype(i)),
                        ", input 0 has ", dtype_name(dt));
      }
      if (s.size() != first.size()) {
        return ctx.fail(Code::kInvalidArgument, "input ", i, " has shape ", shape_str(s),
                        ", incompatible with input 0 ", shape_str(first));
      }
      for (size_t d = 0; d < s.size(); ++d) {
        if (d != a && s[d] != first[d]) {
          return ctx.fail(Code::kInvalidArgument, "input ", i, " has shape ", shape_str(s),
                          ", incompatible with input 0 ", shape_str(first), " along axis ", d);
        }
      }
      if (!checked_add(out[a], s[a], &out[a])) {
        return ctx.fail(Code::kResourceExhausted, "Concat output is too large");
      }
      chunks_.push_back(s[a] * inner);
    }
    Result<int64_t> total = checked_numel(out);
    if (!total.ok()) return total.status();
    outer_ = dims_product(first, 0, a);
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    const DType dt = y.dtype();
    const size_t size = dtype_size(dt);
    char* out = bytes_of(y);
    for (int64_t o = 0; o < outer_; ++o) {
      for (size_t i = 0; i < chunks_.size(); ++i) {
        const int64_t c = chunks_[i];
        if (c == 0) continue;
        const char* src = bytes_of(ctx.input(static_cast<int>(i))) + static_cast<size_t>(o * c) * size;
        if (src != out) copy_elements(dt, out, src, c);  // equal: the input was written in place
        out += static_cast<size_t>(c) * size;
      }
    }
    return Status();
  }

 private:
  int64_t outer_ = 0;
  std::vector<int64_t> chunks_;
};

class Split final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    const int v = ctx.since_version();
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'input' is missing");
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    if (v < 2 && !in_mask(dt, kMaskFloat)) return ctx.unsupported_dtype(0, dt);
    const Dims& in = ctx.in_shape(0);
    const auto rank = static_cast<int64_t>(in.size());
    int64_t axis = 0;
    ONYX_TRY(ctx.attr_int("axis", &axis, 0));
    int64_t ax = 0;
    if (!normalize_axis(axis, rank, &ax)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' = ", axis, " is out of range for rank ", rank);
    }
    const int nout = ctx.num_outputs();
    if (nout < 1) return ctx.fail(Code::kInvalidModel, "Split needs at least 1 output");
    std::vector<int64_t> split;
    bool have_split = false;
    // The split sizes: attribute 'split' (opset < 13; opset 1 also took it as input 1), or
    // input 'split' (opset 13+).
    if ((v >= 13 || v < 2) && ctx.has_input(1)) {
      const Tensor* s = ctx.in_value(1);
      if (s == nullptr) return ctx.dynamic();
      ONYX_TRY(read_ints(*s, "input 'split'", &split));
      have_split = true;
    } else if (v < 13 && ctx.has_attr("split")) {
      ONYX_TRY(ctx.attr_ints("split", &split));
      have_split = true;
    }
    const int64_t len = in[static_cast<size_t>(ax)];
    if (have_split) {
      if (static_cast<int>(split.size()) != nout) {
        return ctx.fail(Code::kInvalidModel, "'split' has ", split.size(), " entries for ", nout, " outputs");
      }
      int64_t sum = 0;
      for (int64_t s : split) {
        if (s < 0) return ctx.fail(Code::kInvalidModel, "'split' has a negative entry ", s);
        if (!checked_add(sum, s, &sum)) return ctx.fail(Code::kInvalidModel, "'split' overflows");
      }
      if (sum != len) {
        return ctx.fail(Code::kInvalidArgument, "'split' sums to ", sum, " but axis ", ax, " of ",
                        shape_str(in), " has length ", len);
      }
    } else {
      if (len % nout != 0) {
        return ctx.fail(Code::kInvalidArgument, "axis ", ax, " of length ", len,
                        " cannot be split evenly into ", nout, " outputs");
      }
      split.assign(static_cast<size_t>(nout), len / nout);
    }
    const size_t a = static_cast<size_t>(ax);
    inner_ = dims_product(in, a + 1, in.size());
    outer_ = dims_product(in, 0, a);
    row_ = len * inner_;
    chunks_.clear();
    for (int i = 0; i < nout; ++i) {
      Dims od = in;
      od[a] = split[static_cast<size_t>(i)];
      chunks_.push_back(od[a] * inner_);
      if (ctx.has_output(i)) ctx.set_output(i, dt, std::move(od));
    }
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const DType dt = x.dtype();
    const size_t size = dtype_size(dt);
    const char* in = bytes_of(x);
    int64_t offset = 0;
    for (size_t i = 0; i < chunks_.size(); ++i) {
      const int64_t c = chunks_[i];
      if (ctx.has_output(static_cast<int>(i)) && c > 0) {
        char* out = bytes_of(ctx.output(static_cast<int>(i)));
        for (int64_t o = 0; o < outer_; ++o) {
          copy_elements(dt, out + static_cast<size_t>(o * c) * size,
                        in + static_cast<size_t>(o * row_ + offset) * size, c);
        }
      }
      offset += c;
    }
    return Status();
  }

 private:
  int64_t outer_ = 0;
  int64_t inner_ = 0;
  int64_t row_ = 0;
  std::vector<int64_t> chunks_;
};

}  // namespace

std::unique_ptr<Kernel> make_Concat() { return make_kernel<Concat>(); }
std::unique_ptr<Kernel> make_Split() { return make_kernel<Split>(); }

}  // namespace onyx
