// Tests of proto/: the ONNX loader and writer, TensorProto/SequenceProto/OptionalProto files and
// .npy files. Runs with the project root as working directory (the reference models are in
// ../shared/models). Hostile inputs are built here by serializing small ModelProtos.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "loader.h"
#include "npy.h"
#include "onnx.pb.h"
#include "tensor_file.h"
#include "writer.h"

namespace fs = std::filesystem;
namespace pb = onyx::pb;
using onyx::AttrType;
using onyx::Code;
using onyx::DType;
using onyx::Graph;
using onyx::LoadOptions;
using onyx::Model;
using onyx::Result;
using onyx::Status;
using onyx::Tensor;
using onyx::TypeInfo;
using onyx::Value;
using onyx::ValueKind;

namespace {

const char* const kModels = "../shared/models";
const char* const kOnnxTestData = "/usr/share/libonnx-testdata/data";

// ---------------------------------------------------------------------------------------------
// Helpers

void check_error(const Status& s, Code code, const std::string& fragment) {
  INFO("status: ", s.to_string());
  CHECK(s.code() == code);
  CHECK(s.message().find(fragment) != std::string::npos);
}

template <class T>
void check_error(const Result<T>& r, Code code, const std::string& fragment) {
  REQUIRE_FALSE(r.ok());
  check_error(r.status(), code, fragment);
}

std::string serialize(const google::protobuf::MessageLite& m) {
  std::string s;
  REQUIRE(m.SerializeToString(&s));
  return s;
}

Result<std::shared_ptr<Model>> load_bytes(const std::string& bytes, const LoadOptions& o = {}) {
  return onyx::load_model_buffer(bytes.data(), bytes.size(), o);
}

Result<std::shared_ptr<Model>> load_proto(const pb::ModelProto& mp, const LoadOptions& o = {}) {
  return load_bytes(serialize(mp), o);
}

void set_raw_floats(pb::TensorProto* t, const std::vector<float>& v) {
  std::string raw(v.size() * 4, '\0');
  if (!v.empty()) std::memcpy(raw.data(), v.data(), raw.size());  // the test host is little-endian
  t->set_raw_data(raw);
}

void add_tensor_value_info(pb::ValueInfoProto* vi, const std::string& name, int elem,
                           const std::vector<std::string>& dims) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem);
  auto* shape = tt->mutable_shape();
  for (const std::string& d : dims) {
    auto* dim = shape->add_dim();
    if (!d.empty() && d[0] >= '0' && d[0] <= '9') {
      dim->set_dim_value(std::stoll(d));
    } else if (!d.empty()) {
      dim->set_dim_param(d);
    }
  }
}

// Y = X + W with W a float [2, 3] initializer in raw_data.
pb::ModelProto base_model() {
  pb::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("test");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(13);
  auto* g = m.mutable_graph();
  g->set_name("g");
  add_tensor_value_info(g->add_input(), "X", 1, {"N", "3"});
  add_tensor_value_info(g->add_output(), "Y", 1, {"N", "3"});
  auto* n = g->add_node();
  n->set_name("add");
  n->set_op_type("Add");
  n->add_input("X");
  n->add_input("W");
  n->add_output("Y");
  auto* w = g->add_initializer();
  w->set_name("W");
  w->set_data_type(1);
  w->add_dims(2);
  w->add_dims(3);
  set_raw_floats(w, {1, 2, 3, 4, 5, 6});
  return m;
}

pb::TensorProto* initializer_w(pb::ModelProto& m) { return m.mutable_graph()->mutable_initializer(0); }

const Tensor& initializer(const Model& m, const std::string& name) {
  const onyx::NamedTensor* t = m.graph.initializer(name);
  REQUIRE(t != nullptr);
  return t->tensor;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/onyx_test_proto_XXXXXX";
    char* p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// ---------------------------------------------------------------------------------------------
// Deep comparison of models (for round trips): "" when equal, else the first difference.

std::string diff_tensor(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype()) return onyx::str_cat("dtype ", dtype_name(a.dtype()), " vs ", dtype_name(b.dtype()));
  if (a.shape() != b.shape()) return onyx::str_cat("shape ", onyx::shape_str(a.shape()), " vs ", onyx::shape_str(b.shape()));
  if (a.dtype() == DType::kString) {
    for (int64_t i = 0; i < a.numel(); ++i) {
      if (a.data_as<std::string>()[i] != b.data_as<std::string>()[i]) return onyx::str_cat("string #", i);
    }
    return "";
  }
  if (a.nbytes() != 0 && std::memcmp(a.data(), b.data(), a.nbytes()) != 0) return "element bytes differ";
  return "";
}

std::string diff_type(const TypeInfo& a, const TypeInfo& b) {
  if (a.kind != b.kind) return "type kind";
  if (a.elem != b.elem) return "elem type";
  if (a.map_key != b.map_key) return "map key";
  if (a.has_shape != b.has_shape) return "has_shape";
  if (a.shape.size() != b.shape.size()) return "rank";
  for (size_t i = 0; i < a.shape.size(); ++i) {
    if (a.shape[i].value != b.shape[i].value || a.shape[i].param != b.shape[i].param) return onyx::str_cat("dim ", i);
  }
  if (static_cast<bool>(a.inner) != static_cast<bool>(b.inner)) return "inner type presence";
  if (a.inner) return diff_type(*a.inner, *b.inner);
  return "";
}

std::string diff_graph(const Graph& a, const Graph& b);

std::string diff_attr(const onyx::Attribute& a, const onyx::Attribute& b) {
  if (a.name != b.name || a.type != b.type || a.ref_attr_name != b.ref_attr_name) return "name/type/ref";
  if (std::memcmp(&a.f, &b.f, sizeof(float)) != 0 || a.i != b.i || a.s != b.s) return "f/i/s";
  if (a.t.defined() != b.t.defined()) return "t presence";
  if (a.t.defined()) {
    std::string d = diff_tensor(a.t, b.t);
    if (!d.empty()) return "t: " + d;
  }
  if (static_cast<bool>(a.g) != static_cast<bool>(b.g)) return "g presence";
  if (a.g) {
    std::string d = diff_graph(*a.g, *b.g);
    if (!d.empty()) return "g: " + d;
  }
  if (a.floats.size() != b.floats.size() ||
      (!a.floats.empty() && std::memcmp(a.floats.data(), b.floats.data(), a.floats.size() * sizeof(float)) != 0)) {
    return "floats";
  }
  if (a.ints != b.ints || a.strings != b.strings) return "ints/strings";
  if (a.tensors.size() != b.tensors.size()) return "tensors count";
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    std::string d = diff_tensor(a.tensors[i], b.tensors[i]);
    if (!d.empty()) return onyx::str_cat("tensors[", i, "]: ", d);
  }
  if (a.graphs.size() != b.graphs.size()) return "graphs count";
  for (size_t i = 0; i < a.graphs.size(); ++i) {
    std::string d = diff_graph(*a.graphs[i], *b.graphs[i]);
    if (!d.empty()) return onyx::str_cat("graphs[", i, "]: ", d);
  }
  if (a.types.size() != b.types.size()) return "types count";
  for (size_t i = 0; i < a.types.size(); ++i) {
    std::string d = diff_type(*a.types[i], *b.types[i]);
    if (!d.empty()) return onyx::str_cat("types[", i, "]: ", d);
  }
  return "";
}

std::string diff_value_infos(const std::vector<onyx::ValueInfo>& a, const std::vector<onyx::ValueInfo>& b,
                             const char* what) {
  if (a.size() != b.size()) return onyx::str_cat(what, " count");
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].doc != b[i].doc) return onyx::str_cat(what, " #", i, " name/doc");
    std::string d = diff_type(a[i].type, b[i].type);
    if (!d.empty()) return onyx::str_cat(what, " '", a[i].name, "': ", d);
  }
  return "";
}

std::string diff_graph(const Graph& a, const Graph& b) {
  if (a.name != b.name || a.doc != b.doc) return "graph name/doc";
  for (auto d : {diff_value_infos(a.inputs, b.inputs, "input"), diff_value_infos(a.outputs, b.outputs, "output"),
                 diff_value_infos(a.value_info, b.value_info, "value_info")}) {
    if (!d.empty()) return d;
  }
  if (a.initializers.size() != b.initializers.size()) return "initializer count";
  for (size_t i = 0; i < a.initializers.size(); ++i) {
    const auto& x = a.initializers[i];
    const auto& y = b.initializers[i];
    if (x.name != y.name || x.doc != y.doc) return onyx::str_cat("initializer #", i, " name/doc");
    std::string d = diff_tensor(x.tensor, y.tensor);
    if (!d.empty()) return onyx::str_cat("initializer '", x.name, "': ", d);
  }
  if (a.nodes.size() != b.nodes.size()) return "node count";
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const onyx::Node& x = a.nodes[i];
    const onyx::Node& y = b.nodes[i];
    if (x.name != y.name || x.op_type != y.op_type || x.domain != y.domain || x.doc != y.doc ||
        x.inputs != y.inputs || x.outputs != y.outputs || x.attrs.size() != y.attrs.size()) {
      return onyx::str_cat("node #", i, " fields");
    }
    for (size_t k = 0; k < x.attrs.size(); ++k) {
      std::string d = diff_attr(x.attrs[k], y.attrs[k]);
      if (!d.empty()) return onyx::str_cat("node #", i, " attribute '", x.attrs[k].name, "': ", d);
    }
  }
  return "";
}

