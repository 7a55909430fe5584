// Time as the agent sees it. Everything that waits goes through a Clock so
// tests can run DNS waits, backoff and snapshot ageing in simulated time.
#ifndef KAFKA_AGENT_BASE_CLOCK_H_
#define KAFKA_AGENT_BASE_CLOCK_H_

#include "agent/base/sync.h"
#include "absl/time/time.h"

namespace kafka_agent {

class Clock {
 public:
  virtual ~Clock() = default;

  virtual absl::Time Now() = 0;

  // Blocks until `deadline` or until `cancel` is notified, whichever comes
  // first. Returns false when cancelled.
  virtual bool SleepUntil(absl::Time deadline,
                          const Notification& cancel) = 0;
};

// The wall clock; SleepUntil wakes up as soon as `cancel` is notified.
Clock& RealClock();

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_CLOCK_H_
