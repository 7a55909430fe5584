#include "agent/base/identity.h"

#include <cstdint>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace kafka_agent {

std::string FormatVoters(const std::vector<Voter>& voters) {
  return absl::StrJoin(voters, ",", [](std::string* out, const Voter& v) {
    absl::StrAppend(out, v.node_id, "@", v.host, ":", v.port);
  });
}

int Majority(int n) { return n / 2 + 1; }

namespace {

// Far beyond any sensible quorum; keeps a typo from building a huge string.
constexpr int kMaxControllers = 1000;

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(what);
}

absl::Status CheckLabel(absl::string_view flag, absl::string_view value) {
  if (IsDnsLabel(value)) return absl::OkStatus();
  return Invalid(absl::StrCat(
      flag, " \"", value,
      "\" is not a valid DNS label; use lower-case letters, digits and '-', "
      "starting and ending with a letter or digit, at most 63 characters"));
}

absl::Status CheckPort(absl::string_view flag, int port) {
  if (port >= 1 && port <= 65535) return absl::OkStatus();
  return Invalid(absl::StrCat(flag, " ", port,
                              " is not a TCP port; use a number from 1 to "
                              "65535"));
}

}  // namespace

bool IsDnsLabel(absl::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) {
      return false;
    }
  }
  return s.front() != '-' && s.back() != '-';
}

bool IsDnsSubdomain(absl::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (absl::string_view label : absl::StrSplit(s, '.')) {
    if (!IsDnsLabel(label)) return false;
  }
  return true;
}

absl::StatusOr<PodName> ParsePodName(absl::string_view pod_name) {
  const std::string shape =
      "; StatefulSet pods are named <statefulset>-<ordinal>, e.g. kafka-0: "
      "set --pod-name or POD_NAME (Downward API metadata.name)";
  size_t dash = pod_name.rfind('-');
  if (dash == absl::string_view::npos) {
    return Invalid(absl::StrCat("pod name \"", pod_name,
                                "\" has no ordinal suffix", shape));
  }
  absl::string_view sts = pod_name.substr(0, dash);
  absl::string_view digits = pod_name.substr(dash + 1);
  if (digits.empty()) {
    return Invalid(absl::StrCat("pod name \"", pod_name,
                                "\" ends in '-' with no ordinal", shape));
  }
  for (char c : digits) {
    if (!absl::ascii_isdigit(c)) {
      return Invalid(absl::StrCat("pod name \"", pod_name, "\": ordinal \"",
                                  digits, "\" is not a decimal number",
                                  shape));
    }
  }
  if (digits.size() > 1 && digits[0] == '0') {
    return Invalid(absl::StrCat("pod name \"", pod_name, "\": ordinal \"",
                                digits,
                                "\" has a leading zero, which a StatefulSet "
                                "never produces",
                                shape));
  }
  if (sts.empty() || !IsDnsLabel(sts)) {
    return Invalid(absl::StrCat("pod name \"", pod_name,
                                "\": StatefulSet name \"", sts,
                                "\" is not a valid DNS label", shape));
  }
  int64_t ordinal = 0;
  for (char c : digits) {
    ordinal = ordinal * 10 + (c - '0');
    if (ordinal > std::numeric_limits<int32_t>::max()) {
      return Invalid(absl::StrCat("pod name \"", pod_name, "\": ordinal ",
                                  digits, " is larger than 2147483647",
                                  shape));
    }
  }
  return PodName{std::string(sts), static_cast<int>(ordinal)};
}

absl::StatusOr<SecurityProtocol> ParseSecurityProtocol(absl::string_view flag,
                                                       absl::string_view s) {
  for (SecurityProtocol p :
       {SecurityProtocol::kPlaintext, SecurityProtocol::kSsl,
        SecurityProtocol::kSaslPlaintext, SecurityProtocol::kSaslSsl}) {
    if (s == SecurityProtocolName(p)) return p;
  }
  return Invalid(absl::StrCat(
      flag, " \"", s,
      "\" is not a Kafka security protocol; use PLAINTEXT, SSL, "
      "SASL_PLAINTEXT or SASL_SSL (upper case, as Kafka spells them)"));
}

