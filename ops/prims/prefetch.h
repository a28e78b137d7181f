// Cache hints for data a loop will reach soon: one per 64-byte line of [p, p + bytes). They
// matter most when the lines sit in another core's cache (what the other thread wrote in the
// layer before, or last read), where each miss waits a round trip between the cores; the
// hardware prefetchers only start on a stream once it has missed a few times.
#pragma once

#include <cstddef>

namespace onyx::prims {

inline void prefetch_read(const void* p, size_t bytes) {
  const auto* c = static_cast<const char*>(p);
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off, 0);
}

// For lines about to be written. On ARM a store prefetch (PRFM PST: fetched for ownership); on
// x86 the baseline target has no PREFETCHW, so GCC emits a read prefetch (prefetcht0), which
// still brings a line the other core holds. A real PREFETCHW measured no faster here (Winograd
// output transform on two threads, ResNet-18 A/B 0.98-1.00), so no extra build flag.
inline void prefetch_write(void* p, size_t bytes) {
  auto* c = static_cast<char*>(p);
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(c + off, 1);
}

}  // namespace onyx::prims
