#include "agent/sidecar/kafka_admin.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <mutex>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/base/logging.h"
#include "agent/base/secrets.h"

namespace kafka_agent {
namespace {

int TimeoutMs(absl::Duration d) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 1,
                                              3600 * 1000));
}

absl::Status KafkaError(rd_kafka_resp_err_t err, absl::string_view what) {
  std::string msg = absl::StrCat(what, ": ", rd_kafka_err2str(err));
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return absl::DeadlineExceededError(msg);
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
      return absl::UnavailableError(msg);
    default:
      return absl::InternalError(msg);
  }
}

// librdkafka's log lines go to spdlog. Connection failures ("FAIL") repeat
// every second while the local broker restarts; they stay at debug level: the
// poller logs each change of error once, with the reason from the error
// callback.
void LogCallback(const rd_kafka_t*, int level, const char* fac,
                 const char* buf) {
  if (std::string_view(fac) == "FAIL") {
    spdlog::debug("librdkafka {}: {}", fac, buf);
  } else if (level <= 3) {
    spdlog::warn("librdkafka {}: {}", fac, buf);
  } else if (level <= 5) {
    spdlog::info("librdkafka {}: {}", fac, buf);
  } else {
    spdlog::debug("librdkafka {}: {}", fac, buf);
  }
}

// The client's latest error from librdkafka's error callback (on its own
// threads). A failed request says only "transport failure" or "timed out";
// this says why (authentication failed, connection refused, ...).
class ClientErrors {
 public:
  void Set(std::string e) {
    std::lock_guard<std::mutex> lock(mu_);
    last_ = std::move(e);
  }
  std::string Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(last_, std::string());
  }

 private:
  std::mutex mu_;
  std::string last_;
};

void ErrorCallback(rd_kafka_t*, int err, const char* reason, void* opaque) {
  spdlog::debug("librdkafka error {}: {}",
                rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)),
                reason);
  static_cast<ClientErrors*>(opaque)->Set(reason);
}

class RdKafkaAdmin : public KafkaAdmin {
 public:
  RdKafkaAdmin(rd_kafka_t* rk, std::unique_ptr<ClientErrors> errors)
      : rk_(rk), errors_(std::move(errors)) {}
  // librdkafka's threads are gone once rd_kafka_destroy returns, so the
  // error sink outlives every callback.
  ~RdKafkaAdmin() override { rd_kafka_destroy(rk_); }

  absl::StatusOr<MinIsrAnswer> FetchMinInsyncReplicas(
      const std::vector<std::string>& topics, absl::Duration timeout) override {
    MinIsrAnswer out;
    if (topics.empty()) return out;
    std::vector<rd_kafka_ConfigResource_t*> resources;
    for (const std::string& t : topics) {
      resources.push_back(
          rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
    }
    rd_kafka_AdminOptions_t* opts =
        rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    char errstr[256];
    rd_kafka_AdminOptions_set_request_timeout(opts, TimeoutMs(timeout), errstr,
                                              sizeof(errstr));
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
    rd_kafka_DescribeConfigs(rk_, resources.data(), resources.size(), opts,
                             queue);
    rd_kafka_event_t* ev =
        rd_kafka_queue_poll(queue, TimeoutMs(timeout + absl::Seconds(1)));
    absl::Status status = absl::OkStatus();
    if (ev == nullptr) {
      status = absl::DeadlineExceededError("DescribeConfigs: no answer in time");
    } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = KafkaError(rd_kafka_event_error(ev), "DescribeConfigs");
    } else {
      const rd_kafka_DescribeConfigs_result_t* res =
          rd_kafka_event_DescribeConfigs_result(ev);
      size_t n = 0;
      const rd_kafka_ConfigResource_t** rs =
          rd_kafka_DescribeConfigs_result_resources(res, &n);
      for (size_t i = 0; i < n; ++i) {
        const char* topic = rd_kafka_ConfigResource_name(rs[i]);
        if (rd_kafka_ConfigResource_error(rs[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
          const char* why = rd_kafka_ConfigResource_error_string(rs[i]);
          out.errors[topic] =
              why != nullptr && *why != '\0'
                  ? why
                  : rd_kafka_err2str(rd_kafka_ConfigResource_error(rs[i]));
          continue;
        }
        size_t m = 0;
        const rd_kafka_ConfigEntry_t** entries =
            rd_kafka_ConfigResource_configs(rs[i], &m);
        for (size_t k = 0; k < m; ++k) {
          const char* name = rd_kafka_ConfigEntry_name(entries[k]);
          const char* value = rd_kafka_ConfigEntry_value(entries[k]);
          int32_t v = 0;
          if (name != nullptr && value != nullptr &&
              std::string(name) == "min.insync.replicas" &&
              absl::SimpleAtoi(value, &v)) {
            out.min_isr[topic] = v;
          }
        }
      }
    }
    if (ev != nullptr) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(queue);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_ConfigResource_destroy_array(resources.data(), resources.size());
    if (!status.ok()) return status;
    return out;
  }

 private:
  rd_kafka_t* rk_;
  std::unique_ptr<ClientErrors> errors_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaAdmin>> NewRdKafkaAdmin(
    const std::string& bootstrap, const KafkaProps& props) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& key, const std::string& value,
                 bool user) -> absl::Status {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr,
                          sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat(
          user ? "--kafka-prop " : "", key, "=", ShownValue(key, value),
          " is not accepted by librdkafka: ", errstr));
    }
    return absl::OkStatus();
  };
  absl::Status s = set("bootstrap.servers", bootstrap, false);
  // Reconnect quickly after the local broker restarts.
  if (s.ok()) s = set("reconnect.backoff.ms", "100", false);
  if (s.ok()) s = set("reconnect.backoff.max.ms", "2000", false);
  if (s.ok()) s = set("topic.metadata.refresh.interval.ms", "-1", false);
  if (s.ok()) s = set("log.connection.close", "false", false);
  if (s.ok()) s = set("client.id", "kafka-agent", false);
  for (const auto& [key, value] : props) {
    if (!s.ok()) break;
    s = set(key, value, true);
  }
  if (!s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  auto errors = std::make_unique<ClientErrors>();
  rd_kafka_conf_set_log_cb(conf, LogCallback);
  rd_kafka_conf_set_error_cb(conf, ErrorCallback);
  rd_kafka_conf_set_opaque(conf, errors.get());
  // rd_kafka_new takes ownership of conf on success only.
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create the Kafka client: ", errstr));
  }
  return std::unique_ptr<KafkaAdmin>(new RdKafkaAdmin(rk, std::move(errors)));
}

}  // namespace kafka_agent
