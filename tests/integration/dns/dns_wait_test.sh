#!/usr/bin/env bash
# shellcheck disable=SC2317  # helpers are called indirectly, through check and trap
# `kafka-agent init` against a real resolver: glibc's getaddrinfo in a
# simulated pod (network namespace + UTS host name + kubelet-style
# resolv.conf with ndots:5) asking a dnsmasq that plays the cluster DNS.
#
#   tests/integration/dns/dns_wait_test.sh [AGENT_BINARY]
#
# Cases:
#   1. names appear late: init starts before any record exists, logs that it
#      waits, and exits 0 within the maximum backoff (5s) + 1s of the last
#      needed record being published; config written; "resolved ... after"
#      lines logged; the pod's own name comes from its host name; no query
#      walked the search list (names are asked fully qualified).
#   2. a name never appears: --dns-timeout 3s exits 1 after 3-4.5s, the error
#      names every unresolved name, no file at --output and no temp file.
#   3. SIGTERM during the wait: exits non-zero within 1s, writes nothing.
#   4. --dns-wait quorum succeeds with 2 of 3 voters' names; all does not,
#      and names the missing one; POD_NAME from the environment beats the
#      host name (a broker-only pod, kafka-3).
#   5. timing: init when every name already resolves, 20 runs, median.
#   6. the DNS server stops (dnsmasq SIGSTOPped) while init waits: init logs
#      that the DNS server does not answer and keeps waiting; once it runs
#      again (SIGCONT, the names published meanwhile) init exits 0 with the
#      config written.
#   7. a DNS server that never answers (a UDP socket that reads and drops;
#      resolv.conf `options timeout:5 attempts:5`, so getaddrinfo would block
#      for minutes): --dns-timeout 2s exits 1 within 2.5s, naming the silent
#      server; SIGTERM during the wait exits within 200ms (both measured).
#
# Exit: 0 all passed, 1 a case failed, 77 skipped (not root, no `ip netns`).
# KEEP=1 keeps the work directory (logs, outputs) for inspection.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/pods.sh
. "${HERE}/../../lib/pods.sh"
AGENT=${1:-${LIB_ROOT}/build/kafka-agent}

why=$(pods_can_run) || skip "${why}"
command -v dnsmasq >/dev/null 2>&1 || fail "dnsmasq not found: install the package dnsmasq-base (make deps)"
[[ -x "${AGENT}" ]] || fail "agent binary ${AGENT} not found or not executable (build it first)"
AGENT=$(realpath "${AGENT}")

WORK=$(mktemp -d /tmp/dns_wait_test.XXXXXX)
chmod 0755 "${WORK}"
RUN="dns$$"
RUN=${RUN:0:12}

cleanup() {
  [[ -z ${BLACKHOLE_PID:-} ]] || kill "${BLACKHOLE_PID}" 2>/dev/null
  [[ -z ${PODS_DNS_PID:-} ]] || kill -CONT "${PODS_DNS_PID}" 2>/dev/null
  pods_cleanup "${RUN}"
  if [[ "${KEEP:-0}" == 1 ]]; then
    echo "kept ${WORK}"
  else
    rm -rf -- "${WORK:?}"
  fi
}
exit_traps cleanup

# The logs a failed case shows (set by each case), and the cluster DNS's.
CASE_LOGS=()
on_case_fail() {
  tail_of 40 "${CASE_LOGS[@]}"
  tail_of 20 "${PODS_DNS_LOG}"
}

# run_init NAME [VAR=VALUE...] [INIT_ARGS...]: starts init in pod INIT_POD
# (default kafka-1; environment AGENT_ENV and the VARs) writing
# WORK/NAME/server.properties,
# logging to WORK/<NAME up to the first />.log; sets out, log, pid and
# t_start, and adds the log to CASE_LOGS.
run_init() {
  local name=$1
  local -a env=()
  shift
  while [[ ${1:-} =~ ^[A-Z_]+= ]]; do
    env+=("$1")
    shift
  done
  out="${WORK}/${name}/server.properties"
  log="${WORK}/${name%%/*}.log"
  CASE_LOGS+=("${log}")
  t_start=$(now_ms)
  pods_spawn "${INIT_POD:-kafka-1}" "${log}" "${AGENT_ENV[@]}" "${env[@]}" "${AGENT}" init --output "${out}" "$@"
  pid=${PODS_PID}
}

