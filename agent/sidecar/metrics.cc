#include "agent/sidecar/metrics.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace kafka_agent {
namespace {

// A label value in the text format: backslash, quote and newline escaped.
std::string Escape(absl::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class Writer {
 public:
  // HELP and TYPE of a family.
  void Family(absl::string_view name, absl::string_view type,
              absl::string_view help) {
    absl::StrAppend(&out_, "# HELP ", name, " ", help, "\n# TYPE ", name, " ",
                    type, "\n");
  }
  void Sample(
      absl::string_view name,
      std::initializer_list<std::pair<absl::string_view, std::string>> labels,
      double value) {
    absl::StrAppend(&out_, name);
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, v] : labels) {
        absl::StrAppend(&out_, first ? "" : ",", k, "=\"", Escape(v), "\"");
        first = false;
      }
      out_ += '}';
    }
    absl::StrAppend(&out_, " ", MetricValue(value), "\n");
  }
  void Sample(absl::string_view name, double value) { Sample(name, {}, value); }
  // A family with one unlabelled sample.
  void Gauge(absl::string_view name, absl::string_view help, double value) {
    Family(name, "gauge", help);
    Sample(name, value);
  }

  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

const std::vector<double>& PollDurationBuckets() {
  static const std::vector<double>* b = new std::vector<double>{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *b;
}

std::string MetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  return absl::StrFormat("%.9g", v);
}

PollStats::PollStats() {
  totals_.buckets.assign(PollDurationBuckets().size(), 0);
}

void PollStats::RecordPoll(absl::Duration took) {
  const double s = absl::ToDoubleSeconds(took);
  const std::vector<double>& bounds = PollDurationBuckets();
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (s <= bounds[i]) {
      ++totals_.buckets[i];
      break;
    }
  }
  totals_.sum_seconds += s;
  ++totals_.count;
}

void PollStats::RecordError(absl::string_view request, absl::StatusCode code) {
  std::string c = absl::AsciiStrToLower(absl::StatusCodeToString(code));
  std::lock_guard<std::mutex> lock(mu_);
  ++totals_.errors[{std::string(request), std::move(c)}];
}

PollStats::Totals PollStats::Get() const {
  Totals t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    t = totals_;
  }
  for (size_t i = 1; i < t.buckets.size(); ++i)
    t.buckets[i] += t.buckets[i - 1];
  return t;
}

