// Shared by the random family: the random number generator (xoshiro256** seeded through
// splitmix64) and seeding from the `seed` attribute.
// A kernel owns one generator, seeded once (from the `seed` attribute, or from a value that
// differs per kernel instance and process when there is none) and advanced across runs, so a
// seeded node gives the same sequence of outputs in every session.
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>

#include "kernel.h"

namespace onyx::random {

class Rng {
 public:
  void seed(uint64_t s) {
    for (uint64_t& w : state_) w = splitmix64(s);
    has_spare_ = false;
  }

  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = 2.0 * std::numbers::pi * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix64(uint64_t& s) {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  uint64_t state_[4] = {1, 2, 3, 4};
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// A seed that differs between calls and between processes (time and a process-wide counter).
inline uint64_t fresh_seed() {
  static std::atomic<uint64_t> counter{0};
  const uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  const auto t = std::chrono::high_resolution_clock::now().time_since_epoch().count();
  return static_cast<uint64_t>(t) ^ (n * 0x9e3779b97f4a7c15ull) ^ 0x5851f42d4c957f2dull;
}

// The seed of a float `seed` attribute: its bit pattern, so 0.5 and 0.25 differ.
inline uint64_t seed_from_float(float f) {
  uint32_t bits = 0;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

// Seeds `rng` from the node's `seed` attribute (float, or int as Dropout has) or, without one,
// from fresh_seed().
inline Status seed_rng(const PrepareContext& ctx, Rng* rng) {
  const Attribute* a = ctx.attr("seed");
  if (a == nullptr) {
    rng->seed(fresh_seed());
  } else if (a->type == AttrType::kFloat) {
    rng->seed(seed_from_float(a->f));
  } else if (a->type == AttrType::kInt) {
    rng->seed(static_cast<uint64_t>(a->i));
  } else {
    return ctx.fail(Code::kInvalidModel, "attribute 'seed' has type ", attr_type_name(a->type), ", expected a number");
  }
  return Status();
}

}  // namespace onyx::random
