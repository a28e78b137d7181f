// onyx compile: prepares a model ahead of time into the .onyx format (onyx/compiled_model.h),
// as a file and/or a C array for firmware, and lists the operators a firmware must link.

#include "cli.h"
#include "npy.h"
#include "onyx/compiled_model.h"

namespace onyx::cli {

namespace {

const char* kCompileHelp =
    "usage: onyx compile MODEL [-o OUT.onyx] [--shape NAME=DIMS ...] [--dims-to-one] [--no-fold]\n"
    "                    [--c-array OUT.c [--symbol NAME]] [--list-ops] [--tests OUTDIR]\n"
    "\n"
    "Compiles MODEL (.onnx, or .onyx again) for static input shapes into a .onyx blob: the\n"
    "graph after constant folding, nodes in execution order with their kernel versions and\n"
    "every attribute resolved, static shapes, the arena plan and 64-byte aligned weights.\n"
    "  -o OUT.onyx        write the blob\n"
    "  --shape NAME=DIMS  input shape, e.g. input=1x1x28x28 (overrides the declared one)\n"
    "  --dims-to-one      symbolic input dims not given by --shape become 1\n"
    "  --no-fold          keep nodes whose inputs are all constant\n"
    "  --c-array OUT.c    write the blob as a 64-byte aligned C array (and OUT.h with its size\n"
    "                     and arena bytes) for linking into firmware flash; --symbol names it\n"
    "  --list-ops         print the operators the compiled model runs, comma-separated: the\n"
    "                     value of the Meson option -Dops for a firmware that runs it\n"
    "  --tests OUTDIR     MODEL is a test folder or its model.onnx: input shapes come from its\n"
    "                     test_data_set_0, and OUTDIR receives model.onyx plus every\n"
    "                     test_data_set_*/input_K.npy, output_K.npy (runs without protobuf)\n";

std::string dir_of(const std::string& path) {
  size_t s = path.rfind('/');
  if (s == std::string::npos) return ".";
  return s == 0 ? "/" : path.substr(0, s);
}

Result<std::pair<std::string, Dims>> parse_shape(const std::string& spec) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    return error(Code::kInvalidArgument, "--shape expects NAME=DIMS (e.g. input=1x3x224x224), got '", spec, "'");
  }
  Dims dims;
  std::string rest = spec.substr(eq + 1);
  size_t start = 0;
  while (!rest.empty() && start <= rest.size()) {
    size_t end = rest.find_first_of("x,", start);
    std::string part = rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
    Result<long long> v = parse_int("--shape", part);
    if (!v.ok() || *v < 0) return error(Code::kInvalidArgument, "--shape: bad dimension '", part, "' in '", spec, "'");
    dims.push_back(*v);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return std::make_pair(spec.substr(0, eq), dims);
}

// Converts each test_data_set_* of `test_dir` into .npy files under `out_dir`.
Status convert_test_data(const std::string& test_dir, const Model& model, const std::string& out_dir) {
  std::vector<const ValueInfo*> inputs;
  for (const ValueInfo& vi : model.graph.inputs) {
    if (model.graph.initializer(vi.name) == nullptr) inputs.push_back(&vi);
  }
  const std::vector<std::string> sets = test_data_sets(test_dir);
  if (sets.empty()) return error(Code::kNotFound, "no test_data_set_* folder in '", test_dir, "' (--tests wants a test folder)");
  for (const std::string& set_path : sets) {
    const std::string set = set_path.substr(set_path.rfind('/') + 1);
    ONYX_TRY(make_dirs(out_dir + "/" + set));
    for (const char* prefix : {"input_", "output_"}) {
      std::vector<std::string> files = numbered_files(set_path, prefix, false);
      const bool is_input = prefix[0] == 'i';
      for (size_t k = 0; k < files.size(); ++k) {
        const std::vector<ValueInfo>& decl = model.graph.outputs;
        const TypeInfo* type = is_input ? (k < inputs.size() ? &inputs[k]->type : nullptr) : (k < decl.size() ? &decl[k].type : nullptr);
        Result<Value> v = read_input_file(files[k], type);
        if (!v.ok()) return v.status();
        if (!v->is_tensor()) return error(Code::kUnsupported, files[k], ": only tensors convert to .npy");
        const std::string name = files[k].substr(files[k].rfind('/') + 1);
        ONYX_TRY(write_npy_file(out_dir + "/" + set + "/" + name.substr(0, name.size() - 3) + ".npy", v->tensor));
      }
    }
  }
  return Status();
}

}  // namespace

