#include "agent/sidecar/kafka_protocol.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/sidecar/kafka_golden.h"
#include "tests/unit/status_matchers.h"

namespace kafka_agent {
namespace wire {
namespace {

using golden::H;
using ::kafka_agent::testing::IsOk;
using ::kafka_agent::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// --- Requests: golden bytes
// ---------------------------------------------------

TEST(KafkaProtocolTest, DescribeQuorumRequestFrame) {
  const std::string frame =
      EncodeRequestFrame(kDescribeQuorum, 1, /*correlation_id=*/7, "ka",
                         EncodeDescribeQuorumRequest(1));
  EXPECT_EQ(frame, H("00 00 00 29 "  // size 41 = 13 header + 28 body
                                     // Request header v2 (DescribeQuorum is
                                     // flexible from v0):
                     "00 37 "        // RequestApiKey 55
                     "00 01 "        // RequestApiVersion 1
                     "00 00 00 07 "  // CorrelationId 7
                     "00 02 'ka' "   // ClientId: classic string, even in v2
                     "00 "           // header tagged fields
                     // Body:
                     "02 "                       // Topics: compact array, 1
                     "13 '__cluster_metadata' "  // TopicName
                     "02 "                       // Partitions: 1
                     "00 00 00 00 "              // PartitionIndex 0
                     "00 00 "  // PartitionData, TopicData: no tags
                     "00"));   // request: no tags
}

TEST(KafkaProtocolTest, ApiVersionsRequestFrames) {
  // v3+: flexible body and header v2.
  EXPECT_EQ(
      EncodeRequestFrame(kApiVersions, 3, 1, "ka",
                         EncodeApiVersionsRequest(3, "kafka-agent", "1.0")),
      H("00 00 00 1e "              // size 30 = 13 header + 17 body
        "00 12 00 03 00 00 00 01 "  // ApiVersions v3, correlation 1
        "00 02 'ka' 00 "            // ClientId, header tags
        "0c 'kafka-agent' "         // ClientSoftwareName
        "04 '1.0' "                 // ClientSoftwareVersion
        "00"));                     // no tags
  // v0: header v1 (no tagged fields), empty body.
  EXPECT_EQ(EncodeRequestFrame(kApiVersions, 0, 2, "ka",
                               EncodeApiVersionsRequest(0, "x", "y")),
            H("00 00 00 0c 00 12 00 00 00 00 00 02 00 02 'ka'"));
}

TEST(KafkaProtocolTest, DescribeClusterRequestBodies) {
  EXPECT_EQ(EncodeDescribeClusterRequest(2, kBrokers, true),
            H("00 "    // IncludeClusterAuthorizedOperations false
              "01 "    // EndpointType 1 = brokers (v1+)
              "01 "    // IncludeFencedBrokers true (v2+)
              "00"));  // no tags
  EXPECT_EQ(EncodeDescribeClusterRequest(1, kControllers, true), H("00 02 00"));
  EXPECT_EQ(EncodeDescribeClusterRequest(0, kControllers, true), H("00 00"));
}

TEST(KafkaProtocolTest, ListPartitionReassignmentsRequestBody) {
  EXPECT_EQ(EncodeListPartitionReassignmentsRequest(0, 30000),
            H("00 00 75 30 "  // TimeoutMs 30000
              "00 "           // Topics null: every reassignment
              "00"));         // no tags
}

TEST(KafkaProtocolTest, SaslRequestFrames) {
  // SaslHandshake is never flexible: header v1, classic string.
  EXPECT_EQ(EncodeRequestFrame(kSaslHandshake, 1, 3, "ka",
                               EncodeSaslHandshakeRequest(1, "PLAIN")),
            H("00 00 00 13 00 11 00 01 00 00 00 03 00 02 'ka' "
              "00 05 'PLAIN'"));
  EXPECT_EQ(EncodeSaslAuthenticateRequest(2, "ab"), H("03 'ab' 00"));
  EXPECT_EQ(EncodeSaslAuthenticateRequest(1, "ab"), H("00 00 00 02 'ab'"));
}

// --- Response headers
// -----------------------------------------------------------

TEST(KafkaProtocolTest, StripResponseHeader) {
  // Flexible response: header v1 = correlation id + tagged fields.
  EXPECT_EQ(*StripResponseHeader(kDescribeQuorum, 1, 9, H("00 00 00 09 00 ab")),
            H("ab"));
  // ApiVersions keeps header v0 even in v3+.
  EXPECT_EQ(*StripResponseHeader(kApiVersions, 3, 9, H("00 00 00 09 00 ab")),
            H("00 ab"));
  // SaslHandshake: header v0.
  EXPECT_EQ(*StripResponseHeader(kSaslHandshake, 1, 9, H("00 00 00 09 cd")),
            H("cd"));
  EXPECT_THAT(StripResponseHeader(kDescribeQuorum, 1, 9, H("00 00 00 08 00")),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("correlation id 8 does not match request 9")));
  EXPECT_THAT(StripResponseHeader(kDescribeQuorum, 1, 9, H("00 00")),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("truncated")));
}

// --- Responses: golden bytes
// ------------------------------------------------------

TEST(KafkaProtocolTest, ApiVersionsV3) {
  absl::StatusOr<ApiVersionsResponse> r =
      DecodeApiVersionsResponse(3, golden::ApiVersionsV3());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->error_code, 0);
  ASSERT_EQ(r->api_keys.size(), 2u);
  EXPECT_EQ(r->api_keys.at(kApiVersions).min, 0);
  EXPECT_EQ(r->api_keys.at(kApiVersions).max, 4);
  EXPECT_EQ(r->api_keys.at(kDescribeQuorum).max, 2);
  EXPECT_EQ(r->finalized_features_epoch, 42);
  ASSERT_EQ(r->finalized_features.size(), 1u);
  EXPECT_EQ(r->finalized_features[0].name, "kraft.version");
  EXPECT_EQ(r->finalized_features[0].min, 0);
  EXPECT_EQ(r->finalized_features[0].max, 1);
  EXPECT_THAT(r->supported_features, IsEmpty());
  EXPECT_EQ(NegotiateVersion(r->api_keys, kDescribeQuorum), 2);
  EXPECT_EQ(NegotiateVersion(r->api_keys, kApiVersions), 4);
  EXPECT_EQ(NegotiateVersion(r->api_keys, kDescribeCluster), std::nullopt);
}

