#include "agent/sidecar/poller.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/base/logging.h"
#include "agent/base/memory.h"
#include "agent/base/utf8.h"

namespace kafka_agent {

// Config errors a snapshot carries (GetStatus shows them); the rest counted.
constexpr size_t kMaxConfigErrors = 20;
// Free memory goes back to the system after a poll when the partitions
// table is at least this large (below, the heap stays small anyway).
constexpr size_t kTrimAfterBytes = 1 << 20;

bool IsLegalTopicName(absl::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") {
    return false;
  }
  for (char ch : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(ch)) && ch != '.' &&
        ch != '_' && ch != '-') {
      return false;
    }
  }
  return true;
}

void MetadataTableBuilder::Topic(int16_t error_code, absl::string_view name,
                                 absl::string_view, bool,
                                 int32_t) {
  skipping_ = true;
  if (error_code != wire::kNone) {
    // A topic being created or deleted, or unknown; the next poll sees it
    // settled.
    if (IsLegalTopicName(name)) {
      spdlog::debug("metadata: topic {}: {}", name,
                    wire::ErrorName(error_code));
      topic_errors_.emplace_back(std::string(name), error_code);
    }
    return;
  }
  if (!IsLegalTopicName(name)) {
    // Kafka never names a topic so; a garbled answer is not passed on.
    spdlog::debug("metadata: skipped a topic with an illegal name ({} bytes)",
                  name.size());
    return;
  }
  skipping_ = false;
  builder_.AddTopic(name);
}

void MetadataTableBuilder::Partition(int16_t, int32_t partition_index,
                                     int32_t leader_id, int32_t,
                                     absl::Span<const int32_t> replica_nodes,
                                     absl::Span<const int32_t> isr_nodes,
                                     absl::Span<const int32_t>) {
  if (skipping_) return;
  if (!builder_.AddPartition(partition_index, leader_id, replica_nodes,
                             isr_nodes)) {
    spdlog::debug("metadata: partition {} has more than 65535 replicas",
                  partition_index);
  }
}

void ApplyMetadata(const wire::MetadataInfo& md, Partitions partitions,
                   ClusterMetadata* c) {
  const wire::MetadataResponse& r = md.response;
  c->metadata_answered_by = md.answered_by;
  c->cluster_id = ValidUtf8(r.cluster_id.value_or(""));
  c->brokers.clear();
  for (const wire::MetadataBroker& b : r.brokers)
    c->brokers.push_back(b.node_id);
  std::sort(c->brokers.begin(), c->brokers.end());
  c->partitions = std::move(partitions);
}

QuorumView QuorumViewOf(const wire::QuorumInfo& q) {
  QuorumView v;
  v.answered_by = q.answered_by;
  v.leader_id = q.leader_id;
  v.leader_epoch = q.leader_epoch;
  v.high_watermark = q.high_watermark;
  auto copy = [](const std::vector<wire::ReplicaState>& from,
                 std::vector<QuorumReplica>* to) {
    for (const wire::ReplicaState& r : from) {
      to->push_back({r.replica_id, r.log_end_offset, r.last_fetch_timestamp,
                     r.last_caught_up_timestamp});
    }
    std::sort(to->begin(), to->end(),
              [](const QuorumReplica& a, const QuorumReplica& b) {
                return a.id < b.id;
              });
  };
  copy(q.voters, &v.voters);
  copy(q.observers, &v.observers);
  return v;
}

Poller::Poller(wire::KafkaWire& local, TopicConfigs* configs, Clock& clock,
               SnapshotStore& store, PollerOptions options,
               wire::KafkaWire* quorum_fallback)
    : local_(local),
      quorum_fallback_(quorum_fallback),
      configs_(configs),
      clock_(clock),
      store_(store),
      options_(std::move(options)) {}

void Poller::RecordError(absl::string_view request,
                         const absl::Status& status) {
  if (options_.stats != nullptr) {
    options_.stats->RecordError(request, status.code());
  }
}

