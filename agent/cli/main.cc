// kafka-agent: a thin main over the agent library (see agent/cli/cli.h).
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "agent/base/filesystem.h"
#include "agent/base/signals.h"
#include "agent/cli/cli.h"
#include "agent/init/dns.h"

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

  World world;
  world.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  world.hostname = [] {
    char buf[256] = {0};
    if (gethostname(buf, sizeof(buf) - 1) != 0) return std::string();
    return std::string(buf);
  };
  world.out = &std::cout;
  world.err = &std::cerr;
  world.fs = &RealFilesystem();
  world.resolver = resolver.get();
  world.clock = &RealClock();
  world.unit_random = [&] { return unit(rng); };
  world.stop = &stop;
  return RunCli(std::vector<std::string>(argv, argv + argc), world);
}
