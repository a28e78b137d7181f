#include "npy.h"

#include <bit>
#include <cstring>
#include <utility>

#include "file_io.h"
#include "proto_codec.h"

namespace onyx {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
// Longest header accepted; numpy itself refuses more than 10000 bytes by default.
constexpr size_t kMaxHeaderLen = 65536;
constexpr size_t kMaxPreamble = 12;  // magic + version + 4-byte header length

struct NpyInfo {
  DType dtype = DType::kUndefined;
  Dims dims;
  size_t data_offset = 0;
};

// A small strict reader of the Python dict literal in the header.
class HeaderParser {
 public:
  HeaderParser(const char* p, size_t n) : p_(p), end_(p + n) {}

  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool eat(char c) {
    skip_ws();
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool peek(char c) {
    skip_ws();
    return p_ < end_ && *p_ == c;
  }
  bool at_end() {
    skip_ws();
    return p_ == end_;
  }
  bool string(std::string* out) {
    skip_ws();
    if (p_ >= end_ || (*p_ != '\'' && *p_ != '"')) return false;
    char q = *p_++;
    out->clear();
    while (p_ < end_ && *p_ != q) {
      if (*p_ == '\\' || *p_ == '\n') return false;  // numpy never writes escapes
      out->push_back(*p_++);
      if (out->size() > 256) return false;
    }
    if (p_ >= end_) return false;
    ++p_;
    return true;
  }
  bool word(const char* w) {
    skip_ws();
    size_t n = std::strlen(w);
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, w, n) != 0) return false;
    p_ += n;
    return true;
  }
  bool integer(int64_t* out) {
    skip_ws();
    int64_t v = 0;
    int digits = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      if (++digits > 18) return false;
      v = v * 10 + (*p_ - '0');
      ++p_;
    }
    if (digits == 0) return false;
    if (p_ < end_ && *p_ == 'L') ++p_;  // Python 2 longs
    *out = v;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
};

Status parse_descr(const std::string& d, const std::string& src, DType* out) {
  if (d.size() < 3) return error(Code::kUnsupported, src, ": .npy dtype '", d, "' is not supported");
  char order = d[0];
  char kind = d[1];
  std::string size = d.substr(2);
  struct Entry {
    char kind;
    const char* size;
    DType dtype;
  };
  static const Entry kTable[] = {
      {'f', "2", DType::kFloat16}, {'f', "4", DType::kFloat32},    {'f', "8", DType::kFloat64},
      {'i', "1", DType::kInt8},    {'i', "2", DType::kInt16},      {'i', "4", DType::kInt32},
      {'i', "8", DType::kInt64},   {'u', "1", DType::kUInt8},      {'u', "2", DType::kUInt16},
      {'u', "4", DType::kUInt32},  {'u', "8", DType::kUInt64},     {'b', "1", DType::kBool},
      {'c', "8", DType::kComplex64}, {'c', "16", DType::kComplex128},
  };
  DType dt = DType::kUndefined;
  for (const Entry& e : kTable) {
    if (e.kind == kind && size == e.size) dt = e.dtype;
  }
  if (dt == DType::kUndefined) return error(Code::kUnsupported, src, ": .npy dtype '", d, "' is not supported");
  bool one_byte = dtype_size(dt) == 1;
  if (order == '>' && !one_byte) {
    return error(Code::kUnsupported, src, ": big-endian .npy dtype '", d, "' is not supported");
  }
  if (order != '<' && order != '=' && order != '|' && order != '>') {
    return error(Code::kInvalidModel, src, ": bad byte order in .npy dtype '", d, "'");
  }
  if (order == '|' && !one_byte) return error(Code::kInvalidModel, src, ": bad byte order in .npy dtype '", d, "'");
  *out = dt;
  return ok_status();
}

