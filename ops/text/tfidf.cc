// TfIdfVectorizer (9): counts the pool's n-grams (with up to max_skip_count skipped items between
// consecutive n-gram items) in each row of a [C] or [N, C] int32/int64/string tensor, and writes
// TF, IDF or TF-IDF values at the n-grams' output coordinates.
//
// The pool is compiled in prepare() into a trie over token ids: every distinct pool item gets a
// token id, and each trie node is one n-gram prefix. Weights are indexed by output coordinate,
// as onnxruntime and the ONNX reference implementation do.
#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "dispatch.h"
#include "kernel.h"

namespace onyx {
namespace {

enum class Weighting { kTF, kIDF, kTFIDF };

class TfIdfVectorizer final : public Kernel {
 public:
  Status prepare(PrepareContext& ctx) override {
    if (ctx.num_inputs() != 1 || !ctx.has_input(0))
      return ctx.fail(Code::kInvalidModel, "TfIdfVectorizer takes 1 input");
    const DType dt = ctx.in_dtype(0);
    if (dt != DType::kString && dt != DType::kInt32 && dt != DType::kInt64) return ctx.unsupported_dtype(0, dt);
    std::string mode;
    if (!ctx.has_attr("mode")) return ctx.fail(Code::kInvalidModel, "required attribute 'mode' is missing");
    ONYX_TRY(ctx.attr_string("mode", &mode, ""));
    if (mode == "TF") {
      weighting_ = Weighting::kTF;
    } else if (mode == "IDF") {
      weighting_ = Weighting::kIDF;
    } else if (mode == "TFIDF") {
      weighting_ = Weighting::kTFIDF;
    } else {
      return ctx.fail(Code::kInvalidModel, "attribute 'mode' must be TF, IDF or TFIDF, got '", mode, "'");
    }
    ONYX_TRY(ctx.attr_int("min_gram_length", &min_n_));
    ONYX_TRY(ctx.attr_int("max_gram_length", &max_n_));
    ONYX_TRY(ctx.attr_int("max_skip_count", &max_skip_));
    if (min_n_ < 1 || max_n_ < min_n_) {
      return ctx.fail(Code::kInvalidModel, "attributes 'min_gram_length' (", min_n_, ") and 'max_gram_length' (",
                      max_n_, ") must satisfy 1 <= min <= max");
    }
    if (max_skip_ < 0) return ctx.fail(Code::kInvalidModel, "attribute 'max_skip_count' must be >= 0, got ", max_skip_);
    std::vector<int64_t> counts;
    if (!ctx.has_attr("ngram_counts"))
      return ctx.fail(Code::kInvalidModel, "required attribute 'ngram_counts' is missing");
    if (!ctx.has_attr("ngram_indexes"))
      return ctx.fail(Code::kInvalidModel, "required attribute 'ngram_indexes' is missing");
    ONYX_TRY(ctx.attr_ints("ngram_counts", &counts));
    ONYX_TRY(ctx.attr_ints("ngram_indexes", &indexes_));
    ONYX_TRY(ctx.attr_floats("weights", &weights_));
    std::vector<int64_t> pool_ints;
    std::vector<std::string> pool_strings;
    ONYX_TRY(ctx.attr_ints("pool_int64s", &pool_ints));
    ONYX_TRY(ctx.attr_strings("pool_strings", &pool_strings));
    const bool has_ints = ctx.has_attr("pool_int64s"), has_strings = ctx.has_attr("pool_strings");
    if (has_ints == has_strings) {
      return ctx.fail(Code::kInvalidModel, "exactly one of attributes 'pool_int64s' and 'pool_strings' must be set");
    }
    strings_ = has_strings;
    if (strings_ != (dt == DType::kString)) {
      return ctx.fail(Code::kInvalidModel, "input 'X' has dtype ", dtype_name(dt), " but the pool is ",
                      strings_ ? "pool_strings" : "pool_int64s");
    }
    const auto pool_size = static_cast<int64_t>(strings_ ? pool_strings.size() : pool_ints.size());
    if (pool_size >= (int64_t{1} << 31)) return ctx.fail(Code::kUnsupported, "the n-gram pool is too large");

    out_size_ = 0;
    for (int64_t v : indexes_) {
      if (v < 0) return ctx.fail(Code::kInvalidModel, "attribute 'ngram_indexes' has a negative value ", v);
      out_size_ = std::max(out_size_, v + 1);
    }
    if (!weights_.empty() && static_cast<int64_t>(weights_.size()) < out_size_) {
      return ctx.fail(Code::kInvalidModel, "attribute 'weights' has ", weights_.size(), " values for ", out_size_,
                      " output coordinates");
    }

    // Token ids for the distinct pool items, and the trie of the pool's n-grams.
    token_ints_.clear();
    token_strings_.clear();
    edges_.clear();
    node_ngram_.assign(1, -1);  // node 0 is the root
    auto token_of = [&](int64_t p) -> int64_t {
      if (strings_) {
        auto r =
            token_strings_.emplace(pool_strings[static_cast<size_t>(p)], static_cast<int64_t>(token_strings_.size()));
        return r.first->second;
      }
      auto r = token_ints_.emplace(pool_ints[static_cast<size_t>(p)], static_cast<int64_t>(token_ints_.size()));
      return r.first->second;
    };
    int64_t ngram_id = 0;
    for (size_t level = 0; level < counts.size(); ++level) {
      const int64_t n = static_cast<int64_t>(level) + 1;
      const int64_t begin = counts[level];
      const int64_t end = level + 1 < counts.size() ? counts[level + 1] : pool_size;
      if (begin < 0 || end < begin || end > pool_size) {
        return ctx.fail(Code::kInvalidModel, "attribute 'ngram_counts' is inconsistent with the pool of ", pool_size,
                        " items");
      }
      if ((end - begin) % n != 0) {
        return ctx.fail(Code::kInvalidModel, "the pool's ", n, "-grams span ", end - begin,
                        " items, not a multiple of ", n);
      }
      for (int64_t g = begin; g < end; g += n, ++ngram_id) {
        if (ngram_id >= static_cast<int64_t>(indexes_.size())) {
          return ctx.fail(Code::kInvalidModel, "attribute 'ngram_indexes' has fewer entries than the pool has n-grams");
        }
        if (n < min_n_ || n > max_n_) continue;  // never counted
        int64_t node = 0;
        for (int64_t k = 0; k < n; ++k) {
          const int64_t tok = token_of(g + k);
          const uint64_t key = edge_key(node, tok);
          auto it = edges_.find(key);
          if (it == edges_.end()) {
            const auto child = static_cast<int64_t>(node_ngram_.size());
            node_ngram_.push_back(-1);
            it = edges_.emplace(key, child).first;
          }
          node = it->second;
        }
        if (node_ngram_[static_cast<size_t>(node)] < 0) node_ngram_[static_cast<size_t>(node)] = ngram_id;
      }
    }
    if (ngram_id != static_cast<int64_t>(indexes_.size())) {
      return ctx.fail(Code::kInvalidModel, "attribute 'ngram_indexes' has ", indexes_.size(),
                      " entries but the pool has ", ngram_id, " n-grams");
    }

    const Dims& xs = ctx.in_shape(0);
    if (xs.size() > 2) return ctx.fail(Code::kInvalidArgument, "input 'X' must be [C] or [N, C], got ", shape_str(xs));
    const int64_t rows = xs.size() == 2 ? xs[0] : 1;
    row_len_ = xs.empty() ? 1 : xs.back();
    Dims out = xs.size() == 2 ? Dims{rows, out_size_} : Dims{out_size_};
    Result<int64_t> total = checked_numel(out);
    if (!total.ok()) return total.status();
    int64_t scratch = 0;
    if (!checked_mul(row_len_, static_cast<int64_t>(sizeof(int64_t)), &scratch)) {
      return ctx.fail(Code::kResourceExhausted, "input row is too long");
    }
    ctx.request_scratch(static_cast<size_t>(scratch));
    ctx.set_output(0, DType::kFloat32, std::move(out));
    return Status();
  }

