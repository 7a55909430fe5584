#include "agent/sidecar/health.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "agent/base/logging.h"

namespace kafka_agent {
namespace {

std::string Secs(absl::Duration d) {
  return absl::FormatDuration(absl::Trunc(d, absl::Seconds(1)));
}

}  // namespace

absl::Duration LivenessBound(absl::Duration poll_interval) {
  return std::max(5 * poll_interval, absl::Seconds(30));
}

std::vector<std::pair<std::string, const ServiceHealth*>>
HealthReport::Services() const {
  std::vector<std::pair<std::string, const ServiceHealth*>> out = {
      {kAgentService, &agent}};
  if (has_broker) out.emplace_back(kBrokerService, &broker);
  if (has_controller) out.emplace_back(kControllerService, &controller);
  out.emplace_back(kReadyService, &ready);
  return out;
}

void HealthReport::AllNotServing(const std::string& reason) {
  agent = broker = controller = ready = {false, reason};
}

const ServiceHealth* HealthReport::Find(absl::string_view name) const {
  for (const auto& [service, health] : Services()) {
    if (service == name) return health;
  }
  return nullptr;
}

HealthReport EvaluateHealth(const Snapshot& snapshot, MonoTime now,
                            const HealthOptions& options) {
  HealthReport r;
  r.has_broker = options.roles.broker;
  r.has_controller = options.roles.controller;
  const bool attempted = snapshot.completed_mono != MonoTime::InfinitePast();
  const MonoTime last_attempt =
      attempted ? snapshot.completed_mono : options.started_at;
  const absl::Duration bound = LivenessBound(options.poll_interval);
  if (now - last_attempt > bound) {
    r.agent = {false, absl::StrCat("the poll loop has completed no attempt for ",
                                   Secs(now - last_attempt), " (limit ",
                                   Secs(bound), "): it is stuck")};
  } else {
    r.agent = {true, "agent is running"};
  }
  if (!snapshot.has_data()) {
    r.stale = true;
    std::string why = absl::StrCat("no cluster snapshot yet",
                                   snapshot.last_error.empty() ? "" : ": ",
                                   snapshot.last_error);
    r.broker = r.controller = r.ready = {false, why};
    return r;
  }
  r.age = now - snapshot.taken_mono;
  const absl::Duration limit = options.poll_interval * kStaleAfterPolls;
  r.stale = r.age > limit;
  if (r.stale) {
    std::string why = absl::StrCat(
        "cluster snapshot is stale (", Secs(r.age), " old, limit ",
        absl::FormatDuration(limit), ")",
        snapshot.last_error.empty() ? "" : ": ", snapshot.last_error);
    r.broker = r.controller = r.ready = {false, why};
    return r;
  }
  const Assessment& a = snapshot.assessment;
  r.broker = {a.broker_ok, a.broker_reason};
  r.controller = {a.controller_ok, a.controller_reason};
  r.ready = {a.ready, a.ready_reason};
  return r;
}

bool HealthPublisher::Publish(const HealthReport& report) {
  bool changed = false;
  for (const auto& [service, h] : report.Services()) {
    auto it = last_.find(service);
    const bool known = it != last_.end();
    if (known && it->second.serving == h->serving) {
      it->second = *h;
      continue;
    }
    spdlog::info("health \"{}\": {} -> {} ({})", service,
                 !known                 ? "UNKNOWN"
                 : it->second.serving ? "SERVING"
                                      : "NOT_SERVING",
                 h->serving ? "SERVING" : "NOT_SERVING", h->reason);
    sink_.SetServing(service, h->serving);
    last_[service] = *h;
    changed = true;
  }
  return changed;
}

}  // namespace kafka_agent
