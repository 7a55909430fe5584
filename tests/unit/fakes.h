// Fakes for everything that touches the world: clock, resolver, filesystem.
#ifndef KAFKA_AGENT_TESTS_UNIT_FAKES_H_
#define KAFKA_AGENT_TESTS_UNIT_FAKES_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include <mutex>
#include "agent/base/clock.h"
#include "agent/init/dns.h"
#include "agent/base/filesystem.h"

namespace kafka_agent {
namespace testing {

// Simulated time: SleepUntil jumps straight to the deadline (after running
// any hooks due before it), so waits of minutes take microseconds.
class SimulatedClock : public Clock {
 public:
  explicit SimulatedClock(absl::Time start = absl::FromUnixSeconds(1700000000))
      : now_(start) {}

  absl::Time Now() override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }

  bool SleepUntil(absl::Time deadline,
                  const Notification& cancel) override {
    sleeps_.push_back(deadline - Now());
    if (on_sleep_) on_sleep_(deadline);
    if (cancel.HasBeenNotified()) return false;
    Advance(deadline - Now());
    return !cancel.HasBeenNotified();
  }

  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    if (d > absl::ZeroDuration()) now_ += d;
  }

  // Called at the start of every SleepUntil with its deadline.
  void OnSleep(std::function<void(absl::Time)> f) { on_sleep_ = std::move(f); }

  const std::vector<absl::Duration>& sleeps() const { return sleeps_; }

 private:
  std::mutex mu_;
  absl::Time now_;
  std::vector<absl::Duration> sleeps_;
  std::function<void(absl::Time)> on_sleep_;
};

// Names appear at a chosen simulated time; before that they are NotFound.
class FakeResolver : public Resolver {
 public:
  explicit FakeResolver(Clock& clock) : clock_(clock) {}

  // `name` (without trailing dot) resolves to `addr` from time `at` on.
  void AddAt(const std::string& name, const std::string& addr, absl::Time at) {
    records_[name] = {addr, at};
  }
  void Add(const std::string& name, const std::string& addr) {
    AddAt(name, addr, absl::InfinitePast());
  }

  absl::StatusOr<std::vector<std::string>> Resolve(
      const std::string& name) override {
    queries_.push_back(name);
    std::string key = name;
    if (absl::EndsWith(key, ".")) key.pop_back();
    auto it = records_.find(key);
    if (it == records_.end() || clock_.Now() < it->second.second) {
      return absl::NotFoundError("Name or service not known");
    }
    return std::vector<std::string>{it->second.first};
  }

  const std::vector<std::string>& queries() const { return queries_; }
  int QueriesFor(const std::string& name) const {
    int n = 0;
    for (const auto& q : queries_) n += (q == name + ".");
    return n;
  }

 private:
  Clock& clock_;
  std::map<std::string, std::pair<std::string, absl::Time>> records_;
  std::vector<std::string> queries_;
};

// An in-memory filesystem. Any operation can be made to fail; the fake
// records the files it holds so tests can check nothing was left behind.
class FakeFilesystem : public Filesystem {
 public:
  enum class Op { kRead, kCreateDirs, kCreateTemp, kAppend, kSync, kClose,
                  kRename, kSyncDir };

  void FailOn(Op op, absl::Status status) { failures_[op] = status; }

  std::map<std::string, std::string>& files() { return files_; }
  std::set<std::string>& dirs() { return dirs_; }

  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    if (auto s = Fail(Op::kRead); !s.ok()) return s;
    auto it = files_.find(path);
    if (it == files_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("open \"", path, "\": No such file or directory"));
    }
    return it->second;
  }

  absl::Status CreateDirs(const std::string& dir) override {
    if (auto s = Fail(Op::kCreateDirs); !s.ok()) return s;
    dirs_.insert(dir);
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> CreateTempFile(
      const std::string& dir, const std::string& prefix,
      std::string* path) override {
    if (auto s = Fail(Op::kCreateTemp); !s.ok()) return s;
    *path = absl::StrCat(dir, "/", prefix, next_temp_++);
    files_[*path] = "";
    return std::unique_ptr<WritableFile>(new File(this, *path));
  }

  absl::Status Rename(const std::string& from, const std::string& to) override {
    if (auto s = Fail(Op::kRename); !s.ok()) return s;
    files_[to] = files_[from];
    files_.erase(from);
    return absl::OkStatus();
  }

  absl::Status Remove(const std::string& path) override {
    files_.erase(path);
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string&) override {
    return Fail(Op::kSyncDir);
  }

  bool IsDirectory(const std::string& path) override {
    return dirs_.count(path) > 0;
  }

  bool Exists(const std::string& path) override {
    return dirs_.count(path) > 0 || files_.count(path) > 0;
  }

 private:
  class File : public WritableFile {
   public:
    File(FakeFilesystem* fs, std::string path)
        : fs_(fs), path_(std::move(path)) {}
    absl::Status Append(absl::string_view data) override {
      if (auto s = fs_->Fail(Op::kAppend); !s.ok()) return s;
      fs_->files_[path_].append(data.data(), data.size());
      return absl::OkStatus();
    }
    absl::Status Sync() override { return fs_->Fail(Op::kSync); }
    absl::Status Close() override { return fs_->Fail(Op::kClose); }

   private:
    FakeFilesystem* fs_;
    std::string path_;
  };

  absl::Status Fail(Op op) {
    auto it = failures_.find(op);
    return it == failures_.end() ? absl::OkStatus() : it->second;
  }

  std::map<Op, absl::Status> failures_;
  std::map<std::string, std::string> files_;
  std::set<std::string> dirs_;
  int next_temp_ = 0;
};

}  // namespace testing
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_TESTS_UNIT_FAKES_H_
