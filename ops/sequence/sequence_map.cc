// SequenceMap (17): applies `body` to every position of the input sequence(s). Input 0 is a
// sequence whose length sets the number of iterations; further inputs are sequences of the same
// length (element i goes to iteration i) or tensors (passed whole to every iteration). Each body
// output is collected into an output sequence.
#include <vector>

#include "control/values.h"

namespace onyx {
namespace {

class SequenceMap final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    body_ = nullptr;
    if (ctx.num_inputs() < 1 || !ctx.has_input(0) || ctx.input(0).kind != ValueKind::kSequence) {
      return ctx.fail(Code::kInvalidModel, "input 0 'input_sequence' must be a sequence");
    }
    for (int i = 1; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input ", i, " must not be empty");
      if (ctx.input(i).kind == ValueKind::kNone) {
        return ctx.fail(Code::kInvalidModel, "input ", i, " must be a tensor or a sequence");
      }
    }
    Result<Subgraph*> b = ctx.subgraph("body");
    if (!b.ok()) return b.status();
    const Graph& g = (*b)->graph();
    if (g.inputs.size() != static_cast<size_t>(ctx.num_inputs())) {
      return ctx.fail(Code::kInvalidModel, "attribute 'body' has ", g.inputs.size(), " inputs but the node has ",
                      ctx.num_inputs());
    }
    if (g.outputs.size() != static_cast<size_t>(ctx.num_outputs())) {
      return ctx.fail(Code::kInvalidModel, "attribute 'body' has ", g.outputs.size(), " outputs but the node has ",
                      ctx.num_outputs());
    }
    body_ = *b;
    for (int o = 0; o < ctx.num_outputs(); ++o) {
      ctx.set_output_kind(o, ValueKind::kSequence, flow::declared_elem(g.outputs[static_cast<size_t>(o)].type));
    }
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Value& first = ctx.input_value(0);
    if (first.kind != ValueKind::kSequence) return ctx.fail(Code::kInvalidArgument, "input 0 is not a sequence");
    const size_t n = first.sequence.size();
    for (int i = 1; i < ctx.num_inputs(); ++i) {
      const Value& v = ctx.input_value(i);
      if (v.kind == ValueKind::kSequence && v.sequence.size() != n) {
        return ctx.fail(Code::kInvalidArgument, "input ", i, " is a sequence of length ", v.sequence.size(),
                        " but input 0 has length ", n);
      }
    }
    const int n_out = ctx.num_outputs();
    std::vector<Value> outs(static_cast<size_t>(n_out));
    for (int o = 0; o < n_out; ++o) {
      outs[o].kind = ValueKind::kSequence;
      outs[o].elem_type = flow::declared_elem(body_->graph().outputs[static_cast<size_t>(o)].type);
      outs[o].sequence.reserve(n);
    }
    for (size_t k = 0; k < n; ++k) {
      for (int i = 0; i < ctx.num_inputs(); ++i) {
        const Value& v = ctx.input_value(i);
        if (v.kind == ValueKind::kSequence) {
          ONYX_TRY(body_->set_input(i, Value::of(v.sequence[k])));
        } else {
          ONYX_TRY(body_->set_input(i, v));
        }
      }
      ONYX_TRY(ctx.count_iteration().with_context(str_cat("element ", k)));
      ONYX_TRY(body_->run().with_context(str_cat("body, element ", k)));
      for (int o = 0; o < n_out; ++o) {
        const Value& r = body_->output(o);
        if (!r.is_tensor()) return ctx.fail(Code::kUnsupported, "body output ", o, " is not a tensor");
        Result<Tensor> t = flow::seq_elem(r.tensor);
        if (!t.ok()) return t.status();
        if (outs[o].elem_type == DType::kUndefined) outs[o].elem_type = t->dtype();
        outs[o].sequence.push_back(*t);
      }
    }
    for (int o = 0; o < n_out; ++o) {
      if (ctx.has_output(o)) ctx.output_value(o) = std::move(outs[o]);
    }
    return Status();
  }

 private:
  Subgraph* body_ = nullptr;
};

}  // namespace

std::unique_ptr<Kernel> make_SequenceMap() { return make_kernel<SequenceMap>(); }

}  // namespace onyx
