// libFuzzer target over the snapshot -> proto conversion: a Metadata answer
// (the local broker's bytes, decoded by the real decoder) and a DescribeQuorum
// answer become the agent's cluster view, are assessed for a node, and turn
// into every KafkaAgent answer (GetStatus, ListPartitions,
// CheckRestartSafety). Beyond "never crash": each answer serializes, parses
// back equal, and the counts agree with the partitions.
//
// Input: byte 0 = node id (0..7) and roles (bits 3-4), then a 2-byte length
// of the Metadata v12 body, the body, and the rest a DescribeQuorum v2 body.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "agent/base/identity.h"
#include "agent/sidecar/health.h"
#include "agent/sidecar/kafka_protocol.h"
#include "agent/sidecar/kafka_wire.h"
#include "agent/sidecar/poller.h"
#include "agent/sidecar/readiness.h"
#include "agent/sidecar/report.h"
#include "google/protobuf/util/message_differencer.h"

namespace kafka_agent {
namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

template <typename M>
void RoundTrips(const M& m) {
  std::string bytes;
  Check(m.SerializeToString(&bytes));
  M back;
  Check(back.ParseFromString(bytes));
  Check(google::protobuf::util::MessageDifferencer::Equals(m, back));
}

const Identity& TheIdentity() {
  static const Identity* id = [] {
    IdentityOptions o;
    o.pod_name = "kafka-1";
    o.namespace_name = "kafka";
    return new Identity(*DeriveIdentity(o));
  }();
  return *id;
}

void Run(const uint8_t* data, size_t size) {
  if (size < 3) return;
  NodeRoles roles;
  roles.node_id = data[0] & 7;
  roles.broker = (data[0] & 8) == 0;
  roles.controller = (data[0] & 16) != 0 || !roles.broker;
  const size_t md_len = (size_t{data[1]} << 8) | data[2];
  absl::string_view rest(reinterpret_cast<const char*>(data) + 3, size - 3);
  if (md_len > rest.size()) return;
  // The poller's path: topics decoded straight into the partitions table.
  MetadataTableBuilder table;
  auto md = wire::DecodeMetadataResponse(12, rest.substr(0, md_len), &table);
  if (!md.ok()) return;
  Snapshot s;
  wire::MetadataInfo info;
  info.answered_by = "localhost:9092";
  info.version = 12;
  info.response = *std::move(md);
  ApplyMetadata(info, table.Build(), &s.cluster);
  s.cluster.local = {"localhost:9092", true, ""};
  auto q = wire::DecodeDescribeQuorumResponse(2, rest.substr(md_len));
  if (q.ok() && !q->topics.empty() && !q->topics[0].partitions.empty()) {
    const wire::QuorumPartition& p = q->topics[0].partitions[0];
    wire::QuorumInfo qi;
    qi.version = 2;
    qi.leader_id = p.leader_id;
    qi.leader_epoch = p.leader_epoch;
    qi.high_watermark = p.high_watermark;
    qi.voters = p.current_voters;
    qi.observers = p.observers;
    s.cluster.quorum = QuorumViewOf(qi);
  } else {
    s.cluster.quorum_error = "no quorum in the input";
  }
  s.assessment = Assess(s.cluster, roles);
  const PartitionCounts& c = s.assessment.counts;
  Check(c.partitions == static_cast<int32_t>(s.cluster.partitions.size()));
  Check(c.not_in_isr == static_cast<int32_t>(s.assessment.lagging.size()));
  Check(c.replicas_hosted >= c.not_in_isr + c.reassigning_here);
  s.taken_mono = MonoTime::FromEpoch(absl::Seconds(100));
  s.completed_mono = s.taken_mono;
  s.taken_at = absl::FromUnixSeconds(1700000000);
  HealthOptions ho;
  ho.roles = roles;
  ho.started_at = s.taken_mono;
  const HealthReport h = EvaluateHealth(s, s.taken_mono, ho);
  StatusContext ctx{&TheIdentity(), "localhost:9092", absl::Seconds(2)};
  RoundTrips(BuildAgentStatus(ctx, s, h));
  auto page = BuildListPartitions(s, v1::ListPartitionsRequest());
  Check(page.ok());
  RoundTrips(*page);
  Check(page->total_size() == c.partitions);
  v1::CheckRestartSafetyRequest req;
  req.set_node_id(roles.node_id);
  auto safety = BuildRestartSafety(ctx, s, h, req);
  if (safety.ok()) RoundTrips(*safety);
}

}  // namespace
}  // namespace kafka_agent

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kafka_agent::Run(data, size);
  return 0;
}
