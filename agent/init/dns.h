// Waiting until the headless Service's DNS names resolve, so Kafka does not
// start into a minute of UnknownHostException.
#ifndef KAFKA_AGENT_INIT_DNS_H_
#define KAFKA_AGENT_INIT_DNS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/base/sync.h"
#include "absl/time/time.h"
#include "agent/base/clock.h"
#include "agent/init/dns_plan.h"

namespace kafka_agent {

// Looks names up. Implementations: the c-ares resolver and fakes.
class Resolver {
 public:
  virtual ~Resolver() = default;
  // The addresses of `name`, asked for at most `timeout`. NotFound when the
  // name has no records (yet); Unavailable when no DNS server answered
  // (timeout, refused, SERVFAIL: the message says which); Cancelled as soon
  // as `cancel` is notified (within 50ms).
  virtual absl::StatusOr<std::vector<std::string>> Resolve(
      const std::string& name, absl::Duration timeout,
      const Notification& cancel) = 0;
};

// c-ares with the servers of /etc/resolv.conf, DNS only (/etc/hosts does not
// count), numeric addresses out. Pass fully qualified names with a trailing
// dot: the search list (a pod's resolv.conf has ndots:5) is then not walked,
// so a name counts only once the cluster DNS has it.
std::unique_ptr<Resolver> NewSystemResolver();

// Exponential backoff between lookup rounds.
struct BackoffPolicy {
  absl::Duration initial = absl::Milliseconds(200);
  absl::Duration max = absl::Seconds(5);
  double multiplier = 2.0;
};

// The wait after round `attempt` (0-based): min(initial * multiplier^attempt,
// max), scaled by a jitter factor in [0.5, 1.0] taken from `unit` in [0, 1).
absl::Duration BackoffDelay(const BackoffPolicy& policy, int attempt,
                            double unit);

struct DnsWaitOptions {
  DnsWaitPlan plan;
  absl::Duration timeout = absl::Minutes(5);
  // How long one lookup may take (never past the wait's deadline).
  absl::Duration lookup_timeout = absl::Seconds(2);
  BackoffPolicy backoff;
  // How often a "still waiting" line is logged.
  absl::Duration progress_every = absl::Seconds(30);
  // Appended to the timeout error: what usually causes it here.
  std::string timeout_hint;
};

struct ResolvedName {
  std::string name;
  std::vector<std::string> addresses;
  absl::Duration after;  // since the wait started
  int attempts = 0;
};

struct DnsWaitResult {
  std::vector<ResolvedName> resolved;  // in the order they resolved
  absl::Duration elapsed;
  int rounds = 0;
};

// Looks up every name of the plan in rounds, with backoff and jitter, until
// the plan is satisfied (OK), the timeout passes (DeadlineExceeded, naming
// every name that never resolved and the last error for each, plus the hint)
// or `cancel` is notified (Cancelled). Logs once per name when it starts
// waiting and when it resolves, and a progress line now and then.
class DnsWaiter {
 public:
  // `unit_random` returns numbers in [0, 1) for jitter.
  DnsWaiter(Resolver& resolver, Clock& clock,
            std::function<double()> unit_random);

  absl::StatusOr<DnsWaitResult> Wait(const DnsWaitOptions& options,
                                     const Notification& cancel);

 private:
  Resolver& resolver_;
  Clock& clock_;
  std::function<double()> unit_random_;
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_INIT_DNS_H_
