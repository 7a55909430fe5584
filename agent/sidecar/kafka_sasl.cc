#include "agent/sidecar/kafka_sasl.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace kafka_agent {
namespace wire {
namespace {

// Kafka's ScramMechanism.minIterations() / maxIterations() for both hashes
// (kafka-clients 4.4.0): a broker never stores credentials outside these.
constexpr int kMinIterations = 4096;
constexpr int kMaxIterations = 16384;

const EVP_MD* Md(ScramHash hash) {
  return hash == ScramHash::kSha256 ? EVP_sha256() : EVP_sha512();
}

std::string Hmac(ScramHash hash, absl::string_view key,
                 absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(Md(hash), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Digest(ScramHash hash, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, Md(hash), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

// RFC 5802 "saslname": ',' and '=' escaped.
std::string SaslName(absl::string_view user) {
  std::string out;
  for (char c : user) {
    if (c == '=') {
      out += "=3D";
    } else if (c == ',') {
      out += "=2C";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string PlainAuthBytes(absl::string_view user, absl::string_view password) {
  std::string out;
  out.push_back('\0');
  out.append(user.data(), user.size());
  out.push_back('\0');
  out.append(password.data(), password.size());
  return out;
}

const char* ScramMechanismName(ScramHash hash) {
  return hash == ScramHash::kSha256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
}

std::string NewScramNonce() {
  unsigned char buf[24];
  if (RAND_bytes(buf, sizeof(buf)) != 1) {
    // OpenSSL's CSPRNG failing is not recoverable here; a fixed nonce would
    // be a security bug, so fail loudly instead.
    std::abort();
  }
  return absl::Base64Escape(
      absl::string_view(reinterpret_cast<char*>(buf), sizeof(buf)));
}

ScramClient::ScramClient(ScramHash hash, std::string user, std::string password,
                         std::string nonce)
    : hash_(hash),
      user_(std::move(user)),
      password_(std::move(password)),
      nonce_(std::move(nonce)) {}

std::string ScramClient::ClientFirst() const {
  return absl::StrCat("n,,n=", SaslName(user_), ",r=", nonce_);
}

absl::StatusOr<std::string> ScramClient::ClientFinal(
    absl::string_view server_first) {
  std::string server_nonce, salt_b64;
  int iterations = 0;
  bool have_i = false;
  for (absl::string_view attr : absl::StrSplit(server_first, ',')) {
    if (attr.size() < 2 || attr[1] != '=') continue;
    absl::string_view value = attr.substr(2);
    switch (attr[0]) {
      case 'r':
        server_nonce = std::string(value);
        break;
      case 's':
        salt_b64 = std::string(value);
        break;
      case 'i':
        have_i = absl::SimpleAtoi(value, &iterations);
        break;
      case 'e':
        return absl::UnauthenticatedError(
            absl::StrCat("SCRAM server-first message is an error: ", value));
      case 'm':
        return absl::UnimplementedError(
            "SCRAM server-first message has a mandatory extension");
    }
  }
  if (server_nonce.empty() || salt_b64.empty() || !have_i) {
    return absl::InvalidArgumentError(
        "malformed SCRAM server-first message (needs r=, s= and i=)");
  }
  if (server_nonce.size() <= nonce_.size() ||
      server_nonce.compare(0, nonce_.size(), nonce_) != 0) {
    return absl::InvalidArgumentError(
        "SCRAM server nonce does not extend the client nonce");
  }
  if (iterations < kMinIterations || iterations > kMaxIterations) {
    return absl::InvalidArgumentError(
        absl::StrCat("SCRAM iteration count ", iterations, " is outside [",
                     kMinIterations, ", ", kMaxIterations, "]"));
  }
  std::string salt;
  if (!absl::Base64Unescape(salt_b64, &salt) || salt.empty()) {
    return absl::InvalidArgumentError("SCRAM salt is not valid base64");
  }

  const int hash_len = EVP_MD_get_size(Md(hash_));
  std::string salted(hash_len, '\0');
  if (PKCS5_PBKDF2_HMAC(password_.data(), static_cast<int>(password_.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, Md(hash_),
                        hash_len,
                        reinterpret_cast<unsigned char*>(salted.data())) != 1) {
    return absl::InternalError("PBKDF2 failed in OpenSSL");
  }
  const std::string client_key = Hmac(hash_, salted, "Client Key");
  const std::string stored_key = Digest(hash_, client_key);
  const std::string without_proof = absl::StrCat("c=biws,r=", server_nonce);
  auth_message_ = absl::StrCat("n=", SaslName(user_), ",r=", nonce_, ",",
                               server_first, ",", without_proof);
  const std::string client_signature = Hmac(hash_, stored_key, auth_message_);
  std::string proof = client_key;
  for (size_t i = 0; i < proof.size(); ++i) proof[i] ^= client_signature[i];
  const std::string server_key = Hmac(hash_, salted, "Server Key");
  server_signature_ = Hmac(hash_, server_key, auth_message_);
  return absl::StrCat(without_proof, ",p=", absl::Base64Escape(proof));
}

absl::Status ScramClient::VerifyServerFinal(
    absl::string_view server_final) const {
  if (server_final.substr(0, 2) == "e=") {
    return absl::UnauthenticatedError(
        absl::StrCat("SCRAM authentication refused by the server: ",
                     server_final.substr(2)));
  }
  if (server_final.substr(0, 2) != "v=") {
    return absl::InvalidArgumentError("malformed SCRAM server-final message");
  }
  absl::string_view value = server_final.substr(2);
  value = value.substr(0, value.find(','));
  std::string signature;
  if (server_signature_.empty() || !absl::Base64Unescape(value, &signature) ||
      signature != server_signature_) {
    return absl::UnauthenticatedError(
        "SCRAM server signature does not match: the server does not know "
        "this user's credentials (or the answer was tampered with)");
  }
  return absl::OkStatus();
}

}  // namespace wire
}  // namespace kafka_agent
