// The preStop gate in simulated time: safe at once, becomes safe, gives up
// at its timeout, the agent stopping, the client leaving, stale data, many
// waits at once; and the ?timeout= parser.
#include "agent/sidecar/prestop.h"

#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"
#include "tests/unit/sidecar/kafka_fakes.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::Cluster;
using ::kafka_agent::testing::P;
using ::kafka_agent::testing::SimulatedClock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int32_t kNode = 2;  // the pod whose preStop hook runs: kafka-2

// Node 1 is down: every partition of `test` has ISR 0,2 with
// min.insync.replicas 2, so stopping node 2 would leave one replica.
ClusterMetadata Node1Down() {
  return Cluster({0, 2}, {P("test", 0, 2, {1, 2, 0}, {0, 2}, 2),
                          P("test", 1, 2, {2, 0, 1}, {0, 2}, 2),
                          P("test", 2, 0, {0, 1, 2}, {0, 2}, 2)});
}

// Node 1 is back in the ISR of test-0 only.
ClusterMetadata Node1Partly() {
  return Cluster({0, 1, 2}, {P("test", 0, 2, {1, 2, 0}, {0, 1, 2}, 2),
                             P("test", 1, 2, {2, 0, 1}, {0, 2}, 2),
                             P("test", 2, 0, {0, 1, 2}, {0, 2}, 2)});
}

class PrestopTest : public ::testing::Test {
 protected:
  PrestopTest() : gate_(store_, clock_, Options()) {}

  static PrestopGate::Options Options() {
    PrestopGate::Options o;
    o.poll_interval = absl::Seconds(2);
    o.max_waits = 4;
    return o;
  }

  void Publish(ClusterMetadata c) {
    store_.Publish(
        testing::SnapshotOf(std::move(c), kNode, clock_.Monotonic()));
  }

  // Starts a wait whose result lands in results_[index].
  uint64_t Begin(absl::Duration timeout, std::function<bool()> gone = nullptr) {
    const size_t index = results_.size();
    results_.emplace_back();
    PrestopGate::Request r;
    r.node = kNode;
    r.timeout = timeout;
    r.who = absl::StrCat("test wait ", index);
    r.client_gone = std::move(gone);
    auto id =
        gate_.Begin(std::move(r), [this, index](const PrestopResult& res) {
          ASSERT_FALSE(results_[index].has_value()) << "answered twice";
          results_[index] = res;
        });
    EXPECT_TRUE(id.ok()) << id.status();
    return id.ok() ? *id : 0;
  }

  SimulatedClock clock_;
  SnapshotStore store_;
  PrestopGate gate_;
  std::vector<std::optional<PrestopResult>> results_;
};

TEST_F(PrestopTest, SafeAtOnce) {
  Publish(testing::TutorialHealthy());
  Begin(absl::Seconds(300));
  ASSERT_TRUE(results_[0].has_value());
  const PrestopResult& r = *results_[0];
  EXPECT_EQ(r.outcome, PrestopOutcome::kSafe);
  EXPECT_EQ(r.waited, absl::ZeroDuration());
  EXPECT_THAT(r.Line(), HasSubstr("safe at once: stopping broker 2 keeps"));
  EXPECT_EQ(gate_.Counts().waiting, 0);
  EXPECT_EQ(gate_.Counts().finished.at("safe"), 1u);
}

TEST_F(PrestopTest, WaitsUntilTheOtherBrokerIsBackInEveryIsr) {
  Publish(Node1Down());
  Begin(absl::Seconds(300));
  EXPECT_FALSE(results_[0].has_value());
  EXPECT_EQ(gate_.Counts().waiting, 1);

  clock_.Advance(absl::Seconds(10));
  Publish(Node1Down());
  gate_.Tick();
  EXPECT_FALSE(results_[0].has_value());

  clock_.Advance(absl::Seconds(10));
  Publish(Node1Partly());  // test-0 is fine now, test-1 and test-2 are not
  gate_.Tick();
  EXPECT_FALSE(results_[0].has_value());

  clock_.Advance(absl::Milliseconds(21500));
  Publish(testing::TutorialHealthy());
  gate_.Tick();
  ASSERT_TRUE(results_[0].has_value());
  const PrestopResult& r = *results_[0];
  EXPECT_EQ(r.outcome, PrestopOutcome::kSafe);
  EXPECT_EQ(r.waited, absl::Milliseconds(41500));
  EXPECT_THAT(r.waited_for, ElementsAre("test-0", "test-1", "test-2"));
  EXPECT_EQ(r.Line(),
            "safe after 41.5s: stopping broker 2 keeps every partition at or "
            "above min.insync.replicas and a caught-up majority of the quorum "
            "(waited for test-0, test-1, test-2)");
  EXPECT_EQ(gate_.Counts().waiting, 0);
}

