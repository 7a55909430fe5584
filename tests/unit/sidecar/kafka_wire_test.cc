#include "agent/sidecar/kafka_wire.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/sidecar/fake_kafka_server.h"
#include "tests/unit/sidecar/kafka_golden.h"
#include "tests/unit/sidecar/kafka_wire_fake.h"
#include "tests/unit/status_matchers.h"

namespace kafka_agent {
namespace wire {
namespace {

using ::kafka_agent::testing::IsOk;
using ::kafka_agent::testing::StatusIs;
using ::kafka_agent::wire::testing::FakeKafkaServer;
using ::kafka_agent::wire::testing::FakeReply;
using ::kafka_agent::wire::testing::FakeRequest;
using ::kafka_agent::wire::testing::UnusedPort;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::Time Deadline() { return absl::Now() + absl::Seconds(10); }

std::map<int16_t, VersionRange> Apis(int16_t quorum_max, int16_t cluster_max,
                                     bool reassignments = true) {
  std::map<int16_t, VersionRange> m = {{kApiVersions, {0, 4}},
                                       {kDescribeQuorum, {0, quorum_max}},
                                       {kDescribeCluster, {0, cluster_max}}};
  if (reassignments) m[kListPartitionReassignments] = {0, 0};
  return m;
}

struct Node {
  int32_t id;
  int port;
  bool fenced = false;
};

// A DescribeCluster response body for `version`.
std::string ClusterBody(int16_t version, int8_t endpoint_type,
                        int32_t controller_id, const std::vector<Node>& nodes,
                        int16_t error = 0) {
  Writer w;
  w.Int32(0);  // ThrottleTimeMs
  w.Int16(error);
  w.CompactNullableString(std::nullopt);
  if (version >= 1) w.Int8(endpoint_type);
  w.CompactString("cluster-x");
  w.Int32(controller_id);
  w.CompactArrayLength(static_cast<int32_t>(nodes.size()));
  for (const Node& n : nodes) {
    w.Int32(n.id);
    w.CompactString("127.0.0.1");
    w.Int32(n.port);
    w.CompactNullableString(std::nullopt);
    if (version >= 2) w.Bool(n.fenced);
    w.EmptyTaggedFields();
  }
  w.Int32(INT32_MIN);
  w.EmptyTaggedFields();
  return w.Take();
}

std::unique_ptr<KafkaWire> Wire(std::vector<std::string> bootstrap,
                                bool controllers = false) {
  WireOptions o;
  o.bootstrap = std::move(bootstrap);
  o.controllers = controllers;
  absl::StatusOr<std::unique_ptr<KafkaWire>> w = NewKafkaWire(o);
  EXPECT_THAT(w, IsOk());
  return *std::move(w);
}

TEST(KafkaWireTest, DescribeQuorumThroughABroker) {
  FakeKafkaServer broker([](const FakeRequest& r) {
    if (r.api_key == kDescribeQuorum) {
      return FakeReply::Body(golden::DescribeQuorumV2());
    }
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(2, 2)));
  });
  std::unique_ptr<KafkaWire> wire = Wire({broker.address()});
  absl::StatusOr<QuorumInfo> q = wire->DescribeQuorum(Deadline());
  ASSERT_THAT(q, IsOk());
  EXPECT_EQ(q->answered_by, broker.address());
  EXPECT_EQ(q->version, 2);
  EXPECT_EQ(q->leader_id, 1);
  EXPECT_EQ(q->leader_epoch, 5);
  EXPECT_EQ(q->high_watermark, 256);
  ASSERT_EQ(q->voters.size(), 2u);
  EXPECT_EQ(q->voters[1].last_caught_up_timestamp, 1699999999850);
  ASSERT_EQ(q->observers.size(), 1u);
  ASSERT_EQ(q->nodes.size(), 1u);
  EXPECT_TRUE(q->has_timestamps());
  // The request asked for __cluster_metadata-0.
  std::vector<FakeRequest> reqs = broker.requests();
  ASSERT_EQ(reqs.back().api_key, kDescribeQuorum);
  EXPECT_EQ(reqs.back().body, EncodeDescribeQuorumRequest(2));
}

TEST(KafkaWireTest, DescribeQuorumUsesTheBestCommonVersion) {
  FakeKafkaServer broker([](const FakeRequest& r) {
    if (r.api_key == kDescribeQuorum) {
      return FakeReply::Body(golden::DescribeQuorumV1());
    }
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(1, 2)));
  });
  absl::StatusOr<QuorumInfo> q =
      Wire({broker.address()})->DescribeQuorum(Deadline());
  ASSERT_THAT(q, IsOk());
  EXPECT_THAT(broker.versions(kDescribeQuorum), ElementsAre(1));
  EXPECT_EQ(q->version, 1);
  EXPECT_EQ(q->leader_id, 2);
  EXPECT_TRUE(q->nodes.empty());
}

