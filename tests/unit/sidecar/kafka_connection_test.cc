#include "agent/sidecar/kafka_connection.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/sidecar/fake_kafka_server.h"
#include "tests/unit/sidecar/kafka_golden.h"
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
using ::testing::Not;

// Generous: these tests talk to a thread on loopback, and other jobs share
// the machine. Only the timeout test relies on a short deadline.
absl::Time Deadline() { return absl::Now() + absl::Seconds(10); }

ConnectOptions Plain(const std::string& address) {
  ConnectOptions o;
  o.address = address;
  return o;
}

const std::map<int16_t, VersionRange> kBrokerApis = {
    {kApiVersions, {0, 4}},      {kSaslHandshake, {0, 1}},
    {kSaslAuthenticate, {0, 2}}, {kDescribeQuorum, {0, 2}},
    {kDescribeCluster, {0, 2}},  {kListPartitionReassignments, {0, 0}}};

FakeReply ApiVersionsReply(const FakeRequest& r) {
  return FakeReply::Body(
      FakeKafkaServer::ApiVersionsBody(r.version, kBrokerApis));
}

// --- Settings
// ------------------------------------------------------------------------

TEST(SecurityConfigTest, DefaultsArePlaintextWithVerification) {
  absl::StatusOr<SecurityConfig> c =
      ParseSecurityConfig({{"client.rack", "r1"}, {"socket.timeout.ms", "5"}});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->protocol, SecurityProtocol::kPlaintext);
  EXPECT_TRUE(c->verify_certificate);
  EXPECT_TRUE(c->verify_hostname);
  EXPECT_FALSE(c->tls());
  EXPECT_FALSE(c->sasl());
}

TEST(SecurityConfigTest, SaslSslScram) {
  absl::StatusOr<SecurityConfig> c = ParseSecurityConfig({
      {"security.protocol", "sasl_ssl"},
      {"sasl.mechanisms", "SCRAM-SHA-512"},
      {"sasl.username", "agent"},
      {"sasl.password", "pw"},
      {"ssl.ca.location", "/etc/ca.pem"},
      {"ssl.certificate.location", "/etc/client.pem"},
      {"ssl.key.location", "/etc/client.key"},
      {"ssl.key.password", "kpw"},
      {"enable.ssl.certificate.verification", "true"},
      {"ssl.endpoint.identification.algorithm", "none"},
  });
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->protocol, SecurityProtocol::kSaslSsl);
  EXPECT_EQ(c->mechanism, SaslMechanism::kScramSha512);
  EXPECT_EQ(c->username, "agent");
  EXPECT_EQ(c->password, "pw");
  EXPECT_EQ(c->ca_location, "/etc/ca.pem");
  EXPECT_EQ(c->certificate_location, "/etc/client.pem");
  EXPECT_EQ(c->key_location, "/etc/client.key");
  EXPECT_EQ(c->key_password, "kpw");
  EXPECT_FALSE(c->verify_hostname);
  EXPECT_TRUE(c->tls());
  EXPECT_TRUE(c->sasl());
}

