#include "agent/sidecar/snapshot.h"

#include "agent/base/sync.h"

namespace kafka_agent {

SnapshotStore::SnapshotStore() : current_(std::make_shared<Snapshot>()) {}

std::shared_ptr<const Snapshot> SnapshotStore::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

void SnapshotStore::Publish(Snapshot snapshot) {
  auto next = std::make_shared<Snapshot>(std::move(snapshot));
  {
    std::lock_guard<std::mutex> lock(mu_);
    next->generation = current_->generation + 1;
    current_ = std::move(next);
  }
  published_.notify_all();
}

uint64_t SnapshotStore::WaitForNewer(uint64_t generation,
                                     absl::Duration timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  Notification::WaitFor(published_, lock, timeout, [&] {
    return current_->generation > generation;
  });
  return current_->generation;
}

}  // namespace kafka_agent
