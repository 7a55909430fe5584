// What the agent asks through librdkafka: topic configurations
// (DescribeConfigs, for min.insync.replicas), behind an interface (fakes in
// unit tests), with errors converted to Status here, at the edge. Everything
// else goes over the agent's own wire client (kafka_wire.h), which can ask a
// chosen node.
#ifndef KAFKA_AGENT_SIDECAR_KAFKA_ADMIN_H_
#define KAFKA_AGENT_SIDECAR_KAFKA_ADMIN_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agent/sidecar/cluster.h"

namespace kafka_agent {

class KafkaAdmin {
 public:
  virtual ~KafkaAdmin() = default;

  // min.insync.replicas of each topic (the effective value, whether set on
  // the topic or inherited from the broker). A topic whose answer was an
  // error is in `errors` instead; the whole call fails only if no answer
  // came.
  struct MinIsrAnswer {
    std::map<std::string, int32_t> min_isr;
    std::map<std::string, std::string> errors;
  };
  virtual absl::StatusOr<MinIsrAnswer> FetchMinInsyncReplicas(
      const std::vector<std::string>& topics, absl::Duration timeout) = 0;
};

using KafkaProps = std::vector<std::pair<std::string, std::string>>;

// A librdkafka client on `bootstrap` with extra client properties (TLS, SASL).
// A property librdkafka rejects is InvalidArgument naming the key (never the
// value: it may be a secret).
absl::StatusOr<std::unique_ptr<KafkaAdmin>> NewRdKafkaAdmin(
    const std::string& bootstrap, const KafkaProps& props);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_KAFKA_ADMIN_H_
