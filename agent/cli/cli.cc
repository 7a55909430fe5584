#include "agent/cli/cli.h"

#include <ostream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agent/base/logging.h"
#include "agent/base/steps.h"
#include "agent/cli/client.h"
#include "agent/init/init_command.h"
#include "agent/sidecar/serve_command.h"

namespace kafka_agent {
namespace {

std::string Usage() {
  return absl::StrCat(
      "kafka-agent ", KAFKA_AGENT_VERSION,
      ": runs Apache Kafka (KRaft) correctly in a Kubernetes StatefulSet.\n\n"
      "Usage:\n"
      "  kafka-agent init   [flags]  render Kafka's config once DNS is ready, "
      "then exit\n"
      "  kafka-agent render [flags]  print the config init would write (no "
      "DNS, no files)\n"
      "  kafka-agent serve  [flags]  run the sidecar (gRPC, HTTP side port) "
      "until SIGTERM\n"
      "  kafka-agent status [--addr HOST:PORT] [--json] "
      "[--under-replicated|--under-min-isr|--offline] [--topic T] "
      "[--limit N|--all]\n"
      "  kafka-agent check-restart [--addr HOST:PORT] [--node-id N] "
      "[--wait [--timeout D]]  exit 0 safe, 1 unsafe (or still unsafe at "
      "the timeout)\n"
      "  kafka-agent --version | help\n\n"
      "Flags of init and render:\n",
      FlagHelp(InitFlags()), "\nFlags of serve:\n", FlagHelp(ServeFlags()),
      "\nFlags of status:\n", FlagHelp(StatusFlags()),
      "\nFlags of check-restart:\n", FlagHelp(CheckRestartFlags()),
      "\nExit codes: 0 success, 1 runtime failure, 2 bad input.\n");
}

}  // namespace

int RunCli(const std::vector<std::string>& args, World& w) {
  if (args.size() < 2) {
    *w.err << Usage();
    return 2;
  }
  const std::string& command = args[1];
  const std::vector<std::string> rest(args.begin() + 2, args.end());
  auto fail = [&](const absl::Status& s) {
    *w.err << "kafka-agent " << command << ": " << s.message() << "\n";
    return ExitCodeFor(s);
  };
  if (command == "--version" || command == "version") {
    *w.out << "kafka-agent " << KAFKA_AGENT_VERSION << "\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    *w.out << Usage();
    return 0;
  }
  for (const std::string& a : rest) {
    if (a == "--help" || a == "-h") {
      *w.out << Usage();
      return 0;
    }
  }

  const std::vector<FlagSpec>* specs = nullptr;
  if (command == "init" || command == "render") {
    specs = &InitFlags();
  } else if (command == "serve") {
    specs = &ServeFlags();
  } else if (command == "status") {
    specs = &StatusFlags();
  } else if (command == "check-restart") {
    specs = &CheckRestartFlags();
  } else {
    *w.err << "kafka-agent: unknown command \"" << command
           << "\"; use init, render, serve, status, check-restart or help\n";
    return 2;
  }
  auto flags = ParseFlags(*specs, rest, w.getenv, command);
  if (!flags.ok()) return fail(flags.status());

  if (command == "init" || command == "render") {
    auto opts = InitOptionsFromFlags(*flags, w.hostname());
    if (!opts.ok()) return fail(opts.status());
    if (w.setup_logging) SetupLogging(opts->log_format);
    if (command == "render") {
      // render prints the config; the effective settings and warnings go
      // to stderr.
      auto level = spdlog::get_level();
      if (w.setup_logging) spdlog::set_level(spdlog::level::warn);
      int rc = RunRender(*opts, *w.fs, *w.clock, *w.out, *w.err);
      spdlog::set_level(level);
      return rc;
    }
    spdlog::info("kafka-agent {} init", KAFKA_AGENT_VERSION);
    InitDeps deps{*w.fs, *w.resolver, *w.clock, w.unit_random, *w.stop};
    return RunInit(*opts, deps);
  }
  if (command == "serve") {
    auto opts = ServeOptionsFromFlags(*flags, w.hostname());
    if (!opts.ok()) return fail(opts.status());
    if (w.setup_logging) SetupLogging(opts->log_format);
    return RunServe(*opts, *w.fs, *w.clock, *w.stop);
  }
  if (command == "status") {
    auto opts = StatusOptionsFromFlags(*flags);
    if (!opts.ok()) return fail(opts.status());
    return RunStatus(*opts, *w.out, *w.err);
  }
  auto opts = CheckRestartOptionsFromFlags(*flags);
  if (!opts.ok()) return fail(opts.status());
  return RunCheckRestart(*opts, *w.out, *w.err);
}

}  // namespace kafka_agent
