// UTF-8 decoding and simple (one-to-one) case mapping, independent of the machine's locales.
// Covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic; other code points are left as
// they are. Bytes that are not valid UTF-8 pass through unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace onyx::text {

// Marks a byte that is not part of a valid UTF-8 sequence; the byte value is in the low 8 bits.
constexpr uint32_t kRawByte = 0x80000000u;

// Decodes the code point at s[i], advancing i. Invalid sequences yield kRawByte | byte.
inline uint32_t next_code_point(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t len = 0;
  uint32_t cp = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1Fu;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0Fu;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07u;
    min = 0x10000;
  } else {
    ++i;
    return kRawByte | b0;
  }
  if (i + len > s.size()) {
    ++i;
    return kRawByte | b0;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kRawByte | b0;
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kRawByte | b0;
  }
  i += len;
  return cp;
}

// Writes the UTF-8 encoding of cp (or the raw byte) into buf; returns the byte count.
inline size_t encode_code_point(uint32_t cp, char buf[4]) {
  if ((cp & kRawByte) != 0) {
    buf[0] = static_cast<char>(cp & 0xFFu);
    return 1;
  }
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  buf[0] = static_cast<char>(0xF0 | (cp >> 18));
  buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// Turkic locales (tr, az) map i <-> İ and ı <-> I.
inline uint32_t to_upper(uint32_t c, bool turkic = false) {
  if (c < 0x80) {
    if (c == 'i' && turkic) return 0x130;
    return (c >= 'a' && c <= 'z') ? c - 32 : c;
  }
  if (c == 0xB5) return 0x39C;                             // micro sign -> Greek Mu
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;  // Latin-1 (not ÷; ß has none)
  if (c == 0xFF) return 0x178;                             // ÿ -> Ÿ
  if (c >= 0x100 && c <= 0x12F) return c & ~1u;            // pairs: even upper, odd lower
  if (c == 0x131) return 'I';                              // dotless i
  if (c >= 0x132 && c <= 0x137) return c & ~1u;
  if (c >= 0x139 && c <= 0x148) return (c % 2 == 0) ? c - 1 : c;  // pairs: odd upper, even lower
  if (c >= 0x14A && c <= 0x177) return c & ~1u;
  if (c == 0x17A || c == 0x17C || c == 0x17E) return c - 1;
  if (c == 0x17F) return 'S';                                 // long s
  if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) return c - 32;  // Greek
  if (c == 0x3C2) return 0x3A3;                               // final sigma
  if (c == 0x3AC) return 0x386;
  if (c >= 0x3AD && c <= 0x3AF) return c - 37;
  if (c == 0x3CC) return 0x38C;
  if (c == 0x3CD || c == 0x3CE) return c - 63;
  if (c >= 0x430 && c <= 0x44F) return c - 32;  // Cyrillic
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

inline uint32_t to_lower(uint32_t c, bool turkic = false) {
  if (c < 0x80) {
    if (c == 'I' && turkic) return 0x131;
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  }
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;  // Latin-1 (not ×)
  if (c == 0x178) return 0xFF;
  if (c >= 0x100 && c <= 0x12F) return c | 1u;
  if (c == 0x130) return 'i';  // dotted capital I
  if (c >= 0x132 && c <= 0x137) return c | 1u;
  if (c >= 0x139 && c <= 0x148) return (c % 2 == 1) ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177) return c | 1u;
  if (c == 0x179 || c == 0x17B || c == 0x17D) return c + 1;
  if (c == 0x1E9E) return 0xDF;                               // capital sharp s
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;  // Greek
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 63;
  if (c >= 0x410 && c <= 0x42F) return c + 32;  // Cyrillic
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

enum class CaseChange { kNone, kLower, kUpper };

// Appends s to out with its case changed.
inline void append_case_changed(std::string_view s, CaseChange change, bool turkic, std::string& out) {
  if (change == CaseChange::kNone) {
    out.append(s);
    return;
  }
  char buf[4];
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = next_code_point(s, i);
    if ((cp & kRawByte) == 0) cp = change == CaseChange::kLower ? to_lower(cp, turkic) : to_upper(cp, turkic);
    out.append(buf, encode_code_point(cp, buf));
  }
}

// Three-way comparison of lower(s) with `folded` (already lower-cased), byte-wise on the UTF-8
// encodings, without building lower(s).
inline int compare_folded(std::string_view s, std::string_view folded, bool turkic) {
  size_t i = 0, j = 0;
  char buf[4];
  while (i < s.size()) {
    uint32_t cp = next_code_point(s, i);
    if ((cp & kRawByte) == 0) cp = to_lower(cp, turkic);
    const size_t n = encode_code_point(cp, buf);
    for (size_t k = 0; k < n; ++k, ++j) {
      if (j >= folded.size()) return 1;
      const auto a = static_cast<unsigned char>(buf[k]);
      const auto b = static_cast<unsigned char>(folded[j]);
      if (a != b) return a < b ? -1 : 1;
    }
  }
  return j < folded.size() ? -1 : 0;
}

}  // namespace onyx::text
