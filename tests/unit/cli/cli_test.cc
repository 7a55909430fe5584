#include "agent/cli/cli.h"

#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
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

TEST_F(CliTest, RenderPrintsEffectiveSettingsOnStderrWithSecretsRedacted) {
  fs_.files()["/base/server.properties"] =
      "log.dirs=/var/lib/kafka/data\n"
      "listener.name.broker.ssl.keystore.location=/tls/kafka.p12\n"
      "sasl.mechanism.inter.broker.protocol=PLAIN\n"
      "listener.name.broker.sasl.enabled.mechanisms=PLAIN\n";
  // A second file, as a Secret mounted beside the ConfigMap: its keys win.
  fs_.files()["/secret/listeners.properties"] =
      "listener.name.broker.ssl.keystore.password=ks-hunter2\n"
      "listener.name.broker.plain.sasl.jaas.config=x password=\"jaas-hunter2\";\n"
      "log.dirs=/var/lib/kafka/data/logs\n";
  ASSERT_EQ(Run({"render", "--namespace=kafka", "--rack=zone-b",
                 "--broker-security-protocol=SASL_SSL",
                 "--controller-security-protocol=SSL",
                 "--base-config=/base/server.properties, "
                 "/secret/listeners.properties"}),
            0)
      << err_.str();
  // stdout: the file, with the secrets Kafka needs.
  EXPECT_THAT(out_.str(), HasSubstr("\nlisteners=BROKER://:9092,CONTROLLER://:29093\n"));
  EXPECT_THAT(out_.str(), HasSubstr("\nbroker.rack=zone-b\n"));
  EXPECT_THAT(out_.str(), HasSubstr("\nlog.dirs=/var/lib/kafka/data/logs\n"));
  EXPECT_THAT(out_.str(), HasSubstr("ks-hunter2"));
  // stderr: comment lines, secrets redacted.
  const std::string err = err_.str();
  EXPECT_THAT(err, HasSubstr("# effective settings of kafka-1 (node.id 1, "
                             "roles broker,controller):\n"));
  EXPECT_THAT(err, HasSubstr("#   listener.security.protocol.map="
                             "CONTROLLER:SSL,BROKER:SASL_SSL\n"));
  EXPECT_THAT(err, HasSubstr("#   inter.broker.listener.name=BROKER\n"));
  EXPECT_THAT(err, HasSubstr("#   broker.rack=zone-b\n"));
  EXPECT_THAT(err, HasSubstr("#   listener.name.broker.ssl.keystore.password="
                             "<redacted>\n"));
  EXPECT_THAT(err, Not(HasSubstr("hunter2")));
}

TEST_F(CliTest, DefaultRenderIsUnchangedAndItsStderrIsComments) {
  ASSERT_EQ(Run({"render", "--pod-name=kafka-3", "--namespace=kafka"}), 0);
  EXPECT_THAT(out_.str(),
              HasSubstr("\nlisteners=PLAINTEXT://:9092\n"
                        "advertised.listeners=PLAINTEXT://kafka-3.kafka-headless."
                        "kafka.svc.cluster.local:9092\n"
                        "controller.listener.names=CONTROLLER\n"
                        "inter.broker.listener.name=PLAINTEXT\n"
                        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,"
                        "PLAINTEXT:PLAINTEXT\n"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("broker.rack")));
  std::istringstream lines(err_.str());
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.rfind("#", 0), 0u) << line;
  }
}

