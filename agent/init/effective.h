// The effective listener and security settings of a rendered config, as
// `init` logs them and `render` prints them on stderr: what a person checks
// first when a listener misbehaves, with secret values redacted.
#ifndef KAFKA_AGENT_INIT_EFFECTIVE_H_
#define KAFKA_AGENT_INIT_EFFECTIVE_H_

#include <string>
#include <utility>
#include <vector>

#include "agent/base/identity.h"
#include "agent/init/config.h"

namespace kafka_agent {

// key, shown value (secrets replaced by "<redacted>").
using Setting = std::pair<std::string, std::string>;

// listeners, advertised.listeners, listener.security.protocol.map,
// inter.broker.listener.name, controller.listener.names and broker.rack,
// as rendered ("(none)" where a pod has no such value).
std::vector<Setting> EffectiveListenerSettings(const Identity& id,
                                               const RenderedConfig& config);

// The security keys the base config supplies (ssl.*, sasl.*,
// listener.name.*, security.*, authorizer / principal / super.users), in
// file order, secret values redacted.
std::vector<Setting> SecuritySettingsFromBase(const RenderedConfig& config);

// "k=v k=v ..." on one line, for the log.
std::string JoinSettings(const std::vector<Setting>& settings);

// What Kafka would only report at start-up, said before: a TLS listener
// without a keystore in the base config, or a SASL listener whose mechanism
// falls back to Kafka's default GSSAPI (Kerberos). Warnings, not errors: a
// custom ssl.engine.factory.class or a Kerberos set-up is legitimate.
std::vector<std::string> SecurityHints(const Identity& id,
                                       const RenderedConfig& config);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_INIT_EFFECTIVE_H_
