#!/usr/bin/env bash
# shellcheck disable=SC2317  # helpers are called indirectly, through trap
# What `kafka-agent init` renders, run by real Kafka 4.4: listener security,
# racks, a dedicated controller StatefulSet and the identity guard.
#
# Every Kafka node runs in a simulated pod (tests/lib/pods.sh: a network
# namespace with its own address, host name and kubelet-style resolv.conf,
# dnsmasq as the cluster DNS), so the pods use the same ports and real DNS
# names and the agent's files are used unchanged: `init` renders each
# node's server.properties in its pod, Kafka's StorageTool formats it, and
# kafka.Kafka starts from it.
#
# A "secure": StatefulSet kafka, 3 combined pods (auto roles), racks a, b, c.
#   --broker-security-protocol SASL_SSL (PLAIN; clients and inter-broker),
#   --controller-security-protocol SSL with client certificates required
#   (mTLS). Certificates made here with openssl (a CA, a PKCS12 keystore,
#   a PEM truststore); the keystore password and the JAAS config come from a
#   second base config file, as a mounted Secret would.
#   Checks: the rendered file is mode 0640; init logs the effective listener
#   settings with every secret redacted; no secret in any agent or Kafka
#   log; the quorum forms and all 3 brokers register over SASL_SSL
#   listeners; the controller listener refuses a TLS client without a
#   certificate and accepts one with; a librdkafka client (kafka-test-tool,
#   -X properties) produces 2000 messages acks=all and consumes every one
#   over SASL_SSL; a wrong password is refused; a topic with replication
#   factor 3 has one replica per rack.
#   The sidecar: each pod also runs `kafka-agent serve`, asking its broker
#   over SASL_SSL by its FQDN (the certificate's name) with the client
#   settings from a --kafka-prop-file (as a mounted Secret gives them:
#   sasl.password, the CA, a client certificate and key inline as PEM).
#   Checks: every agent reaches kafka.ready SERVING (grpc-health-probe) and
#   sees ISR 0,1,2 on every partition of topic secure; an agent given
#   another CA (ssl.ca.location) and one given a wrong password are
#   kafka.ready NOT_SERVING, and GetStatus (`kafka-agent status --json`,
#   grpcurl) names the TLS verification / SASL authentication failure in
#   last_error, local.error and the health reasons; no password and no line
#   of the PEM key appears in any agent log, `status` output (text and JSON)
#   or GetStatus answer.
# B "dedicated": StatefulSet kafka-controller, 3 controller-only pods
#   (node ids 0..2), and StatefulSet kafka, 3 broker-only pods pointing at it
#   (node ids 100..102), racks a, a, b, PLAINTEXT.
#   Checks: the quorum forms; exactly brokers 100..102 register (the
#   controllers are not brokers); a topic with 6 partitions and replication
#   factor 2 has, on every partition, one replica in rack b and one in rack a
#   (rack-aware placement; a rack-unaware one would put some partitions on
#   100+101, both rack a); produce/consume; then the identity guard on the
#   data dirs Kafka wrote: init of kafka-1 on kafka-0's volume exits 2 naming
#   both node ids, a wrong CLUSTER_ID exits 2 naming both ids, its own volume
#   with the right id passes.
#
# Usage: secure_topologies_test.sh [AGENT_BIN] [KAFKA_TEST_TOOL]
# Exit: 0 passed, 1 failed, 77 skipped (not root, no netns). KEEP=1 keeps the
# work directory (configs, init and Kafka logs) even when the test passes.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "${HERE}/../../.." && pwd)
AGENT=${1:-${ROOT}/build/kafka-agent}
TOOL=${2:-${ROOT}/build/tests/kafka-test-tool}
# shellcheck source=/dev/null
. "${ROOT}/scripts/env.sh"

case ":${PATH}:" in
  *:/usr/sbin:*) ;;
  *) PATH="${PATH}:/usr/sbin:/sbin" ;;
esac

T0=$(date +%s%3N)
say() { printf '[%6.1fs] %s\n' "$(($(date +%s%3N) - T0))e-3" "$*"; }
fail() {
  say "FAIL: $*"
  exit 1
}
skip() {
  echo "SKIP: $*"
  exit 77
}

[[ ${EUID} -eq 0 ]] || skip "needs root (network namespaces)"
command -v ip >/dev/null || skip "no 'ip' (iproute2)"
probe="ka-probe-$$"
ip netns add "${probe}" 2>/dev/null || skip "'ip netns add' does not work here"
ip netns del "${probe}"
for t in dnsmasq java openssl kcat jq grpc-health-probe grpcurl; do
  command -v "${t}" >/dev/null || fail "missing ${t}: run make deps"
