// `kafka-agent status` and `check-restart`: gRPC clients of a running agent,
// and the text they print.
#ifndef KAFKA_AGENT_CLI_CLIENT_H_
#define KAFKA_AGENT_CLI_CLIENT_H_

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/base/flags.h"
#include "kafka_agent/v1/agent.pb.h"

namespace kafka_agent {

// Options of `status` and `check-restart`.
struct ClientOptions {
  std::string addr;
  bool json = false;
  bool under_replicated = false;
  bool under_min_isr = false;
  bool offline = false;
  std::string topic;
  std::optional<int> node_id;
  // Deadline of the call; with `wait`, how long to wait.
  absl::Duration timeout = absl::Seconds(5);
  bool wait = false;  // check-restart --wait
};

const std::vector<FlagSpec>& StatusFlags();
const std::vector<FlagSpec>& CheckRestartFlags();

absl::StatusOr<ClientOptions> StatusOptionsFromFlags(const ParsedFlags& flags);
absl::StatusOr<ClientOptions> CheckRestartOptionsFromFlags(
    const ParsedFlags& flags);

// `status`: the agent's status and partition table (or JSON) on `out`.
// Returns 0, or 1 when the agent cannot be reached or has no data.
int RunStatus(const ClientOptions& options, std::ostream& out,
              std::ostream& err);

// `check-restart`: 0 when stopping the broker is safe now, 1 otherwise.
// With --wait: waits (as GET /prestop) until safe (0) or the timeout (1).
int RunCheckRestart(const ClientOptions& options, std::ostream& out,
                    std::ostream& err);

// The KRaft quorum as a small table, like `kafka-metadata-quorum describe
// --status --replication`.
std::string FormatQuorum(const kafka_agent::v1::QuorumStatus& q);

// The agent's status as a few lines for people.
std::string FormatStatusSummary(const kafka_agent::v1::AgentStatus& s);

// A table like `kafka-topics --describe`: topic, partition, leader,
// replicas, ISR, min.insync.replicas and a state column.
std::string FormatPartitionTable(
    const kafka_agent::v1::ListPartitionsResponse& r);

std::string FormatRestartSafety(
    const kafka_agent::v1::CheckRestartSafetyResponse& r);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_CLI_CLIENT_H_
