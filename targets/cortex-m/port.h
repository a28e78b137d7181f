// The firmware's memory accounting (port.cc): bytes of the static allocation pool in use, the
// high-water mark, and the pool's size.
#pragma once

#include <cstddef>

size_t port_heap_in_use();
size_t port_heap_peak();
size_t port_heap_capacity();
void port_heap_reset_peak();
