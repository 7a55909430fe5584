// Polls Kafka on its own thread and publishes immutable snapshots. Every poll
// asks the pod's own node, on its own listener, over the agent's wire client:
// a broker for its metadata (partitions, ISR), the KRaft quorum (forwarded to
// the active controller), its view of the registrations (fencing) and the
// reassignments in progress; a controller-only node for the quorum. The
// result gets the min.insync.replicas values TopicConfigs knows and is
// assessed once for this pod's node.
//
// Asking the local node, not any broker: a hung or cut-off peer never delays
// this pod's answer, and the quorum leader certifies (through how far this
// node's copy of the metadata log lags) that the local metadata is current.
//
// Less load on Kafka: in a cluster of at least `narrow_from_partitions`
// partitions, after a Metadata request for every topic, a poll asks only for
// the topics this broker hosts a replica of, plus the topics of reassignments
// in progress (listed every poll) — when those are at most half of the
// cluster's partitions; otherwise (and in every smaller cluster, where the
// saving is a few kilobytes) every poll asks for every topic. Every topic is
// asked for again at least every `all_topics_every`.
// So this broker's own partitions (what readiness and its own restart safety
// judge) are always from the latest poll; partitions of topics it does not
// host, and topics created since, are at most `all_topics_every` (plus a
// poll) old; a reassignment listed by one poll has its topic asked from the
// next poll on, until one poll after it is no longer listed.
#ifndef KAFKA_AGENT_SIDECAR_POLLER_H_
#define KAFKA_AGENT_SIDECAR_POLLER_H_

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/base/sync.h"
#include "agent/sidecar/kafka_wire.h"
#include "agent/sidecar/metrics.h"
#include "agent/sidecar/readiness.h"
#include "agent/sidecar/snapshot.h"
#include "agent/sidecar/topic_configs.h"

namespace kafka_agent {

struct PollerOptions {
  // This pod's node: every snapshot is assessed for it.
  NodeRoles roles;
  ReadinessOptions readiness;
  // The local node's address (for messages): the --bootstrap.
  std::string local_address;
  absl::Duration interval = absl::Seconds(2);
  // How long one Kafka request may take; by default the interval, at most 5s.
  absl::Duration request_timeout = absl::Seconds(2);
  // Every topic is asked for at least this often (see above).
  absl::Duration all_topics_every = absl::Seconds(30);
  // Smaller clusters get every topic at every poll (see above): new topics
  // and every partition's ISR are never older than one poll there.
  size_t narrow_from_partitions = 10000;
  // Where each poll's duration and its failed Kafka requests are recorded;
  // may be null.
  PollStats* stats = nullptr;
};

class Poller {
 public:
  // `configs` may be null (a controller-only pod has no topics to ask about).
  // `quorum_fallback` (may be null): a combined broker+controller pod's own
  // controller listener, asked for the quorum when the local broker cannot
  // forward DescribeQuorum. A broker keeps forwarding to the active
  // controller it knew until its request times out (request.timeout.ms, 30 s
  // by default), so when that controller hangs every broker's answer waits,
  // although the other controllers elected a new leader seconds later.
  Poller(wire::KafkaWire& local, TopicConfigs* configs, Clock& clock,
         SnapshotStore& store, PollerOptions options,
         wire::KafkaWire* quorum_fallback = nullptr);

  // One poll: ask the local node (see above), assess, publish. What could not
  // be learned keeps its last known value (which ages with the snapshot) and
  // says why; a local node that does not answer turns kafka.broker
  // NOT_SERVING at once. Either way the snapshot records that an attempt
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
  // Broker pods: Metadata, then the quorum, registrations and reassignments
  // through the local broker. Returns whether the metadata came.
  bool PollBroker(ClusterMetadata* c);
  // Controller-only pods: ApiVersions and the quorum from the local
  // controller. Returns whether the quorum came.
  bool PollController(ClusterMetadata* c);
  void FillQuorum(ClusterMetadata* c);
  // Whether this poll asks for every topic, given the previous poll's data;
  // when not, `topics` lists the ones it asks for (possibly none).
  bool AskAllTopics(const ClusterMetadata& prev, MonoTime now,
                    std::vector<std::string>* topics) const;
  // Counts a failed request in options_.stats (when set).
  void RecordError(absl::string_view request, const absl::Status& status);
  // Sets min.insync.replicas and config errors from TopicConfigs, and the
  // assessment for this pod's node.
  void FillConfigsAndAssess(Snapshot* s);
  absl::Time Deadline() const { return absl::Now() + options_.request_timeout; }

  wire::KafkaWire& local_;
  wire::KafkaWire* quorum_fallback_;
  TopicConfigs* configs_;
  Clock& clock_;
  SnapshotStore& store_;
  PollerOptions options_;
  // Serialises publishing between PollOnce and Republish, so an older
  // snapshot is never published over a newer one.
  std::mutex publish_mu_;
  std::string last_logged_error_;
  MonoTime first_attempt_ = MonoTime::InfinitePast();
  absl::Time first_attempt_wall_ = absl::InfinitePast();
  // When the latest request for all topics started.
  MonoTime all_topics_mono_ = MonoTime::InfinitePast();
  // Whether the last quorum came from `quorum_fallback_` (the broker could
  // not forward), and for how many polls in a row.
  bool quorum_via_controller_ = false;
  int polls_via_controller_ = 0;
  // When the current run of failed polls began (for "answers again after").
  MonoTime failing_since_ = MonoTime::InfinitePast();
};

// Whether Kafka could have named a topic so: 1-249 of [a-zA-Z0-9._-], not
// "." or "..".
bool IsLegalTopicName(absl::string_view name);

// Builds the partitions table straight from a Metadata answer as the wire
// client decodes it: no per-partition allocation. Topics with an error
// (being created or deleted, or unknown) or an illegal name (a garbled
// answer: never passed on) are left out.
class MetadataTableBuilder : public wire::MetadataTopicVisitor {
 public:
  void Reserve(size_t topics, size_t partitions, size_t nodes) {
    builder_.Reserve(topics, partitions, nodes);
  }
  void Topic(int16_t error_code, absl::string_view name,
             absl::string_view topic_id, bool is_internal,
             int32_t partition_count) override;
  void Partition(int16_t error_code, int32_t partition_index,
                 int32_t leader_id, int32_t leader_epoch,
                 absl::Span<const int32_t> replica_nodes,
                 absl::Span<const int32_t> isr_nodes,
                 absl::Span<const int32_t> offline_replicas) override;
  // Topic `t` of `from`, as it was (a topic not asked for this time).
  void Keep(const Partitions& from, uint32_t t) { builder_.CopyTopic(from, t); }
  // Topics that came with an error, by name (legal names only).
  const std::vector<std::pair<std::string, int16_t>>& topic_errors() const {
    return topic_errors_;
  }
  Partitions Build() { return builder_.Build(); }

 private:
  PartitionsBuilder builder_;
  bool skipping_ = false;  // the current topic is left out
  std::vector<std::pair<std::string, int16_t>> topic_errors_;
};

// The wire client's Metadata answer (its topics built into `partitions`) as
// the agent's cluster data; the cluster id made valid UTF-8.
void ApplyMetadata(const wire::MetadataInfo& md, Partitions partitions,
                   ClusterMetadata* c);
// The wire client's DescribeQuorum answer as the agent's quorum view.
QuorumView QuorumViewOf(const wire::QuorumInfo& q);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_POLLER_H_
