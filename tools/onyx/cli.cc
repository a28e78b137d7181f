#include "cli.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

#include "loader.h"
#include "npy.h"
#include "tensor_file.h"

namespace onyx::cli {

bool Args::has(const std::string& name) const {
  for (const auto& s : switches) {
    if (s == name) return true;
  }
  return options.count(name) != 0;
}

std::string Args::get(const std::string& name, const std::string& def) const {
  auto it = options.find(name);
  return it == options.end() ? def : it->second;
}

std::vector<std::string> Args::all(const std::string& name) const {
  std::vector<std::string> out;
  auto range = options.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

Result<Args> parse_args(int argc, char** argv, int first, const std::vector<std::string>& value_flags,
                        const std::vector<std::string>& switch_flags) {
  Args a;
  auto in = [](const std::vector<std::string>& v, const std::string& s) {
    for (const auto& x : v) {
      if (x == s) return true;
    }
    return false;
  };
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() > 1 && arg[0] == '-' && !(arg.size() > 1 && (std::isdigit(static_cast<unsigned char>(arg[1])) || arg[1] == '.'))) {
      std::string key = arg, value;
      size_t eq = arg.find('=');
      bool inline_value = arg.rfind("--", 0) == 0 && eq != std::string::npos;
      if (inline_value) {
        key = arg.substr(0, eq);
        value = arg.substr(eq + 1);
      }
      if (in(value_flags, key)) {
        if (!inline_value) {
          if (i + 1 >= argc) return error(Code::kInvalidArgument, "option ", key, " needs a value");
          value = argv[++i];
        }
        a.options.emplace(key, value);
      } else if (in(switch_flags, key) && !inline_value) {
        a.switches.push_back(key);
      } else {
        return error(Code::kInvalidArgument, "unknown option '", arg, "'");
      }
    } else {
      a.positional.push_back(arg);
    }
  }
  return a;
}

Result<double> parse_double(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v)) {
    return error(Code::kInvalidArgument, flag, " expects a number, got '", text, "'");
  }
  return v;
}

Result<long long> parse_int(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0) {
    return error(Code::kInvalidArgument, flag, " expects an integer, got '", text, "'");
  }
  return v;
}

Result<long long> int_flag(const Args& args, const std::string& flag, long long def) {
  return args.has(flag) ? parse_int(flag, args.get(flag)) : Result<long long>(def);
}

Result<int> parse_threads(const Args& args) {
  Result<long long> parsed = int_flag(args, "--threads", 1);
  if (!parsed.ok()) return parsed.status();
  const long long threads = *parsed;
  if (threads < 1 || threads > 256) return error(Code::kInvalidArgument, "--threads must be in 1..256");
  return static_cast<int>(threads);
}

int fail(const char* cmd, const Status& s) {
  std::fprintf(stderr, "onyx %s: error: %s\n", cmd, s.message().c_str());
  return s.code() == Code::kInvalidArgument ? 2 : 1;
}

double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Status make_dirs(const std::string& path) {
  if (path.empty() || is_dir(path)) return Status();
  const size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) ONYX_TRY(make_dirs(path.substr(0, slash)));
  if (::mkdir(path.c_str(), 0755) == 0 || (errno == EEXIST && is_dir(path))) return Status();
  return error(Code::kIoError, path, ": cannot create folder: ", std::strerror(errno));
}

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> test_data_sets(const std::string& dir) {
  std::vector<std::string> sets;
  for (const std::string& n : list_dir(dir)) {
    if (n.rfind("test_data_set_", 0) == 0 && is_dir(dir + "/" + n)) sets.push_back(dir + "/" + n);
  }
  return sets;
}

std::vector<std::string> numbered_files(const std::string& dir, const std::string& prefix, bool npy) {
  std::vector<std::pair<long, std::string>> found;
  for (const std::string& n : list_dir(dir)) {
    const size_t ext = npy && n.size() >= 4 && n.compare(n.size() - 4, 4, ".npy") == 0 ? 4 : 3;
    if (n.rfind(prefix, 0) != 0 || n.size() < prefix.size() + ext + 1 ||
        (ext == 3 && n.compare(n.size() - 3, 3, ".pb") != 0)) continue;
    std::string num = n.substr(prefix.size(), n.size() - prefix.size() - ext);
    if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) continue;
    found.push_back({std::stol(num), dir + "/" + n});
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(f.second);
  return out;
}

std::string folder_model(const std::string& dir) {
  for (const char* name : {"/model.onnx", "/model.onyx"}) {
    if (is_file(dir + name)) return dir + name;
  }
  return "";
}

Result<std::shared_ptr<Model>> load_model(const std::string& path) {
  if (is_dir(path)) {
    const std::string model = folder_model(path);
    if (model.empty()) return error(Code::kNotFound, path, ": a folder without model.onnx or model.onyx");
    return load_model(model);
  }
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".onyx") == 0) return load_compiled_model_file(path);
  return load_model_file(path, LoadOptions{});
}

static bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<Value> read_input_file(const std::string& path, const TypeInfo* expected) {
  if (ends_with(path, ".npy")) {
    Result<Tensor> t = read_npy_file(path);
    if (!t.ok()) return t.status();
    return Value::of(*t);
  }
  return read_value_file(path, expected);
}

Result<Tensor> random_input(const ValueInfo& info, unsigned seed) {
  const TypeInfo& t = info.type;
  if (t.kind != TypeInfo::Kind::kTensor || t.elem == DType::kUndefined) {
    return error(Code::kUnsupported, "cannot generate a random value for input '", info.name, "'");
  }
  Dims dims;
  for (const Dim& d : t.shape) dims.push_back(d.fixed() ? d.value : 1);
  Result<Tensor> r = Tensor::make(t.elem, dims);
  if (!r.ok()) return r.status().with_context("input '" + info.name + "'");
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uni(0.0f, 1.0f);
  Tensor& x = *r;
  for (int64_t i = 0; i < x.numel(); ++i) {
    float u = uni(rng);
    switch (x.dtype()) {
      case DType::kFloat32: x.data_as<float>()[i] = u; break;
      case DType::kFloat64: x.data_as<double>()[i] = u; break;
      case DType::kFloat16: x.data_as<Float16>()[i] = Float16(u); break;
      case DType::kBFloat16: x.data_as<BFloat16>()[i] = BFloat16(u); break;
      case DType::kBool: x.data_as<bool>()[i] = u < 0.5f; break;
      case DType::kUInt8: x.data_as<uint8_t>()[i] = static_cast<uint8_t>(u * 255.0f); break;
      case DType::kInt8: x.data_as<int8_t>()[i] = static_cast<int8_t>(u * 255.0f - 128.0f); break;
      case DType::kInt16: x.data_as<int16_t>()[i] = static_cast<int16_t>(u * 200.0f - 100.0f); break;
      case DType::kUInt16: x.data_as<uint16_t>()[i] = static_cast<uint16_t>(u * 200.0f); break;
      case DType::kInt32: x.data_as<int32_t>()[i] = static_cast<int32_t>(u * 200.0f - 100.0f); break;
      case DType::kUInt32: x.data_as<uint32_t>()[i] = static_cast<uint32_t>(u * 200.0f); break;
      case DType::kInt64: x.data_as<int64_t>()[i] = static_cast<int64_t>(u * 200.0f - 100.0f); break;
      case DType::kUInt64: x.data_as<uint64_t>()[i] = static_cast<uint64_t>(u * 200.0f); break;
      case DType::kString: x.data_as<std::string>()[i] = str_cat("s", static_cast<int>(u * 100)); break;
      default: return error(Code::kUnsupported, "cannot generate ", dtype_name(x.dtype()), " input");
    }
  }
  return r;
}

std::string type_str(const Tensor& t) { return str_cat(dtype_name(t.dtype()), " ", shape_str(t.shape())); }

std::string type_str(const TypeInfo& t) {
  switch (t.kind) {
    case TypeInfo::Kind::kTensor:
    case TypeInfo::Kind::kSparseTensor: {
      std::string s = dtype_name(t.elem);
      if (!t.has_shape) return s + " [?]";
      s += " [";
      for (size_t i = 0; i < t.shape.size(); ++i) {
        if (i) s += ", ";
        s += t.shape[i].fixed() ? std::to_string(t.shape[i].value)
                                : (t.shape[i].param.empty() ? std::string("?") : t.shape[i].param);
      }
      return s + "]";
    }
    case TypeInfo::Kind::kSequence: return "sequence<" + (t.inner ? type_str(*t.inner) : std::string("?")) + ">";
    case TypeInfo::Kind::kOptional: return "optional<" + (t.inner ? type_str(*t.inner) : std::string("?")) + ">";
    case TypeInfo::Kind::kMap: return "map";
    case TypeInfo::Kind::kUnknown: return "?";
  }
  return "?";
}

std::string values_str(const Tensor& t, int count) {
  std::string s = "[";
  int64_t n = std::min<int64_t>(t.numel(), count);
  for (int64_t i = 0; i < n; ++i) {
    if (i) s += ", ";
    if (t.dtype() == DType::kString) {
      s += "\"" + t.data_as<std::string>()[i] + "\"";
    } else if (t.dtype() == DType::kBool) {
      s += t.data_as<bool>()[i] ? "true" : "false";
    } else if (is_float(t.dtype())) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", t.get_as_double(i));
      s += buf;
    } else if (t.dtype() == DType::kUInt64) {
      s += std::to_string(t.data_as<uint64_t>()[i]);
    } else if (t.dtype() == DType::kInt64) {
      s += std::to_string(t.data_as<int64_t>()[i]);
    } else {
      s += std::to_string(static_cast<long long>(t.get_as_double(i)));
    }
  }
  if (t.numel() > n) s += ", ...";
  return s + "]";
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace onyx::cli