TEST_F(PrestopTest, GivesUpAtTheTimeoutAndSaysWhatItWaitedFor) {
  Publish(Node1Down());
  Begin(absl::Seconds(30));
  clock_.Advance(absl::Seconds(29));
  Publish(Node1Down());
  gate_.Tick();
  EXPECT_FALSE(results_[0].has_value()) << "1s before the timeout";
  clock_.Advance(absl::Seconds(1));
  gate_.Tick();
  ASSERT_TRUE(results_[0].has_value());
  const PrestopResult& r = *results_[0];
  EXPECT_EQ(r.outcome, PrestopOutcome::kTimedOut);
  EXPECT_FALSE(r.safe());
  EXPECT_EQ(r.waited, absl::Seconds(30));
  EXPECT_THAT(r.Line(), HasSubstr("gave up after 30s (timeout 30s): not safe: "
                                  "stopping broker 2 now would leave 3 "
                                  "partition(s)"));
  EXPECT_THAT(r.Body(), HasSubstr("\n  test-1: isr [0,2] -> 1 left; under "
                                  "min.insync.replicas (1 < 2)\n"));
  EXPECT_EQ(gate_.Counts().finished.at("timeout"), 1u);
}

// A big cluster: the answer names the first kMaxAtRiskListed partitions at
// risk and counts the rest, however many there are.
TEST_F(PrestopTest, ABigClusterListsTheFirstPartitionsAndCountsTheRest) {
  std::vector<PartitionState> ps;
  for (int i = 0; i < 250; ++i) {
    ps.push_back(P("big", i, 2, {1, 2, 0}, {0, 2}, 2));
  }
  Publish(Cluster({0, 2}, ps));
  Begin(absl::ZeroDuration());
  ASSERT_TRUE(results_[0].has_value());
  const PrestopResult& r = *results_[0];
  EXPECT_EQ(r.outcome, PrestopOutcome::kTimedOut);
  EXPECT_EQ(r.last.at_risk.size(), kMaxAtRiskListed);
  EXPECT_EQ(r.last.at_risk_count, 250u);
  EXPECT_EQ(r.waited_for.size(), kMaxAtRiskListed);
  EXPECT_TRUE(r.waited_for_more);
  EXPECT_THAT(r.Line(), HasSubstr("big-99 and more)"));
  EXPECT_THAT(r.Body(), HasSubstr("\n  and 150 more partitions at risk\n"));
}

TEST_F(PrestopTest, TimeoutZeroAsksOnce) {
  Publish(Node1Down());
  Begin(absl::ZeroDuration());
  ASSERT_TRUE(results_[0].has_value());
  EXPECT_EQ(results_[0]->outcome, PrestopOutcome::kTimedOut);
  EXPECT_EQ(gate_.Counts().waiting, 0);
}

TEST_F(PrestopTest, AgentStoppingAnswersEveryWaitAtOnce) {
  Publish(Node1Down());
  Begin(absl::Seconds(300));
  Begin(absl::Seconds(60));
  clock_.Advance(absl::Seconds(3));
  gate_.Stop();
  for (const auto& r : results_) {
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->outcome, PrestopOutcome::kAgentStopping);
    EXPECT_EQ(r->waited, absl::Seconds(3));
    EXPECT_THAT(r->Line(),
                HasSubstr("the agent is shutting down (SIGTERM); answering "
                          "early after 3s: not safe"));
  }
  // Later calls are answered at once, the same way.
  Begin(absl::Seconds(300));
  ASSERT_TRUE(results_[2].has_value());
  EXPECT_EQ(results_[2]->outcome, PrestopOutcome::kAgentStopping);
  gate_.Tick();  // nothing left to answer twice
  EXPECT_EQ(gate_.Counts().finished.at("stopping"), 3u);
}

