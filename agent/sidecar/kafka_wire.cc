#include "agent/sidecar/kafka_wire.h"

#include <algorithm>
#include <mutex>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/base/status_macros.h"

namespace kafka_agent {
namespace wire {

absl::Status KafkaErrorStatus(int16_t code,
                              const std::optional<std::string>& message,
                              absl::string_view what) {
  std::string msg = absl::StrCat(what, ": Kafka error ", ErrorName(code));
  if (message && !message->empty()) absl::StrAppend(&msg, " (", *message, ")");
  switch (code) {
    case kNotLeaderOrFollower:
    case kNotController:
    case 5:   // LEADER_NOT_AVAILABLE
    case 8:   // BROKER_NOT_AVAILABLE
    case 13:  // NETWORK_EXCEPTION
      return absl::UnavailableError(msg);
    case kRequestTimedOut:
      return absl::DeadlineExceededError(msg);
    case 29:  // TOPIC_AUTHORIZATION_FAILED
    case 30:  // GROUP_AUTHORIZATION_FAILED
    case kClusterAuthorizationFailed:
      return absl::PermissionDeniedError(msg);
    case kSaslAuthenticationFailed:
    case kIllegalSaslState:
    case kUnsupportedSaslMechanism:
      return absl::UnauthenticatedError(msg);
    case kUnsupportedVersion:
      return absl::UnimplementedError(msg);
    case kMismatchedEndpointType:
    case kUnsupportedEndpointType:
      return absl::FailedPreconditionError(absl::StrCat(
          msg,
          ": a broker listener was addressed as a controller listener, "
          "or the other way round"));
    default:
      return absl::UnknownError(msg);
  }
}

namespace {

// How long a connection attempt to one bootstrap server may take at least
// when several are left to try (so a dead first server does not use up the
// whole deadline).
constexpr absl::Duration kMinConnectBudget = absl::Milliseconds(500);

class RealKafkaWire : public KafkaWire {
 public:
  RealKafkaWire(WireOptions options, SecurityConfig security,
                std::shared_ptr<TlsContext> tls)
      : options_(std::move(options)),
        security_(std::move(security)),
        tls_(std::move(tls)) {}

  absl::StatusOr<ApiVersionsInfo> ApiVersions(absl::Time deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    return OnAnyNode<ApiVersionsInfo>(
        deadline, [&](KafkaConnection& c) -> absl::StatusOr<ApiVersionsInfo> {
          const int16_t v = c.api_versions_version();
          KA_ASSIGN_OR_RETURN(
              std::string body,
              c.Call(kApiVersions, v,
                     EncodeApiVersionsRequest(v, "kafka-agent",
                                              options_.software_version),
                     deadline));
          KA_ASSIGN_OR_RETURN(
              ApiVersionsResponse r,
              Decoded(c, kApiVersions, v, DecodeApiVersionsResponse(v, body)));
          if (r.error_code != kNone) {
            return KafkaErrorStatus(r.error_code, std::nullopt,
                                    What(c, kApiVersions, v));
          }
          ApiVersionsInfo out;
          out.answered_by = c.address();
          out.request_version = v;
          out.api_keys = std::move(r.api_keys);
          out.finalized_features_epoch = r.finalized_features_epoch;
          out.finalized_features = std::move(r.finalized_features);
          out.supported_features = std::move(r.supported_features);
          return out;
        });
  }

  absl::StatusOr<QuorumInfo> DescribeQuorum(absl::Time deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    return OnAnyNodeFollowingLeader<QuorumInfo>(
        deadline, [&](KafkaConnection& c) -> absl::StatusOr<QuorumInfo> {
          KA_ASSIGN_OR_RETURN(int16_t v, Version(c, kDescribeQuorum));
          KA_ASSIGN_OR_RETURN(std::string body,
                              c.Call(kDescribeQuorum, v,
                                     EncodeDescribeQuorumRequest(v), deadline));
          KA_ASSIGN_OR_RETURN(DescribeQuorumResponse r,
                              Decoded(c, kDescribeQuorum, v,
                                      DecodeDescribeQuorumResponse(v, body)));
          const std::string what = What(c, kDescribeQuorum, v);
          if (r.error_code != kNone) {
            return KafkaErrorStatus(r.error_code, r.error_message, what);
          }
          const QuorumPartition* part = nullptr;
          for (const QuorumTopic& t : r.topics) {
            if (t.topic_name != kMetadataTopic) continue;
            for (const QuorumPartition& p : t.partitions) {
              if (p.partition_index == 0) part = &p;
            }
          }
          if (part == nullptr) {
            return absl::DataLossError(absl::StrCat(
                what, ": the answer has no ", kMetadataTopic, "-0 partition"));
          }
          if (part->error_code != kNone) {
            return KafkaErrorStatus(part->error_code, part->error_message,
                                    what);
          }
          QuorumInfo out;
          out.answered_by = c.address();
          out.version = v;
          out.leader_id = part->leader_id;
          out.leader_epoch = part->leader_epoch;
          out.high_watermark = part->high_watermark;
          out.voters = part->current_voters;
          out.observers = part->observers;
          out.nodes = std::move(r.nodes);
          return out;
        });
  }

