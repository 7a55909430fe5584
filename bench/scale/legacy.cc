#include "bench/scale/legacy.h"

#include <algorithm>
#include <tuple>

namespace kafka_agent {
namespace bench {
namespace {

bool Contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

std::vector<LegacyPartition> LegacyApply(const wire::MetadataResponse& r) {
  std::vector<LegacyPartition> out;
  for (const wire::MetadataTopic& t : r.topics) {
    if (t.error_code != wire::kNone || t.name.empty()) continue;
    for (const wire::MetadataPartition& p : t.partitions) {
      LegacyPartition ps;
      ps.topic = t.name;
      ps.partition = p.partition_index;
      ps.leader = p.leader_id;
      ps.replicas = p.replica_nodes;
      ps.isr = p.isr_nodes;
      std::sort(ps.isr.begin(), ps.isr.end());
      out.push_back(std::move(ps));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const LegacyPartition& a, const LegacyPartition& b) {
              return std::tie(a.topic, a.partition) <
                     std::tie(b.topic, b.partition);
            });
  return out;
}

LegacyCounts LegacyAssess(const std::vector<LegacyPartition>& ps, int32_t node,
                          std::vector<LegacyPartition>* lagging) {
  LegacyCounts c;
  const std::string* last_topic = nullptr;
  for (const LegacyPartition& p : ps) {
    if (last_topic == nullptr || *last_topic != p.topic) ++c.topics;
    last_topic = &p.topic;
    ++c.partitions;
    if (p.leader == node) ++c.partitions_led;
    if (Contains(p.replicas, node)) {
      ++c.replicas_hosted;
      if (p.leader >= 0 && !Contains(p.isr, node)) {
        ++c.not_in_isr;
        lagging->push_back(p);
      }
    }
    if (p.isr.size() < p.replicas.size()) ++c.under_replicated;
    if (p.min_isr > 0 && static_cast<int32_t>(p.isr.size()) < p.min_isr) {
      ++c.under_min_isr;
    }
    if (p.leader < 0) ++c.offline;
  }
  return c;
}

v1::ListPartitionsResponse LegacyList(const std::vector<LegacyPartition>& ps) {
  v1::ListPartitionsResponse out;
  for (const LegacyPartition& p : ps) {
    v1::Partition* pp = out.add_partitions();
    pp->set_topic(p.topic);
    pp->set_partition(p.partition);
    pp->set_leader(p.leader);
    for (int32_t r : p.replicas) pp->add_replicas(r);
    for (int32_t r : p.isr) pp->add_isr(r);
    pp->set_min_insync_replicas(p.min_isr);
    pp->set_under_replicated(p.isr.size() < p.replicas.size());
    pp->set_under_min_isr(p.min_isr > 0 &&
                          static_cast<int32_t>(p.isr.size()) < p.min_isr);
    pp->set_offline(p.leader < 0);
  }
  return out;
}

}  // namespace bench
}  // namespace kafka_agent
