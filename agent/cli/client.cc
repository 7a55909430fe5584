#include "agent/cli/client.h"

#include <algorithm>
#include <chrono>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "agent/base/common_flags.h"
#include "agent/base/status_macros.h"
#include "agent/sidecar/health.h"
#include "agent/sidecar/prestop.h"
#include "agent/sidecar/report.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "kafka_agent/v1/agent.grpc.pb.h"

namespace kafka_agent {
namespace {

namespace v1 = ::kafka_agent::v1;
using ::google::protobuf::util::TimeUtil;

std::string Ids(const google::protobuf::RepeatedField<int32_t>& ids) {
  return absl::StrJoin(ids, ",");
}

std::string Json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_primitive_fields = true;
  opts.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(m, &out, opts).ok()) {
    return "{}";
  }
  return out;
}

std::unique_ptr<v1::KafkaAgent::Stub> Connect(const ClientOptions& o) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kClientMaxReceiveBytes);
  return v1::KafkaAgent::NewStub(grpc::CreateCustomChannel(
      o.addr, grpc::InsecureChannelCredentials(), args));
}

void SetDeadline(grpc::ClientContext* ctx, const ClientOptions& o) {
  ctx->set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(o.timeout));
}

int RpcFailed(std::ostream& err, const ClientOptions& o, const char* what,
              const grpc::Status& s) {
  err << RpcFailureMessage(o, what, s.error_code(), s.error_message());
  return 1;
}

bool Filtered(const ClientOptions& o) {
  return o.under_replicated || o.under_min_isr || o.offline ||
         !o.topic.empty();
}

std::string StateOf(const v1::Partition& p) {
  std::vector<std::string> state;
  if (p.offline()) state.push_back("offline");
  if (p.under_min_isr()) state.push_back("under-min-isr");
  if (p.under_replicated()) state.push_back("under-replicated");
  return state.empty() ? "ok" : absl::StrJoin(state, ",");
}

size_t TopicWidth(const v1::ListPartitionsResponse& r) {
  size_t w = 5;
  for (const v1::Partition& p : r.partitions()) w = std::max(w, p.topic().size());
  return w;
}

std::string TableHeader(size_t w) {
  return absl::StrFormat("%-*s  %9s  %6s  %-12s  %-12s  %7s  %s\n",
                         static_cast<int>(w), "TOPIC", "PARTITION", "LEADER",
                         "REPLICAS", "ISR", "MIN-ISR", "STATE");
}

void AppendRow(const v1::Partition& p, size_t w, std::string* out) {
  absl::StrAppendFormat(
      out, "%-*s  %9d  %6s  %-12s  %-12s  %7s  %s\n", static_cast<int>(w),
      p.topic(), p.partition(),
      p.leader() < 0 ? "none" : absl::StrCat(p.leader()), Ids(p.replicas()),
      Ids(p.isr()),
      p.min_insync_replicas() > 0 ? absl::StrCat(p.min_insync_replicas())
                                  : "?",
      StateOf(p));
}

// "... and N more" after a table cut short.
std::string MoreLine(int64_t shown, int64_t total) {
  if (total <= shown) return "";
  return absl::StrCat(
      "... ", total - shown, " more partition", total - shown == 1 ? "" : "s",
      " not shown (", shown, " of ", total,
      "); --all prints every one, --limit N that many; or filter with "
      "--topic, --under-replicated, --under-min-isr, --offline\n");
}

absl::StatusOr<ClientOptions> CommonOptionsFromFlags(const ParsedFlags& f) {
  ClientOptions o;
  o.addr = f.String("addr");
  KA_RETURN_IF_ERROR(CheckHostPort(f.Source("addr"), o.addr));
  KA_ASSIGN_OR_RETURN(o.timeout, f.Duration("timeout"));
  return o;
}

}  // namespace

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
      {"limit", "", FlagKind::kInt, "",
       absl::StrCat("print at most N partitions (default: ",
                    kDefaultStatusRows,
                    " without a filter, all that match with one)")},
      {"all", "", FlagKind::kBool, "", "print every partition"},
      {"timeout", "KAFKA_AGENT_TIMEOUT", FlagKind::kDuration, "5s",
       "deadline of each call"},
  };
  return *specs;
}

