#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "op_test.h"

using namespace onyx;
using namespace onyx::test;

namespace {

// Runs the node with graph inputs, then again with the inputs as initializers (so static nodes
// are constant-folded); both must succeed and agree. Returns the first run's outputs.
std::vector<Tensor> run_both(OpTest t) {
  Result<std::vector<Tensor>> a = t.run();
  REQUIRE_MESSAGE(a.ok(), a.status().to_string());
  t.constant_inputs = true;
  Result<std::vector<Tensor>> b = t.run();
  REQUIRE_MESSAGE(b.ok(), b.status().to_string());
  REQUIRE(a->size() == b->size());
  for (size_t i = 0; i < a->size(); ++i) {
    CHECK_MESSAGE(compare((*b)[i], (*a)[i], 0, 0) == "", "constant-folded output ", i, " differs");
    if ((*a)[i].dtype() == DType::kString) CHECK(values<std::string>((*b)[i]) == values<std::string>((*a)[i]));
  }
  return *a;
}

Code run_error(const OpTest& t) {
  Result<std::vector<Tensor>> a = t.run();
  if (a.ok()) return Code::kOk;
  return a.status().code();
}

void check_eq(const Tensor& got, const Tensor& want, double rtol = 1e-5, double atol = 1e-6) {
  CHECK_MESSAGE(compare(got, want, rtol, atol) == "", compare(got, want, rtol, atol));
}

Tensor i64(Dims dims, std::vector<int64_t> v) { return tensor<int64_t>(std::move(dims), std::move(v)); }
Tensor i32(Dims dims, std::vector<int32_t> v) { return tensor<int32_t>(std::move(dims), std::move(v)); }
Tensor dtensor(Dims dims, std::vector<double> v) { return tensor<double>(std::move(dims), std::move(v)); }
Tensor htensor(Dims dims, const std::vector<float>& v) {
  std::vector<Float16> h;
  for (float f : v) h.push_back(Float16(f));
  return tensor<Float16>(std::move(dims), h);
}
Tensor stensor(Dims dims, std::vector<std::string> v) { return tensor<std::string>(std::move(dims), std::move(v)); }
std::vector<std::string> strs(const Tensor& t) { return values<std::string>(t); }

Attribute attr_strings(const std::string& name, std::vector<std::string> v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kStrings;
  a.strings = std::move(v);
  return a;
}

// 0, 1, 2, ... as float.
Tensor iota_f(Dims dims, float offset = 0) {
  Tensor t = Tensor::make(DType::kFloat32, dims).value();
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = static_cast<float>(i) + offset;
  return t;
}

const float kNaN = std::numeric_limits<float>::quiet_NaN();

}  // namespace

// ---------------------------------------------------------------------------------------------
// NonMaxSuppression

namespace {
// Six boxes in [y1, x1, y2, x2]: 0-2 overlap heavily (IoU 0.82 with box 0), 3-4 likewise, 5 alone.
Tensor nms_boxes() {
  return ftensor({1, 6, 4},
                 {0, 0, 1, 1, 0, 0.1f, 1, 1.1f, 0, -0.1f, 1, 0.9f, 0, 10, 1, 11, 0, 10.1f, 1, 11.1f, 0, 100, 1, 101});
}
Tensor nms_scores() { return ftensor({1, 1, 6}, {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f}); }
}  // namespace

TEST_CASE("NonMaxSuppression selects by score and suppresses by IoU") {
  OpTest t{"NonMaxSuppression", {nms_boxes(), nms_scores(), i64({1}, {3}), ftensor({1}, {0.5f}), ftensor({1}, {0.0f})}};
  check_eq(run_both(t)[0], i64({3, 3}, {0, 0, 3, 0, 0, 0, 0, 0, 5}));
  // Score threshold 0.4 drops box 5; max 2 per class keeps the first two.
  t.inputs[4] = ftensor({1}, {0.4f});
  check_eq(run_both(t)[0], i64({2, 3}, {0, 0, 3, 0, 0, 0}));
  t.inputs[4] = ftensor({1}, {0.0f});
  t.inputs[2] = i64({1}, {2});
  check_eq(run_both(t)[0], i64({2, 3}, {0, 0, 3, 0, 0, 0}));
  // IoU threshold 0.9: the overlapping boxes (IoU 0.82) survive.
  t.inputs[2] = i64({}, {10});
  t.inputs[3] = ftensor({}, {0.9f});
  check_eq(run_both(t)[0], i64({6, 3}, {0, 0, 3, 0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 4, 0, 0, 5}));
  // Without max_output_boxes_per_class nothing is selected.
  t.inputs = {nms_boxes(), nms_scores()};
  CHECK(run_both(t)[0].shape() == Dims{0, 3});
  t.opset = 10;
  t.inputs = {nms_boxes(), nms_scores(), i64({1}, {1})};
  check_eq(run_both(t)[0], i64({1, 3}, {0, 0, 3}));
}

TEST_CASE("NonMaxSuppression: center boxes, flipped corners, classes and batches") {
  // Center format [xc, yc, w, h] of the same boxes (x and y swapped, which IoU ignores).
  Tensor center = ftensor({1, 6, 4}, {0.5f, 0.5f,  1, 1, 0.5f, 0.6f,  1, 1, 0.5f, 0.4f,   1, 1,
                                      0.5f, 10.5f, 1, 1, 0.5f, 10.6f, 1, 1, 0.5f, 100.5f, 1, 1});
  OpTest t{"NonMaxSuppression", {center, nms_scores(), i64({1}, {3}), ftensor({1}, {0.5f}), ftensor({1}, {0.0f})}};
  t.attrs = {attr_int("center_point_box", 1)};
  check_eq(run_both(t)[0], i64({3, 3}, {0, 0, 3, 0, 0, 0, 0, 0, 5}));

  Tensor flipped = ftensor(
      {1, 6, 4}, {1, 1, 0, 0, 0, 0.1f, 1, 1.1f, 0, 0.9f, 1, -0.1f, 0, 10, 1, 11, 1, 10.1f, 0, 11.1f, 1, 101, 0, 100});
  OpTest f{"NonMaxSuppression", {flipped, nms_scores(), i64({1}, {3}), ftensor({1}, {0.5f}), ftensor({1}, {0.0f})}};
  check_eq(run_both(f)[0], i64({3, 3}, {0, 0, 3, 0, 0, 0, 0, 0, 5}));

  // Two classes with different scores; two batches.
  Tensor scores2 = ftensor({1, 2, 6}, {0.9f, 0.75f, 0.6f, 0.95f, 0.5f, 0.3f, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f});
  OpTest c{"NonMaxSuppression", {nms_boxes(), scores2, i64({1}, {2}), ftensor({1}, {0.5f}), ftensor({1}, {0.0f})}};
  check_eq(run_both(c)[0], i64({4, 3}, {0, 0, 3, 0, 0, 0, 0, 1, 5, 0, 1, 4}));

  Tensor boxes2 = Tensor::make(DType::kFloat32, {2, 6, 4}).value();
  Tensor scoresb = Tensor::make(DType::kFloat32, {2, 1, 6}).value();
  for (int b = 0; b < 2; ++b) {
    for (int i = 0; i < 24; ++i) boxes2.data_as<float>()[b * 24 + i] = nms_boxes().data_as<float>()[i];
    for (int i = 0; i < 6; ++i) scoresb.data_as<float>()[b * 6 + i] = nms_scores().data_as<float>()[i];
  }
  OpTest b{"NonMaxSuppression", {boxes2, scoresb, i64({1}, {2}), ftensor({1}, {0.5f}), ftensor({1}, {0.0f})}};
  check_eq(run_both(b)[0], i64({4, 3}, {0, 0, 3, 0, 0, 0, 1, 0, 3, 1, 0, 0}));
}

