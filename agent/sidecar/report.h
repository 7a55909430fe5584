// The KafkaAgent service's answers (proto messages), built from a snapshot.
// Pure: the server and the CLI's tests share them.
#ifndef KAFKA_AGENT_SIDECAR_REPORT_H_
#define KAFKA_AGENT_SIDECAR_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/sidecar/health.h"
#include "agent/base/identity.h"
#include "agent/sidecar/prestop.h"
#include "agent/sidecar/readiness.h"
#include "agent/sidecar/snapshot.h"
#include "kafka_agent/v1/agent.pb.h"

namespace kafka_agent {


// Limits that keep every answer well inside gRPC's default 4 MiB message
// size, whatever the cluster's size.
// Partitions per ListPartitions page: the default and the most.
inline constexpr int32_t kMaxPageSize = 10000;
// A page ends before its encoded size passes this (long topic names).
inline constexpr size_t kMaxPageBytes = 2 << 20;
// Partitions at risk a CheckRestartSafety answer lists: kMaxAtRiskListed
// (readiness.h).
// The gRPC server's message limits: requests are small; answers are bounded
// by the limits above.
inline constexpr int kServerMaxReceiveBytes = 1 << 20;
inline constexpr int kServerMaxSendBytes = 4 << 20;

// What GetStatus answers, given the agent's settings.
struct StatusContext {
  const Identity* identity = nullptr;
  std::string bootstrap;
  absl::Duration poll_interval;
};

v1::Identity IdentityProto(const Identity& id);
v1::Partition PartitionProto(const PartitionRef& p);
v1::Partition PartitionProto(const PartitionState& p);

// GetStatus's answer, given the health the server evaluated now (its age and
// serving states).
v1::AgentStatus BuildAgentStatus(const StatusContext& ctx,
                                 const Snapshot& snapshot,
                                 const HealthReport& health);

// The same status with the fields that change with time alone (age, time
// of the snapshot) cleared: two statuses that differ only there are "the
// same" for WatchStatus.
v1::AgentStatus WithoutTimes(const v1::AgentStatus& s);

// One page of the partitions matching the request's filters.
// InvalidArgument for a page token this agent did not issue or a negative
// page size.
absl::StatusOr<v1::ListPartitionsResponse> BuildListPartitions(
    const Snapshot& snapshot, const v1::ListPartitionsRequest& request);

// The page token that resumes after (topic, partition), and back.
std::string PageToken(absl::string_view topic, int32_t partition);
absl::Status ParsePageToken(absl::string_view token, std::string* topic,
                            int32_t* partition);

// Unavailable when the snapshot is missing or stale (per `health`): safety
// cannot be judged from old data. Lists at most kMaxAtRiskListed partitions
// at risk, and counts them all.
absl::StatusOr<v1::CheckRestartSafetyResponse> BuildRestartSafety(
    const StatusContext& ctx, const Snapshot& snapshot,
    const HealthReport& health, const v1::CheckRestartSafetyRequest& request);

// CheckRestartSafety's answer after a wait (request.wait) that ended safe or
// at its timeout; `snapshot` is the one it ended on.
v1::CheckRestartSafetyResponse BuildRestartWait(const PrestopResult& result,
                                                const Snapshot& snapshot);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_REPORT_H_