TEST(KafkaProtocolTest, ApiVersionsUnsupportedVersionIsReadAsV0) {
  // Asked at v4, answered in the v0 layout (KIP-511).
  absl::StatusOr<ApiVersionsResponse> r =
      DecodeApiVersionsResponse(4, golden::ApiVersionsUnsupportedV0());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->error_code, kUnsupportedVersion);
  EXPECT_EQ(r->api_keys.at(kApiVersions).max, 2);
}

TEST(KafkaProtocolTest, NegotiateVersionHonoursBothRanges) {
  std::map<int16_t, VersionRange> server = {{kDescribeCluster, {0, 1}},
                                            {kDescribeQuorum, {3, 9}},
                                            {kSaslHandshake, {0, 0}}};
  EXPECT_EQ(NegotiateVersion(server, kDescribeCluster), 1);
  EXPECT_EQ(NegotiateVersion(server, kDescribeQuorum), std::nullopt);
  EXPECT_EQ(NegotiateVersion(server, kSaslHandshake), std::nullopt);
}

TEST(KafkaProtocolTest, DescribeQuorumV2) {
  absl::StatusOr<DescribeQuorumResponse> r =
      DecodeDescribeQuorumResponse(2, golden::DescribeQuorumV2());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->error_code, 0);
  EXPECT_EQ(r->error_message, std::nullopt);
  ASSERT_EQ(r->topics.size(), 1u);
  EXPECT_EQ(r->topics[0].topic_name, "__cluster_metadata");
  ASSERT_EQ(r->topics[0].partitions.size(), 1u);
  const QuorumPartition& p = r->topics[0].partitions[0];
  EXPECT_EQ(p.leader_id, 1);
  EXPECT_EQ(p.leader_epoch, 5);
  EXPECT_EQ(p.high_watermark, 256);
  ASSERT_EQ(p.current_voters.size(), 2u);
  EXPECT_EQ(p.current_voters[0].replica_id, 1);
  EXPECT_EQ(p.current_voters[0].replica_directory_id, std::string(16, '\x11'));
  EXPECT_EQ(p.current_voters[0].log_end_offset, 256);
  EXPECT_EQ(p.current_voters[0].last_fetch_timestamp, -1);
  EXPECT_EQ(p.current_voters[0].last_caught_up_timestamp, 1700000000000);
  EXPECT_EQ(p.current_voters[1].replica_id, 2);
  EXPECT_EQ(p.current_voters[1].log_end_offset, 250);
  EXPECT_EQ(p.current_voters[1].last_fetch_timestamp, 1699999999900);
  EXPECT_EQ(p.current_voters[1].last_caught_up_timestamp, 1699999999850);
  ASSERT_EQ(p.observers.size(), 1u);
  EXPECT_EQ(p.observers[0].replica_id, 3);
  ASSERT_EQ(r->nodes.size(), 1u);
  EXPECT_EQ(r->nodes[0].node_id, 1);
  ASSERT_EQ(r->nodes[0].listeners.size(), 1u);
  EXPECT_EQ(r->nodes[0].listeners[0].name, "CONTROLLER");
  EXPECT_EQ(r->nodes[0].listeners[0].host, "127.0.0.1");
  EXPECT_EQ(r->nodes[0].listeners[0].port, 19192);
}

