#include "thread_pool.h"

namespace onyx {

ThreadPool::ThreadPool(int workers) {
  for (int i = 1; i < workers; ++i) threads_.emplace_back([this, i] { work(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

int64_t ThreadPool::drain(int worker) {
  int64_t ran = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  while (next_ < tasks_) {
    const int64_t task = next_++;
    lock.unlock();
    fn_(context_, task, worker);
    ++ran;
    lock.lock();
    ++finished_;
  }
  if (finished_ == tasks_) done_.notify_all();
  return ran;
}

void ThreadPool::work(int worker) {
  uint64_t seen = 0;
  for (;;) {
    // Poll for the next job (the clock read every 64 polls), then sleep.
    const auto until = std::chrono::steady_clock::now() + kSpin;
    for (uint32_t polls = 1; generation_.load(std::memory_order_acquire) == seen; ++polls) {
      if (polls % 64 == 0 && std::chrono::steady_clock::now() >= until) break;
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    drain(worker);
  }
}

void ThreadPool::run(int64_t tasks, void (*fn)(void*, int64_t, int), void* context) {
  if (tasks <= 0) return;
  if (threads_.empty() || tasks == 1) {
    for (int64_t t = 0; t < tasks; ++t) fn(context, t, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = fn;
    context_ = context;
    tasks_ = tasks;
    next_ = 0;
    finished_ = 0;
    ++generation_;
  }
  wake_.notify_all();
  drain(0);
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (uint32_t polls = 1; finished_.load(std::memory_order_acquire) != tasks; ++polls) {
    if (polls % 64 == 0 && std::chrono::steady_clock::now() >= until) break;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return finished_ == tasks_; });
  tasks_ = 0;  // late wakers find nothing to do
}

}  // namespace onyx
