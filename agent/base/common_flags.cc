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
       "number of controllers (voters): ordinals 0..N-1 of the controller "
       "StatefulSet"},
      {"node-id-offset", "KAFKA_NODE_ID_OFFSET", FlagKind::kInt, "0",
       "node.id = offset + ordinal"},
      {"broker-port", "KAFKA_BROKER_PORT", FlagKind::kInt, "9092",
       "client/inter-broker listener port"},
      {"controller-port", "KAFKA_CONTROLLER_PORT", FlagKind::kInt, "29093",
       "controller listener port"},
      {"process-roles", "KAFKA_PROCESS_ROLES", FlagKind::kString, "auto",
       "auto (ordinals below --controllers are broker,controller, the rest "
       "broker), broker, controller or broker,controller"},
      {"controller-statefulset", "KAFKA_CONTROLLER_STATEFULSET",
       FlagKind::kString, "",
       "StatefulSet whose pods 0..controllers-1 are the voters (default: "
       "this pod's)"},
      {"controller-service", "KAFKA_CONTROLLER_SERVICE", FlagKind::kString, "",
       "headless Service of the controllers (default: --headless-service)"},
      {"controller-node-id-offset", "KAFKA_CONTROLLER_NODE_ID_OFFSET",
       FlagKind::kInt, "",
       "voter i has node id offset + i (default: --node-id-offset)"},
      {"broker-security-protocol", "KAFKA_BROKER_SECURITY_PROTOCOL",
       FlagKind::kString, "PLAINTEXT",
       "client and inter-broker listener: PLAINTEXT, SSL, SASL_PLAINTEXT or "
       "SASL_SSL"},
      {"controller-security-protocol", "KAFKA_CONTROLLER_SECURITY_PROTOCOL",
       FlagKind::kString, "PLAINTEXT",
       "controller listener: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"},
      {"broker-listener-name", "KAFKA_BROKER_LISTENER_NAME", FlagKind::kString,
       "",
       "name of the broker listener (default: PLAINTEXT for PLAINTEXT, else "
       "BROKER); its keys are listener.name.<lower-case name>.*"},
      {"controller-listener-name", "KAFKA_CONTROLLER_LISTENER_NAME",
       FlagKind::kString, "", "name of the controller listener (default: "
       "CONTROLLER)"},
      {"rack", "KAFKA_RACK", FlagKind::kString, "",
       "broker.rack, e.g. the zone (default: none)"},
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
  // An empty value (e.g. `value: ""` in a manifest) means the default.
  auto or_default = [&](const char* name, const char* fallback) {
    std::string v = flags.String(name);
    return v.empty() ? std::string(fallback) : v;
  };
  o.process_roles = or_default("process-roles", "auto");
  o.controller_statefulset = flags.String("controller-statefulset");
  o.controller_service = flags.String("controller-service");
  if (!flags.String("controller-node-id-offset").empty()) {
    KA_ASSIGN_OR_RETURN(o.controller_node_id_offset,
                        flags.Int("controller-node-id-offset"));
  }
  o.broker_security_protocol =
      or_default("broker-security-protocol", "PLAINTEXT");
  o.controller_security_protocol =
      or_default("controller-security-protocol", "PLAINTEXT");
  o.broker_listener_name = flags.String("broker-listener-name");
  o.controller_listener_name = flags.String("controller-listener-name");
  o.rack = flags.String("rack");
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
