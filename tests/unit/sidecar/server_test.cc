// The gRPC server in-process on a loopback port, with a scripted snapshot
// store and simulated time: health Check/Watch, reflection, KafkaAgent RPCs,
// WatchStatus updates and shutdown.
#include "agent/sidecar/server.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <sstream>
#include <thread>

#include "agent/cli/client.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "kafka_agent/v1/agent.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/unit/fakes.h"
#include "tests/unit/sidecar/kafka_fakes.h"

namespace kafka_agent {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::kafka_agent::testing::Cluster;
using ::kafka_agent::testing::P;
using ::kafka_agent::testing::SimulatedClock;
using ::testing::HasSubstr;

Identity Node(const std::string& pod) { return testing::TutorialIdentity(pod); }
ClusterMetadata Healthy() { return testing::TutorialHealthy(); }
ClusterMetadata Node2Down() { return testing::TutorialNode2Down(); }

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(const std::string& pod) {
    AgentServer::Options o;
    o.listen = "127.0.0.1:0";
    o.bootstrap = "localhost:9092";
    o.poll_interval = absl::Seconds(2);
    o.gate = &gate_;
    node_id_ = Node(pod).node_id;
    server_ = std::make_unique<AgentServer>(Node(pod), store_, clock_, o);
    ASSERT_TRUE(server_->Start().ok());
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    health_ = Health::NewStub(channel_);
    agent_ = v1::KafkaAgent::NewStub(channel_);
  }

  void TearDown() override {
    gate_.Stop();
    if (server_) server_->Shutdown(absl::Seconds(1));
  }

  void PublishAndRefresh(ClusterMetadata c) {
    store_.Publish(testing::SnapshotOf(std::move(c), node_id_,
                                       clock_.Monotonic()));
    server_->Refresh();
  }

  // The Check answer for `service`, or the gRPC error code as a string.
  std::string Check(const std::string& service) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckRequest req;
    req.set_service(service);
    HealthCheckResponse resp;
    grpc::Status s = health_->Check(&ctx, req, &resp);
    if (!s.ok()) return absl::StrCat("error ", s.error_code());
    return HealthCheckResponse::ServingStatus_Name(resp.status());
  }

  SimulatedClock clock_;
  SnapshotStore store_;
  PrestopGate gate_{store_, clock_, PrestopGate::Options()};
  int32_t node_id_ = -1;
  std::unique_ptr<AgentServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Health::Stub> health_;
  std::unique_ptr<v1::KafkaAgent::Stub> agent_;
};

TEST_F(ServerTest, HealthBeforeAnySnapshot) {
  StartServer("kafka-0");
  EXPECT_EQ(Check(""), "SERVING");
  EXPECT_EQ(Check("kafka.broker"), "NOT_SERVING");
  EXPECT_EQ(Check("kafka.ready"), "NOT_SERVING");
  EXPECT_EQ(Check("no.such.service"), "error 5");  // NOT_FOUND
}

TEST_F(ServerTest, HealthFollowsTheSnapshotAndItsAge) {
  StartServer("kafka-2");
  PublishAndRefresh(Healthy());
  EXPECT_EQ(Check("kafka.broker"), "SERVING");
  EXPECT_EQ(Check("kafka.ready"), "SERVING");

  PublishAndRefresh(Node2Down());
  EXPECT_EQ(Check(""), "SERVING");
  EXPECT_EQ(Check("kafka.broker"), "NOT_SERVING");
  EXPECT_EQ(Check("kafka.ready"), "NOT_SERVING");

  PublishAndRefresh(Healthy());
  EXPECT_EQ(Check("kafka.ready"), "SERVING");
  clock_.Advance(absl::Seconds(7));  // > 3 poll intervals, nothing new
  server_->Refresh();
  EXPECT_EQ(Check("kafka.broker"), "NOT_SERVING");
  EXPECT_EQ(Check("kafka.ready"), "NOT_SERVING");
  EXPECT_EQ(Check(""), "SERVING");
}

