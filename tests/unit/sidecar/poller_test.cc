#include "agent/sidecar/poller.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"
#include "tests/unit/sidecar/kafka_fakes.h"
#include "tests/unit/sidecar/kafka_wire_fake.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::Cluster;
using ::kafka_agent::testing::FakeKafkaAdmin;
using ::kafka_agent::testing::P;
using ::kafka_agent::testing::SimulatedClock;
using ::kafka_agent::wire::testing::FakeKafkaWire;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

ClusterMetadata Healthy() {
  return Cluster({0, 1, 2}, {P("a", 0, 0, {0, 1}, {0, 1}, 0),
                             P("a", 1, 1, {1, 2}, {1, 2}, 0),
                             P("b", 0, 2, {2, 0}, {2, 0}, 0)});
}

class PollerTest : public ::testing::Test {
 protected:
  PollerTest()
      : configs_(admin_, clock_, TopicConfigOptions()),
        poller_(wire_, &configs_, clock_, store_, Options()) {
    testing::Answer(wire_, Healthy());
    admin_.SetMinIsr("a", 2);
    admin_.SetMinIsr("b", 1);
  }
  static PollerOptions Options() {
    PollerOptions o;
    o.roles = testing::Roles(2);
    o.local_address = "localhost:9092";
    o.interval = absl::Seconds(2);
    return o;
  }
  FakeKafkaWire wire_;
  FakeKafkaAdmin admin_;
  SimulatedClock clock_;
  SnapshotStore store_;
  TopicConfigs configs_;
  Poller poller_;
};

TEST_F(PollerTest, PublishesWhatTheLocalBrokerSaysAssessedForItsNode) {
  poller_.PollOnce();
  auto s = store_.Get();
  ASSERT_TRUE(s->has_data());
  EXPECT_EQ(s->generation, 1u);
  EXPECT_EQ(s->taken_at, clock_.Now());
  EXPECT_EQ(s->taken_mono, clock_.Monotonic());
  EXPECT_EQ(s->completed_mono, clock_.Monotonic());
  EXPECT_TRUE(s->last_error.empty()) << s->last_error;
  EXPECT_EQ(s->cluster.metadata_answered_by, "localhost:9092");
  EXPECT_EQ(s->cluster.controller_id, 0)
      << "the quorum leader, not Metadata's random live broker (1)";
  ASSERT_EQ(s->cluster.partitions.size(), 3u);
  EXPECT_EQ(s->assessment.roles.node_id, 2);
  EXPECT_TRUE(s->assessment.broker_ok) << s->assessment.broker_reason;
  EXPECT_TRUE(s->assessment.controller_ok) << s->assessment.controller_reason;
  EXPECT_TRUE(s->assessment.ready) << s->assessment.ready_reason;
  EXPECT_EQ(s->assessment.counts.replicas_hosted, 2);
  EXPECT_EQ(wire_.metadata_calls(), 1);
  EXPECT_EQ(wire_.quorum_calls(), 1);
  EXPECT_EQ(wire_.cluster_calls(), 1);
  EXPECT_EQ(wire_.reassignments_calls(), 1);
}

TEST_F(PollerTest, LocalBrokerNotAnsweringTurnsBrokerOffAtOnce) {
  poller_.PollOnce();
  const MonoTime first = clock_.Monotonic();
  wire_.SetMetadata(absl::UnavailableError("connect: Connection refused"));
  clock_.Advance(absl::Seconds(1));
  poller_.PollOnce();
  auto s = store_.Get();
  EXPECT_EQ(s->taken_mono, first) << "the data's time does not move";
  EXPECT_EQ(s->completed_mono, clock_.Monotonic()) << "but the attempt counts";
  EXPECT_EQ(s->cluster.partitions.size(), 3u) << "old data kept (it ages)";
  EXPECT_FALSE(s->assessment.broker_ok);
  EXPECT_FALSE(s->assessment.ready);
  EXPECT_THAT(s->assessment.broker_reason,
              HasSubstr("broker 2 does not answer on localhost:9092: connect: "
                        "Connection refused"));
  EXPECT_THAT(s->last_error, HasSubstr("Connection refused"));
  EXPECT_EQ(wire_.quorum_calls(), 1) << "nothing more is asked of it";
}