std::string diff_model(const Model& a, const Model& b) {
  if (a.ir_version != b.ir_version) return "ir_version";
  if (a.opsets.size() != b.opsets.size()) return "opset count";
  for (size_t i = 0; i < a.opsets.size(); ++i) {
    if (a.opsets[i].domain != b.opsets[i].domain || a.opsets[i].version != b.opsets[i].version) return "opset";
  }
  if (a.producer_name != b.producer_name || a.producer_version != b.producer_version) return "producer";
  if (a.domain != b.domain || a.model_version != b.model_version || a.doc != b.doc) return "domain/version/doc";
  if (a.metadata != b.metadata) return "metadata";
  return diff_graph(a.graph, b.graph);
}

void check_round_trip(const Model& m) {
  Result<std::string> bytes = onyx::save_model_buffer(m);
  REQUIRE_MESSAGE(bytes.ok(), bytes.status().to_string());
  auto again = onyx::load_model_buffer(bytes->data(), bytes->size());
  REQUIRE_MESSAGE(again.ok(), again.status().to_string());
  CHECK(diff_model(m, **again) == "");
}

// The reference models; the tests run with the project root as working directory.
std::string models_dir() {
  REQUIRE_MESSAGE(fs::is_directory(kModels), "../shared/models not found: run the test from the project root");
  return kModels;
}

size_t count_ops(const Graph& g, const std::string& op) {
  size_t n = 0;
  for (const onyx::Node& node : g.nodes) n += node.op_type == op;
  return n;
}

}  // namespace

// =============================================================================================
// The reference model set

TEST_CASE("reference models load with the expected graphs") {
  struct Expect {
    const char* name;
    int64_t ir;
    int64_t opset;
    size_t nodes;
    std::map<std::string, size_t> ops;
    const char* input;
    DType input_dtype;
    onyx::Dims input_dims;
    const char* output;
    DType output_dtype;
    size_t initializers;
    int64_t float_elements;
  };
  const std::vector<Expect> models = {
      {"add_scalars", 8, 13, 1, {{"Add", 1}}, "x1", DType::kFloat32, {1}, "sum", DType::kFloat32, 0, 0},
      {"camera_preproc", 8, 13, 5, {{"Resize", 1}, {"Cast", 1}}, "image", DType::kUInt8, {1, 480, 640, 3},
       "preprocessed", DType::kFloat32, 3, 6},
      {"mnist_cnn", 7, 13, 10, {{"Conv", 2}, {"Relu", 3}, {"MatMul", 2}}, "input", DType::kFloat32, {64, 1, 28, 28},
       "logits", DType::kFloat32, 6, 430570},
      {"mobilenet_v2", 7, 13, 170, {{"Constant", 70}, {"Conv", 52}, {"Clip", 35}}, "input", DType::kFloat32,
       {1, 3, 224, 224}, "logits", DType::kFloat32, 106, 3487816},
      {"motion_detect", 8, 13, 5, {{"ReduceSum", 1}, {"Less", 1}}, "xin", DType::kInt64, {300, 400, 3}, "out",
       DType::kBool, 1, 0},
      {"resnet18", 7, 13, 49, {{"Conv", 20}, {"Add", 8}}, "input", DType::kFloat32, {1, 3, 224, 224}, "logits",
       DType::kFloat32, 42, 11684712},
      {"squeezenet1_1", 7, 12, 83, {{"Identity", 18}, {"Concat", 8}}, "input", DType::kFloat32, {1, 3, 224, 224},
       "logits", DType::kFloat32, 34, 1233288},
  };
  for (const Expect& e : models) {
    SUBCASE(e.name) {
      std::string path = models_dir() + "/" + e.name + "/model.onnx";
      auto r = onyx::load_model_file(path);
      REQUIRE_MESSAGE(r.ok(), r.status().to_string());
      const Model& m = **r;
      CHECK(m.source == path);
      CHECK(m.ir_version == e.ir);
      CHECK(m.opset("") == e.opset);
      CHECK(m.opset("ai.onnx") == e.opset);
      CHECK(m.graph.nodes.size() == e.nodes);
      for (const auto& op_count : e.ops) {  // not a structured binding: INFO captures it (clang 14)
        INFO("op ", op_count.first);
        CHECK(count_ops(m.graph, op_count.first) == op_count.second);
      }
      REQUIRE(!m.graph.inputs.empty());
      const onyx::ValueInfo& in = m.graph.inputs[0];
      CHECK(in.name == e.input);
      CHECK(in.type.kind == TypeInfo::Kind::kTensor);
      CHECK(in.type.elem == e.input_dtype);
      REQUIRE(in.type.has_shape);
      REQUIRE(in.type.shape.size() == e.input_dims.size());
      for (size_t i = 0; i < e.input_dims.size(); ++i) CHECK(in.type.shape[i].value == e.input_dims[i]);
      REQUIRE(m.graph.outputs.size() == 1);
      CHECK(m.graph.outputs[0].name == e.output);
      CHECK(m.graph.outputs[0].type.elem == e.output_dtype);
      CHECK(m.graph.initializers.size() == e.initializers);
      int64_t floats = 0;
      for (const auto& nt : m.graph.initializers) {
        if (nt.tensor.dtype() == DType::kFloat32) floats += nt.tensor.numel();
      }
      CHECK(floats == e.float_elements);
    }
  }
}

TEST_CASE("reference model details: initializer values, attributes, constants") {
  auto mnist = onyx::load_model_file(models_dir() + "/mnist_cnn/model.onnx");
  REQUIRE(mnist.ok());
  const Tensor& w = initializer(**mnist, "conv1.weight");
  CHECK(w.shape() == onyx::Dims{20, 1, 5, 5});
  CHECK(w.data_as<float>()[0] == -0.001497364f);
  CHECK(w.data_as<float>()[w.numel() - 1] == 0.18290544f);
  CHECK((*mnist)->producer_name == "pytorch");

  auto cam = onyx::load_model_file(models_dir() + "/camera_preproc/model.onnx");
  REQUIRE(cam.ok());
  const Tensor& sizes = initializer(**cam, "sizes");
  REQUIRE(sizes.dtype() == DType::kInt64);
  CHECK(std::vector<int64_t>(sizes.data_as<int64_t>(), sizes.data_as<int64_t>() + 4) ==
        std::vector<int64_t>{1, 3, 224, 224});
  CHECK(initializer(**cam, "mean").data_as<float>()[2] == 103.53f);
  const onyx::Node& resize = (*cam)->graph.nodes[2];
  CHECK(resize.op_type == "Resize");
  CHECK(resize.inputs == std::vector<std::string>{"image_nchw", "", "", "sizes"});
  const onyx::Attribute* mode = resize.attr("mode");
  REQUIRE(mode != nullptr);
  CHECK(mode->type == AttrType::kString);
  CHECK(mode->s == "linear");
  const onyx::Attribute* perm = (*cam)->graph.nodes[1].attr("perm");
  REQUIRE(perm != nullptr);
  CHECK(perm->ints == std::vector<int64_t>{0, 3, 1, 2});

  auto motion = onyx::load_model_file(models_dir() + "/motion_detect/model.onnx");
  REQUIRE(motion.ok());
  const onyx::Node& constant = (*motion)->graph.nodes[3];
  CHECK(constant.op_type == "Constant");
  const onyx::Attribute* value = constant.attr("value");
  REQUIRE(value != nullptr);
  CHECK(value->type == AttrType::kTensor);
  CHECK(value->t.dtype() == DType::kInt64);
  CHECK(value->t.rank() == 0);
  CHECK(value->t.data_as<int64_t>()[0] == 1200000);
}

TEST_CASE("reference models round-trip through save and load") {
  for (const char* name : {"add_scalars", "camera_preproc", "mnist_cnn", "mobilenet_v2", "motion_detect",
                           "resnet18", "squeezenet1_1"}) {
    SUBCASE(name) {
      auto r = onyx::load_model_file(models_dir() + "/" + name + "/model.onnx");
      REQUIRE_MESSAGE(r.ok(), r.status().to_string());
      check_round_trip(**r);
    }
  }
}

TEST_CASE("save_model_file writes a model load_model_file reads back") {
  auto r = onyx::load_model_file(models_dir() + "/add_scalars/model.onnx");
  REQUIRE(r.ok());
  TempDir dir;
  REQUIRE(onyx::save_model_file(**r, dir / "m.onnx").ok());
  auto saved = onyx::save_model_buffer(**r);
  REQUIRE(saved.ok());
  CHECK(read_bytes(dir / "m.onnx") == *saved);
  auto again = onyx::load_model_file(dir / "m.onnx");
  REQUIRE(again.ok());
  CHECK(diff_model(**r, **again) == "");
  CHECK((*again)->producer_name == "reference-model-set");

  // An in-memory model without producer or IR version gets Onyx's and the opset's.
  Model m = **r;
  m.producer_name.clear();
  m.producer_version.clear();
  m.ir_version = 0;
  auto bytes = onyx::save_model_buffer(m);
  REQUIRE(bytes.ok());
  auto back = load_bytes(*bytes);
  REQUIRE(back.ok());
  CHECK((*back)->producer_name == "onyx");
  CHECK(!(*back)->producer_version.empty());
  CHECK((*back)->ir_version == 7);  // opset 13

  check_error(onyx::save_model_file(**r, dir / "no/such/dir/m.onnx"), Code::kNotFound, "no/such/dir");
}

