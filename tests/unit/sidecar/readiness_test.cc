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
    Assessment r = Assess(Healthy(), node);
    EXPECT_TRUE(r.registered);
    EXPECT_TRUE(r.ready) << r.ready_reason;
    EXPECT_THAT(r.ready_reason, HasSubstr("all its 3 partitions"));
  }
}

TEST(ReadinessTest, StoppedBrokerIsNotRegistered) {
  Assessment r = Assess(Node2Down(), 2);
  EXPECT_FALSE(r.registered);
  EXPECT_FALSE(r.ready);
  EXPECT_THAT(r.ready_reason, HasSubstr("broker 2 is not registered"));
  EXPECT_THAT(r.ready_reason, HasSubstr("[0,1]"));
  // The others stay ready: they are in every ISR.
  EXPECT_TRUE(Assess(Node2Down(), 0).ready);
  EXPECT_TRUE(Assess(Node2Down(), 1).ready);
}

TEST(ReadinessTest, RestartedBrokerIsReadyOnlyOnceBackInEveryIsr) {
  // Registered again, but back in the ISR of only one partition.
  ClusterMetadata c = Cluster({0, 1, 2}, {P("test", 0, 1, {1, 2, 0}, {0, 1, 2}, 2),
                                          P("test", 1, 0, {2, 0, 1}, {0, 1}, 2),
                                          P("test", 2, 0, {0, 1, 2}, {0, 1}, 2)});
  Assessment r = Assess(c, 2);
  EXPECT_TRUE(r.registered);
  EXPECT_FALSE(r.ready);
  EXPECT_THAT(r.lagging, SizeIs(2));
  EXPECT_THAT(r.ready_reason, HasSubstr("not in the ISR of 2 of its 3 partitions "
                                  "(test-1, test-2)"));
  EXPECT_TRUE(Assess(Healthy(), 2).ready);
}

TEST(ReadinessTest, OfflinePartitionsDoNotBlockReadiness) {
  // A partition whose leader is gone cannot be caught up with; waiting for
  // it would block a rolling restart forever.
  ClusterMetadata c = Cluster({0, 1, 2}, {P("t", 0, -1, {2, 3}, {3}, 2),
                                          P("t", 1, 0, {0, 2}, {0, 2}, 1)});
  EXPECT_TRUE(Assess(c, 2).ready);
}

TEST(ReadinessTest, BrokerWithoutPartitionsIsReadyWhenRegistered) {
  ClusterMetadata c = Cluster({0, 1, 2, 3}, {P("t", 0, 0, {0, 1, 2}, {0, 1, 2}, 2)});
  EXPECT_TRUE(Assess(c, 3).ready);
  EXPECT_FALSE(Assess(c, 4).registered);
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
  EXPECT_EQ(s.at_risk[0].partition.topic, "test");
  EXPECT_EQ(s.at_risk[0].isr_after, 1);
  EXPECT_EQ(s.at_risk[0].reason, "under min.insync.replicas (1 < 2)");
}

TEST(ReadinessTest, CountsClusterAndLocal) {
  ClusterMetadata c = Node2Down();
  c.partitions.push_back(P("offline", 0, -1, {2}, {2}, 1));
  PartitionCounts n = Assess(c, 0).counts;
  EXPECT_EQ(n.topics, 2);
  EXPECT_EQ(n.partitions, 4);
  EXPECT_EQ(n.partitions_led, 2);
  EXPECT_EQ(n.replicas_hosted, 3);
  EXPECT_EQ(n.under_replicated, 3);
  EXPECT_EQ(n.under_min_isr, 0);
  EXPECT_EQ(n.offline, 1);
  EXPECT_EQ(n.not_in_isr, 0);
  EXPECT_EQ(Assess(c, 2).counts.not_in_isr, 3);
}

TEST(FilterTest, Matches) {
  PartitionState p = P("test", 0, 1, {1, 2, 0}, {0, 1}, 2);
  PartitionState internal = P("__consumer_offsets", 0, 1, {1}, {1}, 1);
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
  std::vector<PartitionState> ps;
  for (int i = 0; i < 7; ++i) ps.push_back(P("t", i, 0, {0}, {0}, 1));
  EXPECT_EQ(PartitionList(ps, 3), "t-0, t-1, t-2 and 4 more");
  EXPECT_EQ(PartitionList({}, 3), "");
}

}  // namespace
}  // namespace kafka_agent