TEST_F(PollerTest, BrokerCutOffFromTheQuorumIsNotServing) {
  // The broker answers from its own cache, but cannot forward to the quorum.
  wire_.SetQuorum(absl::DeadlineExceededError(
      "DescribeQuorum v2 to localhost:9092: timed out"));
  poller_.PollOnce();
  auto s = store_.Get();
  EXPECT_TRUE(s->has_data());
  EXPECT_FALSE(s->assessment.broker_ok);
  EXPECT_THAT(s->assessment.broker_reason,
              HasSubstr("cannot reach the KRaft quorum"));
  EXPECT_EQ(s->cluster.controller_id, -1);
  EXPECT_EQ(wire_.reassignments_calls(), 0) << "no quorum: nothing to ask";
  EXPECT_THAT(s->last_error, HasSubstr("quorum"));
}

// /metrics' poll statistics: every poll's duration, and each failed request
// by its name and status code.
TEST(PollerStatsTest, RecordsEveryPollAndEachFailedRequest) {
  FakeKafkaWire wire;
  testing::Answer(wire, Healthy());
  SimulatedClock clock;
  SnapshotStore store;
  PollStats stats;
  PollerOptions o;
  o.roles = testing::Roles(2);
  o.local_address = "localhost:9092";
  o.stats = &stats;
  Poller poller(wire, nullptr, clock, store, o);
  poller.PollOnce();
  wire.SetQuorum(absl::DeadlineExceededError("DescribeQuorum: timed out"));
  poller.PollOnce();
  wire.SetMetadata(absl::UnavailableError("connect: Connection refused"));
  poller.PollOnce();
  const PollStats::Totals t = stats.Get();
  EXPECT_EQ(t.count, 3u);
  EXPECT_EQ(t.errors.size(), 2u);
  EXPECT_EQ(t.errors.at({"describe_quorum", "deadline_exceeded"}), 1u);
  EXPECT_EQ(t.errors.at({"metadata", "unavailable"}), 1u);
}

// A combined pod's own controller listener is load on Kafka too: its
// requests count with the broker's in the snapshot's traffic.
TEST(PollerTrafficTest, TheControllerListenersRequestsCountToo) {
  FakeKafkaWire local;
  FakeKafkaWire controller;
  testing::Answer(local, Healthy());
  local.SetTraffic({{wire::kMetadata, {1, 100, 1000}},
                    {wire::kDescribeQuorum, {1, 50, 500}}});
  controller.SetTraffic({{wire::kDescribeQuorum, {2, 100, 1000}}});
  SimulatedClock clock;
  SnapshotStore store;
  PollerOptions o;
  o.roles = testing::Roles(2);
  o.local_address = "localhost:9092";
  Poller poller(local, nullptr, clock, store, o, &controller);
  poller.PollOnce();
  const KafkaTraffic& t = store.Get()->traffic;
  EXPECT_EQ(t.wire.at(wire::kMetadata).requests, 1);
  EXPECT_EQ(t.wire.at(wire::kDescribeQuorum).requests, 3);
  EXPECT_EQ(t.wire.at(wire::kDescribeQuorum).bytes_sent, 150);
  EXPECT_EQ(t.wire.at(wire::kDescribeQuorum).bytes_received, 1500);
}

TEST_F(PollerTest, MinIsrComesFromTopicConfigsOffThePollPath) {
  poller_.PollOnce();
  EXPECT_THAT(admin_.min_isr_requests(), IsEmpty())
      << "the poll itself never waits on DescribeConfigs";
  EXPECT_EQ(store_.Get()->cluster.partitions[0].min_isr(), 0) << "not known yet";
  configs_.RefreshOnce();
  EXPECT_THAT(admin_.min_isr_requests(), ElementsAre(ElementsAre("a", "b")));
  clock_.Advance(absl::Seconds(2));
  poller_.PollOnce();
  auto s = store_.Get();
  EXPECT_EQ(s->cluster.partitions[0].min_isr(), 2);
  EXPECT_EQ(s->cluster.partitions[2].min_isr(), 1);
}

TEST_F(PollerTest, NewValuesAreRepublishedAtOnce) {
  configs_.OnUpdate([this] { poller_.Republish(); });
  poller_.PollOnce();
  const MonoTime taken = store_.Get()->taken_mono;
  clock_.Advance(absl::Milliseconds(30));
  EXPECT_TRUE(configs_.RefreshOnce());
  auto s = store_.Get();
  EXPECT_EQ(s->generation, 2u) << "republished without waiting for a poll";
  EXPECT_EQ(s->cluster.partitions[0].min_isr(), 2);
  EXPECT_EQ(s->taken_mono, taken) << "the data's time is the poll's";
  EXPECT_FALSE(configs_.RefreshOnce()) << "nothing new: no republish";
  EXPECT_EQ(store_.Get()->generation, 2u);
}

