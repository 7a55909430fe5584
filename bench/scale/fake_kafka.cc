// A fake Kafka broker serving a synthetic cluster (synthetic.h) on
// 127.0.0.1, for running the real `kafka-agent serve` at sizes a test
// machine cannot hold (1M partitions): it answers what the agent's wire
// client asks (ApiVersions, Metadata, DescribeQuorum, DescribeCluster,
// ListPartitionReassignments) and what librdkafka asks (ApiVersions,
// Metadata, DescribeConfigs), one thread per connection. Full Metadata
// answers are encoded once per version and reused.
//
//   fake_kafka --port P --partitions N [--per-topic 100] [--brokers 3]
//              [--rf 3] [--name-length 32] [--under-replicated-every 0]
//              [--stats FILE]
//
// With --stats it rewrites FILE every second: per API key, the requests and
// the bytes received and sent (frames with their size prefix), so the
// traffic of an agent that does not count its own is known too.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/sidecar/kafka_protocol.h"
#include "bench/scale/synthetic.h"

namespace kafka_agent {
namespace bench {
namespace {

using wire::Reader;
using wire::Writer;

constexpr int16_t kDescribeConfigs = 32;

struct Traffic {
  int64_t requests = 0, bytes_in = 0, bytes_out = 0;
};

class FakeBroker {
 public:
  explicit FakeBroker(SyntheticSpec spec) : spec_(std::move(spec)) {}

  void Serve(int fd) {
    for (;;) {
      char size_buf[4];
      if (!ReadFull(fd, size_buf, 4)) break;
      const int32_t size = static_cast<int32_t>(
          (uint32_t(uint8_t(size_buf[0])) << 24) |
          (uint32_t(uint8_t(size_buf[1])) << 16) |
          (uint32_t(uint8_t(size_buf[2])) << 8) | uint32_t(uint8_t(size_buf[3])));
      if (size < 8 || size > (64 << 20)) break;
      std::string frame(static_cast<size_t>(size), '\0');
      if (!ReadFull(fd, frame.data(), frame.size())) break;
      Reader r(frame);
      const int16_t key = r.Int16("key");
      const int16_t version = r.Int16("version");
      const int32_t correlation = r.Int32("correlation");
      (void)r.NullableString("client_id");
      const bool flexible = Flexible(key, version);
      if (flexible) r.SkipTaggedFields("header");
      if (!r.ok()) break;
      const absl::string_view body =
          absl::string_view(frame).substr(r.position());
      std::string reply;
      if (!Answer(key, version, body, &reply)) break;
      Writer w;
      w.Int32(static_cast<int32_t>(
          reply.size() + 4 + (flexible && key != wire::kApiVersions ? 1 : 0)));
      w.Int32(correlation);
      if (flexible && key != wire::kApiVersions) w.EmptyTaggedFields();
      std::string head = w.Take();
      if (!WriteAll(fd, head) || !WriteAll(fd, reply)) break;
      std::lock_guard<std::mutex> lock(mu_);
      Traffic& t = traffic_[key];
      ++t.requests;
      t.bytes_in += 4 + size;
      t.bytes_out += static_cast<int64_t>(head.size() + reply.size());
    }
    close(fd);
  }

  void WriteStats(const std::string& path) {
    std::string text = "api\trequests\tbytes_in\tbytes_out\n";
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [key, t] : traffic_) {
        absl::StrAppend(&text, wire::ApiKeyName(key), "\t", t.requests, "\t",
                        t.bytes_in, "\t", t.bytes_out, "\n");
      }
    }
    const std::string tmp = path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) return;
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    std::rename(tmp.c_str(), path.c_str());
  }

  // Serves every connection to the listening socket `fd`, each on its own
  // thread; never returns.
  void Accept(int fd) {
    const int one = 1;
    for (;;) {
      const int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      std::thread([this, c] { Serve(c); }).detach();
    }
  }

  // Encodes the answer for every topic in version `v` ahead of the first
  // request (a broker has its metadata ready; encoding 1M partitions takes
  // seconds, past a client's timeout).
  void Warm(int16_t v) {
    std::lock_guard<std::mutex> lock(mu_);
    full_[v] = MetadataBody(spec_, v, nullptr);
  }

 private:
  static bool Flexible(int16_t key, int16_t v) {
    switch (key) {
      case wire::kMetadata:
        return v >= 9;
      case wire::kApiVersions:
        return v >= 3;
      case kDescribeConfigs:
        return v >= 4;
      case wire::kDescribeQuorum:
      case wire::kDescribeCluster:
      case wire::kListPartitionReassignments:
        return true;
      default:
        return false;
    }
  }

  static bool ReadFull(int fd, char* p, size_t n) {
    while (n > 0) {
      const ssize_t got = read(fd, p, n);
      if (got <= 0) return false;
      p += got;
      n -= static_cast<size_t>(got);
    }
    return true;
  }
  static bool WriteAll(int fd, const std::string& s) {
    const char* p = s.data();
    size_t n = s.size();
    while (n > 0) {
      // A client that gave up and closed must not kill the fake (SIGPIPE).
      const ssize_t put = send(fd, p, n, MSG_NOSIGNAL);
      if (put <= 0) return false;
      p += put;
      n -= static_cast<size_t>(put);
    }
    return true;
  }

