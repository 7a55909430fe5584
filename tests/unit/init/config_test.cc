#include "agent/init/config.h"

#include "absl/strings/str_cat.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/sidecar/kafka_fakes.h"
#include "tests/unit/status_matchers.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::IsOk;
using ::kafka_agent::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

Identity IdFor(const std::string& pod) { return testing::TutorialIdentity(pod); }

TEST(DeriveKafkaPropertiesTest, ControllerPod) {
  Properties p = DeriveKafkaProperties(IdFor("kafka-1"));
  EXPECT_THAT(
      p.entries(),
      ElementsAre(
          Pair("node.id", "1"), Pair("process.roles", "broker,controller"),
          Pair("controller.quorum.voters",
               "0@kafka-0.kafka-headless.kafka.svc.cluster.local:29093,"
               "1@kafka-1.kafka-headless.kafka.svc.cluster.local:29093,"
               "2@kafka-2.kafka-headless.kafka.svc.cluster.local:29093"),
          Pair("listeners", "PLAINTEXT://:9092,CONTROLLER://:29093"),
          Pair("advertised.listeners",
               "PLAINTEXT://kafka-1.kafka-headless.kafka.svc.cluster.local:9092"),
          Pair("controller.listener.names", "CONTROLLER"),
          Pair("inter.broker.listener.name", "PLAINTEXT"),
          Pair("listener.security.protocol.map",
               "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT")));
}

TEST(DeriveKafkaPropertiesTest, BrokerOnlyPodHasNoControllerListener) {
  Properties p = DeriveKafkaProperties(IdFor("kafka-4"));
  EXPECT_EQ(*p.Get("process.roles"), "broker");
  EXPECT_EQ(*p.Get("listeners"), "PLAINTEXT://:9092");
  EXPECT_EQ(*p.Get("node.id"), "4");
  // It still needs to know how to reach the controllers.
  EXPECT_EQ(*p.Get("controller.listener.names"), "CONTROLLER");
  EXPECT_NE(p.Get("controller.quorum.voters"), nullptr);
}

TEST(RenderConfigTest, BaseKeysMergeUnderDerivedOnes) {
  auto base = Properties::Parse(
      "log.dirs=/var/lib/kafka/data\n"
      "node.id=7\n"
      "process.roles=broker,controller\n"  // same as derived: no override
      "min.insync.replicas=2\n");
  ASSERT_THAT(base, IsOk());
  RenderedConfig r = RenderConfig(IdFor("kafka-1"), *base, "/etc/base");
  EXPECT_THAT(r.base.entries(),
              ElementsAre(Pair("log.dirs", "/var/lib/kafka/data"),
                          Pair("min.insync.replicas", "2")));
  ASSERT_EQ(r.overrides.size(), 1u);
  EXPECT_EQ(r.overrides[0].key, "node.id");
  EXPECT_EQ(r.overrides[0].base_value, "7");
  EXPECT_EQ(r.overrides[0].derived_value, "1");
}

TEST(FormatPropertiesTest, ParsesBackToDerivedPlusBase) {
  auto base = Properties::Parse(
      "log.dirs=/data\nnode.id=7\nsasl.jaas.config=a b \\\"c\\\";\n");
  RenderedConfig r = RenderConfig(IdFor("kafka-2"), *base, "/etc/base");
  std::string text = FormatProperties(IdFor("kafka-2"), r);
  EXPECT_THAT(text, HasSubstr("for pod kafka-2 in namespace kafka"));
  EXPECT_THAT(text, HasSubstr("# base config set node.id=7; replaced"));
  EXPECT_THAT(text, HasSubstr("\nnode.id=2\n"));
  EXPECT_THAT(text, HasSubstr("\nlisteners=PLAINTEXT://:9092,CONTROLLER://:29093\n"));
  auto back = Properties::Parse(text);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back->Get("node.id"), "2");
  EXPECT_EQ(*back->Get("log.dirs"), "/data");
  EXPECT_EQ(*back->Get("sasl.jaas.config"), "a b \"c\";");
  EXPECT_EQ(back->size(), 8u + 2u);
}

TEST(FormatPropertiesTest, IsDeterministic) {
  RenderedConfig r = RenderConfig(IdFor("kafka-0"), Properties(), "");
  EXPECT_EQ(FormatProperties(IdFor("kafka-0"), r),
            FormatProperties(IdFor("kafka-0"), r));
  EXPECT_THAT(FormatProperties(IdFor("kafka-0"), r),
              Not(HasSubstr("From the base config")));
}