TEST_F(PollerTest, ConfigErrorsAreCarriedInTheSnapshot) {
  admin_.FailTopic("b", "Broker: Topic authorization failed");
  poller_.PollOnce();
  configs_.RefreshOnce();
  poller_.PollOnce();
  auto s = store_.Get();
  EXPECT_TRUE(s->last_error.empty()) << "metadata itself was fine";
  ASSERT_EQ(s->config_error_count, 1u);
  ASSERT_EQ(s->config_errors.size(), 1u);
  EXPECT_EQ(s->config_errors[0].topic, "b");
  EXPECT_THAT(s->config_errors[0].error, HasSubstr("authorization"));
  EXPECT_EQ(s->cluster.partitions[0].min_isr(), 2) << "other topics unaffected";
}

TEST_F(PollerTest, ReassignmentsAreKept) {
  wire_.SetReassignments(wire::ReassignmentsInfo{
      "localhost:9092", {{"a", 0, {0, 1, 2}, {2}, {}}}});
  poller_.PollOnce();
  auto s = store_.Get();
  ASSERT_EQ(s->cluster.reassignments.size(), 1u);
  EXPECT_THAT(s->cluster.reassignments[0].adding, ElementsAre(2));
  EXPECT_EQ(s->assessment.counts.reassignments, 1);
}

TEST_F(PollerTest, CombinedPodAsksItsControllerWhenTheBrokerCannotForward) {
  // The active controller hung: the broker's forwarded DescribeQuorum waits
  // on it, while the other controllers elected a new leader.
  FakeKafkaWire controller;
  const ClusterMetadata healthy = Healthy();
  controller.SetQuorum(testing::QuorumInfoOf(*healthy.quorum));
  SnapshotStore store;
  Poller poller(wire_, &configs_, clock_, store, Options(), &controller);
  poller.PollOnce();
  EXPECT_EQ(controller.quorum_calls(), 0) << "asked only when the broker fails";

  wire_.SetQuorum(absl::DeadlineExceededError(
      "DescribeQuorum v2 to localhost:9092: timed out"));
  clock_.Advance(absl::Seconds(2));
  poller.PollOnce();
  auto s = store.Get();
  EXPECT_EQ(controller.quorum_calls(), 1);
  EXPECT_TRUE(s->last_error.empty()) << s->last_error;
  EXPECT_TRUE(s->assessment.broker_ok) << s->assessment.broker_reason;
  EXPECT_TRUE(s->assessment.ready) << s->assessment.ready_reason;
  EXPECT_EQ(s->cluster.controller_id, 0);
  EXPECT_EQ(wire_.reassignments_calls(), 1)
      << "forwarded to the active controller too: not asked while stuck";
  EXPECT_THAT(s->cluster.reassignments_error, HasSubstr("cannot forward"));

  // While the broker is stuck, the controller listener is asked first (a try
  // through the broker costs a request timeout) and the broker every 10th
  // poll.
  const int broker_tries = wire_.quorum_calls();
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(absl::Seconds(2));
    poller.PollOnce();
  }
  EXPECT_EQ(wire_.quorum_calls(), broker_tries + 1);
  EXPECT_EQ(controller.quorum_calls(), 11);
  // The broker forwards again: found at its next try, then asked first.
  wire_.SetQuorum(testing::QuorumInfoOf(*healthy.quorum));
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(absl::Seconds(2));
    poller.PollOnce();
  }
  EXPECT_EQ(wire_.quorum_calls(), broker_tries + 2);
  EXPECT_EQ(controller.quorum_calls(), 20);
  EXPECT_TRUE(store.Get()->cluster.reassignments_error.empty());
  clock_.Advance(absl::Seconds(2));
  poller.PollOnce();
  EXPECT_EQ(wire_.quorum_calls(), broker_tries + 3);
  EXPECT_EQ(controller.quorum_calls(), 20);

  // Neither answers (no leader yet, or this node is cut off): not serving,
  // the reason names both ways tried, and each is asked once per poll.
  wire_.SetQuorum(absl::DeadlineExceededError(
      "DescribeQuorum v2 to localhost:9092: timed out"));
  clock_.Advance(absl::Seconds(2));
  poller.PollOnce();  // through the controller listener again
  EXPECT_EQ(controller.quorum_calls(), 21);
  controller.SetQuorum(absl::DeadlineExceededError(
      "DescribeQuorum v2 to kafka-0:29093: timed out"));
  clock_.Advance(absl::Seconds(2));
  poller.PollOnce();
  EXPECT_EQ(controller.quorum_calls(), 22);
  EXPECT_EQ(wire_.quorum_calls(), broker_tries + 5);
  s = store.Get();
  EXPECT_FALSE(s->assessment.broker_ok);
  EXPECT_THAT(s->assessment.broker_reason,
              HasSubstr("localhost:9092: timed out; through this node's "
                        "controller listener: DescribeQuorum v2 to "
                        "kafka-0:29093: timed out"));
}