TEST(KafkaWireTest, ControllerListenerFollowsTheActiveController) {
  // Controller 7 is the leader; controller 5 (the bootstrap) is a follower.
  FakeKafkaServer leader([](const FakeRequest& r) {
    if (r.api_key == kDescribeQuorum) {
      return FakeReply::Body(golden::DescribeQuorumV2());
    }
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(2, 2)));
  });
  const int leader_port = leader.port();
  FakeKafkaServer follower([&](const FakeRequest& r) {
    switch (r.api_key) {
      case kDescribeQuorum:
        return FakeReply::Body(golden::DescribeQuorumV0NotLeader());
      case kDescribeCluster:
        return FakeReply::Body(ClusterBody(r.version, kControllers, 7,
                                           {{5, 1}, {7, leader_port}}));
    }
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(0, 2)));
  });
  std::unique_ptr<KafkaWire> wire =
      Wire({follower.address()}, /*controllers=*/true);
  absl::StatusOr<QuorumInfo> q = wire->DescribeQuorum(Deadline());
  ASSERT_THAT(q, IsOk());
  EXPECT_EQ(q->answered_by, leader.address());
  EXPECT_EQ(q->leader_id, 1);  // what the (fake) leader's golden answer says
  // The follower was asked for the controllers endpoint (KIP-919).
  std::vector<FakeRequest> reqs = follower.requests();
  ASSERT_EQ(reqs.back().api_key, kDescribeCluster);
  EXPECT_EQ(reqs.back().body, golden::H("00 02 01 00"));

  // DescribeCluster through the controller listener lists the controllers.
  absl::StatusOr<ClusterInfo> c = wire->DescribeCluster(Deadline());
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->endpoint_type, kControllers);
  EXPECT_EQ(c->controller_id, 7);
  EXPECT_FALSE(c->fencing_known);
  ASSERT_EQ(c->brokers.size(), 2u);
}

TEST(KafkaWireTest, NoLeaderAnywhereIsUnavailable) {
  FakeKafkaServer follower([](const FakeRequest& r) {
    switch (r.api_key) {
      case kDescribeQuorum:
        return FakeReply::Body(golden::DescribeQuorumV0NotLeader());
      case kDescribeCluster:
        return FakeReply::Body(
            ClusterBody(r.version, kControllers, -1, {{5, 1}}));
    }
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(0, 2)));
  });
  EXPECT_THAT(Wire({follower.address()}, true)->DescribeQuorum(Deadline()),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("NOT_LEADER_OR_FOLLOWER"),
                             HasSubstr("know no active controller"))));
}

TEST(KafkaWireTest, DescribeClusterV2ListsFencedBrokers) {
  FakeKafkaServer broker([](const FakeRequest& r) {
    if (r.api_key == kDescribeCluster) {
      return FakeReply::Body(
          ClusterBody(r.version, kBrokers, 0, {{2, 3, true}, {0, 1}, {1, 2}}));
    }
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(2, 2)));
  });
  absl::StatusOr<ClusterInfo> c =
      Wire({broker.address()})->DescribeCluster(Deadline());
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->version, 2);
  EXPECT_TRUE(c->fencing_known);
  EXPECT_EQ(c->cluster_id, "cluster-x");
  ASSERT_EQ(c->brokers.size(), 3u);
  EXPECT_EQ(c->brokers[0].broker_id, 0);  // sorted
  EXPECT_EQ(c->brokers[2].broker_id, 2);
  EXPECT_TRUE(c->brokers[2].is_fenced);
  // IncludeFencedBrokers was asked for.
  EXPECT_EQ(broker.requests().back().body, golden::H("00 01 01 00"));
}

