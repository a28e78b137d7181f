// onyx check: validate a model and print every problem found, one per line.
#include <sys/stat.h>

#include "cli.h"
#include "onyx/graph_check.h"

namespace onyx::cli {

static const char* kCheckHelp =
    "usage: onyx check MODEL [--static-inputs] [--max-weights BYTES] [--max-arena BYTES]\n"
    "                        [--max-file BYTES] [--errors-only]\n"
    "\n"
    "Checks MODEL as this runtime would run it and prints every problem, one per line, naming the\n"
    "node and tensor: opset imports, unique names, every input defined, topological order,\n"
    "supported ops, types and shapes through each kernel's shape inference (symbolic input dims\n"
    "taken as 1), declared output types; warnings for unused nodes, initializers and inputs.\n"
    "Edge-deployment rules (opt-in): --static-inputs (every input dim fixed), --max-weights\n"
    "(initializer and Constant bytes), --max-arena (planned arena bytes), --max-file (file size).\n"
    "BYTES accepts a k, M or G suffix (powers of 1024). The last line counts errors and warnings.\n"
    "Exit status: 0 no errors, 1 errors found (or the model cannot be loaded), 2 usage error.\n";

// "1500", "64k", "2M", "1G" -> bytes.
static Result<uint64_t> parse_bytes(const std::string& flag, const std::string& text) {
  std::string digits = text;
  uint64_t unit = 1;
  if (!digits.empty()) {
    char c = digits.back();
    if (c == 'k' || c == 'K') unit = uint64_t{1} << 10;
    if (c == 'm' || c == 'M') unit = uint64_t{1} << 20;
    if (c == 'g' || c == 'G') unit = uint64_t{1} << 30;
    if (unit != 1) digits.pop_back();
  }
  Result<long long> v = parse_int(flag, digits);
  if (!v.ok() || *v <= 0) return error(Code::kInvalidArgument, flag, " expects a positive byte count, got '", text, "'");
  return static_cast<uint64_t>(*v) * unit;
}

int cmd_check(int argc, char** argv) {
  Result<Args> args = parse_args(argc, argv, 2, {"--max-weights", "--max-arena", "--max-file"},
                                 {"--static-inputs", "--errors-only", "--help", "-h"});
  if (!args.ok()) return fail("check", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("%s", kCheckHelp);
    return 0;
  }
  if (args->positional.size() != 1) {
    std::fprintf(stderr, "%s", kCheckHelp);
    return 2;
  }
  CheckOptions options;
  options.static_input_shapes = args->has("--static-inputs");
  uint64_t max_file = 0;
  for (const auto& [flag, field] : {std::pair<const char*, uint64_t*>{"--max-weights", &options.max_weight_bytes},
                                    {"--max-arena", &options.max_arena_bytes}, {"--max-file", &max_file}}) {
    if (!args->has(flag)) continue;
    Result<uint64_t> b = parse_bytes(flag, args->get(flag));
    if (!b.ok()) return fail("check", b.status());
    *field = *b;
  }
  const std::string& path = args->positional[0];
  Result<std::shared_ptr<Model>> model = load_model(path);
  if (!model.ok()) return fail("check", model.status());

  std::vector<CheckIssue> issues = check_model(**model, options);
  struct stat st{};
  if (max_file != 0 && ::stat(path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) > max_file) {
    issues.push_back({CheckIssue::Severity::kError, "", "",
                      str_cat("the file takes ", static_cast<long long>(st.st_size), " bytes, over the budget of ", max_file,
                              " (edge rule)")});
  }
  size_t errors = count_errors(issues);
  bool errors_only = args->has("--errors-only");
  for (const CheckIssue& i : issues) {
    if (i.error() || !errors_only) std::printf("%s\n", i.to_string().c_str());
  }
  std::printf("%s: %zu error%s, %zu warning%s\n", path.c_str(), errors, errors == 1 ? "" : "s", issues.size() - errors,
              issues.size() - errors == 1 ? "" : "s");
  return errors == 0 ? 0 : 1;
}

}  // namespace onyx::cli
