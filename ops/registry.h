// The operator registry: one explicit table of every kernel, looked up by (domain, op type,
// opset). No static self-registration, so nothing vanishes from a static library and an
// op-subset build is a matter of which table rows are compiled in.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "onyx/dtype.h"
#include "kernel.h"

namespace onyx {

using KernelFactory = std::unique_ptr<Kernel> (*)();

struct OpEntry {
  const char* domain;    // "" for the default ONNX domain
  const char* op_type;
  // ONNX schema since-versions this kernel implements, ascending, 0-terminated.
  int versions[12];
  KernelFactory create;
  DTypeMask dtypes;      // element types of the main type constraint (for docs and `onyx ops`)
};

// Every registered op.
const std::vector<OpEntry>& op_table();

struct OpMatch {
  const OpEntry* entry = nullptr;
  int since_version = 0;  // the schema version in effect
};

// Finds the kernel for op_type in domain at the model's opset for that domain: the entry whose
// largest version <= opset. An error names what is missing (op, domain, opset).
Result<OpMatch> find_op(const std::string& domain, const std::string& op_type, int64_t opset);

}  // namespace onyx
