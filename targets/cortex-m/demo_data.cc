// cortex_m_demo_data: builds the models and inputs of the Cortex-M demo with Onyx's own IR and
// ONNX writer, and the firmware's data tables. Run on the build machine by run.sh:
//
//   cortex_m_demo_data models DIR MODELS   writes DIR/mnist.onnx (../shared/models/mnist_cnn
//       re-declared for batch 1), DIR/motion.onnx (the motion detector on a 60x80 frame) and
//       each input case as DIR/<model>.<case>.<input>.npy
//   cortex_m_demo_data firmware DIR        writes DIR/firmware_data.c: the compiled models
//       (DIR/<model>_model.c from `onyx compile --c-array`), the input cases as C arrays and
//       the arena, as declared in firmware_data.h
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "loader.h"
#include "npy.h"
#include "onyx/graph.h"
#include "tensor_file.h"
#include "writer.h"

using namespace onyx;

namespace {

struct DemoModel {
  const char* name;
  std::vector<const char*> cases;
};
const DemoModel kModels[] = {
    {"mnist", {"digit0", "digit1"}},
    {"motion", {"quiet", "motion"}},
};

// The motion detector's frame (the reference model uses 300x400; this fits a 4 MiB board).
constexpr int64_t kH = 60, kW = 80, kC = 3;
// The reference threshold, 1,200,000 for 300x400x3, scaled to the frame's size.
constexpr int64_t kThreshold = 1200000 * (kH * kW) / (300 * 400);

int fail(const Status& s) {
  std::fprintf(stderr, "cortex_m_demo_data: %s\n", s.to_string().c_str());
  return 1;
}

ValueInfo tensor_info(const std::string& name, DType t, const Dims& dims) {
  ValueInfo vi;
  vi.name = name;
  vi.type.kind = TypeInfo::Kind::kTensor;
  vi.type.elem = t;
  vi.type.has_shape = true;
  for (int64_t d : dims) vi.type.shape.push_back(Dim{d, ""});
  return vi;
}

Node make_node(const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs) {
  Node n;
  n.name = op;
  n.op_type = op;
  n.inputs = std::move(ins);
  n.outputs = std::move(outs);
  return n;
}

// A small deterministic generator (64-bit LCG), so the demo data is the same everywhere.
struct Lcg {
  uint64_t s;
  uint32_t next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(s >> 33);
  }
};

// out = threshold < ReduceSum(Abs(xin - B)): the reference motion_detect graph on a smaller frame.
Status make_motion(const std::string& dir) {
  Model m;
  m.ir_version = 8;
  m.opsets.push_back({"", 13});
  m.producer_name = "cortex_m_demo_data";
  Graph& g = m.graph;
  g.name = "motion_detect_60x80";
  const Dims frame = {kH, kW, kC};
  g.inputs.push_back(tensor_info("xin", DType::kInt64, frame));
  Result<Tensor> background = Tensor::make(DType::kInt64, frame);
  if (!background.ok()) return background.status();
  Lcg rng{42};
  for (int64_t i = 0; i < background->numel(); ++i) background->data_as<int64_t>()[i] = 20 + rng.next() % 200;
  g.initializers.push_back({"B", *background, ""});
  Node threshold = make_node("Constant", {}, {"threshold"});
  Attribute value;
  value.name = "value";
  value.type = AttrType::kTensor;
  value.t = Tensor::scalar<int64_t>(kThreshold);
  threshold.attrs.push_back(value);
  g.nodes.push_back(threshold);
  g.nodes.push_back(make_node("Sub", {"xin", "B"}, {"diff"}));
  g.nodes.push_back(make_node("Abs", {"diff"}, {"absdiff"}));
  Node sum = make_node("ReduceSum", {"absdiff"}, {"total"});
  Attribute keepdims;
  keepdims.name = "keepdims";
  keepdims.type = AttrType::kInt;
  keepdims.i = 0;
  sum.attrs.push_back(keepdims);
  g.nodes.push_back(sum);
  g.nodes.push_back(make_node("Less", {"threshold", "total"}, {"out"}));
  g.outputs.push_back(tensor_info("out", DType::kBool, {}));
  ONYX_TRY(save_model_file(m, dir + "/motion.onnx"));

  // Quiet: the background with +-3 noise. Motion: the same plus a bright 20x30 rectangle.
  Result<Tensor> quiet = background->clone();
  if (!quiet.ok()) return quiet.status();
  for (int64_t i = 0; i < quiet->numel(); ++i) quiet->data_as<int64_t>()[i] += static_cast<int64_t>(rng.next() % 7) - 3;
  Result<Tensor> motion = quiet->clone();
  if (!motion.ok()) return motion.status();
  for (int64_t y = 20; y < 40; ++y) {
    for (int64_t x = 30; x < 60; ++x) {
      for (int64_t c = 0; c < kC; ++c) motion->data_as<int64_t>()[(y * kW + x) * kC + c] += 150;
    }
  }
  ONYX_TRY(write_npy_file(dir + "/motion.quiet.xin.npy", *quiet));
  return write_npy_file(dir + "/motion.motion.xin.npy", *motion);
}

