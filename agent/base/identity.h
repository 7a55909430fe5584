// Who a pod is in the Kafka cluster, derived from its StatefulSet ordinal.
// Pure functions: no DNS, no files, no environment.
#ifndef KAFKA_AGENT_BASE_IDENTITY_H_
#define KAFKA_AGENT_BASE_IDENTITY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kafka_agent {

// One entry of controller.quorum.voters: `<node_id>@<host>:<port>`.
struct Voter {
  int node_id = 0;
  std::string host;
  int port = 0;
};

// Comma-joined `id@host:port`, in the given order.
std::string FormatVoters(const std::vector<Voter>& voters);

// Smallest number of voters that is a majority of `n`.
int Majority(int n);


// A StatefulSet pod name split into the set's name and the pod's ordinal.
struct PodName {
  std::string statefulset;
  int ordinal = 0;
};

// Splits `<statefulset>-<ordinal>`. The ordinal is the decimal suffix after the
// last '-'; a missing suffix, a non-digit, a leading zero or a value above
// INT32_MAX is InvalidArgument, naming the value.
absl::StatusOr<PodName> ParsePodName(absl::string_view pod_name);

// What the identity is derived from (the flags of DESIGN.md).
struct IdentityOptions {
  std::string pod_name;
  std::string namespace_name = "default";
  std::string headless_service;  // empty: "<statefulset>-headless"
  std::string cluster_domain = "cluster.local";
  int controllers = 3;
  int node_id_offset = 0;
  int broker_port = 9092;
  int controller_port = 29093;
};

struct Identity {
  std::string pod_name;
  std::string statefulset;
  std::string namespace_name;
  std::string headless_service;
  std::string cluster_domain;
  int ordinal = 0;
  int node_id = 0;
  bool is_controller = false;
  int controllers = 0;
  int broker_port = 0;
  int controller_port = 0;
  std::string fqdn;            // <pod>.<svc>.<ns>.svc.<domain>
  std::vector<Voter> voters;   // in node.id order

  // "broker,controller" or "broker".
  std::string ProcessRoles() const;
  // PLAINTEXT://<fqdn>:<broker-port>
  std::string AdvertisedListener() const;
  // The FQDN of the pod with `ordinal` in the same StatefulSet.
  std::string FqdnOf(int ordinal) const;
};

// Validates `opts` and derives the identity. Every error is InvalidArgument
// and names the offending value and what would fix it.
absl::StatusOr<Identity> DeriveIdentity(const IdentityOptions& opts);

// RFC 1123 label (lower-case alphanumerics and '-', at most 63 characters,
// starting and ending alphanumeric), as Kubernetes requires of names that
// appear in DNS.
bool IsDnsLabel(absl::string_view s);
// Dot-separated DNS labels, at most 253 characters.
bool IsDnsSubdomain(absl::string_view s);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_IDENTITY_H_
