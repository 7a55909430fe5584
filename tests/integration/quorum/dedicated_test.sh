#!/usr/bin/env bash
# shellcheck disable=SC2317  # samplers are called indirectly (sample_until, check)
# The dedicated-controllers topology (manifests/overlays/dedicated-controllers)
# in simulated pods (tests/lib/pods.sh: network namespace, host name, the
# kubelet's resolv.conf and hosts, dnsmasq as the cluster DNS), each pod with
# its agent's sidecar (`kafka-agent serve`, poll interval 1s) beside Kafka:
#
#   StatefulSet kafka-controller, Service kafka-controller-headless: 3
#     controller-only pods, node ids 0..2 (`kafka-agent init --process-roles
#     controller`); their agents ask their own controller listener.
#   StatefulSet kafka, Service kafka-headless: 3 broker-only pods, node ids
#     100..102 (`--process-roles broker --node-id-offset 100
#     --controller-statefulset kafka-controller --controller-service
#     kafka-controller-headless --controller-node-id-offset 0`).
#
#   tests/integration/quorum/dedicated_test.sh [AGENT_BIN] [KAFKA_TEST_TOOL]
#
# Scenarios (issue 8, item 7), each timed; the table at the end lists them:
#   a. cold start, every pod in parallel (all 6 JVMs and agents at once,
#      as a StatefulSet with podManagementPolicy Parallel does). Every pod
#      becomes Ready (kafka.ready SERVING; the controllers' kafka.controller
#      too). The brokers' agents are seen answering NOT_SERVING while no
#      controller is SERVING, and no broker's kafka.ready turns SERVING
#      before the quorum has a leader (the election in the controllers' own
#      logs) nor before some controller's agent says kafka.controller
#      SERVING (the agents' logs). Broker-only agents answer
#      NOT_FOUND for kafka.controller, controller-only agents for
#      kafka.broker. Then, as a baseline for b: check-restart is safe on
#      every pod.
#   b. 2 of 3 controllers killed one after the other (SIGKILL; the
#      survivor is the quorum leader, the case where the quorum's own
#      answers still name a leader).
#      b1. one down: the other two stay SERVING (a majority is left), but
#      `kafka-agent check-restart` on each of them is UNSAFE (stopping it
#      would lose the majority); on the brokers it stays safe.
#      b2. the second down: the survivor's kafka.controller NOT_SERVING
#      within the voter lag limit (controller.quorum.fetch.timeout.ms, 2s)
#      + 2 polls, i.e. before Kafka's own leader resigns (1.5 fetch
#      timeouts); every broker's kafka.broker NOT_SERVING (no quorum); the
#      survivor's check-restart UNSAFE. The two restarted: every pod Ready
#      again, check-restart safe.
#   c. a broker whose controller traffic is cut (iptables in its pod, its
#      process running): its kafka.broker NOT_SERVING by the time the
#      controllers fence it at the latest (and within the session timeout +
#      3 polls), with a reason naming the quorum, the controllers or
#      fencing, while the other brokers and the controllers stay Ready;
#      uncut: SERVING, and Ready once back in the ISR of topic `test`.
#
# The agents are probed from inside their pods (grpc-health-probe on
# 127.0.0.1:50051, like an exec probe). Kafka: broker.session.timeout.ms
# 6000, broker.heartbeat.interval.ms 1000 (faster fencing), JVM heaps 128 MiB
# (controllers) and 192 MiB (brokers): 6 JVMs on 2 cores. About 2-3 minutes.
#
# Exit: 0 passed; 1 a check failed (every scenario runs, the table is
# printed anyway); 77 skipped (not root, no network namespaces). KEEP=1 keeps
# the work directory of a passing run; a failed run always keeps it.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/faults.sh
. "${HERE}/../../lib/faults.sh"
AGENT=${1:-${LIB_ROOT}/build/kafka-agent}
TOOL=${2:-${LIB_ROOT}/build/tests/kafka-test-tool}

why=$(pods_can_run) || skip "${why}"
need dnsmasq:dnsmasq-base iptables:iptables java:default-jre-headless jq:jq \
  grpc-health-probe:scripts/go-tools.sh
for b in "${AGENT}" "${TOOL}"; do
  [[ -x ${b} ]] || die "${b} not found: build first (make build)"