TEST_CASE("reference test data sets read as tensors matching the graph") {
  int files = 0;
  for (const char* name : {"add_scalars", "camera_preproc", "mnist_cnn", "mobilenet_v2", "motion_detect",
                           "resnet18", "squeezenet1_1"}) {
    std::string dir = models_dir() + "/" + name;
    auto model = onyx::load_model_file(dir + "/model.onnx");
    REQUIRE(model.ok());
    const Graph& g = (*model)->graph;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().filename().string().rfind("test_data_set_", 0) != 0) continue;
      for (const auto& f : fs::directory_iterator(entry.path())) {
        std::string fname = f.path().filename().string();
        bool is_input = fname.rfind("input_", 0) == 0;
        size_t k = std::stoul(fname.substr(is_input ? 6 : 7));
        const auto& infos = is_input ? g.inputs : g.outputs;
        REQUIRE(k < infos.size());
        const onyx::ValueInfo& info = infos[k];
        INFO(f.path().string());
        std::string tname;
        Result<Tensor> t = onyx::read_tensor_file(f.path().string(), &tname);
        REQUIRE_MESSAGE(t.ok(), t.status().to_string());
        CHECK(tname == info.name);
        CHECK(t->dtype() == info.type.elem);
        REQUIRE(t->rank() == info.type.shape.size());
        for (size_t d = 0; d < t->rank(); ++d) CHECK(t->dim(d) == info.type.shape[d].value);
        Result<Value> v = onyx::read_value_file(f.path().string(), &info.type);
        REQUIRE(v.ok());
        CHECK(v->kind == ValueKind::kTensor);
        CHECK(!v->optional);
        CHECK(diff_tensor(v->tensor, *t) == "");
        ++files;
      }
    }
  }
  CHECK(files == 17);

  // Values checked against numpy's reading of the same files.
  auto x1 = onyx::read_tensor_file(models_dir() + "/add_scalars/test_data_set_0/input_0.pb");
  auto x2 = onyx::read_tensor_file(models_dir() + "/add_scalars/test_data_set_0/input_1.pb");
  auto sum = onyx::read_tensor_file(models_dir() + "/add_scalars/test_data_set_0/output_0.pb");
  REQUIRE((x1.ok() && x2.ok() && sum.ok()));
  CHECK(x1->data_as<float>()[0] == -0.21672396f);
  CHECK(x2->data_as<float>()[0] == 0.64791256f);
  CHECK(sum->data_as<float>()[0] == doctest::Approx(0.43118858f));
  auto img = onyx::read_tensor_file(models_dir() + "/camera_preproc/test_data_set_0/input_0.pb");
  REQUIRE(img.ok());
  CHECK(img->data_as<uint8_t>()[0] == 189);
  for (int set : {0, 1}) {
    auto out = onyx::read_tensor_file(models_dir() + "/motion_detect/test_data_set_" + std::to_string(set) +
                                      "/output_0.pb");
    REQUIRE(out.ok());
    CHECK(out->dtype() == DType::kBool);
    CHECK(out->rank() == 0);
    CHECK(out->data_as<bool>()[0] == (set == 1));
  }
}

// =============================================================================================
// Hostile files

TEST_CASE("hostile: bytes that are not a model") {
  std::string good = serialize(base_model());
  REQUIRE(load_bytes(good).ok());

  for (size_t cut : {good.size() / 4, good.size() / 2, good.size() * 3 / 4, good.size() - 1, size_t{1}}) {
    INFO("truncated at ", cut, " of ", good.size());
    auto r = load_bytes(good.substr(0, cut));
    check_error(r, Code::kInvalidModel, "not a valid ONNX model");
    check_error(r, Code::kInvalidModel, "<buffer>");
  }
  check_error(load_bytes(std::string("\xff\xff\xff\xff\xff\xff", 6)), Code::kInvalidModel,
              "not a valid ONNX model (protobuf parse failed)");
  check_error(load_bytes(std::string("PK\x03\x04 this is a zip", 19)), Code::kInvalidModel, "not a valid ONNX model");
  check_error(load_bytes(""), Code::kInvalidModel, "not a valid ONNX model: ir_version is missing");

  TempDir dir;
  write_bytes(dir / "garbage.onnx", std::string("\x0a\xff\xff\xff\x0f", 5));
  check_error(onyx::load_model_file(dir / "garbage.onnx"), Code::kInvalidModel,
              dir / "garbage.onnx: not a valid ONNX model (protobuf parse failed)");
  check_error(onyx::load_model_file(dir / "missing.onnx"), Code::kNotFound, dir / "missing.onnx");
  check_error(onyx::load_model_file(dir.path()), Code::kIoError, "not a regular file");

  LoadOptions small;
  small.limits.max_model_bytes = 16;
  write_bytes(dir / "m.onnx", good);
  check_error(onyx::load_model_file(dir / "m.onnx", small), Code::kResourceExhausted, "over the limit of 16");
  check_error(load_bytes(good, small), Code::kResourceExhausted, "over the limit of 16");
}

TEST_CASE("hostile: tensor sizes and encodings") {
  SUBCASE("raw_data too short") {
    pb::ModelProto m = base_model();
    set_raw_floats(initializer_w(m), {1, 2, 3});
    check_error(load_proto(m), Code::kInvalidModel,
                "<buffer>: initializer 'W': raw_data has 12 bytes but shape [2, 3] of float32 needs 24");
  }
  SUBCASE("raw_data too long") {
    pb::ModelProto m = base_model();
    set_raw_floats(initializer_w(m), {1, 2, 3, 4, 5, 6, 7});
    check_error(load_proto(m), Code::kInvalidModel, "raw_data has 28 bytes but shape [2, 3] of float32 needs 24");
  }
  SUBCASE("negative dim") {
    pb::ModelProto m = base_model();
    initializer_w(m)->set_dims(0, -5);
    check_error(load_proto(m), Code::kInvalidModel, "initializer 'W': negative dimension -5 in shape [-5, 3]");
  }
  SUBCASE("dim 2^62") {
    pb::ModelProto m = base_model();
    initializer_w(m)->set_dims(0, int64_t{1} << 62);
    check_error(load_proto(m), Code::kInvalidModel, "is larger than 2^40");
  }
  SUBCASE("element count overflows") {
    pb::ModelProto m = base_model();
    auto* w = initializer_w(m);
    w->clear_dims();
    for (int i = 0; i < 4; ++i) w->add_dims(int64_t{1} << 30);
    check_error(load_proto(m), Code::kInvalidModel, "more than 2^40 elements");
  }
  SUBCASE("unknown dtype") {
    pb::ModelProto m = base_model();
    initializer_w(m)->set_data_type(99);
    check_error(load_proto(m), Code::kInvalidModel, "initializer 'W': unknown data type 99");
    initializer_w(m)->set_data_type(-3);
    check_error(load_proto(m), Code::kInvalidModel, "unknown data type -3");
  }
  SUBCASE("missing dtype") {
    pb::ModelProto m = base_model();
    initializer_w(m)->clear_data_type();
    check_error(load_proto(m), Code::kInvalidModel, "data_type is missing");
  }
  SUBCASE("float8 is valid ONNX but unsupported") {
    pb::ModelProto m = base_model();
    initializer_w(m)->set_data_type(17);
    check_error(load_proto(m), Code::kUnsupported, "FLOAT8E4M3FN");
  }
  SUBCASE("typed field count must equal numel") {
    pb::ModelProto m = base_model();
    auto* w = initializer_w(m);
    w->clear_raw_data();
    for (float f : {1.f, 2.f, 3.f, 4.f, 5.f}) w->add_float_data(f);
    check_error(load_proto(m), Code::kInvalidModel, "float_data has 5 values but shape [2, 3] of float32 needs 6");
    w->clear_float_data();
    check_error(load_proto(m), Code::kInvalidModel, "float_data has 0 values");
  }
  SUBCASE("a huge shape with little data allocates nothing") {
    pb::ModelProto m = base_model();
    auto* w = initializer_w(m);
    w->clear_raw_data();
    w->clear_dims();
    w->add_dims(int64_t{1} << 40);
    w->add_float_data(1.0f);
    check_error(load_proto(m), Code::kInvalidModel, "float_data has 1 values but shape [1099511627776]");
  }
  SUBCASE("int32_data out of range for int8") {
    pb::ModelProto m = base_model();
    auto* w = initializer_w(m);
    w->clear_raw_data();
    w->set_data_type(3);
    for (int v : {1, 2, 300, 4, 5, 6}) w->add_int32_data(v);
    check_error(load_proto(m), Code::kInvalidModel, "int32_data[2] = 300 is out of range for int8");
  }
  SUBCASE("uint64_data out of range for uint32") {
    pb::ModelProto m = base_model();
    auto* w = initializer_w(m);
    w->clear_raw_data();
    w->set_data_type(12);
    for (uint64_t v : {1ull, 2ull, 3ull, 4ull, 5ull, 1ull << 32}) w->add_uint64_data(v);
    check_error(load_proto(m), Code::kInvalidModel, "uint64_data[5] = 4294967296 is out of range for uint32");
  }
  SUBCASE("strings cannot use raw_data") {
    pb::ModelProto m = base_model();
    initializer_w(m)->set_data_type(8);
    check_error(load_proto(m), Code::kInvalidModel, "string tensor stored in raw_data");
  }
  SUBCASE("segments are unsupported") {
    pb::ModelProto m = base_model();
    initializer_w(m)->mutable_segment()->set_begin(0);
    check_error(load_proto(m), Code::kUnsupported, "segment");
  }
  SUBCASE("unknown data_location") {
    pb::ModelProto m = base_model();
    initializer_w(m)->set_data_location(7);
    check_error(load_proto(m), Code::kInvalidModel, "unknown data_location 7");
  }
  SUBCASE("a bad tensor inside a node attribute names the node and attribute") {
    pb::ModelProto m = base_model();
    auto* n = m.mutable_graph()->add_node();
    n->set_name("c");
    n->set_op_type("Constant");
    n->add_output("K");
    auto* a = n->add_attribute();
    a->set_name("value");
    a->set_type(4);
    a->mutable_t()->set_data_type(7);
    a->mutable_t()->add_dims(2);
    a->mutable_t()->add_int64_data(1);
    check_error(load_proto(m), Code::kInvalidModel,
                "<buffer>: node 'c' (Constant): attribute 'value': int64_data has 1 values but shape [2] of int64 needs 2");
  }
  SUBCASE("a negative dim_value in a declared type means unknown; a huge one is an error") {
    pb::ModelProto m = base_model();
    auto* dim = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1);
    dim->set_dim_value(-1);
    auto r = load_proto(m);
    REQUIRE(r.ok());
    CHECK(!(*r)->graph.inputs[0].type.shape[1].fixed());
    dim->set_dim_value(int64_t{1} << 50);
    check_error(load_proto(m), Code::kInvalidModel, "graph input 'X': dimension 1125899906842624 is larger than 2^40");
  }
}