TEST(KafkaProtocolTest, DescribeQuorumV1) {
  absl::StatusOr<DescribeQuorumResponse> r =
      DecodeDescribeQuorumResponse(1, golden::DescribeQuorumV1());
  ASSERT_THAT(r, IsOk());
  const QuorumPartition& p = r->topics.at(0).partitions.at(0);
  EXPECT_EQ(p.leader_id, 2);
  EXPECT_EQ(p.leader_epoch, 7);
  EXPECT_EQ(p.high_watermark, 99);
  ASSERT_EQ(p.current_voters.size(), 1u);
  EXPECT_EQ(p.current_voters[0].replica_directory_id, "");
  EXPECT_EQ(p.current_voters[0].last_caught_up_timestamp, 1700000000000);
  EXPECT_THAT(p.observers, IsEmpty());
  EXPECT_THAT(r->nodes, IsEmpty());
  // The same bytes are not a valid v2 answer.
  EXPECT_THAT(DecodeDescribeQuorumResponse(2, golden::DescribeQuorumV1()),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::_));
}

TEST(KafkaProtocolTest, DescribeQuorumV0NotLeader) {
  absl::StatusOr<DescribeQuorumResponse> r =
      DecodeDescribeQuorumResponse(0, golden::DescribeQuorumV0NotLeader());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->topics.at(0).partitions.at(0).error_code, kNotLeaderOrFollower);
  EXPECT_EQ(r->topics.at(0).partitions.at(0).leader_id, -1);
}

TEST(KafkaProtocolTest, DescribeClusterV2) {
  absl::StatusOr<DescribeClusterResponse> r =
      DecodeDescribeClusterResponse(2, golden::DescribeClusterV2());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->endpoint_type, kBrokers);
  EXPECT_EQ(r->cluster_id, "abc");
  EXPECT_EQ(r->controller_id, 2);
  ASSERT_EQ(r->brokers.size(), 2u);
  EXPECT_EQ(r->brokers[0].broker_id, 0);
  EXPECT_EQ(r->brokers[0].host, "h0");
  EXPECT_EQ(r->brokers[0].port, 9092);
  EXPECT_EQ(r->brokers[0].rack, std::nullopt);
  EXPECT_FALSE(r->brokers[0].is_fenced);
  EXPECT_EQ(r->brokers[1].rack, "r1");
  EXPECT_TRUE(r->brokers[1].is_fenced);
  EXPECT_EQ(r->cluster_authorized_operations,
            std::numeric_limits<int32_t>::min());
}

TEST(KafkaProtocolTest, DescribeClusterV0SkipsUnknownTags) {
  absl::StatusOr<DescribeClusterResponse> r = DecodeDescribeClusterResponse(
      0, golden::DescribeClusterV0WithUnknownTag());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->cluster_id, "xyz");
  ASSERT_EQ(r->brokers.size(), 1u);
  EXPECT_EQ(r->brokers[0].host, "127.0.0.1");
  EXPECT_FALSE(r->brokers[0].is_fenced);
}