int cmd_compile(int argc, char** argv) {
  Result<Args> args = parse_args(argc, argv, 2, {"-o", "--shape", "--c-array", "--symbol", "--tests"},
                                 {"--list-ops", "--dims-to-one", "--no-fold", "--help", "-h"});
  if (!args.ok()) return fail("compile", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("%s", kCompileHelp);
    return 0;
  }
  const bool list_ops = args->has("--list-ops");
  if (args->positional.size() != 1 ||
      !(args->has("-o") || args->has("--c-array") || list_ops || args->has("--tests"))) {
    std::fprintf(stderr, "%s", kCompileHelp);
    return 2;
  }
  const std::string& path = args->positional[0];
  Result<std::shared_ptr<Model>> model = load_model(path);
  if (!model.ok()) return fail("compile", model.status());

  CompileOptions options;
  options.unknown_dims_to_one = args->has("--dims-to-one");
  options.fold_constants = !args->has("--no-fold");
  for (const std::string& spec : args->all("--shape")) {
    Result<std::pair<std::string, Dims>> s = parse_shape(spec);
    if (!s.ok()) return fail("compile", s.status());
    options.input_shapes.push_back(*s);
  }
  const std::string test_dir = is_dir(path) ? path : dir_of(path);  // MODEL may be the folder itself
  if (args->has("--tests")) {
    // The shapes of the first test data set, for inputs not given by --shape.
    std::vector<std::string> files = numbered_files(test_dir + "/test_data_set_0", "input_", false);
    size_t k = 0;
    for (const ValueInfo& vi : (*model)->graph.inputs) {
      if ((*model)->graph.initializer(vi.name) != nullptr) continue;
      if (k >= files.size()) break;
      Result<Value> v = read_input_file(files[k++], &vi.type);
      if (!v.ok()) return fail("compile", v.status());
      bool given = false;
      for (const auto& s : options.input_shapes) given |= s.first == vi.name;
      if (!given && v->is_tensor()) options.input_shapes.push_back({vi.name, v->tensor.shape()});
    }
  }

  CompiledPlan plan;
  Result<std::shared_ptr<Model>> compiled = compile_graph(**model, options, &plan);
  if (!compiled.ok()) return fail("compile", compiled.status());
  Result<std::vector<uint8_t>> blob = encode_compiled_model(**compiled, plan);
  if (!blob.ok()) return fail("compile", blob.status());

  if (list_ops) std::printf("%s\n", required_ops(**compiled).c_str());
  uint64_t weight_bytes = 0;
  for (const NamedTensor& t : (*compiled)->graph.initializers) weight_bytes += t.tensor.nbytes();
  std::string written;
  if (args->has("-o")) {
    Status st = write_blob_file(args->get("-o"), *blob);
    if (!st.ok()) return fail("compile", st);
    written += " " + args->get("-o");
  }
  if (args->has("--c-array")) {
    const std::string c_path = args->get("--c-array");
    const std::string symbol = args->has("--symbol") ? args->get("--symbol") : c_symbol_from_path(c_path);
    Status st = write_c_array(c_path, symbol, *blob, plan.arena_bytes, path);
    if (!st.ok()) return fail("compile", st);
    written += " " + c_path;
  }
  if (args->has("--tests")) {
    const std::string out_dir = args->get("--tests");
    Status st = make_dirs(out_dir);
    if (st.ok()) st = write_blob_file(out_dir + "/model.onyx", *blob);
    if (st.ok()) st = convert_test_data(test_dir, **model, out_dir);
    if (!st.ok()) return fail("compile", st);
    written += " " + out_dir + "/";
  }
  // The summary goes to stderr so that `--list-ops` output can be captured alone.
  std::fprintf(stderr, "compiled %s: %zu nodes, %zu weights (%llu bytes), arena %llu bytes, blob %zu bytes%s%s\n",
               path.c_str(), (*compiled)->graph.nodes.size(), (*compiled)->graph.initializers.size(),
               static_cast<unsigned long long>(weight_bytes), static_cast<unsigned long long>(plan.arena_bytes),
               blob->size(), written.empty() ? "" : " ->", written.c_str());
  return 0;
}

}  // namespace onyx::cli
