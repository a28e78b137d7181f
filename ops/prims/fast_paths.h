// A process-wide switch between the fast primitives (Eigen GEMM, im2col convolution, direct
// depthwise) and their scalar references. The references are the oracles; turning the fast
// paths off lets a whole model or the conformance suite run on the references alone.
// Set it before creating sessions (the `onyx` tool reads ONYX_REFERENCE_KERNELS=1).
#pragma once

#include <atomic>

namespace onyx::prims {

inline std::atomic<bool>& fast_paths_flag() {
  static std::atomic<bool> enabled{true};
  return enabled;
}
inline bool fast_paths_enabled() { return fast_paths_flag().load(std::memory_order_relaxed); }
inline void set_fast_paths_enabled(bool on) { fast_paths_flag().store(on, std::memory_order_relaxed); }

}  // namespace onyx::prims