TEST_CASE("NonMaxSuppression: identical boxes, ties, empty inputs") {
  Tensor same = ftensor({1, 4, 4}, {0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1});
  OpTest t{"NonMaxSuppression",
           {same, ftensor({1, 1, 4}, {0.9f, 0.9f, 0.9f, 0.9f}), i64({1}, {3}), ftensor({1}, {0.5f})}};
  check_eq(run_both(t)[0], i64({1, 3}, {0, 0, 0}));
  // Equal scores, disjoint boxes: lower index first.
  Tensor apart = ftensor({1, 3, 4}, {0, 0, 1, 1, 5, 5, 6, 6, 9, 9, 10, 10});
  t.inputs = {apart, ftensor({1, 1, 3}, {0.5f, 0.7f, 0.7f}), i64({1}, {3}), ftensor({1}, {0.5f})};
  check_eq(run_both(t)[0], i64({3, 3}, {0, 0, 1, 0, 0, 2, 0, 0, 0}));
  // No boxes at all.
  t.inputs = {Tensor::make(DType::kFloat32, {1, 0, 4}).value(), Tensor::make(DType::kFloat32, {1, 2, 0}).value(),
              i64({1}, {3})};
  CHECK(run_both(t)[0].shape() == Dims{0, 3});
}

TEST_CASE("NonMaxSuppression errors") {
  OpTest t{"NonMaxSuppression", {nms_boxes(), nms_scores(), i64({1}, {3}), ftensor({1}, {1.5f})}};
  CHECK(run_error(t) == Code::kOutOfRange);  // iou_threshold outside [0, 1]
  t.inputs[3] = ftensor({1}, {0.5f});
  t.attrs = {attr_int("center_point_box", 2)};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {};
  t.inputs[0] = ftensor({1, 6, 3}, {});
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs[0] = nms_boxes();
  t.inputs[1] = ftensor({1, 1, 5}, {});
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs[1] = nms_scores();
  t.inputs[2] = i32({1}, {3});
  CHECK(run_error(t) == Code::kUnsupported);
  t.inputs[2] = i64({2}, {3, 3});
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs[2] = i64({1}, {3});
  t.inputs[0] = dtensor({1, 6, 4}, {});
  CHECK(run_error(t) == Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// RoiAlign, MaxRoiPool

// X[y][x] = 4y + x on a 4x4 plane: bilinear interpolation of it is exact, so an average of
// samples equals the value at the samples' mean position.
TEST_CASE("RoiAlign average: output_half_pixel and half_pixel") {
  OpTest t{"RoiAlign", {iota_f({1, 1, 4, 4}), ftensor({1, 4}, {0, 0, 3, 3}), i64({1}, {0})}};
  t.attrs = {attr_int("sampling_ratio", 2), attr_string("coordinate_transformation_mode", "output_half_pixel")};
  // Samples at 0.75 and 2.25 on both axes: mean (1.5, 1.5) -> 7.5.
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 1}, {7.5f}));
  // Half pixel shifts by -0.5: samples at 0.25, 1.75 -> mean 1 -> 5.
  t.attrs = {attr_int("sampling_ratio", 2)};
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 1}, {5.0f}));
  // 2x2 bins of 1.5: sample means 0.75 and 2.25.
  t.attrs = {attr_int("sampling_ratio", 2), attr_string("coordinate_transformation_mode", "output_half_pixel"),
             attr_int("output_height", 2), attr_int("output_width", 2)};
  check_eq(run_both(t)[0], ftensor({1, 1, 2, 2}, {3.75f, 5.25f, 9.75f, 11.25f}));
  // Adaptive sampling (ratio 0): ceil(1.5) = 2 samples per bin, same result.
  t.attrs[0] = attr_int("sampling_ratio", 0);
  check_eq(run_both(t)[0], ftensor({1, 1, 2, 2}, {3.75f, 5.25f, 9.75f, 11.25f}));
  // spatial_scale halves the RoI coordinates.
  t.inputs[1] = ftensor({1, 4}, {0, 0, 6, 6});
  t.attrs = {attr_int("sampling_ratio", 2), attr_string("coordinate_transformation_mode", "output_half_pixel"),
             attr_float("spatial_scale", 0.5f)};
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 1}, {7.5f}));
  // Opset 10 has no pixel shift.
  t.opset = 10;
  t.inputs[1] = ftensor({1, 4}, {0, 0, 3, 3});
  t.attrs = {attr_int("sampling_ratio", 2)};
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 1}, {7.5f}));
}

TEST_CASE("RoiAlign max mode, batches, channels and dtypes") {
  OpTest t{"RoiAlign", {iota_f({1, 1, 4, 4}), ftensor({1, 4}, {0, 0, 2, 2}), i64({1}, {0})}};
  t.attrs = {attr_string("mode", "max"), attr_int("sampling_ratio", 2),
             attr_string("coordinate_transformation_mode", "output_half_pixel")};
  // Samples at (0.5|1.5, 0.5|1.5), each the max of its four weighted corners (weights 1/4):
  // the largest is 10/4 at (1.5, 1.5).
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 1}, {2.5f}));
  t.attrs[1] = attr_int("sampling_ratio", 1);  // one sample on pixel (1, 1), weight 1
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 1}, {5.0f}));

  // Two images of two channels (offsets 0, 16, 32, 48); RoIs pick images 1 and 0.
  OpTest b{"RoiAlign", {iota_f({2, 2, 4, 4}), ftensor({2, 4}, {0, 0, 3, 3, 0, 0, 3, 3}), i64({2}, {1, 0})}};
  b.attrs = {attr_int("sampling_ratio", 2), attr_string("coordinate_transformation_mode", "output_half_pixel")};
  check_eq(run_both(b)[0], ftensor({2, 2, 1, 1}, {39.5f, 55.5f, 7.5f, 23.5f}));

  OpTest d{"RoiAlign",
           {tensor<double>({1, 1, 4, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}),
            dtensor({1, 4}, {0, 0, 3, 3}), i64({1}, {0})}};
  d.attrs = {attr_int("sampling_ratio", 2)};
  check_eq(run_both(d)[0], dtensor({1, 1, 1, 1}, {5.0}));
  OpTest h{"RoiAlign",
           {htensor({1, 1, 4, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}),
            htensor({1, 4}, {0, 0, 3, 3}), i64({1}, {0})}};
  h.attrs = {attr_int("sampling_ratio", 2)};
  check_eq(run_both(h)[0], htensor({1, 1, 1, 1}, {5.0f}));
  // No RoIs.
  OpTest e{"RoiAlign", {iota_f({1, 1, 4, 4}), ftensor({0, 4}, {}), i64({0}, {})}};
  CHECK(run_both(e)[0].shape() == Dims{0, 1, 1, 1});
}

