#include "agent/sidecar/kafka_connection.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agent/sidecar/kafka_sasl.h"
#include "agent/base/status_macros.h"

namespace kafka_agent {
namespace wire {
namespace {

// Largest response frame accepted. Answers to the requests this client sends
// are kilobytes; a bigger size field means a confused peer (e.g. TLS bytes on
// a plaintext connection), not a real answer.
constexpr int32_t kMaxResponseBytes = 64 << 20;

// A SASL session is renewed this long before the broker would close it.
constexpr absl::Duration kReauthMargin = absl::Seconds(5);

std::string Errno(int err) { return std::strerror(err); }

// Milliseconds to `deadline` for poll(), rounded up, at least 0.
int PollTimeoutMs(absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))),
      3600 * 1000));
}

// Waits until `fd` is ready for `events` or the deadline passes.
absl::Status WaitFd(int fd, short events, absl::Time deadline,
                    absl::string_view what) {
  for (;;) {
    const int timeout = PollTimeoutMs(deadline);
    if (timeout == 0) {
      return absl::DeadlineExceededError(absl::StrCat("timed out ", what));
    }
    pollfd p{fd, events, 0};
    const int rc = poll(&p, 1, timeout);
    if (rc > 0) return absl::OkStatus();
    if (rc < 0 && errno != EINTR) {
      return absl::UnavailableError(
          absl::StrCat("poll failed ", what, ": ", Errno(errno)));
    }
  }
}

std::string OpenSslErrors() {
  std::vector<std::string> parts;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    parts.push_back(buf);
  }
  return parts.empty() ? "unknown OpenSSL error" : absl::StrJoin(parts, "; ");
}

bool ParseBool(absl::string_view v, bool* out) {
  const std::string s = absl::AsciiStrToLower(v);
  if (s == "true" || s == "1" || s == "t" || s == "yes") {
    *out = true;
    return true;
  }
  if (s == "false" || s == "0" || s == "f" || s == "no") {
    *out = false;
    return true;
  }
  return false;
}

bool IsSecretKey(absl::string_view key) {
  return key == "sasl.password" || key == "ssl.key.password" ||
         key == "ssl.key.pem";
}

// --- Name resolution with a deadline ----------------------------------------

struct SockAddr {
  sockaddr_storage storage{};
  socklen_t len = 0;
  std::string text;  // numeric address, for messages
};

std::vector<SockAddr> ToAddrs(addrinfo* res) {
  std::vector<SockAddr> out;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_socktype != SOCK_STREAM) continue;
    SockAddr a;
    std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
    a.len = ai->ai_addrlen;
    char host[NI_MAXHOST];
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), nullptr, 0,
                    NI_NUMERICHOST) == 0) {
      a.text = host;
    }
    out.push_back(a);
  }
  return out;
}

// getaddrinfo has no timeout, so a name that is not numeric is resolved on a
// helper thread; if the deadline passes first, the thread finishes on its own
// and frees the shared state.
absl::StatusOr<std::vector<SockAddr>> Resolve(const std::string& host, int port,
                                              absl::Time deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  const std::string service = std::to_string(port);
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &res) == 0) {
    std::vector<SockAddr> out = ToAddrs(res);
    freeaddrinfo(res);
    return out;
  }

  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    int rc = 0;
    std::vector<SockAddr> addrs;
  };
  auto state = std::make_shared<State>();
  std::thread([state, host, service] {
    addrinfo h{};
    h.ai_family = AF_UNSPEC;
    h.ai_socktype = SOCK_STREAM;
    h.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    addrinfo* r = nullptr;
    const int rc = getaddrinfo(host.c_str(), service.c_str(), &h, &r);
    std::vector<SockAddr> addrs;
    if (rc == 0) {
      addrs = ToAddrs(r);
      freeaddrinfo(r);
    }
    std::lock_guard<std::mutex> lock(state->mu);
    state->rc = rc;
    state->addrs = std::move(addrs);
    state->done = true;
    state->cv.notify_all();
  }).detach();

  std::unique_lock<std::mutex> lock(state->mu);
  const auto wait_for = absl::ToChronoNanoseconds(
      std::max(deadline - absl::Now(), absl::ZeroDuration()));
  if (!state->cv.wait_for(lock, wait_for, [&] { return state->done; })) {
    return absl::DeadlineExceededError(
        absl::StrCat("timed out resolving host name '", host, "'"));
  }
  if (state->rc != 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot resolve host name '", host, "': ", gai_strerror(state->rc)));
  }
  if (state->addrs.empty()) {
    return absl::UnavailableError(
        absl::StrCat("host name '", host, "' has no address"));
  }
  return std::move(state->addrs);
}

