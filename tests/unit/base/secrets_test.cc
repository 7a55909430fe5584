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
        "sasl.oauthbearer.token.endpoint.url.token", "credentials"}) {
    EXPECT_TRUE(IsSecretProperty(key)) << key;
    EXPECT_EQ(ShownValue(key, "hunter2"), "<redacted>") << key;
  }
}

TEST(SecretsTest, PlainKeys) {
  for (const char* key : {"security.protocol", "sasl.mechanism",
                          "sasl.username", "ssl.ca.location",
                          "bootstrap.servers", "client.id"}) {
    EXPECT_FALSE(IsSecretProperty(key)) << key;
    EXPECT_EQ(ShownValue(key, "v"), "v") << key;
  }
}

}  // namespace
}  // namespace kafka_agent
