#!/usr/bin/env bash
# The kafka-agent walkthrough, end to end: a 3-broker Kafka (KRaft)
# StatefulSet from manifests/base, run on simulated pods on this machine (no
# Kubernetes, no container engine), with every claim checked.
#
#   tests/e2e/demo.sh [--test] [AGENT_BIN [KAFKA_TEST_TOOL]]
#
# `make demo` runs it as a narrated walkthrough; `make test` (ctest, label
# e2e) runs it with --test: the same scenario and the same assertions, but a
# machine that cannot run it (not root, no network namespaces, no overlayfs)
# is a skip (exit 77) instead of an error.
#
# The story (tests/e2e/README.md has the details):
#   1. the pods start in parallel; each pod's init container waits for the
#      cluster DNS to publish the names it needs, then writes Kafka's config;
#      no UnknownHostException in any broker's log
#   2. the brokers register and unfence; every pod becomes Ready
#   3. topic `test` (3 partitions, replication factor 3; min.insync.replicas
#      2 from the base config): every agent reports ISR 0,1,2
#   4. scale to 2 (kafka-2 deleted): ISR 0,1, 3 under-replicated partitions,
#      restarting kafka-1 now is UNSAFE; acks=all writes still succeed
#   5. scale back to 3: kafka-2 comes back on its old data and is Ready only
#      once it is back in every ISR
#   6. rolling restart kafka-2, kafka-1, kafka-0, each only when the previous
#      is Ready, under an acks=all producer and a consumer: nothing
#      acknowledged is lost, no partition goes offline
#   7. everything is removed again (also on Ctrl-C or a failure; a failed run
#      keeps its work directory with every log and says where)
#
# Exit: 0 passed; 1 a step failed; 77 (--test only) cannot run here; 130/143
# interrupted (everything is removed, the work directory too).
# Environment: E2E_RATE (producer messages/s, default 1000), KEEP=1 (keep
# the work directory of a passing or interrupted run), E2E_WORK_ROOT (default
# /tmp), E2E_KAFKA_HEAP_OPTS (default -Xms384m -Xmx384m).
set -uo pipefail

MODE=demo
if [[ ${1:-} == --test ]]; then
  MODE='test'
  shift
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "${HERE}/../.." && pwd)
AGENT=${1:-${ROOT}/build/kafka-agent}
TOOL=${2:-${ROOT}/build/tests/kafka-test-tool}
RATE=${E2E_RATE:-1000}

# shellcheck source=tests/lib/pods.sh
. "${ROOT}/tests/lib/pods.sh"
# shellcheck source=tests/e2e/lib/sim.sh
. "${ROOT}/tests/e2e/lib/sim.sh"
LIB_PROG=demo

# ---------------------------------------------------------------- preflight

# A machine that cannot run pods: skipped as a test, an error as the demo.
cannot_run() {
  [[ ${MODE} != test ]] || skip "$*"
  die "cannot run here: $*"
}

why=$(pods_can_run) || cannot_run "${why}"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || cannot_run "no overlay filesystem in this kernel"
need dnsmasq:dnsmasq-base unshare:util-linux setpriv:util-linux findmnt:util-linux \
  flock:util-linux java:default-jre-headless jq:jq python3:python3-yaml \
  grpc-health-probe:scripts/go-tools.sh grpcurl:scripts/go-tools.sh kustomize:scripts/go-tools.sh
python_with_yaml >/dev/null || die "python3 has no yaml module (python3-yaml): run make deps"
"${ROOT}/tests/integration/kafka/fetch.sh" --print-libs >/dev/null 2>&1 ||
  die "Kafka's jars are not fetched: run make deps (tests/integration/kafka/fetch.sh)"
for b in "${AGENT}" "${TOOL}"; do
  [[ -x ${b} ]] || die "${b} not found: build first (make build)"
done
AGENT=$(realpath "${AGENT}")
TOOL=$(realpath "${TOOL}")

WORK=$(mktemp -d "${E2E_WORK_ROOT:-/tmp}/kafka-e2e.XXXXXX") || die "mktemp failed"
chmod 0755 "${WORK}"
RUN=e2e$$
RUN=${RUN:0:12}
OK=0
STEP_NO=0
STEP_NAME=setup
STEP_T0=${LIB_T0}
declare -a STEP_TIMES=()

# ---------------------------------------------------------------- failure and cleanup