TEST(EnvVarForKeyTest, FollowsTheImageConvention) {
  EXPECT_EQ(*EnvVarForKey("node.id"), "KAFKA_NODE_ID");
  EXPECT_EQ(*EnvVarForKey("listener.security.protocol.map"),
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP");
  EXPECT_EQ(*EnvVarForKey("a_b"), "KAFKA_A__B");
  EXPECT_EQ(*EnvVarForKey("a-b.c"), "KAFKA_A___B_C");
  EXPECT_THAT(EnvVarForKey("listener.name.INTERNAL.x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"listener.name.INTERNAL.x\"")));
  EXPECT_THAT(EnvVarForKey("heap.opts"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("KAFKA_HEAP_OPTS")));
  EXPECT_THAT(EnvVarForKey(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("empty")));
}

TEST(ShellQuoteTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(ShellQuote("PLAINTEXT://:9092"), "PLAINTEXT://:9092");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("a b"), "'a b'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote("$HOME"), "'$HOME'");
}

TEST(FormatEnvTest, WritesEveryKeyAsAVariable) {
  auto base = Properties::Parse("log.dirs=/data\nsasl.jaas.config=x y;\n");
  RenderedConfig r = RenderConfig(IdFor("kafka-4"), *base, "/b");
  auto env = FormatEnv(IdFor("kafka-4"), r);
  ASSERT_THAT(env, IsOk());
  EXPECT_THAT(*env, HasSubstr("\nKAFKA_NODE_ID=4\n"));
  EXPECT_THAT(*env, HasSubstr("\nKAFKA_PROCESS_ROLES=broker\n"));
  EXPECT_THAT(*env, HasSubstr("\nKAFKA_LOG_DIRS=/data\n"));
  EXPECT_THAT(*env, HasSubstr("\nKAFKA_SASL_JAAS_CONFIG='x y;'\n"));
}

TEST(FormatEnvTest, FailsOnAKeyThatCannotBeAVariable) {
  auto base = Properties::Parse("listener.name.EXTERNAL.ssl.key=x\n");
  RenderedConfig r = RenderConfig(IdFor("kafka-0"), *base, "/b");
  EXPECT_THAT(FormatEnv(IdFor("kafka-0"), r),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("listener.name.EXTERNAL.ssl.key")));
}

Identity Derive(const IdentityOptions& o) {
  auto id = DeriveIdentity(o);
  EXPECT_TRUE(id.ok()) << id.status();
  return *id;
}

IdentityOptions KafkaNs(const std::string& pod) {
  IdentityOptions o;
  o.pod_name = pod;
  o.namespace_name = "kafka";
  return o;
}

TEST(DeriveKafkaPropertiesTest, ControllerOnlyPodHasOnlyTheControllerListener) {
  IdentityOptions o = KafkaNs("kafka-controller-0");
  o.process_roles = "controller";
  o.controller_security_protocol = "SSL";
  o.rack = "zone-a";  // a controller has no broker.rack
  Properties p = DeriveKafkaProperties(Derive(o));
  const std::string host =
      "kafka-controller-0.kafka-controller-headless.kafka.svc.cluster.local";
  EXPECT_THAT(
      p.entries(),
      ElementsAre(
          Pair("node.id", "0"), Pair("process.roles", "controller"),
          Pair("controller.quorum.voters",
               "0@" + host + ":29093,"
               "1@kafka-controller-1.kafka-controller-headless.kafka.svc."
               "cluster.local:29093,"
               "2@kafka-controller-2.kafka-controller-headless.kafka.svc."
               "cluster.local:29093"),
          Pair("listeners", "CONTROLLER://:29093"),
          Pair("advertised.listeners", "CONTROLLER://" + host + ":29093"),
          Pair("controller.listener.names", "CONTROLLER"),
          Pair("listener.security.protocol.map", "CONTROLLER:SSL")));
}