const std::vector<FlagSpec>& CheckRestartFlags() {
  static const std::vector<FlagSpec>* specs = new std::vector<FlagSpec>{
      {"addr", "KAFKA_AGENT_ADDR", FlagKind::kString, "localhost:50051",
       "the agent's gRPC address"},
      {"node-id", "", FlagKind::kInt, "",
       "the broker to check (default: the agent's own)"},
      {"wait", "", FlagKind::kBool, "",
       "wait until stopping it is safe (as GET /prestop); exit 1 if the "
       "timeout passes first"},
      {"timeout", "KAFKA_AGENT_TIMEOUT", FlagKind::kDuration, "5s",
       "deadline of the call; with --wait how long to wait (default 300s, "
       "at most 1h)"},
  };
  return *specs;
}

absl::StatusOr<ClientOptions> StatusOptionsFromFlags(const ParsedFlags& f) {
  KA_ASSIGN_OR_RETURN(ClientOptions o, CommonOptionsFromFlags(f));
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
  KA_ASSIGN_OR_RETURN(bool all, f.Bool("all"));
  if (f.IsSet("limit")) {
    if (all) {
      return absl::InvalidArgumentError(
          "--limit and --all exclude each other; give one");
    }
    KA_ASSIGN_OR_RETURN(int limit, f.Int("limit"));
    if (limit < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(f.Source("limit"), " ", limit,
                       " is negative; give a number of rows (0: none)"));
    }
    o.limit = limit;
  } else if (!all && !Filtered(o)) {
    o.limit = kDefaultStatusRows;
  }
  return o;
}

absl::StatusOr<ClientOptions> CheckRestartOptionsFromFlags(
    const ParsedFlags& f) {
  KA_ASSIGN_OR_RETURN(ClientOptions o, CommonOptionsFromFlags(f));
  KA_ASSIGN_OR_RETURN(o.wait, f.Bool("wait"));
  if (o.wait) {
    if (!f.IsSet("timeout")) o.timeout = kPrestopDefaultTimeout;
    KA_RETURN_IF_ERROR(CheckPrestopTimeout(
        o.timeout,
        absl::StrCat(f.Source("timeout"), " \"", f.String("timeout"), "\"")));
  }
  if (f.IsSet("node-id")) {
    KA_ASSIGN_OR_RETURN(int id, f.Int("node-id"));
    if (id < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          f.Source("node-id"), " ", id, " is negative; node ids start at 0"));
    }
    o.node_id = id;
  }
  return o;
}

std::string FormatQuorum(const v1::QuorumStatus& q) {
  if (!q.known()) {
    return absl::StrCat("quorum   unknown: ", q.error(), "\n");
  }
  std::string out = absl::StrFormat(
      "quorum   leader %s, epoch %d, high watermark %d (via %s)\n",
      q.leader_id() < 0 ? "NONE" : absl::StrCat(q.leader_id()),
      q.leader_epoch(), q.high_watermark(), q.answered_by());
  absl::StrAppendFormat(&out, "  %-6s  %-8s  %12s  %8s  %10s  %s\n", "NODE",
                        "ROLE", "LOG-END", "LAG", "CAUGHT-UP", "STATUS");
  auto rows = [&](const google::protobuf::RepeatedPtrField<v1::QuorumReplica>&
                      rs,
                  const char* role) {
    for (const v1::QuorumReplica& r : rs) {
      absl::StrAppendFormat(
          &out, "  %-6d  %-8s  %12d  %8s  %10s  %s\n", r.id(),
          r.id() == q.leader_id() ? "leader" : role, r.log_end_offset(),
          r.lag_offsets() < 0 ? "?" : absl::StrCat(r.lag_offsets()),
          r.last_caught_up_ms_ago() < 0
              ? "?"
              : absl::StrCat(r.last_caught_up_ms_ago(), "ms ago"),
          r.caught_up() ? "caught up" : "LAGGING");
    }
  };
  rows(q.voters(), "voter");
  rows(q.observers(), "observer");
  return out;
}