// A non-blocking TCP connection to one of `addrs`, tried in order.
absl::StatusOr<int> ConnectTcp(const std::vector<SockAddr>& addrs,
                               absl::Time deadline) {
  std::vector<std::string> errors;
  for (const SockAddr& a : addrs) {
    const int fd = socket(a.storage.ss_family,
                          SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      errors.push_back(absl::StrCat(a.text, ": socket: ", Errno(errno)));
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    int rc = connect(fd, reinterpret_cast<const sockaddr*>(&a.storage), a.len);
    if (rc != 0 && errno == EINPROGRESS) {
      absl::Status s = WaitFd(fd, POLLOUT, deadline, "connecting");
      if (!s.ok()) {
        close(fd);
        errors.push_back(absl::StrCat(a.text, ": ", s.message()));
        return absl::DeadlineExceededError(absl::StrJoin(errors, "; "));
      }
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        errno = err;
        rc = -1;
      } else {
        rc = 0;
      }
    }
    if (rc == 0) return fd;
    errors.push_back(absl::StrCat(a.text, ": ", Errno(errno)));
    close(fd);
  }
  return absl::UnavailableError(
      absl::StrCat("connect failed: ", absl::StrJoin(errors, "; ")));
}

// --- Transports
// ----------------------------------------------------------------

class Transport {
 public:
  virtual ~Transport() = default;
  virtual absl::Status WriteAll(absl::string_view data,
                                absl::Time deadline) = 0;
  virtual absl::Status ReadFull(char* buf, size_t n, absl::Time deadline) = 0;
};

class PlainTransport : public Transport {
 public:
  explicit PlainTransport(int fd) : fd_(fd) {}
  ~PlainTransport() override { close(fd_); }

  absl::Status WriteAll(absl::string_view data, absl::Time deadline) override {
    while (!data.empty()) {
      const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        KA_RETURN_IF_ERROR(WaitFd(fd_, POLLOUT, deadline, "sending"));
        continue;
      }
      return absl::UnavailableError(
          absl::StrCat("send failed: ", Errno(errno)));
    }
    return absl::OkStatus();
  }

  absl::Status ReadFull(char* buf, size_t n, absl::Time deadline) override {
    size_t got = 0;
    while (got < n) {
      const ssize_t r = recv(fd_, buf + got, n - got, 0);
      if (r > 0) {
        got += static_cast<size_t>(r);
        continue;
      }
      if (r == 0) {
        return absl::UnavailableError(
            "connection closed by the peer (if this listener uses TLS or "
            "SASL, set security.protocol to match it)");
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        KA_RETURN_IF_ERROR(
            WaitFd(fd_, POLLIN, deadline, "waiting for the response"));
        continue;
      }
      return absl::UnavailableError(
          absl::StrCat("recv failed: ", Errno(errno)));
    }
    return absl::OkStatus();
  }

 private:
  int fd_;
};

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE on a
// connection the peer closed; this BIO uses send(MSG_NOSIGNAL) instead, so
// a dying broker cannot kill the agent.
int NoSigpipeWrite(BIO* bio, const char* data, int len) {
  const int fd = static_cast<int>(BIO_get_fd(bio, nullptr));
  BIO_clear_retry_flags(bio);
  const ssize_t n = send(fd, data, static_cast<size_t>(len), MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    BIO_set_retry_write(bio);
  }
  return static_cast<int>(n);
}

const BIO_METHOD* NoSigpipeSocketMethod() {
  static const BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(
        BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
        "socket, no SIGPIPE");
    const BIO_METHOD* base = BIO_s_socket();
    BIO_meth_set_write(m, NoSigpipeWrite);
    BIO_meth_set_read(m, BIO_meth_get_read(base));
    BIO_meth_set_puts(m, BIO_meth_get_puts(base));
    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(base));
    BIO_meth_set_create(m, BIO_meth_get_create(base));
    BIO_meth_set_destroy(m, BIO_meth_get_destroy(base));
    return m;
  }();
  return method;
}

}  // namespace

// --- TLS context -------------------------------------------------------------

