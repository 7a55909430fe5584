#include "agent/init/effective.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/base/secrets.h"

namespace kafka_agent {
namespace {

std::string ValueOr(const Properties& p, absl::string_view key) {
  const std::string* v = p.Get(key);
  return v == nullptr ? "(none)" : ShownValue(key, *v);
}

bool IsSecurityKey(absl::string_view key) {
  for (absl::string_view prefix :
       {"ssl.", "sasl.", "listener.name.", "security.", "authorizer.",
        "principal.builder.", "super.users", "allow.everyone.if.no.acl.found",
        "connections.max.reauth.ms"}) {
    if (absl::StartsWith(key, prefix)) return true;
  }
  return false;
}

bool UsesTls(SecurityProtocol p) {
  return p == SecurityProtocol::kSsl || p == SecurityProtocol::kSaslSsl;
}

bool UsesSasl(SecurityProtocol p) {
  return p == SecurityProtocol::kSaslPlaintext ||
         p == SecurityProtocol::kSaslSsl;
}

}  // namespace

std::vector<Setting> EffectiveListenerSettings(const Identity& id,
                                               const RenderedConfig& config) {
  const Properties& d = config.derived;
  std::vector<Setting> out;
  for (absl::string_view key :
       {"listeners", "advertised.listeners", "listener.security.protocol.map",
        "inter.broker.listener.name", "controller.listener.names"}) {
    out.emplace_back(std::string(key), ValueOr(d, key));
  }
  out.emplace_back("broker.rack",
                   id.is_broker && !id.rack.empty() ? id.rack : "(none)");
  return out;
}

std::vector<Setting> SecuritySettingsFromBase(const RenderedConfig& config) {
  std::vector<Setting> out;
  for (const auto& [key, value] : config.base.entries()) {
    if (IsSecurityKey(key)) out.emplace_back(key, ShownValue(key, value));
  }
  return out;
}

std::string JoinSettings(const std::vector<Setting>& settings) {
  return absl::StrJoin(settings, " ", [](std::string* o, const Setting& s) {
    absl::StrAppend(o, s.first, "=", s.second);
  });
}

std::vector<std::string> SecurityHints(const Identity& id,
                                       const RenderedConfig& config) {
  const Properties& base = config.base;
  auto has = [&](absl::string_view key) { return base.Get(key) != nullptr; };
  std::vector<std::string> hints;
  // Only listeners this pod binds need a keystore and server-side SASL; a
  // broker-only pod reaches the controller listener as a client.
  std::vector<const Listener*> bound;
  if (id.is_broker) bound.push_back(&id.broker_listener);
  if (id.is_controller) bound.push_back(&id.controller_listener);
  for (const Listener* l : bound) {
    const std::string prefix =
        absl::StrCat("listener.name.", absl::AsciiStrToLower(l->name), ".");
    const std::string proto(SecurityProtocolName(l->protocol));
    if (UsesTls(l->protocol) && !has(prefix + "ssl.keystore.location") &&
        !has("ssl.keystore.location") && !has(prefix + "ssl.keystore.key") &&
        !has("ssl.keystore.key") && !has(prefix + "ssl.engine.factory.class") &&
        !has("ssl.engine.factory.class")) {
      hints.push_back(absl::StrCat(
          "listener ", l->name, " is ", proto,
          " but the base config sets no keystore (", prefix,
          "ssl.keystore.location or ssl.keystore.location, or the PEM "
          "ssl.keystore.key): Kafka will fail to start"));
    }
    if (UsesSasl(l->protocol) && !has(prefix + "sasl.enabled.mechanisms") &&
        !has("sasl.enabled.mechanisms")) {
      hints.push_back(absl::StrCat(
          "listener ", l->name, " is ", proto, " but the base config sets no ",
          prefix,
          "sasl.enabled.mechanisms or sasl.enabled.mechanisms: Kafka "
          "enables only GSSAPI (Kerberos)"));
    }
  }
  if (id.is_broker && UsesSasl(id.broker_listener.protocol) &&
      !has("sasl.mechanism.inter.broker.protocol")) {
    hints.push_back(absl::StrCat(
        "the inter-broker listener ", id.broker_listener.name, " is ",
        SecurityProtocolName(id.broker_listener.protocol),
        " but the base config sets no sasl.mechanism.inter.broker.protocol: "
        "brokers use Kafka's default GSSAPI (Kerberos) to each other"));
  }
  if (UsesSasl(id.controller_listener.protocol) &&
      !has("sasl.mechanism.controller.protocol")) {
    hints.push_back(absl::StrCat(
        "the controller listener ", id.controller_listener.name, " is ",
        SecurityProtocolName(id.controller_listener.protocol),
        " but the base config sets no sasl.mechanism.controller.protocol: "
        "Kafka's default is GSSAPI (Kerberos)"));
  }
  return hints;
}

}  // namespace kafka_agent
