#include "agent/sidecar/kafka_protocol.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agent/base/status_macros.h"

namespace kafka_agent {
namespace wire {
namespace {

// Kafka's Errors enum, codes -1 .. 136, as in kafka-clients 4.4.0
// (org.apache.kafka.common.protocol.Errors).
constexpr const char* kErrorNames[] = {
    "UNKNOWN_SERVER_ERROR",
    "NONE",
    "OFFSET_OUT_OF_RANGE",
    "CORRUPT_MESSAGE",
    "UNKNOWN_TOPIC_OR_PARTITION",
    "INVALID_FETCH_SIZE",
    "LEADER_NOT_AVAILABLE",
    "NOT_LEADER_OR_FOLLOWER",
    "REQUEST_TIMED_OUT",
    "BROKER_NOT_AVAILABLE",
    "REPLICA_NOT_AVAILABLE",
    "MESSAGE_TOO_LARGE",
    "STALE_CONTROLLER_EPOCH",
    "OFFSET_METADATA_TOO_LARGE",
    "NETWORK_EXCEPTION",
    "COORDINATOR_LOAD_IN_PROGRESS",
    "COORDINATOR_NOT_AVAILABLE",
    "NOT_COORDINATOR",
    "INVALID_TOPIC_EXCEPTION",
    "RECORD_LIST_TOO_LARGE",
    "NOT_ENOUGH_REPLICAS",
    "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
    "INVALID_REQUIRED_ACKS",
    "ILLEGAL_GENERATION",
    "INCONSISTENT_GROUP_PROTOCOL",
    "INVALID_GROUP_ID",
    "UNKNOWN_MEMBER_ID",
    "INVALID_SESSION_TIMEOUT",
    "REBALANCE_IN_PROGRESS",
    "INVALID_COMMIT_OFFSET_SIZE",
    "TOPIC_AUTHORIZATION_FAILED",
    "GROUP_AUTHORIZATION_FAILED",
    "CLUSTER_AUTHORIZATION_FAILED",
    "INVALID_TIMESTAMP",
    "UNSUPPORTED_SASL_MECHANISM",
    "ILLEGAL_SASL_STATE",
    "UNSUPPORTED_VERSION",
    "TOPIC_ALREADY_EXISTS",
    "INVALID_PARTITIONS",
    "INVALID_REPLICATION_FACTOR",
    "INVALID_REPLICA_ASSIGNMENT",
    "INVALID_CONFIG",
    "NOT_CONTROLLER",
    "INVALID_REQUEST",
    "UNSUPPORTED_FOR_MESSAGE_FORMAT",
    "POLICY_VIOLATION",
    "OUT_OF_ORDER_SEQUENCE_NUMBER",
    "DUPLICATE_SEQUENCE_NUMBER",
    "INVALID_PRODUCER_EPOCH",
    "INVALID_TXN_STATE",
    "INVALID_PRODUCER_ID_MAPPING",
    "INVALID_TRANSACTION_TIMEOUT",
    "CONCURRENT_TRANSACTIONS",
    "TRANSACTION_COORDINATOR_FENCED",
    "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
    "SECURITY_DISABLED",
    "OPERATION_NOT_ATTEMPTED",
    "KAFKA_STORAGE_ERROR",
    "LOG_DIR_NOT_FOUND",
    "SASL_AUTHENTICATION_FAILED",
    "UNKNOWN_PRODUCER_ID",
    "REASSIGNMENT_IN_PROGRESS",
    "DELEGATION_TOKEN_AUTH_DISABLED",
    "DELEGATION_TOKEN_NOT_FOUND",
    "DELEGATION_TOKEN_OWNER_MISMATCH",
    "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED",
    "DELEGATION_TOKEN_AUTHORIZATION_FAILED",
    "DELEGATION_TOKEN_EXPIRED",
    "INVALID_PRINCIPAL_TYPE",
    "NON_EMPTY_GROUP",
    "GROUP_ID_NOT_FOUND",
    "FETCH_SESSION_ID_NOT_FOUND",
    "INVALID_FETCH_SESSION_EPOCH",
    "LISTENER_NOT_FOUND",
    "TOPIC_DELETION_DISABLED",
    "FENCED_LEADER_EPOCH",
    "UNKNOWN_LEADER_EPOCH",
    "UNSUPPORTED_COMPRESSION_TYPE",
    "STALE_BROKER_EPOCH",
    "OFFSET_NOT_AVAILABLE",
    "MEMBER_ID_REQUIRED",
    "PREFERRED_LEADER_NOT_AVAILABLE",
    "GROUP_MAX_SIZE_REACHED",
    "FENCED_INSTANCE_ID",
    "ELIGIBLE_LEADERS_NOT_AVAILABLE",
    "ELECTION_NOT_NEEDED",
    "NO_REASSIGNMENT_IN_PROGRESS",
    "GROUP_SUBSCRIBED_TO_TOPIC",
    "INVALID_RECORD",
    "UNSTABLE_OFFSET_COMMIT",
    "THROTTLING_QUOTA_EXCEEDED",
    "PRODUCER_FENCED",
    "RESOURCE_NOT_FOUND",
    "DUPLICATE_RESOURCE",
    "UNACCEPTABLE_CREDENTIAL",
    "INCONSISTENT_VOTER_SET",
    "INVALID_UPDATE_VERSION",
    "FEATURE_UPDATE_FAILED",
    "PRINCIPAL_DESERIALIZATION_FAILURE",
    "SNAPSHOT_NOT_FOUND",
    "POSITION_OUT_OF_RANGE",
    "UNKNOWN_TOPIC_ID",
    "DUPLICATE_BROKER_REGISTRATION",
    "BROKER_ID_NOT_REGISTERED",
    "INCONSISTENT_TOPIC_ID",
    "INCONSISTENT_CLUSTER_ID",
    "TRANSACTIONAL_ID_NOT_FOUND",
    "FETCH_SESSION_TOPIC_ID_ERROR",
    "INELIGIBLE_REPLICA",
    "NEW_LEADER_ELECTED",
    "OFFSET_MOVED_TO_TIERED_STORAGE",
    "FENCED_MEMBER_EPOCH",
    "UNRELEASED_INSTANCE_ID",
    "UNSUPPORTED_ASSIGNOR",
    "STALE_MEMBER_EPOCH",
    "MISMATCHED_ENDPOINT_TYPE",
    "UNSUPPORTED_ENDPOINT_TYPE",
    "UNKNOWN_CONTROLLER_ID",
    "UNKNOWN_SUBSCRIPTION_ID",
    "TELEMETRY_TOO_LARGE",
    "INVALID_REGISTRATION",
    "TRANSACTION_ABORTABLE",
    "INVALID_RECORD_STATE",
    "SHARE_SESSION_NOT_FOUND",
    "INVALID_SHARE_SESSION_EPOCH",
    "FENCED_STATE_EPOCH",
    "INVALID_VOTER_KEY",
    "DUPLICATE_VOTER",
    "VOTER_NOT_FOUND",
    "INVALID_REGULAR_EXPRESSION",
    "REBOOTSTRAP_REQUIRED",
    "STREAMS_INVALID_TOPOLOGY",
    "STREAMS_INVALID_TOPOLOGY_EPOCH",
    "STREAMS_TOPOLOGY_FENCED",
    "SHARE_SESSION_LIMIT_REACHED",
    "GROUP_DELETION_FAILED",
    "STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED",
    "CONTROLLER_ID_NOT_REGISTERED",
};

// Kafka never encodes a string longer than this (the classic int16 length
// limit, also applied to compact strings by the Java client).
constexpr int32_t kMaxStringLength = 32767;

absl::Status Truncated(const char* field, size_t need, size_t left,
                       size_t pos) {
  return absl::DataLossError(absl::StrCat("truncated response: ", field,
                                          " needs ", need, " bytes at offset ",
                                          pos, ", ", left, " left"));
}

}  // namespace

std::string ApiKeyName(int16_t api_key) {
  switch (api_key) {
    case kMetadata:
      return "Metadata";
    case kSaslHandshake:
      return "SaslHandshake";
    case kApiVersions:
      return "ApiVersions";
    case kSaslAuthenticate:
      return "SaslAuthenticate";
    case kListPartitionReassignments:
      return "ListPartitionReassignments";
    case kDescribeQuorum:
      return "DescribeQuorum";
    case kDescribeCluster:
      return "DescribeCluster";
  }
  return absl::StrCat("ApiKey(", api_key, ")");
}

VersionRange ClientVersions(int16_t api_key) {
  switch (api_key) {
    case kMetadata:
      return {9, 13};
    case kSaslHandshake:
      return {1, 1};  // v0 (raw SASL frames after it) is not supported
    case kApiVersions:
      return {0, 4};
    case kSaslAuthenticate:
      return {0, 2};
    case kListPartitionReassignments:
      return {0, 0};
    case kDescribeQuorum:
      return {0, 2};
    case kDescribeCluster:
      return {0, 2};
  }
  return {};
}

bool IsFlexible(int16_t api_key, int16_t version) {
  switch (api_key) {
    case kMetadata:
      return version >= 9;
    case kSaslHandshake:
      return false;  // "flexibleVersions": "none"
    case kApiVersions:
      return version >= 3;
    case kSaslAuthenticate:
      return version >= 2;
    case kListPartitionReassignments:
    case kDescribeQuorum:
    case kDescribeCluster:
      return true;  // "0+"
  }
  return false;
}

std::string ErrorName(int16_t code) {
  const int index = code + 1;
  if (index >= 0 &&
      index < static_cast<int>(sizeof(kErrorNames) / sizeof(kErrorNames[0]))) {
    return kErrorNames[index];
  }
  return absl::StrCat("UNKNOWN_ERROR_CODE(", code, ")");
}

// --- Writer ------------------------------------------------------------------

void Writer::Int8(int8_t v) { out_.push_back(static_cast<char>(v)); }

void Writer::Int16(int16_t v) {
  const uint16_t u = static_cast<uint16_t>(v);
  out_.push_back(static_cast<char>(u >> 8));
  out_.push_back(static_cast<char>(u));
}

void Writer::Int32(int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out_.push_back(static_cast<char>(u >> shift));
  }
}

void Writer::Int64(int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out_.push_back(static_cast<char>(u >> shift));
  }
}

