// The /metrics exposition: families, values and labels from a snapshot, and
// Prometheus' own parser (`promtool check metrics`) accepting the output.
#include "agent/sidecar/metrics.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/sidecar/kafka_fakes.h"

namespace kafka_agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class MetricsTest : public ::testing::Test {
 protected:
  MetricsTest() : identity_(testing::TutorialIdentity("kafka-1")) {}

  std::string Render(const Snapshot& snap, MonoTime now) {
    MetricsInput in;
    in.identity = &identity_;
    in.snapshot = &snap;
    in.now = now;
    HealthOptions ho;
    ho.roles = snap.assessment.roles;
    ho.poll_interval = absl::Seconds(2);
    ho.started_at = t0_;
    in.health = EvaluateHealth(snap, now, ho);
    in.polls = stats_.Get();
    in.prestop.waiting = 2;
    in.prestop.finished["safe"] = 5;
    in.prestop.finished["timeout"] = 1;
    in.version = "1.2.3";
    return RenderMetrics(in);
  }

  const MonoTime t0_ = testing::kSimMonoStart;
  Identity identity_;
  PollStats stats_;
};

TEST_F(MetricsTest, FromASnapshot) {
  // Broker 2 down: broker 1's view; min.insync.replicas 2, so stopping 1
  // would leave test-0..2 with one in-sync replica.
  Snapshot snap = testing::SnapshotOf(testing::TutorialNode2Down(), 1, t0_);
  stats_.RecordPoll(absl::Milliseconds(3));
  stats_.RecordPoll(absl::Milliseconds(40));
  stats_.RecordPoll(absl::Seconds(7));
  stats_.RecordError("metadata", absl::StatusCode::kDeadlineExceeded);
  stats_.RecordError("metadata", absl::StatusCode::kDeadlineExceeded);
  stats_.RecordError("describe_configs", absl::StatusCode::kUnavailable);
  const std::string m = Render(snap, t0_ + absl::Milliseconds(1500));

  for (const char* line : {
           "# TYPE kafka_agent_build_info gauge\n",
           "kafka_agent_build_info{version=\"1.2.3\"} 1\n",
           "kafka_agent_node_info{pod=\"kafka-1\",node_id=\"1\",roles=\"broker,"
           "controller\"} 1\n",
           "kafka_agent_health_serving{service=\"\"} 1\n",
           "kafka_agent_health_serving{service=\"kafka.broker\"} 1\n",
           "kafka_agent_health_serving{service=\"kafka.controller\"} 1\n",
           "kafka_agent_health_serving{service=\"kafka.ready\"} 1\n",
           "kafka_agent_snapshot_age_seconds 1.5\n",
           "kafka_agent_snapshot_stale 0\n",
           "# TYPE kafka_agent_poll_duration_seconds histogram\n",
           "kafka_agent_poll_duration_seconds_bucket{le=\"0.005\"} 1\n",
           "kafka_agent_poll_duration_seconds_bucket{le=\"0.05\"} 2\n",
           "kafka_agent_poll_duration_seconds_bucket{le=\"5\"} 2\n",
           "kafka_agent_poll_duration_seconds_bucket{le=\"10\"} 3\n",
           "kafka_agent_poll_duration_seconds_bucket{le=\"+Inf\"} 3\n",
           "kafka_agent_poll_duration_seconds_sum 7.043\n",
           "kafka_agent_poll_duration_seconds_count 3\n",
           "# TYPE kafka_agent_poll_errors_total counter\n",
           "kafka_agent_poll_errors_total{request=\"metadata\",code=\"deadline_"
           "exceeded\"} 2\n",
           "kafka_agent_poll_errors_total{request=\"describe_configs\",code="
           "\"unavailable\"} 1\n",
           "kafka_agent_broker_partitions_hosted 3\n",
           "kafka_agent_broker_partitions_led 1\n",
           "kafka_agent_broker_partitions_not_in_isr 0\n",
           "kafka_agent_cluster_brokers 2\n",
           "kafka_agent_cluster_topics 1\n",
           "kafka_agent_cluster_partitions 3\n",
           "kafka_agent_cluster_partitions_under_replicated 3\n",
           "kafka_agent_cluster_partitions_under_min_isr 0\n",
           "kafka_agent_cluster_partitions_offline 0\n",
           "kafka_agent_restart_partitions_at_risk 3\n",
           "kafka_agent_restart_quorum_at_risk 0\n",
           "kafka_agent_restart_safe 0\n",
           "kafka_agent_prestop_waits 2\n",
           "kafka_agent_prestop_requests_total{outcome=\"safe\"} 5\n",
           "kafka_agent_prestop_requests_total{outcome=\"timeout\"} 1\n",
           "kafka_agent_prestop_requests_total{outcome=\"stopping\"} 0\n",
           "kafka_agent_prestop_requests_total{outcome=\"client_gone\"} 0\n",
       }) {
    EXPECT_THAT(m, HasSubstr(line));
  }
  // Every family has HELP and TYPE, and every sample belongs to one.
  std::string family;
  for (absl::string_view l : absl::StrSplit(m, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(l, "# HELP ")) {
      family = std::string(absl::StripPrefix(l, "# HELP "));
      family = family.substr(0, family.find(' '));
      continue;
    }
    if (absl::StartsWith(l, "# TYPE ")) {
      EXPECT_TRUE(absl::StartsWith(l, absl::StrCat("# TYPE ", family, " ")))
          << l;
      continue;
    }
    EXPECT_TRUE(absl::StartsWith(l, family)) << l << " outside " << family;
    EXPECT_TRUE(absl::StartsWith(l, "kafka_agent_")) << l;
  }
}

