#include "agent/sidecar/report.h"

#include "absl/strings/str_cat.h"
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

v1::Partition PartitionProto(const PartitionState& p) {
  v1::Partition out;
  out.set_topic(p.topic);
  out.set_partition(p.partition);
  out.set_leader(p.leader);
  for (int32_t r : p.replicas) out.add_replicas(r);
  for (int32_t r : p.isr) out.add_isr(r);
  out.set_min_insync_replicas(p.min_isr);
  out.set_under_replicated(p.under_replicated());
  out.set_under_min_isr(p.under_min_isr());
  out.set_offline(p.offline());
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
  s.set_broker_registered(health.broker.serving);
  s.set_ready(health.ready.serving);
  s.set_ready_reason(health.ready.reason);
  if (!snapshot.has_data()) return s;

  for (const TopicConfigError& e : snapshot.config_errors) {
    v1::TopicConfigError* pe = s.add_config_errors();
    pe->set_topic(e.topic);
    pe->set_error(e.error);
  }
  s.set_config_error_count(static_cast<int32_t>(snapshot.config_error_count));
  const ClusterMetadata& c = snapshot.cluster;
  s.set_cluster_id(c.cluster_id);
  s.set_controller_id(c.controller_id);
  for (int32_t b : c.brokers) s.add_brokers(b);
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
  return s;
}

v1::AgentStatus WithoutTimes(const v1::AgentStatus& s) {
  v1::AgentStatus out = s;
  out.clear_snapshot_age();
  out.clear_snapshot_time();
  // The stale reason quotes the age; keep only whether it is stale.
  for (v1::HealthServiceStatus& h : *out.mutable_health()) {
    if (s.snapshot_stale()) h.clear_reason();
  }
  if (s.snapshot_stale()) out.clear_ready_reason();
  return out;
}

v1::ListPartitionsResponse BuildListPartitions(
    const Snapshot& snapshot, const v1::ListPartitionsRequest& request) {
  PartitionFilter f;
  f.topic = request.topic();
  f.under_replicated = request.under_replicated();
  f.under_min_isr = request.under_min_isr();
  f.offline = request.offline();
  if (request.has_node_id()) f.node = request.node_id();
  f.exclude_internal = request.exclude_internal();
  v1::ListPartitionsResponse out;
  for (const PartitionState& p : snapshot.cluster.partitions) {
    if (Matches(f, p)) *out.add_partitions() = PartitionProto(p);
  }
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
        "cannot judge restart safety of broker ", node, ": ",
        health.broker.reason));
  }
  const RestartSafety safety = EvaluateRestartSafety(snapshot.cluster, node);
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
  if (snapshot.has_data()) {
    *out.mutable_snapshot_time() = TimestampProto(snapshot.taken_at);
  }
  *out.mutable_waited() = DurationProto(result.waited);
  out.set_timed_out(result.outcome == PrestopOutcome::kTimedOut);
  return out;
}

}  // namespace kafka_agent
