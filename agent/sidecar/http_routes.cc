#include "agent/sidecar/http_routes.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/sidecar/health.h"

namespace kafka_agent {
namespace {

constexpr char kText[] = "text/plain; charset=utf-8";
constexpr char kEndpoints[] =
    "GET /prestop?timeout=DURATION, /metrics, /healthz or /readyz";

HttpResponse Text(int status, std::string body) {
  return {status, kText, std::move(body), {}};
}

}  // namespace

SidecarRoutes::SidecarRoutes(Deps deps) : deps_(deps) {}

void SidecarRoutes::Serve(const HttpRequest& request,
                          std::shared_ptr<HttpExchange> exchange) {
  const bool known = request.path == "/prestop" || request.path == "/metrics" ||
                     request.path == "/healthz" || request.path == "/readyz";
  if (!known) {
    exchange->Respond(
        Text(404, absl::StrCat("no such path \"", request.path,
                               "\"; this port answers ", kEndpoints, "\n")));
    return;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse r =
        Text(405, absl::StrCat("method ", request.method, " is not allowed on ",
                               request.path, "; use GET\n"));
    r.headers.emplace_back("Allow", "GET, HEAD");
    exchange->Respond(std::move(r));
    return;
  }
  if (request.path == "/prestop") {
    Prestop(request, std::move(exchange));
  } else if (request.path == "/metrics") {
    exchange->Respond(Metrics());
  } else {
    exchange->Respond(Health(request.path == "/readyz"));
  }
}

void SidecarRoutes::Prestop(const HttpRequest& request,
                            std::shared_ptr<HttpExchange> exchange) {
  absl::Duration timeout = kPrestopDefaultTimeout;
  if (auto it = request.query.find("timeout"); it != request.query.end()) {
    auto parsed = ParsePrestopTimeout(it->second);
    if (!parsed.ok()) {
      exchange->Respond(
          Text(400, absl::StrCat(parsed.status().message(), "\n")));
      return;
    }
    timeout = *parsed;
  }
  PrestopGate::Request wait;
  wait.node = deps_.identity->node_id;
  wait.timeout = timeout;
  wait.who = absl::StrCat("GET /prestop from ", request.peer);
  wait.client_gone = [exchange] { return exchange->ClientGone(); };
  auto id =
      deps_.gate->Begin(std::move(wait), [exchange](const PrestopResult& r) {
        HttpResponse resp = Text(200, r.Body());
        resp.headers.emplace_back(kPrestopOutcomeHeader,
                                  OutcomeName(r.outcome));
        exchange->Respond(std::move(resp));
      });
  if (!id.ok()) {
    HttpResponse r = Text(503, absl::StrCat(id.status().message(), "\n"));
    r.headers.emplace_back("Retry-After", "1");
    exchange->Respond(std::move(r));
  }
}

HttpResponse SidecarRoutes::Metrics() {
  std::shared_ptr<const Snapshot> snap = deps_.store->Get();
  MetricsInput in;
  in.identity = deps_.identity;
  in.snapshot = snap.get();
  in.now = deps_.clock->Monotonic();
  in.health = deps_.health();
  if (deps_.polls != nullptr) {
    in.polls = deps_.polls->Get();
  } else {
    in.polls.buckets.assign(PollDurationBuckets().size(), 0);
  }
  in.prestop = deps_.gate->Counts();
  in.version = KAFKA_AGENT_VERSION;
  return {
      200, "text/plain; version=0.0.4; charset=utf-8", RenderMetrics(in), {}};
}

HttpResponse SidecarRoutes::Health(bool ready) {
  const HealthReport h = deps_.health();
  const ServiceHealth& s = ready ? h.ready : h.agent;
  return Text(s.serving ? 200 : 503,
              absl::StrCat(s.serving ? "SERVING" : "NOT_SERVING", ": ",
                           s.reason, "\n"));
}

}  // namespace kafka_agent