TEST_F(ServerTest, GetStatus) {
  StartServer("kafka-1");
  PublishAndRefresh(Node2Down());
  clock_.Advance(absl::Milliseconds(1500));
  grpc::ClientContext ctx;
  v1::AgentStatus s;
  ASSERT_TRUE(agent_->GetStatus(&ctx, v1::GetStatusRequest(), &s).ok());
  EXPECT_EQ(s.identity().pod_name(), "kafka-1");
  EXPECT_EQ(s.identity().node_id(), 1);
  EXPECT_EQ(s.identity().process_roles_size(), 2);
  EXPECT_THAT(s.identity().controller_quorum_voters(),
              HasSubstr("2@kafka-2.kafka-headless.kafka.svc.cluster.local:29093"));
  EXPECT_EQ(s.cluster_id(), "test-cluster");
  EXPECT_EQ(s.controller_id(), 0);
  EXPECT_EQ(s.brokers_size(), 2);
  EXPECT_TRUE(s.broker_registered());
  EXPECT_TRUE(s.ready());
  EXPECT_EQ(s.counts().under_replicated(), 3);
  EXPECT_EQ(s.counts().partitions_led(), 1);
  EXPECT_EQ(s.snapshot_age().seconds(), 1);
  EXPECT_EQ(s.snapshot_age().nanos(), 500000000);
  EXPECT_FALSE(s.snapshot_stale());
  // kafka-1 is a combined node: "", kafka.broker, kafka.controller, ready.
  ASSERT_EQ(s.health_size(), 4);
  EXPECT_EQ(s.health(2).service(), "kafka.controller");
  EXPECT_TRUE(s.health(2).serving());
  EXPECT_EQ(s.health(3).service(), "kafka.ready");
  EXPECT_TRUE(s.health(3).serving());
  // The quorum section and who answered.
  EXPECT_TRUE(s.quorum().known());
  EXPECT_EQ(s.quorum().leader_id(), 0);
  ASSERT_EQ(s.quorum().voters_size(), 3);
  EXPECT_TRUE(s.quorum().voters(1).caught_up());
  EXPECT_EQ(s.quorum().voters(1).lag_ms(), 0);
  EXPECT_EQ(s.metadata_answered_by(), "localhost:9092");
  EXPECT_TRUE(s.local().answered());
  EXPECT_TRUE(s.registration().fencing_known());
  EXPECT_EQ(s.registration().unfenced_size(), 2);
}

TEST_F(ServerTest, ControllerServiceOnlyOnPodsWithTheControllerRole) {
  StartServer("kafka-4");  // broker only (ordinal >= 3 controllers)
  PublishAndRefresh(testing::Cluster({0, 1, 2, 4}, {}));
  EXPECT_EQ(Check("kafka.broker"), "SERVING");
  EXPECT_EQ(Check("kafka.controller"), "error 5");  // NOT_FOUND
  EXPECT_EQ(Check("kafka.ready"), "SERVING");
}

TEST_F(ServerTest, ControllerServiceFollowsTheQuorum) {
  StartServer("kafka-1");
  ClusterMetadata c = Healthy();
  PublishAndRefresh(c);
  EXPECT_EQ(Check("kafka.controller"), "SERVING");
  c.quorum->leader_id = -1;
  PublishAndRefresh(c);
  EXPECT_EQ(Check("kafka.controller"), "NOT_SERVING");
  EXPECT_EQ(Check("kafka.ready"), "NOT_SERVING");
  EXPECT_EQ(Check("kafka.broker"), "NOT_SERVING") << "no leader: nothing current";
}

TEST_F(ServerTest, ListPartitionsFilters) {
  StartServer("kafka-1");
  ClusterMetadata c = Node2Down();
  testing::AddPartition(&c, P("__consumer_offsets", 0, 0, {0, 1}, {0, 1}, 1));
  PublishAndRefresh(c);
  auto list = [&](v1::ListPartitionsRequest req) {
    grpc::ClientContext ctx;
    v1::ListPartitionsResponse r;
    EXPECT_TRUE(agent_->ListPartitions(&ctx, req, &r).ok());
    return r;
  };
  EXPECT_EQ(list({}).partitions_size(), 4);
  v1::ListPartitionsRequest req;
  req.set_under_replicated(true);
  v1::ListPartitionsResponse r = list(req);
  ASSERT_EQ(r.partitions_size(), 3);
  EXPECT_EQ(r.partitions(0).topic(), "test");
  EXPECT_EQ(r.partitions(0).isr_size(), 2);
  EXPECT_EQ(r.partitions(0).replicas_size(), 3);
  EXPECT_EQ(r.partitions(0).min_insync_replicas(), 2);
  EXPECT_TRUE(r.partitions(0).under_replicated());
  req = {};
  req.set_exclude_internal(true);
  EXPECT_EQ(list(req).partitions_size(), 3);
  req = {};
  req.set_topic("__consumer_offsets");
  EXPECT_EQ(list(req).partitions_size(), 1);
  req = {};
  req.set_node_id(2);
  EXPECT_EQ(list(req).partitions_size(), 3);
}

