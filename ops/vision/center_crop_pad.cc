// CenterCropPad (18): crops (centred window, start rounded down) or zero-pads (extra element at
// the end) selected axes to the sizes given by the 'shape' input.
#include <cstdint>
#include <vector>

#include "vision/common.h"

namespace onyx {
namespace {

class CenterCropPad final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 2 || !ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "CenterCropPad takes 2 inputs");
    }
    const DType dt = ctx.in_dtype(0);
    if (!in_mask(dt, kMaskAll)) return ctx.unsupported_dtype(0, dt);
    if (ctx.in_dtype(1) != DType::kInt64 && ctx.in_dtype(1) != DType::kInt32) {
      return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    }
    const Dims& xs = ctx.in_shape(0);
    const auto rank = static_cast<int64_t>(xs.size());
    std::vector<int64_t> axes;
    ONYX_TRY(ctx.attr_ints("axes", &axes));
    if (!ctx.has_attr("axes")) {
      for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
    }
    std::vector<bool> seen(xs.size(), false);
    for (int64_t& a : axes) {
      int64_t norm = 0;
      if (!normalize_axis(a, rank, &norm)) {
        return ctx.fail(Code::kInvalidModel, "attribute 'axes' value ", a, " is out of range for rank ", rank);
      }
      if (seen[static_cast<size_t>(norm)]) return ctx.fail(Code::kInvalidModel, "attribute 'axes' repeats axis ", a);
      seen[static_cast<size_t>(norm)] = true;
      a = norm;
    }
    const Tensor* sv = ctx.in_value(1);
    if (sv == nullptr) return ctx.dynamic();
    std::vector<int64_t> shape;
    ONYX_TRY(vision::read_int_list(*sv, "shape", &shape));
    if (shape.size() != axes.size()) {
      return ctx.fail(Code::kInvalidArgument, "input 'shape' has ", shape.size(), " values for ", axes.size(), " axes");
    }
    Dims out = xs;
    for (size_t i = 0; i < axes.size(); ++i) {
      if (shape[i] < 0) return ctx.fail(Code::kInvalidArgument, "input 'shape' has a negative size ", shape[i]);
      out[static_cast<size_t>(axes[i])] = shape[i];
    }
    Result<int64_t> n = checked_numel(out);
    if (!n.ok()) return n.status();
    // Source index = destination index + shift, per axis (shift < 0 pads, > 0 crops).
    shift_.assign(xs.size(), 0);
    for (size_t d = 0; d < xs.size(); ++d) {
      if (xs[d] >= out[d]) {
        shift_[d] = (xs[d] - out[d]) / 2;
      } else {
        shift_[d] = -((out[d] - xs[d]) / 2);
      }
    }
    pos_.assign(xs.size(), 0);
    ctx.set_output(0, dt, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    return dispatch<kMaskAll>(ctx.input(0).dtype(), [&](auto tag) -> Status {
      using T = typename decltype(tag)::type;
      const Tensor& x = ctx.input(0);
      Tensor& y = ctx.output(0);
      const T* xd = x.data_as<T>();
      T* yd = y.data_as<T>();
      const size_t rank = x.rank();
      const Dims& in = x.shape();
      const Dims& out = y.shape();
      int64_t* pos = pos_.data();
      for (size_t d = 0; d < rank; ++d) pos[d] = 0;
      for (int64_t o = 0; o < y.numel(); ++o) {
        int64_t src = 0;
        bool inside = true;
        for (size_t d = 0; d < rank; ++d) {
          const int64_t s = pos[d] + shift_[d];
          if (s < 0 || s >= in[d]) {
            inside = false;
            break;
          }
          src = src * in[d] + s;
        }
        yd[o] = inside ? xd[src] : T{};
        for (size_t d = rank; d-- > 0;) {
          if (++pos[d] < out[d]) break;
          pos[d] = 0;
        }
      }
      return Status();
    });
  }

 private:
  std::vector<int64_t> shift_, pos_;
};

}  // namespace

std::unique_ptr<Kernel> make_CenterCropPad() { return make_kernel<CenterCropPad>(); }

}  // namespace onyx
