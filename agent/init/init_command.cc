#include "agent/init/init_command.h"

#include <ostream>

#include "absl/strings/str_cat.h"
#include "agent/base/common_flags.h"
#include "agent/base/status_macros.h"
#include "agent/base/steps.h"
#include "agent/init/atomic_file.h"

namespace kafka_agent {
namespace {

struct Rendered {
  Identity identity;
  RenderedConfig config;
  std::string text;
};

// Shared by init and render: identity, base config, rendering.
std::vector<Step> RenderSteps(const InitOptions& o, Filesystem& fs,
                              Rendered* r) {
  return {
      {"identity",
       [&o, r]() -> absl::Status {
         KA_ASSIGN_OR_RETURN(r->identity, DeriveIdentity(o.identity));
         const Identity& id = r->identity;
         spdlog::info("pod {} (ordinal {}) -> node.id {}, roles {}, fqdn {}",
                      id.pod_name, id.ordinal, id.node_id, id.ProcessRoles(),
                      id.fqdn);
         spdlog::info("controller.quorum.voters={}", FormatVoters(id.voters));
         return absl::OkStatus();
       }},
      {"render-config",
       [&o, &fs, r]() -> absl::Status {
         Properties base;
         if (!o.base_config.empty()) {
           auto text = fs.ReadFile(o.base_config);
           if (!text.ok()) {
             return absl::InvalidArgumentError(
                 absl::StrCat("--base-config: ", text.status().message()));
           }
           auto parsed = Properties::Parse(*text);
           if (!parsed.ok()) {
             return absl::InvalidArgumentError(
                 absl::StrCat("--base-config \"", o.base_config,
                              "\": ", parsed.status().message()));
           }
           base = *std::move(parsed);
           spdlog::info("read {} keys from base config {}", base.size(),
                        o.base_config);
         }
         r->config = RenderConfig(r->identity, base, o.base_config);
         for (const Override& ov : r->config.overrides) {
           spdlog::warn(
               "base config sets {}={}; replaced by the derived {}={}", ov.key,
               ov.base_value, ov.key, ov.derived_value);
         }
         if (o.format == ConfigFormat::kEnv) {
           KA_ASSIGN_OR_RETURN(r->text, FormatEnv(r->identity, r->config));
         } else {
           r->text = FormatProperties(r->identity, r->config);
         }
         return absl::OkStatus();
       }},
  };
}

}  // namespace

const std::vector<FlagSpec>& InitFlags() {
  static const std::vector<FlagSpec>* specs = [] {
    auto* s = new std::vector<FlagSpec>(IdentityFlagSpecs());
    s->insert(s->end(), {
        {"base-config", "KAFKA_BASE_CONFIG", FlagKind::kString, "",
         "properties file merged under the derived keys"},
        {"output", "KAFKA_AGENT_OUTPUT", FlagKind::kString,
         "/mnt/shared/config/server.properties", "where init writes the config"},
        {"format", "KAFKA_AGENT_FORMAT", FlagKind::kString, "properties",
         "properties, or env (KAFKA_* variables)"},
        {"dns-wait", "KAFKA_DNS_WAIT", FlagKind::kString, "quorum",
         "quorum (own name + a majority of voters), all, self or none"},
        {"dns-timeout", "KAFKA_DNS_TIMEOUT", FlagKind::kDuration, "300s",
         "give up waiting for DNS after this long"},
        LogFormatFlagSpec(),
    });
    return s;
  }();
  return *specs;
}

absl::StatusOr<InitOptions> InitOptionsFromFlags(const ParsedFlags& flags,
                                                 const std::string& hostname) {
  InitOptions o;
  KA_ASSIGN_OR_RETURN(o.identity, IdentityOptionsFromFlags(flags, hostname));
  o.base_config = flags.String("base-config");
  o.output = flags.String("output");
  if (o.output.empty() || o.output.back() == '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(flags.Source("output"), " \"", o.output,
                     "\" is not a file path; e.g. "
                     "/mnt/shared/config/server.properties"));
  }
  KA_ASSIGN_OR_RETURN(o.format, ParseConfigFormat(flags.String("format")));
  KA_ASSIGN_OR_RETURN(o.dns_wait, ParseDnsWaitMode(flags.String("dns-wait")));
  KA_ASSIGN_OR_RETURN(o.dns_timeout, flags.Duration("dns-timeout"));
  KA_ASSIGN_OR_RETURN(o.log_format,
                      ParseLogFormat(flags.String("log-format")));
  return o;
}

int RunRender(const InitOptions& o, Filesystem& fs, Clock& clock,
              std::ostream& out) {
  Rendered r;
  absl::Status s = RunSteps(RenderSteps(o, fs, &r), clock);
  if (!s.ok()) return ExitCodeFor(s);
  out << r.text;
  out.flush();
  return 0;
}

int RunInit(const InitOptions& o, InitDeps& deps) {
  Rendered r;
  std::vector<Step> steps = RenderSteps(o, deps.fs, &r);
  steps.push_back({"check-output", [&]() -> absl::Status {
                     absl::Status s = ProbeWritable(deps.fs, o.output);
                     if (!s.ok()) {
                       return absl::InvalidArgumentError(absl::StrCat(
                           "--output cannot be written: ", s.message()));
                     }
                     spdlog::info("will write {} ({} format)", o.output,
                                  o.format == ConfigFormat::kEnv
                                      ? "env"
                                      : "properties");
                     return absl::OkStatus();
                   }});
  steps.push_back({"wait-for-dns", [&]() -> absl::Status {
                     DnsWaitOptions w;
                     w.plan = PlanDnsWait(o.dns_wait, r.identity.fqdn,
                                          r.identity.voters);
                     w.timeout = o.dns_timeout;
                     w.timeout_hint = absl::StrCat(
                         "Likely causes: the headless Service \"",
                         r.identity.headless_service,
                         "\" is missing in namespace \"",
                         r.identity.namespace_name,
                         "\" or lacks publishNotReadyAddresses: true (then a "
                         "pod's record appears only once it is Ready, which "
                         "Kafka never becomes without its quorum); the "
                         "StatefulSet's serviceName is not that Service; or "
                         "--namespace / --cluster-domain (\"",
                         r.identity.cluster_domain,
                         "\") do not match the cluster.");
                     spdlog::info("waiting up to {} for DNS (--dns-wait {})",
                                  absl::FormatDuration(o.dns_timeout),
                                  DnsWaitModeName(o.dns_wait));
                     DnsWaiter waiter(deps.resolver, deps.clock,
                                      deps.unit_random);
                     return waiter.Wait(w, deps.stop).status();
                   }});
  steps.push_back({"write-config", [&]() -> absl::Status {
                     if (deps.stop.HasBeenNotified()) {
                       return absl::CancelledError("stopped before writing");
                     }
                     KA_RETURN_IF_ERROR(
                         WriteFileAtomically(deps.fs, o.output, r.text));
                     spdlog::info("wrote {} ({} bytes)", o.output,
                                  r.text.size());
                     return absl::OkStatus();
                   }});
  absl::Status s = RunSteps(steps, deps.clock);
  if (s.ok()) {
    spdlog::info("init done: node.id {} is ready to start", r.identity.node_id);
  }
  return ExitCodeFor(s);
}

}  // namespace kafka_agent
