// How kernels split work over threads without the core depending on threads: the session is
// given (or, on hosted builds, makes) a TaskRunner; kernels call RunContext::parallel_for,
// which runs serially when there is none. A firmware can implement this on its RTOS.
#pragma once

#include <cstdint>

namespace onyx {

class ShareSpeeds;

// Where run w of [0, units) ends, for runs in whole grains in proportion to the workers' speeds:
// it begins at `begin` and runs at `speed`, the next at `next`; `before` is the summed speed of
// runs 0..w, `total` that of all (equal speeds: 1, 1, w + 1 and workers()). Of the two grain
// ends either side of its exact end, the one that leaves the longer of run w and run w + 1 (to
// its exact end) shorter, the later on a tie; the last run ends at units. (The nearest end is
// not that: 14 tile rows at speeds 0.65 and 1 are 5.5 + 8.5, and 6 + 8 keeps the first thread
// 9.2 rows' time where 5 + 9 keeps the second 9; 5 units in grains of 2 are 4 + 1 where 2 + 3
// is shorter.) One rule for the equal split below and the measured one (ShareSpeeds::split).
inline int64_t share_end(int64_t units, int64_t grain, int64_t begin, double before, double speed, double next,
                         double total) {
  if (before >= total) return units;
  const double end = static_cast<double>(units) * before / total;
  const double next_end = static_cast<double>(units) * (before + next) / total;
  int64_t lo = static_cast<int64_t>(end / static_cast<double>(grain)) * grain;
  lo = lo < begin ? begin : lo > units ? units : lo;
  const int64_t hi = lo + grain < units ? lo + grain : units;
  auto longer = [&](int64_t e) {
    const double mine = static_cast<double>(e - begin) / speed, theirs = (next_end - static_cast<double>(e)) / next;
    return mine > theirs ? mine : theirs;
  };
  return longer(lo) < longer(hi) ? lo : hi;
}

class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  // Threads that execute tasks, the caller's included (>= 1).
  virtual int workers() const = 0;
  // Calls fn(context, task, worker) for every task in [0, tasks), spread over the workers
  // (worker in [0, workers())); returns when all have finished. Not reentrant. Kernels number
  // tasks in memory order, so a runner that gives worker w mostly the w-th of workers() runs of
  // consecutive tasks keeps each thread on the data it wrote in the layer before (ThreadPool).
  virtual void run(int64_t tasks, void (*fn)(void* context, int64_t task, int worker), void* context) = 0;

  // Splits [0, units) into one run of consecutive units per worker, in whole multiples of
  // `grain` (the last unit may end a partial grain), and calls fn(context, begin, end, worker)
  // once for each non-empty run; returns when all have finished. For work that costs the same
  // per unit and is worth keeping in one piece per thread (a GEMM that packs its operand once).
  // Here equal runs; a runner that knows its threads' speeds (ThreadPool measures them: a
  // thread whose core another tenant shares, or a little core, runs slower) gives the faster
  // ones longer runs, so all finish together. `speeds`, when not null, is the estimate to size
  // and learn the runs with: RunContext::parallel_shares keeps one per call site, since how
  // much faster one core is depends on the kernel.
  virtual void run_shares(int64_t units, int64_t grain, void (*fn)(void* context, int64_t begin, int64_t end, int worker),
                          void* context, ShareSpeeds* speeds) {
    (void)speeds;
    struct Job {
      int64_t units, grain, workers;
      void (*fn)(void*, int64_t, int64_t, int);
      void* context;
    } job{units, grain < 1 ? 1 : grain, workers(), fn, context};
    run(job.workers, [](void* c, int64_t w, int worker) {
      const Job& j = *static_cast<const Job*>(c);
      // Run w's bounds, as ShareSpeeds::split makes them at equal speeds (each end from the one before).
      const auto total = static_cast<double>(j.workers);
      int64_t b = 0, e = 0;
      for (int64_t v = 0; v <= w; ++v) {
        b = e;
        e = share_end(j.units, j.grain, b, static_cast<double>(v + 1), 1.0, 1.0, total);
      }
      if (b < e) j.fn(j.context, b, e, worker);
    }, &job);
  }
};

}  // namespace onyx
