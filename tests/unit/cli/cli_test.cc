#include "agent/cli/cli.h"

#include <map>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::FakeFilesystem;
using ::kafka_agent::testing::FakeResolver;
using ::kafka_agent::testing::SimulatedClock;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kFqdn1[] = "kafka-1.kafka-headless.kafka.svc.cluster.local";
constexpr char kFqdn0[] = "kafka-0.kafka-headless.kafka.svc.cluster.local";
constexpr char kOut[] = "/mnt/shared/config/server.properties";

class CliTest : public ::testing::Test {
 protected:
  CliTest() : resolver_(clock_) {
    ctx_.getenv = [this](const std::string& k) -> std::optional<std::string> {
      auto it = env_.find(k);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
    ctx_.hostname = [this] { return hostname_; };
    ctx_.out = &out_;
    ctx_.err = &err_;
    ctx_.fs = &fs_;
    ctx_.resolver = &resolver_;
    ctx_.clock = &clock_;
    ctx_.unit_random = [] { return 0.5; };
    ctx_.stop = &stop_;
    ctx_.setup_logging = false;
  }

  int Run(std::vector<std::string> args) {
    args.insert(args.begin(), "kafka-agent");
    return RunCli(args, ctx_);
  }

  std::map<std::string, std::string> env_;
  std::string hostname_ = "kafka-1";
  std::ostringstream out_, err_;
  FakeFilesystem fs_;
  SimulatedClock clock_;
  FakeResolver resolver_;
  Notification stop_;
  World ctx_;
};

TEST_F(CliTest, RenderKafka1) {
  ASSERT_EQ(Run({"render", "--pod-name=kafka-1", "--namespace=kafka",
                 "--headless-service=kafka-headless", "--controllers=3"}),
            0)
      << err_.str();
  const std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("\nnode.id=1\n"));
  EXPECT_THAT(out, HasSubstr("\nprocess.roles=broker,controller\n"));
  EXPECT_THAT(out,
              HasSubstr("\ncontroller.quorum.voters="
                        "0@kafka-0.kafka-headless.kafka.svc.cluster.local:29093,"
                        "1@kafka-1.kafka-headless.kafka.svc.cluster.local:29093,"
                        "2@kafka-2.kafka-headless.kafka.svc.cluster.local:29093\n"));
  EXPECT_TRUE(resolver_.queries().empty()) << "render does no DNS";
  EXPECT_TRUE(fs_.files().empty()) << "render writes no files";
}

