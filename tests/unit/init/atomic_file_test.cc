#include "agent/init/atomic_file.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/fakes.h"
#include "tests/unit/status_matchers.h"

namespace kafka_agent {
namespace {

using ::kafka_agent::testing::FakeFilesystem;
using ::kafka_agent::testing::IsOk;
using ::kafka_agent::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Op = FakeFilesystem::Op;

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class RealAtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/atomic_file_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  std::string dir_;
};

TEST_F(RealAtomicFileTest, CreatesMissingDirectoriesAndWrites) {
  const std::string path = dir_ + "/a/b/server.properties";
  ASSERT_THAT(WriteFileAtomically(RealFilesystem(), path, "node.id=1\n"),
              IsOk());
  EXPECT_EQ(Slurp(path), "node.id=1\n");
  EXPECT_THAT(ListDir(dir_ + "/a/b"), ElementsAre("server.properties"));
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u)
      << "group-readable for the Kafka container, nothing for others";
}

// The mode is exactly 0640 whatever the umask (fchmod, not open's mode), and
// replacing a file made 0644 by an older agent tightens it.
TEST_F(RealAtomicFileTest, ModeIs0640WhateverTheUmask) {
  const std::string path = dir_ + "/server.properties";
  std::ofstream(path) << "old";
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  for (mode_t mask : {mode_t{0}, mode_t{022}, mode_t{077}}) {
    mode_t old = umask(mask);
    absl::Status s = WriteFileAtomically(RealFilesystem(), path, "node.id=1\n");
    umask(old);
    ASSERT_THAT(s, IsOk());
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u) << "umask " << mask;
  }
  EXPECT_THAT(ListDir(dir_), ElementsAre("server.properties"));
}

TEST_F(RealAtomicFileTest, ReplacesAnExistingFile) {
  const std::string path = dir_ + "/server.properties";
  ASSERT_THAT(WriteFileAtomically(RealFilesystem(), path, "old"), IsOk());
  ASSERT_THAT(WriteFileAtomically(RealFilesystem(), path, "new"), IsOk());
  EXPECT_EQ(Slurp(path), "new");
  EXPECT_THAT(ListDir(dir_), ElementsAre("server.properties"));
}

TEST_F(RealAtomicFileTest, ParentIsAFileFailsAndLeavesNothing) {
  ASSERT_THAT(WriteFileAtomically(RealFilesystem(), dir_ + "/f", "x"), IsOk());
  EXPECT_THAT(
      WriteFileAtomically(RealFilesystem(), dir_ + "/f/sub/out", "x"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(dir_ + "/f")));
  EXPECT_THAT(ListDir(dir_), ElementsAre("f"));
}

