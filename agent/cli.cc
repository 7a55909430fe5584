#include "agent/cli.h"

#include <ostream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/atomic_file.h"
#include "agent/startup.h"
#include "agent/status_macros.h"
#include "agent/log.h"

namespace kafka_agent {
namespace {

std::vector<FlagSpec> IdentitySpecs() {
  return {
      {"pod-name", "POD_NAME", FlagKind::kString, "",
       "pod name <statefulset>-<ordinal> (default: the host name)"},
      {"namespace", "POD_NAMESPACE", FlagKind::kString, "default",
       "the pod's namespace"},
      {"headless-service", "KAFKA_HEADLESS_SERVICE", FlagKind::kString, "",
       "headless Service of the StatefulSet (default: <statefulset>-headless)"},
      {"cluster-domain", "KAFKA_CLUSTER_DOMAIN", FlagKind::kString,
       "cluster.local", "the cluster's DNS domain"},
      {"controllers", "KAFKA_CONTROLLERS", FlagKind::kInt, "3",
       "ordinals 0..N-1 are broker+controller, the rest broker only"},
      {"node-id-offset", "KAFKA_NODE_ID_OFFSET", FlagKind::kInt, "0",
       "node.id = offset + ordinal"},
      {"broker-port", "KAFKA_BROKER_PORT", FlagKind::kInt, "9092",
       "client/inter-broker listener port"},
      {"controller-port", "KAFKA_CONTROLLER_PORT", FlagKind::kInt, "29093",
       "controller listener port"},
  };
}

FlagSpec LogFormatSpec() {
  return {"log-format", "KAFKA_AGENT_LOG_FORMAT", FlagKind::kString, "text",
          "text or json"};
}

absl::StatusOr<IdentityOptions> IdentityOptionsFromFlags(
    const ParsedFlags& flags, const std::string& hostname) {
  IdentityOptions o;
  o.pod_name = flags.IsSet("pod-name") ? flags.String("pod-name") : hostname;
  o.namespace_name = flags.String("namespace");
  o.headless_service = flags.String("headless-service");
  o.cluster_domain = flags.String("cluster-domain");
  KA_ASSIGN_OR_RETURN(o.controllers, flags.Int("controllers"));
  KA_ASSIGN_OR_RETURN(o.node_id_offset, flags.Int("node-id-offset"));
  KA_ASSIGN_OR_RETURN(o.broker_port, flags.Int("broker-port"));
  KA_ASSIGN_OR_RETURN(o.controller_port, flags.Int("controller-port"));
  return o;
}

// HOST:PORT with a port in 0..65535 (0: pick one).
absl::Status CheckHostPort(absl::string_view source, absl::string_view value) {
  size_t colon = value.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, " \"", value,
                     "\" is not HOST:PORT; e.g. 0.0.0.0:50051 or [::]:50051"));
  }
  return absl::OkStatus();
}

std::string Usage() {
  return absl::StrCat(
      "kafka-agent ", KAFKA_AGENT_VERSION,
      ": runs Apache Kafka (KRaft) correctly in a Kubernetes StatefulSet.\n\n"
      "Usage:\n"
      "  kafka-agent init   [flags]  render Kafka's config once DNS is ready, "
      "then exit\n"
      "  kafka-agent render [flags]  print the config init would write (no "
      "DNS, no files)\n"
      "  kafka-agent serve  [flags]  run the gRPC sidecar until SIGTERM\n"
      "  kafka-agent status [--addr HOST:PORT] [--json] "
      "[--under-replicated|--under-min-isr|--offline]\n"
      "  kafka-agent check-restart [--addr HOST:PORT] [--node-id N]  exit 0 "
      "safe, 1 unsafe\n"
      "  kafka-agent --version | help\n\n"
      "Flags of init and render:\n",
      FlagHelp(InitFlags()), "\nFlags of serve:\n", FlagHelp(ServeFlags()),
      "\nFlags of status:\n", FlagHelp(StatusFlags()),
      "\nFlags of check-restart:\n", FlagHelp(CheckRestartFlags()),
      "\nExit codes: 0 success, 1 runtime failure, 2 bad input.\n");
}

struct Rendered {
  Identity identity;
  RenderedConfig config;
  std::string text;
};

