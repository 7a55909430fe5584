// The one place that decides whether this pod's broker is ready: pure rules
// over one poll's cluster data. The poller assesses each snapshot once
// (Assess); health, GetStatus and WatchStatus all read that assessment.
// Also the other questions asked of the cluster: what stopping a broker would
// cost, and which partitions match a filter.
#ifndef KAFKA_AGENT_SIDECAR_READINESS_H_
#define KAFKA_AGENT_SIDECAR_READINESS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/sidecar/cluster.h"

namespace kafka_agent {

struct PartitionCounts {
  int32_t topics = 0;
  int32_t partitions = 0;
  int32_t partitions_led = 0;
  int32_t replicas_hosted = 0;
  int32_t under_replicated = 0;
  int32_t under_min_isr = 0;
  int32_t offline = 0;
  int32_t not_in_isr = 0;
};

// Broker `node` as one poll saw it. DESIGN.md: kafka.broker = `node` is in the
// broker list; kafka.ready = that, and every partition it replicates whose
// leader is online has it in the ISR.
struct PartitionAtRisk {
  PartitionState partition;
  int32_t isr_after = 0;
  std::string reason;
};

struct RestartSafety {
  bool safe = true;
  std::string reason;
  std::vector<PartitionAtRisk> at_risk;
};

struct Assessment {
  int32_t node = -1;
  bool registered = false;
  bool ready = false;
  std::string broker_reason;  // why (not) registered
  std::string ready_reason;   // why not ready, or a one-line summary
  // Partitions `node` replicates, whose leader is online, without it in ISR.
  std::vector<PartitionState> lagging;
  PartitionCounts counts;
  // EvaluateRestartSafety(cluster, node): whether `node` may stop now. Kept
  // here so /metrics and /prestop need no pass over the partitions.
  RestartSafety restart;
};

// One pass over the partitions for readiness, one for restart safety.
Assessment Assess(const ClusterMetadata& cluster, int32_t node);

// Stopping `node` is unsafe when a partition it is in-sync for would be left
// with no in-sync replica, or with fewer than its min.insync.replicas.
RestartSafety EvaluateRestartSafety(const ClusterMetadata& cluster,
                                    int32_t node);

struct PartitionFilter {
  std::string topic;  // empty: all
  bool under_replicated = false;
  bool under_min_isr = false;
  bool offline = false;
  std::optional<int32_t> node;  // only partitions with a replica there
  bool exclude_internal = false;
};

bool Matches(const PartitionFilter& filter, const PartitionState& p);

// Topics whose name starts with "__" (__consumer_offsets, ...).
bool IsInternalTopic(const std::string& topic);

// "test-0" style names, comma-joined, at most `max` then "and N more".
std::string PartitionList(const std::vector<PartitionState>& ps,
                          size_t max = 5);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_READINESS_H_