TEST(SecurityConfigTest, UnsupportedSettingsAreClearErrors) {
  struct Case {
    WireProps props;
    const char* message;
  } cases[] = {
      {{{"ssl.keystore.location", "/k.p12"}},
       "ssl.keystore.location is not supported by the Kafka wire client"},
      {{{"sasl.kerberos.service.name", "kafka"}},
       "supported security settings: security.protocol"},
      {{{"security.protocol", "TLS"}},
       "security.protocol=TLS is not supported"},
      {{{"security.protocol", "SASL_SSL"}, {"sasl.mechanism", "GSSAPI"}},
       "GSSAPI and OAUTHBEARER are not implemented"},
      {{{"security.protocol", "SASL_PLAINTEXT"},
        {"sasl.username", "u"},
        {"sasl.password", "p"}},
       "needs sasl.mechanism"},
      {{{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanism", "PLAIN"}},
       "needs sasl.username and sasl.password"},
      {{{"enable.ssl.certificate.verification", "maybe"}},
       "=maybe is not supported"},
      {{{"ssl.endpoint.identification.algorithm", "ldap"}}, "https or none"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    EXPECT_THAT(
        ParseSecurityConfig(c.props),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
  }
}

TEST(SecurityConfigTest, SecretsAreNeverEchoed) {
  absl::StatusOr<SecurityConfig> c = ParseSecurityConfig({
      {"sasl.password", "hunter2-secret"},
      {"security.protocol", "SASL_SSL"},
      {"sasl.mechanism", "OAUTHBEARER"},
  });
  EXPECT_THAT(c, StatusIs(absl::StatusCode::kInvalidArgument,
                          Not(HasSubstr("hunter2-secret"))));
}

TEST(SecurityConfigTest, ParseHostPort) {
  EXPECT_EQ(*ParseHostPort("kafka-0.kafka:9092"),
            std::make_pair(std::string("kafka-0.kafka"), 9092));
  EXPECT_EQ(*ParseHostPort("[::1]:19092"),
            std::make_pair(std::string("::1"), 19092));
  for (const char* bad : {"kafka", "kafka:", "kafka:0", "kafka:65536", ":9092",
                          "::1:9092", "[::1]9092", "h:9x"}) {
    EXPECT_THAT(ParseHostPort(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(bad)))
        << bad;
  }
}

TEST(SecurityConfigTest, UnreadableCaFileFailsEarly) {
  SecurityConfig c;
  c.protocol = SecurityProtocol::kSsl;
  c.ca_location = "/nonexistent/ca.pem";
  EXPECT_THAT(NewTlsContext(c),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ssl.ca.location=/nonexistent/ca.pem")));
  c.ca_location.clear();
  c.key_location = "/nonexistent/key.pem";
  EXPECT_THAT(NewTlsContext(c),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ssl.key.location=/nonexistent/key.pem")));
}

// --- Connecting
// -----------------------------------------------------------------------

TEST(KafkaConnectionTest, ConnectionRefusedNamesTheAddress) {
  const std::string address = absl::StrCat("127.0.0.1:", UnusedPort());
  EXPECT_THAT(
      Connect(Plain(address), Deadline()),
      StatusIs(absl::StatusCode::kUnavailable,
               AllOf(HasSubstr(address), HasSubstr("Connection refused"))));
}

TEST(KafkaConnectionTest, UnresolvableHost) {
  // Unavailable from the resolver, or DeadlineExceeded if this machine's DNS
  // does not answer within the deadline: either way named, and on time.
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<KafkaConnection>> c =
      Connect(Plain("no-such-host.invalid:9092"), start + absl::Seconds(2));
  EXPECT_THAT(c.status().message(), HasSubstr("'no-such-host.invalid'"));
  EXPECT_TRUE(c.status().code() == absl::StatusCode::kUnavailable ||
              c.status().code() == absl::StatusCode::kDeadlineExceeded)
      << c.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
}

TEST(KafkaConnectionTest, SilentNodeTimesOutAtTheDeadline) {
  FakeKafkaServer server(
      [](const FakeRequest&) { return FakeReply::Silence(); });
  const absl::Time start = absl::Now();
  EXPECT_THAT(Connect(Plain(server.address()), start + absl::Milliseconds(300)),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       AllOf(HasSubstr("ApiVersions v4 to " + server.address()),
                             HasSubstr("timed out waiting for the response"))));
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(300));
  EXPECT_LT(took, absl::Seconds(3));  // returns at the deadline, not later
}

TEST(KafkaConnectionTest, NegotiatesApiVersionsDownOnUnsupportedVersion) {
  FakeKafkaServer server([](const FakeRequest& r) {
    if (r.api_key == kApiVersions && r.version > 2) {
      return FakeReply::Body(golden::ApiVersionsUnsupportedV0());  // names v0-2
    }
    return ApiVersionsReply(r);
  });
  absl::StatusOr<std::unique_ptr<KafkaConnection>> c =
      Connect(Plain(server.address()), Deadline());
  ASSERT_THAT(c, IsOk());
  EXPECT_THAT(server.versions(kApiVersions), ElementsAre(4, 2));
  EXPECT_EQ((*c)->api_versions_version(), 2);
  EXPECT_EQ(NegotiateVersion((*c)->api_versions().api_keys, kDescribeQuorum),
            2);
  // ApiVersions v3+ carries the client's name; v0-2 have an empty body.
  EXPECT_THAT(server.requests()[0].body, HasSubstr("kafka-agent"));
  EXPECT_EQ(server.requests()[1].body, "");
  EXPECT_EQ(server.requests()[1].client_id, "kafka-agent");
}

TEST(KafkaConnectionTest, FallsBackToV0WhenTheBrokerNamesNoVersion) {
  FakeKafkaServer server([](const FakeRequest& r) {
    if (r.version > 0) {
      return FakeReply::Body(golden::H("00 23 00 00 00 00"));  // no ApiKeys
    }
    return ApiVersionsReply(r);
  });
  absl::StatusOr<std::unique_ptr<KafkaConnection>> c =
      Connect(Plain(server.address()), Deadline());
  ASSERT_THAT(c, IsOk());
  EXPECT_THAT(server.versions(kApiVersions), ElementsAre(4, 0));
}

TEST(KafkaConnectionTest, BrokenAnswers) {
  struct Case {
    const char* name;
    std::string raw;
    absl::StatusCode code;
    const char* message;
  } cases[] = {
      {"closed mid-frame", golden::H("00 00 00 64 00 00 00 01 00"),
       absl::StatusCode::kUnavailable, "connection closed by the peer"},
      {"TLS alert on a plaintext connection", golden::H("15 03 03 00 02 02 28"),
       absl::StatusCode::kDataLoss, "is not plausible"},
      {"wrong correlation id", golden::H("00 00 00 04 00 00 03 e7"),
       absl::StatusCode::kDataLoss,
       "correlation id 999 does not match request 1"},
      {"truncated body", golden::H("00 00 00 07 00 00 00 01 00 00 03"),
       absl::StatusCode::kDataLoss, "ApiVersions v4 from 127.0.0.1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeKafkaServer server(
        [&](const FakeRequest&) { return FakeReply::Raw(c.raw); });
    EXPECT_THAT(Connect(Plain(server.address()), Deadline()),
                StatusIs(c.code, HasSubstr(c.message)));
  }
}

TEST(KafkaConnectionTest, CallsReuseTheConnection) {
  FakeKafkaServer server([](const FakeRequest& r) {
    if (r.api_key == kDescribeCluster) {
      return FakeReply::Body(golden::DescribeClusterV2());
    }
    return ApiVersionsReply(r);
  });
  absl::StatusOr<std::unique_ptr<KafkaConnection>> c =
      Connect(Plain(server.address()), Deadline());
  ASSERT_THAT(c, IsOk());
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::string> body =
        (*c)->Call(kDescribeCluster, 2,
                   EncodeDescribeClusterRequest(2, kBrokers, true), Deadline());
    ASSERT_THAT(body, IsOk());
    EXPECT_EQ(*body, golden::DescribeClusterV2());
  }
  EXPECT_EQ(server.accepted(), 1);
  std::vector<FakeRequest> reqs = server.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[3].correlation_id, 4);
  EXPECT_FALSE((*c)->broken(absl::Now()));
}

// --- SASL
// -----------------------------------------------------------------------------

ConnectOptions SaslPlain(const std::string& address, const std::string& pw) {
  ConnectOptions o = Plain(address);
  o.security.protocol = SecurityProtocol::kSaslPlaintext;
  o.security.mechanism = SaslMechanism::kPlain;
  o.security.username = "agent";
  o.security.password = pw;
  return o;
}

FakeReply PlainSaslServer(const FakeRequest& r) {
  switch (r.api_key) {
    case kSaslHandshake:
      // Mechanism "PLAIN" as a classic string.
      if (r.body != golden::H("00 05 'PLAIN'")) return FakeReply::Close();
      return FakeReply::Body(golden::H("00 00 00 00 00 01 00 05 'PLAIN'"));
    case kSaslAuthenticate: {
      // v2: compact bytes "\0agent\0right-pw" (15 bytes -> 10) + tags.
      if (r.version == 2 &&
          r.body == golden::H("10 00 'agent' 00 'right-pw' 00")) {
        return FakeReply::Body(
            golden::H("00 00 00 01 00 00 00 00 00 00 00 00 00"));
      }
      return FakeReply::Body(golden::H(
          "00 3a 34 'Authentication failed: Invalid username or password' 01 "
          "00 00 00 00 00 00 00 00 00"));
    }
  }
  return ApiVersionsReply(r);
}

TEST(KafkaConnectionTest, SaslPlainAuthenticates) {
  FakeKafkaServer server(PlainSaslServer);
  absl::StatusOr<std::unique_ptr<KafkaConnection>> c =
      Connect(SaslPlain(server.address(), "right-pw"), Deadline());
  ASSERT_THAT(c, IsOk());
  std::vector<int16_t> order;
  for (const FakeRequest& r : server.requests()) order.push_back(r.api_key);
  EXPECT_THAT(order,
              ElementsAre(kApiVersions, kSaslHandshake, kSaslAuthenticate));
  EXPECT_THAT(server.versions(kSaslHandshake), ElementsAre(1));
  EXPECT_THAT(server.versions(kSaslAuthenticate), ElementsAre(2));
}

TEST(KafkaConnectionTest, SaslFailureSaysWhoAndWhyButNotThePassword) {
  FakeKafkaServer server(PlainSaslServer);
  absl::StatusOr<std::unique_ptr<KafkaConnection>> c =
      Connect(SaslPlain(server.address(), "wrong-pw-secret"), Deadline());
  EXPECT_THAT(c,
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("SASL PLAIN authentication as 'agent'"),
                             HasSubstr(server.address()),
                             HasSubstr("SASL_AUTHENTICATION_FAILED"),
                             HasSubstr("Invalid username or password"),
                             Not(HasSubstr("wrong-pw-secret")))));
}

TEST(KafkaConnectionTest, SaslMechanismNotEnabled) {
  FakeKafkaServer server([](const FakeRequest& r) {
    if (r.api_key == kSaslHandshake) {
      return FakeReply::Body(golden::SaslHandshakeV1Refused());
    }
    return ApiVersionsReply(r);
  });
  ConnectOptions o = SaslPlain(server.address(), "pw");
  o.security.mechanism = SaslMechanism::kScramSha512;
  EXPECT_THAT(Connect(o, Deadline()),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("UNSUPPORTED_SASL_MECHANISM"),
                             HasSubstr("SCRAM-SHA-512 is not enabled"),
                             HasSubstr("offers [PLAIN, SCRAM-SHA-256]"))));
}

}  // namespace
}  // namespace wire
}  // namespace kafka_agent