TEST_CASE("hostile: model structure") {
  SUBCASE("ir_version") {
    pb::ModelProto m = base_model();
    m.clear_ir_version();
    check_error(load_proto(m), Code::kInvalidModel, "ir_version is missing");
    m.set_ir_version(2);
    check_error(load_proto(m), Code::kUnsupported, "IR version 2 is not supported");
    m.set_ir_version(99);
    check_error(load_proto(m), Code::kUnsupported, "IR version 99 is not supported");
    for (int ir = 3; ir <= 10; ++ir) {
      m.set_ir_version(ir);
      CHECK(load_proto(m).ok());
    }
  }
  SUBCASE("opset imports") {
    pb::ModelProto m = base_model();
    m.clear_opset_import();
    check_error(load_proto(m), Code::kInvalidModel, "not a valid ONNX model: opset_import is empty");
    auto* a = m.add_opset_import();
    a->set_version(0);
    check_error(load_proto(m), Code::kInvalidModel, "has version 0");
    a->set_version(13);
    auto* b = m.add_opset_import();
    b->set_domain("ai.onnx");
    b->set_version(12);
    check_error(load_proto(m), Code::kInvalidModel, "lists domain 'ai.onnx' more than once");
  }
  SUBCASE("missing graph") {
    pb::ModelProto m = base_model();
    m.clear_graph();
    check_error(load_proto(m), Code::kInvalidModel, "not a valid ONNX model: graph is missing");
  }
  SUBCASE("node without op_type") {
    pb::ModelProto m = base_model();
    m.mutable_graph()->mutable_node(0)->clear_op_type();
    check_error(load_proto(m), Code::kInvalidModel, "node #0: has no op_type");
  }
  SUBCASE("attribute problems") {
    pb::ModelProto m = base_model();
    auto* a = m.mutable_graph()->mutable_node(0)->add_attribute();
    a->set_name("alpha");
    check_error(load_proto(m), Code::kInvalidModel, "node 'add' (Add): attribute 'alpha': type is missing");
    a->set_type(42);
    check_error(load_proto(m), Code::kInvalidModel, "attribute 'alpha': unknown attribute type 42");
    a->set_type(4);
    check_error(load_proto(m), Code::kInvalidModel, "attribute 'alpha': TENSOR value is missing");
    a->set_type(5);
    check_error(load_proto(m), Code::kInvalidModel, "attribute 'alpha': GRAPH value is missing");
    a->set_type(1);
    auto* b = m.mutable_graph()->mutable_node(0)->add_attribute();
    b->set_name("alpha");
    b->set_type(1);
    check_error(load_proto(m), Code::kInvalidModel, "attribute 'alpha' appears more than once");
    b->clear_name();
    check_error(load_proto(m), Code::kInvalidModel, "attribute #1 has no name");
  }
  SUBCASE("initializer problems") {
    pb::ModelProto m = base_model();
    *m.mutable_graph()->add_initializer() = m.graph().initializer(0);
    check_error(load_proto(m), Code::kInvalidModel, "initializer 'W' appears more than once");
    m.mutable_graph()->mutable_initializer(1)->clear_name();
    check_error(load_proto(m), Code::kInvalidModel, "initializer #1 has no name");
  }
  SUBCASE("graph input without a name") {
    pb::ModelProto m = base_model();
    m.mutable_graph()->mutable_input(0)->clear_name();
    check_error(load_proto(m), Code::kInvalidModel, "graph input #0 has no name");
  }
  SUBCASE("subgraph nesting depth is limited") {
    auto nest = [](int depth) {
      pb::ModelProto m = base_model();
      pb::GraphProto* g = m.mutable_graph();
      for (int i = 0; i < depth; ++i) {
        auto* n = g->add_node();
        n->set_op_type("If");
        n->set_name("if" + std::to_string(i));
        auto* a = n->add_attribute();
        a->set_name("then_branch");
        a->set_type(5);
        g = a->mutable_g();
        g->set_name("body" + std::to_string(i));
      }
      return m;
    };
    CHECK(load_proto(nest(onyx::kMaxGraphDepth)).ok());
    auto r = load_proto(nest(onyx::kMaxGraphDepth + 1));
    check_error(r, Code::kInvalidModel, "nested more than 24 levels deep");
    check_error(r, Code::kInvalidModel, "node 'if0' (If): attribute 'then_branch': graph 'body0': node 'if1' (If)");
    // Far deeper than protobuf's own recursion limit: a parse failure, not a stack overflow.
    check_error(load_proto(nest(200)), Code::kInvalidModel, "not a valid ONNX model");
  }
}