TEST_F(ServerTest, CheckRestartSafety) {
  StartServer("kafka-1");
  auto check = [&](std::optional<int> node, v1::CheckRestartSafetyResponse* r) {
    grpc::ClientContext ctx;
    v1::CheckRestartSafetyRequest req;
    if (node) req.set_node_id(*node);
    return agent_->CheckRestartSafety(&ctx, req, r);
  };
  v1::CheckRestartSafetyResponse r;
  grpc::Status s = check(std::nullopt, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << "no data yet";
  EXPECT_THAT(s.error_message(), HasSubstr("cannot judge"));

  PublishAndRefresh(Healthy());
  ASSERT_TRUE(check(std::nullopt, &r).ok());
  EXPECT_TRUE(r.safe());
  EXPECT_EQ(r.node_id(), 1);

  PublishAndRefresh(Node2Down());
  ASSERT_TRUE(check(std::nullopt, &r).ok());
  EXPECT_FALSE(r.safe());
  EXPECT_EQ(r.at_risk_size(), 3);
  EXPECT_EQ(r.at_risk(0).isr_after(), 1);
  ASSERT_TRUE(check(2, &r).ok());
  EXPECT_TRUE(r.safe()) << "broker 2 is already out of every ISR";
}

// Polls `done` every 2ms for up to 5s (the server answers on its threads).
bool Eventually(const std::function<bool()>& done) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

TEST_F(ServerTest, CheckRestartSafetyWaits) {
  StartServer("kafka-1");
  PublishAndRefresh(Node2Down());  // stopping broker 1 now: unsafe
  // Runs one waiting call on its own thread; `deadline` is the client's.
  auto wait = [&](absl::Duration timeout, std::chrono::milliseconds deadline =
                                              std::chrono::seconds(10)) {
    return std::async(std::launch::async, [this, timeout, deadline] {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + deadline);
      v1::CheckRestartSafetyRequest req;
      req.set_wait(true);
      req.mutable_timeout()->set_seconds(absl::ToInt64Seconds(timeout));
      v1::CheckRestartSafetyResponse r;
      grpc::Status s = agent_->CheckRestartSafety(&ctx, req, &r);
      return std::make_pair(s, r);
    });
  };

  // Timeout 0: asked once.
  auto [s0, r0] = wait(absl::ZeroDuration()).get();
  ASSERT_TRUE(s0.ok()) << s0.error_message();
  EXPECT_FALSE(r0.safe());
  EXPECT_TRUE(r0.timed_out());
  EXPECT_EQ(r0.at_risk_size(), 3);
  EXPECT_EQ(r0.at_risk_count(), 3);

  // Becomes safe.
  auto safe = wait(absl::Seconds(300));
  ASSERT_TRUE(Eventually([&] { return gate_.Counts().waiting == 1; }));
  clock_.Advance(absl::Seconds(5));
  PublishAndRefresh(Healthy());
  gate_.Tick();
  auto [s1, r1] = safe.get();
  ASSERT_TRUE(s1.ok()) << s1.error_message();
  EXPECT_TRUE(r1.safe());
  EXPECT_FALSE(r1.timed_out());
  EXPECT_EQ(r1.waited().seconds(), 5);
  EXPECT_THAT(r1.reason(), ::testing::StartsWith("safe after 5s: stopping "
                                                 "broker 1 keeps"));

  // Gives up at its timeout.
  PublishAndRefresh(Node2Down());
  auto late = wait(absl::Seconds(30));
  ASSERT_TRUE(Eventually([&] { return gate_.Counts().waiting == 1; }));
  clock_.Advance(absl::Seconds(30));
  PublishAndRefresh(Node2Down());
  gate_.Tick();
  auto [s2, r2] = late.get();
  ASSERT_TRUE(s2.ok());
  EXPECT_FALSE(r2.safe());
  EXPECT_TRUE(r2.timed_out());
  EXPECT_THAT(r2.reason(), ::testing::StartsWith("gave up after 30s"));

  // The client gives up first: its wait is freed.
  auto gone = wait(absl::Seconds(300), std::chrono::milliseconds(300));
  EXPECT_EQ(gone.get().first.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(Eventually([&] { return gate_.Counts().waiting == 0; }));
  EXPECT_EQ(gate_.Counts().finished.at("client_gone"), 1u);

  // Out of bounds.
  auto [s3, r3] = wait(absl::Hours(2)).get();
  EXPECT_EQ(s3.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s3.error_message(), HasSubstr("timeout 2h is longer than 1h"));

  // SIGTERM: answered at once.
  auto stopping = wait(absl::Seconds(300));
  ASSERT_TRUE(Eventually([&] { return gate_.Counts().waiting == 1; }));
  gate_.Stop();
  auto [s4, r4] = stopping.get();
  EXPECT_EQ(s4.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s4.error_message(),
              HasSubstr("the agent is shutting down (SIGTERM)"));
}

TEST_F(ServerTest, WatchStatusSendsEveryChange) {
  StartServer("kafka-2");
  PublishAndRefresh(Healthy());
  grpc::ClientContext ctx;
  auto reader = agent_->WatchStatus(&ctx, v1::WatchStatusRequest());
  v1::AgentStatus s;
  ASSERT_TRUE(reader->Read(&s));
  EXPECT_TRUE(s.ready());

  // Time passing alone is not a change.
  clock_.Advance(absl::Seconds(1));
  PublishAndRefresh(Healthy());
  PublishAndRefresh(Node2Down());
  ASSERT_TRUE(reader->Read(&s));
  EXPECT_FALSE(s.ready());
  EXPECT_FALSE(s.broker_registered());
  EXPECT_EQ(s.counts().under_replicated(), 3);

  PublishAndRefresh(Healthy());
  ASSERT_TRUE(reader->Read(&s));
  EXPECT_TRUE(s.ready());

  // Shutdown ends the stream with UNAVAILABLE.
  server_->Shutdown(absl::Seconds(1));
  EXPECT_FALSE(reader->Read(&s));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  server_.reset();
}

TEST_F(ServerTest, ShutdownTurnsHealthNotServingFirst) {
  StartServer("kafka-0");
  PublishAndRefresh(Healthy());
  EXPECT_EQ(Check("kafka.ready"), "SERVING");
  // A Watch on the health service sees NOT_SERVING before the server stops.
  grpc::ClientContext ctx;
  HealthCheckRequest req;
  req.set_service("kafka.ready");
  auto watch = health_->Watch(&ctx, req);
  HealthCheckResponse resp;
  ASSERT_TRUE(watch->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::SERVING);
  std::thread stopper([&] { server_->Shutdown(absl::Seconds(1)); });
  ASSERT_TRUE(watch->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::NOT_SERVING);
  stopper.join();
  server_.reset();
}

TEST_F(ServerTest, CheckIsComputedWhenAskedNotWhenRefreshed) {
  StartServer("kafka-2");
  PublishAndRefresh(Healthy());
  EXPECT_EQ(Check("kafka.ready"), "SERVING");
  // No Refresh: a wedged refresher cannot leave a stale SERVING behind.
  clock_.Advance(absl::Seconds(7));
  EXPECT_EQ(Check("kafka.ready"), "NOT_SERVING");
  EXPECT_EQ(Check(""), "SERVING");
  // Neither the refresher nor the poll loop ran for the liveness bound (30s).
  clock_.Advance(absl::Seconds(24));
  EXPECT_EQ(Check(""), "NOT_SERVING");
  grpc::ClientContext ctx;
  v1::AgentStatus st;
  ASSERT_TRUE(agent_->GetStatus(&ctx, v1::GetStatusRequest(), &st).ok());
  EXPECT_FALSE(st.health(0).serving());
  EXPECT_THAT(st.health(0).reason(), HasSubstr("stuck"));
}

TEST_F(ServerTest, StuckPollLoopTurnsLivenessOffWhileTheRefresherRuns) {
  StartServer("kafka-2");
  PublishAndRefresh(Healthy());
  for (int i = 0; i < 31; ++i) {
    clock_.Advance(absl::Seconds(1));
    server_->Refresh();  // the refresher ticks; the poll loop does not
  }
  EXPECT_EQ(Check(""), "NOT_SERVING");
  PublishAndRefresh(Healthy());  // the loop completes an attempt again
  EXPECT_EQ(Check(""), "SERVING");
}

TEST_F(ServerTest, WatchStatusSendsNothingWhenNothingChanged) {
  StartServer("kafka-2");
  PublishAndRefresh(Healthy());
  grpc::ClientContext ctx;
  auto reader = agent_->WatchStatus(&ctx, v1::WatchStatusRequest());
  v1::AgentStatus s;
  ASSERT_TRUE(reader->Read(&s));
  // Ten polls of a stable cluster: new snapshots, time passing, nothing else.
  for (int i = 0; i < 10; ++i) {
    clock_.Advance(absl::Seconds(2));
    PublishAndRefresh(Healthy());
  }
  // The next message must be the change below, not one of the ten polls.
  PublishAndRefresh(Node2Down());
  ASSERT_TRUE(reader->Read(&s));
  EXPECT_FALSE(s.broker_registered());
  server_->Shutdown(absl::Seconds(1));
  EXPECT_FALSE(reader->Read(&s));
  server_.reset();
}

TEST_F(ServerTest, HealthWatchOfAnUnknownServiceSaysSo) {
  StartServer("kafka-0");
  grpc::ClientContext ctx;
  HealthCheckRequest req;
  req.set_service("kafka.nope");
  auto watch = health_->Watch(&ctx, req);
  HealthCheckResponse resp;
  ASSERT_TRUE(watch->Read(&resp));
  EXPECT_EQ(resp.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  ctx.TryCancel();
}

// `kafka-agent status` against this server: exit 1 with the data's age when
// the snapshot is stale (issue 12 item 7), 0 when fresh.
TEST_F(ServerTest, StatusCommandExitsOneWhenStale) {
  StartServer("kafka-2");
  PublishAndRefresh(Healthy());
  ClientOptions o;
  o.addr = absl::StrCat("127.0.0.1:", server_->port());
  std::ostringstream out, err;
  EXPECT_EQ(RunStatus(o, out, err), 0) << err.str();
  clock_.Advance(absl::Seconds(9));
  std::ostringstream out2, err2;
  EXPECT_EQ(RunStatus(o, out2, err2), 1);
  EXPECT_THAT(err2.str(), HasSubstr("stale: 9s old (limit 6s)"));
}

TEST_F(ServerTest, SecondServerOnTheSamePortFails) {
  StartServer("kafka-0");
  AgentServer::Options o;
  o.listen = absl::StrCat("127.0.0.1:", server_->port());
  AgentServer second(Node("kafka-1"), store_, clock_, o);
  absl::Status s = second.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr(o.listen));
}

// Topics t0..t{topics-1} of `per_topic` partitions each; odd partitions
// under-replicated; min.insync.replicas 2 so that stopping broker 0 would take
// the odd ones under it.
ClusterMetadata Many(int topics, int per_topic, size_t name_length = 2) {
  std::vector<PartitionState> ps;
  for (int t = 0; t < topics; ++t) {
    std::string name = absl::StrCat("t", t);
    name.insert(0, name_length > name.size() ? name_length - name.size() : 0,
                'x');
    for (int p = 0; p < per_topic; ++p) {
      ps.push_back(P(name, p, 0, {0, 1, 2},
                     p % 2 == 1 ? std::vector<int32_t>{0, 1}
                                : std::vector<int32_t>{0, 1, 2},
                     2));
    }
  }
  return Cluster({0, 1, 2}, ps);
}

class PagingTest : public ServerTest {
 protected:
  // Every page of `req` (page size `size`), as "topic-partition" names.
  std::vector<std::string> AllPages(v1::ListPartitionsRequest req, int size,
                                    int* pages, int* total) {
    std::vector<std::string> names;
    req.set_page_size(size);
    *pages = 0;
    for (;;) {
      grpc::ClientContext ctx;
      v1::ListPartitionsResponse r;
      grpc::Status st = agent_->ListPartitions(&ctx, req, &r);
      EXPECT_TRUE(st.ok()) << st.error_message();
      if (!st.ok()) break;
      ++*pages;
      *total = r.total_size();
      EXPECT_LE(r.partitions_size(), size);
      for (const auto& p : r.partitions()) {
        names.push_back(absl::StrCat(p.topic(), "-", p.partition()));
      }
      if (r.next_page_token().empty()) break;
      req.set_page_token(r.next_page_token());
    }
    return names;
  }
};

TEST_F(PagingTest, PagesCoverEveryMatchOnceInOrder) {
  StartServer("kafka-1");
  PublishAndRefresh(Many(3, 7));
  int pages = 0, total = 0;
  std::vector<std::string> names = AllPages({}, 5, &pages, &total);
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(total, 21);
  ASSERT_EQ(names.size(), 21u);
  EXPECT_EQ(names.front(), "t0-0");
  EXPECT_EQ(names[7], "t1-0");
  EXPECT_EQ(names.back(), "t2-6");
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));

  v1::ListPartitionsRequest ur;
  ur.set_under_replicated(true);
  names = AllPages(ur, 4, &pages, &total);
  EXPECT_EQ(total, 9) << "filters first, then pages";
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names[3], "t1-1");

  v1::ListPartitionsRequest tr;
  tr.set_topic("t1");
  names = AllPages(tr, 3, &pages, &total);
  EXPECT_EQ(total, 7);
  EXPECT_EQ(names.front(), "t1-0");
  EXPECT_EQ(names.back(), "t1-6");
}

