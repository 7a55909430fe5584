#include "agent/sidecar/cluster.h"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace kafka_agent {
namespace {

bool Contains(absl::Span<const int32_t> v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

constexpr size_t kMaxIds = 65535;

}  // namespace

// --- PartitionRef --------------------------------------------------------------

const std::string& PartitionRef::topic() const {
  return table_->data_->topics[topic_index()].name;
}
uint32_t PartitionRef::topic_index() const {
  return table_->data_->rows[index_].topic;
}
int32_t PartitionRef::partition() const {
  return table_->data_->rows[index_].partition;
}
int32_t PartitionRef::leader() const {
  return table_->data_->rows[index_].leader;
}
absl::Span<const int32_t> PartitionRef::replicas() const {
  const Partitions::Row& r = table_->data_->rows[index_];
  return absl::MakeConstSpan(table_->data_->nodes.data() + r.nodes,
                             r.replicas);
}
absl::Span<const int32_t> PartitionRef::isr() const {
  const Partitions::Row& r = table_->data_->rows[index_];
  return absl::MakeConstSpan(table_->data_->nodes.data() + r.nodes + r.replicas,
                             r.isr);
}
int32_t PartitionRef::min_isr() const {
  return (*table_->min_isr_)[topic_index()];
}
bool PartitionRef::HasReplica(int32_t node) const {
  return Contains(replicas(), node);
}
bool PartitionRef::InIsr(int32_t node) const { return Contains(isr(), node); }

PartitionState PartitionRef::ToState() const {
  PartitionState s;
  s.topic = topic();
  s.partition = partition();
  s.leader = leader();
  s.replicas.assign(replicas().begin(), replicas().end());
  s.isr.assign(isr().begin(), isr().end());
  s.min_isr = min_isr();
  return s;
}

// --- Partitions ----------------------------------------------------------------

Partitions::Partitions()
    : data_(std::make_shared<const Data>()),
      min_isr_(std::make_shared<const std::vector<int32_t>>()) {}

Partitions Partitions::FromStates(const std::vector<PartitionState>& states) {
  std::vector<size_t> order(states.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return states[a].topic < states[b].topic;
  });
  PartitionsBuilder b;
  const std::string* topic = nullptr;
  for (size_t i : order) {
    const PartitionState& p = states[i];
    if (topic == nullptr || *topic != p.topic) {
      b.AddTopic(p.topic, p.min_isr);
      topic = &p.topic;
    }
    b.AddPartition(p.partition, p.leader, p.replicas, p.isr);
  }
  return b.Build();
}

std::optional<uint32_t> Partitions::FindTopic(absl::string_view name) const {
  const std::vector<Topic>& ts = data_->topics;
  auto it = std::lower_bound(
      ts.begin(), ts.end(), name,
      [](const Topic& t, absl::string_view n) { return t.name < n; });
  if (it == ts.end() || it->name != name) return std::nullopt;
  return static_cast<uint32_t>(it - ts.begin());
}

std::optional<PartitionRef> Partitions::Find(absl::string_view topic,
                                             int32_t partition) const {
  std::optional<uint32_t> t = FindTopic(topic);
  if (!t) return std::nullopt;
  const Topic& tp = data_->topics[*t];
  auto first = data_->rows.begin() + tp.begin;
  auto last = data_->rows.begin() + tp.end;
  auto it = std::lower_bound(
      first, last, partition,
      [](const Row& r, int32_t p) { return r.partition < p; });
  if (it == last || it->partition != partition) return std::nullopt;
  return (*this)[it - data_->rows.begin()];
}

size_t Partitions::UpperBound(absl::string_view topic,
                              int32_t partition) const {
  const std::vector<Topic>& ts = data_->topics;
  auto t = std::lower_bound(
      ts.begin(), ts.end(), topic,
      [](const Topic& x, absl::string_view n) { return x.name < n; });
  if (t == ts.end()) return size();
  if (t->name != topic) return t->begin;  // the next topic's first row
  auto first = data_->rows.begin() + t->begin;
  auto last = data_->rows.begin() + t->end;
  auto it = std::upper_bound(
      first, last, partition,
      [](int32_t p, const Row& r) { return p < r.partition; });
  return static_cast<size_t>(it - data_->rows.begin());
}

