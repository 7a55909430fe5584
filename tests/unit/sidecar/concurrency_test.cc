// The agent's own cross-thread hand-offs, stressed without gRPC so that
// ThreadSanitizer sees every synchronization (`make tsan`): the poller
// publishing snapshots while probes, RPCs and the refresher read them.
#include <atomic>
#include <thread>
#include <vector>

#include "agent/sidecar/health.h"
#include "agent/sidecar/poller.h"
#include "agent/sidecar/snapshot.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"
#include "tests/unit/sidecar/kafka_fakes.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::Cluster;
using ::kafka_agent::testing::FakeKafkaAdmin;
using ::kafka_agent::testing::P;
using ::kafka_agent::testing::SimulatedClock;
using ::kafka_agent::wire::testing::FakeKafkaWire;

TEST(ConcurrencyTest, ReadersSeeWholeSnapshotsInOrder) {
  SnapshotStore store;
  constexpr uint64_t kCount = 5000;
  std::atomic<bool> bad{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      uint64_t last = 0;
      while (last < kCount) {
        std::shared_ptr<const Snapshot> s = store.Get();
        // Each snapshot is internally consistent: the partition count was
        // written together with the generation-derived broker list.
        if (s->generation < last ||
            s->cluster.brokers.size() != s->cluster.partitions.size()) {
          bad = true;
        }
        last = s->generation;
        store.WaitForNewer(last, absl::Milliseconds(50));
      }
    });
  }
  for (uint64_t i = 1; i <= kCount; ++i) {
    Snapshot s;
    s.taken_at = absl::FromUnixSeconds(static_cast<int64_t>(i));
    const int n = static_cast<int>(i % 7);
    for (int b = 0; b < n; ++b) {
      s.cluster.brokers.push_back(b);
      s.cluster.partitions.push_back(P("t", b, b, {b}, {b}, 1));
    }
    store.Publish(std::move(s));
  }
  for (auto& t : readers) t.join();
  EXPECT_FALSE(bad);
  EXPECT_EQ(store.Get()->generation, kCount);
}

TEST(ConcurrencyTest, PollerThreadWhileOthersReadAndEvaluate) {
  FakeKafkaAdmin admin;
  FakeKafkaWire wire;
  testing::Answer(wire,
                  Cluster({0, 1, 2}, {P("test", 0, 1, {1, 2, 0}, {0, 1, 2}, 0)}));
  admin.SetMinIsr("test", 2);
  SimulatedClock clock;  // sleeps return at once: the poller spins
  SnapshotStore store;
  PollerOptions o;
  o.roles = testing::Roles(2);
  o.interval = absl::Seconds(1);
  TopicConfigs configs(admin, clock, TopicConfigOptions());
  Poller poller(wire, &configs, clock, store, o);
  configs.OnUpdate([&poller] { poller.Republish(); });
  Notification stop, probe_started;

  // A "probe" thread and a "scenario" thread that flips broker 2 in and out.
  // The poller starts once the probe runs, or it could finish before.
  std::atomic<int> ready_seen{0}, not_ready_seen{0};
  std::thread probe([&] {
    while (store.Get()->generation < 2000) {
      auto s = store.Get();
      HealthOptions ho;
      ho.roles = o.roles;
      ho.poll_interval = o.interval;
      HealthReport h = EvaluateHealth(*s, s->taken_mono, ho);
      (h.ready.serving ? ready_seen : not_ready_seen)++;
      if (!probe_started.HasBeenNotified()) probe_started.Notify();
      store.WaitForNewer(s->generation, absl::Milliseconds(50));
    }
  });
  probe_started.WaitForNotification();
  std::thread poll_thread([&] { poller.Run(stop); });
  std::thread configs_thread([&] { configs.Run(stop); });
  for (int i = 0; store.Get()->generation < 2000; ++i) {
    testing::Answer(
        wire,
        i % 2 == 0
            ? Cluster({0, 1}, {P("test", 0, 1, {1, 2, 0}, {0, 1}, 0)})
            : Cluster({0, 1, 2}, {P("test", 0, 1, {1, 2, 0}, {0, 1, 2}, 0)}));
    store.WaitForNewer(store.Get()->generation, absl::Milliseconds(50));
  }
  stop.Notify();
  poll_thread.join();
  configs_thread.join();
  probe.join();
  EXPECT_GT(ready_seen + not_ready_seen, 0);
  EXPECT_GE(wire.metadata_calls(), 1000);
}

}  // namespace
}  // namespace kafka_agent
