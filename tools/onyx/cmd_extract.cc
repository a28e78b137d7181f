// onyx extract: the part of a model between given tensors (see onyx/graph_merge.h).
#include "cli.h"
#include "onyx/graph_merge.h"
#include "writer.h"

namespace onyx::cli {

static const char* kExtractHelp =
    "usage: onyx extract IN --outputs NAME[,NAME...] [--inputs NAME[,NAME...]] -o OUT\n"
    "\n"
    "Writes the subgraph of IN that computes the --outputs tensors (any tensors of the graph,\n"
    "e.g. an intermediate layer) from the --inputs tensors; graph inputs it still needs are kept\n"
    "as inputs. Both options may repeat. Types come from the model's declarations, else from\n"
    "shape inference.\n"
    "Exit status: 0 done, 1 load/extract/save failure, 2 usage error.\n";

static std::vector<std::string> split_names(const std::vector<std::string>& specs) {
  std::vector<std::string> out;
  for (const std::string& spec : specs) {
    size_t start = 0;
    while (start <= spec.size()) {
      size_t comma = spec.find(',', start);
      if (comma == std::string::npos) comma = spec.size();
      if (comma > start) out.push_back(spec.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

int cmd_extract(int argc, char** argv) {
  Result<Args> args = parse_args(argc, argv, 2, {"--inputs", "--outputs", "-o", "--output"}, {"--help", "-h"});
  if (!args.ok()) return fail("extract", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("%s", kExtractHelp);
    return 0;
  }
  std::string out = args->get("-o", args->get("--output"));
  std::vector<std::string> inputs = split_names(args->all("--inputs"));
  std::vector<std::string> outputs = split_names(args->all("--outputs"));
  if (args->positional.size() != 1 || out.empty() || outputs.empty()) {
    std::fprintf(stderr, "%s", kExtractHelp);
    return 2;
  }
  Result<std::shared_ptr<Model>> model = load_model(args->positional[0]);
  if (!model.ok()) return fail("extract", model.status());
  Result<Model> part = extract_model(**model, inputs, outputs);
  if (!part.ok()) {
    std::fprintf(stderr, "onyx extract: error: %s\n", part.status().message().c_str());
    return 1;
  }
  Status st = save_model_file(*part, out);
  if (!st.ok()) return fail("extract", st);
  const Graph& g = part->graph;
  std::printf("extracted %zu of %zu nodes -> %s\n", g.nodes.size(), (*model)->graph.nodes.size(), out.c_str());
  for (const ValueInfo& vi : g.inputs) {
    if (g.initializer(vi.name) == nullptr) std::printf("  input  %s %s\n", vi.name.c_str(), type_str(vi.type).c_str());
  }
  for (const ValueInfo& vi : g.outputs) std::printf("  output %s %s\n", vi.name.c_str(), type_str(vi.type).c_str());
  return 0;
}

}  // namespace onyx::cli
