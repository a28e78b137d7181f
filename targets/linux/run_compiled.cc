// onyx_run_compiled: runs a compiled model (.onyx) on raw input files and writes its outputs as
// raw files, with no protobuf anywhere: the model runner of targets that have no libprotobuf
// (riscv64 Linux). targets/linux/compiled_models.py prepares the inputs on the build machine
// (from the reference .pb files) and compares the outputs with the reference.
//
//   onyx_run_compiled MODEL.onyx OUT_DIR [INPUT.bin ...]
//
// A raw file holds a tensor's elements only: little-endian, row-major, dtype and shape those of
// the compiled model's input (which are static). Inputs are given in the model's input order;
// output K is written to OUT_DIR/output_K.bin. String tensors have no raw form and are refused.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "onyx/compiled_model.h"
#include "onyx/session.h"

namespace {

using onyx::Code;
using onyx::Result;
using onyx::Status;

// 64-byte aligned storage, so the blob's weights are used in place as a device would.
struct AlignedBytes {
  struct Free {
    void operator()(unsigned char* p) const { ::operator delete[](p, std::align_val_t(onyx::kCompiledAlignment)); }
  };
  std::unique_ptr<unsigned char[], Free> data;
  size_t size = 0;
};

Result<AlignedBytes> read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return onyx::error(Code::kNotFound, path, ": cannot open");
  std::vector<unsigned char> bytes;
  unsigned char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return onyx::error(Code::kIoError, path, ": read error");
  AlignedBytes out;
  out.size = bytes.size();
  out.data.reset(new (std::align_val_t(onyx::kCompiledAlignment)) unsigned char[bytes.size() + 1]);
  if (!bytes.empty()) std::copy(bytes.begin(), bytes.end(), out.data.get());
  return out;
}

Status write_file(const std::string& path, const void* data, size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return onyx::error(Code::kIoError, path, ": cannot create");
  bool ok = std::fwrite(data, 1, size, f) == size;
  ok = std::fclose(f) == 0 && ok;
  return ok ? Status() : onyx::error(Code::kIoError, path, ": write error");
}

Status run(int argc, char** argv) {
  const std::string model_path = argv[1], out_dir = argv[2];
  Result<AlignedBytes> blob = read_file(model_path);
  ONYX_TRY(blob.status());
  onyx::DecodeOptions decode;
  decode.source = model_path;
  Result<onyx::CompiledModel> compiled = onyx::decode_compiled_model(blob->data.get(), blob->size, decode);
  ONYX_TRY(compiled.status());
  Result<std::unique_ptr<onyx::Session>> session = onyx::Session::create(compiled->model);
  ONYX_TRY(session.status());
  onyx::Session& s = **session;

  const size_t given = static_cast<size_t>(argc - 3);
  if (given != s.inputs().size()) {
    return onyx::error(Code::kInvalidArgument, model_path, " has ", s.inputs().size(), " inputs, ", given, " files given");
  }
  std::vector<AlignedBytes> inputs;
  inputs.reserve(given);
  for (size_t i = 0; i < given; ++i) {
    const onyx::ValueInfo& vi = s.inputs()[i];
    const std::string path = argv[3 + i];
    if (vi.type.kind != onyx::TypeInfo::Kind::kTensor || vi.type.elem == onyx::DType::kString) {
      return onyx::error(Code::kUnsupported, "input '", vi.name, "' is not a numeric tensor");
    }
    onyx::Dims dims;
    for (const onyx::Dim& d : vi.type.shape) dims.push_back(d.value);  // static in a compiled model
    Result<int64_t> numel = onyx::checked_numel(dims);
    ONYX_TRY(numel.status());
    Result<AlignedBytes> bytes = read_file(path);
    ONYX_TRY(bytes.status());
    const size_t want = static_cast<size_t>(*numel) * onyx::dtype_size(vi.type.elem);
    if (bytes->size != want) {
      return onyx::error(Code::kInvalidArgument, path, ": ", bytes->size, " bytes, input '", vi.name, "' ",
                         onyx::dtype_name(vi.type.elem), " ", onyx::shape_str(dims), " needs ", want);
    }
    inputs.push_back(std::move(*bytes));
    ONYX_TRY(s.set_input(vi.name, onyx::Tensor::view(vi.type.elem, dims, inputs.back().data.get())));
  }
  ONYX_TRY(s.run());
  for (size_t i = 0; i < s.outputs().size(); ++i) {
    const std::string& name = s.outputs()[i].name;
    const onyx::Tensor* t = s.output(name);
    if (t == nullptr || t->dtype() == onyx::DType::kString) {
      return onyx::error(Code::kUnsupported, "output '", name, "' is not a numeric tensor");
    }
    ONYX_TRY(write_file(out_dir + "/output_" + std::to_string(i) + ".bin", t->data(), t->nbytes()));
    std::printf("output %zu '%s' %s %s\n", i, name.c_str(), onyx::dtype_name(t->dtype()),
                onyx::shape_str(t->shape()).c_str());
  }
  return Status();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: onyx_run_compiled MODEL.onyx OUT_DIR [INPUT.bin ...]\n");
    return 2;
  }
  Status st = run(argc, argv);
  if (!st.ok()) {
    std::fprintf(stderr, "onyx_run_compiled: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}
