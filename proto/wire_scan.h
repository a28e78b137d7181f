// Internal to proto/: a pre-parse scan of serialized ONNX messages. Protobuf turns every
// submessage into a heap object, so a file of empty messages ("\x0a\x00" is an empty NodeProto
// inside a graph, two bytes) grows about a hundredfold when parsed: 10 MB of them take ~1 GB.
// The scan walks the wire format with the schema of onnx.proto, allocates nothing, and tells
// the loader how many nodes the model holds and roughly how much memory parsing it will take,
// so that both limits are enforced before protobuf allocates anything.
#pragma once

#include <cstddef>
#include <cstdint>

namespace onyx::proto {

struct WireEstimate {
  int64_t nodes = 0;   // NodeProtos in every graph, subgraph and function
  uint64_t bytes = 0;  // estimated memory of the parsed messages (objects, strings, arrays)
};

// Scans a serialized ModelProto. Returns false when the bytes are not a valid encoding (the
// estimate is then partial; protobuf's own parse will reject them).
bool scan_model(const void* data, size_t size, WireEstimate* out);

}  // namespace onyx::proto
