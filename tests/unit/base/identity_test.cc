#include "agent/base/identity.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/status_matchers.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::IsOk;
using ::kafka_agent::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(ParsePodNameTest, SplitsAtTheLastDash) {
  auto p = ParsePodName("kafka-0");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->statefulset, "kafka");
  EXPECT_EQ(p->ordinal, 0);

  p = ParsePodName("my-kafka-cluster-12");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->statefulset, "my-kafka-cluster");
  EXPECT_EQ(p->ordinal, 12);

  p = ParsePodName("k-2147483647");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->ordinal, 2147483647);
}

TEST(ParsePodNameTest, RejectsNamesWithoutAValidOrdinal) {
  struct Case {
    const char* pod;
    const char* says;
  };
  for (const Case& c : {
           Case{"kafka", "no ordinal suffix"},
           Case{"kafka-", "ends in '-' with no ordinal"},
           Case{"kafka-x", "\"x\" is not a decimal number"},
           Case{"kafka-1a", "\"1a\" is not a decimal number"},
           Case{"kafka-+1", "not a decimal number"},
           Case{"kafka-01", "leading zero"},
           Case{"kafka-00", "leading zero"},
           Case{"kafka--1", "StatefulSet name \"kafka-\""},
           Case{"-1", "StatefulSet name \"\""},
           Case{"Kafka-1", "StatefulSet name \"Kafka\""},
           Case{"kafka-2147483648", "larger than 2147483647"},
           Case{"kafka-99999999999999999999999", "larger than 2147483647"},
       }) {
    EXPECT_THAT(ParsePodName(c.pod),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(c.pod), HasSubstr(c.says))))
        << c.pod;
  }
}

IdentityOptions Opts(const std::string& pod) {
  IdentityOptions o;
  o.pod_name = pod;
  o.namespace_name = "kafka";
  o.headless_service = "kafka-headless";
  return o;
}

TEST(DeriveIdentityTest, ControllerOrdinalGetsBothRoles) {
  auto id = DeriveIdentity(Opts("kafka-1"));
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->node_id, 1);
  EXPECT_TRUE(id->is_controller);
  EXPECT_EQ(id->ProcessRoles(), "broker,controller");
  EXPECT_EQ(id->fqdn, "kafka-1.kafka-headless.kafka.svc.cluster.local");
  EXPECT_EQ(id->AdvertisedListener(),
            "PLAINTEXT://kafka-1.kafka-headless.kafka.svc.cluster.local:9092");
  EXPECT_EQ(FormatVoters(id->voters),
            "0@kafka-0.kafka-headless.kafka.svc.cluster.local:29093,"
            "1@kafka-1.kafka-headless.kafka.svc.cluster.local:29093,"
            "2@kafka-2.kafka-headless.kafka.svc.cluster.local:29093");
}

TEST(DeriveIdentityTest, OrdinalsFromControllersOnAreBrokerOnly) {
  auto id = DeriveIdentity(Opts("kafka-3"));
  ASSERT_THAT(id, IsOk());
  EXPECT_FALSE(id->is_controller);
  EXPECT_EQ(id->ProcessRoles(), "broker");
  EXPECT_EQ(id->voters.size(), 3u);

  id = DeriveIdentity(Opts("kafka-4"));
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->ProcessRoles(), "broker");
  EXPECT_EQ(id->node_id, 4);
}

TEST(DeriveIdentityTest, OffsetShiftsNodeIdsAndVoterIds) {
  IdentityOptions o = Opts("kafka-2");
  o.node_id_offset = 100;
  o.controllers = 1;
  o.controller_port = 9093;
  auto id = DeriveIdentity(o);
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->node_id, 102);
  EXPECT_FALSE(id->is_controller);
  EXPECT_EQ(FormatVoters(id->voters),
            "100@kafka-0.kafka-headless.kafka.svc.cluster.local:9093");
}

TEST(DeriveIdentityTest, DefaultsHeadlessServiceFromStatefulSet) {
  IdentityOptions o;
  o.pod_name = "events-0";
  o.cluster_domain = "corp.example";
  auto id = DeriveIdentity(o);
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->headless_service, "events-headless");
  EXPECT_EQ(id->fqdn, "events-0.events-headless.default.svc.corp.example");
}