// Every partition is fine but voter 2 is behind the quorum leader: stopping
// voter 1 would leave one caught-up voter of 3.
TEST_F(MetricsTest, QuorumRuleHoldsBackAVoter) {
  ClusterMetadata c = testing::TutorialHealthy();
  c.quorum->voters[2].last_caught_up_ms = testing::kLeaderNowMs - 5000;
  Snapshot snap = testing::SnapshotOf(std::move(c), 1, t0_);
  const std::string m = Render(snap, t0_ + absl::Seconds(1));
  EXPECT_THAT(m, HasSubstr("kafka_agent_restart_partitions_at_risk 0\n"));
  EXPECT_THAT(m, HasSubstr("kafka_agent_restart_quorum_at_risk 1\n"));
  EXPECT_THAT(m, HasSubstr("kafka_agent_restart_safe 0\n"));
  // A broker-only pod has no kafka.controller service.
  Snapshot broker_only =
      testing::SnapshotOf(testing::TutorialHealthy(), 4, t0_);
  EXPECT_THAT(Render(broker_only, t0_),
              Not(HasSubstr("service=\"kafka.controller\"")));
}

TEST_F(MetricsTest, HealthyBrokerMaySafelyStop) {
  Snapshot snap = testing::SnapshotOf(testing::TutorialHealthy(), 1, t0_);
  const std::string m = Render(snap, t0_ + absl::Seconds(1));
  EXPECT_THAT(m, HasSubstr("kafka_agent_restart_safe 1\n"));
  EXPECT_THAT(m, HasSubstr("kafka_agent_restart_partitions_at_risk 0\n"));
  EXPECT_THAT(m,
              HasSubstr("kafka_agent_cluster_partitions_under_replicated 0\n"));
}

TEST_F(MetricsTest, StaleDataIsNotSafe) {
  Snapshot snap = testing::SnapshotOf(testing::TutorialHealthy(), 1, t0_);
  const std::string m = Render(snap, t0_ + absl::Seconds(7));
  EXPECT_THAT(m, HasSubstr("kafka_agent_snapshot_stale 1\n"));
  EXPECT_THAT(m, HasSubstr("kafka_agent_snapshot_age_seconds 7\n"));
  EXPECT_THAT(m, HasSubstr("kafka_agent_restart_safe 0\n"));
  EXPECT_THAT(
      m, HasSubstr("kafka_agent_health_serving{service=\"kafka.ready\"} 0\n"));
  // The last known counts stay visible, with their age beside them.
  EXPECT_THAT(m, HasSubstr("kafka_agent_cluster_partitions 3\n"));
}

TEST_F(MetricsTest, BeforeKafkaAnswered) {
  Snapshot none;
  const std::string m = Render(none, t0_);
  EXPECT_THAT(m, HasSubstr("kafka_agent_snapshot_age_seconds +Inf\n"));
  EXPECT_THAT(m, HasSubstr("kafka_agent_restart_safe 0\n"));
  EXPECT_THAT(m, HasSubstr("kafka_agent_health_serving{service=\"\"} 1\n"));
  EXPECT_THAT(m, Not(HasSubstr("kafka_agent_cluster_partitions ")));
  EXPECT_THAT(m, HasSubstr("kafka_agent_poll_duration_seconds_count 0\n"));
}

TEST_F(MetricsTest, LabelValuesAreEscaped) {
  identity_.pod_name = "a\"b\\c\nd";
  Snapshot none;
  EXPECT_THAT(Render(none, t0_), HasSubstr("pod=\"a\\\"b\\\\c\\nd\""));
}

TEST(MetricValueTest, Formats) {
  EXPECT_EQ(MetricValue(3), "3");
  EXPECT_EQ(MetricValue(0.25), "0.25");
  EXPECT_EQ(MetricValue(INFINITY), "+Inf");
  EXPECT_EQ(MetricValue(-INFINITY), "-Inf");
  EXPECT_EQ(MetricValue(NAN), "NaN");
}

// Runs `promtool check metrics` (Debian's prometheus package) on `text`;
// returns its exit status and output.
std::pair<int, std::string> Promtool(const std::string& text) {
  char path[] = "/tmp/kafka-agent-metrics-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return {-1, "mkstemp failed"};
  (void)!write(fd, text.data(), text.size());
  close(fd);
  const std::string cmd =
      absl::StrCat("promtool check metrics < ", path, " 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (p != nullptr && fgets(buf, sizeof buf, p) != nullptr) out += buf;
  int status = p == nullptr ? -1 : pclose(p);
  unlink(path);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST_F(MetricsTest, PromtoolAcceptsIt) {
  if (system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus; "
                    "scripts/deps.sh installs it)";
  }
  // A negative control first: promtool must be able to fail here.
  auto [bad_rc, bad_out] =
      Promtool("# TYPE kafka_agent_x counter\nkafka_agent_x 1\n");
  EXPECT_NE(bad_rc, 0) << "promtool accepted a counter without _total: "
                       << bad_out;

  Snapshot snap = testing::SnapshotOf(testing::TutorialNode2Down(), 1, t0_);
  stats_.RecordPoll(absl::Milliseconds(3));
  stats_.RecordError("metadata", absl::StatusCode::kDeadlineExceeded);
  for (const Snapshot& s : {snap, Snapshot()}) {
    auto [rc, out] = Promtool(Render(s, t0_ + absl::Seconds(1)));
    EXPECT_EQ(rc, 0) << out;
    EXPECT_EQ(out, "") << "promtool lint findings";
  }
}

}  // namespace
}  // namespace kafka_agent