TEST(DeriveKafkaPropertiesTest, SecureBrokerOfASeparateStatefulSetWithRack) {
  IdentityOptions o = KafkaNs("kafka-1");
  o.process_roles = "broker";
  o.node_id_offset = 100;
  o.controller_statefulset = "kafka-controller";
  o.controller_service = "kafka-controller-headless";
  o.controller_node_id_offset = 0;
  o.controllers = 1;
  o.broker_security_protocol = "SASL_SSL";
  o.controller_security_protocol = "SSL";
  o.rack = "us-east-1b";
  Properties p = DeriveKafkaProperties(Derive(o));
  EXPECT_THAT(
      p.entries(),
      ElementsAre(
          Pair("node.id", "101"), Pair("process.roles", "broker"),
          Pair("controller.quorum.voters",
               "0@kafka-controller-0.kafka-controller-headless.kafka.svc."
               "cluster.local:29093"),
          Pair("listeners", "BROKER://:9092"),
          Pair("advertised.listeners",
               "BROKER://kafka-1.kafka-headless.kafka.svc.cluster.local:9092"),
          Pair("controller.listener.names", "CONTROLLER"),
          Pair("inter.broker.listener.name", "BROKER"),
          Pair("listener.security.protocol.map",
               "CONTROLLER:SSL,BROKER:SASL_SSL"),
          Pair("broker.rack", "us-east-1b")));
}

// Keystores, JAAS and mechanisms are listener-scoped keys of the base
// config: the derived keys never replace them, and an overridden derived
// key is the only thing recorded as replaced.
TEST(RenderConfigTest, ListenerScopedBaseKeysPassThrough) {
  IdentityOptions o = KafkaNs("kafka-0");
  o.broker_security_protocol = "SASL_SSL";
  o.controller_security_protocol = "SSL";
  auto base = Properties::Parse(
      "listener.name.broker.ssl.keystore.location=/etc/tls/kafka.p12\n"
      "listener.name.broker.ssl.keystore.password=ks-secret\n"
      "listener.name.broker.sasl.enabled.mechanisms=PLAIN\n"
      "listener.name.broker.plain.sasl.jaas.config=x required;\n"
      "listener.name.controller.ssl.client.auth=required\n"
      "sasl.mechanism.inter.broker.protocol=PLAIN\n"
      "listener.security.protocol.map=CONTROLLER:PLAINTEXT,BROKER:PLAINTEXT\n");
  ASSERT_THAT(base, IsOk());
  RenderedConfig r = RenderConfig(Derive(o), *base, "/b");
  EXPECT_EQ(r.base.size(), 6u);
  ASSERT_EQ(r.overrides.size(), 1u);
  EXPECT_EQ(r.overrides[0].key, "listener.security.protocol.map");
  EXPECT_EQ(r.overrides[0].derived_value, "CONTROLLER:SSL,BROKER:SASL_SSL");
  auto back = Properties::Parse(FormatProperties(Derive(o), r));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back->Get("listener.name.broker.plain.sasl.jaas.config"),
            "x required;");
  EXPECT_EQ(*back->Get("listener.name.broker.ssl.keystore.password"),
            "ks-secret");
}

// The default flags render exactly what the agent rendered before listener
// security and topologies existed (captured from the previous release's
// `render --pod-name kafka-0 --namespace kafka`).
TEST(FormatPropertiesTest, DefaultOutputIsUnchanged) {
  RenderedConfig r = RenderConfig(IdFor("kafka-0"), Properties(), "");
  EXPECT_EQ(
      FormatProperties(IdFor("kafka-0"), r),
      absl::StrCat(
          "# Rendered by kafka-agent ", KAFKA_AGENT_VERSION,
          " for pod kafka-0 in namespace kafka.\n"
          "# Regenerated at every pod start: change the base config or the "
          "agent's flags, not this file.\n"
          "\n"
          "# Derived from the StatefulSet ordinal (kafka-0 -> node.id 0).\n"
          "node.id=0\n"
          "process.roles=broker,controller\n"
          "controller.quorum.voters=0@kafka-0.kafka-headless.kafka.svc."
          "cluster.local:29093,1@kafka-1.kafka-headless.kafka.svc.cluster."
          "local:29093,2@kafka-2.kafka-headless.kafka.svc.cluster.local:"
          "29093\n"
          "listeners=PLAINTEXT://:9092,CONTROLLER://:29093\n"
          "advertised.listeners=PLAINTEXT://kafka-0.kafka-headless.kafka.svc."
          "cluster.local:9092\n"
          "controller.listener.names=CONTROLLER\n"
          "inter.broker.listener.name=PLAINTEXT\n"
          "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:"
          "PLAINTEXT\n"));
}

TEST(ParseConfigFormatTest, NamesTheBadValue) {
  EXPECT_EQ(*ParseConfigFormat("env"), ConfigFormat::kEnv);
  EXPECT_THAT(ParseConfigFormat("yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"yaml\"")));
}

}  // namespace
}  // namespace kafka_agent
