// DepthToSpace (1, 11, 13) and SpaceToDepth (1, 13): 6-D transposes done as strided copies.
#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

// Plans out (the 6-D view `view` permuted by `perm`) as a strided copy.
void plan_permuted(StridedCopy* copy, DType dt, const Dims& view, const int (&perm)[6]) {
  const Dims s = strides_of(view);
  Dims dims(6), strides(6);
  for (int i = 0; i < 6; ++i) {
    dims[static_cast<size_t>(i)] = view[static_cast<size_t>(perm[i])];
    strides[static_cast<size_t>(i)] = s[static_cast<size_t>(perm[i])];
  }
  copy->plan(dt, dims, strides, 0);
}

class DepthSpace final : public Kernel {
 public:
  explicit DepthSpace(bool to_space) : to_space_(to_space) {}

  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) return ctx.fail(Code::kInvalidModel, "expected 1 input");
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    const Dims& in = ctx.in_shape(0);
    if (in.size() != 4) return ctx.fail(Code::kInvalidArgument, "input must be 4-D, got ", shape_str(in));
    int64_t b = 0;
    ONYX_TRY(ctx.attr_int("blocksize", &b));
    if (b < 1 || b > (int64_t{1} << 20)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'blocksize' = ", b, " must be positive");
    }
    const int64_t n = in[0], c = in[1], h = in[2], w = in[3];
    if (to_space_) {
      std::string mode = "DCR";
      if (ctx.since_version() >= 11) ONYX_TRY(ctx.attr_string("mode", &mode, "DCR"));
      if (mode != "DCR" && mode != "CRD") {
        return ctx.fail(Code::kInvalidModel, "attribute 'mode' has unsupported value '", mode, "'");
      }
      if (c % (b * b) != 0) {
        return ctx.fail(Code::kInvalidArgument, "channels ", c, " are not a multiple of blocksize^2 = ", b * b);
      }
      const int64_t oc = c / (b * b);
      if (mode == "DCR") {
        // view [n, b1, b2, oc, h, w] -> [n, oc, h, b1, w, b2]
        const int perm[6] = {0, 3, 4, 1, 5, 2};
        plan_permuted(&copy_, dt, {n, b, b, oc, h, w}, perm);
      } else {
        // view [n, oc, b1, b2, h, w] -> [n, oc, h, b1, w, b2]
        const int perm[6] = {0, 1, 4, 2, 5, 3};
        plan_permuted(&copy_, dt, {n, oc, b, b, h, w}, perm);
      }
      ctx.set_output(0, dt, {n, oc, h * b, w * b});
    } else {
      if (h % b != 0 || w % b != 0) {
        return ctx.fail(Code::kInvalidArgument, "spatial dims ", shape_str(in), " are not multiples of blocksize ", b);
      }
      // view [n, c, h/b, b1, w/b, b2] -> [n, b1, b2, c, h/b, w/b]
      const int perm[6] = {0, 3, 5, 1, 2, 4};
      plan_permuted(&copy_, dt, {n, c, h / b, b, w / b, b}, perm);
      int64_t oc = 0;
      if (!checked_mul(c, b * b, &oc)) return ctx.fail(Code::kResourceExhausted, "output is too large");
      ctx.set_output(0, dt, {n, oc, h / b, w / b});
    }
    return Status();
  }

  Status run(RunContext& ctx) override {
    copy_.run(ctx.output(0).data(), ctx.input(0).data());
    return Status();
  }

 private:
  bool to_space_;
  StridedCopy copy_;
};

}  // namespace

std::unique_ptr<Kernel> make_DepthToSpace() { return std::make_unique<DepthSpace>(true); }
std::unique_ptr<Kernel> make_SpaceToDepth() { return std::make_unique<DepthSpace>(false); }

}  // namespace onyx
