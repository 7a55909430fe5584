// Runs the real kafka-agent binary on bad input: each case must exit 2, name
// the bad value on stderr, and leave no file (and no temp file) behind.
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

struct Result {
  int exit_code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs the binary with exactly `args` and `env` (no inherited environment).
// `tmp`/ro is made read-only for the child: mode 0555, and for root (whom
// modes do not stop) a read-only tmpfs in a private mount namespace.
Result RunAgent(const std::vector<std::string>& args,
                const std::vector<std::string>& env, const std::string& tmp) {
  const std::string out = tmp + "/.stdout", err = tmp + "/.stderr";
  pid_t pid = fork();
  if (pid == 0) {
    if (geteuid() == 0) {
      const std::string ro = tmp + "/ro";
      if (unshare(CLONE_NEWNS) != 0 ||
          mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
          mount("tmpfs", ro.c_str(), "tmpfs", MS_RDONLY, "size=64k") != 0) {
        _exit(126);
      }
    }
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> argv, envp;
    std::string bin = KAFKA_AGENT_BIN;
    argv.push_back(bin.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& v : env) envp.push_back(const_cast<char*>(v.c_str()));
    envp.push_back(nullptr);
    execve(bin.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out);
  r.err = Slurp(err);
  unlink(out.c_str());
  unlink(err.c_str());
  return r;
}

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != ".." && n != "base.properties" && n != "file" &&
          n != "bad-escape.properties" && n != "upper.properties" &&
          n != "adir" && n != "ro" && n != "data" && n != "bad-meta" &&
          n != "guard.properties") {
        names.push_back(n);
      }
    }
    closedir(d);
  }
  return names;
}

struct Case {
  std::string name;
  std::vector<std::string> args;     // after "init"/"render"/...; $T = tmp dir
  std::vector<std::string> env;      // extra variables
  std::string says;                  // stderr must contain this
};

// Test listings show the case's name, not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// ctest lists each case as BadInput.ExitsTwo/<case name>.
class BadInput : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/bad_input_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    tmp_ = tmpl;
    std::ofstream(tmp_ + "/base.properties") << "log.dirs=/data\n";
    std::ofstream(tmp_ + "/file") << "a file, not a directory\n";
    std::ofstream(tmp_ + "/bad-escape.properties") << "a=\\u12G4\n";
    std::ofstream(tmp_ + "/upper.properties")
        << "listener.name.EXTERNAL.ssl.key.password=x\n";
    mkdir((tmp_ + "/adir").c_str(), 0755);
    mkdir((tmp_ + "/ro").c_str(), 0555);
    // A data dir Kafka formatted for node 7 of cluster UT9oB9zMQn6Pjqrc7hNvQQ
    // (the identity guard's cases), one with a damaged meta.properties, and
    // a base config whose log.dirs names the first.
    mkdir((tmp_ + "/data").c_str(), 0755);
    std::ofstream(tmp_ + "/data/meta.properties")
        << "#\nnode.id=7\ndirectory.id=n5RQ6gguK4QD9pMKD7qgIw\nversion=1\n"
           "cluster.id=UT9oB9zMQn6Pjqrc7hNvQQ\n";
    mkdir((tmp_ + "/bad-meta").c_str(), 0755);
    std::ofstream(tmp_ + "/bad-meta/meta.properties") << "version=9\n";
    std::ofstream(tmp_ + "/guard.properties") << "log.dirs=" << tmp_ << "/data\n";
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + tmp_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  std::string tmp_;
};

// Exits 2 naming the bad value, and leaves no file.
TEST_P(BadInput, ExitsTwo) {
  const Case& c = GetParam();
  std::vector<std::string> args;
  for (const auto& a : c.args) {
    args.push_back(absl::StrReplaceAll(a, {{"$T", tmp_}}));
  }
  // The case's variables first: the first of a name wins. By default init
  // writes under the temp dir and gives DNS 1s (a case that fails DNS exits
  // 1, not 2, and fails the test).
  std::vector<std::string> env;
  for (const auto& e : c.env) {
    env.push_back(absl::StrReplaceAll(e, {{"$T", tmp_}}));
  }
  env.push_back("PATH=/usr/bin:/bin");
  env.push_back("KAFKA_AGENT_OUTPUT=" + tmp_ + "/out/server.properties");
  env.push_back("KAFKA_DNS_TIMEOUT=1s");
  Result r = RunAgent(args, env, tmp_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(absl::StrReplaceAll(c.says, {{"$T", tmp_}})));
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, Not(HasSubstr("hunter2"))) << "a secret was echoed";
  EXPECT_THAT(Files(tmp_), IsEmpty());
  EXPECT_THAT(Files(tmp_ + "/ro"), IsEmpty());
  // Nothing under the default output, nothing in the missing output dir.
  EXPECT_NE(access((tmp_ + "/out").c_str(), F_OK), 0);
}