// The reference MNIST CNN declared for batch 1; inputs are the first two images of its test data.
Status make_mnist(const std::string& dir, const std::string& models) {
  Result<std::shared_ptr<Model>> m = load_model_file(models + "/mnist_cnn/model.onnx");
  if (!m.ok()) return m.status();
  Graph& g = (*m)->graph;
  if (g.inputs.size() != 1 || g.outputs.size() != 1 || g.inputs[0].type.shape.empty()) {
    return error(Code::kInvalidModel, "mnist_cnn: expected one input and one output with a batch dim");
  }
  g.inputs[0].type.shape[0] = Dim{1, ""};
  if (!g.outputs[0].type.shape.empty()) g.outputs[0].type.shape[0] = Dim{1, ""};
  g.value_info.clear();  // declared for batch 64
  (*m)->producer_name = "cortex_m_demo_data";
  (*m)->producer_version.clear();
  ONYX_TRY(save_model_file(**m, dir + "/mnist.onnx"));

  Result<Tensor> batch = read_tensor_file(models + "/mnist_cnn/test_data_set_0/input_0.pb");
  if (!batch.ok()) return batch.status();
  if (batch->dtype() != DType::kFloat32 || batch->numel() < 2 * 784) {
    return error(Code::kInvalidModel, "mnist_cnn test input: expected float32 with two 28x28 images");
  }
  for (int k = 0; k < 2; ++k) {
    Result<Tensor> img = Tensor::make(DType::kFloat32, {1, 1, 28, 28});
    if (!img.ok()) return img.status();
    std::memcpy(img->data(), batch->data_as<float>() + k * 784, 784 * sizeof(float));
    ONYX_TRY(write_npy_file(dir + "/mnist.digit" + std::to_string(k) + ".input.npy", *img));
  }
  return Status();
}

const char* c_type(DType t) {
  switch (t) {
    case DType::kFloat32: return "float";
    case DType::kInt64: return "int64_t";
    case DType::kInt32: return "int32_t";
    case DType::kUInt8: return "uint8_t";
    case DType::kInt8: return "int8_t";
    case DType::kBool: return "uint8_t";
    default: return nullptr;
  }
}

std::string c_values(const Tensor& t) {
  std::string out;
  char buf[48];
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (t.dtype()) {
      case DType::kFloat32: std::snprintf(buf, sizeof buf, "%.9gf", static_cast<double>(t.data_as<float>()[i])); break;
      case DType::kInt64: std::snprintf(buf, sizeof buf, "INT64_C(%" PRId64 ")", t.data_as<int64_t>()[i]); break;
      default: std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(t.get_as_double(i))); break;
    }
    out += buf;
    out += (i % 12 == 11) ? ",\n" : ", ";
  }
  return out;
}

