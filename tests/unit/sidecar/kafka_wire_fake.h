// A fake KafkaWire for the tests of its callers: each answer is scripted
// (a result or an error Status), calls are counted, and the deadline each
// call was given is recorded. Thread-safe.
#ifndef KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_WIRE_FAKE_H_
#define KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_WIRE_FAKE_H_

#include <mutex>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "agent/sidecar/kafka_wire.h"

namespace kafka_agent {
namespace wire {
namespace testing {

class FakeKafkaWire : public KafkaWire {
 public:
  void SetApiVersions(absl::StatusOr<ApiVersionsInfo> r) {
    std::lock_guard<std::mutex> lock(mu_);
    api_versions_ = std::move(r);
  }
  void SetQuorum(absl::StatusOr<QuorumInfo> r) {
    std::lock_guard<std::mutex> lock(mu_);
    quorum_ = std::move(r);
  }
  void SetCluster(absl::StatusOr<ClusterInfo> r) {
    std::lock_guard<std::mutex> lock(mu_);
    cluster_ = std::move(r);
  }
  void SetReassignments(absl::StatusOr<ReassignmentsInfo> r) {
    std::lock_guard<std::mutex> lock(mu_);
    reassignments_ = std::move(r);
  }
  void SetMetadata(absl::StatusOr<MetadataInfo> r) {
    std::lock_guard<std::mutex> lock(mu_);
    metadata_ = std::move(r);
  }

  absl::StatusOr<ApiVersionsInfo> ApiVersions(absl::Time deadline) override {
    return Answer(api_versions_, api_versions_calls_, deadline);
  }
  absl::StatusOr<QuorumInfo> DescribeQuorum(absl::Time deadline) override {
    return Answer(quorum_, quorum_calls_, deadline);
  }
  absl::StatusOr<ClusterInfo> DescribeCluster(absl::Time deadline) override {
    return Answer(cluster_, cluster_calls_, deadline);
  }
  absl::StatusOr<ReassignmentsInfo> ListPartitionReassignments(
      absl::Time deadline) override {
    return Answer(reassignments_, reassignments_calls_, deadline);
  }

  absl::StatusOr<MetadataInfo> Metadata(
      absl::Time deadline, const std::vector<std::string>* topics) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      metadata_topics_.push_back(topics == nullptr
                                     ? std::vector<std::string>{"*"}
                                     : *topics);
    }
    return Answer(metadata_, metadata_calls_, deadline);
  }

  int metadata_calls() const { return Get(metadata_calls_); }
  // The topics each Metadata call asked for ({"*"}: all).
  std::vector<std::vector<std::string>> metadata_topics() const {
    std::lock_guard<std::mutex> lock(mu_);
    return metadata_topics_;
  }
  int api_versions_calls() const { return Get(api_versions_calls_); }
  int quorum_calls() const { return Get(quorum_calls_); }
  int cluster_calls() const { return Get(cluster_calls_); }
  int reassignments_calls() const { return Get(reassignments_calls_); }
  // The deadlines given to every call, in order.
  std::vector<absl::Time> deadlines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return deadlines_;
  }

 private:
  template <typename T>
  absl::StatusOr<T> Answer(const absl::StatusOr<T>& r, int& calls,
                           absl::Time deadline) {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls;
    deadlines_.push_back(deadline);
    return r;
  }
  int Get(const int& n) const {
    std::lock_guard<std::mutex> lock(mu_);
    return n;
  }

  mutable std::mutex mu_;
  absl::StatusOr<ApiVersionsInfo> api_versions_ =
      absl::UnavailableError("FakeKafkaWire: no ApiVersions answer set");
  absl::StatusOr<QuorumInfo> quorum_ =
      absl::UnavailableError("FakeKafkaWire: no DescribeQuorum answer set");
  absl::StatusOr<ClusterInfo> cluster_ =
      absl::UnavailableError("FakeKafkaWire: no DescribeCluster answer set");
  absl::StatusOr<ReassignmentsInfo> reassignments_ = absl::UnavailableError(
      "FakeKafkaWire: no ListPartitionReassignments answer set");
  absl::StatusOr<MetadataInfo> metadata_ =
      absl::UnavailableError("FakeKafkaWire: no Metadata answer set");
  std::vector<std::vector<std::string>> metadata_topics_;
  int metadata_calls_ = 0;
  int api_versions_calls_ = 0;
  int quorum_calls_ = 0;
  int cluster_calls_ = 0;
  int reassignments_calls_ = 0;
  std::vector<absl::Time> deadlines_;
};

// A healthy 3-voter quorum led by `leader` at `now_ms` (leader wall clock):
// every voter caught up `lag_ms[i]` ago, log end offsets equal to the high
// watermark 100.
inline QuorumInfo ThreeVoterQuorum(int32_t leader, int64_t now_ms,
                                   std::vector<int64_t> lag_ms = {0, 0, 0}) {
  QuorumInfo q;
  q.answered_by = "fake:9092";
  q.version = 2;
  q.leader_id = leader;
  q.leader_epoch = 1;
  q.high_watermark = 100;
  for (int32_t id = 0; id < 3; ++id) {
    ReplicaState s;
    s.replica_id = id;
    s.log_end_offset = 100;
    s.last_fetch_timestamp = id == leader ? -1 : now_ms - lag_ms[id];
    s.last_caught_up_timestamp = now_ms - lag_ms[id];
    q.voters.push_back(s);
  }
  return q;
}

}  // namespace testing
}  // namespace wire
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_WIRE_FAKE_H_
