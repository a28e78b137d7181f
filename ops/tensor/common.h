// Shared helpers of the tensor (data-movement) family: element copies by size, reading integer
// tensors, and a planned strided copy that serves Transpose, Slice, Expand, Tile and the
// depth/space rearrangements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "dispatch.h"
#include "kernel.h"

namespace onyx::tensor_ops {

constexpr DTypeMask kMaskComplex = mask_of(DType::kComplex64, DType::kComplex128);
// Every element type: data-movement ops copy elements without looking at them.
constexpr DTypeMask kMaskData = kMaskAll | kMaskComplex;

// Element copy policies: trivially copyable elements of N bytes, or std::string.
template <size_t N>
struct PodElem {
  static constexpr size_t kSize = N;
  static void copy(char* dst, const char* src) { std::memcpy(dst, src, N); }
  static void copy_n(char* dst, const char* src, int64_t n) {
    if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * N);
  }
};

struct StringElem {
  static constexpr size_t kSize = sizeof(std::string);
  static void copy(char* dst, const char* src) {
    *reinterpret_cast<std::string*>(dst) = *reinterpret_cast<const std::string*>(src);
  }
  static void copy_n(char* dst, const char* src, int64_t n) {
    auto* d = reinterpret_cast<std::string*>(dst);
    const auto* s = reinterpret_cast<const std::string*>(src);
    for (int64_t i = 0; i < n; ++i) d[i] = s[i];
  }
};

// Calls f(PodElem<N>{}) for the element size of `t`, or f(StringElem{}) for strings.
template <class F>
Status dispatch_elem(DType t, F&& f) {
  if (t == DType::kString) return f(StringElem{});
  switch (dtype_size(t)) {
    case 1: return f(PodElem<1>{});
    case 2: return f(PodElem<2>{});
    case 4: return f(PodElem<4>{});
    case 8: return f(PodElem<8>{});
    case 16: return f(PodElem<16>{});
    default: break;
  }
  return error(Code::kUnsupported, "dtype ", dtype_name(t), " is not supported here");
}

inline char* bytes_of(Tensor& t) { return static_cast<char*>(t.data()); }
inline const char* bytes_of(const Tensor& t) { return static_cast<const char*>(t.data()); }

// Copies n contiguous elements of dtype t (memcpy, or string assignment).
void copy_elements(DType t, void* dst, const void* src, int64_t n);

// Reads an int32 or int64 tensor into `out` (prepare-time only: allocates). `what` names the
// input or attribute for the error message.
Status read_ints(const Tensor& t, const char* what, std::vector<int64_t>* out);
// Reads a float16/float32/float64 tensor as doubles.
Status read_floats(const Tensor& t, const char* what, std::vector<double>* out);

// Reads integer element i of an int32/int64 tensor (run-time; no checks).
inline int64_t int_at(const Tensor& t, int64_t i) {
  return t.dtype() == DType::kInt32 ? static_cast<int64_t>(t.data_as<int32_t>()[i])
                                    : t.data_as<int64_t>()[i];
}

// A planned strided gather: out (contiguous, `dims` row-major)[k] = in[offset + sum_d idx_d *
// strides_d]. Strides are in elements and may be zero (broadcast) or negative (reversed).
// plan() allocates (prepare-time); run() does not.
class StridedCopy {
 public:
  void plan(DType dtype, const Dims& dims, const Dims& strides, int64_t offset);
  void run(void* out, const void* in);
  int64_t numel() const { return numel_; }

 private:
  DType dtype_ = DType::kUndefined;
  Dims dims_;
  Dims strides_;
  int64_t offset_ = 0;
  int64_t numel_ = 0;
  std::vector<int64_t> counter_;
};

// Product of dims[begin, end).
inline int64_t dims_product(const Dims& dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < dims.size(); ++i) p *= dims[i];
  return p;
}

}  // namespace onyx::tensor_ops
