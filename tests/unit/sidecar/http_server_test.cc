// The HTTP side port for real on 127.0.0.1:0 (libmicrohttpd, the routes and
// the preStop gate in simulated time; the test ticks the gate itself):
// status codes, bad input, concurrent /prestop waits, a client that leaves,
// SIGTERM during a wait, and idle connections that cannot wedge the server
// or the gRPC port beside it.
#include "agent/sidecar/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/sidecar/http_routes.h"
#include "agent/sidecar/server.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"
#include "tests/unit/sidecar/kafka_fakes.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::Cluster;
using ::kafka_agent::testing::P;
using ::kafka_agent::testing::SimulatedClock;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// --- A raw HTTP/1.1 client
// ----------------------------------------------------

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{10, 0};  // no read in these tests waits longer
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void SendAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early (431, 414)
    off += n;
  }
}

// Everything until the server closes (or 10s pass).
std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, n);
  }
  return out;
}

struct Reply {
  int status = 0;  // 0: closed without an answer
  std::string head, body;
  bool Has(absl::string_view header_line) const {
    return absl::StrContains(absl::AsciiStrToLower(head),
                             absl::AsciiStrToLower(header_line));
  }
};

Reply Parse(const std::string& raw) {
  Reply r;
  size_t end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || end == std::string::npos) return r;
  (void)absl::SimpleAtoi(raw.substr(9, 3), &r.status);
  r.head = raw.substr(0, end);
  r.body = raw.substr(end + 4);
  return r;
}

Reply RawExchange(int port, const std::string& request) {
  int fd = Connect(port);
  if (fd < 0) return {};
  SendAll(fd, request);
  Reply r = Parse(ReadAll(fd));
  close(fd);
  return r;
}

Reply Get(int port, const std::string& target,
          const std::string& method = "GET") {
  return RawExchange(port, absl::StrCat(method, " ", target,
                                        " HTTP/1.1\r\nHost: test\r\n"
                                        "Connection: close\r\n\r\n"));
}

// Polls `done` every 2ms for up to 5s.
bool Eventually(const std::function<bool()>& done) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

// --- The fixture
// ---------------------------------------------------------------

constexpr int32_t kNode = 2;

// Node 1 down: stopping node 2 would leave test-0..2 with one in-sync replica.
ClusterMetadata Node1Down() {
  return Cluster({0, 2}, {P("test", 0, 2, {1, 2, 0}, {0, 2}, 2),
                          P("test", 1, 2, {2, 0, 1}, {0, 2}, 2),
                          P("test", 2, 0, {0, 1, 2}, {0, 2}, 2)});
}

class HttpTest : public ::testing::Test {
 protected:
  HttpTest()
      : identity_(testing::TutorialIdentity("kafka-2")),
        gate_(store_, clock_, GateOptions()) {}

  static PrestopGate::Options GateOptions() {
    PrestopGate::Options o;
    o.poll_interval = absl::Seconds(2);
    o.max_waits = 6;
    return o;
  }

  void SetUp() override {
    SidecarRoutes::Deps d;
    d.identity = &identity_;
    d.store = &store_;
    d.clock = &clock_;
    d.gate = &gate_;
    d.polls = &polls_;
    d.health = [this] {
      HealthOptions o;
      o.poll_interval = absl::Seconds(2);
      o.started_at = testing::kSimMonoStart;
      return EvaluateHealth(*store_.Get(), clock_.Monotonic(), o);
    };
    routes_ = std::make_unique<SidecarRoutes>(d);
    HttpServer::Options o;
    o.listen = "127.0.0.1:0";
    o.max_connections = 8;
    o.idle_timeout = absl::Seconds(1);
    o.max_request_bytes = 8 * 1024;
    server_ = std::make_unique<HttpServer>(o, *routes_);
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }

  void TearDown() override {
    gate_.Stop();
    server_->Stop(absl::Seconds(1));
  }

