// StringNormalizer (10): drops stop words from a [C] or [1, C] string tensor, then optionally
// lower- or upper-cases what is left. Case mapping is built in (text/utf8.h), so results do not
// depend on the locales installed on the machine; the 'locale' attribute only selects the
// Turkic i/I rules ("tr", "az").
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "dispatch.h"
#include "kernel.h"
#include "text/utf8.h"

namespace onyx {
namespace {

using text::CaseChange;

class StringNormalizer final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0))
      return ctx.fail(Code::kInvalidModel, "StringNormalizer takes 1 input");
    if (ctx.in_dtype(0) != DType::kString) return ctx.unsupported_dtype(0, ctx.in_dtype(0));
    std::string action, locale;
    ONYX_TRY(ctx.attr_string("case_change_action", &action, "NONE"));
    if (action == "NONE") {
      change_ = CaseChange::kNone;
    } else if (action == "LOWER") {
      change_ = CaseChange::kLower;
    } else if (action == "UPPER") {
      change_ = CaseChange::kUpper;
    } else {
      return ctx.fail(Code::kInvalidModel, "attribute 'case_change_action' must be LOWER, UPPER or NONE, got '", action,
                      "'");
    }
    int64_t sensitive = 0;
    ONYX_TRY(ctx.attr_int("is_case_sensitive", &sensitive, 0));
    case_sensitive_ = sensitive != 0;
    ONYX_TRY(ctx.attr_string("locale", &locale, ""));
    const std::string lang = locale.substr(0, 2);
    turkic_ = (lang == "tr" || lang == "az") && (locale.size() == 2 || locale[2] == '_' || locale[2] == '-');
    ONYX_TRY(ctx.attr_strings("stopwords", &stopwords_));
    if (!case_sensitive_) {
      for (std::string& w : stopwords_) {
        std::string folded;
        text::append_case_changed(w, CaseChange::kLower, turkic_, folded);
        w = std::move(folded);
      }
    }
    std::sort(stopwords_.begin(), stopwords_.end());

    const Dims& xs = ctx.in_shape(0);
    if (!(xs.size() == 1 || (xs.size() == 2 && xs[0] == 1))) {
      return ctx.fail(Code::kInvalidArgument, "input 'X' must have shape [C] or [1, C], got ", shape_str(xs));
    }
    // How many strings survive depends on the values.
    const Tensor* x = ctx.in_value(0);
    if (x == nullptr) return ctx.dynamic();
    const auto* s = x->data_as<std::string>();
    int64_t kept = 0;
    for (int64_t i = 0; i < x->numel(); ++i) kept += is_stopword(s[i]) ? 0 : 1;
    // When everything is dropped the output holds one empty string.
    const int64_t c = kept == 0 ? 1 : kept;
    ctx.set_output(0, DType::kString, xs.size() == 1 ? Dims{c} : Dims{1, c});
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    const auto* s = x.data_as<std::string>();
    Tensor& y = ctx.output(0);
    auto* out = y.data_as<std::string>();
    int64_t j = 0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      if (is_stopword(s[i])) continue;
      if (j >= y.numel()) return ctx.fail(Code::kInternal, "StringNormalizer output is smaller than planned");
      out[j].clear();
      text::append_case_changed(s[i], change_, turkic_, out[j]);
      ++j;
    }
    if (j == 0 && y.numel() > 0) out[0].clear();
    return Status();
  }

 private:
  bool is_stopword(const std::string& s) const {
    if (stopwords_.empty()) return false;
    if (case_sensitive_) return std::binary_search(stopwords_.begin(), stopwords_.end(), s);
    // Byte-wise order of the folded strings is the order std::sort gave the folded stop words.
    auto it = std::lower_bound(
        stopwords_.begin(), stopwords_.end(), s,
        [this](const std::string& w, const std::string& v) { return text::compare_folded(v, w, turkic_) > 0; });
    return it != stopwords_.end() && text::compare_folded(s, *it, turkic_) == 0;
  }

  CaseChange change_ = CaseChange::kNone;
  bool case_sensitive_ = false;
  bool turkic_ = false;
  std::vector<std::string> stopwords_;
};

}  // namespace

std::unique_ptr<Kernel> make_StringNormalizer() { return make_kernel<StringNormalizer>(); }

}  // namespace onyx
