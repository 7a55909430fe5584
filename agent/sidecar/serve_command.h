// `kafka-agent serve`: the native sidecar. Polls the local broker, keeps the
// latest cluster snapshot in memory and answers grpc.health.v1 and the
// KafkaAgent service from it until SIGTERM.
#ifndef KAFKA_AGENT_SIDECAR_SERVE_COMMAND_H_
#define KAFKA_AGENT_SIDECAR_SERVE_COMMAND_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/base/filesystem.h"
#include "agent/base/flags.h"
#include "agent/base/identity.h"
#include "agent/base/logging.h"
#include "agent/base/sync.h"

namespace kafka_agent {

// Options of `serve`.
struct ServeOptions {
  IdentityOptions identity;
  std::string grpc_listen;
  std::string http_listen;  // empty: no HTTP side port
  std::string bootstrap;
  bool bootstrap_set = false;  // false: the default, the pod's own node
  absl::Duration poll_interval = absl::Seconds(2);
  std::vector<std::pair<std::string, std::string>> kafka_props;
  std::string kafka_prop_file;  // empty: none
  LogFormat log_format = LogFormat::kText;
};

// The flags of serve.
const std::vector<FlagSpec>& ServeFlags();

absl::StatusOr<ServeOptions> ServeOptionsFromFlags(const ParsedFlags& flags,
                                                   const std::string& hostname);

// The librdkafka client properties: --kafka-prop-file's, then --kafka-prop's
// (which win). An unreadable or malformed file is InvalidArgument naming it.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
ClientProperties(const ServeOptions& options, Filesystem& fs);

// Start-up steps, then serve until `stop` (SIGTERM), then an orderly, bounded
// shutdown. Returns the exit code.
int RunServe(const ServeOptions& options, Filesystem& fs, Clock& clock,
             const Notification& stop);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_SERVE_COMMAND_H_
