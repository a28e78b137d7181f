// libFuzzer target 1: load a model from bytes (protobuf parse, conversion, tensor decoding).
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)onyx::fuzz::load(data, size);
  return 0;
}
