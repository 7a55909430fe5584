// Which configuration keys hold secrets, so their values never reach a log, an
// error message or an API answer.
#ifndef KAFKA_AGENT_BASE_SECRETS_H_
#define KAFKA_AGENT_BASE_SECRETS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace kafka_agent {

// Whether the value of a Kafka or librdkafka property `key` must not be shown
// (passwords, JAAS configs, tokens, private keys, credentials).
bool IsSecretProperty(absl::string_view key);

// `value`, or "<redacted>" when `key` is secret.
std::string ShownValue(absl::string_view key, absl::string_view value);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_SECRETS_H_
