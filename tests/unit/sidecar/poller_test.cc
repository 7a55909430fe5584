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
  PollerTest() : poller_(admin_, clock_, store_, Options()) {
    admin_.SetMetadata(Cluster({0, 1, 2}, {P("a", 0, 0, {0, 1}, {0, 1}, 0),
                                           P("a", 1, 1, {1, 2}, {1, 2}, 0),
                                           P("b", 0, 2, {2, 0}, {2, 0}, 0)}));
    admin_.SetMinIsr("a", 2);
    admin_.SetMinIsr("b", 1);
  }
  static PollerOptions Options() {
    PollerOptions o;
    o.interval = absl::Seconds(2);
    o.min_isr_refresh = absl::Seconds(60);
    return o;
  }
  FakeKafkaAdmin admin_;
  SimulatedClock clock_;
  SnapshotStore store_;
  Poller poller_;
};

TEST_F(PollerTest, PublishesMetadataWithMinIsr) {
  poller_.PollOnce();
  auto s = store_.Get();
  ASSERT_TRUE(s->has_data());
  EXPECT_EQ(s->generation, 1u);
  EXPECT_EQ(s->taken_at, clock_.Now());
  EXPECT_TRUE(s->last_error.empty());
  ASSERT_EQ(s->cluster.partitions.size(), 3u);
  EXPECT_EQ(s->cluster.partitions[0].min_isr, 2);
  EXPECT_EQ(s->cluster.partitions[2].min_isr, 1);
  EXPECT_THAT(admin_.min_isr_requests(),
              ElementsAre(ElementsAre("a", "b")));
}

TEST_F(PollerTest, MinIsrIsCachedAndRefreshedLessOften) {
  poller_.PollOnce();
  clock_.Advance(absl::Seconds(30));
  poller_.PollOnce();
  EXPECT_EQ(admin_.min_isr_requests().size(), 1u) << "cached";
  EXPECT_EQ(store_.Get()->cluster.partitions[0].min_isr, 2);
  admin_.SetMinIsr("a", 3);
  clock_.Advance(absl::Seconds(30));
  poller_.PollOnce();
  EXPECT_EQ(admin_.min_isr_requests().size(), 2u) << "refreshed after 60s";
  EXPECT_EQ(store_.Get()->cluster.partitions[0].min_isr, 3);
}

TEST_F(PollerTest, NewTopicIsAskedAtOnce) {
  poller_.PollOnce();
  admin_.SetMetadata(Cluster({0}, {P("a", 0, 0, {0}, {0}, 0),
                                    P("c", 0, 0, {0}, {0}, 0)}));
  admin_.SetMinIsr("c", 1);
  clock_.Advance(absl::Seconds(2));
  poller_.PollOnce();
  auto reqs = admin_.min_isr_requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_THAT(reqs[1], ElementsAre("c"));
  EXPECT_EQ(store_.Get()->cluster.partitions[1].min_isr, 1);
}

TEST_F(PollerTest, MetadataFailureKeepsOldDataWhichAges) {
  poller_.PollOnce();
  const absl::Time first = clock_.Now();
  admin_.SetMetadata(absl::UnavailableError("Local: Broker transport failure"));
  clock_.Advance(absl::Seconds(2));
  poller_.PollOnce();
  auto s = store_.Get();
  EXPECT_EQ(s->generation, 2u);
  EXPECT_EQ(s->taken_at, first) << "the data's time does not move";
  EXPECT_EQ(s->attempted_at, clock_.Now());
  EXPECT_THAT(s->last_error, HasSubstr("transport failure"));
  EXPECT_EQ(s->cluster.partitions.size(), 3u);
}

TEST_F(PollerTest, MinIsrFailureStillPublishesMetadata) {
  admin_.FailMinIsr(absl::DeadlineExceededError("DescribeConfigs: timed out"));
  poller_.PollOnce();
  auto s = store_.Get();
  EXPECT_TRUE(s->has_data());
  EXPECT_THAT(s->last_error, HasSubstr("min.insync.replicas unknown"));
  EXPECT_EQ(s->cluster.partitions[0].min_isr, 0);
}

TEST_F(PollerTest, RunPollsEveryIntervalUntilStopped) {
  Notification stop;
  int sleeps = 0;
  clock_.OnSleep([&](absl::Time) {
    if (++sleeps == 5) stop.Notify();
  });
  const absl::Time start = clock_.Now();
  poller_.Run(stop);
  EXPECT_EQ(admin_.metadata_calls(), 5);
  EXPECT_EQ(clock_.Now() - start, absl::Seconds(8));
}

}  // namespace
}  // namespace kafka_agent
