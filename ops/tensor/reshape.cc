// The ops that only relabel the shape: Reshape (1, 5, 13, 14), Flatten (1, 9, 11, 13),
// Squeeze (1, 11, 13), Unsqueeze (1, 11, 13). run() copies the elements unchanged.
#include <algorithm>

#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

class ShapeOnlyKernel : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() < 1 || !ctx.has_input(0)) {
      return ctx.fail(Code::kInvalidModel, ctx.node().op_type, " needs input 'data'");
    }
    if (ctx.num_inputs() > max_inputs(ctx)) {
      return ctx.fail(Code::kInvalidModel, ctx.node().op_type, " takes at most ", max_inputs(ctx),
                      " inputs, got ", ctx.num_inputs());
    }
    if (!in_mask(ctx.in_dtype(0), kMaskData)) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    if (ctx.since_version() < min_all_types_version() && !in_mask(ctx.in_dtype(0), kMaskFloat)) {
      return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    }
    Dims out;
    bool dynamic = false;
    ONYX_TRY(output_shape(ctx, &out, &dynamic));
    if (dynamic) return ctx.dynamic();
    ctx.set_output(0, ctx.in_dtype(0), std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    copy_elements(x.dtype(), ctx.output(0).data(), x.data(), x.numel());
    return Status();
  }

 protected:
  virtual int max_inputs(const PrepareContext& ctx) const = 0;
  // Opset from which all dtypes are allowed (earlier versions take floats only).
  virtual int min_all_types_version() const { return 1; }
  virtual Status output_shape(PrepareContext& ctx, Dims* out, bool* dynamic) = 0;
};

// Resolves a Reshape target: 0 copies the input dim (unless allowzero), -1 is inferred.
Status resolve_reshape(const Dims& in, const std::vector<int64_t>& shape, bool allowzero,
                       Dims* out) {
  Result<int64_t> total = checked_numel(in);
  if (!total.ok()) return total.status();
  out->assign(shape.begin(), shape.end());
  int infer = -1;
  bool has_zero = false;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t d = shape[i];
    if (d == -1) {
      if (infer >= 0) return error(Code::kInvalidArgument, "shape ", shape_str(shape), " has more than one -1");
      infer = static_cast<int>(i);
      continue;
    }
    if (d < -1) return error(Code::kInvalidArgument, "shape ", shape_str(shape), " has invalid dimension ", d);
    if (d == 0) {
      has_zero = true;
      if (!allowzero) {
        if (i >= in.size()) {
          return error(Code::kInvalidArgument, "shape ", shape_str(shape), " copies dimension ", i,
                       " (0) but the input ", shape_str(in), " has rank ", in.size());
        }
        d = in[i];
        (*out)[i] = d;
      }
    }
    if (!checked_mul(known, d, &known) || known > kMaxElements) {
      return error(Code::kResourceExhausted, "shape ", shape_str(shape), " is too large");
    }
  }
  if (allowzero && has_zero && infer >= 0) {
    return error(Code::kInvalidArgument, "shape ", shape_str(shape),
                 " has both 0 and -1, which allowzero=1 forbids");
  }
  if (infer >= 0) {
    if (known == 0 || *total % known != 0) {
      return error(Code::kInvalidArgument, "cannot reshape ", shape_str(in), " to ", shape_str(shape));
    }
    (*out)[static_cast<size_t>(infer)] = *total / known;
  } else if (known != *total) {
    return error(Code::kInvalidArgument, "cannot reshape ", shape_str(in), " (", *total,
                 " elements) to ", shape_str(*out));
  }
  return Status();
}

class Reshape final : public ShapeOnlyKernel {
 protected:
  int max_inputs(const PrepareContext& ctx) const override { return ctx.since_version() < 5 ? 1 : 2; }
  int min_all_types_version() const override { return 5; }
  Status output_shape(PrepareContext& ctx, Dims* out, bool* dynamic) override {
    std::vector<int64_t> shape;
    if (ctx.since_version() < 5) {
      if (!ctx.has_attr("shape")) return ctx.fail(Code::kInvalidModel, "attribute 'shape' is missing");
      ONYX_TRY(ctx.attr_ints("shape", &shape));
    } else {
      if (!ctx.has_input(1)) return ctx.fail(Code::kInvalidModel, "input 'shape' is missing");
      if (ctx.in_dtype(1) != DType::kInt64) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
      if (ctx.in_shape(1).size() != 1) {
        return ctx.fail(Code::kInvalidArgument, "input 'shape' must be 1-D, got ",
                        shape_str(ctx.in_shape(1)));
      }
      const Tensor* v = ctx.in_value(1);
      if (v == nullptr) {
        *dynamic = true;
        return Status();
      }
      ONYX_TRY(read_ints(*v, "input 'shape'", &shape));
    }
    int64_t allowzero = 0;
    if (ctx.since_version() >= 14) ONYX_TRY(ctx.attr_int("allowzero", &allowzero, 0));
    Status s = resolve_reshape(ctx.in_shape(0), shape, allowzero != 0, out);
    if (!s.ok()) return ctx.fail(s.code(), s.message());
    return Status();
  }
};

