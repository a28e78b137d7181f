// The Cortex-M demo firmware: loads each compiled model linked into flash (zero copy: weights
// stay in flash), plans it into the static arena, runs every input case and prints the outputs
// and memory figures over semihosting. targets/cortex-m/run.sh compares the outputs with the
// host's `onyx run` of the same models.
#include <cinttypes>
#include <cstdio>
#include <memory>

#include "firmware_data.h"
#include "onyx/compiled_model.h"
#include "onyx/session.h"
#include "port.h"

#ifndef ONYX_FW_CPU
#define ONYX_FW_CPU "cortex-m"
#endif

namespace {

using namespace onyx;

void print_tensor(const std::string& name, const Tensor& t) {
  std::printf("output %s %s [", name.c_str(), dtype_name(t.dtype()));
  for (size_t i = 0; i < t.rank(); ++i) std::printf("%s%" PRId64, i ? "," : "", t.dim(i));
  std::printf("]:");
  for (int64_t i = 0; i < t.numel(); ++i) {
    switch (t.dtype()) {
      case DType::kFloat32: std::printf(" %.9g", static_cast<double>(t.data_as<float>()[i])); break;
      case DType::kFloat64: std::printf(" %.17g", t.data_as<double>()[i]); break;
      case DType::kBool: std::printf(" %d", t.data_as<bool>()[i] ? 1 : 0); break;
      case DType::kInt64: std::printf(" %" PRId64, t.data_as<int64_t>()[i]); break;
      case DType::kUInt64: std::printf(" %" PRIu64, t.data_as<uint64_t>()[i]); break;
      default:
        if (is_float(t.dtype())) {
          std::printf(" %.9g", t.get_as_double(i));
        } else {
          std::printf(" %lld", static_cast<long long>(t.get_as_double(i)));
        }
    }
  }
  std::printf("\n");
}

// Runs every case of one model; returns the number of failures.
int run_model(const FwModel& m) {
  port_heap_reset_peak();
  const size_t heap_before = port_heap_in_use();
  DecodeOptions options;
  options.source = m.name;
  Result<CompiledModel> cm = decode_compiled_model(m.blob, m.blob_bytes, options);
  if (!cm.ok()) {
    std::printf("error %s: %s\n", m.name, cm.status().to_string().c_str());
    return 1;
  }
  SessionOptions so;
  so.arena = fw_arena;
  so.arena_size = fw_arena_bytes;
  // The compiler applied the runtime's rewrites already; the blob's operators are what runs
  // (and all this op-subset build has).
  so.optimize = false;
  Result<std::unique_ptr<Session>> session = Session::create(cm->model, so);
  if (!session.ok()) {
    std::printf("error %s: %s\n", m.name, session.status().to_string().c_str());
    return 1;
  }
  Session& s = **session;
  const size_t heap_loaded = port_heap_in_use() - heap_before;
  int failures = 0;
  for (int32_t c = 0; c < m.num_cases; ++c) {
    const FwCase& fc = m.cases[c];
    std::printf("case %s/%s\n", m.name, fc.name);
    bool ok = true;
    for (int32_t i = 0; i < fc.num_inputs && ok; ++i) {
      const FwTensor& in = fc.inputs[i];
      Dims dims(in.dims, in.dims + in.rank);
      Status st = s.set_input(in.name, Tensor::view(static_cast<DType>(in.dtype), dims, const_cast<void*>(in.data)));
      if (!st.ok()) {
        std::printf("error %s/%s: %s\n", m.name, fc.name, st.to_string().c_str());
        ok = false;
      }
    }
    Status st = ok ? s.run() : Status(Code::kInvalidArgument, "inputs not set");
    if (!st.ok()) {
      if (ok) std::printf("error %s/%s: %s\n", m.name, fc.name, st.to_string().c_str());
      ++failures;
      continue;
    }
    for (const ValueInfo& vi : s.outputs()) {
      const Tensor* t = s.output(vi.name);
      if (t == nullptr) {
        std::printf("error %s/%s: output '%s' is not a tensor\n", m.name, fc.name, vi.name.c_str());
        ++failures;
        continue;
      }
      print_tensor(vi.name, *t);
    }
  }
  // The device plans for itself: GEMM scratch follows the CPU's cache sizes, so its peak may
  // differ from the compiling machine's plan stored in the blob (which sized fw_arena).
  std::printf("stats %s: blob %u bytes, %u nodes, arena %u bytes (the blob's plan: %u), load heap %u, peak heap %u of %u\n",
              m.name, static_cast<unsigned>(m.blob_bytes), static_cast<unsigned>(s.planned_nodes()),
              static_cast<unsigned>(s.arena_bytes()), static_cast<unsigned>(cm->plan.arena_bytes),
              static_cast<unsigned>(heap_loaded), static_cast<unsigned>(port_heap_peak() - heap_before),
              static_cast<unsigned>(port_heap_capacity()));
  return failures;
}

}  // namespace

int main() {
  std::printf("onyx firmware on %s: %d models, arena %u bytes\n", ONYX_FW_CPU, static_cast<int>(fw_model_count),
              static_cast<unsigned>(fw_arena_bytes));
  int failures = 0;
  for (int32_t i = 0; i < fw_model_count; ++i) failures += run_model(fw_models[i]);
  std::printf("onyx firmware: done, %d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
