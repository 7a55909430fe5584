# shellcheck shell=bash
#
# faults.sh — Kafka nodes and their agents in simulated pods, and faults
# timed against them (tests/integration/faults/faults_test.sh: its sampling
# and results; tests/integration/quorum/dedicated_test.sh: all of it).
# Sources pods.sh (and so common.sh) and kafka.sh.
#
# The caller sets AGENT (the binary), LIBS (Kafka's jars, fetch.sh) and
# defines `probe POD SERVICE` (SERVING / NOT_SERVING / NOT_FOUND / ERROR:
# the pod's agent as the kubelet sees it, e.g. with health_of).
#
# Kafka and the agent in a pod
#   new_cluster_id          a Kafka-style cluster id (16 random bytes,
#                           base64url, no padding, never starting with '-')
#   kafka_test_props        stdout: the settings every fault test gives its
#                           nodes: short heartbeats (broker.session.timeout.ms
#                           SESSION_MS, default 6000) and small thread pools
#                           (several JVMs on 2 cores)
#   pod_format ID DIR...    formats each DIR/server.properties with cluster
#                           ID, in parallel (StorageTool); fails naming the log
#   pod_kafka_start POD DIR [HEAP]
#                           kafka.Kafka DIR/server.properties in POD (logs in
#                           DIR, heap e.g. 128m, default kafka.sh's);
#                           PODS_PID = its pid, disowned (killed on purpose
#                           without a "Killed" line)
#   pod_agent_start POD LOG POLL_MS PORT [SERVE_FLAG...]
#                           `kafka-agent serve` in POD (namespace kafka),
#                           polling every POLL_MS, gRPC on 0.0.0.0:PORT;
#                           PODS_PID = its pid
#   block_port -A|-D NETNS PORT IP...
#                           in NETNS, drops TCP to and from PORT of each IP
#                           (iptables): a pod cut off from those peers while
#                           its processes run; -D undoes it
# Logs: Kafka's own, the agent's
#   log_ms SINCE_MS ERE FILE...
#                           the time (ms since the epoch) of the first line
#                           matching ERE at or after SINCE_MS in the FILEs:
#                           Kafka's server.log ("[2026-12-01 13:34:14,299]",
#                           local time) or the agent's log
#                           ("2026-12-01T13:33:56.144Z"); nothing if none
#   quorum_leader_of FILE...
#                           the KRaft leader as the nodes' quorum-state files
#                           say (the one most of them name); nothing if none
# Sampling (one probe after another, each stamped with its start)
#   sample_until LIMIT_MS FN
#                           runs FN back to back, T = the start of each
#                           sample, until FN succeeds or LIMIT_MS passes
#   first VAR CMD...        unless VAR is set, sets it to T when CMD succeeds;
#                           status 0 once VAR is set
#   relapses_reset          FAULT_T0 = now; no relapse counted yet
#   down_watch POD SERVICE VAR
#                           one probe: NOT_SERVING sets VAR = T the first
#                           time; SERVING after that is a relapse (a false
#                           Ready while the fault lasts): counted in RELAPSES,
#                           the first described in RELAPSE_FIRST
#   check_relapses LABEL    the counted check that there was none
# Results: one row per measured fault, printed as a table at the end
#   row FAULT DETECTED DETECT_LIMIT RECOVERED RECOVER_LIMIT
#                           values: ms, "-" (not applicable), ">N" (not
#                           seen within N ms) or any other text
#   since_or_gt T0 STAMP WAIT_MS
#                           STAMP - T0, or ">WAIT_MS" when STAMP is empty
#   within VALUE LIMIT      VALUE is a number of ms <= LIMIT
#   print_rows TITLE        the table

[[ -z ${_FAULTS_SH:-} ]] || return 0
_FAULTS_SH=1

# shellcheck source=tests/lib/pods.sh
. "$(dirname "${BASH_SOURCE[0]}")/pods.sh"
# shellcheck source=tests/lib/kafka.sh
. "$(dirname "${BASH_SOURCE[0]}")/kafka.sh"

# ---------------------------------------------------------------- Kafka in a pod

new_cluster_id() {
  python3 -c 'import base64, uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not s.startswith("-"):
        print(s)
        break'
}

kafka_test_props() {
  cat <<EOF
unclean.leader.election.enable=false
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
# Shorter than the defaults (9000, 2000), to keep the tests short.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=${SESSION_MS:-6000}
# Small heaps, few threads: several JVMs on 2 cores.
log.cleaner.dedupe.buffer.size=16777216
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=4
log.cleaner.threads=1
EOF
}

_pod_kafka_cmd() { # DIR HEAP|'' CLASS ARG...
  local d=$1
  local -a heap=()
  [[ -z $2 ]] || heap=(--heap "-Xms$2 -Xmx$2")
  shift 2
  # shellcheck disable=SC2153  # LIBS is the caller's
  kafka_cmd --libs "${LIBS}" --logs-dir "${d}" --tmp "${d}/tmp" "${heap[@]}" \
    --log4j "${LIB_ROOT}/tests/integration/kafka/log4j2.yaml" "$@"
}

pod_format() {
  local id=$1 d i=0
  local -a pids=()
  shift
  for d; do
    mkdir -p "${d}/tmp"
    _pod_kafka_cmd "${d}" 96m kafka.tools.StorageTool format -t "${id}" \
      -c "${d}/server.properties" --ignore-formatted || return 1
    "${KAFKA_CMD[@]}" >"${d}/format.log" 2>&1 &
    pids+=($!)
  done
  for d; do
    if ! wait "${pids[i]}"; then
      tail_of 20 "${d}/format.log"
      log "formatting ${d}/server.properties failed"
      return 1
    fi
    i=$((i + 1))
  done
}

