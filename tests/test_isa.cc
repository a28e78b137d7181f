// Which SIMD kernels a build selects: on ARM the NEON kernels must be the active ones (run on
// aarch64 and armv7 under qemu-user by targets/build.sh), on x86 one of the x86 ISAs, and on
// an architecture without xsimd kernels (riscv64) the portable C++ paths. That each table
// computes what the scalar reference does is test_simd.cc's part, on whatever ISA it runs.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "simd/isa.h"
#include "simd/kernels.h"

using namespace onyx::simd;

namespace {

#if !defined(__x86_64__)
// The ISA this build must pick on any CPU it can run on (x86 is checked separately: the best
// ISA depends on the CPU).
Isa expected_isa() {
#if defined(__aarch64__)
  return Isa::kNeon64;
#elif defined(__ARM_NEON)
  return Isa::kNeon;
#else
  return Isa::kScalar;
#endif
}
#endif

}  // namespace

TEST_CASE("the active ISA is the architecture's SIMD path") {
  const Isa active = active_isa();
  MESSAGE("active ISA: ", std::string(isa_name(active)));
#if defined(__x86_64__)
  // SSE2 is part of x86-64, so at least that one is selected.
  CHECK((active == Isa::kSse2 || active == Isa::kAvx2 || active == Isa::kAvx512));
#else
  CHECK(std::strcmp(isa_name(active), isa_name(expected_isa())) == 0);
#endif
  CHECK((detect_isa() == active));
  const SimdKernels* k = kernels();
  if (active == Isa::kScalar) {
    CHECK(k == nullptr);
  } else {
    REQUIRE(k != nullptr);
    CHECK((k->isa == active));
  }
}

#if defined(__aarch64__) || defined(__ARM_NEON)
TEST_CASE("ARM builds compile the NEON kernels and no x86 ones") {
  CHECK(isa_available(expected_isa()));
  CHECK_FALSE(isa_available(Isa::kSse2));
  CHECK_FALSE(isa_available(Isa::kAvx2));
  CHECK_FALSE(isa_available(Isa::kAvx512));
  CHECK(std::strcmp(isa_name(active_isa()), isa_name(expected_isa())) == 0);
}
#endif
