// The 4x4 register transpose of the two NEON instantiations (isa_neon.cc, isa_neon64.cc): the
// same intrinsics exist on ARMv7 and AArch64. Included only by those two files.
#pragma once

#include <arm_neon.h>

#include "simd/arch_ops.h"

namespace onyx::simd {

template <class Arch>
struct NeonTranspose {
  using V = xsimd::batch<float, Arch>;
  static void apply(V* r) {
    const float32x4x2_t a = vtrnq_f32(r[0], r[1]), b = vtrnq_f32(r[2], r[3]);
    r[0] = vcombine_f32(vget_low_f32(a.val[0]), vget_low_f32(b.val[0]));
    r[1] = vcombine_f32(vget_low_f32(a.val[1]), vget_low_f32(b.val[1]));
    r[2] = vcombine_f32(vget_high_f32(a.val[0]), vget_high_f32(b.val[0]));
    r[3] = vcombine_f32(vget_high_f32(a.val[1]), vget_high_f32(b.val[1]));
  }
};

}  // namespace onyx::simd