# exit_of PID LIMIT_S: waits for init to exit (SIGKILL after LIMIT_S); sets RC
# and took (ms since t_start).
exit_of() {
  reap "$1" "$2" || printf '  (still running after %ss: killed %s)\n' "$2" "$1"
  RC=${REAP_RC}
  took=$((REAP_MS - t_start))
}

# waits_for_log ERE LIMIT_S: init's log gets a line matching ERE in time.
waits_for_log() {
  wait_until --every 0.02 "$2" "'$1' in ${log}" file_has "${log}" "$1"
}

# No record left from an earlier case.
reset_dns() {
  local f
  for f in "${PODS_HOSTS_DIR}"/*; do
    [[ -e "${f}" ]] || continue
    pods_unpublish_dns "$(basename "${f}")" || return 1
  done
}

# Files in DIR (recursively), one a line; empty when none or no DIR.
files_in() {
  [[ -d "$1" ]] || return 0
  find "$1" -mindepth 1 -type f
}
no_files_in() { [[ -z "$(files_in "$1")" ]]; }

SVC=kafka-headless
KNS=kafka
DOMAIN=cluster.local
fqdn() { printf 'kafka-%s.%s.%s.svc.%s\n' "$1" "${SVC}" "${KNS}" "${DOMAIN}"; }
F0=$(fqdn 0)
F1=$(fqdn 1)
F2=$(fqdn 2)
F3=$(fqdn 3)
re() { printf '%s\n' "${1//./\\.}"; }
MAX_BACKOFF_MS=5000
MARGIN_MS=1000
TIMINGS=()

echo "kafka-agent: ${AGENT}"
echo "work dir:    ${WORK}"
T_SETUP=$(now_ms)
pods_init "${RUN}" || fail "could not set up the simulated cluster"
# Pods as a StatefulSet "kafka" with serviceName kafka-headless would have
# them; kafka-3 is only a sandbox for case 4's POD_NAME override.
for i in 0 1 2; do
  pods_create "kafka-${i}" $((10 + i)) --namespace "${KNS}" --subdomain "${SVC}" ||
    fail "could not create pod kafka-${i}"
done
IP0=$(pods_ip kafka-0)
IP1=$(pods_ip kafka-1)
IP2=$(pods_ip kafka-2)
IP3="${PODS_NET_PREFIX}.13"
echo "cluster:     subnet ${PODS_SUBNET}, DNS ${PODS_DNS_IP}, pods kafka-0..2 at ${IP0}..${IP2} ($(since "${T_SETUP}" 3)s to set up)"
echo "pod kafka-1: hostname $(pods_exec kafka-1 hostname); resolv.conf: $(pods_exec kafka-1 cat /etc/resolv.conf | tr '\n' ';')"

# The agent as the init container runs it: POD_NAMESPACE from the Downward
# API, everything else default (headless service kafka-headless from the
# StatefulSet name, cluster.local). POD_NAME unset: the host name is used.
AGENT_ENV=(env -u POD_NAME -u KAFKA_HEADLESS_SERVICE -u KAFKA_CLUSTER_DOMAIN
  -u KAFKA_DNS_WAIT -u KAFKA_DNS_TIMEOUT -u KAFKA_AGENT_OUTPUT
  -u KAFKA_CONTROLLERS -u KAFKA_NODE_ID_OFFSET POD_NAMESPACE="${KNS}")

# --------------------------------------------------------------------------
begin_case "1. names appear after init started waiting (quorum)"
CASE_LOGS=()
run_init c1/config # the directory does not exist yet
check "init logs that it is waiting for its own name" \
  waits_for_log "dns: waiting for $(re "${F1}")" 5
check "init logs that it is waiting for the voters" \
  waits_for_log "dns: waiting for $(re "${F0}").*voter" 1
nap 2
check "init is still waiting 2s later" alive "${pid}"
pods_publish_dns "${F1}" "${IP1}"
pickup_ms=${PODS_DNS_LAST_MS}
nap 1
check "init is still waiting with only its own name (needs 1 more voter)" alive "${pid}"
t_pub=$(now_ms)
pods_publish_dns "${F0}" "${IP0}"
pickup_ms="${pickup_ms}, ${PODS_DNS_LAST_MS}"
exit_of "${pid}" 15
lat=$((REAP_MS - t_pub))
printf '  publish->served (pods_publish_dns incl. check): %s ms\n' "${pickup_ms}"
printf '  last needed name published -> init exited: %ss (total %ss)\n' \
  "$(secs "${lat}" 3)" "$(secs "${took}" 3)"
TIMINGS+=("late names: last record published -> exit ${lat} ms")
check "exit code 0 (got ${RC})" eq "${RC}" 0
check "exited within max backoff + 1s of the last record ($(secs "${lat}" 3)s <= $(secs $((MAX_BACKOFF_MS + MARGIN_MS)) 3)s)" \
  le "${lat}" $((MAX_BACKOFF_MS + MARGIN_MS))
check "config file written (directory created)" test -s "${out}"
check "node.id=1 (pod name from the host name kafka-1)" file_has "${out}" '^node\.id=1$'
check "process.roles=broker,controller" file_has "${out}" '^process\.roles=broker,controller$'
check "controller.quorum.voters names all 3 controllers" file_has "${out}" \
  "^controller\.quorum\.voters=0@$(re "${F0}"):29093,1@$(re "${F1}"):29093,2@$(re "${F2}"):29093$"
check "advertised.listeners uses the pod's FQDN" file_has "${out}" \
  "^advertised\.listeners=.*$(re "${F1}"):9092"
check "no temp file beside the config" eq "$(files_in "${WORK}/c1" | wc -l)" 1
check "log: own name resolved ... after" file_has "${log}" \
  "dns: $(re "${F1}") resolved to ${IP1//./\\.} after [0-9.]+s"
check "log: kafka-0 resolved ... after" file_has "${log}" \
  "dns: $(re "${F0}") resolved to ${IP0//./\\.} after [0-9.]+s"
check "log: DNS ready" file_has "${log}" 'dns: ready after'
check "the pod asked the cluster DNS for its name (dnsmasq log)" file_has \
  "${PODS_DNS_LOG}" "query\[A+\] $(re "${F1}") from ${IP1//./\\.}$"
check "no query walked the search list (names asked fully qualified)" \
  file_lacks "${PODS_DNS_LOG}" "query\[[A-Z]+\] [^ ]*$(re "${DOMAIN}")\.[a-z]"
grep -E 'resolved|ready after' "${log}" | sed 's/^/  log: /'
end_case

# --------------------------------------------------------------------------
begin_case "2. a name never appears: --dns-timeout 3s"
reset_dns
CASE_LOGS=()
run_init c2/config --dns-timeout 3s
exit_of "${pid}" 10
printf '  init exited %s after %ss\n' "${RC}" "$(secs "${took}" 3)"
TIMINGS+=("timeout 3s: exit after ${took} ms")
check "exit code 1 (got ${RC})" eq "${RC}" 1
check "took 3s..4.5s ($(secs "${took}" 3)s)" eval "(( ${took} >= 3000 && ${took} <= 4500 ))"
check "error names its own unresolved name" file_has "${log}" \
  "did not resolve within 3s: .*$(re "${F1}")"
check "error names the unresolved voters" file_has "${log}" \
  "did not resolve within 3s: .*$(re "${F0}").*$(re "${F2}")"
check "error gives the likely cause (publishNotReadyAddresses)" file_has "${log}" \
  'publishNotReadyAddresses'
check "no file at --output" no_file "${out}"
check "no temp file beside it" no_files_in "${WORK}/c2"
grep -E 'did not resolve' "${log}" | cut -c1-240 | sed 's/^/  log: /;s/$/.../'
end_case

# --------------------------------------------------------------------------
begin_case "3. SIGTERM during the wait"
CASE_LOGS=()
run_init c3/config
check "init is waiting" waits_for_log "dns: waiting for $(re "${F1}")" 5
nap 0.5
check "init is still running before SIGTERM" alive "${pid}"
t_start=$(now_ms) # the time of the SIGTERM
kill -TERM "${pid}"
exit_of "${pid}" 5
printf '  SIGTERM -> exit %s after %ss\n' "${RC}" "$(secs "${took}" 3)"
TIMINGS+=("SIGTERM -> exit ${took} ms")
check "exit code non-zero (got ${RC})" ne "${RC}" 0
if ((RC > 128)); then
  printf '  note: ended by the signal itself (%s), not by a handler\n' "$(kill -l $((RC - 128)))"
else
  printf '  note: handled the signal and exited %s\n' "${RC}"
fi
check "exited within 1s ($(secs "${took}" 3)s)" le "${took}" 1000
check "no file at --output" no_file "${out}"
check "no temp file beside it" no_files_in "${WORK}/c3"
end_case

# --------------------------------------------------------------------------
begin_case "4. --dns-wait quorum vs all with 2 of 3 voters' names"
pods_publish_dns "${F0}" "${IP0}"
pods_publish_dns "${F1}" "${IP1}"
CASE_LOGS=()
run_init c4q --dns-wait quorum --dns-timeout 3s
exit_of "${pid}" 10
printf '  quorum: exit %s after %ss\n' "${RC}" "$(secs "${took}" 3)"
check "quorum: exit code 0 (got ${RC})" eq "${RC}" 0
check "quorum: done at once (< 1s: $(secs "${took}" 3)s)" le "${took}" 1000
check "quorum: config written" file_has "${out}" '^node\.id=1$'

run_init c4a --dns-wait all --dns-timeout 2s
exit_of "${pid}" 10
printf '  all:    exit %s after %ss\n' "${RC}" "$(secs "${took}" 3)"
check "all: exit code 1 (got ${RC})" eq "${RC}" 1
check "all: gave up after the 2s timeout ($(secs "${took}" 3)s)" \
  eval "(( ${took} >= 2000 && ${took} <= 3500 ))"
check "all: error names kafka-2" file_has "${log}" \
  "did not resolve within 2s: .*$(re "${F2}")"
check "all: error does not call kafka-0 unresolved" file_lacks "${log}" \
  "did not resolve within 2s: .*$(re "${F0}")"
check "all: no file, no temp file" no_files_in "${WORK}/c4a"

# A broker-only pod named by POD_NAME (beats the host name kafka-1): needs
# its own name and 2 of the 3 voters.
run_init c4e POD_NAME=kafka-3 --dns-timeout 10s
check "POD_NAME=kafka-3: waits for its own name" \
  waits_for_log "dns: waiting for $(re "${F3}") \(required\)" 5
nap 0.3
check "POD_NAME=kafka-3: still waiting" alive "${pid}"
pods_publish_dns "${F3}" "${IP3}"
exit_of "${pid}" 10
check "POD_NAME=kafka-3: exit code 0 (got ${RC})" eq "${RC}" 0
check "POD_NAME=kafka-3: node.id=3" file_has "${out}" '^node\.id=3$'
check "POD_NAME=kafka-3: process.roles=broker" file_has "${out}" '^process\.roles=broker$'
end_case

# --------------------------------------------------------------------------
begin_case "5. timing: init when every name already resolves"
pods_publish_dns "${F2}" "${IP2}"
log="${WORK}/c5.log"
CASE_LOGS=("${log}")
# The loop runs inside the pod, so the numbers are init's own wall time
# (fork+exec, DNS, write, fsync, rename), not the namespace set-up.
# shellcheck disable=SC2016  # expanded by the pod's shell
timing_script='
  agent=$1 dir=$2 mode=$3 n=$4
  for i in $(seq 1 "$n"); do
    t0=${EPOCHREALTIME/./}
    "$agent" init --output "$dir/$mode/server.properties" --dns-wait "$mode" \
      --dns-timeout 5s >>"$dir/$mode.log" 2>&1 || { echo "rc=$?"; exit 1; }
    t1=${EPOCHREALTIME/./}
    echo $((t1 - t0))
  done'
median_ms() { # microseconds, one a line -> "median min max" in ms
  sort -n | awk '{ v[NR] = $1 } END { if (NR > 0) {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%.2f %.2f %.2f", m / 1000, v[1] / 1000, v[NR] / 1000 } }'
}
mkdir -p "${WORK}/c5"
declare -A MED=()
for mode in quorum all none; do
  us=$(pods_exec kafka-1 "${AGENT_ENV[@]}" bash -c "${timing_script}" sh \
    "${AGENT}" "${WORK}/c5" "${mode}" 20)
  rc=$?
  check "--dns-wait ${mode}: 20 runs exit 0" eq "${rc}" 0
  read -r med min max <<<"$(printf '%s\n' "${us}" | grep -E '^[0-9]+$' | median_ms)"
  MED[${mode}]=${med}
  printf '  --dns-wait %-6s  20 runs: median %s ms (min %s, max %s)\n' \
    "${mode}" "${med}" "${min}" "${max}"
  TIMINGS+=("init, names resolve, --dns-wait ${mode}: median ${med} ms (min ${min}, max ${max}, 20 runs)")
done
CASE_LOGS=("${WORK}/c5/quorum.log")
# The agent's own timing of its DNS step ("step 4/5 wait-for-dns: ok in
# 0.5ms"), if its log says so: the DNS part of init's wall time.
dns_step=$(grep -oE 'wait-for-dns: ok in [0-9.]+(us|ms|s)' "${WORK}/c5/quorum.log" |
  awk '{ v = $NF; u = v; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
         print int(v * (u == "s" ? 1000000 : u == "ms" ? 1000 : 1)) }' |
  median_ms)
if [[ -n "${dns_step}" ]]; then
  printf '  of which the DNS step (agent'"'"'s log, quorum): median %s ms\n' \
    "${dns_step%% *}"
  TIMINGS+=("of which the DNS step (agent's own log): median ${dns_step%% *} ms")
fi
check "config written" file_has "${WORK}/c5/quorum/server.properties" '^node\.id=1$'
check "well under a second (median ${MED[quorum]} ms < 500 ms)" \
  awk -v m="${MED[quorum]}" 'BEGIN { exit !(m < 500) }'
end_case

# --------------------------------------------------------------------------
begin_case "6. the DNS server stops answering while init waits, then comes back"
reset_dns
CASE_LOGS=()
run_init c6/config --dns-timeout 60s
check "init is waiting" waits_for_log "dns: waiting for $(re "${F1}")" 5
t_stop=$(now_ms)
kill -STOP "${PODS_DNS_PID}"
# The records appear while the server is stopped: dnsmasq reads them (inotify)
# once it runs again.
for i in 0 1 2; do
  pods_publish_dns "$(fqdn "${i}")" "${PODS_NET_PREFIX}.$((10 + i))" --no-wait
done
# Init notices within a backoff (at most 5s) and one lookup (2s at most).
silent_limit=$((MAX_BACKOFF_MS + 2000 + MARGIN_MS))
check "init logs that the DNS server does not answer" \
  waits_for_log 'the DNS server does not answer' "$(secs "${silent_limit}" 3)"
printf '  logged %sms after dnsmasq was stopped (limit %sms)\n' "$(($(now_ms) - t_stop))" "${silent_limit}"
nap 1
check "init is still waiting while the DNS server is stopped" alive "${pid}"
t_cont=$(now_ms)
kill -CONT "${PODS_DNS_PID}"
exit_of "${pid}" 20
lat=$((REAP_MS - t_cont))
# Back: the lookup in flight gets its answer, or the next round after a
# backoff (at most 5s) resolves; one lookup (2s) + 1s margin on top.
back_limit=$((MAX_BACKOFF_MS + 2000 + MARGIN_MS))
printf '  DNS server stopped for %ss; init exited %s %sms after it ran again\n' \
  "$(secs $((t_cont - t_stop)) 1)" "${RC}" "${lat}"
TIMINGS+=("DNS server stopped during the wait: exit ${lat} ms after it answers again")
check "exit code 0 (got ${RC})" eq "${RC}" 0
check "exited within ${back_limit}ms of the DNS server's return (${lat}ms)" le "${lat}" "${back_limit}"
check "config file written" file_has "${out}" '^node\.id=1$'
check "log: the DNS server answers again" file_has "${log}" 'the DNS server answers again'
grep -E 'does not answer|answers again|ready after' "${log}" | cut -c1-200 | sed 's/^/  log: /'
end_case

# --------------------------------------------------------------------------
begin_case "7. a DNS server that never answers (resolv.conf timeout:5 attempts:5)"
reset_dns
pods_create kafka-4 14 --namespace "${KNS}" --subdomain "${SVC}" ||
  fail "could not create pod kafka-4"
BH_NS=$(pods_netns kafka-4)
BH_LOG=${WORK}/blackhole.log
# A DNS server on the pod's loopback that reads every query and answers none.
ip netns exec "${BH_NS}" python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.53", 53))
print("listening", flush=True)
while True:
    data, peer = s.recvfrom(4096)
    print("dropped a query of %d bytes from %s" % (len(data), peer[0]), flush=True)
' >"${BH_LOG}" 2>&1 &
BLACKHOLE_PID=$!
check "the silent DNS server listens" \
  wait_until --every 0.02 5 "the silent DNS server" file_has "${BH_LOG}" '^listening'
# Where getaddrinfo would wait 5s x 5 attempts per name and query type.
printf 'search %s.svc.%s svc.%s %s\nnameserver 127.0.0.53\noptions ndots:5 timeout:5 attempts:5\n' \
  "${KNS}" "${DOMAIN}" "${DOMAIN}" "${DOMAIN}" >"/etc/netns/${BH_NS}/resolv.conf"
CASE_LOGS=("${BH_LOG}")
INIT_POD=kafka-4 run_init c7t/config --dns-timeout 2s
exit_of "${pid}" 10
printf '  --dns-timeout 2s: exit %s after %sms\n' "${RC}" "${took}"
TIMINGS+=("silent DNS server, --dns-timeout 2s: exit after ${took} ms")
check "exit code 1 (got ${RC})" eq "${RC}" 1
check "gave up after 2s..2.5s (${took}ms)" eval "(( ${took} >= 2000 && ${took} <= 2500 ))"
check "log: the DNS server does not answer" file_has "${log}" 'the DNS server does not answer'
check "the error says the DNS server did not answer" file_has "${log}" \
  'did not resolve within 2s: .*The DNS server did not answer'
check "no file at --output" no_files_in "${WORK}/c7t"
check "the silent server got queries" file_has "${BH_LOG}" '^dropped a query'

INIT_POD=kafka-4 run_init c7s/config
check "init is waiting" waits_for_log "dns: waiting for $(re "$(fqdn 4)")" 5
nap 0.5 # in the middle of a lookup
check "init is still running before SIGTERM" alive "${pid}"
t_start=$(now_ms) # the time of the SIGTERM
kill -TERM "${pid}"
exit_of "${pid}" 5
printf '  SIGTERM during a lookup: exit %s after %sms\n' "${RC}" "${took}"
TIMINGS+=("silent DNS server, SIGTERM during a lookup: exit after ${took} ms")
check "exit code non-zero (got ${RC})" ne "${RC}" 0
check "exited within 200ms of SIGTERM (${took}ms)" le "${took}" 200
check "no file at --output" no_files_in "${WORK}/c7s"
kill "${BLACKHOLE_PID}" 2>/dev/null
wait "${BLACKHOLE_PID}" 2>/dev/null
BLACKHOLE_PID=''
printf '  the silent server dropped %s queries\n' "$(grep -c '^dropped' "${BH_LOG}")"
end_case

# --------------------------------------------------------------------------
printf '\n=== summary\n'
printf '  %s\n' "${TIMINGS[@]}"
checks_done || fail "${#CASES_FAILED[@]} case(s): ${CASES_FAILED[*]}"
printf 'PASS: all cases (%ss)\n' "$(since "${T_SETUP}" 3)"
