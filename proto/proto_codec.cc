#include "proto_codec.h"

#include <bit>
#include <climits>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>

#include "file_io.h"

namespace onyx::proto {

namespace pb = onyx::pb;

namespace {

constexpr int kMaxTypeDepth = 32;

// Copies `count` units of `unit` bytes between little-endian storage and host order.
void copy_le(void* dst, const void* src, size_t count, size_t unit) {
  if constexpr (std::endian::native == std::endian::little) {
    if (count * unit != 0) std::memcpy(dst, src, count * unit);
  } else {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    for (size_t i = 0; i < count; ++i) {
      for (size_t b = 0; b < unit; ++b) d[i * unit + b] = s[i * unit + unit - 1 - b];
    }
  }
}

// Byte-order unit of a dtype: complex numbers are pairs of floats/doubles.
size_t swap_unit(DType t) {
  if (t == DType::kComplex64) return 4;
  if (t == DType::kComplex128) return 8;
  return dtype_size(t);
}

// bool elements must hold 0 or 1 (anything else is undefined behaviour in C++).
void normalize_bools(Tensor* t) {
  auto* p = static_cast<unsigned char*>(t->data());
  for (int64_t i = 0; i < t->numel(); ++i) p[i] = p[i] != 0 ? 1 : 0;
}

const char* proto_only_dtype_name(int64_t v) {
  switch (v) {
    case 17: return "FLOAT8E4M3FN";
    case 18: return "FLOAT8E4M3FNUZ";
    case 19: return "FLOAT8E5M2";
    case 20: return "FLOAT8E5M2FNUZ";
    case 21: return "UINT4";
    case 22: return "INT4";
    case 23: return "FLOAT4E2M1";
    case 24: return "FLOAT8E8M0";
    case 25: return "UINT2";
    case 26: return "INT2";
    default: return nullptr;
  }
}

Status count_error(const char* field, size_t have, int64_t need_values, DType dt, const Dims& dims) {
  return error(Code::kInvalidModel, field, " has ", static_cast<uint64_t>(have), " values but shape ",
               shape_str(dims), " of ", dtype_name(dt), " needs ", need_values);
}

// Copies a repeated numeric field into the tensor's elements, converting each value with
// `conv`, which returns false for a value out of the element type's range.
template <class Field, class Elem, class Conv>
Status fill_from_field(const Field& field, const char* field_name, int64_t need, DType dt,
                       const Dims& dims, Elem* dst, Conv conv) {
  if (static_cast<uint64_t>(field.size()) != static_cast<uint64_t>(need)) {
    return count_error(field_name, static_cast<size_t>(field.size()), need, dt, dims);
  }
  for (int64_t i = 0; i < need; ++i) {
    auto v = field.Get(static_cast<int>(i));
    if (!conv(v, &dst[i])) {
      return error(Code::kInvalidModel, field_name, "[", i, "] = ", v, " is out of range for ",
                   dtype_name(dt));
    }
  }
  return ok_status();
}

template <class T>
auto int_range(int64_t lo, int64_t hi) {
  return [lo, hi](int64_t v, T* out) {
    if (v < lo || v > hi) return false;
    *out = static_cast<T>(v);
    return true;
  };
}

// 16-bit float bit patterns stored in int32_data: 0..65535 (or sign-extended negatives).
auto bits16() {
  return [](int64_t v, uint16_t* out) {
    if (v < -32768 || v > 65535) return false;
    *out = static_cast<uint16_t>(static_cast<uint32_t>(v) & 0xffffu);
    return true;
  };
}

template <class T>
auto same() {
  return [](T v, T* out) {
    *out = v;
    return true;
  };
}

Status decode_typed(pb::TensorProto& tp, DType dt, int64_t n, const Dims& dims, Tensor* t) {
  switch (dt) {
    case DType::kFloat32:
      return fill_from_field(tp.float_data(), "float_data", n, dt, dims, t->data_as<float>(), same<float>());
    case DType::kComplex64: {
      int64_t n2 = 2 * n;
      if (static_cast<uint64_t>(tp.float_data_size()) != static_cast<uint64_t>(n2)) {
        return count_error("float_data", static_cast<size_t>(tp.float_data_size()), n2, dt, dims);
      }
      if (n2 != 0) std::memcpy(t->data(), tp.float_data().data(), static_cast<size_t>(n2) * sizeof(float));
      return ok_status();
    }
    case DType::kFloat64:
      return fill_from_field(tp.double_data(), "double_data", n, dt, dims, t->data_as<double>(),
                             same<double>());
    case DType::kComplex128: {
      int64_t n2 = 2 * n;
      if (static_cast<uint64_t>(tp.double_data_size()) != static_cast<uint64_t>(n2)) {
        return count_error("double_data", static_cast<size_t>(tp.double_data_size()), n2, dt, dims);
      }
      if (n2 != 0) std::memcpy(t->data(), tp.double_data().data(), static_cast<size_t>(n2) * sizeof(double));
      return ok_status();
    }
    case DType::kInt64:
      return fill_from_field(tp.int64_data(), "int64_data", n, dt, dims, t->data_as<int64_t>(),
                             same<int64_t>());
    case DType::kUInt64:
      return fill_from_field(tp.uint64_data(), "uint64_data", n, dt, dims, t->data_as<uint64_t>(),
                             same<uint64_t>());
    case DType::kUInt32:
      return fill_from_field(tp.uint64_data(), "uint64_data", n, dt, dims, t->data_as<uint32_t>(),
                             [](uint64_t v, uint32_t* out) {
                               if (v > 0xffffffffu) return false;
                               *out = static_cast<uint32_t>(v);
                               return true;
                             });
    case DType::kInt32:
      return fill_from_field(tp.int32_data(), "int32_data", n, dt, dims, t->data_as<int32_t>(),
                             same<int32_t>());
    case DType::kInt16:
      return fill_from_field(tp.int32_data(), "int32_data", n, dt, dims, t->data_as<int16_t>(),
                             int_range<int16_t>(INT16_MIN, INT16_MAX));
    case DType::kInt8:
      return fill_from_field(tp.int32_data(), "int32_data", n, dt, dims, t->data_as<int8_t>(),
                             int_range<int8_t>(INT8_MIN, INT8_MAX));
    case DType::kUInt16:
      return fill_from_field(tp.int32_data(), "int32_data", n, dt, dims, t->data_as<uint16_t>(),
                             int_range<uint16_t>(0, UINT16_MAX));
    case DType::kUInt8:
      return fill_from_field(tp.int32_data(), "int32_data", n, dt, dims, t->data_as<uint8_t>(),
                             int_range<uint8_t>(0, UINT8_MAX));
    case DType::kBool:
      return fill_from_field(tp.int32_data(), "int32_data", n, dt, dims, t->data_as<bool>(),
                             [](int32_t v, bool* out) {
                               *out = v != 0;
                               return true;
                             });
    case DType::kFloat16:
    case DType::kBFloat16:
      return fill_from_field(tp.int32_data(), "int32_data", n, dt, dims, t->data_as<uint16_t>(), bits16());
    case DType::kString: {
      if (static_cast<uint64_t>(tp.string_data_size()) != static_cast<uint64_t>(n)) {
        return count_error("string_data", static_cast<size_t>(tp.string_data_size()), n, dt, dims);
      }
      auto* dst = t->data_as<std::string>();
      for (int64_t i = 0; i < n; ++i) dst[i].swap(*tp.mutable_string_data(static_cast<int>(i)));
      return ok_status();
    }
    case DType::kUndefined:
      break;
  }
  return error(Code::kInternal, "decode_typed: unhandled dtype ", dtype_name(dt));
}

// Parses a non-negative decimal integer (external_data offset/length).
bool parse_decimal(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

Status decode_external(pb::TensorProto& tp, ExternalData* ext, DType dt, const Dims& dims,
                       uint64_t need, Tensor* out) {
  if (dt == DType::kString) {
    return error(Code::kInvalidModel, "string tensors cannot be stored as external data");
  }
  const std::string* location = nullptr;
  const std::string* offset_s = nullptr;
  const std::string* length_s = nullptr;
  for (const pb::StringStringEntryProto& e : tp.external_data()) {
    const std::string** slot = nullptr;
    if (e.key() == "location") slot = &location;
    if (e.key() == "offset") slot = &offset_s;
    if (e.key() == "length") slot = &length_s;
    if (slot == nullptr) continue;  // "checksum" and unknown keys carry nothing we need
    if (*slot != nullptr) return error(Code::kInvalidModel, "external_data key '", e.key(), "' appears twice");
    *slot = &e.value();
  }
  if (location == nullptr) return error(Code::kInvalidModel, "external_data has no 'location'");
  uint64_t offset = 0;
  if (offset_s != nullptr && !parse_decimal(*offset_s, &offset)) {
    return error(Code::kInvalidModel, "external_data offset '", *offset_s, "' is not a non-negative integer");
  }
  if (length_s != nullptr) {
    uint64_t length = 0;
    if (!parse_decimal(*length_s, &length)) {
      return error(Code::kInvalidModel, "external_data length '", *length_s,
                   "' is not a non-negative integer");
    }
    if (length != need) {
      return error(Code::kInvalidModel, "external_data length ", length, " but shape ", shape_str(dims),
                   " of ", dtype_name(dt), " needs ", need, " bytes");
    }
  }
  if (ext == nullptr || ext->base_dir.empty()) {
    return error(Code::kInvalidArgument, "tensor data is stored in external file '", *location,
                 "', but the model was loaded from a buffer without LoadOptions.base_dir");
  }
  FileHandle file;
  ONYX_TRY(FileHandle::open_external(ext->base_dir, *location, &file));
  if (offset > file.size() || need > file.size() - offset) {
    return error(Code::kInvalidModel, "external data range [", offset, ", ", offset + need, ") of '",
                 *location, "' is past the end of the file (", file.size(), " bytes)");
  }
  if (need > ext->budget) {
    return error(Code::kResourceExhausted, "external data of ", need, " bytes exceeds the ", ext->budget,
                 " bytes left of the tensor-bytes limit (Limits::max_total_bytes)");
  }
  ext->budget -= need;
  Result<Tensor> t = Tensor::make_unset(dt, dims);  // every byte is read from the file
  if (!t.ok()) return t.status();
  if (need != 0) {
    if constexpr (std::endian::native == std::endian::little) {
      ONYX_TRY(file.read_at(offset, t->data(), static_cast<size_t>(need), *location));
    } else {
      std::string tmp(static_cast<size_t>(need), '\0');
      ONYX_TRY(file.read_at(offset, tmp.data(), tmp.size(), *location));
      size_t unit = swap_unit(dt);
      copy_le(t->data(), tmp.data(), tmp.size() / unit, unit);
    }
  }
  if (dt == DType::kBool) normalize_bools(&t.value());
  *out = std::move(t.value());
  return ok_status();
}

}  // namespace

std::string quoted_name(const std::string& name, size_t index) {
  if (name.empty()) return str_cat("#", index);
  return str_cat("'", name, "'");
}

Result<int64_t> checked_file_dims(const Dims& dims) {
  for (int64_t d : dims) {
    if (d < 0) return error(Code::kInvalidModel, "negative dimension ", d, " in shape ", shape_str(dims));
    if (d > kMaxElements) {
      return error(Code::kInvalidModel, "dimension ", d, " in shape ", shape_str(dims),
                   " is larger than 2^40");
    }
  }
  Result<int64_t> n = checked_numel(dims);
  if (!n.ok()) return Status(Code::kInvalidModel, n.status().message());
  return n;
}

Result<DType> dtype_from_proto(int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX && dtype_valid(static_cast<int32_t>(v))) return static_cast<DType>(v);
  if (const char* name = proto_only_dtype_name(v)) {
    return error(Code::kUnsupported, "data type ", name, " (", v, ") is not supported");
  }
  return error(Code::kInvalidModel, "unknown data type ", v);
}

Status tensor_from_proto(pb::TensorProto& tp, ExternalData* ext, Tensor* out) {
  if (tp.has_segment()) {
    return error(Code::kUnsupported, "segmented tensors (TensorProto.segment) are not supported");
  }
  if (tp.data_type() == 0) return error(Code::kInvalidModel, "data_type is missing (UNDEFINED)");
  Result<DType> dt = dtype_from_proto(tp.data_type());
  if (!dt.ok()) return dt.status();
  Dims dims(tp.dims().begin(), tp.dims().end());
  Result<int64_t> n = checked_file_dims(dims);
  if (!n.ok()) return n.status();
  const size_t esize = *dt == DType::kString ? 0 : dtype_size(*dt);
  const uint64_t need = static_cast<uint64_t>(*n) * esize;  // <= 2^40 * 16: no overflow

  if (tp.data_location() == pb::TensorProto::EXTERNAL) {
    return decode_external(tp, ext, *dt, dims, need, out);
  }
  if (tp.data_location() != pb::TensorProto::DEFAULT) {
    return error(Code::kInvalidModel, "unknown data_location ", static_cast<int>(tp.data_location()));
  }

  if (tp.has_raw_data()) {
    if (*dt == DType::kString) {
      return error(Code::kInvalidModel, "string tensor stored in raw_data (strings must use string_data)");
    }
    const std::string& raw = tp.raw_data();
    if (raw.size() != need) {
      return error(Code::kInvalidModel, "raw_data has ", static_cast<uint64_t>(raw.size()),
                   " bytes but shape ", shape_str(dims), " of ", dtype_name(*dt), " needs ", need);
    }
    Result<Tensor> t = Tensor::make_unset(*dt, dims);  // every byte is copied from raw_data
    if (!t.ok()) return t.status();
    size_t unit = swap_unit(*dt);
    copy_le(t->data(), raw.data(), raw.size() / unit, unit);
    if (*dt == DType::kBool) normalize_bools(&t.value());
    std::string().swap(*tp.mutable_raw_data());  // release the bytes now that they are copied
    *out = std::move(t.value());
    return ok_status();
  }

  // Typed fields: the element counts bound the allocation by what the file really holds.
  uint64_t have = 0;
  switch (*dt) {
    case DType::kFloat32: case DType::kComplex64: have = static_cast<uint64_t>(tp.float_data_size()); break;
    case DType::kFloat64: case DType::kComplex128: have = static_cast<uint64_t>(tp.double_data_size()); break;
    case DType::kInt64: have = static_cast<uint64_t>(tp.int64_data_size()); break;
    case DType::kUInt32: case DType::kUInt64: have = static_cast<uint64_t>(tp.uint64_data_size()); break;
    case DType::kString: have = static_cast<uint64_t>(tp.string_data_size()); break;
    default: have = static_cast<uint64_t>(tp.int32_data_size()); break;
  }
  uint64_t want = static_cast<uint64_t>(*n) * ((*dt == DType::kComplex64 || *dt == DType::kComplex128) ? 2 : 1);
  if (have != want) {
    // decode_typed reports it with the field's name; skip the allocation.
    Tensor empty;
    return decode_typed(tp, *dt, *n, dims, &empty);
  }
  Result<Tensor> t = Tensor::make(*dt, dims);
  if (!t.ok()) return t.status();
  ONYX_TRY(decode_typed(tp, *dt, *n, dims, &t.value()));
  *out = std::move(t.value());
  return ok_status();
}

Status sparse_to_dense(pb::SparseTensorProto& sp, ExternalData* ext, uint64_t max_bytes, Tensor* out) {
  Dims dims(sp.dims().begin(), sp.dims().end());
  Result<int64_t> n = checked_file_dims(dims);
  if (!n.ok()) return n.status();
  if (!sp.has_values()) return error(Code::kInvalidModel, "sparse tensor has no values");
  Tensor values;
  ONYX_TRY(tensor_from_proto(*sp.mutable_values(), ext, &values).with_context("values"));
  if (values.rank() != 1) {
    return error(Code::kInvalidModel, "sparse tensor values must be 1-D, got shape ", shape_str(values.shape()));
  }
  const int64_t nnz = values.numel();
  const int64_t rank = static_cast<int64_t>(dims.size());
  Tensor indices;
  if (sp.has_indices()) {
    ONYX_TRY(tensor_from_proto(*sp.mutable_indices(), ext, &indices).with_context("indices"));
    if (indices.dtype() != DType::kInt64) {
      return error(Code::kInvalidModel, "sparse tensor indices must be int64, got ", dtype_name(indices.dtype()));
    }
    bool linear = indices.rank() == 1 && indices.dim(0) == nnz;
    bool coords = indices.rank() == 2 && indices.dim(0) == nnz && indices.dim(1) == rank;
    if (!linear && !coords) {
      return error(Code::kInvalidModel, "sparse tensor indices have shape ", shape_str(indices.shape()),
                   " but ", nnz, " values of a rank-", rank, " tensor need [", nnz, "] or [", nnz, ", ",
                   rank, "]");
    }
  } else if (nnz != 0) {
    return error(Code::kInvalidModel, "sparse tensor has ", nnz, " values but no indices");
  }
  const DType dt = values.dtype();
  uint64_t dense_bytes = static_cast<uint64_t>(*n) * dtype_size(dt);
  if (dense_bytes > max_bytes) {
    return error(Code::kResourceExhausted, "sparse tensor of shape ", shape_str(dims), " densifies to ",
                 dense_bytes, " bytes, over the limit of ", max_bytes, " bytes left (Limits::max_total_bytes)");
  }
  Result<Tensor> dense = Tensor::make(dt, dims);
  if (!dense.ok()) return dense.status();
  const int64_t* idx = nnz != 0 ? indices.data_as<int64_t>() : nullptr;
  const bool linear = nnz != 0 && indices.rank() == 1;
  const size_t esize = dtype_size(dt);
  for (int64_t k = 0; k < nnz; ++k) {
    int64_t pos = 0;
    if (linear) {
      pos = idx[k];
      if (pos < 0 || pos >= *n) {
        return error(Code::kInvalidModel, "sparse index ", pos, " (value #", k, ") is out of range for shape ",
                     shape_str(dims));
      }
    } else {
      for (int64_t d = 0; d < rank; ++d) {
        int64_t c = idx[k * rank + d];
        if (c < 0 || c >= dims[static_cast<size_t>(d)]) {
          return error(Code::kInvalidModel, "sparse coordinate ", c, " on axis ", d, " (value #", k,
                       ") is out of range for shape ", shape_str(dims));
        }
        pos = pos * dims[static_cast<size_t>(d)] + c;
      }
    }
    if (dt == DType::kString) {
      dense->data_as<std::string>()[pos] = values.data_as<std::string>()[k];
    } else {
      std::memcpy(static_cast<char*>(dense->data()) + static_cast<size_t>(pos) * esize,
                  static_cast<const char*>(values.data()) + static_cast<size_t>(k) * esize, esize);
    }
  }
  *out = std::move(dense.value());
  return ok_status();
}

Status tensor_to_proto(const Tensor& t, const std::string& name, pb::TensorProto* tp) {
  if (!t.defined()) return error(Code::kInvalidArgument, "tensor ", quoted_name(name, 0), " has no dtype");
  tp->Clear();
  for (int64_t d : t.shape()) tp->add_dims(d);
  tp->set_data_type(static_cast<int32_t>(t.dtype()));
  if (!name.empty()) tp->set_name(name);
  if (t.dtype() == DType::kString) {
    const auto* s = t.data_as<std::string>();
    for (int64_t i = 0; i < t.numel(); ++i) tp->add_string_data(s[i]);
    return ok_status();
  }
  std::string* raw = tp->mutable_raw_data();
  raw->resize(t.nbytes());
  if (t.nbytes() != 0) {
    size_t unit = swap_unit(t.dtype());
    copy_le(raw->data(), t.data(), t.nbytes() / unit, unit);
    if (t.dtype() == DType::kBool) {
      for (char& c : *raw) c = c != 0 ? 1 : 0;
    }
  }
  return ok_status();
}

Status tensor_to_sparse_proto(const Tensor& t, const std::string& name, pb::SparseTensorProto* sp) {
  if (!t.defined()) return error(Code::kInvalidArgument, "sparse tensor ", quoted_name(name, 0), " has no dtype");
  sp->Clear();
  for (int64_t d : t.shape()) sp->add_dims(d);
  std::vector<int64_t> nz;
  const size_t esize = dtype_size(t.dtype());
  for (int64_t i = 0; i < t.numel(); ++i) {
    bool nonzero = false;
    if (t.dtype() == DType::kString) {
      nonzero = !t.data_as<std::string>()[i].empty();
    } else {
      const auto* p = static_cast<const unsigned char*>(t.data()) + static_cast<size_t>(i) * esize;
      for (size_t b = 0; b < esize && !nonzero; ++b) nonzero = p[b] != 0;
    }
    if (nonzero) nz.push_back(i);
  }
  const int64_t nnz = static_cast<int64_t>(nz.size());
  Result<Tensor> values = Tensor::make(t.dtype(), {nnz});
  if (!values.ok()) return values.status();
  Result<Tensor> indices = Tensor::make(DType::kInt64, {nnz});
  if (!indices.ok()) return indices.status();
  for (int64_t k = 0; k < nnz; ++k) {
    int64_t i = nz[static_cast<size_t>(k)];
    indices->data_as<int64_t>()[k] = i;
    if (t.dtype() == DType::kString) {
      values->data_as<std::string>()[k] = t.data_as<std::string>()[i];
    } else {
      std::memcpy(static_cast<char*>(values->data()) + static_cast<size_t>(k) * esize,
                  static_cast<const char*>(t.data()) + static_cast<size_t>(i) * esize, esize);
    }
  }
  ONYX_TRY(tensor_to_proto(*values, name, sp->mutable_values()));
  ONYX_TRY(tensor_to_proto(*indices, "", sp->mutable_indices()));
  return ok_status();
}

namespace {

Status shape_from_proto(const pb::TensorShapeProto& sp, TypeInfo* out) {
  out->has_shape = true;
  out->shape.clear();
  out->shape.reserve(static_cast<size_t>(sp.dim_size()));
  for (const pb::TensorShapeProto::Dimension& d : sp.dim()) {
    Dim dim;
    if (d.has_dim_value()) {
      if (d.dim_value() > kMaxElements) {
        return error(Code::kInvalidModel, "dimension ", d.dim_value(), " is larger than 2^40");
      }
      // Some exporters write -1 for "unknown"; that is what a negative value means here.
      dim.value = d.dim_value() >= 0 ? d.dim_value() : -1;
    } else if (d.has_dim_param()) {
      dim.param = d.dim_param();
    }
    out->shape.push_back(std::move(dim));
  }
  return ok_status();
}

Status elem_from_proto(int32_t v, DType* out) {
  if (v == 0) {
    *out = DType::kUndefined;
    return ok_status();
  }
  Result<DType> dt = dtype_from_proto(v);
  if (!dt.ok()) return dt.status();
  *out = *dt;
  return ok_status();
}

void shape_to_proto(const TypeInfo& t, pb::TensorShapeProto* sp) {
  for (const Dim& d : t.shape) {
    pb::TensorShapeProto::Dimension* pd = sp->add_dim();
    if (d.fixed()) {
      pd->set_dim_value(d.value);
    } else if (!d.param.empty()) {
      pd->set_dim_param(d.param);
    }
  }
}

}  // namespace

Status type_from_proto(const pb::TypeProto& tp, int depth, TypeInfo* out) {
  if (depth > kMaxTypeDepth) return error(Code::kInvalidModel, "type nested more than ", kMaxTypeDepth, " levels deep");
  *out = TypeInfo();
  auto inner = [&](const pb::TypeProto& e) -> Status {
    out->inner = std::make_shared<TypeInfo>();
    return type_from_proto(e, depth + 1, out->inner.get());
  };
  switch (tp.value_case()) {
    case pb::TypeProto::kTensorType: {
      out->kind = TypeInfo::Kind::kTensor;
      ONYX_TRY(elem_from_proto(tp.tensor_type().elem_type(), &out->elem));
      if (tp.tensor_type().has_shape()) ONYX_TRY(shape_from_proto(tp.tensor_type().shape(), out));
      return ok_status();
    }
    case pb::TypeProto::kSparseTensorType: {
      out->kind = TypeInfo::Kind::kSparseTensor;
      ONYX_TRY(elem_from_proto(tp.sparse_tensor_type().elem_type(), &out->elem));
      if (tp.sparse_tensor_type().has_shape()) ONYX_TRY(shape_from_proto(tp.sparse_tensor_type().shape(), out));
      return ok_status();
    }
    case pb::TypeProto::kSequenceType:
      out->kind = TypeInfo::Kind::kSequence;
      if (tp.sequence_type().has_elem_type()) return inner(tp.sequence_type().elem_type());
      return ok_status();
    case pb::TypeProto::kOptionalType:
      out->kind = TypeInfo::Kind::kOptional;
      if (tp.optional_type().has_elem_type()) return inner(tp.optional_type().elem_type());
      return ok_status();
    case pb::TypeProto::kMapType:
      out->kind = TypeInfo::Kind::kMap;
      ONYX_TRY(elem_from_proto(tp.map_type().key_type(), &out->map_key));
      if (tp.map_type().has_value_type()) return inner(tp.map_type().value_type());
      return ok_status();
    case pb::TypeProto::kOpaqueType:
    case pb::TypeProto::VALUE_NOT_SET:
      return ok_status();
  }
  return ok_status();
}

void type_to_proto(const TypeInfo& t, pb::TypeProto* tp) {
  tp->Clear();
  switch (t.kind) {
    case TypeInfo::Kind::kTensor: {
      pb::TypeProto::Tensor* tt = tp->mutable_tensor_type();
      tt->set_elem_type(static_cast<int32_t>(t.elem));
      if (t.has_shape) shape_to_proto(t, tt->mutable_shape());
      break;
    }
    case TypeInfo::Kind::kSparseTensor: {
      pb::TypeProto::SparseTensor* st = tp->mutable_sparse_tensor_type();
      st->set_elem_type(static_cast<int32_t>(t.elem));
      if (t.has_shape) shape_to_proto(t, st->mutable_shape());
      break;
    }
    case TypeInfo::Kind::kSequence: {
      pb::TypeProto::Sequence* s = tp->mutable_sequence_type();
      if (t.inner) type_to_proto(*t.inner, s->mutable_elem_type());
      break;
    }
    case TypeInfo::Kind::kOptional: {
      pb::TypeProto::Optional* o = tp->mutable_optional_type();
      if (t.inner) type_to_proto(*t.inner, o->mutable_elem_type());
      break;
    }
    case TypeInfo::Kind::kMap: {
      pb::TypeProto::Map* m = tp->mutable_map_type();
      m->set_key_type(static_cast<int32_t>(t.map_key));
      if (t.inner) type_to_proto(*t.inner, m->mutable_value_type());
      break;
    }
    case TypeInfo::Kind::kUnknown:
      break;
  }
}

Status sequence_from_proto(pb::SequenceProto& sp, ExternalData* ext, Value* out) {
  const int32_t et = sp.elem_type();
  if (et != pb::SequenceProto::TENSOR && !(et == pb::SequenceProto::UNDEFINED && sp.sequence_values_size() == 0 &&
                                             sp.map_values_size() == 0 && sp.optional_values_size() == 0 &&
                                             sp.sparse_tensor_values_size() == 0)) {
    switch (et) {
      case pb::SequenceProto::SPARSE_TENSOR: return error(Code::kUnsupported, "sequences of sparse tensors are not supported");
      case pb::SequenceProto::SEQUENCE: return error(Code::kUnsupported, "sequences of sequences are not supported");
      case pb::SequenceProto::MAP: return error(Code::kUnsupported, "sequences of maps are not supported");
      case pb::SequenceProto::OPTIONAL: return error(Code::kUnsupported, "sequences of optionals are not supported");
      case pb::SequenceProto::UNDEFINED: return error(Code::kInvalidModel, "sequence has no elem_type but non-tensor values");
      default: return error(Code::kInvalidModel, "unknown sequence elem_type ", et);
    }
  }
  Value v;
  v.kind = ValueKind::kSequence;
  v.sequence.reserve(static_cast<size_t>(sp.tensor_values_size()));
  for (int i = 0; i < sp.tensor_values_size(); ++i) {
    Tensor t;
    ONYX_TRY(tensor_from_proto(*sp.mutable_tensor_values(i), ext, &t)
                 .with_context(str_cat("sequence element #", i)));
    if (i > 0 && t.dtype() != v.elem_type) {
      return error(Code::kInvalidModel, "sequence element #", i, " is ", dtype_name(t.dtype()),
                   " but element #0 is ", dtype_name(v.elem_type));
    }
    v.elem_type = t.dtype();
    v.sequence.push_back(std::move(t));
  }
  *out = std::move(v);
  return ok_status();
}

Status optional_from_proto(pb::OptionalProto& op, ExternalData* ext, Value* out) {
  const int32_t et = op.elem_type();
  Value v;
  if (et == pb::OptionalProto::TENSOR || (et == pb::OptionalProto::UNDEFINED && op.has_tensor_value())) {
    if (op.has_tensor_value()) {
      ONYX_TRY(tensor_from_proto(*op.mutable_tensor_value(), ext, &v.tensor).with_context("optional value"));
      v.kind = ValueKind::kTensor;
      v.elem_type = v.tensor.dtype();
    } else {
      v.kind = ValueKind::kNone;
    }
  } else if (et == pb::OptionalProto::SEQUENCE || (et == pb::OptionalProto::UNDEFINED && op.has_sequence_value())) {
    if (op.has_sequence_value()) {
      ONYX_TRY(sequence_from_proto(*op.mutable_sequence_value(), ext, &v).with_context("optional value"));
    } else {
      v.kind = ValueKind::kNone;
    }
  } else if (et == pb::OptionalProto::UNDEFINED) {
    if (op.has_map_value() || op.has_optional_value() || op.has_sparse_tensor_value()) {
      return error(Code::kUnsupported, "optionals of maps, optionals or sparse tensors are not supported");
    }
    v.kind = ValueKind::kNone;
  } else if (et == pb::OptionalProto::SPARSE_TENSOR || et == pb::OptionalProto::MAP ||
             et == pb::OptionalProto::OPTIONAL) {
    return error(Code::kUnsupported, "optionals of maps, optionals or sparse tensors are not supported");
  } else {
    return error(Code::kInvalidModel, "unknown optional elem_type ", et);
  }
  v.optional = true;
  *out = std::move(v);
  return ok_status();
}

Status value_to_sequence_proto(const Value& v, const std::string& name, pb::SequenceProto* sp) {
  if (v.kind != ValueKind::kSequence) return error(Code::kInvalidArgument, "value is not a sequence");
  sp->Clear();
  if (!name.empty()) sp->set_name(name);
  sp->set_elem_type(pb::SequenceProto::TENSOR);
  for (const Tensor& t : v.sequence) ONYX_TRY(tensor_to_proto(t, "", sp->add_tensor_values()));
  return ok_status();
}

Status value_to_optional_proto(const Value& v, const std::string& name, pb::OptionalProto* op) {
  op->Clear();
  if (!name.empty()) op->set_name(name);
  switch (v.kind) {
    case ValueKind::kNone:
      op->set_elem_type(pb::OptionalProto::UNDEFINED);
      return ok_status();
    case ValueKind::kTensor:
      op->set_elem_type(pb::OptionalProto::TENSOR);
      return tensor_to_proto(v.tensor, "", op->mutable_tensor_value());
    case ValueKind::kSequence:
      op->set_elem_type(pb::OptionalProto::SEQUENCE);
      return value_to_sequence_proto(v, "", op->mutable_sequence_value());
  }
  return error(Code::kInternal, "value_to_optional_proto: bad kind");
}

bool parse_message(const void* data, size_t size, google::protobuf::MessageLite* msg) {
  if (size > static_cast<size_t>(INT_MAX)) return false;
  return msg->ParseFromArray(data, static_cast<int>(size));
}

Status serialize_message(const google::protobuf::MessageLite& msg, std::string* out) {
  size_t bytes = msg.ByteSizeLong();
  if (bytes > static_cast<size_t>(INT_MAX)) {
    return error(Code::kResourceExhausted, "serialized message would be ", static_cast<uint64_t>(bytes),
                 " bytes, over protobuf's 2 GiB limit");
  }
  if (!msg.SerializeToString(out)) return error(Code::kInternal, "protobuf serialization failed");
  return ok_status();
}

}  // namespace onyx::proto
