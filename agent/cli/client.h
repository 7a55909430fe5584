// `kafka-agent status` and `check-restart`: gRPC clients of a running agent,
// and the text they print.
#ifndef KAFKA_AGENT_CLI_CLIENT_H_
#define KAFKA_AGENT_CLI_CLIENT_H_

#include <cstdint>
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
  // Rows of the partition table `status` prints at most; nullopt: all.
  std::optional<int64_t> limit;
  bool wait = false;  // check-restart --wait
};

// Rows `status` prints without a filter, unless --limit or --all says
// otherwise (with a filter: every matching row).
inline constexpr int64_t kDefaultStatusRows = 100;
// At-risk partitions `check-restart` names; the rest are counted.
inline constexpr int kRestartRowsShown = 10;
// Answers the client accepts: more than any page of a current agent (2 MiB),
// and enough for an older agent's unpaged answer of ~200k partitions.
inline constexpr int kClientMaxReceiveBytes = 64 << 20;

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
// replicas, ISR, min.insync.replicas and a state column; then, when
// r.total_size() says more partitions match than it holds, a line saying
// how many were left out and how to see them.
std::string FormatPartitionTable(
    const kafka_agent::v1::ListPartitionsResponse& r);

// The verdict, then the first `max_rows` partitions at risk and how many
// more there are.
std::string FormatRestartSafety(
    const kafka_agent::v1::CheckRestartSafetyResponse& r,
    int max_rows = kRestartRowsShown);

// What a failed call prints: the call, the address, gRPC's message and
// code, and a hint that fits the code (only a connection failure suggests
// that no agent runs at the address).
std::string RpcFailureMessage(const ClientOptions& o, const char* what,
                              int code, const std::string& message);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_CLI_CLIENT_H_
