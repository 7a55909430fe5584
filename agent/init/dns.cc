#include "agent/init/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/base/logging.h"

namespace kafka_agent {
namespace {

// c-ares, not getaddrinfo(3): getaddrinfo blocks for resolv.conf's
// timeout x attempts (minutes with a DNS server that never answers), so
// neither SIGTERM nor --dns-timeout could cut a lookup short. Here every
// lookup runs on the caller's deadline and looks at `cancel` every 50ms.
class CaresResolver : public Resolver {
 public:
  CaresResolver() { library_ok_ = ares_library_init(ARES_LIB_INIT_ALL) == 0; }
  ~CaresResolver() override {
    if (library_ok_) ares_library_cleanup();
  }

  absl::StatusOr<std::vector<std::string>> Resolve(
      const std::string& name, absl::Duration timeout,
      const Notification& cancel) override {
    if (!library_ok_) return absl::InternalError("c-ares did not initialise");
    const auto deadline = std::chrono::steady_clock::now() +
                          absl::ToChronoNanoseconds(timeout);
    ares_options opts;
    std::memset(&opts, 0, sizeof(opts));
    // One try may take at most a second; retries until the deadline. DNS
    // only ("b"): /etc/hosts does not count (see dns.h).
    opts.timeout = static_cast<int>(
        std::clamp<int64_t>(absl::ToInt64Milliseconds(timeout), 1, 1000));
    opts.tries = 1 + static_cast<int>(absl::ToInt64Seconds(timeout));
    char lookups[] = "b";
    opts.lookups = lookups;
    ares_channel channel;
    int rc = ares_init_options(
        &channel, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS);
    if (rc != ARES_SUCCESS) {
      return absl::UnavailableError(
          absl::StrCat("cannot read the DNS configuration (resolv.conf): ",
                       ares_strerror(rc)));
    }
    Lookup lookup;
    ares_addrinfo_hints hints;
    std::memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    ares_getaddrinfo(channel, name.c_str(), nullptr, &hints, &Lookup::Done,
                     &lookup);
    while (!lookup.done) {
      const auto now = std::chrono::steady_clock::now();
      if (cancel.HasBeenNotified() || now >= deadline) {
        ares_cancel(channel);  // runs the callback with ARES_ECANCELLED
        break;
      }
      fd_set readers, writers;
      FD_ZERO(&readers);
      FD_ZERO(&writers);
      const int nfds = ares_fds(channel, &readers, &writers);
      // Wake at least every 50ms for `cancel`, and at the deadline.
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
          deadline - now);
      timeval max_wait;
      max_wait.tv_sec = 0;
      max_wait.tv_usec = static_cast<suseconds_t>(
          std::min<int64_t>(left.count(), 50000));
      timeval tv;
      timeval* wait = ares_timeout(channel, &max_wait, &tv);
      if (::select(nfds, &readers, &writers, nullptr, wait) < 0 &&
          errno != EINTR) {
        ares_cancel(channel);
        break;
      }
      ares_process(channel, &readers, &writers);
    }
    ares_destroy(channel);
    if (cancel.HasBeenNotified()) return absl::CancelledError("stopped");
    switch (lookup.status) {
      case ARES_SUCCESS:
        return lookup.addresses;
      case ARES_ENOTFOUND:
      case ARES_ENODATA:
        return absl::NotFoundError("the name does not exist (yet)");
      case ARES_ECANCELLED:
      case ARES_ETIMEOUT:
        return absl::UnavailableError(absl::StrCat(
            "the DNS server does not answer (no reply within ",
            absl::FormatDuration(timeout), ")"));
      case ARES_ECONNREFUSED:
        return absl::UnavailableError(
            "the DNS server does not answer (connection refused)");
      case ARES_ESERVFAIL:
      case ARES_EREFUSED:
        return absl::UnavailableError(absl::StrCat(
            "the DNS server does not answer the question (",
            ares_strerror(lookup.status), ")"));
      default:
        return absl::UnavailableError(
            absl::StrCat("lookup failed: ", ares_strerror(lookup.status)));
    }
  }

 private:
  struct Lookup {
    bool done = false;
    int status = ARES_ETIMEOUT;
    std::vector<std::string> addresses;

    static void Done(void* arg, int status, int, ares_addrinfo* res) {
      auto* self = static_cast<Lookup*>(arg);
      self->done = true;
      self->status = status;
      if (res == nullptr) return;
      for (ares_addrinfo_node* n = res->nodes; n != nullptr; n = n->ai_next) {
        char buf[INET6_ADDRSTRLEN] = {0};
        const void* addr =
            n->ai_family == AF_INET6
                ? static_cast<const void*>(
                      &reinterpret_cast<sockaddr_in6*>(n->ai_addr)->sin6_addr)
                : static_cast<const void*>(
                      &reinterpret_cast<sockaddr_in*>(n->ai_addr)->sin_addr);
        if (::inet_ntop(n->ai_family, addr, buf, sizeof(buf)) != nullptr &&
            std::find(self->addresses.begin(), self->addresses.end(), buf) ==
                self->addresses.end()) {
          self->addresses.emplace_back(buf);
        }
      }
      ares_freeaddrinfo(res);
    }
  };

  bool library_ok_ = false;
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
  return std::make_unique<CaresResolver>();
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
  // Whether the DNS server answered the latest lookup; a silent server is a
  // different problem (and hint) from a name that does not exist yet.
  bool server_silent = false;
  MonoTime silent_since;
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
      const absl::Duration left = deadline - clock_.Monotonic();
      if (left <= absl::ZeroDuration()) break;
      ++it->attempts;
      auto addrs = resolver_.Resolve(absl::StrCat(it->name, "."),
                                     std::min(options.lookup_timeout, left),
                                     cancel);
      if (absl::IsCancelled(addrs.status())) {
        return absl::CancelledError(absl::StrCat(
            "DNS wait cancelled after ", Seconds(clock_.Monotonic() - start)));
      }
      const bool silent = absl::IsUnavailable(addrs.status());
      if (silent && !server_silent) {
        silent_since = clock_.Monotonic();
        spdlog::warn("dns: {} while looking up {}; check the cluster DNS "
                     "(kube-dns) and the pod's resolv.conf; still waiting",
                     addrs.status().message(), it->name);
      } else if (!silent && server_silent) {
        spdlog::info("dns: the DNS server answers again after {}",
                     Seconds(clock_.Monotonic() - silent_since));
      }
      server_silent = silent;
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
      const std::string hint =
          server_silent
              ? "The DNS server did not answer: check that the cluster DNS "
                "(kube-dns / CoreDNS) runs and that the pod's resolv.conf "
                "names it."
              : options.timeout_hint;
      return absl::DeadlineExceededError(absl::StrCat(
          "DNS names did not resolve within ", absl::FormatDuration(options.timeout),
          ": ", absl::StrJoin(missing, ", "), need, ". ", hint));
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