class TlsContext {
 public:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  ~TlsContext() { SSL_CTX_free(ctx_); }
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  SSL_CTX* get() const { return ctx_; }

 private:
  SSL_CTX* ctx_;
};

namespace {

// Reads every certificate in PEM text `pem`.
std::vector<X509*> ReadPemCerts(const std::string& pem) {
  std::vector<X509*> out;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    out.push_back(x);
  }
  ERR_clear_error();  // the read that ended the loop
  BIO_free(bio);
  return out;
}

int PasswordCallback(char* buf, int size, int, void* userdata) {
  const std::string* pw = static_cast<const std::string*>(userdata);
  if (pw == nullptr || static_cast<int>(pw->size()) > size) return 0;
  std::memcpy(buf, pw->data(), pw->size());
  return static_cast<int>(pw->size());
}

absl::Status LoadTls(SSL_CTX* ctx, const SecurityConfig& c) {
  // CA: explicit file/dir and/or PEM text; otherwise the system's defaults.
  if (!c.ca_location.empty() && c.ca_location != "probe") {
    const bool is_dir = access((c.ca_location + "/.").c_str(), F_OK) == 0;
    const int ok = is_dir ? SSL_CTX_load_verify_locations(ctx, nullptr,
                                                          c.ca_location.c_str())
                          : SSL_CTX_load_verify_locations(
                                ctx, c.ca_location.c_str(), nullptr);
    if (ok != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("ssl.ca.location=", c.ca_location,
                       ": cannot load CA certificates: ", OpenSslErrors()));
    }
  }
  if (!c.ca_pem.empty()) {
    std::vector<X509*> certs = ReadPemCerts(c.ca_pem);
    if (certs.empty()) {
      return absl::InvalidArgumentError("ssl.ca.pem holds no PEM certificate");
    }
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (X509* x : certs) {
      X509_STORE_add_cert(store, x);
      X509_free(x);
    }
  }
  if ((c.ca_location.empty() || c.ca_location == "probe") && c.ca_pem.empty()) {
    SSL_CTX_set_default_verify_paths(ctx);
  }

  // Client certificate (mutual TLS).
  if (!c.certificate_location.empty()) {
    if (SSL_CTX_use_certificate_chain_file(
            ctx, c.certificate_location.c_str()) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("ssl.certificate.location=", c.certificate_location,
                       ": cannot load the certificate: ", OpenSslErrors()));
    }
  } else if (!c.certificate_pem.empty()) {
    std::vector<X509*> certs = ReadPemCerts(c.certificate_pem);
    if (certs.empty()) {
      return absl::InvalidArgumentError(
          "ssl.certificate.pem holds no PEM certificate");
    }
    SSL_CTX_use_certificate(ctx, certs[0]);
    X509_free(certs[0]);
    for (size_t i = 1; i < certs.size(); ++i) {
      SSL_CTX_add0_chain_cert(ctx, certs[i]);  // takes ownership
    }
  }
  if (!c.key_location.empty() || !c.key_pem.empty()) {
    EVP_PKEY* key = nullptr;
    if (!c.key_location.empty()) {
      BIO* bio = BIO_new_file(c.key_location.c_str(), "r");
      if (bio == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("ssl.key.location=", c.key_location,
                         ": cannot open: ", OpenSslErrors()));
      }
      key = PEM_read_bio_PrivateKey(bio, nullptr, PasswordCallback,
                                    const_cast<std::string*>(&c.key_password));
      BIO_free(bio);
    } else {
      BIO* bio =
          BIO_new_mem_buf(c.key_pem.data(), static_cast<int>(c.key_pem.size()));
      key = PEM_read_bio_PrivateKey(bio, nullptr, PasswordCallback,
                                    const_cast<std::string*>(&c.key_password));
      BIO_free(bio);
    }
    if (key == nullptr) {
      ERR_clear_error();  // may quote key material: not shown
      return absl::InvalidArgumentError(absl::StrCat(
          c.key_location.empty() ? "ssl.key.pem"
                                 : "ssl.key.location=" + c.key_location,
          ": cannot read the private key (not PEM, or encrypted and "
          "ssl.key.password is missing or wrong)"));
    }
    const int ok = SSL_CTX_use_PrivateKey(ctx, key);
    EVP_PKEY_free(key);
    if (ok != 1 || SSL_CTX_check_private_key(ctx) != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError(
          "the client private key does not match the client certificate "
          "(ssl.key.* vs ssl.certificate.*)");
    }
  }
  SSL_CTX_set_verify(
      ctx, c.verify_certificate ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  return absl::OkStatus();
}

