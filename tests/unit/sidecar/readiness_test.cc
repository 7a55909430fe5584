#include "agent/sidecar/readiness.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/sidecar/kafka_fakes.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::Cluster;
using ::kafka_agent::testing::P;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

ClusterMetadata Healthy() { return testing::TutorialHealthy(); }
ClusterMetadata Node2Down() { return testing::TutorialNode2Down(); }

TEST(ReadinessTest, ReadyWhenRegisteredAndInEveryIsr) {
  for (int node : {0, 1, 2}) {
    Assessment r = Assess(Healthy(), testing::Roles(node));
    EXPECT_TRUE(r.broker_ok);
    EXPECT_TRUE(r.ready) << r.ready_reason;
    EXPECT_THAT(r.ready_reason, HasSubstr("all its 3 partitions"));
  }
}

TEST(ReadinessTest, StoppedBrokerIsNotRegistered) {
  Assessment r = Assess(Node2Down(), testing::Roles(2));
  EXPECT_FALSE(r.broker_ok);
  EXPECT_FALSE(r.ready);
  EXPECT_THAT(r.ready_reason, HasSubstr("broker 2 is not registered"));
  EXPECT_THAT(r.ready_reason, HasSubstr("[0,1]"));
  // The others stay ready: they are in every ISR.
  EXPECT_TRUE(Assess(Node2Down(), testing::Roles(0)).ready);
  EXPECT_TRUE(Assess(Node2Down(), testing::Roles(1)).ready);
}

TEST(ReadinessTest, RestartedBrokerIsReadyOnlyOnceBackInEveryIsr) {
  // Registered again, but back in the ISR of only one partition.
  ClusterMetadata c = Cluster({0, 1, 2}, {P("test", 0, 1, {1, 2, 0}, {0, 1, 2}, 2),
                                          P("test", 1, 0, {2, 0, 1}, {0, 1}, 2),
                                          P("test", 2, 0, {0, 1, 2}, {0, 1}, 2)});
  Assessment r = Assess(c, testing::Roles(2));
  EXPECT_TRUE(r.broker_ok);
  EXPECT_FALSE(r.ready);
  EXPECT_THAT(r.lagging, SizeIs(2));
  EXPECT_THAT(r.ready_reason, HasSubstr("not in the ISR of 2 of its 3 partitions "
                                  "(test-1, test-2)"));
  EXPECT_TRUE(Assess(Healthy(), testing::Roles(2)).ready);
}

TEST(ReadinessTest, OfflinePartitionsDoNotBlockReadiness) {
  // A partition whose leader is gone cannot be caught up with; waiting for
  // it would block a rolling restart forever.
  ClusterMetadata c = Cluster({0, 1, 2}, {P("t", 0, -1, {2, 3}, {3}, 2),
                                          P("t", 1, 0, {0, 2}, {0, 2}, 1)});
  EXPECT_TRUE(Assess(c, testing::Roles(2)).ready);
}

TEST(ReadinessTest, BrokerWithoutPartitionsIsReadyWhenRegistered) {
  ClusterMetadata c = Cluster({0, 1, 2, 3}, {P("t", 0, 0, {0, 1, 2}, {0, 1, 2}, 2)});
  EXPECT_TRUE(Assess(c, testing::Roles(3)).ready);
  EXPECT_FALSE(Assess(c, testing::Roles(4)).broker_ok);
}

struct SafetyCase {
  const char* name;
  ClusterMetadata cluster;
  int node;
  bool safe;
  size_t at_risk;
  const char* says;
};

class RestartSafetyTest : public ::testing::TestWithParam<SafetyCase> {};

