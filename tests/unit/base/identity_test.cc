#include "agent/base/identity.h"

#include <functional>
#include <string>
#include <vector>

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

// One row per topology: what a pod renders for its roles and listeners.
struct TopologyCase {
  const char* name;
  std::function<void(IdentityOptions&)> set;
  const char* roles;
  int node_id;
  const char* listeners;
  const char* advertised;
  const char* protocol_map;
  const char* inter_broker;  // "" for controller-only
  const char* voters;
};

TEST(DeriveIdentityTest, Topologies) {
  const char* kCombinedVoters =
      "0@kafka-0.kafka-headless.kafka.svc.cluster.local:29093,"
      "1@kafka-1.kafka-headless.kafka.svc.cluster.local:29093,"
      "2@kafka-2.kafka-headless.kafka.svc.cluster.local:29093";
  const char* kDedicatedVoters =
      "0@kafka-controller-0.kafka-controller-headless.kafka.svc.cluster.local:"
      "29093,"
      "1@kafka-controller-1.kafka-controller-headless.kafka.svc.cluster.local:"
      "29093,"
      "2@kafka-controller-2.kafka-controller-headless.kafka.svc.cluster.local:"
      "29093";
  auto controller_sts = [](IdentityOptions& o) {
    o.pod_name = "kafka-controller-1";
    o.headless_service = "kafka-controller-headless";
    o.process_roles = "controller";
  };
  auto broker_sts = [](IdentityOptions& o) {
    o.pod_name = "kafka-2";
    o.process_roles = "broker";
    o.node_id_offset = 100;
    o.controller_statefulset = "kafka-controller";
    o.controller_service = "kafka-controller-headless";
    o.controller_node_id_offset = 0;
  };
  const std::vector<TopologyCase> cases = {
      {"auto, a controller ordinal: combined (today's default)",
       [](auto& o) { o.pod_name = "kafka-0"; }, "broker,controller", 0,
       "PLAINTEXT://:9092,CONTROLLER://:29093",
       "PLAINTEXT://kafka-0.kafka-headless.kafka.svc.cluster.local:9092",
       "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT", "PLAINTEXT", kCombinedVoters},
      {"auto, ordinal >= controllers: broker only",
       [](auto& o) { o.pod_name = "kafka-3"; }, "broker", 3, "PLAINTEXT://:9092",
       "PLAINTEXT://kafka-3.kafka-headless.kafka.svc.cluster.local:9092",
       "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT", "PLAINTEXT", kCombinedVoters},
      {"explicit broker,controller equals auto on a controller ordinal",
       [](auto& o) {
         o.pod_name = "kafka-0";
         o.process_roles = "controller,broker";
       },
       "broker,controller", 0, "PLAINTEXT://:9092,CONTROLLER://:29093",
       "PLAINTEXT://kafka-0.kafka-headless.kafka.svc.cluster.local:9092",
       "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT", "PLAINTEXT", kCombinedVoters},
      {"controller-only StatefulSet", controller_sts, "controller", 1,
       "CONTROLLER://:29093",
       "CONTROLLER://kafka-controller-1.kafka-controller-headless.kafka.svc."
       "cluster.local:29093",
       "CONTROLLER:PLAINTEXT", "", kDedicatedVoters},
      {"controller-only, SSL", [&](auto& o) {
         controller_sts(o);
         o.controller_security_protocol = "SSL";
         o.broker_security_protocol = "SASL_SSL";  // not its listener
       },
       "controller", 1, "CONTROLLER://:29093",
       "CONTROLLER://kafka-controller-1.kafka-controller-headless.kafka.svc."
       "cluster.local:29093",
       "CONTROLLER:SSL", "", kDedicatedVoters},
      {"broker StatefulSet pointing at the controllers", broker_sts, "broker",
       102, "PLAINTEXT://:9092",
       "PLAINTEXT://kafka-2.kafka-headless.kafka.svc.cluster.local:9092",
       "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT", "PLAINTEXT",
       kDedicatedVoters},
      {"broker StatefulSet, SASL_SSL brokers and SSL controllers",
       [&](auto& o) {
         broker_sts(o);
         o.broker_security_protocol = "SASL_SSL";
         o.controller_security_protocol = "SSL";
       },
       "broker", 102, "BROKER://:9092",
       "BROKER://kafka-2.kafka-headless.kafka.svc.cluster.local:9092",
       "CONTROLLER:SSL,BROKER:SASL_SSL", "BROKER", kDedicatedVoters},
      {"combined, SASL_SSL brokers and SSL controllers",
       [](auto& o) {
         o.pod_name = "kafka-1";
         o.broker_security_protocol = "SASL_SSL";
         o.controller_security_protocol = "SSL";
       },
       "broker,controller", 1, "BROKER://:9092,CONTROLLER://:29093",
       "BROKER://kafka-1.kafka-headless.kafka.svc.cluster.local:9092",
       "CONTROLLER:SSL,BROKER:SASL_SSL", "BROKER", kCombinedVoters},
      {"custom listener names",
       [](auto& o) {
         o.pod_name = "kafka-1";
         o.broker_security_protocol = "SSL";
         o.broker_listener_name = "INTERNAL";
         o.controller_listener_name = "QUORUM";
       },
       "broker,controller", 1, "INTERNAL://:9092,QUORUM://:29093",
       "INTERNAL://kafka-1.kafka-headless.kafka.svc.cluster.local:9092",
       "QUORUM:PLAINTEXT,INTERNAL:SSL", "INTERNAL", kCombinedVoters},
      {"a listener may keep its protocol's name",
       [](auto& o) {
         o.pod_name = "kafka-4";
         o.broker_security_protocol = "SASL_SSL";
         o.broker_listener_name = "SASL_SSL";
       },
       "broker", 4, "SASL_SSL://:9092",
       "SASL_SSL://kafka-4.kafka-headless.kafka.svc.cluster.local:9092",
       "CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL", "SASL_SSL", kCombinedVoters},
  };
  for (const TopologyCase& c : cases) {
    IdentityOptions o = Opts("kafka-0");
    c.set(o);
    auto id = DeriveIdentity(o);
    ASSERT_THAT(id, IsOk()) << c.name;
    EXPECT_EQ(id->ProcessRoles(), c.roles) << c.name;
    EXPECT_EQ(id->node_id, c.node_id) << c.name;
    EXPECT_EQ(id->Listeners(), c.listeners) << c.name;
    EXPECT_EQ(id->AdvertisedListeners(), c.advertised) << c.name;
    EXPECT_EQ(id->AdvertisedListener(), c.advertised) << c.name;
    EXPECT_EQ(id->SecurityProtocolMap(), c.protocol_map) << c.name;
    EXPECT_EQ(id->InterBrokerListenerName(), c.inter_broker) << c.name;
    EXPECT_EQ(FormatVoters(id->voters), c.voters) << c.name;
  }
}

