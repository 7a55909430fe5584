// The Kafka wire protocol for the few admin requests the agent needs and
// librdkafka 2.0.2 lacks (DescribeQuorum, DescribeCluster v1+,
// ListPartitionReassignments), plus what a connection needs around them
// (ApiVersions, SaslHandshake, SaslAuthenticate). Pure encode/decode: no I/O,
// so every decoder can be fuzzed. A malformed or truncated response is an
// InvalidArgument/DataLoss Status naming the field, never a crash; Kafka's own
// error codes are returned as data (the caller decides what they mean).
//
// Field layouts follow Apache Kafka's message specs
// (clients/src/main/resources/common/message/*.json, as shipped in
// kafka-clients 4.4.0).
#ifndef KAFKA_AGENT_AGENT_SIDECAR_KAFKA_PROTOCOL_H_
#define KAFKA_AGENT_AGENT_SIDECAR_KAFKA_PROTOCOL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kafka_agent {
namespace wire {

// API keys (the "apiKey" of each spec).
enum ApiKey : int16_t {
  kMetadata = 3,
  kSaslHandshake = 17,
  kApiVersions = 18,
  kSaslAuthenticate = 36,
  kListPartitionReassignments = 46,
  kDescribeQuorum = 55,
  kDescribeCluster = 60,
};

// "DescribeQuorum", ... or "ApiKey(N)".
std::string ApiKeyName(int16_t api_key);

// The versions of each request this client can encode and decode.
struct VersionRange {
  int16_t min = 0;
  int16_t max = -1;  // max < min: none
};
VersionRange ClientVersions(int16_t api_key);

// Whether `version` of `api_key` uses the flexible encoding (compact strings
// and arrays, tagged fields) and therefore request header v2 / response
// header v1 (ApiVersions responses always use header v0).
bool IsFlexible(int16_t api_key, int16_t version);

// Kafka error codes used by the client's own logic.
enum ErrorCode : int16_t {
  kNone = 0,
  kNotLeaderOrFollower = 6,
  kRequestTimedOut = 7,
  kClusterAuthorizationFailed = 31,
  kUnsupportedSaslMechanism = 33,
  kIllegalSaslState = 34,
  kUnsupportedVersion = 35,
  kNotController = 41,
  kSaslAuthenticationFailed = 58,
  kMismatchedEndpointType = 114,
  kUnsupportedEndpointType = 115,
};

// "NOT_LEADER_OR_FOLLOWER", ... (Kafka's Errors enum) or
// "UNKNOWN_ERROR_CODE(N)".
std::string ErrorName(int16_t code);

// --- Primitive encoding ------------------------------------------------------

// Appends big-endian integers, strings and arrays in both the classic and the
// flexible ("compact") encodings.
class Writer {
 public:
  void Int8(int8_t v);
  void Int16(int16_t v);
  void Int32(int32_t v);
  void Int64(int64_t v);
  void Bool(bool v) { Int8(v ? 1 : 0); }
  void UnsignedVarint(uint32_t v);
  // int16 length + bytes; null as length -1.
  void String(absl::string_view s);
  void NullableString(const std::optional<std::string>& s);
  // uvarint (length + 1) + bytes; null as 0.
  void CompactString(absl::string_view s);
  void CompactNullableString(const std::optional<std::string>& s);
  // int32 length + bytes / uvarint (length + 1) + bytes.
  void Bytes(absl::string_view b);
  void CompactBytes(absl::string_view b);
  // Array lengths: int32 n (null -1) / uvarint n + 1 (null 0).
  void ArrayLength(int32_t n);
  void CompactArrayLength(int32_t n);  // n < 0: null
  // An empty tagged-field section (uvarint 0).
  void EmptyTaggedFields() { UnsignedVarint(0); }
  void Raw(absl::string_view b) { out_.append(b.data(), b.size()); }

  const std::string& data() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads the same, bounds-checked. The first failure sticks: later reads
// return zero values and status() names the first field that did not fit.
// Array lengths larger than the bytes left are rejected before anything is
// allocated, so a hostile length cannot make the reader allocate gigabytes.
class Reader {
 public:
  explicit Reader(absl::string_view data) : data_(data) {}