void Writer::UnsignedVarint(uint32_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void Writer::String(absl::string_view s) {
  Int16(static_cast<int16_t>(s.size()));
  Raw(s);
}

void Writer::NullableString(const std::optional<std::string>& s) {
  if (!s) {
    Int16(-1);
  } else {
    String(*s);
  }
}

void Writer::CompactString(absl::string_view s) {
  UnsignedVarint(static_cast<uint32_t>(s.size()) + 1);
  Raw(s);
}

void Writer::CompactNullableString(const std::optional<std::string>& s) {
  if (!s) {
    UnsignedVarint(0);
  } else {
    CompactString(*s);
  }
}

void Writer::Bytes(absl::string_view b) {
  Int32(static_cast<int32_t>(b.size()));
  Raw(b);
}

void Writer::CompactBytes(absl::string_view b) {
  UnsignedVarint(static_cast<uint32_t>(b.size()) + 1);
  Raw(b);
}

void Writer::ArrayLength(int32_t n) { Int32(n); }

void Writer::CompactArrayLength(int32_t n) {
  UnsignedVarint(n < 0 ? 0 : static_cast<uint32_t>(n) + 1);
}

// --- Reader ------------------------------------------------------------------

void Reader::Fail(absl::Status s) {
  if (status_.ok()) status_ = std::move(s);
}

bool Reader::Need(size_t n, const char* field) {
  if (!ok()) return false;
  if (n > remaining()) {
    Fail(Truncated(field, n, remaining(), pos_));
    return false;
  }
  return true;
}

absl::string_view Reader::Take(size_t n) {
  absl::string_view v = data_.substr(pos_, n);
  pos_ += n;
  return v;
}

int8_t Reader::Int8(const char* field) {
  if (!Need(1, field)) return 0;
  return static_cast<int8_t>(Take(1)[0]);
}

int16_t Reader::Int16(const char* field) {
  if (!Need(2, field)) return 0;
  absl::string_view b = Take(2);
  return static_cast<int16_t>(
      (static_cast<uint16_t>(static_cast<uint8_t>(b[0])) << 8) |
      static_cast<uint8_t>(b[1]));
}

uint16_t Reader::Uint16(const char* field) {
  return static_cast<uint16_t>(Int16(field));
}

int32_t Reader::Int32(const char* field) {
  if (!Need(4, field)) return 0;
  absl::string_view b = Take(4);
  uint32_t u = 0;
  for (char c : b) u = (u << 8) | static_cast<uint8_t>(c);
  return static_cast<int32_t>(u);
}

int64_t Reader::Int64(const char* field) {
  if (!Need(8, field)) return 0;
  absl::string_view b = Take(8);
  uint64_t u = 0;
  for (char c : b) u = (u << 8) | static_cast<uint8_t>(c);
  return static_cast<int64_t>(u);
}

bool Reader::Bool(const char* field) {
  int8_t v = Int8(field);
  if (ok() && v != 0 && v != 1) {
    Fail(absl::DataLossError(absl::StrCat("malformed response: ", field, " is ",
                                          v, ", not a boolean")));
  }
  return v == 1;
}

uint32_t Reader::UnsignedVarint(const char* field) {
  uint32_t value = 0;
  for (int i = 0; i < 5; ++i) {
    if (!Need(1, field)) return 0;
    const uint8_t b = static_cast<uint8_t>(Take(1)[0]);
    if (i == 4 && (b & 0xf0) != 0) break;  // more than 32 bits
    value |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) return value;
  }
  Fail(absl::DataLossError(
      absl::StrCat("malformed response: ", field,
                   ": varint longer than 32 bits at offset ", pos_)));
  return 0;
}