// Shared by init and render: identity, base config, rendering.
std::vector<Step> RenderSteps(const InitOptions& o, CliContext& ctx,
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
       [&o, &ctx, r]() -> absl::Status {
         Properties base;
         if (!o.base_config.empty()) {
           auto text = ctx.fs->ReadFile(o.base_config);
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

int RunRender(const InitOptions& o, CliContext& ctx) {
  Rendered r;
  absl::Status s = RunSteps(RenderSteps(o, ctx, &r), *ctx.clock);
  if (!s.ok()) return ExitCodeFor(s);
  *ctx.out << r.text;
  ctx.out->flush();
  return 0;
}

int RunInit(const InitOptions& o, CliContext& ctx) {
  Rendered r;
  std::vector<Step> steps = RenderSteps(o, ctx, &r);
  steps.push_back({"check-output", [&]() -> absl::Status {
                     absl::Status s = ProbeWritable(*ctx.fs, o.output);
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
                     DnsWaiter waiter(*ctx.resolver, *ctx.clock,
                                      ctx.unit_random);
                     return waiter.Wait(w, *ctx.stop).status();
                   }});
  steps.push_back({"write-config", [&]() -> absl::Status {
                     if (ctx.stop->HasBeenNotified()) {
                       return absl::CancelledError("stopped before writing");
                     }
                     KA_RETURN_IF_ERROR(
                         WriteFileAtomically(*ctx.fs, o.output, r.text));
                     spdlog::info("wrote {} ({} bytes)", o.output,
                                  r.text.size());
                     return absl::OkStatus();
                   }});
  absl::Status s = RunSteps(steps, *ctx.clock);
  if (s.ok()) spdlog::info("init done: node.id {} is ready to start", r.identity.node_id);
  return ExitCodeFor(s);
}

absl::StatusOr<ClientOptions> ClientOptionsFromFlags(const ParsedFlags& f,
                                                     bool status) {
  ClientOptions o;
  o.addr = f.String("addr");
  KA_RETURN_IF_ERROR(CheckHostPort(f.Source("addr"), o.addr));
  KA_ASSIGN_OR_RETURN(o.timeout, f.Duration("timeout"));
  if (status) {
    KA_ASSIGN_OR_RETURN(o.json, f.Bool("json"));
    KA_ASSIGN_OR_RETURN(o.under_replicated, f.Bool("under-replicated"));
    KA_ASSIGN_OR_RETURN(o.under_min_isr, f.Bool("under-min-isr"));
    KA_ASSIGN_OR_RETURN(o.offline, f.Bool("offline"));
    o.topic = f.String("topic");
    if (int(o.under_replicated) + int(o.under_min_isr) + int(o.offline) > 1) {
      return absl::InvalidArgumentError(
          "--under-replicated, --under-min-isr and --offline exclude each "
          "other; give one");
    }
  } else if (f.IsSet("node-id")) {
    KA_ASSIGN_OR_RETURN(int id, f.Int("node-id"));
    if (id < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          f.Source("node-id"), " ", id, " is negative; node ids start at 0"));
    }
    o.node_id = id;
  }
  return o;
}

}  // namespace

const std::vector<FlagSpec>& InitFlags() {
  static const std::vector<FlagSpec>* specs = [] {
    auto* s = new std::vector<FlagSpec>(IdentitySpecs());
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
        LogFormatSpec(),
    });
    return s;
  }();
  return *specs;
}

const std::vector<FlagSpec>& ServeFlags() {
  static const std::vector<FlagSpec>* specs = [] {
    auto* s = new std::vector<FlagSpec>(IdentitySpecs());
    s->insert(s->end(), {
        {"grpc-listen", "KAFKA_AGENT_GRPC_LISTEN", FlagKind::kString,
         "0.0.0.0:50051", "address of the gRPC server"},
        {"bootstrap", "KAFKA_AGENT_BOOTSTRAP", FlagKind::kString, "",
         "the local broker (default: localhost:<broker-port>)"},
        {"poll-interval", "KAFKA_AGENT_POLL_INTERVAL", FlagKind::kDuration,
         "2s", "how often the broker is polled"},
        {"kafka-prop", "KAFKA_AGENT_KAFKA_PROPS", FlagKind::kList, "",
         "librdkafka property key=value, repeatable (env: one per line)"},
        LogFormatSpec(),
    });
    return s;
  }();
  return *specs;
}

const std::vector<FlagSpec>& StatusFlags() {
  static const std::vector<FlagSpec>* specs = new std::vector<FlagSpec>{
      {"addr", "KAFKA_AGENT_ADDR", FlagKind::kString, "localhost:50051",
       "the agent's gRPC address"},
      {"json", "", FlagKind::kBool, "", "print JSON"},
      {"under-replicated", "", FlagKind::kBool, "",
       "only partitions whose ISR is smaller than their replicas"},
      {"under-min-isr", "", FlagKind::kBool, "",
       "only partitions whose ISR is below min.insync.replicas"},
      {"offline", "", FlagKind::kBool, "", "only partitions without a leader"},
      {"topic", "", FlagKind::kString, "", "only this topic"},
      {"timeout", "KAFKA_AGENT_TIMEOUT", FlagKind::kDuration, "5s",
       "deadline of the call"},
  };
  return *specs;
}

