// The hosted TaskRunner: a fixed set of std::threads that sleep on a condition variable
// between jobs. The jobs of one inference come back to back (one per layer), and waking a
// sleeping thread costs tens of microseconds on a busy machine, about as much as a small layer,
// so a worker first polls for the next job for up to kSpin; after that it sleeps (an idle
// runtime does not burn a core). The calling thread works too, so ThreadPool(n) starts n - 1
// threads, and when its share is done it polls the same way for the others to finish.
//
// Each job's tasks are dealt out as one run of consecutive tasks per worker, and a worker that
// finishes its run takes tasks from the back of the others'. So, when the threads keep pace,
// worker w runs the same part of every layer (kernels number tasks in memory order: the top
// rows of an image, the first channels), and reads mostly what it wrote itself in the layer
// before: reading what another core wrote ran at a quarter of the speed on a two-core Zen 5.
// When a thread lags (another tenant on its core), the others take over its work.
//
// run_shares gives each worker one run sized to its speed: the pool times every run on its own
// worker and keeps a moving estimate of each thread's units per second relative to the others
// (onyx/share_speeds.h), the caller's for that call site (RunContext keeps one per site of each
// step) or its own.
//
// The threads keep to CPUs of their own (pin). A woken thread is otherwise placed by Linux near
// the thread that woke it, often on the same CPU: after an idle spell, as between a camera's
// frames, the two then took turns on one CPU for milliseconds. With 33 ms idle before each run
// (30 frames a second), two threads ran SqueezeNet 1.1 in 5.1 ms unpinned and 3.5 ms pinned
// (back to back: 3.4 ms), slower unpinned than one thread (4.6 ms).
//
// On a shared cloud machine one vCPU can run a quarter slower than the other for minutes (here
// ResNet-18 took 21.2 ms pinned to one and 16.8 ms pinned to the other), as a little core does
// on a phone or camera SoC: equal halves then wait for the slow thread, shares sized to the
// speeds finish together.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "onyx/share_speeds.h"
#include "onyx/task_runner.h"

namespace onyx {

class ThreadPool final : public TaskRunner {
 public:
  // With `pin`, each of the workers - 1 threads keeps to a CPU of its own, other than the
  // creating thread's, when the process may run on enough CPUs (pool_cpus in thread_pool.cc).
  explicit ThreadPool(int workers, bool pin = true);
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int workers() const override { return static_cast<int>(threads_.size()) + 1; }
  void run(int64_t tasks, void (*fn)(void*, int64_t, int), void* context) override;
  void run_shares(int64_t units, int64_t grain, void (*fn)(void*, int64_t, int64_t, int), void* context,
                  ShareSpeeds* speeds) override;
  // Worker w's relative speed (the mean over workers is 1), as run_shares sizes its runs.
  double speed(int worker) const { return speeds_.speed(worker); }
  // The CPU worker w (>= 1) keeps to, or -1 (not pinned; the caller, worker 0, never is).
  int cpu(int worker) const { return cpus_[static_cast<size_t>(worker)]; }

 private:
  // A worker's tasks not yet taken, [begin, end) in one word: the owner takes from the front
  // and the others from the back, each with one compare-and-swap.
  struct alignas(64) Share {
    std::atomic<uint64_t> range{0};
  };
  static constexpr int64_t kMaxTasks = 0xFFFFFFFF;  // 32 bits each for begin and end

  void work(int worker);
  // Takes a task: the front of the worker's own share, else the back of another's.
  bool take(int worker, int64_t* task);
  // Runs tasks of the current job until none is left to take.
  void drain(int worker);

  std::vector<std::thread> threads_;
  std::vector<int> cpus_;
  std::unique_ptr<Share[]> shares_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  static constexpr std::chrono::microseconds kSpin{200};
  std::atomic<uint64_t> generation_{0};  // bumped per job (under mutex_); workers wait for a new one
  bool stop_ = false;
  // The current job: written before its shares are published, read by a worker only after it
  // took one of its tasks (the job cannot end, and the next be written, before that task does).
  void (*fn_)(void*, int64_t, int) = nullptr;
  void* context_ = nullptr;
  int64_t tasks_ = 0;
  std::atomic<int64_t> finished_{0};
  // run_shares: the workers' speeds, the current job's run bounds (workers + 1), and how long
  // each run took on its own worker (0: it ran on another, or not at all).
  ShareSpeeds speeds_;
  std::unique_ptr<int64_t[]> bounds_;
  std::unique_ptr<double[]> seconds_;
};

}  // namespace onyx
