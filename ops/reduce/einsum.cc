// Einsum (version 12): Einstein summation over any number of operands.
//
// The equation is parsed once in prepare() into "labels": each letter is a label, and the
// dims an ellipsis stands for get one label each (right-aligned across operands, broadcasting
// size-1 dims as numpy does). Output labels come from the right-hand side, or implicitly the
// ellipsis dims followed by the letters used exactly once, in ASCII order. Every other label is
// summed over. A letter repeated inside one term walks a diagonal: its stride in that operand
// is the sum of the strides of its dims.
//
// run() walks one odometer over the output labels followed by the summed labels, keeping an
// element offset per operand, and accumulates the product of the operands (double for floating
// types, 64-bit wrap-around for integers) into each output element.
#include <memory>
#include <string>
#include <vector>

#include "dispatch.h"
#include "kernel.h"
#include "reduce/reduce_plan.h"

namespace onyx {
namespace {

constexpr DTypeMask kEinsumMask =
    (kMaskFloat & ~mask_of(DType::kBFloat16)) | kMaskInt;

constexpr int kNumLetters = 52;
constexpr int kEllipsis = -1;

// 'A'..'Z' -> 0..25, 'a'..'z' -> 26..51 (ASCII order, so sorting labels sorts letters).
int letter_label(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return 26 + (c - 'a');
  return -2;
}

// Parses one term into letter labels and at most one kEllipsis marker.
Status parse_term(const std::string& term, const char* where, std::vector<int>* out) {
  out->clear();
  bool ellipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    char c = term[i];
    if (c == '.') {
      if (term.compare(i, 3, "...") != 0) {
        return error(Code::kInvalidModel, "attribute 'equation': ", where, " '", term,
                     "' has a '.' that is not part of '...'");
      }
      if (ellipsis) {
        return error(Code::kInvalidModel, "attribute 'equation': ", where, " '", term,
                     "' has more than one ellipsis");
      }
      ellipsis = true;
      out->push_back(kEllipsis);
      i += 2;
      continue;
    }
    int l = letter_label(c);
    if (l < 0) {
      return error(Code::kInvalidModel, "attribute 'equation': invalid character '", c, "' in ",
                   where, " '", term, "'");
    }
    out->push_back(l);
  }
  return Status();
}

class EinsumKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (!ctx.has_attr("equation")) return ctx.fail(Code::kInvalidModel, "attribute 'equation' is missing");
    std::string raw;
    ONYX_TRY(ctx.attr_string("equation", &raw, ""));
    std::string eq;
    for (char c : raw) {
      if (c != ' ') eq.push_back(c);
    }
    const int n_ops = ctx.num_inputs();
    if (n_ops < 1) return ctx.fail(Code::kInvalidModel, "expects at least one input");
    DType dt = DType::kUndefined;
    for (int i = 0; i < n_ops; ++i) {
      if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input ", i, " is missing");
      if (i == 0) dt = ctx.in_dtype(0);
      if (ctx.in_dtype(i) != dt) {
        return ctx.fail(Code::kInvalidModel, "input ", i, " '", ctx.input_name(i), "' has dtype ",
                        dtype_name(ctx.in_dtype(i)), " but input 0 has ", dtype_name(dt));
      }
    }
    if (!in_mask(dt, kEinsumMask)) return ctx.unsupported_dtype(0, dt);

    // Split "lhs->rhs" and the lhs into terms.
    const size_t arrow = eq.find("->");
    const bool explicit_out = arrow != std::string::npos;
    const std::string lhs = eq.substr(0, arrow);
    const std::string rhs = explicit_out ? eq.substr(arrow + 2) : std::string();
    if (explicit_out && rhs.find("->") != std::string::npos) {
      return ctx.fail(Code::kInvalidModel, "attribute 'equation' '", raw, "' has more than one '->'");
    }
    std::vector<std::string> terms(1);
    for (char c : lhs) {
      if (c == ',') terms.emplace_back();
      else terms.back().push_back(c);
    }
    if (static_cast<int>(terms.size()) != n_ops) {
      return ctx.fail(Code::kInvalidModel, "attribute 'equation' '", raw, "' has ", terms.size(),
                      " operand terms but the node has ", n_ops, " inputs");
    }

    // Parse the terms and find the number of ellipsis dims.
    std::vector<std::vector<int>> parsed(n_ops);
    std::vector<int64_t> ell_rank(n_ops, 0);
    bool any_ellipsis = false;
    int64_t n_ell = 0;
    for (int i = 0; i < n_ops; ++i) {
      ONYX_TRY(parse_term(terms[i], "term", &parsed[i]));
      bool has_ell = false;
      int64_t letters = 0;
      for (int l : parsed[i]) {
        if (l == kEllipsis) has_ell = true;
        else ++letters;
      }
      const int64_t rank = static_cast<int64_t>(ctx.in_shape(i).size());
      if (has_ell ? rank < letters : rank != letters) {
        return ctx.fail(Code::kInvalidModel, "input ", i, " '", ctx.input_name(i), "' has rank ", rank,
                        " but its equation term '", terms[i], "' has ", letters, " letters",
                        has_ell ? " and an ellipsis" : "");
      }
      if (has_ell) {
        any_ellipsis = true;
        ell_rank[i] = rank - letters;
        n_ell = std::max(n_ell, ell_rank[i]);
      }
    }
    const int n_labels = kNumLetters + static_cast<int>(n_ell);

