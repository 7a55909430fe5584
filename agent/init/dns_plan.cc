#include "agent/init/dns_plan.h"

#include "absl/strings/str_cat.h"

namespace kafka_agent {

absl::StatusOr<DnsWaitMode> ParseDnsWaitMode(absl::string_view s) {
  if (s == "quorum") return DnsWaitMode::kQuorum;
  if (s == "all") return DnsWaitMode::kAll;
  if (s == "self") return DnsWaitMode::kSelf;
  if (s == "none") return DnsWaitMode::kNone;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown DNS wait mode \"", s,
                   "\"; use quorum, all, self or none"));
}

absl::string_view DnsWaitModeName(DnsWaitMode mode) {
  switch (mode) {
    case DnsWaitMode::kQuorum: return "quorum";
    case DnsWaitMode::kAll: return "all";
    case DnsWaitMode::kSelf: return "self";
    case DnsWaitMode::kNone: return "none";
  }
  return "?";
}

DnsWaitPlan PlanDnsWait(DnsWaitMode mode, const std::string& self,
                        const std::vector<Voter>& voters) {
  DnsWaitPlan plan;
  if (mode == DnsWaitMode::kNone) return plan;
  plan.required.push_back(self);
  if (mode == DnsWaitMode::kSelf) return plan;
  int self_is_voter = 0;
  std::vector<std::string> others;
  for (const Voter& v : voters) {
    if (v.host == self) {
      self_is_voter = 1;
    } else {
      others.push_back(v.host);
    }
  }
  if (mode == DnsWaitMode::kAll) {
    plan.required.insert(plan.required.end(), others.begin(), others.end());
    return plan;
  }
  plan.optional = std::move(others);
  plan.optional_needed = Majority(static_cast<int>(voters.size())) - self_is_voter;
  if (plan.optional_needed < 0) plan.optional_needed = 0;
  return plan;
}

}  // namespace kafka_agent
