#include "agent/init/effective.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kafka_agent {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::SizeIs;

Identity Derive(IdentityOptions o) {
  if (o.pod_name.empty()) o.pod_name = "kafka-0";
  o.namespace_name = "kafka";
  auto id = DeriveIdentity(o);
  EXPECT_TRUE(id.ok()) << id.status();
  return *id;
}

RenderedConfig Render(const Identity& id, const char* base) {
  return RenderConfig(id, *Properties::Parse(base), "/b");
}

TEST(EffectiveListenerSettingsTest, DefaultCombinedPod) {
  Identity id = Derive({});
  EXPECT_THAT(
      EffectiveListenerSettings(id, Render(id, "")),
      ElementsAre(Pair("listeners", "PLAINTEXT://:9092,CONTROLLER://:29093"),
                  Pair("advertised.listeners",
                       "PLAINTEXT://"
                       "kafka-0.kafka-headless.kafka.svc.cluster.local:9092"),
                  Pair("listener.security.protocol.map",
                       "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"),
                  Pair("inter.broker.listener.name", "PLAINTEXT"),
                  Pair("controller.listener.names", "CONTROLLER"),
                  Pair("broker.rack", "(none)")));
}

TEST(EffectiveListenerSettingsTest, ControllerOnlyHasNoInterBrokerListener) {
  IdentityOptions o;
  o.pod_name = "kafka-controller-0";
  o.process_roles = "controller";
  o.rack = "a";
  Identity id = Derive(o);
  auto s = EffectiveListenerSettings(id, Render(id, ""));
  EXPECT_THAT(s[3], Pair("inter.broker.listener.name", "(none)"));
  EXPECT_THAT(s[5], Pair("broker.rack", "(none)"));
}

TEST(SecuritySettingsFromBaseTest, ListsSecurityKeysWithSecretsRedacted) {
  Identity id = Derive({});
  RenderedConfig r =
      Render(id,
             "log.dirs=/data\n"
             "listener.name.broker.ssl.keystore.location=/tls/kafka.p12\n"
             "listener.name.broker.ssl.keystore.password=ks-secret\n"
             "listener.name.broker.ssl.key.password=key-secret\n"
             "ssl.keystore.key=-----BEGIN PRIVATE KEY-----\n"
             "listener.name.broker.plain.sasl.jaas.config=Plain required "
             "password=\"jaas-secret\";\n"
             "sasl.mechanism.inter.broker.protocol=PLAIN\n"
             "ssl.truststore.location=/tls/ca.pem\n"
             "num.partitions=3\n");
  std::string line = JoinSettings(SecuritySettingsFromBase(r));
  EXPECT_THAT(
      line, AllOf(HasSubstr("listener.name.broker.ssl.keystore.location="
                            "/tls/kafka.p12"),
                  HasSubstr("listener.name.broker.ssl.keystore.password="
                            "<redacted>"),
                  HasSubstr("listener.name.broker.ssl.key.password=<redacted>"),
                  HasSubstr("ssl.keystore.key=<redacted>"),
                  HasSubstr("listener.name.broker.plain.sasl.jaas.config="
                            "<redacted>"),
                  HasSubstr("sasl.mechanism.inter.broker.protocol=PLAIN"),
                  HasSubstr("ssl.truststore.location=/tls/ca.pem")));
  for (const char* secret :
       {"ks-secret", "key-secret", "jaas-secret", "BEGIN PRIVATE KEY"}) {
    EXPECT_THAT(line, Not(HasSubstr(secret)));
  }
  EXPECT_THAT(line, Not(HasSubstr("log.dirs")));
  EXPECT_THAT(line, Not(HasSubstr("num.partitions")));
}

TEST(SecurityHintsTest, PlaintextNeedsNothing) {
  Identity id = Derive({});
  EXPECT_THAT(SecurityHints(id, Render(id, "")), IsEmpty());
}

TEST(SecurityHintsTest, TlsWithoutKeystoreAndSaslWithoutMechanisms) {
  IdentityOptions o;
  o.broker_security_protocol = "SASL_SSL";
  o.controller_security_protocol = "SASL_PLAINTEXT";
  Identity id = Derive(o);
  auto hints = SecurityHints(id, Render(id, ""));
  EXPECT_THAT(hints, SizeIs(5));
  std::string all;
  for (const auto& h : hints) all += h + "\n";
  EXPECT_THAT(all,
              AllOf(HasSubstr("listener BROKER is SASL_SSL but the base "
                              "config sets no keystore"),
                    HasSubstr("listener.name.broker.sasl.enabled.mechanisms"),
                    HasSubstr("listener.name.controller.sasl.enabled."
                              "mechanisms"),
                    HasSubstr("sasl.mechanism.inter.broker.protocol"),
                    HasSubstr("sasl.mechanism.controller.protocol")));
}

TEST(SecurityHintsTest, ACompleteSetUpHasNoHints) {
  IdentityOptions o;
  o.broker_security_protocol = "SASL_SSL";
  o.controller_security_protocol = "SSL";
  Identity id = Derive(o);
  EXPECT_THAT(
      SecurityHints(
          id, Render(id,
                     "listener.name.broker.ssl.keystore.location=/k.p12\n"
                     "listener.name.controller.ssl.keystore.location=/k.p12\n"
                     "listener.name.broker.sasl.enabled.mechanisms=PLAIN\n"
                     "sasl.mechanism.inter.broker.protocol=PLAIN\n")),
      IsEmpty());
  // A generic keystore serves every listener.
  EXPECT_THAT(SecurityHints(id, Render(id,
                                       "ssl.keystore.location=/k.p12\n"
                                       "sasl.enabled.mechanisms=PLAIN\n"
                                       "sasl.mechanism.inter.broker.protocol="
                                       "PLAIN\n")),
              IsEmpty());
}

TEST(SecurityHintsTest, ABrokerOnlyPodNeedsNoControllerKeystore) {
  IdentityOptions o;
  o.pod_name = "kafka-4";
  o.controller_security_protocol = "SSL";
  Identity id = Derive(o);
  EXPECT_THAT(SecurityHints(id, Render(id, "")), IsEmpty());
}

}  // namespace
}  // namespace kafka_agent
