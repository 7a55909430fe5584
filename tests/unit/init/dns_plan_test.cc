#include "agent/init/dns_plan.h"

#include "agent/base/identity.h"

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

// The plan for each topology, from the identity init derives: a voter waits
// for its own name and enough other voters for a majority; a broker-only
// pod for its own name and a majority of the controllers, wherever they
// live.
TEST(PlanDnsWaitTest, PerTopology) {
  const std::string c = ".kafka-controller-headless.kafka.svc.cluster.local";
  const std::string b = ".kafka-headless.kafka.svc.cluster.local";
  struct Case {
    const char* name;
    IdentityOptions opts;
    std::vector<std::string> required, optional;
    int needed;
  };
  auto opts = [](const char* pod, const char* svc, const char* roles) {
    IdentityOptions o;
    o.pod_name = pod;
    o.namespace_name = "kafka";
    o.headless_service = svc;
    o.process_roles = roles;
    return o;
  };
  IdentityOptions broker = opts("kafka-1", "kafka-headless", "broker");
  broker.node_id_offset = 100;
  broker.controller_statefulset = "kafka-controller";
  broker.controller_service = "kafka-controller-headless";
  broker.controller_node_id_offset = 0;
  const std::vector<Case> cases = {
      {"combined voter", opts("kafka-1", "kafka-headless", "auto"),
       {"kafka-1" + b}, {"kafka-0" + b, "kafka-2" + b}, 1},
      {"broker-only ordinal of a combined StatefulSet",
       opts("kafka-3", "kafka-headless", "auto"),
       {"kafka-3" + b}, {"kafka-0" + b, "kafka-1" + b, "kafka-2" + b}, 2},
      {"controller-only pod",
       opts("kafka-controller-2", "kafka-controller-headless", "controller"),
       {"kafka-controller-2" + c},
       {"kafka-controller-0" + c, "kafka-controller-1" + c}, 1},
      {"broker of a separate StatefulSet", broker, {"kafka-1" + b},
       {"kafka-controller-0" + c, "kafka-controller-1" + c,
        "kafka-controller-2" + c},
       2},
  };
  for (const Case& t : cases) {
    auto id = DeriveIdentity(t.opts);
    ASSERT_TRUE(id.ok()) << t.name << ": " << id.status();
    DnsWaitPlan p = PlanDnsWait(DnsWaitMode::kQuorum, id->fqdn, id->voters);
    EXPECT_EQ(p.required, t.required) << t.name;
    EXPECT_EQ(p.optional, t.optional) << t.name;
    EXPECT_EQ(p.optional_needed, t.needed) << t.name;
  }
}

}  // namespace
}  // namespace kafka_agent