std::string RenderMetrics(const MetricsInput& in) {
  Writer w;
  const Snapshot& snap = *in.snapshot;
  const Assessment& a = snap.assessment;

  w.Family("kafka_agent_build_info", "gauge",
           "The agent's version (label version); always 1.");
  w.Sample("kafka_agent_build_info", {{"version", in.version}}, 1);
  if (in.identity != nullptr) {
    w.Family("kafka_agent_node_info", "gauge",
             "The pod, node.id and process.roles this agent answers for; "
             "always 1.");
    w.Sample("kafka_agent_node_info",
             {{"pod", in.identity->pod_name},
              {"node_id", absl::StrCat(in.identity->node_id)},
              {"roles", in.identity->ProcessRoles()}},
             1);
  }

  w.Family("kafka_agent_health_serving", "gauge",
           "1 when the grpc.health.v1 service (label service: \"\" the "
           "agent, kafka.broker, kafka.controller, kafka.ready; the role "
           "services only on pods with the role) is SERVING, else 0.");
  for (const auto& [service, h] : in.health.Services()) {
    w.Sample("kafka_agent_health_serving", {{"service", service}}, h->serving);
  }

  w.Gauge("kafka_agent_snapshot_age_seconds",
          "Age of the cluster data the answers come from (since its poll "
          "started); +Inf before Kafka first answered.",
          snap.has_data() ? absl::ToDoubleSeconds(in.now - snap.taken_mono)
                          : INFINITY);
  w.Gauge("kafka_agent_snapshot_stale",
          "1 when the cluster data is older than 3 poll intervals (the Kafka "
          "health services are then NOT_SERVING), else 0.",
          in.health.stale);

  const std::vector<double>& bounds = PollDurationBuckets();
  w.Family("kafka_agent_poll_duration_seconds", "histogram",
           "Time one poll of the local node took (metadata, quorum, "
           "registrations, reassignments; the quorum alone on a "
           "controller-only pod), failed polls included.");
  for (size_t i = 0; i < bounds.size(); ++i) {
    w.Sample("kafka_agent_poll_duration_seconds_bucket",
             {{"le", MetricValue(bounds[i])}},
             static_cast<double>(in.polls.buckets[i]));
  }
  w.Sample("kafka_agent_poll_duration_seconds_bucket", {{"le", "+Inf"}},
           static_cast<double>(in.polls.count));
  w.Sample("kafka_agent_poll_duration_seconds_sum", in.polls.sum_seconds);
  w.Sample("kafka_agent_poll_duration_seconds_count",
           static_cast<double>(in.polls.count));

  w.Family("kafka_agent_poll_errors_total", "counter",
           "Failed Kafka requests of the poller, by request (metadata, "
           "describe_quorum, describe_cluster, list_partition_reassignments, "
           "api_versions, describe_configs) and status code (e.g. "
           "deadline_exceeded, unavailable).");
  for (const auto& [key, n] : in.polls.errors) {
    w.Sample("kafka_agent_poll_errors_total",
             {{"request", key.first}, {"code", key.second}},
             static_cast<double>(n));
  }

  // What the latest cluster data says; absent until Kafka first answered.
  if (snap.has_data()) {
    const PartitionCounts& c = a.counts;
    w.Gauge("kafka_agent_broker_partitions_hosted",
            "Partitions with a replica on this pod's broker.",
            c.replicas_hosted);
    w.Gauge("kafka_agent_broker_partitions_led",
            "Partitions this pod's broker leads.", c.partitions_led);
    w.Gauge("kafka_agent_broker_partitions_not_in_isr",
            "Partitions with a replica on this pod's broker and an online "
            "leader whose ISR lacks this broker (catching up).",
            c.not_in_isr);
    w.Gauge("kafka_agent_cluster_brokers",
            "Registered, unfenced brokers in the cluster's metadata.",
            static_cast<double>(snap.cluster.brokers.size()));
    w.Gauge("kafka_agent_cluster_topics", "Topics in the cluster.", c.topics);
    w.Gauge("kafka_agent_cluster_partitions", "Partitions in the cluster.",
            c.partitions);
    w.Gauge("kafka_agent_cluster_partitions_under_replicated",
            "Partitions whose ISR is smaller than their replica set.",
            c.under_replicated);
    w.Gauge("kafka_agent_cluster_partitions_under_min_isr",
            "Partitions whose ISR is smaller than their min.insync.replicas "
            "(acks=all writes fail).",
            c.under_min_isr);
    w.Gauge("kafka_agent_cluster_partitions_offline",
            "Partitions without a leader.", c.offline);
    w.Gauge("kafka_agent_restart_partitions_at_risk",
            "Partitions that would fall below min.insync.replicas or go "
            "offline if this pod's node stopped now.",
            static_cast<double>(a.restart.at_risk_count));
    w.Gauge("kafka_agent_restart_quorum_at_risk",
            "1 when stopping this pod's node now would endanger the KRaft "
            "quorum (a voter: fewer than a majority of caught-up voters "
            "left; any node: the quorum has no leader or is unknown), else "
            "0.",
            a.restart.quorum_at_risk);
  }
  w.Gauge("kafka_agent_restart_safe",
          "1 when stopping this pod's node now keeps every partition at or "
          "above min.insync.replicas and, for a voter, a caught-up majority "
          "of the KRaft quorum (what /prestop waits for); 0 when not, or "
          "when the cluster data is missing or stale.",
          snap.has_data() && !in.health.stale && a.restart.safe);

  w.Gauge("kafka_agent_prestop_waits",
          "GET /prestop and check-restart --wait calls waiting now.",
          static_cast<double>(in.prestop.waiting));
  w.Family("kafka_agent_prestop_requests_total", "counter",
           "Finished preStop waits by outcome: safe, timeout (gave up), "
           "stopping (the agent got SIGTERM), client_gone.");
  for (const char* outcome : {"safe", "timeout", "stopping", "client_gone"}) {
    auto it = in.prestop.finished.find(outcome);
    w.Sample(
        "kafka_agent_prestop_requests_total", {{"outcome", outcome}},
        it == in.prestop.finished.end() ? 0 : static_cast<double>(it->second));
  }
  return w.Take();
}

}  // namespace kafka_agent
