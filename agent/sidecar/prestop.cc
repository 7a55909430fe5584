#include "agent/sidecar/prestop.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "agent/base/logging.h"
#include "agent/sidecar/health.h"

namespace kafka_agent {
namespace {

// "12.3s", "5m0s", "0s": tenths of a second are enough for people.
std::string Secs(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return "0s";
  return absl::FormatDuration(absl::Trunc(d, absl::Milliseconds(100)));
}

std::string Name(const PartitionState& p) {
  return absl::StrCat(p.topic, "-", p.partition);
}

const char* StateText(StopJudgement::State s) {
  switch (s) {
    case StopJudgement::State::kSafe:
      return "safe";
    case StopJudgement::State::kUnsafe:
      return "not safe";
    case StopJudgement::State::kUnknown:
      return "unknown";
  }
  return "unknown";
}

constexpr char kFreshData[] = "fresh cluster data";
constexpr char kQuorum[] = "the KRaft quorum";

}  // namespace

absl::Status CheckPrestopTimeout(absl::Duration timeout,
                                 absl::string_view source) {
  if (timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source,
        " is negative; give how long to wait, e.g. 300s (0: do not "
        "wait)"));
  }
  if (timeout > kPrestopMaxTimeout) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, " is longer than ", absl::FormatDuration(kPrestopMaxTimeout),
        "; the pod's terminationGracePeriodSeconds bounds the wait anyway"));
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Duration> ParsePrestopTimeout(absl::string_view value) {
  const std::string shown = absl::StrCat("timeout \"", value, "\"");
  absl::Duration d;
  int64_t secs = 0;
  if (!value.empty() &&
      std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
    if (!absl::SimpleAtoi(value, &secs)) {
      return absl::InvalidArgumentError(
          absl::StrCat(shown, " is too large; at most ",
                       absl::FormatDuration(kPrestopMaxTimeout)));
    }
    d = absl::Seconds(secs);
  } else if (value.empty() || !absl::ParseDuration(value, &d) ||
             d == absl::InfiniteDuration() || d == -absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(shown,
                     " is not a duration; write e.g. timeout=300s, 5m or 90 "
                     "(seconds), at most ",
                     absl::FormatDuration(kPrestopMaxTimeout)));
  }
  if (absl::Status s = CheckPrestopTimeout(d, shown); !s.ok()) return s;
  return d;
}

StopJudgement JudgeStop(const Snapshot& snapshot, MonoTime now,
                        absl::Duration poll_interval, int32_t node) {
  StopJudgement j;
  // Only the data's age matters here (not the poll loop's liveness).
  HealthOptions ho;
  ho.roles = snapshot.assessment.roles;
  ho.poll_interval = poll_interval;
  ho.started_at = now;
  const HealthReport health = EvaluateHealth(snapshot, now, ho);
  if (health.stale) {
    j.state = StopJudgement::State::kUnknown;
    j.reason = health.ready.reason;
    return j;
  }
  const Assessment& a = snapshot.assessment;
  RestartSafety s =
      node == a.roles.node_id
          ? a.restart
          : EvaluateRestartSafety(snapshot.cluster, node, a.roles.voter_ids,
                                  ReadinessOptions(), kMaxAtRiskListed);
  j.state =
      s.safe ? StopJudgement::State::kSafe : StopJudgement::State::kUnsafe;
  j.reason = std::move(s.reason);
  j.at_risk = std::move(s.at_risk);
  j.at_risk_count = std::max(s.at_risk_count, j.at_risk.size());
  j.quorum_at_risk = s.quorum_at_risk;
  j.quorum_reason = std::move(s.quorum_reason);
  return j;
}

const char* OutcomeName(PrestopOutcome outcome) {
  switch (outcome) {
    case PrestopOutcome::kSafe:
      return "safe";
    case PrestopOutcome::kTimedOut:
      return "timeout";
    case PrestopOutcome::kAgentStopping:
      return "stopping";
    case PrestopOutcome::kClientGone:
      return "client_gone";
  }
  return "unknown";
}