TEST_F(PagingTest, ATokenOutlivesTheSnapshotItCameFrom) {
  StartServer("kafka-1");
  PublishAndRefresh(Many(2, 4));
  v1::ListPartitionsRequest req;
  req.set_page_size(3);
  grpc::ClientContext ctx;
  v1::ListPartitionsResponse first;
  ASSERT_TRUE(agent_->ListPartitions(&ctx, req, &first).ok());
  ASSERT_EQ(first.partitions(2).partition(), 2);  // t0-2 ends the page
  // t0-2 and t0-3 are gone in the next snapshot: the page after t0-2 starts
  // at t1-0.
  ClusterMetadata c = Many(2, 4);
  std::vector<PartitionState> ps = testing::States(c);
  ps.erase(ps.begin() + 2, ps.begin() + 4);
  testing::SetPartitions(&c, ps);
  PublishAndRefresh(c);
  req.set_page_token(first.next_page_token());
  grpc::ClientContext ctx2;
  v1::ListPartitionsResponse next;
  ASSERT_TRUE(agent_->ListPartitions(&ctx2, req, &next).ok());
  ASSERT_GT(next.partitions_size(), 0);
  EXPECT_EQ(next.partitions(0).topic(), "t1");
  EXPECT_EQ(next.partitions(0).partition(), 0);
  EXPECT_EQ(next.total_size(), 6);
}

