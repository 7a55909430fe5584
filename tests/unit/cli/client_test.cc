#include "agent/cli/client.h"

#include "agent/sidecar/health.h"
#include "agent/sidecar/report.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/unit/sidecar/kafka_fakes.h"

namespace kafka_agent {
namespace {

using ::testing::HasSubstr;

Snapshot Snap(ClusterMetadata c, int32_t node, MonoTime t) {
  return testing::SnapshotOf(std::move(c), node, t);
}

// The health a server with a 2s poll interval evaluates at `now`.
HealthReport HealthAt(const Snapshot& s, MonoTime now) {
  HealthOptions o;
  o.poll_interval = absl::Seconds(2);
  o.started_at = testing::kSimMonoStart;
  return EvaluateHealth(s, now, o);
}

TEST(ClientFormatTest, PartitionTableLooksLikeKafkaTopicsDescribe) {
  ClusterMetadata c = testing::TutorialNode2Down();
  testing::AddPartition(&c, testing::P("gone", 0, -1, {2}, {}, 0));
  auto r = BuildListPartitions(Snap(c, 0, testing::kSimMonoStart), {});
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string table = FormatPartitionTable(*r);
  EXPECT_THAT(table, HasSubstr("TOPIC  PARTITION  LEADER  REPLICAS      ISR"));
  EXPECT_THAT(table, HasSubstr("test           0       1  1,2,0         0,1 "
                               "                2  under-replicated\n"));
  EXPECT_THAT(table, HasSubstr("gone           0    none  2"));
  EXPECT_THAT(table, HasSubstr("?  offline,under-replicated\n"));
}

TEST(ClientFormatTest, SummaryAndRestartSafety) {
  const Identity id = testing::TutorialIdentity("kafka-1");
  StatusContext ctx{&id, "localhost:9092", absl::Seconds(2)};
  const MonoTime t = testing::kSimMonoStart;
  const Snapshot snap = Snap(testing::TutorialNode2Down(), 1, t);
  v1::AgentStatus s = BuildAgentStatus(
      ctx, snap, HealthAt(snap, t + absl::Milliseconds(250)));
  const std::string summary = FormatStatusSummary(s);
  EXPECT_THAT(summary, HasSubstr("agent    kafka-1 (node.id 1, broker,controller)"));
  EXPECT_THAT(summary, HasSubstr("brokers [0,1]"));
  EXPECT_THAT(summary, HasSubstr("ready    yes: broker 1 is registered"));
  EXPECT_THAT(summary, HasSubstr("3 partitions in 1 topic;"));
  EXPECT_THAT(summary, HasSubstr("cluster: 3 under-replicated, 0 under min ISR"));
  EXPECT_THAT(summary, HasSubstr("snapshot 0.25s old\n"));

  auto safety = BuildRestartSafety(ctx, snap, HealthAt(snap, t), {});
  ASSERT_TRUE(safety.ok());
  const std::string text = FormatRestartSafety(*safety);
  EXPECT_THAT(text, HasSubstr("UNSAFE: stopping broker 1 now would leave 3"));
  EXPECT_THAT(text, HasSubstr("  test-0: isr [0,1] -> 1 left; under "
                              "min.insync.replicas (1 < 2)\n"));
}

TEST(ClientFormatTest, RestartSafetyAfterAWait) {
  const MonoTime t = testing::kSimMonoStart;
  Snapshot snap = Snap(testing::TutorialNode2Down(), 1, t);
  PrestopResult r;
  r.outcome = PrestopOutcome::kTimedOut;
  r.node = 1;
  r.waited = r.timeout = absl::Seconds(30);
  r.last = JudgeStop(snap, t, absl::Seconds(2), 1);
  r.waited_for = {"test-0", "test-1", "test-2"};
  const std::string text = FormatRestartSafety(BuildRestartWait(r, snap));
  EXPECT_THAT(text, ::testing::StartsWith(
                        "UNSAFE: gave up after 30s (timeout 30s): not safe: "
                        "stopping broker 1 now would leave 3"));
  EXPECT_THAT(text, HasSubstr("  test-2: isr [0,1] -> 1 left"));

  r.outcome = PrestopOutcome::kSafe;
  r.last = JudgeStop(Snap(testing::TutorialHealthy(), 1, t), t,
                     absl::Seconds(2), 1);
  EXPECT_THAT(FormatRestartSafety(BuildRestartWait(r, snap)),
              ::testing::StartsWith("safe after 30s: stopping broker 1 keeps"));
}

TEST(ClientFormatTest, ReassignmentsInProgressAreShown) {
  const Identity id = testing::TutorialIdentity("kafka-2");
  StatusContext ctx{&id, "localhost:9092", absl::Seconds(2)};
  const MonoTime t = testing::kSimMonoStart;
  // Broker 2 is being added to moving-0 and copies it.
  ClusterMetadata c = testing::TutorialHealthy();
  testing::AddPartition(&c, testing::P("moving", 0, 0, {0, 1, 2}, {0, 1}, 0));
  c.reassignments.push_back({"moving", 0, {0, 1, 2}, {2}, {}});
  const Snapshot snap = Snap(c, 2, t);
  v1::AgentStatus s = BuildAgentStatus(ctx, snap, HealthAt(snap, t));
  const std::string summary = FormatStatusSummary(s);
  EXPECT_THAT(summary, HasSubstr("ready    yes: "));
  EXPECT_THAT(summary, HasSubstr("(1 more still being added by a reassignment)"));
  EXPECT_THAT(summary, HasSubstr("\nreassign 1 in progress: moving-0 adding [2] "
                                 "removing []\n"));
  EXPECT_THAT(summary, HasSubstr("0 not in ISR, 1 being added by a "
                                 "reassignment; cluster:"));
}

TEST(ClientFormatTest, StaleSnapshotIsSaidSo) {
  const Identity id = testing::TutorialIdentity("kafka-0");
  StatusContext ctx{&id, "localhost:9092", absl::Seconds(2)};
  const MonoTime t = testing::kSimMonoStart;
  Snapshot snap = Snap(testing::TutorialHealthy(), 0, t);
  snap.last_error = "metadata request: Local: Timed out";
  v1::AgentStatus s =
      BuildAgentStatus(ctx, snap, HealthAt(snap, t + absl::Seconds(10)));
  EXPECT_FALSE(s.ready());
  EXPECT_THAT(FormatStatusSummary(s),
              HasSubstr("old (STALE); last error: metadata request: Local: "
                        "Timed out"));
  EXPECT_FALSE(
      BuildRestartSafety(ctx, snap, HealthAt(snap, t + absl::Seconds(10)), {})
          .ok());
}

TEST(ClientFormatTest, OnlyAConnectionFailureAsksWhetherTheAgentRuns) {
  ClientOptions o;
  o.addr = "kafka-0:50051";
  o.timeout = absl::Seconds(5);
  const std::string unavailable = RpcFailureMessage(
      o, "GetStatus", grpc::StatusCode::UNAVAILABLE, "failed to connect");
  EXPECT_THAT(unavailable, HasSubstr("GetStatus on kafka-0:50051 failed: "
                                     "failed to connect (14); is "
                                     "`kafka-agent serve` running there?"));
  const std::string too_big = RpcFailureMessage(
      o, "ListPartitions", grpc::StatusCode::RESOURCE_EXHAUSTED,
      "Received message larger than max (4635673 vs. 4194304)");
  EXPECT_THAT(too_big, ::testing::Not(HasSubstr("running there")));
  EXPECT_THAT(too_big, HasSubstr("larger than a message may be"));
  EXPECT_THAT(too_big, HasSubstr("--under-replicated"));
  EXPECT_THAT(RpcFailureMessage(o, "GetStatus",
                                grpc::StatusCode::DEADLINE_EXCEEDED, "late"),
              HasSubstr("no answer within 5s"));
  EXPECT_THAT(RpcFailureMessage(o, "ListPartitions",
                                grpc::StatusCode::INVALID_ARGUMENT, "bad token"),
              ::testing::EndsWith("bad token (3)\n"));
}

TEST(ClientFormatTest, TableSaysHowManyWereLeftOut) {
  ClusterMetadata c = testing::TutorialHealthy();
  auto r = BuildListPartitions(Snap(c, 0, testing::kSimMonoStart), {});
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(FormatPartitionTable(*r), ::testing::Not(HasSubstr("more")));
  r->set_total_size(1000003);
  EXPECT_THAT(FormatPartitionTable(*r),
              HasSubstr("... 1000000 more partitions not shown (3 of "
                        "1000003); --all prints every one"));
}

TEST(ClientFormatTest, OlderAgentsRestartAnswerWithoutACount) {
  v1::CheckRestartSafetyResponse r;
  r.set_safe(false);
  r.set_reason("stopping broker 1 now would leave 12 partition(s) ...");
  for (int i = 0; i < 12; ++i) {
    v1::PartitionAtRisk* a = r.add_at_risk();
    a->mutable_partition()->set_topic("t");
    a->mutable_partition()->set_partition(i);
  }
  const std::string text = FormatRestartSafety(r);
  EXPECT_THAT(text, HasSubstr("  t-9:"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("  t-10:")));
  EXPECT_THAT(text, HasSubstr("  ... and 2 more partitions at risk\n"));
}

}  // namespace
}  // namespace kafka_agent