std::string PrestopResult::Line() const {
  const std::string what =
      waited_for.empty()
          ? std::string()
          : absl::StrCat(" (waited for ", absl::StrJoin(waited_for, ", "),
                         waited_for_more ? " and more" : "", ")");
  switch (outcome) {
    case PrestopOutcome::kSafe:
      if (waited <= absl::ZeroDuration() && waited_for.empty()) {
        return absl::StrCat("safe at once: ", last.reason);
      }
      return absl::StrCat("safe after ", Secs(waited), ": ", last.reason, what);
    case PrestopOutcome::kTimedOut:
      return absl::StrCat("gave up after ", Secs(waited), " (timeout ",
                          Secs(timeout), "): ", StateText(last.state), ": ",
                          last.reason, what);
    case PrestopOutcome::kAgentStopping:
      return absl::StrCat(
          "the agent is shutting down (SIGTERM); answering early after ",
          Secs(waited), ": ", StateText(last.state), ": ", last.reason, what);
    case PrestopOutcome::kClientGone:
      return absl::StrCat("the client went away after ", Secs(waited),
                          "; stopped waiting: ", StateText(last.state), ": ",
                          last.reason, what);
  }
  return "";
}

std::string PrestopResult::Body() const {
  std::string out = absl::StrCat(Line(), "\n");
  for (const PartitionAtRisk& r : last.at_risk) {
    absl::StrAppendFormat(
        &out, "  %s: isr [%s] -> %d left; %s\n", Name(r.partition),
        absl::StrJoin(r.partition.isr, ","), r.isr_after, r.reason);
  }
  if (last.at_risk_count > last.at_risk.size()) {
    absl::StrAppend(&out, "  and ", last.at_risk_count - last.at_risk.size(),
                    " more partitions at risk\n");
  }
  if (last.quorum_at_risk) {
    absl::StrAppend(&out, "  quorum: ", last.quorum_reason, "\n");
  }
  return out;
}

PrestopGate::PrestopGate(SnapshotStore& store, Clock& clock, Options options)
    : store_(store), clock_(clock), options_(options) {}

void PrestopGate::Note(Wait& w, const StopJudgement& j) {
  auto add = [&](std::string name) {
    if (std::find(w.waited_for.begin(), w.waited_for.end(), name) ==
        w.waited_for.end()) {
      if (w.waited_for.size() >= kMaxAtRiskListed + 2) {
        w.waited_for_more = true;
        return;
      }
      w.waited_for.push_back(std::move(name));
    }
  };
  if (j.state == StopJudgement::State::kUnknown) add(kFreshData);
  if (j.quorum_at_risk) add(kQuorum);
  for (const PartitionAtRisk& r : j.at_risk) add(Name(r.partition));
  if (j.at_risk_count > j.at_risk.size()) w.waited_for_more = true;
}

PrestopGate::Finished PrestopGate::Finish(uint64_t id, Wait& w,
                                          PrestopOutcome outcome,
                                          const StopJudgement& j,
                                          MonoTime now) {
  Finished f;
  f.done = std::move(w.done);
  f.who = w.request.who;
  PrestopResult& r = f.result;
  r.id = id;
  r.outcome = outcome;
  r.node = w.request.node;
  r.waited = now - w.started;
  r.timeout = w.request.timeout;
  r.last = j;
  r.waited_for = w.waited_for;
  r.waited_for_more = w.waited_for_more;
  ++finished_[OutcomeName(outcome)];
  return f;
}

void PrestopGate::Deliver(std::vector<Finished> finished) {
  for (Finished& f : finished) {
    const std::string line = f.result.Line();
    if (f.result.outcome == PrestopOutcome::kSafe ||
        f.result.outcome == PrestopOutcome::kClientGone) {
      spdlog::info("prestop #{} ({}, node {}): {}", f.result.id, f.who,
                   f.result.node, line);
    } else {
      spdlog::warn("prestop #{} ({}, node {}): {}", f.result.id, f.who,
                   f.result.node, line);
    }
    if (f.done) f.done(f.result);
  }
}

