// Builders for cluster views, a fake Kafka admin client (DescribeConfigs)
// whose answers tests script, and the wire answers of a scripted cluster
// (librdkafka's mock cluster always reports ISR == replicas, and knows no
// quorum).
#ifndef KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_FAKES_H_
#define KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_FAKES_H_

#include <map>
#include <string>
#include <vector>

#include <mutex>
#include "agent/base/identity.h"
#include "tests/unit/fakes.h"
#include "absl/strings/str_cat.h"
#include "agent/sidecar/kafka_admin.h"
#include "tests/unit/sidecar/kafka_wire_fake.h"
#include "agent/sidecar/readiness.h"
#include "agent/sidecar/snapshot.h"

namespace kafka_agent {
namespace testing {

inline PartitionState P(const std::string& topic, int32_t partition,
                        int32_t leader, std::vector<int32_t> replicas,
                        std::vector<int32_t> isr, int32_t min_isr) {
  PartitionState p;
  p.topic = topic;
  p.partition = partition;
  p.leader = leader;
  p.replicas = std::move(replicas);
  p.isr = std::move(isr);
  p.min_isr = min_isr;
  return p;
}

// The quorum leader's clock in the fixtures, ms since the epoch.
inline constexpr int64_t kLeaderNowMs = 1700000000000;

// A healthy world around `brokers` and `partitions`, as the local broker
// (localhost:9092) answers it: the local node answered; a quorum of voters
// 0,1,2 led by the first broker (no leader without brokers), every voter and
// every other listed broker (as an observer) caught up; each listed broker
// registered and unfenced. Tests then break what they need.
inline ClusterMetadata Cluster(std::vector<int32_t> brokers,
                               std::vector<PartitionState> partitions) {
  ClusterMetadata c;
  c.cluster_id = "test-cluster";
  c.controller_id = brokers.empty() ? -1 : brokers.front();
  c.brokers = brokers;
  c.partitions = Partitions::FromStates(partitions);
  c.metadata_answered_by = "localhost:9092";
  c.local = {"localhost:9092", true, ""};
  QuorumView q;
  q.answered_by = "localhost:9092";
  q.leader_id = c.controller_id;
  q.leader_epoch = 3;
  q.high_watermark = 100;
  for (int32_t id = 0; id < 3; ++id) {
    q.voters.push_back({id, 100, kLeaderNowMs, kLeaderNowMs});
  }
  RegistrationView reg;
  reg.answered_by = "localhost:9092";
  reg.fencing_known = true;
  for (int32_t b : brokers) {
    if (b >= 3) q.observers.push_back({b, 100, kLeaderNowMs, kLeaderNowMs});
    reg.brokers.push_back({b, false});
  }
  c.quorum = std::move(q);
  c.registration = std::move(reg);
  return c;
}

// The partitions of `c` as plain values, to change and put back.
inline std::vector<PartitionState> States(const ClusterMetadata& c) {
  std::vector<PartitionState> out;
  for (const PartitionRef p : c.partitions) out.push_back(p.ToState());
  return out;
}

inline void SetPartitions(ClusterMetadata* c,
                          const std::vector<PartitionState>& ps) {
  c->partitions = Partitions::FromStates(ps);
}

inline void AddPartition(ClusterMetadata* c, PartitionState p) {
  std::vector<PartitionState> ps = States(*c);
  ps.push_back(std::move(p));
  SetPartitions(c, ps);
}

// The roles of a pod of the tutorial's cluster (3 combined nodes, then
// broker-only ones).
inline NodeRoles Roles(int32_t node) {
  return {node, /*broker=*/true, /*controller=*/node < 3, {0, 1, 2}};
}

// The seed tutorial's cluster: pod `pod` of StatefulSet kafka, headless
// Service kafka-headless, namespace kafka, 3 controllers.
inline Identity TutorialIdentity(const std::string& pod) {
  IdentityOptions o;
  o.pod_name = pod;
  o.namespace_name = "kafka";
  o.headless_service = "kafka-headless";
  return *DeriveIdentity(o);
}

// Topic `test`: 3 partitions, replication factor 3, min.insync.replicas 2,
// every replica in sync.
inline ClusterMetadata TutorialHealthy() {
  return Cluster({0, 1, 2}, {P("test", 0, 1, {1, 2, 0}, {0, 1, 2}, 2),
                             P("test", 1, 2, {2, 0, 1}, {0, 1, 2}, 2),
                             P("test", 2, 0, {0, 1, 2}, {0, 1, 2}, 2)});
}

// The same after broker 2 stopped (StatefulSet scaled to 2): ISR 0,1.
inline ClusterMetadata TutorialNode2Down() {
  return Cluster({0, 1}, {P("test", 0, 1, {1, 2, 0}, {0, 1}, 2),
                          P("test", 1, 0, {2, 0, 1}, {0, 1}, 2),
                          P("test", 2, 0, {0, 1, 2}, {0, 1}, 2)});
}

// A published snapshot of `c` taken (and completed) at `t` on a simulated
// clock, assessed for the tutorial pod with node.id `node`.
inline Snapshot SnapshotOf(ClusterMetadata c, int32_t node, MonoTime t) {
  Snapshot s;
  s.cluster = std::move(c);
  s.assessment = Assess(s.cluster, Roles(node));
  s.taken_mono = t;
  s.completed_mono = t;
  s.taken_at = kSimWallStart + (t - kSimMonoStart);
  s.generation = 1;
  return s;
}

class FakeKafkaAdmin : public KafkaAdmin {
 public:
  void SetMinIsr(const std::string& topic, int32_t v) {
    std::lock_guard<std::mutex> lock(mu_);
    min_isr_[topic] = v;
  }
  void FailMinIsr(absl::Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    min_isr_error_ = s;
  }

