// The C API: a thin layer over Session and the loader. Errors become a status code plus a
// thread-local message; nothing throws through here (the core never throws; allocation
// failures of std containers are caught at this boundary).
#include "onyx.h"

#include <memory>
#include <new>
#include <string>
#include <vector>

#include "loader.h"
#include "onyx/session.h"

struct onyx_model {
  std::shared_ptr<const onyx::Model> model;
};

struct onyx_session {
  std::unique_ptr<onyx::Session> session;
  std::vector<std::string> input_names;
  std::vector<std::string> output_names;
};

namespace {

thread_local std::string g_last_error;

onyx_status report(const onyx::Status& s) {
  if (s.ok()) {
    g_last_error.clear();
    return ONYX_OK;
  }
  g_last_error = s.message();
  return static_cast<onyx_status>(s.code());
}

onyx_status invalid(const char* what) { return report(onyx::error(onyx::Code::kInvalidArgument, what)); }

template <class F>
onyx_status guarded(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return report(onyx::error(onyx::Code::kResourceExhausted, "out of memory"));
  } catch (...) {
    return report(onyx::error(onyx::Code::kInternal, "unexpected exception"));
  }
}

}  // namespace

extern "C" {

const char* onyx_last_error(void) { return g_last_error.c_str(); }

const char* onyx_status_name(onyx_status status) { return onyx::code_name(static_cast<onyx::Code>(status)); }

const char* onyx_version(void) { return "0.1.0"; }

onyx_status onyx_model_load_file(const char* path, onyx_model** out) {
  if (path == nullptr || out == nullptr) return invalid("path and out must not be NULL");
  *out = nullptr;
  return guarded([&] {
    auto r = onyx::load_model_file(path, onyx::LoadOptions{});
    if (!r.ok()) return report(r.status());
    *out = new onyx_model{std::move(*r)};
    return report(onyx::Status());
  });
}

onyx_status onyx_model_load_buffer(const void* data, size_t size, onyx_model** out) {
  if (data == nullptr || out == nullptr) return invalid("data and out must not be NULL");
  *out = nullptr;
  return guarded([&] {
    auto r = onyx::load_model_buffer(data, size, onyx::LoadOptions{});
    if (!r.ok()) return report(r.status());
    *out = new onyx_model{std::move(*r)};
    return report(onyx::Status());
  });
}

void onyx_model_free(onyx_model* model) { delete model; }

onyx_status onyx_session_create(const onyx_model* model, const onyx_session_options* options,
                                onyx_session** out) {
  if (model == nullptr || out == nullptr) return invalid("model and out must not be NULL");
  *out = nullptr;
  return guarded([&] {
    onyx::SessionOptions opts;
    if (options != nullptr) {
      opts.arena = options->arena;
      opts.arena_size = options->arena_size;
    }
    auto r = onyx::Session::create(model->model, opts);
    if (!r.ok()) return report(r.status());
    auto* s = new onyx_session{std::move(*r), {}, {}};
    for (const auto& vi : s->session->inputs()) s->input_names.push_back(vi.name);
    for (const auto& vi : s->session->outputs()) s->output_names.push_back(vi.name);
    *out = s;
    return report(onyx::Status());
  });
}

void onyx_session_free(onyx_session* session) { delete session; }

size_t onyx_session_input_count(const onyx_session* s) { return s ? s->input_names.size() : 0; }
const char* onyx_session_input_name(const onyx_session* s, size_t i) {
  return s && i < s->input_names.size() ? s->input_names[i].c_str() : nullptr;
}
size_t onyx_session_output_count(const onyx_session* s) { return s ? s->output_names.size() : 0; }
const char* onyx_session_output_name(const onyx_session* s, size_t i) {
  return s && i < s->output_names.size() ? s->output_names[i].c_str() : nullptr;
}

onyx_status onyx_session_set_input(onyx_session* s, const char* name, onyx_dtype dtype,
                                   const int64_t* dims, size_t rank, const void* data) {
  if (s == nullptr || name == nullptr) return invalid("session and name must not be NULL");
  if (rank != 0 && dims == nullptr) return invalid("dims must not be NULL when rank > 0");
  if (!onyx::dtype_valid(dtype) || dtype == 8) return invalid("unknown or unsupported dtype");
  return guarded([&] {
    onyx::Dims d(dims, dims + rank);
    auto n = onyx::checked_numel(d);
    if (!n.ok()) return report(n.status().with_context(std::string("input '") + name + "'"));
    if (*n != 0 && data == nullptr) return invalid("data must not be NULL for a non-empty tensor");
    onyx::Tensor t = onyx::Tensor::view(static_cast<onyx::DType>(dtype), d, const_cast<void*>(data));
    return report(s->session->set_input(name, t));
  });
}

onyx_status onyx_session_run(onyx_session* s) {
  if (s == nullptr) return invalid("session must not be NULL");
  return guarded([&] { return report(s->session->run()); });
}

onyx_status onyx_session_output(const onyx_session* s, const char* name, onyx_dtype* dtype,
                                const int64_t** dims, size_t* rank, const void** data) {
  if (s == nullptr || name == nullptr) return invalid("session and name must not be NULL");
  const onyx::Tensor* t = s->session->output(name);
  if (t == nullptr || !t->defined()) {
    return report(onyx::error(onyx::Code::kNotFound, "no tensor output '", name, "' (was the session run?)"));
  }
  if (dtype) *dtype = static_cast<onyx_dtype>(t->dtype());
  if (dims) *dims = t->shape().data();
  if (rank) *rank = t->rank();
  if (data) *data = t->data();
  return report(onyx::Status());
}

onyx_status onyx_session_arena_bytes(onyx_session* s, size_t* bytes) {
  if (s == nullptr || bytes == nullptr) return invalid("session and bytes must not be NULL");
  return guarded([&] {
    if (!s->session->prepared()) {
      onyx::Status st = s->session->prepare();
      if (!st.ok()) return report(st);
    }
    *bytes = s->session->arena_bytes();
    return report(onyx::Status());
  });
}

}  // extern "C"
