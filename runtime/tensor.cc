#include "onyx/tensor.h"

#include <cstring>
#include <new>

#include "aligned_memory.h"

namespace onyx {

Tensor Tensor::view(DType dtype, Dims dims, void* data) {
  Tensor t;
  t.dtype_ = dtype;
  t.numel_ = ::onyx::numel(dims);
  t.dims_ = std::move(dims);
  t.data_ = data;
  return t;
}

Result<Tensor> Tensor::make(DType dtype, Dims dims) { return allocate(dtype, std::move(dims), true); }
Result<Tensor> Tensor::make_unset(DType dtype, Dims dims) { return allocate(dtype, std::move(dims), false); }

Result<Tensor> Tensor::allocate(DType dtype, Dims dims, bool zero) {
  Result<int64_t> n = checked_numel(dims);
  if (!n.ok()) return n.status();
  Tensor t;
  t.dtype_ = dtype;
  t.numel_ = *n;
  t.dims_ = std::move(dims);
  size_t count = static_cast<size_t>(t.numel_);
  if (dtype == DType::kString) {
    auto* p = new (std::nothrow) std::string[count == 0 ? 1 : count];
    if (p == nullptr) return error(Code::kResourceExhausted, "out of memory for string tensor");
    t.owner_ = std::shared_ptr<void>(p, [](void* q) { delete[] static_cast<std::string*>(q); });
    t.data_ = p;
    return t;
  }
  size_t bytes = count * dtype_size(dtype);
  void* p = allocate_aligned(bytes);  // never null for zero bytes, so data() is never null
  if (p == nullptr) return error(Code::kResourceExhausted, "out of memory allocating ", bytes, " bytes");
  if (zero) std::memset(p, 0, bytes);
  t.owner_ = std::shared_ptr<void>(p, [bytes](void* q) { free_aligned(q, bytes); });
  t.data_ = p;
  return t;
}

Tensor Tensor::reshaped(Dims dims) const {
  Tensor t = *this;
  t.dims_ = std::move(dims);
  return t;
}

Result<Tensor> Tensor::clone() const {
  Result<Tensor> r = make_unset(dtype_, dims_);
  if (!r.ok()) return r;
  if (dtype_ == DType::kString) {
    const auto* src = data_as<std::string>();
    auto* dst = r->data_as<std::string>();
    for (int64_t i = 0; i < numel_; ++i) dst[i] = src[i];
  } else if (nbytes() != 0) {
    std::memcpy(r->data(), data_, nbytes());
  }
  return r;
}

double Tensor::get_as_double(int64_t i) const {
  switch (dtype_) {
    case DType::kFloat32: return data_as<float>()[i];
    case DType::kFloat64: return data_as<double>()[i];
    case DType::kFloat16: return static_cast<float>(data_as<Float16>()[i]);
    case DType::kBFloat16: return static_cast<float>(data_as<BFloat16>()[i]);
    case DType::kInt8: return data_as<int8_t>()[i];
    case DType::kInt16: return data_as<int16_t>()[i];
    case DType::kInt32: return data_as<int32_t>()[i];
    case DType::kInt64: return static_cast<double>(data_as<int64_t>()[i]);
    case DType::kUInt8: return data_as<uint8_t>()[i];
    case DType::kUInt16: return data_as<uint16_t>()[i];
    case DType::kUInt32: return data_as<uint32_t>()[i];
    case DType::kUInt64: return static_cast<double>(data_as<uint64_t>()[i]);
    case DType::kBool: return data_as<bool>()[i] ? 1.0 : 0.0;
    default: return 0.0;
  }
}

}  // namespace onyx