TEST(DeriveIdentityTest, FiveControllers) {
  IdentityOptions o = Opts("kafka-4");
  o.controllers = 5;
  auto id = DeriveIdentity(o);
  ASSERT_THAT(id, IsOk());
  EXPECT_TRUE(id->is_controller);
  ASSERT_EQ(id->voters.size(), 5u);
  EXPECT_EQ(id->voters[4].host,
            "kafka-4.kafka-headless.kafka.svc.cluster.local");
}

TEST(DeriveIdentityTest, RejectsBadValuesNamingThem) {
  struct Case {
    std::function<void(IdentityOptions&)> mutate;
    const char* says;
  };
  std::vector<Case> cases = {
      {[](auto& o) { o.pod_name = ""; }, "pod name is empty"},
      {[](auto& o) { o.controllers = 0; }, "--controllers 0"},
      {[](auto& o) { o.controllers = -2; }, "--controllers -2"},
      {[](auto& o) { o.controllers = 5000; }, "--controllers 5000"},
      {[](auto& o) { o.node_id_offset = -1; }, "--node-id-offset -1"},
      {[](auto& o) {
         o.pod_name = "kafka-2147483647";
         o.node_id_offset = 1;
       },
       "2147483648 does not fit"},
      {[](auto& o) { o.node_id_offset = 2147483647; }, "voter ids above"},
      {[](auto& o) { o.broker_port = 0; }, "--broker-port 0"},
      {[](auto& o) { o.controller_port = 70000; }, "--controller-port 70000"},
      {[](auto& o) { o.controller_port = 9092; }, "both 9092"},
      {[](auto& o) { o.namespace_name = "Kafka"; }, "--namespace \"Kafka\""},
      {[](auto& o) { o.namespace_name = ""; }, "--namespace \"\""},
      {[](auto& o) { o.headless_service = "kafka_headless"; },
       "--headless-service \"kafka_headless\""},
      {[](auto& o) { o.cluster_domain = "cluster.local."; },
       "--cluster-domain \"cluster.local.\""},
      {[](auto& o) { o.cluster_domain = ""; }, "--cluster-domain \"\""},
  };
  for (const Case& c : cases) {
    IdentityOptions o = Opts("kafka-0");
    c.mutate(o);
    EXPECT_THAT(DeriveIdentity(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr(c.says)))
        << c.says;
  }
}

TEST(DnsNamesTest, LabelsAndSubdomains) {
  EXPECT_TRUE(IsDnsLabel("kafka-headless"));
  EXPECT_TRUE(IsDnsLabel("a"));
  EXPECT_FALSE(IsDnsLabel(""));
  EXPECT_FALSE(IsDnsLabel("-a"));
  EXPECT_FALSE(IsDnsLabel("a-"));
  EXPECT_FALSE(IsDnsLabel("A"));
  EXPECT_FALSE(IsDnsLabel(std::string(64, 'a')));
  EXPECT_TRUE(IsDnsLabel(std::string(63, 'a')));
  EXPECT_TRUE(IsDnsSubdomain("cluster.local"));
  EXPECT_FALSE(IsDnsSubdomain("cluster..local"));
  EXPECT_FALSE(IsDnsSubdomain(".local"));
}

TEST(VotersTest, FormatVoters) {
  EXPECT_EQ(FormatVoters({{0, "k-0.s", 29093}, {1, "k-1.s", 29093}, {2, "k-2.s", 29093}}),
            "0@k-0.s:29093,1@k-1.s:29093,2@k-2.s:29093");
  EXPECT_EQ(FormatVoters({}), "");
}

TEST(VotersTest, Majority) {
  EXPECT_EQ(Majority(1), 1);
  EXPECT_EQ(Majority(2), 2);
  EXPECT_EQ(Majority(3), 2);
  EXPECT_EQ(Majority(4), 3);
  EXPECT_EQ(Majority(5), 3);
}

}  // namespace
}  // namespace kafka_agent
