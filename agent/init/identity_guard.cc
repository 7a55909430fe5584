#include "agent/init/identity_guard.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace kafka_agent {
namespace {

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(what);
}

std::string MetaPath(const std::string& dir) {
  return dir.size() > 1 && dir.back() == '/'
             ? absl::StrCat(dir, "meta.properties")
             : absl::StrCat(dir, "/meta.properties");
}

// The ways out every mismatch message ends with.
constexpr absl::string_view kWaysOut =
    " Kafka would refuse to start on it (or serve another node's data). Safe "
    "ways out: (1) a wrong PersistentVolumeClaim is bound to this pod (e.g. "
    "restored from another pod's snapshot, or a claim renamed by hand): bind "
    "this pod's own claim; (2) the StatefulSet name, --node-id-offset, the "
    "ordinal or CLUSTER_ID changed since the volume was formatted: restore "
    "the values it was formatted with; (3) a deliberate re-format: only if "
    "the data on this volume is disposable (its partitions have replicas "
    "elsewhere), delete meta.properties and the data from the volume, and "
    "Kafka formats it anew.";

}  // namespace

absl::StatusOr<MetaProperties> ParseMetaProperties(absl::string_view text,
                                                   absl::string_view path) {
  auto props = Properties::Parse(text);
  if (!props.ok()) {
    return Invalid(absl::StrCat("meta.properties \"", path,
                                "\" is malformed: ", props.status().message()));
  }
  auto field = [&](absl::string_view key) -> const std::string* {
    return props->Get(key);
  };
  auto malformed = [&](absl::string_view why) {
    return Invalid(absl::StrCat(
        "meta.properties \"", path, "\" is malformed: ", why,
        ". Kafka wrote it when it formatted the directory; a damaged file "
        "needs a person: compare it with another node's, or re-format the "
        "volume if its data is disposable"));
  };
  const std::string* version = field("version");
  MetaProperties m;
  if (version == nullptr || !absl::SimpleAtoi(*version, &m.version) ||
      (m.version != 0 && m.version != 1)) {
    return malformed(absl::StrCat(
        "version is ",
        version == nullptr ? "missing" : absl::StrCat("\"", *version, "\""),
        " (Kafka writes version=1, or 0 before KRaft)"));
  }
  const char* id_key = m.version == 1 ? "node.id" : "broker.id";
  const std::string* id = field(id_key);
  if (id == nullptr) return malformed(absl::StrCat(id_key, " is missing"));
  if (!absl::SimpleAtoi(*id, &m.node_id) || m.node_id < 0) {
    return malformed(absl::StrCat(id_key, " \"", *id, "\" is not a node id"));
  }
  if (const std::string* c = field("cluster.id"); c != nullptr) {
    m.cluster_id = *c;
  }
  if (m.version == 1 && m.cluster_id.empty()) {
    return malformed("cluster.id is missing");
  }
  if (const std::string* d = field("directory.id"); d != nullptr) {
    m.directory_id = *d;
  }
  return m;
}

absl::Status CheckClusterId(absl::string_view source, absl::string_view id) {
  bool ok = id.size() == 22;
  for (char c : id) {
    ok = ok && (absl::ascii_isalnum(c) || c == '-' || c == '_');
  }
  if (ok) return absl::OkStatus();
  return Invalid(absl::StrCat(
      source, " \"", id,
      "\" is not a KRaft cluster id; it is 22 characters of base64url (a "
      "16-byte UUID), e.g. from `kafka-storage.sh random-uuid`"));
}

absl::StatusOr<std::optional<std::vector<std::string>>> ParseDataDirs(
    absl::string_view source, absl::string_view text) {
  if (absl::StripAsciiWhitespace(text).empty()) return std::nullopt;
  std::vector<std::string> dirs;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    absl::string_view d = absl::StripAsciiWhitespace(part);
    if (d.empty() || d[0] != '/') {
      return Invalid(absl::StrCat(
          source, " \"", text, "\": \"", d,
          "\" is not an absolute path; give Kafka's log directories as "
          "mounted in this container, comma-separated, e.g. "
          "/var/lib/kafka/data/logs"));
    }
    dirs.emplace_back(d);
  }
  return dirs;
}