TEST_CASE("RoiAlign errors") {
  OpTest t{"RoiAlign", {iota_f({1, 1, 4, 4}), ftensor({1, 4}, {0, 0, 3, 3}), i64({1}, {1})}};
  CHECK(run_error(t) == Code::kOutOfRange);  // batch index 1 of 1 image
  t.inputs[2] = i64({1}, {0});
  t.attrs = {attr_string("mode", "min")};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_string("coordinate_transformation_mode", "asymmetric")};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_int("output_height", 0)};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {};
  t.inputs[1] = ftensor({1, 3}, {0, 0, 3});
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs[1] = dtensor({1, 4}, {0, 0, 3, 3});
  CHECK(run_error(t) == Code::kInvalidModel);  // rois dtype differs from X
  t.inputs[1] = ftensor({1, 4}, {0, 0, 3, 3});
  t.inputs[2] = i64({2}, {0, 0});
  CHECK(run_error(t) == Code::kInvalidArgument);
}

TEST_CASE("RoiAlign and MaxRoiPool tolerate NaN RoIs and empty planes") {
  OpTest t{"RoiAlign", {iota_f({1, 1, 4, 4}), ftensor({1, 4}, {kNaN, 0, 3, kNaN}), i64({1}, {0})}};
  t.attrs = {attr_int("output_height", 2), attr_int("output_width", 2)};
  check_eq(run_both(t)[0], ftensor({1, 1, 2, 2}, {0, 0, 0, 0}));
  t.attrs.push_back(attr_int("sampling_ratio", 2));
  check_eq(run_both(t)[0], ftensor({1, 1, 2, 2}, {0, 0, 0, 0}));
  t.inputs[0] = ftensor({1, 2, 0, 0}, {});
  t.inputs[1] = ftensor({1, 4}, {0, 0, 1, 1});
  check_eq(run_both(t)[0], ftensor({1, 2, 2, 2}, {0, 0, 0, 0, 0, 0, 0, 0}));
  OpTest m{"MaxRoiPool", {iota_f({1, 1, 4, 4}), ftensor({1, 5}, {0, kNaN, kNaN, 1, 1})}};
  m.attrs = {attr_ints("pooled_shape", {1, 1})};
  check_eq(run_both(m)[0], ftensor({1, 1, 1, 1}, {5}));  // NaN corners count as 0: rows/cols 0..1
  m.inputs[1] = ftensor({1, 5}, {kNaN, 0, 0, 1, 1});
  CHECK(run_error(m) == Code::kOutOfRange);
}

TEST_CASE("MaxRoiPool") {
  OpTest t{"MaxRoiPool", {iota_f({1, 1, 4, 4}), ftensor({2, 5}, {0, 0, 0, 3, 3, 0, 1, 1, 2, 2})}};
  t.attrs = {attr_ints("pooled_shape", {2, 2})};
  // RoI 0 covers the whole 4x4 plane in 2x2 bins; RoI 1 rows/cols 1..2 in 1-pixel bins.
  check_eq(run_both(t)[0], ftensor({2, 1, 2, 2}, {5, 7, 13, 15, 5, 6, 9, 10}));
  t.attrs = {attr_ints("pooled_shape", {1, 1}), attr_float("spatial_scale", 0.5f)};
  t.inputs[1] = ftensor({1, 5}, {0, 2, 2, 4, 4});  // scaled: cols/rows 1..2
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 1}, {10}));
  // Entirely outside the image: empty bins give 0.
  t.inputs[1] = ftensor({1, 5}, {0, 20, 20, 24, 24});
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 1}, {0}));
  OpTest d{"MaxRoiPool", {dtensor({1, 2, 2, 2}, {1, 2, 3, 4, -5, -6, -7, -8}), dtensor({1, 5}, {0, 0, 0, 1, 1})}};
  d.attrs = {attr_ints("pooled_shape", {1, 1})};
  check_eq(run_both(d)[0], dtensor({1, 2, 1, 1}, {4, -5}));
  OpTest h{"MaxRoiPool", {htensor({1, 1, 2, 2}, {1, 2, 3, 4}), htensor({1, 5}, {0, 0, 0, 0, 1})}};
  h.attrs = {attr_ints("pooled_shape", {1, 1})};
  check_eq(run_both(h)[0], htensor({1, 1, 1, 1}, {3}));

  t.inputs[1] = ftensor({1, 5}, {1, 0, 0, 1, 1});
  t.attrs = {attr_ints("pooled_shape", {1, 1})};
  CHECK(run_error(t) == Code::kOutOfRange);
  t.attrs = {};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_ints("pooled_shape", {1, 0})};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_ints("pooled_shape", {1, 1})};
  t.inputs[1] = ftensor({1, 4}, {0, 0, 1, 1});
  CHECK(run_error(t) == Code::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// GridSample

TEST_CASE("GridSample bilinear with each padding mode") {
  Tensor x = ftensor({1, 1, 2, 2}, {1, 2, 3, 4});
  // Grid points: centre, top-left corner (-1, -1), bottom-right corner (1, 1).
  Tensor g = ftensor({1, 1, 3, 2}, {0, 0, -1, -1, 1, 1});
  OpTest t{"GridSample", {x, g}};
  // align_corners=0: (-1,-1) is pixel (-0.5,-0.5): a quarter of pixel (0,0) inside the image.
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 3}, {2.5f, 0.25f, 1.0f}));
  t.attrs = {attr_string("padding_mode", "border")};
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 3}, {2.5f, 1.0f, 4.0f}));
  t.attrs = {attr_string("padding_mode", "reflection")};
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 3}, {2.5f, 1.0f, 4.0f}));
  t.attrs = {attr_int("align_corners", 1)};
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 3}, {2.5f, 1.0f, 4.0f}));
  // Far outside: zeros gives 0, border the nearest corner.
  t.inputs[1] = ftensor({1, 1, 1, 2}, {5, -7});
  t.attrs = {};
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 1}, {0}));
  t.attrs = {attr_string("padding_mode", "border")};
  check_eq(run_both(t)[0], ftensor({1, 1, 1, 1}, {2}));
}