void Poller::FillQuorum(ClusterMetadata* c) {
  // While the broker cannot forward, ask the controller listener first and
  // retry the broker every kRetryBrokerEvery polls: each try through a stuck
  // broker costs a whole request timeout, and two in a row would age the
  // snapshot past its limit.
  constexpr int kRetryBrokerEvery = 10;
  auto ask_controller = [&]() -> absl::StatusOr<wire::QuorumInfo> {
    auto r = quorum_fallback_->DescribeQuorum(Deadline());
    if (!r.ok()) RecordError("describe_quorum", r.status());
    return r;
  };
  std::optional<absl::StatusOr<wire::QuorumInfo>> direct;
  if (quorum_fallback_ != nullptr && quorum_via_controller_ &&
      ++polls_via_controller_ % kRetryBrokerEvery != 0) {
    direct = ask_controller();
  }
  absl::StatusOr<wire::QuorumInfo> q = absl::UnavailableError("not asked");
  bool via_controller = false;
  if (direct.has_value() && direct->ok()) {
    q = *std::move(direct);
    via_controller = true;
  } else {
    q = local_.DescribeQuorum(Deadline());
    if (!q.ok()) RecordError("describe_quorum", q.status());
    if (!q.ok() && quorum_fallback_ != nullptr) {
      // Asked once per poll at most.
      if (!direct.has_value()) direct = ask_controller();
      if (direct->ok()) {
        q = *std::move(direct);
        via_controller = true;
      } else {
        q = absl::Status(
            q.status().code(),
            absl::StrCat(q.status().message(),
                         "; through this node's controller listener: ",
                         direct->status().message()));
      }
    }
  }
  if (via_controller != quorum_via_controller_) {
    if (via_controller) {
      spdlog::warn(
          "poll: the local broker cannot forward DescribeQuorum to the "
          "active controller; asking this node's controller listener");
    } else if (q.ok()) {
      spdlog::info("poll: the local broker forwards DescribeQuorum again");
    }
    quorum_via_controller_ = via_controller;
    polls_via_controller_ = 0;
  }
  if (q.ok()) {
    c->quorum = QuorumViewOf(*q);
    c->quorum_error.clear();
    c->controller_id = q->leader_id;
  } else {
    c->quorum.reset();
    c->quorum_error = ValidUtf8(q.status().message());
    c->controller_id = -1;
  }
}

bool Poller::AskAllTopics(const ClusterMetadata& prev, MonoTime now,
                          std::vector<std::string>* topics) const {
  const Partitions& ps = prev.partitions;
  if (all_topics_mono_ == MonoTime::InfinitePast() ||
      now - all_topics_mono_ >= options_.all_topics_every ||
      prev.metadata_answered_by.empty() ||
      ps.size() < options_.narrow_from_partitions) {
    return true;
  }
  const int32_t node = options_.roles.node_id;
  const std::vector<Partitions::Topic>& ts = ps.topics();
  std::vector<bool> asked(ts.size(), false);
  size_t asked_partitions = 0;
  auto ask = [&](uint32_t t) {
    if (asked[t]) return;
    asked[t] = true;
    asked_partitions += ts[t].end - ts[t].begin;
  };
  for (uint32_t t = 0; t < ts.size(); ++t) {
    for (uint32_t i = ts[t].begin; i < ts[t].end; ++i) {
      if (ps[i].HasReplica(node)) {
        ask(t);
        break;
      }
    }
  }
  std::vector<std::string> unknown;  // reassigned topics not seen yet
  for (const Reassignment& r : prev.reassignments) {
    if (std::optional<uint32_t> t = ps.FindTopic(r.topic)) {
      ask(*t);
    } else if (unknown.empty() || unknown.back() != r.topic) {
      unknown.push_back(r.topic);
    }
  }
  // Only worth it when the answer is at most half of the full one.
  if (asked_partitions * 2 > ps.size()) return true;
  topics->clear();
  for (uint32_t t = 0; t < ts.size(); ++t) {
    if (asked[t]) topics->push_back(ts[t].name);
  }
  topics->insert(topics->end(), unknown.begin(), unknown.end());
  return false;
}

