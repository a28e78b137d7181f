#include "tensor/common.h"

#include <algorithm>

namespace onyx::tensor_ops {

void copy_elements(DType t, void* dst, const void* src, int64_t n) {
  if (n <= 0) return;
  if (t == DType::kString) {
    StringElem::copy_n(static_cast<char*>(dst), static_cast<const char*>(src), n);
    return;
  }
  std::memcpy(dst, src, static_cast<size_t>(n) * dtype_size(t));
}

Status read_ints(const Tensor& t, const char* what, std::vector<int64_t>* out) {
  out->clear();
  if (t.dtype() != DType::kInt64 && t.dtype() != DType::kInt32) {
    return error(Code::kInvalidModel, what, " must be int64 or int32, not ", dtype_name(t.dtype()));
  }
  out->reserve(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) out->push_back(int_at(t, i));
  return Status();
}

Status read_floats(const Tensor& t, const char* what, std::vector<double>* out) {
  out->clear();
  out->reserve(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (t.dtype()) {
      case DType::kFloat32: out->push_back(t.data_as<float>()[i]); break;
      case DType::kFloat64: out->push_back(t.data_as<double>()[i]); break;
      case DType::kFloat16: out->push_back(static_cast<float>(t.data_as<Float16>()[i])); break;
      case DType::kBFloat16: out->push_back(static_cast<float>(t.data_as<BFloat16>()[i])); break;
      default:
        return error(Code::kInvalidModel, what, " must be a float tensor, not ",
                     dtype_name(t.dtype()));
    }
  }
  return Status();
}

void StridedCopy::plan(DType dtype, const Dims& dims, const Dims& strides, int64_t offset) {
  dtype_ = dtype;
  offset_ = offset;
  numel_ = ::onyx::numel(dims);
  dims_.clear();
  strides_.clear();
  // Drop unit dims, then merge neighbours that are contiguous with each other.
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 1) continue;
    if (!dims_.empty() && strides_.back() == strides[d] * dims[d]) {
      dims_.back() *= dims[d];
      strides_.back() = strides[d];
      continue;
    }
    dims_.push_back(dims[d]);
    strides_.push_back(strides[d]);
  }
  counter_.assign(dims_.size(), 0);
}

namespace {

// Steps the odometer over axes [0, axes) (the last fastest), moving the source offset with it;
// false once it has wrapped around (every position visited).
bool next_outer(size_t axes, const Dims& dims, const Dims& strides, int64_t* counter, int64_t* src) {
  for (size_t d = axes; d-- > 0;) {
    *src += strides[d];
    if (++counter[d] < dims[d]) return true;
    *src -= strides[d] * dims[d];
    counter[d] = 0;
  }
  return false;
}

template <class E>
void strided_run(char* out, const char* in, const Dims& dims, const Dims& strides, int64_t offset,
                 int64_t* counter) {
  constexpr auto kSize = static_cast<int64_t>(E::kSize);
  const size_t rank = dims.size();
  if (rank == 0) {
    E::copy(out, in + offset * kSize);
    return;
  }
  const int64_t inner = dims[rank - 1];
  const int64_t istride = strides[rank - 1];
  for (size_t d = 0; d < rank; ++d) counter[d] = 0;
  int64_t src = offset;
  if (rank >= 2 && istride != 1 && strides[rank - 2] == 1) {
    // The last two axes are a 2-D transpose (NHWC <-> NCHW): copied in column blocks, so each
    // input line is read once while it is in cache instead of once per output row.
    constexpr int64_t kBlock = 256;
    const int64_t rows = dims[rank - 2];
    for (;;) {
      for (int64_t j0 = 0; j0 < inner; j0 += kBlock) {
        const int64_t j1 = std::min(inner, j0 + kBlock);
        for (int64_t i = 0; i < rows; ++i) {
          char* o = out + (i * inner + j0) * kSize;
          const char* p = in + (src + i + j0 * istride) * kSize;
          for (int64_t j = j0; j < j1; ++j, o += kSize, p += istride * kSize) E::copy(o, p);
        }
      }
      out += rows * inner * kSize;
      if (!next_outer(rank - 2, dims, strides, counter, &src)) return;
    }
  }
  for (;;) {
    if (istride == 1) {
      E::copy_n(out, in + src * kSize, inner);
    } else {
      for (int64_t j = 0; j < inner; ++j) E::copy(out + j * kSize, in + (src + j * istride) * kSize);
    }
    out += inner * kSize;
    if (!next_outer(rank - 1, dims, strides, counter, &src)) return;
  }
}

}  // namespace

void StridedCopy::run(void* out, const void* in) {
  if (numel_ == 0) return;
  Status s = dispatch_elem(dtype_, [&](auto e) {
    strided_run<decltype(e)>(static_cast<char*>(out), static_cast<const char*>(in), dims_,
                             strides_, offset_, counter_.data());
    return Status();
  });
  (void)s;  // the dtype was validated when planning
}

}  // namespace onyx::tensor_ops
