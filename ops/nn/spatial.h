// Shared attribute handling of the windowed ops (Conv, ConvTranspose, the pools): kernel_shape,
// strides, dilations, pads, auto_pad and ceil_mode, resolved into a prims::ConvShape.
#pragma once

#include <string>

#include "kernel.h"
#include "prims/conv.h"

namespace onyx::nn {

struct WindowOptions {
  bool dilations = true;   // the op has a `dilations` attribute
  bool ceil_mode = false;  // the op has a `ceil_mode` attribute
};

// Resolves the window of an op over input `x_shape` ([N, C, spatial...]) with the given kernel
// extents into `shape` (in, out, kernel, strides, dilations, pads-before; batch and
// in_channels copied from x_shape) and the padding after each axis into `pads_end`.
// Errors name the offending attribute.
Status resolve_window(const PrepareContext& ctx, const Dims& x_shape, const Dims& kernel,
                      const WindowOptions& opts, prims::ConvShape* shape, Dims* pads_end);

// Reads the required `kernel_shape` attribute of a pool over `spatial` axes.
Status pool_kernel_shape(const PrepareContext& ctx, size_t spatial, Dims* kernel);

}  // namespace onyx::nn
