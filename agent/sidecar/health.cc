#include "agent/sidecar/health.h"

#include "absl/strings/str_cat.h"
#include "agent/base/logging.h"

namespace kafka_agent {

HealthReport EvaluateHealth(const Snapshot& snapshot, absl::Time now,
                            absl::Duration poll_interval) {
  HealthReport r;
  r.agent = {true, "agent is running"};
  if (!snapshot.has_data()) {
    r.stale = true;
    std::string why = absl::StrCat("no cluster snapshot yet",
                                   snapshot.last_error.empty() ? "" : ": ",
                                   snapshot.last_error);
    r.broker = {false, why};
    r.ready = {false, why};
    return r;
  }
  r.age = now - snapshot.taken_at;
  const absl::Duration limit = poll_interval * kStaleAfterPolls;
  r.stale = r.age > limit;
  if (r.stale) {
    std::string why = absl::StrCat(
        "cluster snapshot is stale (", absl::FormatDuration(absl::Trunc(r.age, absl::Seconds(1))),
        " old, limit ", absl::FormatDuration(limit), ")",
        snapshot.last_error.empty() ? "" : ": ", snapshot.last_error);
    r.broker = {false, why};
    r.ready = {false, why};
    return r;
  }
  const Assessment& a = snapshot.assessment;
  r.broker = {a.registered, a.broker_reason};
  r.ready = {a.ready, a.ready_reason};
  return r;
}

bool HealthPublisher::PublishOne(const std::string& service,
                                 const ServiceHealth& h, ServiceHealth* last,
                                 bool* known) {
  if (*known && last->serving == h.serving) {
    *last = h;
    return false;
  }
  spdlog::info("health \"{}\": {} -> {} ({})", service,
               !*known ? "UNKNOWN" : last->serving ? "SERVING" : "NOT_SERVING",
               h.serving ? "SERVING" : "NOT_SERVING", h.reason);
  sink_.SetServing(service, h.serving);
  *last = h;
  *known = true;
  return true;
}

bool HealthPublisher::Publish(const HealthReport& report) {
  bool changed = PublishOne(kAgentService, report.agent, &agent_, &agent_known_);
  changed |= PublishOne(kBrokerService, report.broker, &broker_, &broker_known_);
  changed |= PublishOne(kReadyService, report.ready, &ready_, &ready_known_);
  return changed;
}

}  // namespace kafka_agent
