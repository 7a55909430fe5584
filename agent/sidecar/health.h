// The grpc.health.v1 services of DESIGN.md: their states from a snapshot's
// assessment, its age and the poll loop's liveness, and the publisher that
// logs each transition and hands it on (to Watch streams).
#ifndef KAFKA_AGENT_SIDECAR_HEALTH_H_
#define KAFKA_AGENT_SIDECAR_HEALTH_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/sidecar/readiness.h"
#include "agent/sidecar/snapshot.h"

namespace kafka_agent {

// Service names. "" is the agent itself (liveness).
inline constexpr char kAgentService[] = "";
inline constexpr char kBrokerService[] = "kafka.broker";
inline constexpr char kControllerService[] = "kafka.controller";
inline constexpr char kReadyService[] = "kafka.ready";

// A snapshot older than this many poll intervals turns the Kafka services
// NOT_SERVING.
inline constexpr int kStaleAfterPolls = 3;

// The agent itself ("") turns NOT_SERVING when its poll loop has completed no
// attempt for this long: max(5 poll intervals, 30s). Every Kafka request has
// a deadline of at most 5s, so a healthy loop completes an attempt well within
// it; past it the loop is wedged and the kubelet's liveness probe should
// restart the sidecar (never Kafka).
absl::Duration LivenessBound(absl::Duration poll_interval);

struct ServiceHealth {
  bool serving = false;
  std::string reason;

  bool operator==(const ServiceHealth& o) const {
    return serving == o.serving && reason == o.reason;
  }
};

struct HealthReport {
  ServiceHealth agent;       // ""
  ServiceHealth broker;      // kafka.broker (pods with the broker role)
  ServiceHealth controller;  // kafka.controller (pods with the controller role)
  ServiceHealth ready;       // kafka.ready
  bool has_broker = true;
  bool has_controller = false;
  bool stale = true;
  absl::Duration age = absl::InfiniteDuration();

  // Every service this pod has, with its name, in a fixed order: "",
  // kafka.broker, kafka.controller, kafka.ready (the role services only on
  // pods with the role).
  std::vector<std::pair<std::string, const ServiceHealth*>> Services() const;
  // The service named `name`; nullptr when this pod has no such service.
  const ServiceHealth* Find(absl::string_view name) const;
  // Every service NOT_SERVING for `reason` ("" included).
  void AllNotServing(const std::string& reason);
};

struct HealthOptions {
  NodeRoles roles;
  absl::Duration poll_interval = absl::Seconds(2);
  // When the agent started polling: liveness counts from here until the
  // first attempt completes.
  MonoTime started_at;
};

// Pure: the health of each service at `now` (monotonic), from the snapshot's
// assessment (no pass over the partitions), its age and when the poll loop
// last completed an attempt.
HealthReport EvaluateHealth(const Snapshot& snapshot, MonoTime now,
                            const HealthOptions& options);

// Where serving states go: the health service's watchers, or a fake.
class HealthSink {
 public:
  virtual ~HealthSink() = default;
  virtual void SetServing(const std::string& service, bool serving) = 0;
};

// Pushes a HealthReport to a sink, touching a service only when its serving
// state changes, and logs each transition with its reason.
class HealthPublisher {
 public:
  explicit HealthPublisher(HealthSink& sink) : sink_(sink) {}

  // Returns true when any service changed.
  bool Publish(const HealthReport& report);

 private:
  HealthSink& sink_;
  std::map<std::string, ServiceHealth> last_;  // by service name
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_HEALTH_H_
