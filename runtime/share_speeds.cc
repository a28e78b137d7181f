#include "onyx/share_speeds.h"

#include <algorithm>

#include "onyx/task_runner.h"

namespace onyx {

ShareSpeeds::ShareSpeeds(int workers)
    : workers_(workers < 1 ? 1 : workers), speed_(new double[static_cast<size_t>(workers_)]) {
  std::fill(speed_.get(), speed_.get() + workers_, 1.0);
}

void ShareSpeeds::split(int64_t units, int64_t grain, int64_t* bounds) const {
  grain = std::max<int64_t>(grain, 1);
  double total = 0;
  for (int w = 0; w < workers_; ++w) total += speed(w);
  // Each end from the one before, so that the runs tile [0, units) whatever the rounding.
  double before = 0;
  bounds[0] = 0;
  for (int w = 0; w < workers_; ++w) {
    before += speed(w);
    bounds[w + 1] = w + 1 == workers_ ? units
                                      : share_end(units, grain, bounds[w], before, speed(w), speed(w + 1), total);
  }
}

void ShareSpeeds::update(const int64_t* bounds, const double* seconds) {
  constexpr double kStep = 1.0 / 16, kLeast = 0.2, kMost = 5.0;
  double rate_sum = 0, speed_sum = 0;
  int timed = 0;
  auto rate = [&](int w) { return static_cast<double>(bounds[w + 1] - bounds[w]) / seconds[w]; };
  for (int w = 0; w < workers_; ++w) {
    if (!(seconds[w] >= kMinTimed)) continue;
    rate_sum += rate(w);
    speed_sum += speed(w);
    ++timed;
  }
  if (timed < 2 || !(rate_sum > 0)) return;
  const double step = std::max(kStep, 1.0 / ++updates_);
  for (int w = 0; w < workers_; ++w) {
    if (!(seconds[w] >= kMinTimed)) continue;
    // The timed workers keep their summed speed; each moves towards its share of it, by no more
    // than a factor of 2 per job (one run that lost its core for a time slice is not the speed).
    double& s = speed_[static_cast<size_t>(w)];
    const double target = std::clamp(rate(w) / rate_sum * speed_sum, 0.5 * s, 2.0 * s);
    s = std::clamp(s + step * (target - s), kLeast, kMost);
  }
  double sum = 0;
  for (int w = 0; w < workers_; ++w) sum += speed(w);
  for (int w = 0; w < workers_; ++w) speed_[static_cast<size_t>(w)] *= static_cast<double>(workers_) / sum;
}

}  // namespace onyx
