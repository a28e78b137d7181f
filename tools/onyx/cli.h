// Shared pieces of the `onyx` command-line program: argument parsing, model loading with
// timing, input files and tensor printing. Each subcommand lives in its own cmd_*.cc.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "onyx/graph.h"
#include "onyx/session.h"
#include "onyx/status.h"
#include "onyx/tensor.h"

namespace onyx::cli {

// Parsed command line: positional arguments, `--flag value` options (repeatable) and
// boolean switches. `value_flags` lists the options that take a value.
struct Args {
  std::vector<std::string> positional;
  std::multimap<std::string, std::string> options;
  std::vector<std::string> switches;

  bool has(const std::string& name) const;
  std::string get(const std::string& name, const std::string& def = "") const;
  std::vector<std::string> all(const std::string& name) const;
};
Result<Args> parse_args(int argc, char** argv, int first, const std::vector<std::string>& value_flags,
                        const std::vector<std::string>& switch_flags);
Result<double> parse_double(const std::string& flag, const std::string& text);
Result<long long> parse_int(const std::string& flag, const std::string& text);
// The integer value of `flag` when given, else `def`.
Result<long long> int_flag(const Args& args, const std::string& flag, long long def);
// --threads N (default 1), in 1..256.
Result<int> parse_threads(const Args& args);

// Prints "onyx <cmd>: message" to stderr and returns the exit status for that error.
int fail(const char* cmd, const Status& s);

double now_ms();

bool is_dir(const std::string& path);
// Creates folder `path` and the missing folders above it (as mkdir -p).
Status make_dirs(const std::string& path);
bool is_file(const std::string& path);
// The names in a folder (without . and ..), sorted; none when it cannot be read.
std::vector<std::string> list_dir(const std::string& dir);
// A backend-test folder's test_data_set_* folders (paths), sorted.
std::vector<std::string> test_data_sets(const std::string& dir);
// The paths of a test data set's files prefix_K.pb (and prefix_K.npy when `npy`, as
// `onyx compile --tests` writes them), in K order.
std::vector<std::string> numbered_files(const std::string& dir, const std::string& prefix, bool npy);
// The model of a backend-test folder: its model.onnx, else its model.onyx (compiled), else "".
std::string folder_model(const std::string& dir);
// Loads a model: a .onnx file, a .onyx compiled model, or a folder's folder_model().
Result<std::shared_ptr<Model>> load_model(const std::string& path);
// Reads an input file: .npy, or a TensorProto/SequenceProto .pb.
Result<Value> read_input_file(const std::string& path, const TypeInfo* expected);
// A random tensor for a graph input (symbolic dims become 1), seeded for repeatability.
Result<Tensor> random_input(const ValueInfo& info, unsigned seed);

// "float32 [1, 1000]"
std::string type_str(const Tensor& t);
std::string type_str(const TypeInfo& t);
// A few leading values: "[0.1, 0.25, ...]"
std::string values_str(const Tensor& t, int count = 6);
std::string json_escape(const std::string& s);

int cmd_run(int argc, char** argv);
int cmd_test(int argc, char** argv);
int cmd_inspect(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_ops(int argc, char** argv);
int cmd_demo(int argc, char** argv);
// .onyx compiled models (cmd_compile.cc, compiled_file.cc).
int cmd_compile(int argc, char** argv);
// Reads a .onyx file into 64-byte aligned memory; the model's weights are views into it.
Result<std::shared_ptr<Model>> load_compiled_model_file(const std::string& path);
Status write_blob_file(const std::string& path, const std::vector<uint8_t>& blob);
// Writes `blob` as a 64-byte aligned C array `symbol` in `path` (.c) plus a header (.h) with its
// size and arena bytes; `from` names the source model in the generated comment.
Status write_c_array(const std::string& path, const std::string& symbol, const std::vector<uint8_t>& blob,
                     uint64_t arena_bytes, const std::string& from);
std::string c_symbol_from_path(const std::string& path);
// Graph tools (cmd_check.cc, cmd_clean.cc, cmd_merge.cc, cmd_extract.cc, cmd_dot.cc).
int cmd_check(int argc, char** argv);
int cmd_clean(int argc, char** argv);
int cmd_merge(int argc, char** argv);
int cmd_extract(int argc, char** argv);
int cmd_dot(int argc, char** argv);

}  // namespace onyx::cli
