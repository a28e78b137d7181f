// Scan (8, 9, 11, 16): runs `body` once per position of the scan inputs, threading state
// variables through the iterations and stacking the per-iteration scan outputs.
//   opset 8:  inputs (sequence_lens?, states..., scan inputs...); every input has a batch axis 0,
//             scan inputs are scanned along axis 1; attribute `directions`.
//   opset 9+: inputs (states..., scan inputs...); attributes scan_input_axes,
//             scan_input_directions, scan_output_axes, scan_output_directions.
#include <vector>

#include "control/values.h"

namespace onyx {
namespace {

class Scan final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    body_ = nullptr;
    v8_ = ctx.since_version() < 9;
    int64_t m = 0;
    ONYX_TRY(ctx.attr_int("num_scan_inputs", &m));
    first_ = v8_ ? 1 : 0;
    const int total = ctx.num_inputs() - first_;
    if (m < 1 || m > total) {
      return ctx.fail(Code::kInvalidModel, "attribute 'num_scan_inputs' is ", m, " but the node has ", total,
                      " state and scan inputs");
    }
    n_scan_in_ = static_cast<int>(m);
    n_state_ = total - n_scan_in_;
    n_scan_out_ = ctx.num_outputs() - n_state_;
    if (n_scan_out_ < 0) {
      return ctx.fail(Code::kInvalidModel, "Scan has ", n_state_, " state inputs but only ", ctx.num_outputs(),
                      " outputs");
    }
    for (int i = first_; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i) || ctx.input(i).kind != ValueKind::kTensor) {
        return ctx.fail(Code::kInvalidModel, "input ", i, " must be a tensor");
      }
    }
    Result<Subgraph*> b = ctx.subgraph("body");
    if (!b.ok()) return b.status();
    const Graph& g = (*b)->graph();
    if (g.inputs.size() != static_cast<size_t>(n_state_ + n_scan_in_)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'body' has ", g.inputs.size(), " inputs, expected ",
                      n_state_ + n_scan_in_);
    }
    if (g.outputs.size() != static_cast<size_t>(n_state_ + n_scan_out_)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'body' has ", g.outputs.size(), " outputs, expected ",
                      n_state_ + n_scan_out_);
    }

    in_axes_.assign(static_cast<size_t>(n_scan_in_), v8_ ? 1 : 0);
    in_reverse_.assign(static_cast<size_t>(n_scan_in_), false);
    out_axes_.assign(static_cast<size_t>(n_scan_out_), 0);
    out_reverse_.assign(static_cast<size_t>(n_scan_out_), false);
    std::vector<int64_t> v;
    if (v8_) {
      ONYX_TRY(ctx.attr_ints("directions", &v));
      ONYX_TRY(read_directions(ctx, "directions", v, &in_reverse_));
      if (ctx.has_input(0)) {
        const InputInfo& sl = ctx.input(0);
        if (sl.kind != ValueKind::kTensor || sl.dtype != DType::kInt64 || sl.shape.size() != 1) {
          return ctx.fail(Code::kInvalidModel, "input 'sequence_lens' must be a 1-D int64 tensor");
        }
      }
    } else {
      ONYX_TRY(ctx.attr_ints("scan_input_directions", &v));
      ONYX_TRY(read_directions(ctx, "scan_input_directions", v, &in_reverse_));
      ONYX_TRY(ctx.attr_ints("scan_output_directions", &v));
      ONYX_TRY(read_directions(ctx, "scan_output_directions", v, &out_reverse_));
      ONYX_TRY(ctx.attr_ints("scan_input_axes", &v));
      if (!v.empty() && v.size() != in_axes_.size()) {
        return ctx.fail(Code::kInvalidModel, "attribute 'scan_input_axes' has ", v.size(), " values, expected ",
                        in_axes_.size());
      }
      for (size_t j = 0; j < v.size(); ++j) {
        const int64_t rank = static_cast<int64_t>(ctx.in_shape(first_ + n_state_ + static_cast<int>(j)).size());
        if (!normalize_axis(v[j], rank, &in_axes_[j])) {
          return ctx.fail(Code::kInvalidModel, "attribute 'scan_input_axes' value ", v[j],
                          " is out of range for scan input ", j, " of rank ", rank);
        }
      }
      ONYX_TRY(ctx.attr_ints("scan_output_axes", &out_axes_attr_));
      if (!out_axes_attr_.empty() && out_axes_attr_.size() != out_axes_.size()) {
        return ctx.fail(Code::kInvalidModel, "attribute 'scan_output_axes' has ", out_axes_attr_.size(),
                        " values, expected ", out_axes_.size());
      }
    }

    // Every scan input must have the same sequence length (and, for opset 8, batch size).
    for (int j = 0; j < n_scan_in_; ++j) {
      const Dims& s = ctx.in_shape(first_ + n_state_ + j);
      const size_t min_rank = v8_ ? 2 : 1;
      if (s.size() < min_rank) {
        return ctx.fail(Code::kInvalidArgument, "scan input ", j, " has shape ", shape_str(s), "; it needs rank >= ",
                        min_rank);
      }
      const int64_t len = s[static_cast<size_t>(in_axes_[j])];
      if (j == 0) {
        seq_len_ = len;
        batch_ = v8_ ? s[0] : 1;
      } else if (len != seq_len_ || (v8_ && s[0] != batch_)) {
        return ctx.fail(Code::kInvalidArgument, "scan input ", j, " has shape ", shape_str(s),
                        ", which disagrees with scan input 0 in its sequence length or batch size");
      }
    }
    if (v8_) {
      for (int i = 0; i < n_state_; ++i) {
        const Dims& s = ctx.in_shape(first_ + i);
        if (s.empty() || s[0] != batch_) {
          return ctx.fail(Code::kInvalidArgument, "state input ", i, " has shape ", shape_str(s),
                          "; opset 8 needs batch size ", batch_, " on axis 0");
        }
      }
      if (ctx.has_input(0) && ctx.in_shape(0)[0] != batch_) {
        return ctx.fail(Code::kInvalidArgument, "input 'sequence_lens' has shape ", shape_str(ctx.in_shape(0)),
                        ", expected [", batch_, "]");
      }
    }
    body_ = *b;
    return ctx.dynamic();
  }

  Status run(RunContext& ctx) override {
    const int64_t L = seq_len_;
    // Per-iteration slices of the scan inputs, refilled every iteration.
    std::vector<Value> slices(static_cast<size_t>(n_scan_in_));
    for (int j = 0; j < n_scan_in_; ++j) {
      const Tensor& x = ctx.input(first_ + n_state_ + j);
      Dims d = x.shape();
      if (v8_) d.erase(d.begin());  // batch axis
      d.erase(d.begin() + (v8_ ? 0 : in_axes_[j]));
      Result<Tensor> t = Tensor::make(x.dtype(), d);
      if (!t.ok()) return t.status();
      slices[j] = Value::of(*t);
    }
    // Opset 8: final states are gathered per batch into outputs allocated up front.
    if (v8_) {
      for (int i = 0; i < n_state_; ++i) {
        const Tensor& init = ctx.input(first_ + i);
        if (ctx.has_output(i) && ctx.output(i, init.dtype(), init.shape()) == nullptr) {
          return ctx.fail(Code::kResourceExhausted, "cannot allocate output ", i);
        }
      }
    }
    std::vector<Tensor*> scan_out(static_cast<size_t>(n_scan_out_), nullptr);
    std::vector<Dims> scan_shape(static_cast<size_t>(n_scan_out_));
    std::vector<DType> scan_dtype(static_cast<size_t>(n_scan_out_));
    std::vector<bool> started(static_cast<size_t>(n_scan_out_), false);
    std::vector<Value> batch_init(static_cast<size_t>(n_state_));
    std::vector<Value> buffers[2];
    buffers[0].resize(static_cast<size_t>(n_state_));
    buffers[1].resize(static_cast<size_t>(n_state_));
    std::vector<const Value*> cur(static_cast<size_t>(n_state_));

    for (int64_t b = 0; b < batch_; ++b) {
      int64_t n = L;
      if (v8_ && ctx.has_input(0)) {
        n = ctx.input(0).data_as<int64_t>()[b];
        if (n < 0 || n > L) {
          return ctx.fail(Code::kOutOfRange, "sequence_lens[", b, "] = ", n, " is outside [0, ", L, "]");
        }
      }
      for (int i = 0; i < n_state_; ++i) {
        const Value& init = ctx.input_value(first_ + i);
        if (v8_) {
          const Tensor& x = init.tensor;
          Dims d(x.shape().begin() + 1, x.shape().end());
          Result<Tensor> t = Tensor::make(x.dtype(), d);
          if (!t.ok()) return t.status();
          flow::take_slice(x.dtype(), x.data(), x.shape(), 0, b, t->data());
          batch_init[i] = Value::of(*t);
          cur[i] = &batch_init[i];
        } else {
          cur[i] = &init;
        }
      }
      for (int64_t it = 0; it < n; ++it) {
        for (int j = 0; j < n_scan_in_; ++j) {
          const Tensor& x = ctx.input(first_ + n_state_ + j);
          const int64_t t = in_reverse_[j] ? n - 1 - it : it;
          Tensor& dst = slices[j].tensor;
          if (v8_) {
            const int64_t inner = dst.numel();
            flow::copy_elems(x.dtype(), dst.data(), flow::elem_ptr(x.dtype(), x.data(), (b * L + t) * inner), inner);
          } else {
            flow::take_slice(x.dtype(), x.data(), x.shape(), static_cast<size_t>(in_axes_[j]), t, dst.data());
          }
          ONYX_TRY(body_->set_input(n_state_ + j, slices[j]));
        }
        for (int i = 0; i < n_state_; ++i) ONYX_TRY(body_->set_input(i, *cur[i]));
        ONYX_TRY(ctx.count_iteration().with_context(str_cat("iteration ", it)));
        ONYX_TRY(body_->run().with_context(str_cat("body, iteration ", it)));

        std::vector<Value>& next = buffers[it % 2];
        for (int i = 0; i < n_state_; ++i) {
          const Value& o = body_->output(i);
          if (!o.is_tensor()) return ctx.fail(Code::kUnsupported, "body state output ", i, " is not a tensor");
          ONYX_TRY(flow::store(o, &next[i]));
          cur[i] = &next[i];
        }
        for (int k = 0; k < n_scan_out_; ++k) {
          const Value& o = body_->output(n_state_ + k);
          if (!o.is_tensor()) return ctx.fail(Code::kUnsupported, "body scan output ", k, " is not a tensor");
          const Tensor& y = o.tensor;
          if (!started[k]) {
            started[k] = true;
            scan_shape[k] = y.shape();
            scan_dtype[k] = y.dtype();
            ONYX_TRY(start_scan_output(ctx, k, y.dtype(), y.shape(), &scan_out[k]));
          } else if (y.shape() != scan_shape[k] || y.dtype() != scan_dtype[k]) {
            return ctx.fail(Code::kInvalidArgument, "body scan output ", k, " changes from ",
                            shape_str(scan_shape[k]), " to ", shape_str(y.shape()), " between iterations");
          }
          Tensor* out = scan_out[k];
          if (out == nullptr) continue;  // output omitted
          if (v8_) {
            flow::copy_elems(y.dtype(), flow::elem_ptr(y.dtype(), out->data(), (b * L + it) * y.numel()), y.data(),
                             y.numel());
          } else {
            const int64_t pos = out_reverse_[k] ? L - 1 - it : it;
            flow::put_slice(y.dtype(), out->data(), out->shape(), static_cast<size_t>(out_axes_[k]), pos, y.data());
          }
        }
      }
      for (int i = 0; i < n_state_; ++i) {
        if (!v8_) {
          ONYX_TRY(flow::emit(ctx, i, *cur[i]));
          continue;
        }
        if (!ctx.has_output(i)) continue;
        const Tensor& s = cur[i]->tensor;
        Tensor& out = ctx.output(i);
        if (s.dtype() != out.dtype() || s.numel() * batch_ != out.numel() ||
            Dims(out.shape().begin() + 1, out.shape().end()) != s.shape()) {
          return ctx.fail(Code::kInvalidArgument, "body state output ", i, " has shape ", shape_str(s.shape()),
                          ", which differs from the initial state's per-batch shape");
        }
        flow::put_slice(s.dtype(), out.data(), out.shape(), 0, b, s.data());
      }
    }
    // Scan outputs no iteration produced: shapes from the body's declared output types.
    for (int k = 0; k < n_scan_out_; ++k) {
      if (started[k]) continue;
      const TypeInfo& t = body_->graph().outputs[static_cast<size_t>(n_state_ + k)].type;
      DType dtype = t.kind == TypeInfo::Kind::kTensor && t.elem != DType::kUndefined ? t.elem : DType::kFloat32;
      Dims d;
      for (const Dim& dim : t.shape) d.push_back(dim.fixed() ? dim.value : 0);
      ONYX_TRY(start_scan_output(ctx, k, dtype, d, &scan_out[k]));
    }
    return Status();
  }

 private:
  static Status read_directions(const PrepareContext& ctx, const char* name, const std::vector<int64_t>& v,
                                std::vector<bool>* out) {
    if (v.empty()) return Status();
    if (v.size() != out->size()) {
      return ctx.fail(Code::kInvalidModel, "attribute '", name, "' has ", v.size(), " values, expected ",
                      out->size());
    }
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] != 0 && v[i] != 1) {
        return ctx.fail(Code::kInvalidModel, "attribute '", name, "' value ", v[i], " must be 0 or 1");
      }
      (*out)[i] = v[i] == 1;
    }
    return Status();
  }

  // Allocates scan output k for per-iteration values of shape `elem`.
  Status start_scan_output(RunContext& ctx, int k, DType dtype, const Dims& elem, Tensor** out) {
    Dims d;
    if (v8_) {
      d = {batch_, seq_len_};
      d.insert(d.end(), elem.begin(), elem.end());
    } else {
      const int64_t rank = static_cast<int64_t>(elem.size()) + 1;
      int64_t axis = 0;
      if (!out_axes_attr_.empty() && !normalize_axis(out_axes_attr_[k], rank, &axis)) {
        return ctx.fail(Code::kInvalidModel, "attribute 'scan_output_axes' value ", out_axes_attr_[k],
                        " is out of range for scan output ", k, " of rank ", rank);
      }
      out_axes_[k] = axis;
      d = elem;
      d.insert(d.begin() + axis, seq_len_);
    }
    const int o = n_state_ + k;
    *out = nullptr;
    if (!ctx.has_output(o)) return Status();
    *out = ctx.output(o, dtype, d);
    if (*out == nullptr) {
      return ctx.fail(Code::kResourceExhausted, "cannot allocate scan output ", k, " of shape ", shape_str(d));
    }
    return Status();
  }

  Subgraph* body_ = nullptr;
  bool v8_ = false;
  int first_ = 0;  // index of the first state input (1 in opset 8, after sequence_lens)
  int n_state_ = 0;
  int n_scan_in_ = 0;
  int n_scan_out_ = 0;
  int64_t seq_len_ = 0;
  int64_t batch_ = 1;
  std::vector<int64_t> in_axes_;
  std::vector<bool> in_reverse_;
  std::vector<int64_t> out_axes_attr_;
  std::vector<int64_t> out_axes_;
  std::vector<bool> out_reverse_;
};

}  // namespace

std::unique_ptr<Kernel> make_Scan() { return make_kernel<Scan>(); }

}  // namespace onyx
