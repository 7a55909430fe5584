// Kafka's configuration for one pod: the keys derived from its identity,
// merged over an optional base properties file, written as server.properties
// or as KAFKA_* environment variables (the apache/kafka image's convention).
#ifndef KAFKA_AGENT_INIT_CONFIG_H_
#define KAFKA_AGENT_INIT_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/base/identity.h"
#include "agent/base/properties.h"

namespace kafka_agent {

enum class ConfigFormat { kProperties, kEnv };

absl::StatusOr<ConfigFormat> ParseConfigFormat(absl::string_view s);

// A base-config key that the agent derives itself and so replaced.
struct Override {
  std::string key;
  std::string base_value;
  std::string derived_value;
};

struct RenderedConfig {
  Properties derived;              // the keys derived from the identity
  Properties base;                 // the base config minus derived keys
  std::vector<Override> overrides; // base keys whose value was replaced
  std::string base_source;         // where `base` came from, for comments
};

// The keys every pod gets: node.id, process.roles, controller.quorum.voters,
// listeners, advertised.listeners, controller.listener.names,
// inter.broker.listener.name (pods with the broker role) and
// listener.security.protocol.map; broker.rack when a broker has a rack.
// Listener-scoped keys (listener.name.<name>.*: keystores, JAAS, SASL
// mechanisms) are never derived, so the base config supplies them.
Properties DeriveKafkaProperties(const Identity& id);

// Merges `base` under the derived keys. A derived key that `base` sets to a
// different value is recorded in `overrides`.
RenderedConfig RenderConfig(const Identity& id, const Properties& base,
                            absl::string_view base_source);

// server.properties text: a header naming the pod, the derived keys, then the
// base keys. Deterministic (no timestamps), so re-rendering is a no-op diff.
std::string FormatProperties(const Identity& id, const RenderedConfig& config);

// `KAFKA_NODE_ID=1` lines (POSIX shell syntax, values single-quoted when they
// need it; load with `set -a; . FILE`). Fails, naming the key, when a key
// cannot be expressed as a variable the apache/kafka image maps back to it.
absl::StatusOr<std::string> FormatEnv(const Identity& id,
                                      const RenderedConfig& config);

// The KAFKA_* variable for a property key: '.' -> '_', '_' -> '__',
// '-' -> '___', upper-cased; the inverse of the image's mapping.
absl::StatusOr<std::string> EnvVarForKey(absl::string_view key);

// Single-quotes `value` for a POSIX shell if it holds anything but
// [A-Za-z0-9@%+=:,./_-].
std::string ShellQuote(absl::string_view value);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_INIT_CONFIG_H_
