#include "aligned_memory.h"

#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace onyx {
namespace {

constexpr size_t kSimdAlignment = 64;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
constexpr size_t kHugePage = size_t{2} << 20;
#else
constexpr size_t kHugePage = 0;  // no huge-page advice: every block is 64-byte aligned
#endif

size_t alignment_for(size_t bytes) { return kHugePage != 0 && bytes >= kHugePage ? kHugePage : kSimdAlignment; }

}  // namespace

void* allocate_aligned(size_t bytes) noexcept {
  if (bytes == 0) bytes = 1;
  const size_t align = alignment_for(bytes);
  void* p = ::operator new(bytes, std::align_val_t{align}, std::nothrow);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Only whole huge pages inside the block can be huge; the advice is a hint, failure is harmless.
  if (p != nullptr && align == kHugePage) ::madvise(p, bytes / kHugePage * kHugePage, MADV_HUGEPAGE);
#endif
  return p;
}

void free_aligned(void* p, size_t bytes) noexcept {
  if (p == nullptr) return;
  ::operator delete(p, std::align_val_t{alignment_for(bytes == 0 ? 1 : bytes)});
}

}  // namespace onyx
