// Polls Kafka on its own thread and publishes immutable snapshots: metadata
// every poll, min.insync.replicas per topic cached and refreshed less often.
#ifndef KAFKA_AGENT_SIDECAR_POLLER_H_
#define KAFKA_AGENT_SIDECAR_POLLER_H_

#include <map>
#include <string>

#include "agent/base/sync.h"
#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/sidecar/kafka_admin.h"
#include "agent/sidecar/metrics.h"
#include "agent/sidecar/readiness.h"
#include "agent/sidecar/snapshot.h"

namespace kafka_agent {

struct PollerOptions {
  // This pod's broker: every snapshot is assessed for it.
  int32_t node_id = -1;
  absl::Duration interval = absl::Seconds(2);
  // How long one Kafka request may take; by default the interval, at most 5s.
  absl::Duration request_timeout = absl::Seconds(2);
  // How often a topic's min.insync.replicas is asked again.
  absl::Duration min_isr_refresh = absl::Seconds(60);
  // Where each poll's duration and failed requests are recorded; may be null.
  PollStats* stats = nullptr;
};

class Poller {
 public:
  Poller(KafkaAdmin& admin, Clock& clock, SnapshotStore& store,
         PollerOptions options);

  // One poll: fetch metadata, fill min.insync.replicas (asking for topics not
  // cached or due for refresh), assess it for this pod's broker, publish. On
  // a metadata failure the previous data is kept (and ages) with the error
  // recorded.
  void PollOnce();

  // Polls every interval until `stop` is notified.
  void Run(const Notification& stop);

 private:
  struct CachedMinIsr {
    int32_t value = 0;
    absl::Time fetched_at;
  };

  KafkaAdmin& admin_;
  Clock& clock_;
  SnapshotStore& store_;
  PollerOptions options_;
  std::map<std::string, CachedMinIsr> min_isr_;
  std::string last_logged_error_;
  absl::Time first_attempt_ = absl::InfinitePast();
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_POLLER_H_
