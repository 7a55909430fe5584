// The file operations the agent needs, behind an interface so tests can make
// any single step fail (Envoy style). RealFilesystem() is POSIX.
//
// Errors name the path and say what would fix it. Problems a user can fix by
// changing the path or its permissions (missing, not a directory, read-only,
// permission denied) are InvalidArgument; the rest (no space, I/O) Internal.
#ifndef KAFKA_AGENT_BASE_FILESYSTEM_H_
#define KAFKA_AGENT_BASE_FILESYSTEM_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kafka_agent {

// A file being written. Close() is idempotent; the destructor closes too.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual absl::Status Append(absl::string_view data) = 0;
  virtual absl::Status Sync() = 0;
  virtual absl::Status Close() = 0;
};

class Filesystem {
 public:
  virtual ~Filesystem() = default;

  virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;

  // Like `mkdir -p`.
  virtual absl::Status CreateDirs(const std::string& dir) = 0;

  // Creates a new, uniquely named file in `dir` whose name starts with
  // `prefix`, with mode 0640 (owner read-write, group read); sets `*path` to
  // its full path.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> CreateTempFile(
      const std::string& dir, const std::string& prefix, std::string* path) = 0;

  virtual absl::Status Rename(const std::string& from,
                              const std::string& to) = 0;
  virtual absl::Status Remove(const std::string& path) = 0;

  // A second name `to` for the file `from` (a hard link). NotFound when
  // `from` does not exist.
  virtual absl::Status Link(const std::string& from, const std::string& to) = 0;

  // Makes a rename inside `dir` durable.
  virtual absl::Status SyncDir(const std::string& dir) = 0;

  // Whether `path` exists and is a directory.
  virtual bool IsDirectory(const std::string& path) = 0;

  // Whether anything (file, directory, dangling link) exists at `path`.
  virtual bool Exists(const std::string& path) = 0;
};

Filesystem& RealFilesystem();

// "dir" part of a path ("." for a bare file name), and the file name part.
std::string DirName(const std::string& path);
std::string BaseName(const std::string& path);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_FILESYSTEM_H_
