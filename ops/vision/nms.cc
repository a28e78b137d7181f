// NonMaxSuppression (10, 11): greedy per-(batch, class) selection of boxes by descending score,
// dropping boxes whose IoU with an already selected box exceeds the threshold. The number of
// selected boxes is known only after the run, so the output is sized in run().
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "vision/common.h"

namespace onyx {
namespace {

struct Box {
  float y1, x1, y2, x2;  // y1 <= y2, x1 <= x2
};

Box read_box(const float* p, bool center_point) {
  Box b;
  if (center_point) {  // [x_center, y_center, width, height]
    const float hw = p[2] / 2.0f, hh = p[3] / 2.0f;
    b.x1 = p[0] - hw;
    b.x2 = p[0] + hw;
    b.y1 = p[1] - hh;
    b.y2 = p[1] + hh;
  } else {  // [y1, x1, y2, x2], any diagonal pair of corners
    b.y1 = std::min(p[0], p[2]);
    b.y2 = std::max(p[0], p[2]);
    b.x1 = std::min(p[1], p[3]);
    b.x2 = std::max(p[1], p[3]);
  }
  // Negative sizes in the center format describe the same box.
  if (b.x1 > b.x2) std::swap(b.x1, b.x2);
  if (b.y1 > b.y2) std::swap(b.y1, b.y2);
  return b;
}

// True when IoU(a, b) > threshold. Degenerate boxes (zero area) never suppress.
bool overlaps(const Box& a, const Box& b, float threshold) {
  const float area_a = (a.y2 - a.y1) * (a.x2 - a.x1);
  const float area_b = (b.y2 - b.y1) * (b.x2 - b.x1);
  if (area_a <= 0.0f || area_b <= 0.0f) return false;
  const float ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  const float iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  if (ih <= 0.0f || iw <= 0.0f) return false;
  const float inter = ih * iw;
  const float uni = area_a + area_b - inter;
  if (uni <= 0.0f) return false;
  return inter / uni > threshold;
}

class NonMaxSuppression final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() < 2 || ctx.num_inputs() > 5 || !ctx.has_input(0) || !ctx.has_input(1)) {
      return ctx.fail(Code::kInvalidModel, "NonMaxSuppression takes 2 to 5 inputs");
    }
    if (ctx.num_outputs() != 1) return ctx.fail(Code::kInvalidModel, "NonMaxSuppression has 1 output");
    if (ctx.in_dtype(0) != DType::kFloat32) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    if (ctx.in_dtype(1) != DType::kFloat32) return ctx.unsupported_dtype(1, ctx.in_dtype(1));
    const DType want[5] = {DType::kFloat32, DType::kFloat32, DType::kInt64, DType::kFloat32, DType::kFloat32};
    for (int i = 2; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) continue;
      if (ctx.in_dtype(i) != want[i]) return ctx.unsupported_dtype(i, ctx.in_dtype(i));
      if (numel(ctx.in_shape(i)) != 1 || ctx.in_shape(i).size() > 1) {
        return ctx.fail(Code::kInvalidArgument, "input '", ctx.input_name(i),
                        "' must be a scalar or have 1 element, got shape ", shape_str(ctx.in_shape(i)));
      }
    }
    int64_t cpb = 0;
    ONYX_TRY(ctx.attr_int("center_point_box", &cpb, 0));
    if (cpb != 0 && cpb != 1) {
      return ctx.fail(Code::kInvalidModel, "attribute 'center_point_box' must be 0 or 1, got ", cpb);
    }
    center_point_ = cpb == 1;
    const Dims& bs = ctx.in_shape(0);
    const Dims& ss = ctx.in_shape(1);
    if (bs.size() != 3 || bs[2] != 4) {
      return ctx.fail(Code::kInvalidArgument, "input 'boxes' must have shape [batches, boxes, 4], got ", shape_str(bs));
    }
    if (ss.size() != 3 || ss[0] != bs[0] || ss[2] != bs[1]) {
      return ctx.fail(Code::kInvalidArgument, "input 'scores' must have shape [", bs[0], ", classes, ", bs[1],
                      "], got ", shape_str(ss));
    }
    batches_ = bs[0];
    boxes_ = bs[1];
    classes_ = ss[1];
    // Per (batch, class) at most min(boxes, max_output_boxes_per_class) are kept.
    int64_t per_class = boxes_;
    if (const Tensor* m = ctx.in_value(2)) {
      const int64_t v = m->data_as<int64_t>()[0];
      per_class = std::clamp<int64_t>(v, 0, boxes_);
    }
    per_class_cap_ = per_class;
    int64_t pairs = 0, slots = 0;
    if (!checked_mul(batches_, classes_, &pairs) || !checked_mul(pairs, per_class, &slots)) {
      return ctx.fail(Code::kResourceExhausted, "NonMaxSuppression selection buffer is too large");
    }
    int64_t total = 0;
    if (!checked_add(boxes_, slots, &total) || !checked_add(total, pairs, &total) ||
        !checked_mul(total, static_cast<int64_t>(sizeof(int64_t)), &total)) {
      return ctx.fail(Code::kResourceExhausted, "NonMaxSuppression scratch is too large");
    }
    ctx.request_scratch(static_cast<size_t>(total));
    // The number of selected boxes depends on the data.
    return ctx.dynamic();
  }

  Status run(RunContext& ctx) override {
    const float* boxes = ctx.input(0).data_as<float>();
    const float* scores = ctx.input(1).data_as<float>();
    int64_t max_out = 0;
    if (ctx.has_input(2)) max_out = ctx.input(2).data_as<int64_t>()[0];
    max_out = std::clamp<int64_t>(max_out, 0, per_class_cap_);
    float iou_threshold = 0.0f;
    if (ctx.has_input(3)) iou_threshold = ctx.input(3).data_as<float>()[0];
    if (!(iou_threshold >= 0.0f && iou_threshold <= 1.0f)) {
      return ctx.fail(Code::kOutOfRange, "iou_threshold must be in [0, 1], got ", iou_threshold);
    }
    const bool has_score_threshold = ctx.has_input(4);
    const float score_threshold = has_score_threshold ? ctx.input(4).data_as<float>()[0] : 0.0f;

    auto* order = static_cast<int64_t*>(ctx.scratch());
    int64_t* selected = order + boxes_;
    int64_t* counts = selected + batches_ * classes_ * per_class_cap_;
    int64_t total = 0;
    for (int64_t b = 0; b < batches_; ++b) {
      const float* bb = boxes + b * boxes_ * 4;
      for (int64_t c = 0; c < classes_; ++c) {
        const int64_t slot = b * classes_ + c;
        int64_t* sel = selected + slot * per_class_cap_;
        int64_t n_sel = 0;
        const float* sc = scores + slot * boxes_;
        int64_t n = 0;
        for (int64_t i = 0; i < boxes_; ++i) {
          if (!has_score_threshold || sc[i] > score_threshold) order[n++] = i;
        }
        // Descending score; equal scores keep the lower box index first.
        std::sort(order, order + n, [sc](int64_t a, int64_t z) { return sc[a] > sc[z] || (sc[a] == sc[z] && a < z); });
        for (int64_t k = 0; k < n && n_sel < max_out; ++k) {
          const Box cand = read_box(bb + order[k] * 4, center_point_);
          bool keep = true;
          for (int64_t j = 0; j < n_sel && keep; ++j) {
            if (overlaps(read_box(bb + sel[j] * 4, center_point_), cand, iou_threshold)) keep = false;
          }
          if (keep) sel[n_sel++] = order[k];
        }
        counts[slot] = n_sel;
        total += n_sel;
      }
    }
    Tensor* y = ctx.output(0, DType::kInt64, {total, 3});
    if (y == nullptr) return ctx.fail(Code::kResourceExhausted, "cannot allocate the NonMaxSuppression output");
    int64_t* out = y->data_as<int64_t>();
    for (int64_t b = 0; b < batches_; ++b) {
      for (int64_t c = 0; c < classes_; ++c) {
        const int64_t slot = b * classes_ + c;
        const int64_t* sel = selected + slot * per_class_cap_;
        for (int64_t j = 0; j < counts[slot]; ++j) {
          *out++ = b;
          *out++ = c;
          *out++ = sel[j];
        }
      }
    }
    return Status();
  }

 private:
  bool center_point_ = false;
  int64_t batches_ = 0, boxes_ = 0, classes_ = 0;
  int64_t per_class_cap_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_NonMaxSuppression() { return make_kernel<NonMaxSuppression>(); }

}  // namespace onyx
