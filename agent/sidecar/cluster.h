// What Kafka told the agent about the cluster in one poll: whether the local
// node answered on its own listener; its broker's metadata (live brokers,
// every partition's leader, replicas, ISR, and min.insync.replicas); the KRaft
// quorum as its leader sees it; the brokers' registrations with fencing; and
// reassignments in progress. Each part says which node answered, or why it is
// unknown. Plain data; the questions asked of it are in readiness.h.
//
// The partitions are the bulk of it (a million in a big cluster), so they are
// kept compact: each topic name once, one fixed-size row per partition, and
// every replica and ISR id in one shared array; no heap allocation per
// partition. The table is immutable and shared: copying a ClusterMetadata (a
// snapshot) copies a pointer, not the partitions.
#ifndef KAFKA_AGENT_SIDECAR_CLUSTER_H_
#define KAFKA_AGENT_SIDECAR_CLUSTER_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace kafka_agent {

// One partition as plain values: what tests and builders start from, and
// what a PartitionRef can be turned back into.
struct PartitionState {
  std::string topic;
  int32_t partition = 0;
  int32_t leader = -1;  // -1: no leader (offline)
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  int32_t min_isr = 0;  // min.insync.replicas; 0 when not known
};

class Partitions;

// One partition of a Partitions table: a view (a pointer and an index),
// valid while the Partitions object it came from lives.
class PartitionRef {
 public:
  const std::string& topic() const;
  uint32_t topic_index() const;  // in Partitions::topics()
  uint32_t index() const { return index_; }  // row in the table
  int32_t partition() const;
  int32_t leader() const;  // -1: no leader (offline)
  absl::Span<const int32_t> replicas() const;
  absl::Span<const int32_t> isr() const;  // sorted
  int32_t min_isr() const;  // the topic's min.insync.replicas; 0 unknown

  bool offline() const { return leader() < 0; }
  bool under_replicated() const { return isr().size() < replicas().size(); }
  bool under_min_isr() const {
    const int32_t m = min_isr();
    return m > 0 && static_cast<int32_t>(isr().size()) < m;
  }
  bool HasReplica(int32_t node) const;
  bool InIsr(int32_t node) const;
  PartitionState ToState() const;

 private:
  friend class Partitions;
  PartitionRef(const Partitions* table, uint32_t index)
      : table_(table), index_(index) {}
  const Partitions* table_;
  uint32_t index_;
};

// Every partition of one poll, sorted by topic, then partition. A cheap,
// immutable value: copies share the data.
class Partitions {
 public:
  struct Topic {
    std::string name;
    uint32_t begin = 0;  // its rows: [begin, end)
    uint32_t end = 0;
  };

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = PartitionRef;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = PartitionRef;
    Iterator(const Partitions* t, uint32_t i) : t_(t), i_(i) {}
    PartitionRef operator*() const { return PartitionRef(t_, i_); }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& o) const { return i_ == o.i_; }
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    const Partitions* t_;
    uint32_t i_;
  };

  Partitions();  // no partitions
  // From plain values, in any order (the first partition of a topic gives
  // its min.insync.replicas). Meant for tests and small tables.
  static Partitions FromStates(const std::vector<PartitionState>& states);

  size_t size() const { return data_->rows.size(); }
  bool empty() const { return data_->rows.empty(); }
  PartitionRef operator[](size_t i) const {
    return PartitionRef(this, static_cast<uint32_t>(i));
  }
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const {
    return Iterator(this, static_cast<uint32_t>(size()));
  }
  // Sorted by name; each with at least one partition.
  const std::vector<Topic>& topics() const { return data_->topics; }
  // min.insync.replicas per topic (0: unknown), parallel to topics().
  const std::vector<int32_t>& min_isr() const { return *min_isr_; }

  // The topic's index in topics(), or nullopt.
  std::optional<uint32_t> FindTopic(absl::string_view name) const;
  std::optional<PartitionRef> Find(absl::string_view topic,
                                   int32_t partition) const;
  // The first row after (topic, partition) in the table's order.
  size_t UpperBound(absl::string_view topic, int32_t partition) const;

  // The same partitions with these min.insync.replicas values (parallel to
  // topics()); shares the rows.
  Partitions WithMinIsr(std::vector<int32_t> per_topic) const;
  // Whether both hold the same topic names (cheap when they share data).
  bool SameTopics(const Partitions& other) const;
  // Bytes of memory the table holds (capacity, names included).
  size_t MemoryBytes() const;

 private:
  friend class PartitionRef;
  friend class PartitionsBuilder;
  // 20 bytes: no pointers, no heap.
  struct Row {
    uint32_t topic;
    int32_t partition;
    int32_t leader;
    uint32_t nodes;     // replicas at nodes[nodes], then the ISR
    uint16_t replicas;  // how many
    uint16_t isr;
  };
  struct Data {
    std::vector<Topic> topics;
    std::vector<Row> rows;
    std::vector<int32_t> nodes;
  };

  std::shared_ptr<const Data> data_;
  std::shared_ptr<const std::vector<int32_t>> min_isr_;
};

