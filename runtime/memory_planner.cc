#include "onyx/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace onyx {

static size_t align_up(size_t n) { return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment; }

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
    return requests[a].first_step < requests[b].first_step;
  });

  struct Placed {
    size_t offset, end;
    int first, last;
  };
  std::vector<Placed> placed;
  std::vector<Placed> live;  // placed buffers overlapping the current one in time
  for (size_t idx : order) {
    const BufferRequest& r = requests[idx];
    size_t size = align_up(r.bytes);
    if (size == 0) continue;
    live.clear();
    for (const Placed& p : placed) {
      if (p.first <= r.last_step && r.first_step <= p.last) live.push_back(p);
    }
    std::sort(live.begin(), live.end(), [](const Placed& a, const Placed& b) { return a.offset < b.offset; });
    // Best fit: the smallest gap that holds `size`, else the end of the highest live buffer.
    size_t best = static_cast<size_t>(-1), best_gap = static_cast<size_t>(-1);
    size_t cursor = 0;
    for (const Placed& p : live) {
      if (p.offset >= cursor) {
        size_t gap = p.offset - cursor;
        if (gap >= size && gap < best_gap) {
          best = cursor;
          best_gap = gap;
        }
      }
      cursor = std::max(cursor, p.end);
    }
    if (best == static_cast<size_t>(-1)) best = cursor;
    plan.offsets[idx] = best;
    placed.push_back({best, best + size, r.first_step, r.last_step});
    plan.peak_bytes = std::max(plan.peak_bytes, best + size);
  }
  return plan;
}

}  // namespace onyx
