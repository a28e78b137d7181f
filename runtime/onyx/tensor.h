// Tensor: dtype + shape + a pointer to row-major element data. A Tensor is either a view of
// memory someone else owns (the session arena, the caller's buffer) or shares ownership of a
// heap buffer (initializers, folded constants). Copying a Tensor never copies elements.
// String tensors hold std::string elements and always own them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "onyx/dtype.h"
#include "onyx/shape.h"

namespace onyx {

class Tensor {
 public:
  Tensor() = default;

  // A view over `data` (not owned; must outlive every use). `data` may be null when numel is 0.
  static Tensor view(DType dtype, Dims dims, void* data);
  // A new zero-filled (empty-string for kString) tensor that owns its memory. The dims must
  // have been validated (see checked_numel); allocation failure returns an error.
  static Result<Tensor> make(DType dtype, Dims dims);
  // As make, but the bytes of a non-string tensor are left unset, for a caller that writes every
  // one of them (a copy, a file read, packed weights): large models skip a pass over their
  // weights at load.
  static Result<Tensor> make_unset(DType dtype, Dims dims);
  // A rank-0 tensor holding one value.
  template <class T>
  static Tensor scalar(T v) {
    Result<Tensor> r = make(dtype_of<T>(), {});
    *static_cast<T*>(r.value().data()) = v;
    return r.value();
  }

  bool defined() const { return dtype_ != DType::kUndefined; }
  DType dtype() const { return dtype_; }
  const Dims& shape() const { return dims_; }
  int64_t dim(size_t i) const { return dims_[i]; }
  size_t rank() const { return dims_.size(); }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }
  bool owns_data() const { return owner_ != nullptr; }

  void* data() { return data_; }
  const void* data() const { return data_; }
  template <class T>
  T* data_as() {
    return static_cast<T*>(data_);
  }
  template <class T>
  const T* data_as() const {
    return static_cast<const T*>(data_);
  }

  // Same elements, other dims (numel must match). Shares the data.
  Tensor reshaped(Dims dims) const;
  // A deep copy that owns its memory.
  Result<Tensor> clone() const;
  // Re-points this tensor at other memory keeping dtype/dims (used by the executor to bind).
  void rebind(void* data) { data_ = data; }

  // Element i as double (for printing and comparisons in tools; not for kernels).
  double get_as_double(int64_t i) const;

 private:
  static Result<Tensor> allocate(DType dtype, Dims dims, bool zero);

  DType dtype_ = DType::kUndefined;
  Dims dims_;
  int64_t numel_ = 0;
  void* data_ = nullptr;
  std::shared_ptr<void> owner_;
};

}  // namespace onyx