  int8_t Int8(const char* field);
  int16_t Int16(const char* field);
  int32_t Int32(const char* field);
  int64_t Int64(const char* field);
  uint16_t Uint16(const char* field);
  bool Bool(const char* field);
  uint32_t UnsignedVarint(const char* field);
  std::string Uuid(const char* field);    // 16 raw bytes
  std::string String(const char* field);  // non-null
  std::optional<std::string> NullableString(const char* field);
  std::string CompactString(const char* field);  // non-null
  std::optional<std::string> CompactNullableString(const char* field);
  std::string Bytes(const char* field);
  std::string CompactBytes(const char* field);
  // Element count; -1 for a null array (only where the spec allows it,
  // i.e. `nullable`), 0 after a failure. `min_element_size` bytes per element
  // at least are checked against what is left.
  int32_t ArrayLength(const char* field, int min_element_size,
                      bool nullable = false);
  int32_t CompactArrayLength(const char* field, int min_element_size,
                             bool nullable = false);
  // Skips a tagged-field section, handing each known tag's bytes to
  // `on_tag(tag, reader)`; unknown tags are skipped, as the spec requires.
  template <typename F>
  void TaggedFields(const char* where, F on_tag);
  void SkipTaggedFields(const char* where) {
    TaggedFields(where, [](uint32_t, Reader&) {});
  }

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  // Fails unless every byte was consumed.
  absl::Status Finish(const char* what);
  // Records a failure (the first one wins).
  void Fail(absl::Status s);

 private:
  bool Need(size_t n, const char* field);
  absl::string_view Take(size_t n);

