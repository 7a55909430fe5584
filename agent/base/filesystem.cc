#include "agent/base/filesystem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/str_cat.h"

namespace kafka_agent {
namespace {

// Converts errno from `op` on `path` to a Status that says what to fix.
absl::Status ErrnoStatus(int err, absl::string_view op,
                         const std::string& path) {
  std::string msg = absl::StrCat(op, " \"", path, "\": ", strerror(err));
  switch (err) {
    case ENOENT:
      return absl::InvalidArgumentError(
          absl::StrCat(msg, "; check the path or create it first"));
    case ENOTDIR:
      return absl::InvalidArgumentError(absl::StrCat(
          msg, "; a part of the path is a file, not a directory"));
    case EISDIR:
      return absl::InvalidArgumentError(
          absl::StrCat(msg, "; the path names a directory, give a file"));
    case EACCES:
    case EPERM:
      return absl::InvalidArgumentError(absl::StrCat(
          msg, "; grant the agent's user access or choose another path"));
    case EROFS:
      return absl::InvalidArgumentError(absl::StrCat(
          msg, "; the filesystem is read-only: mount a writable volume "
               "(e.g. an emptyDir) there"));
    default:
      return absl::InternalError(msg);
  }
}

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path)
      : fd_(fd), path_(std::move(path)) {}
  ~PosixWritableFile() override { Close().IgnoreError(); }

  absl::Status Append(absl::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "write", path_);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    if (::fsync(fd_) != 0) return ErrnoStatus(errno, "fsync", path_);
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (fd_ < 0) return absl::OkStatus();
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return ErrnoStatus(errno, "close", path_);
    return absl::OkStatus();
  }

 private:
  int fd_;
  std::string path_;
};

class PosixFilesystem : public Filesystem {
 public:
  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "open", path);
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      return ErrnoStatus(EISDIR, "read", path);
    }
    std::string out;
    char buf[8192];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return ErrnoStatus(err, "read", path);
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }

  absl::Status CreateDirs(const std::string& dir) override {
    if (dir.empty() || dir == "." || dir == "/") return absl::OkStatus();
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return absl::OkStatus();
      return ErrnoStatus(ENOTDIR, "create directory", dir);
    }
    if (auto s = CreateDirs(DirName(dir)); !s.ok()) return s;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, "create directory", dir);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> CreateTempFile(
      const std::string& dir, const std::string& prefix,
      std::string* path) override {
    std::string tmpl = absl::StrCat(dir, "/", prefix, "XXXXXX");
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    int fd = ::mkostemp(buf.data(), O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "create a file in", dir);
    // mkostemp makes the file 0600. The config is read by the Kafka
    // container, which runs as another user in the same group (the pod's
    // fsGroup owns the shared volume, whose set-gid directory passes the
    // group on): owner read-write, group read, nothing for others, since
    // the file may hold passwords from the base config. fchmod ignores the
    // umask, so the mode is exactly this.
    if (::fchmod(fd, 0640) != 0) {
      int err = errno;
      ::close(fd);
      ::unlink(buf.data());
      return ErrnoStatus(err, "set the mode of", buf.data());
    }
    *path = buf.data();
    return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, *path));
  }

  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoStatus(errno, absl::StrCat("rename \"", from, "\" to"), to);
    }
    return absl::OkStatus();
  }

  absl::Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus(errno, "remove", path);
    }
    return absl::OkStatus();
  }

  absl::Status Link(const std::string& from, const std::string& to) override {
    if (::link(from.c_str(), to.c_str()) != 0) {
      if (errno == ENOENT) {
        return absl::NotFoundError(absl::StrCat("\"", from, "\" does not exist"));
      }
      return ErrnoStatus(errno, absl::StrCat("link \"", from, "\" to"), to);
    }
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "open directory", dir);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus(err, "fsync directory", dir);
    return absl::OkStatus();
  }

  bool IsDirectory(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

  bool Exists(const std::string& path) override {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
  }
};

}  // namespace

Filesystem& RealFilesystem() {
  static PosixFilesystem* fs = new PosixFilesystem();
  return *fs;
}

std::string DirName(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  std::string dir = p.substr(0, slash);
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

std::string BaseName(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

}  // namespace kafka_agent
