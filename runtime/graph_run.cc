#include "onyx/graph_run.h"

namespace onyx {

Result<std::vector<NamedTensor>> run_model(std::shared_ptr<const Model> model, const std::vector<NamedTensor>& inputs,
                                           const SessionOptions& options) {
  Result<std::unique_ptr<Session>> s = Session::create(model, options);
  if (!s.ok()) return s.status();
  for (const NamedTensor& in : inputs) ONYX_TRY((*s)->set_input(in.name, in.tensor));
  ONYX_TRY((*s)->run());
  std::vector<NamedTensor> out;
  for (const ValueInfo& vi : (*s)->outputs()) {
    const Tensor* t = (*s)->output(vi.name);
    if (t == nullptr) {
      return error(Code::kUnsupported, model->source, ": output '", vi.name, "' is not a tensor");
    }
    Result<Tensor> copy = t->clone();
    if (!copy.ok()) return copy.status().with_context("output '" + vi.name + "'");
    out.push_back({vi.name, std::move(*copy), ""});
  }
  return out;
}

Result<std::vector<NamedTensor>> run_model(const Model& model, const std::vector<NamedTensor>& inputs,
                                           const SessionOptions& options) {
  return run_model(std::make_shared<const Model>(model), inputs, options);
}

}  // namespace onyx
