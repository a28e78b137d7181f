#include "file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace onyx::proto {

namespace {

Status errno_status(int err, const std::string& path, const char* action) {
  Code code = (err == ENOENT || err == ENOTDIR) ? Code::kNotFound : Code::kIoError;
  if (code == Code::kNotFound) return error(code, path, ": no such file");
  return error(code, path, ": cannot ", action, ": ", std::strerror(err));
}

// realpath(3) into a std::string; false with errno set on failure.
bool real_path(const std::string& path, std::string* out) {
  std::unique_ptr<char, decltype(&std::free)> p(::realpath(path.c_str(), nullptr), &std::free);
  if (!p) return false;
  *out = p.get();
  return true;
}

}  // namespace

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
}

FileHandle& FileHandle::operator=(FileHandle&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    size_ = o.size_;
    o.fd_ = -1;
  }
  return *this;
}

Status FileHandle::read_at(uint64_t offset, void* dst, size_t n, const std::string& what) const {
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    // pread takes at most SSIZE_MAX; stay well below it.
    size_t chunk = n < (size_t{1} << 30) ? n : (size_t{1} << 30);
    if (offset > static_cast<uint64_t>(INT64_MAX)) return error(Code::kIoError, what, ": offset too large");
    ssize_t got = ::pread(fd_, p, chunk, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      return error(Code::kIoError, what, ": read failed: ", std::strerror(errno));
    }
    if (got == 0) return error(Code::kIoError, what, ": file ended early (was it truncated while reading?)");
    p += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return ok_status();
}

Status FileHandle::open(const std::string& path, FileHandle* out) {
  // O_NONBLOCK so that a FIFO given as a model path cannot hang the open; fstat rejects it.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno_status(errno, path, "open");
  FileHandle h(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return errno_status(errno, path, "stat");
  if (!S_ISREG(st.st_mode)) return error(Code::kIoError, path, ": not a regular file");
  h.size_ = static_cast<uint64_t>(st.st_size);
  *out = std::move(h);
  return ok_status();
}

Status FileHandle::open_external(const std::string& base_dir, const std::string& location,
                                 FileHandle* out) {
  const std::string quoted = "external data location '" + location + "'";
  if (location.empty()) return error(Code::kInvalidModel, "external data location is empty");
  if (location.find('\0') != std::string::npos) {
    return error(Code::kInvalidModel, quoted, " contains a NUL byte");
  }
  if (location[0] == '/') return error(Code::kInvalidModel, quoted, " is an absolute path");
  if (location.find('\\') != std::string::npos) {
    return error(Code::kInvalidModel, quoted, " contains a backslash");
  }
  size_t start = 0;
  while (start <= location.size()) {
    size_t slash = location.find('/', start);
    if (slash == std::string::npos) slash = location.size();
    if (location.compare(start, slash - start, "..") == 0 && slash - start == 2) {
      return error(Code::kInvalidModel, quoted, " contains a '..' component");
    }
    start = slash + 1;
  }

  std::string real_base;
  if (!real_path(base_dir, &real_base)) return errno_status(errno, base_dir, "resolve model folder");
  std::string joined = base_dir;
  if (joined.empty() || joined.back() != '/') joined += '/';
  joined += location;
  std::string real_file;
  if (!real_path(joined, &real_file)) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return error(Code::kNotFound, quoted, ": no such file ", joined);
    }
    return error(Code::kIoError, quoted, ": cannot resolve ", joined, ": ", std::strerror(err));
  }
  std::string prefix = real_base;
  if (prefix.back() != '/') prefix += '/';
  if (real_file.size() <= prefix.size() || real_file.compare(0, prefix.size(), prefix) != 0) {
    return error(Code::kInvalidModel, quoted, " resolves to ", real_file,
                 ", outside the model folder ", real_base);
  }

  // O_NOFOLLOW: the resolved path has no symlink left; refuse one swapped in since.
  int fd = ::open(real_file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) return errno_status(errno, real_file, "open external data file");
  FileHandle h(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return errno_status(errno, real_file, "stat");
  if (!S_ISREG(st.st_mode)) return error(Code::kInvalidModel, quoted, " is not a regular file");
  if (st.st_nlink > 1) {
    return error(Code::kInvalidModel, quoted, " is a file with ", static_cast<uint64_t>(st.st_nlink),
                 " hard links; refusing it (a hard link can reach outside the model folder)");
  }
  h.size_ = static_cast<uint64_t>(st.st_size);
  *out = std::move(h);
  return ok_status();
}

Status read_whole_file(const std::string& path, uint64_t max_bytes, Tensor* out) {
  FileHandle h;
  ONYX_TRY(FileHandle::open(path, &h));
  if (h.size() > max_bytes) {
    return error(Code::kResourceExhausted, path, ": file is ", h.size(), " bytes, over the limit of ",
                 max_bytes);
  }
  if (h.size() > SIZE_MAX / 2) return error(Code::kResourceExhausted, path, ": file too large");
  Result<Tensor> bytes = Tensor::make_unset(DType::kUInt8, {static_cast<int64_t>(h.size())});  // read fills it
  if (!bytes.ok()) return error(Code::kResourceExhausted, path, ": out of memory reading ", h.size(), " bytes");
  if (bytes->nbytes() != 0) ONYX_TRY(h.read_at(0, bytes->data(), bytes->nbytes(), path));
  *out = std::move(*bytes);
  return ok_status();
}

Status write_whole_file(const std::string& path, const void* data, size_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, path, "create");
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    size_t chunk = size < (size_t{1} << 30) ? size : (size_t{1} << 30);
    ssize_t put = ::write(fd, p, chunk);
    if (put < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return error(Code::kIoError, path, ": write failed: ", std::strerror(err));
    }
    p += put;
    size -= static_cast<size_t>(put);
  }
  if (::close(fd) != 0) return error(Code::kIoError, path, ": close failed: ", std::strerror(errno));
  return ok_status();
}

std::string dir_of(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace onyx::proto
