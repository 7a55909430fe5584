#include "agent/init/config.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace kafka_agent {
namespace {

// KAFKA_* variables the apache/kafka image reads for itself (JVM options,
// logging) rather than mapping to a property.
constexpr absl::string_view kReservedEnv[] = {
    "KAFKA_VERSION",         "KAFKA_HEAP_OPTS",
    "KAFKA_LOG4J_OPTS",      "KAFKA_OPTS",
    "KAFKA_JMX_OPTS",        "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",     "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS",   "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    "KAFKA_JMX_HOSTNAME",
};

std::string Header(const Identity& id) {
  return absl::StrCat("# Rendered by kafka-agent ", KAFKA_AGENT_VERSION,
                      " for pod ", id.pod_name, " in namespace ",
                      id.namespace_name,
                      ".\n# Regenerated at every pod start: change the base "
                      "config or the agent's flags, not this file.\n");
}

}  // namespace

absl::StatusOr<ConfigFormat> ParseConfigFormat(absl::string_view s) {
  if (s == "properties") return ConfigFormat::kProperties;
  if (s == "env") return ConfigFormat::kEnv;
  return absl::InvalidArgumentError(absl::StrCat(
      "--format \"", s, "\" is not a config format; use properties or env"));
}

Properties DeriveKafkaProperties(const Identity& id) {
  Properties p;
  p.Set("node.id", absl::StrCat(id.node_id));
  p.Set("process.roles", id.ProcessRoles());
  p.Set("controller.quorum.voters", FormatVoters(id.voters));
  p.Set("listeners", id.Listeners());
  p.Set("advertised.listeners", id.AdvertisedListeners());
  p.Set("controller.listener.names", id.controller_listener.name);
  if (id.is_broker) {
    p.Set("inter.broker.listener.name", id.InterBrokerListenerName());
  }
  p.Set("listener.security.protocol.map", id.SecurityProtocolMap());
  if (id.is_broker && !id.rack.empty()) p.Set("broker.rack", id.rack);
  return p;
}

RenderedConfig RenderConfig(const Identity& id, const Properties& base,
                            absl::string_view base_source) {
  RenderedConfig out;
  out.derived = DeriveKafkaProperties(id);
  out.base_source = std::string(base_source);
  for (const auto& [key, value] : base.entries()) {
    const std::string* derived = out.derived.Get(key);
    if (derived == nullptr) {
      out.base.Set(key, value);
    } else if (*derived != value) {
      out.overrides.push_back(Override{key, value, *derived});
    }
  }
  return out;
}

std::string FormatProperties(const Identity& id, const RenderedConfig& config) {
  std::string out = Header(id);
  absl::StrAppend(&out, "\n# Derived from the StatefulSet ordinal (", id.pod_name,
                  " -> node.id ", id.node_id, ").\n");
  for (const Override& o : config.overrides) {
    absl::StrAppend(&out, "# base config set ", EscapePropertyKey(o.key), "=",
                    EscapePropertyValue(o.base_value),
                    "; replaced by the derived value\n");
  }
  absl::StrAppend(&out, config.derived.Serialize());
  if (config.base.size() > 0) {
    absl::StrAppend(&out, "\n# From the base config ", config.base_source,
                    ".\n", config.base.Serialize());
  }
  return out;
}

absl::StatusOr<std::string> EnvVarForKey(absl::string_view key) {
  if (key.empty()) {
    return absl::InvalidArgumentError(
        "an empty property key cannot be written as a KAFKA_* variable");
  }
  std::string name = "KAFKA_";
  for (char c : key) {
    if (c == '.') {
      name += '_';
    } else if (c == '_') {
      name += "__";
    } else if (c == '-') {
      name += "___";
    } else if (absl::ascii_islower(c) || absl::ascii_isdigit(c)) {
      name += absl::ascii_toupper(c);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "property \"", key, "\" has the character '", std::string(1, c),
          "', which a KAFKA_* variable cannot carry; use --format properties"));
    }
  }
  for (absl::string_view reserved : kReservedEnv) {
    if (name == reserved) {
      return absl::InvalidArgumentError(absl::StrCat(
          "property \"", key, "\" would be the variable ", name,
          ", which the apache/kafka image reads for itself; use --format "
          "properties"));
    }
  }
  return name;
}

std::string ShellQuote(absl::string_view value) {
  bool plain = !value.empty();
  for (char c : value) {
    if (!(absl::ascii_isalnum(c) || c == '@' || c == '%' || c == '+' ||
          c == '=' || c == ':' || c == ',' || c == '.' || c == '/' ||
          c == '_' || c == '-')) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(value);
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

absl::StatusOr<std::string> FormatEnv(const Identity& id,
                                      const RenderedConfig& config) {
  std::string out = Header(id);
  absl::StrAppend(&out,
                  "# Load with: set -a; . THIS_FILE; set +a\n");
  for (const Properties* props : {&config.derived, &config.base}) {
    for (const auto& [key, value] : props->entries()) {
      auto name = EnvVarForKey(key);
      if (!name.ok()) return name.status();
      absl::StrAppend(&out, *name, "=", ShellQuote(value), "\n");
    }
  }
  return out;
}

}  // namespace kafka_agent
