// Synchronization primitives on std::mutex / std::condition_variable.
//
// Why not absl::Mutex / absl::Notification: Debian's Abseil is a shared
// library built without ThreadSanitizer, so TSan cannot see its locking and
// `make tsan` would report every guarded access as a race. pthread-based std
// primitives are intercepted by TSan. Same API shape as Abseil's.
#ifndef KAFKA_AGENT_BASE_SYNC_H_
#define KAFKA_AGENT_BASE_SYNC_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace kafka_agent {

// A one-shot event, as absl::Notification: Notify() once; waiters wake.
class Notification {
 public:
  Notification() = default;
  Notification(const Notification&) = delete;
  Notification& operator=(const Notification&) = delete;

  void Notify() {
    std::lock_guard<std::mutex> lock(mu_);
    notified_ = true;
    cv_.notify_all();
  }

  bool HasBeenNotified() const {
    std::lock_guard<std::mutex> lock(mu_);
    return notified_;
  }

  void WaitForNotification() const {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return notified_; });
  }

  // Returns whether it was notified before `deadline`.
  bool WaitForNotificationWithDeadline(absl::Time deadline) const {
    std::unique_lock<std::mutex> lock(mu_);
    return WaitUntil(cv_, lock, deadline, [this] { return notified_; });
  }

  bool WaitForNotificationWithTimeout(absl::Duration timeout) const {
    return WaitForNotificationWithDeadline(absl::Now() + timeout);
  }

  // Waits on `cv` until `done()` or `deadline` (wall clock); returns done().
  template <typename Pred>
  static bool WaitUntil(std::condition_variable& cv,
                        std::unique_lock<std::mutex>& lock, absl::Time deadline,
                        Pred done) {
    if (deadline == absl::InfiniteFuture()) {
      cv.wait(lock, done);
      return true;
    }
    return cv.wait_until(lock, absl::ToChronoTime(deadline), done);
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool notified_ = false;
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_SYNC_H_
