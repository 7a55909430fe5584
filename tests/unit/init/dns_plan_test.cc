#include "agent/init/dns_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/status_matchers.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<Voter> ThreeVoters() {
  return {{0, "k-0.s", 29093}, {1, "k-1.s", 29093}, {2, "k-2.s", 29093}};
}

TEST(DnsPlanTest, ParseDnsWaitMode) {
  for (auto m : {DnsWaitMode::kQuorum, DnsWaitMode::kAll, DnsWaitMode::kSelf,
                 DnsWaitMode::kNone}) {
    EXPECT_EQ(*ParseDnsWaitMode(DnsWaitModeName(m)), m);
  }
  EXPECT_THAT(ParseDnsWaitMode("most"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"most\"")));
}

TEST(PlanDnsWaitTest, QuorumForAVoterCountsItselfTowardsTheMajority) {
  DnsWaitPlan p = PlanDnsWait(DnsWaitMode::kQuorum, "k-1.s", ThreeVoters());
  EXPECT_THAT(p.required, ElementsAre("k-1.s"));
  EXPECT_THAT(p.optional, ElementsAre("k-0.s", "k-2.s"));
  EXPECT_EQ(p.optional_needed, 1);
}

TEST(PlanDnsWaitTest, QuorumForABrokerOnlyPodNeedsAMajorityOfOthers) {
  DnsWaitPlan p = PlanDnsWait(DnsWaitMode::kQuorum, "k-4.s", ThreeVoters());
  EXPECT_THAT(p.required, ElementsAre("k-4.s"));
  EXPECT_THAT(p.optional, ElementsAre("k-0.s", "k-1.s", "k-2.s"));
  EXPECT_EQ(p.optional_needed, 2);
}

TEST(PlanDnsWaitTest, SingleControllerIsItsOwnMajority) {
  DnsWaitPlan p =
      PlanDnsWait(DnsWaitMode::kQuorum, "k-0.s", {{0, "k-0.s", 29093}});
  EXPECT_THAT(p.required, ElementsAre("k-0.s"));
  EXPECT_THAT(p.optional, IsEmpty());
  EXPECT_EQ(p.optional_needed, 0);
}

TEST(PlanDnsWaitTest, AllSelfNone) {
  DnsWaitPlan all = PlanDnsWait(DnsWaitMode::kAll, "k-1.s", ThreeVoters());
  EXPECT_THAT(all.required, ElementsAre("k-1.s", "k-0.s", "k-2.s"));
  EXPECT_EQ(all.optional_needed, 0);
  DnsWaitPlan self = PlanDnsWait(DnsWaitMode::kSelf, "k-1.s", ThreeVoters());
  EXPECT_THAT(self.required, ElementsAre("k-1.s"));
  EXPECT_THAT(self.optional, IsEmpty());
  DnsWaitPlan none = PlanDnsWait(DnsWaitMode::kNone, "k-1.s", ThreeVoters());
  EXPECT_THAT(none.required, IsEmpty());
  EXPECT_EQ(none.optional_needed, 0);
}

}  // namespace
}  // namespace kafka_agent
