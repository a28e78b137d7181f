// RNN (1, 7, 14), GRU (1, 3, 7, 14), LSTM (1, 7, 14): a plain scalar reference of the three
// recurrent ops, whose float32 dot products run the active ISA's kernel. See recurrent.h for
// the semantics the spec leaves open.
//
// Versions: 1 has output_sequence (only says Y may be omitted: ignored, Y is produced when its
// output is named); GRU-3 adds linear_before_reset; 14 adds layout (1 = batch-major X, Y,
// initial_h/c, Y_h/c).
#include "rnn/recurrent.h"

#include <cctype>
#include <memory>
#include <type_traits>

#include "dispatch.h"
#include "prims/align.h"
#include "prims/fast_paths.h"
#include "prims/gemm.h"
#include "simd/kernels.h"

namespace onyx::rnn {
namespace {

bool iequals(const std::string& a, const char* b) {
  size_t i = 0;
  for (; i < a.size() && b[i] != '\0'; ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return i == a.size() && b[i] == '\0';
}

struct ActInfo {
  const char* name;
  ActKind kind;
  int num_params;  // 0: none, 1: alpha, 2: alpha and beta
  float alpha, beta;
};

constexpr ActInfo kActs[] = {
    {"Relu", ActKind::kRelu, 0, 0.0f, 0.0f},
    {"Tanh", ActKind::kTanh, 0, 0.0f, 0.0f},
    {"Sigmoid", ActKind::kSigmoid, 0, 0.0f, 0.0f},
    {"Affine", ActKind::kAffine, 2, 1.0f, 0.0f},
    {"LeakyRelu", ActKind::kLeakyRelu, 1, 0.01f, 0.0f},
    {"ThresholdedRelu", ActKind::kThresholdedRelu, 1, 1.0f, 0.0f},
    {"ScaledTanh", ActKind::kScaledTanh, 2, 1.0f, 1.0f},
    {"HardSigmoid", ActKind::kHardSigmoid, 2, 0.2f, 0.5f},
    {"Elu", ActKind::kElu, 1, 1.0f, 0.0f},
    {"Softsign", ActKind::kSoftsign, 0, 0.0f, 0.0f},
    {"Softplus", ActKind::kSoftplus, 0, 0.0f, 0.0f},
};

const ActInfo* find_act(const std::string& name) {
  for (const ActInfo& a : kActs) {
    if (iequals(name, a.name)) return &a;
  }
  return nullptr;
}

const ActInfo* find_act(ActKind kind) {
  for (const ActInfo& a : kActs) {
    if (a.kind == kind) return &a;
  }
  return nullptr;
}

// sum_k w[k] * v[k] in the compute type A.
template <class A, class T, class U>
A dot(const T* w, const U* v, int64_t n) {
  A s = A(0);
  for (int64_t k = 0; k < n; ++k) s += static_cast<A>(w[k]) * static_cast<A>(v[k]);
  return s;
}

}  // namespace

Status RecurrentKernel::prepare(PrepareContext& ctx) {
  const int v = ctx.since_version();
  const int max_inputs = spec_.has_cell ? 8 : 6;
  if (ctx.num_inputs() > max_inputs) {
    return ctx.fail(Code::kInvalidModel, spec_.op, " takes at most ", max_inputs, " inputs, got ", ctx.num_inputs());
  }
  static const char* const kNames[] = {"X", "W", "R", "B", "sequence_lens", "initial_h", "initial_c", "P"};
  for (int i = kX; i <= kR; ++i) {
    if (!ctx.has_input(i)) return ctx.fail(Code::kInvalidModel, "input '", kNames[i], "' is missing");
  }
  dtype_ = ctx.in_dtype(kX);
  if (!in_mask(dtype_, kMaskFloat3)) return ctx.unsupported_dtype(kX, dtype_);
  for (int i = kW; i < ctx.num_inputs(); ++i) {
    if (i == kSeqLens || !ctx.has_input(i)) continue;
    if (ctx.in_dtype(i) != dtype_) {
      return ctx.fail(Code::kInvalidModel, "input '", kNames[i], "' has dtype ", dtype_name(ctx.in_dtype(i)),
                      ", expected ", dtype_name(dtype_), " like 'X'");
    }
  }

  // Attributes.
  layout_ = 0;
  if (v >= 14) {
    ONYX_TRY(ctx.attr_int("layout", &layout_, 0));
    if (layout_ != 0 && layout_ != 1) return ctx.fail(Code::kInvalidModel, "attribute 'layout' must be 0 or 1, got ", layout_);
  }
  std::string direction;
  ONYX_TRY(ctx.attr_string("direction", &direction, "forward"));
  reverse_only_ = false;
  if (direction == "forward" || (v == 1 && direction == "foward")) {  // GRU-1's schema default has this typo
    dirs_ = 1;
  } else if (direction == "reverse") {
    dirs_ = 1;
    reverse_only_ = true;
  } else if (direction == "bidirectional") {
    dirs_ = 2;
  } else {
    return ctx.fail(Code::kInvalidModel, "attribute 'direction' must be forward, reverse or bidirectional, got '",
                    direction, "'");
  }
  has_clip_ = ctx.has_attr("clip");
  clip_ = 0.0f;
  if (has_clip_) {
    ONYX_TRY(ctx.attr_float("clip", &clip_, 0.0f));
    if (!(clip_ >= 0.0f)) return ctx.fail(Code::kInvalidModel, "attribute 'clip' must be non-negative, got ", clip_);
  }

  // Shapes.
  const Dims& xs = ctx.in_shape(kX);
  if (xs.size() != 3) return ctx.fail(Code::kInvalidModel, "input 'X' must have rank 3, got shape ", shape_str(xs));
  seq_ = layout_ == 0 ? xs[0] : xs[1];
  batch_ = layout_ == 0 ? xs[1] : xs[0];
  input_ = xs[2];
  const Dims& rs = ctx.in_shape(kR);
  if (rs.size() != 3) return ctx.fail(Code::kInvalidModel, "input 'R' must have rank 3, got shape ", shape_str(rs));
  if (ctx.has_attr("hidden_size")) {
    ONYX_TRY(ctx.attr_int("hidden_size", &hidden_));
    if (hidden_ < 1) return ctx.fail(Code::kInvalidModel, "attribute 'hidden_size' must be positive, got ", hidden_);
  } else {
    hidden_ = rs[2];  // optional in the schema: the recurrence weight fixes it
  }
  const int64_t G = spec_.gates;
  int64_t gh = 0;
  if (!checked_mul(G, hidden_, &gh)) return ctx.fail(Code::kInvalidModel, "attribute 'hidden_size' is too large");
  auto expect_shape = [&](int i, const Dims& want) -> Status {
    if (ctx.in_shape(i) != want) {
      return ctx.fail(Code::kInvalidModel, "input '", kNames[i], "' has shape ", shape_str(ctx.in_shape(i)),
                      ", expected ", shape_str(want));
    }
    return Status();
  };
  ONYX_TRY(expect_shape(kW, {dirs_, gh, input_}));
  ONYX_TRY(expect_shape(kR, {dirs_, gh, hidden_}));
  if (ctx.has_input(kB)) ONYX_TRY(expect_shape(kB, {dirs_, 2 * gh}));
  if (ctx.has_input(kSeqLens)) {
    if (ctx.in_dtype(kSeqLens) != DType::kInt32) {
      return ctx.fail(Code::kInvalidModel, "input 'sequence_lens' has dtype ", dtype_name(ctx.in_dtype(kSeqLens)),
                      ", expected int32");
    }
    ONYX_TRY(expect_shape(kSeqLens, {batch_}));
  }
  const Dims state_shape = layout_ == 0 ? Dims{dirs_, batch_, hidden_} : Dims{batch_, dirs_, hidden_};
  if (ctx.has_input(kInitH)) ONYX_TRY(expect_shape(kInitH, state_shape));
  if (spec_.has_cell) {
    if (ctx.has_input(kInitC)) ONYX_TRY(expect_shape(kInitC, state_shape));
    if (ctx.has_input(kP)) ONYX_TRY(expect_shape(kP, {dirs_, 3 * hidden_}));
  }

  // Activations: `acts` per direction, given once for all directions or once per direction.
  std::vector<std::string> names;
  std::vector<float> alphas, betas;
  ONYX_TRY(ctx.attr_strings("activations", &names));
  ONYX_TRY(ctx.attr_floats("activation_alpha", &alphas));
  ONYX_TRY(ctx.attr_floats("activation_beta", &betas));
  const size_t per_dir = static_cast<size_t>(spec_.acts);
  std::vector<const ActInfo*> infos;
  if (names.empty()) {
    for (int64_t d = 0; d < dirs_; ++d) {
      for (size_t k = 0; k < per_dir; ++k) infos.push_back(find_act(spec_.default_acts[k]));
    }
  } else {
    if (names.size() != per_dir && names.size() != per_dir * static_cast<size_t>(dirs_) &&
        !(dirs_ == 1 && names.size() == 2 * per_dir)) {
      return ctx.fail(Code::kInvalidModel, "attribute 'activations' has ", names.size(), " entries, expected ",
                      per_dir * static_cast<size_t>(dirs_), " for direction '", direction, "'");
    }
    for (const std::string& n : names) {
      const ActInfo* a = find_act(n);
      if (a == nullptr) return ctx.fail(Code::kUnsupported, "activation '", n, "' in attribute 'activations' is not supported");
      infos.push_back(a);
    }
  }
  acts_.clear();
  size_t ai = 0, bi = 0;
  for (const ActInfo* a : infos) {
    Activation act;
    act.kind = a->kind;
    act.alpha = a->alpha;
    act.beta = a->beta;
    if (a->num_params >= 1 && ai < alphas.size()) act.alpha = alphas[ai++];
    if (a->num_params >= 2 && bi < betas.size()) act.beta = betas[bi++];
    acts_.push_back(act);
  }
  // One list for both directions: the reverse direction reuses the forward functions.
  while (acts_.size() < per_dir * static_cast<size_t>(dirs_)) acts_.push_back(acts_[acts_.size() - per_dir]);

  linear_before_reset_ = 0;
  input_forget_ = 0;
  ONYX_TRY(prepare_extra(ctx));

  // Outputs.
  const Dims y_shape = layout_ == 0 ? Dims{seq_, dirs_, batch_, hidden_} : Dims{batch_, seq_, dirs_, hidden_};
  Result<int64_t> ny = checked_numel(y_shape);
  if (!ny.ok()) return ctx.fail(Code::kInvalidModel, "output 'Y' shape ", shape_str(y_shape), " is too large");
  if (ctx.has_output(0)) ctx.set_output(0, dtype_, y_shape);
  if (ctx.has_output(1)) ctx.set_output(1, dtype_, state_shape);
  if (spec_.has_cell && ctx.has_output(2)) ctx.set_output(2, dtype_, state_shape);
  const int max_outputs = spec_.has_cell ? 3 : 2;
  if (ctx.num_outputs() > max_outputs) {
    return ctx.fail(Code::kInvalidModel, spec_.op, " has at most ", max_outputs, " outputs, got ", ctx.num_outputs());
  }

  // Scratch: hidden and cell state of every batch entry, gate values, one temp row.
  int64_t state = 0, elems = 0;
  if (!checked_mul(batch_, hidden_, &state) || !checked_add(2 * state, gh + hidden_, &elems) || elems > kMaxElements) {
    return ctx.fail(Code::kInvalidModel, "state of ", batch_, " x ", hidden_, " is too large");
  }
  const size_t acc_size = dtype_ == DType::kFloat64 ? sizeof(double) : sizeof(float);
  size_t bytes = static_cast<size_t>(elems) * acc_size;
  if (dtype_ == DType::kFloat32) {
    // The float32 path's input projections of every step (run_typed), then the GEMM's scratch.
    int64_t rows = 0, projected = 0;
    if (!checked_mul(seq_, batch_, &rows) || !checked_mul(rows, gh, &projected) || projected > kMaxElements) {
      return ctx.fail(Code::kInvalidModel, "input projections of ", seq_, " x ", batch_, " x ", gh, " are too large");
    }
    bytes = prims::align_size(bytes) + prims::align_size(static_cast<size_t>(projected) * sizeof(float)) +
            prims::sgemm_scratch_bytes(rows, gh, input_);
  }
  ctx.request_scratch(bytes);
  return Status();
}

Status RecurrentKernel::run(RunContext& ctx) {
  return dispatch<kMaskFloat3>(dtype_, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return run_typed<T>(ctx);
  });
}

template <class T>
Status RecurrentKernel::run_typed(RunContext& ctx) {
  using A = compute_t<T>;
  const int64_t H = hidden_, I = input_, B = batch_, S = seq_, D = dirs_;
  const int64_t G = spec_.gates;
  const T* X = ctx.input(kX).data_as<T>();
  const T* W = ctx.input(kW).data_as<T>();
  const T* R = ctx.input(kR).data_as<T>();
  const T* Bias = ctx.has_input(kB) ? ctx.input(kB).data_as<T>() : nullptr;
  const int32_t* lens = ctx.has_input(kSeqLens) ? ctx.input(kSeqLens).data_as<int32_t>() : nullptr;
  const T* init_h = ctx.has_input(kInitH) ? ctx.input(kInitH).data_as<T>() : nullptr;
  const T* init_c = spec_.has_cell && ctx.has_input(kInitC) ? ctx.input(kInitC).data_as<T>() : nullptr;
  const T* P = spec_.has_cell && ctx.has_input(kP) ? ctx.input(kP).data_as<T>() : nullptr;
  T* Y = ctx.has_output(0) ? ctx.output(0).data_as<T>() : nullptr;
  T* Yh = ctx.has_output(1) ? ctx.output(1).data_as<T>() : nullptr;
  T* Yc = spec_.has_cell && ctx.has_output(2) ? ctx.output(2).data_as<T>() : nullptr;

  if (lens != nullptr) {
    for (int64_t b = 0; b < B; ++b) {
      if (lens[b] < 0 || lens[b] > S) {
        return ctx.fail(Code::kOutOfRange, "sequence_lens[", b, "] = ", lens[b], " is outside [0, ", S, "]");
      }
    }
  }

  // float32 dot products (all of the cell's multiply-adds) through the active ISA's kernel: the
  // same sums in another order. The reference mode and the other types keep the scalar loop.
  const simd::SimdKernels* k = std::is_same_v<T, float> && prims::fast_paths_enabled() ? simd::kernels() : nullptr;
  auto vdot = [k](const T* w, const auto* v, int64_t n) -> A {
    if constexpr (std::is_same_v<T, float> && std::is_same_v<std::remove_cv_t<std::remove_pointer_t<decltype(v)>>, float>) {
      if (k != nullptr) return k->dot(w, v, static_cast<size_t>(n));
    }
    return dot<A>(w, v, n);
  };

  A* h = static_cast<A*>(ctx.scratch());  // [B, H]
  A* c = h + B * H;                        // [B, H]
  A* gates = c + B * H;                    // [G * H]
  A* tmp = gates + G * H;                  // [H]
  // float32 with the vector kernels: X W^T + Wb of every step at once, one GEMM per direction
  // into xw [S * B, G * H] (rows in X's order); each step then adds only the state's products.
  A* xw = nullptr;
  void* gemm_scratch = nullptr;
  if (k != nullptr) {
    auto* base = static_cast<unsigned char*>(ctx.scratch());
    xw = reinterpret_cast<A*>(base + prims::align_size(static_cast<size_t>(2 * B * H + G * H + H) * sizeof(A)));
    gemm_scratch = reinterpret_cast<unsigned char*>(xw) + prims::align_size(static_cast<size_t>(S * B * G * H) * sizeof(A));
  }
  const A* xwr = nullptr;  // the current step's row of xw

  // Element offsets of the layout-dependent tensors.
  auto x_at = [&](int64_t t, int64_t b) { return layout_ == 0 ? (t * B + b) * I : (b * S + t) * I; };
  auto y_at = [&](int64_t t, int64_t d, int64_t b) {
    return layout_ == 0 ? ((t * D + d) * B + b) * H : ((b * S + t) * D + d) * H;
  };
  auto state_at = [&](int64_t d, int64_t b) { return layout_ == 0 ? (d * B + b) * H : (b * D + d) * H; };

  for (int64_t d = 0; d < D; ++d) {
    const bool rev = reverse_only_ || d == 1;
    const T* Wd = W + d * G * H * I;
    const T* Rd = R + d * G * H * H;
    const T* Wb = Bias != nullptr ? Bias + d * 2 * G * H : nullptr;
    const T* Rb = Bias != nullptr ? Wb + G * H : nullptr;
    const T* Pd = P != nullptr ? P + d * 3 * H : nullptr;
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t j = 0; j < H; ++j) {
        h[b * H + j] = init_h != nullptr ? static_cast<A>(init_h[state_at(d, b) + j]) : A(0);
        c[b * H + j] = init_c != nullptr ? static_cast<A>(init_c[state_at(d, b) + j]) : A(0);
      }
    }
    if constexpr (std::is_same_v<T, float>) {
      if (xw != nullptr && S * B > 0) {
        prims::sgemm(false, true, S * B, G * H, I, 1.0f, X, I, Wd, I, 0.0f, xw, G * H, gemm_scratch);
        for (int64_t r = 0; Wb != nullptr && r < S * B; ++r) {
          k->binary(simd::BinaryOp::kAdd, simd::Operands::kVecVec, xw + r * G * H, Wb, xw + r * G * H,
                    static_cast<size_t>(G * H));
        }
      }
    }
    // The input's part of gate row `row`: x.W^T + Wb.
    auto input_part = [&](int64_t row, const T* x) -> A {
      if (xwr != nullptr) return xwr[row];
      const A s = vdot(Wd + row * I, x, I);
      return Wb != nullptr ? s + static_cast<A>(Wb[row]) : s;
    };
    // Pre-activation of gate g, unit j: x.W^T + hv.R^T + biases (without peepholes).
    auto pre = [&](int64_t g, int64_t j, const T* x, const A* hv) {
      const int64_t row = g * H + j;
      if (xwr != nullptr) {
        const A s = xwr[row] + vdot(Rd + row * H, hv, H);
        return Rb != nullptr ? s + static_cast<A>(Rb[row]) : s;
      }
      A s = vdot(Wd + row * I, x, I) + vdot(Rd + row * H, hv, H);
      if (Wb != nullptr) s += static_cast<A>(Wb[row]) + static_cast<A>(Rb[row]);
      return s;
    };
    const Activation& f = act(d, 0);
    for (int64_t s = 0; s < S; ++s) {
      for (int64_t b = 0; b < B; ++b) {
        const int64_t len = lens != nullptr ? lens[b] : S;
        if (s >= len) {  // padding
          if (Y != nullptr) std::fill_n(Y + y_at(s, d, b), H, static_cast<T>(A(0)));
          continue;
        }
        const int64_t t = rev ? len - 1 - s : s;
        const T* x = X + x_at(t, b);
        if (xw != nullptr) xwr = xw + (layout_ == 0 ? t * B + b : b * S + t) * G * H;
        A* hb = h + b * H;
        A* cb = c + b * H;
        if (G == 1) {  // RNN: Ht = f(Xt W^T + Ht-1 R^T + Wb + Rb)
          for (int64_t j = 0; j < H; ++j) gates[j] = f(clipped(pre(0, j, x, hb)));
          std::copy_n(gates, H, hb);
        } else if (G == 3) {  // GRU, gates z r h
          const Activation& g = act(d, 1);
          for (int64_t j = 0; j < 2 * H; ++j) gates[j] = f(clipped(pre(j / H, j % H, x, hb)));
          const A* z = gates;
          const A* r = gates + H;
          A* hh = gates + 2 * H;
          if (linear_before_reset_ == 0) {
            for (int64_t j = 0; j < H; ++j) tmp[j] = r[j] * hb[j];
            for (int64_t j = 0; j < H; ++j) hh[j] = g(clipped(pre(2, j, x, tmp)));
          } else {
            for (int64_t j = 0; j < H; ++j) {
              const int64_t row = 2 * H + j;
              const A xpart = input_part(row, x);
              A hr = vdot(Rd + row * H, hb, H);
              if (Rb != nullptr) hr += static_cast<A>(Rb[row]);
              hh[j] = g(clipped(xpart + r[j] * hr));
            }
          }
          for (int64_t j = 0; j < H; ++j) hb[j] = (A(1) - z[j]) * hh[j] + z[j] * hb[j];
        } else {  // LSTM, gates i o f c
          const Activation& g = act(d, 1);
          const Activation& hact = act(d, 2);
          for (int64_t j = 0; j < H; ++j) {
            const A pi = Pd != nullptr ? static_cast<A>(Pd[j]) : A(0);
            const A po = Pd != nullptr ? static_cast<A>(Pd[H + j]) : A(0);
            const A pf = Pd != nullptr ? static_cast<A>(Pd[2 * H + j]) : A(0);
            const A ig = f(clipped(pre(0, j, x, hb) + pi * cb[j]));
            const A fg = input_forget_ != 0 ? A(1) - ig : f(clipped(pre(2, j, x, hb) + pf * cb[j]));
            const A cg = g(clipped(pre(3, j, x, hb)));
            const A cn = fg * cb[j] + ig * cg;
            const A og = f(clipped(pre(1, j, x, hb) + po * cn));
            gates[j] = og * hact(clipped(cn));
            tmp[j] = cn;
          }
          std::copy_n(gates, H, hb);
          std::copy_n(tmp, H, cb);
        }
        if (Y != nullptr) {
          T* yo = Y + y_at(t, d, b);
          for (int64_t j = 0; j < H; ++j) yo[j] = static_cast<T>(hb[j]);
        }
      }
    }
    for (int64_t b = 0; b < B; ++b) {
      const bool empty = (lens != nullptr ? lens[b] : S) == 0;
      for (int64_t j = 0; j < H; ++j) {
        if (Yh != nullptr) Yh[state_at(d, b) + j] = static_cast<T>(empty ? A(0) : h[b * H + j]);
        if (Yc != nullptr) Yc[state_at(d, b) + j] = static_cast<T>(empty ? A(0) : c[b * H + j]);
      }
    }
  }
  return Status();
}

