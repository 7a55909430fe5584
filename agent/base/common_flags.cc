#include "agent/base/common_flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "agent/base/status_macros.h"

namespace kafka_agent {

std::vector<FlagSpec> IdentityFlagSpecs() {
  return {
      {"pod-name", "POD_NAME", FlagKind::kString, "",
       "pod name <statefulset>-<ordinal> (default: the host name)"},
      {"namespace", "POD_NAMESPACE", FlagKind::kString, "default",
       "the pod's namespace"},
      {"headless-service", "KAFKA_HEADLESS_SERVICE", FlagKind::kString, "",
       "headless Service of the StatefulSet (default: <statefulset>-headless)"},
      {"cluster-domain", "KAFKA_CLUSTER_DOMAIN", FlagKind::kString,
       "cluster.local", "the cluster's DNS domain"},
      {"controllers", "KAFKA_CONTROLLERS", FlagKind::kInt, "3",
       "ordinals 0..N-1 are broker+controller, the rest broker only"},
      {"node-id-offset", "KAFKA_NODE_ID_OFFSET", FlagKind::kInt, "0",
       "node.id = offset + ordinal"},
      {"broker-port", "KAFKA_BROKER_PORT", FlagKind::kInt, "9092",
       "client/inter-broker listener port"},
      {"controller-port", "KAFKA_CONTROLLER_PORT", FlagKind::kInt, "29093",
       "controller listener port"},
  };
}

FlagSpec LogFormatFlagSpec() {
  return {"log-format", "KAFKA_AGENT_LOG_FORMAT", FlagKind::kString, "text",
          "text or json"};
}

absl::StatusOr<IdentityOptions> IdentityOptionsFromFlags(
    const ParsedFlags& flags, const std::string& hostname) {
  IdentityOptions o;
  o.pod_name = flags.IsSet("pod-name") ? flags.String("pod-name") : hostname;
  o.namespace_name = flags.String("namespace");
  o.headless_service = flags.String("headless-service");
  o.cluster_domain = flags.String("cluster-domain");
  KA_ASSIGN_OR_RETURN(o.controllers, flags.Int("controllers"));
  KA_ASSIGN_OR_RETURN(o.node_id_offset, flags.Int("node-id-offset"));
  KA_ASSIGN_OR_RETURN(o.broker_port, flags.Int("broker-port"));
  KA_ASSIGN_OR_RETURN(o.controller_port, flags.Int("controller-port"));
  return o;
}

absl::Status CheckHostPort(absl::string_view source, absl::string_view value) {
  size_t colon = value.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, " \"", value,
                     "\" is not HOST:PORT; e.g. 0.0.0.0:50051 or [::]:50051"));
  }
  return absl::OkStatus();
}

}  // namespace kafka_agent
