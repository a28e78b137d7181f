// One-way latency of handing a cache line from one CPU to another: two threads pinned to two
// CPUs pass a counter back and forth. On a desktop CPU two cores that share a last-level cache
// are 20-50 ns apart; two vCPUs of a cloud machine can be on different core complexes (no shared
// L3, ~200 ns), which makes any tensor that one thread writes and the other reads cost more,
// and so bounds what two threads can gain (bench/RESULTS.md, issue notes). Then how fast CPU A
// reads a tensor-sized buffer (default 448 KiB: MobileNet-v2's 14x14x576 activations) that it
// wrote itself, against one that CPU B just wrote: what a layer pays when its input was written
// on the other core; and how fast A writes it again after each of those, or after B read it.
//   core_latency [CPU_A CPU_B] [ROUND_TRIPS] [KIB]
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

namespace {

bool pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

// Runs f on `cpu` in a thread of its own and waits for it.
void on(int cpu, const std::function<void()>& f) {
  std::thread([&] {
    pin(cpu);
    f();
  }).join();
}

// Median seconds `pass` takes on CPU `cpu` right after `setup` (which pins its own threads).
double median_seconds(int cpu, const std::function<void()>& setup, const std::function<void()>& pass, int repeats) {
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    setup();
    on(cpu, [&] {
      const auto start = std::chrono::steady_clock::now();
      pass();
      times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    });
  }
  std::nth_element(times.begin(), times.begin() + static_cast<long>(times.size() / 2), times.end());
  return times[times.size() / 2];
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
  const long kib = argc > 4 ? std::atol(argv[4]) : 448;
  if (kib <= 0) {
    std::fprintf(stderr, "core_latency: KIB must be positive\n");
    return 2;
  }
  const size_t floats = static_cast<size_t>(kib) * 1024 / sizeof(float);
  std::vector<float> data(floats);
  volatile float sink = 0;
  float value = 0;
  auto write = [&] {
    value += 1;
    for (size_t i = 0; i < floats; ++i) data[i] = value;
  };
  auto read = [&] {
    float sum = 0;
    for (size_t i = 0; i < floats; i += 16) sum += data[i];  // one float per 64-byte line
    sink = sum;
  };
  auto written_by = [&](int cpu) { return [&, cpu] { on(cpu, write); }; };
  const double own = median_seconds(a, written_by(a), read, 31), other_core = median_seconds(a, written_by(b), read, 31);
  const double gb = static_cast<double>(floats * sizeof(float)) / 1e9;
  std::printf("CPU %d reads %ld KiB written by itself in %.1f us (%.1f GB/s), by CPU %d in %.1f us (%.1f GB/s): %.1fx\n", a,
              kib, own * 1e6, gb / own, b, other_core * 1e6, gb / other_core, other_core / own);
  // Writing it again: what a layer's output pays when its buffer was last written, or read, by the
  // other core. A line this core wrote and the other then read is present here but not writable:
  // each store waits for the other core to drop its copy, and a prefetch does not help.
  const double rewrite_own = median_seconds(a, written_by(a), write, 31);
  const double rewrite_other = median_seconds(a, written_by(b), write, 31);
  const double rewrite_shared = median_seconds(
      a,
      [&] {
        on(a, write);
        on(b, read);
      },
      write, 31);
  std::printf("CPU %d rewrites it in %.1f us after writing it itself, %.1f us after CPU %d wrote it, %.1f us after "
              "writing it itself and CPU %d reading it\n",
              a, rewrite_own * 1e6, rewrite_other * 1e6, b, rewrite_shared * 1e6, b);
  (void)sink;
  return 0;
}
