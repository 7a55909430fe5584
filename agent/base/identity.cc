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

std::string Identity::ProcessRoles() const {
  return is_controller ? "broker,controller" : "broker";
}

std::string Identity::AdvertisedListener() const {
  return absl::StrCat("PLAINTEXT://", fqdn, ":", broker_port);
}

std::string Identity::FqdnOf(int pod_ordinal) const {
  return absl::StrCat(statefulset, "-", pod_ordinal, ".", headless_service,
                      ".", namespace_name, ".svc.", cluster_domain);
}

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
  if (int64_t{opts.node_id_offset} + opts.controllers - 1 > max_id) {
    return Invalid(absl::StrCat(
        "--node-id-offset ", opts.node_id_offset, " with --controllers ",
        opts.controllers,
        " gives voter ids above 2147483647; lower --node-id-offset"));
  }
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
  id.node_id = static_cast<int>(node_id);
  id.controllers = opts.controllers;
  id.is_controller = pod->ordinal < opts.controllers;
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
    id.voters.push_back(
        Voter{opts.node_id_offset + i, id.FqdnOf(i), opts.controller_port});
  }
  return id;
}

}  // namespace kafka_agent
