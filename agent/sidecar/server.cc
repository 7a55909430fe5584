#include "agent/sidecar/server.h"

#include <functional>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/base/logging.h"
#include "agent/base/memory.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "kafka_agent/v1/agent.grpc.pb.h"

namespace kafka_agent {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;

grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

grpc::Status ShuttingDown() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "the agent is shutting down");
}

// One server stream that sends the latest value: at most one write in
// flight, and only the newest pending value kept (a slow reader skips
// intermediate states). Deletes itself when done, after `on_done`.
template <typename T>
class LatestWriter : public grpc::ServerWriteReactor<T> {
 public:
  explicit LatestWriter(std::function<void(LatestWriter*)> on_done)
      : on_done_(std::move(on_done)) {}

  void Push(const T& value) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finish_requested_) return;
      if (writing_) {
        pending_ = value;
        return;
      }
      writing_ = true;
      current_ = value;
    }
    this->StartWrite(&current_);
  }

  // Ends the stream with `status` once what was pushed before is written.
  void RequestFinish(grpc::Status status) {
    bool finish = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finish_requested_) return;
      finish_requested_ = true;
      status_ = std::move(status);
      finish = !writing_;
    }
    if (finish) this->Finish(status_);
  }

  void OnWriteDone(bool ok) override {
    bool write = false, finish = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) {
        // The client is gone: nothing more can be written.
        pending_.reset();
        if (!finish_requested_) {
          finish_requested_ = true;
          status_ = grpc::Status(grpc::StatusCode::CANCELLED, "write failed");
        }
      }
      if (pending_.has_value()) {
        current_ = *std::move(pending_);
        pending_.reset();
        write = true;
      } else {
        writing_ = false;
        finish = finish_requested_;
      }
    }
    if (write) this->StartWrite(&current_);
    if (finish) this->Finish(status_);
  }

  void OnCancel() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.reset();
    }
    RequestFinish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void OnDone() override {
    on_done_(this);
    delete this;
  }

 private:
  std::function<void(LatestWriter*)> on_done_;
  std::mutex mu_;
  bool writing_ = false;
  bool finish_requested_ = false;
  std::optional<T> pending_;
  T current_;  // owned by the write in flight
  grpc::Status status_;
};

// The open streams of one kind. Holding mu_ keeps every stream alive: OnDone
// waits in Remove.
template <typename Stream>
class Streams {
 public:
  // Returns false (and finishes `s`) once closed.
  bool Add(Stream* s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) {
      s->RequestFinish(ShuttingDown());
      return false;
    }
    streams_.insert(s);
    return true;
  }
  void Remove(Stream* s) {
    std::lock_guard<std::mutex> lock(mu_);
    streams_.erase(s);
  }
  void ForEach(const std::function<void(Stream*)>& f) {
    std::lock_guard<std::mutex> lock(mu_);
    for (Stream* s : streams_) f(s);
  }
  void CloseAll() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    for (Stream* s : streams_) s->RequestFinish(ShuttingDown());
  }

 private:
  std::mutex mu_;
  std::set<Stream*> streams_;
  bool closed_ = false;
};

using StatusWriter = LatestWriter<v1::AgentStatus>;

HealthCheckResponse::ServingStatus ServingStatusOf(const ServiceHealth* h) {
  if (h == nullptr) return HealthCheckResponse::SERVICE_UNKNOWN;
  return h->serving ? HealthCheckResponse::SERVING
                    : HealthCheckResponse::NOT_SERVING;
}

// Answers with at least this many partitions are followed by a trim.
constexpr int kTrimAfterRows = 1000;

HealthCheckResponse Response(HealthCheckResponse::ServingStatus s) {
  HealthCheckResponse r;
  r.set_status(s);
  return r;
}

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

class StatusBroadcaster : public Streams<StatusWriter> {};

