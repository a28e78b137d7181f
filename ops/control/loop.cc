// Loop (1, 11, 13, 16): runs `body` while the trip count M (optional) is not reached and the
// condition (optional) holds. Body inputs: (iteration_num, cond, v_1..v_N); body outputs:
// (cond, v_1..v_N, scan_1..scan_K). Node outputs: the final v_1..v_N, then each scan output
// stacked along a new first axis. Loop-carried values may be tensors, sequences or optionals.
#include <algorithm>
#include <vector>

#include "control/values.h"

namespace onyx {

namespace {

class Loop final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    body_ = nullptr;
    if (ctx.num_inputs() < 2) {
      return ctx.fail(Code::kInvalidModel, "Loop needs inputs 'M' and 'cond' (either may be empty)");
    }
    if (ctx.has_input(0)) {
      const InputInfo& m = ctx.input(0);
      if (m.kind != ValueKind::kTensor || m.dtype != DType::kInt64 || numel(m.shape) != 1) {
        return ctx.fail(Code::kInvalidModel, "input 'M' must be a one-element int64 tensor");
      }
    }
    if (ctx.has_input(1)) {
      const InputInfo& c = ctx.input(1);
      if (c.kind != ValueKind::kTensor || c.dtype != DType::kBool || numel(c.shape) != 1) {
        return ctx.fail(Code::kInvalidModel, "input 'cond' must be a one-element bool tensor");
      }
    }
    const int n_carried = ctx.num_inputs() - 2;
    for (int i = 0; i < n_carried; ++i) {
      if (!ctx.has_input(2 + i)) {
        return ctx.fail(Code::kInvalidModel, "loop-carried input ", i, " must not be empty");
      }
    }
    if (ctx.num_outputs() < n_carried) {
      return ctx.fail(Code::kInvalidModel, "Loop has ", n_carried, " loop-carried inputs but only ",
                      ctx.num_outputs(), " outputs");
    }
    Result<Subgraph*> b = ctx.subgraph("body");
    if (!b.ok()) return b.status();
    const Graph& g = (*b)->graph();
    const int n_scan = ctx.num_outputs() - n_carried;
    if (g.inputs.size() != static_cast<size_t>(2 + n_carried)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'body' has ", g.inputs.size(), " inputs, expected ",
                      2 + n_carried, " (iteration_num, cond and ", n_carried, " loop-carried values)");
    }
    if (g.outputs.size() != static_cast<size_t>(1 + n_carried + n_scan)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'body' has ", g.outputs.size(), " outputs, expected ",
                      1 + n_carried + n_scan, " (cond, ", n_carried, " loop-carried values and ", n_scan,
                      " scan outputs)");
    }
    body_ = *b;
    n_carried_ = n_carried;
    n_scan_ = n_scan;
    return ctx.dynamic();
  }

  Status run(RunContext& ctx) override {
    int64_t max_trips = -1;  // -1: no trip count
    if (ctx.has_input(0)) {
      max_trips = ctx.input(0).data_as<int64_t>()[0];
      if (max_trips < 0) max_trips = 0;
    }
    // Without a cond input the body's cond output is ignored (the spec's "for" form).
    const bool use_cond = ctx.has_input(1);
    bool cond = use_cond ? ctx.input(1).data_as<bool>()[0] : true;

    Result<Tensor> iter_t = Tensor::make(DType::kInt64, {});
    Result<Tensor> cond_t = Tensor::make(DType::kBool, {});
    if (!iter_t.ok()) return iter_t.status();
    if (!cond_t.ok()) return cond_t.status();
    int64_t* iter_p = iter_t->data_as<int64_t>();
    bool* cond_p = cond_t->data_as<bool>();
    const Value iter_v = Value::of(*iter_t);  // share iter_p / cond_p
    const Value cond_v = Value::of(*cond_t);

    // Double-buffered loop-carried values: iteration k writes buffers[k % 2].
    std::vector<Value> buffers[2];
    buffers[0].resize(static_cast<size_t>(n_carried_));
    buffers[1].resize(static_cast<size_t>(n_carried_));
    std::vector<const Value*> cur(static_cast<size_t>(n_carried_));
    for (int i = 0; i < n_carried_; ++i) cur[i] = &ctx.input_value(2 + i);

    std::vector<Accum> scans(static_cast<size_t>(n_scan_));
    int64_t iter = 0;
    while (cond && (max_trips < 0 || iter < max_trips)) {
      // A loop with no trip count whose condition never turns false would otherwise run forever.
      ONYX_TRY(ctx.count_iteration().with_context(str_cat("iteration ", iter)));
      *iter_p = iter;
      *cond_p = cond;
      ONYX_TRY(body_->set_input(0, iter_v));
      ONYX_TRY(body_->set_input(1, cond_v));
      for (int i = 0; i < n_carried_; ++i) ONYX_TRY(body_->set_input(2 + i, *cur[i]));
      ONYX_TRY(body_->run().with_context(str_cat("body, iteration ", iter)));

      const Value& c = body_->output(0);
      if (!c.is_tensor() || c.tensor.dtype() != DType::kBool || c.tensor.numel() != 1) {
        return ctx.fail(Code::kInvalidModel, "body output 0 (cond) must be a one-element bool tensor");
      }
      if (use_cond) cond = c.tensor.data_as<bool>()[0];
      std::vector<Value>& next = buffers[iter % 2];
      for (int i = 0; i < n_carried_; ++i) {
        ONYX_TRY(flow::store(body_->output(1 + i), &next[i]));
        cur[i] = &next[i];
      }
      for (int k = 0; k < n_scan_; ++k) ONYX_TRY(append(ctx, k, body_->output(1 + n_carried_ + k), &scans[k]));
      ++iter;
    }

    for (int i = 0; i < n_carried_; ++i) ONYX_TRY(flow::emit(ctx, i, *cur[i]));
    for (int k = 0; k < n_scan_; ++k) ONYX_TRY(finish(ctx, k, iter, scans[k]));
    return Status();
  }

 private:
  // The stacked values of one scan output so far.
  struct Accum {
    bool started = false;
    DType dtype = DType::kUndefined;
    Dims shape;                      // of one iteration's value
    std::vector<char> bytes;         // non-string elements
    std::vector<std::string> strings;  // string elements
  };

  Status append(RunContext& ctx, int k, const Value& v, Accum* a) {
    if (!v.is_tensor()) {
      return ctx.fail(Code::kUnsupported, "scan output ", k, " of the body is not a tensor");
    }
    const Tensor& t = v.tensor;
    // The stacked output must stay a tensor the session may hold.
    const int64_t stacked = static_cast<int64_t>(a->strings.size()) +
                            static_cast<int64_t>(a->bytes.size() / std::max<size_t>(dtype_size(t.dtype()), 1));
    if (t.numel() > ctx.limits().max_tensor_elements - stacked) {
      return ctx.fail(Code::kResourceExhausted, "scan output ", k, " stacks more than Limits::max_tensor_elements = ",
                      ctx.limits().max_tensor_elements, " elements");
    }
    if (!a->started) {
      a->started = true;
      a->dtype = t.dtype();
      a->shape = t.shape();
    } else if (t.dtype() != a->dtype || t.shape() != a->shape) {
      return ctx.fail(Code::kInvalidArgument, "scan output ", k, " changes from ", dtype_name(a->dtype), " ",
                      shape_str(a->shape), " to ", dtype_name(t.dtype()), " ", shape_str(t.shape()),
                      " between iterations");
    }
    if (t.dtype() == DType::kString) {
      const auto* s = t.data_as<std::string>();
      a->strings.insert(a->strings.end(), s, s + t.numel());
    } else {
      const char* p = static_cast<const char*>(t.data());
      a->bytes.insert(a->bytes.end(), p, p + t.nbytes());
    }
    return Status();
  }

  Status finish(RunContext& ctx, int k, int64_t iters, const Accum& a) {
    const int out = n_carried_ + k;
    if (!ctx.has_output(out)) return Status();
    DType dtype = a.dtype;
    Dims dims{iters};
    if (a.started) {
      dims.insert(dims.end(), a.shape.begin(), a.shape.end());
    } else {
      // No iteration ran: the element type and shape come from the body's declaration.
      const TypeInfo& t = body_->graph().outputs[static_cast<size_t>(1 + n_carried_ + k)].type;
      dtype = t.kind == TypeInfo::Kind::kTensor && t.elem != DType::kUndefined ? t.elem : DType::kFloat32;
      for (const Dim& d : t.shape) dims.push_back(d.fixed() ? d.value : 0);
    }
    Tensor* o = ctx.output(out, dtype, dims);
    if (o == nullptr) {
      return ctx.fail(Code::kResourceExhausted, "cannot allocate scan output ", k, " of shape ", shape_str(dims));
    }
    if (dtype == DType::kString) {
      flow::copy_elems(dtype, o->data(), a.strings.data(), static_cast<int64_t>(a.strings.size()));
    } else if (!a.bytes.empty()) {
      std::memcpy(o->data(), a.bytes.data(), a.bytes.size());
    }
    return Status();
  }

  Subgraph* body_ = nullptr;
  int n_carried_ = 0;
  int n_scan_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_Loop() { return make_kernel<Loop>(); }

}  // namespace onyx
