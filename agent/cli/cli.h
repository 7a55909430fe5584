// The kafka-agent command line: picks the command, parses its flags (with
// environment fallbacks), sets up logging and hands the command exactly what
// it needs. main() is a thin wrapper over RunCli.
#ifndef KAFKA_AGENT_CLI_CLI_H_
#define KAFKA_AGENT_CLI_CLI_H_

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "agent/base/clock.h"
#include "agent/base/filesystem.h"
#include "agent/base/flags.h"
#include "agent/base/sync.h"
#include "agent/init/dns.h"

namespace kafka_agent {

// Everything the commands touch in the world. main() passes the real ones,
// tests pass fakes; RunCli gives each command only its part.
struct World {
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

// Runs the command in `args` (args[0] is the program name). Returns the exit
// code: 0 success, 1 runtime failure, 2 bad input.
int RunCli(const std::vector<std::string>& args, World& world);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_CLI_CLI_H_