  bool Answer(int16_t key, int16_t v, absl::string_view body,
              std::string* out) {
    switch (key) {
      case wire::kApiVersions:
        *out = ApiVersions(v);
        return true;
      case wire::kMetadata:
        return Metadata(v, body, out);
      case kDescribeConfigs:
        return DescribeConfigs(v, body, out);
      case wire::kDescribeQuorum:
        *out = DescribeQuorum(v);
        return true;
      case wire::kDescribeCluster:
        *out = DescribeCluster(v);
        return true;
      case wire::kListPartitionReassignments: {
        Writer w;
        w.Int32(0);
        w.Int16(0);
        w.CompactNullableString(std::nullopt);
        w.CompactArrayLength(0);
        w.EmptyTaggedFields();
        *out = w.Take();
        return true;
      }
      default:
        std::fprintf(stderr, "fake_kafka: no answer for API key %d v%d\n",
                     key, v);
        return false;
    }
  }

  static std::string ApiVersions(int16_t v) {
    const std::vector<std::array<int16_t, 3>> keys = {
        {wire::kMetadata, 1, 12},
        {wire::kApiVersions, 0, 3},
        {kDescribeConfigs, 0, 1},
        {wire::kListPartitionReassignments, 0, 0},
        {wire::kDescribeQuorum, 0, 1},
        {wire::kDescribeCluster, 0, 2},
    };
    Writer w;
    const bool unsupported = v > 3;
    w.Int16(unsupported ? wire::kUnsupportedVersion : 0);
    const bool flexible = v >= 3 && !unsupported;
    if (flexible) {
      w.CompactArrayLength(static_cast<int32_t>(keys.size()));
    } else {
      w.ArrayLength(static_cast<int32_t>(keys.size()));
    }
    for (const auto& k : keys) {
      w.Int16(k[0]);
      w.Int16(k[1]);
      w.Int16(k[2]);
      if (flexible) w.EmptyTaggedFields();
    }
    if (v >= 1 && !unsupported) w.Int32(0);
    if (flexible) w.EmptyTaggedFields();
    return w.Take();
  }

  bool Metadata(int16_t v, absl::string_view body, std::string* out) {
    Reader r(body);
    const bool flexible = v >= 9;
    const int32_t n = flexible ? r.CompactArrayLength("topics", 1, true)
                               : r.ArrayLength("topics", 2, true);
    if (!r.ok()) return false;
    if (n < 0 || (n == 0 && v == 0)) {
      std::lock_guard<std::mutex> lock(mu_);
      std::string& cached = full_[v];
      if (cached.empty()) cached = MetadataBody(spec_, v, nullptr);
      *out = cached;
      return true;
    }
    std::vector<std::string> names;
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      if (v >= 10) (void)r.Uuid("topic id");
      if (flexible) {
        names.push_back(r.CompactNullableString("name").value_or(""));
        r.SkipTaggedFields("topic");
      } else {
        names.push_back(r.String("name"));
      }
    }
    if (!r.ok()) return false;
    *out = MetadataBody(spec_, v, &names);
    return true;
  }

  // v0-1: min.insync.replicas 2 for every topic of the cluster; the
  // requested keys only, or (none requested) ~25 entries like a broker's.
  bool DescribeConfigs(int16_t v, absl::string_view body, std::string* out) {
    Reader r(body);
    const int32_t n = r.ArrayLength("resources", 4);
    struct Resource {
      int8_t type;
      std::string name;
      bool all_keys;
    };
    std::vector<Resource> rs;
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      Resource res;
      res.type = r.Int8("type");
      res.name = r.String("name");
      const int32_t k = r.ArrayLength("keys", 2, true);
      res.all_keys = k < 0;
      for (int32_t j = 0; j < k && r.ok(); ++j) (void)r.String("key");
      rs.push_back(std::move(res));
    }
    if (!r.ok()) return false;
    Writer w;
    w.Int32(0);
    w.ArrayLength(static_cast<int32_t>(rs.size()));
    for (const Resource& res : rs) {
      const bool known = TopicIndex(spec_, res.name) >= 0;
      w.Int16(known ? 0 : 3);
      w.NullableString(std::nullopt);
      w.Int8(res.type);
      w.String(res.name);
      std::vector<std::pair<std::string, std::string>> entries;
      if (known) {
        entries.push_back({"min.insync.replicas", "2"});
        if (res.all_keys) {
          for (int i = 0; i < 24; ++i) {
            entries.push_back({absl::StrCat("synthetic.config.entry.", i),
                               "1073741824"});
          }
        }
      }
      w.ArrayLength(static_cast<int32_t>(entries.size()));
      for (const auto& [k, val] : entries) {
        w.String(k);
        w.NullableString(val);
        w.Bool(false);               // ReadOnly
        if (v >= 1) {
          w.Int8(1);                 // ConfigSource: DYNAMIC_TOPIC_CONFIG
        } else {
          w.Bool(false);             // IsDefault
        }
        w.Bool(false);               // IsSensitive
        if (v >= 1) w.ArrayLength(0);  // Synonyms
      }
    }
    *out = w.Take();
    return true;
  }

  std::string DescribeQuorum(int16_t v) {
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    Writer w;
    w.Int16(0);
    w.CompactArrayLength(1);
    w.CompactString(wire::kMetadataTopic);
    w.CompactArrayLength(1);
    w.Int32(0);
    w.Int16(0);
    w.Int32(0);    // leader
    w.Int32(1);    // epoch
    w.Int64(100);  // high watermark
    auto replicas = [&](int32_t from, int32_t to) {
      w.CompactArrayLength(to - from);
      for (int32_t id = from; id < to; ++id) {
        w.Int32(id);
        w.Int64(100);
        if (v >= 1) {
          w.Int64(now);
          w.Int64(now);
        }
        w.EmptyTaggedFields();
      }
    };
    const int32_t voters = std::min(spec_.brokers, 3);
    replicas(0, voters);
    replicas(voters, spec_.brokers);
    w.EmptyTaggedFields();
    w.EmptyTaggedFields();
    w.EmptyTaggedFields();
    return w.Take();
  }

  std::string DescribeCluster(int16_t v) {
    Writer w;
    w.Int32(0);
    w.Int16(0);
    w.CompactNullableString(std::nullopt);
    if (v >= 1) w.Int8(wire::kBrokers);
    w.CompactString("synthetic-cluster-id");
    w.Int32(0);
    w.CompactArrayLength(spec_.brokers);
    for (int32_t b = 0; b < spec_.brokers; ++b) {
      w.Int32(b);
      w.CompactString(spec_.host);
      w.Int32(PortOf(spec_, b));
      w.CompactNullableString(std::nullopt);
      if (v >= 2) w.Bool(false);
      w.EmptyTaggedFields();
    }
    w.Int32(INT32_MIN);
    w.EmptyTaggedFields();
    return w.Take();
  }

  const SyntheticSpec spec_;
  std::mutex mu_;
  std::map<int16_t, std::string> full_;  // guarded by mu_
  std::map<int16_t, Traffic> traffic_;   // guarded by mu_
};

