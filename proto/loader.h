// Loading ONNX models (ModelProto, IR versions 3 to 11) into the graph IR of onyx/graph.h.
//
// The file is treated as hostile: every size, dim, count, dtype and external-data path is
// checked; a bad model gives an error Status, never a crash or an unbounded allocation.
// Codes: malformed model -> kInvalidModel; valid ONNX Onyx does not implement (float8 tensors,
// tensor segments, IR < 3) -> kUnsupported; missing file -> kNotFound; unreadable -> kIoError;
// over a size limit (LoadOptions::limits, see onyx/limits.h) -> kResourceExhausted, except subgraph
// nesting deeper than limits.max_graph_depth -> kInvalidModel. Messages name the model (its path, or "<buffer>") and,
// where relevant, the node, attribute and tensor:
//   "m.onnx: initializer 'W': raw_data has 12 bytes but shape [2, 3] of float32 needs 24"
//
// What is converted: ir_version, opset imports, producer, domain, model_version, doc strings,
// metadata, and the graph with nodes (all attribute types; subgraphs recursively up to
// limits.max_graph_depth levels), inputs/outputs/value_info with their types (symbolic dims kept as
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
#include "onyx/limits.h"
#include "onyx/status.h"

namespace onyx {

struct LoadOptions {
  // Folder that external tensor data is resolved against when loading from a buffer; empty
  // refuses external data (kInvalidArgument). Files always use their own folder.
  std::string base_dir;
  // What the loader enforces: max_model_bytes (file or buffer size), max_total_bytes (all
  // initializers and tensor attributes, external data checked before it is read, sparse tensors
  // as densified), max_tensor_elements (each of them), max_nodes (all graphs) and
  // max_graph_depth. Pass the session's limits to bound both with one struct.
  Limits limits;
};

// Default deepest nesting of subgraphs (If/Loop/Scan bodies inside bodies); the writer's bound.
constexpr int kMaxGraphDepth = Limits{}.max_graph_depth;
// IR versions accepted.
constexpr int64_t kMinIrVersion = 3;
constexpr int64_t kMaxIrVersion = 11;

// Loads a model file. Model::source is `path`; external data is read relative to its folder.
Result<std::shared_ptr<Model>> load_model_file(const std::string& path, const LoadOptions& options = {});
// Loads a serialized ModelProto held in memory (not retained). Model::source is "<buffer>".
Result<std::shared_ptr<Model>> load_model_buffer(const void* data, size_t size,
                                                 const LoadOptions& options = {});

}  // namespace onyx
