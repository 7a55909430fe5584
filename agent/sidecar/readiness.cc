#include "agent/sidecar/readiness.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/base/identity.h"

namespace kafka_agent {
namespace {

bool Contains(absl::Span<const int32_t> v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string Ms(int64_t ms) { return absl::StrCat(ms, "ms"); }

std::string ReplicaIds(const std::vector<QuorumReplica>& rs) {
  return absl::StrJoin(rs, ",", [](std::string* out, const QuorumReplica& r) {
    absl::StrAppend(out, r.id);
  });
}

// kafka.controller: the quorum has a leader and `node` is a voter that has
// caught up.
void AssessController(const ClusterMetadata& c, int32_t node,
                      const ReadinessOptions& o, Assessment* a) {
  if (!c.quorum.has_value()) {
    a->controller_reason = absl::StrCat("the KRaft quorum is unknown: ",
                                        c.quorum_error);
    return;
  }
  const QuorumView& q = *c.quorum;
  if (q.leader_id < 0) {
    a->controller_reason = absl::StrCat(
        "the KRaft quorum has no leader (voters [", ReplicaIds(q.voters),
        "], epoch ", q.leader_epoch, ")");
    return;
  }
  const QuorumReplica* self = q.Voter(node);
  if (self == nullptr) {
    a->controller_reason =
        absl::StrCat("node ", node, " is not a voter of the quorum (voters [",
                     ReplicaIds(q.voters), "])");
    return;
  }
  const std::optional<int64_t> lag = QuorumLagMs(q, *self);
  a->metadata_lag_ms = lag.value_or(-1);
  const int64_t limit = absl::ToInt64Milliseconds(o.voter_lag_limit);
  if (!lag.has_value() || *lag >= limit) {
    a->controller_reason = absl::StrCat(
        "controller ", node, " has not caught up with leader ", q.leader_id,
        lag.has_value() ? absl::StrCat(": ", Ms(*lag), " behind (limit ",
                                       Ms(limit), ")")
                        : absl::StrCat(": log end offset ",
                                       self->log_end_offset,
                                       " < high watermark ", q.high_watermark));
    return;
  }
  // A leader without a caught-up majority cannot commit: Kafka resigns it
  // only after 1.5 fetch timeouts; say so as soon as its own answer shows it.
  int caught_up = 0;
  for (const QuorumReplica& v : q.voters) {
    const std::optional<int64_t> l = QuorumLagMs(q, v);
    if (l.has_value() && *l < limit) ++caught_up;
  }
  const int needed = Majority(static_cast<int>(q.voters.size()));
  if (caught_up < needed) {
    a->controller_reason = absl::StrCat(
        "the KRaft quorum has no caught-up majority: ", caught_up, " of ",
        q.voters.size(), " voters within ", Ms(limit), " of leader ",
        q.leader_id, " (a quorum needs ", needed, ", epoch ", q.leader_epoch,
        ")");
    return;
  }
  a->controller_ok = true;
  a->controller_reason =
      node == q.leader_id
          ? absl::StrCat("controller ", node, " leads the quorum (epoch ",
                         q.leader_epoch, ")")
          : absl::StrCat("controller ", node, " is a voter caught up with leader ",
                         q.leader_id, " (", Ms(*lag), " behind, epoch ",
                         q.leader_epoch, ")");
}

// kafka.broker: answers locally, registered and unfenced, metadata current.
void AssessBroker(const ClusterMetadata& c, int32_t node, bool is_voter,
                  const ReadinessOptions& o, Assessment* a) {
  if (!c.local.answered) {
    a->broker_reason = absl::StrCat("broker ", node, " does not answer on ",
                                    c.local.address, ": ", c.local.error);
    return;
  }
  if (c.metadata_answered_by.empty()) {
    a->broker_reason = absl::StrCat("no metadata from broker ", node, " yet");
    return;
  }
  if (!c.quorum.has_value()) {
    a->broker_reason = absl::StrCat(
        "broker ", node, " cannot reach the KRaft quorum: ", c.quorum_error);
    return;
  }
  const QuorumView& q = *c.quorum;
  if (q.leader_id < 0) {
    a->broker_reason = "the KRaft quorum has no leader";
    return;
  }
  const QuorumReplica* self = is_voter ? q.Voter(node) : q.Observer(node);
  if (self == nullptr) {
    a->broker_reason = absl::StrCat(
        "broker ", node,
        " does not replicate the metadata log yet (not among the quorum's ",
        is_voter ? "voters" : "observers", ")");
    return;
  }
  const std::optional<int64_t> lag = QuorumLagMs(q, *self);
  a->metadata_lag_ms = lag.value_or(-1);
  const int64_t limit = absl::ToInt64Milliseconds(o.observer_lag_limit);
  if (!lag.has_value() || *lag >= limit) {
    a->broker_reason = absl::StrCat(
        "broker ", node, "'s metadata is not current: ",
        lag.has_value() ? absl::StrCat(Ms(*lag), " behind quorum leader ",
                                       q.leader_id, " (limit ", Ms(limit),
                                       "); cut off from the controllers?")
                        : "behind the quorum's high watermark");
    return;
  }
  if (!c.registration.has_value()) {
    a->broker_reason = absl::StrCat("cannot tell whether broker ", node,
                                    " is registered: ", c.registration_error);
    return;
  }
  const RegistrationView& reg = *c.registration;
  const Registration* r = reg.Find(node);
  if (r == nullptr) {
    std::vector<int32_t> ids;
    for (const Registration& b : reg.brokers) ids.push_back(b.id);
    a->broker_reason = absl::StrCat(
        "broker ", node, " is not registered",
        reg.fencing_known ? "" : " or is fenced", " (brokers [",
        absl::StrJoin(ids, ","), "] per ", reg.answered_by, ")");
    return;
  }
  if (r->fenced) {
    a->broker_reason = absl::StrCat("broker ", node,
                                    " is fenced by the controllers (per ",
                                    reg.answered_by, ")");
    return;
  }
  a->broker_ok = true;
  a->broker_reason = absl::StrCat(
      "broker ", node, " answers on ", c.local.address,
      ", is registered and unfenced, and its metadata is current (",
      Ms(*lag), " behind leader ", q.leader_id, ")");
}

}  // namespace

NodeRoles RolesOf(const Identity& identity) {
  NodeRoles r{identity.node_id, identity.is_broker, identity.is_controller, {}};
  for (const Voter& v : identity.voters) r.voter_ids.push_back(v.node_id);
  return r;
}

std::optional<int64_t> QuorumLagMs(const QuorumView& q, const QuorumReplica& r) {
  const QuorumReplica* leader = q.Leader();
  if (leader != nullptr && leader->last_caught_up_ms >= 0 &&
      r.last_caught_up_ms >= 0) {
    return std::max<int64_t>(0, leader->last_caught_up_ms - r.last_caught_up_ms);
  }
  if (r.id == q.leader_id) return 0;
  if (r.log_end_offset >= 0 && q.high_watermark >= 0 &&
      r.log_end_offset >= q.high_watermark) {
    return 0;
  }
  return std::nullopt;
}

std::string PartitionList(const Partitions& ps,
                          const std::vector<uint32_t>& rows, size_t max,
                          size_t total) {
  total = std::max(total, rows.size());
  std::vector<std::string> names;
  for (size_t i = 0; i < rows.size() && i < max; ++i) {
    const PartitionRef p = ps[rows[i]];
    names.push_back(absl::StrCat(p.topic(), "-", p.partition()));
  }
  std::string out = absl::StrJoin(names, ", ");
  if (total > names.size()) {
    absl::StrAppend(&out, " and ", total - names.size(), " more");
  }
  return out;
}

Assessment Assess(const ClusterMetadata& cluster, const NodeRoles& roles,
                  const ReadinessOptions& options) {
  Assessment a;
  a.roles = roles;
  const int32_t node = roles.node_id;
  a.restart = EvaluateRestartSafety(cluster, node, roles.voter_ids, options,
                                    kMaxAtRiskListed);
  PartitionCounts& c = a.counts;
  c.reassignments = static_cast<int32_t>(cluster.reassignments.size());
  const Partitions& ps = cluster.partitions;
  c.topics = static_cast<int32_t>(ps.topics().size());
  c.partitions = static_cast<int32_t>(ps.size());
  for (const PartitionRef p : ps) {
    const int32_t leader = p.leader();
    const absl::Span<const int32_t> isr = p.isr();
    if (leader == node) ++c.partitions_led;
    if (p.HasReplica(node)) {
      ++c.replicas_hosted;
      if (leader >= 0 && !Contains(isr, node)) {
        if (cluster.BeingAdded(p.topic(), p.partition(), node)) {
          ++c.reassigning_here;  // still copying: not a lagging replica
        } else {
          ++c.not_in_isr;
          a.lagging.push_back(p.index());
        }
      }
    }
    if (isr.size() < p.replicas().size()) ++c.under_replicated;
    if (p.under_min_isr()) ++c.under_min_isr;
    if (leader < 0) ++c.offline;
  }

  if (roles.controller) AssessController(cluster, node, options, &a);
  if (roles.broker) AssessBroker(cluster, node, roles.controller, options, &a);

  std::vector<std::string> why_not;
  if (roles.broker && !a.broker_ok) why_not.push_back(a.broker_reason);
  if (roles.controller && !a.controller_ok) {
    why_not.push_back(a.controller_reason);
  }
  if (roles.broker && a.broker_ok && !a.lagging.empty()) {
    why_not.push_back(absl::StrCat(
        "broker ", node, " is not in the ISR of ", a.lagging.size(),
        " of its ", c.replicas_hosted, " partitions (",
        PartitionList(ps, a.lagging), "): still catching up"));
  }
  if (!why_not.empty()) {
    a.ready_reason = absl::StrJoin(why_not, "; ");
    return a;
  }
  a.ready = true;
  std::vector<std::string> summary;
  if (roles.broker) {
    // A replica still being added is hosted but not (yet) in the ISR.
    const int in_isr = c.replicas_hosted - c.reassigning_here;
    summary.push_back(absl::StrCat(
        "broker ", node, " is registered and in the ISR of all its ", in_isr,
        in_isr == 1 ? " partition" : " partitions", " with an online leader",
        c.reassigning_here > 0
            ? absl::StrCat(" (", c.reassigning_here,
                           " more still being added by a reassignment)")
            : ""));
  }
  if (roles.controller) summary.push_back(a.controller_reason);
  a.ready_reason = absl::StrJoin(summary, "; ");
  return a;
}

RestartSafety EvaluateRestartSafety(const ClusterMetadata& cluster,
                                    int32_t node,
                                    const std::vector<int32_t>& voter_ids,
                                    const ReadinessOptions& options,
                                    size_t max_listed) {
  RestartSafety s;
  std::vector<uint32_t> rows;  // the listed ones
  for (const PartitionRef p : cluster.partitions) {
    if (!p.InIsr(node)) continue;
    const int32_t after = static_cast<int32_t>(p.isr().size()) - 1;
    const int32_t min_isr = p.min_isr();
    if (after > 0 && !(min_isr > 0 && after < min_isr)) continue;
    if (s.at_risk_count++ >= max_listed) continue;
    rows.push_back(p.index());
    s.at_risk.push_back(
        {p.ToState(), after,
         after == 0 ? "offline: no in-sync replica would be left"
                    : absl::StrCat("under min.insync.replicas (", after, " < ",
                                   min_isr, ")")});
  }
  // The quorum rule.
  if (cluster.quorum.has_value() && cluster.quorum->Voter(node) != nullptr) {
    const QuorumView& q = *cluster.quorum;
    const int64_t limit = absl::ToInt64Milliseconds(options.voter_lag_limit);
    int caught_up = 0;
    for (const QuorumReplica& v : q.voters) {
      if (v.id == node || q.leader_id < 0) continue;
      std::optional<int64_t> lag = QuorumLagMs(q, v);
      if (lag.has_value() && *lag < limit) ++caught_up;
    }
    const int needed = Majority(static_cast<int>(q.voters.size()));
    if (caught_up < needed) {
      s.quorum_at_risk = true;
      s.quorum_reason = absl::StrCat(
          "stopping controller ", node, " would leave ", caught_up,
          " caught-up voter(s) of ", q.voters.size(), "; a quorum needs ",
          needed,
          q.leader_id < 0 ? " (the quorum has no leader now)" : "");
    }
  } else if (!cluster.quorum.has_value() && Contains(voter_ids, node)) {
    s.quorum_at_risk = true;
    s.quorum_reason = absl::StrCat("controller ", node,
                                   " is a voter and the quorum is unknown: ",
                                   cluster.quorum_error);
  } else if (!cluster.quorum.has_value() || cluster.quorum->leader_id < 0) {
    // A broker: without an active controller nobody moves its leaderships
    // or shrinks its ISRs when it stops, so its partitions go offline.
    s.quorum_at_risk = true;
    s.quorum_reason = absl::StrCat(
        "the KRaft quorum ",
        cluster.quorum.has_value()
            ? "has no leader"
            : absl::StrCat("is unknown (", cluster.quorum_error, ")"),
        ": no active controller would move broker ", node,
        "'s partition leaderships");
  }

  std::vector<std::string> risks;
  if (s.at_risk_count > 0) {
    risks.push_back(absl::StrCat(
        "stopping broker ", node, " now would leave ", s.at_risk_count,
        " partition(s) below min.insync.replicas or offline: ",
        PartitionList(cluster.partitions, rows, 5, s.at_risk_count)));
  }
  if (s.quorum_at_risk) risks.push_back(s.quorum_reason);
  if (risks.empty()) {
    s.reason = absl::StrCat("stopping broker ", node,
                            " keeps every partition at or above "
                            "min.insync.replicas",
                            cluster.quorum.has_value() &&
                                    cluster.quorum->Voter(node) != nullptr
                                ? " and a caught-up majority of the quorum"
                                : "");
    return s;
  }
  s.safe = false;
  s.reason = absl::StrJoin(risks, "; ");
  return s;
}

bool IsInternalTopic(absl::string_view topic) {
  return absl::StartsWith(topic, "__");
}

bool Matches(const PartitionFilter& f, const PartitionRef& p) {
  if (!f.topic.empty() && p.topic() != f.topic) return false;
  if (f.under_replicated && !p.under_replicated()) return false;
  if (f.under_min_isr && !p.under_min_isr()) return false;
  if (f.offline && !p.offline()) return false;
  if (f.node.has_value() && !p.HasReplica(*f.node)) return false;
  if (f.exclude_internal && IsInternalTopic(p.topic())) return false;
  return true;
}

}  // namespace kafka_agent