std::string Reader::Uuid(const char* field) {
  if (!Need(16, field)) return std::string();
  return std::string(Take(16));
}

std::optional<std::string> Reader::NullableString(const char* field) {
  const int16_t n = Int16(field);
  if (!ok()) return std::string();
  if (n == -1) return std::nullopt;
  if (n < -1) {
    Fail(absl::DataLossError(
        absl::StrCat("malformed response: ", field, " has length ", n)));
    return std::string();
  }
  if (!Need(static_cast<size_t>(n), field)) return std::string();
  return std::string(Take(n));
}

std::string Reader::String(const char* field) {
  std::optional<std::string> s = NullableString(field);
  if (ok() && !s) {
    Fail(absl::DataLossError(absl::StrCat("malformed response: ", field,
                                          " is null but may not be")));
  }
  return s.value_or(std::string());
}

std::optional<std::string> Reader::CompactNullableString(const char* field) {
  const uint32_t n = UnsignedVarint(field);
  if (!ok()) return std::string();
  if (n == 0) return std::nullopt;
  if (n - 1 > static_cast<uint32_t>(kMaxStringLength)) {
    Fail(absl::DataLossError(
        absl::StrCat("malformed response: ", field, " has length ", n - 1)));
    return std::string();
  }
  if (!Need(n - 1, field)) return std::string();
  return std::string(Take(n - 1));
}

