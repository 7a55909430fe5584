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
// any hooks due before it), so waits of minutes take microseconds. The wall
// and monotonic clocks advance together; StepWall moves the wall clock alone,
// as NTP or a resumed VM would.
// Where simulated clocks start: the wall clock at kSimWallStart, the
// monotonic clock at kSimMonoStart.
inline const absl::Time kSimWallStart = absl::FromUnixSeconds(1700000000);
inline constexpr MonoTime kSimMonoStart = MonoTime::FromEpoch(absl::Hours(1000));

class SimulatedClock : public Clock {
 public:
  explicit SimulatedClock(absl::Time start = kSimWallStart)
      : now_(start), mono_(kSimMonoStart) {}

  absl::Time Now() override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }

  MonoTime Monotonic() override {
    std::lock_guard<std::mutex> lock(mu_);
    return mono_;
  }

  bool SleepUntil(MonoTime deadline, const Notification& cancel) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      sleeps_.push_back(deadline - mono_);
    }
    if (on_sleep_) on_sleep_(deadline);
    if (cancel.HasBeenNotified()) return false;
    Advance(deadline - Monotonic());
    return !cancel.HasBeenNotified();
  }

  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    if (d > absl::ZeroDuration()) {
      now_ += d;
      mono_ += d;
    }
  }

  // A wall-clock step (either way); the monotonic clock does not move.
  void StepWall(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }

  // Called at the start of every SleepUntil with its deadline.
  void OnSleep(std::function<void(MonoTime)> f) { on_sleep_ = std::move(f); }

  std::vector<absl::Duration> sleeps() {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  std::mutex mu_;
  absl::Time now_;
  MonoTime mono_;
  std::vector<absl::Duration> sleeps_;
  std::function<void(MonoTime)> on_sleep_;
};

// Names appear at a chosen simulated time; before that they are NotFound.
// The DNS server can be made silent for a while: a lookup then takes its
// whole timeout (in simulated time) and is Unavailable.
class FakeResolver : public Resolver {
 public:
  explicit FakeResolver(SimulatedClock& clock) : clock_(clock) {}

  // `name` (without trailing dot) resolves to `addr` from time `at` on.
  void AddAt(const std::string& name, const std::string& addr, absl::Time at) {
    records_[name] = {addr, at};
  }
  void Add(const std::string& name, const std::string& addr) {
    AddAt(name, addr, absl::InfinitePast());
  }
  // The server answers nothing before `until`.
  void SilentUntil(absl::Time until) { silent_until_ = until; }
  // Called at the start of every lookup (e.g. to notify a cancel).
  void OnLookup(std::function<void()> f) { on_lookup_ = std::move(f); }

  absl::StatusOr<std::vector<std::string>> Resolve(
      const std::string& name, absl::Duration timeout,
      const Notification& cancel) override {
    queries_.push_back(name);
    timeouts_.push_back(timeout);
    if (on_lookup_) on_lookup_();
    if (cancel.HasBeenNotified()) return absl::CancelledError("stopped");
    if (clock_.Now() < silent_until_) {
      clock_.Advance(timeout);
      return absl::UnavailableError(absl::StrCat(
          "the DNS server does not answer (no reply within ",
          absl::FormatDuration(timeout), ")"));
    }
    std::string key = name;
    if (absl::EndsWith(key, ".")) key.pop_back();
    auto it = records_.find(key);
    if (it == records_.end() || clock_.Now() < it->second.second) {
      return absl::NotFoundError("the name does not exist (yet)");
    }
    return std::vector<std::string>{it->second.first};
  }

  const std::vector<std::string>& queries() const { return queries_; }
  const std::vector<absl::Duration>& timeouts() const { return timeouts_; }
  int QueriesFor(const std::string& name) const {
    int n = 0;
    for (const auto& q : queries_) n += (q == name + ".");
    return n;
  }

 private:
  SimulatedClock& clock_;
  std::map<std::string, std::pair<std::string, absl::Time>> records_;
  absl::Time silent_until_ = absl::InfinitePast();
  std::function<void()> on_lookup_;
  std::vector<std::string> queries_;
  std::vector<absl::Duration> timeouts_;
};

// An in-memory filesystem. Any operation can be made to fail; the fake
// records the files it holds so tests can check nothing was left behind.
class FakeFilesystem : public Filesystem {
 public:
  enum class Op { kRead, kCreateDirs, kCreateTemp, kAppend, kSync, kClose,
                  kRename, kSyncDir, kLink };

  void FailOn(Op op, absl::Status status) { failures_[op] = status; }
  // Lets `ok_calls` calls of `op` succeed, then fails it with `status`.
  void FailAfter(Op op, int ok_calls, absl::Status status) {
    ok_calls_[op] = ok_calls;
    failures_[op] = status;
  }

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

  absl::Status Link(const std::string& from, const std::string& to) override {
    if (auto s = Fail(Op::kLink); !s.ok()) return s;
    auto it = files_.find(from);
    if (it == files_.end()) {
      return absl::NotFoundError(absl::StrCat("\"", from, "\" does not exist"));
    }
    files_[to] = it->second;
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
    if (it == failures_.end()) return absl::OkStatus();
    auto ok = ok_calls_.find(op);
    if (ok != ok_calls_.end() && ok->second > 0) {
      --ok->second;
      return absl::OkStatus();
    }
    return it->second;
  }

  std::map<Op, absl::Status> failures_;
  std::map<Op, int> ok_calls_;
  std::map<std::string, std::string> files_;
  std::set<std::string> dirs_;
  int next_temp_ = 0;
};

}  // namespace testing
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_TESTS_UNIT_FAKES_H_
