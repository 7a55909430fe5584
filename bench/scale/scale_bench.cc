// Scale benchmarks (issue 11): what one poll and each answer cost at 1k,
// 10k, 100k and 1M partitions, today's code (compact) against the code
// before the compact table (legacy.h), both fed the same synthetic Metadata
// v12 response bytes through the agent's real decoder, in the same run with
// the benchmarks interleaved at random (bench/scale.sh runs it).
//
// Each benchmark name is BM_<what>_<compact|legacy>/<partitions>; counters:
//   held_B_per_partition       heap the snapshot's partitions keep
//   peak_B_per_partition       heap in use at the poll's high point (the
//                              response, what is decoded from it, the old
//                              and the new partitions)
//   answer_B                   encoded size of the answer (ListPartitions)
#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "agent/base/identity.h"
#include "agent/sidecar/health.h"
#include "agent/sidecar/poller.h"
#include "agent/sidecar/readiness.h"
#include "agent/sidecar/report.h"
#include "agent/sidecar/snapshot.h"
#include "bench/scale/legacy.h"
#include "bench/scale/synthetic.h"
#include "benchmark/benchmark.h"

namespace kafka_agent {
namespace bench {
namespace {

constexpr int16_t kVersion = 12;
constexpr int32_t kNode = 0;

size_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

SyntheticSpec Spec(int64_t partitions) {
  SyntheticSpec s;
  s.partitions = partitions;
  s.partitions_per_topic = 100;
  s.brokers = 3;
  s.replication = 3;
  s.name_length = 32;
  s.under_replicated_every = 50;  // 2%: something for the filters to find
  return s;
}

// The response bytes per size, built once.
const std::string& Body(int64_t partitions) {
  static auto* cache = new std::map<int64_t, std::string>();
  auto it = cache->find(partitions);
  if (it == cache->end()) {
    it = cache->emplace(partitions,
                        MetadataBody(Spec(partitions), kVersion, nullptr))
             .first;
  }
  return it->second;
}

// Everything of a poll but the partitions: a healthy 3-voter quorum led by
// node 0, brokers 0-2 registered.
ClusterMetadata Frame() {
  ClusterMetadata c;
  c.cluster_id = "synthetic-cluster-id";
  c.controller_id = 0;
  c.brokers = {0, 1, 2};
  c.metadata_answered_by = "127.0.0.1:9092";
  c.local = {"127.0.0.1:9092", true, ""};
  QuorumView q;
  q.answered_by = "127.0.0.1:9092";
  q.leader_id = 0;
  q.leader_epoch = 1;
  q.high_watermark = 100;
  for (int32_t id = 0; id < 3; ++id) q.voters.push_back({id, 100, 1000, 1000});
  c.quorum = q;
  RegistrationView reg;
  reg.answered_by = "127.0.0.1:9092";
  reg.fencing_known = true;
  for (int32_t id = 0; id < 3; ++id) reg.brokers.push_back({id, false});
  c.registration = reg;
  return c;
}

const NodeRoles kRoles = {kNode, true, true, {0, 1, 2}};

// --- Compact: today's code ---------------------------------------------------

Partitions Decode(const std::string& body, ClusterMetadata* c) {
  MetadataTableBuilder table;
  auto md = wire::DecodeMetadataResponse(kVersion, body, &table);
  if (!md.ok()) std::abort();
  wire::MetadataInfo info;
  info.answered_by = "127.0.0.1:9092";
  info.response = *std::move(md);
  Partitions ps = table.Build();
  ApplyMetadata(info, ps, c);
  return ps;
}

Snapshot CompactSnapshot(int64_t n) {
  Snapshot s;
  s.cluster = Frame();
  Decode(Body(n), &s.cluster);
  s.assessment = Assess(s.cluster, kRoles);
  s.taken_mono = MonoTime::FromEpoch(absl::Seconds(100));
  s.completed_mono = s.taken_mono;
  s.taken_at = absl::Now();
  return s;
}

// One poll's work on the data: the previous snapshot copied (shared now),
// the answer decoded into a new table, assessed.
void BM_Poll_compact(benchmark::State& state) {
  const int64_t n = state.range(0);
  const std::string& body = Body(n);
  auto prev = std::make_shared<Snapshot>(CompactSnapshot(n));
  const size_t base = HeapInUse();
  size_t peak = 0;
  for (auto _ : state) {
    Snapshot next = *prev;
    Decode(body, &next.cluster);
    peak = std::max(peak, HeapInUse() - base);
    next.assessment = Assess(next.cluster, kRoles);
    benchmark::DoNotOptimize(next.assessment.counts.under_replicated);
    prev = std::make_shared<Snapshot>(std::move(next));
  }
  state.counters["peak_B_per_partition"] =
      static_cast<double>(peak + body.size()) / static_cast<double>(n);
  state.counters["held_B_per_partition"] =
      static_cast<double>(prev->cluster.partitions.MemoryBytes()) /
      static_cast<double>(n);
}

void BM_Assess_compact(benchmark::State& state) {
  const Snapshot s = CompactSnapshot(state.range(0));
  for (auto _ : state) {
    Assessment a = Assess(s.cluster, kRoles);
    benchmark::DoNotOptimize(a.counts.under_replicated);
  }
}

// Every partition, page after page, each page encoded as sent.
void BM_ListAll_compact(benchmark::State& state) {
  const Snapshot s = CompactSnapshot(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    v1::ListPartitionsRequest req;
    for (;;) {
      auto page = BuildListPartitions(s, req);
      std::string wire = page->SerializeAsString();
      bytes += wire.size();
      if (page->next_page_token().empty()) break;
      req.set_page_token(page->next_page_token());
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["answer_B"] = static_cast<double>(bytes);
}

// What `kafka-agent status` asks by default now: the first 100 rows (and the
// total).
void BM_StatusRows_compact(benchmark::State& state) {
  const Snapshot s = CompactSnapshot(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    v1::ListPartitionsRequest req;
    req.set_page_size(100);
    auto page = BuildListPartitions(s, req);
    bytes = page->SerializeAsString().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["answer_B"] = static_cast<double>(bytes);
}

// `status --under-replicated`: the filter runs on the server.
void BM_UnderReplicated_compact(benchmark::State& state) {
  const Snapshot s = CompactSnapshot(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    v1::ListPartitionsRequest req;
    req.set_under_replicated(true);
    for (;;) {
      auto page = BuildListPartitions(s, req);
      bytes += page->SerializeAsString().size();
      if (page->next_page_token().empty()) break;
      req.set_page_token(page->next_page_token());
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["answer_B"] = static_cast<double>(bytes);
}

void BM_GetStatus_compact(benchmark::State& state) {
  const Snapshot s = CompactSnapshot(state.range(0));
  IdentityOptions io;
  io.pod_name = "kafka-0";
  io.namespace_name = "kafka";
  io.headless_service = "kafka-headless";
  const Identity id = *DeriveIdentity(io);
  StatusContext ctx{&id, "127.0.0.1:9092", absl::Seconds(2)};
  HealthOptions ho;
  ho.roles = kRoles;
  ho.started_at = s.taken_mono;
  size_t bytes = 0;
  for (auto _ : state) {
    const HealthReport h = EvaluateHealth(s, s.taken_mono, ho);
    bytes = BuildAgentStatus(ctx, s, h).SerializeAsString().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["answer_B"] = static_cast<double>(bytes);
}

// --- Legacy: the code before -------------------------------------------------

struct LegacySnapshot {
  std::vector<LegacyPartition> partitions;
  LegacyCounts counts;
  std::vector<LegacyPartition> lagging;
};

LegacySnapshot MakeLegacy(int64_t n) {
  LegacySnapshot s;
  auto md = wire::DecodeMetadataResponse(kVersion, Body(n));
  s.partitions = LegacyApply(*md);
  s.counts = LegacyAssess(s.partitions, kNode, &s.lagging);
  return s;
}

void BM_Poll_legacy(benchmark::State& state) {
  const int64_t n = state.range(0);
  const std::string& body = Body(n);
  auto prev = std::make_shared<LegacySnapshot>(MakeLegacy(n));
  const size_t base = HeapInUse();
  size_t peak = 0;
  for (auto _ : state) {
    LegacySnapshot next = *prev;  // `Snapshot next = *prev` copied it all
    auto md = wire::DecodeMetadataResponse(kVersion, body);
    next.partitions = LegacyApply(*md);
    peak = std::max(peak, HeapInUse() - base);
    md = absl::StatusOr<wire::MetadataResponse>();
    next.lagging.clear();
    next.counts = LegacyAssess(next.partitions, kNode, &next.lagging);
    benchmark::DoNotOptimize(next.counts.under_replicated);
    prev = std::make_shared<LegacySnapshot>(std::move(next));
  }
  state.counters["peak_B_per_partition"] =
      static_cast<double>(peak + body.size()) / static_cast<double>(n);
  // What the partitions hold: measured as the heap they take.
  const size_t before = HeapInUse();
  {
    auto md = wire::DecodeMetadataResponse(kVersion, body);
    const size_t decoded = HeapInUse();
    std::vector<LegacyPartition> ps = LegacyApply(*md);
    const size_t after = HeapInUse();
    state.counters["held_B_per_partition"] =
        static_cast<double>(after - decoded) / static_cast<double>(n);
    (void)before;
    benchmark::DoNotOptimize(ps.size());
  }
}

void BM_Assess_legacy(benchmark::State& state) {
  const LegacySnapshot s = MakeLegacy(state.range(0));
  for (auto _ : state) {
    std::vector<LegacyPartition> lagging;
    LegacyCounts c = LegacyAssess(s.partitions, kNode, &lagging);
    benchmark::DoNotOptimize(c.under_replicated);
  }
}

// ListPartitions before: one message with every partition.
void BM_ListAll_legacy(benchmark::State& state) {
  const LegacySnapshot s = MakeLegacy(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = LegacyList(s.partitions).SerializeAsString().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["answer_B"] = static_cast<double>(bytes);
}

// `status` before: every partition, whatever the size.
void BM_StatusRows_legacy(benchmark::State& state) {
  BM_ListAll_legacy(state);
}

// The filter before: the same pass, all matches in one message.
void BM_UnderReplicated_legacy(benchmark::State& state) {
  const LegacySnapshot s = MakeLegacy(state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    std::vector<LegacyPartition> matched;
    for (const LegacyPartition& p : s.partitions) {
      if (p.isr.size() < p.replicas.size()) matched.push_back(p);
    }
    bytes = LegacyList(matched).SerializeAsString().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["answer_B"] = static_cast<double>(bytes);
}

// GetStatus was and is built from counts only; its peer is itself at 1k
// partitions (the ratio shows it does not grow).
void BM_GetStatus_legacy(benchmark::State& state) {
  state.SetLabel("same code at 1k partitions");
  benchmark::State* s = &state;
  const Snapshot snap = CompactSnapshot(1000);
  IdentityOptions io;
  io.pod_name = "kafka-0";
  io.namespace_name = "kafka";
  io.headless_service = "kafka-headless";
  const Identity id = *DeriveIdentity(io);
  StatusContext ctx{&id, "127.0.0.1:9092", absl::Seconds(2)};
  HealthOptions ho;
  ho.roles = kRoles;
  ho.started_at = snap.taken_mono;
  for (auto _ : *s) {
    const HealthReport h = EvaluateHealth(snap, snap.taken_mono, ho);
    benchmark::DoNotOptimize(BuildAgentStatus(ctx, snap, h).ByteSizeLong());
  }
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {1000, 10000, 100000, 1000000}) b->Arg(n);
  b->Unit(benchmark::kMillisecond);
  b->MeasureProcessCPUTime();
  b->UseRealTime();
}

BENCHMARK(BM_Poll_compact)->Apply(Sizes);
BENCHMARK(BM_Poll_legacy)->Apply(Sizes);
BENCHMARK(BM_Assess_compact)->Apply(Sizes);
BENCHMARK(BM_Assess_legacy)->Apply(Sizes);
BENCHMARK(BM_ListAll_compact)->Apply(Sizes);
BENCHMARK(BM_ListAll_legacy)->Apply(Sizes);
BENCHMARK(BM_StatusRows_compact)->Apply(Sizes);
BENCHMARK(BM_StatusRows_legacy)->Apply(Sizes);
BENCHMARK(BM_UnderReplicated_compact)->Apply(Sizes);
BENCHMARK(BM_UnderReplicated_legacy)->Apply(Sizes);
BENCHMARK(BM_GetStatus_compact)->Apply(Sizes);
BENCHMARK(BM_GetStatus_legacy)->Apply(Sizes);

}  // namespace
}  // namespace bench
}  // namespace kafka_agent

BENCHMARK_MAIN();