TEST_F(PrestopTest, ClientGoneStopsWaiting) {
  Publish(Node1Down());
  bool gone = false;
  Begin(absl::Seconds(300), [&] { return gone; });
  const uint64_t cancelled = Begin(absl::Seconds(300));
  Begin(absl::Seconds(300));
  gate_.Tick();
  EXPECT_EQ(gate_.Counts().waiting, 3);

  clock_.Advance(absl::Seconds(2));
  gone = true;  // the HTTP client closed its connection
  gate_.Tick();
  ASSERT_TRUE(results_[0].has_value());
  EXPECT_EQ(results_[0]->outcome, PrestopOutcome::kClientGone);
  EXPECT_THAT(results_[0]->Line(), HasSubstr("the client went away after 2s"));

  gate_.Cancel(cancelled);  // the gRPC client cancelled
  ASSERT_TRUE(results_[1].has_value());
  EXPECT_EQ(results_[1]->outcome, PrestopOutcome::kClientGone);
  gate_.Cancel(cancelled);  // twice: no second answer
  EXPECT_FALSE(results_[2].has_value());
  EXPECT_EQ(gate_.Counts().waiting, 1);
}

TEST_F(PrestopTest, StaleDataIsUnknownAndKeepsWaiting) {
  Publish(testing::TutorialHealthy());
  clock_.Advance(absl::Seconds(7));  // > 3 poll intervals of 2s
  Begin(absl::Seconds(60));
  EXPECT_FALSE(results_[0].has_value()) << "old data must not say safe";
  clock_.Advance(absl::Seconds(60));
  gate_.Tick();
  ASSERT_TRUE(results_[0].has_value());
  EXPECT_EQ(results_[0]->outcome, PrestopOutcome::kTimedOut);
  EXPECT_THAT(results_[0]->Line(),
              HasSubstr("unknown: cluster snapshot is stale"));
  EXPECT_THAT(results_[0]->waited_for, ElementsAre("fresh cluster data"));
}

TEST_F(PrestopTest, NoDataYetKeepsWaitingUntilSafeData) {
  Begin(absl::Seconds(60));
  EXPECT_FALSE(results_[0].has_value());
  clock_.Advance(absl::Seconds(5));
  Publish(testing::TutorialHealthy());
  gate_.Tick();
  ASSERT_TRUE(results_[0].has_value());
  EXPECT_EQ(results_[0]->outcome, PrestopOutcome::kSafe);
  EXPECT_THAT(results_[0]->Line(),
              HasSubstr("safe after 5s: stopping broker 2 keeps every "
                        "partition at or above min.insync.replicas and a "
                        "caught-up majority of the quorum (waited "
                        "for fresh cluster data)"));
}

TEST_F(PrestopTest, ManyWaitsOneSnapshotAndABound) {
  Publish(Node1Down());
  for (int i = 0; i < 4; ++i) Begin(absl::Seconds(300 - i));
  PrestopGate::Request extra;
  extra.node = kNode;
  auto refused = gate_.Begin(std::move(extra), [](const PrestopResult&) {
    FAIL() << "a refused wait must not be answered";
  });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("at most 4"));

  clock_.Advance(absl::Seconds(4));
  Publish(testing::TutorialHealthy());
  gate_.Tick();
  for (const auto& r : results_) {
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->outcome, PrestopOutcome::kSafe);
    EXPECT_EQ(r->waited, absl::Seconds(4));
  }
  EXPECT_EQ(gate_.Counts().finished.at("safe"), 4u);
}