TEST_F(RealAtomicFileTest, ProbeWritable) {
  Filesystem& fs = RealFilesystem();
  EXPECT_THAT(ProbeWritable(fs, dir_ + "/x"), IsOk());
  EXPECT_THAT(ListDir(dir_), IsEmpty()) << "the probe file is removed";
  EXPECT_THAT(ProbeWritable(fs, dir_ + "/new/dirs/x"), IsOk());
  EXPECT_THAT(ListDir(dir_ + "/new/dirs"), IsEmpty());
  EXPECT_THAT(ProbeWritable(fs, dir_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("is a directory")));
  ASSERT_THAT(WriteFileAtomically(fs, dir_ + "/f", "x"), IsOk());
  EXPECT_THAT(ProbeWritable(fs, dir_ + "/f/x"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a directory")));
  // Nothing can be created under /proc or /sys, not even by root.
  EXPECT_THAT(ProbeWritable(fs, "/proc/kafka-agent/server.properties"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/proc")));
  EXPECT_THAT(ProbeWritable(fs, "/sys/kafka-agent/server.properties"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/sys")));
}

TEST(FakeProbeWritableTest, FailsWhenNoFileCanBeCreated) {
  FakeFilesystem fs;
  fs.FailOn(Op::kCreateTemp, absl::InvalidArgumentError("read-only"));
  EXPECT_THAT(ProbeWritable(fs, "/out/x"),
              StatusIs(absl::StatusCode::kInvalidArgument, "read-only"));
  EXPECT_THAT(fs.files(), IsEmpty());
}

TEST(FakeAtomicFileTest, FailureAtAnyStepLeavesNoFile) {
  for (Op op : {Op::kCreateDirs, Op::kCreateTemp, Op::kAppend, Op::kSync,
                Op::kClose, Op::kRename, Op::kSyncDir}) {
    FakeFilesystem fs;
    fs.FailOn(op, absl::InternalError("injected"));
    EXPECT_THAT(WriteFileAtomically(fs, "/out/server.properties", "x"),
                StatusIs(absl::StatusCode::kInternal, "injected"))
        << static_cast<int>(op);
    EXPECT_THAT(fs.files(), IsEmpty()) << static_cast<int>(op);
  }
}

// Issue 12: a failure must leave a previous, good config untouched, at every
// step, including the directory fsync after the rename.
TEST(FakeAtomicFileTest, FailureAtAnyStepKeepsThePreviousFile) {
  struct Case {
    Op op;
    int ok_calls;
  };
  for (Case c : {Case{Op::kCreateTemp, 0}, Case{Op::kAppend, 0},
                 Case{Op::kSync, 0}, Case{Op::kClose, 0}, Case{Op::kLink, 0},
                 Case{Op::kRename, 0}, Case{Op::kSyncDir, 0},
                 Case{Op::kSyncDir, 1}}) {
    FakeFilesystem fs;
    fs.files()["/out/server.properties"] = "old";
    fs.FailAfter(c.op, c.ok_calls, absl::InternalError("injected"));
    EXPECT_THAT(WriteFileAtomically(fs, "/out/server.properties", "new"),
                StatusIs(absl::StatusCode::kInternal, "injected"))
        << static_cast<int>(c.op) << " after " << c.ok_calls;
    EXPECT_EQ(fs.files().size(), 1u)
        << "no temp or backup file left: " << static_cast<int>(c.op);
    EXPECT_EQ(fs.files()["/out/server.properties"], "old")
        << static_cast<int>(c.op) << " after " << c.ok_calls;
  }
}

TEST(FakeAtomicFileTest, LateSyncFailureWithoutPreviousFileLeavesNone) {
  FakeFilesystem fs;
  fs.FailAfter(Op::kSyncDir, 1, absl::InternalError("injected"));
  EXPECT_THAT(WriteFileAtomically(fs, "/out/server.properties", "new"),
              StatusIs(absl::StatusCode::kInternal, "injected"));
  EXPECT_THAT(fs.files(), IsEmpty());
}

TEST(FakeAtomicFileTest, ReplacesThePreviousFile) {
  FakeFilesystem fs;
  fs.files()["/out/server.properties"] = "old";
  ASSERT_THAT(WriteFileAtomically(fs, "/out/server.properties", "new"), IsOk());
  EXPECT_EQ(fs.files().size(), 1u) << "the backup link is removed";
  EXPECT_EQ(fs.files()["/out/server.properties"], "new");
}

TEST(FakeAtomicFileTest, WritesThroughATempFileBesideTheTarget) {
  FakeFilesystem fs;
  ASSERT_THAT(WriteFileAtomically(fs, "/out/server.properties", "x"), IsOk());
  EXPECT_EQ(fs.files().size(), 1u);
  EXPECT_EQ(fs.files()["/out/server.properties"], "x");
  EXPECT_TRUE(fs.dirs().count("/out"));
}

TEST(PathTest, DirNameAndBaseName) {
  EXPECT_EQ(DirName("/a/b/c"), "/a/b");
  EXPECT_EQ(DirName("/a"), "/");
  EXPECT_EQ(DirName("a"), ".");
  EXPECT_EQ(DirName("a/b/"), "a");
  EXPECT_EQ(DirName("/a//b"), "/a");
  EXPECT_EQ(BaseName("/a/b/c"), "c");
  EXPECT_EQ(BaseName("c"), "c");
}

}  // namespace
}  // namespace kafka_agent
