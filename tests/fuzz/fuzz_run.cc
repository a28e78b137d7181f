// libFuzzer target 3: load, plan and run with small random inputs (seeded by the input size, so
// a crash reproduces from the file alone), twice: the second run reuses the plan.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto model = onyx::fuzz::load(data, size);
  if (!model.ok()) return 0;
  auto session = onyx::fuzz::create(*model);
  if (!session.ok()) return 0;
  if (!onyx::fuzz::bind_random_inputs(**session, static_cast<unsigned>(size)).ok()) return 0;
  if (!(*session)->run().ok()) return 0;
  (void)(*session)->run();
  return 0;
}
