#include "compiled_model_format.h"

#include <array>
#include <cstring>

#include "onyx/compiled_model.h"

namespace onyx {

namespace onyxfmt {

// The byte-at-a-time table of the reflected IEEE polynomial, built at compile time.
static constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
static constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

uint32_t crc32(const void* data, size_t size, uint32_t crc) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  for (size_t i = 0; i < size; ++i) c = kCrcTable[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
  return ~c;
}

uint32_t blob_crc32(const uint8_t* blob, size_t size) {
  const uint8_t zero[4] = {0, 0, 0, 0};
  uint32_t c = crc32(blob, kCrcOffset);
  c = crc32(zero, sizeof(zero), c);
  return crc32(blob + kCrcOffset + 4, size - kCrcOffset - 4, c);
}

}  // namespace onyxfmt

const char* placement_name(Placement p) {
  switch (p) {
    case Placement::kInput: return "input";
    case Placement::kWeight: return "weight";
    case Placement::kArena: return "arena";
    case Placement::kHeap: return "heap";
    case Placement::kUnplanned: return "unplanned";
  }
  return "unplanned";
}

bool is_compiled_model(const void* data, size_t size) {
  return data != nullptr && size >= sizeof(kCompiledMagic) &&
         std::memcmp(data, kCompiledMagic, sizeof(kCompiledMagic)) == 0;
}

}  // namespace onyx
