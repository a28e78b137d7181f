// DType: the element types of ONNX tensors, numbered as TensorProto.DataType.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "onyx/half.h"

namespace onyx {

enum class DType : int32_t {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBFloat16 = 16,
};

constexpr int kMaxDType = 16;

// Bytes per element; 0 for kUndefined. kString reports sizeof(std::string) (strings are not
// stored in the arena; see Tensor).
size_t dtype_size(DType t);
// Short lowercase name: "float32", "int64", "bool", "string", "bfloat16", ...
const char* dtype_name(DType t);
// Accepts the names of dtype_name and ONNX's ("float", "double", ...).
DType dtype_from_name(const std::string& name);
// True when the value is one of the enumerators above (for checking untrusted input).
bool dtype_valid(int32_t v);

inline bool is_float(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kFloat16 || t == DType::kBFloat16;
}
inline bool is_signed_int(DType t) {
  return t == DType::kInt8 || t == DType::kInt16 || t == DType::kInt32 || t == DType::kInt64;
}
inline bool is_unsigned_int(DType t) {
  return t == DType::kUInt8 || t == DType::kUInt16 || t == DType::kUInt32 || t == DType::kUInt64;
}
inline bool is_int(DType t) { return is_signed_int(t) || is_unsigned_int(t); }

// Bit mask of dtypes, for kernels to declare what they accept.
using DTypeMask = uint32_t;
constexpr DTypeMask mask_of(DType t) { return 1u << static_cast<int>(t); }
template <class... Ts>
constexpr DTypeMask mask_of(DType t, Ts... rest) {
  return mask_of(t) | mask_of(rest...);
}
constexpr DTypeMask kMaskFloat =
    mask_of(DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16);
// The floating types of the operator versions that predate bfloat16.
constexpr DTypeMask kMaskFloat3 = mask_of(DType::kFloat32, DType::kFloat64, DType::kFloat16);
constexpr DTypeMask kMaskSigned = mask_of(DType::kInt8, DType::kInt16, DType::kInt32, DType::kInt64);
constexpr DTypeMask kMaskUnsigned =
    mask_of(DType::kUInt8, DType::kUInt16, DType::kUInt32, DType::kUInt64);
constexpr DTypeMask kMaskInt = kMaskSigned | kMaskUnsigned;
constexpr DTypeMask kMaskNumeric = kMaskFloat | kMaskInt;
constexpr DTypeMask kMaskAll = kMaskNumeric | mask_of(DType::kBool, DType::kString);
inline bool in_mask(DType t, DTypeMask m) { return (m & mask_of(t)) != 0; }
// "float32, float64, int32" for error messages and docs.
std::string mask_names(DTypeMask m);

// Compile-time mapping between C++ element types and DType.
template <class T>
struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kFloat32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kFloat64; };
template <> struct DTypeOf<Float16> { static constexpr DType value = DType::kFloat16; };
template <> struct DTypeOf<BFloat16> { static constexpr DType value = DType::kBFloat16; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::kInt8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::kInt16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kInt32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kInt64; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::kUInt8; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::kUInt16; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::kUInt32; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::kUInt64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };
template <> struct DTypeOf<std::string> { static constexpr DType value = DType::kString; };
template <class T>
constexpr DType dtype_of() {
  return DTypeOf<T>::value;
}

}  // namespace onyx
