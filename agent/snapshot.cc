#include "agent/snapshot.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/sync.h"

namespace kafka_agent {
namespace {

bool Contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

bool PartitionState::HasReplica(int32_t node) const {
  return Contains(replicas, node);
}
bool PartitionState::InIsr(int32_t node) const { return Contains(isr, node); }

bool ClusterMetadata::HasBroker(int32_t node) const {
  return Contains(brokers, node);
}

SnapshotStore::SnapshotStore() : current_(std::make_shared<Snapshot>()) {}

std::shared_ptr<const Snapshot> SnapshotStore::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

void SnapshotStore::Publish(Snapshot snapshot) {
  auto next = std::make_shared<Snapshot>(std::move(snapshot));
  {
    std::lock_guard<std::mutex> lock(mu_);
    next->generation = current_->generation + 1;
    current_ = std::move(next);
  }
  published_.notify_all();
}

uint64_t SnapshotStore::WaitForNewer(uint64_t generation,
                                     absl::Time deadline) const {
  std::unique_lock<std::mutex> lock(mu_);
  Notification::WaitUntil(published_, lock, deadline, [&] {
    return current_->generation > generation;
  });
  return current_->generation;
}

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

Readiness EvaluateReadiness(const ClusterMetadata& cluster, int32_t node) {
  Readiness r;
  r.registered = cluster.HasBroker(node);
  int hosted = 0;
  for (const PartitionState& p : cluster.partitions) {
    if (!p.HasReplica(node)) continue;
    ++hosted;
    if (!p.offline() && !p.InIsr(node)) r.lagging.push_back(p);
  }
  if (!r.registered) {
    r.reason = absl::StrCat("broker ", node,
                            " is not registered (not in the cluster's broker "
                            "list [",
                            absl::StrJoin(cluster.brokers, ","),
                            "]: down, starting or fenced)");
    return r;
  }
  if (!r.lagging.empty()) {
    r.reason = absl::StrCat("broker ", node, " is not in the ISR of ",
                            r.lagging.size(), " of its ", hosted,
                            " partitions (", PartitionList(r.lagging),
                            "): still catching up");
    return r;
  }
  r.ready = true;
  r.reason = absl::StrCat("broker ", node, " is registered and in the ISR of "
                          "all its ", hosted, " partitions with an online leader");
  return r;
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

PartitionCounts CountPartitions(const ClusterMetadata& cluster, int32_t node) {
  PartitionCounts c;
  std::set<std::string> topics;
  for (const PartitionState& p : cluster.partitions) {
    topics.insert(p.topic);
    ++c.partitions;
    if (p.leader == node) ++c.partitions_led;
    if (p.HasReplica(node)) {
      ++c.replicas_hosted;
      if (!p.offline() && !p.InIsr(node)) ++c.not_in_isr;
    }
    if (p.under_replicated()) ++c.under_replicated;
    if (p.under_min_isr()) ++c.under_min_isr;
    if (p.offline()) ++c.offline;
  }
  c.topics = static_cast<int32_t>(topics.size());
  return c;
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