pod_kafka_start() {
  local pod=$1 d=$2
  mkdir -p "${d}/tmp"
  _pod_kafka_cmd "${d}" "${3:-}" kafka.Kafka "${d}/server.properties" ||
    die "bad JVM command line"
  printf '=== %s starting %s\n' "$(date -u +%FT%T.%3NZ)" "${pod}" >>"${d}/stdout.log"
  pods_spawn "${pod}" "${d}/stdout.log" "${KAFKA_CMD[@]}" || die "could not start Kafka in ${pod}"
  disown "${PODS_PID}"
}

pod_agent_start() {
  local pod=$1 log=$2 poll=$3 port=$4
  shift 4
  pods_spawn "${pod}" "${log}" env POD_NAMESPACE=kafka \
    "${AGENT}" serve --poll-interval "${poll}ms" --grpc-listen "0.0.0.0:${port}" "$@" ||
    die "could not start the agent in ${pod}"
}

block_port() {
  local op=$1 ns=$2 port=$3 ip
  shift 3
  for ip; do
    ip netns exec "${ns}" iptables "${op}" OUTPUT -d "${ip}" -p tcp --dport "${port}" -j DROP
    ip netns exec "${ns}" iptables "${op}" INPUT -s "${ip}" -p tcp --dport "${port}" -j DROP
    ip netns exec "${ns}" iptables "${op}" INPUT -s "${ip}" -p tcp --sport "${port}" -j DROP
  done
}

# ---------------------------------------------------------------- Kafka's logs

log_ms() {
  local since=$1 pat=$2
  shift 2
  cat "$@" 2>/dev/null | python3 -c '
import re, sys, datetime
since, pat = int(sys.argv[1]), re.compile(sys.argv[2])
kafka = re.compile(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})\]")
agent = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z ")
best = None
for line in sys.stdin:
    if not pat.search(line):
        continue
    m = kafka.match(line)
    if m:
        t = datetime.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")
    else:
        m = agent.match(line)
        if not m:
            continue
        t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=datetime.timezone.utc)
    ms = int(t.timestamp()) * 1000 + int(m.group(2))
    if ms >= since and (best is None or ms < best):
        best = ms
if best is not None:
    print(best)' "${since}" "${pat}"
}

quorum_leader_of() {
  local f
  for f; do
    jq -r '.leaderId // empty' "${f}" 2>/dev/null
  done | sort | uniq -c | sort -rn | awk 'NR == 1 && $2 >= 0 { print $2 }'
}

# ---------------------------------------------------------------- sampling

sample_until() {
  local limit_s
  limit_s=$(secs "$1" 3)
  wait_until --every 0.02 "${limit_s}" "$2" _sample "$2"
}
_sample() {
  T=$(now_ms)
  "$1"
}

first() {
  local var=$1
  shift
  [[ -z ${!var} ]] || return 0
  "$@" || return 1
  printf -v "${var}" '%s' "${T}"
}

relapses_reset() {
  FAULT_T0=$(now_ms) RELAPSES=0 RELAPSE_FIRST=''
}

down_watch() {
  local s
  s=$(probe "$1" "$2")
  if [[ ${s} == NOT_SERVING ]]; then
    [[ -n ${!3} ]] || printf -v "$3" '%s' "${T}"
  elif [[ ${s} == SERVING && -n ${!3} ]]; then
    RELAPSES=$((RELAPSES + 1))
    [[ -n ${RELAPSE_FIRST} ]] ||
      RELAPSE_FIRST="$1 $2 SERVING again $((T - FAULT_T0)) ms into the fault"
  fi
  [[ -n ${!3} ]]
}

check_relapses() {
  info "$1 after it said NOT_SERVING: ${RELAPSES} samples SERVING during the fault${RELAPSE_FIRST:+ (first: ${RELAPSE_FIRST})}"
  check "$1 stays NOT_SERVING while the fault lasts" eq "${RELAPSES}" 0
}

# ---------------------------------------------------------------- results

ROWS=()
row() { ROWS+=("$1|$2|$3|$4|$5"); }
since_or_gt() {
  if [[ -n $2 ]]; then echo $(($2 - $1)); else echo ">$3"; fi
}
within() { [[ $1 =~ ^[0-9]+$ ]] && (($1 <= $2)); }

_fmt_ms() { # VALUE: ms as seconds, other text as is
  if [[ $1 =~ ^[0-9]+$ ]]; then
    printf '%ss' "$(secs "$1" 2)"
  elif [[ $1 =~ ^\>([0-9]+)$ ]]; then
    printf '>%ss' "$(secs "${BASH_REMATCH[1]}" 1)"
  else
    printf '%s' "$1"
  fi
}

print_rows() {
  local r f d dl rc rl w=10
  for r in "${ROWS[@]}"; do
    f=${r%%|*}
    ((${#f} <= w)) || w=${#f}
  done
  printf '\n=== %s\n' "$1"
  printf '%-*s %10s %10s %12s %12s\n' "${w}" fault detected limit recovered limit
  for r in "${ROWS[@]}"; do
    IFS='|' read -r f d dl rc rl <<<"${r}"
    printf '%-*s %10s %10s %12s %12s\n' "${w}" "${f}" "$(_fmt_ms "${d}")" \
      "$(_fmt_ms "${dl}")" "$(_fmt_ms "${rc}")" "$(_fmt_ms "${rl}")"
  done
  printf '\n'
}