bool Poller::PollBroker(ClusterMetadata* c) {
  const MonoTime start = clock_.Monotonic();
  const absl::Time start_wall = clock_.Now();
  std::vector<std::string> topics;
  const bool all = AskAllTopics(*c, start, &topics);
  const Partitions& prev = c->partitions;
  MetadataTableBuilder table;
  table.Reserve(prev.topics().size(), prev.size(),
                prev.size() > 0 ? prev.size() * 6 : 0);
  auto md = local_.Metadata(Deadline(), all ? nullptr : &topics, &table);
  c->local.address = options_.local_address;
  if (!md.ok()) {
    RecordError("metadata", md.status());
    c->local.answered = false;
    c->local.error = ValidUtf8(md.status().message());
    const std::string why = "the local broker does not answer";
    c->quorum.reset();
    c->quorum_error = why;
    c->registration.reset();
    c->registration_error = why;
    c->reassignments_error = why;
    return false;
  }
  c->local.answered = true;
  c->local.error.clear();
  if (all) {
    all_topics_mono_ = start;
    c->fetch.all_topics_at = start_wall;
  } else {
    // The topics not asked for keep what the latest answer said of them.
    size_t k = 0;  // `topics` lists prev's asked topics in its order
    const std::vector<Partitions::Topic>& ts = prev.topics();
    for (uint32_t t = 0; t < ts.size(); ++t) {
      if (k < topics.size() && topics[k] == ts[t].name) {
        ++k;
      } else {
        table.Keep(prev, t);
      }
    }
  }
  c->fetch.all_topics = all;
  c->fetch.topics_asked = all ? 0 : static_cast<int32_t>(topics.size());
  c->fetch.all_topics_every = options_.all_topics_every;
  ApplyMetadata(*md, table.Build(), c);
  FillQuorum(c);

  auto cluster = local_.DescribeCluster(Deadline());
  if (cluster.ok()) {
    RegistrationView reg;
    reg.answered_by = cluster->answered_by;
    reg.fencing_known = cluster->fencing_known;
    for (const wire::ClusterBroker& b : cluster->brokers) {
      reg.brokers.push_back({b.broker_id, b.is_fenced});
    }
    c->registration = std::move(reg);
    c->registration_error.clear();
  } else {
    RecordError("describe_cluster", cluster.status());
    c->registration.reset();
    c->registration_error = ValidUtf8(cluster.status().message());
  }

  // Reassignments come from the active controller (forwarded): without a
  // quorum, or a broker that cannot forward, there is no answer to wait for
  // (the last one is kept).
  if (quorum_via_controller_) {
    c->reassignments_error =
        "the local broker cannot forward to the active controller";
  } else if (c->quorum.has_value()) {
    auto re = local_.ListPartitionReassignments(Deadline());
    if (re.ok()) {
      c->reassignments_before = std::move(c->reassignments);
      c->reassignments.clear();
      for (const wire::PartitionReassignment& r : re->reassignments) {
        if (!IsLegalTopicName(r.topic)) continue;
        c->reassignments.push_back({r.topic, r.partition, r.replicas,
                                    r.adding_replicas, r.removing_replicas});
      }
      c->reassignments_error.clear();
    } else {
      RecordError("list_partition_reassignments", re.status());
      c->reassignments_error = ValidUtf8(re.status().message());
    }
  } else {
    c->reassignments_error = "the KRaft quorum is unknown";
  }
  return true;
}

bool Poller::PollController(ClusterMetadata* c) {
  auto api = local_.ApiVersions(Deadline());
  c->local.address = options_.local_address;
  c->local.answered = api.ok();
  c->local.error = api.ok() ? "" : ValidUtf8(api.status().message());
  if (!api.ok()) {
    RecordError("api_versions", api.status());
    c->quorum.reset();
    c->quorum_error = "the local controller does not answer";
    return false;
  }
  FillQuorum(c);
  return c->quorum.has_value();
}