TEST_CASE("GridSample reflection, nearest and bicubic") {
  // ONNX conformance data (torch.nn.functional.grid_sample): X 3x2, grid 2x4.
  Tensor x = ftensor({1, 1, 3, 2}, {0, 1, 2, 3, 4, 5});
  Tensor g = ftensor({1, 2, 4, 2}, {-10, -10, -5, -5, -0.2f, -0.2f, 10, 10, 10, 10, -0.2f, -0.2f, 5, 5, 10, 10});
  OpTest t{"GridSample", {x, g}};
  t.attrs = {attr_string("padding_mode", "reflection")};
  check_eq(run_both(t)[0], ftensor({1, 1, 2, 4}, {2.5f, 0, 1.7f, 2.5f, 2.5f, 1.7f, 5, 2.5f}), 1e-4, 1e-5);
  t.attrs = {attr_string("padding_mode", "border")};
  check_eq(run_both(t)[0], ftensor({1, 1, 2, 4}, {0, 0, 1.7f, 5, 5, 1.7f, 5, 5}), 1e-4, 1e-5);

  // Nearest rounds half to even: x = 0.5 -> 0, x = 1.5 -> 2 (outside -> 0).
  Tensor g2 = ftensor({1, 2, 4, 2}, {-1, -1, -0.5f, -0.5f, -0.2f, -0.2f, 0, 0, 0, 0, -0.2f, -0.2f, 0.5f, 0.5f, 1, 1});
  OpTest n{"GridSample", {x, g2}};
  n.attrs = {attr_string("mode", "nearest")};
  check_eq(run_both(n)[0], ftensor({1, 1, 2, 4}, {0, 0, 2, 2, 2, 2, 5, 0}));
  n.attrs = {attr_string("mode", "bicubic")};
  check_eq(run_both(n)[0],
           ftensor({1, 1, 2, 4}, {-0.1406f, 0.3828f, 1.7556f, 2.9688f, 2.9688f, 1.7556f, 5.1445f, 1.3906f}), 1e-3,
           1e-4);
  // Bicubic exactly on pixel centres reproduces the pixels (weights 0, 1, 0, 0).
  OpTest c{"GridSample", {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), ftensor({1, 1, 2, 2}, {-1, -1, 1, 1})}};
  c.attrs = {attr_string("mode", "bicubic"), attr_int("align_corners", 1)};
  check_eq(run_both(c)[0], ftensor({1, 1, 1, 2}, {1, 4}), 1e-5, 1e-5);
  c.attrs = {attr_string("mode", "nearest"), attr_int("align_corners", 1)};
  c.inputs[1] = ftensor({1, 1, 1, 2}, {0.1f, -0.1f});  // (x 0.55, y 0.45) -> pixel (0, 1)
  check_eq(run_both(c)[0], ftensor({1, 1, 1, 1}, {2}));
}

TEST_CASE("GridSample dtypes, batches, errors") {
  OpTest d{"GridSample", {dtensor({2, 1, 2, 2}, {1, 2, 3, 4, 10, 20, 30, 40}), dtensor({2, 1, 1, 2}, {0, 0, 1, 1})}};
  d.attrs = {attr_int("align_corners", 1)};
  check_eq(run_both(d)[0], dtensor({2, 1, 1, 1}, {2.5, 40}));
  OpTest h{"GridSample", {htensor({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}), htensor({1, 1, 1, 2}, {0, 0})}};
  check_eq(run_both(h)[0], htensor({1, 2, 1, 1}, {2.5f, 6.5f}));
  // Mixed: float input, double grid.
  OpTest m{"GridSample", {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), dtensor({1, 1, 1, 2}, {0, 0})}};
  check_eq(run_both(m)[0], ftensor({1, 1, 1, 1}, {2.5f}));
  // Empty output grid.
  OpTest e{"GridSample", {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), ftensor({1, 0, 3, 2}, {})}};
  CHECK(run_both(e)[0].shape() == Dims{1, 1, 0, 3});

  OpTest t{"GridSample", {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), ftensor({1, 1, 1, 2}, {0, 0})}};
  t.attrs = {attr_string("mode", "linear")};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_string("padding_mode", "wrap")};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {};
  t.inputs[1] = ftensor({1, 1, 1, 3}, {0, 0, 0});
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs[1] = ftensor({2, 1, 1, 2}, {0, 0, 0, 0});
  CHECK(run_error(t) == Code::kInvalidArgument);  // batch mismatch
  t.inputs = {i32({1, 1, 2, 2}, {1, 2, 3, 4}), ftensor({1, 1, 1, 2}, {0, 0})};
  CHECK(run_error(t) == Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// MaxUnpool

TEST_CASE("MaxUnpool with and without output_shape") {
  OpTest t{"MaxUnpool", {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), i64({1, 1, 2, 2}, {5, 7, 13, 15})}};
  t.attrs = {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})};
  check_eq(run_both(t)[0], ftensor({1, 1, 4, 4}, {0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4}));
  t.opset = 9;
  check_eq(run_both(t)[0], ftensor({1, 1, 4, 4}, {0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4}));
  t.opset = 11;
  t.inputs.push_back(i64({4}, {1, 1, 5, 5}));
  // A larger output_shape pads the unpooled 4x4 tensor at the end of each axis.
  Tensor want = ftensor({1, 1, 5, 5}, {0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 4, 0, 0, 0, 0, 0, 0});
  check_eq(run_both(t)[0], want);  // output_shape as graph input (dynamic) and as constant
  t.inputs[2] = i64({4}, {2, 1, 4, 4});
  Tensor want2 = Tensor::make(DType::kFloat32, {2, 1, 4, 4}).value();
  want2.data_as<float>()[5] = 1;
  want2.data_as<float>()[7] = 2;
  want2.data_as<float>()[13] = 3;
  want2.data_as<float>()[15] = 4;
  check_eq(run_both(t)[0], want2);
  // Pads shrink the inferred output: (2-1)*2 + 2 - 1 - 1 = 2.
  OpTest p{"MaxUnpool", {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), i64({1, 1, 2, 2}, {3, 2, 1, 0})}};
  p.attrs = {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2}), attr_ints("pads", {1, 1, 1, 1})};
  check_eq(run_both(p)[0], ftensor({1, 1, 2, 2}, {4, 3, 2, 1}));
  // 1-D, two channels: indices address the whole output tensor; default stride 1.
  OpTest c{"MaxUnpool", {dtensor({1, 2, 2}, {7, 8, 9, 10}), i64({1, 2, 2}, {0, 2, 3, 5})}};
  c.attrs = {attr_ints("kernel_shape", {2})};
  check_eq(run_both(c)[0], dtensor({1, 2, 3}, {7, 0, 8, 9, 0, 10}));
  OpTest h{"MaxUnpool", {htensor({1, 1, 1}, {2.5f}), i64({1, 1, 1}, {1})}};
  h.attrs = {attr_ints("kernel_shape", {2}), attr_ints("strides", {2})};
  check_eq(run_both(h)[0], htensor({1, 1, 2}, {0, 2.5f}));
}

