// Status: the error type of the whole runtime. OK carries no allocation; an error carries a
// code and a human-readable message. Nothing in the core throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace onyx {

// Stable numeric values: they are also the C API's onyx_status codes.
enum class Code : int {
  kOk = 0,
  kInvalidArgument = 1,   // caller error: wrong input name, dtype, shape, bad option
  kInvalidModel = 2,      // the model file or graph is malformed
  kUnsupported = 3,       // valid ONNX this runtime does not implement (op, dtype, attribute)
  kNotFound = 4,          // a named thing does not exist (file, tensor, output)
  kOutOfRange = 5,        // data-dependent index or value out of bounds at run time
  kResourceExhausted = 6, // a size limit or the caller's arena is too small
  kIoError = 7,           // reading or writing a file failed
  kInternal = 8,          // a bug in Onyx
};

const char* code_name(Code c);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes context ("model.onnx: node 'conv1' (Conv): ...") to an error; no-op on OK.
  Status with_context(std::string_view prefix) const;
  // "InvalidModel: message"
  std::string to_string() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status ok_status() { return Status(); }

// str_cat: concatenates strings, integers and floats without iostreams.
namespace detail {
void append(std::string& out, std::string_view s);
void append(std::string& out, const char* s);
void append(std::string& out, const std::string& s);
void append(std::string& out, char c);
void append(std::string& out, long long v);
void append(std::string& out, unsigned long long v);
void append(std::string& out, double v);
template <class T>
void append(std::string& out, T v)
  requires std::is_integral_v<T>
{
  if constexpr (std::is_same_v<T, bool>) {
    append(out, v ? "true" : "false");
  } else if constexpr (std::is_signed_v<T>) {
    append(out, static_cast<long long>(v));
  } else {
    append(out, static_cast<unsigned long long>(v));
  }
}
inline void append(std::string& out, float v) { append(out, static_cast<double>(v)); }
}  // namespace detail

template <class... Args>
std::string str_cat(const Args&... args) {
  std::string out;
  (detail::append(out, args), ...);
  return out;
}

template <class... Args>
Status error(Code code, const Args&... args) {
  return Status(code, str_cat(args...));
}

// Result<T>: a value or an error Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)), has_(true) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}       // NOLINT: implicit by design
  bool ok() const { return has_; }
  const Status& status() const { return status_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T& operator*() { return value_; }
  T* operator->() { return &value_; }

 private:
  Status status_;
  T value_{};
  bool has_ = false;
};

}  // namespace onyx

#define ONYX_CONCAT_INNER(a, b) a##b
#define ONYX_CONCAT(a, b) ONYX_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function if it is an error.
#define ONYX_TRY(expr)                                    \
  do {                                                    \
    ::onyx::Status onyx_try_status_ = (expr);             \
    if (!onyx_try_status_.ok()) return onyx_try_status_;  \
  } while (0)
