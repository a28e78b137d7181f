// The byte layout of a .onyx blob (see onyx/compiled_model.h for what it means). Internal to
// the writer and the reader. Every record is a fixed-size little-endian struct with explicit
// padding; the reader copies records out with memcpy, so a blob needs no alignment beyond what
// zero-copy weights ask for.
//
//   [Header 64 B][SectionEntry x section_count][sections ..., each 8-aligned; weights 64-aligned]
//
// Cross references are indices: into a section's records, into a pool (strings, int64s,
// float32s, uint32 indices) as (first, count), or kNoIndex. Strings are (offset, size) into the
// string pool, not NUL-terminated.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace onyx::onyxfmt {

static_assert(std::endian::native == std::endian::little, "the .onyx format is little-endian");

constexpr uint32_t kNoIndex = 0xFFFFFFFFu;
constexpr size_t kSectionAlignment = 8;

struct Header {
  char magic[4];             // "ONYX"
  uint32_t version;          // kCompiledFormatVersion
  uint32_t header_bytes;     // sizeof(Header)
  uint32_t section_count;
  uint64_t total_bytes;      // size of the whole blob
  uint64_t arena_bytes;      // peak of the planned arena
  uint32_t crc32;            // CRC-32 (IEEE) of the whole blob with this field taken as 0
  uint32_t flags;            // 0
  uint32_t sections_offset;  // where the section table starts
  uint32_t reserved[5];      // 0
};
static_assert(sizeof(Header) == 64);
constexpr size_t kCrcOffset = 32;
static_assert(offsetof(Header, crc32) == kCrcOffset);

enum class SectionKind : uint32_t {
  kStrings = 1,     // bytes
  kInt64s = 2,      // int64_t pool (dims, INTS attributes)
  kFloat32s = 3,    // float pool (FLOATS attributes)
  kIndices = 4,     // uint32_t pool (value ids of node inputs/outputs, string refs, lists)
  kTypes = 5,       // TypeRecord
  kTensors = 6,     // TensorRecord
  kAttributes = 7,  // AttrRecord
  kNodes = 8,       // NodeRecord
  kValues = 9,      // ValueRecord
  kGraphs = 10,     // GraphRecord; [0] is the main graph
  kModel = 11,      // one ModelRecord
  kOpsets = 12,     // OpsetRecord
  kWeights = 13,    // tensor data, each 64-byte aligned
};
constexpr uint32_t kSectionKinds = 13;

struct SectionEntry {
  uint32_t kind;
  uint32_t reserved;
  uint64_t offset;  // from the start of the blob
  uint64_t size;    // bytes; a multiple of the record size
};
static_assert(sizeof(SectionEntry) == 24);

struct StrRef {
  uint32_t offset;
  uint32_t size;
};

struct TypeRecord {       // onyx::TypeInfo
  uint8_t kind;           // TypeInfo::Kind
  uint8_t has_shape;
  uint16_t reserved;
  int32_t elem;           // DType
  uint32_t rank;
  uint32_t dims;          // int64 pool: rank dims, -1 = unknown
  uint32_t inner;         // type index (< this one's), or kNoIndex
  int32_t map_key;        // DType
};
static_assert(sizeof(TypeRecord) == 24);

struct TensorRecord {
  int32_t dtype;
  uint32_t rank;
  uint32_t dims;          // int64 pool
  uint32_t layout;        // 0: dense row-major (other values reserved for pre-packed weights)
  StrRef name;
  uint64_t data_offset;   // into the weights section (64-aligned); string tensors: index pool
  uint64_t data_bytes;    // numel * dtype size; string tensors: numel
};
static_assert(sizeof(TensorRecord) == 40);

struct AttrRecord {
  StrRef name;
  uint32_t type;     // AttrType
  uint32_t count;    // list length (list types)
  // INT: the value; FLOAT: its bits; STRING: offset | size << 32; TENSOR: tensor index; GRAPH:
  // graph index; TYPE_PROTO: type index; INTS: int64 pool; FLOATS: float pool; STRINGS: index
  // pool of (offset, size) pairs; TENSORS, GRAPHS, TYPE_PROTOS: index pool of indices.
  uint64_t payload;
};
static_assert(sizeof(AttrRecord) == 24);

struct NodeRecord {
  StrRef name;
  StrRef op_type;
  StrRef domain;
  uint32_t since_version;  // schema version of the kernel (0 when unresolved)
  uint32_t inputs;         // index pool: value ids local to the graph, kNoIndex = omitted
  uint32_t num_inputs;
  uint32_t outputs;
  uint32_t num_outputs;
  uint32_t attrs;          // first AttrRecord
  uint32_t num_attrs;
  uint32_t reserved;
};
static_assert(sizeof(NodeRecord) == 56);

struct ValueRecord {
  StrRef name;
  uint32_t type;          // type index or kNoIndex (unknown)
  uint32_t tensor;        // initializer: tensor index, else kNoIndex
  uint8_t placement;      // onyx::Placement
  uint8_t flags;          // kValueInfo: declared in value_info
  uint16_t reserved0;
  uint32_t reserved1;
  uint64_t arena_offset;
  uint64_t bytes;
};
static_assert(sizeof(ValueRecord) == 40);
constexpr uint8_t kValueInfo = 1;

struct GraphRecord {
  StrRef name;
  uint32_t nodes;       // first NodeRecord
  uint32_t num_nodes;
  uint32_t values;      // first ValueRecord; value ids are relative to it
  uint32_t num_values;
  uint32_t inputs;      // index pool: value ids
  uint32_t num_inputs;
  uint32_t outputs;
  uint32_t num_outputs;
};
static_assert(sizeof(GraphRecord) == 40);

struct ModelRecord {
  int64_t ir_version;
  int64_t model_version;
  StrRef producer_name;
  StrRef producer_version;
  StrRef domain;
  uint32_t reserved[2];
};
static_assert(sizeof(ModelRecord) == 48);

struct OpsetRecord {
  StrRef domain;
  int64_t version;
};
static_assert(sizeof(OpsetRecord) == 16);

// CRC-32 (IEEE 802.3, reflected, as zlib's crc32()) of `size` bytes; pass the CRC of the bytes
// before to continue it.
uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);
// The checksum of a whole blob (at least a header long), its crc32 field taken as zero.
uint32_t blob_crc32(const uint8_t* blob, size_t size);

}  // namespace onyx::onyxfmt
