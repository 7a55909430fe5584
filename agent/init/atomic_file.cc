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
  // The current file, if any, stays reachable under this name until the new
  // one is durable, so a late failure can put it back.
  const std::string backup = absl::StrCat(temp_path, ".old");
  bool has_backup = false;
  auto clean_up = [&] {
    (*file)->Close().IgnoreError();
    fs.Remove(temp_path).IgnoreError();
    if (has_backup) fs.Remove(backup).IgnoreError();
  };

  absl::Status s = (*file)->Append(contents);
  if (s.ok()) s = (*file)->Sync();
  if (s.ok()) s = (*file)->Close();
  // A directory that cannot be synced fails here, before `path` is touched.
  if (s.ok()) s = fs.SyncDir(dir);
  if (s.ok()) {
    absl::Status linked = fs.Link(path, backup);
    has_backup = linked.ok();
    if (!linked.ok() && !absl::IsNotFound(linked)) s = linked;
  }
  if (s.ok()) s = fs.Rename(temp_path, path);
  if (!s.ok()) {
    clean_up();
    return s;
  }
  // Without a durable rename the write has not happened: undo it. The
  // previous file comes back; with none, a failing init leaves no file at
  // `path` (see DESIGN.md).
  if (s = fs.SyncDir(dir); !s.ok()) {
    if (has_backup) {
      if (fs.Rename(backup, path).ok()) has_backup = false;
    } else {
      fs.Remove(path).IgnoreError();
    }
    clean_up();
    return s;
  }
  if (has_backup) fs.Remove(backup).IgnoreError();
  return absl::OkStatus();
}

}  // namespace kafka_agent
