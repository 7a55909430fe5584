#include "agent/base/signals.h"

#include <signal.h>
#include <unistd.h>

#include <thread>

#include "agent/base/logging.h"

namespace kafka_agent {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void WatchTerminationSignals(Notification* stop, absl::Duration grace) {
  std::thread([stop, grace] {
    sigset_t set = TerminationSignals();
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    spdlog::info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    stop->Notify();
    // A second signal, or the grace period, forces the exit.
    struct timespec timeout = absl::ToTimespec(grace);
    siginfo_t info;
    int second = sigtimedwait(&set, &info, &timeout);
    if (second > 0) sig = second;
    spdlog::warn("still running {}; exiting now",
                 second > 0 ? "at a second signal" : "after the grace period");
    spdlog::default_logger()->flush();
    _exit(128 + sig);
  }).detach();
}

}  // namespace kafka_agent