// TLS alerts a server sends when it does not accept the client certificate
// (none sent, unknown CA, expired, ...). With TLS 1.3 they arrive after the
// handshake, on the first read.
bool IsClientCertificateAlert(unsigned long err) {
  switch (ERR_GET_REASON(err)) {
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      return true;
  }
  return false;
}

class TlsTransport : public Transport {
 public:
  TlsTransport(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~TlsTransport() override {
    SSL_free(ssl_);  // frees the BIO too
    close(fd_);
  }

  // Runs `op` (an SSL_* call) until it completes, waiting on the socket as
  // OpenSSL asks, up to the deadline. Returns op's positive result.
  template <typename Op>
  absl::StatusOr<int> Drive(Op op, absl::Time deadline,
                            absl::string_view what) {
    for (;;) {
      ERR_clear_error();
      const int rc = op();
      if (rc > 0) return rc;
      const int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ) {
        KA_RETURN_IF_ERROR(WaitFd(fd_, POLLIN, deadline, what));
      } else if (err == SSL_ERROR_WANT_WRITE) {
        KA_RETURN_IF_ERROR(WaitFd(fd_, POLLOUT, deadline, what));
      } else if (err == SSL_ERROR_ZERO_RETURN ||
                 (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
        return absl::UnavailableError(
            absl::StrCat("connection closed by the peer ", what));
      } else if (IsClientCertificateAlert(ERR_peek_error())) {
        return absl::UnauthenticatedError(absl::StrCat(
            "the server refused this client's certificate ", what, " (",
            OpenSslErrors(),
            "): check ssl.certificate.location / ssl.key.location and that "
            "the listener trusts their CA"));
      } else {
        return absl::UnavailableError(
            absl::StrCat("TLS error ", what, ": ", OpenSslErrors()));
      }
    }
  }

  absl::Status Handshake(absl::Time deadline) {
    absl::StatusOr<int> rc = Drive([&] { return SSL_connect(ssl_); }, deadline,
                                   "in the TLS handshake");
    if (rc.ok()) return absl::OkStatus();
    const long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK) {
      return absl::UnauthenticatedError(absl::StrCat(
          "TLS handshake failed: server certificate verify failed: ",
          X509_verify_cert_error_string(verify)));
    }
    return absl::Status(
        rc.status().code(),
        absl::StrCat("TLS handshake failed: ", rc.status().message()));
  }