TEST(DeriveIdentityTest, DefaultsNameTheOwnStatefulSetAsControllers) {
  auto id = DeriveIdentity(Opts("kafka-4"));
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->controller_statefulset, "kafka");
  EXPECT_EQ(id->controller_service, "kafka-headless");
  EXPECT_EQ(id->controller_node_id_offset, 0);
  EXPECT_FALSE(id->HasSeparateControllers());
  EXPECT_TRUE(id->is_broker);
  EXPECT_EQ(id->broker_listener.name, "PLAINTEXT");
  EXPECT_EQ(id->controller_listener.name, "CONTROLLER");
  EXPECT_EQ(id->rack, "");
}

TEST(DeriveIdentityTest, ExplicitValuesEqualToTheDefaultsAreFineWithAuto) {
  IdentityOptions o = Opts("kafka-1");
  o.controller_statefulset = "kafka";
  o.controller_service = "kafka-headless";
  o.controller_node_id_offset = 0;
  auto id = DeriveIdentity(o);
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->ProcessRoles(), "broker,controller");
}

TEST(DeriveIdentityTest, RackIsKeptForBrokers) {
  IdentityOptions o = Opts("kafka-1");
  o.rack = "europe-west1-b";
  auto id = DeriveIdentity(o);
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->rack, "europe-west1-b");
}

