#include "agent/sidecar/poller.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/base/logging.h"

namespace kafka_agent {

// Config errors a snapshot carries (GetStatus shows them); the rest counted.
constexpr size_t kMaxConfigErrors = 20;

Poller::Poller(KafkaAdmin& admin, TopicConfigs& configs, Clock& clock,
               SnapshotStore& store, PollerOptions options)
    : admin_(admin),
      configs_(configs),
      clock_(clock),
      store_(store),
      options_(options) {}

void Poller::PollOnce() {
  const MonoTime start = clock_.Monotonic();
  const absl::Time start_wall = clock_.Now();
  if (first_attempt_ == MonoTime::InfinitePast()) {
    first_attempt_ = start;
    spdlog::info("poll: waiting for Kafka (metadata every {}, timeout {})",
                 absl::FormatDuration(options_.interval),
                 absl::FormatDuration(options_.request_timeout));
  }
  std::shared_ptr<const Snapshot> prev = store_.Get();
  Snapshot next;

  auto md = admin_.FetchMetadata(options_.request_timeout);
  if (!md.ok()) {
    next.cluster = prev->cluster;
    next.assessment = prev->assessment;
    next.taken_at = prev->taken_at;
    next.taken_mono = prev->taken_mono;
    next.config_errors = prev->config_errors;
    next.config_error_count = prev->config_error_count;
    next.last_error = std::string(md.status().message());
    if (next.last_error != last_logged_error_) {
      spdlog::warn("poll: {}", next.last_error);
      last_logged_error_ = next.last_error;
    }
    next.completed_mono = clock_.Monotonic();
    if (options_.stats != nullptr) {
      options_.stats->RecordError("metadata", md.status().code());
      options_.stats->RecordPoll(next.completed_mono - start);
    }
    std::lock_guard<std::mutex> lock(publish_mu_);
    store_.Publish(std::move(next));
    return;
  }
  if (!last_logged_error_.empty() || !prev->has_data()) {
    spdlog::info(
        "poll: {} after {}; cluster {} with brokers [{}] and {} partitions",
        prev->has_data() ? "reconnected" : "connected",
        absl::FormatDuration(absl::Trunc(
            start - (prev->has_data() ? prev->taken_mono : first_attempt_),
            absl::Milliseconds(1))),
        md->cluster_id, absl::StrJoin(md->brokers, ","),
        md->partitions.size());
    last_logged_error_.clear();
  }

  std::vector<std::string> topics;
  for (const PartitionState& p : md->partitions) {
    if (topics.empty() || topics.back() != p.topic) topics.push_back(p.topic);
  }
  configs_.SetTopics(topics);
  next.cluster = *std::move(md);
  next.taken_at = start_wall;
  next.taken_mono = start;
  std::lock_guard<std::mutex> lock(publish_mu_);
  FillConfigsAndAssess(&next);
  next.completed_mono = clock_.Monotonic();
  if (options_.stats != nullptr) {
    options_.stats->RecordPoll(next.completed_mono - start);
  }
  store_.Publish(std::move(next));
}

void Poller::FillConfigsAndAssess(Snapshot* s) {
  configs_.Fill(&s->cluster.partitions);
  s->config_errors = configs_.Errors(kMaxConfigErrors, &s->config_error_count);
  s->assessment = Assess(s->cluster, options_.node_id);
}

void Poller::Republish() {
  std::lock_guard<std::mutex> lock(publish_mu_);
  std::shared_ptr<const Snapshot> current = store_.Get();
  if (!current->has_data()) return;
  Snapshot next = *current;
  FillConfigsAndAssess(&next);
  store_.Publish(std::move(next));
}

void Poller::Run(const Notification& stop) {
  while (!stop.HasBeenNotified()) {
    const MonoTime start = clock_.Monotonic();
    PollOnce();
    if (!clock_.SleepUntil(start + options_.interval, stop)) break;
  }
}

}  // namespace kafka_agent
