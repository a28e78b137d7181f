// Col2Im (18): folds column blocks [N, C * prod(block_shape), L] back into an image
// [N, C, image_shape...], summing where blocks overlap (torch.nn.Fold, N-D).
#include <cstdint>
#include <vector>

#include "vision/common.h"

namespace onyx {
namespace {

class Col2Im final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 3 || !ctx.has_input(0) || !ctx.has_input(1) || !ctx.has_input(2)) {
      return ctx.fail(Code::kInvalidModel, "Col2Im takes 3 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskNumeric)) return ctx.unsupported_dtype(0, dt);
    for (int i = 1; i < 3; ++i) {
      if (ctx.in_dtype(i) != DType::kInt64) return ctx.unsupported_dtype(i, ctx.in_dtype(i));
    }
    const Dims& xs = ctx.in_shape(0);
    if (xs.size() != 3) {
      return ctx.fail(Code::kInvalidArgument, "input 'input' must have shape [N, C * prod(block_shape), L], got ",
                      shape_str(xs));
    }
    const Tensor* image = ctx.in_value(1);
    const Tensor* block = ctx.in_value(2);
    if (image == nullptr || block == nullptr) return ctx.dynamic();
    ONYX_TRY(vision::read_int_list(*image, "image_shape", &image_));
    ONYX_TRY(vision::read_int_list(*block, "block_shape", &block_));
    const size_t nd = image_.size();
    if (nd == 0 || block_.size() != nd) {
      return ctx.fail(Code::kInvalidArgument,
                      "inputs 'image_shape' and 'block_shape' must have the same non-zero length, got ", nd, " and ",
                      block_.size());
    }
    ONYX_TRY(vision::spatial_attr(ctx, "dilations", nd, 1, 1, &dilations_));
    ONYX_TRY(vision::spatial_attr(ctx, "strides", nd, 1, 1, &strides_));
    ONYX_TRY(vision::spatial_attr(ctx, "pads", 2 * nd, 0, 0, &pads_));
    int64_t block_size = 1, blocks = 1;
    blocks_per_dim_.assign(nd, 0);
    k_.assign(nd, 0);
    l_.assign(nd, 0);
    for (size_t i = 0; i < nd; ++i) {
      if (image_[i] < 0 || block_[i] < 1) {
        return ctx.fail(Code::kInvalidArgument, "invalid image_shape ", shape_str(image_), " or block_shape ",
                        shape_str(block_));
      }
      if (!checked_mul(block_size, block_[i], &block_size)) {
        return ctx.fail(Code::kInvalidArgument, "block_shape ", shape_str(block_), " is too large");
      }
      int64_t extent = 0;
      if (!checked_mul(dilations_[i], block_[i] - 1, &extent)) {
        return ctx.fail(Code::kInvalidArgument, "dilated block is too large along axis ", i);
      }
      const int64_t room = image_[i] + pads_[i] + pads_[i + nd] - extent - 1;
      const int64_t count = room < 0 ? 0 : room / strides_[i] + 1;
      blocks_per_dim_[i] = count;
      if (!checked_mul(blocks, count, &blocks)) return ctx.fail(Code::kInvalidArgument, "too many blocks");
    }
    if (xs[1] % block_size != 0) {
      return ctx.fail(Code::kInvalidArgument, "input dim 1 (", xs[1],
                      ") is not a multiple of prod(block_shape) = ", block_size);
    }
    if (xs[2] != blocks) {
      return ctx.fail(Code::kInvalidArgument, "input dim 2 (", xs[2], ") must equal the number of blocks, ", blocks);
    }
    Dims out = {xs[0], xs[1] / block_size};
    out.insert(out.end(), image_.begin(), image_.end());
    Result<int64_t> n = checked_numel(out);
    if (!n.ok()) return n.status();
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    return dispatch<kMaskNumeric>(ctx.input(0).dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      using C = compute_t<T>;
      const Tensor& x = ctx.input(0);
      Tensor& y = ctx.output(0);
      const T* xd = x.data_as<T>();
      T* yd = y.data_as<T>();
      for (int64_t i = 0; i < y.numel(); ++i) yd[i] = T{};
      const size_t nd = image_.size();
      const int64_t planes = y.dim(0) * y.dim(1);
      int64_t image_size = 1, block_size = 1;
      for (size_t i = 0; i < nd; ++i) {
        image_size *= image_[i];
        block_size *= block_[i];
      }
      const int64_t blocks = x.dim(2);
      if (image_size == 0) return Status();
      // k: position inside a block; l: which block. Both walk their grids in row-major order.
      int64_t* k = k_.data();
      int64_t* l = l_.data();
      for (int64_t plane = 0; plane < planes; ++plane) {
        T* out = yd + plane * image_size;
        for (int64_t kb = 0; kb < block_size; ++kb) {
          int64_t rem = kb;
          for (size_t i = nd; i-- > 0;) {
            k[i] = rem % block_[i];
            rem /= block_[i];
          }
          const T* col = xd + (plane * block_size + kb) * blocks;
          for (int64_t lb = 0; lb < blocks; ++lb) {
            int64_t r = lb;
            for (size_t i = nd; i-- > 0;) {
              l[i] = r % blocks_per_dim_[i];
              r /= blocks_per_dim_[i];
            }
            int64_t off = 0;
            bool inside = true;
            for (size_t i = 0; i < nd && inside; ++i) {
              const int64_t p = l[i] * strides_[i] - pads_[i] + k[i] * dilations_[i];
              if (p < 0 || p >= image_[i]) inside = false;
              off = off * image_[i] + p;
            }
            if (inside) out[off] = vision::store<T>(static_cast<C>(vision::load(out[off]) + vision::load(col[lb])));
          }
        }
      }
      return Status();
    });
  }

 private:
  std::vector<int64_t> image_, block_, dilations_, strides_, pads_, blocks_per_dim_;
  std::vector<int64_t> k_, l_;  // index scratch of run()
};

}  // namespace

std::unique_ptr<Kernel> make_Col2Im() { return make_kernel<Col2Im>(); }

}  // namespace onyx
