#include "agent/sidecar/poller.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"
#include "tests/unit/sidecar/kafka_fakes.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::Cluster;
using ::kafka_agent::testing::FakeKafkaAdmin;
using ::kafka_agent::testing::P;
using ::kafka_agent::testing::SimulatedClock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class PollerTest : public ::testing::Test {
 protected:
  PollerTest()
      : configs_(admin_, clock_, TopicConfigOptions()),
        poller_(admin_, configs_, clock_, store_, Options()) {
    admin_.SetMetadata(Cluster({0, 1, 2}, {P("a", 0, 0, {0, 1}, {0, 1}, 0),
                                           P("a", 1, 1, {1, 2}, {1, 2}, 0),
                                           P("b", 0, 2, {2, 0}, {2, 0}, 0)}));
    admin_.SetMinIsr("a", 2);
    admin_.SetMinIsr("b", 1);
  }
  static PollerOptions Options() {
    PollerOptions o;
    o.node_id = 2;
    o.interval = absl::Seconds(2);
    return o;
  }
  FakeKafkaAdmin admin_;
  SimulatedClock clock_;
  SnapshotStore store_;
  TopicConfigs configs_;
  Poller poller_;
};

TEST_F(PollerTest, PublishesMetadataAssessedForItsBroker) {
  poller_.PollOnce();
  auto s = store_.Get();
  ASSERT_TRUE(s->has_data());
  EXPECT_EQ(s->generation, 1u);
  EXPECT_EQ(s->taken_at, clock_.Now());
  EXPECT_EQ(s->taken_mono, clock_.Monotonic());
  EXPECT_EQ(s->completed_mono, clock_.Monotonic());
  EXPECT_TRUE(s->last_error.empty());
  ASSERT_EQ(s->cluster.partitions.size(), 3u);
  EXPECT_EQ(s->assessment.node, 2);
  EXPECT_TRUE(s->assessment.ready);
  EXPECT_EQ(s->assessment.counts.replicas_hosted, 2);
}

TEST_F(PollerTest, MinIsrComesFromTopicConfigsOffThePollPath) {
  poller_.PollOnce();
  EXPECT_THAT(admin_.min_isr_requests(), IsEmpty())
      << "the poll itself never waits on DescribeConfigs";
  EXPECT_EQ(store_.Get()->cluster.partitions[0].min_isr, 0) << "not known yet";
  configs_.RefreshOnce();
  EXPECT_THAT(admin_.min_isr_requests(), ElementsAre(ElementsAre("a", "b")));
  clock_.Advance(absl::Seconds(2));
  poller_.PollOnce();
  auto s = store_.Get();
  EXPECT_EQ(s->cluster.partitions[0].min_isr, 2);
  EXPECT_EQ(s->cluster.partitions[2].min_isr, 1);
}

TEST_F(PollerTest, NewValuesAreRepublishedAtOnce) {
  configs_.OnUpdate([this] { poller_.Republish(); });
  poller_.PollOnce();
  const MonoTime taken = store_.Get()->taken_mono;
  clock_.Advance(absl::Milliseconds(30));
  EXPECT_TRUE(configs_.RefreshOnce());
  auto s = store_.Get();
  EXPECT_EQ(s->generation, 2u) << "republished without waiting for a poll";
  EXPECT_EQ(s->cluster.partitions[0].min_isr, 2);
  EXPECT_EQ(s->taken_mono, taken) << "the data's time is the poll's";
  EXPECT_FALSE(configs_.RefreshOnce()) << "nothing new: no republish";
  EXPECT_EQ(store_.Get()->generation, 2u);
}

TEST_F(PollerTest, MetadataFailureKeepsOldDataWhichAges) {
  poller_.PollOnce();
  const absl::Time first = clock_.Now();
  const MonoTime first_mono = clock_.Monotonic();
  admin_.SetMetadata(absl::UnavailableError("Local: Broker transport failure"));
  clock_.Advance(absl::Seconds(2));
  poller_.PollOnce();
  auto s = store_.Get();
  EXPECT_EQ(s->generation, 2u);
  EXPECT_EQ(s->taken_at, first) << "the data's time does not move";
  EXPECT_EQ(s->taken_mono, first_mono);
  EXPECT_EQ(s->completed_mono, clock_.Monotonic()) << "but the attempt counts";
  EXPECT_THAT(s->last_error, HasSubstr("transport failure"));
  EXPECT_EQ(s->cluster.partitions.size(), 3u);
  EXPECT_TRUE(s->assessment.ready) << "the old assessment stays with old data";
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
  EXPECT_EQ(s->cluster.partitions[0].min_isr, 2) << "other topics unaffected";
}

TEST_F(PollerTest, RunPollsEveryIntervalUntilStopped) {
  Notification stop;
  int sleeps = 0;
  clock_.OnSleep([&](MonoTime) {
    if (++sleeps == 5) stop.Notify();
  });
  const MonoTime start = clock_.Monotonic();
  poller_.Run(stop);
  EXPECT_EQ(admin_.metadata_calls(), 5);
  EXPECT_EQ(clock_.Monotonic() - start, absl::Seconds(8));
}

}  // namespace
}  // namespace kafka_agent