// Every partition is fine, but voter 1 is behind the quorum leader: stopping
// voter 2 would leave 1 caught-up voter of 3. The gate waits for the quorum
// rule too, and says so.
TEST_F(PrestopTest, WaitsForACaughtUpMajorityOfTheQuorum) {
  ClusterMetadata behind = testing::TutorialHealthy();
  behind.quorum->voters[1].last_caught_up_ms = testing::kLeaderNowMs - 5000;
  Publish(behind);
  Begin(absl::Seconds(300));
  EXPECT_FALSE(results_[0].has_value());
  StopJudgement j =
      JudgeStop(*store_.Get(), clock_.Monotonic(), absl::Seconds(2), kNode);
  EXPECT_EQ(j.state, StopJudgement::State::kUnsafe);
  EXPECT_TRUE(j.at_risk.empty());
  EXPECT_TRUE(j.quorum_at_risk);
  EXPECT_EQ(j.quorum_reason,
            "stopping controller 2 would leave 1 caught-up voter(s) of 3; a "
            "quorum needs 2");

  clock_.Advance(absl::Seconds(4));
  Publish(testing::TutorialHealthy());
  gate_.Tick();
  ASSERT_TRUE(results_[0].has_value());
  const PrestopResult& r = *results_[0];
  EXPECT_EQ(r.outcome, PrestopOutcome::kSafe);
  EXPECT_THAT(r.waited_for, ElementsAre("the KRaft quorum"));
  EXPECT_EQ(r.Line(),
            "safe after 4s: stopping broker 2 keeps every partition at or "
            "above min.insync.replicas and a caught-up majority of the quorum "
            "(waited for the KRaft quorum)");
}

// Without a known quorum a voter named in the pod's config is never judged
// safe to stop; a broker-only node is judged on its partitions alone.
TEST_F(PrestopTest, AnUnknownQuorumHoldsBackEveryNode) {
  ClusterMetadata unknown = testing::TutorialHealthy();
  unknown.quorum.reset();
  unknown.quorum_error = "DescribeQuorum timed out";
  Publish(unknown);
  Begin(absl::ZeroDuration());
  ASSERT_TRUE(results_[0].has_value());
  EXPECT_EQ(results_[0]->outcome, PrestopOutcome::kTimedOut);
  EXPECT_TRUE(results_[0]->last.quorum_at_risk);
  EXPECT_THAT(results_[0]->Body(),
              HasSubstr("  quorum: controller 2 is a voter and the quorum is "
                        "unknown: DescribeQuorum timed out\n"));
  // A broker too: no active controller would move its leaderships.
  EXPECT_EQ(
      JudgeStop(*store_.Get(), clock_.Monotonic(), absl::Seconds(2), 4).state,
      StopJudgement::State::kUnsafe);
}

TEST_F(PrestopTest, OtherNodesAreJudgedFromTheSameSnapshot) {
  Publish(Node1Down());
  // Stopping node 0 is just as unsafe; node 1 is already down (in no ISR).
  EXPECT_EQ(
      JudgeStop(*store_.Get(), clock_.Monotonic(), absl::Seconds(2), 0).state,
      StopJudgement::State::kUnsafe);
  EXPECT_EQ(
      JudgeStop(*store_.Get(), clock_.Monotonic(), absl::Seconds(2), 1).state,
      StopJudgement::State::kSafe);
}

TEST(PrestopTimeoutTest, Parses) {
  EXPECT_EQ(*ParsePrestopTimeout("300s"), absl::Seconds(300));
  EXPECT_EQ(*ParsePrestopTimeout("5m"), absl::Minutes(5));
  EXPECT_EQ(*ParsePrestopTimeout("1m30s"), absl::Seconds(90));
  EXPECT_EQ(*ParsePrestopTimeout("90"), absl::Seconds(90));
  EXPECT_EQ(*ParsePrestopTimeout("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParsePrestopTimeout("1h"), absl::Hours(1));
}

TEST(PrestopTimeoutTest, RejectsNamingTheValue) {
  for (const char* bad : {"", "abc", "5 minutes", "-5s", "2h", "inf", "1e3",
                          "99999999999999999999", "30s;"}) {
    auto d = ParsePrestopTimeout(bad);
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(d.status().message(),
                HasSubstr(absl::StrCat("timeout \"", bad, "\"")));
  }
  EXPECT_THAT(ParsePrestopTimeout("2h").status().message(),
              HasSubstr("longer than 1h"));
  EXPECT_THAT(ParsePrestopTimeout("-5s").status().message(),
              HasSubstr("negative"));
  EXPECT_THAT(ParsePrestopTimeout("abc").status().message(),
              Not(HasSubstr("negative")));
}

}  // namespace
}  // namespace kafka_agent
