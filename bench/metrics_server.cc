// metrics-bench-server: the /metrics side of bench/metrics_scrape.sh.
//
//   metrics-bench-server --partitions N --listen HOST:PORT --mode agent
//       the agent's own HTTP path (HttpServer + SidecarRoutes, as `serve`
//       runs them) over a synthetic snapshot of N partitions, assessed for
//       broker 1 like the poller does
//   metrics-bench-server --partitions N --listen HOST:PORT --mode static
//       the peer: the same exposition rendered once at start, served as a
//       constant buffer by the same library (libmicrohttpd, one thread, no
//       routing): the HTTP floor under the agent's answer
//   metrics-bench-server --partitions N --dump FILE
//       writes that exposition to FILE (for the Python peer) and exits
//
// The synthetic cluster: 3 combined nodes (caught-up voters, registered
// brokers), topics of 50 partitions, replication factor 3,
// min.insync.replicas 2; every 10th partition has broker 2 out of its ISR.
// On start it prints one line: "assess_us <microseconds>", the time one
// Assess (readiness, and restart safety with the quorum rule: the
// per-snapshot work the poller does so that a scrape need not) took at this
// size, then "serving".
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "agent/base/clock.h"
#include "agent/base/identity.h"
#include "agent/sidecar/health.h"
#include "agent/sidecar/http_routes.h"
#include "agent/sidecar/http_server.h"
#include "agent/sidecar/metrics.h"
#include "agent/sidecar/prestop.h"
#include "agent/sidecar/readiness.h"
#include "agent/sidecar/snapshot.h"

namespace {

using namespace kafka_agent;  // NOLINT: a small tool

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "metrics-bench-server: %s\nusage: metrics-bench-server "
               "--partitions N (--listen HOST:PORT --mode agent|static | "
               "--dump FILE)\n",
               why.c_str());
  std::exit(2);
}

ClusterMetadata Synthetic(int partitions) {
  ClusterMetadata c;
  c.cluster_id = "bench-cluster";
  c.controller_id = 0;
  c.brokers = {0, 1, 2};
  // The local broker answered, every node is a caught-up voter and an
  // unfenced broker: the assessment takes main's whole path.
  c.metadata_answered_by = "localhost:9092";
  c.local.address = "localhost:9092";
  c.local.answered = true;
  QuorumView q;
  q.answered_by = "localhost:9092";
  q.leader_id = 0;
  q.leader_epoch = 1;
  q.high_watermark = 100;
  RegistrationView reg;
  reg.answered_by = "localhost:9092";
  reg.fencing_known = true;
  for (int32_t id = 0; id < 3; ++id) {
    q.voters.push_back({id, 100, 1000, 1000});
    reg.brokers.push_back({id, false});
  }
  c.quorum = std::move(q);
  c.registration = std::move(reg);
  // Built as the poller builds its table: topic by topic, then sorted.
  PartitionsBuilder b;
  b.Reserve(static_cast<size_t>(partitions) / 50 + 1,
            static_cast<size_t>(partitions),
            static_cast<size_t>(partitions) * 6);
  for (int i = 0; i < partitions; ++i) {
    if (i % 50 == 0) b.AddTopic(absl::StrCat("topic-", i / 50), 2);
    const std::vector<int32_t> replicas = {i % 3, (i + 1) % 3, (i + 2) % 3};
    const std::vector<int32_t> isr =
        i % 10 == 0 ? std::vector<int32_t>{0, 1} : replicas;
    b.AddPartition(i % 50, replicas[0], replicas, isr);
  }
  c.partitions = b.Build();
  return c;
}

// A constant body from the same HTTP library, without routes.
class StaticHandler : public HttpHandler {
 public:
  explicit StaticHandler(std::string body) : body_(std::move(body)) {}
  void Serve(const HttpRequest&, std::shared_ptr<HttpExchange> ex) override {
    ex->Respond({200, "text/plain; version=0.0.4; charset=utf-8", body_, {}});
  }

 private:
  const std::string body_;
};

}  // namespace

int main(int argc, char** argv) {
  // Before any thread starts, so every thread inherits it: SIGTERM and SIGINT
  // are taken by sigwait below, never by the server's thread.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int partitions = -1;
  std::string listen, mode, dump;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) Usage("missing value for " + k);
    std::string v = argv[++i];
    if (k == "--partitions")
      partitions = std::atoi(v.c_str());
    else if (k == "--listen")
      listen = v;
    else if (k == "--mode")
      mode = v;
    else if (k == "--dump")
      dump = v;
    else
      Usage("unknown flag " + k);
  }
  if (partitions < 1) Usage("--partitions must be >= 1");

  IdentityOptions io;
  io.pod_name = "kafka-1";
  io.namespace_name = "kafka";
  io.headless_service = "kafka-headless";
  const Identity identity = *DeriveIdentity(io);

  Clock& clock = RealClock();
  SnapshotStore store;
  Snapshot snap;
  snap.cluster = Synthetic(partitions);
  const auto t0 = std::chrono::steady_clock::now();
  snap.assessment = Assess(snap.cluster, RolesOf(identity));
  const auto t1 = std::chrono::steady_clock::now();
  snap.taken_at = clock.Now();
  snap.taken_mono = clock.Monotonic();
  snap.completed_mono = snap.taken_mono;
  store.Publish(std::move(snap));

  PollStats polls;
  for (int i = 0; i < 100; ++i)
    polls.RecordPoll(absl::Milliseconds(3 + i % 40));
  polls.RecordError("metadata", absl::StatusCode::kDeadlineExceeded);
  PrestopGate::Options go;
  go.poll_interval = absl::Hours(1);  // the snapshot never goes stale here
  PrestopGate gate(store, clock, go);
  SidecarRoutes::Deps d;
  d.identity = &identity;
  d.store = &store;
  d.clock = &clock;
  d.gate = &gate;
  d.polls = &polls;
  HealthOptions health_options;
  health_options.poll_interval = go.poll_interval;
  health_options.started_at = clock.Monotonic();
  d.health = [&] {
    return EvaluateHealth(*store.Get(), clock.Monotonic(), health_options);
  };
  SidecarRoutes routes(d);

  if (!dump.empty()) {
    std::ofstream(dump) << routes.Metrics().body;
    return 0;
  }
  if (listen.empty() || (mode != "agent" && mode != "static")) {
    Usage("give --listen and --mode agent|static, or --dump");
  }
  std::unique_ptr<HttpHandler> handler;
  HttpHandler* h = &routes;
  if (mode == "static") {
    handler = std::make_unique<StaticHandler>(routes.Metrics().body);
    h = handler.get();
  }
  HttpServer::Options ho;
  ho.listen = listen;
  HttpServer server(ho, *h);
  if (absl::Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "metrics-bench-server: %s\n",
                 std::string(s.message()).c_str());
    return 1;
  }
  std::printf("assess_us %lld\nserving\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0)
                      .count()));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  gate.Stop();
  server.Stop(absl::Seconds(1));
  return 0;
}
