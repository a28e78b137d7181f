// onyx: the command-line front end of the Onyx runtime.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cli.h"
#include "prims/fast_paths.h"
#include "simd/isa.h"

namespace {

void usage(FILE* out) {
  std::fprintf(out,
               "usage: onyx <command> [options]\n"
               "\n"
               "commands:\n"
               "  run MODEL [--input NAME=FILE ...] [--random] [--output-dir DIR]\n"
               "                       run a model on .npy/.pb inputs and print its outputs\n"
               "  test PATH... [--rtol R] [--atol A] [--expect FILE] [--skip FILE]\n"
               "                       run ONNX backend-layout test folders and compare outputs\n"
               "  inspect MODEL [--json]\n"
               "                       versions, inputs/outputs, op histogram, parameters, arena\n"
               "  bench MODEL [--runs N] [--warmup N] [--threads N] [--json] [--profile]\n"
               "                       latency min/median/p90 and load+prepare time\n"
               "  ops [--markdown]     list the registered operators with versions and dtypes\n"
               "  demo                 run the bundled camera demo (motion detector + CNN)\n"
               "  compile MODEL -o OUT.onyx [--shape NAME=DIMS] [--c-array OUT.c] [--list-ops]\n"
               "                       prepare a model ahead of time (.onyx) for devices\n"
               "  check MODEL [--static-inputs] [--max-weights B] [--max-arena B]\n"
               "                       report every problem of a model, naming node and tensor\n"
               "  clean IN -o OUT [--verify]\n"
               "                       lossless simplification (fold, Identity, unused, dedupe)\n"
               "  merge A B --map A_OUT=B_IN ... -o OUT\n"
               "                       feed outputs of model A into inputs of model B\n"
               "  extract IN --inputs ... --outputs ... -o OUT\n"
               "                       the subgraph between given tensors\n"
               "  dot IN [-o OUT.svg|OUT.png|OUT.dot]\n"
               "                       draw the graph with Graphviz\n"
               "\n"
               "Run 'onyx <command> --help' for the options of one command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("onyx 0.1.0\n");
    return 0;
  }
  // ONYX_REFERENCE_KERNELS=1 runs every primitive on its scalar reference (the test oracle).
  const char* ref = std::getenv("ONYX_REFERENCE_KERNELS");
  if (ref != nullptr && std::strcmp(ref, "1") == 0) onyx::prims::set_fast_paths_enabled(false);
  // ONYX_MAX_ISA=avx2|sse2|scalar|... caps the SIMD kernels (to test or compare every path).
  if (const char* isa = std::getenv("ONYX_MAX_ISA"); isa != nullptr && *isa != '\0') {
    onyx::simd::Isa cap;
    if (!onyx::simd::parse_isa(isa, &cap)) {
      std::fprintf(stderr, "onyx: ONYX_MAX_ISA='%s' is not one of scalar, sse2, avx2, avx512, neon, neon64\n", isa);
      return 2;
    }
    onyx::simd::set_max_isa(cap);
  }
  const char* cmd = argv[1];
  using namespace onyx::cli;
  if (std::strcmp(cmd, "run") == 0) return cmd_run(argc, argv);
  if (std::strcmp(cmd, "test") == 0) return cmd_test(argc, argv);
  if (std::strcmp(cmd, "inspect") == 0) return cmd_inspect(argc, argv);
  if (std::strcmp(cmd, "bench") == 0) return cmd_bench(argc, argv);
  if (std::strcmp(cmd, "ops") == 0) return cmd_ops(argc, argv);
  if (std::strcmp(cmd, "demo") == 0) return cmd_demo(argc, argv);
  if (std::strcmp(cmd, "compile") == 0) return cmd_compile(argc, argv);
  if (std::strcmp(cmd, "check") == 0) return cmd_check(argc, argv);
  if (std::strcmp(cmd, "clean") == 0) return cmd_clean(argc, argv);
  if (std::strcmp(cmd, "merge") == 0) return cmd_merge(argc, argv);
  if (std::strcmp(cmd, "extract") == 0) return cmd_extract(argc, argv);
  if (std::strcmp(cmd, "dot") == 0) return cmd_dot(argc, argv);
  std::fprintf(stderr, "onyx: unknown command '%s'\n\n", cmd);
  usage(stderr);
  return 2;
}