TEST_F(PollerTest, AMoveThatEndsBetweenMetadataAndTheListKeepsReadiness) {
  // Broker 2 is being added to a-0 and copies it.
  ClusterMetadata moving = Healthy();
  std::vector<PartitionState> ps = testing::States(moving);
  ps[0].replicas = {0, 1, 2};
  testing::SetPartitions(&moving, ps);
  testing::Answer(wire_, moving);
  wire_.SetReassignments(wire::ReassignmentsInfo{
      "localhost:9092", {{"a", 0, {0, 1, 2}, {2}, {}}}});
  poller_.PollOnce();
  EXPECT_TRUE(store_.Get()->assessment.ready)
      << store_.Get()->assessment.ready_reason;
  EXPECT_EQ(store_.Get()->assessment.counts.reassigning_here, 1);
  // The move ends: the controller's list is empty, but the broker's
  // metadata (read first) still has 2 out of the ISR.
  wire_.SetReassignments(wire::ReassignmentsInfo{"localhost:9092", {}});
  poller_.PollOnce();
  auto s = store_.Get();
  EXPECT_TRUE(s->assessment.ready) << s->assessment.ready_reason;
  EXPECT_THAT(s->cluster.reassignments, IsEmpty());
  EXPECT_EQ(s->assessment.counts.reassigning_here, 1);
  // A poll later, 2 still out of the ISR with no move: a lagging replica.
  poller_.PollOnce();
  s = store_.Get();
  EXPECT_FALSE(s->assessment.ready);
  EXPECT_THAT(s->assessment.ready_reason, HasSubstr("(a-0): still catching up"));
  EXPECT_EQ(s->assessment.counts.not_in_isr, 1);
}

TEST_F(PollerTest, ControllerOnlyPodAsksTheLocalControllerForTheQuorum) {
  PollerOptions o;
  o.roles = {1, /*broker=*/false, /*controller=*/true, /*voter_ids=*/{1}};
  o.local_address = "localhost:29093";
  SnapshotStore store;
  Poller poller(wire_, nullptr, clock_, store, o);
  wire_.SetApiVersions(wire::ApiVersionsInfo{});
  poller.PollOnce();
  auto s = store.Get();
  EXPECT_TRUE(s->has_data());
  EXPECT_TRUE(s->assessment.controller_ok) << s->assessment.controller_reason;
  EXPECT_TRUE(s->assessment.ready) << s->assessment.ready_reason;
  EXPECT_EQ(wire_.metadata_calls(), 0) << "a controller has no metadata API";

  wire_.SetApiVersions(absl::UnavailableError("connection refused"));
  poller.PollOnce();
  s = store.Get();
  EXPECT_FALSE(s->assessment.controller_ok);
  EXPECT_THAT(s->assessment.controller_reason, HasSubstr("quorum is unknown"));
}

TEST(ApplyMetadataTest, TopicsWithIllegalNamesAreLeftOut) {
  // Found by snapshot_fuzzer: a garbled answer's topic name (not UTF-8) made
  // GetStatus/ListPartitions unserializable.
  EXPECT_TRUE(IsLegalTopicName("test.topic_1-a"));
  EXPECT_FALSE(IsLegalTopicName(""));
  EXPECT_FALSE(IsLegalTopicName(".."));
  EXPECT_FALSE(IsLegalTopicName("a b"));
  EXPECT_FALSE(IsLegalTopicName("t\xff"));
  EXPECT_FALSE(IsLegalTopicName(std::string(250, 'a')));
  ClusterMetadata c = Healthy();
  wire::MetadataInfo md = testing::MetadataInfoOf(c);
  md.response.topics[0].name = "bad\xc3";
  md.response.cluster_id = "id\xff";
  ClusterMetadata out;
  MetadataTableBuilder table;  // the poller's path: topics as decoded
  wire::VisitMetadataTopics(md.response.topics, table);
  ApplyMetadata(md, table.Build(), &out);
  ASSERT_EQ(out.partitions.size(), 1u) << "only topic b is left";
  EXPECT_EQ(out.partitions[0].topic(), "b");
  EXPECT_EQ(out.cluster_id, "id?");
  EXPECT_TRUE(table.topic_errors().empty()) << "not an error: left out";
}

