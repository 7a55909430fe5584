// `kafka-agent init` and `kafka-agent render`: the init container. Derive the
// pod's identity, merge the base config, check that the data directories
// belong to this pod (init only), wait for the headless Service's DNS names
// (init only) and write Kafka's configuration atomically (init) or print it
// (render).
#ifndef KAFKA_AGENT_INIT_INIT_COMMAND_H_
#define KAFKA_AGENT_INIT_INIT_COMMAND_H_

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/base/filesystem.h"
#include "agent/base/flags.h"
#include "agent/base/identity.h"
#include "agent/base/logging.h"
#include "agent/base/sync.h"
#include "agent/init/config.h"
#include "agent/init/dns.h"
#include "agent/init/dns_plan.h"

namespace kafka_agent {

// Options of `init` and `render`.
struct InitOptions {
  IdentityOptions identity;
  // Properties files merged in order (a later file's key wins), all under
  // the derived keys: e.g. a ConfigMap's server.properties, then a Secret's
  // listener passwords. Empty: none.
  std::vector<std::string> base_configs;
  // The identity guard's directories; unset: from the merged base config.
  std::optional<std::vector<std::string>> data_dirs;
  std::string data_dirs_source;  // "--data-dirs" or "KAFKA_DATA_DIRS (environment)"
  std::string cluster_id;        // empty: not checked
  std::string cluster_id_source;
  std::string output;
  ConfigFormat format = ConfigFormat::kProperties;
  DnsWaitMode dns_wait = DnsWaitMode::kQuorum;
  absl::Duration dns_timeout = absl::Minutes(5);
  LogFormat log_format = LogFormat::kText;
};

// The flags of init and render.
const std::vector<FlagSpec>& InitFlags();

absl::StatusOr<InitOptions> InitOptionsFromFlags(const ParsedFlags& flags,
                                                 const std::string& hostname);

// What init touches in the world; main passes the real ones, tests fakes.
struct InitDeps {
  Filesystem& fs;
  Resolver& resolver;
  Clock& clock;
  std::function<double()> unit_random;  // in [0, 1), for backoff jitter
  const Notification& stop;             // SIGTERM / SIGINT
};

// Prints the config init would write to `out`, and the effective listener
// and security settings to `err` as "# " comment lines (secrets redacted);
// no DNS, no files read but the base configs, none written. Returns the exit
// code (0, or 2 on bad input).
int RunRender(const InitOptions& options, Filesystem& fs, Clock& clock,
              std::ostream& out, std::ostream& err);

// Renders, checks the data directories belong to this pod (identity guard),
// checks --output is writable, waits for DNS, writes the config (mode 0640).
// Returns the exit code: 0 written, 1 DNS deadline or stopped, 2 bad input
// (including a data directory of another node or cluster).
int RunInit(const InitOptions& options, InitDeps& deps);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_INIT_INIT_COMMAND_H_
