// Cast (opsets 1, 6, 9, 13) and CastLike (15): every numeric dtype and bool to every other,
// plus string <-> numeric.
//   float -> int: truncates toward zero, saturates out-of-range values and +-Inf to the
//                 integer's limits, NaN -> 0 (all well defined, see ew::convert)
//   int -> int:   wraps (two's complement)
//   x -> bool:    x != 0 (NaN -> true)
//   -> float16/bfloat16: rounds to nearest even (doubles and wide integers directly, without
//                 double rounding through float)
//   number -> string: shortest decimal that reads back to the same value ("0.1", "1e-05",
//                 "NaN", "INF", "-INF"); bool -> "True"/"False"
//   string -> number: decimal or scientific, "+INF"/"INF"/"-INF"/"NaN" in any case, surrounding
//                 spaces ignored; an integer target also accepts a float text (truncated);
//                 out-of-range text saturates to the integer's limits;
//                 bool accepts "true"/"false" or a number. Unparsable text is kInvalidArgument.
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include "elementwise/common.h"

namespace onyx {
namespace {

constexpr DTypeMask kCastMask = kMaskAll;

// The `to` attribute of Cast-1 is a TensorProto.DataType name.
DType dtype_from_onnx_name(const std::string& s) {
  static const struct {
    const char* name;
    DType t;
  } kNames[] = {
      {"FLOAT", DType::kFloat32},   {"UINT8", DType::kUInt8},       {"INT8", DType::kInt8},
      {"UINT16", DType::kUInt16},   {"INT16", DType::kInt16},       {"INT32", DType::kInt32},
      {"INT64", DType::kInt64},     {"STRING", DType::kString},     {"BOOL", DType::kBool},
      {"FLOAT16", DType::kFloat16}, {"DOUBLE", DType::kFloat64},    {"UINT32", DType::kUInt32},
      {"UINT64", DType::kUInt64},   {"BFLOAT16", DType::kBFloat16},
  };
  std::string up;
  for (char c : s) up += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  for (const auto& n : kNames) {
    if (up == n.name) return n.t;
  }
  return dtype_from_name(s);
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Parses a floating-point text (F = float or double); false if it is not one.
template <class F>
bool parse_float(std::string_view s, F* out) {
  s = trim(s);
  bool neg = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.front() == '+' || s.front() == '-') return false;
  F v = 0;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  auto r = std::from_chars(first, last, v);
  if (r.ptr != last) return false;
  if (r.ec == std::errc::result_out_of_range) {
    // Too large gives Inf, too small 0, as strtod does. Try the wider double first.
    double d = 0;
    auto r2 = std::from_chars(first, last, d);
    if (r2.ec == std::errc()) {
      v = static_cast<F>(ew::narrow<F>(d));
    } else {
      size_t e = s.find_first_of("eE");
      bool tiny = e != std::string_view::npos ? (e + 1 < s.size() && s[e + 1] == '-')
                                              : s.find_first_of("123456789") > s.find('.');
      v = tiny ? F(0) : std::numeric_limits<F>::infinity();
    }
  } else if (r.ec != std::errc()) {
    return false;
  }
  *out = neg ? -v : v;
  return true;
}

template <class T>
bool parse_to(std::string_view s, T* out) {
  if constexpr (std::is_same_v<T, bool>) {
    std::string_view t = trim(s);
    if (iequals(t, "true")) {
      *out = true;
      return true;
    }
    if (iequals(t, "false")) {
      *out = false;
      return true;
    }
    double d = 0;
    if (!parse_float(t, &d)) return false;
    *out = d != 0.0;
    return true;
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return parse_float(s, out);
  } else if constexpr (ew::is_half_v<T>) {
    double d = 0;
    if (!parse_float(s, &d)) return false;
    *out = ew::convert<T>(d);
    return true;
  } else {
    std::string_view t = trim(s);
    if (!t.empty() && t.front() == '+') t.remove_prefix(1);
    T v{};
    auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (!t.empty() && r.ec == std::errc() && r.ptr == t.data() + t.size()) {
      *out = v;
      return true;
    }
    double d = 0;  // "100.5", "1e3", out of range: via double, truncating and saturating
    if (!parse_float(s, &d)) return false;
    *out = ew::convert<T>(d);
    return true;
  }
}

// Writes the text of v into buf (at least 64 bytes); returns the length.
template <class T>
size_t format_to(const T& v, char* buf) {
  char* end = buf + 64;
  if constexpr (std::is_same_v<T, bool>) {
    const char* s = v ? "True" : "False";
    size_t n = std::strlen(s);
    std::memcpy(buf, s, n);
    return n;
  } else if constexpr (ew::is_int_v<T>) {
    return static_cast<size_t>(std::to_chars(buf, end, v).ptr - buf);
  } else {
    using F = std::conditional_t<std::is_same_v<T, double>, double, float>;
    F f = static_cast<F>(v);
    const char* special = nullptr;
    if (std::isnan(f)) special = "NaN";
    else if (std::isinf(f)) special = f > 0 ? "INF" : "-INF";
    if (special != nullptr) {
      size_t n = std::strlen(special);
      std::memcpy(buf, special, n);
      return n;
    }
    if constexpr (ew::is_half_v<T>) {
      // The fewest significant digits that read back to the same 16-bit value, then the
      // shortest text of the float nearest to that decimal.
      for (int p = 1; p < 9; ++p) {
        auto r = std::to_chars(buf, end, f, std::chars_format::general, p);
        float back = 0;
        (void)std::from_chars(buf, r.ptr, back);
        if (T(back).bits == v.bits) {
          f = back;
          break;
        }
      }
    }
    return static_cast<size_t>(std::to_chars(buf, end, f).ptr - buf);
  }
}

// Cast to bfloat16 drops the low 16 bits of the float, as the ONNX 1.12 reference and its
// conformance data do (test_cast_FLOAT_to_BFLOAT16); the opset <= 18 spec leaves the rounding
// open ("we truncate bits which can't be stored"). Kernels that compute in float and store
// bfloat16 still round to nearest even. NaN stays a quiet NaN.
BFloat16 truncate_to_bfloat16(float f) {
  BFloat16 b;
  uint32_t bits = float_bits(f);
  b.bits = std::isnan(f) ? static_cast<uint16_t>((bits >> 16) | 0x40u) : static_cast<uint16_t>(bits >> 16);
  return b;
}

template <class S, class D>
Status cast_loop(const RunContext& ctx, const S* src, D* dst, int64_t n) {
  if constexpr (std::is_same_v<S, std::string> && std::is_same_v<D, std::string>) {
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
  } else if constexpr (std::is_same_v<S, std::string>) {
    for (int64_t i = 0; i < n; ++i) {
      if (!parse_to(src[i], &dst[i])) {
        return ctx.fail(Code::kInvalidArgument, "cannot parse string \"", src[i], "\" (element ", i,
                        ") as ", dtype_name(dtype_of<D>()));
      }
    }
  } else if constexpr (std::is_same_v<D, std::string>) {
    char buf[64];
    for (int64_t i = 0; i < n; ++i) dst[i].assign(buf, format_to(src[i], buf));
  } else if constexpr (std::is_same_v<D, BFloat16> && !std::is_same_v<S, BFloat16>) {
    for (int64_t i = 0; i < n; ++i) dst[i] = truncate_to_bfloat16(ew::convert<float>(src[i]));
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = ew::convert<D>(src[i]);
  }
  return Status();
}

Status cast_tensor(const RunContext& ctx, const Tensor& x, Tensor& y) {
  if (x.dtype() == y.dtype() && x.dtype() != DType::kString) {
    if (x.nbytes() != 0 && x.data() != y.data()) std::memcpy(y.data(), x.data(), x.nbytes());
    return Status();
  }
  return dispatch<kCastMask>(x.dtype(), [&](auto stag) -> Status {
    using S = typename decltype(stag)::type;
    return dispatch<kCastMask>(y.dtype(), [&](auto dtag) -> Status {
      using D = typename decltype(dtag)::type;
      return cast_loop(ctx, x.data_as<S>(), y.data_as<D>(), x.numel());
    });
  });
}

Status check_cast_dtypes(const PrepareContext& ctx, DType to) {
  if (!in_mask(ctx.in_dtype(0), kCastMask)) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
  if (!in_mask(to, kCastMask)) {
    return ctx.fail(Code::kUnsupported, "cannot cast to dtype ", dtype_name(to));
  }
  return Status();
}

class CastKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(ew::check_inputs(ctx, 1, 1));
    const Attribute* a = ctx.attr("to");
    if (a == nullptr) return ctx.fail(Code::kInvalidModel, "required attribute 'to' is missing");
    DType to = DType::kUndefined;
    if (a->type == AttrType::kString) {  // Cast-1
      to = dtype_from_onnx_name(a->s);
      if (to == DType::kUndefined) {
        return ctx.fail(Code::kInvalidModel, "attribute 'to' = \"", a->s, "\" is not a data type");
      }
    } else {
      int64_t v = 0;
      ONYX_TRY(ctx.attr_int("to", &v));
      if (v < 1 || v > kMaxDType) {
        return ctx.fail(Code::kInvalidModel, "attribute 'to' = ", v, " is not a data type");
      }
      to = static_cast<DType>(v);
    }
    ONYX_TRY(check_cast_dtypes(ctx, to));
    ctx.set_output(0, to, ctx.in_shape(0));
    return Status();
  }

  Status run(RunContext& ctx) override { return cast_tensor(ctx, ctx.input(0), ctx.output(0)); }
};

// CastLike(input, target_type): Cast to target_type's dtype (its values are not used).
class CastLikeKernel final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    ONYX_TRY(ew::check_inputs(ctx, 2, 2));
    ONYX_TRY(check_cast_dtypes(ctx, ctx.in_dtype(1)));
    ctx.set_output(0, ctx.in_dtype(1), ctx.in_shape(0));
    return Status();
  }

  Status run(RunContext& ctx) override { return cast_tensor(ctx, ctx.input(0), ctx.output(0)); }
};

}  // namespace

std::unique_ptr<Kernel> make_Cast() { return make_kernel<CastKernel>(); }
std::unique_ptr<Kernel> make_CastLike() { return make_kernel<CastLikeKernel>(); }

}  // namespace onyx
