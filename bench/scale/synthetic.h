// A synthetic Kafka cluster for the scale benchmarks: N partitions in topics
// of M partitions, replicas spread round-robin over the brokers, a fraction
// of partitions under-replicated; and the wire answers a broker of it would
// give (Metadata in any version the agent or librdkafka asks for), so the
// benchmarks feed real response bytes through the agent's own decoder.
#ifndef KAFKA_AGENT_BENCH_SCALE_SYNTHETIC_H_
#define KAFKA_AGENT_BENCH_SCALE_SYNTHETIC_H_

#include <cstdint>
#include <string>
#include <vector>

namespace kafka_agent {
namespace bench {

struct SyntheticSpec {
  int64_t partitions = 1000;
  int32_t partitions_per_topic = 100;
  int32_t brokers = 3;
  int32_t replication = 3;
  // Topic names are "<prefix>-<number>" padded to this length (Kafka allows
  // 249); real names are often 20-40 characters.
  int32_t name_length = 32;
  // Every n-th partition lacks its last replica in the ISR (0: none).
  int32_t under_replicated_every = 0;
  // Brokers advertise this host and port (the fake broker's own), or broker
  // b the port broker_ports[b] when set: a client such as librdkafka tells
  // brokers apart by address.
  std::string host = "127.0.0.1";
  int32_t port = 9092;
  std::vector<int32_t> broker_ports;
};

// The port broker `b` advertises.
int32_t PortOf(const SyntheticSpec& s, int32_t b);

int64_t TopicCount(const SyntheticSpec& s);
int32_t PartitionsOf(const SyntheticSpec& s, int64_t topic);
std::string TopicName(const SyntheticSpec& s, int64_t topic);
// The topic's index, or -1 for a name not of this cluster.
int64_t TopicIndex(const SyntheticSpec& s, const std::string& name);
// Replicas of a partition: brokers (topic + partition + k) % brokers.
std::vector<int32_t> Replicas(const SyntheticSpec& s, int64_t topic,
                              int32_t partition);
std::vector<int32_t> Isr(const SyntheticSpec& s, int64_t topic,
                         int32_t partition);

// The body (after the response header) of a Metadata response in `version`
// (1-13) for every topic (`topics` null) or the named ones (an unknown name
// answers UNKNOWN_TOPIC_OR_PARTITION, as a broker does).
std::string MetadataBody(const SyntheticSpec& s, int16_t version,
                         const std::vector<std::string>* topics);

}  // namespace bench
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BENCH_SCALE_SYNTHETIC_H_