std::string FormatStatusSummary(const v1::AgentStatus& s) {
  const v1::Identity& id = s.identity();
  std::string out = absl::StrFormat(
      "agent    %s (node.id %d, %s) bootstrap %s\n", id.pod_name(),
      id.node_id(), absl::StrJoin(id.process_roles(), ","), s.bootstrap());
  absl::StrAppendFormat(
      &out, "cluster  %s, active controller %s, brokers [%s]%s\n",
      s.cluster_id().empty() ? "(unknown)" : s.cluster_id(),
      s.controller_id() < 0 ? "unknown" : absl::StrCat(s.controller_id()),
      Ids(s.brokers()),
      s.metadata_answered_by().empty()
          ? ""
          : absl::StrCat(" (metadata from ", s.metadata_answered_by(), ")"));
  absl::StrAppendFormat(&out, "ready    %s: %s\n", s.ready() ? "yes" : "NO",
                        s.ready_reason());
  std::vector<std::string> services;
  for (const v1::HealthServiceStatus& h : s.health()) {
    if (h.service().empty()) continue;
    services.push_back(absl::StrCat(h.service(), " ",
                                    h.serving() ? "SERVING" : "NOT_SERVING"));
  }
  absl::StrAppendFormat(&out, "health   %s\n", absl::StrJoin(services, ", "));
  out += FormatQuorum(s.quorum());
  if (s.reassignment_count() > 0) {
    std::vector<std::string> moves;
    for (const v1::Reassignment& r : s.reassignments()) {
      moves.push_back(absl::StrCat(r.topic(), "-", r.partition(), " adding [",
                                   Ids(r.adding()), "] removing [",
                                   Ids(r.removing()), "]"));
    }
    absl::StrAppendFormat(&out, "reassign %d in progress: %s%s\n",
                          s.reassignment_count(), absl::StrJoin(moves, "; "),
                          s.reassignment_count() > s.reassignments_size()
                              ? " ..."
                              : "");
  }
  const v1::PartitionCounts& c = s.counts();
  absl::StrAppendFormat(
      &out,
      "counts   %d partition%s in %d topic%s; here: %d led, %d hosted, %d "
      "not in ISR%s; cluster: %d under-replicated, %d under min ISR, %d "
      "offline\n",
      c.partitions(), c.partitions() == 1 ? "" : "s", c.topics(),
      c.topics() == 1 ? "" : "s", c.partitions_led(), c.replicas_hosted(),
      c.not_in_isr(),
      c.reassigning_here() > 0
          ? absl::StrCat(", ", c.reassigning_here(),
                         " being added by a reassignment")
          : "",
      c.under_replicated(), c.under_min_isr(), c.offline());
  if (s.config_error_count() > 0) {
    const v1::TopicConfigError& e = s.config_errors(0);
    absl::StrAppendFormat(
        &out, "configs  %d DescribeConfigs error%s (min.insync.replicas "
        "unknown, only offline is guarded); first: %s%s\n",
        s.config_error_count(), s.config_error_count() == 1 ? "" : "s",
        e.topic().empty() ? "" : absl::StrCat("topic ", e.topic(), ": "),
        e.error());
  }
  absl::StrAppendFormat(
      &out, "snapshot %s old%s%s\n",
      s.has_snapshot_age()
          ? absl::StrCat(absl::ToDoubleSeconds(absl::Milliseconds(
                             TimeUtil::DurationToMilliseconds(s.snapshot_age()))),
                         "s")
          : "(none)",
      s.snapshot_stale() ? " (STALE)" : "",
      s.last_error().empty() ? "" : absl::StrCat("; last error: ", s.last_error()));
  return out;
}

std::string FormatPartitionTable(const v1::ListPartitionsResponse& r) {
  const size_t w = TopicWidth(r);
  std::string out = TableHeader(w);
  for (const v1::Partition& p : r.partitions()) AppendRow(p, w, &out);
  out += MoreLine(r.partitions_size(), r.total_size());
  return out;
}