// Parses the preamble and header in the first `avail` bytes of a .npy file.
Status parse_npy_header(const unsigned char* p, size_t avail, const std::string& src, NpyInfo* info) {
  auto bad = [&](const char* what) { return error(Code::kInvalidModel, src, ": not a valid .npy file (", what, ")"); };
  if (avail < kMagicLen + 4 || std::memcmp(p, kMagic, kMagicLen) != 0) return bad("no \\x93NUMPY magic");
  unsigned major = p[6];
  size_t header_len = 0;
  size_t pre = 0;
  if (major == 1) {
    header_len = static_cast<size_t>(p[8]) | static_cast<size_t>(p[9]) << 8;
    pre = 10;
  } else if (major == 2 || major == 3) {
    if (avail < 12) return bad("truncated preamble");
    header_len = static_cast<size_t>(p[8]) | static_cast<size_t>(p[9]) << 8 | static_cast<size_t>(p[10]) << 16 |
                 static_cast<size_t>(p[11]) << 24;
    pre = 12;
  } else {
    return error(Code::kUnsupported, src, ": .npy format version ", major, ".", static_cast<unsigned>(p[7]),
                 " is not supported");
  }
  if (header_len > kMaxHeaderLen) return bad("header longer than 64 KiB");
  if (avail < pre + header_len) return bad("truncated header");

  HeaderParser h(reinterpret_cast<const char*>(p + pre), header_len);
  if (!h.eat('{')) return bad("header is not a dict");
  bool have_descr = false, have_order = false, have_shape = false;
  std::string descr;
  bool fortran = false;
  Dims dims;
  while (!h.eat('}')) {
    std::string key;
    if (!h.string(&key) || !h.eat(':')) return bad("malformed header dict");
    if (key == "descr") {
      if (have_descr) return bad("duplicate 'descr'");
      have_descr = true;
      if (h.peek('[')) return error(Code::kUnsupported, src, ": structured .npy dtypes are not supported");
      if (!h.string(&descr)) return bad("malformed 'descr'");
    } else if (key == "fortran_order") {
      if (have_order) return bad("duplicate 'fortran_order'");
      have_order = true;
      if (h.word("True")) {
        fortran = true;
      } else if (!h.word("False")) {
        return bad("malformed 'fortran_order'");
      }
    } else if (key == "shape") {
      if (have_shape) return bad("duplicate 'shape'");
      have_shape = true;
      if (!h.eat('(')) return bad("malformed 'shape'");
      while (!h.eat(')')) {
        int64_t d = 0;
        if (!h.integer(&d)) return bad("malformed 'shape'");
        if (dims.size() >= 64) return bad("'shape' has more than 64 dimensions");
        dims.push_back(d);
        if (!h.eat(',')) {
          if (!h.eat(')')) return bad("malformed 'shape'");
          break;
        }
      }
    } else {
      return bad("unknown key in header");
    }
    if (!h.eat(',')) {
      if (!h.eat('}')) return bad("malformed header dict");
      break;
    }
  }
  if (!h.at_end()) return bad("trailing bytes after the header dict");
  if (!have_descr || !have_order || !have_shape) return bad("header lacks 'descr', 'fortran_order' or 'shape'");
  ONYX_TRY(parse_descr(descr, src, &info->dtype));
  if (fortran) return error(Code::kUnsupported, src, ": .npy arrays in Fortran order are not supported");
  Result<int64_t> n = proto::checked_file_dims(dims);
  if (!n.ok()) return n.status().with_context(src);
  info->dims = std::move(dims);
  info->data_offset = pre + header_len;
  return ok_status();
}

// Converts the little-endian element bytes in `t` (already copied) to host order.
void finish_elements(Tensor* t) {
  if constexpr (std::endian::native != std::endian::little) {
    size_t unit = t->dtype() == DType::kComplex64    ? 4
                  : t->dtype() == DType::kComplex128 ? 8
                                                     : dtype_size(t->dtype());
    auto* p = static_cast<unsigned char*>(t->data());
    for (size_t i = 0; i + unit <= t->nbytes(); i += unit) {
      for (size_t b = 0; b < unit / 2; ++b) std::swap(p[i + b], p[i + unit - 1 - b]);
    }
  }
  if (t->dtype() == DType::kBool) {
    auto* p = static_cast<unsigned char*>(t->data());
    for (int64_t i = 0; i < t->numel(); ++i) p[i] = p[i] != 0 ? 1 : 0;
  }
}

Status check_data_size(const NpyInfo& info, uint64_t total, const std::string& src, uint64_t* need) {
  *need = static_cast<uint64_t>(numel(info.dims)) * dtype_size(info.dtype);
  uint64_t have = total - info.data_offset;
  if (have != *need) {
    return error(Code::kInvalidModel, src, ": .npy data has ", have, " bytes but shape ", shape_str(info.dims),
                 " of ", dtype_name(info.dtype), " needs ", *need);
  }
  return ok_status();
}

