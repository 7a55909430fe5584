// kafka-test-tool: the Kafka client side of the integration and e2e tests,
// on librdkafka like the agent.
//
//   kafka-test-tool create-topic -b BOOTSTRAP -t TOPIC [-p 3] [-r 3] [-c k=v]...
//                                [--count N [--start K]]
//       with --count: the N topics TOPIC-<K>..TOPIC-<K+N-1> (numbers padded to
//       5 digits) in one CreateTopics request.
//   kafka-test-tool produce -b BOOTSTRAP -t TOPIC [--rate N/s] [--count N]
//                           [--duration SECONDS] [--stop-file PATH]
//                           [--start N] [--size BYTES] [--progress-file PATH]
//       acks=all, idempotent; message i carries the text "i" (i counts from
//       --start, default 0), padded with " xxx..." to --size bytes if given.
//       Prints one JSON line at the end: {"sent":..,"acked":..,"failed":..},
//       and the acked sequence numbers to --acked-file if given.
//   kafka-test-tool consume -b BOOTSTRAP -t TOPIC --expect-file PATH
//                           [--timeout SECONDS] [--stop-file PATH]
//                           [--progress-file PATH]
//       reads the topic from the beginning until every number in
//       --expect-file has been seen (or the timeout); prints
//       {"consumed":..,"distinct":..,"expected":..,"seen":..,"missing":..}
//       (seen: expected numbers that were read); exit 0 iff none missing.
//       With --stop-file, it consumes until that file exists and only then
//       reads --expect-file (written meanwhile, e.g. by a concurrent
//       producer's --acked-file); --timeout counts from then.
//   --progress-file PATH: every second, the counts so far as one JSON line
//       (replaced atomically), for a watcher to show.
//   -X key=value (any command, repeatable): a librdkafka client property,
//       e.g. -X security.protocol=SASL_SSL -X ssl.ca.location=ca.pem; set
//       after the tool's own, so it can change them.
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Args {
  std::string cmd, bootstrap, topic, acked_file, expect_file, stop_file;
  int partitions = 3, replication = 3;
  std::vector<std::pair<std::string, std::string>> configs;
  std::vector<std::pair<std::string, std::string>> client;  // -X
  double rate = 100;
  long count = -1;
  double duration = -1, timeout = 60;
  long start = 0;
  size_t size = 0;
  std::string progress_file;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr, "kafka-test-tool: %s (see the comment at the top of "
               "tests/tools/kafka_test_tool.cc)\n", why);
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  if (argc < 2) Usage("no command");
  Args a;
  a.cmd = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage(("missing value for " + k).c_str());
      return argv[++i];
    };
    if (k == "-b") a.bootstrap = next();
    else if (k == "-t") a.topic = next();
    else if (k == "-p") a.partitions = std::atoi(next().c_str());
    else if (k == "-r") a.replication = std::atoi(next().c_str());
    else if (k == "-c") {
      std::string kv = next();
      size_t eq = kv.find('=');
      if (eq == std::string::npos) Usage("-c wants key=value");
      a.configs.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (k == "-X") {
      std::string kv = next();
      size_t eq = kv.find('=');
      if (eq == std::string::npos) Usage("-X wants key=value");
      a.client.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (k == "--rate") a.rate = std::atof(next().c_str());
    else if (k == "--count") a.count = std::atol(next().c_str());
    else if (k == "--duration") a.duration = std::atof(next().c_str());
    else if (k == "--timeout") a.timeout = std::atof(next().c_str());
    else if (k == "--acked-file") a.acked_file = next();
    else if (k == "--expect-file") a.expect_file = next();
    else if (k == "--stop-file") a.stop_file = next();
    else if (k == "--start") a.start = std::atol(next().c_str());
    else if (k == "--size") a.size = std::strtoul(next().c_str(), nullptr, 10);
    else if (k == "--progress-file") a.progress_file = next();
    else Usage(("unknown argument " + k).c_str());
  }
  if (a.bootstrap.empty() || a.topic.empty()) Usage("-b and -t are required");
  return a;
}

rd_kafka_conf_t* Conf(const Args& a,
                      std::vector<std::pair<const char*, const char*>> extra) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  extra.emplace_back("bootstrap.servers", a.bootstrap.c_str());
  for (auto& [k, v] : a.client) extra.emplace_back(k.c_str(), v.c_str());
  for (auto& [k, v] : extra) {
    if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "kafka-test-tool: %s: %s\n", k, err);  // no value: it may be a password
      std::exit(2);
    }
  }
  return conf;
}

