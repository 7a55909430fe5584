#include "agent/sidecar/topic_configs.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"
#include "tests/unit/sidecar/kafka_fakes.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::FakeKafkaAdmin;
using ::kafka_agent::testing::P;
using ::kafka_agent::testing::SimulatedClock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class TopicConfigsTest : public ::testing::Test {
 protected:
  TopicConfigsTest() : configs_(admin_, clock_, Options()) {
    admin_.SetMinIsr("a", 2);
    admin_.SetMinIsr("b", 1);
    configs_.SetTopics({"a", "b"});
  }
  static TopicConfigOptions Options() {
    TopicConfigOptions o;
    o.refresh = absl::Seconds(60);
    o.retry = absl::Seconds(10);
    o.batch_size = 2;
    return o;
  }
  int32_t MinIsrOf(const std::string& topic) {
    std::vector<PartitionState> ps = {P(topic, 0, 0, {0}, {0}, 0)};
    configs_.Fill(&ps);
    return ps[0].min_isr;
  }
  FakeKafkaAdmin admin_;
  SimulatedClock clock_;
  TopicConfigs configs_;
};

TEST_F(TopicConfigsTest, AsksOnceThenCachesUntilRefresh) {
  EXPECT_EQ(MinIsrOf("a"), 0);
  configs_.RefreshOnce();
  EXPECT_EQ(MinIsrOf("a"), 2);
  EXPECT_EQ(MinIsrOf("b"), 1);
  clock_.Advance(absl::Seconds(30));
  configs_.RefreshOnce();
  EXPECT_THAT(admin_.min_isr_requests(), SizeIs(1)) << "cached";
  admin_.SetMinIsr("a", 3);
  clock_.Advance(absl::Seconds(30));
  configs_.RefreshOnce();
  EXPECT_THAT(admin_.min_isr_requests(), SizeIs(2)) << "refreshed after 60s";
  EXPECT_EQ(MinIsrOf("a"), 3);
}

TEST_F(TopicConfigsTest, NewTopicIsAskedAtOnceAndGoneTopicsDropped) {
  configs_.RefreshOnce();
  admin_.SetMinIsr("c", 1);
  configs_.SetTopics({"a", "c"});
  configs_.RefreshOnce();
  auto reqs = admin_.min_isr_requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_THAT(reqs[1], ElementsAre("c"));
  EXPECT_EQ(MinIsrOf("c"), 1);
  EXPECT_EQ(MinIsrOf("b"), 0) << "gone";
}

TEST_F(TopicConfigsTest, AsksInBatches) {
  configs_.SetTopics({"a", "b", "c", "d", "e"});
  configs_.RefreshOnce();
  EXPECT_THAT(admin_.min_isr_requests(),
              ElementsAre(ElementsAre("a", "b"), ElementsAre("c", "d"),
                          ElementsAre("e")));
}

TEST_F(TopicConfigsTest, WholeCallFailureKeepsValuesAndSaysWhy) {
  configs_.RefreshOnce();
  admin_.FailMinIsr(absl::DeadlineExceededError("DescribeConfigs: timed out"));
  clock_.Advance(absl::Seconds(61));
  configs_.RefreshOnce();
  EXPECT_EQ(MinIsrOf("a"), 2) << "the last known value stays";
  size_t total = 0;
  auto errors = configs_.Errors(5, &total);
  EXPECT_EQ(total, 1u);
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].topic, "");
  EXPECT_THAT(errors[0].error, HasSubstr("timed out"));
  admin_.FailMinIsr(absl::OkStatus());
  configs_.RefreshOnce();
  EXPECT_THAT(configs_.Errors(5, &total), IsEmpty());
}

TEST_F(TopicConfigsTest, PerTopicErrorIsKeptRetriedAndCleared) {
  admin_.FailTopic("b", "Broker: Topic authorization failed");
  configs_.RefreshOnce();
  size_t total = 0;
  auto errors = configs_.Errors(5, &total);
  ASSERT_THAT(errors, SizeIs(1));
  EXPECT_EQ(errors[0].topic, "b");
  EXPECT_EQ(MinIsrOf("a"), 2);
  clock_.Advance(absl::Seconds(5));
  configs_.RefreshOnce();
  EXPECT_THAT(admin_.min_isr_requests(), SizeIs(1)) << "retry waits 10s";
  clock_.Advance(absl::Seconds(5));
  admin_.FailTopic("b", "");
  configs_.RefreshOnce();
  EXPECT_THAT(admin_.min_isr_requests().back(), ElementsAre("b"));
}

TEST_F(TopicConfigsTest, ErrorsAreCapped) {
  std::vector<std::string> topics;
  for (int i = 0; i < 30; ++i) {
    topics.push_back(absl::StrCat("t", 100 + i));
    admin_.FailTopic(topics.back(), "Broker: Unknown topic or partition");
  }
  configs_.SetTopics(topics);
  configs_.RefreshOnce();
  size_t total = 0;
  EXPECT_THAT(configs_.Errors(20, &total), SizeIs(20));
  EXPECT_EQ(total, 30u);
}

}  // namespace
}  // namespace kafka_agent
