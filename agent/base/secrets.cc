#include "agent/base/secrets.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace kafka_agent {

bool IsSecretProperty(absl::string_view key) {
  const std::string k = absl::AsciiStrToLower(key);
  for (const char* marker : {"password", "secret", "jaas", "token", "key.pem",
                             "certificate.pem", "credential"}) {
    if (absl::StrContains(k, marker)) return true;
  }
  return false;
}

std::string ShownValue(absl::string_view key, absl::string_view value) {
  return IsSecretProperty(key) ? "<redacted>" : std::string(value);
}

}  // namespace kafka_agent
