// The hosted TaskRunner: a fixed set of std::threads that sleep on a condition variable
// between jobs. The jobs of one inference come back to back (one per layer), and waking a
// sleeping thread costs tens of microseconds on a busy machine, about as much as a small layer,
// so a worker first polls for the next job for up to kSpin; after that it sleeps (an idle
// runtime does not burn a core). The calling thread works too, so ThreadPool(n) starts n - 1
// threads, and when its share is done it polls the same way for the others to finish.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "onyx/task_runner.h"

namespace onyx {

class ThreadPool final : public TaskRunner {
 public:
  explicit ThreadPool(int workers);
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int workers() const override { return static_cast<int>(threads_.size()) + 1; }
  void run(int64_t tasks, void (*fn)(void*, int64_t, int), void* context) override;

 private:
  void work(int worker);
  // Takes tasks of the current job until none is left; returns how many it ran.
  int64_t drain(int worker);

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  static constexpr std::chrono::microseconds kSpin{200};
  std::atomic<uint64_t> generation_{0};  // bumped per job (under mutex_); workers wait for a new one
  bool stop_ = false;
  void (*fn_)(void*, int64_t, int) = nullptr;
  void* context_ = nullptr;
  int64_t tasks_ = 0, next_ = 0;
  std::atomic<int64_t> finished_{0};  // changed under mutex_; read without it while the caller polls
};

}  // namespace onyx