  Status run(RunContext& ctx) override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0);
    float* out = y.data_as<float>();
    for (int64_t i = 0; i < y.numel(); ++i) out[i] = 0.0f;
    const int64_t rows = out_size_ == 0 ? 0 : y.numel() / out_size_;
    auto* tokens = static_cast<int64_t*>(ctx.scratch());
    for (int64_t r = 0; r < rows && row_len_ > 0; ++r) {
      // Token id of each item of the row (-1: not in the pool).
      for (int64_t i = 0; i < row_len_; ++i) tokens[i] = token_at(x, r * row_len_ + i);
      float* row = out + r * out_size_;
      for (int64_t skip = 0; skip <= max_skip_; ++skip) {
        // Unigrams do not depend on the skip: count them on the first pass only.
        const int64_t first_n = skip == 0 ? min_n_ : std::max<int64_t>(min_n_, 2);
        if (first_n > max_n_) break;
        const int64_t step = skip + 1;
        for (int64_t start = 0; start < row_len_; ++start) {
          if (start + step * (first_n - 1) >= row_len_) break;
          int64_t node = 0;
          for (int64_t n = 1, pos = start; n <= max_n_ && pos < row_len_; ++n, pos += step) {
            if (tokens[pos] < 0) break;
            auto it = edges_.find(edge_key(node, tokens[pos]));
            if (it == edges_.end()) break;
            node = it->second;
            const int64_t id = node_ngram_[static_cast<size_t>(node)];
            if (n >= first_n && id >= 0) row[indexes_[static_cast<size_t>(id)]] += 1.0f;
          }
        }
      }
    }
    // Counts -> TF / IDF / TF-IDF.
    if (weighting_ != Weighting::kTF) {
      for (int64_t i = 0; i < y.numel(); ++i) {
        const float w = weights_.empty() ? 1.0f : weights_[static_cast<size_t>(i % out_size_)];
        if (weighting_ == Weighting::kIDF) {
          out[i] = out[i] > 0.0f ? w : 0.0f;
        } else {
          out[i] *= w;
        }
      }
    }
    return Status();
  }