absl::StatusOr<uint64_t> PrestopGate::Begin(Request request, Done done) {
  const MonoTime now = clock_.Monotonic();
  const StopJudgement j =
      JudgeStop(*store_.Get(), now, options_.poll_interval, request.node);
  std::vector<Finished> finished;
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_id_++;
    Wait w{std::move(request), std::move(done), now, {}};
    if (stopped_) {
      finished.push_back(Finish(id, w, PrestopOutcome::kAgentStopping, j, now));
    } else if (j.state == StopJudgement::State::kSafe) {
      finished.push_back(Finish(id, w, PrestopOutcome::kSafe, j, now));
    } else if (w.request.timeout <= absl::ZeroDuration()) {
      Note(w, j);
      finished.push_back(Finish(id, w, PrestopOutcome::kTimedOut, j, now));
    } else if (waits_.size() >= options_.max_waits) {
      return absl::ResourceExhaustedError(absl::StrCat(
          waits_.size(), " preStop waits are already waiting (at most ",
          options_.max_waits, "); try again when one has finished"));
    } else {
      Note(w, j);
      spdlog::info("prestop #{} ({}, node {}): waiting up to {}: {}: {}", id,
                   w.request.who, w.request.node, Secs(w.request.timeout),
                   StateText(j.state), j.reason);
      waits_.emplace(id, std::move(w));
    }
  }
  Deliver(std::move(finished));
  return id;
}

void PrestopGate::Cancel(uint64_t id) {
  const MonoTime now = clock_.Monotonic();
  std::vector<Finished> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = waits_.find(id);
    if (it == waits_.end()) return;
    const StopJudgement j = JudgeStop(
        *store_.Get(), now, options_.poll_interval, it->second.request.node);
    finished.push_back(
        Finish(id, it->second, PrestopOutcome::kClientGone, j, now));
    waits_.erase(it);
  }
  Deliver(std::move(finished));
}

void PrestopGate::Tick() {
  std::vector<Finished> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (waits_.empty()) return;
    const MonoTime now = clock_.Monotonic();
    std::shared_ptr<const Snapshot> snap = store_.Get();
    std::map<int32_t, StopJudgement> judged;  // one judgement per node
    for (auto it = waits_.begin(); it != waits_.end();) {
      Wait& w = it->second;
      auto jt = judged.find(w.request.node);
      if (jt == judged.end()) {
        jt = judged
                 .emplace(w.request.node,
                          JudgeStop(*snap, now, options_.poll_interval,
                                    w.request.node))
                 .first;
      }
      const StopJudgement& j = jt->second;
      Note(w, j);
      std::optional<PrestopOutcome> outcome;
      if (j.state == StopJudgement::State::kSafe) {
        outcome = PrestopOutcome::kSafe;
      } else if (w.request.client_gone && w.request.client_gone()) {
        outcome = PrestopOutcome::kClientGone;
      } else if (now - w.started >= w.request.timeout) {
        outcome = PrestopOutcome::kTimedOut;
      }
      if (outcome.has_value()) {
        finished.push_back(Finish(it->first, w, *outcome, j, now));
        it = waits_.erase(it);
      } else {
        ++it;
      }
    }
  }
  Deliver(std::move(finished));
}

void PrestopGate::Stop() {
  const MonoTime now = clock_.Monotonic();
  std::vector<Finished> finished;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    std::shared_ptr<const Snapshot> snap = store_.Get();
    for (auto& [id, w] : waits_) {
      const StopJudgement j =
          JudgeStop(*snap, now, options_.poll_interval, w.request.node);
      finished.push_back(Finish(id, w, PrestopOutcome::kAgentStopping, j, now));
    }
    waits_.clear();
  }
  Deliver(std::move(finished));
}

void PrestopGate::Run(const Notification& stop) {
  uint64_t generation = store_.Get()->generation;
  while (!stop.HasBeenNotified()) {
    // Real time on purpose, like AgentServer::RunRefresher: this loop only
    // runs in the real server; tests call Tick.
    generation = store_.WaitForNewer(generation, options_.tick);
    if (stop.HasBeenNotified()) break;
    Tick();
  }
}

PrestopCounts PrestopGate::Counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  PrestopCounts c;
  c.waiting = static_cast<int64_t>(waits_.size());
  c.finished = finished_;
  return c;
}

}  // namespace kafka_agent