# After `fail` said what failed: where, and the tail of every log.
on_fail() {
  local pod f
  trap '' INT
  say "  in step ${STEP_NO} (${STEP_NAME})"
  if f=$(sim_pod_failure 2>/dev/null); then say "pod failure: ${f}"; fi
  for pod in "${!SIM_DIR[@]}"; do
    tail_of 15 "${SIM_DIR[${pod}]}"/logs/*.log
  done
  tail_of 8 "${WORK}"/client/*.log
}

cleanup() {
  local rc=$?
  trap '' INT TERM
  if [[ -n ${SIM_SETUP:-} ]]; then
    ((OK)) || say "cleaning up: stopping every process, removing the namespaces..."
    # The cluster DNS's query log, for the record (it lives in /run/ka-pods).
    [[ -z ${PODS_DNS_LOG:-} ]] || cp "${PODS_DNS_LOG}" "${WORK}/dnsmasq.log" 2>/dev/null
    sim_stop_all
  fi
  if [[ ${KEEP:-0} != 1 ]] && ((OK || rc == 130 || rc == 143)); then
    # Passed, or interrupted (Ctrl-C): nothing of the run stays.
    rm -rf -- "${WORK:?}"
    ((OK)) || say "removed ${WORK} (KEEP=1 keeps it)"
  else
    printf '\nThe work directory is kept: %s\n' "${WORK}"
    printf '  pods/<pod>.<n>/logs/<container>.log  each container'"'"'s output (kubectl logs)\n'
    printf '  pods/<pod>.<n>/events                 what the simulated kubelet did\n'
    printf '  client/  producer, consumer, samples; dnsmasq.log  every DNS query\n'
    printf '  manifests.yaml, spec/  what was run (kustomize build, per-pod specs)\n'
    printf 'Remove it with: rm -rf %s\n' "${WORK}"
  fi
  exit "${rc}"
}
exit_traps cleanup
# Every wait fails at once when a pod's kubelet recorded a failure.
AWAIT_ABORT_IF=sim_pod_failure

# ---------------------------------------------------------------- helpers

step() {
  local now
  now=$(now_ms)
  if ((STEP_NO > 0)); then STEP_TIMES+=("$(secs $((now - STEP_T0)))s  ${STEP_NO}. ${STEP_NAME}"); fi
  STEP_NO=$((STEP_NO + 1))
  STEP_NAME=$1
  STEP_T0=${now}
  shift
  printf '\n== Step %d/7: %s\n' "${STEP_NO}" "${STEP_NAME}"
  (($# == 0)) || info "$@"
}

pod_state_is() {
  local pod
  for pod in "${@:2}"; do
    [[ $(cat "${SIM_DIR[${pod}]}/state" 2>/dev/null) == "$1" ]] || return 1
  done
}

# probe_all SERVICE PODS...: every pod's agent answers SERVING for SERVICE.
probe_all() {
  local pod
  for pod in "${@:2}"; do
    [[ $(sim_probe "${pod}" "$1") == SERVING ]] || return 1
  done
}

# isr_all WANT PODS...: every pod's agent sees ISR WANT on test-0..2.
isr_all() {
  local pod
  for pod in "${@:2}"; do
    [[ $(sim_isr "${pod}") == "$1" ]] || return 1
  done
}

# no_unknown_host POD: its (current) Kafka logged no UnknownHostException:
# it did not start before the names it needs resolved.
no_unknown_host() {
  local log=${SIM_DIR[$1]}/logs/${SIM_MAIN}.log
  if grep -q UnknownHostException "${log}"; then
    fail "$1: Kafka logged UnknownHostException: $(grep -m1 UnknownHostException "${log}" | cut -c1-200)"
  fi
}

# kafka_ms "2026-11-25 20:17:04,309": a Kafka log timestamp in epoch ms.
kafka_ms() {
  local s
  s=$(date -d "${1%,*}" +%s) || return 1
  printf '%s\n' $((s * 1000 + 10#${1#*,}))
}

# On the client pod, as a person would type it (pod DNS names).
client() {
  pods_exec client "$@"
}

agent_dns_addr() {
  printf '%s:%s\n' "$(sim_fqdn "$1")" "${SIM_READY_PORT}"
}

# check_restart POD [NODE]: the verdict of POD's agent; sets VERDICT, VERDICT_RC.
check_restart() {
  local -a node=()
  [[ -z ${2:-} ]] || node=(--node-id "$2")
  VERDICT_RC=0
  VERDICT=$(pods_node_exec "${AGENT}" check-restart --addr "$(sim_agent_addr "$1")" "${node[@]}" 2>&1) ||
    VERDICT_RC=$?
}
restart_safe() {
  check_restart "$1"
  ((VERDICT_RC == 0))
}

json_field() {
  jq -r ".$2" <<<"$1"
}

# The last JSON result line a kafka-test-tool run printed.
tool_result() {
  grep -E '^\{"(sent|consumed)"' "$1" | tail -n 1
}

progress_line() {
  local p c
  p=$(cat "${WORK}/client/producer.progress" 2>/dev/null) || p='{}'
  c=$(cat "${WORK}/client/consumer.progress" 2>/dev/null) || c='{}'
  printf 'producer: %s sent, %s acknowledged, %s failed; consumer: %s read\n' \
    "$(json_field "${p}" 'sent // 0')" "$(json_field "${p}" 'acked // 0')" \
    "$(json_field "${p}" 'failed // 0')" "$(json_field "${c}" 'consumed // 0')"
}

# sampler: `kafka-agent status --offline --json` on every present agent,
# as often as it can (about 3 times a second), into client/samples:
#   TIME_MS POD STALE REGISTERED OFFLINE_COUNT OFFLINE_LISTED UNDER_MIN_ISR
sampler() {
  local pod out
  while [[ ! -e ${WORK}/client/sampler.stop && ! -e ${WORK}/stop ]]; do
    for pod in "${SIM_PODS[@]}"; do
      [[ -f ${PODS_DIR}/pods/${pod}.env ]] || continue
      out=$(sim_status "${pod}" --offline --json --timeout 1s 2>/dev/null) || continue
      printf '%s %s %s\n' "$(now_ms)" "${pod}" "$(jq -r '[.status.snapshot_stale,
        .status.broker_registered, .status.counts.offline,
        (.partitions.partitions // [] | length), .status.counts.under_min_isr] | @tsv' <<<"${out}")" \
        >>"${WORK}/client/samples"
    done
    nap 0.2
  done
}

# ---------------------------------------------------------------- the story

printf 'kafka-agent %s: a Kafka (KRaft) StatefulSet on simulated pods\n' "${MODE}"
info "No Kubernetes here: each pod is a network namespace with its own address, host name" \
  "and resolv.conf; a dnsmasq is the cluster DNS; each container runs in its own mount" \
  "namespace with the pod's volumes at the manifest's paths, as the manifest's user." \
  "What runs comes from the manifests (kustomize build manifests/base): images, args," \
  "env (Downward API, the CLUSTER_ID Secret), volumes, probes, grace period."
info "Work directory: ${WORK}"

say "setting up: kustomize build, pod specs, cluster DNS, client pod"
sim_setup || fail "setup failed"
info "StatefulSet ${SIM_STS}: ${SIM_REPLICAS} replicas, podManagementPolicy ${SIM_POD_MANAGEMENT}," \
  "headless Service ${SIM_SVC} in namespace ${SIM_NS}, readinessProbe gRPC :${SIM_READY_PORT} \"${SIM_READY_SERVICE}\"," \
  "terminationGracePeriodSeconds ${SIM_GRACE}, minReadySeconds ${SIM_MIN_READY}; containers in order:" \
  "$(tr ' ' '\n' <<<"${CONTAINERS}" | sed 's/:init$/ (init)/; s/:sidecar$/ (native sidecar)/; s/:main$/ (main)/' | paste -sd, | sed 's/,/, /g')"
info "Cluster DNS ${PODS_DNS_IP} (subnet ${PODS_SUBNET}); client pod $(pods_ip client) runs" \
  "the producer, the consumer and kafka-agent status."

# 1 ---------------------------------------------------------------------------
step "start the pods in parallel; init waits for DNS" \
  "All ${SIM_REPLICAS} pods start at once. A pod's DNS name appears only a moment after the pod" \
  "(the endpoints controller and the DNS catching up; here 0.5-3 s at random), so" \
  "each init container (kafka-agent init) waits until its own name and a majority of" \
  "the controller quorum resolve, then writes server.properties for Kafka." \
  "(One deviation from the manifest: Kafka gets KAFKA_HEAP_OPTS=${SIM_KAFKA_HEAP}; the manifest" \
  "sets none, and the image's default of 1 GiB per broker does not suit a small machine.)"
for pod in "${SIM_PODS[@]}"; do
  sim_start_pod "${pod}" || fail "could not start ${pod}"
done
await 150 "every pod's init to exit 0 and its Kafka container to start" \
  pod_state_is running "${SIM_PODS[@]}"
for pod in "${SIM_PODS[@]}"; do
  grep -q 'resolved to' "${SIM_DIR[${pod}]}/logs/${SIM_INIT}.log" ||
    fail "${pod}: its init log has no 'resolved to' line"
done
say "what init derived for kafka-2 (from its ordinal) in /mnt/shared/config/server.properties:"
grep -E '^(node\.id|process\.roles|controller\.quorum\.voters|advertised\.listeners|log\.dirs)=' \
  "${SIM_DIR[kafka-2]}/volumes/shared-config/server.properties" | show

# 2 ---------------------------------------------------------------------------
step "the brokers register and unfence; the pods become Ready" \
  "Each sidecar (kafka-agent serve) polls its local broker. kafka.broker = registered and" \
  "unfenced; kafka.ready (the readiness probe) = that, and in the ISR of every partition it" \
  "hosts. The kubelet's probes are played by grpc-health-probe from the node."
declare -A UNFENCED=()
unfenced_all() {
  local pod n t
  for pod in "${SIM_PODS[@]}"; do
    [[ -n ${UNFENCED[${pod}]:-} ]] && continue
    [[ $(sim_probe "${pod}" kafka.broker) == SERVING ]] || continue
    t=$(($(now_ms) - $(<"${SIM_DIR[${pod}]}/t_created")))
    UNFENCED[${pod}]=${t}
    n=$(grep -c UnknownHostException "${SIM_DIR[${pod}]}/logs/${SIM_MAIN}.log")
    say "${pod}: kafka.broker SERVING (registered, unfenced) $(secs "${t}")s after the pod was created; UnknownHostException lines in its Kafka log: ${n}"
    ((n == 0)) || fail "${pod}: Kafka logged UnknownHostException before registering: $(grep -m1 UnknownHostException "${SIM_DIR[${pod}]}/logs/${SIM_MAIN}.log")"
  done
  ((${#UNFENCED[@]} == ${#SIM_PODS[@]}))
}
await 180 "kafka.broker SERVING on every agent" unfenced_all
await 120 "kafka.ready SERVING on every agent (every pod Ready)" probe_all "${SIM_READY_SERVICE}" "${SIM_PODS[@]}"
n=$(cat "${SIM_DIR[@]/%//logs/${SIM_MAIN}.log}" | grep -c UnknownHostException)
((n == 0)) || fail "UnknownHostException in a Kafka log: $(awk '/UnknownHostException/ { print; exit }' "${SIM_DIR[@]/%//logs/${SIM_MAIN}.log}")"
say "no UnknownHostException in any Kafka log (checked: ${#SIM_PODS[@]} logs)"
say "kafka-agent status, from the client pod:  kafka-agent status --addr $(agent_dns_addr kafka-0)"
client "${AGENT}" status --addr "$(agent_dns_addr kafka-0)" | sed '/^$/,$d' | show

# 3 ---------------------------------------------------------------------------
step "topic test: 3 partitions, replication factor 3" \
  "min.insync.replicas is 2 from the base config (the ConfigMap), not set on the topic."
say "client pod: kafka-test-tool create-topic -b ${SIM_BOOTSTRAP} -t test -p 3 -r 3"
client "${TOOL}" create-topic -b "${SIM_BOOTSTRAP}" -t test -p 3 -r 3 2>&1 | show
await 60 "every agent to report ISR 0,1,2 on test-0, test-1, test-2" \
  isr_all "0,1,2 0,1,2 0,1,2" "${SIM_PODS[@]}"
mins=$(sim_status kafka-0 --json --topic test | jq -r '[.partitions.partitions[].min_insync_replicas] | unique | join(",")')
[[ ${mins} == 2 ]] || fail "min.insync.replicas of test is '${mins}', want 2 (from the base config)"
say "kafka-agent status --addr $(agent_dns_addr kafka-0) --topic test"
client "${AGENT}" status --addr "$(agent_dns_addr kafka-0)" --topic test | sed '1,/^$/d' | show

# 4 ---------------------------------------------------------------------------
step "scale to 2: kafka-2 is deleted" \
  "kubectl scale statefulset ${SIM_STS} --replicas=2: the controller deletes the highest ordinal." \
  "Its data volume stays (persistentVolumeClaimRetentionPolicy: Retain)."
check_restart kafka-2
say "check-restart for node 2 first (what an operator or a PodDisruptionBudget-aware tool asks):"
show <<<"${VERDICT}"
sim_delete_pod kafka-2 || fail "deleting kafka-2 failed"
await 60 "the agents of kafka-0 and kafka-1 to report ISR 0,1 on every partition" \
  isr_all "0,1 0,1 0,1" kafka-0 kafka-1
for pod in kafka-0 kafka-1; do
  ur=$(sim_status "${pod}" --json --topic test --under-replicated | jq -r '.partitions.partitions | length')
  [[ ${ur} == 3 ]] || fail "${pod}'s agent lists ${ur} under-replicated partitions of test, want 3"
  [[ $(sim_probe "${pod}" "${SIM_READY_SERVICE}") == SERVING ]] || fail "${pod} should stay Ready"
done
say "both agents list 3 under-replicated partitions; kafka-0 and kafka-1 stay Ready:"
say "kafka-agent status --addr $(agent_dns_addr kafka-0) --topic test --under-replicated"
client "${AGENT}" status --addr "$(agent_dns_addr kafka-0)" --topic test --under-replicated | sed '1,/^$/d' | show
check_restart kafka-0 1
if ((VERDICT_RC != 1)) || [[ ${VERDICT} != UNSAFE* ]]; then
  fail "check-restart --node-id 1 should be UNSAFE (exit 1); got exit ${VERDICT_RC}: ${VERDICT}"
fi
say "kafka-agent check-restart --node-id 1 (exit ${VERDICT_RC}): restarting kafka-1 now would take partitions below min.insync.replicas"
show <<<"${VERDICT}"
say "acks=all writes still succeed with 2 in-sync replicas (= min.insync.replicas): 20000 messages of 4 KiB"
client "${TOOL}" produce -b "${SIM_BOOTSTRAP}" -t test --count 20000 --rate 20000 --start 100000000 --size 4096 \
  --acked-file "${WORK}/client/scaled-down.acked" >"${WORK}/client/scaled-down.log" 2>&1 ||
  fail "producing with kafka-2 away failed: $(tail -n 3 "${WORK}/client/scaled-down.log")"
res=$(tool_result "${WORK}/client/scaled-down.log")
show <<<"${res}"
[[ $(json_field "${res}" acked) == 20000 ]] || fail "with kafka-2 away, want 20000 acknowledged: ${res}"

# 5 ---------------------------------------------------------------------------
step "scale back to 3: kafka-2 rejoins, Ready only once caught up" \
  "The new kafka-2 runs init again, finds its old data, and must copy what it missed" \
  "(the 20000 messages, 80 MB) before it is back in the ISRs; only then is it Ready."
sim_start_pod kafka-2 || fail "could not recreate kafka-2"
recreated=$(<"${SIM_DIR[kafka-2]}/t_created")
await 60 "kafka-2's sidecar to answer (so we can watch its status stream)" \
  pod_state_is running kafka-2
# (`ip netns exec` execs grpcurl: $! is grpcurl's pid.)
ip netns exec "${PODS_NODE_NS}" grpcurl -plaintext -max-time 600 "$(sim_agent_addr kafka-2)" \
  kafka_agent.v1.KafkaAgent/WatchStatus >"${WORK}/client/watch-kafka-2.json" \
  2>"${WORK}/client/watch-kafka-2.err" &
SIM_HELPERS+=($!)
WATCH_PID=$!
say "grpcurl ... kafka_agent.v1.KafkaAgent/WatchStatus on kafka-2 records every change"
last=''
t_reg=''
t_ready=''
# One look at kafka-2's probes (saying each change); true once it is Ready,
# which must mean caught up: 2 in the ISR of every partition.
kafka2_ready() {
  local b r isr p
  b=$(sim_probe kafka-2 kafka.broker)
  r=$(sim_probe kafka-2 "${SIM_READY_SERVICE}")
  isr=$(sim_isr kafka-2)
  if [[ "${b} ${r}" != "${last}" ]]; then
    say "kafka-2 probes: kafka.broker ${b}, kafka.ready ${r}; its agent's ISR view of test: ${isr:-?}"
    last="${b} ${r}"
  fi
  [[ -n ${t_reg} || ${b} != SERVING ]] || t_reg=$(now_ms)
  [[ ${r} == SERVING ]] || return 1
  for p in ${isr}; do
    [[ ,${p}, == *,2,* ]] || fail "kafka-2 is Ready but its ISR view is '${isr}'"
  done
  [[ $(wc -w <<<"${isr}") == 3 ]] || fail "kafka-2 is Ready but lists ${isr:-no} partitions of test"
  t_ready=$(now_ms)
}
wait_until --every 0.2 --abort-if sim_pod_failure 180 "kafka-2 to be Ready" kafka2_ready ||
  fail "kafka-2 not Ready 180s after it was recreated (${WAIT_ERROR})"
[[ -n ${t_reg} ]] || t_reg=${t_ready}
KAFKA2_READY_MS=$((t_ready - recreated))
say "kafka-2: broker registered $(secs $((t_reg - recreated)))s, Ready $(secs "${KAFKA2_READY_MS}")s after it was recreated"
no_unknown_host kafka-2
nap 2.5
kill -TERM "${WATCH_PID}" 2>/dev/null
wait "${WATCH_PID}" 2>/dev/null
jq -s -e 'length >= 2 and any(.[]; .ready == true)' "${WORK}/client/watch-kafka-2.json" >/dev/null 2>&1 ||
  fail "WatchStatus on kafka-2 sent fewer than 2 updates, or none saying ready (see client/watch-kafka-2.json)"
# grpcurl prints proto field names; absent fields are false / 0.
bad=$(jq -s '[.[] | select(.ready == true and (((.counts.not_in_isr // 0) > 0) or (.broker_registered // false) != true))] | length' \
  "${WORK}/client/watch-kafka-2.json")
[[ ${bad} == 0 ]] || fail "WatchStatus on kafka-2: ${bad} updates say ready while not caught up"
phases=$(jq -rs '
  [.[] | if .ready == true then "ready"
         elif (.broker_registered // false) then "registered, catching up (\(.counts.not_in_isr // 0) partitions not in ISR)"
         else "broker not registered yet" end]
  | reduce .[] as $p ([]; if length > 0 and .[-1] == $p then . else . + [$p] end) | join(" -> ")' \
  "${WORK}/client/watch-kafka-2.json")
say "kafka-2's status stream (WatchStatus), its phases in order; never ready while behind:"
show <<<"${phases}"
line=$(grep -m1 'The broker has been unfenced' "${SIM_DIR[kafka-2]}/logs/${SIM_MAIN}.log")
say "kafka-2's timeline, in seconds after it was recreated:"
{
  printf '%s %s\n' "$(<"${SIM_DIR[kafka-2]}/t_init_done")" "init done (config written)"
  printf '%s %s\n' "$(<"${SIM_DIR[kafka-2]}/t_main_started")" "Kafka container started"
  [[ -z ${line} ]] || printf '%s %s\n' "$(kafka_ms "${line:1:23}")" "broker unfenced (Kafka's log); it starts fetching what it missed"
  printf '%s %s\n' "${t_ready}" "Ready: back in the ISR of every partition it hosts (kafka.ready probe)"
} | sort -n | while read -r ms what; do
  printf '+%5ss  %s\n' "$(secs $((ms - recreated)))" "${what}"
done | show
grep -q 'already formatted' "${SIM_DIR[kafka-2]}/logs/${SIM_MAIN}.log" ||
  fail "kafka-2 should have found its storage already formatted (the data volume is kept)"
say "kafka-2's Kafka found its old data: $(grep -m1 'already formatted' "${SIM_DIR[kafka-2]}/logs/${SIM_MAIN}.log" | cut -c1-90)..."
await 60 "every agent to report ISR 0,1,2 again" isr_all "0,1,2 0,1,2 0,1,2" "${SIM_PODS[@]}"

# 6 ---------------------------------------------------------------------------
step "rolling restart under load, driven by readiness" \
  "kubectl rollout restart statefulset ${SIM_STS}: the controller replaces one pod at a time, highest" \
  "ordinal first, and only when every pod is Ready (and has been for minReadySeconds=${SIM_MIN_READY})." \
  "Meanwhile a producer (acks=all, idempotent, ${RATE} messages/s) and a consumer run on the client pod."
pods_spawn client "${WORK}/client/consumer.log" "${TOOL}" consume -b "${SIM_BOOTSTRAP}" -t test \
  --expect-file "${WORK}/client/expected" --stop-file "${WORK}/client/consumer.stop" --timeout 120 \
  --progress-file "${WORK}/client/consumer.progress" || fail "could not start the consumer"
CONSUMER_PID=${PODS_PID}
pods_spawn client "${WORK}/client/producer.log" "${TOOL}" produce -b "${SIM_BOOTSTRAP}" -t test \
  --rate "${RATE}" --stop-file "${WORK}/client/producer.stop" --acked-file "${WORK}/client/roll.acked" \
  --progress-file "${WORK}/client/producer.progress" || fail "could not start the producer"
PRODUCER_PID=${PODS_PID}
sampler &
SAMPLER_PID=$!
SIM_HELPERS+=("${SAMPLER_PID}")
producing() {
  [[ $(json_field "$(cat "${WORK}/client/producer.progress" 2>/dev/null || echo '{}')" 'acked // 0') -gt 0 ]]
}
await 30 "the producer's first acknowledgements" producing
ROLL_T0=$(now_ms)
declare -a ROLL_READY=()
last_ready=0
for pod in kafka-2 kafka-1 kafka-0; do
  await 120 "every pod Ready before touching ${pod}" probe_all "${SIM_READY_SERVICE}" "${SIM_PODS[@]}"
  wait_ms=$((SIM_MIN_READY * 1000 - ($(now_ms) - last_ready)))
  if ((last_ready > 0 && wait_ms > 0)); then
    say "minReadySeconds: the last restarted pod has to stay Ready for ${SIM_MIN_READY}s; $(secs "${wait_ms}")s to go"
    nap "$(secs "${wait_ms}")"
    probe_all "${SIM_READY_SERVICE}" "${SIM_PODS[@]}" || fail "a pod stopped being Ready during minReadySeconds"
  fi
  wait_until --every 0.5 60 "check-restart to call ${pod} safe" restart_safe "${pod}" ||
    fail "check-restart for ${pod} still UNSAFE after 60s: ${VERDICT}"
  say "check-restart for ${pod} (node ${pod##*-}): ${VERDICT%%$'\n'*}"
  sim_delete_pod "${pod}" || fail "deleting ${pod} failed"
  say "$(progress_line)"
  sim_start_pod "${pod}" || fail "could not recreate ${pod}"
  t_new=$(<"${SIM_DIR[${pod}]}/t_created")
  await 180 "${pod} to be Ready again (kafka.ready SERVING)" probe_all "${SIM_READY_SERVICE}" "${pod}"
  isr=$(sim_isr "${pod}")
  for p in ${isr}; do
    [[ ,${p}, == *,${pod##*-},* ]] || fail "${pod} is Ready but its ISR view is '${isr}'"
  done
  no_unknown_host "${pod}"
  last_ready=$(now_ms)
  ROLL_READY+=("${pod} $(secs $((last_ready - t_new)))s")
  say "${pod} is Ready $(secs $((last_ready - t_new)))s after it was recreated; ISR view ${isr}"
  say "$(progress_line)"
done
await 120 "every pod Ready at the end" probe_all "${SIM_READY_SERVICE}" "${SIM_PODS[@]}"
ROLL_MS=$(($(now_ms) - ROLL_T0))
say "rolling restart done in $(secs "${ROLL_MS}")s; stopping the producer (it waits for its last acknowledgements)"
: >"${WORK}/client/producer.stop"
await 150 "the producer to finish" exited "${PRODUCER_PID}"
wait "${PRODUCER_PID}"
prod_rc=$?
PROD=$(tool_result "${WORK}/client/producer.log")
[[ -n ${PROD} ]] || fail "the producer printed no result (exit ${prod_rc})"
cat "${WORK}/client/roll.acked" "${WORK}/client/scaled-down.acked" >"${WORK}/client/expected.tmp"
mv "${WORK}/client/expected.tmp" "${WORK}/client/expected"
: >"${WORK}/client/consumer.stop"
say "consumer: reading until it has seen every acknowledged message (the roll's and step 4's)"
await 150 "the consumer to finish" exited "${CONSUMER_PID}"
wait "${CONSUMER_PID}"
cons_rc=$?
CONS=$(tool_result "${WORK}/client/consumer.log")
[[ -n ${CONS} ]] || fail "the consumer printed no result (exit ${cons_rc})"
: >"${WORK}/client/sampler.stop"
wait "${SAMPLER_PID}"
SENT=$(json_field "${PROD}" sent)
ACKED=$(json_field "${PROD}" acked)
FAILED=$(json_field "${PROD}" failed)
CONSUMED=$(json_field "${CONS}" consumed)
EXPECTED=$(json_field "${CONS}" expected)
SEEN=$(json_field "${CONS}" seen)
MISSING=$(json_field "${CONS}" missing)
read -r SAMPLES FRESH OFFLINE_MAX UNDER_MIN_MAX < <(awk '
  { n++ } $3 == "false" && $4 == "true" { f++; if ($5 > o) o = $5; if ($6 > o) o = $6; if ($7 > u) u = $7 }
  END { print n + 0, f + 0, o + 0, u + 0 }' "${WORK}/client/samples" 2>/dev/null || echo 0 0 0 0)
say "producer: ${PROD}"
say "consumer: ${CONS}"
say "status --offline samples during the roll: ${SAMPLES} (${FRESH} from agents with a fresh snapshot of a registered broker); most offline partitions seen: ${OFFLINE_MAX}; most under min.insync.replicas: ${UNDER_MIN_MAX}"
((prod_rc == 0 && FAILED == 0 && ACKED == SENT)) ||
  fail "the producer lost acknowledgements: sent ${SENT}, acknowledged ${ACKED}, failed ${FAILED} (exit ${prod_rc})"
((SENT > 0)) || fail "the producer sent nothing"
((cons_rc == 0 && MISSING == 0 && SEEN == EXPECTED)) ||
  fail "acknowledged messages were lost: ${MISSING} of ${EXPECTED} not read back"
((EXPECTED == ACKED + 20000)) || fail "expected ${ACKED} + 20000 acknowledged numbers, the consumer had ${EXPECTED}"
((FRESH >= 20)) || fail "too few status samples during the roll (${FRESH}): offline partitions were not watched"
((OFFLINE_MAX == 0)) || fail "a partition went offline during the rolling restart (see client/samples)"

# 7 ---------------------------------------------------------------------------
step "clean up" "Delete the StatefulSet's pods (gracefully, in parallel) and the client, then the" \
  "node (bridge, DNS); check that nothing of the run is left."
: >"${WORK}/quiet"
t0=$(now_ms)
for pod in "${SIM_PODS[@]}"; do
  (sim_delete_pod "${pod}" >/dev/null) &
  SIM_HELPERS+=($!)
done
for pid in "${SIM_HELPERS[@]}"; do wait "${pid}" 2>/dev/null; done
SIM_HELPERS=()
for pod in "${SIM_PODS[@]}"; do
  pid=${SIM_KUBELET[${pod}]:-}
  [[ -z ${pid} ]] || wait "${pid}" 2>/dev/null
  unset "SIM_KUBELET[${pod}]"
done
say "the ${#SIM_PODS[@]} pods are gone after $(secs $(($(now_ms) - t0)))s (each: Kafka stopped on SIGTERM, then its sidecar)"
pods_delete client --grace 3
cp "${PODS_DNS_LOG}" "${WORK}/dnsmasq.log" 2>/dev/null
pods_cleanup "${RUN}"
left=$(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -c "^ka-${RUN}-")
[[ ${left} == 0 ]] || fail "${left} network namespaces of the run are left"
mounts=$(findmnt -rn -o TARGET,SOURCE | grep -c -- "${WORK}")
[[ ${mounts} == 0 ]] || fail "${mounts} mounts under ${WORK} are left"
running=0
for f in "${WORK}"/pods/*/*.pid; do
  [[ -f ${f} ]] || continue
  alive "$(<"${f}")" && running=$((running + 1))
done
[[ ${running} == 0 ]] || fail "${running} container processes are still running"
[[ ! -e /run/ka-pods/${RUN} && ! -e /etc/netns/ka-${RUN}-node ]] || fail "state of the run is left in /run/ka-pods or /etc/netns"
say "nothing left: no namespace ka-${RUN}-*, no mount, no container process; the work directory goes next"
OK=1

now=$(now_ms)
STEP_TIMES+=("$(secs $((now - STEP_T0)))s  ${STEP_NO}. ${STEP_NAME}")
printf '\n== Summary (%s)\n' "$(if [[ ${MODE} == test ]]; then echo 'every check passed'; else echo 'every claim checked'; fi)"
info "wall time per step:"
for t in "${STEP_TIMES[@]}"; do printf '          %8s  %s\n' "${t%%  *}" "${t#*  }"; done
printf '          %8s  %s\n' "$(secs $((now - LIB_T0)))s" "in total"
info "" "kafka-2 after the scale-up: Ready $(secs "${KAFKA2_READY_MS}")s after it was recreated (only once back in every ISR)" \
  "rolling restart: $(secs "${ROLL_MS}")s; Ready after recreation: $(printf '%s, ' "${ROLL_READY[@]}" | sed 's/, $//')" \
  "producer (acks=all) during the roll: ${SENT} sent, ${ACKED} acknowledged, ${FAILED} failed" \
  "consumer: ${CONSUMED} messages read; all ${EXPECTED} acknowledged ones (${ACKED} of the roll + 20000 of step 4) found, ${MISSING} missing" \
  "offline partitions seen: ${OFFLINE_MAX} (in ${FRESH} samples of kafka-agent status --offline during the roll)"
