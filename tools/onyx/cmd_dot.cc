// onyx dot: draw a model as a Graphviz graph (see onyx/graph_dot.h); renders SVG/PNG with
// Graphviz's `dot` when it is installed.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "cli.h"
#include "onyx/graph_dot.h"

extern char** environ;

namespace onyx::cli {

static const char* kDotHelp =
    "usage: onyx dot IN [-o OUT] [--lr] [--no-names]\n"
    "\n"
    "Draws IN as a Graphviz graph: ops as boxes, graph inputs and outputs as ellipses, edges\n"
    "labelled with tensor name, dtype and shape, initializers summarised in the box that reads\n"
    "them. Without -o the DOT text goes to stdout; OUT ending in .svg or .png is rendered by\n"
    "Graphviz's 'dot' (Debian package graphviz), any other OUT gets the DOT text.\n"
    "--lr lays the graph out left to right; --no-names leaves tensor names off the edges.\n"
    "Exit status: 0 done, 1 load/write/render failure, 2 usage error.\n";

static bool ends_with(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

static Status write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  if (!f) return error(Code::kIoError, "cannot write '", path, "'");
  f << text;
  f.close();
  if (!f) return error(Code::kIoError, "cannot write '", path, "'");
  return Status();
}

// Runs `dot -T<format> -o out in` and waits for it.
static Status render(const std::string& dot_file, const std::string& out, const std::string& format) {
  std::string fmt = "-T" + format;
  std::vector<char*> argv = {const_cast<char*>("dot"), fmt.data(), const_cast<char*>("-o"),
                             const_cast<char*>(out.c_str()), const_cast<char*>(dot_file.c_str()), nullptr};
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, "dot", nullptr, nullptr, argv.data(), environ);
  if (rc != 0) {
    return error(Code::kIoError, "cannot run Graphviz's 'dot' (", std::strerror(rc),
                 "): install the Debian package graphviz, or write a .dot file");
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return error(Code::kIoError, "waiting for 'dot' failed");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return error(Code::kIoError, "Graphviz's 'dot' failed to render '", out, "'");
  }
  return Status();
}

int cmd_dot(int argc, char** argv) {
  Result<Args> args = parse_args(argc, argv, 2, {"-o", "--output"}, {"--lr", "--no-names", "--help", "-h"});
  if (!args.ok()) return fail("dot", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("%s", kDotHelp);
    return 0;
  }
  if (args->positional.size() != 1) {
    std::fprintf(stderr, "%s", kDotHelp);
    return 2;
  }
  Result<std::shared_ptr<Model>> model = load_model(args->positional[0]);
  if (!model.ok()) return fail("dot", model.status());
  DotOptions options;
  options.left_to_right = args->has("--lr");
  options.tensor_names = !args->has("--no-names");
  std::string text = to_dot(**model, options);
  std::string out = args->get("-o", args->get("--output"));
  if (out.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  std::string format = ends_with(out, ".svg") ? "svg" : ends_with(out, ".png") ? "png" : "";
  if (format.empty()) {
    Status st = write_text(out, text);
    return st.ok() ? 0 : fail("dot", st);
  }
  char tmp[] = "/tmp/onyx_dot_XXXXXX";
  int fd = mkstemp(tmp);
  if (fd < 0) return fail("dot", error(Code::kIoError, "cannot create a temporary file"));
  close(fd);
  Status st = write_text(tmp, text);
  if (st.ok()) st = render(tmp, out, format);
  std::remove(tmp);
  if (!st.ok()) return fail("dot", st);
  std::printf("wrote %s\n", out.c_str());
  return 0;
}

}  // namespace onyx::cli
