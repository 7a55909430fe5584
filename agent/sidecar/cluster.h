// What Kafka told the agent about the cluster in one poll: whether the local
// node answered on its own listener; its broker's metadata (live brokers,
// every partition's leader, replicas, ISR, and min.insync.replicas); the KRaft
// quorum as its leader sees it; the brokers' registrations with fencing; and
// reassignments in progress. Each part says which node answered, or why it is
// unknown. Plain data; the questions asked of it are in readiness.h.
#ifndef KAFKA_AGENT_SIDECAR_CLUSTER_H_
#define KAFKA_AGENT_SIDECAR_CLUSTER_H_

#include <cstdint>
#include <optional>
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

// The local node on its own listener: the broker's (broker pods) or the
// controller's (controller-only pods).
struct LocalNode {
  std::string address;  // host:port asked
  bool answered = false;
  std::string error;    // why not
};

// One replica of the KRaft metadata log (__cluster_metadata-0) as the quorum
// leader sees it. Times are the leader's wall clock, ms since the epoch; -1
// unknown (DescribeQuorum v0).
struct QuorumReplica {
  int32_t id = -1;
  int64_t log_end_offset = -1;
  int64_t last_fetch_ms = -1;
  int64_t last_caught_up_ms = -1;
};

struct QuorumView {
  std::string answered_by;
  int32_t leader_id = -1;  // -1: no leader
  int32_t leader_epoch = -1;
  int64_t high_watermark = -1;
  std::vector<QuorumReplica> voters;     // sorted by id
  std::vector<QuorumReplica> observers;  // brokers; sorted by id

  const QuorumReplica* Voter(int32_t id) const;
  const QuorumReplica* Observer(int32_t id) const;
  // The leader's own entry (its times are "now" on the leader's clock).
  const QuorumReplica* Leader() const { return Voter(leader_id); }
};

// A broker's registration with the controllers, as replicated to the broker
// that answered (DescribeCluster v2 lists fenced brokers too).
struct Registration {
  int32_t id = -1;
  bool fenced = false;
};

struct RegistrationView {
  std::string answered_by;
  bool fencing_known = false;  // false: an old broker; fenced ones absent
  std::vector<Registration> brokers;  // sorted by id

  const Registration* Find(int32_t id) const;
};

struct Reassignment {
  std::string topic;
  int32_t partition = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> adding;
  std::vector<int32_t> removing;
};

// One poll's view of the cluster.
struct ClusterMetadata {
  std::string cluster_id;
  // The active controller: the quorum leader when the quorum is known (a
  // broker's Metadata answer names a random live broker instead).
  int32_t controller_id = -1;
  std::vector<int32_t> brokers;  // live, unfenced, per `metadata_answered_by`
  std::vector<PartitionState> partitions;  // sorted by topic, partition
  std::string metadata_answered_by;        // empty: no metadata (yet)

  LocalNode local;
  std::optional<QuorumView> quorum;
  std::string quorum_error;  // why `quorum` is unknown (or stale)
  std::optional<RegistrationView> registration;
  std::string registration_error;
  // Sorted by topic, partition; empty when none (or unknown: see the error).
  std::vector<Reassignment> reassignments;
  std::string reassignments_error;
  // The list of the poll before, kept for one poll. Metadata is read before
  // the list, so a move that ends between the two leaves the broker's
  // metadata still showing the added replica out of the ISR while the
  // controller's list has already dropped it: for one poll it still counts
  // as being added (BeingAdded), not as lagging.
  std::vector<Reassignment> reassignments_before;

  bool HasBroker(int32_t node) const;
  // The reassignment of a partition, or nullptr.
  const Reassignment* ReassignmentOf(const std::string& topic,
                                     int32_t partition) const;
  // Whether `node` is a replica of the partition that a reassignment is
  // adding, per this poll's list or the one before.
  bool BeingAdded(const std::string& topic, int32_t partition,
                  int32_t node) const;
};

// Why min.insync.replicas is unknown for a topic.
struct TopicConfigError {
  std::string topic;  // empty: the whole request failed
  std::string error;
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_CLUSTER_H_
