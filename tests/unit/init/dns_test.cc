#include "agent/init/dns.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"
#include "tests/unit/status_matchers.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::FakeResolver;
using ::kafka_agent::testing::IsOk;
using ::kafka_agent::testing::SimulatedClock;
using ::kafka_agent::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::Le;
using ::testing::Not;

constexpr char kSelf[] = "kafka-1.h.kafka.svc.cluster.local";
constexpr char kV0[] = "kafka-0.h.kafka.svc.cluster.local";
constexpr char kV2[] = "kafka-2.h.kafka.svc.cluster.local";

std::vector<Voter> Voters() {
  return {{0, kV0, 29093}, {1, kSelf, 29093}, {2, kV2, 29093}};
}

class DnsWaiterTest : public ::testing::Test {
 protected:
  DnsWaiterTest() : resolver_(clock_) {}

  absl::StatusOr<DnsWaitResult> Wait(DnsWaitMode mode,
                                     absl::Duration timeout = absl::Minutes(5)) {
    DnsWaitOptions o;
    o.plan = PlanDnsWait(mode, kSelf, Voters());
    o.timeout = timeout;
    o.timeout_hint = "HINT";
    DnsWaiter waiter(resolver_, clock_, [this] { return jitter_; });
    return waiter.Wait(o, cancel_);
  }

  absl::Time T(double seconds) { return start_ + absl::Seconds(seconds); }

  SimulatedClock clock_;
  const absl::Time start_ = clock_.Now();
  FakeResolver resolver_;
  Notification cancel_;
  double jitter_ = 0.5;
};

TEST_F(DnsWaiterTest, EverythingResolvedReturnsAtOnceWithoutSleeping) {
  resolver_.Add(kSelf, "10.0.0.1");
  resolver_.Add(kV0, "10.0.0.0");
  resolver_.Add(kV2, "10.0.0.2");
  auto r = Wait(DnsWaitMode::kAll);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->elapsed, absl::ZeroDuration());
  EXPECT_EQ(r->rounds, 1);
  EXPECT_TRUE(clock_.sleeps().empty());
  EXPECT_EQ(r->resolved.size(), 3u);
  EXPECT_THAT(r->resolved[0].addresses, ElementsAre("10.0.0.1"));
}

TEST_F(DnsWaiterTest, QueriesFullyQualifiedNamesWithTrailingDot) {
  resolver_.Add(kSelf, "10.0.0.1");
  ASSERT_THAT(Wait(DnsWaitMode::kSelf), IsOk());
  EXPECT_THAT(resolver_.queries(),
              ElementsAre(std::string(kSelf) + "."));
}

TEST_F(DnsWaiterTest, ResolvesLate) {
  resolver_.AddAt(kSelf, "10.0.0.1", T(42));
  resolver_.Add(kV0, "10.0.0.0");
  auto r = Wait(DnsWaitMode::kQuorum);
  ASSERT_THAT(r, IsOk());
  // Found at the first lookup at or after 42s; the gap is one backoff (<=5s).
  EXPECT_THAT(r->elapsed, AllOf(Ge(absl::Seconds(42)), Le(absl::Seconds(47))));
  ASSERT_EQ(r->resolved.size(), 2u);
  EXPECT_EQ(r->resolved[0].name, kV0);
  EXPECT_EQ(r->resolved[0].after, absl::ZeroDuration());
  EXPECT_EQ(r->resolved[1].name, kSelf);
  EXPECT_EQ(r->resolved[1].after, r->elapsed);
  EXPECT_EQ(r->resolved[1].attempts, r->rounds);
  // A resolved name is not asked again.
  EXPECT_EQ(resolver_.QueriesFor(kV0), 1);
}

TEST_F(DnsWaiterTest, NeverResolvesTimesOutAtTheDeadlineNamingWhatIsMissing) {
  resolver_.Add(kV0, "10.0.0.0");
  auto r = Wait(DnsWaitMode::kQuorum, absl::Seconds(30));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kDeadlineExceeded,
                          AllOf(HasSubstr("within 30s"), HasSubstr(kSelf),
                                HasSubstr("the name does not exist (yet)"),
                                Not(HasSubstr(kV0)), HasSubstr("HINT"))));
  EXPECT_EQ(clock_.Now(), T(30));
}

TEST_F(DnsWaiterTest, QuorumNeedsOnlyAMajorityOfVoters) {
  resolver_.Add(kSelf, "10.0.0.1");
  resolver_.Add(kV2, "10.0.0.2");  // kV0 never appears
  auto r = Wait(DnsWaitMode::kQuorum);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->elapsed, absl::ZeroDuration());
}

TEST_F(DnsWaiterTest, AllNeedsEveryVoter) {
  resolver_.Add(kSelf, "10.0.0.1");
  resolver_.Add(kV2, "10.0.0.2");
  auto r = Wait(DnsWaitMode::kAll, absl::Seconds(20));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kDeadlineExceeded,
                          AllOf(HasSubstr(kV0), Not(HasSubstr(kV2)))));
}

TEST_F(DnsWaiterTest, QuorumStillNeedsOwnName) {
  resolver_.Add(kV0, "10.0.0.0");
  resolver_.Add(kV2, "10.0.0.2");
  EXPECT_THAT(Wait(DnsWaitMode::kQuorum, absl::Seconds(10)),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr(kSelf)));
}

