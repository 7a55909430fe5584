// Writing a file so that readers see either the old content or the new one,
// never a half-written file, and a failure leaves nothing behind.
#ifndef KAFKA_AGENT_INIT_ATOMIC_FILE_H_
#define KAFKA_AGENT_INIT_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "agent/base/filesystem.h"

namespace kafka_agent {

// Creates the parent directory if missing, writes `contents` to a temp file
// beside `path`, fsyncs it and the directory, renames it over `path` and
// fsyncs the directory again. On any failure the temp file is removed and
// `path` keeps its previous content (or stays absent): a previous file is
// hard-linked aside before the rename and put back if the rename cannot be
// made durable.
absl::Status WriteFileAtomically(Filesystem& fs, const std::string& path,
                                 absl::string_view contents);

// Checks early that `path` can be written, so a bad --output fails before a
// long wait: `path` must not be a directory; its directory is created if
// missing, and a temp file is created in it and removed again.
absl::Status ProbeWritable(Filesystem& fs, const std::string& path);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_INIT_ATOMIC_FILE_H_
