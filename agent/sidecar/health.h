// The grpc.health.v1 services of DESIGN.md: their states from a snapshot's
// assessment and age, and their publication to gRPC's health service on every
// change.
#ifndef KAFKA_AGENT_SIDECAR_HEALTH_H_
#define KAFKA_AGENT_SIDECAR_HEALTH_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "agent/sidecar/snapshot.h"

namespace kafka_agent {

// Service names. "" is the agent itself (liveness).
inline constexpr char kAgentService[] = "";
inline constexpr char kBrokerService[] = "kafka.broker";
inline constexpr char kReadyService[] = "kafka.ready";

// A snapshot older than this many poll intervals turns the Kafka services
// NOT_SERVING.
inline constexpr int kStaleAfterPolls = 3;

struct ServiceHealth {
  bool serving = false;
  std::string reason;

  bool operator==(const ServiceHealth& o) const {
    return serving == o.serving && reason == o.reason;
  }
};

struct HealthReport {
  ServiceHealth agent;   // ""
  ServiceHealth broker;  // kafka.broker
  ServiceHealth ready;   // kafka.ready
  bool stale = true;
  absl::Duration age = absl::InfiniteDuration();
};

// Pure: the health of each service at time `now`, from the snapshot's
// assessment (no pass over the partitions) and its age.
HealthReport EvaluateHealth(const Snapshot& snapshot, absl::Time now,
                            absl::Duration poll_interval);

// Where serving states go: gRPC's health service, or a fake.
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
  bool PublishOne(const std::string& service, const ServiceHealth& h,
                  ServiceHealth* last, bool* known);

  HealthSink& sink_;
  ServiceHealth agent_, broker_, ready_;
  bool agent_known_ = false, broker_known_ = false, ready_known_ = false;
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_HEALTH_H_
