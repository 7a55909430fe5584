#include "agent/init/init_command.h"

#include <ostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "agent/base/common_flags.h"
#include "agent/base/secrets.h"
#include "agent/base/status_macros.h"
#include "agent/base/steps.h"
#include "agent/init/atomic_file.h"
#include "agent/init/effective.h"
#include "agent/init/identity_guard.h"

namespace kafka_agent {
namespace {

struct Rendered {
  Identity identity;
  Properties base;  // the merged base configs, before the derived keys
  RenderedConfig config;
  std::string text;
};

// Reads and merges the base configs in order; a later file's key wins.
absl::StatusOr<Properties> ReadBaseConfigs(const std::vector<std::string>& paths,
                                           Filesystem& fs) {
  Properties merged;
  for (const std::string& path : paths) {
    auto text = fs.ReadFile(path);
    if (!text.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--base-config: ", text.status().message()));
    }
    auto parsed = Properties::Parse(*text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--base-config \"", path, "\": ", parsed.status().message()));
    }
    for (const auto& [key, value] : parsed->entries()) merged.Set(key, value);
    spdlog::info("read {} keys from base config {}", parsed->size(), path);
  }
  return merged;
}

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
         spdlog::info("controller.quorum.voters={}{}", FormatVoters(id.voters),
                      id.HasSeparateControllers()
                          ? absl::StrCat(" (controller StatefulSet ",
                                         id.controller_statefulset,
                                         ", Service ", id.controller_service,
                                         ")")
                          : "");
         return absl::OkStatus();
       }},
      {"render-config",
       [&o, &fs, r]() -> absl::Status {
         KA_ASSIGN_OR_RETURN(r->base, ReadBaseConfigs(o.base_configs, fs));
         r->config = RenderConfig(r->identity, r->base,
                                  absl::StrJoin(o.base_configs, ", "));
         for (const Override& ov : r->config.overrides) {
           spdlog::warn(
               "base config sets {}={}; replaced by the derived {}={}", ov.key,
               ShownValue(ov.key, ov.base_value), ov.key,
               ShownValue(ov.key, ov.derived_value));
         }
         spdlog::info("effective {}", JoinSettings(EffectiveListenerSettings(
                                          r->identity, r->config)));
         std::vector<Setting> security = SecuritySettingsFromBase(r->config);
         if (!security.empty()) {
           spdlog::info("security settings from the base config: {}",
                        JoinSettings(security));
         }
         for (const std::string& hint : SecurityHints(r->identity, r->config)) {
           spdlog::warn("{}", hint);
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
         "properties files merged under the derived keys, comma-separated; a "
         "later file's key wins (e.g. a Secret's passwords after a "
         "ConfigMap's server.properties)"},
        {"output", "KAFKA_AGENT_OUTPUT", FlagKind::kString,
         "/mnt/shared/config/server.properties",
         "where init writes the config (mode 0640)"},
        {"format", "KAFKA_AGENT_FORMAT", FlagKind::kString, "properties",
         "properties, or env (KAFKA_* variables)"},
        {"dns-wait", "KAFKA_DNS_WAIT", FlagKind::kString, "quorum",
         "quorum (own name + a majority of voters), all, self or none"},
        {"dns-timeout", "KAFKA_DNS_TIMEOUT", FlagKind::kDuration, "300s",
         "give up waiting for DNS after this long"},
        {"data-dirs", "KAFKA_DATA_DIRS", FlagKind::kString, "",
         "identity guard: Kafka's log directories, comma-separated (default: "
         "log.dirs, else log.dir, plus metadata.log.dir of the base config)"},
        {"cluster-id", "CLUSTER_ID", FlagKind::kString, "",
         "identity guard: the cluster id the data must belong to (default: "
         "not checked)"},
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
  for (absl::string_view part :
       absl::StrSplit(flags.String("base-config"), ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) o.base_configs.emplace_back(part);
  }
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
  o.data_dirs_source = flags.Source("data-dirs");
  KA_ASSIGN_OR_RETURN(o.data_dirs, ParseDataDirs(o.data_dirs_source,
                                                 flags.String("data-dirs")));
  o.cluster_id = std::string(absl::StripAsciiWhitespace(flags.String("cluster-id")));
  o.cluster_id_source = flags.Source("cluster-id");
  if (!o.cluster_id.empty()) {
    KA_RETURN_IF_ERROR(CheckClusterId(o.cluster_id_source, o.cluster_id));
  }
  KA_ASSIGN_OR_RETURN(o.log_format,
                      ParseLogFormat(flags.String("log-format")));
  return o;
}

int RunRender(const InitOptions& o, Filesystem& fs, Clock& clock,
              std::ostream& out, std::ostream& err) {
  Rendered r;
  absl::Status s = RunSteps(RenderSteps(o, fs, &r), clock);
  if (!s.ok()) return ExitCodeFor(s);
  out << r.text;
  out.flush();
  // On stderr, so stdout stays exactly the file init would write; as "#"
  // comment lines, so a reader can tell them from the (timestamped)
  // warnings.
  err << "# effective settings of " << r.identity.pod_name << " (node.id "
      << r.identity.node_id << ", roles " << r.identity.ProcessRoles()
      << "):\n";
  for (const auto& [key, value] :
       EffectiveListenerSettings(r.identity, r.config)) {
    err << "#   " << key << "=" << value << "\n";
  }
  std::vector<Setting> security = SecuritySettingsFromBase(r.config);
  if (!security.empty()) {
    err << "# security settings from the base config:\n";
    for (const auto& [key, value] : security) {
      err << "#   " << key << "=" << value << "\n";
    }
  }
  err.flush();
  return 0;
}

int RunInit(const InitOptions& o, InitDeps& deps) {
  Rendered r;
  std::vector<Step> steps = RenderSteps(o, deps.fs, &r);
  steps.push_back({"identity-guard", [&]() -> absl::Status {
                     std::vector<std::string> dirs;
                     std::string from;
                     if (o.data_dirs.has_value()) {
                       dirs = *o.data_dirs;
                       from = o.data_dirs_source;
                     } else {
                       dirs = DataDirsFromConfig(r.base);
                       from = "log.dirs of the base config";
                     }
                     if (dirs.empty()) {
                       spdlog::info(
                           "no data dirs to check (no --data-dirs, no "
                           "log.dirs in the base config): skipped");
                       return absl::OkStatus();
                     }
                     GuardExpectation expect;
                     expect.pod_name = r.identity.pod_name;
                     expect.node_id = r.identity.node_id;
                     expect.cluster_id = o.cluster_id;
                     expect.cluster_id_source = o.cluster_id_source;
                     KA_ASSIGN_OR_RETURN(
                         std::vector<DataDirCheck> checks,
                         CheckDataDirs(deps.fs, dirs, expect));
                     spdlog::info("data dirs ({}) belong to node.id {}{}: {}",
                                  from, r.identity.node_id,
                                  o.cluster_id.empty()
                                      ? ""
                                      : absl::StrCat(", cluster.id ",
                                                     o.cluster_id),
                                  DescribeDataDirChecks(checks));
                     return absl::OkStatus();
                   }});
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
                     const Identity& id = r.identity;
                     DnsWaitOptions w;
                     w.plan = PlanDnsWait(o.dns_wait, id.fqdn, id.voters);
                     w.timeout = o.dns_timeout;
                     std::string services =
                         id.controller_service == id.headless_service
                             ? absl::StrCat("the headless Service \"",
                                            id.headless_service, "\" is")
                             : absl::StrCat("the headless Service \"",
                                            id.headless_service,
                                            "\" or the controllers' \"",
                                            id.controller_service, "\" is");
                     w.timeout_hint = absl::StrCat(
                         "Likely causes: ", services,
                         " missing in namespace \"", id.namespace_name,
                         "\" or lacks publishNotReadyAddresses: true (then a "
                         "pod's record appears only once it is Ready, which "
                         "Kafka never becomes without its quorum); the "
                         "StatefulSet's serviceName is not that Service; or "
                         "--namespace / --cluster-domain (\"",
                         id.cluster_domain,
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
                     spdlog::info("wrote {} ({} bytes, mode 0640)", o.output,
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
