// Helpers shared by the control-flow (If, Loop, Scan) and sequence/optional kernels: element
// copies that also handle strings, owned copies of values that must outlive a subgraph run, and
// reading small integer tensors (positions, trip counts, split sizes).
//
// Ownership rule of these families: a tensor placed in a sequence is always a fresh heap tensor
// that nobody writes again, so sequences may share their element tensors; a tensor read from a
// subgraph output is a view valid only until the next run of that subgraph and is copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "kernel.h"

namespace onyx::flow {

// Copies n elements of dtype t from src to dst (std::string elements are assigned).
inline void copy_elems(DType t, void* dst, const void* src, int64_t n) {
  if (n <= 0) return;
  if (t == DType::kString) {
    auto* d = static_cast<std::string*>(dst);
    const auto* s = static_cast<const std::string*>(src);
    for (int64_t i = 0; i < n; ++i) d[i] = s[i];
    return;
  }
  std::memcpy(dst, src, static_cast<size_t>(n) * dtype_size(t));
}

// Byte pointer to element `index` of a buffer of dtype t.
inline char* elem_ptr(DType t, void* base, int64_t index) {
  return static_cast<char*>(base) + static_cast<size_t>(index) * dtype_size(t);
}
inline const char* elem_ptr(DType t, const void* base, int64_t index) {
  return static_cast<const char*>(base) + static_cast<size_t>(index) * dtype_size(t);
}

// A tensor element suitable for storing in a sequence: an owned deep copy.
inline Result<Tensor> seq_elem(const Tensor& t) { return t.clone(); }

// A copy of `v` that stays valid after the producer runs again. Tensors are deep-copied;
// sequence elements are shared when they own their memory (they are never written again),
// cloned otherwise.
inline Status detach(const Value& v, Value* out) {
  Value r;
  r.kind = v.kind;
  r.optional = v.optional;
  r.elem_type = v.elem_type;
  if (v.kind == ValueKind::kTensor) {
    Result<Tensor> c = v.tensor.clone();
    if (!c.ok()) return c.status();
    r.tensor = *c;
  } else if (v.kind == ValueKind::kSequence) {
    r.sequence.reserve(v.sequence.size());
    for (const Tensor& t : v.sequence) {
      if (t.owns_data()) {
        r.sequence.push_back(t);
      } else {
        Result<Tensor> c = t.clone();
        if (!c.ok()) return c.status();
        r.sequence.push_back(*c);
      }
    }
  }
  *out = std::move(r);
  return Status();
}

// Like detach, but reuses the tensor buffer already in *dst when dtype and shape match (the
// state buffers of Loop and Scan). *dst must not be shared with a value still being read.
inline Status store(const Value& v, Value* dst) {
  if (v.kind == ValueKind::kTensor && dst->kind == ValueKind::kTensor && dst->tensor.owns_data() &&
      dst->tensor.dtype() == v.tensor.dtype() && dst->tensor.shape() == v.tensor.shape() &&
      dst->tensor.data() != v.tensor.data()) {
    copy_elems(v.tensor.dtype(), dst->tensor.data(), v.tensor.data(), v.tensor.numel());
    dst->optional = v.optional;
    return Status();
  }
  return detach(v, dst);
}

// Writes value `v` to output i of a dynamic node: tensors are copied into a newly sized output,
// sequences and empty optionals are assigned.
inline Status emit(RunContext& ctx, int i, const Value& v) {
  if (!ctx.has_output(i)) return Status();
  if (v.kind == ValueKind::kTensor) {
    Tensor* o = ctx.output(i, v.tensor.dtype(), v.tensor.shape());
    if (o == nullptr) {
      return ctx.fail(Code::kResourceExhausted, "cannot allocate output ", i, " of shape ",
                      shape_str(v.tensor.shape()));
    }
    copy_elems(v.tensor.dtype(), o->data(), v.tensor.data(), v.tensor.numel());
    ctx.output_value(i).optional = v.optional;
    return Status();
  }
  return detach(v, &ctx.output_value(i));
}

// Reads a one-element int32/int64 tensor (a scalar or shape [1]). False when it is not one.
inline bool read_index(const Tensor& t, int64_t* out) {
  if (t.numel() != 1) return false;
  if (t.dtype() == DType::kInt64) {
    *out = t.data_as<int64_t>()[0];
    return true;
  }
  if (t.dtype() == DType::kInt32) {
    *out = t.data_as<int32_t>()[0];
    return true;
  }
  return false;
}

// Element i of an int32/int64 tensor as int64.
inline int64_t int_at(const Tensor& t, int64_t i) {
  return t.dtype() == DType::kInt32 ? t.data_as<int32_t>()[i] : t.data_as<int64_t>()[i];
}

// Product of dims[begin, end).
inline int64_t span(const Dims& dims, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i) n *= dims[i];
  return n;
}

// Copies the sub-tensor at `index` along `axis` of src (shape dims) to dst (shape dims without
// that axis).
inline void take_slice(DType t, const void* src, const Dims& dims, size_t axis, int64_t index,
                       void* dst) {
  const int64_t outer = span(dims, 0, axis), len = dims[axis], inner = span(dims, axis + 1, dims.size());
  for (int64_t o = 0; o < outer; ++o) {
    copy_elems(t, elem_ptr(t, dst, o * inner), elem_ptr(t, src, (o * len + index) * inner), inner);
  }
}

// The inverse: writes src (shape dims without `axis`) at `index` along `axis` of dst (shape dims).
inline void put_slice(DType t, void* dst, const Dims& dims, size_t axis, int64_t index, const void* src) {
  const int64_t outer = span(dims, 0, axis), len = dims[axis], inner = span(dims, axis + 1, dims.size());
  for (int64_t o = 0; o < outer; ++o) {
    copy_elems(t, elem_ptr(t, dst, (o * len + index) * inner), elem_ptr(t, src, o * inner), inner);
  }
}

// Element type of a declared type: the tensor's, or the tensor inside a sequence/optional.
inline DType declared_elem(const TypeInfo& t) {
  if (t.kind == TypeInfo::Kind::kTensor) return t.elem;
  if ((t.kind == TypeInfo::Kind::kSequence || t.kind == TypeInfo::Kind::kOptional) && t.inner) {
    return declared_elem(*t.inner);
  }
  return DType::kUndefined;
}

}  // namespace onyx::flow
