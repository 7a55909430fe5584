#include "agent/base/clock.h"

namespace kafka_agent {
namespace {

class RealClockImpl : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
  bool SleepUntil(absl::Time deadline,
                  const Notification& cancel) override {
    return !cancel.WaitForNotificationWithDeadline(deadline);
  }
};

}  // namespace

Clock& RealClock() {
  static RealClockImpl* clock = new RealClockImpl();
  return *clock;
}

}  // namespace kafka_agent
