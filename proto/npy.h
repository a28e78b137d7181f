// NumPy .npy files (format versions 1.0, 2.0 and 3.0) <-> Tensor.
//
// Reads C-order arrays of dtype <f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1 <c8 <c16 (the
// '=' byte-order mark is read as little-endian, '|' or '<' accepted for one-byte types). The
// header is parsed defensively (bounded length, strict dict syntax). Codes: malformed file ->
// kInvalidModel; valid .npy Onyx does not read (fortran_order True, big-endian, object, string
// or structured dtypes) -> kUnsupported; missing file -> kNotFound.
//
// Writes version 1.0 (2.0 when the header needs it) with the data 64-byte aligned, as numpy
// does. bfloat16 and string tensors have no .npy dtype: kUnsupported.
#pragma once

#include <cstddef>
#include <string>

#include "onyx/status.h"
#include "onyx/tensor.h"

namespace onyx {

Result<Tensor> read_npy_file(const std::string& path);
// `source` names the buffer in error messages.
Result<Tensor> read_npy_buffer(const void* data, size_t size, const std::string& source = "<buffer>");

Status write_npy_file(const std::string& path, const Tensor& tensor);
Result<std::string> write_npy_buffer(const Tensor& tensor);

}  // namespace onyx
