#!/bin/sh
# The peer of `kafka-agent render`: the shell snippet that Helm charts and
# hand-written StatefulSets put in a container's command to configure Kafka in
# KRaft mode. It does the same job the agent's render does, the classic way:
#
#   - node id from the StatefulSet ordinal, ${HOSTNAME##*-}
#   - process.roles: ordinals below the controller count are also controllers
#   - controller.quorum.voters built in a loop over the controller ordinals
#   - listeners and advertised.listeners naming the pod's stable DNS name
#   - the base config, with the derived keys appended (java.util.Properties
#     keeps the last occurrence of a key, so they override the base config's)
#
# It prints the config on stdout, as `kafka-agent render` does. Plain POSIX sh
# (dash on Debian); the only process it starts is `cat`, as the charts do.
#
# Inputs, as a StatefulSet gives them: HOSTNAME (set by the kubelet), and the
# Downward API / chart values below (defaults match the agent's defaults).
set -eu

# shellcheck disable=SC3028  # HOSTNAME: the kubelet puts it in the environment
POD_NAME=${POD_NAME:-${HOSTNAME:?HOSTNAME is not set}}
POD_NAMESPACE=${POD_NAMESPACE:-default}
KAFKA_CLUSTER_DOMAIN=${KAFKA_CLUSTER_DOMAIN:-cluster.local}
KAFKA_CONTROLLERS=${KAFKA_CONTROLLERS:-3}
KAFKA_NODE_ID_OFFSET=${KAFKA_NODE_ID_OFFSET:-0}
KAFKA_BROKER_PORT=${KAFKA_BROKER_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-29093}
KAFKA_BASE_CONFIG=${KAFKA_BASE_CONFIG:-}

STS=${POD_NAME%-*}
ORDINAL=${POD_NAME##*-}
KAFKA_HEADLESS_SERVICE=${KAFKA_HEADLESS_SERVICE:-$STS-headless}
case $ORDINAL in
  '' | *[!0-9]*)
    echo "render-config.sh: pod name $POD_NAME has no ordinal suffix" >&2
    exit 2
    ;;
esac

NODE_ID=$((KAFKA_NODE_ID_OFFSET + ORDINAL))
DOMAIN=$KAFKA_HEADLESS_SERVICE.$POD_NAMESPACE.svc.$KAFKA_CLUSTER_DOMAIN

VOTERS=
i=0
while [ "$i" -lt "$KAFKA_CONTROLLERS" ]; do
  VOTERS="${VOTERS:+$VOTERS,}$((KAFKA_NODE_ID_OFFSET + i))@$STS-$i.$DOMAIN:$KAFKA_CONTROLLER_PORT"
  i=$((i + 1))
done

if [ "$ORDINAL" -lt "$KAFKA_CONTROLLERS" ]; then
  ROLES=broker,controller
  LISTENERS=PLAINTEXT://:$KAFKA_BROKER_PORT,CONTROLLER://:$KAFKA_CONTROLLER_PORT
else
  ROLES=broker
  LISTENERS=PLAINTEXT://:$KAFKA_BROKER_PORT
fi

if [ -n "$KAFKA_BASE_CONFIG" ]; then
  cat "$KAFKA_BASE_CONFIG"
fi
cat <<PROPS

# Derived from the StatefulSet ordinal ($POD_NAME -> node.id $NODE_ID).
node.id=$NODE_ID
process.roles=$ROLES
controller.quorum.voters=$VOTERS
listeners=$LISTENERS
advertised.listeners=PLAINTEXT://$POD_NAME.$DOMAIN:$KAFKA_BROKER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
PROPS
