#include "agent/sidecar/health.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"
#include "tests/unit/sidecar/kafka_fakes.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::Cluster;
using ::kafka_agent::testing::P;
using ::testing::HasSubstr;

const MonoTime kT0 = testing::kSimMonoStart;
const absl::Duration kPoll = absl::Seconds(2);

HealthOptions Opts() {
  HealthOptions o;
  o.poll_interval = kPoll;
  o.started_at = kT0;
  return o;
}

Snapshot Snap(ClusterMetadata c, int32_t node, MonoTime t) {
  return testing::SnapshotOf(std::move(c), node, t);
}

ClusterMetadata ThreeHealthy() {
  return Cluster({0, 1, 2}, {P("test", 0, 1, {1, 2, 0}, {0, 1, 2}, 2)});
}

TEST(EvaluateHealthTest, NoSnapshotYet) {
  Snapshot s;
  s.last_error = "metadata request: Local: Broker transport failure";
  HealthReport h = EvaluateHealth(s, kT0, Opts());
  EXPECT_TRUE(h.agent.serving);
  EXPECT_FALSE(h.broker.serving);
  EXPECT_FALSE(h.ready.serving);
  EXPECT_TRUE(h.stale);
  EXPECT_THAT(h.ready.reason, HasSubstr("no cluster snapshot yet: metadata"));
}

TEST(EvaluateHealthTest, FreshHealthySnapshotServesAll) {
  HealthReport h = EvaluateHealth(Snap(ThreeHealthy(), 2, kT0), kT0 + kPoll, Opts());
  EXPECT_TRUE(h.agent.serving);
  EXPECT_TRUE(h.broker.serving);
  EXPECT_TRUE(h.ready.serving);
  EXPECT_FALSE(h.stale);
  EXPECT_EQ(h.age, kPoll);
}

TEST(EvaluateHealthTest, StaleAfterThreePollIntervals) {
  Snapshot s = Snap(ThreeHealthy(), 0, kT0);
  EXPECT_TRUE(EvaluateHealth(s, kT0 + 3 * kPoll, Opts()).ready.serving);
  s.last_error = "metadata request: Local: Timed out";
  HealthReport h =
      EvaluateHealth(s, kT0 + 3 * kPoll + absl::Milliseconds(1), Opts());
  EXPECT_TRUE(h.stale);
  EXPECT_TRUE(h.agent.serving) << "liveness does not depend on Kafka";
  EXPECT_FALSE(h.broker.serving);
  EXPECT_FALSE(h.ready.serving);
  EXPECT_THAT(h.broker.reason, HasSubstr("stale (6s old, limit 6s)"));
  EXPECT_THAT(h.broker.reason, HasSubstr("Timed out"));
}

TEST(EvaluateHealthTest, RegisteredButLaggingIsBrokerButNotReady) {
  ClusterMetadata c =
      Cluster({0, 1, 2}, {P("test", 0, 1, {1, 2, 0}, {0, 1}, 2)});
  HealthReport h = EvaluateHealth(Snap(c, 2, kT0), kT0, Opts());
  EXPECT_TRUE(h.broker.serving);
  EXPECT_FALSE(h.ready.serving);
  EXPECT_THAT(h.ready.reason, HasSubstr("test-0"));
}

TEST(EvaluateHealthTest, UnregisteredIsNeither) {
  ClusterMetadata c = Cluster({0, 1}, {P("test", 0, 1, {1, 2, 0}, {0, 1}, 2)});
  HealthReport h = EvaluateHealth(Snap(c, 2, kT0), kT0, Opts());
  EXPECT_FALSE(h.broker.serving);
  EXPECT_FALSE(h.ready.serving);
}

TEST(EvaluateHealthTest, LivenessFollowsThePollLoopsHeartbeat) {
  // Documented bound: max(5 poll intervals, 30s) without a completed attempt.
  EXPECT_EQ(LivenessBound(absl::Seconds(2)), absl::Seconds(30));
  EXPECT_EQ(LivenessBound(absl::Seconds(10)), absl::Seconds(50));
  Snapshot none;  // nothing completed yet: counts from the start
  EXPECT_TRUE(EvaluateHealth(none, kT0 + absl::Seconds(30), Opts()).agent.serving);
  HealthReport stuck = EvaluateHealth(none, kT0 + absl::Seconds(31), Opts());
  EXPECT_FALSE(stuck.agent.serving);
  EXPECT_THAT(stuck.agent.reason, HasSubstr("no attempt for 31s"));

  // A failed attempt still counts as the loop being alive.
  Snapshot s = Snap(ThreeHealthy(), 0, kT0);
  s.completed_mono = kT0 + absl::Seconds(25);
  EXPECT_TRUE(EvaluateHealth(s, kT0 + absl::Seconds(55), Opts()).agent.serving);
  EXPECT_FALSE(EvaluateHealth(s, kT0 + absl::Seconds(56), Opts()).agent.serving);
}

TEST(EvaluateHealthTest, AgesUseTheMonotonicClockNotTheWallClock) {
  // The snapshot's wall time says nothing about its age: a wall-clock step
  // (here: the data looks an hour old, or from the future) changes nothing.
  testing::SimulatedClock clock;
  Snapshot s = Snap(ThreeHealthy(), 0, clock.Monotonic());
  clock.StepWall(absl::Hours(1));
  EXPECT_TRUE(EvaluateHealth(s, clock.Monotonic(), Opts()).ready.serving);
  clock.StepWall(-absl::Hours(2));
  EXPECT_TRUE(EvaluateHealth(s, clock.Monotonic(), Opts()).ready.serving);
  clock.Advance(absl::Seconds(7));
  EXPECT_FALSE(EvaluateHealth(s, clock.Monotonic(), Opts()).ready.serving);
}

class RecordingSink : public HealthSink {
 public:
  void SetServing(const std::string& service, bool serving) override {
    calls.emplace_back(service, serving);
  }
  std::vector<std::pair<std::string, bool>> calls;
};

TEST(HealthPublisherTest, TouchesTheSinkOnlyOnTransitions) {
  RecordingSink sink;
  HealthPublisher pub(sink);
  Snapshot none;
  EXPECT_TRUE(pub.Publish(EvaluateHealth(none, kT0, Opts())));
  EXPECT_EQ(sink.calls.size(), 3u) << "first publication sets every service";
  EXPECT_FALSE(pub.Publish(EvaluateHealth(none, kT0 + kPoll, Opts())));
  EXPECT_EQ(sink.calls.size(), 3u);

  Snapshot good = Snap(ThreeHealthy(), 0, kT0);
  EXPECT_TRUE(pub.Publish(EvaluateHealth(good, kT0, Opts())));
  ASSERT_EQ(sink.calls.size(), 5u);
  EXPECT_EQ(sink.calls[3], std::make_pair(std::string("kafka.broker"), true));
  EXPECT_EQ(sink.calls[4], std::make_pair(std::string("kafka.ready"), true));

  // Ageing past the limit flips both Kafka services, not the agent's.
  EXPECT_TRUE(pub.Publish(EvaluateHealth(good, kT0 + absl::Seconds(7), Opts())));
  ASSERT_EQ(sink.calls.size(), 7u);
  EXPECT_EQ(sink.calls[5], std::make_pair(std::string("kafka.broker"), false));
  EXPECT_EQ(sink.calls[6], std::make_pair(std::string("kafka.ready"), false));
}

}  // namespace
}  // namespace kafka_agent