  absl::string_view data_;
  size_t pos_ = 0;
  absl::Status status_;
};

template <typename F>
void Reader::TaggedFields(const char* where, F on_tag) {
  uint32_t n = UnsignedVarint(where);
  if (!ok()) return;
  if (n > remaining()) {
    Fail(absl::DataLossError(absl::StrCat(where, ": ", n,
                                          " tagged fields but only ",
                                          remaining(), " bytes left")));
    return;
  }
  int64_t last_tag = -1;
  for (uint32_t i = 0; i < n && ok(); ++i) {
    uint32_t tag = UnsignedVarint(where);
    uint32_t size = UnsignedVarint(where);
    if (!ok()) return;
    if (static_cast<int64_t>(tag) <= last_tag) {
      Fail(absl::DataLossError(
          absl::StrCat(where, ": tagged field ", tag, " out of order")));
      return;
    }
    last_tag = tag;
    if (!Need(size, where)) return;
    Reader sub(Take(size));
    on_tag(tag, sub);
    if (!sub.ok()) {
      Fail(sub.status());
      return;
    }
  }
}

// --- Framing -----------------------------------------------------------------

// A whole request as sent on the socket: int32 size, request header (v1, or
// v2 for flexible versions: client_id stays a classic nullable string, then
// an empty tagged-field section), body.
std::string EncodeRequestFrame(int16_t api_key, int16_t version,
                               int32_t correlation_id,
                               absl::string_view client_id,
                               absl::string_view body);

// Strips the response header from a response frame's payload (the bytes
// after the int32 size): header v0 = correlation id; v1 (flexible versions,
// except ApiVersions) adds tagged fields. Returns the body; fails if the
// correlation id is not `expected_correlation_id`.
absl::StatusOr<absl::string_view> StripResponseHeader(
    int16_t api_key, int16_t version, int32_t expected_correlation_id,
    absl::string_view payload);

// --- ApiVersions (key 18), versions 0-4 --------------------------------------

std::string EncodeApiVersionsRequest(int16_t version,
                                     absl::string_view software_name,
                                     absl::string_view software_version);

struct FeatureRange {
  std::string name;
  int16_t min = 0;
  int16_t max = 0;
};

struct ApiVersionsResponse {
  int16_t error_code = 0;
  std::map<int16_t, VersionRange> api_keys;
  int32_t throttle_time_ms = 0;
  // Tagged fields of v3+ (empty / -1 when absent).
  std::vector<FeatureRange> supported_features;
  int64_t finalized_features_epoch = -1;
  std::vector<FeatureRange> finalized_features;  // min/max version levels
};

// Decodes the body of an ApiVersions response to a `version` request. A
// broker that does not support `version` answers UNSUPPORTED_VERSION in the
// v0 layout (KIP-511): that is detected from the error code (the first field
// of every version) and decoded as v0, so the caller can retry.
absl::StatusOr<ApiVersionsResponse> DecodeApiVersionsResponse(
    int16_t version, absl::string_view body);

// The highest version both sides support, or nullopt.
std::optional<int16_t> NegotiateVersion(
    const std::map<int16_t, VersionRange>& server, int16_t api_key);

// --- DescribeQuorum (key 55), versions 0-2 -----------------------------------

// The KRaft metadata log: topic __cluster_metadata, partition 0.
inline constexpr char kMetadataTopic[] = "__cluster_metadata";

std::string EncodeDescribeQuorumRequest(int16_t version);

struct ReplicaState {
  int32_t replica_id = -1;
  std::string replica_directory_id;  // 16 raw bytes (v2+), else empty
  int64_t log_end_offset = -1;
  // Leader wall-clock milliseconds since the epoch (v1+); -1 = unknown.
  int64_t last_fetch_timestamp = -1;
  int64_t last_caught_up_timestamp = -1;
};

struct QuorumListener {
  std::string name;
  std::string host;
  uint16_t port = 0;
};

struct QuorumNode {
  int32_t node_id = -1;
  std::vector<QuorumListener> listeners;
};

struct QuorumPartition {
  int32_t partition_index = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;  // v2+
  int32_t leader_id = -1;
  int32_t leader_epoch = -1;
  int64_t high_watermark = -1;
  std::vector<ReplicaState> current_voters;
  std::vector<ReplicaState> observers;
};

struct QuorumTopic {
  std::string topic_name;
  std::vector<QuorumPartition> partitions;
};

struct DescribeQuorumResponse {
  int16_t error_code = 0;
  std::optional<std::string> error_message;  // v2+
  std::vector<QuorumTopic> topics;
  std::vector<QuorumNode> nodes;  // v2+
};

absl::StatusOr<DescribeQuorumResponse> DecodeDescribeQuorumResponse(
    int16_t version, absl::string_view body);

// --- DescribeCluster (key 60), versions 0-2 ----------------------------------

enum EndpointType : int8_t { kBrokers = 1, kControllers = 2 };

// v0 ignores endpoint_type and include_fenced; v1 ignores include_fenced.
std::string EncodeDescribeClusterRequest(int16_t version,
                                         EndpointType endpoint_type,
                                         bool include_fenced_brokers);

struct ClusterBroker {
  int32_t broker_id = -1;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  bool is_fenced = false;  // v2+
};

struct DescribeClusterResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int8_t endpoint_type = kBrokers;  // v1+
  std::string cluster_id;
  int32_t controller_id = -1;
  std::vector<ClusterBroker> brokers;
  int32_t cluster_authorized_operations = INT32_MIN;
};

absl::StatusOr<DescribeClusterResponse> DecodeDescribeClusterResponse(
    int16_t version, absl::string_view body);

// --- Metadata (key 3), versions 9-13 (the flexible ones) ---------------------

// `topics` null: every topic. Never asks the broker to create a topic.
std::string EncodeMetadataRequest(int16_t version,
                                  const std::vector<std::string>* topics);

struct MetadataBroker {
  int32_t node_id = -1;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
};

struct MetadataPartition {
  int16_t error_code = 0;
  int32_t partition_index = 0;
  int32_t leader_id = -1;
  int32_t leader_epoch = -1;
  std::vector<int32_t> replica_nodes;
  std::vector<int32_t> isr_nodes;
  std::vector<int32_t> offline_replicas;
};

struct MetadataTopic {
  int16_t error_code = 0;
  std::string name;       // empty when the broker sent null (v12+)
  std::string topic_id;   // 16 raw bytes (v10+)
  bool is_internal = false;
  std::vector<MetadataPartition> partitions;
};

struct MetadataResponse {
  int32_t throttle_time_ms = 0;
  std::vector<MetadataBroker> brokers;
  std::optional<std::string> cluster_id;
  int32_t controller_id = -1;
  std::vector<MetadataTopic> topics;
  int16_t error_code = 0;  // v13+
};

absl::StatusOr<MetadataResponse> DecodeMetadataResponse(int16_t version,
                                                        absl::string_view body);

// --- ListPartitionReassignments (key 46), version 0 --------------------------

// Topics = null: every reassignment in progress.
std::string EncodeListPartitionReassignmentsRequest(int16_t version,
                                                    int32_t timeout_ms);

struct PartitionReassignment {
  std::string topic;
  int32_t partition = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> adding_replicas;
  std::vector<int32_t> removing_replicas;
};

struct ListPartitionReassignmentsResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  // Flattened: one entry per partition, in response order.
  std::vector<PartitionReassignment> reassignments;
};

absl::StatusOr<ListPartitionReassignmentsResponse>
DecodeListPartitionReassignmentsResponse(int16_t version,
                                         absl::string_view body);

// --- SaslHandshake (key 17), version 1 ---------------------------------------

std::string EncodeSaslHandshakeRequest(int16_t version,
                                       absl::string_view mechanism);

struct SaslHandshakeResponse {
  int16_t error_code = 0;
  std::vector<std::string> mechanisms;
};

absl::StatusOr<SaslHandshakeResponse> DecodeSaslHandshakeResponse(
    int16_t version, absl::string_view body);

// --- SaslAuthenticate (key 36), versions 0-2 ---------------------------------

std::string EncodeSaslAuthenticateRequest(int16_t version,
                                          absl::string_view auth_bytes);

struct SaslAuthenticateResponse {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::string auth_bytes;
  int64_t session_lifetime_ms = 0;  // v1+; 0 = no limit
};

absl::StatusOr<SaslAuthenticateResponse> DecodeSaslAuthenticateResponse(
    int16_t version, absl::string_view body);

}  // namespace wire
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_AGENT_SIDECAR_KAFKA_PROTOCOL_H_
