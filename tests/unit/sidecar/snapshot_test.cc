#include "agent/sidecar/snapshot.h"

#include "gtest/gtest.h"

namespace kafka_agent {
namespace {

TEST(SnapshotStoreTest, PublishBumpsGenerationAndWakesWaiters) {
  SnapshotStore store;
  EXPECT_EQ(store.Get()->generation, 0u);
  EXPECT_FALSE(store.Get()->has_data());
  // Already newer: returns at once even with a deadline in the past.
  Snapshot s;
  s.taken_mono = MonoTime::FromEpoch(absl::Seconds(1));
  store.Publish(s);
  EXPECT_EQ(store.WaitForNewer(0, absl::ZeroDuration()), 1u);
  EXPECT_EQ(store.Get()->generation, 1u);
  EXPECT_TRUE(store.Get()->has_data());
  // Nothing newer and the deadline passed: returns the current generation.
  EXPECT_EQ(store.WaitForNewer(1, absl::ZeroDuration()), 1u);
}

}  // namespace
}  // namespace kafka_agent
