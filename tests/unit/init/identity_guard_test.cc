#include "agent/init/identity_guard.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"
#include "tests/unit/status_matchers.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::FakeFilesystem;
using ::kafka_agent::testing::IsOk;
using ::kafka_agent::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using State = DataDirCheck::State;

// meta.properties written by Kafka 4.4.0's `kafka-storage format`
// (tests/unit/init/testdata/kafka-4.4.0/README.md), read from the tree.
std::string Fixture(const std::string& rel) {
  std::ifstream f(std::string(KAFKA_AGENT_TESTDATA) + "/kafka-4.4.0/" + rel +
                  "/meta.properties");
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_FALSE(ss.str().empty()) << rel;
  return ss.str();
}

constexpr char kClusterId[] = "UT9oB9zMQn6Pjqrc7hNvQQ";

TEST(ParseMetaPropertiesTest, ReadsKafka44Output) {
  for (const char* dir : {"combined/a", "combined/b", "combined/meta"}) {
    auto m = ParseMetaProperties(Fixture(dir), dir);
    ASSERT_THAT(m, IsOk()) << dir;
    EXPECT_EQ(m->version, 1);
    EXPECT_EQ(m->node_id, 1);
    EXPECT_EQ(m->cluster_id, kClusterId);
    EXPECT_EQ(m->directory_id.size(), 22u);
  }
  auto b = ParseMetaProperties(Fixture("broker/data"), "broker/data");
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->node_id, 100);
}

TEST(ParseMetaPropertiesTest, ReadsAZooKeeperEraFile) {
  auto m = ParseMetaProperties("version=0\nbroker.id=7\ncluster.id=abc\n", "f");
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->version, 0);
  EXPECT_EQ(m->node_id, 7);
}

TEST(ParseMetaPropertiesTest, RejectsMalformedFilesNamingTheField) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : {
           Case{"node.id=1\ncluster.id=x\n", "version is missing"},
           Case{"version=2\nnode.id=1\ncluster.id=x\n", "version is \"2\""},
           Case{"version=one\n", "version is \"one\""},
           Case{"version=1\ncluster.id=x\n", "node.id is missing"},
           Case{"version=1\nnode.id=-1\ncluster.id=x\n", "node.id \"-1\""},
           Case{"version=1\nnode.id=1x\ncluster.id=x\n", "node.id \"1x\""},
           Case{"version=1\nnode.id=1\n", "cluster.id is missing"},
           Case{"version=1\nnode.id=1\ncluster.id=\n", "cluster.id is missing"},
           Case{"version=0\nnode.id=1\n", "broker.id is missing"},
           Case{"version=1\nnode.id=\\u12G4\n", "malformed"},
           Case{"", "version is missing"},
       }) {
    EXPECT_THAT(
        ParseMetaProperties(c.text, "/d/meta.properties"),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 AllOf(HasSubstr("/d/meta.properties"), HasSubstr(c.says))))
        << c.text;
  }
}

TEST(CheckClusterIdTest, AcceptsKafkaIds) {
  for (const char* id : {kClusterId, "MkU3OEVBNTcwNTJENDM2Qk",
                         "c3RyZWFtaW5nLWV4YW1wbA", "CHANGE-ME-kafka-agentQ"}) {
    EXPECT_THAT(CheckClusterId("CLUSTER_ID", id), IsOk()) << id;
  }
  for (const char* id : {"", "abc", "UT9oB9zMQn6Pjqrc7hNvQQ=",
                         "UT9oB9zMQn6Pjqrc7hNvQ+", "UT9oB9zMQn6Pjqrc7hNv Q"}) {
    EXPECT_THAT(CheckClusterId("CLUSTER_ID (environment)", id),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("CLUSTER_ID (environment) \""),
                               HasSubstr("random-uuid"))))
        << id;
  }
}

TEST(ParseDataDirsTest, CommaListOfAbsolutePaths) {
  auto d = ParseDataDirs("--data-dirs", " /a , /b/c ");
  ASSERT_THAT(d, IsOk());
  ASSERT_TRUE(d->has_value());
  EXPECT_THAT(**d, ElementsAre("/a", "/b/c"));
  auto none = ParseDataDirs("--data-dirs", " ");
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->has_value());
  EXPECT_THAT(ParseDataDirs("KAFKA_DATA_DIRS (environment)", "/a,data"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("KAFKA_DATA_DIRS (environment)"),
                             HasSubstr("\"data\" is not an absolute path"))));
  EXPECT_THAT(ParseDataDirs("--data-dirs", "/a,,/b"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"\"")));
}

TEST(DataDirsFromConfigTest, LogDirsElseLogDirPlusMetadataDir) {
  auto p = [](const char* text) { return *Properties::Parse(text); };
  EXPECT_THAT(DataDirsFromConfig(p("log.dirs=/a, /b\nlog.dir=/c\n")),
              ElementsAre("/a", "/b"));
  EXPECT_THAT(DataDirsFromConfig(p("log.dir=/c\n")), ElementsAre("/c"));
  EXPECT_THAT(DataDirsFromConfig(p("log.dirs=/a\nmetadata.log.dir=/m\n")),
              ElementsAre("/a", "/m"));
  EXPECT_THAT(DataDirsFromConfig(p("log.dirs=/a\nmetadata.log.dir=/a\n")),
              ElementsAre("/a"));
  EXPECT_TRUE(DataDirsFromConfig(p("num.partitions=3\n")).empty());
}