TEST_CASE("external data") {
  TempDir root;
  std::string dir = root / "model";
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  std::vector<float> payload = {0, 0, 1, 2, 3, 4, 5, 6};  // W's six floats start at offset 8
  std::string bytes(payload.size() * 4, '\0');
  std::memcpy(bytes.data(), payload.data(), bytes.size());
  write_bytes(dir + "/weights.bin", bytes);
  write_bytes(root / "outside.bin", bytes);

  auto make = [](const std::string& location, const std::string& offset, const std::string& length) {
    pb::ModelProto m = base_model();
    auto* w = initializer_w(m);
    w->clear_raw_data();
    w->set_data_location(pb::TensorProto::EXTERNAL);
    auto add = [w](const char* k, const std::string& v) {
      auto* e = w->add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add("location", location);
    if (!offset.empty()) add("offset", offset);
    if (!length.empty()) add("length", length);
    return m;
  };
  auto load_at = [&](const pb::ModelProto& m, const std::string& file = "m.onnx") {
    write_bytes(dir + "/" + file, serialize(m));
    return onyx::load_model_file(dir + "/" + file);
  };

  SUBCASE("valid external data loads") {
    auto r = load_at(make("weights.bin", "8", "24"));
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
    const Tensor& w = initializer(**r, "W");
    CHECK(std::vector<float>(w.data_as<float>(), w.data_as<float>() + 6) == std::vector<float>{1, 2, 3, 4, 5, 6});
    // Round trip: the writer embeds the data as raw_data.
    check_round_trip(**r);
  }
  SUBCASE("a subfolder and a symlink that stays inside are fine") {
    REQUIRE(::mkdir((dir + "/sub").c_str(), 0755) == 0);
    write_bytes(dir + "/sub/w.bin", bytes);
    CHECK(load_at(make("sub/w.bin", "8", "")).ok());
    CHECK(load_at(make("./sub//w.bin", "8", "24")).ok());
    REQUIRE(::symlink("weights.bin", (dir + "/alias.bin").c_str()) == 0);
    CHECK(load_at(make("alias.bin", "8", "24")).ok());
  }
  SUBCASE("absolute path") {
    check_error(load_at(make(root / "outside.bin", "8", "24")), Code::kInvalidModel, "is an absolute path");
  }
  SUBCASE("'..' components") {
    check_error(load_at(make("../outside.bin", "8", "24")), Code::kInvalidModel, "contains a '..' component");
    check_error(load_at(make("sub/../../outside.bin", "8", "24")), Code::kInvalidModel, "contains a '..' component");
    check_error(load_at(make("..", "", "")), Code::kInvalidModel, "contains a '..' component");
  }
  SUBCASE("a symlink leaving the folder") {
    REQUIRE(::symlink((root / "outside.bin").c_str(), (dir + "/link.bin").c_str()) == 0);
    auto r = load_at(make("link.bin", "8", "24"));
    check_error(r, Code::kInvalidModel, "outside the model folder");
    check_error(r, Code::kInvalidModel, "initializer 'W'");
    REQUIRE(::symlink(root.path().c_str(), (dir + "/up").c_str()) == 0);
    check_error(load_at(make("up/outside.bin", "8", "24")), Code::kInvalidModel, "outside the model folder");
  }
  SUBCASE("a hard link is refused") {
    REQUIRE(::link((dir + "/weights.bin").c_str(), (dir + "/hard.bin").c_str()) == 0);
    check_error(load_at(make("hard.bin", "8", "24")), Code::kInvalidModel, "hard links");
  }
  SUBCASE("ranges past the end of the file") {
    check_error(load_at(make("weights.bin", "16", "24")), Code::kInvalidModel, "past the end of the file (32 bytes)");
    check_error(load_at(make("weights.bin", "9999999999", "")), Code::kInvalidModel, "past the end");
    check_error(load_at(make("weights.bin", "18446744073709551615", "")), Code::kInvalidModel, "not a non-negative integer");
  }
  SUBCASE("length must be the tensor's byte size") {
    check_error(load_at(make("weights.bin", "0", "20")), Code::kInvalidModel,
                "external_data length 20 but shape [2, 3] of float32 needs 24 bytes");
    check_error(load_at(make("weights.bin", "-1", "")), Code::kInvalidModel, "offset '-1' is not a non-negative integer");
  }
  SUBCASE("missing keys and files") {
    check_error(load_at(make("nope.bin", "", "")), Code::kNotFound, "nope.bin");
    pb::ModelProto m = make("weights.bin", "", "");
    initializer_w(m)->mutable_external_data(0)->set_key("path");
    check_error(load_at(m), Code::kInvalidModel, "external_data has no 'location'");
    check_error(load_at(make("", "", "")), Code::kInvalidModel, "location is empty");
  }
  SUBCASE("the data file must be a regular file") {
    REQUIRE(::mkdir((dir + "/d").c_str(), 0755) == 0);
    check_error(load_at(make("d", "", "")), Code::kInvalidModel, "not a regular file");
  }
  SUBCASE("buffers need base_dir") {
    std::string b = serialize(make("weights.bin", "8", "24"));
    check_error(load_bytes(b), Code::kInvalidArgument, "LoadOptions.base_dir");
    LoadOptions o;
    o.base_dir = dir;
    auto r = load_bytes(b, o);
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
    CHECK(initializer(**r, "W").data_as<float>()[5] == 6.0f);
    o.limits.max_total_bytes = 8;
    check_error(load_bytes(b, o), Code::kResourceExhausted, "Limits::max_total_bytes");
  }
}

// =============================================================================================
// Encodings

TEST_CASE("typed-field encodings of every dtype") {
  auto load_init = [](const std::function<void(pb::TensorProto*)>& fill) -> Tensor {
    pb::ModelProto m = base_model();
    auto* w = initializer_w(m);
    w->clear_raw_data();
    w->clear_dims();
    fill(w);
    auto r = load_proto(m);
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
    return initializer(**r, "W");
  };
  SUBCASE("float / double / int64 / int32") {
    Tensor f = load_init([](pb::TensorProto* t) { t->set_data_type(1); t->add_dims(2); t->add_float_data(1.5f); t->add_float_data(-2); });
    CHECK(f.data_as<float>()[1] == -2.0f);
    Tensor d = load_init([](pb::TensorProto* t) { t->set_data_type(11); t->add_dims(1); t->add_double_data(0.1); });
    CHECK(d.dtype() == DType::kFloat64);
    CHECK(d.data_as<double>()[0] == 0.1);
    Tensor l = load_init([](pb::TensorProto* t) { t->set_data_type(7); t->add_int64_data(int64_t{1} << 40); });
    CHECK(l.rank() == 0);
    CHECK(l.data_as<int64_t>()[0] == int64_t{1} << 40);
    Tensor i = load_init([](pb::TensorProto* t) { t->set_data_type(6); t->add_dims(1); t->add_int32_data(-7); });
    CHECK(i.data_as<int32_t>()[0] == -7);
  }
  SUBCASE("narrow ints, bool and 16-bit floats in int32_data") {
    Tensor i8 = load_init([](pb::TensorProto* t) { t->set_data_type(3); t->add_dims(2); t->add_int32_data(-128); t->add_int32_data(127); });
    CHECK(i8.data_as<int8_t>()[0] == -128);
    CHECK(i8.data_as<int8_t>()[1] == 127);
    Tensor u8 = load_init([](pb::TensorProto* t) { t->set_data_type(2); t->add_dims(1); t->add_int32_data(255); });
    CHECK(u8.data_as<uint8_t>()[0] == 255);
    Tensor i16 = load_init([](pb::TensorProto* t) { t->set_data_type(5); t->add_dims(1); t->add_int32_data(-300); });
    CHECK(i16.data_as<int16_t>()[0] == -300);
    Tensor u16 = load_init([](pb::TensorProto* t) { t->set_data_type(4); t->add_dims(1); t->add_int32_data(65535); });
    CHECK(u16.data_as<uint16_t>()[0] == 65535);
    Tensor b = load_init([](pb::TensorProto* t) { t->set_data_type(9); t->add_dims(3); t->add_int32_data(0); t->add_int32_data(1); t->add_int32_data(1); });
    CHECK(b.data_as<bool>()[0] == false);
    CHECK(b.data_as<bool>()[2] == true);
    // float16 1.0 = 0x3c00, -2.0 = 0xc000; bfloat16 1.0 = 0x3f80.
    Tensor h = load_init([](pb::TensorProto* t) { t->set_data_type(10); t->add_dims(2); t->add_int32_data(0x3c00); t->add_int32_data(0xc000); });
    CHECK(static_cast<float>(h.data_as<onyx::Float16>()[0]) == 1.0f);
    CHECK(static_cast<float>(h.data_as<onyx::Float16>()[1]) == -2.0f);
    Tensor bf = load_init([](pb::TensorProto* t) { t->set_data_type(16); t->add_dims(1); t->add_int32_data(0x3f80); });
    CHECK(static_cast<float>(bf.data_as<onyx::BFloat16>()[0]) == 1.0f);
  }
  SUBCASE("uint32 and uint64 in uint64_data") {
    Tensor u32 = load_init([](pb::TensorProto* t) { t->set_data_type(12); t->add_dims(1); t->add_uint64_data(4294967295ull); });
    CHECK(u32.data_as<uint32_t>()[0] == 4294967295u);
    Tensor u64 = load_init([](pb::TensorProto* t) { t->set_data_type(13); t->add_dims(1); t->add_uint64_data(~0ull); });
    CHECK(u64.data_as<uint64_t>()[0] == ~0ull);
  }
  SUBCASE("strings, complex and empty tensors") {
    Tensor s = load_init([](pb::TensorProto* t) { t->set_data_type(8); t->add_dims(2); t->add_string_data("a"); t->add_string_data(std::string("b\0c", 3)); });
    CHECK(s.data_as<std::string>()[0] == "a");
    CHECK(s.data_as<std::string>()[1] == std::string("b\0c", 3));
    Tensor c = load_init([](pb::TensorProto* t) { t->set_data_type(14); t->add_dims(1); t->add_float_data(1); t->add_float_data(2); });
    CHECK(c.dtype() == DType::kComplex64);
    CHECK(c.data_as<float>()[1] == 2.0f);
    Tensor e = load_init([](pb::TensorProto* t) { t->set_data_type(1); t->add_dims(0); t->add_dims(3); });
    CHECK(e.numel() == 0);
    CHECK(e.shape() == onyx::Dims{0, 3});
  }
  SUBCASE("raw_data of several dtypes; bools are normalised to 0/1") {
    Tensor b = load_init([](pb::TensorProto* t) { t->set_data_type(9); t->add_dims(3); t->set_raw_data(std::string("\x00\x02\x01", 3)); });
    const auto* bytes = static_cast<const unsigned char*>(b.data());
    CHECK(bytes[0] == 0);
    CHECK(bytes[1] == 1);
    CHECK(bytes[2] == 1);
    Tensor l = load_init([](pb::TensorProto* t) { t->set_data_type(7); t->add_dims(1); t->set_raw_data(std::string("\xfe\xff\xff\xff\xff\xff\xff\xff", 8)); });
    CHECK(l.data_as<int64_t>()[0] == -2);
    Tensor h = load_init([](pb::TensorProto* t) { t->set_data_type(10); t->add_dims(1); t->set_raw_data(std::string("\x00\x3c", 2)); });
    CHECK(static_cast<float>(h.data_as<onyx::Float16>()[0]) == 1.0f);
  }
}

TEST_CASE("sparse initializers are densified") {
  auto with_sparse = [](bool coords, int64_t bad_index) {
    pb::ModelProto m = base_model();
    auto* sp = m.mutable_graph()->add_sparse_initializer();
    sp->add_dims(2);
    sp->add_dims(3);
    auto* values = sp->mutable_values();
    values->set_name("S");
    values->set_data_type(1);
    values->add_dims(2);
    values->add_float_data(7);
    values->add_float_data(9);
    auto* idx = sp->mutable_indices();
    idx->set_data_type(7);
    if (coords) {  // (0, 1) and (1, 2)
      idx->add_dims(2);
      idx->add_dims(2);
      for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{1}, bad_index >= 0 ? bad_index : int64_t{2}}) idx->add_int64_data(v);
    } else {  // linear 1 and 5
      idx->add_dims(2);
      idx->add_int64_data(1);
      idx->add_int64_data(bad_index >= 0 ? bad_index : 5);
    }
    return m;
  };
  for (bool coords : {false, true}) {
    auto r = load_proto(with_sparse(coords, -1));
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
    const Tensor& s = initializer(**r, "S");
    CHECK(s.shape() == onyx::Dims{2, 3});
    CHECK(std::vector<float>(s.data_as<float>(), s.data_as<float>() + 6) == std::vector<float>{0, 7, 0, 0, 0, 9});
    check_round_trip(**r);
  }
  check_error(load_proto(with_sparse(false, 6)), Code::kInvalidModel,
              "sparse initializer 'S': sparse index 6 (value #1) is out of range for shape [2, 3]");
  check_error(load_proto(with_sparse(true, 3)), Code::kInvalidModel, "sparse coordinate 3 on axis 1");

  pb::ModelProto big = with_sparse(false, -1);
  big.mutable_graph()->mutable_sparse_initializer(0)->set_dims(0, int64_t{1} << 38);
  check_error(load_proto(big), Code::kResourceExhausted, "densifies to");
}

