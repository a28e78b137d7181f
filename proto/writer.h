// Saving the graph IR as an ONNX model (ModelProto). Everything the loader converts is written
// back, so load -> save -> load gives an equal Model. Tensors are written as raw_data (strings
// as string_data); sparse initializers come back as dense initializers (the IR keeps no sparse
// flag); attributes of type SPARSE_TENSOR(S) are written as sparse tensors of their non-zero
// elements. An empty producer_name is written as "onyx" with Onyx's version; ir_version 0 as the
// lowest IR version that allows the model's default-domain opset.
//
// Errors: kInvalidArgument for IR that cannot be written (an attribute of type GRAPH without a
// graph, a tensor without dtype); kResourceExhausted past protobuf's 2 GiB limit; kIoError or
// kNotFound when the file cannot be written.
#pragma once

#include <string>

#include "onyx/graph.h"
#include "onyx/status.h"

namespace onyx {

Result<std::string> save_model_buffer(const Model& model);
Status save_model_file(const Model& model, const std::string& path);

}  // namespace onyx
