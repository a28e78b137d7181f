// How kernels split work over threads without the core depending on threads: the session is
// given (or, on hosted builds, makes) a TaskRunner; kernels call RunContext::parallel_for,
// which runs serially when there is none. A firmware can implement this on its RTOS.
#pragma once

#include <cstdint>

namespace onyx {

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
};

}  // namespace onyx
