/* A small C program using the installed Onyx library through onyx.h: loads the add_scalars
 * reference model, runs it on 1.2 + 2.5, and checks the C API's error reporting. Prints one
 * line per check and "N passed, N failed". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <onyx.h>

static int passed, failed;

static void check(int ok, const char* what) {
  printf("%s %s\n", ok ? "ok" : "FAILED", what);
  if (ok) ++passed; else ++failed;
}

int main(int argc, char** argv) {
  const char* path = argc > 1 ? argv[1] : "../shared/models/add_scalars/model.onnx";
  onyx_model* model = NULL;
  onyx_session* session = NULL;
  onyx_status st = onyx_model_load_file(path, &model);
  check(st == ONYX_OK, "load add_scalars");
  if (st != ONYX_OK) {
    printf("error: %s\n", onyx_last_error());
    printf("%d passed, %d failed\n", passed, failed + 1);
    return 1;
  }
  st = onyx_session_create(model, NULL, &session);
  check(st == ONYX_OK, "create session");
  check(onyx_session_input_count(session) == 2, "two inputs");
  float x1 = 1.2f, x2 = 2.5f;
  int64_t dims[1] = {1};
  check(onyx_session_set_input(session, "x1", ONYX_FLOAT32, dims, 1, &x1) == ONYX_OK, "set x1");
  check(onyx_session_set_input(session, "x2", ONYX_FLOAT32, dims, 1, &x2) == ONYX_OK, "set x2");
  check(onyx_session_run(session) == ONYX_OK, "run");
  onyx_dtype dtype;
  const int64_t* out_dims = NULL;
  size_t rank = 0;
  const void* data = NULL;
  st = onyx_session_output(session, onyx_session_output_name(session, 0), &dtype, &out_dims, &rank, &data);
  check(st == ONYX_OK && dtype == ONYX_FLOAT32 && rank == 1 && out_dims[0] == 1, "output is float32 [1]");
  check(st == ONYX_OK && fabsf(*(const float*)data - 3.7f) < 1e-6f, "1.2 + 2.5 = 3.7");

  /* Errors: a status code and a message, no crash. */
  check(onyx_session_set_input(session, "nope", ONYX_FLOAT32, dims, 1, &x1) == ONYX_NOT_FOUND, "unknown input name");
  check(strstr(onyx_last_error(), "nope") != NULL, "message names the input");
  check(onyx_session_set_input(session, "x1", ONYX_INT32, dims, 1, &x1) == ONYX_INVALID_ARGUMENT, "wrong dtype");
  int64_t dims2[2] = {1, 1};
  check(onyx_session_set_input(session, "x1", ONYX_FLOAT32, dims2, 2, &x1) == ONYX_INVALID_ARGUMENT, "wrong rank");
  onyx_model* missing = NULL;
  st = onyx_model_load_file("/nonexistent/model.onnx", &missing);
  check(st != ONYX_OK && missing == NULL && strlen(onyx_last_error()) > 0, "missing file");
  const char junk[] = "this is not a protobuf";
  st = onyx_model_load_buffer(junk, sizeof junk, &missing);
  check(st == ONYX_INVALID_MODEL, "garbage buffer");
  check(onyx_session_create(NULL, NULL, &session) == ONYX_INVALID_ARGUMENT, "NULL model");

  onyx_session_free(session);
  onyx_model_free(model);
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
