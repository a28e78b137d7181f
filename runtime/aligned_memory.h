// Internal to runtime/: the memory behind tensors and arenas.
#pragma once

#include <cstddef>

namespace onyx {

// At least `bytes` (one if zero) bytes aligned to 64 for the SIMD kernels, or nullptr when out
// of memory. On Linux a block of 2 MiB or more is aligned to 2 MiB and advised as a candidate for
// transparent huge pages: a model's weights are written once at load, and with 4 KiB pages every
// first touch is a page fault (on a virtual machine, most of a large model's load time).
void* allocate_aligned(size_t bytes) noexcept;
// Frees a block from allocate_aligned; `bytes` as allocated.
void free_aligned(void* p, size_t bytes) noexcept;

}  // namespace onyx
