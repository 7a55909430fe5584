// `kafka-agent serve`: the native sidecar. Start-up steps, then serve until
// SIGTERM, then an orderly, bounded shutdown.
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/cli.h"
#include "agent/kafka.h"
#include "agent/log.h"
#include "agent/poller.h"
#include "agent/server.h"
#include "agent/startup.h"
#include "agent/status_macros.h"

namespace kafka_agent {

int RunServe(const ServeOptions& o, CliContext& ctx) {
  spdlog::info("kafka-agent {} serve", KAFKA_AGENT_VERSION);
  Identity identity;
  std::unique_ptr<KafkaAdmin> admin;
  SnapshotStore store;
  std::unique_ptr<AgentServer> server;

  std::vector<Step> steps = {
      {"identity",
       [&]() -> absl::Status {
         KA_ASSIGN_OR_RETURN(identity, DeriveIdentity(o.identity));
         spdlog::info("pod {} -> node.id {}, roles {}", identity.pod_name,
                      identity.node_id, identity.ProcessRoles());
         return absl::OkStatus();
       }},
      {"kafka-client",
       [&]() -> absl::Status {
         std::vector<std::string> shown;
         for (const auto& [k, v] : o.kafka_props) {
           shown.push_back(
               absl::StrCat(k, "=", IsSecretProperty(k) ? "<redacted>" : v));
         }
         spdlog::info("librdkafka client for {}{}{}", o.bootstrap,
                      shown.empty() ? "" : " with ", absl::StrJoin(shown, " "));
         KA_ASSIGN_OR_RETURN(admin, NewRdKafkaAdmin(o.bootstrap, o.kafka_props));
         return absl::OkStatus();
       }},
      {"grpc-server",
       [&]() -> absl::Status {
         AgentServer::Options so;
         so.listen = o.grpc_listen;
         so.bootstrap = o.bootstrap;
         so.poll_interval = o.poll_interval;
         server = std::make_unique<AgentServer>(identity, store, *ctx.clock, so);
         return server->Start();
       }},
  };
  if (absl::Status s = RunSteps(steps, *ctx.clock); !s.ok()) {
    return ExitCodeFor(s);
  }

  PollerOptions po;
  po.interval = o.poll_interval;
  po.request_timeout =
      std::clamp(o.poll_interval, absl::Seconds(1), absl::Seconds(5));
  po.min_isr_refresh = std::max(absl::Seconds(60), 10 * o.poll_interval);
  Poller poller(*admin, *ctx.clock, store, po);
  Notification poller_done;
  std::thread poller_thread([&] {
    poller.Run(*ctx.stop);
    poller_done.Notify();
  });
  std::thread refresher([&] { server->RunRefresher(*ctx.stop); });
  spdlog::info("serving: polling {} every {}; snapshot stale after {}",
               o.bootstrap, absl::FormatDuration(o.poll_interval),
               absl::FormatDuration(o.poll_interval * kStaleAfterPolls));

  ctx.stop->WaitForNotification();
  const absl::Time stop_at = absl::Now();
  server->Shutdown(absl::Seconds(2));
  refresher.join();
  if (!poller_done.WaitForNotificationWithTimeout(absl::Seconds(2))) {
    // Stuck in a Kafka request: do not wait for its timeout.
    spdlog::warn("poller still in a Kafka request; exiting without it");
    spdlog::default_logger()->flush();
    std::_Exit(0);
  }
  poller_thread.join();
  admin.reset();
  spdlog::info("stopped in {}",
               absl::FormatDuration(absl::Trunc(absl::Now() - stop_at,
                                                absl::Milliseconds(1))));
  return 0;
}

}  // namespace kafka_agent