// grpc.health.v1.Health. Check asks the server for the health now; Watch
// streams get the current status, then every transition the refresher
// publishes (it is their HealthSink).
class HealthService final : public grpc::health::v1::Health::CallbackService,
                            public HealthSink {
 public:
  explicit HealthService(AgentServer& server) : server_(server) {}

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const HealthCheckRequest* request,
                                  HealthCheckResponse* response) override {
    auto* reactor = context->DefaultReactor();
    const HealthReport report = server_.CurrentHealth();
    const ServiceHealth* h = report.Find(request->service());
    if (h == nullptr) {
      reactor->Finish(grpc::Status(
          grpc::StatusCode::NOT_FOUND,
          absl::StrCat("unknown service \"", request->service(), "\"")));
      return reactor;
    }
    response->set_status(ServingStatusOf(h));
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<HealthCheckResponse>* Watch(
      grpc::CallbackServerContext*,
      const HealthCheckRequest* request) override {
    auto* w = new Watcher(
        [this](LatestWriter<HealthCheckResponse>* x) { watchers_.Remove(x); });
    w->service = request->service();
    if (watchers_.Add(w)) {
      const HealthReport report = server_.CurrentHealth();
      w->Push(Response(ServingStatusOf(report.Find(w->service))));
    }
    return w;
  }

  // HealthSink: a transition the refresher published.
  void SetServing(const std::string& service, bool serving) override {
    const HealthCheckResponse r = Response(
        serving ? HealthCheckResponse::SERVING
                : HealthCheckResponse::NOT_SERVING);
    watchers_.ForEach([&](LatestWriter<HealthCheckResponse>* w) {
      if (static_cast<Watcher*>(w)->service == service) w->Push(r);
    });
  }

  // Shutdown: NOT_SERVING to every watcher, then end the streams.
  void Shutdown() {
    watchers_.ForEach([](LatestWriter<HealthCheckResponse>* w) {
      w->Push(Response(HealthCheckResponse::NOT_SERVING));
    });
    watchers_.CloseAll();
  }

 private:
  struct Watcher : LatestWriter<HealthCheckResponse> {
    using LatestWriter::LatestWriter;
    std::string service;
  };

  AgentServer& server_;
  Streams<LatestWriter<HealthCheckResponse>> watchers_;
};

class KafkaAgentService final : public v1::KafkaAgent::CallbackService {
 public:
  KafkaAgentService(const StatusContext& ctx, SnapshotStore& store,
                    AgentServer& server, Clock& clock,
                    StatusBroadcaster& broadcaster, PrestopGate* gate)
      : ctx_(ctx),
        store_(store),
        server_(server),
        clock_(clock),
        broadcaster_(broadcaster),
        gate_(gate) {}

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* context,
                                      const v1::GetStatusRequest*,
                                      v1::AgentStatus* response) override {
    *response = Build();
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<v1::AgentStatus>* WatchStatus(
      grpc::CallbackServerContext*, const v1::WatchStatusRequest*) override {
    auto* w =
        new StatusWriter([this](StatusWriter* x) { broadcaster_.Remove(x); });
    if (broadcaster_.Add(w)) w->Push(Build());
    return w;
  }

  grpc::ServerUnaryReactor* ListPartitions(
      grpc::CallbackServerContext* context,
      const v1::ListPartitionsRequest* request,
      v1::ListPartitionsResponse* response) override {
    auto r = BuildListPartitions(*store_.Get(), *request);
    auto* reactor = context->DefaultReactor();
    if (r.ok()) {
      // A large page leaves freed heap behind once sent: the refresher
      // gives it back.
      if (r->partitions_size() >= kTrimAfterRows) server_.RequestTrim();
      *response = *std::move(r);
    }
    reactor->Finish(ToGrpc(r.status()));
    return reactor;
  }

  grpc::ServerUnaryReactor* CheckRestartSafety(
      grpc::CallbackServerContext* context,
      const v1::CheckRestartSafetyRequest* request,
      v1::CheckRestartSafetyResponse* response) override {
    if (request->wait()) return WaitForRestartSafety(context, request, response);
    auto r = BuildRestartSafety(ctx_, *store_.Get(), server_.CurrentHealth(),
                                *request);
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

  v1::AgentStatus Build() {
    std::shared_ptr<const Snapshot> snap = store_.Get();
    return BuildAgentStatus(ctx_, *snap, server_.CurrentHealth());
  }

  const StatusContext& ctx_;
  SnapshotStore& store_;
  AgentServer& server_;
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
  health_options_.roles = RolesOf(identity_);
  health_options_.poll_interval = options_.poll_interval;
  health_options_.started_at = clock_.Monotonic();
  status_ctx_.identity = &identity_;
  status_ctx_.bootstrap = options_.bootstrap;
  status_ctx_.poll_interval = options_.poll_interval;
  health_service_ = std::make_unique<HealthService>(*this);
  service_ = std::make_unique<KafkaAgentService>(
      status_ctx_, store_, *this, clock_, *broadcaster_, options_.gate);
}

AgentServer::~AgentServer() = default;

absl::Status AgentServer::Start() {
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Without this, a second agent on the same port would silently share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options_.listen, grpc::InsecureServerCredentials(),
                           &port_);
  // Requests are small; answers are kept small by paging and caps
  // (report.h).
  builder.SetMaxReceiveMessageSize(kServerMaxReceiveBytes);
  builder.SetMaxSendMessageSize(kServerMaxSendBytes);
  builder.RegisterService(health_service_.get());
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options_.listen,
        "; is the port in use or the address not local? Set --grpc-listen"));
  }
  {
    std::lock_guard<std::mutex> lock(refresh_mu_);
    health_ = std::make_unique<HealthPublisher>(*health_service_);
  }
  Refresh();
  std::vector<std::string> services;
  for (const auto& [name, h] : CurrentHealth().Services()) {
    services.push_back(absl::StrCat("\"", name, "\""));
  }
  spdlog::info("gRPC listening on {} (port {}): grpc.health.v1 services {}; "
               "kafka_agent.v1.KafkaAgent; reflection",
               options_.listen, port_, absl::StrJoin(services, ", "));
  return absl::OkStatus();
}

