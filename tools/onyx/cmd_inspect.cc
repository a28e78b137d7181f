// onyx inspect: what a model is — versions, inputs/outputs, ops, parameters, planned arena.
#include <map>

#include "cli.h"

namespace onyx::cli {

static const char* kInspectHelp =
    "usage: onyx inspect MODEL [--json]\n"
    "\n"
    "Prints the IR and opset versions, producer, inputs and outputs with dtypes and shapes,\n"
    "the op histogram, parameter count and bytes (initializers) and the planned arena peak\n"
    "bytes (symbolic dims taken as 1). --json prints one JSON object instead.\n";

int cmd_inspect(int argc, char** argv) {
  Result<Args> args = parse_args(argc, argv, 2, {}, {"--json", "--help", "-h"});
  if (!args.ok()) return fail("inspect", args.status());
  if (args->has("--help") || args->has("-h")) {
    std::printf("%s", kInspectHelp);
    return 0;
  }
  if (args->positional.size() != 1) {
    std::fprintf(stderr, "%s", kInspectHelp);
    return 2;
  }
  Result<std::shared_ptr<Model>> loaded = load_model(args->positional[0]);
  if (!loaded.ok()) return fail("inspect", loaded.status());
  const Model& m = **loaded;
  std::map<std::string, int> ops;
  for (const Node& n : m.graph.nodes) {
    ops[n.domain.empty() || n.domain == "ai.onnx" ? n.op_type : n.domain + "." + n.op_type]++;
  }
  int64_t params = 0, param_bytes = 0;
  for (const NamedTensor& t : m.graph.initializers) {
    params += t.tensor.numel();
    param_bytes += static_cast<int64_t>(t.tensor.nbytes());
  }
  // Plan with symbolic dims as 1 to report the arena.
  std::string arena = "unknown";
  std::string plan_error;
  Result<std::unique_ptr<Session>> s = Session::create(*loaded);
  std::vector<Tensor> keep;
  if (s.ok()) {
    Status st;
    if (!(*s)->prepared()) {
      unsigned k = 0;
      for (const ValueInfo& vi : (*s)->inputs()) {
        Result<Tensor> t = random_input(vi, ++k);
        if (!t.ok()) {
          st = t.status();
          break;
        }
        keep.push_back(*t);
        st = (*s)->set_input(vi.name, keep.back());
        if (!st.ok()) break;
      }
      if (st.ok()) st = (*s)->prepare();
    }
    if (st.ok()) {
      arena = std::to_string((*s)->arena_bytes());
    } else {
      plan_error = st.message();
    }
  } else {
    plan_error = s.status().message();
  }
  std::vector<const ValueInfo*> inputs;
  for (const ValueInfo& vi : m.graph.inputs) {
    if (m.graph.initializer(vi.name) == nullptr) inputs.push_back(&vi);
  }

  if (args->has("--json")) {
    std::printf("{\"model\": \"%s\", \"ir_version\": %lld, \"opsets\": {", json_escape(m.source).c_str(),
                static_cast<long long>(m.ir_version));
    for (size_t i = 0; i < m.opsets.size(); ++i) {
      std::printf("%s\"%s\": %lld", i ? ", " : "", json_escape(m.opsets[i].domain.empty() ? "ai.onnx" : m.opsets[i].domain).c_str(),
                  static_cast<long long>(m.opsets[i].version));
    }
    std::printf("}, \"producer\": \"%s %s\", \"inputs\": [", json_escape(m.producer_name).c_str(),
                json_escape(m.producer_version).c_str());
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::printf("%s{\"name\": \"%s\", \"type\": \"%s\"}", i ? ", " : "", json_escape(inputs[i]->name).c_str(),
                  json_escape(type_str(inputs[i]->type)).c_str());
    }
    std::printf("], \"outputs\": [");
    for (size_t i = 0; i < m.graph.outputs.size(); ++i) {
      std::printf("%s{\"name\": \"%s\", \"type\": \"%s\"}", i ? ", " : "", json_escape(m.graph.outputs[i].name).c_str(),
                  json_escape(type_str(m.graph.outputs[i].type)).c_str());
    }
    std::printf("], \"nodes\": %zu, \"ops\": {", m.graph.nodes.size());
    bool first = true;
    for (const auto& [op, count] : ops) {
      std::printf("%s\"%s\": %d", first ? "" : ", ", json_escape(op).c_str(), count);
      first = false;
    }
    std::printf("}, \"parameters\": %lld, \"parameter_bytes\": %lld, \"arena_bytes\": %s",
                static_cast<long long>(params), static_cast<long long>(param_bytes), arena == "unknown" ? "null" : arena.c_str());
    if (!plan_error.empty()) std::printf(", \"plan_error\": \"%s\"", json_escape(plan_error).c_str());
    std::printf("}\n");
    return 0;
  }
  std::printf("model: %s\n", m.source.c_str());
  std::printf("ir_version: %lld\n", static_cast<long long>(m.ir_version));
  for (const OpsetImport& o : m.opsets) {
    std::printf("opset: %s %lld\n", o.domain.empty() ? "ai.onnx" : o.domain.c_str(), static_cast<long long>(o.version));
  }
  if (!m.producer_name.empty()) std::printf("producer: %s %s\n", m.producer_name.c_str(), m.producer_version.c_str());
  for (const ValueInfo* vi : inputs) std::printf("input: %s %s\n", vi->name.c_str(), type_str(vi->type).c_str());
  for (const ValueInfo& vi : m.graph.outputs) std::printf("output: %s %s\n", vi.name.c_str(), type_str(vi.type).c_str());
  std::printf("nodes: %zu\n", m.graph.nodes.size());
  for (const auto& [op, count] : ops) std::printf("  %-28s %d\n", op.c_str(), count);
  std::printf("parameters: %lld (%lld bytes)\n", static_cast<long long>(params), static_cast<long long>(param_bytes));
  std::printf("arena_bytes: %s\n", arena.c_str());
  if (!plan_error.empty()) std::printf("plan_error: %s\n", plan_error.c_str());
  return 0;
}

}  // namespace onyx::cli