  absl::Status WriteAll(absl::string_view data, absl::Time deadline) override {
    while (!data.empty()) {
      const int chunk =
          static_cast<int>(std::min<size_t>(data.size(), 1 << 20));
      KA_ASSIGN_OR_RETURN(
          int n, Drive([&] { return SSL_write(ssl_, data.data(), chunk); },
                       deadline, "sending"));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  absl::Status ReadFull(char* buf, size_t n, absl::Time deadline) override {
    size_t got = 0;
    while (got < n) {
      const int chunk = static_cast<int>(std::min<size_t>(n - got, 1 << 20));
      KA_ASSIGN_OR_RETURN(
          int r, Drive([&] { return SSL_read(ssl_, buf + got, chunk); },
                       deadline, "waiting for the response"));
      got += static_cast<size_t>(r);
    }
    return absl::OkStatus();
  }

 private:
  int fd_;
  SSL* ssl_;
};

bool IsIpLiteral(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

absl::StatusOr<std::unique_ptr<Transport>> StartTls(int fd,
                                                    const std::string& host,
                                                    const SecurityConfig& sec,
                                                    TlsContext* tls,
                                                    absl::Time deadline) {
  SSL* ssl = SSL_new(tls->get());
  if (ssl == nullptr) {
    close(fd);
    return absl::InternalError(absl::StrCat("SSL_new: ", OpenSslErrors()));
  }
  BIO* bio = BIO_new(NoSigpipeSocketMethod());
  BIO_set_fd(bio, fd, BIO_NOCLOSE);
  SSL_set_bio(ssl, bio, bio);
  auto transport = std::make_unique<TlsTransport>(fd, ssl);  // owns fd, ssl
  const bool ip = IsIpLiteral(host);
  if (!ip) SSL_set_tlsext_host_name(ssl, host.c_str());
  if (sec.verify_certificate && sec.verify_hostname) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                      : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    if (ok != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot set up hostname verification for '", host, "'"));
    }
  }
  KA_RETURN_IF_ERROR(transport->Handshake(deadline));
  return std::unique_ptr<Transport>(std::move(transport));
}

// --- The connection
// ------------------------------------------------------------

class Connection : public KafkaConnection {
 public:
  Connection(std::string address, std::string client_id, std::string username,
             std::unique_ptr<Transport> transport)
      : address_(std::move(address)),
        client_id_(std::move(client_id)),
        username_(std::move(username)),
        transport_(std::move(transport)) {}

  absl::StatusOr<std::string> Call(int16_t api_key, int16_t version,
                                   absl::string_view body,
                                   absl::Time deadline) override {
    absl::StatusOr<std::string> r = CallInner(api_key, version, body, deadline);
    if (!r.ok()) {
      broken_ = true;
      return absl::Status(
          r.status().code(),
          absl::StrCat(ApiKeyName(api_key), " v", version, " to ", address_,
                       ": ", r.status().message()));
    }
    return r;
  }

  const ApiVersionsResponse& api_versions() const override { return versions_; }
  int16_t api_versions_version() const override { return versions_version_; }
  const std::string& address() const override { return address_; }
  bool broken(absl::Time now) const override {
    return broken_ || now >= session_end_;
  }

  // ApiVersions, newest version first; on UNSUPPORTED_VERSION the version the
  // broker names for ApiVersions itself (or 0), as Kafka's clients do.
  absl::Status NegotiateVersions(const std::string& software_version,
                                 absl::Time deadline) {
    int16_t version = ClientVersions(kApiVersions).max;
    for (int attempt = 0; attempt < 2; ++attempt) {
      KA_ASSIGN_OR_RETURN(std::string body,
                          Call(kApiVersions, version,
                               EncodeApiVersionsRequest(version, "kafka-agent",
                                                        software_version),
                               deadline));
      absl::StatusOr<ApiVersionsResponse> resp =
          DecodeApiVersionsResponse(version, body);
      if (!resp.ok()) {
        return absl::Status(
            resp.status().code(),
            absl::StrCat("ApiVersions v", version, " from ", address_, ": ",
                         resp.status().message()));
      }
      if (resp->error_code == kUnsupportedVersion && attempt == 0) {
        int16_t next = 0;
        auto it = resp->api_keys.find(kApiVersions);
        if (it != resp->api_keys.end()) {
          next = std::min(it->second.max, version);
        }
        if (next >= version) next = 0;
        version = next;
        continue;
      }
      if (resp->error_code != kNone) {
        return absl::UnavailableError(
            absl::StrCat("ApiVersions v", version, " from ", address_,
                         ": Kafka error ", ErrorName(resp->error_code)));
      }
      versions_ = *std::move(resp);
      versions_version_ = version;
      return absl::OkStatus();
    }
    return absl::UnimplementedError(absl::StrCat(
        address_, " refuses every ApiVersions version this client sends"));
  }

  absl::Status Authenticate(const SecurityConfig& sec, absl::Time deadline) {
    const char* mech = SaslMechanismName(sec.mechanism);
    if (!versions_.api_keys.count(kSaslHandshake) ||
        !NegotiateVersion(versions_.api_keys, kSaslHandshake)) {
      return absl::UnimplementedError(
          absl::StrCat(address_,
                       " does not offer SaslHandshake v1: is this listener "
                       "really SASL (security.protocol=",
                       SecurityProtocolName(sec.protocol), ")?"));
    }
    KA_ASSIGN_OR_RETURN(
        std::string hs_body,
        Call(kSaslHandshake, 1, EncodeSaslHandshakeRequest(1, mech), deadline));
    KA_ASSIGN_OR_RETURN(SaslHandshakeResponse hs,
                        WithAddress(DecodeSaslHandshakeResponse(1, hs_body)));
    if (hs.error_code != kNone) {
      return absl::UnauthenticatedError(absl::StrCat(
          "SASL handshake with ", address_, ": ", ErrorName(hs.error_code),
          ": mechanism ", mech, " is not enabled; the listener offers [",
          absl::StrJoin(hs.mechanisms, ", "), "]"));
    }
    std::optional<int16_t> v =
        NegotiateVersion(versions_.api_keys, kSaslAuthenticate);
    if (!v) {
      return absl::UnimplementedError(
          absl::StrCat(address_, " does not support SaslAuthenticate v0-2"));
    }
    auth_version_ = *v;
    if (sec.mechanism == SaslMechanism::kPlain) {
      KA_ASSIGN_OR_RETURN(SaslAuthenticateResponse r,
                          AuthRound(PlainAuthBytes(sec.username, sec.password),
                                    mech, deadline));
      (void)r;
      return absl::OkStatus();
    }
    ScramClient scram(sec.mechanism == SaslMechanism::kScramSha256
                          ? ScramHash::kSha256
                          : ScramHash::kSha512,
                      sec.username, sec.password, NewScramNonce());
    KA_ASSIGN_OR_RETURN(SaslAuthenticateResponse first,
                        AuthRound(scram.ClientFirst(), mech, deadline));
    absl::StatusOr<std::string> final_msg = scram.ClientFinal(first.auth_bytes);
    if (!final_msg.ok()) return AuthError(mech, final_msg.status());
    KA_ASSIGN_OR_RETURN(SaslAuthenticateResponse last,
                        AuthRound(*final_msg, mech, deadline));
    absl::Status verified = scram.VerifyServerFinal(last.auth_bytes);
    if (!verified.ok()) return AuthError(mech, verified);
    return absl::OkStatus();
  }

 private:
  template <typename T>
  absl::StatusOr<T> WithAddress(absl::StatusOr<T> r) {
    if (r.ok()) return r;
    broken_ = true;
    return absl::Status(r.status().code(),
                        absl::StrCat(address_, ": ", r.status().message()));
  }

  absl::Status AuthError(const char* mech, const absl::Status& s) {
    broken_ = true;
    return absl::Status(s.code(), absl::StrCat("SASL ", mech, " with ",
                                               address_, ": ", s.message()));
  }

  absl::StatusOr<SaslAuthenticateResponse> AuthRound(const std::string& bytes,
                                                     const char* mech,
                                                     absl::Time deadline) {
    KA_ASSIGN_OR_RETURN(
        std::string body,
        Call(kSaslAuthenticate, auth_version_,
             EncodeSaslAuthenticateRequest(auth_version_, bytes), deadline));
    KA_ASSIGN_OR_RETURN(
        SaslAuthenticateResponse r,
        WithAddress(DecodeSaslAuthenticateResponse(auth_version_, body)));
    if (r.error_code != kNone) {
      broken_ = true;
      return absl::UnauthenticatedError(absl::StrCat(
          "SASL ", mech, " authentication as '", username_, "' to ", address_,
          " failed: ", ErrorName(r.error_code),
          r.error_message ? absl::StrCat(": ", *r.error_message) : ""));
    }
    if (r.session_lifetime_ms > 0) {
      session_end_ = absl::Now() + absl::Milliseconds(r.session_lifetime_ms) -
                     kReauthMargin;
    }
    return r;
  }

  absl::StatusOr<std::string> CallInner(int16_t api_key, int16_t version,
                                        absl::string_view body,
                                        absl::Time deadline) {
    if (broken_) {
      return absl::FailedPreconditionError("connection already failed");
    }
    const int32_t correlation_id = next_correlation_id_++;
    KA_RETURN_IF_ERROR(transport_->WriteAll(
        EncodeRequestFrame(api_key, version, correlation_id, client_id_, body),
        deadline));
    char size_buf[4];
    KA_RETURN_IF_ERROR(transport_->ReadFull(size_buf, 4, deadline));
    Reader size_reader(absl::string_view(size_buf, 4));
    const int32_t size = size_reader.Int32("response size");
    if (size < 4 || size > kMaxResponseBytes) {
      return absl::DataLossError(absl::StrCat(
          "response frame of ", size,
          " bytes is not plausible (a TLS or SASL listener spoken to as "
          "plaintext?)"));
    }
    std::string payload(static_cast<size_t>(size), '\0');
    KA_RETURN_IF_ERROR(
        transport_->ReadFull(payload.data(), payload.size(), deadline));
    KA_ASSIGN_OR_RETURN(
        absl::string_view resp_body,
        StripResponseHeader(api_key, version, correlation_id, payload));
    return std::string(resp_body);
  }

  std::string address_;
  std::string client_id_;
  std::string username_;  // for messages; never the password
  std::unique_ptr<Transport> transport_;
  ApiVersionsResponse versions_;
  int16_t versions_version_ = 0;
  int16_t auth_version_ = 0;
  int32_t next_correlation_id_ = 1;
  bool broken_ = false;
  absl::Time session_end_ = absl::InfiniteFuture();
};

}  // namespace

// --- Settings ----------------------------------------------------------------

const char* SecurityProtocolName(SecurityProtocol p) {
  switch (p) {
    case SecurityProtocol::kPlaintext:
      return "PLAINTEXT";
    case SecurityProtocol::kSsl:
      return "SSL";
    case SecurityProtocol::kSaslPlaintext:
      return "SASL_PLAINTEXT";
    case SecurityProtocol::kSaslSsl:
      return "SASL_SSL";
  }
  return "?";
}

const char* SaslMechanismName(SaslMechanism m) {
  switch (m) {
    case SaslMechanism::kPlain:
      return "PLAIN";
    case SaslMechanism::kScramSha256:
      return "SCRAM-SHA-256";
    case SaslMechanism::kScramSha512:
      return "SCRAM-SHA-512";
  }
  return "?";
}

std::string SupportedSecuritySettings() {
  return "security.protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL), "
         "ssl.ca.location, ssl.ca.pem, ssl.certificate.location, "
         "ssl.certificate.pem, ssl.key.location, ssl.key.pem, "
         "ssl.key.password, enable.ssl.certificate.verification, "
         "ssl.endpoint.identification.algorithm (https, none), "
         "sasl.mechanism / sasl.mechanisms (PLAIN, SCRAM-SHA-256, "
         "SCRAM-SHA-512), sasl.username, sasl.password";
}

absl::StatusOr<SecurityConfig> ParseSecurityConfig(const WireProps& props) {
  SecurityConfig c;
  bool have_mechanism = false;
  bool have_username = false, have_password = false;
  for (const auto& [raw_key, value] : props) {
    const std::string key = absl::AsciiStrToLower(raw_key);
    const std::string shown = IsSecretKey(key) ? "<redacted>" : value;
    auto bad_value = [&](absl::string_view allowed) {
      return absl::InvalidArgumentError(absl::StrCat(
          "client property ", raw_key, "=", shown,
          " is not supported by the Kafka wire client; use ", allowed));
    };
    if (key == "security.protocol") {
      const std::string v = absl::AsciiStrToUpper(value);
      if (v == "PLAINTEXT") {
        c.protocol = SecurityProtocol::kPlaintext;
      } else if (v == "SSL") {
        c.protocol = SecurityProtocol::kSsl;
      } else if (v == "SASL_PLAINTEXT") {
        c.protocol = SecurityProtocol::kSaslPlaintext;
      } else if (v == "SASL_SSL") {
        c.protocol = SecurityProtocol::kSaslSsl;
      } else {
        return bad_value("PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
      }
    } else if (key == "ssl.ca.location") {
      c.ca_location = value;
    } else if (key == "ssl.ca.pem") {
      c.ca_pem = value;
    } else if (key == "ssl.certificate.location") {
      c.certificate_location = value;
    } else if (key == "ssl.certificate.pem") {
      c.certificate_pem = value;
    } else if (key == "ssl.key.location") {
      c.key_location = value;
    } else if (key == "ssl.key.pem") {
      c.key_pem = value;
    } else if (key == "ssl.key.password") {
      c.key_password = value;
    } else if (key == "enable.ssl.certificate.verification") {
      if (!ParseBool(value, &c.verify_certificate)) {
        return bad_value("true or false");
      }
    } else if (key == "ssl.endpoint.identification.algorithm") {
      const std::string v = absl::AsciiStrToLower(value);
      if (v == "https") {
        c.verify_hostname = true;
      } else if (v == "none" || v.empty()) {
        c.verify_hostname = false;
      } else {
        return bad_value("https or none");
      }
    } else if (key == "sasl.mechanism" || key == "sasl.mechanisms") {
      const std::string v = absl::AsciiStrToUpper(value);
      have_mechanism = true;
      if (v == "PLAIN") {
        c.mechanism = SaslMechanism::kPlain;
      } else if (v == "SCRAM-SHA-256") {
        c.mechanism = SaslMechanism::kScramSha256;
      } else if (v == "SCRAM-SHA-512") {
        c.mechanism = SaslMechanism::kScramSha512;
      } else {
        return bad_value(
            "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (GSSAPI and "
            "OAUTHBEARER are not implemented)");
      }
    } else if (key == "sasl.username") {
      c.username = value;
      have_username = true;
    } else if (key == "sasl.password") {
      c.password = value;
      have_password = true;
    } else if (absl::StartsWith(key, "ssl.") ||
               absl::StartsWith(key, "sasl.") ||
               absl::StartsWith(key, "security.") ||
               absl::StartsWith(key, "enable.ssl.")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "client property ", raw_key,
          " is not supported by the Kafka wire client (used for the KRaft "
          "quorum and cluster views); supported security settings: ",
          SupportedSecuritySettings()));
    }
    // Anything else (client.rack, socket.*, ...) does not concern security
    // and is left to librdkafka.
  }
  if (c.sasl()) {
    if (!have_mechanism) {
      return absl::InvalidArgumentError(absl::StrCat(
          "security.protocol=", SecurityProtocolName(c.protocol),
          " needs sasl.mechanism (librdkafka's default GSSAPI is not "
          "supported by the Kafka wire client): PLAIN, SCRAM-SHA-256 or "
          "SCRAM-SHA-512"));
    }
    if (!have_username || !have_password) {
      return absl::InvalidArgumentError(
          absl::StrCat("sasl.mechanism=", SaslMechanismName(c.mechanism),
                       " needs sasl.username and sasl.password"));
    }
  }
  return c;
}

