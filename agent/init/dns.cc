#include "agent/init/dns.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/base/logging.h"

namespace kafka_agent {
namespace {

class SystemResolver : public Resolver {
 public:
  absl::StatusOr<std::vector<std::string>> Resolve(
      const std::string& name) override {
    struct addrinfo hints;
    std::memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    struct addrinfo* res = nullptr;
    int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &res);
    if (rc != 0) {
      std::string why = rc == EAI_SYSTEM ? std::strerror(errno)
                                         : ::gai_strerror(rc);
      if (rc == EAI_NONAME || rc == EAI_NODATA) {
        return absl::NotFoundError(why);
      }
      return absl::UnavailableError(why);
    }
    std::vector<std::string> out;
    for (struct addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
      char buf[INET6_ADDRSTRLEN] = {0};
      const void* addr =
          ai->ai_family == AF_INET6
              ? static_cast<const void*>(
                    &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr)
              : static_cast<const void*>(
                    &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr);
      if (::inet_ntop(ai->ai_family, addr, buf, sizeof(buf)) != nullptr &&
          std::find(out.begin(), out.end(), buf) == out.end()) {
        out.emplace_back(buf);
      }
    }
    ::freeaddrinfo(res);
    return out;
  }
};

// A name the waiter is looking for.
struct Pending {
  std::string name;
  bool required = false;
  int attempts = 0;
  std::string last_error;
};

std::string Seconds(absl::Duration d) {
  return absl::StrCat(absl::ToDoubleSeconds(absl::Trunc(d, absl::Milliseconds(1))),
                      "s");
}

}  // namespace

std::unique_ptr<Resolver> NewSystemResolver() {
  return std::make_unique<SystemResolver>();
}

absl::Duration BackoffDelay(const BackoffPolicy& policy, int attempt,
                            double unit) {
  double scale = std::pow(policy.multiplier, std::max(attempt, 0));
  absl::Duration base =
      scale > 1e6 ? policy.max : std::min(policy.initial * scale, policy.max);
  unit = std::clamp(unit, 0.0, 1.0);
  return base * (0.5 + 0.5 * unit);
}

DnsWaiter::DnsWaiter(Resolver& resolver, Clock& clock,
                     std::function<double()> unit_random)
    : resolver_(resolver),
      clock_(clock),
      unit_random_(std::move(unit_random)) {}

absl::StatusOr<DnsWaitResult> DnsWaiter::Wait(
    const DnsWaitOptions& options, const Notification& cancel) {
  const DnsWaitPlan& plan = options.plan;
  const MonoTime start = clock_.Monotonic();
  const MonoTime deadline = start + options.timeout;
  DnsWaitResult result;

  std::vector<Pending> pending;
  for (const auto& n : plan.required) pending.push_back({n, true, 0, ""});
  for (const auto& n : plan.optional) pending.push_back({n, false, 0, ""});
  int optional_left = plan.optional_needed;
  int required_left = static_cast<int>(plan.required.size());

  if (required_left == 0 && optional_left <= 0) {
    spdlog::info("dns: nothing to wait for");
    return result;
  }
  for (const Pending& p : pending) {
    spdlog::info("dns: waiting for {} ({})", p.name,
                 p.required ? "required"
                            : absl::StrCat("voter; ", plan.optional_needed,
                                           " of ", plan.optional.size(),
                                           " needed"));
  }

  MonoTime next_progress = start + options.progress_every;
  for (int round = 0;; ++round) {
    if (cancel.HasBeenNotified()) {
      return absl::CancelledError(absl::StrCat(
          "DNS wait cancelled after ", Seconds(clock_.Monotonic() - start)));
    }
    result.rounds = round + 1;
    for (auto it = pending.begin(); it != pending.end();) {
      if (!it->required && optional_left <= 0) {
        ++it;
        continue;
      }
      ++it->attempts;
      auto addrs = resolver_.Resolve(absl::StrCat(it->name, "."));
      if (!addrs.ok() || addrs->empty()) {
        it->last_error = addrs.ok() ? "no addresses"
                                    : std::string(addrs.status().message());
        ++it;
        continue;
      }
      const absl::Duration after = clock_.Monotonic() - start;
      spdlog::info("dns: {} resolved to {} after {} ({} lookups)", it->name,
                   absl::StrJoin(*addrs, ","), Seconds(after), it->attempts);
      result.resolved.push_back({it->name, *addrs, after, it->attempts});
      if (it->required) {
        --required_left;
      } else {
        --optional_left;
      }
      it = pending.erase(it);
    }
    const MonoTime now = clock_.Monotonic();
    if (required_left == 0 && optional_left <= 0) {
      result.elapsed = now - start;
      spdlog::info("dns: ready after {} ({} rounds)", Seconds(result.elapsed),
                   result.rounds);
      return result;
    }
    if (now >= deadline) {
      std::vector<std::string> missing;
      for (const Pending& p : pending) {
        missing.push_back(absl::StrCat(p.name, " (", p.last_error, ")"));
      }
      std::string need =
          optional_left > 0
              ? absl::StrCat("; still needed ", optional_left,
                             " more voter name(s) to resolve")
              : "";
      return absl::DeadlineExceededError(absl::StrCat(
          "DNS names did not resolve within ", absl::FormatDuration(options.timeout),
          ": ", absl::StrJoin(missing, ", "), need, ". ", options.timeout_hint));
    }
    if (now >= next_progress) {
      std::vector<std::string> names;
      for (const Pending& p : pending) names.push_back(p.name);
      spdlog::info("dns: still waiting after {} for {}", Seconds(now - start),
                   absl::StrJoin(names, ", "));
      next_progress = now + options.progress_every;
    }
    MonoTime wake = min(
        now + BackoffDelay(options.backoff, round, unit_random_()), deadline);
    if (!clock_.SleepUntil(wake, cancel)) {
      return absl::CancelledError(absl::StrCat(
          "DNS wait cancelled after ", Seconds(clock_.Monotonic() - start)));
    }
  }
}

}  // namespace kafka_agent