void Poller::PollOnce() {
  const MonoTime start = clock_.Monotonic();
  const absl::Time start_wall = clock_.Now();
  if (first_attempt_ == MonoTime::InfinitePast()) {
    first_attempt_ = start;
    first_attempt_wall_ = start_wall;
    spdlog::info("poll: waiting for Kafka at {} ({} every {}, timeout {})",
                 options_.local_address,
                 options_.roles.broker ? "metadata and quorum" : "quorum",
                 absl::FormatDuration(options_.interval),
                 absl::FormatDuration(options_.request_timeout));
  }
  std::shared_ptr<const Snapshot> prev = store_.Get();
  // What cannot be learned now keeps its last value. The partitions are
  // shared, not copied.
  Snapshot next = *prev;
  // The failed run this poll may end ("answers again after" it).
  const MonoTime outage_start =
      failing_since_ == MonoTime::InfinitePast() ? start : failing_since_;
  ClusterMetadata& c = next.cluster;
  const bool fresh =
      options_.roles.broker ? PollBroker(&c) : PollController(&c);

  // One line per change of what stands in the way.
  std::string error;
  if (!c.local.answered) {
    error = absl::StrCat("local node: ", c.local.error);
  } else if (!c.quorum.has_value()) {
    error = absl::StrCat("quorum: ", c.quorum_error);
  }
  next.last_error = error;
  if (error.empty()) {
    failing_since_ = MonoTime::InfinitePast();
  } else if (failing_since_ == MonoTime::InfinitePast()) {
    failing_since_ = start;
  }
  const MonoTime waited_since =
      prev->has_data() ? outage_start : first_attempt_;
  if (error != last_logged_error_) {
    if (!error.empty()) {
      spdlog::warn("poll: {}", error);
    } else {
      spdlog::info(
          "poll: {} after {}; cluster {}, quorum leader {} (epoch {}), "
          "brokers [{}], {} partitions (metadata from {})",
          prev->has_data() ? "answers again" : "connected",
          absl::FormatDuration(
              absl::Trunc(start - waited_since, absl::Milliseconds(1))),
          c.cluster_id, c.controller_id, c.quorum ? c.quorum->leader_epoch : -1,
          absl::StrJoin(c.brokers, ","), c.partitions.size(),
          c.metadata_answered_by.empty() ? "-" : c.metadata_answered_by);
    }
    last_logged_error_ = error;
  }

  if (fresh) {
    if (configs_ != nullptr &&
        (!prev->has_data() || !c.partitions.SameTopics(prev->cluster.partitions))) {
      std::vector<std::string> topics;
      topics.reserve(c.partitions.topics().size());
      for (const Partitions::Topic& t : c.partitions.topics()) {
        topics.push_back(t.name);
      }
      configs_->SetTopics(topics);
    }
    next.taken_at = start_wall;
    next.taken_mono = start;
  }
  next.traffic.wire = local_.Traffic();
  if (quorum_fallback_ != nullptr) {
    // The controller listener's requests are load on Kafka too.
    for (const auto& [key, t] : quorum_fallback_->Traffic()) {
      wire::ApiTraffic& sum = next.traffic.wire[key];
      sum.requests += t.requests;
      sum.bytes_sent += t.bytes_sent;
      sum.bytes_received += t.bytes_received;
    }
  }
  if (configs_ != nullptr) next.traffic.librdkafka = configs_->Traffic();
  next.traffic.since = first_attempt_wall_;
  const size_t table_bytes = c.partitions.MemoryBytes();
  {
    std::lock_guard<std::mutex> lock(publish_mu_);
    FillConfigsAndAssess(&next);
    next.completed_mono = clock_.Monotonic();
    if (options_.stats != nullptr) {
      options_.stats->RecordPoll(next.completed_mono - start);
    }
    store_.Publish(std::move(next));
  }
  // The previous table (and the answer it was decoded from) are free now,
  // unless a reader still holds them: give the memory back.
  prev.reset();
  if (table_bytes >= kTrimAfterBytes) ReleaseFreeMemory();
}

void Poller::FillConfigsAndAssess(Snapshot* s) {
  if (configs_ != nullptr) {
    s->cluster.partitions = configs_->Fill(s->cluster.partitions);
    s->config_errors =
        configs_->Errors(kMaxConfigErrors, &s->config_error_count);
  }
  s->assessment = Assess(s->cluster, options_.roles, options_.readiness);
}

void Poller::Republish() {
  std::lock_guard<std::mutex> lock(publish_mu_);
  std::shared_ptr<const Snapshot> current = store_.Get();
  if (!current->has_data()) return;
  Snapshot next = *current;
  FillConfigsAndAssess(&next);
  store_.Publish(std::move(next));
}

void Poller::Run(const Notification& stop) {
  while (!stop.HasBeenNotified()) {
    const MonoTime start = clock_.Monotonic();
    PollOnce();
    if (!clock_.SleepUntil(start + options_.interval, stop)) break;
  }
}

}  // namespace kafka_agent