  absl::StatusOr<ClusterInfo> DescribeCluster(absl::Time deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    return OnAnyNode<ClusterInfo>(
        deadline, [&](KafkaConnection& c) -> absl::StatusOr<ClusterInfo> {
          KA_ASSIGN_OR_RETURN(DescribeClusterResponse r,
                              CallDescribeCluster(c, deadline));
          ClusterInfo out;
          out.answered_by = c.address();
          out.version = last_describe_cluster_version_;
          out.endpoint_type = static_cast<EndpointType>(r.endpoint_type);
          out.cluster_id = std::move(r.cluster_id);
          out.controller_id = r.controller_id;
          out.brokers = std::move(r.brokers);
          std::sort(out.brokers.begin(), out.brokers.end(),
                    [](const ClusterBroker& a, const ClusterBroker& b) {
                      return a.broker_id < b.broker_id;
                    });
          out.fencing_known = out.version >= 2 && !options_.controllers;
          return out;
        });
  }

  absl::StatusOr<ReassignmentsInfo> ListPartitionReassignments(
      absl::Time deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    return OnAnyNodeFollowingLeader<ReassignmentsInfo>(
        deadline, [&](KafkaConnection& c) -> absl::StatusOr<ReassignmentsInfo> {
          KA_ASSIGN_OR_RETURN(int16_t v,
                              Version(c, kListPartitionReassignments));
          // The server-side timeout: what is left of ours.
          const int64_t left_ms = std::clamp<int64_t>(
              absl::ToInt64Milliseconds(deadline - absl::Now()), 1, 600000);
          KA_ASSIGN_OR_RETURN(std::string body,
                              c.Call(kListPartitionReassignments, v,
                                     EncodeListPartitionReassignmentsRequest(
                                         v, static_cast<int32_t>(left_ms)),
                                     deadline));
          KA_ASSIGN_OR_RETURN(
              ListPartitionReassignmentsResponse r,
              Decoded(c, kListPartitionReassignments, v,
                      DecodeListPartitionReassignmentsResponse(v, body)));
          if (r.error_code != kNone) {
            return KafkaErrorStatus(r.error_code, r.error_message,
                                    What(c, kListPartitionReassignments, v));
          }
          ReassignmentsInfo out;
          out.answered_by = c.address();
          out.reassignments = std::move(r.reassignments);
          std::sort(out.reassignments.begin(), out.reassignments.end(),
                    [](const PartitionReassignment& a,
                       const PartitionReassignment& b) {
                      return std::tie(a.topic, a.partition) <
                             std::tie(b.topic, b.partition);
                    });
          return out;
        });
  }

  absl::StatusOr<MetadataInfo> Metadata(
      absl::Time deadline, const std::vector<std::string>* topics) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (options_.controllers) {
      return absl::FailedPreconditionError(
          "Metadata is a broker request; this client talks to controllers");
    }
    return OnAnyNode<MetadataInfo>(
        deadline, [&](KafkaConnection& c) -> absl::StatusOr<MetadataInfo> {
          KA_ASSIGN_OR_RETURN(int16_t v, Version(c, kMetadata));
          KA_ASSIGN_OR_RETURN(
              std::string body,
              c.Call(kMetadata, v, EncodeMetadataRequest(v, topics), deadline));
          KA_ASSIGN_OR_RETURN(
              MetadataResponse r,
              Decoded(c, kMetadata, v, DecodeMetadataResponse(v, body)));
          if (r.error_code != kNone) {
            return KafkaErrorStatus(r.error_code, std::nullopt,
                                    What(c, kMetadata, v));
          }
          MetadataInfo out;
          out.answered_by = c.address();
          out.version = v;
          out.response = std::move(r);
          return out;
        });
  }

 private:
  static std::string What(const KafkaConnection& c, int16_t api_key,
                          int16_t version) {
    return absl::StrCat(ApiKeyName(api_key), " v", version, " to ",
                        c.address());
  }

