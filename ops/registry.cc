#include "registry.h"

#include <string_view>

#include "op_subset.h"  // generated from the Meson option -Dops (see ops/meson.build)

// In an op-subset build only rows whose factory has ONYX_KEEP_<factory> defined (as "~, 1") are
// compiled in: ONYX_KEPT yields the second item of the expanded list, 1 for those and 0
// otherwise, and ONYX_ROW keeps or drops the row accordingly. Dropped kernels are then
// referenced by nothing and --gc-sections removes them.
#if ONYX_OP_SUBSET && !defined(ONYX_ALL_OPS)  // ONYX_ALL_OPS: the firmware's all-ops size build
#define ONYX_SECOND(a, b, ...) b
#define ONYX_KEPT_(...) ONYX_SECOND(__VA_ARGS__, 0, ~)
#define ONYX_KEPT(factory) ONYX_KEPT_(ONYX_KEEP_##factory)
#define ONYX_IF_0(...)
#define ONYX_IF_1(...) __VA_ARGS__
#define ONYX_ROW(factory, ...) ONYX_CONCAT(ONYX_IF_, ONYX_KEPT(factory))(__VA_ARGS__)
#else
#define ONYX_ROW(factory, ...) __VA_ARGS__
#endif

namespace onyx {

// Declare every factory named in the family tables.
#define ONYX_OP(domain, op_type, factory, mask, ...) std::unique_ptr<Kernel> factory();
#include "control/table.inc"
#include "elementwise/table.inc"
#include "loss/table.inc"
#include "nn/table.inc"
#include "quant/table.inc"
#include "random/table.inc"
#include "reduce/table.inc"
#include "rnn/table.inc"
#include "sequence/table.inc"
#include "signal/table.inc"
#include "tensor/table.inc"
#include "text/table.inc"
#include "training/table.inc"
#include "vision/table.inc"
#undef ONYX_OP

const std::vector<OpEntry>& op_table() {
#define ONYX_OP(domain, op_type, factory, mask, ...) ONYX_ROW(factory, {domain, op_type, {__VA_ARGS__, 0}, &factory, mask},)
  static const std::vector<OpEntry> table = {
#include "control/table.inc"
#include "elementwise/table.inc"
#include "loss/table.inc"
#include "nn/table.inc"
#include "quant/table.inc"
#include "random/table.inc"
#include "reduce/table.inc"
#include "rnn/table.inc"
#include "sequence/table.inc"
#include "signal/table.inc"
#include "tensor/table.inc"
#include "text/table.inc"
#include "training/table.inc"
#include "vision/table.inc"
  };
#undef ONYX_OP
  return table;
}

static bool same_domain(std::string_view a, std::string_view b) {
  auto norm = [](std::string_view d) { return d == "ai.onnx" ? std::string_view() : d; };
  return norm(a) == norm(b);
}

Result<OpMatch> find_op(const std::string& domain, const std::string& op_type, int64_t opset) {
  bool known = false;
  int oldest = 0;
  for (const OpEntry& e : op_table()) {
    if (op_type != e.op_type || !same_domain(domain, e.domain)) continue;
    known = true;
    int best = 0;
    for (int i = 0; e.versions[i] != 0; ++i) {
      if (e.versions[i] <= opset) best = e.versions[i];
    }
    if (best != 0) return OpMatch{&e, best};
    oldest = e.versions[0];
  }
  std::string dom = domain.empty() ? "ai.onnx" : domain;
  if (!known) {
    return error(Code::kUnsupported, "unsupported operator '", op_type, "' (domain '", dom,
                 "', opset ", opset, ")");
  }
  return error(Code::kUnsupported, "operator '", op_type, "' (domain '", dom, "') needs opset >= ",
               oldest, " but the model imports opset ", opset);
}

}  // namespace onyx
