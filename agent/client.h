// `kafka-agent status` and `check-restart`: gRPC clients of a running agent,
// and the text they print.
#ifndef KAFKA_AGENT_AGENT_CLIENT_H_
#define KAFKA_AGENT_AGENT_CLIENT_H_

#include <string>

#include "kafka_agent/v1/agent.pb.h"

namespace kafka_agent {

// The agent's status as a few lines for people.
std::string FormatStatusSummary(const kafka_agent::v1::AgentStatus& s);

// A table like `kafka-topics --describe`: topic, partition, leader,
// replicas, ISR, min.insync.replicas and a state column.
std::string FormatPartitionTable(
    const kafka_agent::v1::ListPartitionsResponse& r);

std::string FormatRestartSafety(
    const kafka_agent::v1::CheckRestartSafetyResponse& r);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_AGENT_CLIENT_H_