  template <typename T>
  static absl::StatusOr<T> Decoded(const KafkaConnection& c, int16_t api_key,
                                   int16_t version, absl::StatusOr<T> r) {
    if (r.ok()) return r;
    return absl::Status(
        r.status().code(),
        absl::StrCat(What(c, api_key, version), ": ", r.status().message()));
  }

  static absl::StatusOr<int16_t> Version(const KafkaConnection& c,
                                         int16_t api_key) {
    std::optional<int16_t> v =
        NegotiateVersion(c.api_versions().api_keys, api_key);
    if (!v) {
      const VersionRange ours = ClientVersions(api_key);
      auto it = c.api_versions().api_keys.find(api_key);
      return absl::UnimplementedError(
          absl::StrCat(c.address(), " does not support ", ApiKeyName(api_key),
                       " v", ours.min, "-", ours.max,
                       it == c.api_versions().api_keys.end()
                           ? " (not offered at all)"
                           : absl::StrCat(" (offers v", it->second.min, "-",
                                          it->second.max, ")")));
    }
    return *v;
  }

  // DescribeCluster at the best version: v2 with IncludeFencedBrokers, else
  // v1 / v0. Through a controller listener the controllers endpoint (v1+).
  absl::StatusOr<DescribeClusterResponse> CallDescribeCluster(
      KafkaConnection& c, absl::Time deadline) {
    KA_ASSIGN_OR_RETURN(int16_t v, Version(c, kDescribeCluster));
    if (options_.controllers && v < 1) {
      return absl::UnimplementedError(
          absl::StrCat(c.address(),
                       " does not support DescribeCluster v1 (KIP-919), "
                       "needed on a controller listener"));
    }
    const EndpointType type = options_.controllers ? kControllers : kBrokers;
    KA_ASSIGN_OR_RETURN(
        std::string body,
        c.Call(kDescribeCluster, v,
               EncodeDescribeClusterRequest(v, type, /*include_fenced=*/true),
               deadline));
    KA_ASSIGN_OR_RETURN(DescribeClusterResponse r,
                        Decoded(c, kDescribeCluster, v,
                                DecodeDescribeClusterResponse(v, body)));
    if (r.error_code != kNone) {
      return KafkaErrorStatus(r.error_code, r.error_message,
                              What(c, kDescribeCluster, v));
    }
    if (v >= 1 && r.endpoint_type != type) {
      return absl::DataLossError(absl::StrCat(
          What(c, kDescribeCluster, v), ": asked for endpoint type ",
          static_cast<int>(type), ", got ", static_cast<int>(r.endpoint_type)));
    }
    last_describe_cluster_version_ = v;
    return r;
  }

  // A connection to `address`, reused when it is still good.
  absl::StatusOr<KafkaConnection*> ConnectionTo(const std::string& address,
                                                absl::Time deadline) {
    auto it = connections_.find(address);
    if (it != connections_.end()) {
      if (!it->second->broken(absl::Now())) return it->second.get();
      connections_.erase(it);
    }
    ConnectOptions o;
    o.address = address;
    o.client_id = options_.client_id;
    o.software_version = options_.software_version;
    o.security = security_;
    o.tls = tls_;
    KA_ASSIGN_OR_RETURN(std::unique_ptr<KafkaConnection> conn,
                        Connect(o, deadline));
    KafkaConnection* raw = conn.get();
    connections_[address] = std::move(conn);
    return raw;
  }