class CheckDataDirsTest : public ::testing::Test {
 protected:
  void Formatted(const std::string& dir, const std::string& fixture) {
    fs_.dirs().insert(dir);
    fs_.files()[dir + "/meta.properties"] = Fixture(fixture);
  }
  GuardExpectation Expect(int node_id, std::string cluster_id = "") {
    GuardExpectation e;
    e.pod_name = "kafka-1";
    e.node_id = node_id;
    e.cluster_id = std::move(cluster_id);
    e.cluster_id_source = "CLUSTER_ID (environment)";
    return e;
  }
  FakeFilesystem fs_;
};

TEST_F(CheckDataDirsTest, NewVolumesPass) {
  fs_.dirs().insert("/data/empty");
  auto r = CheckDataDirs(fs_, {"/data/missing", "/data/empty"},
                         Expect(1, kClusterId));
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].state, State::kAbsent);
  EXPECT_EQ((*r)[1].state, State::kNoMeta);
  EXPECT_THAT(DescribeDataDirChecks(*r),
              AllOf(HasSubstr("/data/missing: absent"),
                    HasSubstr("/data/empty: no meta.properties")));
}

TEST_F(CheckDataDirsTest, MatchingKafkaDirsPass) {
  Formatted("/d/a", "combined/a");
  Formatted("/d/b", "combined/b");
  Formatted("/d/meta", "combined/meta");
  auto r =
      CheckDataDirs(fs_, {"/d/a", "/d/b", "/d/meta"}, Expect(1, kClusterId));
  ASSERT_THAT(r, IsOk());
  for (const DataDirCheck& c : *r) EXPECT_EQ(c.state, State::kMatches);
  EXPECT_THAT(DescribeDataDirChecks(*r),
              HasSubstr("/d/a: node.id 1, cluster.id UT9oB9zMQn6Pjqrc7hNvQQ "
                        "(matches)"));
  // Without a cluster id to compare, only node ids (and agreement) count.
  EXPECT_THAT(CheckDataDirs(fs_, {"/d/a", "/d/b"}, Expect(1)), IsOk());
}

TEST_F(CheckDataDirsTest,
       AnotherNodesVolumeIsRefusedNamingBothIdsAndTheWayOut) {
  Formatted("/var/lib/kafka/data/logs", "broker/data");  // node.id 100
  EXPECT_THAT(
      CheckDataDirs(fs_, {"/var/lib/kafka/data/logs"}, Expect(101, kClusterId)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("belongs to node.id 100"),
                     HasSubstr("/var/lib/kafka/data/logs/meta.properties"),
                     HasSubstr("this pod kafka-1 is node.id 101"),
                     HasSubstr("PersistentVolumeClaim"),
                     HasSubstr("--node-id-offset"),
                     HasSubstr("delete meta.properties"))));
}

TEST_F(CheckDataDirsTest, AnotherClustersVolumeIsRefused) {
  Formatted("/d/a", "combined/a");
  EXPECT_THAT(CheckDataDirs(fs_, {"/d/a"}, Expect(1, "MkU3OEVBNTcwNTJENDM2Qk")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("belongs to cluster.id "
                                       "UT9oB9zMQn6Pjqrc7hNvQQ"),
                             HasSubstr("CLUSTER_ID (environment) is "
                                       "MkU3OEVBNTcwNTJENDM2Qk"),
                             HasSubstr("/d/a/meta.properties"),
                             HasSubstr("re-format"))));
}

TEST_F(CheckDataDirsTest, DirsOfTwoClustersAreRefused) {
  Formatted("/d/a", "combined/a");
  fs_.dirs().insert("/d/b");
  fs_.files()["/d/b/meta.properties"] =
      "version=1\nnode.id=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\n";
  EXPECT_THAT(
      CheckDataDirs(fs_, {"/d/a", "/d/b"}, Expect(1)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("disagree"), HasSubstr("UT9oB9zMQn6Pjqrc7hNvQQ"),
                     HasSubstr("MkU3OEVBNTcwNTJENDM2Qk"))));
}

TEST_F(CheckDataDirsTest, UnreadableOrMalformedIsBadInput) {
  fs_.dirs().insert("/d/a");
  fs_.files()["/d/a/meta.properties"] = "version=1\nnode.id=1\n";
  EXPECT_THAT(CheckDataDirs(fs_, {"/d/a"}, Expect(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cluster.id is missing")));
  fs_.FailOn(FakeFilesystem::Op::kRead,
             absl::PermissionDeniedError("open: Permission denied"));
  EXPECT_THAT(CheckDataDirs(fs_, {"/d/a"}, Expect(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("cannot read \"/d/a/meta.properties\""),
                             HasSubstr("Permission denied"))));
}

TEST_F(CheckDataDirsTest, AFileWhereADirectoryShouldBe) {
  fs_.files()["/d/a"] = "x";
  EXPECT_THAT(CheckDataDirs(fs_, {"/d/a"}, Expect(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"/d/a\" exists but is not a directory")));
}

}  // namespace
}  // namespace kafka_agent
