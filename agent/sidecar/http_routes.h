// What the sidecar's HTTP side port answers (README "HTTP side port"):
//
//   GET /prestop?timeout=D  waits (PrestopGate) until stopping this pod's
//                           broker is safe or D passes; 200 either way
//   GET /metrics            Prometheus text format (metrics.h)
//   GET /healthz, /readyz   200 when "" / kafka.ready are SERVING, else 503
//
// HEAD works wherever GET does; other methods get 405, other paths 404, a
// malformed timeout 400, each with a body saying what would be right.
#ifndef KAFKA_AGENT_SIDECAR_HTTP_ROUTES_H_
#define KAFKA_AGENT_SIDECAR_HTTP_ROUTES_H_

#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/base/identity.h"
#include "agent/sidecar/health.h"
#include "agent/sidecar/http_server.h"
#include "agent/sidecar/metrics.h"
#include "agent/sidecar/prestop.h"
#include "agent/sidecar/snapshot.h"

namespace kafka_agent {

// The response header that says how a /prestop wait ended: safe, timeout,
// stopping (the agent got SIGTERM) or client_gone.
inline constexpr char kPrestopOutcomeHeader[] = "X-Prestop-Outcome";

class SidecarRoutes : public HttpHandler {
 public:
  struct Deps {
    const Identity* identity = nullptr;
    SnapshotStore* store = nullptr;
    Clock* clock = nullptr;
    PrestopGate* gate = nullptr;
    const PollStats* polls = nullptr;  // may be null: no poll statistics
    // The health services now, as grpc.health.v1 Check answers them
    // (AgentServer::CurrentHealth in `serve`).
    std::function<HealthReport()> health;
  };

  explicit SidecarRoutes(Deps deps);

  void Serve(const HttpRequest& request,
             std::shared_ptr<HttpExchange> exchange) override;

  HttpResponse Metrics();
  // /healthz (`ready` false: service "") and /readyz (kafka.ready).
  HttpResponse Health(bool ready);

 private:
  void Prestop(const HttpRequest& request,
               std::shared_ptr<HttpExchange> exchange);

  const Deps deps_;
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_HTTP_ROUTES_H_