// Combinations that cannot form a working cluster: exit 2 naming the values
// and the fix.
TEST(DeriveIdentityTest, RejectsBadTopologies) {
  struct Case {
    std::function<void(IdentityOptions&)> mutate;
    std::vector<const char*> says;
  };
  std::vector<Case> cases = {
      {[](auto& o) { o.process_roles = "leader"; },
       {"--process-roles \"leader\"", "auto"}},
      {[](auto& o) { o.process_roles = "broker, controller"; },
       {"\"broker, controller\""}},
      {[](auto& o) { o.controller_statefulset = "kafka-controller"; },
       {"--controller-statefulset \"kafka-controller\"", "\"kafka\"",
        "--process-roles broker"}},
      {[](auto& o) { o.controller_service = "other"; },
       {"--controller-service \"other\"", "--headless-service \"kafka-headless\"",
        "--process-roles broker"}},
      {[](auto& o) { o.controller_node_id_offset = 5; },
       {"--controller-node-id-offset 5", "--node-id-offset 0"}},
      {[](auto& o) {
         o.pod_name = "kafka-controller-3";
         o.process_roles = "controller";
       },
       {"kafka-controller-3", "ordinals 0..2", "this is ordinal 3",
        "--controllers"}},
      {[](auto& o) {
         o.pod_name = "kafka-5";
         o.process_roles = "broker,controller";
       },
       {"ordinal 5", "ordinals 0..2"}},
      {[](auto& o) {
         o.process_roles = "controller";
         o.controller_statefulset = "kafka-controller";
       },
       {"controller role", "--controller-statefulset \"kafka-controller\"",
        "\"kafka\""}},
      {[](auto& o) {
         o.process_roles = "controller";
         o.controller_service = "kafka-controller-headless";
       },
       {"--controller-service \"kafka-controller-headless\"",
        "--headless-service \"kafka-headless\""}},
      {[](auto& o) {
         o.process_roles = "controller";
         o.controller_node_id_offset = 10;
       },
       {"--controller-node-id-offset 10", "node.id 0"}},
      {[](auto& o) {
         o.pod_name = "kafka-1";
         o.process_roles = "broker";
       },
       {"--process-roles broker on pod kafka-1", "voter 1", "auto"}},
      {[](auto& o) {
         o.pod_name = "kafka-1";
         o.process_roles = "broker";
         o.controller_statefulset = "kafka-controller";
         o.controller_service = "kafka-controller-headless";
       },
       {"node.id 1 of broker-only pod kafka-1", "voter 1",
        "kafka-controller-1.kafka-controller-headless", "ids 0..2",
        "--node-id-offset 3 or more"}},
      {[](auto& o) {
         o.pod_name = "kafka-0";
         o.process_roles = "broker";
         o.node_id_offset = 100;
         o.controller_statefulset = "kafka-controller";
         o.controller_node_id_offset = 99;
         o.controllers = 5;
       },
       {"node.id 100", "ids 99..103", "--node-id-offset 104"}},
      {[](auto& o) { o.controller_statefulset = "Kafka_Controller"; },
       {"--controller-statefulset \"Kafka_Controller\""}},
      {[](auto& o) {
         o.process_roles = "broker";
         o.controller_service = "ctrl.svc";
       },
       {"--controller-service \"ctrl.svc\""}},
      {[](auto& o) {
         o.process_roles = "broker";
         o.controller_node_id_offset = -1;
       },
       {"--controller-node-id-offset -1 is negative"}},
      {[](auto& o) {
         o.process_roles = "broker";
         o.node_id_offset = 100;
         o.controller_statefulset = "c";
         o.controller_node_id_offset = 2147483647;
       },
       {"--controller-node-id-offset 2147483647", "voter ids above"}},
      {[](auto& o) { o.broker_security_protocol = "TLS"; },
       {"--broker-security-protocol \"TLS\"", "SASL_SSL"}},
      {[](auto& o) { o.controller_security_protocol = "ssl"; },
       {"--controller-security-protocol \"ssl\"", "upper case"}},
      {[](auto& o) { o.broker_listener_name = "broker"; },
       {"--broker-listener-name \"broker\"", "upper-case"}},
      {[](auto& o) { o.controller_listener_name = "CTRL-1"; },
       {"--controller-listener-name \"CTRL-1\""}},
      {[](auto& o) { o.controller_listener_name = "PLAINTEXT"; },
       {"both named \"PLAINTEXT\""}},
      {[](auto& o) {
         o.broker_security_protocol = "SASL_SSL";
         o.broker_listener_name = "SSL";
       },
       {"--broker-listener-name \"SSL\"", "SASL_SSL"}},
      {[](auto& o) { o.rack = "$(ZONE)"; },
       {"--rack \"$(ZONE)\"", "unexpanded"}},
      {[](auto& o) { o.rack = "zone a"; }, {"--rack \"zone a\"", "' '"}},
      {[](auto& o) { o.rack = "a,b"; }, {"--rack \"a,b\"", "','"}},
      {[](auto& o) { o.rack = std::string(256, 'a'); }, {"longer than 255"}},
  };
  for (const Case& c : cases) {
    IdentityOptions o = Opts("kafka-0");
    c.mutate(o);
    auto id = DeriveIdentity(o);
    ASSERT_FALSE(id.ok()) << c.says[0];
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
    for (const char* s : c.says) {
      EXPECT_THAT(std::string(id.status().message()), HasSubstr(s))
          << c.says[0];
    }
  }
}

TEST(SecurityProtocolTest, RoundTrips) {
  for (const char* name : {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}) {
    auto p = ParseSecurityProtocol("--x", name);
    ASSERT_THAT(p, IsOk());
    EXPECT_EQ(SecurityProtocolName(*p), name);
  }
  EXPECT_THAT(ParseSecurityProtocol("--x", ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--x \"\"")));
}

TEST(CheckRackTest, AcceptsZoneNames) {
  for (const char* rack : {"a", "us-east-1a", "europe-west1-b", "eu_de/fra:1",
                           "RACK1", "zone.1"}) {
    EXPECT_THAT(CheckRack("--rack", rack), IsOk()) << rack;
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
