// The preStop gate: GET /prestop and `check-restart --wait` wait until
// stopping a node is safe (readiness.h's EvaluateRestartSafety: partitions
// and the KRaft quorum rule, judged on
// each new snapshot), or until their timeout, the client leaving, or the
// agent's own SIGTERM. Many waits share one gate; each gets exactly one
// answer and one log line saying which it was, what it waited for and how
// long. Time comes from a Clock, so the rules are tested in simulated time.
#ifndef KAFKA_AGENT_SIDECAR_PRESTOP_H_
#define KAFKA_AGENT_SIDECAR_PRESTOP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/base/sync.h"
#include "agent/sidecar/metrics.h"
#include "agent/sidecar/readiness.h"
#include "agent/sidecar/snapshot.h"

namespace kafka_agent {

// A wait without ?timeout= (or check-restart --wait without --timeout).
inline constexpr absl::Duration kPrestopDefaultTimeout = absl::Seconds(300);
// The longest wait accepted: the pod's terminationGracePeriodSeconds bounds
// a preStop hook anyway.
inline constexpr absl::Duration kPrestopMaxTimeout = absl::Hours(1);

// A wait's timeout as written in ?timeout= or --timeout: a duration ("90s",
// "5m", "1m30s") or whole seconds ("90"); 0 asks once without waiting.
// InvalidArgument naming `value` when malformed, negative or above the max.
absl::StatusOr<absl::Duration> ParsePrestopTimeout(absl::string_view value);

// Checks an already parsed timeout against the same bounds; `source` names
// it with its value in messages, e.g. `--timeout "2h"`.
absl::Status CheckPrestopTimeout(absl::Duration timeout,
                                 absl::string_view source);

// Whether stopping `node` is safe, judged on one snapshot at one time.
struct StopJudgement {
  enum class State { kSafe, kUnsafe, kUnknown };
  State state = State::kUnknown;
  // readiness.h's reason; for kUnknown why the data cannot be trusted.
  std::string reason;
  // kUnsafe: what stopping would cost; the first kMaxAtRiskListed
  // partitions, and how many there are.
  std::vector<PartitionAtRisk> at_risk;
  size_t at_risk_count = 0;
  // kUnsafe: the quorum rule (a voter whose stop would leave fewer than a
  // majority of caught-up voters), with readiness.h's reason.
  bool quorum_at_risk = false;
  std::string quorum_reason;
};

// Unknown when the snapshot is missing or stale (older than 3 polls, on the
// monotonic clock): old data cannot say a stop is safe, so a wait keeps
// waiting. Otherwise EvaluateRestartSafety with the voters of the pod's
// config (the snapshot's own assessment when `node` is this pod's node).
StopJudgement JudgeStop(const Snapshot& snapshot, MonoTime now,
                        absl::Duration poll_interval, int32_t node);

enum class PrestopOutcome { kSafe, kTimedOut, kAgentStopping, kClientGone };

// "safe", "timeout", "stopping", "client_gone" (metrics, headers).
const char* OutcomeName(PrestopOutcome outcome);

// How a wait ended.
struct PrestopResult {
  uint64_t id = 0;
  PrestopOutcome outcome = PrestopOutcome::kSafe;
  int32_t node = -1;
  absl::Duration waited;
  absl::Duration timeout;
  StopJudgement last;  // the judgement it ended on
  // Every partition found at risk during the wait ("test-0"), first seen
  // first; "the KRaft quorum" when the quorum rule held it back, "fresh
  // cluster data" when it also waited on a stale snapshot.
  // At most kMaxAtRiskListed (plus the two above); `waited_for_more`: more
  // were at risk than listed.
  std::vector<std::string> waited_for;
  bool waited_for_more = false;

  bool safe() const { return outcome == PrestopOutcome::kSafe; }
  // One line for the log and the first line of a body, e.g. "safe after
  // 41.2s: stopping broker 2 keeps ... (waited for test-0, test-1)".
  std::string Line() const;
  // Line(), then one line per partition still at risk, and the quorum's
  // reason when it is at risk.
  std::string Body() const;
};

class PrestopGate {
 public:
  struct Options {
    absl::Duration poll_interval = absl::Seconds(2);
    // How often Run looks at deadlines and departed clients between snapshots.
    absl::Duration tick = absl::Milliseconds(250);
    // Waits at once; more are refused (ResourceExhausted).
    size_t max_waits = 32;
  };

  struct Request {
    int32_t node = -1;
    absl::Duration timeout = kPrestopDefaultTimeout;
    std::string who;  // for the log: "GET /prestop from 10.1.2.3:4567"
    // Polled on every tick: true once the client has gone away. May be empty.
    std::function<bool()> client_gone;
  };
  using Done = std::function<void(const PrestopResult&)>;

  PrestopGate(SnapshotStore& store, Clock& clock, Options options);

  // Starts a wait. `done` runs exactly once, possibly before Begin returns
  // (safe at once, timeout 0, the agent stopping), otherwise on the thread
  // that calls Tick, Cancel or Stop. Returns the wait's id, or
  // ResourceExhausted (and never calls `done`) when max_waits are waiting.
  absl::StatusOr<uint64_t> Begin(Request request, Done done);

  // The client went away (a cancelled RPC): ends wait `id` as kClientGone.
  // A wait that already ended is left alone.
  void Cancel(uint64_t id);

  // Judges every wait against the current snapshot and time.
  void Tick();

  // The agent got SIGTERM: ends every wait as kAgentStopping, and answers
  // every later Begin the same way at once.
  void Stop();

  // Ticks on every new snapshot and at least every `tick` (real time),
  // until `stop`.
  void Run(const Notification& stop);

  PrestopCounts Counts() const;

 private:
  struct Wait {
    Request request;
    Done done;
    MonoTime started;
    std::vector<std::string> waited_for;
    bool waited_for_more = false;
  };
  struct Finished {
    Done done;
    PrestopResult result;
    std::string who;
  };

  // Records what `j` says the wait is waiting for.
  static void Note(Wait& w, const StopJudgement& j);
  Finished Finish(uint64_t id, Wait& w, PrestopOutcome outcome,
                  const StopJudgement& j, MonoTime now);
  // Logs and calls each `done`; without the lock held.
  void Deliver(std::vector<Finished> finished);

  SnapshotStore& store_;
  Clock& clock_;
  const Options options_;
  mutable std::mutex mu_;
  std::map<uint64_t, Wait> waits_;            // guarded by mu_
  uint64_t next_id_ = 1;                      // guarded by mu_
  bool stopped_ = false;                      // guarded by mu_
  std::map<std::string, uint64_t> finished_;  // guarded by mu_
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_PRESTOP_H_
