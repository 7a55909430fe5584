// Golden Kafka response bodies, derived by hand from Apache Kafka's message
// specs (clients/src/main/resources/common/message/*.json in kafka-clients
// 4.4.0). Each line says which field its bytes encode. Used by the unit tests
// and, with a selector byte in front, as the fuzzer's seed corpus
// (tests/fuzz/corpus/).
//
// Encodings: intN big-endian; "compact" strings/arrays carry uvarint(len+1),
// 0 = null; every flexible struct ends with a tagged-field section (uvarint
// count, then tag/size/bytes), 00 when empty.
#ifndef KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_GOLDEN_H_
#define KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_GOLDEN_H_

#include <cctype>
#include <string>

namespace kafka_agent {
namespace wire {
namespace golden {

// Bytes from hex pairs ("00 37"), with 'text' runs as ASCII: H("03 'ab'").
inline std::string H(const char* spec) {
  std::string out;
  for (const char* p = spec; *p != '\0';) {
    if (*p == '\'') {
      for (++p; *p != '\0' && *p != '\''; ++p) out.push_back(*p);
      if (*p == '\'') ++p;
    } else if (std::isxdigit(static_cast<unsigned char>(*p)) &&
               std::isxdigit(static_cast<unsigned char>(p[1]))) {
      out.push_back(
          static_cast<char>(std::stoi(std::string(p, 2), nullptr, 16)));
      p += 2;
    } else {
      ++p;
    }
  }
  return out;
}

// ApiVersions v3 response body (header v0 is not part of it).
inline std::string ApiVersionsV3() {
  return H(
      "00 00 "                    // ErrorCode NONE
      "03 "                       // ApiKeys: compact array, 2 entries
      "00 12 00 00 00 04 00 "     //   ApiKey 18 (ApiVersions) v0-4, no tags
      "00 37 00 00 00 02 00 "     //   ApiKey 55 (DescribeQuorum) v0-2, no tags
      "00 00 00 00 "              // ThrottleTimeMs 0
      "02 "                       // tagged fields: 2
      "01 08 "                    // tag 1 FinalizedFeaturesEpoch, 8 bytes:
      "00 00 00 00 00 00 00 2a "  //   42
      "02 14 "                    // tag 2 FinalizedFeatures, 20 bytes:
      "02 "                       //   compact array, 1 entry
      "0e 'kraft.version' "       //   Name (13 chars)
      "00 01 "                    //   MaxVersionLevel 1
      "00 00 "                    //   MinVersionLevel 0
      "00");                      //   no tags
}

// What a broker answers to an ApiVersions version it does not support: the v0
// layout (KIP-511), listing its own ApiVersions range.
inline std::string ApiVersionsUnsupportedV0() {
  return H(
      "00 23 "               // ErrorCode 35 UNSUPPORTED_VERSION
      "00 00 00 01 "         // ApiKeys: int32 count 1
      "00 12 00 00 00 02");  //   ApiKey 18 v0-2
}

// DescribeQuorum v2 response body: leader 1, epoch 5, HW 256, voters 1 and 2,
// observer 3, node 1's CONTROLLER listener.
inline std::string DescribeQuorumV2() {
  return H(
      "00 00 "                    // ErrorCode NONE
      "00 "                       // ErrorMessage null (v2+)
      "02 "                       // Topics: 1
      "13 '__cluster_metadata' "  //   TopicName (18 chars)
      "02 "                       //   Partitions: 1
      "00 00 00 00 "              //     PartitionIndex 0
      "00 00 "                    //     ErrorCode NONE
      "00 "                       //     ErrorMessage null (v2+)
      "00 00 00 01 "              //     LeaderId 1
      "00 00 00 05 "              //     LeaderEpoch 5
      "00 00 00 00 00 00 01 00 "  //     HighWatermark 256
      "03 "                       //     CurrentVoters: 2
      "00 00 00 01 "              //       ReplicaId 1
      "11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 "  // ReplicaDirectoryId
      "00 00 00 00 00 00 01 00 "  //       LogEndOffset 256
      "ff ff ff ff ff ff ff ff "  //       LastFetchTimestamp -1 (the leader)
      "00 00 01 8b cf e5 68 00 "  //       LastCaughtUpTimestamp 1700000000000
      "00 "                       //       no tags
      "00 00 00 02 "              //       ReplicaId 2
      "22 22 22 22 22 22 22 22 22 22 22 22 22 22 22 22 "  // ReplicaDirectoryId
      "00 00 00 00 00 00 00 fa "  //       LogEndOffset 250
      "00 00 01 8b cf e5 67 9c "  //       LastFetchTimestamp 1699999999900
      "00 00 01 8b cf e5 67 6a "  //       LastCaughtUpTimestamp 1699999999850
      "00 "                       //       no tags
      "02 "                       //     Observers: 1
      "00 00 00 03 "              //       ReplicaId 3
      "33 33 33 33 33 33 33 33 33 33 33 33 33 33 33 33 "  // ReplicaDirectoryId
      "00 00 00 00 00 00 01 00 "  //       LogEndOffset 256
      "00 00 01 8b cf e5 67 9c "  //       LastFetchTimestamp 1699999999900
      "00 00 01 8b cf e5 67 9c "  //       LastCaughtUpTimestamp 1699999999900
      "00 "                       //       no tags
      "00 "                       //     PartitionData: no tags
      "00 "                       //   TopicData: no tags
      "02 "                       // Nodes: 1 (v2+)
      "00 00 00 01 "              //   NodeId 1
      "02 "                       //   Listeners: 1
      "0b 'CONTROLLER' "          //     Name (10 chars)
      "0a '127.0.0.1' "           //     Host (9 chars)
      "4a f8 "                    //     Port 19192 (uint16)
      "00 "                       //     no tags
      "00 "                       //   Node: no tags
      "00");                      // no tags
}

// DescribeQuorum v1: no error messages, directory ids or nodes.
inline std::string DescribeQuorumV1() {
  return H(
      "00 00 "                    // ErrorCode NONE
      "02 "                       // Topics: 1
      "13 '__cluster_metadata' "  //   TopicName
      "02 "                       //   Partitions: 1
      "00 00 00 00 "              //     PartitionIndex 0
      "00 00 "                    //     ErrorCode NONE
      "00 00 00 02 "              //     LeaderId 2
      "00 00 00 07 "              //     LeaderEpoch 7
      "00 00 00 00 00 00 00 63 "  //     HighWatermark 99
      "02 "                       //     CurrentVoters: 1
      "00 00 00 02 "              //       ReplicaId 2
      "00 00 00 00 00 00 00 63 "  //       LogEndOffset 99
      "ff ff ff ff ff ff ff ff "  //       LastFetchTimestamp -1
      "00 00 01 8b cf e5 68 00 "  //       LastCaughtUpTimestamp 1700000000000
      "00 "                       //       no tags
      "01 "                       //     Observers: 0
      "00 "                       //     PartitionData: no tags
      "00 "                       //   TopicData: no tags
      "00");                      // no tags
}

// DescribeQuorum v0 from a non-leader controller: partition error 6.
inline std::string DescribeQuorumV0NotLeader() {
  return H(
      "00 00 "                    // ErrorCode NONE
      "02 "                       // Topics: 1
      "13 '__cluster_metadata' "  //   TopicName
      "02 "                       //   Partitions: 1
      "00 00 00 00 "              //     PartitionIndex 0
      "00 06 "                    //     ErrorCode 6 NOT_LEADER_OR_FOLLOWER
      "ff ff ff ff "              //     LeaderId -1
      "ff ff ff ff "              //     LeaderEpoch -1
      "ff ff ff ff ff ff ff ff "  //     HighWatermark -1
      "01 "                       //     CurrentVoters: 0
      "01 "                       //     Observers: 0
      "00 "                       //     no tags
      "00 "                       //   no tags
      "00");                      // no tags
}

// DescribeCluster v2 response body: cluster "abc", controller 2, broker 0
// (h0:9092, no rack, unfenced) and broker 1 (h1:9092, rack r1, fenced).
inline std::string DescribeClusterV2() {
  return H(
      "00 00 00 00 "  // ThrottleTimeMs 0
      "00 00 "        // ErrorCode NONE
      "00 "           // ErrorMessage null
      "01 "           // EndpointType 1 = brokers (v1+)
      "04 'abc' "     // ClusterId
      "00 00 00 02 "  // ControllerId 2
      "03 "           // Brokers: 2
      "00 00 00 00 "  //   BrokerId 0
      "03 'h0' "      //   Host
      "00 00 23 84 "  //   Port 9092
      "00 "           //   Rack null
      "00 "           //   IsFenced false (v2+)
      "00 "           //   no tags
      "00 00 00 01 "  //   BrokerId 1
      "03 'h1' "      //   Host
      "00 00 23 84 "  //   Port 9092
      "03 'r1' "      //   Rack "r1"
      "01 "           //   IsFenced true
      "00 "           //   no tags
      "80 00 00 00 "  // ClusterAuthorizedOperations INT32_MIN
      "00");          // no tags
}

// Metadata v12 (MetadataResponse.json): one broker with a rack, one topic
// of one partition, leader 0, replicas [0,1], ISR [0], offline [1].
inline std::string MetadataV12() {
  return H(
      "00 00 00 00 "  // ThrottleTimeMs 0
      "02 "           // Brokers: 1
      "00 00 00 00 "  //   NodeId 0
      "03 'h0' "      //   Host
      "00 00 23 84 "  //   Port 9092
      "02 'a' "       //   Rack "a"
      "00 "           //   no tags
      "04 'cid' "     // ClusterId "cid"
      "00 00 00 00 "  // ControllerId 0
      "02 "           // Topics: 1
      "00 00 "        //   ErrorCode NONE
      "05 'test' "    //   Name "test" (nullable v12+)
      "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 07 "  // TopicId (v10+)
      "00 "           //   IsInternal false
      "02 "           //   Partitions: 1
      "00 00 "        //     ErrorCode NONE
      "00 00 00 00 "  //     PartitionIndex 0
      "00 00 00 00 "  //     LeaderId 0
      "00 00 00 05 "  //     LeaderEpoch 5
      "03 00 00 00 00 00 00 00 01 "  // ReplicaNodes [0,1]
      "02 00 00 00 00 "              // IsrNodes [0]
      "02 00 00 00 01 "              // OfflineReplicas [1]
      "00 "           //     no tags
      "80 00 00 00 "  //   TopicAuthorizedOperations INT32_MIN
      "00 "           //   no tags
      "00");          // no tags (v11+: no ClusterAuthorizedOperations)
}

// The Metadata v12 request for every topic: Topics null, no auto-creation,
// no authorized operations.
inline std::string MetadataRequestV12AllTopics() {
  return H("00 "   // Topics: null (compact)
           "00 "   // AllowAutoTopicCreation false
           "00 "   // IncludeTopicAuthorizedOperations false
           "00");  // no tags
}

// DescribeCluster v0: no EndpointType, no IsFenced; plus an unknown tagged
// field (tag 7, 3 bytes) at the end, which a reader must skip.
inline std::string DescribeClusterV0WithUnknownTag() {
  return H(
      "00 00 00 00 "         // ThrottleTimeMs 0
      "00 00 "               // ErrorCode NONE
      "00 "                  // ErrorMessage null
      "04 'xyz' "            // ClusterId
      "00 00 00 00 "         // ControllerId 0
      "02 "                  // Brokers: 1
      "00 00 00 00 "         //   BrokerId 0
      "0a '127.0.0.1' "      //   Host
      "00 00 23 84 "         //   Port 9092
      "00 "                  //   Rack null
      "00 "                  //   no tags
      "80 00 00 00 "         // ClusterAuthorizedOperations INT32_MIN
      "01 07 03 aa bb cc");  // tagged fields: 1; tag 7, 3 bytes
}

// ListPartitionReassignments v0 response body: t-1 moving from [0,1] to
// [0,1,2] (adding 2).
inline std::string ListPartitionReassignmentsV0() {
  return H(
      "00 00 00 00 "                             // ThrottleTimeMs 0
      "00 00 "                                   // ErrorCode NONE
      "00 "                                      // ErrorMessage null
      "02 "                                      // Topics: 1
      "02 't' "                                  //   Name
      "02 "                                      //   Partitions: 1
      "00 00 00 01 "                             //     PartitionIndex 1
      "04 00 00 00 00 00 00 00 01 00 00 00 02 "  // Replicas [0,1,2]
      "02 00 00 00 02 "                          //     AddingReplicas [2]
      "01 "                                      //     RemovingReplicas []
      "00 "                                      //     no tags
      "00 "                                      //   no tags
      "00");                                     // no tags
}

// SaslHandshake v1 response (not flexible): mechanism refused, the listener
// offers PLAIN and SCRAM-SHA-256.
inline std::string SaslHandshakeV1Refused() {
  return H(
      "00 21 "                   // ErrorCode 33 UNSUPPORTED_SASL_MECHANISM
      "00 00 00 02 "             // Mechanisms: int32 count 2
      "00 05 'PLAIN' "           //   classic string
      "00 0d 'SCRAM-SHA-256'");  //   classic string
}

// SaslAuthenticate v2 response (flexible): auth bytes "xyz", session
// lifetime 3600 ms.
inline std::string SaslAuthenticateV2() {
  return H(
      "00 00 "                    // ErrorCode NONE
      "00 "                       // ErrorMessage null
      "04 'xyz' "                 // AuthBytes: compact bytes
      "00 00 00 00 00 00 0e 10 "  // SessionLifetimeMs 3600 (v1+)
      "00");                      // no tags
}

// SaslAuthenticate v0 response: authentication failed, message "bad".
inline std::string SaslAuthenticateV0Failed() {
  return H(
      "00 3a "         // ErrorCode 58 SASL_AUTHENTICATION_FAILED
      "00 03 'bad' "   // ErrorMessage: classic nullable string
      "00 00 00 00");  // AuthBytes: int32 length 0
}

}  // namespace golden
}  // namespace wire
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_TESTS_UNIT_SIDECAR_KAFKA_GOLDEN_H_
