#include "agent/sidecar/server.h"

#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "agent/base/logging.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpc/health/v1/health.pb.h"
#include "kafka_agent/v1/agent.grpc.pb.h"

namespace kafka_agent {
namespace {

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

// Health transitions go to gRPC's default health service.
class GrpcHealthSink : public HealthSink {
 public:
  explicit GrpcHealthSink(grpc::HealthCheckServiceInterface* health)
      : health_(health) {}
  void SetServing(const std::string& service, bool serving) override {
    health_->SetServingStatus(service, serving);
  }

 private:
  grpc::HealthCheckServiceInterface* health_;
};

// CheckRestartSafety with `wait`: one wait in the PrestopGate, finished from
// the gate's thread (or at once), cancelled when the client goes away.
class RestartWaitReactor : public grpc::ServerUnaryReactor {
 public:
  RestartWaitReactor(PrestopGate& gate, SnapshotStore& store,
                     v1::CheckRestartSafetyResponse* response)
      : gate_(gate), store_(store), response_(response),
        state_(std::make_shared<State>()) {}

  // Starts the wait. The reactor may be deleted by the time this returns
  // (the answer can come, and the RPC end, before Begin returns), so only
  // locals are used after Begin.
  static void Start(RestartWaitReactor* self, PrestopGate::Request request) {
    PrestopGate& gate = self->gate_;
    std::shared_ptr<State> state = self->state_;
    auto id = gate.Begin(std::move(request), [self, state](const PrestopResult& r) {
      {
        std::lock_guard<std::mutex> lock(state->mu);
        state->done = true;
      }
      self->Answer(r);
    });
    if (!id.ok()) {
      self->Finish(ToGrpc(id.status()));
      return;
    }
    bool cancel = false;
    {
      std::lock_guard<std::mutex> lock(state->mu);
      if (!state->done) {
        state->id = *id;
        cancel = state->cancelled;
      }
    }
    if (cancel) gate.Cancel(*id);
  }

  void OnCancel() override {
    uint64_t id = 0;
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->cancelled = true;
      if (!state_->done) id = state_->id;
    }
    if (id != 0) gate_.Cancel(id);
  }

  void OnDone() override { delete this; }

 private:
  struct State {
    std::mutex mu;
    uint64_t id = 0;  // 0 until Begin returned
    bool done = false;
    bool cancelled = false;
  };

  void Answer(const PrestopResult& r) {
    switch (r.outcome) {
      case PrestopOutcome::kSafe:
      case PrestopOutcome::kTimedOut:
        *response_ = BuildRestartWait(r, *store_.Get());
        Finish(grpc::Status::OK);
        return;
      case PrestopOutcome::kAgentStopping:
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, r.Line()));
        return;
      case PrestopOutcome::kClientGone:
        Finish(grpc::Status(grpc::StatusCode::CANCELLED, r.Line()));
        return;
    }
  }

  PrestopGate& gate_;
  SnapshotStore& store_;
  v1::CheckRestartSafetyResponse* response_;
  std::shared_ptr<State> state_;
};

}  // namespace

// One WatchStatus stream. Keeps at most one write in flight and only the
// latest pending status (a slow reader skips intermediate states).
class WatchReactor : public grpc::ServerWriteReactor<v1::AgentStatus> {
 public:
  explicit WatchReactor(StatusBroadcaster* broadcaster)
      : broadcaster_(broadcaster) {}