  // A per-topic error in the next answers for `topic` (empty: none).
  void FailTopic(const std::string& topic, const std::string& error) {
    std::lock_guard<std::mutex> lock(mu_);
    if (error.empty()) {
      topic_errors_.erase(topic);
    } else {
      topic_errors_[topic] = error;
    }
  }

  absl::StatusOr<MinIsrAnswer> FetchMinInsyncReplicas(
      const std::vector<std::string>& topics, absl::Duration) override {
    std::lock_guard<std::mutex> lock(mu_);
    min_isr_requests_.push_back(topics);
    if (!min_isr_error_.ok()) return min_isr_error_;
    MinIsrAnswer out;
    for (const auto& t : topics) {
      auto e = topic_errors_.find(t);
      auto it = min_isr_.find(t);
      if (e != topic_errors_.end()) {
        out.errors[t] = e->second;
      } else if (it != min_isr_.end()) {
        out.min_isr[t] = it->second;
      }
    }
    return out;
  }

  std::vector<std::vector<std::string>> min_isr_requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return min_isr_requests_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int32_t> min_isr_;
  std::map<std::string, std::string> topic_errors_;
  absl::Status min_isr_error_;
  std::vector<std::vector<std::string>> min_isr_requests_;
};

// The wire answers a broker would give for `c` (its Metadata, DescribeQuorum
// and DescribeCluster), to script a FakeKafkaWire.
inline wire::MetadataInfo MetadataInfoOf(const ClusterMetadata& c) {
  wire::MetadataInfo out;
  out.answered_by = c.metadata_answered_by;
  out.version = 12;
  out.response.cluster_id = c.cluster_id;
  out.response.controller_id = 1;  // a random live broker, as in KRaft
  for (int32_t b : c.brokers) {
    out.response.brokers.push_back({b, absl::StrCat("kafka-", b), 9092, {}});
  }
  for (const PartitionRef p : c.partitions) {
    if (out.response.topics.empty() ||
        out.response.topics.back().name != p.topic()) {
      wire::MetadataTopic t;
      t.name = p.topic();
      out.response.topics.push_back(t);
    }
    wire::MetadataPartition mp;
    mp.partition_index = p.partition();
    mp.leader_id = p.leader();
    mp.replica_nodes.assign(p.replicas().begin(), p.replicas().end());
    mp.isr_nodes.assign(p.isr().begin(), p.isr().end());
    out.response.topics.back().partitions.push_back(mp);
  }
  return out;
}

inline wire::QuorumInfo QuorumInfoOf(const QuorumView& q) {
  wire::QuorumInfo out;
  out.answered_by = q.answered_by;
  out.version = 2;
  out.leader_id = q.leader_id;
  out.leader_epoch = q.leader_epoch;
  out.high_watermark = q.high_watermark;
  for (const QuorumReplica& r : q.voters) {
    wire::ReplicaState s;
    s.replica_id = r.id;
    s.log_end_offset = r.log_end_offset;
    s.last_fetch_timestamp = r.last_fetch_ms;
    s.last_caught_up_timestamp = r.last_caught_up_ms;
    out.voters.push_back(s);
  }
  for (const QuorumReplica& r : q.observers) {
    wire::ReplicaState s;
    s.replica_id = r.id;
    s.log_end_offset = r.log_end_offset;
    s.last_fetch_timestamp = r.last_fetch_ms;
    s.last_caught_up_timestamp = r.last_caught_up_ms;
    out.observers.push_back(s);
  }
  return out;
}

inline wire::ClusterInfo ClusterInfoOf(const RegistrationView& reg,
                                       const std::string& cluster_id) {
  wire::ClusterInfo out;
  out.answered_by = reg.answered_by;
  out.version = 2;
  out.cluster_id = cluster_id;
  out.controller_id = 1;
  out.fencing_known = reg.fencing_known;
  for (const Registration& r : reg.brokers) {
    wire::ClusterBroker b;
    b.broker_id = r.id;
    b.host = absl::StrCat("kafka-", r.id);
    b.port = 9092;
    b.is_fenced = r.fenced;
    out.brokers.push_back(b);
  }
  return out;
}

// Scripts `w` to answer as the local broker of `c` would.
inline void Answer(wire::testing::FakeKafkaWire& w, const ClusterMetadata& c) {
  w.SetMetadata(MetadataInfoOf(c));
  if (c.quorum) {
    w.SetQuorum(QuorumInfoOf(*c.quorum));
  } else {
    w.SetQuorum(absl::UnavailableError(c.quorum_error));
  }
  if (c.registration) {
    w.SetCluster(ClusterInfoOf(*c.registration, c.cluster_id));
  } else {
    w.SetCluster(absl::UnavailableError(c.registration_error));
  }
  w.SetReassignments(wire::ReassignmentsInfo{"localhost:9092", {}});
}

}  // namespace testing
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_FAKES_H_
