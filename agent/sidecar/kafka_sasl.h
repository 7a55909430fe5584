// The client side of the SASL mechanisms the wire client speaks inside
// Kafka's SaslAuthenticate requests: PLAIN (RFC 4616) and SCRAM-SHA-256 /
// SCRAM-SHA-512 (RFC 5802, RFC 7677; Kafka's KIP-84). Pure message building
// and checking (OpenSSL for the hashes); no I/O. Error messages never contain
// the password or values derived from it.
#ifndef KAFKA_AGENT_AGENT_SIDECAR_KAFKA_SASL_H_
#define KAFKA_AGENT_AGENT_SIDECAR_KAFKA_SASL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kafka_agent {
namespace wire {

// PLAIN: "\0<user>\0<password>" (no authorization id).
std::string PlainAuthBytes(absl::string_view user, absl::string_view password);

enum class ScramHash { kSha256, kSha512 };

// "SCRAM-SHA-256" / "SCRAM-SHA-512".
const char* ScramMechanismName(ScramHash hash);

// 24 random bytes from OpenSSL's CSPRNG, base64: a client nonce.
std::string NewScramNonce();

// One SCRAM exchange (two round trips):
//   client-first  -> server-first
//   client-final  -> server-final (checked: proves the server knew the key)
class ScramClient {
 public:
  ScramClient(ScramHash hash, std::string user, std::string password,
              std::string nonce);

  // "n,,n=<user>,r=<nonce>" (user with '=' and ',' escaped).
  std::string ClientFirst() const;

  // Checks server-first ("r=...,s=...,i=...": the nonce must extend ours,
  // 4096-16384 iterations, Kafka's bounds) and computes the proof.
  // Returns client-final "c=biws,r=<nonce>,p=<proof>".
  absl::StatusOr<std::string> ClientFinal(absl::string_view server_first);

  // Checks server-final: "v=<server signature>" must match, "e=<error>" is
  // the server's refusal.
  absl::Status VerifyServerFinal(absl::string_view server_final) const;

 private:
  ScramHash hash_;
  std::string user_;
  std::string password_;
  std::string nonce_;
  std::string auth_message_;
  std::string server_signature_;
};

}  // namespace wire
}  // namespace kafka_agent

#endif  // KAFKA_AGENT_AGENT_SIDECAR_KAFKA_SASL_H_
