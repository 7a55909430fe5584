// One connection to one Kafka node (broker or KRaft controller listener):
// TCP, optionally TLS (OpenSSL 3), version negotiation with ApiVersions, and
// optionally SASL (PLAIN, SCRAM-SHA-256/512), then request/response calls.
// Every step takes a deadline and never blocks past it (name resolution
// included). Errors are absl::Status naming the address and what failed;
// no secret ever appears in one.
//
// Security settings come from the librdkafka property names the agent
// already accepts with --kafka-prop, so one set of properties configures both
// clients.
#ifndef KAFKA_AGENT_AGENT_SIDECAR_KAFKA_CONNECTION_H_
#define KAFKA_AGENT_AGENT_SIDECAR_KAFKA_CONNECTION_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/sidecar/kafka_protocol.h"

namespace kafka_agent {
namespace wire {

// librdkafka-style client properties, key=value, in order (later wins).
using WireProps = std::vector<std::pair<std::string, std::string>>;

enum class SecurityProtocol { kPlaintext, kSsl, kSaslPlaintext, kSaslSsl };
enum class SaslMechanism { kPlain, kScramSha256, kScramSha512 };

// "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL".
const char* SecurityProtocolName(SecurityProtocol p);
// "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512".
const char* SaslMechanismName(SaslMechanism m);

struct SecurityConfig {
  SecurityProtocol protocol = SecurityProtocol::kPlaintext;

  // TLS (SSL, SASL_SSL).
  std::string ca_location;           // ssl.ca.location: PEM file or directory
  std::string ca_pem;                // ssl.ca.pem
  std::string certificate_location;  // ssl.certificate.location (chain)
  std::string certificate_pem;       // ssl.certificate.pem
  std::string key_location;          // ssl.key.location
  std::string key_pem;               // ssl.key.pem
  std::string key_password;          // ssl.key.password
  bool verify_certificate = true;    // enable.ssl.certificate.verification
  bool verify_hostname = true;  // ssl.endpoint.identification.algorithm=https

  // SASL (SASL_PLAINTEXT, SASL_SSL).
  SaslMechanism mechanism = SaslMechanism::kPlain;
  std::string username;
  std::string password;

  bool tls() const {
    return protocol == SecurityProtocol::kSsl ||
           protocol == SecurityProtocol::kSaslSsl;
  }
  bool sasl() const {
    return protocol == SecurityProtocol::kSaslPlaintext ||
           protocol == SecurityProtocol::kSaslSsl;
  }
};

// The security settings in `props`. Keys outside security (client.rack,
// socket.*, ...) are ignored; a security key (security.*, ssl.*, sasl.*,
// enable.ssl.*) this client does not implement, or an unsupported value, is
// InvalidArgument naming the key and listing what is supported. Values of
// secret keys are never echoed.
absl::StatusOr<SecurityConfig> ParseSecurityConfig(const WireProps& props);

// What ParseSecurityConfig accepts, for messages and docs.
std::string SupportedSecuritySettings();

// A loaded TLS configuration (CA, client certificate and key), shared by the
// connections of one client. Loading fails early, at client creation, with
// InvalidArgument naming the file that could not be used.
class TlsContext;
absl::StatusOr<std::shared_ptr<TlsContext>> NewTlsContext(
    const SecurityConfig& config);

// "host:port", "[v6addr]:port" -> host and port, or InvalidArgument.
absl::StatusOr<std::pair<std::string, int>> ParseHostPort(
    absl::string_view address);

class KafkaConnection {
 public:
  virtual ~KafkaConnection() = default;

  // Sends one request (`body` encoded for `version`) and returns the
  // response body (after the response header, correlation id checked).
  // After an error the connection is broken() and must be dropped.
  virtual absl::StatusOr<std::string> Call(int16_t api_key, int16_t version,
                                           absl::string_view body,
                                           absl::Time deadline) = 0;

  // The ApiVersions answer of the node (what it supports).
  virtual const ApiVersionsResponse& api_versions() const = 0;
  // The ApiVersions version that worked.
  virtual int16_t api_versions_version() const = 0;
  // "host:port" as given.
  virtual const std::string& address() const = 0;
  // True after an I/O or protocol error, or once the SASL session has
  // expired (the broker would close it).
  virtual bool broken(absl::Time now) const = 0;
};

struct ConnectOptions {
  std::string address;  // host:port
  std::string client_id = "kafka-agent";
  std::string software_version = "0";  // ApiVersions ClientSoftwareVersion
  SecurityConfig security;
  std::shared_ptr<TlsContext> tls;  // required when security.tls()
};

// Connects, negotiates versions and authenticates, all before `deadline`.
absl::StatusOr<std::unique_ptr<KafkaConnection>> Connect(
    const ConnectOptions& options, absl::Time deadline);

}  // namespace wire
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_AGENT_SIDECAR_KAFKA_CONNECTION_H_