    // Label of every operand dim; label sizes with numpy broadcasting of size 1.
    std::vector<int64_t> size(n_labels, -1);
    std::vector<int> count(n_labels, 0);
    std::vector<std::vector<int>> dim_labels(n_ops);
    for (int i = 0; i < n_ops; ++i) {
      for (int l : parsed[i]) {
        if (l == kEllipsis) {
          for (int64_t k = 0; k < ell_rank[i]; ++k) {
            dim_labels[i].push_back(kNumLetters + static_cast<int>(n_ell - ell_rank[i] + k));
          }
        } else {
          dim_labels[i].push_back(l);
        }
      }
      const Dims& shape = ctx.in_shape(i);
      for (size_t d = 0; d < shape.size(); ++d) {
        const int l = dim_labels[i][d];
        ++count[l];
        const int64_t s = shape[d];
        // A letter repeated within a term must have equal dims (a diagonal).
        for (size_t e = 0; e < d; ++e) {
          if (dim_labels[i][e] == l && shape[e] != s) {
            return ctx.fail(Code::kInvalidModel, "input ", i, " '", ctx.input_name(i),
                            "' repeats a label over dims of sizes ", shape[e], " and ", s);
          }
        }
        if (size[l] == -1 || size[l] == 1) {
          size[l] = s;
        } else if (s != 1 && s != size[l]) {
          return ctx.fail(Code::kInvalidModel, "input ", i, " '", ctx.input_name(i), "' dim ", d,
                          " has size ", s, " but the same equation label has size ", size[l],
                          " elsewhere");
        }
      }
    }

    // Output labels.
    std::vector<int> out_labels;
    if (explicit_out) {
      std::vector<int> rp;
      ONYX_TRY(parse_term(rhs, "output", &rp));
      std::vector<uint8_t> seen(n_labels, 0);
      for (int l : rp) {
        if (l == kEllipsis) {
          for (int64_t k = 0; k < n_ell; ++k) out_labels.push_back(kNumLetters + static_cast<int>(k));
          continue;
        }
        if (count[l] == 0) {
          return ctx.fail(Code::kInvalidModel, "attribute 'equation' '", raw,
                          "': an output label does not appear in any input term");
        }
        if (seen[l]) {
          return ctx.fail(Code::kInvalidModel, "attribute 'equation' '", raw,
                          "': an output label is repeated");
        }
        seen[l] = 1;
        out_labels.push_back(l);
      }
    } else {
      if (any_ellipsis) {
        for (int64_t k = 0; k < n_ell; ++k) out_labels.push_back(kNumLetters + static_cast<int>(k));
      }
      for (int l = 0; l < kNumLetters; ++l) {
        if (count[l] == 1) out_labels.push_back(l);
      }
    }

    // Loop labels: the output labels, then every other used label (summed).
    std::vector<uint8_t> is_out(n_labels, 0);
    for (int l : out_labels) is_out[l] = 1;
    std::vector<int> loop = out_labels;
    for (int l = 0; l < n_labels; ++l) {
      if (count[l] > 0 && !is_out[l]) loop.push_back(l);
    }
    const size_t n_loop = loop.size();
    n_ops_ = n_ops;
    n_out_ = static_cast<int>(out_labels.size());
    n_loop_ = static_cast<int>(n_loop);
    sizes_.assign(n_loop, 0);
    Dims out_shape;
    for (size_t j = 0; j < n_loop; ++j) {
      sizes_[j] = size[loop[j]] < 0 ? 1 : size[loop[j]];
      if (j < out_labels.size()) out_shape.push_back(sizes_[j]);
    }
    Result<int64_t> on = checked_numel(out_shape);
    if (!on.ok()) return on.status();
    out_numel_ = *on;
    sum_count_ = 1;
    for (size_t j = out_labels.size(); j < n_loop; ++j) {
      if (!checked_mul(sum_count_, sizes_[j], &sum_count_)) {
        return ctx.fail(Code::kResourceExhausted, "equation '", raw, "' sums over too many elements");
      }
    }
    int64_t work = 0;
    if (!checked_mul(out_numel_, sum_count_, &work)) {
      return ctx.fail(Code::kResourceExhausted, "equation '", raw, "' needs too many multiplications");
    }