absl::string_view SecurityProtocolName(SecurityProtocol p) {
  switch (p) {
    case SecurityProtocol::kPlaintext: return "PLAINTEXT";
    case SecurityProtocol::kSsl: return "SSL";
    case SecurityProtocol::kSaslPlaintext: return "SASL_PLAINTEXT";
    case SecurityProtocol::kSaslSsl: return "SASL_SSL";
  }
  return "?";
}

absl::Status CheckRack(absl::string_view flag, absl::string_view rack) {
  auto bad = [&](absl::string_view why) {
    return Invalid(absl::StrCat(
        flag, " \"", rack, "\" ", why,
        "; use the zone's name, e.g. us-east-1a (letters, digits and . _ : "
        "/ -, at most 255 characters), or leave it unset for no broker.rack"));
  };
  if (rack.size() > 255) return bad("is longer than 255 characters");
  for (char c : rack) {
    if (c == '$' || c == '(' || c == ')') {
      return bad(
          "looks like an unexpanded $(VARIABLE) reference: Kubernetes leaves "
          "it as text when the variable is not defined before it in env");
    }
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '_' || c == ':' ||
          c == '/' || c == '-')) {
      return bad(absl::StrCat("has the character '", std::string(1, c),
                              "', which no zone name has"));
    }
  }
  return absl::OkStatus();
}

std::string Identity::ProcessRoles() const {
  if (is_broker && is_controller) return "broker,controller";
  return is_controller ? "controller" : "broker";
}

namespace {

std::string Bound(const Listener& l) {
  return absl::StrCat(l.name, "://:", l.port);
}

std::string Advertised(const Listener& l, const std::string& fqdn) {
  return absl::StrCat(l.name, "://", fqdn, ":", l.port);
}

std::string Mapping(const Listener& l) {
  return absl::StrCat(l.name, ":", SecurityProtocolName(l.protocol));
}

}  // namespace

std::string Identity::AdvertisedListener() const {
  return Advertised(is_broker ? broker_listener : controller_listener, fqdn);
}

std::string Identity::Listeners() const {
  if (!is_broker) return Bound(controller_listener);
  if (!is_controller) return Bound(broker_listener);
  return absl::StrCat(Bound(broker_listener), ",", Bound(controller_listener));
}

// A combined pod advertises only its broker listener: Kafka takes a
// controller's own address from its entry in controller.quorum.voters. A
// controller-only pod advertises its controller listener explicitly (needed
// once the quorum is dynamic, KIP-853, where there is no voters entry).
std::string Identity::AdvertisedListeners() const { return AdvertisedListener(); }

std::string Identity::SecurityProtocolMap() const {
  if (!is_broker) return Mapping(controller_listener);
  return absl::StrCat(Mapping(controller_listener), ",",
                      Mapping(broker_listener));
}

std::string Identity::InterBrokerListenerName() const {
  return is_broker ? broker_listener.name : "";
}

std::string Identity::FqdnOf(int pod_ordinal) const {
  return absl::StrCat(statefulset, "-", pod_ordinal, ".", headless_service,
                      ".", namespace_name, ".svc.", cluster_domain);
}

std::string Identity::ControllerFqdnOf(int pod_ordinal) const {
  return absl::StrCat(controller_statefulset, "-", pod_ordinal, ".",
                      controller_service, ".", namespace_name, ".svc.",
                      cluster_domain);
}

bool Identity::HasSeparateControllers() const {
  return controller_statefulset != statefulset ||
         controller_service != headless_service;
}

