#include "agent/sidecar/topic_configs.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "agent/base/logging.h"
#include "agent/base/utf8.h"

namespace kafka_agent {

TopicConfigs::TopicConfigs(KafkaAdmin& admin, Clock& clock,
                           TopicConfigOptions options)
    : admin_(admin), clock_(clock), options_(options) {}

void TopicConfigs::SetTopics(const std::vector<std::string>& topics) {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, Entry> next;
  for (const std::string& t : topics) {
    auto it = topics_.find(t);
    if (it == topics_.end()) new_topics_ = true;
    next.emplace(t, it == topics_.end() ? Entry() : std::move(it->second));
  }
  topics_ = std::move(next);
}

Partitions TopicConfigs::Fill(const Partitions& partitions) const {
  const std::vector<Partitions::Topic>& topics = partitions.topics();
  std::vector<int32_t> values(topics.size(), 0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Both sorted by name: one walk.
    auto it = topics_.begin();
    for (size_t i = 0; i < topics.size(); ++i) {
      while (it != topics_.end() && it->first < topics[i].name) ++it;
      if (it != topics_.end() && it->first == topics[i].name) {
        values[i] = it->second.value;
      }
    }
  }
  if (values == partitions.min_isr()) return partitions;
  return partitions.WithMinIsr(std::move(values));
}

std::vector<TopicConfigError> TopicConfigs::Errors(size_t max,
                                                   size_t* total) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TopicConfigError> out;
  size_t n = 0;
  if (!call_error_.empty()) {
    ++n;
    out.push_back({"", call_error_});
  }
  for (const auto& [topic, e] : topics_) {
    if (e.error.empty()) continue;
    if (++n <= max) out.push_back({topic, e.error});
  }
  if (out.size() > max) out.resize(max);
  if (total != nullptr) *total = n;
  return out;
}

bool TopicConfigs::RefreshOnce() {
  const MonoTime now = clock_.Monotonic();
  std::vector<std::string> due;
  bool changed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    new_topics_ = false;
    for (const auto& [topic, e] : topics_) {
      const absl::Duration every =
          e.error.empty() ? options_.refresh : options_.retry;
      if (e.asked_at == MonoTime::InfinitePast() || now - e.asked_at >= every) {
        due.push_back(topic);
      }
    }
  }
  for (size_t i = 0; i < due.size(); i += options_.batch_size) {
    std::vector<std::string> batch(
        due.begin() + i,
        due.begin() + std::min(due.size(), i + options_.batch_size));
    auto got = admin_.FetchMinInsyncReplicas(batch, options_.request_timeout);
    std::lock_guard<std::mutex> lock(mu_);
    if (!got.ok()) {
      if (options_.stats != nullptr) {
        options_.stats->RecordError("describe_configs", got.status().code());
      }
      const std::string error = ValidUtf8(absl::StrCat(
          "min.insync.replicas unknown for ", batch.size(), " topic(s): ",
          got.status().message()));
      changed |= error != call_error_;
      call_error_ = error;
      if (logged_.insert(call_error_).second) {
        spdlog::warn("topic configs: {}", call_error_);
      }
      continue;
    }
    changed |= !call_error_.empty();
    call_error_.clear();
    for (const std::string& topic : batch) {
      auto it = topics_.find(topic);
      if (it == topics_.end()) continue;  // gone meanwhile
      Entry& e = it->second;
      e.asked_at = now;
      auto v = got->min_isr.find(topic);
      auto err = got->errors.find(topic);
      if (v != got->min_isr.end()) {
        changed |= e.value != v->second || !e.error.empty();
        e.value = v->second;
        e.error.clear();
      } else {
        const std::string error =
            err != got->errors.end() ? ValidUtf8(err->second)
                                     : "no min.insync.replicas in the answer";
        changed |= e.error != error;
        e.error = error;
        if (logged_.insert(absl::StrCat(topic, "\n", e.error)).second) {
          spdlog::warn("topic configs: min.insync.replicas of topic {} "
                       "unknown: {}", topic, e.error);
        }
      }
    }
  }
  if (changed && on_update_) on_update_();
  return changed;
}

void TopicConfigs::Run(const Notification& stop) {
  // A new topic is looked at within this, not only every check_every.
  constexpr absl::Duration kNewTopicLatency = absl::Milliseconds(100);
  while (!stop.HasBeenNotified()) {
    const MonoTime next = clock_.Monotonic() + options_.check_every;
    RefreshOnce();
    for (MonoTime now = clock_.Monotonic(); now < next;
         now = clock_.Monotonic()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (new_topics_) break;
      }
      if (!clock_.SleepUntil(min(next, now + kNewTopicLatency), stop)) return;
    }
  }
}

}  // namespace kafka_agent
