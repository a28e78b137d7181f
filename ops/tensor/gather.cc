// Gather (1, 11, 13), GatherElements (11, 13), GatherND (11, 12, 13).
#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

Status check_indices_dtype(const PrepareContext& ctx, int i, bool allow_int32) {
  const DType t = ctx.in_dtype(i);
  if (t == DType::kInt64 || (allow_int32 && t == DType::kInt32)) return Status();
  return ctx.unsupported_dtype(i, t);
}

// Index i of an int32/int64 tensor, made non-negative for an axis of length `dim`; false if it
// is out of range.
inline bool fetch_index(const Tensor& ind, int64_t i, int64_t dim, int64_t* out) {
  int64_t v = int_at(ind, i);
  if (v < 0) v += dim;
  *out = v;
  return v >= 0 && v < dim;
}

class Gather final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "Gather takes 2 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    ONYX_TRY(check_indices_dtype(ctx, 1, true));
    const Dims& data = ctx.in_shape(0);
    const Dims& ind = ctx.in_shape(1);
    const auto rank = static_cast<int64_t>(data.size());
    int64_t axis = 0;
    ONYX_TRY(ctx.attr_int("axis", &axis, 0));
    int64_t ax = 0;
    if (rank == 0) return ctx.fail(Code::kInvalidArgument, "input 'data' must have rank >= 1");
    if (!normalize_axis(axis, rank, &ax)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' = ", axis, " is out of range for rank ", rank);
    }
    const size_t a = static_cast<size_t>(ax);
    Dims out(data.begin(), data.begin() + ax);
    out.insert(out.end(), ind.begin(), ind.end());
    out.insert(out.end(), data.begin() + ax + 1, data.end());
    Result<int64_t> n = checked_numel(out);
    if (!n.ok()) return n.status();
    outer_ = dims_product(data, 0, a);
    axis_dim_ = data[a];
    inner_ = dims_product(data, a + 1, data.size());
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    const int64_t n = ind.numel();
    for (int64_t j = 0; j < n; ++j) {
      int64_t k = 0;
      if (!fetch_index(ind, j, axis_dim_, &k)) {
        return ctx.fail(Code::kOutOfRange, "index ", int_at(ind, j), " is out of range for axis of length ",
                        axis_dim_);
      }
    }
    const DType dt = x.dtype();
    const size_t size = dtype_size(dt);
    const char* in = bytes_of(x);
    char* out = bytes_of(ctx.output(0));
    const size_t chunk = static_cast<size_t>(inner_) * size;
    for (int64_t o = 0; o < outer_; ++o) {
      const char* base = in + static_cast<size_t>(o * axis_dim_) * chunk;
      for (int64_t j = 0; j < n; ++j) {
        int64_t k = 0;
        (void)fetch_index(ind, j, axis_dim_, &k);
        copy_elements(dt, out, base + static_cast<size_t>(k) * chunk, inner_);
        out += chunk;
      }
    }
    return Status();
  }

 private:
  int64_t outer_ = 0;
  int64_t axis_dim_ = 0;
  int64_t inner_ = 0;
};

class GatherElements final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "GatherElements takes 2 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    ONYX_TRY(check_indices_dtype(ctx, 1, true));
    const Dims& data = ctx.in_shape(0);
    const Dims& ind = ctx.in_shape(1);
    const auto rank = static_cast<int64_t>(data.size());
    if (rank == 0) return ctx.fail(Code::kInvalidArgument, "input 'data' must have rank >= 1");
    if (ind.size() != data.size()) {
      return ctx.fail(Code::kInvalidArgument, "input 'indices' ", shape_str(ind),
                      " must have the rank of 'data' ", shape_str(data));
    }
    int64_t axis = 0;
    ONYX_TRY(ctx.attr_int("axis", &axis, 0));
    if (!normalize_axis(axis, rank, &axis_)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'axis' = ", axis, " is out of range for rank ", rank);
    }
    for (size_t d = 0; d < data.size(); ++d) {
      if (static_cast<int64_t>(d) != axis_ && ind[d] > data[d]) {
        return ctx.fail(Code::kInvalidArgument, "input 'indices' ", shape_str(ind),
                        " is larger than 'data' ", shape_str(data), " along axis ", d);
      }
    }
    dims_ = ind;
    data_dims_ = data;
    data_strides_ = strides_of(data);
    counter_.assign(ind.size(), 0);
    ctx.set_output(0, dt, ind);
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    const int64_t n = ind.numel();
    if (n == 0) return Status();
    const auto a = static_cast<size_t>(axis_);
    const int64_t len = data_dims_[a];
    const size_t rank = dims_.size();
    return dispatch_elem(x.dtype(), [&](auto e) -> Status {
      using E = decltype(e);
      const char* in = bytes_of(x);
      char* out = bytes_of(ctx.output(0));
      for (size_t d = 0; d < rank; ++d) counter_[d] = 0;
      int64_t base = 0;  // data offset of the current position, without the axis term
      for (int64_t i = 0; i < n; ++i) {
        int64_t k = 0;
        if (!fetch_index(ind, i, len, &k)) {
          return ctx.fail(Code::kOutOfRange, "index ", int_at(ind, i),
                          " is out of range for axis of length ", len);
        }
        E::copy(out + static_cast<size_t>(i) * E::kSize,
                in + static_cast<size_t>(base + k * data_strides_[a]) * E::kSize);
        for (size_t d = rank; d-- > 0;) {
          const int64_t step = d == a ? 0 : data_strides_[d];
          base += step;
          if (++counter_[d] < dims_[d]) break;
          base -= step * dims_[d];
          counter_[d] = 0;
        }
      }
      return Status();
    });
  }

 private:
  int64_t axis_ = 0;
  Dims dims_;
  Dims data_dims_;
  Dims data_strides_;
  std::vector<int64_t> counter_;
};

