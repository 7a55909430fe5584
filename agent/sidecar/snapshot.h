// The agent's latest view of the cluster: an immutable snapshot taken by the
// poller (the cluster data, its assessment for this pod's broker, when it was
// taken and the latest error), and the store that hands it to readers.
#ifndef KAFKA_AGENT_SIDECAR_SNAPSHOT_H_
#define KAFKA_AGENT_SIDECAR_SNAPSHOT_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "agent/sidecar/cluster.h"
#include "agent/sidecar/readiness.h"

namespace kafka_agent {

struct Snapshot {
  ClusterMetadata cluster;
  // Assess(cluster, this pod's node.id), computed once when taken.
  Assessment assessment;
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

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_SNAPSHOT_H_