std::string FormatRestartSafety(const v1::CheckRestartSafetyResponse& r,
                                int max_rows) {
  // After a wait the reason already starts with how it ended ("safe after
  // 12.3s: ...", "gave up after 5s ...").
  std::string out =
      r.has_waited()
          ? absl::StrCat(r.safe() ? "" : "UNSAFE: ", r.reason(), "\n")
          : absl::StrCat(r.safe() ? "safe" : "UNSAFE", ": ", r.reason(), "\n");
  int shown = 0;
  for (const v1::PartitionAtRisk& a : r.at_risk()) {
    if (shown == max_rows) break;
    const v1::Partition& p = a.partition();
    absl::StrAppendFormat(&out, "  %s-%d: isr [%s] -> %d left; %s\n",
                          p.topic(), p.partition(), Ids(p.isr()), a.isr_after(),
                          a.reason());
    ++shown;
  }
  // An older agent sends no count: it listed them all.
  const int64_t total = std::max<int64_t>(r.at_risk_count(), r.at_risk_size());
  if (total > shown) {
    absl::StrAppendFormat(&out, "  ... and %d more partition%s at risk\n",
                          total - shown, total - shown == 1 ? "" : "s");
  }
  return out;
}

std::string RpcFailureMessage(const ClientOptions& o, const char* what,
                              int code, const std::string& message) {
  std::string hint;
  switch (static_cast<grpc::StatusCode>(code)) {
    case grpc::StatusCode::UNAVAILABLE:
      hint = "; is `kafka-agent serve` running there? (--addr)";
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      hint = absl::StrCat("; no answer within ",
                          absl::FormatDuration(o.timeout),
                          ": is `kafka-agent serve` running and reachable "
                          "there (--addr), or is a longer --timeout needed?");
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      hint = absl::StrCat(
          "; the answer is larger than a message may be (this client takes ",
          kClientMaxReceiveBytes >> 20,
          " MiB): narrow it with --topic, --under-replicated, "
          "--under-min-isr, --offline or --limit, or use an agent that "
          "pages its answers");
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      hint = "; the agent there is older than this client "
             "(kafka-agent --version)";
      break;
    default:
      break;
  }
  return absl::StrCat("kafka-agent: ", what, " on ", o.addr,
                      " failed: ", message, " (", code, ")", hint, "\n");
}