done
AGENT=$(realpath "${AGENT}")
TOOL=$(realpath "${TOOL}")
LIBS=$("${LIB_ROOT}/tests/integration/kafka/fetch.sh" | tail -n1) ||
  die "no Kafka jars (tests/integration/kafka/fetch.sh failed)"

# ---------------------------------------------------------------- settings

POLL_MS=1000
SESSION_MS=6000 # broker.session.timeout.ms
AGENT_PORT=50051
CTRL_PORT=29093
# Limits (ms).
START_MS=150000                        # a: 6 JVMs from cold on 2 busy cores
VOTER_LAG_MS=2000                      # controller.quorum.fetch.timeout.ms
# b: a voter is behind once it has not caught up for a fetch timeout; then
# the agent's next poll (2 polls of slack on 2 busy cores).
DETECT_MS=$((VOTER_LAG_MS + 2 * POLL_MS))
UNSAFE_MS=$((DETECT_MS + 3 * POLL_MS)) # b: the brokers' snapshots follow
RESTART_MS=120000                      # b: 2 JVMs restarted, all Ready
FENCE_MS=$((SESSION_MS + 3 * POLL_MS)) # c: fenced, then 3 polls
RECOVER_MS=30000                       # c: back to Ready

WORK=$(mktemp -d /tmp/quorum-test.XXXXXX) || die "mktemp failed"
chmod 0755 "${WORK}"
RUN=qrm$$
RUN=${RUN:0:12}
CTRLS=(kafka-controller-0 kafka-controller-1 kafka-controller-2)
BROKERS=(kafka-0 kafka-1 kafka-2)
PODS=("${CTRLS[@]}" "${BROKERS[@]}")
declare -A NS IP FQDN NODE KPID

cleanup() {
  local p
  for p in "${PODS[@]}"; do
    [[ -z ${KPID[${p}]:-} ]] || kill -KILL "${KPID[${p}]}" 2>/dev/null
  done
  pods_cleanup "${RUN}"
  if [[ ${KEEP:-0} == 1 || ${PASSED:-0} != 1 ]]; then
    echo "kept ${WORK}"
  else
    rm -rf -- "${WORK:?}"
  fi
}
exit_traps cleanup

# ---------------------------------------------------------------- helpers

# probe POD SERVICE: SERVING / NOT_SERVING / NOT_FOUND / ERROR, from inside
# the pod.
probe() { health_of "127.0.0.1:${AGENT_PORT}" "$2" ip netns exec "${NS[$1]}"; }
is() { [[ $(probe "$1" "$2") == "$3" ]]; }
matches() { [[ $1 =~ $2 ]]; } # TEXT ERE
agent_cli() { # POD COMMAND [ARG...]: the agent's command line in POD
  local pod=$1
  shift
  ip netns exec "${NS[${pod}]}" "${AGENT}" "$@" --addr "127.0.0.1:${AGENT_PORT}"
}
status_json() { agent_cli "$1" status --json 2>/dev/null; }
# check_restart POD [ARG...]: CR_OUT = what it printed, CR_RC = its exit.
check_restart() {
  local pod=$1
  shift
  CR_RC=0
  CR_OUT=$(agent_cli "${pod}" check-restart "$@" 2>&1) || CR_RC=$?
}
CTRL_LOGS=("${WORK}"/kafka-controller-{0,1,2}/server.log)
# flip_ms POD SERVICE: when POD's agent first turned SERVICE SERVING (its log).
flip_ms() { log_ms 0 "health \"$2\": [A-Z_]+ -> SERVING" "${WORK}/$1/agent.log"; }
# The quorum leader as the controllers' quorum-state files say.
quorum_leader() {
  quorum_leader_of "${WORK}"/kafka-controller-*/data/__cluster_metadata-0/quorum-state
}
# Every pod Ready: kafka.ready SERVING everywhere, kafka.controller on the
# controllers.
all_ready() {
  local p
  for p in "${PODS[@]}"; do is "${p}" kafka.ready SERVING || return 1; done
  for p in "${CTRLS[@]}"; do is "${p}" kafka.controller SERVING || return 1; done
}
all_ready_twice() {
  all_ready || return 1
  nap "$(secs $((2 * POLL_MS)) 3)"
  all_ready
}