// A model using every attribute type, metadata and a custom domain.
static pb::ModelProto rich_model() {
  pb::ModelProto m = base_model();
  auto* n = m.mutable_graph()->mutable_node(0);
  n->set_domain("com.example");
  n->set_doc_string("node doc");
  auto add = [n](const char* name, int type) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  };
  add("f", 1)->set_f(0.25f);
  add("i", 2)->set_i(-9);
  add("s", 3)->set_s(std::string("by\0tes", 6));
  auto* t = add("t", 4)->mutable_t();
  t->set_data_type(6);
  t->add_dims(2);
  t->add_int32_data(4);
  t->add_int32_data(5);
  auto* g = add("g", 5)->mutable_g();
  g->set_name("sub");
  add_tensor_value_info(g->add_input(), "a", 1, {});
  add_tensor_value_info(g->add_output(), "b", 1, {});
  auto* sn = g->add_node();
  sn->set_op_type("Neg");
  sn->add_input("a");
  sn->add_output("b");
  auto* fl = add("floats", 6);
  fl->add_floats(1.5f);
  fl->add_floats(-0.0f);
  auto* in = add("ints", 7);
  in->add_ints(3);
  in->add_ints(-4);
  auto* ss = add("strings", 8);
  ss->add_strings("x");
  ss->add_strings("");
  auto* ts = add("tensors", 9);
  for (int k = 0; k < 2; ++k) {
    auto* tk = ts->add_tensors();
    tk->set_data_type(1);
    tk->add_float_data(static_cast<float>(k));
  }
  auto* gs = add("graphs", 10);
  *gs->add_graphs() = *g;
  gs->add_graphs()->set_name("empty");
  auto* st = add("sparse", 11)->mutable_sparse_tensor();
  st->add_dims(4);
  st->mutable_values()->set_data_type(7);
  st->mutable_values()->add_dims(1);
  st->mutable_values()->add_int64_data(8);
  st->mutable_indices()->set_data_type(7);
  st->mutable_indices()->add_dims(1);
  st->mutable_indices()->add_int64_data(2);
  auto* sts = add("sparses", 12);
  *sts->add_sparse_tensors() = *st;
  auto* tp = add("tp", 13)->mutable_tp();
  tp->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(7);
  auto* tps = add("tps", 14);
  tps->add_type_protos()->mutable_optional_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(1);
  tps->add_type_protos()->mutable_map_type()->set_key_type(8);
  auto* ref = add("ref", 2);
  ref->set_ref_attr_name("outer");
  m.set_doc_string("model doc");
  m.set_domain("org.test");
  m.set_model_version(3);
  auto* meta = m.add_metadata_props();
  meta->set_key("author");
  meta->set_value("me");
  auto* custom = m.add_opset_import();
  custom->set_domain("com.example");
  custom->set_version(2);

  return m;
}

TEST_CASE("attributes of every type load and round-trip") {
  pb::ModelProto m = rich_model();
  auto r = load_proto(m);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  const Model& model = **r;
  CHECK(model.opset("com.example") == 2);
  CHECK(model.metadata == std::vector<std::pair<std::string, std::string>>{{"author", "me"}});
  CHECK(model.doc == "model doc");
  CHECK(model.model_version == 3);
  const onyx::Node& node = model.graph.nodes[0];
  CHECK(node.domain == "com.example");
  CHECK(node.doc == "node doc");
  CHECK(node.attr("f")->f == 0.25f);
  CHECK(node.attr("i")->i == -9);
  CHECK(node.attr("s")->s == std::string("by\0tes", 6));
  CHECK(node.attr("t")->t.data_as<int32_t>()[1] == 5);
  REQUIRE(node.attr("g")->g != nullptr);
  CHECK(node.attr("g")->g->name == "sub");
  CHECK(node.attr("g")->g->nodes[0].op_type == "Neg");
  CHECK(node.attr("g")->g->inputs[0].type.has_shape);
  CHECK(node.attr("g")->g->inputs[0].type.shape.empty());
  CHECK(node.attr("floats")->floats == std::vector<float>{1.5f, -0.0f});
  CHECK(node.attr("ints")->ints == std::vector<int64_t>{3, -4});
  CHECK(node.attr("strings")->strings == std::vector<std::string>{"x", ""});
  CHECK(node.attr("tensors")->tensors.size() == 2);
  CHECK(node.attr("tensors")->tensors[1].data_as<float>()[0] == 1.0f);
  CHECK(node.attr("graphs")->graphs.size() == 2);
  CHECK(node.attr("graphs")->graphs[1]->name == "empty");
  const Tensor& sparse = node.attr("sparse")->t;
  CHECK(node.attr("sparse")->type == AttrType::kSparseTensor);
  CHECK(std::vector<int64_t>(sparse.data_as<int64_t>(), sparse.data_as<int64_t>() + 4) ==
        std::vector<int64_t>{0, 0, 8, 0});
  CHECK(node.attr("sparses")->tensors.size() == 1);
  REQUIRE(node.attr("tp")->types.size() == 1);
  CHECK(node.attr("tp")->types[0]->kind == TypeInfo::Kind::kSequence);
  CHECK(node.attr("tp")->types[0]->inner->elem == DType::kInt64);
  REQUIRE(node.attr("tps")->types.size() == 2);
  CHECK(node.attr("tps")->types[0]->kind == TypeInfo::Kind::kOptional);
  CHECK(node.attr("tps")->types[1]->kind == TypeInfo::Kind::kMap);
  CHECK(node.attr("tps")->types[1]->map_key == DType::kString);
  CHECK(node.attr("ref")->ref_attr_name == "outer");
  check_round_trip(model);
}

TEST_CASE("declared types: symbolic dims, unknown rank, sequences, optionals") {
  pb::ModelProto m = base_model();
  auto* g = m.mutable_graph();
  g->mutable_input(0)->set_doc_string("the input");
  auto* seq = g->add_input();
  seq->set_name("seq");
  seq->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(1);
  auto* opt = g->add_input();
  opt->set_name("opt");
  auto* inner = opt->mutable_type()->mutable_optional_type()->mutable_elem_type();
  inner->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(6);
  auto* norank = g->add_value_info();
  norank->set_name("norank");
  norank->mutable_type()->mutable_tensor_type()->set_elem_type(10);
  auto* untyped = g->add_value_info();
  untyped->set_name("untyped");
  auto* unknown_dim = g->add_value_info();
  add_tensor_value_info(unknown_dim, "partial", 1, {"", "7"});

  auto r = load_proto(m);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  const Graph& graph = (*r)->graph;
  const TypeInfo& x = graph.inputs[0].type;
  CHECK(graph.inputs[0].doc == "the input");
  CHECK(x.shape[0].param == "N");
  CHECK(!x.shape[0].fixed());
  CHECK(x.shape[1].value == 3);
  CHECK(graph.inputs[1].type.kind == TypeInfo::Kind::kSequence);
  CHECK(graph.inputs[1].type.inner->elem == DType::kFloat32);
  CHECK(graph.inputs[2].type.kind == TypeInfo::Kind::kOptional);
  CHECK(graph.inputs[2].type.inner->kind == TypeInfo::Kind::kSequence);
  CHECK(graph.inputs[2].type.inner->inner->elem == DType::kInt32);
  CHECK(graph.value_info[0].type.elem == DType::kFloat16);
  CHECK(!graph.value_info[0].type.has_shape);
  CHECK(graph.value_info[1].type.kind == TypeInfo::Kind::kUnknown);
  CHECK(graph.value_info[2].type.shape[0].value == -1);
  CHECK(graph.value_info[2].type.shape[0].param.empty());
  CHECK(graph.value_info[2].type.shape[1].value == 7);
  check_round_trip(**r);
}

// =============================================================================================
// Tensor and value files