int Main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  SyntheticSpec spec;
  std::string stats;
  int port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    int64_t value = 0;
    if (flag == "--stats") {
      stats = argv[i + 1];
      continue;
    }
    if (!absl::SimpleAtoi(argv[i + 1], &value)) {
      std::fprintf(stderr, "fake_kafka: %s %s is not a number\n", argv[i],
                   argv[i + 1]);
      return 2;
    }
    if (flag == "--port") {
      port = static_cast<int>(value);
    } else if (flag == "--partitions") {
      spec.partitions = value;
    } else if (flag == "--per-topic") {
      spec.partitions_per_topic = static_cast<int32_t>(value);
    } else if (flag == "--brokers") {
      spec.brokers = static_cast<int32_t>(value);
    } else if (flag == "--rf") {
      spec.replication = static_cast<int32_t>(value);
    } else if (flag == "--name-length") {
      spec.name_length = static_cast<int32_t>(value);
    } else if (flag == "--under-replicated-every") {
      spec.under_replicated_every = static_cast<int32_t>(value);
    } else {
      std::fprintf(stderr, "fake_kafka: unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  if (port <= 0) {
    std::fprintf(stderr, "fake_kafka: --port is required\n");
    return 2;
  }
  spec.port = port;
  // Broker 0 listens on --port; the others on ports of the kernel's choice,
  // all served alike (librdkafka keeps one connection per broker address).
  const int one = 1;
  std::vector<int> listeners;
  for (int32_t b = 0; b < spec.brokers; ++b) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(b == 0 ? port : 0));
    socklen_t len = sizeof(addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(fd, 64) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::perror("fake_kafka: bind/listen");
      return 1;
    }
    spec.broker_ports.push_back(ntohs(addr.sin_port));
    listeners.push_back(fd);
  }
  FakeBroker broker(spec);
  broker.Warm(12);  // what the agent's wire client asks
  std::fprintf(stderr,
               "fake_kafka: 127.0.0.1:%d, %lld partitions in %lld topics, %d "
               "brokers, RF %d\n",
               port, static_cast<long long>(spec.partitions),
               static_cast<long long>(TopicCount(spec)), spec.brokers,
               spec.replication);
  if (!stats.empty()) {
    std::thread([&broker, stats] {
      for (;;) {
        broker.WriteStats(stats);
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }).detach();
  }
  for (size_t i = 1; i < listeners.size(); ++i) {
    std::thread([&broker, fd = listeners[i]] { broker.Accept(fd); }).detach();
  }
  broker.Accept(listeners[0]);
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace kafka_agent

int main(int argc, char** argv) {
  return kafka_agent::bench::Main(argc, argv);
}