TEST(KafkaWireTest, DescribeClusterOnOlderBrokersSaysFencingIsUnknown) {
  for (int16_t max : {0, 1}) {
    SCOPED_TRACE(max);
    FakeKafkaServer broker([&](const FakeRequest& r) {
      if (r.api_key == kDescribeCluster) {
        return FakeReply::Body(ClusterBody(r.version, kBrokers, 0, {{0, 1}}));
      }
      return FakeReply::Body(
          FakeKafkaServer::ApiVersionsBody(r.version, Apis(2, max)));
    });
    absl::StatusOr<ClusterInfo> c =
        Wire({broker.address()})->DescribeCluster(Deadline());
    ASSERT_THAT(c, IsOk());
    EXPECT_EQ(c->version, max);
    EXPECT_FALSE(c->fencing_known);
    EXPECT_THAT(broker.versions(kDescribeCluster), ElementsAre(max));
  }
}

TEST(KafkaWireTest, KafkaErrorsBecomeStatuses) {
  FakeKafkaServer broker([](const FakeRequest& r) {
    if (r.api_key == kDescribeCluster) {
      return FakeReply::Body(ClusterBody(r.version, kBrokers, 0, {}, 31));
    }
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(2, 2)));
  });
  EXPECT_THAT(
      Wire({broker.address()})->DescribeCluster(Deadline()),
      StatusIs(absl::StatusCode::kPermissionDenied,
               AllOf(HasSubstr("DescribeCluster v2 to " + broker.address()),
                     HasSubstr("CLUSTER_AUTHORIZATION_FAILED"))));
}

TEST(KafkaWireTest, MissingApiIsUnimplemented) {
  FakeKafkaServer broker([](const FakeRequest& r) {
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(2, 2, false)));
  });
  EXPECT_THAT(Wire({broker.address()})->ListPartitionReassignments(Deadline()),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("does not support ListPartitionReassignments "
                                 "v0-0 (not offered at all)")));
}

TEST(KafkaWireTest, MalformedAnswerIsDataLossNamingTheNode) {
  FakeKafkaServer broker([](const FakeRequest& r) {
    if (r.api_key == kDescribeQuorum) {
      std::string b = golden::DescribeQuorumV2();
      return FakeReply::Body(b.substr(0, b.size() - 3));
    }
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(2, 2)));
  });
  EXPECT_THAT(
      Wire({broker.address()})->DescribeQuorum(Deadline()),
      StatusIs(absl::StatusCode::kDataLoss,
               AllOf(HasSubstr("DescribeQuorum v2 to " + broker.address()),
                     HasSubstr("truncated response"))));
}

TEST(KafkaWireTest, ListPartitionReassignments) {
  FakeKafkaServer broker([](const FakeRequest& r) {
    if (r.api_key == kListPartitionReassignments) {
      return FakeReply::Body(golden::ListPartitionReassignmentsV0());
    }
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(2, 2)));
  });
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  absl::StatusOr<ReassignmentsInfo> r =
      Wire({broker.address()})->ListPartitionReassignments(deadline);
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->reassignments.size(), 1u);
  EXPECT_THAT(r->reassignments[0].adding_replicas, ElementsAre(2));
  // TimeoutMs is what is left of the caller's deadline; Topics null.
  const std::string body = broker.requests().back().body;
  Reader reader(body);
  const int32_t timeout_ms = reader.Int32("TimeoutMs");
  EXPECT_GT(timeout_ms, 0);
  EXPECT_LE(timeout_ms, 5000);
  EXPECT_EQ(body.substr(4), golden::H("00 00"));
}

TEST(KafkaWireTest, TriesTheNextBootstrapServerAndReusesConnections) {
  FakeKafkaServer broker([](const FakeRequest& r) {
    if (r.api_key == kDescribeCluster) {
      return FakeReply::Body(ClusterBody(r.version, kBrokers, 0, {{0, 1}}));
    }
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(2, 2)));
  });
  const std::string dead = absl::StrCat("127.0.0.1:", UnusedPort());
  std::unique_ptr<KafkaWire> wire = Wire({dead, broker.address()});
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<ClusterInfo> c = wire->DescribeCluster(Deadline());
    ASSERT_THAT(c, IsOk());
    EXPECT_EQ(c->answered_by, broker.address());
  }
  EXPECT_EQ(broker.accepted(), 1);
  EXPECT_THAT(broker.versions(kApiVersions), ElementsAre(4));

  // A dropped connection is replaced on the next call.
  FakeKafkaServer flaky([n = 0](const FakeRequest& r) mutable {
    if (r.api_key == kDescribeCluster && ++n == 1) return FakeReply::Close();
    if (r.api_key == kDescribeCluster) {
      return FakeReply::Body(ClusterBody(r.version, kBrokers, 0, {{0, 1}}));
    }
    return FakeReply::Body(
        FakeKafkaServer::ApiVersionsBody(r.version, Apis(2, 2)));
  });
  std::unique_ptr<KafkaWire> w2 = Wire({flaky.address()});
  EXPECT_THAT(
      w2->DescribeCluster(Deadline()),
      StatusIs(absl::StatusCode::kUnavailable,
               AllOf(HasSubstr("no broker of [" + flaky.address() + "]"),
                     HasSubstr("connection closed by the peer"))));
  EXPECT_THAT(w2->DescribeCluster(Deadline()), IsOk());
  EXPECT_EQ(flaky.accepted(), 2);
}

