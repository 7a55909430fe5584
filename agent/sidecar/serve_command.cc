#include "agent/sidecar/serve_command.h"

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/base/common_flags.h"
#include "agent/base/memory.h"
#include "agent/base/properties.h"
#include "agent/base/secrets.h"
#include "agent/base/status_macros.h"
#include "agent/base/steps.h"
#include "agent/sidecar/http_routes.h"
#include "agent/sidecar/http_server.h"
#include "agent/sidecar/kafka_admin.h"
#include "agent/sidecar/kafka_wire.h"
#include "agent/sidecar/metrics.h"
#include "agent/sidecar/poller.h"
#include "agent/sidecar/prestop.h"
#include "agent/sidecar/server.h"
#include "agent/sidecar/topic_configs.h"

namespace kafka_agent {
namespace {

constexpr size_t kMmapThresholdBytes = 256 << 10;
constexpr int kMallocArenas = 2;

}  // namespace

const std::vector<FlagSpec>& ServeFlags() {
  static const std::vector<FlagSpec>* specs = [] {
    auto* s = new std::vector<FlagSpec>(IdentityFlagSpecs());
    s->insert(
        s->end(),
        {
            {"grpc-listen", "KAFKA_AGENT_GRPC_LISTEN", FlagKind::kString,
             "0.0.0.0:50051", "address of the gRPC server"},
            {"http-listen", "KAFKA_AGENT_HTTP_LISTEN", FlagKind::kString,
             "0.0.0.0:9401",
             "address of the HTTP side port (/prestop, /metrics, /healthz, "
             "/readyz); empty: none",
             /*empty_env_is_value=*/true},
            {"bootstrap", "KAFKA_AGENT_BOOTSTRAP", FlagKind::kString, "",
             "the local broker (default: localhost:<broker-port>)"},
            {"poll-interval", "KAFKA_AGENT_POLL_INTERVAL", FlagKind::kDuration,
             "2s", "how often the broker is polled"},
            {"kafka-prop", "KAFKA_AGENT_KAFKA_PROPS", FlagKind::kList, "",
             "librdkafka property key=value, repeatable (env: one per line)"},
            {"kafka-prop-file", "KAFKA_AGENT_KAFKA_PROP_FILE",
             FlagKind::kString, "",
             "librdkafka properties from a file in Java properties syntax (a "
             "mounted Secret); --kafka-prop beats it"},
            LogFormatFlagSpec(),
        });
    return s;
  }();
  return *specs;
}

absl::StatusOr<ServeOptions> ServeOptionsFromFlags(
    const ParsedFlags& flags, const std::string& hostname) {
  ServeOptions o;
  KA_ASSIGN_OR_RETURN(o.identity, IdentityOptionsFromFlags(flags, hostname));
  o.grpc_listen = flags.String("grpc-listen");
  KA_RETURN_IF_ERROR(CheckHostPort(flags.Source("grpc-listen"), o.grpc_listen));
  o.http_listen = flags.String("http-listen");
  if (!o.http_listen.empty()) {
    KA_RETURN_IF_ERROR(
        CheckHostPort(flags.Source("http-listen"), o.http_listen));
    if (o.http_listen == o.grpc_listen &&
        !absl::EndsWith(o.http_listen, ":0")) {
      return absl::InvalidArgumentError(absl::StrCat(
          flags.Source("http-listen"), " \"", o.http_listen,
          "\" is also the gRPC address; give them different ports (the "
          "defaults are 9401 and 50051)"));
    }
  }
  // Unset: the pod's broker; RunServe picks the controller listener instead
  // on a controller-only pod.
  o.bootstrap_set = flags.IsSet("bootstrap");
  o.bootstrap = o.bootstrap_set
                    ? flags.String("bootstrap")
                    : absl::StrCat("localhost:", o.identity.broker_port);
  KA_ASSIGN_OR_RETURN(o.poll_interval, flags.Duration("poll-interval"));
  if (o.poll_interval < absl::Milliseconds(100)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flags.Source("poll-interval"), " \"", flags.String("poll-interval"),
        "\" is too short; poll at most every 100ms (the default is 2s)"));
  }
  for (const std::string& kv : flags.List("kafka-prop")) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      // Never echo what follows the key: it may be a secret.
      const std::string key = ShownKeyOf(kv);
      return absl::InvalidArgumentError(absl::StrCat(
          "--kafka-prop \"", key, "\"",
          key.size() < kv.size() ? " (the rest is not shown)" : "",
          " is not key=value; e.g. --kafka-prop security.protocol=SSL"));
    }
    o.kafka_props.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  o.kafka_prop_file = flags.String("kafka-prop-file");
  KA_ASSIGN_OR_RETURN(o.log_format, ParseLogFormat(flags.String("log-format")));
  return o;
}