done
[[ -x ${AGENT} && -x ${TOOL} ]] || fail "build first: ${AGENT}, ${TOOL}"
AGENT=$(realpath "${AGENT}")
TOOL=$(realpath "${TOOL}")
LIBS=$("${ROOT}/tests/integration/kafka/fetch.sh" | tail -n1) || fail "fetch.sh failed"
LOG4J=${ROOT}/tests/integration/kafka/log4j2.yaml

# shellcheck source-path=SCRIPTDIR source=../../lib/pods.sh
. "${ROOT}/tests/lib/pods.sh"

WORK=$(mktemp -d /tmp/secure_topologies_test.XXXXXX)
chmod 0755 "${WORK}"
RUN="st$$"
RUN=${RUN:0:12}
ok=0
JVMS=() # pids of the Kafka JVMs running now
AGENTS=() # pids of the `kafka-agent serve` sidecars running now
stop_agents() {
  local p
  for p in "${AGENTS[@]}"; do kill -TERM "${p}" 2>/dev/null || true; done
  for p in "${AGENTS[@]}"; do wait "${p}" 2>/dev/null || true; done
  AGENTS=()
}
# SIGKILL: the data is thrown away, a controlled shutdown only costs time.
kill_kafka() {
  local p
  for p in "${JVMS[@]}"; do kill -KILL "${p}" 2>/dev/null || true; done
  for p in "${JVMS[@]}"; do wait "${p}" 2>/dev/null || true; done
  JVMS=()
}
cleanup() {
  stop_agents
  kill_kafka
  pods_cleanup "${RUN}" >/dev/null 2>&1 || true
  if [[ ${ok} == 1 && ${KEEP:-0} != 1 ]]; then
    rm -rf -- "${WORK:?}"
  else
    echo "kept ${WORK}"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

NS=kafka
DOMAIN=cluster.local
fqdn() { echo "$1.$2.${NS}.svc.${DOMAIN}"; } # pod, service
CID=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
OTHER_CID=MkU3OEVBNTcwNTJENDM2Qk
# Secrets: random, so a leak is found by grep and nowhere else.
KS_PW="ks-$(head -c 9 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
BROKER_PW="br-$(head -c 9 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
CLIENT_PW="cl-$(head -c 9 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"
WRONG_PW="wr-$(head -c 9 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')"

pods_init "${RUN}" >/dev/null || fail "pods_init"
pods_create client 250 --namespace "${NS}" || fail "pods_create client"

# A pod of StatefulSet STS behind SERVICE at address IP, with its DNS record.
new_pod() { # name ip service
  pods_create "$1" "$2" --namespace "${NS}" --subdomain "$3" || fail "pods_create $1"
  pods_publish_dns "$(fqdn "$1" "$3")" "$(pods_ip "$1")" || fail "publish $1"
}

# Runs `kafka-agent init` in pod NAME (its host name is the pod name, as in
# Kubernetes); the rest are its flags. Log: DIR/NAME/init.log.
agent_init() { # dir name flags...
  local dir=$1 name=$2
  shift 2
  mkdir -p "${dir}/${name}"
  if ! pods_exec "${name}" "${AGENT}" init --namespace "${NS}" \
    --output "${dir}/${name}/server.properties" --dns-timeout 30s \
    --log-format text "$@" >"${dir}/${name}/init.log" 2>&1; then
    sed 's/^/    /' "${dir}/${name}/init.log"
    fail "init of ${name} failed"
  fi
}

# JARGS: the JVM command line for a node's directory and heap, up to the
# main class.
java_args() { # node-dir heap
  JARGS=(java "-Xms$2" "-Xmx$2" -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -XX:-UsePerfData -Djava.awt.headless=true "-Dkafka.logs.dir=$1"
    "-Dlog4j2.configurationFile=${LOG4J}" "-Djava.io.tmpdir=$1/tmp" -cp "${LIBS}/*")
}

# Formats every node's data dirs with CLUSTER_ID in parallel (StorageTool,
# as the apache/kafka image's entrypoint does).
format_all() { # dir names...
  local dir=$1 n pids=()
  shift
  for n in "$@"; do
    mkdir -p "${dir}/${n}/tmp"
    java_args "${dir}/${n}" 96m
    "${JARGS[@]}" kafka.tools.StorageTool format -t "${CID}" \
      -c "${dir}/${n}/server.properties" >"${dir}/${n}/format.log" 2>&1 &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "${n}" || fail "format failed: see ${dir}/*/format.log"; done
}

start_kafka() { # dir name heap
  local nd=$1/$2
  mkdir -p "${nd}/tmp"
  java_args "${nd}" "$3"
  pods_spawn "$2" "${nd}/stdout.log" "${JARGS[@]}" kafka.Kafka "${nd}/server.properties"
  JVMS+=("${PODS_PID}")
}


# kafka-test-tool in the client pod; librdkafka's own warnings go to a log.
tool() { # log-dir args...
  local dir=$1
  shift
  pods_exec client "${TOOL}" "$@" 2>>"${dir}/client.log"
}

# kcat in the client pod; the rest are -X properties and options.
kcat_json() { # bootstrap args...
  local b=$1
  shift
  pods_exec client kcat -L -J -b "${b}" -m 5 "$@" 2>/dev/null || true
}

# Waits until the metadata from BOOTSTRAP lists exactly the broker ids WANT.
wait_brokers() { # label want bootstrap kcat-args...
  local label=$1 want=$2 b=$3 got='' deadline
  shift 3
  deadline=$(($(date +%s) + 240))
  while :; do
    got=$(kcat_json "${b}" "$@" | jq -r '[.brokers[].id] | sort | map(tostring) | join(",")' 2>/dev/null || true)
    [[ ${got} == "${want}" ]] && break
    (($(date +%s) < deadline)) || fail "${label}: brokers [${got}] after 240s, want [${want}]; logs in ${WORK}"
    sleep 1
  done
  say "${label}: brokers [${got}] registered"
}

# Racks of each partition's replicas of TOPIC, one partition a line, sorted:
# "a b c". RACKS maps node id -> rack (an associative array name).
partition_racks() { # json-metadata racks-array-name
  local -n racks=$2
  local map='{}' id
  for id in "${!racks[@]}"; do map=$(jq -c --arg k "${id}" --arg v "${racks[${id}]}" '. + {($k): $v}' <<<"${map}"); done
  jq -r --argjson m "${map}" '.topics[0].partitions | sort_by(.partition)[] | [.replicas[].id | tostring | $m[.]] | sort | join(" ")' <<<"$1"
}

# ---------------------------------------------------------------------------
# A: SASL_SSL brokers, mTLS controllers, racks a b c
# ---------------------------------------------------------------------------
A=${WORK}/a
TLS=${WORK}/tls
mkdir -p "${A}" "${TLS}"
say "A: certificates (openssl): a CA, a keystore for *.kafka-headless, a client certificate"
(
  cd "${TLS}"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 -subj "/CN=test-ca" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout kafka.key -out kafka.csr -subj "/CN=kafka" 2>/dev/null
  printf 'subjectAltName=DNS:*.kafka-headless.%s.svc.%s\nextendedKeyUsage=serverAuth,clientAuth\n' "${NS}" "${DOMAIN}" >ext.cnf
  openssl x509 -req -in kafka.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out kafka.pem -days 1 -extfile ext.cnf 2>/dev/null
  openssl pkcs12 -export -in kafka.pem -inkey kafka.key -certfile ca.pem -name kafka \
    -passout "pass:${KS_PW}" -out kafka.p12
  # The sidecar's client certificate, and a CA that signed nothing here.
  openssl req -newkey rsa:2048 -nodes -keyout agent.key -out agent.csr -subj "/CN=kafka-agent" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >agent-ext.cnf
  openssl x509 -req -in agent.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out agent.pem -days 1 -extfile agent-ext.cnf 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 1 -subj "/CN=other-ca" 2>/dev/null
) || fail "openssl"
# A line from the middle of the sidecar's private key: found by grep only if
# the key leaked.
KEY_LINE=$(sed -n 10p "${TLS}/agent.key")
[[ ${#KEY_LINE} -ge 60 ]] || fail "unexpected key format in ${TLS}/agent.key"

# The base configs: what a ConfigMap holds (no secrets), what a Secret holds,
# and each pod's own data dir (the pods share this machine's filesystem).
cat >"${A}/common.properties" <<EOF
# As a ConfigMap would hold it: no secrets.
offsets.topic.replication.factor=3
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=3
default.replication.factor=3
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.cleaner.dedupe.buffer.size=16777216
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=4
log.cleaner.threads=1
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=6000
ssl.keystore.type=PKCS12
ssl.keystore.location=${TLS}/kafka.p12
ssl.truststore.type=PEM
ssl.truststore.location=${TLS}/ca.pem
listener.name.controller.ssl.client.auth=required
listener.name.broker.sasl.enabled.mechanisms=PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
EOF
cat >"${A}/secrets.properties" <<EOF
# As a mounted Secret would hold it.
ssl.keystore.password=${KS_PW}
ssl.key.password=${KS_PW}
listener.name.broker.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="${BROKER_PW}" user_broker="${BROKER_PW}" user_client="${CLIENT_PW}";
EOF
chmod 0600 "${A}/secrets.properties"

declare -A RACK_A=([0]=a [1]=b [2]=c)
for i in 0 1 2; do
  new_pod "kafka-${i}" $((10 + i)) kafka-headless
  mkdir -p "${A}/kafka-${i}"
  echo "log.dirs=${A}/kafka-${i}/data" >"${A}/kafka-${i}/pod.properties"
done
for i in 0 1 2; do
  agent_init "${A}" "kafka-${i}" --broker-security-protocol SASL_SSL \
    --controller-security-protocol SSL --rack "${RACK_A[${i}]}" \
    --cluster-id "${CID}" \
    --base-config "${A}/common.properties,${A}/secrets.properties,${A}/kafka-${i}/pod.properties"
done
f=${A}/kafka-1/server.properties
[[ $(stat -c %a "${f}") == 640 ]] || fail "${f} has mode $(stat -c %a "${f}"), want 640"
grep -qx 'listeners=BROKER://:9092,CONTROLLER://:29093' "${f}" || fail "listeners in ${f}"
grep -qx 'listener.security.protocol.map=CONTROLLER:SSL,BROKER:SASL_SSL' "${f}" || fail "protocol map in ${f}"
grep -qx 'inter.broker.listener.name=BROKER' "${f}" || fail "inter-broker listener in ${f}"
grep -qx 'broker.rack=b' "${f}" || fail "broker.rack in ${f}"
grep -qF "password=\"${BROKER_PW}\"" "${f}" || fail "the JAAS config of the Secret file is missing from ${f}"
log=${A}/kafka-1/init.log
grep -q 'effective listeners=BROKER://:9092,CONTROLLER://:29093 advertised.listeners=BROKER://kafka-1.kafka-headless.kafka.svc.cluster.local:9092 listener.security.protocol.map=CONTROLLER:SSL,BROKER:SASL_SSL inter.broker.listener.name=BROKER controller.listener.names=CONTROLLER broker.rack=b' "${log}" ||
  fail "init did not log the effective settings: $(grep effective "${log}")"
grep -q 'ssl.keystore.password=<redacted>' "${log}" || fail "init did not log the redacted keystore password"
grep -q 'listener.name.broker.plain.sasl.jaas.config=<redacted>' "${log}" || fail "init did not log the redacted JAAS config"
say "A: init rendered 3 configs (mode 640); kafka-1 logged:"
grep -E 'effective|security settings' "${log}" | sed 's/^[^ ]* [^ ]* */    /' 
format_all "${A}" kafka-0 kafka-1 kafka-2
say "A: formatted with cluster id ${CID}; starting 3 Kafka 4.4 nodes"
for i in 0 1 2; do start_kafka "${A}" "kafka-${i}" 192m; done

# The sidecars' client settings, as a mounted Secret holds them: Java
# properties, the PEM certificate and key inline (\n escapes).
pem_value() { awk '{ printf "%s\\n", $0 }' "$1"; }
client_props() { # ca-file password
  printf '%s\n' "# As the Secret kafka-agent-client would hold it." \
    security.protocol=SASL_SSL sasl.mechanism=PLAIN sasl.username=client \
    "sasl.password=$2" "ssl.ca.location=$1" \
    "ssl.certificate.pem=$(pem_value "${TLS}/agent.pem")" \
    "ssl.key.pem=$(pem_value "${TLS}/agent.key")"
}
client_props "${TLS}/ca.pem" "${CLIENT_PW}" >"${A}/agent-client.properties"
client_props "${TLS}/other-ca.pem" "${CLIENT_PW}" >"${A}/agent-client-other-ca.properties"
client_props "${TLS}/ca.pem" "${WRONG_PW}" >"${A}/agent-client-wrong-pw.properties"
chmod 0600 "${A}"/agent-client*.properties
GRPC=50051
# `kafka-agent serve` in pod POD for node NODE's broker, with PROPS.
start_agent() { # pod node props
  mkdir -p "${A}/$1"
  pods_spawn "$1" "${A}/$1/agent.log" "${AGENT}" serve --pod-name "kafka-$2" \
    --namespace "${NS}" --headless-service kafka-headless \
    --broker-security-protocol SASL_SSL --controller-security-protocol SSL \
    --bootstrap "$(fqdn "kafka-$2" kafka-headless):9092" --grpc-listen "0.0.0.0:${GRPC}" \
    --poll-interval 1s --kafka-prop-file "$3" --log-format text
  AGENTS+=("${PODS_PID}")
}
for i in 0 1 2; do start_agent "kafka-${i}" "${i}" "${A}/agent-client.properties"; done
# The two misconfigured sidecars in pods of their own, for node 0's broker.
pods_create bad-ca 251 --namespace "${NS}" || fail "pods_create bad-ca"
pods_create bad-pw 252 --namespace "${NS}" || fail "pods_create bad-pw"
start_agent bad-ca 0 "${A}/agent-client-other-ca.properties"
start_agent bad-pw 0 "${A}/agent-client-wrong-pw.properties"
T_AGENTS=$(now_ms)
say "A: 5 sidecars (kafka-agent serve --kafka-prop-file, poll 1s): kafka-0..2; bad-ca (another CA) and bad-pw (a wrong password) for node 0"

SASL=(-X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN -X sasl.username=client
  -X "sasl.password=${CLIENT_PW}" -X "ssl.ca.location=${TLS}/ca.pem")
BOOT_A="$(fqdn kafka-0 kafka-headless):9092,$(fqdn kafka-1 kafka-headless):9092"
wait_brokers "A: over SASL_SSL" "0,1,2" "${BOOT_A}" "${SASL[@]}"

# mTLS on the controller listener: the TLS handshake needs a client
# certificate signed by the CA.
ctrl="$(fqdn kafka-2 kafka-headless):29093"
# TLS 1.2, so the server's verdict on the client certificate is part of the
# handshake (in 1.3 it arrives after the client's Finished).
without=$(pods_exec client openssl s_client -tls1_2 -connect "${ctrl}" -CAfile "${TLS}/ca.pem" \
  -verify_return_error </dev/null 2>&1 || true)
with=$(pods_exec client openssl s_client -connect "${ctrl}" -CAfile "${TLS}/ca.pem" \
  -verify_return_error -cert "${TLS}/kafka.pem" -key "${TLS}/kafka.key" </dev/null 2>&1 || true)
grep -qi 'alert bad certificate\|alert certificate required\|alert handshake failure' <<<"${without}" ||
  fail "the controller listener accepted a client without a certificate: $(tail -n 5 <<<"${without}")"
if ! grep -q 'Verify return code: 0 (ok)' <<<"${with}" || grep -qi 'alert' <<<"${with}"; then
  fail "the controller listener refused the client certificate: $(tail -n 5 <<<"${with}")"
fi
alert=$(grep -oi 'alert [a-z ]*' <<<"${without}" || true)
say "A: controller listener ${ctrl}: no client certificate -> '${alert%%$'\n'*}'; with one -> handshake ok"

# Clients over SASL_SSL: a wrong password is refused, the right one works.
wrong=$(pods_exec client kcat -L -b "${BOOT_A}" -m 5 -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN \
  -X sasl.username=client -X sasl.password=not-the-password -X "ssl.ca.location=${TLS}/ca.pem" 2>&1 || true)
grep -qi 'authenticat' <<<"${wrong}" || fail "a wrong SASL password was not refused: $(tail -n 3 <<<"${wrong}")"
say "A: a wrong password: $(grep -m1 -oi '[^:]*authentication failed[^,]*' <<<"${wrong}")"
tool "${A}" create-topic -b "${BOOT_A}" -t secure -p 3 -r 3 \
  -c min.insync.replicas=2 "${SASL[@]}" >/dev/null || fail "create-topic over SASL_SSL"
tool "${A}" produce -b "${BOOT_A}" -t secure --count 2000 --rate 100000 \
  --acked-file "${A}/acked" "${SASL[@]}" >"${A}/produce.json" || fail "produce over SASL_SSL: $(cat "${A}/produce.json")"
tool "${A}" consume -b "${BOOT_A}" -t secure --expect-file "${A}/acked" --timeout 60 \
  "${SASL[@]}" >"${A}/consume.json" || fail "consume over SASL_SSL: $(cat "${A}/consume.json")"
say "A: over SASL_SSL: produce $(cat "${A}/produce.json"), consume $(cat "${A}/consume.json")"
[[ $(jq -r .acked "${A}/produce.json") == 2000 && $(jq -r .missing "${A}/consume.json") == 0 ]] ||
  fail "not every message made it"
racks=$(partition_racks "$(kcat_json "${BOOT_A}" -t secure "${SASL[@]}")" RACK_A)
[[ $(sort -u <<<"${racks}") == "a b c" && $(wc -l <<<"${racks}") == 3 ]] ||
  fail "topic secure (RF 3, racks a b c): replicas' racks per partition: ${racks}"
say "A: topic secure, RF 3 on racks a,b,c: every partition has one replica per rack"

# The sidecars, as the kubelet and a person see them. Every answer is kept
# in ANS, to be searched for secrets below.
ANS=${A}/answers
mkdir -p "${ANS}"
agent_addr() { echo "$(pods_ip "$1"):${GRPC}"; }
probe() { health_of "$(agent_addr "$1")" "$2" pods_node_exec; }
status_json() { # pod
  local f
  f=${ANS}/$1-status-$(now_ms)
  pods_node_exec "${AGENT}" status --addr "$(agent_addr "$1")" --json >"${f}.json" 2>"${f}.err" || true
  cat "${f}.json"
}
all_ready() { for i in 0 1 2; do [[ $(probe "kafka-${i}" kafka.ready) == SERVING ]] || return 1; done; }
await 90 "kafka.ready SERVING on the sidecars of kafka-0..2" all_ready
say "A: kafka.ready SERVING on kafka-0..2 (probed $(since "${T_AGENTS}")s after the sidecars started; when each became ready is read from its log below)"
for i in 0 1 2; do
  isr=$(status_json "kafka-${i}" | jq -r '[.partitions.partitions[] | select(.topic == "secure") | (.isr | sort | map(tostring) | join(","))] | join(" ")')
  [[ ${isr} == "0,1,2 0,1,2 0,1,2" ]] || fail "the sidecar of kafka-${i} sees ISR '${isr}' on topic secure, want 0,1,2 on all 3"
  pods_node_exec "${AGENT}" status --addr "$(agent_addr "kafka-${i}")" >"${ANS}/kafka-${i}-status.txt" 2>&1 ||
    fail "kafka-agent status kafka-${i}: $(cat "${ANS}/kafka-${i}-status.txt")"
done
grep -E '^(agent|ready) ' "${ANS}/kafka-1-status.txt" | show
# The misconfigured ones: NOT_SERVING, and GetStatus says why, in
# last_error, local.error and kafka.ready's reason.
bad_reason() { # pod regex
  jq -e --arg re "$2" '.status as $s | ($s.last_error | test($re; "i")) and
    ($s.local.error | test($re; "i")) and
    ([$s.health[] | select(.service == "kafka.ready" and .serving != true) | .reason | test($re; "i")] == [true])' \
    <(status_json "$1") >/dev/null
}
declare -A BAD_RE=([bad-ca]='certificate verify failed' [bad-pw]='SASL_AUTHENTICATION_FAILED')
await 30 "the bad-ca sidecar to name the TLS verification failure" bad_reason bad-ca "${BAD_RE[bad-ca]}"
await 30 "the bad-pw sidecar to name the SASL authentication failure" bad_reason bad-pw "${BAD_RE[bad-pw]}"
for p in bad-ca bad-pw; do
  for svc in kafka.ready kafka.broker; do
    got=$(probe "${p}" "${svc}")
    [[ ${got} == NOT_SERVING ]] || fail "the ${p} sidecar's ${svc} is ${got}, want NOT_SERVING"
  done
  # The same reason through grpcurl (as an operator without the agent's
  # binary asks) and in the `status` text.
  pods_node_exec grpcurl -plaintext "$(agent_addr "${p}")" kafka_agent.v1.KafkaAgent/GetStatus >"${ANS}/${p}-grpcurl.json" 2>&1 ||
    fail "grpcurl GetStatus ${p}: $(cat "${ANS}/${p}-grpcurl.json")"
  jq -e --arg re "${BAD_RE[${p}]}" '(.local.error | test($re; "i")) and (.ready_reason | test($re; "i"))' \
    "${ANS}/${p}-grpcurl.json" >/dev/null ||
    fail "grpcurl GetStatus ${p} does not name '${BAD_RE[${p}]}': $(jq -c '{local, ready_reason}' "${ANS}/${p}-grpcurl.json")"
  pods_node_exec "${AGENT}" status --addr "$(agent_addr "${p}")" >"${ANS}/${p}-status.txt" 2>&1 || true
  grep -qi "^ready    NO: .*${BAD_RE[${p}]}" "${ANS}/${p}-status.txt" ||
    fail "kafka-agent status ${p} does not name '${BAD_RE[${p}]}': $(cat "${ANS}/${p}-status.txt")"
  say "A: ${p}: kafka.ready and kafka.broker NOT_SERVING; GetStatus (grpcurl) ready_reason:"
  jq -r .ready_reason "${ANS}/${p}-grpcurl.json" | show
done
pods_node_exec grpcurl -plaintext "$(agent_addr kafka-0)" kafka_agent.v1.KafkaAgent/GetStatus >"${ANS}/kafka-0-grpcurl.json" 2>&1 ||
  fail "grpcurl GetStatus kafka-0: $(cat "${ANS}/kafka-0-grpcurl.json")"
stop_agents
# From the agents' logs: when each became ready, against the first poll
# that got past "connection refused" (the broker's listener is up), and
# whether kafka.ready dropped again afterwards.
log_ms() { date -d "$1" +%s%3N; }
for i in 0 1 2; do
  l=${A}/kafka-${i}/agent.log
  t_up=$(grep -m1 -o '^[^ ]*' "${l}")
  t_answer=$(awk '/ poll: / && !/poll: waiting|connect failed/ { print $1; exit }' "${l}")
  [[ -n ${t_answer} ]] || fail "the sidecar of kafka-${i} never reached its broker"
  t_ready=$(awk '/health "kafka.ready": NOT_SERVING -> SERVING/ { print $1; exit }' "${l}")
  [[ -n ${t_ready} ]] || fail "the sidecar of kafka-${i} never logged kafka.ready SERVING"
  drops=$(grep -c 'health "kafka.ready": SERVING -> NOT_SERVING' "${l}" || true)
  say "A: kafka-${i}'s sidecar over SASL_SSL: kafka.ready SERVING $(secs $(($(log_ms "${t_ready}") - $(log_ms "${t_up}"))))s after it started, $(($(log_ms "${t_ready}") - $(log_ms "${t_answer}")))ms after its broker's listener first took the connection; dropped to NOT_SERVING ${drops} time(s) after"
  if ((drops > 0)); then
    grep -m1 'health "kafka.ready": SERVING -> NOT_SERVING' "${l}" | cut -c1-300 | show
  fi
done
{ grep -q 'sasl.password=<redacted>' "${A}/kafka-0/agent.log" &&
  grep -q 'ssl.key.pem=<redacted>' "${A}/kafka-0/agent.log"; } ||
  fail "the sidecar did not log its client settings, redacted: $(grep 'Kafka clients' "${A}/kafka-0/agent.log")"

# No secret in any log (the agents', init's and Kafka's), in any `status`
# output or in any GetStatus answer.
for s in "${KS_PW}" "${BROKER_PW}" "${CLIENT_PW}" "${WRONG_PW}" "${KEY_LINE}"; do
  if grep -rlF -- "${s}" "${A}"/*/*.log "${ANS}" >/dev/null 2>&1; then
    fail "a secret (${s:0:3}...) appears in $(grep -rlF -- "${s}" "${A}"/*/*.log "${ANS}" | tr '\n' ' ')"
  fi
done
say "A: no password and no key line in any agent, init, format or Kafka log ($(cat "${A}"/*/*.log | wc -l) lines) or in the $(find "${ANS}" -type f | wc -l) status / GetStatus answers"
kill_kafka
for p in bad-ca bad-pw; do pods_delete "${p}" --grace 0 >/dev/null 2>&1 || true; done
for i in 0 1 2; do pods_delete "kafka-${i}" --grace 0 >/dev/null 2>&1 || true; done
for i in 0 1 2; do pods_unpublish_dns "$(fqdn "kafka-${i}" kafka-headless)" --no-wait >/dev/null || true; done

# ---------------------------------------------------------------------------
# B: dedicated controllers, brokers of another StatefulSet, racks a a b
# ---------------------------------------------------------------------------
B=${WORK}/b
mkdir -p "${B}"
grep -v '^ssl\.\|^listener\.name\.\|^sasl\.' "${A}/common.properties" >"${B}/common.properties"
declare -A RACK_B=([100]=a [101]=a [102]=b)
for i in 0 1 2; do
  new_pod "kafka-controller-${i}" $((20 + i)) kafka-controller-headless
  new_pod "kafka-${i}" $((30 + i)) kafka-headless
  for p in "kafka-controller-${i}" "kafka-${i}"; do
    mkdir -p "${B}/${p}"
    echo "log.dirs=${B}/${p}/data" >"${B}/${p}/pod.properties"
  done
done
for i in 0 1 2; do
  agent_init "${B}" "kafka-controller-${i}" --headless-service kafka-controller-headless \
    --process-roles controller --cluster-id "${CID}" \
    --base-config "${B}/common.properties,${B}/kafka-controller-${i}/pod.properties"
  agent_init "${B}" "kafka-${i}" --headless-service kafka-headless --process-roles broker \
    --node-id-offset 100 --controller-statefulset kafka-controller \
    --controller-service kafka-controller-headless --controller-node-id-offset 0 \
    --rack "${RACK_B[$((100 + i))]}" --cluster-id "${CID}" \
    --base-config "${B}/common.properties,${B}/kafka-${i}/pod.properties"
done
c=${B}/kafka-controller-0/server.properties
if ! grep -qx 'process.roles=controller' "${c}" || ! grep -qx 'listeners=CONTROLLER://:29093' "${c}" ||
  grep -q '^inter.broker.listener.name' "${c}"; then
  fail "controller config ${c}"
fi
if ! grep -qx 'node.id=101' "${B}/kafka-1/server.properties" ||
  ! grep -qx "controller.quorum.voters=0@$(fqdn kafka-controller-0 kafka-controller-headless):29093,1@$(fqdn kafka-controller-1 kafka-controller-headless):29093,2@$(fqdn kafka-controller-2 kafka-controller-headless):29093" "${B}/kafka-1/server.properties"; then
  fail "broker config ${B}/kafka-1/server.properties"
fi
say "B: init rendered 3 controller-only configs (node ids 0..2) and 3 broker configs (100..102):"
grep -E '^(node.id|process.roles|listeners|advertised.listeners|listener.security.protocol.map)=' "${c}" | sed 's/^/    controller-0: /'
grep -E '^(node.id|process.roles|controller.quorum.voters|listeners|broker.rack)=' "${B}/kafka-1/server.properties" | sed 's/^/    kafka-1:      /'
format_all "${B}" kafka-controller-0 kafka-controller-1 kafka-controller-2 kafka-0 kafka-1 kafka-2
say "B: formatted; starting 3 controllers and 3 brokers"
for i in 0 1 2; do start_kafka "${B}" "kafka-controller-${i}" 128m; done
for i in 0 1 2; do start_kafka "${B}" "kafka-${i}" 192m; done
BOOT_B="$(fqdn kafka-0 kafka-headless):9092,$(fqdn kafka-2 kafka-headless):9092"
wait_brokers "B: quorum of kafka-controller-0..2" "100,101,102" "${BOOT_B}"
tool "${B}" create-topic -b "${BOOT_B}" -t placed -p 6 -r 2 >/dev/null || fail "create-topic placed"
racks=$(partition_racks "$(kcat_json "${BOOT_B}" -t placed)" RACK_B)
[[ $(wc -l <<<"${racks}") == 6 && $(sort -u <<<"${racks}") == "a b" ]] ||
  fail "topic placed (RF 2, racks a a b): replicas' racks per partition: $(tr '\n' ';' <<<"${racks}")"
say "B: topic placed, 6 partitions RF 2 on racks a,a,b: every partition spans racks a and b"
tool "${B}" produce -b "${BOOT_B}" -t placed --count 500 --rate 100000 \
  --acked-file "${B}/acked" >"${B}/produce.json" || fail "produce on B"
tool "${B}" consume -b "${BOOT_B}" -t placed --expect-file "${B}/acked" --timeout 60 \
  >"${B}/consume.json" || fail "consume on B: $(cat "${B}/consume.json")"
say "B: produce $(cat "${B}/produce.json"), consume $(cat "${B}/consume.json")"

# The identity guard on the volumes Kafka formatted and is running on.
guard() { # expected-exit pod node-offset data-dir cluster-id
  local want=$1 out rc=0
  out=$("${AGENT}" init --pod-name "$2" --namespace "${NS}" --process-roles broker \
    --node-id-offset "$3" --controller-statefulset kafka-controller \
    --controller-service kafka-controller-headless --controller-node-id-offset 0 \
    --data-dirs "$4" --cluster-id "$5" --dns-wait none \
    --output "${B}/guard/server.properties" 2>&1) || rc=$?
  [[ ${rc} == "${want}" ]] || fail "guard $2 on $4: exit ${rc}, want ${want}: ${out}"
  printf '%s\n' "${out}"
}
mkdir -p "${B}/guard"
out=$(guard 2 kafka-1 100 "${B}/kafka-0/data" "${CID}")
if ! grep -q "belongs to node.id 100 (${B}/kafka-0/data/meta.properties" <<<"${out}" ||
  ! grep -q 'this pod kafka-1 is node.id 101' <<<"${out}"; then
  fail "guard message: ${out}"
fi
[[ ! -e ${B}/guard/server.properties ]] || fail "the guard left a file"
say "B: identity guard, kafka-1 on kafka-0's volume: exit 2: $(grep -o 'data dir .*node.id 101\.' <<<"${out}")"
out=$(guard 2 kafka-1 100 "${B}/kafka-1/data" "${OTHER_CID}")
if ! grep -q "belongs to cluster.id ${CID}" <<<"${out}" || ! grep -q "is ${OTHER_CID}" <<<"${out}"; then
  fail "guard message: ${out}"
fi
say "B: identity guard, another CLUSTER_ID: exit 2: $(grep -o 'data dir .*(node.id 101)\.' <<<"${out}")"
out=$(guard 0 kafka-1 100 "${B}/kafka-1/data" "${CID}")
grep -q "node.id 101, cluster.id ${CID} (matches)" <<<"${out}" || fail "guard pass message: ${out}"
say "B: identity guard, its own volume: exit 0 ($(grep -o 'data dirs .*(matches)' <<<"${out}"))"

kill_kafka
ok=1
say "PASS"
