// Internal to proto/: whole-file reads and writes with Onyx error codes, and the guarded opening
// of external-data files named by (untrusted) models. POSIX only.
//
// Codes: a missing file is kNotFound; any other failure to open, read or write is kIoError; a
// file over the caller's size limit is kResourceExhausted. Messages start with the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "onyx/status.h"
#include "onyx/tensor.h"

namespace onyx::proto {

// Reads a whole regular file into `out`, a 1-D uint8 tensor: its memory comes from the tensor
// allocator (huge-page advised when large, so a big model's bytes do not fault page by page).
Status read_whole_file(const std::string& path, uint64_t max_bytes, Tensor* out);
// Creates or truncates `path` and writes `size` bytes.
Status write_whole_file(const std::string& path, const void* data, size_t size);

// The folder part of a path: "a/b/model.onnx" -> "a/b", "model.onnx" -> ".", "/m.onnx" -> "/".
std::string dir_of(const std::string& path);

// An open read-only file descriptor, closed on destruction.
class FileHandle {
 public:
  FileHandle() = default;
  explicit FileHandle(int fd) : fd_(fd) {}
  ~FileHandle();
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  FileHandle(FileHandle&& o) noexcept : fd_(o.fd_), size_(o.size_) { o.fd_ = -1; }
  FileHandle& operator=(FileHandle&& o) noexcept;

  bool is_open() const { return fd_ >= 0; }
  uint64_t size() const { return size_; }
  // Reads exactly `n` bytes at `offset`; kIoError on a short read (the file shrank) or error.
  Status read_at(uint64_t offset, void* dst, size_t n, const std::string& what) const;

  // Opens an existing regular file for reading (no size limit; see read_whole_file).
  static Status open(const std::string& path, FileHandle* out);

  // Opens the external-data file `location` of a model whose folder is `base_dir`. Refuses
  // (kInvalidModel) absolute locations, any ".." component, backslashes, a location whose real
  // path (symlinks followed) is not inside base_dir's real path, anything but a regular file,
  // and files with more than one hard link. A missing file is kNotFound.
  static Status open_external(const std::string& base_dir, const std::string& location,
                              FileHandle* out);

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace onyx::proto
