#include "agent/sidecar/report.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/base/status_macros.h"
#include "agent/sidecar/kafka_protocol.h"
#include "google/protobuf/util/time_util.h"

namespace kafka_agent {
namespace {

using ::google::protobuf::util::TimeUtil;

google::protobuf::Timestamp TimestampProto(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

google::protobuf::Duration DurationProto(absl::Duration d) {
  return TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(d));
}

// Reassignments a status carries; the rest counted.
constexpr size_t kMaxReassignments = 20;

v1::QuorumReplica QuorumReplicaProto(const QuorumView& q,
                                     const QuorumReplica& r, int64_t limit_ms) {
  v1::QuorumReplica out;
  out.set_id(r.id);
  out.set_log_end_offset(r.log_end_offset);
  out.set_lag_offsets(r.log_end_offset >= 0 && q.high_watermark >= 0
                          ? std::max<int64_t>(0, q.high_watermark -
                                                     r.log_end_offset)
                          : -1);
  const std::optional<int64_t> lag = QuorumLagMs(q, r);
  out.set_lag_ms(lag.value_or(-1));
  const QuorumReplica* leader = q.Leader();
  const int64_t now = leader != nullptr ? leader->last_caught_up_ms : -1;
  out.set_last_fetch_ms_ago(now >= 0 && r.last_fetch_ms >= 0
                                ? now - r.last_fetch_ms
                                : -1);
  out.set_last_caught_up_ms_ago(now >= 0 && r.last_caught_up_ms >= 0
                                    ? now - r.last_caught_up_ms
                                    : -1);
  out.set_caught_up(lag.has_value() && *lag < limit_ms);
  return out;
}

void FillQuorumStatus(const ClusterMetadata& c, v1::QuorumStatus* out) {
  out->set_known(c.quorum.has_value());
  out->set_error(c.quorum_error);
  if (!c.quorum.has_value()) return;
  const QuorumView& q = *c.quorum;
  const ReadinessOptions limits;
  out->set_answered_by(q.answered_by);
  out->set_leader_id(q.leader_id);
  out->set_leader_epoch(q.leader_epoch);
  out->set_high_watermark(q.high_watermark);
  for (const QuorumReplica& r : q.voters) {
    *out->add_voters() = QuorumReplicaProto(
        q, r, absl::ToInt64Milliseconds(limits.voter_lag_limit));
  }
  for (const QuorumReplica& r : q.observers) {
    *out->add_observers() = QuorumReplicaProto(
        q, r, absl::ToInt64Milliseconds(limits.observer_lag_limit));
  }
}

void FillRegistrationStatus(const ClusterMetadata& c,
                            v1::RegistrationStatus* out) {
  out->set_known(c.registration.has_value());
  out->set_error(c.registration_error);
  if (!c.registration.has_value()) return;
  out->set_answered_by(c.registration->answered_by);
  out->set_fencing_known(c.registration->fencing_known);
  for (const Registration& r : c.registration->brokers) {
    if (r.fenced) {
      out->add_fenced(r.id);
    } else {
      out->add_unfenced(r.id);
    }
  }
}

}  // namespace

v1::Identity IdentityProto(const Identity& id) {
  v1::Identity out;
  out.set_pod_name(id.pod_name);
  out.set_namespace_(id.namespace_name);
  out.set_ordinal(id.ordinal);
  out.set_node_id(id.node_id);
  if (id.is_broker) out.add_process_roles("broker");
  if (id.is_controller) out.add_process_roles("controller");
  out.set_controller_quorum_voters(FormatVoters(id.voters));
  out.set_advertised_listener(id.AdvertisedListener());
  out.set_fqdn(id.fqdn);
  out.set_listeners(id.Listeners());
  out.set_advertised_listeners(id.AdvertisedListeners());
  out.set_listener_security_protocol_map(id.SecurityProtocolMap());
  out.set_inter_broker_listener_name(id.InterBrokerListenerName());
  out.set_controller_listener_name(id.controller_listener.name);
  out.set_broker_security_protocol(
      std::string(SecurityProtocolName(id.broker_listener.protocol)));
  out.set_controller_security_protocol(
      std::string(SecurityProtocolName(id.controller_listener.protocol)));
  if (id.is_broker) out.set_rack(id.rack);
  out.set_controller_statefulset(id.controller_statefulset);
  out.set_controller_service(id.controller_service);
  return out;
}

namespace {

void FillPartition(const PartitionRef& p, v1::Partition* out) {
  out->set_topic(p.topic());
  out->set_partition(p.partition());
  out->set_leader(p.leader());
  const absl::Span<const int32_t> replicas = p.replicas();
  const absl::Span<const int32_t> isr = p.isr();
  out->mutable_replicas()->Reserve(static_cast<int>(replicas.size()));
  for (int32_t r : replicas) out->add_replicas(r);
  out->mutable_isr()->Reserve(static_cast<int>(isr.size()));
  for (int32_t r : isr) out->add_isr(r);
  out->set_min_insync_replicas(p.min_isr());
  out->set_under_replicated(p.under_replicated());
  out->set_under_min_isr(p.under_min_isr());
  out->set_offline(p.offline());
}

std::string ApiName(int16_t key) {
  return wire::ApiKeyName(key);
}

void FillTraffic(const KafkaTraffic& t, v1::KafkaTraffic* out) {
  for (const auto& [key, a] : t.wire) {
    v1::ApiTraffic* pa = out->add_wire();
    pa->set_api(ApiName(key));
    pa->set_requests(a.requests);
    pa->set_bytes_sent(a.bytes_sent);
    pa->set_bytes_received(a.bytes_received);
  }
  v1::ApiTraffic* lr = out->mutable_librdkafka();
  lr->set_api("all");
  lr->set_requests(t.librdkafka.requests);
  lr->set_bytes_sent(t.librdkafka.bytes_sent);
  lr->set_bytes_received(t.librdkafka.bytes_received);
  if (t.since != absl::InfinitePast()) {
    *out->mutable_since() = TimestampProto(t.since);
  }
}

}  // namespace

v1::Partition PartitionProto(const PartitionRef& p) {
  v1::Partition out;
  FillPartition(p, &out);
  return out;
}

v1::Partition PartitionProto(const PartitionState& p) {
  v1::Partition out;
  out.set_topic(p.topic);
  out.set_partition(p.partition);
  out.set_leader(p.leader);
  for (int32_t r : p.replicas) out.add_replicas(r);
  for (int32_t r : p.isr) out.add_isr(r);
  out.set_min_insync_replicas(p.min_isr);
  out.set_under_replicated(p.isr.size() < p.replicas.size());
  out.set_under_min_isr(p.min_isr > 0 &&
                        static_cast<int32_t>(p.isr.size()) < p.min_isr);
  out.set_offline(p.leader < 0);
  return out;
}

v1::AgentStatus BuildAgentStatus(const StatusContext& ctx,
                                 const Snapshot& snapshot,
                                 const HealthReport& health) {
  const Identity& id = *ctx.identity;
  v1::AgentStatus s;
  *s.mutable_identity() = IdentityProto(id);
  s.set_bootstrap(ctx.bootstrap);
  *s.mutable_poll_interval() = DurationProto(ctx.poll_interval);
  s.set_last_error(snapshot.last_error);
  s.set_snapshot_stale(health.stale);
  s.set_controller_id(-1);
  for (const auto& [name, h] : health.Services()) {
    v1::HealthServiceStatus* hs = s.add_health();
    hs->set_service(name);
    hs->set_serving(h->serving);
    hs->set_reason(h->reason);
  }
  s.set_broker_registered(health.has_broker && health.broker.serving);
  s.set_ready(health.ready.serving);
  s.set_ready_reason(health.ready.reason);
  const ClusterMetadata& c = snapshot.cluster;
  FillTraffic(snapshot.traffic, s.mutable_kafka_traffic());
  v1::LocalNode* local = s.mutable_local();
  local->set_address(c.local.address);
  local->set_answered(c.local.answered);
  local->set_error(c.local.error);
  FillQuorumStatus(c, s.mutable_quorum());
  FillRegistrationStatus(c, s.mutable_registration());
  s.set_controller_id(c.controller_id);
  if (!snapshot.has_data()) return s;

  s.set_metadata_answered_by(c.metadata_answered_by);
  for (size_t i = 0; i < c.reassignments.size() && i < kMaxReassignments;
       ++i) {
    const Reassignment& r = c.reassignments[i];
    v1::Reassignment* pr = s.add_reassignments();
    pr->set_topic(r.topic);
    pr->set_partition(r.partition);
    for (int32_t x : r.replicas) pr->add_replicas(x);
    for (int32_t x : r.adding) pr->add_adding(x);
    for (int32_t x : r.removing) pr->add_removing(x);
  }
  s.set_reassignment_count(static_cast<int32_t>(c.reassignments.size()));
  s.set_reassignments_error(c.reassignments_error);
  for (const TopicConfigError& e : snapshot.config_errors) {
    v1::TopicConfigError* pe = s.add_config_errors();
    pe->set_topic(e.topic);
    pe->set_error(e.error);
  }
  s.set_config_error_count(static_cast<int32_t>(snapshot.config_error_count));
  s.set_cluster_id(c.cluster_id);
  for (int32_t b : c.brokers) s.add_brokers(b);
  v1::MetadataFetch* mf = s.mutable_metadata_fetch();
  mf->set_all_topics(c.fetch.all_topics);
  mf->set_topics_asked(c.fetch.topics_asked);
  if (c.fetch.all_topics_at != absl::InfinitePast()) {
    *mf->mutable_all_topics_time() = TimestampProto(c.fetch.all_topics_at);
  }
  *mf->mutable_all_topics_every() = DurationProto(c.fetch.all_topics_every);
  *s.mutable_snapshot_time() = TimestampProto(snapshot.taken_at);
  *s.mutable_snapshot_age() = DurationProto(health.age);
  const PartitionCounts& n = snapshot.assessment.counts;
  v1::PartitionCounts* pc = s.mutable_counts();
  pc->set_topics(n.topics);
  pc->set_partitions(n.partitions);
  pc->set_partitions_led(n.partitions_led);
  pc->set_replicas_hosted(n.replicas_hosted);
  pc->set_under_replicated(n.under_replicated);
  pc->set_under_min_isr(n.under_min_isr);
  pc->set_offline(n.offline);
  pc->set_not_in_isr(n.not_in_isr);
  pc->set_reassigning_here(n.reassigning_here);
  pc->set_reassignments(n.reassignments);
  return s;
}

v1::AgentStatus WithoutTimes(const v1::AgentStatus& s) {
  v1::AgentStatus out = s;
  out.clear_snapshot_age();
  out.clear_snapshot_time();
  // Counters and fetch times change with every poll.
  out.clear_kafka_traffic();
  out.mutable_metadata_fetch()->clear_all_topics_time();
  // The stale reason quotes the age; keep only whether it is stale.
  for (v1::HealthServiceStatus& h : *out.mutable_health()) {
    if (s.snapshot_stale()) h.clear_reason();
  }
  if (s.snapshot_stale()) out.clear_ready_reason();
  return out;
}

std::string PageToken(absl::string_view topic, int32_t partition) {
  return absl::WebSafeBase64Escape(absl::StrCat(partition, "/", topic));
}

absl::Status ParsePageToken(absl::string_view token, std::string* topic,
                            int32_t* partition) {
  std::string raw;
  const auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token \"", token.substr(0, 80),
        "\" is not a next_page_token this agent gave; leave it empty for the "
        "first page"));
  };
  if (!absl::WebSafeBase64Unescape(token, &raw)) return bad();
  const size_t slash = raw.find('/');
  if (slash == std::string::npos || slash == 0 ||
      !absl::SimpleAtoi(absl::string_view(raw).substr(0, slash), partition)) {
    return bad();
  }
  *topic = raw.substr(slash + 1);
  return absl::OkStatus();
}

