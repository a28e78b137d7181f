// onyx ops: the registered operators with their schema versions and dtypes.
#include "cli.h"
#include "registry.h"

namespace onyx::cli {

int cmd_ops(int argc, char** argv) {
  Result<Args> args = parse_args(argc, argv, 2, {}, {"--markdown", "--help", "-h"});
  if (!args.ok()) return fail("ops", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("usage: onyx ops [--markdown]\n\nLists every registered operator: domain, op type, the ONNX schema\n"
                "versions implemented and the element types of its main type constraint.\n");
    return 0;
  }
  bool md = args->has("--markdown");
  if (md) {
    std::printf("| domain | operator | versions | dtypes |\n|---|---|---|---|\n");
  }
  for (const OpEntry& e : op_table()) {
    std::string versions;
    for (int i = 0; e.versions[i] != 0; ++i) versions += (i ? ", " : "") + std::to_string(e.versions[i]);
    const char* domain = e.domain[0] ? e.domain : "ai.onnx";
    if (md) {
      std::printf("| %s | %s | %s | %s |\n", domain, e.op_type, versions.c_str(), mask_names(e.dtypes).c_str());
    } else {
      std::printf("%s %s versions %s dtypes %s\n", domain, e.op_type, versions.c_str(), mask_names(e.dtypes).c_str());
    }
  }
  return 0;
}

}  // namespace onyx::cli