  void Push(const v1::AgentStatus& status) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finish_requested_) return;
      if (writing_) {
        pending_ = status;
        return;
      }
      writing_ = true;
      current_ = status;
    }
    StartWrite(&current_);
  }

  void RequestFinish(grpc::Status status) {
    bool finish = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finish_requested_) return;
      finish_requested_ = true;
      status_ = std::move(status);
      finish = !writing_;
    }
    if (finish) Finish(status_);
  }

  void OnWriteDone(bool ok) override {
    bool write = false, finish = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok && !finish_requested_) {
        finish_requested_ = true;
        status_ = grpc::Status(grpc::StatusCode::CANCELLED, "write failed");
      }
      if (pending_.has_value() && !finish_requested_) {
        current_ = *std::move(pending_);
        pending_.reset();
        write = true;
      } else {
        writing_ = false;
        finish = finish_requested_;
      }
    }
    if (write) StartWrite(&current_);
    if (finish) Finish(status_);
  }

  void OnCancel() override {
    RequestFinish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void OnDone() override;

 private:
  StatusBroadcaster* const broadcaster_;
  std::mutex mu_;
  bool writing_ = false;
  bool finish_requested_ = false;
  std::optional<v1::AgentStatus> pending_;
  v1::AgentStatus current_;  // owned by the write in flight
  grpc::Status status_;
};

// The open WatchStatus streams.
class StatusBroadcaster {
 public:
  void Add(WatchReactor* r) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) {
      r->RequestFinish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "the agent is shutting down"));
      return;
    }
    reactors_.insert(r);
  }
  void Remove(WatchReactor* r) {
    std::lock_guard<std::mutex> lock(mu_);
    reactors_.erase(r);
  }
  // Holding mu_ keeps every reactor alive: OnDone waits in Remove.
  void Broadcast(const v1::AgentStatus& s) {
    std::lock_guard<std::mutex> lock(mu_);
    for (WatchReactor* r : reactors_) r->Push(s);
  }
  void CloseAll() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    for (WatchReactor* r : reactors_) {
      r->RequestFinish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "the agent is shutting down"));
    }
  }

 private:
  std::mutex mu_;
  std::set<WatchReactor*> reactors_;
  bool closed_ = false;
};

void WatchReactor::OnDone() {
  broadcaster_->Remove(this);
  delete this;
}

class KafkaAgentService final : public v1::KafkaAgent::CallbackService {
 public:
  KafkaAgentService(const StatusContext& ctx, SnapshotStore& store,
                    Clock& clock, StatusBroadcaster& broadcaster,
                    PrestopGate* gate)
      : ctx_(ctx),
        store_(store),
        clock_(clock),
        broadcaster_(broadcaster),
        gate_(gate) {}

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const v1::GetStatusRequest*,
                                      v1::AgentStatus* response) override {
    *response = BuildAgentStatus(ctx_, *store_.Get(), clock_.Now());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<v1::AgentStatus>* WatchStatus(
      grpc::CallbackServerContext*, const v1::WatchStatusRequest*) override {
    auto* reactor = new WatchReactor(&broadcaster_);
    broadcaster_.Add(reactor);
    reactor->Push(BuildAgentStatus(ctx_, *store_.Get(), clock_.Now()));
    return reactor;
  }

  grpc::ServerUnaryReactor* ListPartitions(
      grpc::CallbackServerContext* context,
      const v1::ListPartitionsRequest* request,
      v1::ListPartitionsResponse* response) override {
    *response = BuildListPartitions(*store_.Get(), *request);
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* CheckRestartSafety(
      grpc::CallbackServerContext* context,
      const v1::CheckRestartSafetyRequest* request,
      v1::CheckRestartSafetyResponse* response) override {
    if (request->wait()) return WaitForRestartSafety(context, request, response);
    auto r = BuildRestartSafety(ctx_, *store_.Get(), clock_.Now(), *request);
    auto* reactor = context->DefaultReactor();
    if (r.ok()) *response = *std::move(r);
    reactor->Finish(ToGrpc(r.status()));
    return reactor;
  }

 private:
  grpc::ServerUnaryReactor* WaitForRestartSafety(
      grpc::CallbackServerContext* context,
      const v1::CheckRestartSafetyRequest* request,
      v1::CheckRestartSafetyResponse* response) {
    absl::Duration timeout = kPrestopDefaultTimeout;
    if (request->has_timeout()) {
      timeout = absl::Seconds(request->timeout().seconds()) +
                absl::Nanoseconds(request->timeout().nanos());
    }
    absl::Status bad = CheckPrestopTimeout(
        timeout, absl::StrCat("timeout ", absl::FormatDuration(timeout)));
    if (gate_ == nullptr || !bad.ok()) {
      auto* reactor = context->DefaultReactor();
      reactor->Finish(gate_ == nullptr
                          ? grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                         "this agent cannot wait")
                          : ToGrpc(bad));
      return reactor;
    }
    PrestopGate::Request wait;
    wait.node = request->has_node_id() ? request->node_id()
                                       : ctx_.identity->node_id;
    wait.timeout = timeout;
    wait.who = absl::StrCat("CheckRestartSafety from ", context->peer());
    auto* reactor = new RestartWaitReactor(*gate_, store_, response);
    RestartWaitReactor::Start(reactor, std::move(wait));
    return reactor;
  }

  const StatusContext& ctx_;
  SnapshotStore& store_;
  Clock& clock_;
  StatusBroadcaster& broadcaster_;
  PrestopGate* const gate_;
};

