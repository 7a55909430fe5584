#include "agent/sidecar/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "agent/base/logging.h"
#include "agent/base/sync.h"

namespace kafka_agent {
namespace {

// "10.1.2.3:45678" or "[::1]:45678".
std::string PeerOf(MHD_Connection* c) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "?";
  char host[INET6_ADDRSTRLEN] = "?";
  const sockaddr* sa = info->client_addr;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    return absl::StrCat(host, ":", ntohs(in->sin_port));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    return absl::StrCat("[", host, "]:", ntohs(in6->sin6_port));
  }
  return "?";
}

MHD_Result CollectArgument(void* cls, MHD_ValueKind, const char* key,
                           const char* value) {
  auto* query = static_cast<std::map<std::string, std::string>*>(cls);
  if (key != nullptr) query->emplace(key, value == nullptr ? "" : value);
  return MHD_YES;
}

void LogFromMhd(void*, const char* fmt, va_list ap) {
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  std::string s(buf);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  // Bad requests are the client's problem and answered with a 4xx; keep
  // them out of the log unless asked for.
  spdlog::debug("http: {}", s);
}

}  // namespace

class MhdExchange;

class HttpServer::Impl {
 public:
  Impl(Options options, HttpHandler& handler)
      : options_(std::move(options)), handler_(handler) {}

  absl::Status Start();
  void Stop(absl::Duration grace);
  int port() const { return port_; }

  static MHD_Result Access(void* cls, MHD_Connection* c, const char* url,
                           const char* method, const char* version,
                           const char* upload_data, size_t* upload_data_size,
                           void** con_cls);
  static void Completed(void* cls, MHD_Connection* c, void** con_cls,
                        MHD_RequestTerminationCode code);

 private:
  void Track(const std::shared_ptr<MhdExchange>& ex);
  void Untrack(MhdExchange* ex);

  const Options options_;
  HttpHandler& handler_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable idle_;
  bool stopping_ = false;  // guarded by mu_
  // Requests not yet completed; guarded by mu_.
  std::set<std::shared_ptr<MhdExchange>> live_;
};

// One request: answered now (queued before the handler call returns) or
// later (the connection is suspended until Respond resumes it).
class MhdExchange : public HttpExchange {
 public:
  explicit MhdExchange(MHD_Connection* c) : conn_(c) {}

  void Respond(HttpResponse response) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (response_.has_value() || closed_) return;
    response_ = std::move(response);
    if (suspended_) {
      suspended_ = false;
      // MHD calls Access again on its thread, which queues the response.
      MHD_resume_connection(conn_);
    }
  }

  bool ClientGone() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return true;
    if (!suspended_ || fd_ < 0) return false;
    // A suspended connection is not watched by MHD; its socket stays open
    // until it is resumed, so fd_ is still this connection's.
    pollfd p{fd_, POLLRDHUP, 0};
    if (poll(&p, 1, 0) <= 0) return false;
    return (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
  }

  // On the server's thread: queue the response if there is one, else
  // suspend the connection until there is.
  MHD_Result QueueOrSuspend() {
    std::lock_guard<std::mutex> lock(mu_);
    if (queued_ || closed_) return MHD_YES;
    if (response_.has_value()) {
      const HttpResponse& r = *response_;
      MHD_Response* resp = MHD_create_response_from_buffer(
          r.body.size(), const_cast<char*>(r.body.data()),
          MHD_RESPMEM_MUST_COPY);
      if (resp == nullptr) return MHD_NO;
      MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                              r.content_type.c_str());
      for (const auto& [k, v] : r.headers) {
        MHD_add_response_header(resp, k.c_str(), v.c_str());
      }
      MHD_Result ret = MHD_queue_response(conn_, r.status, resp);
      MHD_destroy_response(resp);
      queued_ = true;
      return ret;
    }
    if (!suspended_) {
      const MHD_ConnectionInfo* info =
          MHD_get_connection_info(conn_, MHD_CONNECTION_INFO_CONNECTION_FD);
      fd_ = info == nullptr ? -1 : info->connect_fd;
      MHD_suspend_connection(conn_);
      suspended_ = true;
    }
    return MHD_YES;
  }

  void Closed() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    conn_ = nullptr;
    fd_ = -1;
  }

 private:
  std::mutex mu_;
  MHD_Connection* conn_;  // null once closed
  std::optional<HttpResponse> response_;
  bool suspended_ = false;
  bool queued_ = false;
  bool closed_ = false;
  int fd_ = -1;
};

void HttpServer::Impl::Track(const std::shared_ptr<MhdExchange>& ex) {
  std::lock_guard<std::mutex> lock(mu_);
  live_.insert(ex);
}

