#include "agent/sidecar/poller.h"

#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/base/logging.h"

namespace kafka_agent {

Poller::Poller(KafkaAdmin& admin, Clock& clock, SnapshotStore& store,
               PollerOptions options)
    : admin_(admin), clock_(clock), store_(store), options_(options) {}

void Poller::PollOnce() {
  const absl::Time start = clock_.Now();
  if (first_attempt_ == absl::InfinitePast()) {
    first_attempt_ = start;
    spdlog::info("poll: waiting for Kafka (metadata every {}, timeout {})",
                 absl::FormatDuration(options_.interval),
                 absl::FormatDuration(options_.request_timeout));
  }
  std::shared_ptr<const Snapshot> prev = store_.Get();
  Snapshot next;
  next.attempted_at = start;

  auto md = admin_.FetchMetadata(options_.request_timeout);
  if (!md.ok()) {
    if (options_.stats != nullptr) {
      options_.stats->RecordError("metadata", md.status().code());
      options_.stats->RecordPoll(clock_.Now() - start);
    }
    next.cluster = prev->cluster;
    next.assessment = prev->assessment;
    next.taken_at = prev->taken_at;
    next.last_error = std::string(md.status().message());
    if (next.last_error != last_logged_error_) {
      spdlog::warn("poll: {}", next.last_error);
      last_logged_error_ = next.last_error;
    }
    store_.Publish(std::move(next));
    return;
  }
  if (!last_logged_error_.empty() || !prev->has_data()) {
    spdlog::info(
        "poll: {} after {}; cluster {} with brokers [{}] and {} partitions",
        prev->has_data() ? "reconnected" : "connected",
        absl::FormatDuration(absl::Trunc(start - (prev->has_data()
                                                      ? prev->taken_at
                                                      : first_attempt_),
                                         absl::Milliseconds(1))),
        md->cluster_id, absl::StrJoin(md->brokers, ","),
        md->partitions.size());
    last_logged_error_.clear();
  }

  // min.insync.replicas: ask for topics never asked or due for refresh; drop
  // topics that are gone.
  std::set<std::string> topics;
  for (const PartitionState& p : md->partitions) topics.insert(p.topic);
  for (auto it = min_isr_.begin(); it != min_isr_.end();) {
    it = topics.count(it->first) ? std::next(it) : min_isr_.erase(it);
  }
  std::vector<std::string> due;
  for (const std::string& t : topics) {
    auto it = min_isr_.find(t);
    if (it == min_isr_.end() ||
        start - it->second.fetched_at >= options_.min_isr_refresh) {
      due.push_back(t);
    }
  }
  if (!due.empty()) {
    auto fetched = admin_.FetchMinInsyncReplicas(due, options_.request_timeout);
    if (fetched.ok()) {
      for (const auto& [topic, value] : *fetched) {
        min_isr_[topic] = {value, start};
      }
    } else {
      if (options_.stats != nullptr) {
        options_.stats->RecordError("describe_configs", fetched.status().code());
      }
      next.last_error = absl::StrCat("min.insync.replicas unknown for ",
                                     due.size(), " topic(s): ",
                                     fetched.status().message());
      spdlog::warn("poll: {}", next.last_error);
    }
  }
  for (PartitionState& p : md->partitions) {
    auto it = min_isr_.find(p.topic);
    if (it != min_isr_.end()) p.min_isr = it->second.value;
  }
  next.cluster = *std::move(md);
  next.assessment = Assess(next.cluster, options_.node_id);
  next.taken_at = start;
  store_.Publish(std::move(next));
  if (options_.stats != nullptr) options_.stats->RecordPoll(clock_.Now() - start);
}

void Poller::Run(const Notification& stop) {
  while (!stop.HasBeenNotified()) {
    const absl::Time start = clock_.Now();
    PollOnce();
    if (!clock_.SleepUntil(start + options_.interval, stop)) break;
  }
}

}  // namespace kafka_agent