std::string Reader::CompactString(const char* field) {
  std::optional<std::string> s = CompactNullableString(field);
  if (ok() && !s) {
    Fail(absl::DataLossError(absl::StrCat("malformed response: ", field,
                                          " is null but may not be")));
  }
  return s.value_or(std::string());
}

std::string Reader::Bytes(const char* field) {
  const int32_t n = Int32(field);
  if (!ok()) return std::string();
  if (n < 0) {  // null bytes: treated as empty (no caller needs the difference)
    if (n != -1) {
      Fail(absl::DataLossError(
          absl::StrCat("malformed response: ", field, " has length ", n)));
    }
    return std::string();
  }
  if (!Need(static_cast<size_t>(n), field)) return std::string();
  return std::string(Take(n));
}

std::string Reader::CompactBytes(const char* field) {
  const uint32_t n = UnsignedVarint(field);
  if (!ok() || n == 0) return std::string();
  if (!Need(n - 1, field)) return std::string();
  return std::string(Take(n - 1));
}

int32_t Reader::ArrayLength(const char* field, int min_element_size,
                            bool nullable) {
  const int32_t n = Int32(field);
  if (!ok()) return 0;
  if (n == -1 && nullable) return -1;
  if (n < 0) {
    Fail(absl::DataLossError(
        absl::StrCat("malformed response: ", field, " has length ", n,
                     n == -1 ? " (null) but may not be null" : "")));
    return 0;
  }
  if (static_cast<uint64_t>(n) * static_cast<uint64_t>(min_element_size) >
      remaining()) {
    Fail(absl::DataLossError(absl::StrCat("truncated response: ", field,
                                          " claims ", n, " elements but only ",
                                          remaining(), " bytes are left")));
    return 0;
  }
  return n;
}

int32_t Reader::CompactArrayLength(const char* field, int min_element_size,
                                   bool nullable) {
  const uint32_t n = UnsignedVarint(field);
  if (!ok()) return 0;
  if (n == 0) {
    if (nullable) return -1;
    Fail(absl::DataLossError(absl::StrCat("malformed response: ", field,
                                          " is null but may not be")));
    return 0;
  }
  const uint64_t count = n - 1;
  if (count * static_cast<uint64_t>(min_element_size) > remaining()) {
    Fail(absl::DataLossError(
        absl::StrCat("truncated response: ", field, " claims ", count,
                     " elements but only ", remaining(), " bytes are left")));
    return 0;
  }
  return static_cast<int32_t>(count);
}

absl::Status Reader::Finish(const char* what) {
  if (!ok()) return status_;
  if (remaining() != 0) {
    return absl::DataLossError(absl::StrCat("malformed response: ", what, ": ",
                                            remaining(),
                                            " unexpected bytes at the end"));
  }
  return absl::OkStatus();
}

// --- Framing -----------------------------------------------------------------

std::string EncodeRequestFrame(int16_t api_key, int16_t version,
                               int32_t correlation_id,
                               absl::string_view client_id,
                               absl::string_view body) {
  Writer header;
  header.Int16(api_key);
  header.Int16(version);
  header.Int32(correlation_id);
  header.String(client_id);  // classic string even in header v2
  if (IsFlexible(api_key, version)) header.EmptyTaggedFields();
  Writer frame;
  frame.Int32(static_cast<int32_t>(header.data().size() + body.size()));
  frame.Raw(header.data());
  frame.Raw(body);
  return frame.Take();
}

absl::StatusOr<absl::string_view> StripResponseHeader(
    int16_t api_key, int16_t version, int32_t expected_correlation_id,
    absl::string_view payload) {
  Reader r(payload);
  const int32_t correlation_id = r.Int32("ResponseHeader.CorrelationId");
  // ApiVersions responses keep header v0 in every version, so that a client
  // can always read the correlation id.
  if (api_key != kApiVersions && IsFlexible(api_key, version)) {
    r.SkipTaggedFields("ResponseHeader tagged fields");
  }
  KA_RETURN_IF_ERROR(r.status());
  if (correlation_id != expected_correlation_id) {
    return absl::DataLossError(
        absl::StrCat("response correlation id ", correlation_id,
                     " does not match request ", expected_correlation_id));
  }
  return payload.substr(r.position());
}

// --- ApiVersions -------------------------------------------------------------

std::string EncodeApiVersionsRequest(int16_t version,
                                     absl::string_view software_name,
                                     absl::string_view software_version) {
  Writer w;
  if (version >= 3) {
    w.CompactString(software_name);
    w.CompactString(software_version);
    w.EmptyTaggedFields();
  }
  return w.Take();
}

