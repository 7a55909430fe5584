// Who a pod is in the Kafka cluster, derived from its StatefulSet ordinal:
// node.id, roles, the voters, and the listeners it binds and advertises.
// Pure functions: no DNS, no files, no environment.
#ifndef KAFKA_AGENT_BASE_IDENTITY_H_
#define KAFKA_AGENT_BASE_IDENTITY_H_

#include <optional>
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

// A Kafka listener's security protocol (listener.security.protocol.map).
enum class SecurityProtocol { kPlaintext, kSsl, kSaslPlaintext, kSaslSsl };

// "PLAINTEXT", "SSL", "SASL_PLAINTEXT" or "SASL_SSL" (exactly, as Kafka
// spells them); anything else is InvalidArgument naming `flag` and the value.
absl::StatusOr<SecurityProtocol> ParseSecurityProtocol(absl::string_view flag,
                                                       absl::string_view s);
absl::string_view SecurityProtocolName(SecurityProtocol p);

// One listener of this pod: `name://:port` bound on every interface, and
// `name://<fqdn>:port` advertised.
struct Listener {
  std::string name;  // e.g. PLAINTEXT, BROKER, CONTROLLER
  SecurityProtocol protocol = SecurityProtocol::kPlaintext;
  int port = 0;
};

// A StatefulSet pod name split into the set's name and the pod's ordinal.
struct PodName {
  std::string statefulset;
  int ordinal = 0;
};

// Splits `<statefulset>-<ordinal>`. The ordinal is the decimal suffix after the
// last '-'; a missing suffix, a non-digit, a leading zero or a value above
// INT32_MAX is InvalidArgument, naming the value.
absl::StatusOr<PodName> ParsePodName(absl::string_view pod_name);

// What the identity is derived from (the flags of DESIGN.md). Strings are
// validated by DeriveIdentity, so its errors name the flag.
struct IdentityOptions {
  std::string pod_name;
  std::string namespace_name = "default";
  std::string headless_service;  // empty: "<statefulset>-headless"
  std::string cluster_domain = "cluster.local";
  int controllers = 3;
  int node_id_offset = 0;
  int broker_port = 9092;
  int controller_port = 29093;
  // auto (ordinal < controllers: broker,controller, else broker), broker,
  // controller, or broker,controller.
  std::string process_roles = "auto";
  // The voters are pods 0..controllers-1 of this StatefulSet, named through
  // this Service, with node ids from this offset. Empty / unset: the pod's
  // own StatefulSet, --headless-service, --node-id-offset.
  std::string controller_statefulset;
  std::string controller_service;
  std::optional<int> controller_node_id_offset;
  std::string broker_security_protocol = "PLAINTEXT";
  std::string controller_security_protocol = "PLAINTEXT";
  // Empty: PLAINTEXT when the broker protocol is PLAINTEXT, else BROKER.
  std::string broker_listener_name;
  // Empty: CONTROLLER.
  std::string controller_listener_name;
  std::string rack;  // empty: none (no broker.rack)
};

struct Identity {
  std::string pod_name;
  std::string statefulset;
  std::string namespace_name;
  std::string headless_service;
  std::string cluster_domain;
  int ordinal = 0;
  int node_id = 0;
  bool is_broker = true;
  bool is_controller = false;
  int controllers = 0;
  int broker_port = 0;
  int controller_port = 0;
  std::string fqdn;            // <pod>.<svc>.<ns>.svc.<domain>
  std::string controller_statefulset;
  std::string controller_service;
  int controller_node_id_offset = 0;
  std::vector<Voter> voters;   // in node.id order
  Listener broker_listener;
  Listener controller_listener;
  std::string rack;            // empty: none

  // "broker,controller", "broker" or "controller".
  std::string ProcessRoles() const;
  // The listener clients (or, on a controller-only pod, the other voters)
  // reach this pod on: e.g. PLAINTEXT://<fqdn>:<broker-port>.
  std::string AdvertisedListener() const;
  // The values of Kafka's keys of the same names.
  std::string Listeners() const;            // "PLAINTEXT://:9092,CONTROLLER://:29093"
  std::string AdvertisedListeners() const;  // the broker's, or a controller-only pod's own
  std::string SecurityProtocolMap() const;  // "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  // Empty on a controller-only pod (no broker listener).
  std::string InterBrokerListenerName() const;
  // The FQDN of the pod with `ordinal` in the same StatefulSet.
  std::string FqdnOf(int ordinal) const;
  // The FQDN of controller `ordinal` (a voter's host).
  std::string ControllerFqdnOf(int ordinal) const;
  // Whether the voters live in another StatefulSet or behind another Service.
  bool HasSeparateControllers() const;
};

// Validates `opts` and derives the identity. Every error is InvalidArgument
// and names the offending value and what would fix it. Checked combinations:
// a pod with the controller role must be one of the voters (its own
// StatefulSet, Service and node id, ordinal < controllers); a broker-only
// pod's node.id must not be a voter's; `auto` roles need the voters in the
// pod's own StatefulSet.
absl::StatusOr<Identity> DeriveIdentity(const IdentityOptions& opts);

// broker.rack: 1-255 characters of [A-Za-z0-9._:/-] (zone names such as
// us-east-1a or europe-west1-b). A '$' or parentheses (an unexpanded
// $(VAR) from a Kubernetes env reference), spaces or commas are refused.
absl::Status CheckRack(absl::string_view flag, absl::string_view rack);

// RFC 1123 label (lower-case alphanumerics and '-', at most 63 characters,
// starting and ending alphanumeric), as Kubernetes requires of names that
// appear in DNS.
bool IsDnsLabel(absl::string_view s);
// Dot-separated DNS labels, at most 253 characters.
bool IsDnsSubdomain(absl::string_view s);

}  // namespace kafka_agent

#endif  // KAFKA_AGENT_BASE_IDENTITY_H_