TEST_P(RestartSafetyTest, Table) {
  const SafetyCase& c = GetParam();
  RestartSafety s = EvaluateRestartSafety(c.cluster, c.node);
  EXPECT_EQ(s.safe, c.safe) << s.reason;
  EXPECT_THAT(s.at_risk, SizeIs(c.at_risk));
  EXPECT_THAT(s.reason, HasSubstr(c.says));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RestartSafetyTest,
    ::testing::Values(
        SafetyCase{"HealthyClusterAnyNode", Healthy(), 1, true, 0,
                   "keeps every partition"},
        SafetyCase{"Node2DownStoppingNode1", Node2Down(), 1, false, 3,
                   "3 partition(s)"},
        SafetyCase{"Node2DownStoppingNode2AgainIsSafe", Node2Down(), 2, true, 0,
                   "keeps every partition"},
        SafetyCase{"MinIsr1AllowsDownToOne",
                   Cluster({0, 1}, {P("t", 0, 0, {0, 1}, {0, 1}, 1)}), 1, true,
                   0, "keeps"},
        SafetyCase{"LastInSyncReplicaGoesOffline",
                   Cluster({0}, {P("t", 0, 0, {0, 1}, {0}, 1)}), 0, false, 1,
                   "t-0"},
        SafetyCase{"UnknownMinIsrOnlyGuardsAgainstOffline",
                   Cluster({0, 1}, {P("t", 0, 0, {0, 1, 2}, {0, 1}, 0)}), 0,
                   true, 0, "keeps"},
        SafetyCase{"NotInIsrCostsNothing",
                   Cluster({0, 1, 2}, {P("t", 0, 0, {0, 1, 2}, {0, 1}, 2)}), 2,
                   true, 0, "keeps"},
        SafetyCase{"AlreadyUnderMinIsr",
                   Cluster({0, 1, 2}, {P("t", 0, 0, {0, 1, 2}, {0}, 2)}), 1,
                   true, 0, "keeps"}),
    [](const auto& info) { return info.param.name; });

TEST(RestartSafetyTest, ListsWhatWouldFallBelow) {
  RestartSafety s = EvaluateRestartSafety(Node2Down(), 0);
  ASSERT_THAT(s.at_risk, SizeIs(3));
  EXPECT_EQ(s.at_risk_count, 3u);
  EXPECT_EQ(s.at_risk[0].partition.topic, "test");
  EXPECT_EQ(s.at_risk[0].partition.partition, 0);
  EXPECT_EQ(s.at_risk[0].isr_after, 1);
  EXPECT_EQ(s.at_risk[0].reason, "under min.insync.replicas (1 < 2)");
}

TEST(RestartSafetyTest, ListsTheFirstFewAndCountsAll) {
  std::vector<PartitionState> ps;
  for (int i = 0; i < 250; ++i) ps.push_back(P("big", i, 0, {0, 1}, {0}, 1));
  RestartSafety s = EvaluateRestartSafety(Cluster({0, 1}, ps), 0, {},
                                          ReadinessOptions(), 10);
  EXPECT_FALSE(s.safe);
  EXPECT_EQ(s.at_risk_count, 250u);
  ASSERT_THAT(s.at_risk, SizeIs(10));
  EXPECT_EQ(s.at_risk[9].partition.partition, 9);
  EXPECT_THAT(s.reason, HasSubstr("would leave 250 partition(s) below "
                                  "min.insync.replicas or offline: big-0, "
                                  "big-1, big-2, big-3, big-4 and 245 more"));
}

TEST(RestartSafetyTest, TheAssessmentListsAtMostKMaxAtRiskListed) {
  // Every snapshot carries this node's restart safety (/metrics, /prestop):
  // bounded at any cluster size, with the whole count.
  std::vector<PartitionState> ps;
  for (int i = 0; i < 250; ++i) ps.push_back(P("big", i, 0, {0, 1}, {0}, 1));
  const Assessment a = Assess(Cluster({0, 1}, ps), testing::Roles(0));
  EXPECT_FALSE(a.restart.safe);
  EXPECT_EQ(a.restart.at_risk_count, 250u);
  ASSERT_THAT(a.restart.at_risk, SizeIs(kMaxAtRiskListed));
  EXPECT_EQ(a.restart.at_risk.back().partition.topic, "big");
  EXPECT_EQ(a.restart.at_risk.back().partition.partition,
            static_cast<int32_t>(kMaxAtRiskListed) - 1);
}

