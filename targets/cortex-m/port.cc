// The port layer of the Cortex-M firmware: what Onyx needs from a bare-metal target beyond
// the C and C++ libraries (see targets/README.md, "port contract").
//
// Memory: no heap region exists. malloc/free and every form of operator new/delete are served
// from one static pool (kPoolBytes, in .bss) by a bump allocator that gives back the most
// recent block on free (so the temporaries of loading mostly unwind); port_heap_* report use.
// The planned arena of a session is a second static array, given via SessionOptions::arena.
//
// Atomics: Onyx counts loop iterations with a 64-bit atomic; ARMv7-M has no 64-bit exclusive
// access, so GCC calls the __atomic_*_8 helpers, provided here with interrupts masked (a
// single-core target).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "port.h"

#ifndef ONYX_FW_HEAP_BYTES
#define ONYX_FW_HEAP_BYTES (1024 * 1024)
#endif

namespace {

constexpr size_t kPoolBytes = ONYX_FW_HEAP_BYTES;
alignas(64) uint8_t g_pool[kPoolBytes];
size_t g_top = 0;   // first free byte
size_t g_peak = 0;  // highest g_top since the last port_heap_reset_peak()
size_t g_failed = 0;

// Precedes every block: its size and the pool top before it was carved (for LIFO release).
struct BlockHeader {
  uint32_t size;
  uint32_t previous_top;
};

void* pool_alloc(size_t n, size_t align) {
  if (align < alignof(std::max_align_t)) align = alignof(std::max_align_t);
  size_t start = g_top + sizeof(BlockHeader);
  start = (start + align - 1) / align * align;
  if (n > kPoolBytes || start > kPoolBytes - n) {
    ++g_failed;
    return nullptr;
  }
  BlockHeader h{static_cast<uint32_t>(n), static_cast<uint32_t>(g_top)};
  std::memcpy(g_pool + start - sizeof(BlockHeader), &h, sizeof(h));
  g_top = start + n;
  if (g_top > g_peak) g_peak = g_top;
  return g_pool + start;
}

BlockHeader header_of(void* p) {
  BlockHeader h;
  std::memcpy(&h, static_cast<uint8_t*>(p) - sizeof(BlockHeader), sizeof(h));
  return h;
}

void pool_free(void* p) {
  if (p == nullptr) return;
  BlockHeader h = header_of(p);
  // Only the newest block can be returned; others stay until everything above them goes.
  if (static_cast<uint8_t*>(p) + h.size == g_pool + g_top) g_top = h.previous_top;
}

[[noreturn]] void out_of_memory(size_t n) {
  std::printf("onyx firmware: out of memory allocating %u bytes (pool %u, in use %u)\n", static_cast<unsigned>(n),
              static_cast<unsigned>(kPoolBytes), static_cast<unsigned>(g_top));
  std::exit(98);
}

}  // namespace

size_t port_heap_in_use() { return g_top; }
size_t port_heap_peak() { return g_peak; }
size_t port_heap_capacity() { return kPoolBytes; }
void port_heap_reset_peak() { g_peak = g_top; }

extern "C" {

void* malloc(size_t n) { return pool_alloc(n, alignof(std::max_align_t)); }
void free(void* p) { pool_free(p); }
void* calloc(size_t count, size_t n) {
  if (n != 0 && count > SIZE_MAX / n) return nullptr;
  void* p = pool_alloc(count * n, alignof(std::max_align_t));
  if (p != nullptr) std::memset(p, 0, count * n);
  return p;
}
void* realloc(void* p, size_t n) {
  if (p == nullptr) return malloc(n);
  BlockHeader h = header_of(p);
  if (static_cast<uint8_t*>(p) + h.size == g_pool + g_top &&
      static_cast<size_t>(static_cast<uint8_t*>(p) - g_pool) + n <= kPoolBytes) {
    // The newest block grows or shrinks in place.
    h.size = static_cast<uint32_t>(n);
    std::memcpy(static_cast<uint8_t*>(p) - sizeof(BlockHeader), &h, sizeof(h));
    g_top = static_cast<size_t>(static_cast<uint8_t*>(p) - g_pool) + n;
    if (g_top > g_peak) g_peak = g_top;
    return p;
  }
  void* q = malloc(n);
  if (q != nullptr) std::memcpy(q, p, h.size < n ? h.size : n);
  return q;
}
void* memalign(size_t align, size_t n) { return pool_alloc(n, align); }
void* aligned_alloc(size_t align, size_t n) { return pool_alloc(n, align); }
int posix_memalign(void** out, size_t align, size_t n) {
  *out = pool_alloc(n, align);
  return *out != nullptr ? 0 : 12;  // ENOMEM
}

// 64-bit atomics for a single core: mask interrupts around a plain access.
static uint32_t irq_save() {
  uint32_t primask;
  __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
  return primask;
}
static void irq_restore(uint32_t primask) { __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory"); }

uint64_t __atomic_load_8(const volatile void* p, int) {
  uint32_t s = irq_save();
  uint64_t v = *static_cast<const volatile uint64_t*>(p);
  irq_restore(s);
  return v;
}
void __atomic_store_8(volatile void* p, uint64_t v, int) {
  uint32_t s = irq_save();
  *static_cast<volatile uint64_t*>(p) = v;
  irq_restore(s);
}
uint64_t __atomic_fetch_add_8(volatile void* p, uint64_t v, int) {
  uint32_t s = irq_save();
  auto* q = static_cast<volatile uint64_t*>(p);
  uint64_t old = *q;
  *q = old + v;
  irq_restore(s);
  return old;
}
uint64_t __atomic_exchange_8(volatile void* p, uint64_t v, int) {
  uint32_t s = irq_save();
  auto* q = static_cast<volatile uint64_t*>(p);
  uint64_t old = *q;
  *q = v;
  irq_restore(s);
  return old;
}
bool __atomic_compare_exchange_8(volatile void* p, void* expected, uint64_t desired, bool, int, int) {
  uint32_t s = irq_save();
  auto* q = static_cast<volatile uint64_t*>(p);
  uint64_t want;
  std::memcpy(&want, expected, sizeof(want));
  bool ok = *q == want;
  if (ok) {
    *q = desired;
  } else {
    uint64_t now = *q;
    std::memcpy(expected, &now, sizeof(now));
  }
  irq_restore(s);
  return ok;
}

}  // extern "C"

// Every operator new draws from the pool. The throwing forms cannot throw (-fno-exceptions):
// running out of memory there ends the program with a message.
void* operator new(size_t n) {
  void* p = pool_alloc(n, alignof(std::max_align_t));
  if (p == nullptr) out_of_memory(n);
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return pool_alloc(n, alignof(std::max_align_t)); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return pool_alloc(n, alignof(std::max_align_t)); }
void* operator new(size_t n, std::align_val_t a) {
  void* p = pool_alloc(n, static_cast<size_t>(a));
  if (p == nullptr) out_of_memory(n);
  return p;
}
void* operator new[](size_t n, std::align_val_t a) { return operator new(n, a); }
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return pool_alloc(n, static_cast<size_t>(a));
}
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return pool_alloc(n, static_cast<size_t>(a));
}
void operator delete(void* p) noexcept { pool_free(p); }
void operator delete[](void* p) noexcept { pool_free(p); }
void operator delete(void* p, size_t) noexcept { pool_free(p); }
void operator delete[](void* p, size_t) noexcept { pool_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { pool_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { pool_free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { pool_free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { pool_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { pool_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { pool_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { pool_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { pool_free(p); }
