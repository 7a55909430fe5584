// What the agent knows of the cluster, as an immutable snapshot taken by the
// poller, and the pure questions asked of it: is this broker registered, has
// it caught up (in every ISR), what would stopping a broker cost, and how
// many partitions are under-replicated, under min.insync.replicas or offline.
#ifndef KAFKA_AGENT_AGENT_SNAPSHOT_H_
#define KAFKA_AGENT_AGENT_SNAPSHOT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <condition_variable>
#include <mutex>

#include "absl/time/time.h"

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

struct Snapshot {
  ClusterMetadata cluster;
  // When `cluster` was fetched; InfinitePast before the first success.
  absl::Time taken_at = absl::InfinitePast();
  absl::Time attempted_at = absl::InfinitePast();
  std::string last_error;  // of the latest attempt; empty on success
  uint64_t generation = 0;  // 0: nothing published yet

  bool has_data() const { return taken_at != absl::InfinitePast(); }
};

// Holds the latest snapshot. Readers get a shared pointer to an immutable
// value and never block the poller for longer than a pointer swap.
class SnapshotStore {
 public:
  SnapshotStore();

  std::shared_ptr<const Snapshot> Get() const;

  // Replaces the snapshot (setting its generation) and wakes waiters.
  void Publish(Snapshot snapshot);

  // Blocks until a snapshot newer than `generation` is published or until
  // `deadline`; returns the current generation.
  uint64_t WaitForNewer(uint64_t generation, absl::Time deadline) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable published_;
  std::shared_ptr<const Snapshot> current_;  // guarded by mu_
};

// Whether `node` is registered and has caught up.
struct Readiness {
  bool registered = false;
  bool ready = false;
  std::string reason;  // why not ready, or a one-line summary when ready
  // Partitions `node` replicates, whose leader is online, without it in ISR.
  std::vector<PartitionState> lagging;
};

// DESIGN.md: kafka.broker = `node` is in the broker list; kafka.ready = that,
// and every partition it replicates whose leader is online has it in ISR.
Readiness EvaluateReadiness(const ClusterMetadata& cluster, int32_t node);

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

// Stopping `node` is unsafe when a partition it is in-sync for would be left
// with no in-sync replica, or with fewer than its min.insync.replicas.
RestartSafety EvaluateRestartSafety(const ClusterMetadata& cluster,
                                    int32_t node);

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

PartitionCounts CountPartitions(const ClusterMetadata& cluster, int32_t node);

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

#endif  // KAFKA_AGENT_AGENT_SNAPSHOT_H_
