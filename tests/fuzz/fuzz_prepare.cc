// libFuzzer target 2: load, then create a session and plan it (kernel resolution, topological
// order, every kernel's prepare, constant folding, the memory plan). Inputs with symbolic dims
// are planned with those dims set to 1.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto model = onyx::fuzz::load(data, size);
  if (!model.ok()) return 0;
  auto session = onyx::fuzz::create(*model);
  if (!session.ok() || (*session)->prepared()) return 0;
  if (!onyx::fuzz::bind_random_inputs(**session, 1).ok()) return 0;
  (void)(*session)->prepare();
  return 0;
}
