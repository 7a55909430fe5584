// The kafka-agent command line: parses flags (with environment fallbacks)
// for each command and runs it. main() is a thin wrapper over RunCli.
#ifndef KAFKA_AGENT_AGENT_CLI_H_
#define KAFKA_AGENT_AGENT_CLI_H_

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/sync.h"
#include "absl/time/time.h"
#include "agent/clock.h"
#include "agent/config.h"
#include "agent/dns.h"
#include "agent/filesystem.h"
#include "agent/flags.h"
#include "agent/identity.h"
#include "agent/logging.h"
#include "agent/quorum.h"

namespace kafka_agent {

// Everything a command touches in the world. main() passes the real ones;
// tests pass fakes.
struct CliContext {
  GetEnvFn getenv;
  std::function<std::string()> hostname;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  Filesystem* fs = nullptr;
  Resolver* resolver = nullptr;
  Clock* clock = nullptr;
  std::function<double()> unit_random;
  // Notified on SIGTERM / SIGINT.
  Notification* stop = nullptr;
  // Whether commands install the stderr logger (tests keep their own).
  bool setup_logging = true;
};

// Options of `init` and `render`.
struct InitOptions {
  IdentityOptions identity;
  std::string base_config;  // empty: none
  std::string output;
  ConfigFormat format = ConfigFormat::kProperties;
  DnsWaitMode dns_wait = DnsWaitMode::kQuorum;
  absl::Duration dns_timeout = absl::Minutes(5);
  LogFormat log_format = LogFormat::kText;
};

// Options of `serve`.
struct ServeOptions {
  IdentityOptions identity;
  std::string grpc_listen;
  std::string bootstrap;
  absl::Duration poll_interval = absl::Seconds(2);
  std::vector<std::pair<std::string, std::string>> kafka_props;
  LogFormat log_format = LogFormat::kText;
};

// Options of `status` and `check-restart`.
struct ClientOptions {
  std::string addr;
  bool json = false;
  bool under_replicated = false;
  bool under_min_isr = false;
  bool offline = false;
  std::string topic;
  std::optional<int> node_id;
  absl::Duration timeout = absl::Seconds(5);
};

// The flags each command accepts.
const std::vector<FlagSpec>& InitFlags();   // init, render
const std::vector<FlagSpec>& ServeFlags();  // serve
const std::vector<FlagSpec>& StatusFlags();
const std::vector<FlagSpec>& CheckRestartFlags();

absl::StatusOr<InitOptions> InitOptionsFromFlags(const ParsedFlags& flags,
                                                 const std::string& hostname);
absl::StatusOr<ServeOptions> ServeOptionsFromFlags(const ParsedFlags& flags,
                                                   const std::string& hostname);

// Runs the command in `args` (args[0] is the program name). Returns the exit
// code: 0 success, 1 runtime failure, 2 bad input.
int RunCli(const std::vector<std::string>& args, CliContext& ctx);

// Commands implemented elsewhere (serve.cc, client.cc).
int RunServe(const ServeOptions& options, CliContext& ctx);
int RunStatus(const ClientOptions& options, CliContext& ctx);
int RunCheckRestart(const ClientOptions& options, CliContext& ctx);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_AGENT_CLI_H_