TEST(KafkaProtocolTest, MetadataRequestAndResponseV12) {
  EXPECT_EQ(EncodeMetadataRequest(12, nullptr),
            golden::MetadataRequestV12AllTopics());
  const std::vector<std::string> topics = {"a"};
  // Topics: 1; TopicId zero (v10+); Name "a"; no tags; then the flags.
  EXPECT_EQ(EncodeMetadataRequest(12, &topics),
            golden::H("02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
                      "02 'a' 00 00 00 00"));
  // v10 still has IncludeClusterAuthorizedOperations; v9 has no TopicId.
  EXPECT_EQ(EncodeMetadataRequest(10, nullptr), golden::H("00 00 00 00 00"));
  EXPECT_EQ(EncodeMetadataRequest(9, &topics),
            golden::H("02 02 'a' 00 00 00 00 00"));

  auto r = DecodeMetadataResponse(12, golden::MetadataV12());
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->brokers.size(), 1u);
  EXPECT_EQ(r->brokers[0].host, "h0");
  EXPECT_EQ(r->brokers[0].port, 9092);
  EXPECT_EQ(r->brokers[0].rack, "a");
  EXPECT_EQ(r->cluster_id, "cid");
  EXPECT_EQ(r->controller_id, 0);
  ASSERT_EQ(r->topics.size(), 1u);
  EXPECT_EQ(r->topics[0].name, "test");
  EXPECT_EQ(r->topics[0].topic_id.size(), 16u);
  ASSERT_EQ(r->topics[0].partitions.size(), 1u);
  const MetadataPartition& p = r->topics[0].partitions[0];
  EXPECT_EQ(p.leader_id, 0);
  EXPECT_EQ(p.leader_epoch, 5);
  EXPECT_THAT(p.replica_nodes, ElementsAre(0, 1));
  EXPECT_THAT(p.isr_nodes, ElementsAre(0));
  EXPECT_THAT(p.offline_replicas, ElementsAre(1));
  EXPECT_THAT(DecodeMetadataResponse(8, golden::MetadataV12()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("v8")));
}

TEST(KafkaProtocolTest, ListPartitionReassignmentsV0) {
  absl::StatusOr<ListPartitionReassignmentsResponse> r =
      DecodeListPartitionReassignmentsResponse(
          0, golden::ListPartitionReassignmentsV0());
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->reassignments.size(), 1u);
  const PartitionReassignment& p = r->reassignments[0];
  EXPECT_EQ(p.topic, "t");
  EXPECT_EQ(p.partition, 1);
  EXPECT_THAT(p.replicas, ElementsAre(0, 1, 2));
  EXPECT_THAT(p.adding_replicas, ElementsAre(2));
  EXPECT_THAT(p.removing_replicas, IsEmpty());
}

TEST(KafkaProtocolTest, SaslResponses) {
  absl::StatusOr<SaslHandshakeResponse> hs =
      DecodeSaslHandshakeResponse(1, golden::SaslHandshakeV1Refused());
  ASSERT_THAT(hs, IsOk());
  EXPECT_EQ(hs->error_code, kUnsupportedSaslMechanism);
  EXPECT_THAT(hs->mechanisms, ElementsAre("PLAIN", "SCRAM-SHA-256"));

  absl::StatusOr<SaslAuthenticateResponse> a2 =
      DecodeSaslAuthenticateResponse(2, golden::SaslAuthenticateV2());
  ASSERT_THAT(a2, IsOk());
  EXPECT_EQ(a2->auth_bytes, "xyz");
  EXPECT_EQ(a2->session_lifetime_ms, 3600);

  absl::StatusOr<SaslAuthenticateResponse> a0 =
      DecodeSaslAuthenticateResponse(0, golden::SaslAuthenticateV0Failed());
  ASSERT_THAT(a0, IsOk());
  EXPECT_EQ(a0->error_code, kSaslAuthenticationFailed);
  EXPECT_EQ(a0->error_message, "bad");
  EXPECT_EQ(a0->auth_bytes, "");
}

// --- Malformed input
// ------------------------------------------------------------

struct GoldenCase {
  const char* name;
  std::function<absl::Status(absl::string_view)> decode;
  std::string bytes;
};