namespace {

std::vector<FeatureRange> ReadFeatures(Reader& r, const char* field) {
  std::vector<FeatureRange> out;
  // Name (compact string, >= 1 byte) + 2 x int16 + tagged fields (>= 1).
  const int32_t n = r.CompactArrayLength(field, 6);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    FeatureRange f;
    f.name = r.CompactString(field);
    f.min = r.Int16(field);
    f.max = r.Int16(field);
    r.SkipTaggedFields(field);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

absl::StatusOr<ApiVersionsResponse> DecodeApiVersionsResponse(
    int16_t version, absl::string_view body) {
  Reader r(body);
  ApiVersionsResponse out;
  out.error_code = r.Int16("ApiVersions.ErrorCode");
  if (r.ok() && out.error_code == kUnsupportedVersion) version = 0;
  const bool flexible = version >= 3;
  const int32_t n = flexible ? r.CompactArrayLength("ApiVersions.ApiKeys", 7)
                             : r.ArrayLength("ApiVersions.ApiKeys", 6);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    const int16_t key = r.Int16("ApiVersions.ApiKeys.ApiKey");
    VersionRange range;
    range.min = r.Int16("ApiVersions.ApiKeys.MinVersion");
    range.max = r.Int16("ApiVersions.ApiKeys.MaxVersion");
    if (flexible) r.SkipTaggedFields("ApiVersions.ApiKeys tagged fields");
    out.api_keys[key] = range;
  }
  if (version >= 1)
    out.throttle_time_ms = r.Int32("ApiVersions.ThrottleTimeMs");
  if (flexible) {
    r.TaggedFields("ApiVersions tagged fields", [&](uint32_t tag, Reader& t) {
      switch (tag) {
        case 0:
          out.supported_features =
              ReadFeatures(t, "ApiVersions.SupportedFeatures");
          break;
        case 1:
          out.finalized_features_epoch =
              t.Int64("ApiVersions.FinalizedFeaturesEpoch");
          break;
        case 2: {
          // FinalizedFeatureKey is Name, MaxVersionLevel, MinVersionLevel.
          std::vector<FeatureRange> f =
              ReadFeatures(t, "ApiVersions.FinalizedFeatures");
          for (FeatureRange& x : f) std::swap(x.min, x.max);
          out.finalized_features = std::move(f);
          break;
        }
        default:
          return;  // ZkMigrationReady (3) and future tags: not needed
      }
      t.Fail(t.Finish("ApiVersions tagged field"));
    });
  }
  KA_RETURN_IF_ERROR(r.Finish("ApiVersions"));
  return out;
}

std::optional<int16_t> NegotiateVersion(
    const std::map<int16_t, VersionRange>& server, int16_t api_key) {
  auto it = server.find(api_key);
  if (it == server.end()) return std::nullopt;
  const VersionRange ours = ClientVersions(api_key);
  const int16_t hi = std::min(ours.max, it->second.max);
  const int16_t lo = std::max(ours.min, it->second.min);
  if (hi < lo) return std::nullopt;
  return hi;
}

// --- DescribeQuorum ----------------------------------------------------------

std::string EncodeDescribeQuorumRequest(int16_t version) {
  (void)version;  // the request is the same in v0-v2
  Writer w;
  w.CompactArrayLength(1);  // Topics
  w.CompactString(kMetadataTopic);
  w.CompactArrayLength(1);  // Partitions
  w.Int32(0);               // PartitionIndex
  w.EmptyTaggedFields();    // PartitionData
  w.EmptyTaggedFields();    // TopicData
  w.EmptyTaggedFields();    // request
  return w.Take();
}

namespace {

std::vector<ReplicaState> ReadReplicaStates(Reader& r, int16_t version,
                                            const char* field) {
  std::vector<ReplicaState> out;
  // ReplicaId 4 + LogEndOffset 8 + tagged 1, + 16 (v2 directory id),
  // + 16 (v1 timestamps).
  const int min_size = 13 + (version >= 1 ? 16 : 0) + (version >= 2 ? 16 : 0);
  const int32_t n = r.CompactArrayLength(field, min_size);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    ReplicaState s;
    s.replica_id = r.Int32("ReplicaState.ReplicaId");
    if (version >= 2)
      s.replica_directory_id = r.Uuid("ReplicaState.ReplicaDirectoryId");
    s.log_end_offset = r.Int64("ReplicaState.LogEndOffset");
    if (version >= 1) {
      s.last_fetch_timestamp = r.Int64("ReplicaState.LastFetchTimestamp");
      s.last_caught_up_timestamp =
          r.Int64("ReplicaState.LastCaughtUpTimestamp");
    }
    r.SkipTaggedFields("ReplicaState tagged fields");
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

absl::StatusOr<DescribeQuorumResponse> DecodeDescribeQuorumResponse(
    int16_t version, absl::string_view body) {
  Reader r(body);
  DescribeQuorumResponse out;
  out.error_code = r.Int16("DescribeQuorum.ErrorCode");
  if (version >= 2) {
    out.error_message = r.CompactNullableString("DescribeQuorum.ErrorMessage");
  }
  // TopicName (>= 1) + Partitions (>= 1) + tagged fields (>= 1).
  const int32_t topics = r.CompactArrayLength("DescribeQuorum.Topics", 3);
  for (int32_t t = 0; t < topics && r.ok(); ++t) {
    QuorumTopic topic;
    topic.topic_name = r.CompactString("DescribeQuorum.Topics.TopicName");
    // Index 4, error 2, leader 4, epoch 4, HW 8, 2 arrays, tagged fields.
    const int min_partition = 25 + (version >= 2 ? 1 : 0);
    const int32_t parts =
        r.CompactArrayLength("DescribeQuorum.Topics.Partitions", min_partition);
    for (int32_t p = 0; p < parts && r.ok(); ++p) {
      QuorumPartition part;
      part.partition_index = r.Int32("PartitionData.PartitionIndex");
      part.error_code = r.Int16("PartitionData.ErrorCode");
      if (version >= 2) {
        part.error_message =
            r.CompactNullableString("PartitionData.ErrorMessage");
      }
      part.leader_id = r.Int32("PartitionData.LeaderId");
      part.leader_epoch = r.Int32("PartitionData.LeaderEpoch");
      part.high_watermark = r.Int64("PartitionData.HighWatermark");
      part.current_voters =
          ReadReplicaStates(r, version, "PartitionData.CurrentVoters");
      part.observers = ReadReplicaStates(r, version, "PartitionData.Observers");
      r.SkipTaggedFields("PartitionData tagged fields");
      topic.partitions.push_back(std::move(part));
    }
    r.SkipTaggedFields("TopicData tagged fields");
    out.topics.push_back(std::move(topic));
  }
  if (version >= 2) {
    // NodeId 4 + Listeners (>= 1) + tagged fields (>= 1).
    const int32_t nodes = r.CompactArrayLength("DescribeQuorum.Nodes", 6);
    for (int32_t i = 0; i < nodes && r.ok(); ++i) {
      QuorumNode node;
      node.node_id = r.Int32("Node.NodeId");
      // Name (>= 1) + Host (>= 1) + Port 2 + tagged fields (>= 1).
      const int32_t listeners = r.CompactArrayLength("Node.Listeners", 5);
      for (int32_t l = 0; l < listeners && r.ok(); ++l) {
        QuorumListener listener;
        listener.name = r.CompactString("Listener.Name");
        listener.host = r.CompactString("Listener.Host");
        listener.port = r.Uint16("Listener.Port");
        r.SkipTaggedFields("Listener tagged fields");
        node.listeners.push_back(std::move(listener));
      }
      r.SkipTaggedFields("Node tagged fields");
      out.nodes.push_back(std::move(node));
    }
  }
  r.SkipTaggedFields("DescribeQuorum tagged fields");
  KA_RETURN_IF_ERROR(r.Finish("DescribeQuorum"));
  return out;
}

// --- DescribeCluster ---------------------------------------------------------

std::string EncodeDescribeClusterRequest(int16_t version,
                                         EndpointType endpoint_type,
                                         bool include_fenced_brokers) {
  Writer w;
  w.Bool(false);  // IncludeClusterAuthorizedOperations
  if (version >= 1) w.Int8(endpoint_type);
  if (version >= 2) w.Bool(include_fenced_brokers);
  w.EmptyTaggedFields();
  return w.Take();
}

absl::StatusOr<DescribeClusterResponse> DecodeDescribeClusterResponse(
    int16_t version, absl::string_view body) {
  Reader r(body);
  DescribeClusterResponse out;
  out.throttle_time_ms = r.Int32("DescribeCluster.ThrottleTimeMs");
  out.error_code = r.Int16("DescribeCluster.ErrorCode");
  out.error_message = r.CompactNullableString("DescribeCluster.ErrorMessage");
  if (version >= 1) out.endpoint_type = r.Int8("DescribeCluster.EndpointType");
  out.cluster_id = r.CompactString("DescribeCluster.ClusterId");
  out.controller_id = r.Int32("DescribeCluster.ControllerId");
  // BrokerId 4, Host >= 1, Port 4, Rack >= 1, (IsFenced 1), tagged >= 1.
  const int32_t n = r.CompactArrayLength("DescribeCluster.Brokers",
                                         11 + (version >= 2 ? 1 : 0));
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    ClusterBroker b;
    b.broker_id = r.Int32("Broker.BrokerId");
    b.host = r.CompactString("Broker.Host");
    b.port = r.Int32("Broker.Port");
    b.rack = r.CompactNullableString("Broker.Rack");
    if (version >= 2) b.is_fenced = r.Bool("Broker.IsFenced");
    r.SkipTaggedFields("Broker tagged fields");
    out.brokers.push_back(std::move(b));
  }
  out.cluster_authorized_operations =
      r.Int32("DescribeCluster.ClusterAuthorizedOperations");
  r.SkipTaggedFields("DescribeCluster tagged fields");
  KA_RETURN_IF_ERROR(r.Finish("DescribeCluster"));
  return out;
}

// --- Metadata ----------------------------------------------------------------

std::string EncodeMetadataRequest(int16_t version,
                                  const std::vector<std::string>* topics) {
  Writer w;
  if (topics == nullptr) {
    w.CompactArrayLength(-1);
  } else {
    w.CompactArrayLength(static_cast<int32_t>(topics->size()));
    for (const std::string& t : *topics) {
      if (version >= 10) w.Raw(std::string(16, '\0'));  // TopicId: unused
      w.CompactString(t);
      w.EmptyTaggedFields();
    }
  }
  w.Bool(false);  // AllowAutoTopicCreation
  if (version <= 10) w.Bool(false);  // IncludeClusterAuthorizedOperations
  w.Bool(false);  // IncludeTopicAuthorizedOperations
  w.EmptyTaggedFields();
  return w.Take();
}

namespace {

std::vector<int32_t> ReadCompactInt32s(Reader& r, const char* field) {
  std::vector<int32_t> out;
  const int32_t n = r.CompactArrayLength(field, 4);
  out.reserve(n > 0 ? static_cast<size_t>(n) : 0);
  for (int32_t i = 0; i < n && r.ok(); ++i) out.push_back(r.Int32(field));
  return out;
}

}  // namespace

absl::StatusOr<MetadataResponse> DecodeMetadataResponse(
    int16_t version, absl::string_view body) {
  if (version < 9) {
    return absl::InvalidArgumentError(
        absl::StrCat("Metadata v", version, " is not flexible; use v9+"));
  }
  Reader r(body);
  MetadataResponse out;
  out.throttle_time_ms = r.Int32("Metadata.ThrottleTimeMs");
  // NodeId 4, Host >= 1, Port 4, Rack >= 1, tagged >= 1.
  const int32_t nb = r.CompactArrayLength("Metadata.Brokers", 11);
  for (int32_t i = 0; i < nb && r.ok(); ++i) {
    MetadataBroker b;
    b.node_id = r.Int32("Broker.NodeId");
    b.host = r.CompactString("Broker.Host");
    b.port = r.Int32("Broker.Port");
    b.rack = r.CompactNullableString("Broker.Rack");
    r.SkipTaggedFields("Broker tagged fields");
    out.brokers.push_back(std::move(b));
  }
  out.cluster_id = r.CompactNullableString("Metadata.ClusterId");
  out.controller_id = r.Int32("Metadata.ControllerId");
  // ErrorCode 2, Name >= 1, (TopicId 16), IsInternal 1, Partitions >= 1,
  // TopicAuthorizedOperations 4, tagged >= 1.
  const int32_t nt = r.CompactArrayLength("Metadata.Topics",
                                          10 + (version >= 10 ? 16 : 0));
  out.topics.reserve(nt > 0 ? static_cast<size_t>(nt) : 0);
  for (int32_t i = 0; i < nt && r.ok(); ++i) {
    MetadataTopic t;
    t.error_code = r.Int16("Topic.ErrorCode");
    if (version >= 12) {
      t.name = r.CompactNullableString("Topic.Name").value_or("");
    } else {
      t.name = r.CompactString("Topic.Name");
    }
    if (version >= 10) t.topic_id = r.Uuid("Topic.TopicId");
    t.is_internal = r.Bool("Topic.IsInternal");
    // ErrorCode 2, PartitionIndex 4, LeaderId 4, LeaderEpoch 4, three
    // arrays >= 1 each, tagged >= 1.
    const int32_t np = r.CompactArrayLength("Topic.Partitions", 18);
    t.partitions.reserve(np > 0 ? static_cast<size_t>(np) : 0);
    for (int32_t j = 0; j < np && r.ok(); ++j) {
      MetadataPartition p;
      p.error_code = r.Int16("Partition.ErrorCode");
      p.partition_index = r.Int32("Partition.PartitionIndex");
      p.leader_id = r.Int32("Partition.LeaderId");
      p.leader_epoch = r.Int32("Partition.LeaderEpoch");
      p.replica_nodes = ReadCompactInt32s(r, "Partition.ReplicaNodes");
      p.isr_nodes = ReadCompactInt32s(r, "Partition.IsrNodes");
      p.offline_replicas = ReadCompactInt32s(r, "Partition.OfflineReplicas");
      r.SkipTaggedFields("Partition tagged fields");
      t.partitions.push_back(std::move(p));
    }
    (void)r.Int32("Topic.TopicAuthorizedOperations");
    r.SkipTaggedFields("Topic tagged fields");
    out.topics.push_back(std::move(t));
  }
  if (version <= 10) (void)r.Int32("Metadata.ClusterAuthorizedOperations");
  if (version >= 13) out.error_code = r.Int16("Metadata.ErrorCode");
  r.SkipTaggedFields("Metadata tagged fields");
  KA_RETURN_IF_ERROR(r.Finish("Metadata"));
  return out;
}

// --- ListPartitionReassignments ----------------------------------------------

std::string EncodeListPartitionReassignmentsRequest(int16_t version,
                                                    int32_t timeout_ms) {
  (void)version;  // only v0 exists
  Writer w;
  w.Int32(timeout_ms);
  w.CompactArrayLength(-1);  // Topics = null: everything
  w.EmptyTaggedFields();
  return w.Take();
}

namespace {

std::vector<int32_t> ReadInt32Array(Reader& r, const char* field) {
  std::vector<int32_t> out;
  const int32_t n = r.CompactArrayLength(field, 4);
  for (int32_t i = 0; i < n && r.ok(); ++i) out.push_back(r.Int32(field));
  return out;
}

}  // namespace

absl::StatusOr<ListPartitionReassignmentsResponse>
DecodeListPartitionReassignmentsResponse(int16_t version,
                                         absl::string_view body) {
  (void)version;
  Reader r(body);
  ListPartitionReassignmentsResponse out;
  out.throttle_time_ms = r.Int32("ListPartitionReassignments.ThrottleTimeMs");
  out.error_code = r.Int16("ListPartitionReassignments.ErrorCode");
  out.error_message =
      r.CompactNullableString("ListPartitionReassignments.ErrorMessage");
  // Name >= 1 + Partitions >= 1 + tagged >= 1.
  const int32_t topics =
      r.CompactArrayLength("ListPartitionReassignments.Topics", 3);
  for (int32_t t = 0; t < topics && r.ok(); ++t) {
    const std::string name = r.CompactString("OngoingTopicReassignment.Name");
    // Index 4 + 3 arrays (>= 1 each) + tagged >= 1.
    const int32_t parts =
        r.CompactArrayLength("OngoingTopicReassignment.Partitions", 8);
    for (int32_t p = 0; p < parts && r.ok(); ++p) {
      PartitionReassignment pr;
      pr.topic = name;
      pr.partition = r.Int32("OngoingPartitionReassignment.PartitionIndex");
      pr.replicas = ReadInt32Array(r, "OngoingPartitionReassignment.Replicas");
      pr.adding_replicas =
          ReadInt32Array(r, "OngoingPartitionReassignment.AddingReplicas");
      pr.removing_replicas =
          ReadInt32Array(r, "OngoingPartitionReassignment.RemovingReplicas");
      r.SkipTaggedFields("OngoingPartitionReassignment tagged fields");
      out.reassignments.push_back(std::move(pr));
    }
    r.SkipTaggedFields("OngoingTopicReassignment tagged fields");
  }
  r.SkipTaggedFields("ListPartitionReassignments tagged fields");
  KA_RETURN_IF_ERROR(r.Finish("ListPartitionReassignments"));
  return out;
}

// --- SaslHandshake -----------------------------------------------------------

std::string EncodeSaslHandshakeRequest(int16_t version,
                                       absl::string_view mechanism) {
  (void)version;  // v0 and v1 have the same layout
  Writer w;
  w.String(mechanism);
  return w.Take();
}

absl::StatusOr<SaslHandshakeResponse> DecodeSaslHandshakeResponse(
    int16_t version, absl::string_view body) {
  (void)version;
  Reader r(body);
  SaslHandshakeResponse out;
  out.error_code = r.Int16("SaslHandshake.ErrorCode");
  const int32_t n = r.ArrayLength("SaslHandshake.Mechanisms", 2);
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    out.mechanisms.push_back(r.String("SaslHandshake.Mechanisms"));
  }
  KA_RETURN_IF_ERROR(r.Finish("SaslHandshake"));
  return out;
}

// --- SaslAuthenticate --------------------------------------------------------

std::string EncodeSaslAuthenticateRequest(int16_t version,
                                          absl::string_view auth_bytes) {
  Writer w;
  if (version >= 2) {
    w.CompactBytes(auth_bytes);
    w.EmptyTaggedFields();
  } else {
    w.Bytes(auth_bytes);
  }
  return w.Take();
}

absl::StatusOr<SaslAuthenticateResponse> DecodeSaslAuthenticateResponse(
    int16_t version, absl::string_view body) {
  Reader r(body);
  SaslAuthenticateResponse out;
  out.error_code = r.Int16("SaslAuthenticate.ErrorCode");
  if (version >= 2) {
    out.error_message =
        r.CompactNullableString("SaslAuthenticate.ErrorMessage");
    out.auth_bytes = r.CompactBytes("SaslAuthenticate.AuthBytes");
  } else {
    out.error_message = r.NullableString("SaslAuthenticate.ErrorMessage");
    out.auth_bytes = r.Bytes("SaslAuthenticate.AuthBytes");
  }
  if (version >= 1) {
    out.session_lifetime_ms = r.Int64("SaslAuthenticate.SessionLifetimeMs");
  }
  if (version >= 2) r.SkipTaggedFields("SaslAuthenticate tagged fields");
  KA_RETURN_IF_ERROR(r.Finish("SaslAuthenticate"));
  return out;
}

}  // namespace wire
}  // namespace kafka_agent