TEST_F(PollerTest, RunPollsEveryIntervalUntilStopped) {
  Notification stop;
  int sleeps = 0;
  clock_.OnSleep([&](MonoTime) {
    if (++sleeps == 5) stop.Notify();
  });
  const MonoTime start = clock_.Monotonic();
  poller_.Run(stop);
  EXPECT_EQ(wire_.metadata_calls(), 5);
  EXPECT_EQ(clock_.Monotonic() - start, absl::Seconds(8));
}

// A broker-only node (5) that hosts a replica of topic "a" alone of four
// topics: after a full fetch it asks for "a" only, until every topic is due.
class PartialPollTest : public ::testing::Test {
 protected:
  PartialPollTest() : poller_(wire_, nullptr, clock_, store_, Options()) {
    world_ = Cluster({0, 1, 2, 5}, {P("a", 0, 5, {5, 0}, {0, 5}, 0),
                                    P("b", 0, 0, {0, 1}, {0, 1}, 0),
                                    P("c", 0, 1, {1, 2}, {1, 2}, 0),
                                    P("d", 0, 2, {2, 0}, {0, 2}, 0)});
    testing::Answer(wire_, world_);
  }
  static PollerOptions Options() {
    PollerOptions o;
    o.roles = {5, /*broker=*/true, /*controller=*/false,
               /*voter_ids=*/{0, 1, 2}};
    o.local_address = "localhost:9092";
    o.interval = absl::Seconds(2);
    o.all_topics_every = absl::Seconds(30);
    o.narrow_from_partitions = 0;  // narrows at any size
    return o;
  }
  // Changes the world the fake broker answers with.
  void Set(const std::string& topic, std::vector<int32_t> isr) {
    std::vector<PartitionState> ps = testing::States(world_);
    for (PartitionState& p : ps) {
      if (p.topic == topic) p.isr = isr;
    }
    testing::SetPartitions(&world_, ps);
    wire_.SetMetadata(testing::MetadataInfoOf(world_));
  }
  std::vector<int32_t> IsrOf(const std::string& topic) {
    auto p = store_.Get()->cluster.partitions.Find(topic, 0);
    if (!p) return {-1};
    return p->ToState().isr;
  }
  void Poll() {
    clock_.Advance(absl::Seconds(2));
    poller_.PollOnce();
  }

  ClusterMetadata world_;
  FakeKafkaWire wire_;
  SimulatedClock clock_;
  SnapshotStore store_;
  Poller poller_;
};

TEST_F(PartialPollTest, AsksForItsOwnTopicsBetweenFullFetches) {
  poller_.PollOnce();
  const absl::Time full_at = clock_.Now();
  Poll();
  EXPECT_THAT(wire_.metadata_topics(),
              ElementsAre(ElementsAre("*"), ElementsAre("a")));
  auto s = store_.Get();
  EXPECT_EQ(s->cluster.partitions.size(), 4u) << "the others kept";
  EXPECT_FALSE(s->cluster.fetch.all_topics);
  EXPECT_EQ(s->cluster.fetch.topics_asked, 1);
  EXPECT_EQ(s->cluster.fetch.all_topics_at, full_at);
  EXPECT_EQ(s->assessment.counts.topics, 4);

  // Its own partition is current at every poll; another topic is as of the
  // latest full fetch.
  Set("a", {0});
  Set("b", {0});
  Poll();
  EXPECT_EQ(IsrOf("a"), (std::vector<int32_t>{0}));
  EXPECT_FALSE(store_.Get()->assessment.ready) << "5 left a's ISR";
  EXPECT_EQ(IsrOf("b"), (std::vector<int32_t>{0, 1})) << "not asked yet";
  EXPECT_EQ(store_.Get()->assessment.counts.under_replicated, 1);

  // Every topic again once 30s have passed since the last full fetch.
  while (clock_.Now() - full_at < absl::Seconds(30)) Poll();
  EXPECT_THAT(wire_.metadata_topics().back(), ElementsAre("*"));
  EXPECT_EQ(IsrOf("b"), (std::vector<int32_t>{0}));
  EXPECT_TRUE(store_.Get()->cluster.fetch.all_topics);
  EXPECT_EQ(store_.Get()->assessment.counts.under_replicated, 2);
  for (const auto& asked : wire_.metadata_topics()) {
    if (asked != std::vector<std::string>{"*"}) {
      EXPECT_THAT(asked, ElementsAre("a"));
    }
  }
}