TEST_F(DnsWaiterTest, MissingMajorityIsReported) {
  resolver_.Add(kSelf, "10.0.0.1");
  EXPECT_THAT(Wait(DnsWaitMode::kQuorum, absl::Seconds(10)),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       AllOf(HasSubstr(kV0), HasSubstr(kV2),
                             HasSubstr("1 more voter"))));
}

TEST_F(DnsWaiterTest, NoneWaitsForNothing) {
  auto r = Wait(DnsWaitMode::kNone);
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(resolver_.queries().empty());
}

TEST_F(DnsWaiterTest, BackoffGrowsWithJitterAndStaysWithinBounds) {
  for (double jitter : {0.0, 0.5, 0.999}) {
    SimulatedClock clock;
    FakeResolver resolver(clock);
    DnsWaitOptions o;
    o.plan = PlanDnsWait(DnsWaitMode::kSelf, kSelf, Voters());
    o.timeout = absl::Seconds(60);
    DnsWaiter waiter(resolver, clock, [jitter] { return jitter; });
    ASSERT_THAT(waiter.Wait(o, cancel_),
                StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr(kSelf)));
    const auto& sleeps = clock.sleeps();
    ASSERT_GT(sleeps.size(), 5u);
    EXPECT_THAT(sleeps, Each(Le(o.backoff.max)));
    EXPECT_THAT(sleeps, Each(Ge(absl::ZeroDuration())));
    absl::Duration total;
    for (size_t i = 0; i + 1 < sleeps.size(); ++i) {  // the last is clipped
      absl::Duration base = std::min(o.backoff.initial * (1 << std::min<size_t>(i, 20)),
                                     o.backoff.max);
      EXPECT_GE(sleeps[i], base / 2) << i;
      EXPECT_LE(sleeps[i], base) << i;
      total += sleeps[i];
    }
    total += sleeps.back();
    EXPECT_EQ(total, absl::Seconds(60)) << "the last sleep ends at the deadline";
  }
}

TEST(BackoffDelayTest, Bounds) {
  BackoffPolicy p;
  EXPECT_EQ(BackoffDelay(p, 0, 0.0), absl::Milliseconds(100));
  EXPECT_EQ(BackoffDelay(p, 0, 1.0), absl::Milliseconds(200));
  EXPECT_EQ(BackoffDelay(p, 3, 1.0), absl::Milliseconds(1600));
  EXPECT_EQ(BackoffDelay(p, 10, 1.0), absl::Seconds(5));
  EXPECT_EQ(BackoffDelay(p, 1000000, 0.0), absl::Milliseconds(2500));
  EXPECT_EQ(BackoffDelay(p, -1, 2.0), absl::Milliseconds(200));
}

TEST_F(DnsWaiterTest, CancelDuringTheWaitStopsPromptly) {
  int sleeps = 0;
  clock_.OnSleep([&](MonoTime) {
    if (++sleeps == 3) cancel_.Notify();
  });
  auto r = Wait(DnsWaitMode::kQuorum);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
  const size_t queries = resolver_.queries().size();
  EXPECT_EQ(sleeps, 3);
  // No lookups after the cancel.
  EXPECT_EQ(queries, 3u * 3u);
  EXPECT_LT(clock_.Now() - start_, absl::Seconds(2));
}

// Issue 12: a DNS server that never answers is a different problem from a
// name that does not exist yet, and its lookups never run past the deadline.
TEST_F(DnsWaiterTest, SilentServerTimesOutAtTheDeadlineWithItsOwnHint) {
  resolver_.Add(kSelf, "10.0.0.1");
  resolver_.SilentUntil(absl::InfiniteFuture());
  auto r = Wait(DnsWaitMode::kQuorum, absl::Seconds(5));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kDeadlineExceeded,
                          AllOf(HasSubstr("does not answer"),
                                HasSubstr("The DNS server did not answer"),
                                Not(HasSubstr("HINT")))));
  EXPECT_EQ(clock_.Now(), T(5)) << "no lookup runs past the deadline";
  for (absl::Duration t : resolver_.timeouts()) {
    EXPECT_LE(t, absl::Seconds(2));
    EXPECT_GT(t, absl::ZeroDuration());
  }
}

TEST_F(DnsWaiterTest, ServerBackAfterASilenceCompletes) {
  resolver_.Add(kSelf, "10.0.0.1");
  resolver_.Add(kV0, "10.0.0.0");
  resolver_.SilentUntil(T(9));
  auto r = Wait(DnsWaitMode::kQuorum, absl::Seconds(60));
  ASSERT_THAT(r, IsOk());
  EXPECT_GE(r->elapsed, absl::Seconds(9));
  EXPECT_LT(r->elapsed, absl::Seconds(20));
}

TEST_F(DnsWaiterTest, CancelDuringALookupStopsAtOnce) {
  int lookups = 0;
  resolver_.OnLookup([&] {
    if (++lookups == 2) cancel_.Notify();
  });
  EXPECT_THAT(Wait(DnsWaitMode::kQuorum),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
  EXPECT_EQ(resolver_.queries().size(), 2u);
}

TEST_F(DnsWaiterTest, AlreadyCancelledDoesNotLookUp) {
  cancel_.Notify();
  EXPECT_THAT(Wait(DnsWaitMode::kQuorum),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("cancelled")));
  EXPECT_TRUE(resolver_.queries().empty());
}

}  // namespace
}  // namespace kafka_agent