// Issue 8 / 12: the quorum's truth, not the broker's own cache.
TEST(ReadinessTest, LocalBrokerThatDoesNotAnswerIsNotServing) {
  ClusterMetadata c = Healthy();
  c.local = {"localhost:9092", false, "connect: Connection refused"};
  Assessment a = Assess(c, testing::Roles(2));
  EXPECT_FALSE(a.broker_ok);
  EXPECT_FALSE(a.ready);
  EXPECT_THAT(a.broker_reason, HasSubstr("does not answer on localhost:9092"));
  EXPECT_TRUE(a.controller_ok) << "the quorum itself is fine";
}

TEST(ReadinessTest, BrokerWhoseMetadataLagsTheQuorumIsNotServing) {
  ClusterMetadata c = Healthy();
  // Voter 2 (a combined node) last caught up 10s before the leader.
  c.quorum->voters[2].last_caught_up_ms = testing::kLeaderNowMs - 10000;
  Assessment a = Assess(c, testing::Roles(2));
  EXPECT_FALSE(a.broker_ok);
  EXPECT_THAT(a.broker_reason, HasSubstr("10000ms behind quorum leader 0"));
  EXPECT_FALSE(a.controller_ok);
  EXPECT_THAT(a.controller_reason, HasSubstr("10000ms behind (limit 2000ms)"));
  EXPECT_EQ(a.metadata_lag_ms, 10000);
  // A broker-only node is an observer: 9s limit.
  ClusterMetadata d = Cluster({0, 1, 2, 3}, {});
  d.quorum->observers[0].last_caught_up_ms = testing::kLeaderNowMs - 8000;
  EXPECT_TRUE(Assess(d, testing::Roles(3)).broker_ok);
  d.quorum->observers[0].last_caught_up_ms = testing::kLeaderNowMs - 9000;
  EXPECT_FALSE(Assess(d, testing::Roles(3)).broker_ok);
  d.quorum->observers.clear();
  EXPECT_THAT(Assess(d, testing::Roles(3)).broker_reason,
              HasSubstr("not among the quorum's observers"));
}

TEST(ReadinessTest, QuorumUnknownOrLeaderlessIsNotServing) {
  ClusterMetadata c = Healthy();
  c.quorum.reset();
  c.quorum_error = "DescribeQuorum: timed out";
  Assessment a = Assess(c, testing::Roles(1));
  EXPECT_FALSE(a.broker_ok);
  EXPECT_FALSE(a.controller_ok);
  EXPECT_THAT(a.ready_reason, HasSubstr("cannot reach the KRaft quorum"));
  EXPECT_THAT(a.ready_reason, HasSubstr("quorum is unknown"));
  c = Healthy();
  c.quorum->leader_id = -1;
  a = Assess(c, testing::Roles(1));
  EXPECT_FALSE(a.controller_ok);
  EXPECT_THAT(a.controller_reason, HasSubstr("has no leader"));
}

TEST(ReadinessTest, FencedBrokerIsNotServing) {
  ClusterMetadata c = Healthy();
  c.registration->brokers[2].fenced = true;
  Assessment a = Assess(c, testing::Roles(2));
  EXPECT_FALSE(a.broker_ok);
  EXPECT_THAT(a.broker_reason, HasSubstr("fenced by the controllers"));
  EXPECT_TRUE(a.controller_ok) << "its controller can still be a voter";
}

TEST(ReadinessTest, ControllerOnlyAndBrokerOnlyRoles) {
  ClusterMetadata c = Healthy();
  Assessment ctrl = Assess(c, {1, /*broker=*/false, /*controller=*/true, {}});
  EXPECT_TRUE(ctrl.ready) << ctrl.ready_reason;
  EXPECT_THAT(ctrl.ready_reason, HasSubstr("caught up with leader 0"));
  c.quorum->voters[1].last_caught_up_ms = testing::kLeaderNowMs - 2500;
  EXPECT_FALSE(Assess(c, {1, false, true, {}}).ready);
  // Not a voter at all.
  EXPECT_THAT(Assess(c, {7, false, true, {}}).controller_reason,
              HasSubstr("not a voter"));
}

