// SIGTERM / SIGINT handling without async-signal-unsafe handlers: the signals
// are blocked in every thread and one thread waits for them with sigwait.
#ifndef KAFKA_AGENT_BASE_SIGNALS_H_
#define KAFKA_AGENT_BASE_SIGNALS_H_

#include "agent/base/sync.h"
#include "absl/time/time.h"

namespace kafka_agent {

// Blocks SIGTERM and SIGINT in the calling thread. Call first thing in main,
// before any thread starts, so every thread inherits the mask.
void BlockTerminationSignals();

// Starts the thread that waits for SIGTERM / SIGINT. On the first one it
// notifies `stop`; if the process is still alive `grace` later (some call
// blocked in a library), or on a second signal, it exits with 128 + signo
// (which leaves no partial output: files are written by rename).
// `stop` must outlive the process.
void WatchTerminationSignals(Notification* stop, absl::Duration grace);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_SIGNALS_H_
