// Slice (1, 10, 11, 13), Expand (8, 13), Tile (1, 6, 13): strided copies.
#include <algorithm>

#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

class Slice final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    const int v = ctx.since_version();
    if (!ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "input 'data' is missing");
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    const Dims& in = ctx.in_shape(0);
    const auto rank = static_cast<int64_t>(in.size());
    std::vector<int64_t> starts, ends, axes, steps;
    if (v < 10) {
      if (ctx.num_inputs() > 1) return ctx.fail(Code::kInvalidModel, "Slice-1 takes 1 input");
      if (!ctx.has_attr("starts") || !ctx.has_attr("ends")) {
        return ctx.fail(Code::kInvalidModel, "attributes 'starts' and 'ends' are required");
      }
      ONYX_TRY(ctx.attr_ints("starts", &starts));
      ONYX_TRY(ctx.attr_ints("ends", &ends));
      ONYX_TRY(ctx.attr_ints("axes", &axes));
    } else {
      if (!ctx.has_input(1) || !ctx.has_input(2)) {
        return ctx.fail(Code::kInvalidModel, "inputs 'starts' and 'ends' are required");
      }
      const char* names[] = {"", "input 'starts'", "input 'ends'", "input 'axes'", "input 'steps'"};
      std::vector<int64_t>* dst[] = {nullptr, &starts, &ends, &axes, &steps};
      for (int i = 1; i <= 4; ++i) {
        if (!ctx.has_input(i)) continue;
        const DType t = ctx.in_dtype(i);
        if (t != DType::kInt32 && t != DType::kInt64) return ctx.unsupported_dtype(i, t);
        if (ctx.in_shape(i).size() != 1) {
          return ctx.fail(Code::kInvalidArgument, names[i], " must be 1-D, got ", shape_str(ctx.in_shape(i)));
        }
      }
      for (int i = 1; i <= 4; ++i) {
        if (!ctx.has_input(i)) continue;
        const Tensor* val = ctx.in_value(i);
        if (val == nullptr) return ctx.dynamic();
        ONYX_TRY(read_ints(*val, names[i], dst[i]));
      }
    }
    const size_t n = starts.size();
    if (ends.size() != n) {
      return ctx.fail(Code::kInvalidArgument, "'starts' has ", n, " values but 'ends' has ", ends.size());
    }
    if (axes.empty() && !(v >= 10 && ctx.has_input(3))) {
      for (size_t i = 0; i < n; ++i) axes.push_back(static_cast<int64_t>(i));
    }
    if (steps.empty() && !(v >= 10 && ctx.has_input(4))) steps.assign(n, 1);
    if (axes.size() != n || steps.size() != n) {
      return ctx.fail(Code::kInvalidArgument, "'axes' and 'steps' must have as many values as 'starts' (", n, ")");
    }
    const Dims in_strides = strides_of(in);
    Dims out = in;
    Dims strides = in_strides;
    int64_t offset = 0;
    std::vector<bool> seen(in.size(), false);
    for (size_t i = 0; i < n; ++i) {
      int64_t ax = 0;
      if (!normalize_axis(axes[i], rank, &ax)) {
        return ctx.fail(Code::kInvalidArgument, "axis ", axes[i], " is out of range for rank ", rank);
      }
      const auto a = static_cast<size_t>(ax);
      if (seen[a]) return ctx.fail(Code::kInvalidArgument, "axis ", axes[i], " is repeated");
      seen[a] = true;
      const int64_t step = steps[i];
      if (step == 0) return ctx.fail(Code::kInvalidArgument, "'steps' must not be 0");
      const int64_t dim = in[a];
      int64_t start = starts[i];
      int64_t end = ends[i];
      if (start < 0) start = start < -dim ? -1 : start + dim;  // avoids overflow near INT64_MIN
      if (end < 0) end = end < -dim ? -1 : end + dim;
      int64_t count = 0;
      if (step > 0) {
        start = std::clamp<int64_t>(start, 0, dim);
        end = std::clamp<int64_t>(end, 0, dim);
        if (end > start) count = (end - start - 1) / step + 1;
      } else if (dim > 0) {
        start = std::clamp<int64_t>(start, 0, dim - 1);
        end = std::clamp<int64_t>(end, -1, dim - 1);
        if (start > end) count = (start - end - 1) / (-step) + 1;
      }
      out[a] = count;
      if (count > 0) offset += start * in_strides[a];
      strides[a] = in_strides[a] * step;
    }
    Result<int64_t> total = checked_numel(out);
    if (!total.ok()) return total.status();
    if (*total == 0) offset = 0;
    copy_.plan(dt, out, strides, offset);
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    copy_.run(ctx.output(0).data(), ctx.input(0).data());
    return Status();
  }

 private:
  StridedCopy copy_;
};

