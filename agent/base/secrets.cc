#include "agent/base/secrets.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace kafka_agent {

bool IsSecretProperty(absl::string_view key) {
  const std::string k = absl::AsciiStrToLower(key);
  // keystore.key: Kafka's PEM private key (ssl.keystore.key and its
  // listener.name.<l>. forms); oauthbearer.config: librdkafka's free-form
  // OAUTHBEARER settings, which may carry a client secret.
  for (const char* marker :
       {"password", "passphrase", "secret", "jaas", "token", "key.pem",
        "certificate.pem", "keystore.key", "oauthbearer.config",
        "credential"}) {
    if (absl::StrContains(k, marker)) return true;
  }
  return false;
}

std::string ShownValue(absl::string_view key, absl::string_view value) {
  return IsSecretProperty(key) ? "<redacted>" : std::string(value);
}

}  // namespace kafka_agent