std::vector<std::string> DataDirsFromConfig(const Properties& config) {
  std::vector<std::string> dirs;
  const std::string* list = config.Get("log.dirs");
  if (list == nullptr) list = config.Get("log.dir");
  auto add = [&](absl::string_view d) {
    d = absl::StripAsciiWhitespace(d);
    if (d.empty()) return;
    for (const std::string& have : dirs) {
      if (have == d) return;
    }
    dirs.emplace_back(d);
  };
  if (list != nullptr) {
    for (absl::string_view d : absl::StrSplit(*list, ',')) add(d);
  }
  if (const std::string* meta = config.Get("metadata.log.dir");
      meta != nullptr) {
    add(*meta);
  }
  return dirs;
}

absl::StatusOr<std::vector<DataDirCheck>> CheckDataDirs(
    Filesystem& fs, const std::vector<std::string>& dirs,
    const GuardExpectation& expect) {
  std::vector<DataDirCheck> out;
  int first_with_meta = -1;  // index in `out`
  for (const std::string& dir : dirs) {
    DataDirCheck c;
    c.dir = dir;
    if (!fs.IsDirectory(dir)) {
      if (fs.Exists(dir)) {
        return Invalid(absl::StrCat(
            "data dir \"", dir,
            "\" exists but is not a directory; check --data-dirs (or log.dirs "
            "of the base config) and the volume mounted there"));
      }
      out.push_back(c);  // kAbsent: Kafka creates and formats it
      continue;
    }
    const std::string path = MetaPath(dir);
    if (!fs.Exists(path)) {
      c.state = DataDirCheck::State::kNoMeta;
      out.push_back(c);
      continue;
    }
    auto text = fs.ReadFile(path);
    if (!text.ok()) {
      return Invalid(absl::StrCat(
          "cannot read \"", path, "\": ", text.status().message(),
          "; the init container needs read access to the data volume (mount "
          "it read-only, with the pod's fsGroup)"));
    }
    auto meta = ParseMetaProperties(*text, path);
    if (!meta.ok()) return meta.status();
    c.meta = *meta;
    c.state = DataDirCheck::State::kMatches;
    if (c.meta.node_id != expect.node_id) {
      return Invalid(absl::StrCat(
          "data dir \"", dir, "\" belongs to node.id ", c.meta.node_id, " (",
          path, ": node.id=", c.meta.node_id, ", cluster.id=",
          c.meta.cluster_id.empty() ? "none" : c.meta.cluster_id,
          "), but this pod ", expect.pod_name, " is node.id ", expect.node_id,
          ".", kWaysOut));
    }
    if (!expect.cluster_id.empty() && !c.meta.cluster_id.empty() &&
        c.meta.cluster_id != expect.cluster_id) {
      return Invalid(absl::StrCat(
          "data dir \"", dir, "\" belongs to cluster.id ", c.meta.cluster_id,
          " (", path, "), but ", expect.cluster_id_source, " is ",
          expect.cluster_id, " for pod ", expect.pod_name, " (node.id ",
          expect.node_id, ").", kWaysOut));
    }
    if (first_with_meta < 0) {
      first_with_meta = static_cast<int>(out.size());
    } else {
      const DataDirCheck& first = out[static_cast<size_t>(first_with_meta)];
      if (!c.meta.cluster_id.empty() && !first.meta.cluster_id.empty() &&
          c.meta.cluster_id != first.meta.cluster_id) {
        return Invalid(absl::StrCat(
            "data dirs of pod ", expect.pod_name, " disagree: \"", first.dir,
            "\" belongs to cluster.id ", first.meta.cluster_id, " and \"", dir,
            "\" to cluster.id ", c.meta.cluster_id, " (", path, ").",
            kWaysOut));
      }
    }
    out.push_back(c);
  }
  return out;
}

std::string DescribeDataDirChecks(const std::vector<DataDirCheck>& checks) {
  return absl::StrJoin(checks, "; ", [](std::string* o, const DataDirCheck& c) {
    switch (c.state) {
      case DataDirCheck::State::kAbsent:
        absl::StrAppend(o, c.dir, ": absent (a new volume; Kafka formats it)");
        break;
      case DataDirCheck::State::kNoMeta:
        absl::StrAppend(o, c.dir, ": no meta.properties (not formatted yet)");
        break;
      case DataDirCheck::State::kMatches:
        absl::StrAppend(o, c.dir, ": node.id ", c.meta.node_id, ", cluster.id ",
                        c.meta.cluster_id.empty() ? "none" : c.meta.cluster_id,
                        " (matches)");
        break;
    }
  });
}

}  // namespace kafka_agent