  void Publish(ClusterMetadata c) {
    store_.Publish(
        testing::SnapshotOf(std::move(c), kNode, clock_.Monotonic()));
  }

  // GET /prestop on its own thread.
  std::future<Reply> AsyncGet(const std::string& target) {
    const int port = port_;
    return std::async(std::launch::async,
                      [port, target] { return Get(port, target); });
  }

  bool Waiting(int64_t n) {
    return Eventually([&] { return gate_.Counts().waiting == n; });
  }

  Identity identity_;
  SimulatedClock clock_;
  SnapshotStore store_;
  PollStats polls_;
  PrestopGate gate_;
  std::unique_ptr<SidecarRoutes> routes_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpTest, HealthzAndReadyz) {
  Reply h = Get(port_, "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "SERVING: agent is running\n");
  Reply r = Get(port_, "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, StartsWith("NOT_SERVING: no cluster snapshot yet"));

  Publish(testing::TutorialHealthy());
  r = Get(port_, "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, StartsWith("SERVING: broker 2 is registered and in the "
                                 "ISR of all its 3 partitions"));
  Publish(testing::TutorialNode2Down());
  r = Get(port_, "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, HasSubstr("broker 2 is not registered"));
}

TEST_F(HttpTest, Metrics) {
  Publish(Node1Down());
  Reply m = Get(port_, "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_TRUE(m.Has("Content-Type: text/plain; version=0.0.4")) << m.head;
  EXPECT_THAT(m.body, HasSubstr("kafka_agent_build_info{version=\""));
  EXPECT_THAT(m.body, HasSubstr("kafka_agent_restart_safe 0\n"));
  EXPECT_THAT(m.body,
              HasSubstr("kafka_agent_cluster_partitions_under_replicated 3\n"));

  Reply head = Get(port_, "/metrics", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST_F(HttpTest, BadInput) {
  Reply r = Get(port_, "/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body, HasSubstr("no such path \"/nope\"; this port answers "
                                "GET /prestop?timeout=DURATION, /metrics"));
  r = Get(port_, "/");
  EXPECT_EQ(r.status, 404);

  r = Get(port_, "/metrics", "POST");
  EXPECT_EQ(r.status, 405);
  EXPECT_TRUE(r.Has("Allow: GET, HEAD")) << r.head;
  EXPECT_THAT(r.body, HasSubstr("method POST is not allowed on /metrics"));
  // With a body, too: it is read and dropped.
  r = RawExchange(port_,
                  "DELETE /prestop HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                  "Content-Length: 5\r\n\r\nhello");
  EXPECT_EQ(r.status, 405);

  for (const char* bad : {"abc", "-5s", "2h", "", "5%20m"}) {
    r = Get(port_, absl::StrCat("/prestop?timeout=", bad));
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_THAT(r.body, HasSubstr("timeout \"")) << bad;
  }
  r = Get(port_, "/prestop?timeout=abc");
  EXPECT_EQ(r.body,
            "timeout \"abc\" is not a duration; write e.g. timeout=300s, 5m "
            "or 90 (seconds), at most 1h\n");
  r = Get(port_, "/prestop?timeout=2h");
  EXPECT_THAT(r.body, HasSubstr("timeout \"2h\" is longer than 1h"));
  EXPECT_EQ(gate_.Counts().waiting, 0);
  EXPECT_TRUE(gate_.Counts().finished.empty()) << "a 400 must not wait";

  // Oversized heads: refused, never buffered without bound.
  r = RawExchange(port_, absl::StrCat("GET /metrics HTTP/1.1\r\nHost: x\r\n"
                                      "X-Big: ",
                                      std::string(20000, 'a'), "\r\n\r\n"));
  EXPECT_EQ(r.status, 431);
  r = RawExchange(port_, absl::StrCat("GET /", std::string(20000, 'a'),
                                      " HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(r.status, 414);
  // Not HTTP at all: a 400 or a closed connection, nothing else.
  r = RawExchange(port_,
                  std::string("\x16\x03\x01\x02\x00garbage\r\n\r\n", 16));
  EXPECT_TRUE(r.status == 0 || r.status == 400) << r.status;
  // HTTP/1.0, no Host: answered like any other request.
  r = RawExchange(port_, "GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.status, 200);

  // Still serving.
  EXPECT_EQ(Get(port_, "/healthz").status, 200);
}

TEST_F(HttpTest, PrestopSafeAtOnce) {
  Publish(testing::TutorialHealthy());
  Reply r = Get(port_, "/prestop?timeout=30s");
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.Has("X-Prestop-Outcome: safe")) << r.head;
  EXPECT_THAT(r.body, StartsWith("safe at once: stopping broker 2 keeps every "
                                 "partition at or above min.insync.replicas"));
}

TEST_F(HttpTest, ConcurrentPrestopWaitsEndWhenSafe) {
  Publish(Node1Down());
  std::vector<std::future<Reply>> waits;
  for (int i = 0; i < 4; ++i) waits.push_back(AsyncGet("/prestop"));
  ASSERT_TRUE(Waiting(4));
  // The waits hold no thread of the server: it still answers at once.
  EXPECT_EQ(Get(port_, "/healthz").status, 200);
  EXPECT_EQ(Get(port_, "/metrics").status, 200);
  for (auto& w : waits) {
    EXPECT_EQ(w.wait_for(std::chrono::milliseconds(0)),
              std::future_status::timeout);
  }
  clock_.Advance(absl::Seconds(12));
  Publish(testing::TutorialHealthy());
  gate_.Tick();
  for (auto& w : waits) {
    Reply r = w.get();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.Has("X-Prestop-Outcome: safe")) << r.head;
    EXPECT_THAT(r.body, StartsWith("safe after 12s: stopping broker 2 keeps "
                                   "every partition at or above "
                                   "min.insync.replicas and a caught-up "
                                   "majority of the quorum (waited for test-0, "
                                   "test-1, test-2)"));
  }
}

TEST_F(HttpTest, PrestopGivesUpAtItsTimeout) {
  Publish(Node1Down());
  auto wait = AsyncGet("/prestop?timeout=30s");
  ASSERT_TRUE(Waiting(1));
  clock_.Advance(absl::Seconds(29));
  Publish(Node1Down());
  gate_.Tick();
  EXPECT_EQ(gate_.Counts().waiting, 1);
  clock_.Advance(absl::Seconds(1));
  gate_.Tick();
  Reply r = wait.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.Has("X-Prestop-Outcome: timeout")) << r.head;
  EXPECT_THAT(r.body, StartsWith("gave up after 30s (timeout 30s): not safe: "
                                 "stopping broker 2 now would leave 3 "
                                 "partition(s)"));
  EXPECT_THAT(r.body, HasSubstr("\n  test-0: isr [0,2] -> 1 left; under "
                                "min.insync.replicas (1 < 2)\n"));
}

TEST_F(HttpTest, ClientThatLeavesFreesItsWait) {
  Publish(Node1Down());
  int fd = Connect(port_);
  SendAll(fd, "GET /prestop?timeout=300s HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(Waiting(1));
  close(fd);
  ASSERT_TRUE(Eventually([&] {
    gate_.Tick();
    return gate_.Counts().waiting == 0;
  }));
  EXPECT_EQ(gate_.Counts().finished.at("client_gone"), 1u);
  EXPECT_EQ(Get(port_, "/healthz").status, 200);
}

TEST_F(HttpTest, AgentStoppingAnswersWaitsAtOnce) {
  Publish(Node1Down());
  auto a = AsyncGet("/prestop?timeout=300s");
  auto b = AsyncGet("/prestop");
  ASSERT_TRUE(Waiting(2));
  gate_.Stop();  // what serve does first on SIGTERM
  for (auto* w : {&a, &b}) {
    Reply r = w->get();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.Has("X-Prestop-Outcome: stopping")) << r.head;
    EXPECT_THAT(r.body, StartsWith("the agent is shutting down (SIGTERM); "
                                   "answering early after 0s: not safe: "));
  }
  server_->Stop(absl::Seconds(1));
  EXPECT_EQ(Get(port_, "/healthz").status, 0) << "closed after Stop";
}

// A handler that never answers: Stop must still answer it and return.
class SilentHandler : public HttpHandler {
 public:
  void Serve(const HttpRequest&, std::shared_ptr<HttpExchange> ex) override {
    std::lock_guard<std::mutex> lock(mu_);
    kept_.push_back(std::move(ex));
  }
  size_t kept() {
    std::lock_guard<std::mutex> lock(mu_);
    return kept_.size();
  }

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<HttpExchange>> kept_;
};

TEST(HttpServerTest, StopAnswersRequestsStillWaiting) {
  SilentHandler handler;
  HttpServer::Options o;
  o.listen = "127.0.0.1:0";
  HttpServer server(o, handler);
  ASSERT_TRUE(server.Start().ok());
  const int port = server.port();
  auto r = std::async(std::launch::async, [port] { return Get(port, "/x"); });
  ASSERT_TRUE(Eventually([&] { return handler.kept() == 1; }));
  const auto t0 = std::chrono::steady_clock::now();
  server.Stop(absl::Seconds(2));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  Reply reply = r.get();
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body, "the agent is shutting down\n");
}

TEST(HttpServerTest, RefusesAnAddressInUseOrNotLocal) {
  SilentHandler handler;
  HttpServer::Options o;
  o.listen = "127.0.0.1:0";
  HttpServer first(o, handler);
  ASSERT_TRUE(first.Start().ok());
  o.listen = absl::StrCat("127.0.0.1:", first.port());
  HttpServer second(o, handler);
  absl::Status s = second.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr(o.listen));
  EXPECT_THAT(s.message(), HasSubstr("--http-listen"));
  o.listen = "192.0.2.1:9401";  // TEST-NET-1: not this machine's
  HttpServer third(o, handler);
  EXPECT_EQ(third.Start().code(), absl::StatusCode::kUnavailable);
  first.Stop(absl::ZeroDuration());
}

// Slowloris: every connection slot taken by a client that never finishes
// its request. The server closes them after the idle timeout, answers the
// next request then, and the gRPC port answers throughout.
TEST_F(HttpTest, IdleConnectionsAreBoundedAndGrpcKeepsAnswering) {
  AgentServer::Options go;
  go.listen = "127.0.0.1:0";
  go.poll_interval = absl::Seconds(2);
  go.gate = &gate_;
  AgentServer grpc_server(identity_, store_, clock_, go);
  ASSERT_TRUE(grpc_server.Start().ok());
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_server.port()),
                          grpc::InsecureChannelCredentials()));

  std::vector<int> idle;
  for (int i = 0; i < 8 + 4; ++i) {  // 8 slots, 4 more queued by the kernel
    int fd = Connect(port_);
    ASSERT_GE(fd, 0);
    SendAll(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n");  // never finished
    idle.push_back(fd);
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto late =
      std::async(std::launch::async, [this] { return Get(port_, "/healthz"); });

  // Meanwhile gRPC answers at once.
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status s = health->Check(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  // The idle connections are closed by the server (1s idle timeout; the
  // queued ones after a second round at most).
  for (int fd : idle) {
    std::string got = ReadAll(fd);
    EXPECT_THAT(got, ::testing::AnyOf(::testing::IsEmpty(),
                                      StartsWith("HTTP/1.1 408")));
    close(fd);
  }
  Reply r = late.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  grpc_server.Shutdown(absl::ZeroDuration());
}

}  // namespace
}  // namespace kafka_agent
