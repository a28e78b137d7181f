// Test helpers: build tensors from literals and run a single ONNX node through a real Session
// (registry lookup, prepare, memory plan, run), so kernel tests exercise the whole path.
#pragma once

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "onyx/session.h"

namespace onyx::test {

// |a - b| for a running worst difference, with NaN on either side infinitely far: a bare
// std::max(worst, NaN) keeps worst, so an output left NaN (never written) would pass.
template <class T>
T gap(T a, T b) {
  const T d = std::fabs(a - b);
  return std::isnan(d) ? std::numeric_limits<T>::infinity() : d;
}

template <class T>
Tensor tensor(Dims dims, std::vector<T> values) {
  Tensor t = Tensor::make(dtype_of<T>(), std::move(dims)).value();
  for (size_t i = 0; i < values.size() && i < static_cast<size_t>(t.numel()); ++i) {
    t.template data_as<T>()[i] = values[i];
  }
  return t;
}
inline Tensor ftensor(Dims dims, std::vector<float> values) { return tensor<float>(std::move(dims), std::move(values)); }

template <class T>
std::vector<T> values(const Tensor& t) {
  const T* p = t.data_as<T>();
  return std::vector<T>(p, p + t.numel());
}

inline Attribute attr_int(const std::string& name, int64_t v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kInt;
  a.i = v;
  return a;
}
inline Attribute attr_float(const std::string& name, float v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kFloat;
  a.f = v;
  return a;
}
inline Attribute attr_string(const std::string& name, std::string v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kString;
  a.s = std::move(v);
  return a;
}
inline Attribute attr_ints(const std::string& name, std::vector<int64_t> v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kInts;
  a.ints = std::move(v);
  return a;
}
inline Attribute attr_floats(const std::string& name, std::vector<float> v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kFloats;
  a.floats = std::move(v);
  return a;
}
inline Attribute attr_tensor(const std::string& name, Tensor v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::kTensor;
  a.t = std::move(v);
  return a;
}

// One node. Inputs with an undefined Tensor are passed as omitted optional inputs ("").
struct OpTest {
  std::string op_type;
  std::vector<Tensor> inputs;
  std::vector<Attribute> attrs;
  int num_outputs = 1;
  int64_t opset = 17;
  std::string domain;
  // When true the inputs become initializers, so the node is constant-folded at prepare.
  bool constant_inputs = false;

  Result<std::vector<Tensor>> run() const {
    auto model = std::make_shared<Model>();
    model->ir_version = 8;
    model->opsets.push_back({domain, opset});
    if (!domain.empty()) model->opsets.push_back({"", 17});
    model->source = "op_test";
    Node node;
    node.name = "n0";
    node.op_type = op_type;
    node.domain = domain;
    node.attrs = attrs;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].defined()) {
        node.inputs.push_back("");
        continue;
      }
      std::string name = "in" + std::to_string(i);
      node.inputs.push_back(name);
      if (constant_inputs) {
        model->graph.initializers.push_back({name, inputs[i], ""});
      } else {
        ValueInfo vi;
        vi.name = name;
        vi.type.kind = TypeInfo::Kind::kTensor;
        vi.type.elem = inputs[i].dtype();
        vi.type.has_shape = true;
        for (int64_t d : inputs[i].shape()) vi.type.shape.push_back(Dim{d, ""});
        model->graph.inputs.push_back(vi);
      }
    }
    for (int i = 0; i < num_outputs; ++i) {
      std::string name = "out" + std::to_string(i);
      node.outputs.push_back(name);
      ValueInfo vi;
      vi.name = name;
      model->graph.outputs.push_back(vi);
    }
    model->graph.nodes.push_back(node);
    auto session = Session::create(model);
    if (!session.ok()) return session.status();
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].defined() || constant_inputs) continue;
      ONYX_TRY((*session)->set_input("in" + std::to_string(i), inputs[i]));
    }
    ONYX_TRY((*session)->run());
    std::vector<Tensor> outs;
    for (int i = 0; i < num_outputs; ++i) {
      const Tensor* t = (*session)->output("out" + std::to_string(i));
      if (t == nullptr) return error(Code::kInternal, "missing output ", i);
      Result<Tensor> c = t->clone();
      if (!c.ok()) return c.status();
      outs.push_back(*c);
    }
    return outs;
  }
};

// Checks |a - b| <= atol + rtol*|b| for every element (NaN equals NaN). Returns "" when close,
// else a description of the first mismatch.
inline std::string compare(const Tensor& got, const Tensor& want, double rtol = 1e-5, double atol = 1e-6) {
  if (got.dtype() != want.dtype()) return str_cat("dtype ", dtype_name(got.dtype()), " != ", dtype_name(want.dtype()));
  if (got.shape() != want.shape()) return "shape " + shape_str(got.shape()) + " != " + shape_str(want.shape());
  for (int64_t i = 0; i < got.numel(); ++i) {
    double a = got.get_as_double(i), b = want.get_as_double(i);
    if (std::isnan(a) && std::isnan(b)) continue;
    if (a == b) continue;
    if (!(std::fabs(a - b) <= atol + rtol * std::fabs(b))) return str_cat("element ", i, ": ", a, " != ", b);
  }
  return "";
}

}  // namespace onyx::test
