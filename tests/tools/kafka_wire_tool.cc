// kafka-wire-tool: the agent's Kafka wire client (agent/sidecar/kafka_wire.h)
// on the command line, for the integration tests and for people.
//
//   kafka-wire-tool COMMAND --bootstrap H:P[,H:P...] [--controller]
//                   [--prop k=v]... [--timeout SECONDS]
//
// COMMAND: api-versions | describe-quorum | describe-cluster |
//          list-reassignments
// --controller: the bootstrap addresses are KRaft controller listeners
//               (KIP-919), like kafka-metadata-quorum --bootstrap-controller.
// --prop k=v:   a librdkafka-style client property (security.protocol,
//               ssl.*, sasl.*), as the agent's --kafka-prop.
// --timeout:    the deadline for the whole command (default 10).
//
// Prints one JSON object on stdout. Exit 0 ok; 1 the request failed (the
// error on stderr); 2 bad usage or settings.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "agent/sidecar/kafka_wire.h"

namespace {

using kafka_agent::wire::ApiKeyName;
using kafka_agent::wire::FeatureRange;
using kafka_agent::wire::ReplicaState;

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(
      stderr,
      "kafka-wire-tool: %s\nusage: kafka-wire-tool "
      "api-versions|describe-quorum|describe-cluster|list-reassignments "
      "--bootstrap H:P[,H:P...] [--controller] [--prop k=v]... "
      "[--timeout SECONDS]\n",
      why.c_str());
  std::exit(2);
}

std::string Json(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  return out + "\"";
}

std::string Ints(const std::vector<int32_t>& v) {
  return absl::StrCat("[", absl::StrJoin(v, ","), "]");
}

std::string Replicas(const std::vector<ReplicaState>& v) {
  std::vector<std::string> parts;
  for (const ReplicaState& r : v) {
    // Directory ids as Kafka prints Uuids: URL-safe base64, no padding;
    // null when absent (before v2) or zero (unknown: a static quorum), as
    // kafka-metadata-quorum leaves them out then.
    const bool known =
        r.replica_directory_id.find_first_not_of('\0') != std::string::npos;
    parts.push_back(absl::StrCat(
        "{\"id\":", r.replica_id, ",\"directory_id\":",
        !known ? "null"
               : Json(absl::WebSafeBase64Escape(r.replica_directory_id)),
        ",\"log_end_offset\":", r.log_end_offset,
        ",\"last_fetch_timestamp\":", r.last_fetch_timestamp,
        ",\"last_caught_up_timestamp\":", r.last_caught_up_timestamp, "}"));
  }
  return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
}

