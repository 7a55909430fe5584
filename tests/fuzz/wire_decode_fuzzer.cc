// libFuzzer target over everything the wire client parses that a peer
// controls: every response decoder at every version, the response header,
// and the SCRAM server-first/server-final parsers. The first input byte
// picks the decoder; the rest is the body. A decoder may return an error for
// any input, but must never crash, hang, read out of bounds or allocate
// without bound (ASan/UBSan enforce the first ones, -rss_limit_mb the last).
//
// Build: cmake -DKAFKA_AGENT_FUZZ=ON with clang (see tests/fuzz/run.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "agent/sidecar/kafka_protocol.h"
#include "agent/sidecar/kafka_sasl.h"

namespace kafka_agent {
namespace wire {
namespace {

// Selector byte values (also used by the seed corpus file names).
enum Target : uint8_t {
  kApiVersionsV0 = 0,      // .. v4 = 4
  kDescribeQuorumV0 = 5,   // .. v2 = 7
  kDescribeClusterV0 = 8,  // .. v2 = 10
  kListReassignmentsV0 = 11,
  kSaslHandshakeV1 = 12,
  kSaslAuthenticateV0 = 13,  // .. v2 = 15
  kResponseHeaderFlexible = 16,
  kResponseHeaderClassic = 17,
  kScramServerMessages = 18,
  kMetadataV9 = 19,  // .. v13 = 23
  kTargets = 24,
};

void Run(uint8_t selector, absl::string_view body) {
  switch (selector % kTargets) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
      (void)DecodeApiVersionsResponse(selector % kTargets - kApiVersionsV0,
                                      body);
      break;
    case 5:
    case 6:
    case 7:
      (void)DecodeDescribeQuorumResponse(
          selector % kTargets - kDescribeQuorumV0, body);
      break;
    case 8:
    case 9:
    case 10:
      (void)DecodeDescribeClusterResponse(
          selector % kTargets - kDescribeClusterV0, body);
      break;
    case kListReassignmentsV0:
      (void)DecodeListPartitionReassignmentsResponse(0, body);
      break;
    case kSaslHandshakeV1:
      (void)DecodeSaslHandshakeResponse(1, body);
      break;
    case 13:
    case 14:
    case 15:
      (void)DecodeSaslAuthenticateResponse(
          selector % kTargets - kSaslAuthenticateV0, body);
      break;
    case kResponseHeaderFlexible:
      (void)StripResponseHeader(kDescribeQuorum, 2, 1, body);
      break;
    case kResponseHeaderClassic:
      (void)StripResponseHeader(kApiVersions, 3, 1, body);
      break;
    case 19:
    case 20:
    case 21:
    case 22:
    case 23:
      (void)DecodeMetadataResponse(selector % kTargets - kMetadataV9 + 9, body);
      break;
    case kScramServerMessages: {
      // server-first, then (after a NUL) server-final.
      const size_t nul = body.find('\0');
      ScramClient c(ScramHash::kSha256, "user", "pencil", "fuzznonce");
      absl::StatusOr<std::string> final_msg =
          c.ClientFinal(body.substr(0, nul));
      if (final_msg.ok() && nul != absl::string_view::npos) {
        (void)c.VerifyServerFinal(body.substr(nul + 1));
      }
      break;
    }
  }
}

}  // namespace
}  // namespace wire
}  // namespace kafka_agent

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  kafka_agent::wire::Run(
      data[0],
      absl::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  return 0;
}