int RunStatus(const ClientOptions& o, std::ostream& out, std::ostream& err) {
  auto stub = Connect(o);
  v1::AgentStatus status;
  {
    grpc::ClientContext c;
    SetDeadline(&c, o);
    grpc::Status s = stub->GetStatus(&c, v1::GetStatusRequest(), &status);
    if (!s.ok()) return RpcFailed(err, o, "GetStatus", s);
  }
  if (o.json) {
    out << "{\"status\":" << Json(status) << ",\"partitions\":{\"partitions\":[";
  } else {
    out << FormatStatusSummary(status) << "\n";
  }
  // The partitions a page at a time, each printed as it comes: a million
  // rows never sit in memory at once.
  v1::ListPartitionsRequest req;
  req.set_topic(o.topic);
  req.set_under_replicated(o.under_replicated);
  req.set_under_min_isr(o.under_min_isr);
  req.set_offline(o.offline);
  int64_t shown = 0, total = 0;
  size_t width = 0;
  std::string next_token;
  google::protobuf::Timestamp snapshot_time;
  bool has_time = false;
  for (bool first = true;; first = false) {
    const int64_t left =
        o.limit.has_value() ? *o.limit - shown : int64_t{kMaxPageSize};
    // With nothing left to show, one row still tells the total.
    req.set_page_size(static_cast<int32_t>(
        std::clamp<int64_t>(left, 1, kMaxPageSize)));
    v1::ListPartitionsResponse page;
    grpc::ClientContext c;
    SetDeadline(&c, o);
    grpc::Status s = stub->ListPartitions(&c, req, &page);
    if (!s.ok()) {
      if (o.json || !first) out << "\n";
      out.flush();
      return RpcFailed(err, o, "ListPartitions", s);
    }
    if (first) {
      // An agent without paging sends everything at once, without a total.
      total = page.total_size() > 0 ? page.total_size() : page.partitions_size();
      has_time = page.has_snapshot_time();
      snapshot_time = page.snapshot_time();
      width = TopicWidth(page);
      if (!o.json) out << TableHeader(width);
    }
    std::string text;
    for (const v1::Partition& p : page.partitions()) {
      if (o.limit.has_value() && shown >= *o.limit) break;
      if (o.json) {
        if (shown > 0) text += ",";
        text += Json(p);
      } else {
        AppendRow(p, width, &text);
      }
      ++shown;
    }
    out << text;
    next_token = page.next_page_token();
    if (next_token.empty() || (o.limit.has_value() && shown >= *o.limit)) {
      break;
    }
    req.set_page_token(next_token);
  }
  if (o.json) {
    // The rest of a ListPartitionsResponse, as Json() would print it.
    out << "]";
    if (has_time) {
      out << ",\"snapshot_time\":\"" << TimeUtil::ToString(snapshot_time)
          << "\"";
    }
    out << ",\"next_page_token\":\"" << (shown < total ? next_token : "")
        << "\",\"total_size\":" << total << "}}\n";
  } else {
    out << MoreLine(shown, total);
  }
  out.flush();
  if (status.snapshot_stale() && status.has_snapshot_time()) {
    const absl::Duration age = absl::Milliseconds(
        TimeUtil::DurationToMilliseconds(status.snapshot_age()));
    const absl::Duration limit =
        absl::Milliseconds(TimeUtil::DurationToMilliseconds(
            status.poll_interval())) *
        kStaleAfterPolls;
    err << "kafka-agent: the agent's data is stale: "
        << absl::FormatDuration(absl::Trunc(age, absl::Milliseconds(100)))
        << " old (limit " << absl::FormatDuration(limit) << ")"
        << (status.last_error().empty() ? "" : "; last error: ")
        << status.last_error() << "\n";
    return 1;
  }
  if (!status.has_snapshot_time()) {
    err << "kafka-agent: the agent has not reached Kafka yet"
             << (status.last_error().empty() ? "" : ": ")
             << status.last_error() << "\n";
    return 1;
  }
  return 0;
}

int RunCheckRestart(const ClientOptions& o, std::ostream& out,
                    std::ostream& err) {
  auto stub = Connect(o);
  v1::CheckRestartSafetyRequest req;
  if (o.node_id.has_value()) req.set_node_id(*o.node_id);
  ClientOptions call = o;
  if (o.wait) {
    req.set_wait(true);
    *req.mutable_timeout() = TimeUtil::NanosecondsToDuration(
        absl::ToInt64Nanoseconds(o.timeout));
    // The agent answers at the timeout; the call's deadline leaves it room.
    call.timeout = o.timeout + absl::Seconds(10);
  }
  v1::CheckRestartSafetyResponse resp;
  grpc::ClientContext c;
  SetDeadline(&c, call);
  grpc::Status s = stub->CheckRestartSafety(&c, req, &resp);
  if (!s.ok()) {
    if (s.error_code() == grpc::StatusCode::UNAVAILABLE &&
        s.error_message().rfind("cannot judge", 0) == 0) {
      err << "UNSAFE (unknown): " << s.error_message() << "\n";
      return 1;
    }
    if (o.wait && s.error_code() == grpc::StatusCode::UNAVAILABLE &&
        s.error_message().rfind("the agent is shutting down", 0) == 0) {
      err << "UNSAFE (unknown): " << s.error_message() << "\n";
      return 1;
    }
    return RpcFailed(err, o, "CheckRestartSafety", s);
  }
  out << FormatRestartSafety(resp);
  out.flush();
  return resp.safe() ? 0 : 1;
}

}  // namespace kafka_agent