TEST_F(PagingTest, BadTokensAndSizesAreInvalidArguments) {
  StartServer("kafka-1");
  PublishAndRefresh(Many(1, 3));
  auto code = [&](v1::ListPartitionsRequest req) {
    grpc::ClientContext ctx;
    v1::ListPartitionsResponse r;
    return agent_->ListPartitions(&ctx, req, &r);
  };
  v1::ListPartitionsRequest req;
  req.set_page_token("not a token");
  grpc::Status st = code(req);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(st.error_message(), HasSubstr("page_token \"not a token\""));
  req.set_page_token(PageToken("t0", 0));
  EXPECT_TRUE(code(req).ok());
  req = {};
  req.set_page_size(-1);
  EXPECT_THAT(code(req).error_message(), HasSubstr("page_size -1"));
}

TEST_F(PagingTest, APageStaysUnderTheMessageLimit) {
  StartServer("kafka-1");
  // 12,000 partitions with 249-character topic names (Kafka's longest):
  // the default page (10,000) would be ~3 MB; the byte cap ends it first.
  PublishAndRefresh(Many(120, 100, 249));
  grpc::ClientContext ctx;
  v1::ListPartitionsResponse r;
  ASSERT_TRUE(agent_->ListPartitions(&ctx, {}, &r).ok());
  EXPECT_LT(r.ByteSizeLong(), kMaxPageBytes);
  EXPECT_GT(r.partitions_size(), 5000);
  EXPECT_LT(r.partitions_size(), kMaxPageSize);
  EXPECT_FALSE(r.next_page_token().empty());
  EXPECT_EQ(r.total_size(), 12000);
}

