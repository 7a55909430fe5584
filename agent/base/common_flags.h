// The flags both halves share: the pod's identity (init and serve derive the
// same one) and the log format, plus checks of flag values several commands
// take.
#ifndef KAFKA_AGENT_BASE_COMMON_FLAGS_H_
#define KAFKA_AGENT_BASE_COMMON_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/base/flags.h"
#include "agent/base/identity.h"

namespace kafka_agent {

// --pod-name, --namespace, --headless-service, --cluster-domain,
// --controllers, --node-id-offset, --broker-port, --controller-port,
// --process-roles, --controller-statefulset, --controller-service,
// --controller-node-id-offset, --broker-security-protocol,
// --controller-security-protocol, --broker-listener-name,
// --controller-listener-name, --rack.
std::vector<FlagSpec> IdentityFlagSpecs();

// --log-format.
FlagSpec LogFormatFlagSpec();

// The identity flags; the pod name defaults to `hostname`.
absl::StatusOr<IdentityOptions> IdentityOptionsFromFlags(
    const ParsedFlags& flags, const std::string& hostname);

// HOST:PORT with a port in 0..65535 (0: pick one); `source` names the flag.
absl::Status CheckHostPort(absl::string_view source, absl::string_view value);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_COMMON_FLAGS_H_