absl::StatusOr<KafkaProps> ClientProperties(const ServeOptions& o,
                                            Filesystem& fs) {
  KafkaProps props;
  if (!o.kafka_prop_file.empty()) {
    auto text = fs.ReadFile(o.kafka_prop_file);
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--kafka-prop-file: ", text.status().message()));
    }
    auto parsed = Properties::Parse(*text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--kafka-prop-file \"", o.kafka_prop_file,
                       "\": ", parsed.status().message()));
    }
    for (const auto& [k, v] : parsed->entries()) props.emplace_back(k, v);
  }
  // --kafka-prop beats the file: later settings win in librdkafka.
  props.insert(props.end(), o.kafka_props.begin(), o.kafka_props.end());
  return props;
}

int RunServe(const ServeOptions& o, Filesystem& fs, Clock& clock,
             const Notification& stop) {
  spdlog::info("kafka-agent {} serve", KAFKA_AGENT_VERSION);
  // Large blocks (a big cluster's metadata answer, partition table, answer
  // pages) straight from and back to the system; few arenas for gRPC's many
  // threads. Keeps the resident size near what is in use.
  TuneAllocator(kMmapThresholdBytes, kMallocArenas);
  Identity identity;
  std::string bootstrap = o.bootstrap;
  std::unique_ptr<wire::KafkaWire> local;
  std::unique_ptr<wire::KafkaWire> local_controller;  // combined pods
  std::unique_ptr<KafkaAdmin> admin;
  SnapshotStore store;
  PollStats poll_stats;
  PrestopGate::Options go;
  go.poll_interval = o.poll_interval;
  PrestopGate gate(store, clock, go);
  std::unique_ptr<AgentServer> server;
  std::unique_ptr<SidecarRoutes> routes;
  std::unique_ptr<HttpServer> http;

  std::vector<Step> steps = {
      {"identity",
       [&]() -> absl::Status {
         KA_ASSIGN_OR_RETURN(identity, DeriveIdentity(o.identity));
         if (!o.bootstrap_set && !identity.is_broker) {
           // The pod's own node on its own listener: the broker's, or a
           // controller-only pod's controller listener.
           bootstrap = absl::StrCat("localhost:", identity.controller_port);
         }
         spdlog::info("pod {} -> node.id {}, roles {}; asks {} ({} listener)",
                      identity.pod_name, identity.node_id,
                      identity.ProcessRoles(), bootstrap,
                      identity.is_broker ? "broker" : "controller");
         return absl::OkStatus();
       }},
      {"kafka-clients",
       [&]() -> absl::Status {
         KA_ASSIGN_OR_RETURN(KafkaProps props, ClientProperties(o, fs));
         std::vector<std::string> shown;
         for (const auto& [k, v] : props) {
           shown.push_back(absl::StrCat(k, "=", ShownValue(k, v)));
         }
         spdlog::info("Kafka clients for {}{}{}{}", bootstrap,
                      shown.empty() ? "" : " with ", absl::StrJoin(shown, " "),
                      o.kafka_prop_file.empty()
                          ? ""
                          : absl::StrCat(" (file ", o.kafka_prop_file, ")"));
         wire::WireOptions wo;
         wo.bootstrap = {bootstrap};
         wo.controllers = !identity.is_broker;
         wo.props = props;
         wo.software_version = KAFKA_AGENT_VERSION;
         auto w = wire::NewKafkaWire(wo);
         if (!w.ok()) {
           return absl::Status(w.status().code(),
                               absl::StrCat("--kafka-prop / --bootstrap: ",
                                            w.status().message()));
         }
         local = *std::move(w);
         if (identity.is_broker && identity.is_controller) {
           // The quorum from this node's own controller listener when the
           // broker cannot forward (see Poller).
           wo.bootstrap = {
               absl::StrCat("localhost:", identity.controller_port)};
           wo.controllers = true;
           KA_ASSIGN_OR_RETURN(local_controller, wire::NewKafkaWire(wo));
           spdlog::info(
               "the quorum also from {} (controller listener) when "
               "the broker cannot forward DescribeQuorum",
               wo.bootstrap[0]);
         }
         if (identity.is_broker) {
           // librdkafka only asks for topic configurations (DescribeConfigs).
           KA_ASSIGN_OR_RETURN(admin, NewRdKafkaAdmin(bootstrap, props));
         }
         return absl::OkStatus();
       }},
      {"grpc-server",
       [&]() -> absl::Status {
         AgentServer::Options so;
         so.listen = o.grpc_listen;
         so.bootstrap = bootstrap;
         so.poll_interval = o.poll_interval;
         so.gate = &gate;
         server = std::make_unique<AgentServer>(identity, store, clock, so);
         return server->Start();
       }},
      {"http-server",
       [&]() -> absl::Status {
         if (o.http_listen.empty()) {
           spdlog::info("HTTP side port off (--http-listen / "
                        "KAFKA_AGENT_HTTP_LISTEN is empty): no /prestop, "
                        "/metrics, /healthz, /readyz");
           return absl::OkStatus();
         }
         SidecarRoutes::Deps d;
         d.identity = &identity;
         d.store = &store;
         d.clock = &clock;
         d.gate = &gate;
         d.polls = &poll_stats;
         // The same answer as grpc.health.v1 Check.
         d.health = [&server] { return server->CurrentHealth(); };
         routes = std::make_unique<SidecarRoutes>(d);
         HttpServer::Options ho;
         ho.listen = o.http_listen;
         http = std::make_unique<HttpServer>(ho, *routes);
         KA_RETURN_IF_ERROR(http->Start());
         spdlog::info(
             "HTTP listening on {} (port {}): GET /prestop?timeout=D "
             "(default {}, at most {}), /metrics, /healthz, /readyz; at most "
             "{} connections, idle timeout {}, request head at most {} bytes",
             o.http_listen, http->port(),
             absl::FormatDuration(kPrestopDefaultTimeout),
             absl::FormatDuration(kPrestopMaxTimeout), ho.max_connections,
             absl::FormatDuration(ho.idle_timeout), ho.max_request_bytes);
         return absl::OkStatus();
       }},
  };
  if (absl::Status s = RunSteps(steps, clock); !s.ok()) {
    if (server != nullptr) server->Shutdown(absl::ZeroDuration());
    return ExitCodeFor(s);
  }

  const absl::Duration request_timeout =
      std::clamp(o.poll_interval, absl::Seconds(1), absl::Seconds(5));
  std::unique_ptr<TopicConfigs> configs;
  if (admin != nullptr) {
    TopicConfigOptions tco;
    tco.refresh = std::max(absl::Seconds(60), 10 * o.poll_interval);
    tco.check_every = o.poll_interval;
    tco.request_timeout = request_timeout;
    tco.stats = &poll_stats;
    configs = std::make_unique<TopicConfigs>(*admin, clock, tco);
  }
  PollerOptions po;
  po.roles = RolesOf(identity);
  po.local_address = bootstrap;
  po.interval = o.poll_interval;
  po.request_timeout = request_timeout;
  po.all_topics_every = std::max(absl::Seconds(30), 10 * o.poll_interval);
  po.stats = &poll_stats;
  Poller poller(*local, configs.get(), clock, store, po,
                local_controller.get());
  if (configs != nullptr) {
    configs->OnUpdate([&poller] { poller.Republish(); });
  }
  // Threads that may sit in a Kafka request when SIGTERM comes.
  Notification poller_done, configs_done;
  std::thread poller_thread([&] {
    poller.Run(stop);
    poller_done.Notify();
  });
  std::thread configs_thread([&] {
    if (configs != nullptr) configs->Run(stop);
    configs_done.Notify();
  });
  std::thread refresher([&] { server->RunRefresher(stop); });
  std::thread gate_thread([&] { gate.Run(stop); });
  spdlog::info("serving: polling {} every {} (metadata of every topic; from "
               "{} partitions on, at least every {} and of the topics "
               "hosted here in between when fewer); snapshot stale after {}; "
               "liveness (\"\") lost after {} without a completed poll",
               bootstrap, absl::FormatDuration(o.poll_interval),
               po.narrow_from_partitions,
               absl::FormatDuration(po.all_topics_every),
               absl::FormatDuration(o.poll_interval * kStaleAfterPolls),
               absl::FormatDuration(LivenessBound(o.poll_interval)));

  stop.WaitForNotification();
  const MonoTime stop_at = clock.Monotonic();
  // Waiting /prestop and check-restart --wait calls are answered first
  // ("the agent is shutting down"), then the HTTP and gRPC servers close.
  gate.Stop();
  if (http != nullptr) http->Stop(absl::Seconds(1));
  server->Shutdown(absl::Seconds(2));
  refresher.join();
  gate_thread.join();
  if (!poller_done.WaitForNotificationWithTimeout(absl::Seconds(2)) ||
      !configs_done.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
    // Stuck in a Kafka request: do not wait for its timeout.
    spdlog::warn("still in a Kafka request; exiting without it");
    spdlog::default_logger()->flush();
    std::_Exit(0);
  }
  poller_thread.join();
  configs_thread.join();
  configs.reset();
  admin.reset();
  local.reset();
  spdlog::info("stopped in {}",
               absl::FormatDuration(absl::Trunc(clock.Monotonic() - stop_at,
                                                absl::Milliseconds(1))));
  return 0;
}

}  // namespace kafka_agent
