// A scripted Kafka node on 127.0.0.1 for the wire client's unit tests: it
// reads real request frames, hands each to a handler and writes back what the
// handler says (a body in a proper response frame, raw bytes, silence, or a
// closed connection). One thread, one connection at a time.
#ifndef KAFKA_AGENT_TESTS_UNIT_SIDECAR_FAKE_KAFKA_SERVER_H_
#define KAFKA_AGENT_TESTS_UNIT_SIDECAR_FAKE_KAFKA_SERVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agent/sidecar/kafka_protocol.h"

namespace kafka_agent {
namespace wire {
namespace testing {

struct FakeRequest {
  int16_t api_key = 0;
  int16_t version = 0;
  int32_t correlation_id = 0;
  std::string client_id;
  std::string body;
};

struct FakeReply {
  enum Kind { kBody, kRaw, kSilence, kClose } kind = kBody;
  std::string bytes;  // the response body (kBody) or what to send (kRaw)

  static FakeReply Body(std::string b) { return {kBody, std::move(b)}; }
  // Sent as is, then the connection is closed.
  static FakeReply Raw(std::string b) { return {kRaw, std::move(b)}; }
  // Never answers (until the client goes away).
  static FakeReply Silence() { return {kSilence, ""}; }
  static FakeReply Close() { return {kClose, ""}; }
};

class FakeKafkaServer {
 public:
  using Handler = std::function<FakeReply(const FakeRequest&)>;

  explicit FakeKafkaServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(listen_fd_, 8);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (pipe(stop_pipe_) != 0) std::abort();
    thread_ = std::thread([this] { Run(); });
  }

  ~FakeKafkaServer() {
    char c = 0;
    if (write(stop_pipe_[1], &c, 1) != 1) std::abort();
    thread_.join();
    close(listen_fd_);
    close(stop_pipe_[0]);
    close(stop_pipe_[1]);
  }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  int port() const { return port_; }
  int accepted() const { return accepted_; }
  std::vector<FakeRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  // The versions of `api_key` requested so far, in order.
  std::vector<int16_t> versions(int16_t api_key) const {
    std::vector<int16_t> out;
    for (const FakeRequest& r : requests()) {
      if (r.api_key == api_key) out.push_back(r.version);
    }
    return out;
  }

  // An ApiVersions response body for `version` offering `ranges`.
  static std::string ApiVersionsBody(
      int16_t version, const std::map<int16_t, VersionRange>& ranges) {
    Writer w;
    w.Int16(0);
    if (version >= 3) {
      w.CompactArrayLength(static_cast<int32_t>(ranges.size()));
    } else {
      w.ArrayLength(static_cast<int32_t>(ranges.size()));
    }
    for (const auto& [key, r] : ranges) {
      w.Int16(key);
      w.Int16(r.min);
      w.Int16(r.max);
      if (version >= 3) w.EmptyTaggedFields();
    }
    if (version >= 1) w.Int32(0);
    if (version >= 3) w.EmptyTaggedFields();
    return w.Take();
  }

 private:
  // Waits for `fd` to be readable; false when asked to stop.
  bool WaitReadable(int fd) {
    pollfd p[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    for (;;) {
      if (poll(p, 2, -1) < 0) continue;
      if (p[1].revents != 0) return false;
      if (p[0].revents != 0) return true;
    }
  }

  bool ReadFull(int fd, char* buf, size_t n) {
    size_t got = 0;
    while (got < n) {
      if (!WaitReadable(fd)) return false;
      const ssize_t r = read(fd, buf + got, n - got);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }

  void Run() {
    for (;;) {
      if (!WaitReadable(listen_fd_)) return;
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++accepted_;
      Serve(fd);
      close(fd);
    }
  }

  void Serve(int fd) {
    for (;;) {
      char size_buf[4];
      if (!ReadFull(fd, size_buf, 4)) return;
      Reader sr(absl::string_view(size_buf, 4));
      const int32_t size = sr.Int32("size");
      std::string frame(static_cast<size_t>(size), '\0');
      if (!ReadFull(fd, frame.data(), frame.size())) return;
      Reader r(frame);
      FakeRequest req;
      req.api_key = r.Int16("api_key");
      req.version = r.Int16("version");
      req.correlation_id = r.Int32("correlation_id");
      req.client_id = r.String("client_id");
      if (IsFlexible(req.api_key, req.version)) r.SkipTaggedFields("header");
      req.body = frame.substr(r.position());
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(req);
      }
      const FakeReply reply = handler_(req);
      switch (reply.kind) {
        case FakeReply::kClose:
          return;
        case FakeReply::kSilence: {
          char c;
          while (WaitReadable(fd) && read(fd, &c, 1) > 0) {
          }
          return;
        }
        case FakeReply::kRaw:
          send(fd, reply.bytes.data(), reply.bytes.size(), MSG_NOSIGNAL);
          return;
        case FakeReply::kBody: {
          Writer header;
          header.Int32(req.correlation_id);
          if (req.api_key != kApiVersions &&
              IsFlexible(req.api_key, req.version)) {
            header.EmptyTaggedFields();
          }
          Writer out;
          out.Int32(
              static_cast<int32_t>(header.data().size() + reply.bytes.size()));
          out.Raw(header.data());
          out.Raw(reply.bytes);
          send(fd, out.data().data(), out.data().size(), MSG_NOSIGNAL);
          break;
        }
      }
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<int> accepted_{0};
  mutable std::mutex mu_;
  std::vector<FakeRequest> requests_;
  std::thread thread_;
};

// A port on 127.0.0.1 nobody listens on (bound, then closed).
inline int UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace testing
}  // namespace wire
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_TESTS_UNIT_SIDECAR_FAKE_KAFKA_SERVER_H_