TEST(ReadinessTest, ControllerWithoutACaughtUpMajorityIsNotServing) {
  ClusterMetadata c = Healthy();
  // Voter 2 stopped fetching 2.5s ago: the leader 0 and voter 1 are a
  // majority of 3, so every caught-up voter stays SERVING.
  c.quorum->voters[2].last_caught_up_ms = testing::kLeaderNowMs - 2500;
  EXPECT_TRUE(Assess(c, {0, false, true, {}}).controller_ok);
  EXPECT_TRUE(Assess(c, {1, false, true, {}}).controller_ok);
  // Voter 1 too: the leader still names itself, but alone it commits nothing.
  c.quorum->voters[1].last_caught_up_ms = testing::kLeaderNowMs - 2100;
  Assessment a = Assess(c, {0, false, true, {}});
  EXPECT_FALSE(a.controller_ok);
  EXPECT_FALSE(a.ready);
  EXPECT_THAT(a.controller_reason,
              HasSubstr("no caught-up majority: 1 of 3 voters within 2000ms of "
                        "leader 0 (a quorum needs 2"));
}

TEST(ReadinessTest, ReplicaBeingAddedByAReassignmentDoesNotHoldReadiness) {
  // Broker 2 was just added to test-0's replicas; it is copying.
  ClusterMetadata c = Cluster({0, 1, 2}, {P("test", 0, 0, {0, 1, 2}, {0, 1}, 2),
                                          P("test", 1, 1, {1, 2}, {1}, 1)});
  c.reassignments.push_back({"test", 0, {0, 1, 2}, {2}, {}});
  Assessment a = Assess(c, testing::Roles(2));
  EXPECT_TRUE(a.broker_ok);
  EXPECT_FALSE(a.ready) << "test-1 is a real lag";
  EXPECT_THAT(a.ready_reason, HasSubstr("(test-1)"));
  EXPECT_EQ(a.counts.reassigning_here, 1);
  EXPECT_EQ(a.counts.not_in_isr, 1);
  std::vector<PartitionState> ps = testing::States(c);
  ps[1].isr = {1, 2};
  testing::SetPartitions(&c, ps);
  a = Assess(c, testing::Roles(2));
  EXPECT_TRUE(a.ready) << a.ready_reason;
  // Counted once: in the ISR of test-1, still being added to test-0.
  EXPECT_THAT(a.ready_reason,
              HasSubstr("in the ISR of all its 1 partition with an online "
                        "leader (1 more still being added by a reassignment)"));
}

TEST(ReadinessTest, ReplicaOfAMoveThatJustEndedCountsAsAddedForOnePoll) {
  // The controller's list no longer has test-0 (the move ended between the
  // Metadata request and the list), but the broker's metadata still shows 2
  // out of the ISR: the list of the poll before still says it was being
  // added.
  ClusterMetadata c =
      Cluster({0, 1, 2}, {P("test", 0, 0, {0, 1, 2}, {0, 1}, 2)});
  c.reassignments_before.push_back({"test", 0, {0, 1, 2}, {2}, {}});
  Assessment a = Assess(c, testing::Roles(2));
  EXPECT_TRUE(a.ready) << a.ready_reason;
  EXPECT_EQ(a.counts.reassigning_here, 1);
  EXPECT_EQ(a.counts.not_in_isr, 0);
  EXPECT_EQ(a.counts.reassignments, 0) << "only this poll's list is shown";
  // Only the replicas that were being added: a replica being removed, or
  // another node, is not excused.
  c.reassignments_before[0].adding = {1};
  a = Assess(c, testing::Roles(2));
  EXPECT_FALSE(a.ready);
  EXPECT_THAT(a.ready_reason, HasSubstr("not in the ISR of 1"));
  c.reassignments_before.clear();
  EXPECT_FALSE(Assess(c, testing::Roles(2)).ready);
}

