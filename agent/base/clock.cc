#include "agent/base/clock.h"

#include <time.h>

#include "absl/time/clock.h"

namespace kafka_agent {
namespace {

class RealClockImpl : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
  MonoTime Monotonic() override {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return MonoTime::FromEpoch(absl::DurationFromTimespec(ts));
  }
  bool SleepUntil(MonoTime deadline, const Notification& cancel) override {
    return !cancel.WaitForNotificationWithTimeout(deadline - Monotonic());
  }
};

}  // namespace

Clock& RealClock() {
  static RealClockImpl* clock = new RealClockImpl();
  return *clock;
}

}  // namespace kafka_agent
