#include "agent/sidecar/cluster.h"

#include <algorithm>

namespace kafka_agent {
namespace {

bool Contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

bool PartitionState::HasReplica(int32_t node) const {
  return Contains(replicas, node);
}
bool PartitionState::InIsr(int32_t node) const { return Contains(isr, node); }

bool ClusterMetadata::HasBroker(int32_t node) const {
  return Contains(brokers, node);
}

}  // namespace kafka_agent
