// The Kafka admin questions librdkafka 2.0.2 cannot ask, over the agent's own
// wire-protocol client: the KRaft quorum (DescribeQuorum), the cluster as the
// controllers see it, fenced brokers included (DescribeCluster v2), partition
// reassignments in progress (ListPartitionReassignments), and what a node
// supports (ApiVersions). Behind an interface so callers test against a fake
// (tests/unit/sidecar/kafka_wire_fake.h); results are plain structs.
//
// It talks to brokers, or directly to KRaft controllers on their controller
// listener (KIP-919, like `kafka-metadata-quorum --bootstrap-controller`),
// with the security settings of --kafka-prop (see ParseSecurityConfig).
// Every call takes a deadline and returns by it. Errors: Unavailable (no node
// reachable, connection lost, no quorum leader), DeadlineExceeded,
// Unauthenticated (TLS peer verification, SASL), PermissionDenied (Kafka
// authorization), Unimplemented (the node lacks the API/version), DataLoss
// (malformed answer), InvalidArgument (bad settings); each message names the
// address and the Kafka error code name where there is one.
#ifndef KAFKA_AGENT_AGENT_SIDECAR_KAFKA_WIRE_H_
#define KAFKA_AGENT_AGENT_SIDECAR_KAFKA_WIRE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/sidecar/kafka_connection.h"
#include "agent/sidecar/kafka_protocol.h"

namespace kafka_agent {
namespace wire {

// What a node supports (its ApiVersions answer).
struct ApiVersionsInfo {
  std::string answered_by;       // host:port
  int16_t request_version = -1;  // the ApiVersions version that worked
  std::map<int16_t, VersionRange> api_keys;
  // Cluster-wide finalized features (e.g. metadata.version, kraft.version:
  // 0 = static quorum, 1 = dynamic quorum per KIP-853); v3+ only.
  int64_t finalized_features_epoch = -1;
  std::vector<FeatureRange> finalized_features;  // min/max version levels
  std::vector<FeatureRange> supported_features;
};

// The KRaft metadata quorum (partition __cluster_metadata-0), as the leader
// sees it.
struct QuorumInfo {
  std::string answered_by;  // host:port of the node that answered
  int16_t version = -1;     // DescribeQuorum version used (0-2)
  int32_t leader_id = -1;   // -1: no leader
  int32_t leader_epoch = -1;
  int64_t high_watermark = -1;
  // Each replica's log end offset; v1+ also last fetch and last caught-up
  // times (leader wall clock, ms since the epoch, -1 = unknown); v2+ also the
  // replica directory id.
  std::vector<ReplicaState> voters;
  std::vector<ReplicaState> observers;
  // v2+: the voters' controller endpoints (empty before).
  std::vector<QuorumNode> nodes;

  // Whether last_fetch/last_caught_up timestamps are present (v1+).
  bool has_timestamps() const { return version >= 1; }
};

// The cluster as one node describes it.
struct ClusterInfo {
  std::string answered_by;
  int16_t version = -1;  // DescribeCluster version used (0-2)
  // kBrokers when asked through a broker, kControllers when asked through a
  // controller listener (then `brokers` lists the controllers).
  EndpointType endpoint_type = kBrokers;
  std::string cluster_id;
  // From a controller: the active controller (quorum leader). From a broker
  // in KRaft mode: a random live broker (Kafka's own fallback), not the
  // active controller.
  int32_t controller_id = -1;
  std::vector<ClusterBroker> brokers;  // sorted by id
  // True when fenced brokers are listed with is_fenced set (v2 with
  // IncludeFencedBrokers, KIP-1073). False (v0/v1, or the controller
  // endpoint): fencing is unknown and fenced brokers are simply absent.
  bool fencing_known = false;
};

// Topics, partitions (leader, replicas, ISR) and live brokers, as the node
// that answered knows them (its metadata cache).
struct MetadataInfo {
  std::string answered_by;
  int16_t version = -1;
  MetadataResponse response;
};

struct ReassignmentsInfo {
  std::string answered_by;
  std::vector<PartitionReassignment>
      reassignments;  // sorted by topic, partition
};

class KafkaWire {
 public:
  virtual ~KafkaWire() = default;

  virtual absl::StatusOr<ApiVersionsInfo> ApiVersions(absl::Time deadline) = 0;
  // Through a controller listener, a controller that is not the leader
  // answers NOT_LEADER_OR_FOLLOWER; the request then goes to the active
  // controller (found with DescribeCluster), within the same deadline.
  virtual absl::StatusOr<QuorumInfo> DescribeQuorum(absl::Time deadline) = 0;
  virtual absl::StatusOr<ClusterInfo> DescribeCluster(absl::Time deadline) = 0;
  virtual absl::StatusOr<ReassignmentsInfo> ListPartitionReassignments(
      absl::Time deadline) = 0;
  // `topics` null: every topic. Brokers only.
  virtual absl::StatusOr<MetadataInfo> Metadata(
      absl::Time deadline, const std::vector<std::string>* topics) = 0;
};

struct WireOptions {
  // host:port of brokers (or of controllers, see `controllers`); tried in
  // order, starting with the last one that answered.
  std::vector<std::string> bootstrap;
  // The bootstrap addresses are KRaft controller listeners (KIP-919).
  bool controllers = false;
  // librdkafka-style properties (--kafka-prop); only the security settings
  // are used.
  WireProps props;
  std::string client_id = "kafka-agent";
  std::string software_version = "0";  // sent in ApiVersions v3+
};

// A real client. Bad settings (an unsupported security property, an
// unreadable CA file, an address that is not host:port) fail here with
// InvalidArgument; nothing connects until the first call. Thread-safe (calls
// are serialised); keeps one connection per node and reuses it.
absl::StatusOr<std::unique_ptr<KafkaWire>> NewKafkaWire(
    const WireOptions& options);

// A Kafka error code as a Status: `what` (e.g. "DescribeQuorum to
// 127.0.0.1:9092") + the error name + Kafka's message when there is one.
absl::Status KafkaErrorStatus(int16_t code,
                              const std::optional<std::string>& message,
                              absl::string_view what);

}  // namespace wire
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_AGENT_SIDECAR_KAFKA_WIRE_H_
