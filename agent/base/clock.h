// Time as the agent sees it. Everything that waits goes through a Clock so
// tests can run DNS waits, backoff and snapshot ageing in simulated time.
//
// Two clocks: the wall clock, for timestamps people read (logs, the API's
// snapshot_time), and the monotonic clock, for everything measured: ages,
// deadlines, intervals. The wall clock can step (NTP, a VM resumed); the
// monotonic one never does, so a step never flips health or cuts a wait short.
#ifndef KAFKA_AGENT_BASE_CLOCK_H_
#define KAFKA_AGENT_BASE_CLOCK_H_

#include "absl/time/time.h"
#include "agent/base/sync.h"

namespace kafka_agent {

// A point on the monotonic clock. Only differences between two MonoTimes
// mean anything.
class MonoTime {
 public:
  constexpr MonoTime() = default;
  static constexpr MonoTime FromEpoch(absl::Duration d) { return MonoTime(d); }
  static constexpr MonoTime InfinitePast() {
    return MonoTime(-absl::InfiniteDuration());
  }
  static constexpr MonoTime InfiniteFuture() {
    return MonoTime(absl::InfiniteDuration());
  }

  constexpr absl::Duration since_epoch() const { return d_; }

  friend MonoTime operator+(MonoTime t, absl::Duration d) {
    return MonoTime(t.d_ + d);
  }
  friend MonoTime operator-(MonoTime t, absl::Duration d) {
    return MonoTime(t.d_ - d);
  }
  friend absl::Duration operator-(MonoTime a, MonoTime b) { return a.d_ - b.d_; }
  MonoTime& operator+=(absl::Duration d) {
    d_ += d;
    return *this;
  }
  friend bool operator<(MonoTime a, MonoTime b) { return a.d_ < b.d_; }
  friend bool operator>(MonoTime a, MonoTime b) { return a.d_ > b.d_; }
  friend bool operator<=(MonoTime a, MonoTime b) { return a.d_ <= b.d_; }
  friend bool operator>=(MonoTime a, MonoTime b) { return a.d_ >= b.d_; }
  friend bool operator==(MonoTime a, MonoTime b) { return a.d_ == b.d_; }
  friend bool operator!=(MonoTime a, MonoTime b) { return a.d_ != b.d_; }

 private:
  explicit constexpr MonoTime(absl::Duration d) : d_(d) {}
  absl::Duration d_;
};

inline MonoTime min(MonoTime a, MonoTime b) { return a < b ? a : b; }

class Clock {
 public:
  virtual ~Clock() = default;

  // The wall clock: for timestamps people read.
  virtual absl::Time Now() = 0;

  // The monotonic clock: for ages, deadlines and intervals.
  virtual MonoTime Monotonic() = 0;

  // Blocks until `deadline` on the monotonic clock or until `cancel` is
  // notified, whichever comes first. Returns false when cancelled.
  virtual bool SleepUntil(MonoTime deadline, const Notification& cancel) = 0;
};

// The system's clocks (CLOCK_REALTIME, CLOCK_MONOTONIC); SleepUntil wakes up
// as soon as `cancel` is notified.
Clock& RealClock();

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_CLOCK_H_
