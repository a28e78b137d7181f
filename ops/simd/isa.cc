// ISA detection, the cap, and the lookup of the active kernel table. Which per-ISA tables this
// build has is told by ONYX_SIMD_<NAME> macros from ops/meson.build.
#include "simd/isa.h"

#include <atomic>
#include <cstring>

#include "simd/kernels.h"

namespace onyx::simd {
namespace {

struct IsaName {
  Isa isa;
  const char* name;
};
constexpr IsaName kNames[] = {{Isa::kScalar, "scalar"}, {Isa::kSse2, "sse2"},  {Isa::kAvx2, "avx2"},
                              {Isa::kAvx512, "avx512"}, {Isa::kNeon, "neon"},  {Isa::kNeon64, "neon64"}};

std::atomic<Isa>& cap_flag() {
  static std::atomic<Isa> cap{Isa::kNeon64};  // the highest value: no cap
  return cap;
}

bool cpu_has(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return true;
#if defined(__x86_64__) || defined(__i386__)
    case Isa::kSse2: return __builtin_cpu_supports("sse2");
    case Isa::kAvx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::kAvx512: return __builtin_cpu_supports("avx512f");
#endif
#if defined(__aarch64__)
    case Isa::kNeon64: return true;  // Advanced SIMD is mandatory on AArch64
#endif
#if defined(__ARM_NEON) && !defined(__aarch64__)
    case Isa::kNeon: return true;  // the build targets NEON (-mfpu=neon*); it cannot run without
#endif
    default: return false;
  }
}

const SimdKernels* compiled_table(Isa isa) {
  switch (isa) {
#ifdef ONYX_SIMD_SSE2
    case Isa::kSse2: return kernels_sse2();
#endif
#ifdef ONYX_SIMD_AVX2
    case Isa::kAvx2: return kernels_avx2();
#endif
#ifdef ONYX_SIMD_AVX512
    case Isa::kAvx512: return kernels_avx512();
#endif
#ifdef ONYX_SIMD_NEON
    case Isa::kNeon: return kernels_neon();
#endif
#ifdef ONYX_SIMD_NEON64
    case Isa::kNeon64: return kernels_neon64();
#endif
    default: return nullptr;
  }
}

// Best first.
constexpr Isa kPreference[] = {Isa::kAvx512, Isa::kAvx2, Isa::kSse2, Isa::kNeon64, Isa::kNeon};

}  // namespace

const char* isa_name(Isa isa) {
  for (const IsaName& n : kNames)
    if (n.isa == isa) return n.name;
  return "unknown";
}

bool parse_isa(const char* name, Isa* out) {
  for (const IsaName& n : kNames) {
    if (std::strcmp(n.name, name) == 0) {
      *out = n.isa;
      return true;
    }
  }
  return false;
}

bool isa_available(Isa isa) { return isa == Isa::kScalar || (cpu_has(isa) && compiled_table(isa) != nullptr); }

Isa detect_isa() {
  for (Isa isa : kPreference)
    if (isa_available(isa)) return isa;
  return Isa::kScalar;
}

Isa active_isa() {
  const Isa cap = cap_flag().load(std::memory_order_relaxed);
  for (Isa isa : kPreference)
    if (isa <= cap && isa_available(isa)) return isa;
  return Isa::kScalar;
}

void set_max_isa(Isa cap) { cap_flag().store(cap, std::memory_order_relaxed); }

const SimdKernels* kernels_for(Isa isa) { return isa_available(isa) ? compiled_table(isa) : nullptr; }

const SimdKernels* kernels() { return kernels_for(active_isa()); }

}  // namespace onyx::simd
