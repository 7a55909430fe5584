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

  // Returns whether it was notified within `timeout` (measured on the
  // steady clock: a wall-clock step neither shortens nor lengthens it).
  bool WaitForNotificationWithTimeout(absl::Duration timeout) const {
    std::unique_lock<std::mutex> lock(mu_);
    return WaitFor(cv_, lock, timeout, [this] { return notified_; });
  }

  // Waits on `cv` until `done()` or `timeout` has passed on the steady
  // clock; returns done().
  template <typename Pred>
  static bool WaitFor(std::condition_variable& cv,
                      std::unique_lock<std::mutex>& lock,
                      absl::Duration timeout, Pred done) {
    if (timeout == absl::InfiniteDuration()) {
      cv.wait(lock, done);
      return true;
    }
    if (timeout < absl::ZeroDuration()) timeout = absl::ZeroDuration();
    return cv.wait_until(
        lock,
        std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout),
        done);
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool notified_ = false;
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_SYNC_H_
