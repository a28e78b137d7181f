/* onyx.h — the C API of the Onyx ONNX runtime.
 *
 * Every function returns an onyx_status; on failure onyx_last_error() gives a message that
 * names the model, node and tensor involved. No C++ exception ever crosses this boundary.
 * Handles are opaque. A session is not thread-safe: use one per thread. Outputs returned by
 * onyx_session_output point into the session's memory and stay valid until the next run.
 *
 *   onyx_model* m; onyx_session* s;
 *   if (onyx_model_load_file("model.onnx", &m) != ONYX_OK) puts(onyx_last_error());
 *   onyx_session_create(m, NULL, &s);
 *   onyx_session_set_input(s, "x", ONYX_FLOAT32, dims, 2, data);
 *   onyx_session_run(s);
 *   onyx_session_output(s, "y", &dtype, &dims, &rank, &out);
 */
#ifndef ONYX_H_
#define ONYX_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum onyx_status {
  ONYX_OK = 0,
  ONYX_INVALID_ARGUMENT = 1,
  ONYX_INVALID_MODEL = 2,
  ONYX_UNSUPPORTED = 3,
  ONYX_NOT_FOUND = 4,
  ONYX_OUT_OF_RANGE = 5,
  ONYX_RESOURCE_EXHAUSTED = 6,
  ONYX_IO_ERROR = 7,
  ONYX_INTERNAL = 8
} onyx_status;

/* Numbered as ONNX TensorProto.DataType. */
typedef enum onyx_dtype {
  ONYX_FLOAT32 = 1,
  ONYX_UINT8 = 2,
  ONYX_INT8 = 3,
  ONYX_UINT16 = 4,
  ONYX_INT16 = 5,
  ONYX_INT32 = 6,
  ONYX_INT64 = 7,
  ONYX_BOOL = 9,
  ONYX_FLOAT16 = 10,
  ONYX_FLOAT64 = 11,
  ONYX_UINT32 = 12,
  ONYX_UINT64 = 13,
  ONYX_BFLOAT16 = 16
} onyx_dtype;

typedef struct onyx_model onyx_model;
typedef struct onyx_session onyx_session;

typedef struct onyx_session_options {
  /* Optional caller-owned arena (64-byte aligned); NULL lets the session allocate one. */
  void* arena;
  size_t arena_size;
} onyx_session_options;

/* Message of the last failed call on this thread ("" if none). Valid until the next call. */
const char* onyx_last_error(void);
const char* onyx_status_name(onyx_status status);
const char* onyx_version(void);

onyx_status onyx_model_load_file(const char* path, onyx_model** out);
/* External data is refused for models loaded from memory. The buffer may be freed after. */
onyx_status onyx_model_load_buffer(const void* data, size_t size, onyx_model** out);
void onyx_model_free(onyx_model* model);

/* options may be NULL. The model must outlive the session. */
onyx_status onyx_session_create(const onyx_model* model, const onyx_session_options* options,
                                onyx_session** out);
void onyx_session_free(onyx_session* session);

size_t onyx_session_input_count(const onyx_session* session);
const char* onyx_session_input_name(const onyx_session* session, size_t index);
size_t onyx_session_output_count(const onyx_session* session);
const char* onyx_session_output_name(const onyx_session* session, size_t index);

/* Binds an input without copying: data must stay valid through onyx_session_run. */
onyx_status onyx_session_set_input(onyx_session* session, const char* name, onyx_dtype dtype,
                                   const int64_t* dims, size_t rank, const void* data);
onyx_status onyx_session_run(onyx_session* session);
onyx_status onyx_session_output(const onyx_session* session, const char* name, onyx_dtype* dtype,
                                const int64_t** dims, size_t* rank, const void** data);
/* Arena bytes the plan needs for the current input shapes (prepares if needed). */
onyx_status onyx_session_arena_bytes(onyx_session* session, size_t* bytes);

#ifdef __cplusplus
}
#endif

#endif /* ONYX_H_ */
