// GET /metrics: the sidecar's state in the Prometheus text exposition format
// (version 0.0.4), built from the snapshot's assessment, the health report,
// the poller's statistics and the preStop gate's counts. Nothing here walks
// the partitions: a scrape costs the same at 10 or 100,000 partitions.
#ifndef KAFKA_AGENT_SIDECAR_METRICS_H_
#define KAFKA_AGENT_SIDECAR_METRICS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/base/identity.h"
#include "agent/sidecar/health.h"
#include "agent/sidecar/snapshot.h"

namespace kafka_agent {

// Upper bounds (seconds) of kafka_agent_poll_duration_seconds' buckets.
const std::vector<double>& PollDurationBuckets();

// What the poller records about its own work; read by /metrics. Thread-safe.
class PollStats {
 public:
  struct Totals {
    std::vector<uint64_t> buckets;  // cumulative, one per PollDurationBuckets
    double sum_seconds = 0;
    uint64_t count = 0;
    // (request, code) -> errors, e.g. ("metadata", "deadline_exceeded").
    std::map<std::pair<std::string, std::string>, uint64_t> errors;
  };

  PollStats();

  // One poll (every request it made), successful or not.
  void RecordPoll(absl::Duration took);
  // A failed Kafka request of a poll: "metadata" or "describe_configs".
  void RecordError(absl::string_view request, absl::StatusCode code);

  Totals Get() const;

 private:
  mutable std::mutex mu_;
  Totals totals_;  // guarded by mu_; buckets not yet cumulative
};

// The preStop waits, as /metrics shows them.
struct PrestopCounts {
  int64_t waiting = 0;
  // outcome name ("safe", "timeout", "stopping", "client_gone") -> count.
  std::map<std::string, uint64_t> finished;
};

struct MetricsInput {
  const Identity* identity = nullptr;
  const Snapshot* snapshot = nullptr;
  // The health services as grpc.health.v1 Check answers them now.
  HealthReport health;
  MonoTime now;  // for the snapshot's age
  PollStats::Totals polls;
  PrestopCounts prestop;
  std::string version;
};

// The whole exposition: HELP and TYPE lines, then the samples of each family.
std::string RenderMetrics(const MetricsInput& in);

// A Prometheus sample value: integers without a fraction, +Inf, NaN.
std::string MetricValue(double v);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_METRICS_H_
