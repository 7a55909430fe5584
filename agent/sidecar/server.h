// The gRPC side of `serve`: the KafkaAgent service and grpc.health.v1 on the
// callback API, plus reflection, all answered from the snapshot store; and the
// refresher loop that turns new snapshots (and the passing of time) into
// health transitions (logged, sent to Watch streams) and WatchStatus messages.
//
// Health Check is computed when asked, from the latest snapshot and the
// monotonic clock: a probe never waits on Kafka, and a wedged poll loop or
// refresher cannot leave a stale SERVING behind.
#ifndef KAFKA_AGENT_SIDECAR_SERVER_H_
#define KAFKA_AGENT_SIDECAR_SERVER_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/base/identity.h"
#include "agent/base/sync.h"
#include "agent/sidecar/health.h"
#include "agent/sidecar/prestop.h"
#include "agent/sidecar/report.h"
#include "agent/sidecar/snapshot.h"

namespace grpc {
class Server;
}

namespace kafka_agent {

class StatusBroadcaster;
class KafkaAgentService;
class HealthService;

class AgentServer {
 public:
  struct Options {
    std::string listen = "0.0.0.0:50051";
    std::string bootstrap;
    absl::Duration poll_interval = absl::Seconds(2);
    // Where CheckRestartSafety with `wait` waits; null: such calls are
    // UNIMPLEMENTED.
    PrestopGate* gate = nullptr;
  };

  AgentServer(const Identity& identity, SnapshotStore& store, Clock& clock,
              Options options);
  ~AgentServer();

  // Binds and starts serving. Health starts as: "" SERVING, the Kafka
  // services NOT_SERVING until a snapshot says otherwise.
  absl::Status Start();

  // The bound port (useful with port 0).
  int port() const { return port_; }

  // Health now: EvaluateHealth over the latest snapshot, plus the
  // refresher's own liveness, and NOT_SERVING everywhere once shutting down.
  HealthReport CurrentHealth();

  // Re-evaluates health and status from the current snapshot; logs health
  // transitions and pushes them to Watch streams, and changed statuses to
  // WatchStatus streams.
  void Refresh();

  // Calls Refresh on every new snapshot, and at least every half poll
  // interval (so ageing snapshots go stale on time), until `stop`.
  void RunRefresher(const Notification& stop);

  // Asks the refresher to give freed heap memory back to the system (after
  // a large answer).
  void RequestTrim() { trim_.store(true); }

  // SIGTERM: every health service NOT_SERVING first, then watch streams end,
  // then in-flight calls get until `grace` to finish.
  void Shutdown(absl::Duration grace);

 private:
  const Identity identity_;
  SnapshotStore& store_;
  Clock& clock_;
  const Options options_;
  HealthOptions health_options_;
  StatusContext status_ctx_;
  std::unique_ptr<StatusBroadcaster> broadcaster_;
  std::unique_ptr<HealthService> health_service_;
  std::unique_ptr<KafkaAgentService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::atomic<bool> shutting_down_{false};
  std::atomic<bool> trim_{false};
  // When Refresh last ran, in nanoseconds on the monotonic clock.
  std::atomic<int64_t> last_refresh_ns_{0};
  std::mutex refresh_mu_;  // guards health_ and last_sent_
  std::unique_ptr<HealthPublisher> health_;
  // The last status sent to watchers, without its time fields.
  std::unique_ptr<v1::AgentStatus> last_sent_;
  int port_ = 0;
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_SERVER_H_