std::vector<GoldenCase> AllGolden() {
  auto wrap = [](auto fn) {
    return [fn](absl::string_view b) { return fn(b).status(); };
  };
  return {
      {"ApiVersionsV3", wrap([](absl::string_view b) {
         return DecodeApiVersionsResponse(3, b);
       }),
       golden::ApiVersionsV3()},
      {"ApiVersionsUnsupportedV0", wrap([](absl::string_view b) {
         return DecodeApiVersionsResponse(4, b);
       }),
       golden::ApiVersionsUnsupportedV0()},
      {"DescribeQuorumV2", wrap([](absl::string_view b) {
         return DecodeDescribeQuorumResponse(2, b);
       }),
       golden::DescribeQuorumV2()},
      {"DescribeQuorumV1", wrap([](absl::string_view b) {
         return DecodeDescribeQuorumResponse(1, b);
       }),
       golden::DescribeQuorumV1()},
      {"DescribeQuorumV0", wrap([](absl::string_view b) {
         return DecodeDescribeQuorumResponse(0, b);
       }),
       golden::DescribeQuorumV0NotLeader()},
      {"DescribeClusterV2", wrap([](absl::string_view b) {
         return DecodeDescribeClusterResponse(2, b);
       }),
       golden::DescribeClusterV2()},
      {"DescribeClusterV0", wrap([](absl::string_view b) {
         return DecodeDescribeClusterResponse(0, b);
       }),
       golden::DescribeClusterV0WithUnknownTag()},
      {"MetadataV12", wrap([](absl::string_view b) {
         return DecodeMetadataResponse(12, b);
       }),
       golden::MetadataV12()},
      {"ListPartitionReassignmentsV0", wrap([](absl::string_view b) {
         return DecodeListPartitionReassignmentsResponse(0, b);
       }),
       golden::ListPartitionReassignmentsV0()},
      {"SaslHandshakeV1", wrap([](absl::string_view b) {
         return DecodeSaslHandshakeResponse(1, b);
       }),
       golden::SaslHandshakeV1Refused()},
      {"SaslAuthenticateV2", wrap([](absl::string_view b) {
         return DecodeSaslAuthenticateResponse(2, b);
       }),
       golden::SaslAuthenticateV2()},
      {"SaslAuthenticateV0", wrap([](absl::string_view b) {
         return DecodeSaslAuthenticateResponse(0, b);
       }),
       golden::SaslAuthenticateV0Failed()},
  };
}

TEST(KafkaProtocolTest, EveryTruncationOfEveryGoldenResponseIsAnError) {
  for (const GoldenCase& c : AllGolden()) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(c.decode(c.bytes), IsOk());
    for (size_t n = 0; n < c.bytes.size(); ++n) {
      absl::Status s = c.decode(absl::string_view(c.bytes).substr(0, n));
      EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << n << ": " << s;
    }
    EXPECT_THAT(c.decode(c.bytes + "x"),
                StatusIs(absl::StatusCode::kDataLoss,
                         HasSubstr("1 unexpected bytes at the end")));
  }
}

TEST(KafkaProtocolTest, TruncationNamesTheField) {
  const std::string b = golden::DescribeQuorumV2();
  // Cut inside node 1's listener port (2 bytes, 1 left).
  const size_t port = b.find(H("4a f8"));
  ASSERT_NE(port, std::string::npos);
  EXPECT_THAT(
      DecodeDescribeQuorumResponse(2, absl::string_view(b).substr(0, port + 1)),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr(absl::StrCat("Listener.Port needs 2 bytes at offset ",
                                      port, ", 1 left"))));
  // An array that cannot fit in what is left fails before it is read.
  EXPECT_THAT(
      DecodeDescribeQuorumResponse(2, absl::string_view(b).substr(0, 40)),
      StatusIs(absl::StatusCode::kDataLoss,
               HasSubstr("DescribeQuorum.Topics.Partitions claims 1 "
                         "elements but only 16 bytes are left")));
}

TEST(KafkaProtocolTest, HostileLengthsAreRejectedBeforeAllocating) {
  // Brokers: compact array of 2^32 - 2 elements, in 5 bytes.
  std::string b = H("00 00 00 00 00 00 00 04 'abc' 00 00 00 02 ff ff ff ff 0f");
  EXPECT_THAT(DecodeDescribeClusterResponse(0, b),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("claims 4294967294 elements")));
  // Classic array with a negative count.
  EXPECT_THAT(DecodeSaslHandshakeResponse(1, H("00 00 ff ff ff fe")),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("length -2")));
  // A varint longer than 32 bits.
  EXPECT_THAT(DecodeDescribeClusterResponse(
                  0, H("00 00 00 00 00 00 ff ff ff ff ff 01")),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("varint longer than 32 bits")));
  // A string longer than Kafka ever sends.
  EXPECT_THAT(
      DecodeDescribeClusterResponse(0, H("00 00 00 00 00 00 81 80 02")),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("has length 32768")));
}