absl::StatusOr<v1::ListPartitionsResponse> BuildListPartitions(
    const Snapshot& snapshot, const v1::ListPartitionsRequest& request) {
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size ", request.page_size(),
                     " is negative; give 1-", kMaxPageSize,
                     " or 0 for the default (", kMaxPageSize, ")"));
  }
  const size_t page_size = static_cast<size_t>(
      request.page_size() == 0 ? kMaxPageSize
                               : std::min(request.page_size(), kMaxPageSize));
  PartitionFilter f;
  f.topic = request.topic();
  f.under_replicated = request.under_replicated();
  f.under_min_isr = request.under_min_isr();
  f.offline = request.offline();
  if (request.has_node_id()) f.node = request.node_id();
  f.exclude_internal = request.exclude_internal();

  const Partitions& ps = snapshot.cluster.partitions;
  size_t first = 0, last = ps.size();
  if (!f.topic.empty()) {
    std::optional<uint32_t> t = ps.FindTopic(f.topic);
    first = last = 0;
    if (t) {
      first = ps.topics()[*t].begin;
      last = ps.topics()[*t].end;
    }
  }
  size_t start = first;
  if (!request.page_token().empty()) {
    std::string topic;
    int32_t partition = 0;
    KA_RETURN_IF_ERROR(
        ParsePageToken(request.page_token(), &topic, &partition));
    start = std::max(first, ps.UpperBound(topic, partition));
  }

  v1::ListPartitionsResponse out;
  size_t total = 0, bytes = 0;
  bool full = false;
  int32_t last_partition = 0;
  uint32_t last_row = 0;
  for (size_t i = first; i < last; ++i) {
    const PartitionRef p = ps[i];
    if (!Matches(f, p)) continue;
    ++total;
    if (i < start) continue;
    if (full) {
      if (out.next_page_token().empty()) {
        out.set_next_page_token(
            PageToken(ps[last_row].topic(), last_partition));
      }
      continue;
    }
    v1::Partition* pp = out.add_partitions();
    FillPartition(p, pp);
    bytes += pp->ByteSizeLong() + 4;  // + field tag and length
    last_row = p.index();
    last_partition = p.partition();
    full = static_cast<size_t>(out.partitions_size()) >= page_size ||
           bytes >= kMaxPageBytes - 4096;
  }
  out.set_total_size(static_cast<int32_t>(
      std::min<size_t>(total, std::numeric_limits<int32_t>::max())));
  if (snapshot.has_data()) {
    *out.mutable_snapshot_time() = TimestampProto(snapshot.taken_at);
  }
  return out;
}