TEST_F(CliTest, RenderKafka4IsBrokerOnly) {
  ASSERT_EQ(Run({"render", "--pod-name", "kafka-4", "--namespace", "kafka"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("\nprocess.roles=broker\n"));
  EXPECT_THAT(out_.str(), HasSubstr("\nnode.id=4\n"));
}

TEST_F(CliTest, IdentityFromDownwardApiVariables) {
  env_["POD_NAME"] = "events-2";
  env_["POD_NAMESPACE"] = "streaming";
  env_["KAFKA_NODE_ID_OFFSET"] = "10";
  ASSERT_EQ(Run({"render"}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\nnode.id=12\n"));
  EXPECT_THAT(out_.str(),
              HasSubstr("events-2.events-headless.streaming.svc.cluster.local"));
}

TEST_F(CliTest, FlagBeatsVariable) {
  env_["POD_NAME"] = "kafka-2";
  ASSERT_EQ(Run({"render", "--pod-name=kafka-0"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("\nnode.id=0\n"));
}

TEST_F(CliTest, PodNameDefaultsToHostName) {
  hostname_ = "kafka-5";
  ASSERT_EQ(Run({"render"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("\nnode.id=5\n"));
}

TEST_F(CliTest, RenderMergesTheBaseConfig) {
  fs_.files()["/base/server.properties"] =
      "log.dirs=/var/lib/kafka/data\nnode.id=9\n";
  ASSERT_EQ(Run({"render", "--namespace=kafka",
                 "--base-config=/base/server.properties"}),
            0);
  EXPECT_THAT(out_.str(), HasSubstr("\nlog.dirs=/var/lib/kafka/data\n"));
  EXPECT_THAT(out_.str(), HasSubstr("\nnode.id=1\n"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("\nnode.id=9\n")));
}

TEST_F(CliTest, InitWaitsForDnsThenWritesWhatRenderPrints) {
  resolver_.AddAt(kFqdn1, "10.0.0.1", clock_.Now() + absl::Seconds(3));
  resolver_.AddAt(kFqdn0, "10.0.0.0", clock_.Now() + absl::Seconds(7));
  ASSERT_EQ(Run({"init", "--namespace=kafka"}), 0) << err_.str();
  ASSERT_EQ(fs_.files().size(), 1u);
  const std::string written = fs_.files()[kOut];
  ASSERT_EQ(Run({"render", "--namespace=kafka"}), 0);
  EXPECT_EQ(written, out_.str());
  EXPECT_GE(resolver_.QueriesFor(kFqdn0), 2);
}

TEST_F(CliTest, InitEnvFormat) {
  resolver_.Add(kFqdn1, "10.0.0.1");
  resolver_.Add(kFqdn0, "10.0.0.0");
  ASSERT_EQ(Run({"init", "--namespace=kafka", "--format=env",
                 "--output=/shared/kafka.env"}),
            0);
  EXPECT_THAT(fs_.files()["/shared/kafka.env"], HasSubstr("\nKAFKA_NODE_ID=1\n"));
}

TEST_F(CliTest, InitTimesOutWritingNothing) {
  resolver_.Add(kFqdn1, "10.0.0.1");
  EXPECT_EQ(Run({"init", "--namespace=kafka", "--dns-timeout=45s"}), 1);
  EXPECT_THAT(fs_.files(), IsEmpty());
}

TEST_F(CliTest, InitStoppedDuringTheWaitWritesNothing) {
  int sleeps = 0;
  clock_.OnSleep([&](MonoTime) {
    if (++sleeps == 2) stop_.Notify();
  });
  EXPECT_EQ(Run({"init", "--namespace=kafka"}), 1);
  EXPECT_THAT(fs_.files(), IsEmpty());
  EXPECT_LT(sleeps, 3);
}

TEST_F(CliTest, InitWithUnwritableOutputFailsBeforeWaiting) {
  fs_.FailOn(FakeFilesystem::Op::kCreateTemp,
             absl::InvalidArgumentError("create a file in \"/ro\": Read-only file system"));
  EXPECT_EQ(Run({"init", "--namespace=kafka", "--output=/ro/x"}), 2);
  EXPECT_TRUE(resolver_.queries().empty());
  EXPECT_THAT(fs_.files(), IsEmpty());
}

TEST_F(CliTest, InitWriteFailureIsRuntimeErrorAndLeavesNothing) {
  resolver_.Add(kFqdn1, "10.0.0.1");
  resolver_.Add(kFqdn0, "10.0.0.0");
  fs_.FailOn(FakeFilesystem::Op::kSync, absl::InternalError("No space left"));
  EXPECT_EQ(Run({"init", "--namespace=kafka"}), 1);
  EXPECT_THAT(fs_.files(), IsEmpty());
}

TEST_F(CliTest, BadInputExitsTwoNamingTheValue) {
  EXPECT_EQ(Run({"render", "--controllers=zero"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--controllers \"zero\""));
  EXPECT_EQ(Run({"render", "--base-config=/missing"}), 2);
  EXPECT_EQ(Run({"frobnicate"}), 2);
  EXPECT_EQ(Run({}), 2);
}

TEST_F(CliTest, VersionAndHelp) {
  EXPECT_EQ(Run({"--version"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("kafka-agent " KAFKA_AGENT_VERSION));
  EXPECT_EQ(Run({"help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("KAFKA_DNS_TIMEOUT"));
  EXPECT_EQ(Run({"init", "--help"}), 0);
}

}  // namespace
}  // namespace kafka_agent