rd_kafka_t* New(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (rk == nullptr) {
    std::fprintf(stderr, "kafka-test-tool: %s\n", err);
    std::exit(1);
  }
  return rk;
}

int CreateTopic(const Args& a) {
  rd_kafka_t* rk = New(RD_KAFKA_PRODUCER, Conf(a, {}));
  char err[512];
  std::vector<std::string> names;
  if (a.count < 0) {
    names.push_back(a.topic);
  } else {
    for (long i = a.start; i < a.start + a.count; ++i) {
      char n[24];  // "-" and any long, zero-padded to 5 digits
      std::snprintf(n, sizeof(n), "-%05ld", i);
      names.push_back(a.topic + n);
    }
  }
  std::vector<rd_kafka_NewTopic_t*> nts;
  for (const std::string& name : names) {
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(
        name.c_str(), a.partitions, a.replication, err, sizeof(err));
    if (nt == nullptr) Usage(err);
    for (auto& [k, v] : a.configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    nts.push_back(nt);
  }
  rd_kafka_AdminOptions_t* opts =
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, 30000, err, sizeof(err));
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, nts.data(), nts.size(), opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 40000);
  int rc = 1;
  if (ev == nullptr) {
    std::fprintf(stderr, "kafka-test-tool: CreateTopics: no answer\n");
  } else if (rd_kafka_event_error(ev)) {
    std::fprintf(stderr, "kafka-test-tool: CreateTopics: %s\n",
                 rd_kafka_event_error_string(ev));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** res = rd_kafka_CreateTopics_result_topics(
        rd_kafka_event_CreateTopics_result(ev), &n);
    rc = 0;
    for (size_t i = 0; i < n; ++i) {
      if (rd_kafka_topic_result_error(res[i])) {
        std::fprintf(stderr, "kafka-test-tool: topic %s: %s\n",
                     rd_kafka_topic_result_name(res[i]),
                     rd_kafka_topic_result_error_string(res[i]));
        rc = 1;
      } else {
        std::printf("created topic %s (%d partitions, replication factor %d)\n",
                    rd_kafka_topic_result_name(res[i]), a.partitions,
                    a.replication);
      }
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy_array(nts.data(), nts.size());
  rd_kafka_destroy(rk);
  return rc;
}

// Replaces PATH with one line, atomically (a reader never sees half of it).
void WriteProgress(const std::string& path, const std::string& line) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    f << line << "\n";
  }
  std::rename(tmp.c_str(), path.c_str());
}

bool Exists(const std::string& path) {
  return !path.empty() && access(path.c_str(), F_OK) == 0;
}

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct DeliveryState {
  std::atomic<long> acked{0}, failed{0};
  std::vector<long> acked_ids;  // touched only from the poll thread
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* st = static_cast<DeliveryState*>(opaque);
  if (m->err) {
    ++st->failed;
    return;
  }
  ++st->acked;
  st->acked_ids.push_back(std::strtol(
      std::string(static_cast<const char*>(m->payload), m->len).c_str(), nullptr,
      10));
}

