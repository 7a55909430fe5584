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
#include <vector>

#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/sidecar/cluster.h"
#include "agent/sidecar/readiness.h"

namespace kafka_agent {

struct Snapshot {
  ClusterMetadata cluster;
  // Assess(cluster, this pod's node.id), computed once when taken.
  Assessment assessment;
  // When the poll that fetched `cluster` started: on the wall clock (shown
  // to people) and on the monotonic clock (ages). InfinitePast before the
  // first success.
  absl::Time taken_at = absl::InfinitePast();
  MonoTime taken_mono = MonoTime::InfinitePast();
  // When the latest attempt (success or not) completed: the poll loop's
  // heartbeat, for liveness.
  MonoTime completed_mono = MonoTime::InfinitePast();
  std::string last_error;  // of the latest attempt; empty on success
  // Why min.insync.replicas is unknown for some topics (the first few), and
  // how many such errors there are in all.
  std::vector<TopicConfigError> config_errors;
  size_t config_error_count = 0;
  uint64_t generation = 0;  // 0: nothing published yet

  bool has_data() const { return taken_mono != MonoTime::InfinitePast(); }
};

// Holds the latest snapshot. Readers get a shared pointer to an immutable
// value and never block the poller for longer than a pointer swap.
class SnapshotStore {
 public:
  SnapshotStore();

  std::shared_ptr<const Snapshot> Get() const;

  // Replaces the snapshot (setting its generation) and wakes waiters.
  void Publish(Snapshot snapshot);

  // Blocks until a snapshot newer than `generation` is published or `timeout`
  // has passed; returns the current generation.
  uint64_t WaitForNewer(uint64_t generation, absl::Duration timeout) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable published_;
  std::shared_ptr<const Snapshot> current_;  // guarded by mu_
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_SNAPSHOT_H_