HealthReport AgentServer::CurrentHealth() {
  const MonoTime now = clock_.Monotonic();
  HealthReport r = EvaluateHealth(*store_.Get(), now, health_options_);
  const int64_t last_ns = last_refresh_ns_.load(std::memory_order_acquire);
  const absl::Duration since_refresh =
      now - MonoTime::FromEpoch(absl::Nanoseconds(last_ns));
  const absl::Duration bound = LivenessBound(options_.poll_interval);
  if (last_ns != 0 && since_refresh > bound && r.agent.serving) {
    r.agent = {false, absl::StrCat("the refresher has not run for ",
                                   absl::FormatDuration(absl::Trunc(
                                       since_refresh, absl::Seconds(1))),
                                   " (limit ", absl::FormatDuration(bound),
                                   "): it is stuck")};
  }
  if (shutting_down_.load()) r.AllNotServing("the agent is shutting down");
  return r;
}

void AgentServer::Refresh() {
  std::lock_guard<std::mutex> lock(refresh_mu_);
  last_refresh_ns_.store(
      absl::ToInt64Nanoseconds(clock_.Monotonic().since_epoch()),
      std::memory_order_release);
  std::shared_ptr<const Snapshot> snap = store_.Get();
  const HealthReport health = CurrentHealth();
  health_->Publish(health);
  v1::AgentStatus status = BuildAgentStatus(status_ctx_, *snap, health);
  v1::AgentStatus key = WithoutTimes(status);
  if (last_sent_ == nullptr ||
      !google::protobuf::util::MessageDifferencer::Equals(key, *last_sent_)) {
    last_sent_ = std::make_unique<v1::AgentStatus>(std::move(key));
    broadcaster_->ForEach([&](StatusWriter* w) { w->Push(status); });
  }
}

void AgentServer::RunRefresher(const Notification& stop) {
  const absl::Duration tick =
      std::min(options_.poll_interval / 2, absl::Seconds(1));
  uint64_t generation = store_.Get()->generation;
  while (!stop.HasBeenNotified()) {
    generation = store_.WaitForNewer(generation, tick);
    if (stop.HasBeenNotified()) break;
    Refresh();
    if (trim_.exchange(false)) ReleaseFreeMemory();
  }
}

void AgentServer::Shutdown(absl::Duration grace) {
  if (server_ == nullptr) return;
  spdlog::info("shutting down: health NOT_SERVING, closing watch streams");
  shutting_down_.store(true);
  health_service_->Shutdown();
  broadcaster_->CloseAll();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(grace));
  server_->Wait();
  spdlog::info("gRPC server stopped");
}

}  // namespace kafka_agent
