// The agent's partition data as it was before the compact table (issue 11),
// kept as the "before" peer of the scale benchmarks: one struct per
// partition with its own topic string and replica/ISR vectors, built from
// the decoded MetadataResponse vectors, copied whole into every snapshot,
// and answered as one ListPartitions message. Measured in the same run as
// today's code, so the ratios are before/after on the same machine.
#ifndef KAFKA_AGENT_BENCH_SCALE_LEGACY_H_
#define KAFKA_AGENT_BENCH_SCALE_LEGACY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "agent/sidecar/kafka_protocol.h"
#include "kafka_agent/v1/agent.pb.h"

namespace kafka_agent {
namespace bench {

struct LegacyPartition {
  std::string topic;
  int32_t partition = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  int32_t min_isr = 0;
};

struct LegacyCounts {
  int32_t topics = 0, partitions = 0, partitions_led = 0, replicas_hosted = 0,
          under_replicated = 0, under_min_isr = 0, offline = 0,
          not_in_isr = 0;
};

// ApplyMetadata before: sorted copies of the decoded vectors.
std::vector<LegacyPartition> LegacyApply(const wire::MetadataResponse& r);
// Assess's pass over the partitions before (counts and lagging copies).
LegacyCounts LegacyAssess(const std::vector<LegacyPartition>& ps, int32_t node,
                          std::vector<LegacyPartition>* lagging);
// ListPartitions before: every partition in one message.
kafka_agent::v1::ListPartitionsResponse LegacyList(
    const std::vector<LegacyPartition>& ps);

}  // namespace bench
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BENCH_SCALE_LEGACY_H_
