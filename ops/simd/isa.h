// Instruction-set selection for the SIMD kernels. Each kernel family is written once as a
// template over an xsimd architecture and compiled once per ISA in its own translation unit
// (ops/simd/isa_<name>.cc, built with that ISA's compiler flags). At start-up the best ISA the
// CPU supports is chosen; set_max_isa() caps it (the CLI reads ONYX_MAX_ISA) so tests can run
// every compiled path on one machine.
#pragma once

#include <cstdint>

namespace onyx::simd {

enum class Isa : uint8_t { kScalar, kSse2, kAvx2, kAvx512, kNeon, kNeon64 };

const char* isa_name(Isa isa);
// Parses "scalar", "sse2", "avx2", "avx512", "neon", "neon64"; false if unknown.
bool parse_isa(const char* name, Isa* out);

// What the CPU supports (kScalar when no ISA of this build's architecture is usable).
Isa detect_isa();
// True when the CPU supports `isa` and this build compiled kernels for it.
bool isa_available(Isa isa);
// The ISA kernels use now: the best available one at or below the cap.
Isa active_isa();
// Caps the ISA (e.g. kAvx2 on an AVX-512 machine; kScalar for the portable C++ kernels).
// Affects kernels prepared afterwards; set it before creating sessions.
void set_max_isa(Isa cap);

}  // namespace onyx::simd