std::string Features(const std::vector<FeatureRange>& v) {
  std::vector<std::string> parts;
  for (const FeatureRange& f : v) {
    parts.push_back(absl::StrCat("{\"name\":", Json(f.name), ",\"min\":", f.min,
                                 ",\"max\":", f.max, "}"));
  }
  return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "kafka-wire-tool: %s: %s\n",
               absl::StatusCodeToString(s.code()).c_str(),
               std::string(s.message()).c_str());
  return s.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage("no command");
  const std::string cmd = argv[1];
  kafka_agent::wire::WireOptions options;
  double timeout_s = 10;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--bootstrap") {
      options.bootstrap = absl::StrSplit(value(), ',', absl::SkipEmpty());
    } else if (a == "--controller") {
      options.controllers = true;
    } else if (a == "--prop") {
      const std::string kv = value();
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        Usage("--prop '" + kv.substr(0, kv.find('=')) + "' is not k=v");
      }
      options.props.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (a == "--timeout") {
      const std::string v = value();
      if (!absl::SimpleAtod(v, &timeout_s) || timeout_s <= 0) {
        Usage("--timeout '" + v + "' is not a positive number of seconds");
      }
    } else {
      Usage("unknown argument '" + a + "'");
    }
  }
  if (cmd != "api-versions" && cmd != "describe-quorum" &&
      cmd != "describe-cluster" && cmd != "list-reassignments") {
    Usage("unknown command '" + cmd + "'");
  }
  absl::StatusOr<std::unique_ptr<kafka_agent::wire::KafkaWire>> wire =
      kafka_agent::wire::NewKafkaWire(options);
  if (!wire.ok()) return Fail(wire.status());
  const absl::Time deadline = absl::Now() + absl::Seconds(timeout_s);

  std::string out;
  if (cmd == "api-versions") {
    auto r = (*wire)->ApiVersions(deadline);
    if (!r.ok()) return Fail(r.status());
    std::vector<std::string> apis;
    for (const auto& [key, range] : r->api_keys) {
      apis.push_back(
          absl::StrCat("{\"key\":", key, ",\"name\":", Json(ApiKeyName(key)),
                       ",\"min\":", range.min, ",\"max\":", range.max, "}"));
    }
    out = absl::StrCat(
        "{\"answered_by\":", Json(r->answered_by),
        ",\"version\":", r->request_version, ",\"apis\":[",
        absl::StrJoin(apis, ","),
        "],\"finalized_features_epoch\":", r->finalized_features_epoch,
        ",\"finalized_features\":", Features(r->finalized_features),
        ",\"supported_features\":", Features(r->supported_features), "}");
  } else if (cmd == "describe-quorum") {
    auto r = (*wire)->DescribeQuorum(deadline);
    if (!r.ok()) return Fail(r.status());
    std::vector<std::string> nodes;
    for (const auto& n : r->nodes) {
      std::vector<std::string> ls;
      for (const auto& l : n.listeners) {
        ls.push_back(absl::StrCat("{\"name\":", Json(l.name), ",\"host\":",
                                  Json(l.host), ",\"port\":", l.port, "}"));
      }
      nodes.push_back(absl::StrCat("{\"id\":", n.node_id, ",\"listeners\":[",
                                   absl::StrJoin(ls, ","), "]}"));
    }
    out = absl::StrCat(
        "{\"answered_by\":", Json(r->answered_by), ",\"version\":", r->version,
        ",\"leader_id\":", r->leader_id, ",\"leader_epoch\":", r->leader_epoch,
        ",\"high_watermark\":", r->high_watermark,
        ",\"voters\":", Replicas(r->voters),
        ",\"observers\":", Replicas(r->observers), ",\"nodes\":[",
        absl::StrJoin(nodes, ","), "]}");
  } else if (cmd == "describe-cluster") {
    auto r = (*wire)->DescribeCluster(deadline);
    if (!r.ok()) return Fail(r.status());
    std::vector<std::string> brokers;
    for (const auto& b : r->brokers) {
      brokers.push_back(absl::StrCat(
          "{\"id\":", b.broker_id, ",\"host\":", Json(b.host),
          ",\"port\":", b.port, ",\"rack\":", b.rack ? Json(*b.rack) : "null",
          ",\"fenced\":", b.is_fenced ? "true" : "false", "}"));
    }
    out = absl::StrCat(
        "{\"answered_by\":", Json(r->answered_by), ",\"version\":", r->version,
        ",\"endpoint_type\":",
        r->endpoint_type == kafka_agent::wire::kControllers ? "\"controllers\""
                                                            : "\"brokers\"",
        ",\"cluster_id\":", Json(r->cluster_id),
        ",\"controller_id\":", r->controller_id,
        ",\"fencing_known\":", r->fencing_known ? "true" : "false",
        ",\"brokers\":[", absl::StrJoin(brokers, ","), "]}");
  } else {
    auto r = (*wire)->ListPartitionReassignments(deadline);
    if (!r.ok()) return Fail(r.status());
    std::vector<std::string> parts;
    for (const auto& p : r->reassignments) {
      parts.push_back(absl::StrCat(
          "{\"topic\":", Json(p.topic), ",\"partition\":", p.partition,
          ",\"replicas\":", Ints(p.replicas),
          ",\"adding\":", Ints(p.adding_replicas),
          ",\"removing\":", Ints(p.removing_replicas), "}"));
    }
    out = absl::StrCat("{\"answered_by\":", Json(r->answered_by),
                       ",\"reassignments\":[", absl::StrJoin(parts, ","), "]}");
  }
  std::printf("%s\n", out.c_str());
  return 0;
}
