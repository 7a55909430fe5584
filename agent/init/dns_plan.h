// Which DNS names must resolve before Kafka can start (--dns-wait): the pod's
// own name and, per mode, a majority or all of the controller voters.
#ifndef KAFKA_AGENT_INIT_DNS_PLAN_H_
#define KAFKA_AGENT_INIT_DNS_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "agent/base/identity.h"

namespace kafka_agent {

// How much of the cluster's DNS `init` waits for (--dns-wait).
enum class DnsWaitMode {
  kQuorum,  // own name and a majority of the voters (default)
  kAll,     // own name and every voter
  kSelf,    // own name only
  kNone,    // do not wait
};

absl::StatusOr<DnsWaitMode> ParseDnsWaitMode(absl::string_view s);
absl::string_view DnsWaitModeName(DnsWaitMode mode);

// The names to wait for: every name in `required` must resolve, and at least
// `optional_needed` of the names in `optional`.
struct DnsWaitPlan {
  std::vector<std::string> required;
  std::vector<std::string> optional;
  int optional_needed = 0;
};

// Own FQDN `self` plus the voter hosts, per `mode`. Voters equal to `self`
// count towards the majority as soon as `self` resolves.
DnsWaitPlan PlanDnsWait(DnsWaitMode mode, const std::string& self,
                        const std::vector<Voter>& voters);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_INIT_DNS_PLAN_H_