int Produce(const Args& a) {
  DeliveryState st;
  rd_kafka_conf_t* conf =
      Conf(a, {{"acks", "all"},
               {"enable.idempotence", "true"},
               {"message.timeout.ms", "120000"},
               {"linger.ms", "5"}});
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, &st);
  rd_kafka_t* rk = New(RD_KAFKA_PRODUCER, conf);
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  const auto start = std::chrono::steady_clock::now();
  long sent = 0, produce_errors = 0;
  double next_progress = 0;
  auto progress = [&](double elapsed) {
    WriteProgress(a.progress_file,
                  "{\"elapsed\":" + std::to_string(static_cast<long>(elapsed)) +
                      ",\"sent\":" + std::to_string(sent) +
                      ",\"acked\":" + std::to_string(st.acked.load()) +
                      ",\"failed\":" + std::to_string(st.failed.load()) +
                      ",\"in_flight\":" + std::to_string(rd_kafka_outq_len(rk)) + "}");
  };
  while (!g_stop) {
    double elapsed = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start).count();
    if (elapsed >= next_progress) {
      progress(elapsed);
      next_progress += 1;
    }
    if (a.count >= 0 && sent >= a.count) break;
    if (a.duration >= 0 && elapsed >= a.duration) break;
    if (Exists(a.stop_file)) break;
    if (sent < elapsed * a.rate) {
      std::string v = std::to_string(a.start + sent);
      if (v.size() + 1 < a.size) v += " " + std::string(a.size - v.size() - 1, 'x');
      rd_kafka_resp_err_t e = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(a.topic.c_str()),
          RD_KAFKA_V_VALUE(v.data(), v.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++sent;
      } else {
        ++produce_errors;  // queue full: serve delivery reports, retry
        rd_kafka_poll(rk, 10);
      }
      rd_kafka_poll(rk, 0);
    } else {
      rd_kafka_poll(rk, 1);  // ahead of the rate
    }
  }
  // Wait for every outstanding delivery report.
  rd_kafka_flush(rk, 120000);
  long outstanding = rd_kafka_outq_len(rk);
  progress(std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
               .count());
  if (!a.acked_file.empty()) {
    std::ofstream f(a.acked_file);
    for (long id : st.acked_ids) f << id << "\n";
  }
  std::printf("{\"sent\":%ld,\"acked\":%ld,\"failed\":%ld,\"outstanding\":%ld,"
              "\"queue_full_retries\":%ld}\n",
              sent, st.acked.load(), st.failed.load(), outstanding,
              produce_errors);
  rd_kafka_destroy(rk);
  return st.failed == 0 && outstanding == 0 ? 0 : 1;
}

int Consume(const Args& a) {
  std::set<long> expect;
  auto load_expect = [&]() {
    if (a.expect_file.empty()) return;
    std::ifstream f(a.expect_file);
    for (long id; f >> id;) expect.insert(id);
  };
  // With --stop-file the expected numbers are known only at the end.
  bool following = !a.stop_file.empty();
  if (!following) load_expect();
  std::string group = "kafka-test-tool-" + std::to_string(getpid());
  rd_kafka_conf_t* conf = Conf(a, {{"group.id", group.c_str()},
                                   {"auto.offset.reset", "earliest"},
                                   {"enable.auto.commit", "false"}});
  rd_kafka_t* rk = New(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, a.topic.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  std::set<long> seen;
  long consumed = 0;
  size_t expected_left = expect.size();
  auto start = std::chrono::steady_clock::now();
  const auto t0 = start;
  double next_progress = 0;
  auto count_seen = [&]() {
    size_t n = 0;
    for (long id : expect) n += seen.count(id);
    return n;
  };
  auto progress = [&]() {
    WriteProgress(a.progress_file,
                  "{\"elapsed\":" +
                      std::to_string(static_cast<long>(
                          std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - t0).count())) +
                      ",\"consumed\":" + std::to_string(consumed) +
                      ",\"distinct\":" + std::to_string(seen.size()) + "}");
  };
  while (!g_stop) {
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - t0).count() >= next_progress) {
      progress();
      next_progress += 1;
    }
    if (following && Exists(a.stop_file)) {
      following = false;
      load_expect();
      expected_left = expect.size() - count_seen();
      start = now;  // --timeout counts from the stop
    }
    if (!following && !expect.empty() && expected_left == 0) break;
    if (!following &&
        std::chrono::duration<double>(now - start).count() > a.timeout) {
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (!m->err) {
      ++consumed;
      long id = std::strtol(
          std::string(static_cast<const char*>(m->payload), m->len).c_str(),
          nullptr, 10);
      if (seen.insert(id).second && !following && expect.count(id)) {
        --expected_left;
      }
    }
    rd_kafka_message_destroy(m);
  }
  progress();
  const size_t seen_expected = count_seen();
  const long missing = static_cast<long>(expect.size() - seen_expected);
  std::printf("{\"consumed\":%ld,\"distinct\":%zu,\"expected\":%zu,"
              "\"seen\":%zu,\"missing\":%ld}\n",
              consumed, seen.size(), expect.size(), seen_expected, missing);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return missing == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  if (a.cmd == "create-topic") return CreateTopic(a);
  if (a.cmd == "produce") return Produce(a);
  if (a.cmd == "consume") return Consume(a);
  Usage(("unknown command " + a.cmd).c_str());
}
