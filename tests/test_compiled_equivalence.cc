// A compiled .onyx model gives outputs bit-identical to its .onnx: every model of
// ../shared/models and every node test of the ONNX conformance suite, compiled
// for the shapes of their test data, decoded in place and run against the source model.
#include <dirent.h>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "loader.h"
#include "onyx/compiled_model.h"
#include "onyx/session.h"
#include "tensor_file.h"

using namespace onyx;

namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool same_tensor(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  if (a.dtype() == DType::kString) {
    for (int64_t i = 0; i < a.numel(); ++i) {
      if (a.data_as<std::string>()[i] != b.data_as<std::string>()[i]) return false;
    }
    return true;
  }
  return a.nbytes() == 0 || std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

bool same_value(const Value& a, const Value& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == ValueKind::kTensor) return same_tensor(a.tensor, b.tensor);
  if (a.kind == ValueKind::kSequence) {
    if (a.sequence.size() != b.sequence.size()) return false;
    for (size_t i = 0; i < a.sequence.size(); ++i) {
      if (!same_tensor(a.sequence[i], b.sequence[i])) return false;
    }
  }
  return true;
}

struct Outputs {
  Status status;
  std::vector<Value> values;  // deep copies
};

Outputs run(std::shared_ptr<const Model> m, const std::vector<std::pair<std::string, Value>>& inputs) {
  Outputs o;
  SessionOptions so;
  so.check_input_shapes = false;  // some conformance models declare shapes their data lacks
  Result<std::unique_ptr<Session>> s = Session::create(m, so);
  if (!s.ok()) {
    o.status = s.status();
    return o;
  }
  for (const auto& [name, v] : inputs) {
    o.status = (*s)->set_input(name, v);
    if (!o.status.ok()) return o;
  }
  o.status = (*s)->run();
  if (!o.status.ok()) return o;
  for (const ValueInfo& vi : (*s)->outputs()) {
    const Value* v = (*s)->output_value(vi.name);
    Value c;
    if (v != nullptr) {
      c = *v;
      if (v->is_tensor() && v->tensor.defined()) c.tensor = v->tensor.clone().value();
      for (Tensor& t : c.sequence) t = t.clone().value();
    }
    o.values.push_back(std::move(c));
  }
  return o;
}

// Whether a graph draws random numbers without a seed: its outputs differ from run to run, so
// there is nothing to compare. (Running it twice is not proof: test_bernoulli_expanded's ten
// coin flips came out the same twice in about 1 run of 60, then differed from the compiled run.)
bool unseeded_random(const Graph& g) {
  for (const Node& n : g.nodes) {
    const bool random = n.domain.empty() && (n.op_type == "RandomUniform" || n.op_type == "RandomNormal" ||
                                             n.op_type == "RandomUniformLike" || n.op_type == "RandomNormalLike" ||
                                             n.op_type == "Bernoulli" || n.op_type == "Multinomial");
    if (random && n.attr("seed") == nullptr) return true;
  }
  return false;
}

struct Case {
  std::shared_ptr<Model> model;
  std::vector<std::pair<std::string, Value>> inputs;
};

Result<Case> load_case(const std::string& dir) {
  Case c;
  Result<std::shared_ptr<Model>> m = load_model_file(dir + "/model.onnx");
  if (!m.ok()) return m.status();
  c.model = *m;
  size_t k = 0;
  for (const ValueInfo& vi : c.model->graph.inputs) {
    if (c.model->graph.initializer(vi.name) != nullptr) continue;
    std::string f = dir + "/test_data_set_0/input_" + std::to_string(k++) + ".pb";
    if (!exists(f)) break;
    Result<Value> v = read_value_file(f, &vi.type);
    if (!v.ok()) return v.status();
    c.inputs.push_back({vi.name, *v});
  }
  return c;
}

// Compiles for the inputs' shapes, decodes the blob in place (64-byte aligned copy).
struct Compiled {
  Status status;
  std::shared_ptr<uint8_t> blob;
  std::shared_ptr<Model> model;
};

