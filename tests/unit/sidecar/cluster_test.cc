// The compact partitions table: order, lookups, sharing, and its size.
#include "agent/sidecar/cluster.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/sidecar/kafka_fakes.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::P;
using ::testing::ElementsAre;

std::vector<std::string> Names(const Partitions& ps) {
  std::vector<std::string> out;
  for (const PartitionRef p : ps) {
    out.push_back(absl::StrCat(p.topic(), "-", p.partition()));
  }
  return out;
}

TEST(PartitionsTest, SortedByTopicThenPartitionWithIsrSorted) {
  PartitionsBuilder b;
  b.AddTopic("zeta", 2);
  b.AddPartition(1, 0, std::vector<int32_t>{0, 1}, std::vector<int32_t>{1, 0});
  b.AddPartition(0, 1, std::vector<int32_t>{1, 2}, std::vector<int32_t>{2, 1});
  b.AddTopic("alpha");
  b.AddPartition(0, -1, std::vector<int32_t>{3}, std::vector<int32_t>{});
  b.AddTopic("empty");  // no partitions: left out
  const Partitions ps = b.Build();
  EXPECT_THAT(Names(ps), ElementsAre("alpha-0", "zeta-0", "zeta-1"));
  ASSERT_EQ(ps.topics().size(), 2u);
  EXPECT_EQ(ps.topics()[1].name, "zeta");
  EXPECT_EQ(ps.topics()[1].begin, 1u);
  EXPECT_EQ(ps.topics()[1].end, 3u);
  EXPECT_THAT(ps.min_isr(), ElementsAre(0, 2));
  EXPECT_TRUE(ps[0].offline());
  EXPECT_TRUE(ps[0].under_replicated());
  EXPECT_THAT(ps[2].replicas(), ElementsAre(0, 1)) << "as Kafka sent them";
  EXPECT_THAT(ps[2].isr(), ElementsAre(0, 1)) << "sorted";
  EXPECT_EQ(ps[2].min_isr(), 2);
  EXPECT_TRUE(ps[2].HasReplica(1));
  EXPECT_FALSE(ps[2].InIsr(2));
  EXPECT_EQ(ps[1].topic_index(), 1u);
}

TEST(PartitionsTest, ATopicAddedTwiceKeepsItsLaterPartitions) {
  PartitionsBuilder b;
  b.AddTopic("t");
  b.AddPartition(0, 0, std::vector<int32_t>{0}, std::vector<int32_t>{0});
  b.AddTopic("s");
  b.AddPartition(0, 0, std::vector<int32_t>{0}, std::vector<int32_t>{0});
  b.AddTopic("t");
  b.AddPartition(5, 1, std::vector<int32_t>{1}, std::vector<int32_t>{1});
  EXPECT_THAT(Names(b.Build()), ElementsAre("s-0", "t-5"));
  EXPECT_EQ(b.partitions(), 0u) << "the builder is empty after Build";
}

TEST(PartitionsTest, FindAndUpperBound) {
  const Partitions ps = Partitions::FromStates(
      {P("b", 2, 0, {0}, {0}, 1), P("a", 0, 0, {0}, {0}, 1),
       P("b", 0, 0, {0}, {0}, 1), P("c", 0, 0, {0}, {0}, 1)});
  EXPECT_THAT(Names(ps), ElementsAre("a-0", "b-0", "b-2", "c-0"));
  ASSERT_TRUE(ps.Find("b", 2).has_value());
  EXPECT_EQ(ps.Find("b", 2)->index(), 2u);
  EXPECT_FALSE(ps.Find("b", 1).has_value());
  EXPECT_FALSE(ps.Find("nope", 0).has_value());
  EXPECT_EQ(ps.FindTopic("c"), 2u);
  EXPECT_EQ(ps.UpperBound("a", 0), 1u);
  EXPECT_EQ(ps.UpperBound("b", 0), 2u);
  EXPECT_EQ(ps.UpperBound("b", 1), 2u) << "a partition gone since";
  EXPECT_EQ(ps.UpperBound("bb", 0), 3u) << "a topic gone since";
  EXPECT_EQ(ps.UpperBound("c", 0), 4u);
  EXPECT_EQ(ps.UpperBound("", 0), 0u);
}

TEST(PartitionsTest, CopiesShareAndMinIsrIsCopyOnWrite) {
  const Partitions ps =
      Partitions::FromStates({P("a", 0, 0, {0}, {0}, 1), P("b", 0, 0, {0}, {0}, 1)});
  const Partitions copy = ps;  // NOLINT: the point is the copy
  EXPECT_TRUE(copy.SameTopics(ps));
  const Partitions changed = ps.WithMinIsr({3, 4});
  EXPECT_EQ(ps[0].min_isr(), 1) << "the original is untouched";
  EXPECT_EQ(changed[1].min_isr(), 4);
  EXPECT_EQ(&changed[0].topic(), &ps[0].topic()) << "rows and names shared";
  EXPECT_FALSE(ps.SameTopics(Partitions::FromStates({P("a", 0, 0, {0}, {0}, 1)})));
  EXPECT_TRUE(ps.SameTopics(Partitions::FromStates(
      {P("a", 7, 0, {0}, {0}, 1), P("b", 0, 0, {0}, {0}, 1)})));
}

TEST(PartitionsTest, CopyTopicKeepsItAsItWas) {
  const Partitions old = Partitions::FromStates(
      {P("a", 0, 0, {0, 1}, {0}, 2), P("a", 1, 1, {1, 0}, {0, 1}, 2),
       P("b", 0, 0, {0}, {0}, 1)});
  PartitionsBuilder b;
  b.AddTopic("b");
  b.AddPartition(0, 1, std::vector<int32_t>{1}, std::vector<int32_t>{1});
  b.CopyTopic(old, 0);
  const Partitions ps = b.Build();
  EXPECT_THAT(Names(ps), ElementsAre("a-0", "a-1", "b-0"));
  EXPECT_EQ(ps[1].ToState().isr, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(ps[1].min_isr(), 2);
  EXPECT_EQ(ps[2].leader(), 1);
}

// The point of the table: tens of bytes per partition, not a kilobyte.
TEST(PartitionsTest, AFewDozenBytesPerPartition) {
  PartitionsBuilder b;
  const std::vector<int32_t> replicas = {1, 2, 3}, isr = {1, 2, 3};
  for (int t = 0; t < 100; ++t) {
    b.AddTopic(absl::StrCat("a-topic-with-a-longer-name-", t));
    for (int p = 0; p < 100; ++p) b.AddPartition(p, 1, replicas, isr);
  }
  const Partitions ps = b.Build();
  ASSERT_EQ(ps.size(), 10000u);
  // 20-byte row + 6 ids of 4 bytes, names shared by 100 partitions.
  EXPECT_LT(ps.MemoryBytes() / ps.size(), 48u) << ps.MemoryBytes();
}

}  // namespace
}  // namespace kafka_agent
