// onyx bench: latency of a model on random (or given) inputs.
#include <algorithm>

#include "cli.h"

namespace onyx::cli {

static const char* kBenchHelp =
    "usage: onyx bench MODEL [--runs N] [--warmup N] [--input NAME=FILE ...] [--json]\n"
    "\n"
    "Loads and prepares MODEL (timed), then runs it --warmup times untimed and --runs times\n"
    "timed (defaults 3 and 20) on random inputs unless given. Prints min/median/p90 latency\n"
    "and the arena bytes; --json prints one line with median_ms, min_ms, p90_ms,\n"
    "load_prepare_ms, arena_bytes and runs.\n";

int cmd_bench(int argc, char** argv) {
  Result<Args> args = parse_args(argc, argv, 2, {"--runs", "--warmup", "--input"}, {"--json", "--help", "-h"});
  if (!args.ok()) return fail("bench", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("%s", kBenchHelp);
    return 0;
  }
  if (args->positional.size() != 1) {
    std::fprintf(stderr, "%s", kBenchHelp);
    return 2;
  }
  long long runs = 20, warmup = 3;
  if (args->has("--runs")) {
    Result<long long> r = parse_int("--runs", args->get("--runs"));
    if (!r.ok()) return fail("bench", r.status());
    runs = *r;
  }
  if (args->has("--warmup")) {
    Result<long long> r = parse_int("--warmup", args->get("--warmup"));
    if (!r.ok()) return fail("bench", r.status());
    warmup = *r;
  }
  if (runs < 1 || warmup < 0) return fail("bench", error(Code::kInvalidArgument, "--runs must be >= 1 and --warmup >= 0"));
  const std::string& path = args->positional[0];

  double t0 = now_ms();
  Result<std::shared_ptr<Model>> model = load_model(path);
  if (!model.ok()) return fail("bench", model.status());
  Result<std::unique_ptr<Session>> session = Session::create(*model);
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
  for (long long i = 0; i < runs; ++i) {
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
    std::printf("{\"model\": \"%s\", \"median_ms\": %.4f, \"min_ms\": %.4f, \"p90_ms\": %.4f, \"load_prepare_ms\": %.4f, "
                "\"arena_bytes\": %zu, \"runs\": %lld}\n",
                json_escape(path).c_str(), median, min, p90, load_ms, s.arena_bytes(), runs);
  } else {
    std::printf("model: %s\nruns: %lld (warmup %lld)\nlatency: min %.3f ms, median %.3f ms, p90 %.3f ms\n"
                "load+prepare: %.3f ms\narena: %zu bytes\n",
                path.c_str(), runs, warmup, min, median, p90, load_ms, s.arena_bytes());
  }
  return 0;
}

}  // namespace onyx::cli