TEST(KafkaWireTest, AllServersDownNamesEach) {
  const std::string a = absl::StrCat("127.0.0.1:", UnusedPort());
  const std::string b = absl::StrCat("127.0.0.1:", UnusedPort());
  EXPECT_THAT(
      Wire({a, b}, true)->DescribeQuorum(Deadline()),
      StatusIs(absl::StatusCode::kUnavailable,
               AllOf(HasSubstr("no controller of [" + a + "," + b + "]"),
                     HasSubstr(a + ": connect failed"),
                     HasSubstr(b + ": connect failed"))));
}

TEST(KafkaWireTest, ApiVersionsReportsFeatures) {
  FakeKafkaServer broker([](const FakeRequest& r) {
    if (r.version == 4) {
      // The golden v3 body is also a valid v4 body (v4 changed semantics only).
      return FakeReply::Body(golden::ApiVersionsV3());
    }
    return FakeReply::Close();
  });
  absl::StatusOr<ApiVersionsInfo> v =
      Wire({broker.address()})->ApiVersions(Deadline());
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(v->request_version, 4);
  EXPECT_EQ(v->finalized_features_epoch, 42);
  ASSERT_EQ(v->finalized_features.size(), 1u);
  EXPECT_EQ(v->finalized_features[0].name, "kraft.version");
  EXPECT_EQ(v->api_keys.at(kDescribeQuorum).max, 2);
}

TEST(KafkaWireTest, BadOptionsFailAtCreation) {
  EXPECT_THAT(NewKafkaWire(WireOptions{}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("at least one bootstrap address")));
  WireOptions o;
  o.bootstrap = {"kafka-0"};
  EXPECT_THAT(NewKafkaWire(o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'kafka-0' is not host:port")));
  o.bootstrap = {"kafka-0:9092"};
  o.props = {{"ssl.truststore.location", "/t.jks"}};
  EXPECT_THAT(NewKafkaWire(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("ssl.truststore.location")));
}

TEST(KafkaWireTest, KafkaErrorStatusCodes) {
  EXPECT_EQ(KafkaErrorStatus(6, std::nullopt, "x").code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(KafkaErrorStatus(7, std::nullopt, "x").code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(KafkaErrorStatus(58, std::nullopt, "x").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(KafkaErrorStatus(35, std::nullopt, "x").code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_THAT(KafkaErrorStatus(114, std::string("mismatch"),
                               "DescribeCluster v1 to h:1"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("DescribeCluster v1 to h:1: Kafka error "
                                       "MISMATCHED_ENDPOINT_TYPE (mismatch)"),
                             HasSubstr("controller listener"))));
  EXPECT_EQ(KafkaErrorStatus(-1, std::nullopt, "x").code(),
            absl::StatusCode::kUnknown);
}

// The fake itself: scripted answers, counted calls, recorded deadlines.
TEST(FakeKafkaWireTest, ScriptedAnswers) {
  testing::FakeKafkaWire fake;
  const absl::Time d = absl::FromUnixSeconds(100);
  EXPECT_THAT(fake.DescribeQuorum(d), StatusIs(absl::StatusCode::kUnavailable,
                                               HasSubstr("no DescribeQuorum")));
  fake.SetQuorum(testing::ThreeVoterQuorum(1, 1000, {5, 0, 7000}));
  absl::StatusOr<QuorumInfo> q = fake.DescribeQuorum(d);
  ASSERT_THAT(q, IsOk());
  EXPECT_EQ(q->leader_id, 1);
  EXPECT_EQ(q->voters[2].last_caught_up_timestamp, 1000 - 7000);
  EXPECT_EQ(q->voters[1].last_fetch_timestamp, -1);
  EXPECT_EQ(fake.quorum_calls(), 2);
  EXPECT_THAT(fake.deadlines(), ElementsAre(d, d));
}

}  // namespace
}  // namespace wire
}  // namespace kafka_agent
