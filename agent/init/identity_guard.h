// The identity guard of `init`: before Kafka starts, the data directories
// must belong to this pod. Kafka writes meta.properties (version, node.id,
// cluster.id, directory.id) into every log directory when it formats it; a
// volume formatted for another node or another cluster makes Kafka
// crash-loop ("Invalid cluster.id", "Stored node id 3 doesn't match") or,
// worse, serve another node's data. The guard says which file disagrees
// and how to get out safely, and exits 2 instead.
#ifndef KAFKA_AGENT_INIT_IDENTITY_GUARD_H_
#define KAFKA_AGENT_INIT_IDENTITY_GUARD_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/base/filesystem.h"
#include "agent/base/properties.h"

namespace kafka_agent {

// The fields of a meta.properties file the guard compares.
struct MetaProperties {
  int version = 0;
  int node_id = 0;           // node.id (version 1) or broker.id (version 0)
  std::string cluster_id;    // empty: none (only version 0 may lack it)
  std::string directory_id;  // version 1; informational
};

// Parses meta.properties text. Version 1 (KRaft) needs node.id and
// cluster.id; version 0 (ZooKeeper era) needs broker.id. Anything else is
// InvalidArgument naming `path` and the bad field.
absl::StatusOr<MetaProperties> ParseMetaProperties(absl::string_view text,
                                                   absl::string_view path);

// A KRaft cluster id: 22 characters of base64url (a 16-byte UUID), as
// `kafka-storage random-uuid` prints. `source` names the flag or variable.
absl::Status CheckClusterId(absl::string_view source, absl::string_view id);

// --data-dirs: a comma-separated list of absolute paths (blanks around the
// commas ignored). Empty text: no list (std::nullopt), use the base config.
absl::StatusOr<std::optional<std::vector<std::string>>> ParseDataDirs(
    absl::string_view source, absl::string_view text);

// The directories Kafka keeps meta.properties in, from its config:
// log.dirs (else log.dir), plus metadata.log.dir when set. Empty when the
// config names none.
std::vector<std::string> DataDirsFromConfig(const Properties& config);

// What the guard found in one directory.
struct DataDirCheck {
  enum class State { kAbsent, kNoMeta, kMatches };
  std::string dir;
  State state = State::kAbsent;
  MetaProperties meta;  // for kMatches
};

// Who this pod is, for the comparison.
struct GuardExpectation {
  std::string pod_name;
  int node_id = 0;
  std::string cluster_id;  // empty: not checked (only agreement between dirs)
  std::string cluster_id_source = "--cluster-id";
};

// Reads `dir`/meta.properties in each directory. A missing directory or a
// directory without the file passes (a new volume). An unreadable or
// malformed file, a node.id or cluster.id that differs from `expect`, or
// two directories with different cluster ids is InvalidArgument naming
// both values, the file and the safe ways out.
absl::StatusOr<std::vector<DataDirCheck>> CheckDataDirs(
    Filesystem& fs, const std::vector<std::string>& dirs,
    const GuardExpectation& expect);

// One line for the log: "/data/logs: node.id 1, cluster.id X (matches);
// /other: absent (a new volume)".
std::string DescribeDataDirChecks(const std::vector<DataDirCheck>& checks);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_INIT_IDENTITY_GUARD_H_