  void DropBroken() {
    const absl::Time now = absl::Now();
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (it->second->broken(now)) {
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Runs `fn` on the first bootstrap server that can be reached, starting
  // with the one that answered last. A Kafka-level error is returned as is;
  // a lost connection moves on to the next server while time is left.
  template <typename T, typename F>
  absl::StatusOr<T> OnAnyNode(absl::Time deadline, F fn) {
    const size_t n = options_.bootstrap.size();
    std::vector<std::string> errors;
    for (size_t i = 0; i < n; ++i) {
      const size_t index = (preferred_ + i) % n;
      const std::string& address = options_.bootstrap[index];
      const absl::Time now = absl::Now();
      if (now >= deadline && i > 0) break;
      // Leave time for the servers after this one.
      const absl::Duration share = std::max(
          (deadline - now) / static_cast<int64_t>(n - i), kMinConnectBudget);
      const absl::Time connect_deadline = std::min(deadline, now + share);
      absl::StatusOr<KafkaConnection*> conn =
          ConnectionTo(address, connect_deadline);
      if (!conn.ok()) {
        errors.push_back(std::string(conn.status().message()));
        if (IsFinal(conn.status())) return conn.status();
        continue;
      }
      absl::StatusOr<T> r = fn(**conn);
      if (r.ok()) {
        preferred_ = index;
        DropBroken();
        return r;
      }
      const bool lost = (*conn)->broken(absl::Now());
      DropBroken();
      if (!lost) return r.status();  // the node answered: its answer stands
      errors.push_back(std::string(r.status().message()));
    }
    if (errors.empty()) {
      return absl::DeadlineExceededError("deadline passed before any request");
    }
    const bool timed_out = absl::Now() >= deadline;
    std::string msg =
        absl::StrCat("no ", options_.controllers ? "controller" : "broker",
                     " of [", absl::StrJoin(options_.bootstrap, ","),
                     "] answered: ", absl::StrJoin(errors, "; "));
    return timed_out ? absl::DeadlineExceededError(msg)
                     : absl::UnavailableError(msg);
  }

  // Errors no other server would change: bad settings, authentication.
  static bool IsFinal(const absl::Status& s) {
    return s.code() == absl::StatusCode::kInvalidArgument ||
           s.code() == absl::StatusCode::kUnauthenticated;
  }

  // Like OnAnyNode; through controller listeners, an answer of
  // NOT_LEADER_OR_FOLLOWER / NOT_CONTROLLER sends the request on to the
  // active controller, found with DescribeCluster(controllers) on the node
  // that refused.
  template <typename T, typename F>
  absl::StatusOr<T> OnAnyNodeFollowingLeader(absl::Time deadline, F fn) {
    if (!options_.controllers) return OnAnyNode<T>(deadline, fn);
    std::string leader_address;
    int32_t leader_id = -1;
    absl::StatusOr<T> first =
        OnAnyNode<T>(deadline, [&](KafkaConnection& c) -> absl::StatusOr<T> {
          absl::StatusOr<T> r = fn(c);
          if (r.ok() || !IsNotLeader(r.status())) return r;
          absl::StatusOr<DescribeClusterResponse> cluster =
              CallDescribeCluster(c, deadline);
          if (!cluster.ok()) return cluster.status();
          leader_id = cluster->controller_id;
          for (const ClusterBroker& b : cluster->brokers) {
            if (b.broker_id == leader_id) {
              leader_address =
                  absl::StrCat(b.host.find(':') != std::string::npos
                                   ? absl::StrCat("[", b.host, "]")
                                   : b.host,
                               ":", b.port);
            }
          }
          return r.status();
        });
    if (first.ok() || leader_address.empty()) {
      if (!first.ok() && IsNotLeader(first.status())) {
        return absl::UnavailableError(
            absl::StrCat(first.status().message(),
                         "; the controllers know no active "
                         "controller (leader ",
                         leader_id, ")"));
      }
      return first;
    }
    absl::StatusOr<KafkaConnection*> conn =
        ConnectionTo(leader_address, deadline);
    if (!conn.ok()) {
      return absl::Status(
          conn.status().code(),
          absl::StrCat("the active controller ", leader_id, " at ",
                       leader_address,
                       " is unreachable: ", conn.status().message()));
    }
    absl::StatusOr<T> r = fn(**conn);
    DropBroken();
    return r;
  }

  static bool IsNotLeader(const absl::Status& s) {
    return s.code() == absl::StatusCode::kUnavailable &&
           (absl::StrContains(s.message(), "NOT_LEADER_OR_FOLLOWER") ||
            absl::StrContains(s.message(), "NOT_CONTROLLER"));
  }

  std::mutex mu_;
  const WireOptions options_;
  const SecurityConfig security_;
  const std::shared_ptr<TlsContext> tls_;
  size_t preferred_ = 0;
  int16_t last_describe_cluster_version_ = -1;
  std::map<std::string, std::unique_ptr<KafkaConnection>> connections_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaWire>> NewKafkaWire(
    const WireOptions& options) {
  if (options.bootstrap.empty()) {
    return absl::InvalidArgumentError(
        "the Kafka wire client needs at least one bootstrap address host:port");
  }
  for (const std::string& a : options.bootstrap) {
    KA_RETURN_IF_ERROR(ParseHostPort(a).status());
  }
  KA_ASSIGN_OR_RETURN(SecurityConfig security,
                      ParseSecurityConfig(options.props));
  std::shared_ptr<TlsContext> tls;
  if (security.tls()) {
    KA_ASSIGN_OR_RETURN(tls, NewTlsContext(security));
  }
  return std::unique_ptr<KafkaWire>(
      new RealKafkaWire(options, std::move(security), std::move(tls)));
}

}  // namespace wire
}  // namespace kafka_agent
