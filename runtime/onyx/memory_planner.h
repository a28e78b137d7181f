// Memory planner: places buffers with known lifetimes into one arena so that buffers alive at
// the same time never overlap. Greedy by size (largest first), each at the lowest offset that
// fits between the buffers already placed whose lifetimes intersect its own.
#pragma once

#include <cstddef>
#include <vector>

namespace onyx {

constexpr size_t kArenaAlignment = 64;

struct BufferRequest {
  size_t bytes = 0;
  int first_step = 0;  // step that writes it
  int last_step = 0;   // last step that reads it (inclusive)
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per request, multiples of kArenaAlignment
  size_t peak_bytes = 0;
};

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

}  // namespace onyx
