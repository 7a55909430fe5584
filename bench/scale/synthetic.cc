#include "bench/scale/synthetic.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/sidecar/kafka_protocol.h"

namespace kafka_agent {
namespace bench {

using wire::Writer;

int32_t PortOf(const SyntheticSpec& s, int32_t b) {
  return b >= 0 && static_cast<size_t>(b) < s.broker_ports.size()
             ? s.broker_ports[static_cast<size_t>(b)]
             : s.port;
}

int64_t TopicCount(const SyntheticSpec& s) {
  return (s.partitions + s.partitions_per_topic - 1) / s.partitions_per_topic;
}

int32_t PartitionsOf(const SyntheticSpec& s, int64_t topic) {
  const int64_t left = s.partitions - topic * s.partitions_per_topic;
  return static_cast<int32_t>(std::min<int64_t>(left, s.partitions_per_topic));
}

std::string TopicName(const SyntheticSpec& s, int64_t topic) {
  std::string number = absl::StrCat(topic);
  std::string name = "events.synthetic-";
  const size_t want = std::max<size_t>(s.name_length, name.size() + 8);
  name.append(want - name.size() - number.size(), '0');
  name += number;
  return name;
}

int64_t TopicIndex(const SyntheticSpec& s, const std::string& name) {
  const std::string prefix = "events.synthetic-";
  if (name.rfind(prefix, 0) != 0) return -1;
  int64_t t = 0;
  if (!absl::SimpleAtoi(name.substr(prefix.size()), &t)) return -1;
  if (t < 0 || t >= TopicCount(s) || TopicName(s, t) != name) return -1;
  return t;
}

std::vector<int32_t> Replicas(const SyntheticSpec& s, int64_t topic,
                              int32_t partition) {
  std::vector<int32_t> out;
  const int32_t rf = std::min(s.replication, s.brokers);
  for (int32_t k = 0; k < rf; ++k) {
    out.push_back(static_cast<int32_t>((topic + partition + k) % s.brokers));
  }
  return out;
}

std::vector<int32_t> Isr(const SyntheticSpec& s, int64_t topic,
                         int32_t partition) {
  std::vector<int32_t> isr = Replicas(s, topic, partition);
  const int64_t global = topic * s.partitions_per_topic + partition;
  if (s.under_replicated_every > 0 && global % s.under_replicated_every == 0 &&
      isr.size() > 1) {
    isr.pop_back();
  }
  return isr;
}

namespace {

void Array(Writer& w, bool flexible, int32_t n) {
  if (flexible) {
    w.CompactArrayLength(n);
  } else {
    w.ArrayLength(n);
  }
}

void Str(Writer& w, bool flexible, const std::string& v) {
  if (flexible) {
    w.CompactString(v);
  } else {
    w.String(v);
  }
}

void Ints(Writer& w, bool flexible, const std::vector<int32_t>& v) {
  Array(w, flexible, static_cast<int32_t>(v.size()));
  for (int32_t x : v) w.Int32(x);
}

void Topic(Writer& w, const SyntheticSpec& s, int16_t v, int64_t t,
           const std::string& name) {
  const bool flexible = v >= 9;
  w.Int16(t < 0 ? 3 : 0);  // UNKNOWN_TOPIC_OR_PARTITION
  Str(w, flexible, name);
  if (v >= 10) {
    std::string id(16, '\0');
    for (int i = 0; i < 8; ++i) id[8 + i] = static_cast<char>((t + 1) >> (8 * i));
    w.Raw(id);
  }
  if (v >= 1) w.Bool(false);  // IsInternal
  const int32_t n = t < 0 ? 0 : PartitionsOf(s, t);
  Array(w, flexible, n);
  for (int32_t p = 0; p < n; ++p) {
    const std::vector<int32_t> replicas = Replicas(s, t, p);
    w.Int16(0);
    w.Int32(p);
    w.Int32(replicas[0]);  // leader
    if (v >= 7) w.Int32(7);  // LeaderEpoch
    Ints(w, flexible, replicas);
    Ints(w, flexible, Isr(s, t, p));
    if (v >= 5) Ints(w, flexible, {});
    if (flexible) w.EmptyTaggedFields();
  }
  if (v >= 8) w.Int32(INT32_MIN);  // TopicAuthorizedOperations
  if (flexible) w.EmptyTaggedFields();
}

}  // namespace

std::string MetadataBody(const SyntheticSpec& s, int16_t v,
                         const std::vector<std::string>* topics) {
  const bool flexible = v >= 9;
  Writer w;
  if (v >= 3) w.Int32(0);  // ThrottleTimeMs
  Array(w, flexible, s.brokers);
  for (int32_t b = 0; b < s.brokers; ++b) {
    w.Int32(b);
    Str(w, flexible, s.host);
    w.Int32(PortOf(s, b));
    if (v >= 1) {
      if (flexible) {
        w.CompactNullableString(std::nullopt);
      } else {
        w.NullableString(std::nullopt);
      }
    }
    if (flexible) w.EmptyTaggedFields();
  }
  if (v >= 2) {
    const std::optional<std::string> id = "synthetic-cluster-id";
    if (flexible) {
      w.CompactNullableString(id);
    } else {
      w.NullableString(id);
    }
  }
  if (v >= 1) w.Int32(0);  // ControllerId
  if (topics == nullptr) {
    // In no particular order, as a broker answers (from a hash map).
    const int64_t n = TopicCount(s);
    const int64_t step = n % 1000003 == 0 ? 1 : 1000003;
    Array(w, flexible, static_cast<int32_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const int64_t t = (i * step) % n;
      Topic(w, s, v, t, TopicName(s, t));
    }
  } else {
    Array(w, flexible, static_cast<int32_t>(topics->size()));
    for (const std::string& name : *topics) {
      Topic(w, s, v, TopicIndex(s, name), name);
    }
  }
  if (v >= 8 && v <= 10) w.Int32(INT32_MIN);  // ClusterAuthorizedOperations
  if (v >= 13) w.Int16(0);
  if (flexible) w.EmptyTaggedFields();
  return w.Take();
}

}  // namespace bench
}  // namespace kafka_agent