// Input strides aligned to an output of rank >= the input's, 0 where the input broadcasts.
Dims broadcast_strides(const Dims& in, const Dims& out) {
  const Dims s = strides_of(in);
  Dims r(out.size(), 0);
  const size_t lead = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) r[lead + i] = in[i] == 1 ? 0 : s[i];
  return r;
}

class Expand final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "Expand takes 2 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    if (ctx.in_dtype(1) != DType::kInt64) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    if (ctx.in_shape(1).size() != 1) {
      return ctx.fail(Code::kInvalidArgument, "input 'shape' must be 1-D, got ", shape_str(ctx.in_shape(1)));
    }
    const Tensor* sv = ctx.in_value(1);
    if (sv == nullptr) return ctx.dynamic();
    const Dims shape(sv->data_as<int64_t>(), sv->data_as<int64_t>() + sv->numel());
    for (int64_t d : shape) {
      if (d < 0) return ctx.fail(Code::kInvalidArgument, "input 'shape' ", shape_str(shape), " has a negative dim");
    }
    const Dims& in = ctx.in_shape(0);
    Dims out;
    if (!broadcast_shapes(in, shape, &out)) {
      return ctx.fail(Code::kInvalidArgument, "cannot expand ", shape_str(in), " to ", shape_str(shape));
    }
    Result<int64_t> total = checked_numel(out);
    if (!total.ok()) return total.status();
    copy_.plan(dt, out, broadcast_strides(in, out), 0);
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    copy_.run(ctx.output(0).data(), ctx.input(0).data());
    return Status();
  }

 private:
  StridedCopy copy_;
};

class Tile final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    const int v = ctx.since_version();
    const int want = v < 6 ? 3 : 2;
    if (ctx.num_inputs() != want) return ctx.fail(Code::kInvalidModel, "Tile takes ", want, " inputs");
    for (int i = 0; i < want; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input ", i, " of Tile is missing");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    if (v < 6 && !in_mask(dt, kMaskFloat)) return ctx.unsupported_dtype(0, dt);
    const Dims& in = ctx.in_shape(0);
    const size_t rank = in.size();
    std::vector<int64_t> repeats;
    if (v < 6) {
      // Tile-1: scalar 'tiles' repeats along scalar 'axis'.
      const Tensor* tiles = ctx.in_value(1);
      const Tensor* axis = ctx.in_value(2);
      if (tiles == nullptr || axis == nullptr) return ctx.dynamic();
      std::vector<int64_t> t, a;
      ONYX_TRY(read_ints(*tiles, "input 'tiles'", &t));
      ONYX_TRY(read_ints(*axis, "input 'axis'", &a));
      if (t.size() != 1 || a.size() != 1) {
        return ctx.fail(Code::kInvalidArgument, "inputs 'tiles' and 'axis' must be scalars");
      }
      int64_t ax = 0;
      if (!normalize_axis(a[0], static_cast<int64_t>(rank), &ax)) {
        return ctx.fail(Code::kInvalidArgument, "input 'axis' = ", a[0], " is out of range");
      }
      repeats.assign(rank, 1);
      repeats[static_cast<size_t>(ax)] = t[0];
    } else {
      if (ctx.in_dtype(1) != DType::kInt64) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
      const Tensor* rv = ctx.in_value(1);
      if (rv == nullptr) return ctx.dynamic();
      ONYX_TRY(read_ints(*rv, "input 'repeats'", &repeats));
    }
    if (repeats.size() != rank) {
      return ctx.fail(Code::kInvalidArgument, "'repeats' has ", repeats.size(), " values for rank ", rank);
    }
    const Dims s = strides_of(in);
    Dims out(rank), dims, strides;
    for (size_t d = 0; d < rank; ++d) {
      if (repeats[d] < 0) return ctx.fail(Code::kInvalidArgument, "'repeats' has a negative value");
      if (!checked_mul(in[d], repeats[d], &out[d])) return ctx.fail(Code::kResourceExhausted, "Tile output is too large");
      dims.push_back(repeats[d]);
      strides.push_back(0);
      dims.push_back(in[d]);
      strides.push_back(s[d]);
    }
    Result<int64_t> total = checked_numel(out);
    if (!total.ok()) return total.status();
    copy_.plan(dt, dims, strides, 0);
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    copy_.run(ctx.output(0).data(), ctx.input(0).data());
    return Status();
  }

 private:
  StridedCopy copy_;
};

}  // namespace

std::unique_ptr<Kernel> make_Slice() { return make_kernel<Slice>(); }
std::unique_ptr<Kernel> make_Expand() { return make_kernel<Expand>(); }
std::unique_ptr<Kernel> make_Tile() { return make_kernel<Tile>(); }

}  // namespace onyx