Partitions Partitions::WithMinIsr(std::vector<int32_t> per_topic) const {
  per_topic.resize(data_->topics.size(), 0);
  Partitions out = *this;
  out.min_isr_ = std::make_shared<const std::vector<int32_t>>(
      std::move(per_topic));
  return out;
}

bool Partitions::SameTopics(const Partitions& other) const {
  if (data_ == other.data_) return true;
  const std::vector<Topic>& a = data_->topics;
  const std::vector<Topic>& b = other.data_->topics;
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name) return false;
  }
  return true;
}

size_t Partitions::MemoryBytes() const {
  size_t n = sizeof(Data) + data_->topics.capacity() * sizeof(Topic) +
             data_->rows.capacity() * sizeof(Row) +
             data_->nodes.capacity() * sizeof(int32_t) +
             min_isr_->capacity() * sizeof(int32_t);
  for (const Topic& t : data_->topics) {
    if (t.name.capacity() > 15) n += t.name.capacity() + 1;  // past SSO
  }
  return n;
}

// --- PartitionsBuilder ---------------------------------------------------------

void PartitionsBuilder::Reserve(size_t topics, size_t partitions,
                                size_t nodes) {
  data_->topics.reserve(topics);
  min_isr_.reserve(topics);
  data_->rows.reserve(partitions);
  data_->nodes.reserve(nodes);
}

void PartitionsBuilder::AddTopic(absl::string_view name, int32_t min_isr) {
  Partitions::Topic t;
  t.name = std::string(name);
  t.begin = t.end = static_cast<uint32_t>(data_->rows.size());
  data_->topics.push_back(std::move(t));
  min_isr_.push_back(min_isr);
}

bool PartitionsBuilder::AddPartition(int32_t partition, int32_t leader,
                                     absl::Span<const int32_t> replicas,
                                     absl::Span<const int32_t> isr) {
  if (data_->topics.empty() || replicas.size() > kMaxIds ||
      isr.size() > kMaxIds) {
    return false;
  }
  Partitions::Row r;
  r.topic = static_cast<uint32_t>(data_->topics.size() - 1);
  r.partition = partition;
  r.leader = leader;
  r.nodes = static_cast<uint32_t>(data_->nodes.size());
  r.replicas = static_cast<uint16_t>(replicas.size());
  r.isr = static_cast<uint16_t>(isr.size());
  std::vector<int32_t>& nodes = data_->nodes;
  nodes.insert(nodes.end(), replicas.begin(), replicas.end());
  const size_t isr_at = nodes.size();
  nodes.insert(nodes.end(), isr.begin(), isr.end());
  std::sort(nodes.begin() + isr_at, nodes.end());
  data_->rows.push_back(r);
  data_->topics.back().end = static_cast<uint32_t>(data_->rows.size());
  return true;
}

void PartitionsBuilder::CopyTopic(const Partitions& from, uint32_t t) {
  const Partitions::Topic& src = from.data_->topics[t];
  AddTopic(src.name, (*from.min_isr_)[t]);
  for (uint32_t i = src.begin; i < src.end; ++i) {
    PartitionRef p = from[i];
    AddPartition(p.partition(), p.leader(), p.replicas(), p.isr());
  }
}

