// Shared pieces of the libFuzzer targets (and of the hostile-corpus runner): the limits the
// fuzzers run under, and random inputs for a session. The fuzzers' limits are lower than the
// defaults so that one input cannot take the fuzzer's memory or minutes of compute; what they
// bound is what the defaults bound, only smaller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include <random>
#include <string>

#include "loader.h"
#include "onyx/session.h"

namespace onyx::fuzz {

inline Limits fuzz_limits() {
  Limits l;
  l.max_model_bytes = uint64_t{8} << 20;
  l.max_total_bytes = uint64_t{256} << 20;
  l.max_tensor_elements = int64_t{1} << 20;
  l.max_nodes = 4096;
  l.max_graph_depth = 8;
  l.max_loop_iterations = 4096;
  l.max_fold_bytes = uint64_t{1} << 20;
  return l;
}

inline Result<std::shared_ptr<Model>> load(const uint8_t* data, size_t size) {
  LoadOptions o;  // no base_dir: a buffer has no filesystem access
  o.limits = fuzz_limits();
  return load_model_buffer(data, size, o);
}

inline Result<std::unique_ptr<Session>> create(const std::shared_ptr<Model>& model) {
  SessionOptions o;
  o.limits = fuzz_limits();
  return Session::create(model, o);
}

// A random tensor for a graph input of declared type `t` (symbolic dims 1): floats in
// [-4, 4), integers in [-8, 8) (unsigned: [0, 16)), for the fuzzers and the hostile corpus.
// Fails for anything but a tensor of known element type, or more than 2^16 elements (the
// limits, not the inputs, are what is under test).
inline Result<Tensor> random_tensor(const TypeInfo& t, unsigned seed) {
  if (t.kind != TypeInfo::Kind::kTensor || t.elem == DType::kUndefined) {
    return error(Code::kUnsupported, "only tensors of a known element type are generated");
  }
  Dims dims;
  for (const Dim& d : t.shape) dims.push_back(d.fixed() ? d.value : 1);
  Result<int64_t> n = checked_numel(dims);
  if (!n.ok() || *n > (int64_t{1} << 16)) {
    return error(Code::kUnsupported, "inputs of more than 2^16 elements are not generated");
  }
  Result<Tensor> r = Tensor::make(t.elem, dims);
  if (!r.ok()) return r;
  std::mt19937 rng(seed);
  Tensor& x = *r;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int k = static_cast<int>(rng() % 16) - 8;
    const float f = static_cast<float>(rng() % 4096) / 512.0f - 4.0f;
    switch (x.dtype()) {
      case DType::kFloat32: x.data_as<float>()[i] = f; break;
      case DType::kFloat64: x.data_as<double>()[i] = f; break;
      case DType::kFloat16: x.data_as<Float16>()[i] = Float16(f); break;
      case DType::kBFloat16: x.data_as<BFloat16>()[i] = BFloat16(f); break;
      case DType::kComplex64: x.data_as<float>()[2 * i] = f; break;
      case DType::kComplex128: x.data_as<double>()[2 * i] = f; break;
      case DType::kBool: x.data_as<bool>()[i] = k < 0; break;
      case DType::kInt8: x.data_as<int8_t>()[i] = static_cast<int8_t>(k); break;
      case DType::kInt16: x.data_as<int16_t>()[i] = static_cast<int16_t>(k); break;
      case DType::kInt32: x.data_as<int32_t>()[i] = k; break;
      case DType::kInt64: x.data_as<int64_t>()[i] = k; break;
      case DType::kUInt8: x.data_as<uint8_t>()[i] = static_cast<uint8_t>(k + 8); break;
      case DType::kUInt16: x.data_as<uint16_t>()[i] = static_cast<uint16_t>(k + 8); break;
      case DType::kUInt32: x.data_as<uint32_t>()[i] = static_cast<uint32_t>(k + 8); break;
      case DType::kUInt64: x.data_as<uint64_t>()[i] = static_cast<uint64_t>(k + 8); break;
      case DType::kString: x.data_as<std::string>()[i] = std::string(static_cast<size_t>(k + 8), 'a'); break;
      case DType::kUndefined: break;
    }
  }
  return r;
}

// Binds every input of the session to a random tensor (see random_tensor). Returns the first
// error: an input that cannot be generated or that the session refuses.
inline Status bind_random_inputs(Session& s, unsigned seed) {
  for (const ValueInfo& vi : s.inputs()) {
    Result<Tensor> t = random_tensor(vi.type, seed++);
    if (!t.ok()) return t.status().with_context("input '" + vi.name + "'");
    ONYX_TRY(s.set_input(vi.name, *t));
  }
  return Status();
}

}  // namespace onyx::fuzz