TEST_F(CliTest, RenderDedicatedTopology) {
  ASSERT_EQ(Run({"render", "--pod-name=kafka-controller-2", "--namespace=kafka",
                 "--process-roles=controller"}),
            0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\nprocess.roles=controller\n"));
  EXPECT_THAT(out_.str(), HasSubstr("\nlisteners=CONTROLLER://:29093\n"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("inter.broker.listener.name")));
  out_.str("");
  env_["KAFKA_PROCESS_ROLES"] = "broker";
  env_["KAFKA_CONTROLLER_STATEFULSET"] = "kafka-controller";
  env_["KAFKA_CONTROLLER_SERVICE"] = "kafka-controller-headless";
  env_["KAFKA_CONTROLLER_NODE_ID_OFFSET"] = "0";
  env_["KAFKA_NODE_ID_OFFSET"] = "100";
  ASSERT_EQ(Run({"render", "--pod-name=kafka-0", "--namespace=kafka"}), 0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\nnode.id=100\n"));
  EXPECT_THAT(out_.str(),
              HasSubstr("\ncontroller.quorum.voters=0@kafka-controller-0."
                        "kafka-controller-headless.kafka.svc.cluster.local:"
                        "29093,"));
  // Overlapping node ids: exit 2 (the message is checked on the real binary,
  // tests/cli/bad_input_test.cc).
  env_["KAFKA_NODE_ID_OFFSET"] = "1";
  EXPECT_EQ(Run({"render", "--pod-name=kafka-0", "--namespace=kafka"}), 2);
}

class CliGuardTest : public CliTest {
 protected:
  void SetUp() override {
    resolver_.Add(kFqdn1, "10.0.0.1");
    resolver_.Add(kFqdn0, "10.0.0.0");
    fs_.files()["/base/server.properties"] = "log.dirs=/var/lib/kafka/data/logs\n";
  }
  void Formatted(int node_id, const std::string& cluster_id) {
    fs_.dirs().insert("/var/lib/kafka/data/logs");
    fs_.files()["/var/lib/kafka/data/logs/meta.properties"] = absl::StrCat(
        "#\nnode.id=", node_id, "\ndirectory.id=n5RQ6gguK4QD9pMKD7qgIw\n"
        "version=1\ncluster.id=", cluster_id, "\n");
  }
  int Init(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"init", "--namespace=kafka",
                                     "--base-config=/base/server.properties"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }
};

TEST_F(CliGuardTest, NewVolumePasses) {
  env_["CLUSTER_ID"] = "UT9oB9zMQn6Pjqrc7hNvQQ";
  EXPECT_EQ(Init(), 0) << err_.str();
  EXPECT_EQ(fs_.files().count(kOut), 1u);
}

TEST_F(CliGuardTest, OwnVolumePasses) {
  Formatted(1, "UT9oB9zMQn6Pjqrc7hNvQQ");
  env_["CLUSTER_ID"] = "UT9oB9zMQn6Pjqrc7hNvQQ";
  EXPECT_EQ(Init(), 0) << err_.str();
  EXPECT_EQ(fs_.files().count(kOut), 1u);
}

TEST_F(CliGuardTest, AnotherNodesVolumeExitsTwoWritingNothing) {
  Formatted(2, "UT9oB9zMQn6Pjqrc7hNvQQ");
  EXPECT_EQ(Init(), 2);
  EXPECT_EQ(fs_.files().count(kOut), 0u);
  EXPECT_TRUE(resolver_.queries().empty()) << "fails before the DNS wait";
}

TEST_F(CliGuardTest, AnotherClustersVolumeExitsTwo) {
  Formatted(1, "UT9oB9zMQn6Pjqrc7hNvQQ");
  env_["CLUSTER_ID"] = "MkU3OEVBNTcwNTJENDM2Qk";
  EXPECT_EQ(Init(), 2);
  EXPECT_EQ(fs_.files().count(kOut), 0u);
}

TEST_F(CliGuardTest, DataDirsFlagBeatsTheBaseConfig) {
  Formatted(2, "UT9oB9zMQn6Pjqrc7hNvQQ");  // in log.dirs, not checked
  EXPECT_EQ(Init({"--data-dirs=/elsewhere"}), 0) << err_.str();
  EXPECT_EQ(Init({"--data-dirs=relative/dir"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--data-dirs \"relative/dir\""));
}

TEST_F(CliGuardTest, MalformedClusterIdIsBadInput) {
  env_["CLUSTER_ID"] = "my-cluster";
  EXPECT_EQ(Init(), 2);
  EXPECT_THAT(err_.str(), HasSubstr("CLUSTER_ID (environment) \"my-cluster\""));
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
