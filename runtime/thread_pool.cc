#include "thread_pool.h"

#include <algorithm>

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#endif

namespace onyx {
namespace {

// The CPUs for `threads` pool threads: the ones this thread may run on, other than the one it
// is on, starting after it (on a two-CPU machine, the other one); none when there are too few.
std::vector<int> pool_cpus(int threads) {
  std::vector<int> cpus;
#ifdef __linux__
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (threads < 1 || sched_getaffinity(0, sizeof allowed, &allowed) != 0) return cpus;
  const int caller = sched_getcpu();
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &allowed) && c != caller) cpus.push_back(c);
  }
  if (static_cast<int>(cpus.size()) < threads) return {};
  std::rotate(cpus.begin(), std::lower_bound(cpus.begin(), cpus.end(), caller), cpus.end());
  cpus.resize(static_cast<size_t>(threads));
#endif
  return cpus;
}

uint64_t range_of(int64_t begin, int64_t end) {
  return static_cast<uint64_t>(begin) << 32 | static_cast<uint64_t>(end);
}
int64_t begin_of(uint64_t r) { return static_cast<int64_t>(r >> 32); }
int64_t end_of(uint64_t r) { return static_cast<int64_t>(r & 0xFFFFFFFFu); }

}  // namespace

ThreadPool::ThreadPool(int workers, bool pin)
    : shares_(new Share[static_cast<size_t>(workers < 1 ? 1 : workers)]),
      speeds_(workers),
      bounds_(new int64_t[static_cast<size_t>(speeds_.workers()) + 1]),
      seconds_(new double[static_cast<size_t>(speeds_.workers())]) {
  const std::vector<int> cpus = pin ? pool_cpus(workers - 1) : std::vector<int>{};
  cpus_.assign(static_cast<size_t>(std::max(workers, 1)), -1);
  for (int i = 1; i < workers; ++i) {
    threads_.emplace_back([this, i] { work(i); });
#ifdef __linux__
    if (!cpus.empty()) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpus[static_cast<size_t>(i - 1)], &one);
      // Best effort: a thread left floating still works.
      if (pthread_setaffinity_np(threads_.back().native_handle(), sizeof one, &one) == 0) {
        cpus_[static_cast<size_t>(i)] = cpus[static_cast<size_t>(i - 1)];
      }
    }
#endif
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool ThreadPool::take(int worker, int64_t* task) {
  const int n = workers();
  for (int i = 0; i < n; ++i) {
    const bool own = i == 0;
    std::atomic<uint64_t>& range = shares_[static_cast<size_t>((worker + i) % n)].range;
    uint64_t r = range.load(std::memory_order_acquire);
    while (begin_of(r) < end_of(r)) {
      const uint64_t rest = own ? range_of(begin_of(r) + 1, end_of(r)) : range_of(begin_of(r), end_of(r) - 1);
      if (range.compare_exchange_weak(r, rest, std::memory_order_acq_rel, std::memory_order_acquire)) {
        *task = own ? begin_of(r) : end_of(r) - 1;
        return true;
      }
    }
  }
  return false;
}

void ThreadPool::drain(int worker) {
  int64_t task = 0;
  while (take(worker, &task)) {
    // The job is read after taking one of its tasks (see fn_): it stays until that task is done.
    void (*fn)(void*, int64_t, int) = fn_;
    void* context = context_;
    const int64_t tasks = tasks_;
    fn(context, task, worker);
    if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == tasks) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_all();
    }
  }
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
  const int n = workers();
  if (n == 1 || tasks == 1 || tasks > kMaxTasks) {
    for (int64_t t = 0; t < tasks; ++t) fn(context, t, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fn_ = fn;
    context_ = context;
    tasks_ = tasks;
    finished_.store(0, std::memory_order_relaxed);
    for (int w = 0; w < n; ++w) {
      shares_[static_cast<size_t>(w)].range.store(range_of(w * tasks / n, (w + 1) * tasks / n),
                                                  std::memory_order_release);
    }
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  drain(0);
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (uint32_t polls = 1; finished_.load(std::memory_order_acquire) != tasks; ++polls) {
    if (polls % 64 == 0 && std::chrono::steady_clock::now() >= until) break;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return finished_.load(std::memory_order_acquire) == tasks; });
}

void ThreadPool::run_shares(int64_t units, int64_t grain, void (*fn)(void*, int64_t, int64_t, int),
                            void* context, ShareSpeeds* speeds) {
  const int n = workers();
  grain = grain < 1 ? 1 : grain;
  if (units <= 0) return;
  if (n == 1 || units <= grain) {
    fn(context, 0, units, 0);
    return;
  }
  ShareSpeeds& estimate = speeds != nullptr && speeds->workers() == n ? *speeds : speeds_;
  estimate.split(units, grain, bounds_.get());
  std::fill(seconds_.get(), seconds_.get() + n, 0.0);
  struct Job {
    ThreadPool* pool;
    void (*fn)(void*, int64_t, int64_t, int);
    void* context;
  } job{this, fn, context};
  // Share w is task w; a worker that finds its own done takes another's not yet started (then
  // that run is not timed: it says nothing of its owner's speed).
  run(n, [](void* c, int64_t w, int worker) {
    const Job& j = *static_cast<const Job*>(c);
    const auto i = static_cast<size_t>(w);
    const int64_t begin = j.pool->bounds_[i], end = j.pool->bounds_[i + 1];
    if (begin >= end) return;
    const auto start = std::chrono::steady_clock::now();
    j.fn(j.context, begin, end, worker);
    if (worker == w) j.pool->seconds_[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }, &job);
  estimate.update(bounds_.get(), seconds_.get());
}

}  // namespace onyx
