// onyx merge: connect outputs of one model to inputs of another (see onyx/graph_merge.h).
#include "cli.h"
#include "onyx/graph_merge.h"
#include "writer.h"

namespace onyx::cli {

static const char* kMergeHelp =
    "usage: onyx merge A B --map A_TENSOR=B_INPUT [--map ...] -o OUT [--prefix P] [--keep-outputs]\n"
    "                  [--no-check]\n"
    "\n"
    "Writes one model in which each A_TENSOR of model A (usually a graph output) feeds input\n"
    "B_INPUT of model B. Names of B that clash with A get the prefix P (default 'g2_'). The result\n"
    "reads A's inputs and B's unconnected ones and gives A's unconnected outputs (all of them with\n"
    "--keep-outputs) then B's outputs. Opset and IR version are the larger of the two. The merged\n"
    "model is checked (as by 'onyx check') unless --no-check.\n"
    "Exit status: 0 done, 1 load/merge/save failure, 2 usage error.\n";

int cmd_merge(int argc, char** argv) {
  Result<Args> args = parse_args(argc, argv, 2, {"--map", "-o", "--output", "--prefix"},
                                 {"--keep-outputs", "--no-check", "--help", "-h"});
  if (!args.ok()) return fail("merge", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("%s", kMergeHelp);
    return 0;
  }
  std::string out = args->get("-o", args->get("--output"));
  if (args->positional.size() != 2 || out.empty() || args->all("--map").empty()) {
    std::fprintf(stderr, "%s", kMergeHelp);
    return 2;
  }
  std::vector<std::pair<std::string, std::string>> io_map;
  for (const std::string& spec : args->all("--map")) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return fail("merge", error(Code::kInvalidArgument, "--map expects A_TENSOR=B_INPUT, got '", spec, "'"));
    }
    io_map.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
  }
  MergeOptions options;
  options.prefix = args->get("--prefix", options.prefix);
  options.keep_connected_outputs = args->has("--keep-outputs");
  options.check = !args->has("--no-check");
  Result<std::shared_ptr<Model>> a = load_model(args->positional[0]);
  if (!a.ok()) return fail("merge", a.status());
  Result<std::shared_ptr<Model>> b = load_model(args->positional[1]);
  if (!b.ok()) return fail("merge", b.status());
  Result<Model> merged = merge_models(**a, **b, io_map, options);
  if (!merged.ok()) {
    std::fprintf(stderr, "onyx merge: error: %s\n", merged.status().message().c_str());
    return 1;
  }
  Status st = save_model_file(*merged, out);
  if (!st.ok()) return fail("merge", st);
  const Graph& g = merged->graph;
  std::printf("merged %s + %s -> %s: %zu nodes, %zu inputs, %zu outputs\n", args->positional[0].c_str(),
              args->positional[1].c_str(), out.c_str(), g.nodes.size(), g.inputs.size(), g.outputs.size());
  for (const ValueInfo& vi : g.outputs) std::printf("  output %s %s\n", vi.name.c_str(), type_str(vi.type).c_str());
  return 0;
}

}  // namespace onyx::cli