const std::vector<FlagSpec>& CheckRestartFlags() {
  static const std::vector<FlagSpec>* specs = new std::vector<FlagSpec>{
      {"addr", "KAFKA_AGENT_ADDR", FlagKind::kString, "localhost:50051",
       "the agent's gRPC address"},
      {"node-id", "", FlagKind::kInt, "",
       "the broker to check (default: the agent's own)"},
      {"timeout", "KAFKA_AGENT_TIMEOUT", FlagKind::kDuration, "5s",
       "deadline of the call"},
  };
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

absl::StatusOr<ServeOptions> ServeOptionsFromFlags(
    const ParsedFlags& flags, const std::string& hostname) {
  ServeOptions o;
  KA_ASSIGN_OR_RETURN(o.identity, IdentityOptionsFromFlags(flags, hostname));
  o.grpc_listen = flags.String("grpc-listen");
  KA_RETURN_IF_ERROR(CheckHostPort(flags.Source("grpc-listen"), o.grpc_listen));
  o.bootstrap = flags.IsSet("bootstrap")
                    ? flags.String("bootstrap")
                    : absl::StrCat("localhost:", o.identity.broker_port);
  KA_ASSIGN_OR_RETURN(o.poll_interval, flags.Duration("poll-interval"));
  if (o.poll_interval < absl::Milliseconds(100)) {
    return absl::InvalidArgumentError(absl::StrCat(
        flags.Source("poll-interval"), " \"", flags.String("poll-interval"),
        "\" is too short; poll at most every 100ms (the default is 2s)"));
  }
  for (const std::string& kv : flags.List("kafka-prop")) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--kafka-prop \"", kv.substr(0, kv.find('=')),
                       "\" is not key=value; e.g. --kafka-prop "
                       "security.protocol=SSL"));
    }
    o.kafka_props.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  KA_ASSIGN_OR_RETURN(o.log_format,
                      ParseLogFormat(flags.String("log-format")));
  return o;
}

int RunCli(const std::vector<std::string>& args, CliContext& ctx) {
  auto fail = [&](absl::string_view command, const absl::Status& s) {
    *ctx.err << "kafka-agent " << command << ": " << s.message() << "\n";
    return ExitCodeFor(s);
  };
  if (args.size() < 2) {
    *ctx.err << Usage();
    return 2;
  }
  const std::string& command = args[1];
  const std::vector<std::string> rest(args.begin() + 2, args.end());
  if (command == "--version" || command == "version") {
    *ctx.out << "kafka-agent " << KAFKA_AGENT_VERSION << "\n";
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    *ctx.out << Usage();
    return 0;
  }
  for (const std::string& a : rest) {
    if (a == "--help" || a == "-h") {
      *ctx.out << Usage();
      return 0;
    }
  }

  const std::vector<FlagSpec>* specs = nullptr;
  if (command == "init" || command == "render") {
    specs = &InitFlags();
  } else if (command == "serve") {
    specs = &ServeFlags();
  } else if (command == "status") {
    specs = &StatusFlags();
  } else if (command == "check-restart") {
    specs = &CheckRestartFlags();
  } else {
    *ctx.err << "kafka-agent: unknown command \"" << command
             << "\"; use init, render, serve, status, check-restart or help\n";
    return 2;
  }
  auto flags = ParseFlags(*specs, rest, ctx.getenv, command);
  if (!flags.ok()) return fail(command, flags.status());

  if (command == "init" || command == "render") {
    auto opts = InitOptionsFromFlags(*flags, ctx.hostname());
    if (!opts.ok()) return fail(command, opts.status());
    if (ctx.setup_logging) SetupLogging(opts->log_format);
    if (command == "render") {
      // render prints the config; only warnings go to stderr.
      auto level = spdlog::get_level();
      if (ctx.setup_logging) spdlog::set_level(spdlog::level::warn);
      int rc = RunRender(*opts, ctx);
      spdlog::set_level(level);
      return rc;
    }
    spdlog::info("kafka-agent {} init", KAFKA_AGENT_VERSION);
    return RunInit(*opts, ctx);
  }
  if (command == "serve") {
    auto opts = ServeOptionsFromFlags(*flags, ctx.hostname());
    if (!opts.ok()) return fail(command, opts.status());
    if (ctx.setup_logging) SetupLogging(opts->log_format);
    return RunServe(*opts, ctx);
  }
  auto opts = ClientOptionsFromFlags(*flags, command == "status");
  if (!opts.ok()) return fail(command, opts.status());
  return command == "status" ? RunStatus(*opts, ctx)
                             : RunCheckRestart(*opts, ctx);
}

}  // namespace kafka_agent
