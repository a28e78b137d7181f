#include "onyx/status.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>

namespace onyx {

const char* code_name(Code c) {
  switch (c) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: return "InvalidArgument";
    case Code::kInvalidModel: return "InvalidModel";
    case Code::kUnsupported: return "Unsupported";
    case Code::kNotFound: return "NotFound";
    case Code::kOutOfRange: return "OutOfRange";
    case Code::kResourceExhausted: return "ResourceExhausted";
    case Code::kIoError: return "IoError";
    case Code::kInternal: return "Internal";
  }
  return "Unknown";
}

Status Status::with_context(std::string_view prefix) const {
  if (ok() || prefix.empty()) return *this;
  std::string msg(prefix);
  msg += ": ";
  msg += message_;
  return Status(code_, std::move(msg));
}

std::string Status::to_string() const {
  if (ok()) return "OK";
  return str_cat(code_name(code_), ": ", message_);
}

namespace detail {
void append(std::string& out, std::string_view s) { out.append(s); }
void append(std::string& out, const char* s) { out.append(s ? s : "(null)"); }
void append(std::string& out, const std::string& s) { out.append(s); }
void append(std::string& out, char c) { out.push_back(c); }
void append(std::string& out, long long v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld", v);
  out.append(buf);
}
void append(std::string& out, unsigned long long v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llu", v);
  out.append(buf);
}
void append(std::string& out, double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  out.append(buf);
}
}  // namespace detail

}  // namespace onyx