class Flatten final : public ShapeOnlyKernel {
 protected:
  int max_inputs(const PrepareContext&) const override { return 1; }
  int min_all_types_version() const override { return 9; }
  Status output_shape(PrepareContext& ctx, Dims* out, bool*) override {
    const Dims& in = ctx.in_shape(0);
    const auto rank = static_cast<int64_t>(in.size());
    int64_t axis = 1;
    ONYX_TRY(ctx.attr_int("axis", &axis, 1));
    if (axis < 0 && ctx.since_version() >= 11) axis += rank;
    if (axis < 0 || axis > rank) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' = ", axis, " is out of range for rank ", rank);
    }
    *out = {dims_product(in, 0, static_cast<size_t>(axis)),
            dims_product(in, static_cast<size_t>(axis), in.size())};
    return Status();
  }
};

// Axes of Squeeze/Unsqueeze: the attribute before opset 13, input 1 from 13.
Status read_axes(PrepareContext& ctx, bool required, std::vector<int64_t>* axes, bool* present,
                 bool* dynamic) {
  axes->clear();
  *present = false;
  if (ctx.since_version() < 13) {
    if (ctx.has_attr("axes")) {
      *present = true;
      return ctx.attr_ints("axes", axes);
    }
  } else if (ctx.has_input(1)) {
    if (ctx.in_dtype(1) != DType::kInt64) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    if (ctx.in_shape(1).size() > 1) {
      return ctx.fail(Code::kInvalidArgument, "input 'axes' must be 1-D, got ", shape_str(ctx.in_shape(1)));
    }
    const Tensor* v = ctx.in_value(1);
    if (v == nullptr) {
      *dynamic = true;
      return Status();
    }
    *present = true;
    return read_ints(*v, "input 'axes'", axes);
  }
  if (required) return ctx.fail(Code::kInvalidModel, "'axes' is required");
  return Status();
}

class Squeeze final : public ShapeOnlyKernel {
 protected:
  int max_inputs(const PrepareContext& ctx) const override { return ctx.since_version() < 13 ? 1 : 2; }
  Status output_shape(PrepareContext& ctx, Dims* out, bool* dynamic) override {
    std::vector<int64_t> axes;
    bool present = false;
    ONYX_TRY(read_axes(ctx, false, &axes, &present, dynamic));
    if (*dynamic) return Status();
    const Dims& in = ctx.in_shape(0);
    const auto rank = static_cast<int64_t>(in.size());
    std::vector<bool> drop(in.size(), false);
    if (!present || axes.empty()) {  // no (or empty) axes: every unit dim
      for (size_t i = 0; i < in.size(); ++i) drop[i] = in[i] == 1;
    } else {
      for (int64_t a : axes) {
        int64_t ax = 0;
        if (!normalize_axis(a, rank, &ax)) {
          return ctx.fail(Code::kInvalidModel, "axis ", a, " is out of range for rank ", rank);
        }
        if (drop[static_cast<size_t>(ax)]) return ctx.fail(Code::kInvalidModel, "axis ", a, " is repeated");
        if (in[static_cast<size_t>(ax)] != 1) {
          return ctx.fail(Code::kInvalidArgument, "cannot squeeze axis ", a, " of shape ", shape_str(in),
                          ": its size is not 1");
        }
        drop[static_cast<size_t>(ax)] = true;
      }
    }
    out->clear();
    for (size_t i = 0; i < in.size(); ++i) {
      if (!drop[i]) out->push_back(in[i]);
    }
    return Status();
  }
};

class Unsqueeze final : public ShapeOnlyKernel {
 protected:
  int max_inputs(const PrepareContext& ctx) const override { return ctx.since_version() < 13 ? 1 : 2; }
  Status output_shape(PrepareContext& ctx, Dims* out, bool* dynamic) override {
    std::vector<int64_t> axes;
    bool present = false;
    ONYX_TRY(read_axes(ctx, true, &axes, &present, dynamic));
    if (*dynamic) return Status();
    const Dims& in = ctx.in_shape(0);
    const auto out_rank = static_cast<int64_t>(in.size() + axes.size());
    std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
    for (int64_t a : axes) {
      int64_t ax = 0;
      if (!normalize_axis(a, out_rank, &ax)) {
        return ctx.fail(Code::kInvalidModel, "axis ", a, " is out of range for output rank ", out_rank);
      }
      if (inserted[static_cast<size_t>(ax)]) return ctx.fail(Code::kInvalidModel, "axis ", a, " is repeated");
      inserted[static_cast<size_t>(ax)] = true;
    }
    out->clear();
    size_t j = 0;
    for (size_t i = 0; i < inserted.size(); ++i) out->push_back(inserted[i] ? 1 : in[j++]);
    return Status();
  }
};

}  // namespace

std::unique_ptr<Kernel> make_Reshape() { return make_kernel<Reshape>(); }
std::unique_ptr<Kernel> make_Flatten() { return make_kernel<Flatten>(); }
std::unique_ptr<Kernel> make_Squeeze() { return make_kernel<Squeeze>(); }
std::unique_ptr<Kernel> make_Unsqueeze() { return make_kernel<Unsqueeze>(); }

}  // namespace onyx
