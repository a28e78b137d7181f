// onyx test: runs folders in the ONNX backend-test layout (model.onnx plus
// test_data_set_*/input_K.pb and output_K.pb) and compares every output with the reference.
// Each test runs in a child process with a time limit, so one crashing or hanging model is
// reported as an ERROR instead of ending the whole run.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "cli.h"

namespace onyx::cli {

namespace {

const char* kTestHelp =
    "usage: onyx test PATH... [--rtol R] [--atol A] [--expect FILE] [--skip FILE]\n"
    "                 [--timeout SEC] [--no-fork] [--write-passing FILE] [--quiet] [--max-diff]\n"
    "                 [--threads N]\n"
    "\n"
    "Each PATH is a test folder (model.onnx + test_data_set_*/input_K.pb, output_K.pb) or a\n"
    "folder searched recursively for them. Float outputs match when |a-b| <= atol + rtol*|b|\n"
    "(defaults rtol 1e-3, atol 1e-7; NaN equals NaN); integers, bools and strings exactly.\n"
    "Input dtypes must match the model; declared input shapes are not enforced (the test data\n"
    "decides them: some suite models declare shapes their own data does not have).\n"
    "Prints PASS / FAIL / ERROR per test, then 'N passed, N failed' (', N skipped').\n"
    "--expect FILE: tests listed must pass; failures of unlisted tests are counted as skipped.\n"
    "  A listed name followed by 'shape-only' is checked for output dtypes and shapes only.\n"
    "--skip FILE: tests listed are not run (counted as skipped).\n"
    "--max-diff: PASS lines also give the largest |got - expected| over the float outputs.\n"
    "--threads N: run each model with N intra-op threads (default 1).\n"
    "Exit status 0 only when nothing failed.\n";

struct Outcome {
  char kind = 'E';  // 'P' pass, 'F' fail, 'E' error
  std::string detail;
};

void find_tests(const std::string& path, int depth, std::vector<std::string>* out) {
  if (!folder_model(path).empty()) {
    out->push_back(path);
    return;
  }
  if (depth > 8) return;
  for (const std::string& n : list_dir(path)) {
    std::string sub = path + "/" + n;
    if (is_dir(sub)) find_tests(sub, depth + 1, out);
  }
}

std::string strip_slash(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// "suite/test": the test folder and its parent's name.
std::string test_name(const std::string& dir) {
  std::string d = strip_slash(dir);
  size_t s = d.rfind('/');
  std::string base = s == std::string::npos ? d : d.substr(s + 1);
  std::string parent = s == std::string::npos || s == 0 ? "." : d.substr(0, s);
  size_t p = parent.rfind('/');
  std::string suite = p == std::string::npos ? parent : parent.substr(p + 1);
  return suite + "/" + base;
}

std::string index_str(const Dims& shape, int64_t flat) {
  Dims idx(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 0) break;
    idx[i] = flat % shape[i];
    flat /= shape[i];
  }
  return shape_str(idx);
}

// Compares one tensor; "" when it matches.
std::string compare_tensor(const Tensor& got, const Tensor& want, double rtol, double atol, bool shape_only) {
  if (got.dtype() != want.dtype()) {
    return str_cat("dtype ", dtype_name(got.dtype()), ", expected ", dtype_name(want.dtype()));
  }
  if (got.shape() != want.shape()) return "shape " + shape_str(got.shape()) + ", expected " + shape_str(want.shape());
  if (shape_only) return "";
  const int64_t n = got.numel();
  if (got.dtype() == DType::kString) {
    for (int64_t i = 0; i < n; ++i) {
      if (got.data_as<std::string>()[i] != want.data_as<std::string>()[i]) {
        return str_cat("element ", index_str(got.shape(), i), ": got \"", got.data_as<std::string>()[i],
                       "\", expected \"", want.data_as<std::string>()[i], "\"");
      }
    }
    return "";
  }
  if (!is_float(got.dtype())) {
    for (int64_t i = 0; i < n; ++i) {
      bool same;
      if (got.dtype() == DType::kInt64) {
        same = got.data_as<int64_t>()[i] == want.data_as<int64_t>()[i];
      } else if (got.dtype() == DType::kUInt64) {
        same = got.data_as<uint64_t>()[i] == want.data_as<uint64_t>()[i];
      } else {
        same = got.get_as_double(i) == want.get_as_double(i);
      }
      if (!same) {
        Tensor g = got.reshaped({n}), w = want.reshaped({n});
        std::string gs = values_str(Tensor::view(g.dtype(), {1}, static_cast<char*>(g.data()) + i * dtype_size(g.dtype())), 1);
        std::string ws = values_str(Tensor::view(w.dtype(), {1}, static_cast<char*>(w.data()) + i * dtype_size(w.dtype())), 1);
        return str_cat("element ", index_str(got.shape(), i), ": got ", gs.substr(1, gs.size() - 2), ", expected ",
                       ws.substr(1, ws.size() - 2));
      }
    }
    return "";
  }
  double worst = 0.0;
  int64_t worst_i = -1;
  for (int64_t i = 0; i < n; ++i) {
    double a = got.get_as_double(i), b = want.get_as_double(i);
    if (std::isnan(a) && std::isnan(b)) continue;
    if (a == b) continue;  // also equal infinities
    double diff = std::fabs(a - b);
    double tol = atol + rtol * std::fabs(b);
    double excess = std::isnan(diff) || std::isinf(diff) ? INFINITY : diff / tol;
    if (!(diff <= tol) && (worst_i < 0 || excess > worst)) {
      worst = excess;
      worst_i = i;
    }
  }
  if (worst_i < 0) return "";
  double a = got.get_as_double(worst_i), b = want.get_as_double(worst_i);
  return str_cat("worst element ", index_str(got.shape(), worst_i), ": got ", a, ", expected ", b,
                 " (|diff| ", std::fabs(a - b), " > ", atol + rtol * std::fabs(b), ")");
}

std::string compare_value(const Value& got, const Value& want, double rtol, double atol, bool shape_only) {
  if (want.kind == ValueKind::kNone || got.kind == ValueKind::kNone) {
    if (want.kind == got.kind) return "";
    return want.kind == ValueKind::kNone ? "expected an empty optional" : "got an empty optional";
  }
  if (want.kind == ValueKind::kSequence) {
    if (got.kind != ValueKind::kSequence) return "expected a sequence";
    if (got.sequence.size() != want.sequence.size()) {
      return str_cat("sequence length ", got.sequence.size(), ", expected ", want.sequence.size());
    }
    for (size_t i = 0; i < want.sequence.size(); ++i) {
      std::string d = compare_tensor(got.sequence[i], want.sequence[i], rtol, atol, shape_only);
      if (!d.empty()) return str_cat("sequence element ", i, ": ", d);
    }
    return "";
  }
  if (got.kind != ValueKind::kTensor) return "expected a tensor";
  return compare_tensor(got.tensor, want.tensor, rtol, atol, shape_only);
}

// The largest |got - want| over the float elements of two matching values (0 when none):
// what --max-diff reports for a passing test (e.g. a cross target against the x86 reference).
double max_abs_diff(const Value& got, const Value& want) {
  auto of_tensors = [](const Tensor& g, const Tensor& w) {
    double m = 0.0;
    if (!is_float(g.dtype()) || g.dtype() != w.dtype() || g.shape() != w.shape()) return m;
    for (int64_t i = 0; i < g.numel(); ++i) {
      double d = std::fabs(g.get_as_double(i) - w.get_as_double(i));
      if (std::isfinite(d)) m = std::max(m, d);
    }
    return m;
  };
  if (got.kind == ValueKind::kTensor && want.kind == ValueKind::kTensor) return of_tensors(got.tensor, want.tensor);
  double m = 0.0;
  if (got.kind == ValueKind::kSequence && want.kind == ValueKind::kSequence) {
    for (size_t i = 0; i < got.sequence.size() && i < want.sequence.size(); ++i) {
      m = std::max(m, of_tensors(got.sequence[i], want.sequence[i]));
    }
  }
  return m;
}

Outcome run_test(const std::string& dir, double rtol, double atol, bool shape_only, int threads) {
  Outcome o;
  // A compiled model.onyx stands in for model.onnx (e.g. from `onyx compile --tests`).
  Result<std::shared_ptr<Model>> model = load_model(dir);
  if (!model.ok()) return {'E', model.status().message()};
  // The reference data decides input shapes: a few suite models declare shapes their own
  // data does not have (test_castlike_*), so declared shapes are not enforced here.
  SessionOptions options;
  options.check_input_shapes = false;
  options.threads = threads;
  Result<std::unique_ptr<Session>> session = Session::create(*model, options);
  if (!session.ok()) return {'E', session.status().message()};
  Session& s = **session;
  const std::vector<std::string> sets = test_data_sets(dir);
  if (sets.empty()) return {'E', "no test_data_set_* folder"};
  double max_diff = 0.0;
  for (const std::string& set : sets) {
    std::vector<std::string> ins = numbered_files(set, "input_", true);
    std::vector<std::string> outs = numbered_files(set, "output_", true);
    if (ins.size() > s.inputs().size()) {
      return {'E', str_cat(set, ": ", ins.size(), " input files but the model has ", s.inputs().size(), " inputs")};
    }
    std::vector<Value> keep;
    keep.reserve(ins.size());
    for (size_t i = 0; i < ins.size(); ++i) {
      const ValueInfo& vi = s.inputs()[i];
      Result<Value> v = read_input_file(ins[i], &vi.type);
      if (!v.ok()) return {'E', v.status().message()};
      keep.push_back(*v);
      Status st = s.set_input(vi.name, keep.back());
      if (!st.ok()) return {'E', st.message()};
    }
    Status st = s.run();
    if (!st.ok()) return {'E', st.message()};
    if (outs.size() != s.outputs().size()) {
      return {'E', str_cat(set, ": ", outs.size(), " output files but the model has ", s.outputs().size(), " outputs")};
    }
    for (size_t i = 0; i < outs.size(); ++i) {
      const ValueInfo& vi = s.outputs()[i];
      Result<Value> want = read_input_file(outs[i], &vi.type);
      if (!want.ok()) return {'E', want.status().message()};
      const Value* got = s.output_value(vi.name);
      if (got == nullptr) return {'E', "output '" + vi.name + "' missing"};
      std::string d = compare_value(*got, *want, rtol, atol, shape_only);
      if (!d.empty()) {
        std::string set_name = set.substr(set.rfind('/') + 1);
        return {'F', str_cat(set_name, " output '", vi.name, "' ", d)};
      }
      if (!shape_only) max_diff = std::max(max_diff, max_abs_diff(*got, *want));
    }
  }
  return {'P', str_cat("max |diff| ", max_diff)};  // printed with --max-diff
}

// Runs run_test in a child process; a crash or timeout becomes an ERROR outcome.
Outcome run_isolated(const std::string& dir, double rtol, double atol, bool shape_only, int threads, int timeout_s) {
  int fds[2];
  if (::pipe(fds) != 0) return run_test(dir, rtol, atol, shape_only, threads);
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return run_test(dir, rtol, atol, shape_only, threads);
  }
  if (pid == 0) {
    ::close(fds[0]);
    Outcome o = run_test(dir, rtol, atol, shape_only, threads);
    std::string msg = std::string(1, o.kind) + o.detail;
    size_t off = 0;
    while (off < msg.size()) {
      ssize_t w = ::write(fds[1], msg.data() + off, msg.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string msg;
  double deadline = now_ms() + timeout_s * 1000.0;
  bool timed_out = false;
  char buf[4096];
  for (;;) {
    int left = static_cast<int>(deadline - now_ms());
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    int r = ::poll(&p, 1, left);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      timed_out = r == 0;
      break;
    }
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    msg.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (timed_out) return {'E', str_cat("timed out after ", timeout_s, " s")};
  if (WIFSIGNALED(status)) return {'E', str_cat("crashed (signal ", WTERMSIG(status), ")")};
  if (msg.empty()) return {'E', "the test process ended without a result"};
  return {msg[0], msg.substr(1)};
}

// Reads a list file: one test name per line, '#' starts a comment; an optional second word
// 'shape-only' marks tests checked for dtypes and shapes only.
Status read_list(const std::string& path, std::map<std::string, bool>* out) {
  std::ifstream f(path);
  if (!f) return error(Code::kNotFound, "cannot read list file '", path, "'");
  std::string line;
  while (std::getline(f, line)) {
    size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::vector<std::string> words;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      if (j > i) words.push_back(line.substr(i, j - i));
      i = j;
    }
    if (words.empty()) continue;
    (*out)[words[0]] = words.size() > 1 && words[1] == "shape-only";
  }
  return Status();
}

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
};

std::string counts_str(const Counts& c) {
  std::string s = str_cat(c.passed, " passed, ", c.failed, " failed");
  if (c.skipped) s += str_cat(", ", c.skipped, " skipped");
  return s;
}

}  // namespace

int cmd_test(int argc, char** argv) {
  Result<Args> args = parse_args(argc, argv, 2, {"--rtol", "--atol", "--expect", "--skip", "--timeout", "--write-passing", "--threads"},
                                 {"--no-fork", "--quiet", "--max-diff", "--help", "-h"});
  if (!args.ok()) return fail("test", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("%s", kTestHelp);
    return 0;
  }
  if (args->positional.empty()) {
    std::fprintf(stderr, "%s", kTestHelp);
    return 2;
  }
  double rtol = 1e-3, atol = 1e-7;
  long long timeout = 300;
  if (args->has("--rtol")) {
    Result<double> r = parse_double("--rtol", args->get("--rtol"));
    if (!r.ok()) return fail("test", r.status());
    rtol = *r;
  }
  if (args->has("--atol")) {
    Result<double> r = parse_double("--atol", args->get("--atol"));
    if (!r.ok()) return fail("test", r.status());
    atol = *r;
  }
  if (args->has("--timeout")) {
    Result<long long> r = parse_int("--timeout", args->get("--timeout"));
    if (!r.ok()) return fail("test", r.status());
    timeout = *r;
  }
  Result<int> parsed_threads = parse_threads(*args);
  if (!parsed_threads.ok()) return fail("test", parsed_threads.status());
  const long long threads = *parsed_threads;
  bool use_expect = args->has("--expect");
  std::map<std::string, bool> expect, skip;
  if (use_expect) {
    Status st = read_list(args->get("--expect"), &expect);
    if (!st.ok()) return fail("test", st);
  }
  if (args->has("--skip")) {
    Status st = read_list(args->get("--skip"), &skip);
    if (!st.ok()) return fail("test", st);
  }
  std::vector<std::string> dirs;
  for (const std::string& p : args->positional) {
    if (!is_dir(p)) return fail("test", error(Code::kNotFound, "no such folder '", p, "'"));
    size_t before = dirs.size();
    find_tests(strip_slash(p), 0, &dirs);
    if (dirs.size() == before) return fail("test", error(Code::kNotFound, "no test folders (with model.onnx) under '", p, "'"));
  }
  bool fork_each = !args->has("--no-fork");
  bool quiet = args->has("--quiet");
  bool max_diff = args->has("--max-diff");

  Counts total;
  std::map<std::string, Counts> per_suite;
  std::set<std::string> seen;
  std::vector<std::string> passing;
  for (const std::string& dir : dirs) {
    std::string name = test_name(dir);
    std::string suite = name.substr(0, name.find('/'));
    Counts& sc = per_suite[suite];
    seen.insert(name);
    if (skip.count(name) != 0) {
      ++total.skipped;
      ++sc.skipped;
      if (!quiet) std::printf("SKIP %s\n", name.c_str());
      continue;
    }
    auto listed = expect.find(name);
    bool shape_only = listed != expect.end() && listed->second;
    Outcome o = fork_each ? run_isolated(dir, rtol, atol, shape_only, static_cast<int>(threads), static_cast<int>(timeout))
                          : run_test(dir, rtol, atol, shape_only, threads);
    bool counts_as_failure = !use_expect || listed != expect.end();
    if (o.kind == 'P') {
      ++total.passed;
      ++sc.passed;
      passing.push_back(name + (shape_only ? " shape-only" : ""));
      if (!quiet || (use_expect && listed == expect.end())) {
        std::printf("PASS %s%s%s%s\n", name.c_str(), shape_only ? " (dtypes and shapes only)" : "",
                    use_expect && listed == expect.end() ? " (new: not in the expected list)" : "",
                    max_diff && !shape_only ? (" (" + o.detail + ")").c_str() : "");
      }
    } else if (counts_as_failure) {
      ++total.failed;
      ++sc.failed;
      std::printf("%s %s: %s\n", o.kind == 'F' ? "FAIL" : "ERROR", name.c_str(), o.detail.c_str());
    } else {
      ++total.skipped;
      ++sc.skipped;
      if (!quiet) std::printf("SKIP %s (expected to fail): %s %s\n", name.c_str(), o.kind == 'F' ? "FAIL" : "ERROR", o.detail.c_str());
    }
    std::fflush(stdout);
  }
  for (const auto& [name, shape_only] : expect) {
    (void)shape_only;
    if (seen.count(name) != 0) continue;
    bool under_a_path = false;  // only listed tests whose suite was run can be missing
    for (const auto& [suite, c] : per_suite) under_a_path |= name.rfind(suite + "/", 0) == 0;
    if (!under_a_path) continue;
    ++total.failed;
    ++per_suite[name.substr(0, name.find('/'))].failed;
    std::printf("ERROR %s: listed in the expected list but not found\n", name.c_str());
  }
  if (args->has("--write-passing")) {
    std::ofstream f(args->get("--write-passing"));
    for (const std::string& p : passing) f << p << "\n";
  }
  if (per_suite.size() > 1) {
    for (const auto& [suite, c] : per_suite) std::printf("suite %s: %s\n", suite.c_str(), counts_str(c).c_str());
  }
  std::printf("%s\n", counts_str(total).c_str());
  return total.failed == 0 ? 0 : 1;
}

}  // namespace onyx::cli