    // Per operand, the element stride of each loop label (0 where an operand dim broadcasts).
    strides_.assign(static_cast<size_t>(n_ops) * n_loop, 0);
    std::vector<int> loop_pos(n_labels, -1);
    for (size_t j = 0; j < n_loop; ++j) loop_pos[loop[j]] = static_cast<int>(j);
    for (int i = 0; i < n_ops; ++i) {
      const Dims& shape = ctx.in_shape(i);
      const Dims st = strides_of(shape);
      for (size_t d = 0; d < shape.size(); ++d) {
        const int l = dim_labels[i][d];
        if (shape[d] == 1) continue;  // broadcast (or a size-1 label): no movement
        strides_[static_cast<size_t>(i) * n_loop + loop_pos[l]] += st[d];
      }
    }

    ctx.request_scratch((n_loop + static_cast<size_t>(n_ops)) * sizeof(int64_t) +
                        static_cast<size_t>(n_ops) * sizeof(const void*));
    ctx.set_output(0, dt, std::move(out_shape));
    return Status();
  }

  Status run(RunContext& ctx) override {
    Tensor& y = ctx.output(0);
    char* scratch = static_cast<char*>(ctx.scratch());
    int64_t* idx = reinterpret_cast<int64_t*>(scratch);
    int64_t* off = idx + n_loop_;
    const void** ptr = reinterpret_cast<const void**>(off + n_ops_);
    for (int i = 0; i < n_ops_; ++i) ptr[i] = ctx.input(i).data();
    return dispatch<kEinsumMask>(y.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      run_typed<T>(reinterpret_cast<const T* const*>(ptr), y.data_as<T>(), idx, off);
      return Status();
    });
  }

 private:
  template <class T>
  void run_typed(const T* const* x, T* py, int64_t* idx, int64_t* off) const {
    using A = reduce::wide_t<T>;
    if (out_numel_ == 0) return;
    if (sum_count_ == 0) {  // every sum is over an empty set
      for (int64_t o = 0; o < out_numel_; ++o) py[o] = reduce::from_acc<T>(A(0));
      return;
    }
    const int n_loop = n_loop_;
    const int n_ops = n_ops_;
    for (int j = 0; j < n_loop; ++j) idx[j] = 0;
    for (int i = 0; i < n_ops; ++i) off[i] = 0;
    // When something is summed, the last (summed) label runs as a tight inner loop and the
    // odometer turns the labels before it.
    const bool has_sum = n_loop > n_out_;
    const int top = has_sum ? n_loop - 2 : n_loop - 1;
    const int64_t inner = has_sum ? sizes_[n_loop - 1] : 1;
    const int64_t s0 = has_sum ? strides_[n_loop - 1] : 0;
    const int64_t s1 = has_sum && n_ops > 1 ? strides_[static_cast<size_t>(n_loop) + n_loop - 1] : 0;
    const int64_t steps = sum_count_ / inner;
    // The sums of one output element take `steps` odometer steps, which leave the odometer at
    // the next output element (output labels are the outer digits).
    for (int64_t o = 0; o < out_numel_; ++o) {
      A acc = A(0);
      for (int64_t s = 0; s < steps; ++s) {
        if (n_ops == 1) {
          const T* a = x[0] + off[0];
          for (int64_t k = 0; k < inner; ++k) acc = reduce::wadd(acc, reduce::to_acc<A>(a[k * s0]));
        } else if (n_ops == 2) {
          const T* a = x[0] + off[0];
          const T* b = x[1] + off[1];
          for (int64_t k = 0; k < inner; ++k) {
            acc = reduce::wadd(acc, reduce::wmul(reduce::to_acc<A>(a[k * s0]), reduce::to_acc<A>(b[k * s1])));
          }
        } else {
          for (int64_t k = 0; k < inner; ++k) {
            A p = A(1);
            for (int i = 0; i < n_ops; ++i) {
              const int64_t st = has_sum ? strides_[static_cast<size_t>(i) * n_loop + n_loop - 1] : 0;
              p = reduce::wmul(p, reduce::to_acc<A>(x[i][off[i] + k * st]));
            }
            acc = reduce::wadd(acc, p);
          }
        }
        for (int j = top; j >= 0; --j) {
          const int64_t* st = strides_.data() + j;
          if (++idx[j] < sizes_[j]) {
            for (int i = 0; i < n_ops; ++i) off[i] += st[static_cast<size_t>(i) * n_loop];
            break;
          }
          idx[j] = 0;
          for (int i = 0; i < n_ops; ++i) off[i] -= st[static_cast<size_t>(i) * n_loop] * (sizes_[j] - 1);
        }
      }
      py[o] = reduce::from_acc<T>(acc);
    }
  }

  int n_ops_ = 0;
  int n_out_ = 0;    // loop labels [0, n_out_) are the output dims; the rest are summed
  int n_loop_ = 0;
  Dims sizes_;                    // size of each loop label
  std::vector<int64_t> strides_;  // [operand][loop label] element strides
  int64_t out_numel_ = 0;
  int64_t sum_count_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_Einsum() { return make_kernel<EinsumKernel>(); }

}  // namespace onyx
