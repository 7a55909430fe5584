#include "agent/base/secrets.h"

#include "gtest/gtest.h"

namespace kafka_agent {
namespace {

TEST(SecretsTest, SecretKeys) {
  for (const char* key :
       {"sasl.password", "SASL.PASSWORD", "ssl.key.password",
        "ssl.keystore.password", "ssl.truststore.password", "sasl.jaas.config",
        "listener.name.sasl_ssl.plain.sasl.jaas.config", "ssl.key.pem",
        "ssl.certificate.pem", "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.token.endpoint.url.token", "credentials",
        "ssl.key.location", "ssl.keystore.key", "ssl.key.passphrase",
        "sasl.oauthbearer.config", "sasl.oauthbearer.client.id",
        "sasl.username", "sasl.kerberos.keytab",
        "listener.name.broker.sasl.login.callback.handler.class",
        "ssl.engine.id.private", "https.secret",
        "listener.name.broker.ssl.keystore.key",
        "listener.name.broker.ssl.key.password",
        "listener.name.controller.ssl.keystore.password",
        "listener.name.broker.scram-sha-512.sasl.jaas.config",
        "ssh.key.passphrase"}) {
    EXPECT_TRUE(IsSecretProperty(key)) << key;
    EXPECT_EQ(ShownValue(key, "hunter2"), "<redacted>") << key;
  }
}

TEST(SecretsTest, PlainKeys) {
  for (const char* key :
       {"security.protocol", "sasl.mechanism", "sasl.mechanisms",
        "sasl.enabled.mechanisms", "sasl.mechanism.inter.broker.protocol",
        "sasl.kerberos.service.name", "ssl.ca.location",
        "ssl.endpoint.identification.algorithm", "ssl.certificate.location",
        "bootstrap.servers", "client.id", "listeners",
        "listener.security.protocol.map", "ssl.keystore.location",
        "ssl.keystore.type", "ssl.truststore.location",
        "ssl.keystore.certificate.chain", "ssl.truststore.certificates",
        "listener.name.controller.ssl.client.auth"}) {
    EXPECT_FALSE(IsSecretProperty(key)) << key;
    EXPECT_EQ(ShownValue(key, "v"), "v") << key;
  }
}

TEST(SecretsTest, ShownKeyOfStopsBeforeAnyValue) {
  EXPECT_EQ(ShownKeyOf("sasl.password:hunter2"), "sasl.password");
  EXPECT_EQ(ShownKeyOf("sasl.password hunter2"), "sasl.password");
  EXPECT_EQ(ShownKeyOf("sasl.password=hunter2"), "sasl.password");
  EXPECT_EQ(ShownKeyOf("nokey"), "nokey");
  EXPECT_EQ(ShownKeyOf(":hunter2"), "");
}

}  // namespace
}  // namespace kafka_agent