TEST_CASE("tensor files: write and read back") {
  TempDir dir;
  Result<Tensor> t = Tensor::make(DType::kInt16, {2, 2});
  REQUIRE(t.ok());
  int16_t* p = t->data_as<int16_t>();
  p[0] = -1;
  p[1] = 2;
  p[2] = 300;
  p[3] = -32768;
  REQUIRE(onyx::write_tensor_file(dir / "t.pb", *t, "named").ok());
  std::string name;
  auto back = onyx::read_tensor_file(dir / "t.pb", &name);
  REQUIRE(back.ok());
  CHECK(name == "named");
  CHECK(diff_tensor(*t, *back) == "");

  Result<Tensor> s = Tensor::make(DType::kString, {3});
  REQUIRE(s.ok());
  s->data_as<std::string>()[0] = "hello";
  s->data_as<std::string>()[2] = "world";
  auto bytes = onyx::write_tensor_buffer(*s);
  REQUIRE(bytes.ok());
  auto sb = onyx::read_tensor_buffer(bytes->data(), bytes->size());
  REQUIRE(sb.ok());
  CHECK(diff_tensor(*s, *sb) == "");

  // The same decoder as initializers: same checks, the file named in the message.
  pb::TensorProto bad;
  bad.set_name("x");
  bad.set_data_type(1);
  bad.add_dims(4);
  bad.set_raw_data(std::string(8, '\0'));
  write_bytes(dir / "bad.pb", serialize(bad));
  check_error(onyx::read_tensor_file(dir / "bad.pb"), Code::kInvalidModel,
              "bad.pb: tensor 'x': raw_data has 8 bytes but shape [4] of float32 needs 16");
  write_bytes(dir / "junk.pb", std::string("\xff\xff\xff", 3));
  check_error(onyx::read_tensor_file(dir / "junk.pb"), Code::kInvalidModel, "not a valid TensorProto");
  check_error(onyx::read_tensor_file(dir / "none.pb"), Code::kNotFound, "none.pb");

  // External data next to a tensor file.
  pb::TensorProto ext;
  ext.set_data_type(6);
  ext.add_dims(1);
  ext.set_data_location(pb::TensorProto::EXTERNAL);
  auto* loc = ext.add_external_data();
  loc->set_key("location");
  loc->set_value("data.bin");
  write_bytes(dir / "data.bin", std::string("\x07\x00\x00\x00", 4));
  write_bytes(dir / "ext.pb", serialize(ext));
  auto e = onyx::read_tensor_file(dir / "ext.pb");
  REQUIRE_MESSAGE(e.ok(), e.status().to_string());
  CHECK(e->data_as<int32_t>()[0] == 7);
  std::string ext_bytes = serialize(ext);
  check_error(onyx::read_tensor_buffer(ext_bytes.data(), ext_bytes.size()), Code::kInvalidArgument, "external");
}

TEST_CASE("value files: sequences and optionals") {
  Result<Tensor> a = Tensor::make(DType::kFloat32, {2});
  Result<Tensor> b = Tensor::make(DType::kFloat32, {1, 3});
  REQUIRE((a.ok() && b.ok()));
  a->data_as<float>()[1] = 4.5f;
  b->data_as<float>()[2] = -1.0f;

  TypeInfo tensor_t;
  tensor_t.kind = TypeInfo::Kind::kTensor;
  tensor_t.elem = DType::kFloat32;
  TypeInfo seq_t;
  seq_t.kind = TypeInfo::Kind::kSequence;
  seq_t.inner = std::make_shared<TypeInfo>(tensor_t);
  TypeInfo opt_t;
  opt_t.kind = TypeInfo::Kind::kOptional;
  opt_t.inner = std::make_shared<TypeInfo>(tensor_t);
  TypeInfo opt_seq_t;
  opt_seq_t.kind = TypeInfo::Kind::kOptional;
  opt_seq_t.inner = std::make_shared<TypeInfo>(seq_t);

  Value seq;
  seq.kind = ValueKind::kSequence;
  seq.sequence = {*a, *b};
  seq.elem_type = DType::kFloat32;
  auto bytes = onyx::write_value_buffer(seq, "s");
  REQUIRE(bytes.ok());
  for (const TypeInfo* expected : {static_cast<const TypeInfo*>(&seq_t), static_cast<const TypeInfo*>(nullptr)}) {
    std::string name;
    auto v = onyx::read_value_buffer(bytes->data(), bytes->size(), expected, &name);
    REQUIRE_MESSAGE(v.ok(), v.status().to_string());
    CHECK(name == "s");
    CHECK(v->kind == ValueKind::kSequence);
    CHECK(v->elem_type == DType::kFloat32);
    REQUIRE(v->sequence.size() == 2);
    CHECK(diff_tensor(v->sequence[1], *b) == "");
  }

  Value empty_seq;
  empty_seq.kind = ValueKind::kSequence;
  bytes = onyx::write_value_buffer(empty_seq);
  REQUIRE(bytes.ok());
  auto es = onyx::read_value_buffer(bytes->data(), bytes->size(), &seq_t);
  REQUIRE(es.ok());
  CHECK(es->kind == ValueKind::kSequence);
  CHECK(es->sequence.empty());
  CHECK(es->elem_type == DType::kFloat32);  // from the declared type

  Value opt = Value::of(*a);
  opt.optional = true;
  bytes = onyx::write_value_buffer(opt, "o");
  REQUIRE(bytes.ok());
  auto ov = onyx::read_value_buffer(bytes->data(), bytes->size(), &opt_t);
  REQUIRE(ov.ok());
  CHECK(ov->kind == ValueKind::kTensor);
  CHECK(ov->optional);
  CHECK(diff_tensor(ov->tensor, *a) == "");

  Value none;
  none.kind = ValueKind::kNone;
  none.optional = true;
  bytes = onyx::write_value_buffer(none, "n");
  REQUIRE(bytes.ok());
  for (const TypeInfo* expected : {static_cast<const TypeInfo*>(&opt_seq_t), static_cast<const TypeInfo*>(nullptr)}) {
    auto nv = onyx::read_value_buffer(bytes->data(), bytes->size(), expected);
    REQUIRE(nv.ok());
    CHECK(nv->kind == ValueKind::kNone);
    CHECK(nv->optional);
  }

  Value opt_seq = seq;
  opt_seq.optional = true;
  bytes = onyx::write_value_buffer(opt_seq);
  REQUIRE(bytes.ok());
  auto osv = onyx::read_value_buffer(bytes->data(), bytes->size(), &opt_seq_t);
  REQUIRE(osv.ok());
  CHECK(osv->kind == ValueKind::kSequence);
  CHECK(osv->optional);
  CHECK(osv->sequence.size() == 2);

  // A plain tensor is read as a tensor with or without a declared type.
  bytes = onyx::write_value_buffer(Value::of(*b));
  REQUIRE(bytes.ok());
  auto tv = onyx::read_value_buffer(bytes->data(), bytes->size(), nullptr);
  REQUIRE(tv.ok());
  CHECK(tv->kind == ValueKind::kTensor);
  CHECK(!tv->optional);

  // Mixed dtypes in one sequence are malformed.
  pb::SequenceProto mixed;
  mixed.set_elem_type(1);
  for (int dt : {1, 7}) {
    auto* t = mixed.add_tensor_values();
    t->set_data_type(dt);
    t->add_dims(0);
  }
  std::string mb = serialize(mixed);
  check_error(onyx::read_value_buffer(mb.data(), mb.size(), &seq_t), Code::kInvalidModel,
              "sequence element #1 is int64 but element #0 is float32");
  pb::SequenceProto nested;
  nested.set_elem_type(3);
  nested.add_sequence_values()->set_elem_type(1);
  std::string nb = serialize(nested);
  check_error(onyx::read_value_buffer(nb.data(), nb.size(), &seq_t), Code::kUnsupported, "sequences of sequences");
}

TEST_CASE("ONNX backend test data: every model loads and every data file reads") {
  if (!fs::is_directory(kOnnxTestData)) {
    MESSAGE("skipped: ", kOnnxTestData, " not installed (Debian package libonnx-testdata)");
    return;
  }
  int models = 0, unsupported_models = 0, files = 0, unsupported_files = 0, sequences = 0, optionals = 0;
  for (const char* group : {"node", "simple", "pytorch-converted", "pytorch-operator", "real"}) {
    std::string gdir = std::string(kOnnxTestData) + "/" + group;
    if (!fs::is_directory(gdir)) continue;
    for (const auto& test : fs::directory_iterator(gdir)) {
      std::string model_path = test.path().string() + "/model.onnx";
      if (!fs::exists(model_path)) continue;
      INFO(model_path);
      auto r = onyx::load_model_file(model_path);
      ++models;
      if (!r.ok()) {
        // Only float8/int4 tensors (IR 9/10 types) may be refused, and only as unsupported.
        CHECK_MESSAGE(r.status().code() == Code::kUnsupported, r.status().to_string());
        ++unsupported_models;
        continue;
      }
      const Graph& g = (*r)->graph;
      for (const auto& set : fs::directory_iterator(test.path())) {
        if (!set.is_directory()) continue;
        for (const auto& f : fs::directory_iterator(set.path())) {
          std::string fname = f.path().filename().string();
          bool is_input = fname.rfind("input_", 0) == 0;
          bool is_output = fname.rfind("output_", 0) == 0;
          if ((!is_input && !is_output) || f.path().extension() != ".pb") continue;
          size_t k = std::stoul(fname.substr(is_input ? 6 : 7));
          const auto& infos = is_input ? g.inputs : g.outputs;
          const TypeInfo* expected = k < infos.size() ? &infos[k].type : nullptr;
          INFO(f.path().string());
          auto v = onyx::read_value_file(f.path().string(), expected);
          ++files;
          if (!v.ok()) {
            CHECK_MESSAGE(v.status().code() == Code::kUnsupported, v.status().to_string());
            ++unsupported_files;
            continue;
          }
          if (expected == nullptr) continue;
          switch (expected->kind) {
            case TypeInfo::Kind::kTensor: {
              CHECK(v->kind == ValueKind::kTensor);
              if (expected->elem != DType::kUndefined) CHECK(v->tensor.dtype() == expected->elem);
              // Guessing without the declared type gives the same tensor.
              auto guess = onyx::read_value_file(f.path().string(), nullptr);
              REQUIRE(guess.ok());
              CHECK(guess->kind == ValueKind::kTensor);
              break;
            }
            case TypeInfo::Kind::kSequence: {
              ++sequences;
              CHECK(v->kind == ValueKind::kSequence);
              auto guess = onyx::read_value_file(f.path().string(), nullptr);
              REQUIRE(guess.ok());
              CHECK(guess->kind == ValueKind::kSequence);
              CHECK(guess->sequence.size() == v->sequence.size());
              break;
            }
            case TypeInfo::Kind::kOptional:
              ++optionals;
              CHECK(v->optional);
              break;
            default:
              break;
          }
        }
      }
    }
  }
  MESSAGE(models, " models (", unsupported_models, " unsupported), ", files, " data files (", unsupported_files,
          " unsupported), ", sequences, " sequence and ", optionals, " optional files");
  CHECK(models > 900);
  CHECK(sequences > 0);
  CHECK(optionals > 0);
  CHECK(unsupported_models < 40);
}