AgentServer::AgentServer(const Identity& identity, SnapshotStore& store,
                         Clock& clock, Options options)
    : identity_(identity),
      store_(store),
      clock_(clock),
      options_(std::move(options)),
      broadcaster_(std::make_unique<StatusBroadcaster>()) {
  status_ctx_.identity = &identity_;
  status_ctx_.bootstrap = options_.bootstrap;
  status_ctx_.poll_interval = options_.poll_interval;
  service_ = std::make_unique<KafkaAgentService>(
      status_ctx_, store_, clock_, *broadcaster_, options_.gate);
}

AgentServer::~AgentServer() = default;

absl::Status AgentServer::Start() {
  // gRPC's own health service has no protobuf descriptors; touching ours
  // links them in, so reflection can describe grpc.health.v1.Health.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Without this, a second agent on the same port would silently share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options_.listen, grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options_.listen,
        "; is the port in use or the address not local? Set --grpc-listen"));
  }
  health_sink_ = std::make_unique<GrpcHealthSink>(
      server_->GetHealthCheckService());
  {
    std::lock_guard<std::mutex> lock(refresh_mu_);
    health_ = std::make_unique<HealthPublisher>(*health_sink_);
  }
  Refresh();
  spdlog::info("gRPC listening on {} (port {}): grpc.health.v1 services "
               "\"\", \"{}\", \"{}\"; kafka_agent.v1.KafkaAgent; reflection",
               options_.listen, port_, kBrokerService, kReadyService);
  return absl::OkStatus();
}

void AgentServer::Refresh() {
  std::lock_guard<std::mutex> lock(refresh_mu_);
  std::shared_ptr<const Snapshot> snap = store_.Get();
  const absl::Time now = clock_.Now();
  const HealthReport health =
      EvaluateHealth(*snap, now, options_.poll_interval);
  health_->Publish(health);
  v1::AgentStatus status = BuildAgentStatus(status_ctx_, *snap, health, now);
  v1::AgentStatus key = WithoutTimes(status);
  if (last_sent_ == nullptr ||
      !google::protobuf::util::MessageDifferencer::Equals(key, *last_sent_)) {
    last_sent_ = std::make_unique<v1::AgentStatus>(std::move(key));
    broadcaster_->Broadcast(status);
  }
}

void AgentServer::RunRefresher(const Notification& stop) {
  const absl::Duration tick =
      std::min(options_.poll_interval / 2, absl::Seconds(1));
  uint64_t generation = store_.Get()->generation;
  while (!stop.HasBeenNotified()) {
    // Real time on purpose: this loop only runs in the real server.
    generation = store_.WaitForNewer(generation, absl::Now() + tick);
    if (stop.HasBeenNotified()) break;
    Refresh();
  }
}

void AgentServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  spdlog::info("shutting down: health NOT_SERVING, closing watch streams");
  server_->GetHealthCheckService()->Shutdown();
  broadcaster_->CloseAll();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(grace));
  server_->Wait();
  spdlog::info("gRPC server stopped");
}

}  // namespace kafka_agent
