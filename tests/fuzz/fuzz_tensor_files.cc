// libFuzzer target 4: the input-file readers of `onyx run` and `onyx test`: TensorProto,
// SequenceProto and OptionalProto .pb files (every expected kind, and the guess), and .npy.
#include "fuzz_common.h"
#include "npy.h"
#include "tensor_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using onyx::TypeInfo;
  (void)onyx::read_npy_buffer(data, size);
  (void)onyx::read_value_buffer(data, size, nullptr);
  TypeInfo seq;
  seq.kind = TypeInfo::Kind::kSequence;
  (void)onyx::read_value_buffer(data, size, &seq);
  TypeInfo opt;
  opt.kind = TypeInfo::Kind::kOptional;
  (void)onyx::read_value_buffer(data, size, &opt);
  return 0;
}
