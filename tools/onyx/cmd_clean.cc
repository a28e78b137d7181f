// onyx clean: lossless simplification of a model (see onyx/graph_passes.h).
#include <sys/stat.h>

#include <cstring>

#include "cli.h"
#include "onyx/graph_passes.h"
#include "onyx/graph_run.h"
#include "writer.h"

namespace onyx::cli {

static const char* kCleanHelp =
    "usage: onyx clean IN -o OUT [--no-fold] [--keep-unused-inputs] [--keep-initializer-inputs]\n"
    "                  [--verify] [--seed N]\n"
    "\n"
    "Writes a simplified copy of IN that computes the same outputs: folds constant nodes (with\n"
    "the runtime's kernels), removes Identity and inference-time Dropout, unused nodes,\n"
    "initializers, inputs and value_info, merges identical initializers and drops initializers\n"
    "from the graph inputs. Prints node and initializer counts and file sizes before and after.\n"
    "--verify runs both models on the same random inputs and requires bit-identical outputs.\n"
    "Exit status: 0 done, 1 load/save/verify failure, 2 usage error.\n";

static long long file_size(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : -1;
}

// Both models on the same random inputs; outputs must match bit for bit.
static Status verify(const std::shared_ptr<Model>& before, const std::shared_ptr<Model>& after, unsigned seed) {
  std::vector<NamedTensor> inputs;
  for (const ValueInfo& vi : before->graph.inputs) {
    if (before->graph.initializer(vi.name) != nullptr) continue;
    Result<Tensor> t = random_input(vi, seed + static_cast<unsigned>(inputs.size()));
    if (!t.ok()) return t.status();
    inputs.push_back({vi.name, *t, ""});
  }
  std::vector<NamedTensor> after_inputs;
  for (const NamedTensor& in : inputs) {
    for (const ValueInfo& vi : after->graph.inputs) {
      if (vi.name == in.name) after_inputs.push_back(in);  // clean may drop unused inputs
    }
  }
  Result<std::vector<NamedTensor>> a = run_model(std::shared_ptr<const Model>(before), inputs);
  if (!a.ok()) return a.status().with_context("verify: the original model");
  Result<std::vector<NamedTensor>> b = run_model(std::shared_ptr<const Model>(after), after_inputs);
  if (!b.ok()) return b.status().with_context("verify: the cleaned model");
  if (a->size() != b->size()) return error(Code::kInternal, "verify: the cleaned model has other outputs");
  for (size_t i = 0; i < a->size(); ++i) {
    const Tensor& x = (*a)[i].tensor;
    const Tensor& y = (*b)[i].tensor;
    bool same = (*a)[i].name == (*b)[i].name && x.dtype() == y.dtype() && x.shape() == y.shape();
    if (same && x.dtype() == DType::kString) {
      for (int64_t k = 0; same && k < x.numel(); ++k) same = x.data_as<std::string>()[k] == y.data_as<std::string>()[k];
    } else if (same && x.nbytes() != 0) {
      same = std::memcmp(x.data(), y.data(), x.nbytes()) == 0;
    }
    if (!same) return error(Code::kInternal, "verify: output '", (*a)[i].name, "' differs after cleaning");
  }
  return Status();
}

int cmd_clean(int argc, char** argv) {
  Result<Args> args = parse_args(argc, argv, 2, {"-o", "--output", "--seed"},
                                 {"--no-fold", "--keep-unused-inputs", "--keep-initializer-inputs", "--verify", "--help", "-h"});
  if (!args.ok()) return fail("clean", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("%s", kCleanHelp);
    return 0;
  }
  std::string out = args->get("-o", args->get("--output"));
  if (args->positional.size() != 1 || out.empty()) {
    std::fprintf(stderr, "%s", kCleanHelp);
    return 2;
  }
  Result<long long> seed_flag = int_flag(*args, "--seed", 1);
  if (!seed_flag.ok()) return fail("clean", seed_flag.status());
  const long long seed = *seed_flag;
  const std::string& in = args->positional[0];
  Result<std::shared_ptr<Model>> model = load_model(in);
  if (!model.ok()) return fail("clean", model.status());
  auto cleaned = std::make_shared<Model>(**model);
  CleanOptions options;
  options.fold_constants = !args->has("--no-fold");
  options.remove_unused_inputs = !args->has("--keep-unused-inputs");
  options.drop_initializer_inputs = !args->has("--keep-initializer-inputs");
  CleanReport report = clean_model(*cleaned, options);
  Status st = save_model_file(*cleaned, out);
  if (!st.ok()) return fail("clean", st);
  std::printf("%s\n", report.summary().c_str());
  std::printf("bytes %lld -> %lld\n", file_size(in), file_size(out));
  if (args->has("--verify")) {
    st = verify(*model, cleaned, static_cast<unsigned>(seed));
    if (!st.ok()) return fail("clean", st);
    std::printf("verified: identical outputs on random inputs\n");
  }
  return 0;
}

}  // namespace onyx::cli