const char* npy_descr(DType t) {
  switch (t) {
    case DType::kFloat16: return "<f2";
    case DType::kFloat32: return "<f4";
    case DType::kFloat64: return "<f8";
    case DType::kInt8: return "|i1";
    case DType::kInt16: return "<i2";
    case DType::kInt32: return "<i4";
    case DType::kInt64: return "<i8";
    case DType::kUInt8: return "|u1";
    case DType::kUInt16: return "<u2";
    case DType::kUInt32: return "<u4";
    case DType::kUInt64: return "<u8";
    case DType::kBool: return "|b1";
    case DType::kComplex64: return "<c8";
    case DType::kComplex128: return "<c16";
    default: return nullptr;
  }
}

}  // namespace

Result<Tensor> read_npy_buffer(const void* data, size_t size, const std::string& source) {
  if (data == nullptr && size != 0) return error(Code::kInvalidArgument, source, ": null data");
  NpyInfo info;
  ONYX_TRY(parse_npy_header(static_cast<const unsigned char*>(data), size, source, &info));
  uint64_t need = 0;
  ONYX_TRY(check_data_size(info, size, source, &need));
  Result<Tensor> t = Tensor::make(info.dtype, info.dims);
  if (!t.ok()) return t.status().with_context(source);
  if (need != 0) std::memcpy(t->data(), static_cast<const char*>(data) + info.data_offset, static_cast<size_t>(need));
  finish_elements(&t.value());
  return t;
}

Result<Tensor> read_npy_file(const std::string& path) {
  proto::FileHandle f;
  ONYX_TRY(proto::FileHandle::open(path, &f));
  uint64_t prefix_len = f.size() < kMaxPreamble + kMaxHeaderLen ? f.size() : kMaxPreamble + kMaxHeaderLen;
  std::string prefix(static_cast<size_t>(prefix_len), '\0');
  if (!prefix.empty()) ONYX_TRY(f.read_at(0, prefix.data(), prefix.size(), path));
  NpyInfo info;
  ONYX_TRY(parse_npy_header(reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size(), path, &info));
  uint64_t need = 0;
  ONYX_TRY(check_data_size(info, f.size(), path, &need));
  Result<Tensor> t = Tensor::make(info.dtype, info.dims);
  if (!t.ok()) return t.status().with_context(path);
  if (need != 0) ONYX_TRY(f.read_at(info.data_offset, t->data(), static_cast<size_t>(need), path));
  finish_elements(&t.value());
  return t;
}

Result<std::string> write_npy_buffer(const Tensor& tensor) {
  const char* descr = npy_descr(tensor.dtype());
  if (descr == nullptr) {
    return error(Code::kUnsupported, "tensors of ", dtype_name(tensor.dtype()), " cannot be written as .npy");
  }
  std::string dict = str_cat("{'descr': '", descr, "', 'fortran_order': False, 'shape': (");
  for (size_t i = 0; i < tensor.rank(); ++i) {
    if (i > 0) dict += ", ";
    dict += str_cat(tensor.dim(i));
  }
  if (tensor.rank() == 1) dict += ",";
  dict += "), }";
  // Pad with spaces and end with '\n' so that the data starts at a multiple of 64 bytes.
  size_t pre = 10;
  size_t total = pre + dict.size() + 1;
  if (total - pre > 65535) {
    pre = 12;
    total = pre + dict.size() + 1;
  }
  size_t padded = (total + 63) / 64 * 64;
  size_t header_len = padded - pre;
  std::string out;
  out.reserve(padded + tensor.nbytes());
  out.append(kMagic, kMagicLen);
  out.push_back(static_cast<char>(pre == 10 ? 1 : 2));
  out.push_back(0);
  for (size_t b = 0; b < pre - 8; ++b) out.push_back(static_cast<char>((header_len >> (8 * b)) & 0xff));
  out += dict;
  out.append(header_len - dict.size() - 1, ' ');
  out.push_back('\n');
  size_t data_at = out.size();
  out.resize(data_at + tensor.nbytes());
  if (tensor.nbytes() != 0) {
    std::memcpy(out.data() + data_at, tensor.data(), tensor.nbytes());
    Tensor view = Tensor::view(tensor.dtype(), tensor.shape(), out.data() + data_at);
    finish_elements(&view);  // to little-endian (the swap is its own inverse); bools to 0/1
  }
  return out;
}

Status write_npy_file(const std::string& path, const Tensor& tensor) {
  Result<std::string> bytes = write_npy_buffer(tensor);
  if (!bytes.ok()) return bytes.status().with_context(path);
  return proto::write_whole_file(path, bytes->data(), bytes->size());
}

}  // namespace onyx
