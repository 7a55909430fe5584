#include "agent/init/atomic_file.h"

#include <memory>

#include "absl/strings/str_cat.h"

namespace kafka_agent {
namespace {

// Creates `path`'s directory if missing and a hidden temp file beside `path`
// (".server.properties.<kind>.XXXXXX").
absl::StatusOr<std::unique_ptr<WritableFile>> CreateFileBeside(
    Filesystem& fs, const std::string& path, absl::string_view kind,
    std::string* temp_path) {
  const std::string dir = DirName(path);
  if (absl::Status s = fs.CreateDirs(dir); !s.ok()) return s;
  return fs.CreateTempFile(dir, absl::StrCat(".", BaseName(path), ".", kind, "."),
                           temp_path);
}

}  // namespace

absl::Status ProbeWritable(Filesystem& fs, const std::string& path) {
  if (fs.IsDirectory(path)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", path, "\" is a directory; give the path of a file in it"));
  }
  std::string temp_path;
  auto file = CreateFileBeside(fs, path, "probe", &temp_path);
  if (!file.ok()) return file.status();
  (*file)->Close().IgnoreError();
  return fs.Remove(temp_path);
}

absl::Status WriteFileAtomically(Filesystem& fs, const std::string& path,
                                 absl::string_view contents) {
  std::string temp_path;
  auto file = CreateFileBeside(fs, path, "tmp", &temp_path);
  if (!file.ok()) return file.status();
  const std::string dir = DirName(path);

  absl::Status s = (*file)->Append(contents);
  if (s.ok()) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  if (s.ok()) s = fs.Rename(temp_path, path);
  if (!s.ok()) {
    (*file)->Close().IgnoreError();
    fs.Remove(temp_path).IgnoreError();
    return s;
  }
  // Without a durable rename the write has not happened: undo it, so a
  // failing init leaves no file at `path` (see DESIGN.md).
  if (s = fs.SyncDir(dir); !s.ok()) {
    fs.Remove(path).IgnoreError();
    return s;
  }
  return absl::OkStatus();
}

}  // namespace kafka_agent
