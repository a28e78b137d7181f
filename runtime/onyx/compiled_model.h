// The .onyx compiled-model format: a model prepared ahead of time, for devices that have no
// protobuf, no file system and little memory. `onyx compile MODEL -o model.onyx` writes one; a
// firmware links the same bytes as a C array and runs them in place from flash.
//
// What a blob holds (little-endian, version kCompiledFormatVersion):
//   - a 64-byte header (magic "ONYX", format version, total size, CRC-32 of the rest, the
//     planned arena's peak bytes) and a section table;
//   - the graph after constant folding, its nodes in the topological order the executor runs
//     them, each with the registry identity of its kernel (domain, op type, schema since-version)
//     and every attribute resolved (ONNX schema defaults written out);
//   - the static shape and dtype of every value, and for each planned value its offset in the
//     arena (the plan the runtime computes for these shapes, so the device can size its arena
//     before loading);
//   - the weights (initializers and folded constants), each 64-byte aligned, so a blob that is
//     itself 64-byte aligned is used in place: loading builds tensor views, it copies no weights.
// Subgraphs of control-flow nodes (If, Loop, Scan) are kept, unplanned.
//
// Reading treats the blob as hostile: magic, version, sizes, the checksum and every offset,
// index and count are checked before use; a corrupt blob gives kInvalidModel (kUnsupported for
// another format version), never a crash or an allocation beyond the blob's own size.
//
// Core code: no protobuf, no files. Compiling needs the registry (it plans with the runtime's
// own GraphRunner); reading needs only the IR.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "onyx/graph.h"
#include "onyx/shape.h"
#include "onyx/status.h"

namespace onyx {

// The four bytes a blob starts with, and the format version this code reads and writes.
constexpr char kCompiledMagic[4] = {'O', 'N', 'Y', 'X'};
constexpr uint32_t kCompiledFormatVersion = 1;
// Alignment of the blob's weights (and what the blob's own address must be for zero-copy use).
constexpr size_t kCompiledAlignment = 64;

// Where a value of the compiled graph lives when the plan runs.
enum class Placement : uint8_t {
  kInput = 0,        // a graph input, bound by the caller
  kWeight = 1,       // an initializer or folded constant: in the blob's weights
  kArena = 2,        // planned into the arena at `arena_offset`
  kHeap = 3,         // computed at run time with a shape known only then (dynamic node)
  kUnplanned = 4,    // values of subgraphs
};
const char* placement_name(Placement p);

struct PlannedValue {
  std::string name;
  Placement placement = Placement::kUnplanned;
  uint64_t arena_offset = 0;  // kArena only
  uint64_t bytes = 0;         // kArena and kWeight: size of the data
};

// The plan of the main graph for the compiled (static) input shapes.
struct CompiledPlan {
  uint64_t arena_bytes = 0;  // peak of the arena (SessionOptions::arena must be this big)
  std::vector<PlannedValue> values;
};

struct CompileOptions {
  // Shapes for graph inputs, overriding the declared ones (e.g. batch 1 for a model declared
  // with batch 64, or values for symbolic dims). Every input must end up fully static.
  std::vector<std::pair<std::string, Dims>> input_shapes;
  // Symbolic or unknown dims of inputs not given above become 1 instead of an error.
  bool unknown_dims_to_one = false;
  // Fold nodes whose inputs are all constant into weights (the runtime would fold them at
  // prepare anyway; folding here keeps their kernels out of the firmware).
  bool fold_constants = true;
  // Apply the graph rewrites Session::create applies (onyx/graph_fusion.h, when the fast
  // primitives are on), so the blob holds the graph the runtime runs and `required_ops` names
  // the kernels it needs (e.g. ai.onyx FusedConv instead of Conv and Relu).
  bool optimize = true;
};

// Compiles a model for static input shapes: returns the graph the runtime would execute
// (rewrites applied, folded constants become initializers, nodes in execution order, attribute
// defaults written out, value_info holding every planned shape) and its plan. The result runs through
// Session like any model and gives bit-identical outputs to `model`.
Result<std::shared_ptr<Model>> compile_graph(const Model& model, const CompileOptions& options,
                                             CompiledPlan* plan);

// Serialises a compiled model (from compile_graph) and its plan into a .onyx blob.
Result<std::vector<uint8_t>> encode_compiled_model(const Model& compiled, const CompiledPlan& plan);

// compile_graph + encode_compiled_model.
Result<std::vector<uint8_t>> compile_model(const Model& model, const CompileOptions& options = {});

struct DecodeOptions {
  // Copy the weights into owned tensors: the blob may then be freed and need not be aligned.
  // Without it, initializers are views into the blob, which must be 64-byte aligned and outlive
  // the model.
  bool copy_weights = false;
  // Check the CRC-32 of the blob (a corrupt blob is caught even where its structure is valid).
  bool verify_checksum = true;
  // Model::source, used in error messages.
  std::string source = "<onyx blob>";
};

struct CompiledModel {
  std::shared_ptr<Model> model;
  CompiledPlan plan;
};

// Reads a .onyx blob. Codes: not a .onyx blob, truncated, bad checksum, any offset, index or
// count out of bounds -> kInvalidModel; another format version -> kUnsupported; a misaligned
// blob without copy_weights -> kInvalidArgument.
Result<CompiledModel> decode_compiled_model(const void* data, size_t size, const DecodeOptions& options = {});

// True when the bytes start with the .onyx magic (to tell a .onyx from an .onnx).
bool is_compiled_model(const void* data, size_t size);

// The operator types a model runs (including inside subgraphs), sorted, comma-separated: the
// value of the `ops` Meson option for a firmware that runs it ("Conv,MatMul,Relu").
std::string required_ops(const Model& model);

}  // namespace onyx