 private:
  static uint64_t edge_key(int64_t node, int64_t token) {
    return (static_cast<uint64_t>(node) << 32) ^ static_cast<uint64_t>(token);
  }

  int64_t token_at(const Tensor& x, int64_t i) const {
    if (strings_) {
      auto it = token_strings_.find(x.data_as<std::string>()[i]);
      return it == token_strings_.end() ? -1 : it->second;
    }
    const int64_t v = x.dtype() == DType::kInt32 ? x.data_as<int32_t>()[i] : x.data_as<int64_t>()[i];
    auto it = token_ints_.find(v);
    return it == token_ints_.end() ? -1 : it->second;
  }

  Weighting weighting_ = Weighting::kTF;
  int64_t min_n_ = 1, max_n_ = 1, max_skip_ = 0;
  std::vector<int64_t> indexes_;
  std::vector<float> weights_;
  bool strings_ = false;
  int64_t out_size_ = 0;
  int64_t row_len_ = 0;
  std::unordered_map<int64_t, int64_t> token_ints_;
  std::unordered_map<std::string, int64_t> token_strings_;
  std::unordered_map<uint64_t, int64_t> edges_;  // (node, token) -> child node
  std::vector<int64_t> node_ngram_;              // node -> n-gram id, -1 if none ends there
};

}  // namespace

std::unique_ptr<Kernel> make_TfIdfVectorizer() { return make_kernel<TfIdfVectorizer>(); }

}  // namespace onyx