const Case kCases[] = {
    {"NoOrdinal", {"init", "--pod-name=kafka"}, {}, "\"kafka\" has no ordinal"},
    {"TrailingDash", {"init", "--pod-name=kafka-"}, {}, "\"kafka-\""},
    {"NonDigitOrdinal", {"init", "--pod-name=kafka-x"}, {}, "\"x\""},
    {"LeadingZero", {"render", "--pod-name=kafka-01"}, {}, "\"01\" has a leading zero"},
    {"DoubleDash", {"init", "--pod-name=kafka--1"}, {}, "StatefulSet name \"kafka-\""},
    {"OrdinalOverflow", {"init", "--pod-name=kafka-2147483648"}, {}, "2147483648"},
    {"OrdinalOverflowWithOffset",
     {"init", "--pod-name=kafka-5", "--node-id-offset=2147483645"}, {},
     "2147483650 does not fit"},
    {"ControllersZero", {"init", "--pod-name=kafka-0", "--controllers=0"}, {},
     "--controllers 0"},
    {"ControllersNegative", {"init", "--pod-name=kafka-0", "--controllers", "-1"},
     {}, "--controllers -1"},
    {"ControllersNonNumeric", {"init", "--pod-name=kafka-0", "--controllers=three"},
     {}, "--controllers \"three\""},
    {"ControllersFromEnv", {"init", "--pod-name=kafka-0"}, {"KAFKA_CONTROLLERS=3x"},
     "KAFKA_CONTROLLERS (environment) \"3x\""},
    {"BrokerPortZero", {"init", "--pod-name=kafka-0", "--broker-port=0"}, {},
     "--broker-port 0"},
    {"ControllerPort70000", {"init", "--pod-name=kafka-0", "--controller-port=70000"},
     {}, "--controller-port 70000"},
    {"SamePorts", {"render", "--pod-name=kafka-0", "--controller-port=9092"}, {},
     "both 9092"},
    {"UnknownFlag", {"init", "--pod-name=kafka-0", "--replicas=3"}, {},
     "unknown flag --replicas"},
    {"Positional", {"init", "kafka-0"}, {}, "unexpected argument \"kafka-0\""},
    {"MalformedDuration", {"init", "--pod-name=kafka-0", "--dns-timeout=5minutes"},
     {}, "--dns-timeout \"5minutes\" is not a duration"},
    {"NegativeDuration", {"init", "--pod-name=kafka-0", "--dns-timeout=-5s"}, {},
     "\"-5s\" is negative"},
    {"DurationFromEnv", {"init", "--pod-name=kafka-0"}, {"KAFKA_DNS_TIMEOUT=300"},
     "KAFKA_DNS_TIMEOUT (environment) \"300\" is not a duration"},
    {"BadDnsWait", {"init", "--pod-name=kafka-0", "--dns-wait=most"}, {},
     "\"most\""},
    {"BadFormat", {"render", "--pod-name=kafka-0", "--format=yaml"}, {}, "\"yaml\""},
    {"BadLogFormat", {"init", "--pod-name=kafka-0", "--log-format=xml"}, {},
     "\"xml\""},
    {"BadNamespace", {"init", "--pod-name=kafka-0", "--namespace=Kafka"}, {},
     "--namespace \"Kafka\""},
    {"BadClusterDomain",
     {"init", "--pod-name=kafka-0", "--cluster-domain=cluster.local."}, {},
     "\"cluster.local.\""},
    {"MissingBaseConfig",
     {"init", "--pod-name=kafka-0", "--base-config=$T/nope.properties"}, {},
     "$T/nope.properties"},
    {"BaseConfigIsADirectory", {"init", "--pod-name=kafka-0", "--base-config=$T/adir"},
     {}, "$T/adir"},
    {"BaseConfigBadEscape",
     {"init", "--pod-name=kafka-0", "--base-config=$T/bad-escape.properties"}, {},
     "line 1: malformed \\uXXXX"},
    {"EnvFormatUnrepresentableKey",
     {"init", "--pod-name=kafka-0", "--format=env",
      "--base-config=$T/upper.properties"},
     {}, "listener.name.EXTERNAL.ssl.key.password"},
    {"OutputReadOnly", {"init", "--pod-name=kafka-0", "--output=$T/ro/server.properties"},
     {}, "$T/ro"},
    {"OutputUnderReadOnlyMissingDir",
     {"init", "--pod-name=kafka-0", "--output=$T/ro/config/server.properties"}, {},
     "$T/ro/config"},
    {"OutputUnderProc",
     {"init", "--pod-name=kafka-0", "--output=/proc/kafka-agent/server.properties"},
     {}, "/proc/kafka-agent"},
    {"OutputParentIsAFile", {"init", "--pod-name=kafka-0", "--output=$T/file/x"},
     {}, "$T/file"},
    {"OutputIsADirectory", {"init", "--pod-name=kafka-0", "--output=$T/adir"}, {},
     "$T/adir"},
    {"OutputEmpty", {"init", "--pod-name=kafka-0"}, {"KAFKA_AGENT_OUTPUT=$T/out/"},
     "is not a file path"},
    {"UnknownCommand", {"start"}, {}, "unknown command \"start\""},
    {"ServeBadListen", {"serve", "--pod-name=kafka-0", "--grpc-listen=50051"}, {},
     "\"50051\" is not HOST:PORT"},
    {"ServePollTooShort", {"serve", "--pod-name=kafka-0", "--poll-interval=0s"}, {},
     "--poll-interval \"0s\" is too short"},
    {"ServeBadKafkaProp", {"serve", "--pod-name=kafka-0", "--kafka-prop=acks"}, {},
     "--kafka-prop \"acks\""},
    {"ServeSecretKafkaPropNotEchoed",
     {"serve", "--pod-name=kafka-0", "--kafka-prop=sasl.password:hunter2"}, {},
     "--kafka-prop \"sasl.password\" (the rest is not shown)"},
    {"ServeSecretKafkaPropFromEnvNotEchoed", {"serve", "--pod-name=kafka-0"},
     {"KAFKA_AGENT_KAFKA_PROPS=sasl.jaas.config hunter2"},
     "--kafka-prop \"sasl.jaas.config\""},
    {"ServeRejectedSecretPropNotEchoed",
     {"serve", "--pod-name=kafka-0", "--kafka-prop=sasl.passwd=hunter2"}, {},
     "client property sasl.passwd is not supported"},
    {"ServeMissingPropFile",
     {"serve", "--pod-name=kafka-0", "--kafka-prop-file=$T/missing"}, {},
     "--kafka-prop-file"},
    {"ServeMalformedPropFile",
     {"serve", "--pod-name=kafka-0", "--kafka-prop-file=$T/bad-escape.properties"},
     {}, "--kafka-prop-file \"$T/bad-escape.properties\""},
    {"ServeBadHttpListen", {"serve", "--pod-name=kafka-0", "--http-listen=9401"},
     {}, "--http-listen \"9401\" is not HOST:PORT"},
    {"ServeBadHttpListenFromEnv", {"serve", "--pod-name=kafka-0"},
     {"KAFKA_AGENT_HTTP_LISTEN=localhost"},
     "KAFKA_AGENT_HTTP_LISTEN (environment) \"localhost\" is not HOST:PORT"},
    {"ServeHttpOnTheGrpcPort",
     {"serve", "--pod-name=kafka-0", "--http-listen=0.0.0.0:50051"}, {},
     "\"0.0.0.0:50051\" is also the gRPC address"},
    {"StatusConflictingFilters", {"status", "--offline", "--under-min-isr"}, {},
     "exclude each other"},
    {"CheckRestartNegativeNode", {"check-restart", "--node-id=-3"}, {},
     "-3 is negative"},
    {"StatusNegativeLimit", {"status", "--limit=-1"}, {}, "-1 is negative"},
    {"StatusLimitAndAll", {"status", "--limit=5", "--all"}, {},
     "--limit and --all exclude each other"},
    {"CheckRestartWaitBadTimeout", {"check-restart", "--wait", "--timeout=soon"},
     {}, "--timeout \"soon\" is not a duration"},
    {"CheckRestartWaitTooLong", {"check-restart", "--wait", "--timeout=2h"}, {},
     "--timeout \"2h\" is longer than 1h"},
    {"CheckRestartWaitTooLongFromEnv", {"check-restart", "--wait"},
     {"KAFKA_AGENT_TIMEOUT=3h"},
     "KAFKA_AGENT_TIMEOUT (environment) \"3h\" is longer than 1h"},
    {"CheckRestartBadWait", {"check-restart", "--wait=maybe"}, {},
     "--wait \"maybe\" is not a boolean"},
    // Topologies (--process-roles and the controller set).
    {"ProcessRolesUnknown", {"render", "--pod-name=kafka-0", "--process-roles=leader"},
     {}, "--process-roles \"leader\""},
    {"ControllerRoleBeyondTheVoters",
     {"init", "--pod-name=kafka-controller-3", "--process-roles=controller"}, {},
     "this is ordinal 3"},
    {"AutoRolesWithASeparateControllerStatefulSet",
     {"init", "--pod-name=kafka-0", "--controller-statefulset=kafka-controller"},
     {}, "--controller-statefulset \"kafka-controller\""},
    {"AutoRolesWithAnotherControllerService",
     {"init", "--pod-name=kafka-0"}, {"KAFKA_CONTROLLER_SERVICE=ctrl"},
     "--controller-service \"ctrl\""},
    {"ControllerWithAnotherVoterOffset",
     {"init", "--pod-name=kafka-controller-0", "--process-roles=controller",
      "--controller-node-id-offset=3"},
     {}, "--controller-node-id-offset 3 differs"},
    {"BrokerNodeIdsOverlapTheVoters",
     {"init", "--pod-name=kafka-1", "--process-roles=broker",
      "--controller-statefulset=kafka-controller",
      "--controller-service=kafka-controller-headless"},
     {}, "node.id 1 of broker-only pod kafka-1 is also the node id of voter 1"},
    {"BrokerRoleOnAVoterOrdinal",
     {"init", "--pod-name=kafka-1", "--process-roles=broker"}, {},
     "this pod is voter 1"},
    {"ControllerOffsetFromEnvNotANumber", {"init", "--pod-name=kafka-0"},
     {"KAFKA_CONTROLLER_NODE_ID_OFFSET=zero"},
     "KAFKA_CONTROLLER_NODE_ID_OFFSET (environment) \"zero\""},
    // Listener security and racks.
    {"BrokerSecurityProtocolUnknown",
     {"init", "--pod-name=kafka-0", "--broker-security-protocol=TLS"}, {},
     "--broker-security-protocol \"TLS\""},
    {"ControllerSecurityProtocolLowerCase", {"render", "--pod-name=kafka-0"},
     {"KAFKA_CONTROLLER_SECURITY_PROTOCOL=ssl"},
     "--controller-security-protocol \"ssl\""},
    {"ListenerNameLowerCase",
     {"init", "--pod-name=kafka-0", "--broker-listener-name=broker"}, {},
     "--broker-listener-name \"broker\""},
    {"ListenerNamesClash",
     {"init", "--pod-name=kafka-0", "--broker-listener-name=CONTROLLER"}, {},
     "both named \"CONTROLLER\""},
    {"RackUnexpandedVariable", {"init", "--pod-name=kafka-0"},
     {"KAFKA_RACK=$(ZONE)"}, "--rack \"$(ZONE)\" looks like an unexpanded"},
    {"RackWithASpace", {"init", "--pod-name=kafka-0", "--rack=zone a"}, {},
     "--rack \"zone a\""},
    // The identity guard.
    {"ClusterIdMalformed", {"init", "--pod-name=kafka-0"},
     {"CLUSTER_ID=my-cluster"}, "CLUSTER_ID (environment) \"my-cluster\""},
    {"DataDirsRelative", {"init", "--pod-name=kafka-0", "--data-dirs=data"}, {},
     "--data-dirs \"data\""},
    {"DataDirOfAnotherNode",
     {"init", "--pod-name=kafka-0", "--data-dirs=$T/data"}, {},
     "belongs to node.id 7 ($T/data/meta.properties"},
    {"DataDirOfAnotherNodeFromBaseConfigLogDirs",
     {"init", "--pod-name=kafka-0", "--base-config=$T/guard.properties"}, {},
     "this pod kafka-0 is node.id 0"},
    {"DataDirOfAnotherCluster",
     {"init", "--pod-name=kafka-7", "--controllers=1", "--data-dirs=$T/data"},
     {"CLUSTER_ID=MkU3OEVBNTcwNTJENDM2Qk"},
     "belongs to cluster.id UT9oB9zMQn6Pjqrc7hNvQQ"},
    {"DataDirMetaPropertiesMalformed",
     {"init", "--pod-name=kafka-0", "--data-dirs=$T/bad-meta"}, {},
     "$T/bad-meta/meta.properties\" is malformed: version is \"9\""},
    {"SecondBaseConfigMissing",
     {"render", "--pod-name=kafka-0",
      "--base-config=$T/base.properties,$T/nope.properties"},
     {}, "$T/nope.properties"},
};

// No instantiation prefix: the case's name says enough.
INSTANTIATE_TEST_SUITE_P(, BadInput, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

}  // namespace