TEST(RestartSafetyTest, QuorumRuleForVoters) {
  ClusterMetadata c = Healthy();
  EXPECT_TRUE(EvaluateRestartSafety(c, 1).safe);
  // Voter 2 is behind: stopping 1 leaves only the leader 0 caught up.
  c.quorum->voters[2].last_caught_up_ms = testing::kLeaderNowMs - 5000;
  RestartSafety s = EvaluateRestartSafety(c, 1);
  EXPECT_FALSE(s.safe);
  EXPECT_TRUE(s.quorum_at_risk);
  EXPECT_THAT(s.reason, HasSubstr("would leave 1 caught-up voter(s) of 3; a "
                                  "quorum needs 2"));
  // A broker-only node is no voter.
  EXPECT_TRUE(EvaluateRestartSafety(c, 5).safe);
  // Unknown quorum: a voter (per the voters string) cannot be judged safe.
  c.quorum.reset();
  c.quorum_error = "timed out";
  EXPECT_FALSE(EvaluateRestartSafety(c, 1, {0, 1, 2}).safe);
  // A broker either: no active controller would move its leaderships.
  s = EvaluateRestartSafety(c, 4, {0, 1, 2});
  EXPECT_FALSE(s.safe);
  EXPECT_TRUE(s.quorum_at_risk);
  EXPECT_THAT(s.reason, HasSubstr("the KRaft quorum is unknown (timed out): "
                                  "no active controller would move broker 4"));
  c = Healthy();
  c.quorum->leader_id = -1;
  s = EvaluateRestartSafety(c, 5);
  EXPECT_FALSE(s.safe);
  EXPECT_THAT(s.reason, HasSubstr("has no leader"));
}

TEST(ReadinessTest, CountsClusterAndLocal) {
  ClusterMetadata c = Node2Down();
  testing::AddPartition(&c, P("offline", 0, -1, {2}, {2}, 1));
  PartitionCounts n = Assess(c, testing::Roles(0)).counts;
  EXPECT_EQ(n.topics, 2);
  EXPECT_EQ(n.partitions, 4);
  EXPECT_EQ(n.partitions_led, 2);
  EXPECT_EQ(n.replicas_hosted, 3);
  EXPECT_EQ(n.under_replicated, 3);
  EXPECT_EQ(n.under_min_isr, 0);
  EXPECT_EQ(n.offline, 1);
  EXPECT_EQ(n.not_in_isr, 0);
  EXPECT_EQ(Assess(c, testing::Roles(2)).counts.not_in_isr, 3);
}

TEST(FilterTest, Matches) {
  const Partitions table =
      Partitions::FromStates({P("test", 0, 1, {1, 2, 0}, {0, 1}, 2),
                              P("__consumer_offsets", 0, 1, {1}, {1}, 1)});
  const PartitionRef internal = table[0];  // sorted: "__" first
  const PartitionRef p = table[1];
  EXPECT_TRUE(Matches({}, p));
  PartitionFilter f;
  f.under_replicated = true;
  EXPECT_TRUE(Matches(f, p));
  EXPECT_FALSE(Matches(f, internal));
  f = {};
  f.under_min_isr = true;
  EXPECT_FALSE(Matches(f, p));
  f = {};
  f.topic = "other";
  EXPECT_FALSE(Matches(f, p));
  f = {};
  f.node = 2;
  EXPECT_TRUE(Matches(f, p));
  EXPECT_FALSE(Matches(f, internal));
  f = {};
  f.exclude_internal = true;
  EXPECT_FALSE(Matches(f, internal));
  f = {};
  f.offline = true;
  EXPECT_FALSE(Matches(f, p));
}

TEST(PartitionListTest, Truncates) {
  std::vector<PartitionState> states;
  for (int i = 0; i < 7; ++i) states.push_back(P("t", i, 0, {0}, {0}, 1));
  const Partitions ps = Partitions::FromStates(states);
  EXPECT_EQ(PartitionList(ps, {0, 1, 2, 3, 4, 5, 6}, 3),
            "t-0, t-1, t-2 and 4 more");
  EXPECT_EQ(PartitionList(ps, {4, 5}, 3, 100), "t-4, t-5 and 98 more");
  EXPECT_EQ(PartitionList(ps, {}, 3), "");
}

}  // namespace
}  // namespace kafka_agent
