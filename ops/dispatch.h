// Dtype dispatch: turns a runtime DType into a compile-time element type once, outside the
// hot loop. Usage:
//   return dispatch<kMaskNumeric>(x.dtype(), [&](auto tag) {
//     using T = typename decltype(tag)::type;
//     ... loop over T ...
//     return Status();
//   });
// Only the types in the compile-time mask are instantiated (so the body may use arithmetic
// that bool or std::string lack); other types return kUnsupported. The older form
// dispatch(mask, t, f) checks the mask at run time but instantiates every type.
#pragma once

#include <string>

#include "onyx/dtype.h"
#include "onyx/status.h"

namespace onyx {

template <class T>
struct TypeTag {
  using type = T;
};

template <class F>
Status dispatch(DTypeMask mask, DType t, F&& f) {
  if (!in_mask(t, mask)) {
    return error(Code::kUnsupported, "dtype ", dtype_name(t), " is not supported here");
  }
  switch (t) {
    case DType::kFloat32: return f(TypeTag<float>{});
    case DType::kFloat64: return f(TypeTag<double>{});
    case DType::kFloat16: return f(TypeTag<Float16>{});
    case DType::kBFloat16: return f(TypeTag<BFloat16>{});
    case DType::kInt8: return f(TypeTag<int8_t>{});
    case DType::kInt16: return f(TypeTag<int16_t>{});
    case DType::kInt32: return f(TypeTag<int32_t>{});
    case DType::kInt64: return f(TypeTag<int64_t>{});
    case DType::kUInt8: return f(TypeTag<uint8_t>{});
    case DType::kUInt16: return f(TypeTag<uint16_t>{});
    case DType::kUInt32: return f(TypeTag<uint32_t>{});
    case DType::kUInt64: return f(TypeTag<uint64_t>{});
    case DType::kBool: return f(TypeTag<bool>{});
    case DType::kString: return f(TypeTag<std::string>{});
    default: break;
  }
  return error(Code::kUnsupported, "dtype ", dtype_name(t), " is not supported here");
}

template <class T>
constexpr bool type_in_mask(DTypeMask m) {
  return (m & mask_of(dtype_of<T>())) != 0;
}

template <DTypeMask M, class F>
Status dispatch(DType t, F&& f) {
  return dispatch(M, t, [&](auto tag) -> Status {
    using T = typename decltype(tag)::type;
    if constexpr (type_in_mask<T>(M)) {
      return f(tag);
    } else {
      return Status(Code::kInternal, "unreachable: dtype outside the dispatch mask");
    }
  });
}

// The type arithmetic is done in: float for the 16-bit floats, the type itself otherwise.
template <class T>
struct Compute {
  using type = T;
};
template <>
struct Compute<Float16> {
  using type = float;
};
template <>
struct Compute<BFloat16> {
  using type = float;
};
template <class T>
using compute_t = typename Compute<T>::type;

}  // namespace onyx