# stay_serving POD:SERVICE...: one of them (in turn, one per sample) answers
# SERVING; otherwise counts the sample in BAD and keeps the first in
# BAD_FIRST. Call stay_reset first.
stay_reset() { BAD=0 BAD_FIRST='' _TURN=0 STAY_T0=$(now_ms); }
stay_serving() {
  local -a all=("$@")
  local pick=${all[_TURN % $#]} s
  _TURN=$((_TURN + 1))
  s=$(probe "${pick%%:*}" "${pick#*:}")
  [[ ${s} != SERVING ]] || return 0
  BAD=$((BAD + 1))
  [[ -n ${BAD_FIRST} ]] || BAD_FIRST="${pick} ${s} $((T - STAY_T0)) ms in"
  return 1
}
check_stayed() { # WHAT
  info "$1: ${BAD} of ${_TURN} samples not SERVING${BAD_FIRST:+ (first: ${BAD_FIRST})}"
  check "$1 stay SERVING" eq "${BAD}" 0
}

CASE_LOGS=()
on_case_fail() {
  local f
  for f in "${CASE_LOGS[@]}"; do tail_of 15 "${f}"; done
}

# ---------------------------------------------------------------- set-up

say "work dir ${WORK}; run ${RUN}"
pods_init "${RUN}" || fail "could not set up the simulated cluster"
i=0
for p in "${PODS[@]}"; do
  svc=kafka-headless
  [[ ${p} != kafka-controller-* ]] || svc=kafka-controller-headless
  pods_create "${p}" $((20 + i)) --namespace kafka --subdomain "${svc}" ||
    fail "could not create pod ${p}"
  i=$((i + 1))
  NS[${p}]=$(pods_netns "${p}")
  IP[${p}]=$(pods_ip "${p}")
  FQDN[${p}]=$(pods_fqdn "${p}")
  # Both headless Services publish not-ready addresses (the overlay).
  pods_publish_dns "${FQDN[${p}]}" "${IP[${p}]}" || fail "could not publish ${FQDN[${p}]}"
done
say "pods ${PODS[*]} (subnet ${PODS_SUBNET}, DNS ${PODS_DNS_IP})"

# The identity flags of each StatefulSet, the same for init and serve (the
# overlay gives both containers the same environment).
CTRL_FLAGS=(--headless-service kafka-controller-headless --process-roles controller)
BROKER_FLAGS=(--headless-service kafka-headless --process-roles broker --node-id-offset 100
  --controller-statefulset kafka-controller --controller-service kafka-controller-headless
  --controller-node-id-offset 0)
flags_of() { # POD -> FLAGS
  if [[ $1 == kafka-controller-* ]]; then FLAGS=("${CTRL_FLAGS[@]}"); else FLAGS=("${BROKER_FLAGS[@]}"); fi
}

CLUSTER_ID=$(new_cluster_id) || fail "no cluster id"
for p in "${PODS[@]}"; do
  d=${WORK}/${p}
  mkdir -p "${d}/tmp" "${d}/config"
  cat >"${d}/base.properties" <<EOF
# dedicated_test.sh: the base config kafka-agent init merges under the keys
# it derives for ${p} (node.id, roles, voters by DNS name, listeners).
log.dirs=${d}/data
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
$(kafka_test_props)
EOF
  flags_of "${p}"
  pods_exec "${p}" env POD_NAMESPACE=kafka "${AGENT}" init "${FLAGS[@]}" \
    --base-config "${d}/base.properties" --output "${d}/config/server.properties" \
    --dns-wait all --dns-timeout 20s >"${d}/init.log" 2>&1 ||
    { tail_of 20 "${d}/init.log"; fail "kafka-agent init failed in ${p}"; }
  cp "${d}/config/server.properties" "${d}/server.properties"
  NODE[${p}]=$(sed -n 's/^node\.id=//p' "${d}/server.properties")
  info "${p}: node.id ${NODE[${p}]}, $(grep -m1 '^process.roles=' "${d}/server.properties"), $(grep -m1 '^listeners=' "${d}/server.properties")"
done
grep -m1 '^controller.quorum.voters=' "${WORK}/kafka-0/server.properties" | show
say "kafka-agent init rendered every pod's server.properties; formatting (cluster ${CLUSTER_ID})"
PODDIRS=()
for p in "${PODS[@]}"; do PODDIRS+=("${WORK}/${p}"); done
pod_format "${CLUSTER_ID}" "${PODDIRS[@]}" || fail "formatting failed"

heap_of() { if [[ $1 == kafka-controller-* ]]; then echo 128m; else echo 192m; fi; }
kafka_start() { # POD
  pod_kafka_start "$1" "${WORK}/$1" "$(heap_of "$1")"
  KPID[$1]=${PODS_PID}
}
agent_start() { # POD
  flags_of "$1"
  pod_agent_start "$1" "${WORK}/$1/agent.log" "${POLL_MS}" "${AGENT_PORT}" "${FLAGS[@]}"
}

# ---------------------------------------------------------------- a. cold start

begin_case "a. cold start, every pod in parallel: every pod Ready, no broker before the quorum"
CASE_LOGS=("${WORK}/kafka-0/agent.log" "${WORK}/kafka-controller-0/agent.log")
declare -A READY
EARLY=0 # brokers' kafka.ready NOT_SERVING answers before any kafka.controller SERVING
ANY_CTRL=0
# One sample: the brokers' kafka.ready, then the controllers' kafka.ready
# and kafka.controller; READY[pod] = the start of the probe that first saw
# the pod Ready.
s_cold() {
  local p t s done=1
  for p in "${BROKERS[@]}"; do
    [[ -z ${READY[${p}]:-} ]] || continue
    t=$(now_ms)
    s=$(probe "${p}" kafka.ready)
    if [[ ${s} == SERVING ]]; then
      READY[${p}]=${t}
    else
      ((ANY_CTRL)) || [[ ${s} != NOT_SERVING ]] || EARLY=$((EARLY + 1))
      done=0
    fi
  done
  for p in "${CTRLS[@]}"; do
    [[ -z ${READY[${p}]:-} ]] || continue
    t=$(now_ms)
    if is "${p}" kafka.controller SERVING; then
      ANY_CTRL=1
      if is "${p}" kafka.ready SERVING; then READY[${p}]=${t}; fi
    fi
    [[ -n ${READY[${p}]:-} ]] || done=0
  done
  ((done))
}
t0=$(now_ms)
for p in "${PODS[@]}"; do kafka_start "${p}"; done
for p in "${PODS[@]}"; do agent_start "${p}"; done
t1=$(now_ms)
info "every pod's JVM and agent started (in $((t1 - t0)) ms); sampling"
WHILE_NO_QUORUM=''
s_cold_note() { # keeps what a broker's agent says before any controller is SERVING
  s_cold && return 0
  ((ANY_CTRL)) || WHILE_NO_QUORUM=$(status_json kafka-0 | jq -r '.status.health[]? | select(.service == "kafka.ready") | .reason' 2>/dev/null) || true
  return 1
}
sample_until "${START_MS}" s_cold_note
info "kafka-0's agent while no controller was SERVING (last seen): ${WHILE_NO_QUORUM:-no answer}"
ELECTED=$(log_ms "${t0}" 'Completed transition to Leader\(' "${CTRL_LOGS[@]}")
CTRL_FLIP=''
for p in "${CTRLS[@]}"; do
  f=$(flip_ms "${p}" kafka.controller)
  info "${p}: kafka.controller SERVING $(if [[ -n ${f} ]]; then echo "$((f - t0)) ms"; else echo never; fi) after the start (its agent's log)"
  [[ -z ${f} ]] || [[ -n ${CTRL_FLIP} && ${CTRL_FLIP} -le ${f} ]] || CTRL_FLIP=${f}
done
if [[ -n ${ELECTED} ]]; then
  info "the quorum elected its first leader $((ELECTED - t0)) ms after the start (the controllers' logs)"
else
  not_ok "no leader election in the controllers' logs"
fi
last=0
for p in "${PODS[@]}"; do
  r=${READY[${p}]:-}
  info "${p}: Ready (probed) $(if [[ -n ${r} ]]; then echo "$((r - t0)) ms"; else echo "never (within ${START_MS} ms)"; fi) after the start"
  check "${p} Ready" test -n "${r}"
  [[ -z ${r} ]] || ((r <= last)) || last=${r}
done
info "brokers' kafka.ready probes before any controller was SERVING: ${EARLY}, each NOT_SERVING"
check "the brokers were seen NOT_SERVING while there was no quorum" le 1 "${EARLY}"
MARGIN='?'
for p in "${BROKERS[@]}"; do
  f=$(flip_ms "${p}" kafka.ready)
  if [[ -z ${f} || -z ${ELECTED} || -z ${CTRL_FLIP} ]]; then
    not_ok "${p}: when its kafka.ready turned SERVING, or the quorum's leader, is not in the logs"
    continue
  fi
  info "${p}: kafka.ready SERVING $((f - ELECTED)) ms after the election, $((f - CTRL_FLIP)) ms after the first kafka.controller SERVING (the logs)"
  check "${p} Ready only after the quorum had a leader" le "${ELECTED}" "${f}"
  check "${p} Ready only after some controller's kafka.controller SERVING" le "${CTRL_FLIP}" "${f}"
  if [[ ${MARGIN} == '?' ]] || ((f - CTRL_FLIP < MARGIN)); then MARGIN=$((f - CTRL_FLIP)); fi
done
all_up=">${START_MS}"
((${#READY[@]} < ${#PODS[@]})) || all_up=$((last - t0))
check "every pod Ready within ${START_MS} ms of the start" within "${all_up}" "${START_MS}"
for p in "${BROKERS[@]}"; do
  check "${p} (broker-only): kafka.controller NOT_FOUND" is "${p}" kafka.controller NOT_FOUND
done
for p in "${CTRLS[@]}"; do
  check "${p} (controller-only): kafka.broker NOT_FOUND" is "${p}" kafka.broker NOT_FOUND
done
elected='-'
[[ -z ${ELECTED} ]] || elected=$((ELECTED - t0))
row "a. cold start (6 pods in parallel): quorum leader elected; all Ready" \
  "${elected}" "-" "${all_up}" "${START_MS}"
row "a. first broker Ready after first kafka.controller SERVING (margin)" \
  "${MARGIN}" ">=0" "-" "-"
end_case

# The topic whose ISR c watches: a replica on each broker.
BOOTSTRAP="${FQDN[kafka-0]}:9092,${FQDN[kafka-1]}:9092,${FQDN[kafka-2]}:9092"
pods_node_exec "${TOOL}" create-topic -b "${BOOTSTRAP}" -t test -p 3 -r 3 \
  >"${WORK}/create-topic.log" 2>&1 ||
  { tail_of 20 "${WORK}/create-topic.log"; fail "could not create topic test"; }
await 60 "every pod Ready with topic test (twice, 2 polls apart)" all_ready_twice

begin_case "baseline: the quorum as the agents report it; check-restart safe everywhere"
LEADER=$(quorum_leader)
info "quorum leader per the controllers' quorum-state files: ${LEADER:-unknown}"
for p in kafka-controller-0 kafka-0; do
  j=$(status_json "${p}")
  info "${p}'s agent: quorum leader $(jq -r '.status.quorum.leader_id' <<<"${j}"), voters $(jq -c '[.status.quorum.voters[] | {id, lag_ms, caught_up}]' <<<"${j}"), observers $(jq -c '[.status.quorum.observers[]?.id]' <<<"${j}") (answered by $(jq -r '.status.quorum.answered_by' <<<"${j}"))"
  check "${p}'s agent names the quorum leader Kafka's files name" \
    test "$(jq -r '.status.quorum.leader_id' <<<"${j}")" == "${LEADER}"
done
info "kafka-agent status on kafka-controller-1:"
agent_cli kafka-controller-1 status 2>&1 | sed -n '1,/^snapshot/p' | show
for p in "${PODS[@]}"; do
  check_restart "${p}"
  info "${p}: check-restart (exit ${CR_RC}): ${CR_OUT}"
  check "${p}: check-restart safe (exit 0)" eq "${CR_RC}" 0
done
end_case

# ---------------------------------------------------------------- b. quorum lost

begin_case "b. 2 of 3 controllers killed one after the other (the leader survives), then restarted"
await 30 "every pod Ready" all_ready
S=kafka-controller-${LEADER:-0}
VICTIMS=()
for p in "${CTRLS[@]}"; do [[ ${p} == "${S}" ]] || VICTIMS+=("${p}"); done
V1=${VICTIMS[0]} V2=${VICTIMS[1]}
info "survivor ${S} (the quorum leader); killing ${V1}, then ${V2}"
CASE_LOGS=("${WORK}/${S}/agent.log" "${WORK}/${V2}/agent.log")
# b1. One voter gone: the quorum still has a majority, so every controller
# stays SERVING, but stopping either of the other two would lose it.
U_S='' U_V2=''
s_one_down() {
  stay_serving "${S}:kafka.controller" "${V2}:kafka.controller"
  if [[ -z ${U_S} ]]; then
    check_restart "${S}"
    ((CR_RC != 1)) || U_S=${T}
  fi
  if [[ -z ${U_V2} ]]; then
    check_restart "${V2}"
    ((CR_RC != 1)) || U_V2=${T}
  fi
  [[ -n ${U_S} && -n ${U_V2} ]] && (($(now_ms) - t0 >= 2 * POLL_MS))
}
stay_reset
t0=$(now_ms)
kill -KILL "${KPID[${V1}]}"
sample_until "${UNSAFE_MS}" s_one_down
unsafe1=$(since_or_gt "${t0}" "${U_S}" "${UNSAFE_MS}")
for p in "${S}" "${V2}"; do
  check_restart "${p}"
  info "${p}: kafka-agent check-restart with ${V1} down (exit ${CR_RC}):"
  show <<<"${CR_OUT}"
  check "${p}: check-restart UNSAFE (exit 1) with one controller of 3 down" eq "${CR_RC}" 1
done
info "${S}'s check-restart UNSAFE ${unsafe1} ms, ${V2}'s $(since_or_gt "${t0}" "${U_V2}" "${UNSAFE_MS}") ms after ${V1} was killed (limit ${UNSAFE_MS} ms)"
check "the survivors' check-restart UNSAFE within ${UNSAFE_MS} ms" within "${unsafe1}" "${UNSAFE_MS}"
check_stayed "the 2 remaining controllers' kafka.controller (a majority is left)"
for p in "${BROKERS[@]}"; do
  check_restart "${p}"
  info "${p}: check-restart with ${V1} down (exit ${CR_RC}): ${CR_OUT}"
  check "${p}: check-restart safe (a broker's restart keeps the quorum)" eq "${CR_RC}" 0
done
row "b1. 1 of 3 controllers killed: the others' check-restart UNSAFE (kafka.controller stays SERVING)" \
  "${unsafe1}" "${UNSAFE_MS}" "-" "-"

# b2. The second voter gone: no majority, no leader for long.
# shellcheck disable=SC2034  # D_B0..D_B2: read as ${!v}
D_SURV='' D_B0='' D_B1='' D_B2=''
s_lost() {
  down_watch "${S}" kafka.controller D_SURV
  first D_B0 is kafka-0 kafka.broker NOT_SERVING
  first D_B1 is kafka-1 kafka.broker NOT_SERVING
  first D_B2 is kafka-2 kafka.broker NOT_SERVING
  [[ -n ${D_SURV} && -n ${D_B0} && -n ${D_B1} && -n ${D_B2} ]] &&
    (($(now_ms) - t0 >= DETECT_MS + 2 * POLL_MS))
}
relapses_reset
t0=$(now_ms)
kill -KILL "${KPID[${V2}]}"
sample_until $((DETECT_MS + 15000)) s_lost
detected=$(since_or_gt "${t0}" "${D_SURV}" $((DETECT_MS + 15000)))
info "${S}'s kafka.controller NOT_SERVING ${detected} ms after the kill (limit ${DETECT_MS} ms): $(status_json "${S}" | jq -r '.status.health[]? | select(.service == "kafka.controller") | .reason')"
check "the survivor's kafka.controller NOT_SERVING within ${DETECT_MS} ms" within "${detected}" "${DETECT_MS}"
b_worst=0
for v in D_B0 D_B1 D_B2; do
  took=$(since_or_gt "${t0}" "${!v}" $((DETECT_MS + 15000)))
  info "kafka-${v: -1}'s kafka.broker NOT_SERVING ${took} ms after the kill"
  if [[ ! ${took} =~ ^[0-9]+$ ]]; then
    b_worst=${took}
  elif [[ ${b_worst} =~ ^[0-9]+$ ]] && ((took > b_worst)); then
    b_worst=${took}
  fi
done
info "kafka-0's agent says: $(status_json kafka-0 | jq -r '.status.health[]? | select(.service == "kafka.broker") | .reason')"
check "every broker's kafka.broker NOT_SERVING (no quorum)" within "${b_worst}" $((DETECT_MS + 15000))
RESIGNED=$(log_ms "${t0}" 'Completed transition to (Resigned|Prospective|Candidate|Unattached)' "${WORK}/${S}/server.log")
if [[ -n ${RESIGNED} ]]; then
  info "${S} stopped leading $((RESIGNED - t0)) ms after the kill (its log); its agent said NOT_SERVING $(if [[ -n ${D_SURV} ]] && ((D_SURV < RESIGNED)); then echo "$((RESIGNED - D_SURV)) ms before that (no caught-up majority in the leader's own answer)"; else echo "only after that"; fi)"
fi
check_restart "${S}"
info "${S}: kafka-agent check-restart (exit ${CR_RC}):"
show <<<"${CR_OUT}"
check "${S}: check-restart of the survivor UNSAFE (exit 1)" eq "${CR_RC}" 1
for p in "${BROKERS[@]}"; do
  check_restart "${p}"
  info "${p}: check-restart with no quorum (exit ${CR_RC}): ${CR_OUT}"
  # No active controller would move its leaderships: its partitions would go offline.
  check "${p}: check-restart UNSAFE with no quorum (exit 1)" eq "${CR_RC}" 1
done
check_relapses "${S}'s kafka.controller"
t1=$(now_ms)
for p in "${VICTIMS[@]}"; do kafka_start "${p}"; done
declare -A BACK
s_back() {
  local p done=1
  first BACK_S is "${S}" kafka.controller SERVING || done=0
  for p in "${VICTIMS[@]}"; do
    [[ -n ${BACK[${p}]:-} ]] || ! is "${p}" kafka.controller SERVING || BACK[${p}]=${T}
    [[ -n ${BACK[${p}]:-} ]] || done=0
  done
  first BACK_ALL all_ready || done=0
  ((done))
}
BACK_S='' BACK_ALL=''
sample_until "${RESTART_MS}" s_back
back=$(since_or_gt "${t1}" "${BACK_S}" "${RESTART_MS}")
info "${S}'s kafka.controller SERVING again ${back} ms after the restart"
for p in "${VICTIMS[@]}"; do
  info "${p}'s kafka.controller SERVING $(since_or_gt "${t1}" "${BACK[${p}]:-}" "${RESTART_MS}") ms after its restart"
done
recovered=$(since_or_gt "${t1}" "${BACK_ALL}" "${RESTART_MS}")
info "every pod Ready ${recovered} ms after the restart"
check "the survivor's kafka.controller SERVING again" within "${back}" "${RESTART_MS}"
check "every pod Ready within ${RESTART_MS} ms of the restart" within "${recovered}" "${RESTART_MS}"
check_restart "${S}"
check "${S}: check-restart safe again (exit 0)" eq "${CR_RC}" 0
row "b2. 2nd of 3 controllers killed: survivor's kafka.controller; recovery: both restarted, all Ready" \
  "${detected}" "${DETECT_MS}" "${recovered}" "${RESTART_MS}"
row "b2. every broker's kafka.broker NOT_SERVING (no quorum)" "${b_worst}" "-" "${back}" "-"
end_case

# ---------------------------------------------------------------- c. cut off

await 60 "every pod Ready (twice, 2 polls apart)" all_ready_twice
begin_case "c. a broker cut off from the controllers (iptables in its pod), then uncut"
X=kafka-1
CASE_LOGS=("${WORK}/${X}/agent.log" "${WORK}/${X}/stdout.log")
CTRL_IPS=()
for p in "${CTRLS[@]}"; do CTRL_IPS+=("${IP[${p}]}"); done
OTHERS=(kafka-0:kafka.ready kafka-2:kafka.ready)
for p in "${CTRLS[@]}"; do OTHERS+=("${p}:kafka.controller"); done
D_CUT=''
s_cut() {
  down_watch "${X}" kafka.broker D_CUT
  stay_serving "${OTHERS[@]}"
  [[ -n ${D_CUT} ]] && (($(now_ms) - t0 >= FENCE_MS + 3 * POLL_MS)) &&
    [[ -n $(log_ms "${t0}" "Fencing broker ${NODE[${X}]} at epoch" "${CTRL_LOGS[@]}") ]]
}
relapses_reset
stay_reset
t0=$(now_ms)
block_port -A "${NS[${X}]}" "${CTRL_PORT}" "${CTRL_IPS[@]}"
sample_until $((FENCE_MS + 15000)) s_cut
FENCED=$(log_ms "${t0}" "Fencing broker ${NODE[${X}]} at epoch" "${CTRL_LOGS[@]}")
detected=$(since_or_gt "${t0}" "${D_CUT}" $((FENCE_MS + 15000)))
CUT_REASON=$(status_json "${X}" | jq -r '.status.health[]? | select(.service == "kafka.broker") | .reason')
info "${X}'s kafka.broker NOT_SERVING ${detected} ms after the cut; once fenced its agent says: ${CUT_REASON}"
if [[ -n ${FENCED} ]]; then
  info "the controllers fenced broker ${NODE[${X}]} $((FENCED - t0)) ms after the cut (their log)"
  check "the controllers fenced ${X} (the fault happened)" true
  [[ -z ${D_CUT} ]] ||
    check "NOT_SERVING no later than the fencing (+1 poll): $((D_CUT - FENCED)) ms" \
      le "$((D_CUT - FENCED))" "${POLL_MS}"
else
  not_ok "the controllers did not fence ${X} (not in their logs)"
fi
check "${X}'s kafka.broker NOT_SERVING within ${FENCE_MS} ms" within "${detected}" "${FENCE_MS}"
# Cut off, the broker cannot learn that it is fenced (its own metadata is
# stale); its agent says why it cannot vouch for it.
check "${X}'s reason names the quorum, the controllers or fencing" \
  matches "${CUT_REASON}" 'KRaft quorum|controllers|fenced'
if matches "${CUT_REASON}" 'fenced'; then
  info "the reason names fencing"
else
  info "the reason does not name fencing (the cut broker's agent asks only its own broker)"
fi
check "${X}'s Kafka still runs" alive "${KPID[${X}]}"
check_relapses "${X}'s kafka.broker"
check_stayed "kafka-0's kafka.ready and the controllers' kafka.controller"
t1=$(now_ms)
block_port -D "${NS[${X}]}" "${CTRL_PORT}" "${CTRL_IPS[@]}"
U_BROKER='' U_READY=''
s_uncut() {
  first U_BROKER is "${X}" kafka.broker SERVING
  first U_READY is "${X}" kafka.ready SERVING
  [[ -n ${U_BROKER} && -n ${U_READY} ]]
}
sample_until "${RECOVER_MS}" s_uncut
took=$(since_or_gt "${t1}" "${U_BROKER}" "${RECOVER_MS}")
recovered=$(since_or_gt "${t1}" "${U_READY}" "${RECOVER_MS}")
info "${X}'s kafka.broker SERVING ${took} ms, kafka.ready ${recovered} ms after uncutting"
check "${X}'s kafka.broker SERVING again within ${RECOVER_MS} ms" within "${took}" "${RECOVER_MS}"
check "${X} Ready again within ${RECOVER_MS} ms" within "${recovered}" "${RECOVER_MS}"
if [[ -n ${U_READY} ]]; then
  isr=$(status_json kafka-0 | jq -r '[.partitions.partitions[]? | select(.topic == "test") | .isr | sort | map(tostring) | join(",")] | join(" ")')
  info "topic test's ISR per kafka-0's agent right after: ${isr}"
fi
row "c. broker cut from the controllers (${X}): kafka.broker; recovery: uncut, Ready" \
  "${detected}" "${FENCE_MS}" "${recovered}" "${RECOVER_MS}"
end_case

# ---------------------------------------------------------------- summary

print_rows "dedicated controllers: detection and recovery (poll interval ${POLL_MS} ms)"
say "done"
checks_done || fail "${#CASES_FAILED[@]} scenario(s) failed: ${CASES_FAILED[*]}"
PASSED=1
say "PASS"
