#include "agent/base/secrets.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace kafka_agent {

bool IsSecretProperty(absl::string_view key) {
  const std::string k = absl::AsciiStrToLower(key);
  // keystore.key: Kafka's PEM private key (ssl.keystore.key and its
  // listener.name.<l>. forms); oauthbearer covers librdkafka's free-form
  // OAUTHBEARER settings, which may carry a client secret.
  for (const char* marker :
       {"password", "passphrase", "secret", "jaas", "token", "credential",
        "oauthbearer", "key.pem", "certificate.pem", "keystore.key",
        "private"}) {
    if (absl::StrContains(k, marker)) return true;
  }
  // Every ssl.key.* (the key itself, its password, its location), every key
  // ending in .key (ssl.keystore.key: a PEM private key), and every
  // sasl.* but the mechanism names, whatever the prefix (listener.name.x.).
  if (absl::StrContains(k, "ssl.key.") || absl::EndsWith(k, ".key")) {
    return true;
  }
  const size_t sasl = k.find("sasl.");
  if (sasl != std::string::npos && (sasl == 0 || k[sasl - 1] == '.')) {
    const absl::string_view rest = absl::string_view(k).substr(sasl + 5);
    return rest != "mechanism" && rest != "mechanisms" &&
           rest != "enabled.mechanisms" && rest != "kerberos.service.name" &&
           rest != "mechanism.controller.protocol" &&
           rest != "mechanism.inter.broker.protocol";
  }
  return false;
}

std::string ShownValue(absl::string_view key, absl::string_view value) {
  return IsSecretProperty(key) ? "<redacted>" : std::string(value);
}

std::string ShownKeyOf(absl::string_view text) {
  const size_t end = text.find_first_of("=: \t");
  return std::string(text.substr(0, end));
}

}  // namespace kafka_agent