// =============================================================================================
// Mutated bytes: whatever the damage, a clean error or a model the writer can save again.

TEST_CASE("fuzz: mutated models, value files and npy files never crash") {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto rnd = [&state](uint64_t n) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<size_t>((state >> 33) % n);
  };
  auto mutate = [&](std::string b) {
    switch (rnd(3)) {
      case 0:  // flip a few bytes
        for (size_t k = 0, n = 1 + rnd(4); k < n && !b.empty(); ++k) b[rnd(b.size())] = static_cast<char>(rnd(256));
        break;
      case 1:  // truncate
        b.resize(rnd(b.size() + 1));
        break;
      default:  // duplicate a slice
        if (!b.empty()) {
          size_t at = rnd(b.size());
          size_t len = rnd(b.size() - at) + 1;
          b.insert(rnd(b.size()), b.substr(at, len));
        }
        break;
    }
    return b;
  };
  auto acceptable = [](Code c) {
    return c == Code::kInvalidModel || c == Code::kUnsupported || c == Code::kInvalidArgument ||
           c == Code::kResourceExhausted;
  };

  const std::string seeds[] = {serialize(base_model()), serialize(rich_model())};
  int loaded = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string b = mutate(seeds[iter % 2]);
    auto r = load_bytes(b);
    if (!r.ok()) {
      INFO(r.status().to_string());
      CHECK(acceptable(r.status().code()));
      continue;
    }
    ++loaded;
    auto saved = onyx::save_model_buffer(**r);
    REQUIRE_MESSAGE(saved.ok(), saved.status().to_string());
    auto again = load_bytes(*saved);
    REQUIRE_MESSAGE(again.ok(), again.status().to_string());
    if ((*r)->producer_name.empty()) {  // the writer names itself as the producer
      CHECK((*again)->producer_name == "onyx");
      (*again)->producer_name.clear();
      (*again)->producer_version = (*r)->producer_version;
    }
    CHECK(diff_model(**r, **again) == "");
  }
  MESSAGE(loaded, " of 3000 mutated models loaded");

  Value seq;
  seq.kind = ValueKind::kSequence;
  Result<Tensor> t = Tensor::make(DType::kInt32, {2, 2});
  REQUIRE(t.ok());
  seq.sequence = {*t, *t};
  auto vb = onyx::write_value_buffer(seq, "s");
  auto tb = onyx::write_tensor_buffer(*t, "t");
  auto nb = onyx::write_npy_buffer(*t);
  REQUIRE((vb.ok() && tb.ok() && nb.ok()));
  for (int iter = 0; iter < 3000; ++iter) {
    std::string v = mutate(iter % 2 ? *vb : *tb);
    auto r = onyx::read_value_buffer(v.data(), v.size(), nullptr);
    if (!r.ok()) CHECK(acceptable(r.status().code()));
    std::string n = mutate(*nb);
    auto x = onyx::read_npy_buffer(n.data(), n.size());
    if (!x.ok()) CHECK(acceptable(x.status().code()));
  }
}

// =============================================================================================
// .npy

TEST_CASE("npy: write and read back several dtypes") {
  TempDir dir;
  auto round_trip = [&](const Tensor& t) {
    auto bytes = onyx::write_npy_buffer(t);
    REQUIRE_MESSAGE(bytes.ok(), bytes.status().to_string());
    CHECK(bytes->size() % 64 == t.nbytes() % 64);  // data 64-byte aligned
    auto back = onyx::read_npy_buffer(bytes->data(), bytes->size());
    REQUIRE_MESSAGE(back.ok(), back.status().to_string());
    CHECK(diff_tensor(t, *back) == "");
    REQUIRE(onyx::write_npy_file(dir / "t.npy", t).ok());
    auto file = onyx::read_npy_file(dir / "t.npy");
    REQUIRE_MESSAGE(file.ok(), file.status().to_string());
    CHECK(diff_tensor(t, *file) == "");
  };
  for (DType dt : {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kInt8, DType::kUInt8, DType::kInt16,
                   DType::kUInt16, DType::kInt32, DType::kUInt32, DType::kInt64, DType::kUInt64, DType::kBool,
                   DType::kComplex64}) {
    for (const onyx::Dims& dims : {onyx::Dims{}, onyx::Dims{5}, onyx::Dims{2, 3, 4}, onyx::Dims{0, 3}}) {
      INFO(dtype_name(dt), " ", onyx::shape_str(dims));
      Result<Tensor> t = Tensor::make(dt, dims);
      REQUIRE(t.ok());
      auto* p = static_cast<unsigned char*>(t->data());
      for (size_t i = 0; i < t->nbytes(); ++i) p[i] = dt == DType::kBool ? static_cast<unsigned char>(i % 2) : static_cast<unsigned char>(i * 37 + 1);
      round_trip(*t);
    }
  }
  Result<Tensor> bf = Tensor::make(DType::kBFloat16, {2});
  REQUIRE(bf.ok());
  check_error(onyx::write_npy_buffer(*bf), Code::kUnsupported, "bfloat16");
}

TEST_CASE("npy: headers numpy writes, and malformed ones") {
  // What numpy.save writes for np.arange(3, dtype='<i4') (version 1.0, 128-byte preamble+header).
  auto npy = [](const std::string& dict, const std::string& data, int major = 1) {
    std::string header = dict;
    size_t pre = major == 1 ? 10 : 12;
    while ((pre + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out("\x93NUMPY", 6);
    out.push_back(static_cast<char>(major));
    out.push_back(0);
    out.push_back(static_cast<char>(header.size() & 0xff));
    out.push_back(static_cast<char>(header.size() >> 8));
    if (major != 1) out.append(2, '\0');
    return out + header + data;
  };
  std::string three_ints("\x00\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00", 12);
  auto r = [](const std::string& b) { return onyx::read_npy_buffer(b.data(), b.size(), "x.npy"); };

  auto t = r(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", three_ints));
  REQUIRE_MESSAGE(t.ok(), t.status().to_string());
  CHECK(t->dtype() == DType::kInt32);
  CHECK(t->shape() == onyx::Dims{3});
  CHECK(t->data_as<int32_t>()[2] == 2);
  // Key order, quotes, Python 2 longs, version 2 and 3 preambles.
  CHECK(r(npy("{\"shape\": (1L, 3L), \"fortran_order\": False, \"descr\": \"<i4\"}", three_ints)).ok());
  CHECK(r(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", three_ints, 2)).ok());
  CHECK(r(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", three_ints, 3)).ok());
  auto scalar = r(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", std::string(8, '\0')));
  REQUIRE(scalar.ok());
  CHECK(scalar->rank() == 0);

  check_error(r(npy("{'descr': '<i4', 'fortran_order': True, 'shape': (3,), }", three_ints)), Code::kUnsupported,
              "Fortran order");
  check_error(r(npy("{'descr': '>i4', 'fortran_order': False, 'shape': (3,), }", three_ints)), Code::kUnsupported,
              "big-endian");
  check_error(r(npy("{'descr': '<U4', 'fortran_order': False, 'shape': (3,), }", three_ints)), Code::kUnsupported,
              "'<U4' is not supported");
  check_error(r(npy("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (3,), }", three_ints)),
              Code::kUnsupported, "structured");
  check_error(r(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }", three_ints)), Code::kInvalidModel,
              "x.npy: .npy data has 12 bytes but shape [4] of int32 needs 16");
  check_error(r(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", three_ints)), Code::kInvalidModel,
              "needs 8");
  check_error(r(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (-3,), }", three_ints)), Code::kInvalidModel,
              "malformed 'shape'");
  check_error(r(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1099511627777,), }", "")),
              Code::kInvalidModel, "larger than 2^40");
  check_error(r(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), 'extra': 1}", three_ints)),
              Code::kInvalidModel, "unknown key");
  check_error(r(npy("{'descr': '<i4', 'shape': (3,), }", three_ints)), Code::kInvalidModel, "lacks");
  check_error(r(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), } junk", three_ints)),
              Code::kInvalidModel, "trailing bytes");
  check_error(r(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,, }", three_ints)), Code::kInvalidModel,
              "malformed");
  check_error(r(std::string("\x93NUMPY\x01\x00\xff\x7f{", 11)), Code::kInvalidModel, "truncated header");
  check_error(r("not an npy file at all"), Code::kInvalidModel, "magic");
  check_error(r(std::string("\x93NUMPY\x09\x00\x00\x00", 10)), Code::kUnsupported, "version 9.0");
  check_error(onyx::read_npy_file("/nonexistent/x.npy"), Code::kNotFound, "/nonexistent/x.npy");
}
