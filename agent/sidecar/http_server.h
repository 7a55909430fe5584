// The sidecar's plain HTTP/1.1 side port (--http-listen), on GNU
// libmicrohttpd: one event-loop thread, bounded connections, idle timeout and
// request-header size, and long polls (a request answered later, from another
// thread) without a thread per waiting client. What each path answers is the
// HttpHandler's business (http_routes.h); nothing outside http_server.cc sees
// libmicrohttpd.
#ifndef KAFKA_AGENT_SIDECAR_HTTP_SERVER_H_
#define KAFKA_AGENT_SIDECAR_HTTP_SERVER_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace kafka_agent {

struct HttpRequest {
  std::string method;  // "GET", "HEAD", ...
  std::string path;    // without the query
  // Decoded query arguments; the first of a repeated key. A key without
  // "=value" maps to "".
  std::map<std::string, std::string> query;
  std::string peer;  // "10.1.2.3:45678", for logs
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// One request being answered. Respond exactly once (later calls are
// ignored), from any thread, now or later.
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;
  virtual void Respond(HttpResponse response) = 0;
  // True once the client has closed its side or the connection is gone (so
  // a long wait can stop). Cheap: a poll(2) without waiting.
  virtual bool ClientGone() = 0;
};

// Answers requests; called on the server's thread, so it must not block:
// a slow answer keeps `exchange` and responds later.
class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual void Serve(const HttpRequest& request,
                     std::shared_ptr<HttpExchange> exchange) = 0;
};

class HttpServer {
 public:
  struct Options {
    std::string listen = "0.0.0.0:9401";  // HOST:PORT; port 0 picks one
    // Open connections at once, idle keep-alive and waiting ones included;
    // more wait in the kernel's accept queue.
    unsigned max_connections = 64;
    // A connection that sends nothing for this long is closed (slowloris).
    absl::Duration idle_timeout = absl::Seconds(10);
    // Memory per connection for the request line and headers: a longer
    // request line is refused with 414, longer headers with 431.
    size_t max_request_bytes = 16 * 1024;
  };

  HttpServer(Options options, HttpHandler& handler);
  ~HttpServer();  // Stop(0) if still running

  // Binds and starts the server's thread. Unavailable, naming the address,
  // when it cannot listen there.
  absl::Status Start();

  // The bound port (useful with port 0).
  int port() const;

  // Stops accepting, answers every request still waiting with 503, gives the
  // answers up to `grace` to go out, then closes every connection.
  void Stop(absl::Duration grace);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_SIDECAR_HTTP_SERVER_H_
