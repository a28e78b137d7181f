// Scratch alignment shared by the primitives and their kernels: 64 bytes, a cache line and an
// AVX-512 vector. Scratch sizes add kAlign so that an aligned start always fits.
#pragma once

#include <cstddef>
#include <cstdint>

namespace onyx::prims {

inline constexpr size_t kAlign = 64;

// n rounded up to a multiple of kAlign.
constexpr size_t align_size(size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

// The first kAlign-aligned address at or after p, as a T*.
template <class T = unsigned char>
T* align_ptr(void* p) {
  const auto u = (reinterpret_cast<uintptr_t>(p) + kAlign - 1) & ~static_cast<uintptr_t>(kAlign - 1);
  return reinterpret_cast<T*>(u);
}

}  // namespace onyx::prims
