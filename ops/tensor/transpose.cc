// Transpose (1, 13): a strided copy with the permuted input strides.
#include "tensor/common.h"

namespace onyx {
namespace {

using namespace tensor_ops;

class Transpose final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) {
      return ctx.fail(Code::kInvalidModel, "Transpose takes exactly 1 input");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskData)) return ctx.unsupported_dtype(0, dt);
    const Dims& in = ctx.in_shape(0);
    const size_t rank = in.size();
    std::vector<int64_t> perm;
    ONYX_TRY(ctx.attr_ints("perm", &perm));
    if (!ctx.has_attr("perm")) {
      for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
    }
    if (perm.size() != rank) {
      return ctx.fail(Code::kInvalidModel, "attribute 'perm' has ", perm.size(),
                      " entries but the input has rank ", rank);
    }
    std::vector<bool> seen(rank, false);
    for (int64_t p : perm) {
      if (p < 0 || p >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(p)]) {
        return ctx.fail(Code::kInvalidModel, "attribute 'perm' ", shape_str(perm), " is not a permutation");
      }
      seen[static_cast<size_t>(p)] = true;
    }
    const Dims in_strides = strides_of(in);
    Dims out(rank);
    Dims strides(rank);
    for (size_t i = 0; i < rank; ++i) {
      out[i] = in[static_cast<size_t>(perm[i])];
      strides[i] = in_strides[static_cast<size_t>(perm[i])];
    }
    copy_.plan(dt, out, strides, 0);
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

std::unique_ptr<Kernel> make_Transpose() { return make_kernel<Transpose>(); }

}  // namespace onyx
