// Polls Kafka on its own thread and publishes immutable snapshots: metadata
// every poll, with the min.insync.replicas values TopicConfigs knows, assessed
// once for this pod's broker.
#ifndef KAFKA_AGENT_SIDECAR_POLLER_H_
#define KAFKA_AGENT_SIDECAR_POLLER_H_

#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/base/sync.h"
#include "agent/sidecar/kafka_admin.h"
#include "agent/sidecar/metrics.h"
#include "agent/sidecar/readiness.h"
#include "agent/sidecar/snapshot.h"
#include "agent/sidecar/topic_configs.h"

namespace kafka_agent {

struct PollerOptions {
  // This pod's broker: every snapshot is assessed for it.
  int32_t node_id = -1;
  absl::Duration interval = absl::Seconds(2);
  // How long one Kafka request may take; by default the interval, at most 5s.
  absl::Duration request_timeout = absl::Seconds(2);
  // Where each poll's duration and failed metadata requests are recorded;
  // may be null.
  PollStats* stats = nullptr;
};

class Poller {
 public:
  Poller(KafkaAdmin& admin, TopicConfigs& configs, Clock& clock,
         SnapshotStore& store, PollerOptions options);

  // One poll: fetch metadata, tell TopicConfigs the topics and take the
  // min.insync.replicas it knows, assess the result for this pod's broker,
  // publish. On a metadata failure the previous data is kept (and ages) with
  // the error recorded. Either way the snapshot records that an attempt
  // completed (the loop's heartbeat).
  void PollOnce();

  // Publishes the latest snapshot again with the min.insync.replicas values
  // TopicConfigs knows now (its OnUpdate callback): a new topic's value shows
  // up as soon as it is fetched, not a poll later. The data's time and the
  // loop's heartbeat are unchanged.
  void Republish();

  // Polls every interval until `stop` is notified.
  void Run(const Notification& stop);

 private:
  // Sets min.insync.replicas and config errors from TopicConfigs, and the
  // assessment for this pod's broker.
  void FillConfigsAndAssess(Snapshot* s);

  KafkaAdmin& admin_;
  TopicConfigs& configs_;
  Clock& clock_;
  SnapshotStore& store_;
  PollerOptions options_;
  // Serialises publishing between PollOnce and Republish, so an older
  // snapshot is never published over a newer one.
  std::mutex publish_mu_;
  std::string last_logged_error_;
  MonoTime first_attempt_ = MonoTime::InfinitePast();
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_POLLER_H_