namespace {

constexpr CellSpec kRnnSpec = {"RNN", 1, 1, {ActKind::kTanh, ActKind::kTanh, ActKind::kTanh}, false};
constexpr CellSpec kGruSpec = {"GRU", 3, 2, {ActKind::kSigmoid, ActKind::kTanh, ActKind::kTanh}, false};
constexpr CellSpec kLstmSpec = {"LSTM", 4, 3, {ActKind::kSigmoid, ActKind::kTanh, ActKind::kTanh}, true};

class RnnKernel final : public RecurrentKernel {
 public:
  RnnKernel() : RecurrentKernel(kRnnSpec) {}
};

class GruKernel final : public RecurrentKernel {
 public:
  GruKernel() : RecurrentKernel(kGruSpec) {}

 protected:
  Status prepare_extra(PrepareContext& ctx) override {
    if (ctx.since_version() >= 3) ONYX_TRY(ctx.attr_int("linear_before_reset", &linear_before_reset_, 0));
    return Status();
  }
};

class LstmKernel final : public RecurrentKernel {
 public:
  LstmKernel() : RecurrentKernel(kLstmSpec) {}

 protected:
  Status prepare_extra(PrepareContext& ctx) override {
    ONYX_TRY(ctx.attr_int("input_forget", &input_forget_, 0));
    return Status();
  }
};

}  // namespace
}  // namespace onyx::rnn

namespace onyx {

std::unique_ptr<Kernel> make_RNN() { return make_kernel<rnn::RnnKernel>(); }
std::unique_ptr<Kernel> make_GRU() { return make_kernel<rnn::GruKernel>(); }
std::unique_ptr<Kernel> make_LSTM() { return make_kernel<rnn::LstmKernel>(); }

}  // namespace onyx
