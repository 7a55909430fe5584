// Which configuration keys hold secrets, so their values never reach a log, an
// error message or an API answer.
#ifndef KAFKA_AGENT_BASE_SECRETS_H_
#define KAFKA_AGENT_BASE_SECRETS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace kafka_agent {

// Whether the value of a Kafka or librdkafka property `key` must not be shown:
// passwords and passphrases, secrets, JAAS configs, tokens, credentials,
// OAUTHBEARER settings, PEM keys and certificates, every ssl.key.* and every
// sasl.* except the mechanism names (with or without a listener.name. prefix).
bool IsSecretProperty(absl::string_view key);

// `value`, or "<redacted>" when `key` is secret.
std::string ShownValue(absl::string_view key, absl::string_view value);

// The part of a malformed "key=value"-like argument that can be shown: up to
// the first '=', ':' or blank. Never anything after it (it may be a secret,
// e.g. "sasl.password:hunter2").
std::string ShownKeyOf(absl::string_view text);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_SECRETS_H_
