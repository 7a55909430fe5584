#include "agent/base/secrets.h"

#include "gtest/gtest.h"

namespace kafka_agent {
namespace {

TEST(SecretsTest, SecretKeys) {
  for (const char* key :
       {"sasl.password", "SASL.PASSWORD", "ssl.key.password",
        "ssl.keystore.password", "sasl.jaas.config",
        "listener.name.sasl_ssl.plain.sasl.jaas.config", "ssl.key.pem",
        "ssl.certificate.pem", "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.token.endpoint.url.token", "credentials",
        "ssl.keystore.key", "listener.name.broker.ssl.keystore.key",
        "listener.name.broker.ssl.key.password",
        "listener.name.controller.ssl.keystore.password",
        "listener.name.broker.scram-sha-512.sasl.jaas.config",
        "sasl.oauthbearer.config", "ssh.key.passphrase"}) {
    EXPECT_TRUE(IsSecretProperty(key)) << key;
    EXPECT_EQ(ShownValue(key, "hunter2"), "<redacted>") << key;
  }
}

TEST(SecretsTest, PlainKeys) {
  for (const char* key : {"security.protocol", "sasl.mechanism",
                          "sasl.username", "ssl.ca.location",
                          "bootstrap.servers", "client.id",
                          "ssl.keystore.location", "ssl.keystore.type",
                          "ssl.truststore.location",
                          "ssl.keystore.certificate.chain",
                          "ssl.truststore.certificates",
                          "listener.name.controller.ssl.client.auth",
                          "sasl.enabled.mechanisms"}) {
    EXPECT_FALSE(IsSecretProperty(key)) << key;
    EXPECT_EQ(ShownValue(key, "v"), "v") << key;
  }
}

}  // namespace
}  // namespace kafka_agent
