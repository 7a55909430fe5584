#include "agent/sidecar/readiness.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kafka_agent {

std::string PartitionList(const std::vector<PartitionState>& ps,
                          size_t max) {
  std::vector<std::string> names;
  for (size_t i = 0; i < ps.size() && i < max; ++i) {
    names.push_back(absl::StrCat(ps[i].topic, "-", ps[i].partition));
  }
  std::string out = absl::StrJoin(names, ", ");
  if (ps.size() > max) absl::StrAppend(&out, " and ", ps.size() - max, " more");
  return out;
}

Assessment Assess(const ClusterMetadata& cluster, int32_t node) {
  Assessment a;
  a.node = node;
  a.registered = cluster.HasBroker(node);
  a.restart = EvaluateRestartSafety(cluster, node);
  PartitionCounts& c = a.counts;
  const std::string* last_topic = nullptr;
  for (const PartitionState& p : cluster.partitions) {
    // Partitions are sorted by topic: a new name is a new topic.
    if (last_topic == nullptr || *last_topic != p.topic) ++c.topics;
    last_topic = &p.topic;
    ++c.partitions;
    if (p.leader == node) ++c.partitions_led;
    if (p.HasReplica(node)) {
      ++c.replicas_hosted;
      if (!p.offline() && !p.InIsr(node)) {
        ++c.not_in_isr;
        a.lagging.push_back(p);
      }
    }
    if (p.under_replicated()) ++c.under_replicated;
    if (p.under_min_isr()) ++c.under_min_isr;
    if (p.offline()) ++c.offline;
  }
  if (!a.registered) {
    a.broker_reason = absl::StrCat(
        "broker ", node,
        " is not registered (not in the cluster's broker list [",
        absl::StrJoin(cluster.brokers, ","), "]: down, starting or fenced)");
    a.ready_reason = a.broker_reason;
    return a;
  }
  a.broker_reason = absl::StrCat("broker ", node, " is registered");
  if (!a.lagging.empty()) {
    a.ready_reason = absl::StrCat(
        "broker ", node, " is not in the ISR of ", a.lagging.size(),
        " of its ", c.replicas_hosted, " partitions (",
        PartitionList(a.lagging), "): still catching up");
    return a;
  }
  a.ready = true;
  a.ready_reason = absl::StrCat("broker ", node,
                                " is registered and in the ISR of all its ",
                                c.replicas_hosted,
                                " partitions with an online leader");
  return a;
}

RestartSafety EvaluateRestartSafety(const ClusterMetadata& cluster,
                                    int32_t node) {
  RestartSafety s;
  for (const PartitionState& p : cluster.partitions) {
    if (!p.InIsr(node)) continue;
    const int32_t after = static_cast<int32_t>(p.isr.size()) - 1;
    if (after == 0) {
      s.at_risk.push_back({p, after, "offline: no in-sync replica would be left"});
    } else if (p.min_isr > 0 && after < p.min_isr) {
      s.at_risk.push_back({p, after,
                           absl::StrCat("under min.insync.replicas (", after,
                                        " < ", p.min_isr, ")")});
    }
  }
  if (s.at_risk.empty()) {
    s.reason = absl::StrCat("stopping broker ", node,
                            " keeps every partition at or above "
                            "min.insync.replicas");
    return s;
  }
  s.safe = false;
  std::vector<PartitionState> ps;
  for (const auto& r : s.at_risk) ps.push_back(r.partition);
  s.reason = absl::StrCat("stopping broker ", node, " now would leave ",
                          s.at_risk.size(),
                          " partition(s) below min.insync.replicas or "
                          "offline: ",
                          PartitionList(ps));
  return s;
}

bool IsInternalTopic(const std::string& topic) {
  return absl::StartsWith(topic, "__");
}

bool Matches(const PartitionFilter& f, const PartitionState& p) {
  if (!f.topic.empty() && p.topic != f.topic) return false;
  if (f.under_replicated && !p.under_replicated()) return false;
  if (f.under_min_isr && !p.under_min_isr()) return false;
  if (f.offline && !p.offline()) return false;
  if (f.node.has_value() && !p.HasReplica(*f.node)) return false;
  if (f.exclude_internal && IsInternalTopic(p.topic)) return false;
  return true;
}

}  // namespace kafka_agent