TEST_F(PartialPollTest, ReassignedTopicsAreAskedFromTheNextPoll) {
  poller_.PollOnce();
  wire_.SetReassignments(wire::ReassignmentsInfo{
      "localhost:9092", {{"c", 0, {1, 2, 0}, {0}, {}}}});
  Poll();  // learns of the reassignment
  EXPECT_THAT(wire_.metadata_topics().back(), ElementsAre("a"));
  Set("c", {1, 2, 0});
  Poll();
  EXPECT_THAT(wire_.metadata_topics().back(), ElementsAre("a", "c"));
  EXPECT_EQ(IsrOf("c"), (std::vector<int32_t>{0, 1, 2}));
  // Done: asked once more (its final state), then no more.
  wire_.SetReassignments(wire::ReassignmentsInfo{"localhost:9092", {}});
  Poll();
  EXPECT_THAT(wire_.metadata_topics().back(), ElementsAre("a", "c"));
  Poll();
  EXPECT_THAT(wire_.metadata_topics().back(), ElementsAre("a"));
}

TEST_F(PartialPollTest, ADeletedTopicGoesAtOnce) {
  poller_.PollOnce();
  std::vector<PartitionState> ps = testing::States(world_);
  ps.erase(ps.begin());  // topic "a"
  testing::SetPartitions(&world_, ps);
  wire_.SetMetadata(testing::MetadataInfoOf(world_));
  Poll();
  EXPECT_THAT(wire_.metadata_topics().back(), ElementsAre("a"));
  EXPECT_EQ(IsrOf("a"), (std::vector<int32_t>{-1})) << "answered unknown";
  EXPECT_EQ(store_.Get()->cluster.partitions.size(), 3u);
  // Hosting nothing now, it asks for no topic at all (brokers only).
  Poll();
  EXPECT_THAT(wire_.metadata_topics().back(), ::testing::IsEmpty());
  EXPECT_EQ(store_.Get()->cluster.partitions.size(), 3u);
}

TEST_F(PartialPollTest, HostingHalfOrMoreAsksForEverythingEveryPoll) {
  world_ = Cluster({0, 5}, {P("a", 0, 5, {5, 0}, {0, 5}, 0),
                            P("b", 0, 0, {0, 5}, {0, 5}, 0),
                            P("c", 0, 0, {0}, {0}, 0)});
  testing::Answer(wire_, world_);
  poller_.PollOnce();
  Poll();
  Poll();
  for (const auto& asked : wire_.metadata_topics()) {
    EXPECT_THAT(asked, ElementsAre("*"));
  }
}

TEST_F(PartialPollTest, ASmallClusterGetsEveryTopicEveryPoll) {
  PollerOptions o = Options();
  o.narrow_from_partitions = 5;  // the cluster has 4
  Poller poller(wire_, /*configs=*/nullptr, clock_, store_, o);
  poller.PollOnce();
  Poll();
  // A topic created since the last poll is there at the next one.
  std::vector<PartitionState> ps = testing::States(world_);
  ps.push_back(P("e", 0, 5, {5, 0}, {0}, 0));
  testing::SetPartitions(&world_, ps);
  wire_.SetMetadata(testing::MetadataInfoOf(world_));
  clock_.Advance(absl::Seconds(2));
  poller.PollOnce();
  for (const auto& asked : wire_.metadata_topics()) {
    EXPECT_THAT(asked, ElementsAre("*"));
  }
  EXPECT_EQ(IsrOf("e"), (std::vector<int32_t>{0}));
  EXPECT_FALSE(store_.Get()->assessment.ready) << "5 is not in e's ISR";
}

TEST_F(PartialPollTest, TrafficIsCarriedInTheSnapshot) {
  wire_.SetTraffic({{wire::kMetadata, {3, 300, 30000}}});
  poller_.PollOnce();
  const KafkaTraffic& t = store_.Get()->traffic;
  ASSERT_EQ(t.wire.count(wire::kMetadata), 1u);
  EXPECT_EQ(t.wire.at(wire::kMetadata).bytes_received, 30000);
  EXPECT_EQ(t.since, clock_.Now());
}

}  // namespace
}  // namespace kafka_agent
