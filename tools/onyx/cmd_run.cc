// onyx run: run a model once on inputs from files (or random ones) and print the outputs.
#include <cctype>
#include <set>
#include <string>

#include "cli.h"
#include "npy.h"

namespace onyx::cli {

static const char* kRunHelp =
    "usage: onyx run MODEL [--input NAME=FILE ...] [--random] [--seed N] [--output-dir DIR]\n"
    "\n"
    "Runs MODEL once. Inputs come from .npy files or ONNX TensorProto .pb files; with --random\n"
    "the inputs not given are generated (symbolic dims set to 1). Each output is summarised on\n"
    "stdout and, with --output-dir, written as DIR/<output name>.npy, where characters of the\n"
    "name other than letters, digits, '-', '_' and '.' (and a leading '.') become '_'\n"
    "(\"/layer1/Relu_output_0\" is written as _layer1_Relu_output_0.npy), and a name that\n"
    "comes out the same as an earlier one gets _2, _3, ... before .npy.\n";

// The file name output `name` is written to in --output-dir: a name never leaves the folder or
// makes a subfolder (PyTorch names tensors "/layer1/Relu_output_0"; a hostile model may name
// one "../../x"), and two outputs never share a file.
static std::string output_file_name(const std::string& name, std::set<std::string>* used) {
  std::string base;
  for (char c : name) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || (c == '.' && !base.empty());
    base += keep ? c : '_';
  }
  if (base.empty()) base = "_";
  std::string file = base + ".npy";
  for (int k = 2; !used->insert(file).second; ++k) file = str_cat(base, "_", k, ".npy");
  return file;
}

int cmd_run(int argc, char** argv) {
  Result<Args> args = parse_args(argc, argv, 2, {"--input", "--output-dir", "--seed"}, {"--random", "--help", "-h"});
  if (!args.ok()) return fail("run", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("%s", kRunHelp);
    return 0;
  }
  if (args->positional.size() != 1) {
    std::fprintf(stderr, "%s", kRunHelp);
    return 2;
  }
  const std::string& path = args->positional[0];
  double t0 = now_ms();
  Result<std::shared_ptr<Model>> model = load_model(path);
  if (!model.ok()) return fail("run", model.status());
  Result<std::unique_ptr<Session>> session = Session::create(*model);
  if (!session.ok()) return fail("run", session.status());
  Session& s = **session;

  std::vector<Value> keep;  // inputs must stay alive through run()
  keep.reserve(s.inputs().size() + args->all("--input").size());
  std::vector<std::string> given;
  for (const std::string& spec : args->all("--input")) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      return fail("run", error(Code::kInvalidArgument, "--input expects NAME=FILE, got '", spec, "'"));
    }
    std::string name = spec.substr(0, eq), file = spec.substr(eq + 1);
    const TypeInfo* expected = nullptr;
    for (const ValueInfo& vi : s.inputs()) {
      if (vi.name == name) expected = &vi.type;
    }
    Result<Value> v = read_input_file(file, expected);
    if (!v.ok()) return fail("run", v.status().with_context("input '" + name + "'"));
    keep.push_back(*v);
    Status st = s.set_input(name, keep.back());
    if (!st.ok()) return fail("run", st);
    given.push_back(name);
  }
  Result<long long> seed_flag = int_flag(*args, "--seed", 0);
  if (!seed_flag.ok()) return fail("run", seed_flag.status());
  const long long seed = *seed_flag;
  unsigned k = 0;
  for (const ValueInfo& vi : s.inputs()) {
    ++k;
    bool have = false;
    for (const std::string& g : given) have |= g == vi.name;
    if (have) continue;
    if (!args->has("--random")) {
      return fail("run", error(Code::kInvalidArgument, path, ": input '", vi.name, "' (", type_str(vi.type),
                               ") was not given; pass --input ", vi.name, "=FILE or --random"));
    }
    Result<Tensor> t = random_input(vi, static_cast<unsigned>(seed) * 1000u + k);
    if (!t.ok()) return fail("run", t.status());
    keep.push_back(Value::of(*t));
    Status st = s.set_input(vi.name, keep.back());
    if (!st.ok()) return fail("run", st);
  }
  Status st = s.prepare();
  if (!st.ok()) return fail("run", st);
  double t1 = now_ms();
  st = s.run();
  if (!st.ok()) return fail("run", st);
  double t2 = now_ms();

  std::string out_dir = args->get("--output-dir");
  if (Status made = make_dirs(out_dir); !made.ok()) return fail("run", made);
  std::set<std::string> files;
  for (const ValueInfo& vi : s.outputs()) {
    const Value* v = s.output_value(vi.name);
    if (v == nullptr) continue;
    if (!v->is_tensor()) {
      std::printf("%s: %s\n", vi.name.c_str(), v->kind == ValueKind::kSequence ? "sequence" : "none");
      continue;
    }
    const Tensor& t = v->tensor;
    std::printf("%s: %s = %s\n", vi.name.c_str(), type_str(t).c_str(), values_str(t).c_str());
    if (!out_dir.empty()) {
      const std::string file = out_dir + "/" + output_file_name(vi.name, &files);
      Status w = write_npy_file(file, t);
      if (!w.ok()) return fail("run", w);
    }
  }
  std::printf("time: load+prepare %.3f ms, run %.3f ms, arena %zu bytes\n", t1 - t0, t2 - t1, s.arena_bytes());
  return 0;
}

}  // namespace onyx::cli
