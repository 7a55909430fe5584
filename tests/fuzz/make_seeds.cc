// Writes the seed corpora of wire_decode_fuzzer (tests/fuzz/corpus/wire_decode:
// each file is the selector byte of wire_decode_fuzzer.cc followed by a golden
// response body from tests/unit/sidecar/kafka_golden.h) and of snapshot_fuzzer
// (tests/fuzz/corpus/snapshot). Not built by CMake;
// run from the repository root after changing the golden bytes:
//   g++ -std=c++17 -I. tests/fuzz/make_seeds.cc -o /tmp/make_seeds &&
//   /tmp/make_seeds
#include <fstream>
#include <string>

#include "tests/unit/sidecar/kafka_golden.h"
using namespace kafka_agent::wire::golden;
void W(int sel, const char* name, const std::string& body) {
  std::ofstream f(std::string("tests/fuzz/corpus/wire_decode/") +
                      std::to_string(sel) + "-" + name,
                  std::ios::binary);
  f.put(static_cast<char>(sel));
  f << body;
}
// snapshot_fuzzer: roles/node byte, 2-byte Metadata length, Metadata v12,
// DescribeQuorum v2.
void S(int roles, const char* name, const std::string& md,
       const std::string& quorum) {
  std::ofstream f(std::string("tests/fuzz/corpus/snapshot/") + name,
                  std::ios::binary);
  f.put(static_cast<char>(roles));
  f.put(static_cast<char>(md.size() >> 8));
  f.put(static_cast<char>(md.size() & 0xff));
  f << md << quorum;
}
int main() {
  S(0x10, "combined-node-0", MetadataV12(), DescribeQuorumV2());
  S(0x01, "broker-node-1", MetadataV12(), DescribeQuorumV2());
  S(0x0a, "controller-node-2", MetadataV12(), DescribeQuorumV1());
  W(3, "api-versions-v3", ApiVersionsV3());
  W(4, "api-versions-v4", ApiVersionsV3());
  W(4, "api-versions-unsupported", ApiVersionsUnsupportedV0());
  W(0, "api-versions-v0", ApiVersionsUnsupportedV0());
  W(7, "describe-quorum-v2", DescribeQuorumV2());
  W(6, "describe-quorum-v1", DescribeQuorumV1());
  W(5, "describe-quorum-v0-not-leader", DescribeQuorumV0NotLeader());
  W(10, "describe-cluster-v2", DescribeClusterV2());
  W(8, "describe-cluster-v0-tags", DescribeClusterV0WithUnknownTag());
  W(11, "list-reassignments-v0", ListPartitionReassignmentsV0());
  W(12, "sasl-handshake-v1", SaslHandshakeV1Refused());
  W(15, "sasl-authenticate-v2", SaslAuthenticateV2());
  W(13, "sasl-authenticate-v0", SaslAuthenticateV0Failed());
  W(16, "header-flexible", H("00 00 00 01 00 ab"));
  W(17, "header-classic", H("00 00 00 01 ab"));
  W(22, "metadata-v12", MetadataV12());
  W(18, "scram-server-first",
    std::string("r=fuzznonceXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") + '\0' +
        "v=AAAA");
}
