// If (1, 11, 13, 16): runs then_branch or else_branch on a boolean condition and returns that
// branch's outputs (tensors, sequences or optionals). Output shapes are only known by running.
#include "control/values.h"

namespace onyx {
namespace {

class If final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    then_ = else_ = nullptr;
    if (ctx.num_inputs() != 1 || !ctx.has_input(0)) {
      return ctx.fail(Code::kInvalidModel, "If takes exactly 1 input 'cond'");
    }
    const InputInfo& c = ctx.input(0);
    if (c.kind != ValueKind::kTensor || c.dtype != DType::kBool) {
      return ctx.fail(Code::kInvalidModel, "input 'cond' must be a bool tensor");
    }
    if (numel(c.shape) != 1) {
      return ctx.fail(Code::kInvalidArgument, "input 'cond' must hold exactly one element, got shape ",
                      shape_str(c.shape));
    }
    Result<Subgraph*> t = ctx.subgraph("then_branch");
    if (!t.ok()) return t.status();
    Result<Subgraph*> e = ctx.subgraph("else_branch");
    if (!e.ok()) return e.status();
    const size_t n = static_cast<size_t>(ctx.num_outputs());
    if ((*t)->graph().outputs.size() != n || (*e)->graph().outputs.size() != n) {
      return ctx.fail(Code::kInvalidModel, "then_branch has ", (*t)->graph().outputs.size(),
                      " outputs and else_branch ", (*e)->graph().outputs.size(), ", but the node has ", n);
    }
    if (!(*t)->graph().inputs.empty() || !(*e)->graph().inputs.empty()) {
      return ctx.fail(Code::kInvalidModel, "the branches of If must not declare inputs");
    }
    then_ = *t;
    else_ = *e;
    return ctx.dynamic();
  }

  Status run(RunContext& ctx) override {
    const bool cond = ctx.input(0).data_as<bool>()[0];
    Subgraph* body = cond ? then_ : else_;
    ONYX_TRY(body->run().with_context(cond ? "then_branch" : "else_branch"));
    for (int i = 0; i < ctx.num_outputs(); ++i) ONYX_TRY(flow::emit(ctx, i, body->output(i)));
    return Status();
  }

 private:
  Subgraph* then_ = nullptr;
  Subgraph* else_ = nullptr;
};

}  // namespace

std::unique_ptr<Kernel> make_If() { return make_kernel<If>(); }

}  // namespace onyx
