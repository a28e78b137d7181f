// Loading ONNX models (ModelProto, IR versions 3 to 11) into the graph IR of onyx/graph.h.
//
// The file is treated as hostile: every size, dim, count, dtype and external-data path is
// checked; a bad model gives an error Status, never a crash or an unbounded allocation.
// Codes: malformed model -> kInvalidModel; valid ONNX Onyx does not implement (float8 tensors,
// tensor segments, IR < 3) -> kUnsupported; missing file -> kNotFound; unreadable -> kIoError;
// over a size limit -> kResourceExhausted. Messages name the model (its path, or "<buffer>") and,
// where relevant, the node, attribute and tensor:
//   "m.onnx: initializer 'W': raw_data has 12 bytes but shape [2, 3] of float32 needs 24"
//
// What is converted: ir_version, opset imports, producer, domain, model_version, doc strings,
// metadata, and the graph with nodes (all attribute types; subgraphs recursively up to
// kMaxGraphDepth levels), inputs/outputs/value_info with their types (symbolic dims kept as
// Dim::param), initializers in every encoding (typed fields, raw_data, external data) and
// sparse initializers (densified, appended to Graph::initializers). Graph inputs that also
// have an initializer are kept in Graph::inputs as in the file. Not converted: model-local
// functions, training info, quantization annotations, metadata_props of graphs/nodes.
//
// Thread-safe: no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "onyx/graph.h"
#include "onyx/status.h"

namespace onyx {

struct LoadOptions {
  // Folder that external tensor data is resolved against when loading from a buffer; empty
  // refuses external data (kInvalidArgument). Files always use their own folder.
  std::string base_dir;
  // Largest model file/buffer accepted; also the largest dense size of a sparse initializer.
  // Protobuf itself cannot parse 2 GiB or more.
  uint64_t max_model_bytes = uint64_t{2} << 30;
  // Total bytes all external-data tensors of one model may read.
  uint64_t max_external_bytes = uint64_t{64} << 30;
};

// Deepest nesting of subgraphs (If/Loop/Scan bodies inside bodies) accepted.
constexpr int kMaxGraphDepth = 24;
// IR versions accepted.
constexpr int64_t kMinIrVersion = 3;
constexpr int64_t kMaxIrVersion = 11;

// Loads a model file. Model::source is `path`; external data is read relative to its folder.
Result<std::shared_ptr<Model>> load_model_file(const std::string& path, const LoadOptions& options = {});
// Loads a serialized ModelProto held in memory (not retained). Model::source is "<buffer>".
Result<std::shared_ptr<Model>> load_model_buffer(const void* data, size_t size,
                                                 const LoadOptions& options = {});

}  // namespace onyx
