// kafka-agent: a thin main over the agent library (see agent/cli.h).
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "agent/cli.h"
#include "agent/signals.h"

int main(int argc, char** argv) {
  using namespace kafka_agent;
  BlockTerminationSignals();
  static Notification stop;
  // init must not hang in a blocking DNS lookup after SIGTERM; serve has 5s
  // to drain. Either way the process is gone well within the pod's grace.
  WatchTerminationSignals(&stop, absl::Seconds(8));

  std::unique_ptr<Resolver> resolver = NewSystemResolver();
  std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> unit(0.0, 1.0);

  CliContext ctx;
  ctx.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  ctx.hostname = [] {
    char buf[256] = {0};
    if (gethostname(buf, sizeof(buf) - 1) != 0) return std::string();
    return std::string(buf);
  };
  ctx.out = &std::cout;
  ctx.err = &std::cerr;
  ctx.fs = &RealFilesystem();
  ctx.resolver = resolver.get();
  ctx.clock = &RealClock();
  ctx.unit_random = [&] { return unit(rng); };
  ctx.stop = &stop;
  return RunCli(std::vector<std::string>(argv, argv + argc), ctx);
}