TEST_F(PagingTest, RestartSafetyListsAHundredAndCountsAll) {
  StartServer("kafka-0");
  PublishAndRefresh(Many(5, 100));  // 250 odd partitions at risk on 0
  grpc::ClientContext ctx;
  v1::CheckRestartSafetyResponse r;
  ASSERT_TRUE(agent_->CheckRestartSafety(&ctx, {}, &r).ok());
  EXPECT_FALSE(r.safe());
  EXPECT_EQ(r.at_risk_count(), 250);
  EXPECT_EQ(r.at_risk_size(), 100);
  EXPECT_THAT(r.reason(), HasSubstr("250 partition(s)"));
  const std::string text = FormatRestartSafety(r);
  EXPECT_THAT(text, HasSubstr("  t0-1: isr [0,1] -> 1 left;"));
  EXPECT_THAT(text, HasSubstr("  ... and 240 more partitions at risk\n"));
  EXPECT_LT(std::count(text.begin(), text.end(), '\n'), 13);
}

// `status` at size: a summary by default, every row when asked, across
// pages; a filter prints all that match.
TEST_F(PagingTest, StatusSummarisesUnlessAsked) {
  StartServer("kafka-2");
  PublishAndRefresh(Many(250, 100));  // 25,000 partitions: 3 pages
  ClientOptions o;
  o.addr = absl::StrCat("127.0.0.1:", server_->port());
  o.limit = kDefaultStatusRows;
  std::ostringstream out, err;
  ASSERT_EQ(RunStatus(o, out, err), 0) << err.str();
  const std::string text = out.str();
  EXPECT_THAT(text, HasSubstr("\nt0 "));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("\nt1 "))) << "t0's 100 only";
  EXPECT_THAT(text, HasSubstr("... 24900 more partitions not shown (100 of "
                              "25000); --all prints every one"));

  o.limit.reset();  // --all
  std::ostringstream all, err2;
  ASSERT_EQ(RunStatus(o, all, err2), 0) << err2.str();
  const std::string every = all.str();
  EXPECT_THAT(every, HasSubstr("\nt249 "));
  EXPECT_THAT(every, ::testing::Not(HasSubstr("more partitions")));
  // Summary, blank line, header, 25,000 rows.
  const size_t blank = every.find("\n\n");
  ASSERT_NE(blank, std::string::npos);
  EXPECT_EQ(std::count(every.begin() + blank + 2, every.end(), '\n'), 25001);

  o.under_replicated = true;
  o.json = true;
  std::ostringstream json, err3;
  ASSERT_EQ(RunStatus(o, json, err3), 0) << err3.str();
  const std::string j = json.str();
  EXPECT_EQ(j.find("{\"status\":{"), 0u);
  EXPECT_THAT(j, HasSubstr("\"next_page_token\":\"\",\"total_size\":12500}}"));
  size_t rows = 0;
  for (size_t at = j.find("\"under_replicated\":true"); at != std::string::npos;
       at = j.find("\"under_replicated\":true", at + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, 12500u);

  o.limit = 3;
  std::ostringstream few, err4;
  ASSERT_EQ(RunStatus(o, few, err4), 0) << err4.str();
  EXPECT_THAT(few.str(), HasSubstr("\"total_size\":12500}}"));
  EXPECT_THAT(few.str(), ::testing::Not(HasSubstr("\"next_page_token\":\"\"")))
      << "cut short: a token to resume";
}

}  // namespace
}  // namespace kafka_agent
