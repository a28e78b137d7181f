// onyx bench: latency of a model on random (or given) inputs.
#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include "cli.h"
#include "simd/isa.h"

namespace onyx::cli {

// Peak resident memory of this process image: VmHWM (ru_maxrss would also count the parent's
// pages carried over fork + exec).
static long long peak_rss_bytes() {
  FILE* f = std::fopen("/proc/self/status", "r");
  long long kib = -1;
  if (f != nullptr) {
    char line[256];
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::sscanf(line, "VmHWM: %lld kB", &kib) == 1) break;
    }
    std::fclose(f);
  }
  if (kib < 0) {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    kib = ru.ru_maxrss;
  }
  return kib * 1024;
}

// Wall time per top-level node over the timed runs (nested body nodes are inside their parent).
class Profiler final : public NodeObserver {
 public:
  bool active = false;
  void node_begin(const Node&) override {
    if (depth_++ == 0) start_ = now_ms();
  }
  void node_end(const Node& node) override {
    if (--depth_ != 0 || !active) return;
    auto [it, added] = ms_.try_emplace(&node, 0.0);
    if (added) order_.push_back(&node);
    it->second += now_ms() - start_;
  }
  // The table by operator, then the slowest nodes; times are means per run.
  void print(long long runs) const {
    struct Op {
      int nodes = 0;
      double ms = 0;
    };
    std::map<std::string, Op> ops;
    std::vector<std::pair<const Node*, double>> all(ms_.begin(), ms_.end());
    double total = 0;
    for (auto& [node, ms] : all) {
      ms /= static_cast<double>(runs);
      Op& op = ops[node->op_type];
      op.nodes += 1;
      op.ms += ms;
      total += ms;
    }
    std::vector<std::pair<std::string, Op>> sorted(ops.begin(), ops.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
    std::printf("profile: mean ms per run by operator (%.3f ms in nodes)\n", total);
    for (const auto& [name, op] : sorted) {
      std::printf("  %-24s %5d nodes %10.3f ms %6.1f%%\n", name.c_str(), op.nodes, op.ms,
                  total > 0 ? 100.0 * op.ms / total : 0.0);
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    std::printf("slowest nodes:\n");
    for (size_t i = 0; i < all.size() && i < 10; ++i) {
      std::printf("  %-40s %-16s %10.3f ms\n", all[i].first->name.c_str(), all[i].first->op_type.c_str(),
                  all[i].second);
    }
  }

  // Every node in the order it ran, with its mean ms per run, as JSON (for --json).
  std::string json(long long runs) const {
    std::string out = "[";
    char ms[32];
    for (const Node* node : order_) {
      std::snprintf(ms, sizeof ms, "%.6f", ms_.at(node) / static_cast<double>(runs));
      if (out.size() > 1) out += ", ";
      out += "{\"name\": \"" + json_escape(node->name) + "\", \"op\": \"" + json_escape(node->op_type) +
             "\", \"ms\": " + ms + "}";
    }
    return out + "]";
  }

 private:
  int depth_ = 0;
  double start_ = 0;
  std::map<const Node*, double> ms_;  // summed over the timed runs
  std::vector<const Node*> order_;    // as first run
};

static const char* kBenchHelp =
    "usage: onyx bench MODEL [--runs N] [--warmup N] [--threads N] [--interval MS] [--input NAME=FILE ...] [--json]\n"
    "                  [--profile]\n"
    "\n"
    "Loads and prepares MODEL (timed), then runs it --warmup times untimed and --runs times\n"
    "timed (defaults 3 and 20) on random inputs unless given, with --threads intra-op threads\n"
    "(default 1). Prints min/median/p90 latency, the arena bytes, the SIMD ISA and the\n"
    "process's peak resident memory; --json prints one line with median_ms, min_ms, p90_ms,\n"
    "load_prepare_ms, arena_bytes, peak_rss_bytes, threads, isa and runs. --profile adds the\n"
    "mean time per run of each operator type and the ten slowest nodes (after fusion: Conv +\n"
    "activation shows as FusedConv), measured around each node, so a little slower overall;\n"
    "with --json it adds \"nodes\": every node in the order it ran, as name, op and ms.\n"
    "--interval MS idles MS milliseconds (default 0) before each timed run, as a camera does\n"
    "between frames: the threads go to sleep and the caches cool, as they will in use; --json\n"
    "then adds interval_ms.\n";

int cmd_bench(int argc, char** argv) {
  Result<Args> args =
      parse_args(argc, argv, 2, {"--runs", "--warmup", "--input", "--threads", "--interval"}, {"--json", "--profile", "--help", "-h"});
  if (!args.ok()) return fail("bench", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("%s", kBenchHelp);
    return 0;
  }
  if (args->positional.size() != 1) {
    std::fprintf(stderr, "%s", kBenchHelp);
    return 2;
  }
  Result<long long> runs_flag = int_flag(*args, "--runs", 20);
  if (!runs_flag.ok()) return fail("bench", runs_flag.status());
  Result<long long> warmup_flag = int_flag(*args, "--warmup", 3);
  if (!warmup_flag.ok()) return fail("bench", warmup_flag.status());
  Result<long long> interval_flag = int_flag(*args, "--interval", 0);
  if (!interval_flag.ok()) return fail("bench", interval_flag.status());
  const long long runs = *runs_flag, warmup = *warmup_flag, interval_ms = *interval_flag;
  if (interval_ms < 0 || interval_ms > 60000) {
    return fail("bench", error(Code::kInvalidArgument, "--interval must be 0 to 60000 ms, got ", interval_ms));
  }
  Result<int> parsed_threads = parse_threads(*args);
  if (!parsed_threads.ok()) return fail("bench", parsed_threads.status());
  const long long threads = *parsed_threads;
  if (runs < 1 || warmup < 0) return fail("bench", error(Code::kInvalidArgument, "--runs must be >= 1 and --warmup >= 0"));
  const std::string& path = args->positional[0];

  double t0 = now_ms();
  Result<std::shared_ptr<Model>> model = load_model(path);
  if (!model.ok()) return fail("bench", model.status());
  SessionOptions options;
  options.threads = static_cast<int>(threads);
  Profiler profiler;
  if (args->has("--profile")) options.observer = &profiler;
  Result<std::unique_ptr<Session>> session = Session::create(*model, options);
  if (!session.ok()) return fail("bench", session.status());
  Session& s = **session;
  std::vector<Value> keep;
  keep.reserve(s.inputs().size());
  std::vector<std::string> given;
  for (const std::string& spec : args->all("--input")) {
    size_t eq = spec.find('=');
    if (eq == std::string::npos) return fail("bench", error(Code::kInvalidArgument, "--input expects NAME=FILE"));
    Result<Value> v = read_input_file(spec.substr(eq + 1), nullptr);
    if (!v.ok()) return fail("bench", v.status());
    keep.push_back(*v);
    Status st = s.set_input(spec.substr(0, eq), keep.back());
    if (!st.ok()) return fail("bench", st);
    given.push_back(spec.substr(0, eq));
  }
  unsigned k = 0;
  for (const ValueInfo& vi : s.inputs()) {
    ++k;
    if (std::find(given.begin(), given.end(), vi.name) != given.end()) continue;
    Result<Tensor> t = random_input(vi, k);
    if (!t.ok()) return fail("bench", t.status());
    keep.push_back(Value::of(*t));
    Status st = s.set_input(vi.name, keep.back());
    if (!st.ok()) return fail("bench", st);
  }
  Status st = s.prepare();
  if (!st.ok()) return fail("bench", st);
  double load_ms = now_ms() - t0;

  for (long long i = 0; i < warmup; ++i) {
    st = s.run();
    if (!st.ok()) return fail("bench", st);
  }
  std::vector<double> times;
  times.reserve(static_cast<size_t>(runs));
  profiler.active = true;
  for (long long i = 0; i < runs; ++i) {
    if (interval_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
    double a = now_ms();
    st = s.run();
    if (!st.ok()) return fail("bench", st);
    times.push_back(now_ms() - a);
  }
  std::sort(times.begin(), times.end());
  double min = times.front();
  double median = times.size() % 2 ? times[times.size() / 2] : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2;
  double p90 = times[std::min(times.size() - 1, static_cast<size_t>(0.9 * static_cast<double>(times.size())))];
  if (args->has("--json")) {
    std::string extra = interval_ms > 0 ? ", \"interval_ms\": " + std::to_string(interval_ms) : "";
    if (args->has("--profile")) extra += ", \"nodes\": " + profiler.json(runs);
    std::printf("{\"model\": \"%s\", \"median_ms\": %.6f, \"min_ms\": %.6f, \"p90_ms\": %.6f, \"load_prepare_ms\": %.4f, "
                "\"arena_bytes\": %zu, \"peak_rss_bytes\": %lld, \"threads\": %lld, \"isa\": \"%s\", \"runs\": %lld%s}\n",
                json_escape(path).c_str(), median, min, p90, load_ms, s.arena_bytes(), peak_rss_bytes(), threads,
                simd::isa_name(simd::active_isa()), runs, extra.c_str());
  } else {
    std::printf("model: %s\nruns: %lld (warmup %lld), threads %lld, isa %s\nlatency: min %.3f ms, median %.3f ms, p90 %.3f ms\n"
                "load+prepare: %.3f ms\narena: %zu bytes\npeak resident memory: %lld bytes\n",
                path.c_str(), runs, warmup, threads, simd::isa_name(simd::active_isa()), min, median, p90, load_ms,
                s.arena_bytes(), peak_rss_bytes());
  }
  if (args->has("--profile") && !args->has("--json")) profiler.print(runs);
  return 0;
}

}  // namespace onyx::cli