// The input files of one case: <model>.<case>.<input>.npy, in the model's input order.
Status firmware_data(const std::string& dir) {
  std::string c =
      "// Generated by cortex_m_demo_data: the demo firmware's models, input cases and arena.\n"
      "#include <stdint.h>\n\n#include \"firmware_data.h\"\n";
  std::string arena_expr = "0";
  std::string models_table = "const FwModel fw_models[] = {\n";
  for (const DemoModel& dm : kModels) {
    const std::string name = dm.name;
    const std::string upper = [&] {
      std::string u;
      for (char ch : name + "_model") u += static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
      return u;
    }();
    c += "#include \"" + name + "_model.h\"\n#include \"" + name + "_model.c\"\n";
    Result<std::shared_ptr<Model>> m = load_model_file(dir + "/" + name + ".onnx");
    if (!m.ok()) return m.status();
    std::string cases_table = "static const FwCase " + name + "_cases[] = {\n";
    for (const char* case_name : dm.cases) {
      std::string inputs_table = "static const FwTensor " + name + "_" + case_name + "_inputs[] = {\n";
      for (const ValueInfo& vi : (*m)->graph.inputs) {
        const std::string file = dir + "/" + name + "." + case_name + "." + vi.name + ".npy";
        Result<Tensor> t = read_npy_file(file);
        if (!t.ok()) return t.status();
        const char* ct = c_type(t->dtype());
        if (ct == nullptr || t->rank() > 8) return error(Code::kUnsupported, file, ": dtype or rank not supported here");
        const std::string array = name + "_" + case_name + "_" + vi.name;
        c += str_cat("__attribute__((aligned(64))) static const ", ct, " ", array, "[", t->numel(), "] = {\n",
                     c_values(*t), "};\n");
        std::string dims;
        for (size_t d = 0; d < t->rank(); ++d) dims += str_cat(d ? ", " : "", t->dim(d));
        inputs_table += str_cat("  {\"", vi.name, "\", ", static_cast<int>(t->dtype()), ", ", t->rank(), ", {", dims,
                                "}, ", array, "},\n");
      }
      c += inputs_table + "};\n";
      cases_table += str_cat("  {\"", case_name, "\", ", name, "_", case_name, "_inputs, ",
                             (*m)->graph.inputs.size(), "},\n");
    }
    c += cases_table + "};\n\n";
    models_table += str_cat("  {\"", name, "\", ", name, "_model, ", upper, "_BYTES, ", upper, "_ARENA_BYTES, ", name,
                            "_cases, ", dm.cases.size(), "},\n");
    arena_expr = "(" + upper + "_ARENA_BYTES > " + arena_expr + " ? " + upper + "_ARENA_BYTES : " + arena_expr + ")";
  }
  c += models_table + "};\n";
  c += str_cat("const int32_t fw_model_count = ", sizeof(kModels) / sizeof(kModels[0]), ";\n\n");
  c += "#define FW_ARENA_BYTES " + arena_expr + "\n";
  c += "__attribute__((aligned(64))) uint8_t fw_arena[FW_ARENA_BYTES];\n";
  c += "const size_t fw_arena_bytes = FW_ARENA_BYTES;\n";
  const std::string path = dir + "/firmware_data.c";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return error(Code::kIoError, path, ": cannot create");
  bool ok = std::fwrite(c.data(), 1, c.size(), f) == c.size();
  ok = std::fclose(f) == 0 && ok;
  return ok ? Status() : error(Code::kIoError, path, ": write failed");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "models") == 0) {
    Status st = make_mnist(argv[2], argv[3]);
    if (st.ok()) st = make_motion(argv[2]);
    return st.ok() ? 0 : fail(st);
  }
  if (argc == 3 && std::strcmp(argv[1], "firmware") == 0) {
    Status st = firmware_data(argv[2]);
    return st.ok() ? 0 : fail(st);
  }
  std::fprintf(stderr, "usage: cortex_m_demo_data models DIR MODELS_DIR | firmware DIR\n");
  return 2;
}