TEST_CASE("MaxUnpool errors") {
  OpTest t{"MaxUnpool", {ftensor({1, 1, 2, 2}, {1, 2, 3, 4}), i64({1, 1, 2, 2}, {5, 7, 13, 16})}};
  t.attrs = {attr_ints("kernel_shape", {2, 2}), attr_ints("strides", {2, 2})};
  CHECK(run_error(t) == Code::kOutOfRange);
  t.inputs[1] = i64({1, 1, 2, 2}, {5, 7, 13, -1});
  CHECK(run_error(t) == Code::kOutOfRange);
  t.inputs[1] = i64({1, 1, 4}, {0, 1, 2, 3});
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs[1] = i64({1, 1, 2, 2}, {0, 1, 2, 3});
  t.attrs = {attr_ints("strides", {2, 2})};
  CHECK(run_error(t) == Code::kInvalidModel);  // kernel_shape missing
  t.attrs = {attr_ints("kernel_shape", {2})};
  CHECK(run_error(t) == Code::kInvalidModel);  // wrong length
  t.attrs = {attr_ints("kernel_shape", {2, 2})};
  t.inputs.push_back(i64({3}, {1, 1, 4}));
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs[2] = i64({4}, {1, 1, 2, 5});  // smaller than the unpooled 3x3
  CHECK(run_error(t) == Code::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Det

TEST_CASE("Det of single and batched matrices") {
  OpTest t{"Det", {ftensor({2, 2}, {1, 2, 3, 4})}};
  check_eq(run_both(t)[0], ftensor({}, {-2}));
  // Needs a row swap (zero leading pivot): 0*(0*8-3*-3) - 1*(1*8-3*4) + 2*(1*-3-0*4) = -2.
  t.inputs = {ftensor({3, 3}, {0, 1, 2, 1, 0, 3, 4, -3, 8})};
  check_eq(run_both(t)[0], ftensor({}, {-2}), 1e-5, 1e-5);
  t.inputs = {ftensor({3, 2, 2}, {1, 2, 3, 4, 1, 2, 2, 1, 1, 3, 3, 1})};
  check_eq(run_both(t)[0], ftensor({3}, {-2, -3, -8}), 1e-5, 1e-5);
  t.inputs = {ftensor({2, 1, 2, 2}, {2, 4, 1, 2, 0, 0, 0, 0})};  // singular
  check_eq(run_both(t)[0], ftensor({2, 1}, {0, 0}));
  t.inputs = {ftensor({1, 1}, {-3.5f})};
  check_eq(run_both(t)[0], ftensor({}, {-3.5f}));
  t.inputs = {ftensor({2, 0, 0}, {})};  // empty matrices have determinant 1
  check_eq(run_both(t)[0], ftensor({2}, {1, 1}));
  t.inputs = {ftensor({0, 3, 3}, {})};
  CHECK(run_both(t)[0].shape() == Dims{0});
  t.inputs = {dtensor({3, 3}, {2, 0, 0, 0, 3, 0, 0, 0, 4})};
  check_eq(run_both(t)[0], dtensor({}, {24}));
  t.inputs = {htensor({2, 2}, {1, 2, 3, 4})};
  check_eq(run_both(t)[0], htensor({}, {-2}));
}

TEST_CASE("Det errors") {
  OpTest t{"Det", {ftensor({2, 3}, {1, 2, 3, 4, 5, 6})}};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {ftensor({3}, {1, 2, 3})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {i32({2, 2}, {1, 2, 3, 4})};
  CHECK(run_error(t) == Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// Col2Im, CenterCropPad (opset 18)

TEST_CASE("Col2Im folds blocks, summing overlaps") {
  // 2x2 blocks with stride 1 over a 3x3 image: 4 blocks; ones count the overlaps.
  Tensor ones = Tensor::make(DType::kFloat32, {1, 4, 4}).value();
  for (int i = 0; i < 16; ++i) ones.data_as<float>()[i] = 1;
  OpTest t{"Col2Im", {ones, i64({2}, {3, 3}), i64({2}, {2, 2})}};
  t.opset = 18;
  check_eq(run_both(t)[0], ftensor({1, 1, 3, 3}, {1, 2, 1, 2, 4, 2, 1, 2, 1}));
  // Stride 2, no overlap: input[k][l] = 10k + l lands at block l, offset k.
  Tensor x = Tensor::make(DType::kFloat32, {1, 4, 4}).value();
  for (int k = 0; k < 4; ++k) {
    for (int l = 0; l < 4; ++l) x.data_as<float>()[k * 4 + l] = static_cast<float>(10 * k + l);
  }
  t.inputs = {x, i64({2}, {4, 4}), i64({2}, {2, 2})};
  t.attrs = {attr_ints("strides", {2, 2})};
  check_eq(run_both(t)[0], ftensor({1, 1, 4, 4}, {0, 10, 1, 11, 20, 30, 21, 31, 2, 12, 3, 13, 22, 32, 23, 33}));
  // Pads: 3x3 blocks over a 2x2 image padded by 1: every pixel is covered 2x2 times.
  Tensor ones9 = Tensor::make(DType::kFloat32, {1, 9, 4}).value();
  for (int i = 0; i < 36; ++i) ones9.data_as<float>()[i] = 1;
  t.inputs = {ones9, i64({2}, {2, 2}), i64({2}, {3, 3})};
  t.attrs = {attr_ints("pads", {1, 1, 1, 1})};
  check_eq(run_both(t)[0], ftensor({1, 1, 2, 2}, {4, 4, 4, 4}));
  // 1-D with dilation 2: block taps at l and l + 2.
  t.inputs = {i32({1, 2, 3}, {1, 1, 1, 1, 1, 1}), i64({1}, {5}), i64({1}, {2})};
  t.attrs = {attr_ints("dilations", {2})};
  check_eq(run_both(t)[0], i32({1, 1, 5}, {1, 1, 2, 1, 1}));
  // Two channels, batch 2, block 1x1: a plain reshape.
  t.inputs = {dtensor({2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}), i64({2}, {1, 2}), i64({2}, {1, 1})};
  t.attrs = {};
  check_eq(run_both(t)[0], dtensor({2, 2, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST_CASE("Col2Im errors") {
  OpTest t{"Col2Im", {ftensor({1, 4, 3}, {}), i64({2}, {3, 3}), i64({2}, {2, 2})}};
  t.opset = 18;
  CHECK(run_error(t) == Code::kInvalidArgument);  // 3 blocks given, 4 expected
  t.inputs[0] = ftensor({1, 5, 4}, {});
  CHECK(run_error(t) == Code::kInvalidArgument);  // 5 is not a multiple of 4
  t.inputs[0] = ftensor({1, 4, 4}, {});
  t.inputs[2] = i64({1}, {2});
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs[2] = i64({2}, {2, 2});
  t.attrs = {attr_ints("strides", {0, 1})};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {};
  t.opset = 17;
  CHECK(run_error(t) == Code::kUnsupported);  // Col2Im needs opset 18
}

TEST_CASE("CenterCropPad crops and pads around the centre") {
  OpTest t{"CenterCropPad", {ftensor({4}, {1, 2, 3, 4}), i64({1}, {2})}};
  t.opset = 18;
  check_eq(run_both(t)[0], ftensor({2}, {2, 3}));
  t.inputs[1] = i64({1}, {3});  // odd difference: window starts at floor(1/2) = 0
  check_eq(run_both(t)[0], ftensor({3}, {1, 2, 3}));
  t.inputs[1] = i64({1}, {7});  // pad 1 before, 2 after
  check_eq(run_both(t)[0], ftensor({7}, {0, 1, 2, 3, 4, 0, 0}));
  t.inputs[1] = i64({1}, {0});
  CHECK(run_both(t)[0].shape() == Dims{0});
  // 2-D, one axis given with a negative index; int32 shape.
  t.inputs = {iota_f({2, 3}), i32({1}, {1})};
  t.attrs = {attr_ints("axes", {-1})};
  check_eq(run_both(t)[0], ftensor({2, 1}, {1, 4}));
  // Crop one axis and pad the other.
  t.inputs = {iota_f({3, 2}), i64({2}, {1, 4})};
  t.attrs = {};
  check_eq(run_both(t)[0], ftensor({1, 4}, {0, 2, 3, 0}));
  t.inputs = {tensor<std::string>({3}, {"a", "b", "c"}), i64({1}, {5})};
  CHECK(strs(run_both(t)[0]) == std::vector<std::string>{"", "a", "b", "c", ""});
  t.inputs = {tensor<bool>({2}, {true, true}), i64({1}, {3})};
  check_eq(run_both(t)[0], tensor<bool>({3}, {true, true, false}));

  t.inputs = {ftensor({4}, {1, 2, 3, 4}), i64({2}, {2, 2})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {ftensor({4}, {1, 2, 3, 4}), i64({1}, {-1})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs[1] = i64({1}, {2});
  t.attrs = {attr_ints("axes", {1})};
  CHECK(run_error(t) == Code::kInvalidModel);
}

// ---------------------------------------------------------------------------------------------
// StringNormalizer

TEST_CASE("StringNormalizer stop words and case changes") {
  Tensor days = stensor({4}, {"monday", "tuesday", "wednesday", "thursday"});
  OpTest t{"StringNormalizer", {days}};
  t.attrs = {attr_int("is_case_sensitive", 1)};
  CHECK(strs(run_both(t)[0]) == std::vector<std::string>{"monday", "tuesday", "wednesday", "thursday"});
  t.attrs = {attr_int("is_case_sensitive", 1), attr_strings("stopwords", {"monday"})};
  CHECK(strs(run_both(t)[0]) == std::vector<std::string>{"tuesday", "wednesday", "thursday"});
  t.attrs.push_back(attr_string("case_change_action", "UPPER"));
  CHECK(strs(run_both(t)[0]) == std::vector<std::string>{"TUESDAY", "WEDNESDAY", "THURSDAY"});

  // [1, C] input, case-insensitive stop words.
  t.inputs = {stensor({1, 6}, {"Monday", "tuesday", "wednesday", "Monday", "tuesday", "wednesday"})};
  t.attrs = {attr_strings("stopwords", {"monday"}), attr_string("case_change_action", "UPPER")};
  auto out = run_both(t)[0];
  CHECK(out.shape() == Dims{1, 4});
  CHECK(strs(out) == std::vector<std::string>{"TUESDAY", "WEDNESDAY", "TUESDAY", "WEDNESDAY"});
  // Case-sensitive: "Monday" is not the stop word "monday".
  t.attrs.push_back(attr_int("is_case_sensitive", 1));
  CHECK(run_both(t)[0].shape() == Dims{1, 6});
}

TEST_CASE("StringNormalizer empty output keeps one empty string") {
  OpTest t{"StringNormalizer", {stensor({2}, {"monday", "monday"})}};
  t.attrs = {attr_strings("stopwords", {"monday"}), attr_string("case_change_action", "UPPER")};
  auto out = run_both(t)[0];
  CHECK(out.shape() == Dims{1});
  CHECK(strs(out) == std::vector<std::string>{""});
  t.inputs = {stensor({1, 1}, {"MONDAY"})};
  out = run_both(t)[0];
  CHECK(out.shape() == Dims{1, 1});
  CHECK(strs(out) == std::vector<std::string>{""});
  t.inputs = {stensor({0}, {})};
  CHECK(strs(run_both(t)[0]) == std::vector<std::string>{""});
}

TEST_CASE("StringNormalizer UTF-8 case mapping without locales") {
  OpTest t{"StringNormalizer", {stensor({4}, {"Straße ÉCOLE Ölçü", "Σίσυφος", "Привет Ёж", "ÿ Ÿ Œuvre Łódź"})}};
  t.attrs = {attr_string("case_change_action", "LOWER")};
  CHECK(strs(run_both(t)[0]) ==
        std::vector<std::string>{"straße école ölçü", "σίσυφος", "привет ёж", "ÿ ÿ œuvre łódź"});
  t.attrs = {attr_string("case_change_action", "UPPER")};
  CHECK(strs(run_both(t)[0]) ==
        std::vector<std::string>{"STRAßE ÉCOLE ÖLÇÜ", "ΣΊΣΥΦΟΣ", "ПРИВЕТ ЁЖ", "Ÿ Ÿ ŒUVRE ŁÓDŹ"});
  // Turkic locales map i <-> İ and ı <-> I.
  t.inputs = {stensor({1}, {"istanbul ILIK"})};
  t.attrs = {attr_string("case_change_action", "UPPER"), attr_string("locale", "tr_TR.UTF-8")};
  CHECK(strs(run_both(t)[0]) == std::vector<std::string>{"İSTANBUL ILIK"});
  t.attrs = {attr_string("case_change_action", "LOWER"), attr_string("locale", "tr_TR")};
  CHECK(strs(run_both(t)[0]) == std::vector<std::string>{"istanbul ılık"});
  t.attrs = {attr_string("case_change_action", "LOWER"), attr_string("locale", "en_US")};
  CHECK(strs(run_both(t)[0]) == std::vector<std::string>{"istanbul ilik"});
  // Bytes that are not UTF-8 pass through.
  t.inputs = {stensor({1}, {std::string("\xff\xfe"
                                        "AB\xc3",
                                        5)})};
  t.attrs = {attr_string("case_change_action", "LOWER")};
  CHECK(strs(run_both(t)[0]) == std::vector<std::string>{std::string("\xff\xfe"
                                                                     "ab\xc3",
                                                                     5)});
  // Case-insensitive stop words compare accented letters too.
  t.inputs = {stensor({4}, {"été", "ÉTÉ", "Été", "ete"})};
  t.attrs = {attr_strings("stopwords", {"ÉtÉ", "zzz", "Äpfel"})};
  CHECK(strs(run_both(t)[0]) == std::vector<std::string>{"ete"});
}

TEST_CASE("StringNormalizer errors") {
  OpTest t{"StringNormalizer", {stensor({2}, {"a", "b"})}};
  t.attrs = {attr_string("case_change_action", "TITLE")};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {};
  t.inputs = {stensor({2, 2}, {"a", "b", "c", "d"})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {stensor({}, {"a"})};
  CHECK(run_error(t) == Code::kInvalidArgument);
  t.inputs = {i64({2}, {1, 2})};
  CHECK(run_error(t) == Code::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// TfIdfVectorizer

namespace {
OpTest tfidf(Tensor x, const std::string& mode, int64_t min_n, int64_t max_n, int64_t skip) {
  OpTest t{"TfIdfVectorizer", {std::move(x)}};
  t.attrs = {attr_string("mode", mode), attr_int("min_gram_length", min_n), attr_int("max_gram_length", max_n),
             attr_int("max_skip_count", skip), attr_ints("ngram_counts", {0, 4}),
             attr_ints("ngram_indexes", {0, 1, 2, 3, 4, 5, 6}),
             // unigrams 2 3 5 4, bigrams (5 6) (7 8) (6 7)
             attr_ints("pool_int64s", {2, 3, 5, 4, 5, 6, 7, 8, 6, 7})};
  return t;
}
Tensor tf_input() { return i32({12}, {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8}); }
}  // namespace

TEST_CASE("TfIdfVectorizer counts n-grams with skips") {
  // Bigrams without skips: (7 8), (6 7), (5 6) once each.
  check_eq(run_both(tfidf(tf_input(), "TF", 2, 2, 0))[0], ftensor({7}, {0, 0, 0, 0, 1, 1, 1}));
  // Up to 5 skips: (7 8) also at positions 5-11 and 8-11.
  check_eq(run_both(tfidf(tf_input(), "TF", 2, 2, 5))[0], ftensor({7}, {0, 0, 0, 0, 1, 3, 1}));
  // Unigrams are counted once, not once per skip: 3 occurs 3 times, 5 once.
  check_eq(run_both(tfidf(tf_input(), "TF", 1, 2, 5))[0], ftensor({7}, {0, 3, 1, 0, 1, 3, 1}));
  check_eq(run_both(tfidf(tf_input(), "TF", 1, 1, 5))[0], ftensor({7}, {0, 3, 1, 0, 0, 0, 0}));
  // Rows are counted separately; int64 input.
  Tensor rows = i64({2, 6}, {1, 1, 3, 3, 3, 7, 8, 6, 7, 5, 6, 8});
  check_eq(run_both(tfidf(rows, "TF", 1, 2, 5))[0], ftensor({2, 7}, {0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1}));
  check_eq(run_both(tfidf(rows, "TF", 2, 2, 0))[0], ftensor({2, 7}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1}));
  // Empty input: zeros.
  check_eq(run_both(tfidf(i32({0}, {}), "TF", 1, 2, 0))[0], ftensor({7}, {0, 0, 0, 0, 0, 0, 0}));
  CHECK(run_both(tfidf(i32({0, 4}, {}), "TF", 1, 2, 0))[0].shape() == Dims{0, 7});
}

TEST_CASE("TfIdfVectorizer trigrams, output coordinates, an empty level") {
  // Pool: no unigrams or bigrams, trigrams (1 2 3) and (1 3 5) mapped to coordinates 1 and 0.
  OpTest t{"TfIdfVectorizer", {i64({6}, {1, 2, 3, 1, 2, 3})}};
  t.attrs = {attr_string("mode", "TF"),
             attr_int("min_gram_length", 3),
             attr_int("max_gram_length", 3),
             attr_int("max_skip_count", 1),
             attr_ints("ngram_counts", {0, 0, 0}),
             attr_ints("ngram_indexes", {1, 0}),
             attr_ints("pool_int64s", {1, 2, 3, 1, 3, 5})};
  check_eq(run_both(t)[0], ftensor({2}, {0, 2}));
  // Skip 1 finds (1 3 5) at positions 0, 2, 4.
  t.inputs = {i64({6}, {1, 2, 3, 1, 5, 3})};
  check_eq(run_both(t)[0], ftensor({2}, {1, 1}));
  // Only bigrams in the pool, 2-level counts with an empty unigram level.
  OpTest b{"TfIdfVectorizer", {tf_input()}};
  b.attrs = {attr_string("mode", "TF"),
             attr_int("min_gram_length", 2),
             attr_int("max_gram_length", 2),
             attr_int("max_skip_count", 0),
             attr_ints("ngram_counts", {0, 0}),
             attr_ints("ngram_indexes", {0, 1, 2}),
             attr_ints("pool_int64s", {5, 6, 7, 8, 6, 7})};
  check_eq(run_both(b)[0], ftensor({3}, {1, 1, 1}));
}

TEST_CASE("TfIdfVectorizer IDF and TFIDF weighting, string pools") {
  OpTest t{"TfIdfVectorizer", {i64({3}, {5, 5, 7})}};
  t.attrs = {attr_string("mode", "TF"),       attr_int("min_gram_length", 1), attr_int("max_gram_length", 1),
             attr_int("max_skip_count", 0),   attr_ints("ngram_counts", {0}), attr_ints("ngram_indexes", {0, 1}),
             attr_ints("pool_int64s", {5, 7})};
  check_eq(run_both(t)[0], ftensor({2}, {2, 1}));
  t.attrs[0] = attr_string("mode", "IDF");
  check_eq(run_both(t)[0], ftensor({2}, {1, 1}));
  t.attrs.push_back(attr_floats("weights", {0.5f, 2}));
  check_eq(run_both(t)[0], ftensor({2}, {0.5f, 2}));
  t.attrs[0] = attr_string("mode", "TFIDF");
  check_eq(run_both(t)[0], ftensor({2}, {1, 2}));

  // Strings: unigrams a, b and the bigram (a b).
  OpTest s{"TfIdfVectorizer", {stensor({2, 3}, {"a", "b", "c", "b", "a", "b"})}};
  s.attrs = {attr_string("mode", "TF"),
             attr_int("min_gram_length", 1),
             attr_int("max_gram_length", 2),
             attr_int("max_skip_count", 0),
             attr_ints("ngram_counts", {0, 2}),
             attr_ints("ngram_indexes", {0, 1, 2}),
             attr_strings("pool_strings", {"a", "b", "a", "b"})};
  check_eq(run_both(s)[0], ftensor({2, 3}, {1, 1, 1, 1, 2, 1}));
}

TEST_CASE("TfIdfVectorizer errors") {
  OpTest t = tfidf(tf_input(), "BM25", 1, 2, 0);
  CHECK(run_error(t) == Code::kInvalidModel);
  t = tfidf(tf_input(), "TF", 3, 2, 0);
  CHECK(run_error(t) == Code::kInvalidModel);
  t = tfidf(tf_input(), "TF", 1, 2, -1);
  CHECK(run_error(t) == Code::kInvalidModel);
  t = tfidf(tf_input(), "TF", 1, 2, 0);
  t.attrs.push_back(attr_strings("pool_strings", {"a"}));
  CHECK(run_error(t) == Code::kInvalidModel);  // both pools
  t = tfidf(stensor({1}, {"a"}), "TF", 1, 2, 0);
  CHECK(run_error(t) == Code::kInvalidModel);  // strings against an int pool
  t = tfidf(tf_input(), "TF", 1, 2, 0);
  t.attrs[5] = attr_ints("ngram_indexes", {0, 1, 2});
  CHECK(run_error(t) == Code::kInvalidModel);  // fewer indexes than n-grams
  t = tfidf(tf_input(), "TF", 1, 2, 0);
  t.attrs[4] = attr_ints("ngram_counts", {0, 5});
  CHECK(run_error(t) == Code::kInvalidModel);  // 5 bigram items
  t = tfidf(ftensor({2}, {1, 2}), "TF", 1, 2, 0);
  CHECK(run_error(t) == Code::kUnsupported);
  t = tfidf(i32({1, 2, 2}, {1, 2, 3, 4}), "TF", 1, 2, 0);
  CHECK(run_error(t) == Code::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Unique

TEST_CASE("Unique flattened, sorted and in order of appearance") {
  OpTest t{"Unique", {ftensor({6}, {2, 1, 1, 3, 4, 3})}};
  t.num_outputs = 4;
  auto out = run_both(t);
  check_eq(out[0], ftensor({4}, {1, 2, 3, 4}));
  check_eq(out[1], i64({4}, {1, 0, 3, 4}));
  check_eq(out[2], i64({6}, {1, 0, 0, 2, 3, 2}));
  check_eq(out[3], i64({4}, {2, 1, 2, 1}));
  t.attrs = {attr_int("sorted", 0)};
  out = run_both(t);
  check_eq(out[0], ftensor({4}, {2, 1, 3, 4}));
  check_eq(out[1], i64({4}, {0, 1, 3, 4}));
  check_eq(out[2], i64({6}, {0, 1, 1, 2, 3, 2}));
  check_eq(out[3], i64({4}, {1, 2, 2, 1}));
  // 2-D input is flattened.
  t.inputs = {i32({2, 2}, {1, 3, 2, 3})};
  t.attrs = {};
  out = run_both(t);
  check_eq(out[0], i32({3}, {1, 2, 3}));
  check_eq(out[1], i64({3}, {0, 2, 1}));
  check_eq(out[2], i64({4}, {0, 2, 1, 2}));
  check_eq(out[3], i64({3}, {1, 1, 2}));
  // Only Y requested.
  t.num_outputs = 1;
  t.inputs = {i64({5}, {-3, 7, -3, 0, 7})};
  check_eq(run_both(t)[0], i64({3}, {-3, 0, 7}));
}

TEST_CASE("Unique along an axis") {
  OpTest t{"Unique", {ftensor({3, 3}, {1, 0, 0, 1, 0, 0, 2, 3, 4})}};
  t.num_outputs = 4;
  t.attrs = {attr_int("axis", 0)};
  auto out = run_both(t);
  check_eq(out[0], ftensor({2, 3}, {1, 0, 0, 2, 3, 4}));
  check_eq(out[1], i64({2}, {0, 2}));
  check_eq(out[2], i64({3}, {0, 0, 1}));
  check_eq(out[3], i64({2}, {2, 1}));
  // Axis 1 of a 3-D tensor: slices [[1,1],[1,1]], [[0,1],[0,1]], [[2,1],[2,1]], [[0,1],[0,1]].
  t.inputs = {ftensor({2, 4, 2}, {1, 1, 0, 1, 2, 1, 0, 1, 1, 1, 0, 1, 2, 1, 0, 1})};
  t.attrs = {attr_int("axis", 1)};
  out = run_both(t);
  check_eq(out[0], ftensor({2, 3, 2}, {0, 1, 1, 1, 2, 1, 0, 1, 1, 1, 2, 1}));
  check_eq(out[1], i64({3}, {1, 0, 2}));
  check_eq(out[2], i64({4}, {1, 0, 2, 0}));
  check_eq(out[3], i64({3}, {2, 1, 1}));
  // Negative axis: columns [1,1,2], [0,0,3], [0,0,3].
  t.inputs = {ftensor({3, 3}, {1, 0, 0, 1, 0, 0, 2, 3, 3})};
  t.attrs = {attr_int("axis", -1)};
  out = run_both(t);
  check_eq(out[0], ftensor({3, 2}, {0, 1, 0, 1, 3, 2}));
  check_eq(out[1], i64({2}, {1, 0}));
  check_eq(out[2], i64({3}, {1, 0, 0}));
  check_eq(out[3], i64({2}, {2, 1}));
  // Unsorted along an axis keeps first-appearance order.
  t.attrs = {attr_int("axis", -1), attr_int("sorted", 0)};
  out = run_both(t);
  check_eq(out[0], ftensor({3, 2}, {1, 0, 1, 0, 2, 3}));
  check_eq(out[1], i64({2}, {0, 1}));
  check_eq(out[2], i64({3}, {0, 1, 1}));
  check_eq(out[3], i64({2}, {1, 2}));
}

TEST_CASE("Unique: strings, bools, NaN, empty, 16-bit floats") {
  OpTest t{"Unique", {stensor({5}, {"pear", "apple", "pear", "", "apple"})}};
  t.num_outputs = 4;
  auto out = run_both(t);
  CHECK(strs(out[0]) == std::vector<std::string>{"", "apple", "pear"});
  check_eq(out[1], i64({3}, {3, 1, 0}));
  check_eq(out[2], i64({5}, {2, 1, 2, 0, 1}));
  check_eq(out[3], i64({3}, {1, 2, 2}));
  t.inputs = {tensor<bool>({4}, {true, false, true, true})};
  out = run_both(t);
  check_eq(out[0], tensor<bool>({2}, {false, true}));
  check_eq(out[3], i64({2}, {1, 3}));
  // NaNs are equal to each other and sort last.
  t.inputs = {ftensor({4}, {kNaN, 1, kNaN, -0.0f})};
  out = run_both(t);
  REQUIRE(out[0].numel() == 3);
  CHECK(out[0].data_as<float>()[0] == 0.0f);
  CHECK(out[0].data_as<float>()[1] == 1.0f);
  CHECK(std::isnan(out[0].data_as<float>()[2]));
  check_eq(out[1], i64({3}, {3, 1, 0}));
  check_eq(out[2], i64({4}, {2, 1, 2, 0}));
  check_eq(out[3], i64({3}, {1, 1, 2}));
  t.inputs = {htensor({3}, {2.5f, -1, 2.5f})};
  out = run_both(t);
  check_eq(out[0], htensor({2}, {-1, 2.5f}));
  t.inputs = {ftensor({0}, {})};
  out = run_both(t);
  CHECK(out[0].shape() == Dims{0});
  CHECK(out[1].shape() == Dims{0});
  CHECK(out[2].shape() == Dims{0});
  CHECK(out[3].shape() == Dims{0});
  t.inputs = {ftensor({2, 0}, {})};
  t.attrs = {attr_int("axis", 0)};
  out = run_both(t);
  CHECK(out[0].shape() == Dims{1, 0});  // two empty rows are one unique row
  check_eq(out[3], i64({1}, {2}));
}

TEST_CASE("Unique errors") {
  OpTest t{"Unique", {ftensor({3}, {1, 2, 3})}};
  t.attrs = {attr_int("axis", 1)};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {attr_int("sorted", 2)};
  CHECK(run_error(t) == Code::kInvalidModel);
  t.attrs = {};
  t.opset = 10;
  CHECK(run_error(t) == Code::kUnsupported);
}
