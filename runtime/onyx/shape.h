// Shapes: dims of a tensor, and the checked arithmetic on them. Every element count derived
// from untrusted input goes through checked_numel so that overflow is an error, not a wrap.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "onyx/status.h"

namespace onyx {

using Dims = std::vector<int64_t>;

// Largest element count a single tensor may have (2^40); bigger is treated as hostile.
constexpr int64_t kMaxElements = int64_t{1} << 40;

// Product of dims, or an error if a dim is negative or the product exceeds kMaxElements.
Result<int64_t> checked_numel(const Dims& dims);
// Product of dims for shapes already validated.
int64_t numel(const Dims& dims);
// a*b with overflow/limit check; false on overflow.
bool checked_mul(int64_t a, int64_t b, int64_t* out);
bool checked_add(int64_t a, int64_t b, int64_t* out);

// Row-major strides in elements.
Dims strides_of(const Dims& dims);

// Normalises a possibly negative axis into [0, rank); false if out of range.
bool normalize_axis(int64_t axis, int64_t rank, int64_t* out);

// Multidirectional (numpy) broadcasting of two shapes; false if incompatible.
bool broadcast_shapes(const Dims& a, const Dims& b, Dims* out);

// "[1, 3, 224, 224]"
std::string shape_str(const Dims& dims);

}  // namespace onyx
