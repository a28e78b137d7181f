// Runs the hostile-input corpus (tests/hostile/manifest.txt, written by make_corpus.py): every
// file must fail with its expected onyx::Code and a message containing the expected fragment.
// Each file is handled in a forked child with a time limit, so a crash, a sanitizer report or a
// hang is counted as that file's failure instead of ending the run.
//
// Usage: hostile_corpus [DIR]   (DIR holds manifest.txt and corpus/; default tests/hostile)
// Prints one line per file, then "N passed, N failed".
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../fuzz/fuzz_common.h"
#include "loader.h"
#include "npy.h"
#include "onyx/session.h"
#include "tensor_file.h"

namespace {

using namespace onyx;

constexpr int kTimeoutSeconds = 60;

struct Entry {
  std::string file, kind, code, fragment;
};

// The limits of a small device: the defaults, with the memory bounds lowered so that the
// memory bombs of the corpus end at a few hundred megabytes.
Limits corpus_limits() {
  Limits l;
  l.max_total_bytes = uint64_t{256} << 20;
  l.max_tensor_elements = int64_t{1} << 26;
  return l;
}

Status run_model(const std::string& path) {
  LoadOptions lo;
  lo.limits = corpus_limits();
  Result<std::shared_ptr<Model>> m = load_model_file(path, lo);
  if (!m.ok()) return m.status();
  SessionOptions so;
  so.limits = corpus_limits();
  Result<std::unique_ptr<Session>> s = Session::create(*m, so);
  if (!s.ok()) return s.status();
  ONYX_TRY(fuzz::bind_random_inputs(**s, 7));
  return (*s)->run();
}

Status run_entry(const Entry& e, const std::string& dir) {
  const std::string path = dir + "/corpus/" + e.file;
  if (e.kind == "model") return run_model(path);
  if (e.kind == "tensor") {
    TypeInfo tensor;  // the declared type of a tensor input, element type left open
    tensor.kind = TypeInfo::Kind::kTensor;
    return read_value_file(path, &tensor).status();
  }
  if (e.kind == "npy") return read_npy_file(path).status();
  return error(Code::kInternal, "unknown kind '", e.kind, "' in the manifest");
}

// Runs one entry in a child process; returns "" when it gave the expected error, else why not.
std::string check(const Entry& e, const std::string& dir, std::string* message) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    close(fds[0]);
    alarm(kTimeoutSeconds + 5);  // the parent's deadline, in case it cannot kill us
    Status s = run_entry(e, dir);
    std::string out = std::string(code_name(s.code())) + "\n" + s.message();
    size_t done = 0;
    while (done < out.size()) {
      ssize_t w = write(fds[1], out.data() + done, out.size() - done);
      if (w <= 0) break;
      done += static_cast<size_t>(w);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutSeconds);
  bool timed_out = false;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t r = read(fds[0], buf, sizeof buf);
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  close(fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timed_out) return "timed out after " + std::to_string(kTimeoutSeconds) + " s";
  if (WIFSIGNALED(status)) return "crashed with signal " + std::to_string(WTERMSIG(status));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "the child exited with status " + std::to_string(WEXITSTATUS(status)) + " (a sanitizer report?)";
  }
  const size_t nl = out.find('\n');
  if (nl == std::string::npos) return "no result from the child";
  const std::string code = out.substr(0, nl);
  *message = out.substr(nl + 1);
  if (code != e.code) return "code " + code + ", expected " + e.code;
  if (!e.fragment.empty() && message->find(e.fragment) == std::string::npos) {
    return "message lacks '" + e.fragment + "'";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "tests/hostile";
  std::ifstream in(dir + "/manifest.txt");
  if (!in) {
    std::printf("cannot read %s/manifest.txt\n0 passed, 1 failed\n", dir.c_str());
    return 1;
  }
  std::vector<Entry> entries;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    Entry e;
    ls >> e.file >> e.kind >> e.code;
    std::getline(ls, e.fragment);
    const size_t first = e.fragment.find_first_not_of(' ');
    e.fragment = first == std::string::npos ? "" : e.fragment.substr(first);
    entries.push_back(e);
  }
  int passed = 0, failed = 0;
  for (const Entry& e : entries) {
    std::string message;
    const auto t0 = std::chrono::steady_clock::now();
    const std::string why = check(e, dir, &message);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (why.empty()) {
      ++passed;
      std::printf("ok %s (%s, %.0f ms): %s\n", e.file.c_str(), e.code.c_str(), ms, message.substr(0, 200).c_str());
    } else {
      ++failed;
      std::printf("FAIL %s: %s\n  message: %s\n", e.file.c_str(), why.c_str(), message.substr(0, 400).c_str());
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
