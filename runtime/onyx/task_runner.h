// How kernels split work over threads without the core depending on threads: the session is
// given (or, on hosted builds, makes) a TaskRunner; kernels call RunContext::parallel_for,
// which runs serially when there is none. A firmware can implement this on its RTOS.
#pragma once

#include <cstdint>

namespace onyx {

class ShareSpeeds;

// Where run w's share of [0, units) ends, for runs in whole grains in proportion to the workers'
// speeds: `before` is the summed speed of runs 0..w, `total` that of all (equal speeds: w + 1
// and workers()). The last run ends at units. One rule for the equal split below and the
// measured one (ShareSpeeds::split).
inline int64_t share_end(int64_t units, int64_t grain, double before, double total) {
  const int64_t grains = (units + grain - 1) / grain;
  const auto g = static_cast<int64_t>(static_cast<double>(grains) * before / total + 0.5);
  return before >= total ? units : g * grain < units ? g * grain : units;
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
      const auto total = static_cast<double>(j.workers);
      const int64_t b = w == 0 ? 0 : share_end(j.units, j.grain, static_cast<double>(w), total);
      const int64_t e = share_end(j.units, j.grain, static_cast<double>(w + 1), total);
      if (b < e) j.fn(j.context, b, e, worker);
    }, &job);
  }
};

}  // namespace onyx