Compiled compile_for(const Case& c) {
  Compiled out;
  CompileOptions options;
  for (const auto& [name, v] : c.inputs) {
    if (v.is_tensor()) options.input_shapes.push_back({name, v.tensor.shape()});
  }
  Result<std::vector<uint8_t>> blob = compile_model(*c.model, options);
  if (!blob.ok()) {
    out.status = blob.status();
    return out;
  }
  out.blob = std::shared_ptr<uint8_t>(static_cast<uint8_t*>(::operator new(blob->size(), std::align_val_t{64})),
                                      [](uint8_t* p) { ::operator delete(p, std::align_val_t{64}); });
  std::memcpy(out.blob.get(), blob->data(), blob->size());
  Result<CompiledModel> cm = decode_compiled_model(out.blob.get(), blob->size());
  if (!cm.ok()) {
    out.status = cm.status();
    return out;
  }
  out.model = cm->model;
  return out;
}

}  // namespace

TEST_CASE("every reference model: the .onyx gives bit-identical outputs") {
  const std::string root = "../shared/models";
  if (!exists(root)) {
    MESSAGE("../shared/models not found: skipped");
    return;
  }
  int compared = 0;
  for (const std::string& name : entries(root)) {
    const std::string dir = root + "/" + name;
    if (!exists(dir + "/model.onnx")) continue;
    CAPTURE(name);
    Result<Case> c = load_case(dir);
    REQUIRE(c.ok());
    Outputs want = run(c->model, c->inputs);
    REQUIRE_MESSAGE(want.status.ok(), want.status.to_string());
    Compiled cm = compile_for(*c);
    REQUIRE_MESSAGE(cm.status.ok(), cm.status.to_string());
    Outputs got = run(cm.model, c->inputs);
    REQUIRE_MESSAGE(got.status.ok(), got.status.to_string());
    REQUIRE(got.values.size() == want.values.size());
    for (size_t i = 0; i < got.values.size(); ++i) CHECK(same_value(got.values[i], want.values[i]));
    ++compared;
  }
  MESSAGE(compared, " reference models compared");
  CHECK(compared >= 7);
}

TEST_CASE("the conformance node tests: compiled outputs are bit-identical") {
  const std::string root = "/usr/share/libonnx-testdata/data/node";
  if (!exists(root)) {
    MESSAGE(root, " not found: skipped");
    return;
  }
  int compared = 0, not_compilable = 0, not_runnable = 0, nondeterministic = 0;
  for (const std::string& name : entries(root)) {
    const std::string dir = root + "/" + name;
    CAPTURE(name);
    Result<Case> c = load_case(dir);
    if (!c.ok()) {
      ++not_runnable;
      continue;
    }
    if (unseeded_random(c->model->graph)) {
      ++nondeterministic;
      continue;
    }
    Outputs want = run(c->model, c->inputs);
    if (!want.status.ok()) {
      ++not_runnable;
      continue;
    }
    Outputs again = run(c->model, c->inputs);
    bool deterministic = again.status.ok() && again.values.size() == want.values.size();
    for (size_t i = 0; deterministic && i < want.values.size(); ++i) deterministic = same_value(again.values[i], want.values[i]);
    if (!deterministic) {
      ++nondeterministic;
      continue;
    }
    Compiled cm = compile_for(*c);
    if (!cm.status.ok()) {
      // Only inputs that are not static tensors (sequences, optionals) may refuse to compile.
      CHECK_MESSAGE(cm.status.code() == Code::kUnsupported, cm.status.to_string());
      ++not_compilable;
      continue;
    }
    Outputs got = run(cm.model, c->inputs);
    REQUIRE_MESSAGE(got.status.ok(), got.status.to_string());
    REQUIRE(got.values.size() == want.values.size());
    for (size_t i = 0; i < got.values.size(); ++i) CHECK(same_value(got.values[i], want.values[i]));
    ++compared;
  }
  MESSAGE(compared, " conformance tests compared bit-identical; ", not_compilable, " have non-tensor inputs; ",
          nondeterministic, " random; ", not_runnable, " do not run in Onyx");
  CHECK(compared >= 900);
}