TEST(KafkaProtocolTest, NullWhereTheSpecForbidsIt) {
  // ClusterId (not nullable) encoded as null.
  EXPECT_THAT(DecodeDescribeClusterResponse(0, H("00 00 00 00 00 00 00 00")),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("DescribeCluster.ClusterId is null")));
  // A null Topics array in DescribeQuorum.
  EXPECT_THAT(DecodeDescribeQuorumResponse(1, H("00 00 00 00")),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("DescribeQuorum.Topics is null")));
}

TEST(KafkaProtocolTest, BadBooleanAndTagOrder) {
  std::string fenced = golden::DescribeClusterV2();
  // Broker 1's IsFenced byte (01) -> 02.
  const size_t at = fenced.find(H("03 'r1' 01")) + 3;
  fenced[at] = 2;
  EXPECT_THAT(DecodeDescribeClusterResponse(2, fenced),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("Broker.IsFenced is 2, not a boolean")));
  // Tagged fields must come in increasing tag order.
  std::string tags = golden::DescribeClusterV0WithUnknownTag();
  tags.replace(tags.size() - 6, 6, H("02 07 00 03 00"));
  EXPECT_THAT(DecodeDescribeClusterResponse(0, tags),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("out of order")));
}

// --- Primitives
// ---------------------------------------------------------------------

TEST(KafkaProtocolTest, PrimitiveRoundTrips) {
  Writer w;
  w.Int8(-5);
  w.Int16(-2);
  w.Int32(std::numeric_limits<int32_t>::min());
  w.Int64(std::numeric_limits<int64_t>::max());
  for (uint32_t v : {0u, 127u, 128u, 16383u, 16384u, 0xffffffffu}) {
    w.UnsignedVarint(v);
  }
  w.String("héllo");
  w.NullableString(std::nullopt);
  w.CompactString("");
  w.CompactNullableString(std::nullopt);
  w.Bytes(std::string("\0\1", 2));
  w.CompactBytes("zz");
  w.Bool(true);
  Reader r(w.data());
  EXPECT_EQ(r.Int8("a"), -5);
  EXPECT_EQ(r.Int16("b"), -2);
  EXPECT_EQ(r.Int32("c"), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(r.Int64("d"), std::numeric_limits<int64_t>::max());
  for (uint32_t v : {0u, 127u, 128u, 16383u, 16384u, 0xffffffffu}) {
    EXPECT_EQ(r.UnsignedVarint("v"), v);
  }
  EXPECT_EQ(r.String("s"), "héllo");
  EXPECT_EQ(r.NullableString("n"), std::nullopt);
  EXPECT_EQ(r.CompactString("cs"), "");
  EXPECT_EQ(r.CompactNullableString("cn"), std::nullopt);
  EXPECT_EQ(r.Bytes("by"), std::string("\0\1", 2));
  EXPECT_EQ(r.CompactBytes("cb"), "zz");
  EXPECT_TRUE(r.Bool("bo"));
  EXPECT_THAT(r.Finish("all"), IsOk());
}

TEST(KafkaProtocolTest, VarintBytes) {
  Writer w;
  w.UnsignedVarint(300);  // 0b1_0010_1100 -> ac 02
  EXPECT_EQ(w.data(), H("ac 02"));
}

TEST(KafkaProtocolTest, ErrorAndApiNames) {
  EXPECT_EQ(ErrorName(-1), "UNKNOWN_SERVER_ERROR");
  EXPECT_EQ(ErrorName(0), "NONE");
  EXPECT_EQ(ErrorName(6), "NOT_LEADER_OR_FOLLOWER");
  EXPECT_EQ(ErrorName(58), "SASL_AUTHENTICATION_FAILED");
  EXPECT_EQ(ErrorName(115), "UNSUPPORTED_ENDPOINT_TYPE");
  EXPECT_EQ(ErrorName(136), "CONTROLLER_ID_NOT_REGISTERED");
  EXPECT_EQ(ErrorName(999), "UNKNOWN_ERROR_CODE(999)");
  EXPECT_EQ(ErrorName(-7), "UNKNOWN_ERROR_CODE(-7)");
  EXPECT_EQ(ApiKeyName(55), "DescribeQuorum");
  EXPECT_EQ(ApiKeyName(999), "ApiKey(999)");
}

}  // namespace
}  // namespace wire
}  // namespace kafka_agent
