#include "agent/sidecar/cluster.h"

#include <algorithm>
#include <tuple>

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

namespace {

// The reassignment of a partition in a list sorted by topic, partition.
const Reassignment* FindReassignment(const std::vector<Reassignment>& list,
                                     const std::string& topic,
                                     int32_t partition) {
  auto it = std::lower_bound(
      list.begin(), list.end(), std::tie(topic, partition),
      [](const Reassignment& r, const std::tuple<const std::string&, int32_t>& k) {
        return std::tie(r.topic, r.partition) < k;
      });
  if (it == list.end() || it->topic != topic || it->partition != partition) {
    return nullptr;
  }
  return &*it;
}

}  // namespace

const Reassignment* ClusterMetadata::ReassignmentOf(const std::string& topic,
                                                    int32_t partition) const {
  return FindReassignment(reassignments, topic, partition);
}

bool ClusterMetadata::BeingAdded(const std::string& topic, int32_t partition,
                                 int32_t node) const {
  for (const std::vector<Reassignment>* list :
       {&reassignments, &reassignments_before}) {
    const Reassignment* r = FindReassignment(*list, topic, partition);
    if (r != nullptr && Contains(r->adding, node)) return true;
  }
  return false;
}

namespace {

const QuorumReplica* FindReplica(const std::vector<QuorumReplica>& v,
                                 int32_t id) {
  for (const QuorumReplica& r : v) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

}  // namespace

const QuorumReplica* QuorumView::Voter(int32_t id) const {
  return FindReplica(voters, id);
}

const QuorumReplica* QuorumView::Observer(int32_t id) const {
  return FindReplica(observers, id);
}

const Registration* RegistrationView::Find(int32_t id) const {
  for (const Registration& r : brokers) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

}  // namespace kafka_agent
