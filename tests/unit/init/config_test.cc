#include "agent/init/config.h"

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

TEST(ParseConfigFormatTest, NamesTheBadValue) {
  EXPECT_EQ(*ParseConfigFormat("env"), ConfigFormat::kEnv);
  EXPECT_THAT(ParseConfigFormat("yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"yaml\"")));
}

}  // namespace
}  // namespace kafka_agent
