// min.insync.replicas per topic, fetched off the poll path. The poller says
// which topics exist and reads what is known; this class's own loop asks
// Kafka (DescribeConfigs, in batches) for topics never asked or due for a
// refresh. So a slow or failing DescribeConfigs never delays publishing
// metadata: a new topic's value shows up in the next snapshot after it came.
#ifndef KAFKA_AGENT_SIDECAR_TOPIC_CONFIGS_H_
#define KAFKA_AGENT_SIDECAR_TOPIC_CONFIGS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/base/sync.h"
#include "agent/sidecar/cluster.h"
#include "agent/sidecar/kafka_admin.h"
#include "agent/sidecar/metrics.h"

namespace kafka_agent {

struct TopicConfigOptions {
  // How often a topic's value is asked again.
  absl::Duration refresh = absl::Seconds(60);
  // How soon a topic whose answer was an error is asked again.
  absl::Duration retry = absl::Seconds(10);
  // How often the loop looks for new or due topics.
  absl::Duration check_every = absl::Seconds(2);
  absl::Duration request_timeout = absl::Seconds(2);
  // Topics per DescribeConfigs request, so no request or answer is too large.
  size_t batch_size = 500;
  // Where failed DescribeConfigs requests are counted; may be null.
  PollStats* stats = nullptr;
};

class TopicConfigs {
 public:
  TopicConfigs(KafkaAdmin& admin, Clock& clock, TopicConfigOptions options);

  // The topics the latest metadata lists (sorted). Values of topics that are
  // gone are dropped; a new topic wakes the loop at once.
  void SetTopics(const std::vector<std::string>& topics);

  // Called (on the loop's thread) after a refresh learned new values or
  // errors, so the poller can republish its latest snapshot with them at
  // once instead of at its next poll.
  void OnUpdate(std::function<void()> f) { on_update_ = std::move(f); }

  // The partitions with each topic's min.insync.replicas as known now (0:
  // not yet); `partitions` itself when nothing changes.
  Partitions Fill(const Partitions& partitions) const;

  // What librdkafka has exchanged with Kafka so far (see
  // KafkaAdmin::Traffic).
  wire::ApiTraffic Traffic() { return admin_.Traffic(); }

  // Why values are missing: per-topic errors first, at most `max`, and the
  // total count in `*total`.
  std::vector<TopicConfigError> Errors(size_t max, size_t* total) const;

  // Asks Kafka for every topic not asked yet or due for a refresh, in
  // batches. Logs each new error once. Returns whether anything known
  // changed (and then calls the OnUpdate callback).
  bool RefreshOnce();

  // RefreshOnce every `check_every`, and as soon as a new topic appears,
  // until `stop`.
  void Run(const Notification& stop);

 private:
  struct Entry {
    int32_t value = 0;  // 0: unknown
    MonoTime asked_at = MonoTime::InfinitePast();
    std::string error;
  };

  KafkaAdmin& admin_;
  Clock& clock_;
  const TopicConfigOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> topics_;  // guarded by mu_
  std::string call_error_;               // guarded by mu_
  bool new_topics_ = false;              // guarded by mu_
  std::function<void()> on_update_;
  std::set<std::string> logged_;         // errors logged once (loop thread)
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_TOPIC_CONFIGS_H_