class GatherND final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "GatherND takes 2 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    ONYX_TRY(check_indices_dtype(ctx, 1, false));
    const Dims& data = ctx.in_shape(0);
    const Dims& ind = ctx.in_shape(1);
    int64_t b = 0;
    if (ctx.since_version() >= 12) ONYX_TRY(ctx.attr_int("batch_dims", &b, 0));
    const auto r = static_cast<int64_t>(data.size());
    const auto q = static_cast<int64_t>(ind.size());
    if (r < 1 || q < 1) return ctx.fail(Code::kInvalidArgument, "'data' and 'indices' must have rank >= 1");
    if (b < 0 || b >= std::min(r, q)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'batch_dims' = ", b, " is out of range");
    }
    const int64_t k = ind[static_cast<size_t>(q - 1)];
    if (k < 1 || k > r - b) {
      return ctx.fail(Code::kInvalidArgument, "last dimension of 'indices' ", shape_str(ind),
                      " must be in [1, ", r - b, "]");
    }
    for (int64_t d = 0; d < b; ++d) {
      if (ind[static_cast<size_t>(d)] != data[static_cast<size_t>(d)]) {
        return ctx.fail(Code::kInvalidArgument, "batch dimensions of 'indices' ", shape_str(ind),
                        " and 'data' ", shape_str(data), " differ");
      }
    }
    Dims out(ind.begin(), ind.end() - 1);
    out.insert(out.end(), data.begin() + b + k, data.end());
    const auto ub = static_cast<size_t>(b);
    const auto uk = static_cast<size_t>(k);
    batches_ = dims_product(data, 0, ub);
    per_batch_ = dims_product(ind, ub, ind.size() - 1);
    k_ = k;
    slice_ = dims_product(data, ub + uk, data.size());
    batch_stride_ = dims_product(data, ub, data.size());
    idx_dims_.assign(data.begin() + b, data.begin() + b + k);
    const Dims strides = strides_of(data);
    idx_strides_.assign(strides.begin() + b, strides.begin() + b + k);
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    const DType dt = x.dtype();
    const size_t size = dtype_size(dt);
    const char* in = bytes_of(x);
    char* out = bytes_of(ctx.output(0));
    const int64_t* iv = ind.data_as<int64_t>();
    for (int64_t bi = 0; bi < batches_; ++bi) {
      for (int64_t j = 0; j < per_batch_; ++j) {
        const int64_t* tuple = iv + (bi * per_batch_ + j) * k_;
        int64_t off = bi * batch_stride_;
        for (int64_t t = 0; t < k_; ++t) {
          const int64_t dim = idx_dims_[static_cast<size_t>(t)];
          int64_t v = tuple[t];
          if (v < 0) v += dim;
          if (v < 0 || v >= dim) {
            return ctx.fail(Code::kOutOfRange, "index ", tuple[t], " is out of range for dimension of length ",
                            dim);
          }
          off += v * idx_strides_[static_cast<size_t>(t)];
        }
        copy_elements(dt, out, in + static_cast<size_t>(off) * size, slice_);
        out += static_cast<size_t>(slice_) * size;
      }
    }
    return Status();
  }

 private:
  int64_t batches_ = 0;
  int64_t per_batch_ = 0;
  int64_t k_ = 0;
  int64_t slice_ = 0;
  int64_t batch_stride_ = 0;
  Dims idx_dims_;
  Dims idx_strides_;
};

}  // namespace

std::unique_ptr<Kernel> make_Gather() { return make_kernel<Gather>(); }
std::unique_ptr<Kernel> make_GatherElements() { return make_kernel<GatherElements>(); }
std::unique_ptr<Kernel> make_GatherND() { return make_kernel<GatherND>(); }

}  // namespace onyx
