// What Kafka told the agent about the cluster in one poll: brokers and every
// partition's leader, replicas, ISR and min.insync.replicas. Plain data; the
// questions asked of it are in readiness.h.
#ifndef KAFKA_AGENT_SIDECAR_CLUSTER_H_
#define KAFKA_AGENT_SIDECAR_CLUSTER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kafka_agent {

struct PartitionState {
  std::string topic;
  int32_t partition = 0;
  int32_t leader = -1;  // -1: no leader (offline)
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  int32_t min_isr = 0;  // min.insync.replicas; 0 when not known

  bool offline() const { return leader < 0; }
  bool under_replicated() const { return isr.size() < replicas.size(); }
  bool under_min_isr() const {
    return min_isr > 0 && static_cast<int32_t>(isr.size()) < min_isr;
  }
  bool HasReplica(int32_t node) const;
  bool InIsr(int32_t node) const;
};

// One poll's view of the cluster.
struct ClusterMetadata {
  std::string cluster_id;
  int32_t controller_id = -1;
  std::vector<int32_t> brokers;  // registered, unfenced; sorted
  std::vector<PartitionState> partitions;  // sorted by topic, partition

  bool HasBroker(int32_t node) const;
};

// Why min.insync.replicas is unknown for a topic.
struct TopicConfigError {
  std::string topic;  // empty: the whole request failed
  std::string error;
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_CLUSTER_H_