absl::StatusOr<std::shared_ptr<TlsContext>> NewTlsContext(
    const SecurityConfig& config) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    return absl::InternalError(absl::StrCat("SSL_CTX_new: ", OpenSslErrors()));
  }
  auto tls = std::make_shared<TlsContext>(ctx);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
  KA_RETURN_IF_ERROR(LoadTls(ctx, config));
  return tls;
}

absl::StatusOr<std::pair<std::string, int>> ParseHostPort(
    absl::string_view address) {
  std::string host;
  absl::string_view port_text;
  if (absl::StartsWith(address, "[")) {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return absl::InvalidArgumentError(
          absl::StrCat("address '", address, "' is not [IPv6]:port"));
    }
    host = std::string(address.substr(1, close - 1));
    port_text = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos || colon == 0 ||
        address.find(':') != colon) {
      return absl::InvalidArgumentError(
          absl::StrCat("address '", address, "' is not host:port"));
    }
    host = std::string(address.substr(0, colon));
    port_text = address.substr(colon + 1);
  }
  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("address '", address, "' has no valid port (1-65535)"));
  }
  return std::make_pair(host, port);
}

absl::StatusOr<std::unique_ptr<KafkaConnection>> Connect(
    const ConnectOptions& options, absl::Time deadline) {
  auto prefixed = [&](const absl::Status& s) {
    return absl::Status(s.code(),
                        absl::StrCat(options.address, ": ", s.message()));
  };
  KA_ASSIGN_OR_RETURN(auto host_port, ParseHostPort(options.address));
  const std::string& host = host_port.first;
  absl::StatusOr<std::vector<SockAddr>> addrs =
      Resolve(host, host_port.second, deadline);
  if (!addrs.ok()) return prefixed(addrs.status());
  absl::StatusOr<int> fd = ConnectTcp(*addrs, deadline);
  if (!fd.ok()) return prefixed(fd.status());

  std::unique_ptr<Transport> transport;
  if (options.security.tls()) {
    if (options.tls == nullptr) {
      close(*fd);
      return absl::FailedPreconditionError(
          "TLS requested without a TlsContext");
    }
    absl::StatusOr<std::unique_ptr<Transport>> t =
        StartTls(*fd, host, options.security, options.tls.get(), deadline);
    if (!t.ok()) return prefixed(t.status());
    transport = *std::move(t);
  } else {
    transport = std::make_unique<PlainTransport>(*fd);
  }
  auto conn = std::make_unique<Connection>(options.address, options.client_id,
                                           options.security.username,
                                           std::move(transport));
  KA_RETURN_IF_ERROR(
      conn->NegotiateVersions(options.software_version, deadline));
  if (options.security.sasl()) {
    KA_RETURN_IF_ERROR(conn->Authenticate(options.security, deadline));
  }
  return std::unique_ptr<KafkaConnection>(std::move(conn));
}

}  // namespace wire
}  // namespace kafka_agent
