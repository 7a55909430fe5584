// Builders for cluster metadata, and a fake Kafka admin client whose answers
// tests script (librdkafka's mock cluster always reports ISR == replicas).
#ifndef KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_FAKES_H_
#define KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_FAKES_H_

#include <map>
#include <string>
#include <vector>

#include <mutex>
#include "agent/base/identity.h"
#include "tests/unit/fakes.h"
#include "agent/sidecar/kafka_admin.h"
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

inline ClusterMetadata Cluster(std::vector<int32_t> brokers,
                               std::vector<PartitionState> partitions) {
  ClusterMetadata c;
  c.cluster_id = "test-cluster";
  c.controller_id = brokers.empty() ? -1 : brokers.front();
  c.brokers = std::move(brokers);
  c.partitions = std::move(partitions);
  return c;
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
// clock, assessed for broker `node`.
inline Snapshot SnapshotOf(ClusterMetadata c, int32_t node, MonoTime t) {
  Snapshot s;
  s.cluster = std::move(c);
  s.assessment = Assess(s.cluster, node);
  s.taken_mono = t;
  s.completed_mono = t;
  s.taken_at = kSimWallStart + (t - kSimMonoStart);
  s.generation = 1;
  return s;
}

class FakeKafkaAdmin : public KafkaAdmin {
 public:
  // What the next FetchMetadata calls return (min_isr is cleared, as the
  // real metadata has none).
  void SetMetadata(absl::StatusOr<ClusterMetadata> md) {
    std::lock_guard<std::mutex> lock(mu_);
    metadata_ = std::move(md);
  }
  void SetMinIsr(const std::string& topic, int32_t v) {
    std::lock_guard<std::mutex> lock(mu_);
    min_isr_[topic] = v;
  }
  void FailMinIsr(absl::Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    min_isr_error_ = s;
  }

  absl::StatusOr<ClusterMetadata> FetchMetadata(absl::Duration) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++metadata_calls_;
    if (!metadata_.ok()) return metadata_.status();
    ClusterMetadata md = *metadata_;
    for (auto& p : md.partitions) p.min_isr = 0;
    return md;
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
  int metadata_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return metadata_calls_;
  }

 private:
  std::mutex mu_;
  absl::StatusOr<ClusterMetadata> metadata_ =
      absl::UnavailableError("no metadata scripted");
  std::map<std::string, int32_t> min_isr_;
  std::map<std::string, std::string> topic_errors_;
  absl::Status min_isr_error_;
  std::vector<std::vector<std::string>> min_isr_requests_;
  int metadata_calls_ = 0;
};

}  // namespace testing
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_FAKES_H_