void HttpServer::Impl::Untrack(MhdExchange* ex) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = live_.begin(); it != live_.end(); ++it) {
    if (it->get() == ex) {
      live_.erase(it);
      break;
    }
  }
  if (live_.empty()) idle_.notify_all();
}

MHD_Result HttpServer::Impl::Access(void* cls, MHD_Connection* c,
                                    const char* url, const char* method,
                                    const char*, const char*,
                                    size_t* upload_data_size, void** con_cls) {
  auto* self = static_cast<Impl*>(cls);
  if (*con_cls == nullptr) {
    // The request line and headers are in: answer (or start answering).
    auto ex = std::make_shared<MhdExchange>(c);
    self->Track(ex);
    *con_cls = new std::shared_ptr<MhdExchange>(ex);
    HttpRequest req;
    req.method = method;
    req.path = url;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, &CollectArgument,
                              &req.query);
    req.peer = PeerOf(c);
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      stopping = self->stopping_;
    }
    if (stopping) {
      ex->Respond({503,
                   "text/plain; charset=utf-8",
                   "the agent is shutting down\n",
                   {{"Connection", "close"}}});
    } else {
      self->handler_.Serve(req, ex);
    }
    return ex->QueueOrSuspend();
  }
  auto& ex = *static_cast<std::shared_ptr<MhdExchange>*>(*con_cls);
  // Request bodies mean nothing here: read and drop them.
  *upload_data_size = 0;
  return ex->QueueOrSuspend();
}

void HttpServer::Impl::Completed(void* cls, MHD_Connection*, void** con_cls,
                                 MHD_RequestTerminationCode) {
  auto* self = static_cast<Impl*>(cls);
  auto* holder = static_cast<std::shared_ptr<MhdExchange>*>(*con_cls);
  if (holder == nullptr) return;
  *con_cls = nullptr;
  std::shared_ptr<MhdExchange> ex = std::move(*holder);
  delete holder;
  ex->Closed();
  self->Untrack(ex.get());
}

absl::Status HttpServer::Impl::Start() {
  auto fail = [&](absl::string_view why) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve HTTP on ", options_.listen, ": ", why,
        "; set --http-listen to a free local HOST:PORT (empty: no HTTP)"));
  };
  const size_t colon = options_.listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return fail("not HOST:PORT");
  std::string host = options_.listen.substr(0, colon);
  const std::string port = options_.listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    return fail(gai_strerror(rc));
  }
  sockaddr_storage addr{};
  const bool v6 = found->ai_family == AF_INET6;
  memcpy(&addr, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);

  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                   MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
  if (v6) flags |= MHD_USE_IPv6;
  const unsigned timeout_s = static_cast<unsigned>(
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(
                               options_.idle_timeout, absl::Seconds(1)))));
  daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &Impl::Access, this,
      MHD_OPTION_EXTERNAL_LOGGER, &LogFromMhd, nullptr, MHD_OPTION_SOCK_ADDR,
      reinterpret_cast<sockaddr*>(&addr), MHD_OPTION_CONNECTION_LIMIT,
      options_.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, options_.max_request_bytes,
      MHD_OPTION_NOTIFY_COMPLETED, &Impl::Completed, this, MHD_OPTION_END);
  if (daemon_ == nullptr) {
    return fail(absl::StrCat(
        strerror(errno), " (is the port in use or the address not local?)"));
  }
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
  port_ = info == nullptr ? 0 : info->port;
  return absl::OkStatus();
}

void HttpServer::Impl::Stop(absl::Duration grace) {
  if (daemon_ == nullptr) return;
  std::vector<std::shared_ptr<MhdExchange>> waiting;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    waiting.assign(live_.begin(), live_.end());
  }
  const MHD_socket listen_fd = MHD_quiesce_daemon(daemon_);
  for (auto& ex : waiting) {
    ex->Respond({503,
                 "text/plain; charset=utf-8",
                 "the agent is shutting down\n",
                 {{"Connection", "close"}}});
  }
  waiting.clear();
  {
    std::unique_lock<std::mutex> lock(mu_);
    Notification::WaitFor(idle_, lock, grace, [&] { return live_.empty(); });
  }
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
  if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
  std::lock_guard<std::mutex> lock(mu_);
  live_.clear();
}

HttpServer::HttpServer(Options options, HttpHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(options), handler)) {}

HttpServer::~HttpServer() { impl_->Stop(absl::ZeroDuration()); }

absl::Status HttpServer::Start() { return impl_->Start(); }

int HttpServer::port() const { return impl_->port(); }

void HttpServer::Stop(absl::Duration grace) { impl_->Stop(grace); }

}  // namespace kafka_agent
