// How a TaskRunner sizes each worker's run in run_shares: a moving estimate of every worker's
// speed (units per second, relative to the others; the mean is 1), learned from how long each
// run took. No clock and no threads here: the runner times the runs (ThreadPool does), so a
// firmware runner on a big.LITTLE part can use it too.
#pragma once

#include <cstdint>
#include <memory>

namespace onyx {

class ShareSpeeds {
 public:
  explicit ShareSpeeds(int workers);

  int workers() const { return workers_; }
  double speed(int worker) const { return speed_[static_cast<size_t>(worker)]; }

  // bounds[0..workers]: worker w's run is [bounds[w], bounds[w + 1]), in whole grains (the last
  // run ends at units), in proportion to the speeds.
  void split(int64_t units, int64_t grain, int64_t* bounds) const;

  // After a job split by `bounds`: seconds[w] is how long worker w took for its own run (0 when
  // it did not run it, or the run was empty). Each run timed over kMinTimed moves its worker's
  // speed towards what it measured, relative to the other timed workers (a measure is first
  // held within a factor of 2 of the current speed): the k-th update by 1/k of the way (a mean
  // of the first measures), from the 16th on by a sixteenth: single runs on a busy machine vary
  // by tens of percent (a quarter of the way made ResNet-18's estimate swing 0.8-1.2 between
  // runs with both vCPUs equally fast). An estimate per layer (RunContext) is updated once per
  // inference, so a lasting difference is learned within a few inferences.
  void update(const int64_t* bounds, const double* seconds);

  // Runs shorter than this say more about waking a thread than about its speed.
  static constexpr double kMinTimed = 20e-6;

 private:
  int workers_;
  int updates_ = 0;
  std::unique_ptr<double[]> speed_;
};

}  // namespace onyx