Partitions PartitionsBuilder::Build() {
  Partitions::Data& d = *data_;
  // Each topic's rows are contiguous; sort the topics by name (the later of
  // two with one name wins), then lay the rows out in that order.
  std::vector<uint32_t> order(d.topics.size());
  std::iota(order.begin(), order.end(), 0);
  auto by_name = [&](uint32_t a, uint32_t b) {
    return std::tie(d.topics[a].name, a) < std::tie(d.topics[b].name, b);
  };
  bool sorted = true;
  for (size_t i = 1; i < order.size() && sorted; ++i) {
    sorted = d.topics[i - 1].name < d.topics[i].name;
  }
  if (!sorted) std::sort(order.begin(), order.end(), by_name);

  auto out = std::make_shared<Partitions::Data>();
  std::vector<int32_t> min_isr;
  out->topics.reserve(d.topics.size());
  min_isr.reserve(d.topics.size());
  const bool in_place = sorted;
  if (!in_place) out->rows.reserve(d.rows.size());
  for (size_t k = 0; k < order.size(); ++k) {
    const uint32_t i = order[k];
    if (k + 1 < order.size() && d.topics[order[k + 1]].name == d.topics[i].name) {
      continue;  // added again later: that one wins
    }
    Partitions::Topic& src = d.topics[i];
    if (src.begin == src.end) continue;  // no partitions
    Partitions::Topic t;
    t.name = std::move(src.name);
    const uint32_t topic_index = static_cast<uint32_t>(out->topics.size());
    if (in_place) {
      t.begin = src.begin;
      t.end = src.end;
    } else {
      t.begin = static_cast<uint32_t>(out->rows.size());
      out->rows.insert(out->rows.end(), d.rows.begin() + src.begin,
                       d.rows.begin() + src.end);
      t.end = static_cast<uint32_t>(out->rows.size());
    }
    std::vector<Partitions::Row>& rows = in_place ? d.rows : out->rows;
    for (uint32_t r = t.begin; r < t.end; ++r) rows[r].topic = topic_index;
    auto first = rows.begin() + t.begin;
    auto last = rows.begin() + t.end;
    if (!std::is_sorted(first, last,
                        [](const Partitions::Row& a, const Partitions::Row& b) {
                          return a.partition < b.partition;
                        })) {
      std::sort(first, last,
                [](const Partitions::Row& a, const Partitions::Row& b) {
                  return a.partition < b.partition;
                });
    }
    out->topics.push_back(std::move(t));
    min_isr.push_back(min_isr_[i]);
  }
  if (in_place) {
    // Rows of dropped topics (none, or empty ones) would be orphaned: only
    // possible for duplicates, which are never sorted in place.
    out->rows = std::move(d.rows);
  }
  out->nodes = std::move(d.nodes);
  out->rows.shrink_to_fit();
  out->nodes.shrink_to_fit();
  data_ = std::make_shared<Partitions::Data>();
  min_isr_.clear();
  Partitions p;
  p.data_ = std::move(out);
  p.min_isr_ = std::make_shared<const std::vector<int32_t>>(std::move(min_isr));
  return p;
}

// --- The rest ------------------------------------------------------------------

bool ClusterMetadata::HasBroker(int32_t node) const {
  return Contains(brokers, node);
}

namespace {

// The reassignment of a partition in a list sorted by topic, partition.
const Reassignment* FindReassignment(const std::vector<Reassignment>& list,
                                     absl::string_view topic,
                                     int32_t partition) {
  auto it = std::lower_bound(
      list.begin(), list.end(), std::make_pair(topic, partition),
      [](const Reassignment& r, const std::pair<absl::string_view, int32_t>& k) {
        return std::make_pair(absl::string_view(r.topic), r.partition) < k;
      });
  if (it == list.end() || it->topic != topic || it->partition != partition) {
    return nullptr;
  }
  return &*it;
}

}  // namespace

const Reassignment* ClusterMetadata::ReassignmentOf(absl::string_view topic,
                                                    int32_t partition) const {
  return FindReassignment(reassignments, topic, partition);
}

bool ClusterMetadata::BeingAdded(absl::string_view topic, int32_t partition,
                                 int32_t node) const {
  for (const std::vector<Reassignment>* list :
       {&reassignments, &reassignments_before}) {
    const Reassignment* r = FindReassignment(*list, topic, partition);
    if (r != nullptr && Contains(r->adding, node)) return true;
  }
  return false;
}

namespace {

const QuorumReplica* FindReplica(const std::vector<QuorumReplica>& v,
                                 int32_t id) {
  for (const QuorumReplica& r : v) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

}  // namespace

const QuorumReplica* QuorumView::Voter(int32_t id) const {
  return FindReplica(voters, id);
}

const QuorumReplica* QuorumView::Observer(int32_t id) const {
  return FindReplica(observers, id);
}

const Registration* RegistrationView::Find(int32_t id) const {
  for (const Registration& r : brokers) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

}  // namespace kafka_agent
