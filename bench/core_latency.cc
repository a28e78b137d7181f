// One-way latency of handing a cache line from one CPU to another: two threads pinned to two
// CPUs pass a counter back and forth. On a desktop CPU two cores that share a last-level cache
// are 20-50 ns apart; two vCPUs of a cloud machine can be on different core complexes (no shared
// L3, ~200 ns), which makes any tensor that one thread writes and the other reads cost more,
// and so bounds what two threads can gain (bench/RESULTS.md, issue notes).
//   core_latency [CPU_A CPU_B] [ROUND_TRIPS]
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

bool pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int a = argc > 2 ? std::atoi(argv[1]) : 0, b = argc > 2 ? std::atoi(argv[2]) : 1;
  const long trips = argc > 3 ? std::atol(argv[3]) : 200000;
  if (trips <= 0) {
    std::fprintf(stderr, "core_latency: ROUND_TRIPS must be positive\n");
    return 2;
  }
  alignas(64) static std::atomic<long> counter{0};
  bool pinned_b = true;
  std::thread other([&] {
    pinned_b = pin(b);
    for (long i = 0; i < trips; ++i) {
      while (counter.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      counter.store(2 * i + 2, std::memory_order_release);
    }
  });
  const bool pinned_a = pin(a);
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < trips; ++i) {
    counter.store(2 * i + 1, std::memory_order_release);
    while (counter.load(std::memory_order_acquire) != 2 * i + 2) {
    }
  }
  const auto end = std::chrono::steady_clock::now();
  other.join();
  if (!pinned_a || !pinned_b) {
    std::fprintf(stderr, "core_latency: cannot pin threads to CPUs %d and %d\n", a, b);
    return 1;
  }
  const double ns = std::chrono::duration<double, std::nano>(end - start).count() / static_cast<double>(trips);
  std::printf("CPUs %d <-> %d: round trip %.1f ns, one way %.1f ns (%ld round trips)\n", a, b, ns, ns / 2, trips);
  return 0;
}
