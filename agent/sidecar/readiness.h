// The one place that decides whether this pod's node is healthy and ready:
// pure rules over one poll's view of the cluster. The poller assesses each
// snapshot once (Assess); health, GetStatus and WatchStatus all read that
// assessment. Also the other questions asked of the cluster: what stopping a
// node would cost, and which partitions match a filter.
#ifndef KAFKA_AGENT_SIDECAR_READINESS_H_
#define KAFKA_AGENT_SIDECAR_READINESS_H_

#include <cstdint>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agent/base/identity.h"
#include "agent/sidecar/cluster.h"

namespace kafka_agent {

// This pod's node: its id and roles.
struct NodeRoles {
  int32_t node_id = -1;
  bool broker = true;
  bool controller = false;
  // The voters the pod's config names (controller.quorum.voters): for the
  // quorum rule of restart safety when the quorum itself is unknown.
  std::vector<int32_t> voter_ids;
};

NodeRoles RolesOf(const Identity& identity);

struct ReadinessOptions {
  // A voter has caught up when the leader's last caught-up time minus its own
  // is below this: controller.quorum.fetch.timeout.ms (2000 by default), the
  // criterion Strimzi's roller uses.
  absl::Duration voter_lag_limit = absl::Milliseconds(2000);
  // A broker's metadata is current when the leader's last caught-up time
  // minus the broker's is below this: broker.session.timeout.ms (9000 by
  // default; a broker further behind is fenced by the controllers anyway).
  absl::Duration observer_lag_limit = absl::Milliseconds(9000);
};

struct PartitionCounts {
  int32_t topics = 0;
  int32_t partitions = 0;
  int32_t partitions_led = 0;
  int32_t replicas_hosted = 0;
  int32_t under_replicated = 0;
  int32_t under_min_isr = 0;
  int32_t offline = 0;
  int32_t not_in_isr = 0;
  // Hosted here as a replica still being added by a reassignment.
  int32_t reassigning_here = 0;
  int32_t reassignments = 0;  // in the cluster
};

// A partition that stopping a node would leave offline or under its
// min.insync.replicas: a copy (a judgement may outlive its snapshot).
struct PartitionAtRisk {
  PartitionState partition;
  int32_t isr_after = 0;
  std::string reason;
};

// Partitions at risk a restart-safety answer lists (CheckRestartSafety, the
// assessment, /prestop); it counts them all. Keeps answers small at any size.
inline constexpr size_t kMaxAtRiskListed = 100;

struct RestartSafety {
  bool safe = true;
  std::string reason;
  // The first `max_listed` partitions at risk, and how many there are.
  std::vector<PartitionAtRisk> at_risk;
  size_t at_risk_count = 0;
  // The quorum rule, when `node` is a voter.
  bool quorum_at_risk = false;
  std::string quorum_reason;
};

// This pod's node as one poll saw it (DESIGN.md):
// - kafka.broker: the broker answers on its own listener, the controllers'
//   view has it registered and unfenced, and its metadata is current (it has
//   caught up with the quorum's metadata log), so its answers can be trusted;
// - kafka.controller: the quorum has a leader and this node is a voter that
//   has caught up;
// - kafka.ready: the checks of every role the pod has; for a broker also
//   every partition it replicates whose leader is online has it in the ISR,
//   except partitions a reassignment is still adding it to.
struct Assessment {
  NodeRoles roles;
  bool broker_ok = false;
  std::string broker_reason;
  bool controller_ok = false;
  std::string controller_reason;
  bool ready = false;
  std::string ready_reason;  // why not ready, or a one-line summary
  // Partitions this broker replicates, whose leader is online, without it in
  // the ISR (not counting replicas still being added): rows of the assessed
  // cluster's partitions.
  std::vector<uint32_t> lagging;
  PartitionCounts counts;
  // How far this node's copy of the metadata log is behind the leader's, ms
  // (-1: unknown).
  int64_t metadata_lag_ms = -1;
  // EvaluateRestartSafety(cluster, roles.node_id, roles.voter_ids, ...,
  // kMaxAtRiskListed): whether this node may stop now (partitions and the
  // quorum rule). Kept here so /metrics and /prestop need no pass over the
  // partitions.
  RestartSafety restart;
};

// One pass over the partitions for readiness, one for restart safety.
Assessment Assess(const ClusterMetadata& cluster, const NodeRoles& roles,
                  const ReadinessOptions& options = ReadinessOptions());

// How far `r` is behind the quorum leader: the leader's last caught-up time
// minus `r`'s (ms). Without timestamps (DescribeQuorum v0): 0 when its log
// end offset reached the high watermark, else nullopt.
std::optional<int64_t> QuorumLagMs(const QuorumView& q, const QuorumReplica& r);

// Stopping `node` is unsafe when a partition it is in-sync for would be left
// with no in-sync replica, or with fewer than its min.insync.replicas; or,
// for a voter (in the known quorum, or in `voter_ids` when the quorum is
// unknown), when fewer than a majority of caught-up voters would be left.
// Lists the first `max_listed` partitions at risk and counts them all.
RestartSafety EvaluateRestartSafety(
    const ClusterMetadata& cluster, int32_t node,
    const std::vector<int32_t>& voter_ids = {},
    const ReadinessOptions& options = ReadinessOptions(),
    size_t max_listed = SIZE_MAX);

struct PartitionFilter {
  std::string topic;  // empty: all
  bool under_replicated = false;
  bool under_min_isr = false;
  bool offline = false;
  std::optional<int32_t> node;  // only partitions with a replica there
  bool exclude_internal = false;
};

bool Matches(const PartitionFilter& filter, const PartitionRef& p);

// Topics whose name starts with "__" (__consumer_offsets, ...).
bool IsInternalTopic(absl::string_view topic);

// "test-0" style names of `rows` of `ps`, comma-joined, at most `max` then
// "and N more" (of `total`, at least rows.size()).
std::string PartitionList(const Partitions& ps,
                          const std::vector<uint32_t>& rows, size_t max = 5,
                          size_t total = 0);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_READINESS_H_