absl::StatusOr<v1::CheckRestartSafetyResponse> BuildRestartSafety(
    const StatusContext& ctx, const Snapshot& snapshot,
    const HealthReport& health, const v1::CheckRestartSafetyRequest& request) {
  const int32_t node =
      request.has_node_id() ? request.node_id() : ctx.identity->node_id;
  if (health.stale) {
    return absl::UnavailableError(absl::StrCat(
        "cannot judge restart safety of node ", node, ": ",
        health.ready.reason));
  }
  std::vector<int32_t> voter_ids;
  for (const Voter& v : ctx.identity->voters) voter_ids.push_back(v.node_id);
  const RestartSafety safety =
      EvaluateRestartSafety(snapshot.cluster, node, voter_ids,
                            ReadinessOptions(), kMaxAtRiskListed);
  v1::CheckRestartSafetyResponse out;
  out.set_node_id(node);
  out.set_safe(safety.safe);
  out.set_reason(safety.reason);
  for (const PartitionAtRisk& r : safety.at_risk) {
    v1::PartitionAtRisk* pr = out.add_at_risk();
    *pr->mutable_partition() = PartitionProto(r.partition);
    pr->set_isr_after(r.isr_after);
    pr->set_reason(r.reason);
  }
  out.set_at_risk_count(static_cast<int32_t>(std::min<size_t>(
      safety.at_risk_count, std::numeric_limits<int32_t>::max())));
  out.set_quorum_at_risk(safety.quorum_at_risk);
  out.set_quorum_reason(safety.quorum_reason);
  *out.mutable_snapshot_time() = TimestampProto(snapshot.taken_at);
  return out;
}

v1::CheckRestartSafetyResponse BuildRestartWait(const PrestopResult& result,
                                                const Snapshot& snapshot) {
  v1::CheckRestartSafetyResponse out;
  out.set_node_id(result.node);
  out.set_safe(result.safe());
  out.set_reason(result.Line());
  for (const PartitionAtRisk& r : result.last.at_risk) {
    v1::PartitionAtRisk* pr = out.add_at_risk();
    *pr->mutable_partition() = PartitionProto(r.partition);
    pr->set_isr_after(r.isr_after);
    pr->set_reason(r.reason);
  }
  out.set_at_risk_count(static_cast<int32_t>(std::min<size_t>(
      std::max(result.last.at_risk_count, result.last.at_risk.size()),
      std::numeric_limits<int32_t>::max())));
  out.set_quorum_at_risk(result.last.quorum_at_risk);
  out.set_quorum_reason(result.last.quorum_reason);
  if (snapshot.has_data()) {
    *out.mutable_snapshot_time() = TimestampProto(snapshot.taken_at);
  }
  *out.mutable_waited() = DurationProto(result.waited);
  out.set_timed_out(result.outcome == PrestopOutcome::kTimedOut);
  return out;
}

}  // namespace kafka_agent