// Builds a Partitions table: topics in any order, each followed by its
// partitions (in any order).
class PartitionsBuilder {
 public:
  void Reserve(size_t topics, size_t partitions, size_t nodes);
  // Starts a topic. A topic added twice keeps its later partitions.
  void AddTopic(absl::string_view name, int32_t min_isr = 0);
  // A partition of the latest topic. Fails (returns false) when a list has
  // more than 65535 ids.
  bool AddPartition(int32_t partition, int32_t leader,
                    absl::Span<const int32_t> replicas,
                    absl::Span<const int32_t> isr);
  // Topic `t` of `from`, with its partitions and min.insync.replicas.
  void CopyTopic(const Partitions& from, uint32_t t);
  size_t partitions() const { return data_->rows.size(); }
  // Sorts, and hands the table over (the builder is empty afterwards).
  Partitions Build();

 private:
  std::shared_ptr<Partitions::Data> data_ =
      std::make_shared<Partitions::Data>();
  std::vector<int32_t> min_isr_;
  std::vector<int32_t> scratch_;
};

// One replica of the KRaft metadata log (__cluster_metadata-0) as the quorum
// leader sees it. Times are the leader's wall clock, ms since the epoch; -1
// unknown (DescribeQuorum v0).
struct QuorumReplica {
  int32_t id = -1;
  int64_t log_end_offset = -1;
  int64_t last_fetch_ms = -1;
  int64_t last_caught_up_ms = -1;
};

// The local node on its own listener: the broker's (broker pods) or the
// controller's (controller-only pods).
struct LocalNode {
  std::string address;  // host:port asked
  bool answered = false;
  std::string error;    // why not
};

struct QuorumView {
  std::string answered_by;
  int32_t leader_id = -1;  // -1: no leader
  int32_t leader_epoch = -1;
  int64_t high_watermark = -1;
  std::vector<QuorumReplica> voters;     // sorted by id
  std::vector<QuorumReplica> observers;  // brokers; sorted by id

  const QuorumReplica* Voter(int32_t id) const;
  const QuorumReplica* Observer(int32_t id) const;
  // The leader's own entry (its times are "now" on the leader's clock).
  const QuorumReplica* Leader() const { return Voter(leader_id); }
};

// A broker's registration with the controllers, as replicated to the broker
// that answered (DescribeCluster v2 lists fenced brokers too).
struct Registration {
  int32_t id = -1;
  bool fenced = false;
};

struct RegistrationView {
  std::string answered_by;
  bool fencing_known = false;  // false: an old broker; fenced ones absent
  std::vector<Registration> brokers;  // sorted by id

  const Registration* Find(int32_t id) const;
};

struct Reassignment {
  std::string topic;
  int32_t partition = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> adding;
  std::vector<int32_t> removing;
};

// How the latest metadata was fetched (see Poller: after a full fetch, only
// the topics this broker hosts may be asked for until the next full one).
struct MetadataFetch {
  // Whether the latest fetch asked for every topic; if not, for how many.
  bool all_topics = true;
  int32_t topics_asked = 0;
  // When the latest fetch of every topic started (wall clock): partitions of
  // topics not asked since are as of then.
  absl::Time all_topics_at = absl::InfinitePast();
  // Every topic is asked for at least this often.
  absl::Duration all_topics_every = absl::ZeroDuration();
};

// One poll's view of the cluster.
struct ClusterMetadata {
  std::string cluster_id;
  // The active controller: the quorum leader when the quorum is known (a
  // broker's Metadata answer names a random live broker instead).
  int32_t controller_id = -1;
  std::vector<int32_t> brokers;  // live, unfenced, per `metadata_answered_by`
  Partitions partitions;
  std::string metadata_answered_by;  // empty: no metadata (yet)
  MetadataFetch fetch;

  LocalNode local;
  std::optional<QuorumView> quorum;
  std::string quorum_error;  // why `quorum` is unknown (or stale)
  std::optional<RegistrationView> registration;
  std::string registration_error;
  // Sorted by topic, partition; empty when none (or unknown: see the error).
  std::vector<Reassignment> reassignments;
  std::string reassignments_error;
  // The list of the poll before, kept for one poll. Metadata is read before
  // the list, so a move that ends between the two leaves the broker's
  // metadata still showing the added replica out of the ISR while the
  // controller's list has already dropped it: for one poll it still counts
  // as being added (BeingAdded), not as lagging.
  std::vector<Reassignment> reassignments_before;

  bool HasBroker(int32_t node) const;
  // The reassignment of a partition, or nullptr.
  const Reassignment* ReassignmentOf(absl::string_view topic,
                                     int32_t partition) const;
  // Whether `node` is a replica of the partition that a reassignment is
  // adding, per this poll's list or the one before.
  bool BeingAdded(absl::string_view topic, int32_t partition,
                  int32_t node) const;
};

// Why min.insync.replicas is unknown for a topic.
struct TopicConfigError {
  std::string topic;  // empty: the whole request failed
  std::string error;
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_CLUSTER_H_