namespace {

enum class RolesMode { kAuto, kBroker, kController, kCombined };

absl::StatusOr<RolesMode> ParseRoles(absl::string_view s) {
  if (s == "auto") return RolesMode::kAuto;
  if (s == "broker") return RolesMode::kBroker;
  if (s == "controller") return RolesMode::kController;
  if (s == "broker,controller" || s == "controller,broker") {
    return RolesMode::kCombined;
  }
  return Invalid(absl::StrCat(
      "--process-roles \"", s,
      "\" is not a set of roles; use auto (ordinals below --controllers are "
      "broker,controller, the rest broker), broker, controller or "
      "broker,controller"));
}

// A listener name as Kafka normalises them: upper case, so that the
// listener-scoped keys are listener.name.<lower-case name>.*.
absl::Status CheckListenerName(absl::string_view flag, absl::string_view name,
                               SecurityProtocol protocol) {
  bool ok = !name.empty() && name.size() <= 64 && absl::ascii_isupper(name[0]);
  for (char c : name) {
    ok = ok && (absl::ascii_isupper(c) || absl::ascii_isdigit(c) || c == '_');
  }
  if (!ok) {
    return Invalid(absl::StrCat(
        flag, " \"", name,
        "\" is not a listener name; use upper-case letters, digits and '_', "
        "starting with a letter (e.g. BROKER, INTERNAL)"));
  }
  for (SecurityProtocol p :
       {SecurityProtocol::kPlaintext, SecurityProtocol::kSsl,
        SecurityProtocol::kSaslPlaintext, SecurityProtocol::kSaslSsl}) {
    if (name == SecurityProtocolName(p) && p != protocol) {
      return Invalid(absl::StrCat(
          flag, " \"", name, "\" is the name of another security protocol than "
          "the listener's ", SecurityProtocolName(protocol),
          "; pick a neutral name such as BROKER, or leave it unset"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Identity> DeriveIdentity(const IdentityOptions& opts) {
  if (opts.pod_name.empty()) {
    return Invalid(
        "pod name is empty; set --pod-name or POD_NAME (Downward API "
        "metadata.name)");
  }
  auto pod = ParsePodName(opts.pod_name);
  if (!pod.ok()) return pod.status();
  if (absl::Status s = CheckLabel("--namespace", opts.namespace_name);
      !s.ok()) {
    return s;
  }
  Identity id;
  id.pod_name = opts.pod_name;
  id.statefulset = pod->statefulset;
  id.ordinal = pod->ordinal;
  id.namespace_name = opts.namespace_name;
  id.headless_service = opts.headless_service.empty()
                            ? absl::StrCat(pod->statefulset, "-headless")
                            : opts.headless_service;
  if (absl::Status s = CheckLabel("--headless-service", id.headless_service);
      !s.ok()) {
    return s;
  }
  id.cluster_domain = opts.cluster_domain;
  if (!IsDnsSubdomain(id.cluster_domain)) {
    return Invalid(absl::StrCat(
        "--cluster-domain \"", opts.cluster_domain,
        "\" is not a valid DNS domain; use dot-separated lower-case labels "
        "without a trailing dot, e.g. cluster.local"));
  }
  if (opts.controllers < 1) {
    return Invalid(absl::StrCat(
        "--controllers ", opts.controllers,
        " is too small; a KRaft quorum needs at least 1 controller (3 is "
        "usual)"));
  }
  if (opts.controllers > kMaxControllers) {
    return Invalid(absl::StrCat(
        "--controllers ", opts.controllers, " is more than ", kMaxControllers,
        "; a KRaft quorum has a handful of controllers (3 or 5), the other "
        "pods run as brokers"));
  }
  if (opts.node_id_offset < 0) {
    return Invalid(absl::StrCat("--node-id-offset ", opts.node_id_offset,
                                " is negative; Kafka node ids start at 0"));
  }
  const int64_t max_id = std::numeric_limits<int32_t>::max();
  const int64_t node_id = int64_t{opts.node_id_offset} + pod->ordinal;
  if (node_id > max_id) {
    return Invalid(absl::StrCat(
        "node.id = --node-id-offset ", opts.node_id_offset, " + ordinal ",
        pod->ordinal, " = ", node_id,
        " does not fit in a 32-bit node id; lower --node-id-offset"));
  }

  // The controller set (the voters).
  id.controller_statefulset = opts.controller_statefulset.empty()
                                  ? id.statefulset
                                  : opts.controller_statefulset;
  if (!IsDnsLabel(id.controller_statefulset)) {
    return Invalid(absl::StrCat(
        "--controller-statefulset \"", opts.controller_statefulset,
        "\" is not a valid StatefulSet name for pod DNS names; use lower-case "
        "letters, digits and '-' (a DNS label), e.g. kafka-controller"));
  }
  id.controller_service = opts.controller_service.empty()
                              ? id.headless_service
                              : opts.controller_service;
  if (absl::Status s = CheckLabel("--controller-service", id.controller_service);
      !s.ok()) {
    return s;
  }
  const bool offset_given = opts.controller_node_id_offset.has_value();
  id.controller_node_id_offset =
      offset_given ? *opts.controller_node_id_offset : opts.node_id_offset;
  if (id.controller_node_id_offset < 0) {
    return Invalid(absl::StrCat("--controller-node-id-offset ",
                                id.controller_node_id_offset,
                                " is negative; Kafka node ids start at 0"));
  }
  if (int64_t{id.controller_node_id_offset} + opts.controllers - 1 > max_id) {
    return Invalid(absl::StrCat(
        offset_given ? "--controller-node-id-offset " : "--node-id-offset ",
        id.controller_node_id_offset, " with --controllers ", opts.controllers,
        " gives voter ids above 2147483647; lower the offset"));
  }

  // Ports, protocols and listener names.
  if (absl::Status s = CheckPort("--broker-port", opts.broker_port); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckPort("--controller-port", opts.controller_port);
      !s.ok()) {
    return s;
  }
  if (opts.broker_port == opts.controller_port) {
    return Invalid(absl::StrCat("--broker-port and --controller-port are both ",
                                opts.broker_port,
                                "; the two listeners need different ports"));
  }
  auto broker_protocol = ParseSecurityProtocol("--broker-security-protocol",
                                               opts.broker_security_protocol);
  if (!broker_protocol.ok()) return broker_protocol.status();
  auto controller_protocol = ParseSecurityProtocol(
      "--controller-security-protocol", opts.controller_security_protocol);
  if (!controller_protocol.ok()) return controller_protocol.status();
  id.broker_listener.protocol = *broker_protocol;
  id.broker_listener.port = opts.broker_port;
  id.broker_listener.name =
      !opts.broker_listener_name.empty() ? opts.broker_listener_name
      : *broker_protocol == SecurityProtocol::kPlaintext ? "PLAINTEXT"
                                                          : "BROKER";
  id.controller_listener.protocol = *controller_protocol;
  id.controller_listener.port = opts.controller_port;
  id.controller_listener.name = opts.controller_listener_name.empty()
                                    ? "CONTROLLER"
                                    : opts.controller_listener_name;
  if (absl::Status s =
          CheckListenerName("--broker-listener-name", id.broker_listener.name,
                            id.broker_listener.protocol);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckListenerName("--controller-listener-name",
                                         id.controller_listener.name,
                                         id.controller_listener.protocol);
      !s.ok()) {
    return s;
  }
  if (id.broker_listener.name == id.controller_listener.name) {
    return Invalid(absl::StrCat(
        "the broker and controller listeners are both named \"",
        id.broker_listener.name,
        "\"; give --broker-listener-name and --controller-listener-name "
        "different names"));
  }

  // Roles.
  auto mode = ParseRoles(opts.process_roles);
  if (!mode.ok()) return mode.status();
  const std::string own_voter =
      absl::StrCat(id.statefulset, "-", pod->ordinal, ".", id.headless_service);
  if (*mode == RolesMode::kAuto) {
    const char* fix =
        "; --process-roles auto takes the controllers from this StatefulSet's "
        "own ordinals. For a StatefulSet of brokers that points at a separate "
        "controller StatefulSet, set --process-roles broker (and "
        "--process-roles controller on the controllers' pods)";
    if (id.controller_statefulset != id.statefulset) {
      return Invalid(absl::StrCat("--controller-statefulset \"",
                                  id.controller_statefulset,
                                  "\" is not this pod's StatefulSet \"",
                                  id.statefulset, "\"", fix));
    }
    if (id.controller_service != id.headless_service) {
      return Invalid(absl::StrCat("--controller-service \"",
                                  id.controller_service,
                                  "\" is not --headless-service \"",
                                  id.headless_service, "\"", fix));
    }
    if (id.controller_node_id_offset != opts.node_id_offset) {
      return Invalid(absl::StrCat(
          "--controller-node-id-offset ", id.controller_node_id_offset,
          " differs from --node-id-offset ", opts.node_id_offset,
          ", so this StatefulSet's controllers would not be their own voters",
          fix));
    }
    id.is_broker = true;
    id.is_controller = pod->ordinal < opts.controllers;
  } else {
    id.is_broker = *mode != RolesMode::kController;
    id.is_controller = *mode != RolesMode::kBroker;
  }
  if (id.is_controller && *mode != RolesMode::kAuto) {
    const std::string roles =
        absl::StrCat("pod ", opts.pod_name, " has the controller role (",
                     "--process-roles ", opts.process_roles,
                     "), so it must be one of the voters: ");
    if (id.controller_statefulset != id.statefulset) {
      return Invalid(absl::StrCat(
          roles, "--controller-statefulset \"", id.controller_statefulset,
          "\" is not its StatefulSet \"", id.statefulset,
          "\"; on the controllers' own pods leave --controller-statefulset "
          "unset (or set it to their StatefulSet)"));
    }
    if (id.controller_service != id.headless_service) {
      return Invalid(absl::StrCat(
          roles, "--controller-service \"", id.controller_service,
          "\" is not its --headless-service \"", id.headless_service,
          "\"; on the controllers' own pods leave --controller-service unset"));
    }
    if (id.controller_node_id_offset != opts.node_id_offset) {
      return Invalid(absl::StrCat(
          roles, "--controller-node-id-offset ", id.controller_node_id_offset,
          " differs from its --node-id-offset ", opts.node_id_offset,
          ", so its node.id ", node_id,
          " would not be its voter id; on the controllers' own pods set only "
          "--node-id-offset"));
    }
    if (pod->ordinal >= opts.controllers) {
      return Invalid(absl::StrCat(
          roles, "the voters are ordinals 0..", opts.controllers - 1, " of ",
          id.controller_statefulset, " (--controllers ", opts.controllers,
          ") and this is ordinal ", pod->ordinal,
          ". Scale the controller StatefulSet to --controllers replicas, or "
          "raise --controllers on every pod (a static quorum does not grow by "
          "adding pods)"));
    }
  }
  if (id.is_broker && !id.is_controller) {
    const int64_t first = id.controller_node_id_offset;
    const int64_t last = first + opts.controllers - 1;
    if (node_id >= first && node_id <= last) {
      const int i = static_cast<int>(node_id - first);
      std::string voter = absl::StrCat(id.controller_statefulset, "-", i, ".",
                                       id.controller_service);
      if (voter == own_voter) {
        return Invalid(absl::StrCat(
            "--process-roles ", opts.process_roles, " on pod ", opts.pod_name,
            ", but this pod is voter ", node_id, " (ordinal ", pod->ordinal,
            " < --controllers ", opts.controllers,
            "); use --process-roles auto or broker,controller here, or point "
            "--controller-statefulset at a separate controller StatefulSet"));
      }
      return Invalid(absl::StrCat(
          "node.id ", node_id, " of broker-only pod ", opts.pod_name,
          " is also the node id of voter ", node_id, " (", voter,
          "): broker and controller node ids overlap. The voters have ids ",
          first, "..", last,
          " (--controller-node-id-offset + 0..--controllers-1); give the "
          "brokers --node-id-offset ",
          last + 1, " or more (e.g. 100)"));
    }
  }
  if (!opts.rack.empty()) {
    if (absl::Status s = CheckRack("--rack", opts.rack); !s.ok()) return s;
  }
  id.rack = opts.rack;

  id.node_id = static_cast<int>(node_id);
  id.controllers = opts.controllers;
  id.broker_port = opts.broker_port;
  id.controller_port = opts.controller_port;
  id.fqdn = id.FqdnOf(id.ordinal);
  if (id.fqdn.size() > 253) {
    return Invalid(absl::StrCat("pod FQDN \"", id.fqdn,
                                "\" is longer than 253 characters; use "
                                "shorter names"));
  }
  id.voters.reserve(static_cast<size_t>(opts.controllers));
  for (int i = 0; i < opts.controllers; ++i) {
    id.voters.push_back(Voter{id.controller_node_id_offset + i,
                              id.ControllerFqdnOf(i), opts.controller_port});
  }
  if (id.voters.back().host.size() > 253) {
    return Invalid(absl::StrCat("controller FQDN \"", id.voters.back().host,
                                "\" is longer than 253 characters; use "
                                "shorter names"));
  }
  return id;
}

}  // namespace kafka_agent
