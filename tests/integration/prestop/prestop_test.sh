#!/usr/bin/env bash
# Issue 9 against a real 3-node KRaft cluster on loopback: the preStop gate,
# /metrics and a real Prometheus server.
#
# Three `kafka-agent serve` sidecars (one per broker, HTTP side port on), a
# topic with 3 partitions, replication factor 3, min.insync.replicas=2, and an
# acks=all producer running throughout. Then, as a StatefulSet would see it:
#
#   1. node 1 stops; GET /prestop?timeout=3s on node 2's agent gives up at
#      its timeout and says so (stopping node 2 now would take test-0..2
#      below min.insync.replicas, and, every node being a KRaft voter, leave
#      1 caught-up voter of 3: the quorum rule);
#   2. GET /prestop?timeout=180s on node 2's agent (and `check-restart
#      --wait` over gRPC) wait, and the agent's log says what for;
#      Prometheus, scraping all three agents, reports 3 under-replicated;
#   3. node 1 starts again: both waits answer "safe" once node 1 is back in
#      every ISR and caught up in the quorum, not before;
#   4. node 2 stops (what the kubelet does once the hook returns) and starts
#      again; meanwhile a /prestop wait on node 1's agent is answered at once
#      when that agent gets SIGTERM;
#   5. 0 offline partitions sampled throughout, 0 acknowledged messages lost,
#      every agent's /metrics passes `promtool check metrics`.
#
# Usage: prestop_test.sh [AGENT_BIN] [KAFKA_TEST_TOOL]
# Prints a timeline; exits non-zero on the first failed assertion and keeps
# the work directory (Kafka, agent and Prometheus logs) for a failed run.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
agent=${1:-$root/build/kafka-agent}
tool=${2:-$root/build/tests/kafka-test-tool}
cluster=$root/tests/integration/kafka/cluster.sh
# shellcheck source=scripts/env.sh
. "$root/scripts/env.sh"

POLL_MS=500
POLL="${POLL_MS}ms"
GRPC_BASE=${PRESTOP_TEST_GRPC_BASE:-54250}
HTTP_BASE=${PRESTOP_TEST_HTTP_BASE:-54260}
PROM_PORT=${PRESTOP_TEST_PROM_PORT:-54270}
export KAFKA_TEST_BASE_PORT=${KAFKA_TEST_BASE_PORT:-24092}

for t in curl jq java prometheus promtool; do
  command -v "$t" >/dev/null || { echo "missing $t: run make deps" >&2; exit 1; }
done
{ [ -x "$agent" ] && [ -x "$tool" ]; } || { echo "build first: $agent, $tool" >&2; exit 1; }

work=$(mktemp -d /tmp/prestop-test.XXXXXX)
agent_pids=(-1 -1 -1)
bg_pids=()
ok=0
cleanup() {
  local p
  for p in "${bg_pids[@]}" "${agent_pids[@]}"; do
    if [ "$p" -gt 0 ]; then kill "$p" 2>/dev/null || true; fi
  done
  "$cluster" stop "$work/kafka" >/dev/null 2>&1 || true
  if [ "$ok" = 1 ]; then rm -rf "$work"; else echo "kept logs in $work" >&2; fi
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
T0=$(now_ms)
say() { printf '[%6.1fs] %s\n' "$(( $(now_ms) - T0 ))e-3" "$*"; }
fail() { say "FAIL: $*"; exit 1; }
secs() { printf '%d.%01ds' "$(( $1 / 1000 ))" "$(( ($1 % 1000) / 100 ))"; }

grpc_addr() { echo "127.0.0.1:$((GRPC_BASE + $1))"; }
http_url() { echo "http://127.0.0.1:$((HTTP_BASE + $1))"; }
status_json() { "$agent" status --addr "$(grpc_addr "$1")" --json --topic test 2>/dev/null; }
isr_of_test() {
  status_json "$1" | jq -r '[.partitions.partitions[] | (.isr | sort | map(tostring) | join(","))] | join(" ")'
}
# A metric's value (first sample) from an agent's /metrics.
metric() { curl -sS -m 2 "$(http_url "$1")/metrics" | awk -v m="$2" '$1 == m && !seen { print $2; seen = 1 }'; }
wait_for() { # seconds, what, command...
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(now_ms) + limit * 1000 ))
  until "$@"; do
    [ "$(now_ms)" -lt "$deadline" ] || fail "timed out after ${limit}s waiting for: $what"
    sleep 0.1
  done
}
promql() { # PromQL expression -> the first sample's value, or "none"
  curl -sS -m 2 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
    jq -r 'if .status == "success" and (.data.result | length) > 0 then .data.result[0].value[1] else "none" end'
}

start_agent() { # node
  local n=$1
  "$agent" serve --pod-name "kafka-$n" --namespace kafka \
    --bootstrap "127.0.0.1:$("$cluster" port "$work/kafka" "$n")" \
    --grpc-listen "$(grpc_addr "$n")" --http-listen "127.0.0.1:$((HTTP_BASE + n))" \
    --poll-interval "$POLL" >>"$work/agent-$n.log" 2>&1 &
  agent_pids[n]=$!
}

say "starting a 3-node KRaft cluster (logs in $work/kafka)"
bootstrap=$("$cluster" start "$work/kafka" | tail -n1)
say "cluster up: $bootstrap"
for n in 0 1 2; do start_agent "$n"; done
say "3 agents: gRPC $(grpc_addr 0)..$((GRPC_BASE + 2)), HTTP $(http_url 0)..$((HTTP_BASE + 2)), polling every $POLL"

# Prometheus scrapes the three sidecars every second.
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: kafka-agent
    static_configs:
      - targets: ['127.0.0.1:$HTTP_BASE', '127.0.0.1:$((HTTP_BASE + 1))', '127.0.0.1:$((HTTP_BASE + 2))']
EOF
promtool check config "$work/prometheus.yml" >/dev/null || fail "promtool rejects the scrape config"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$work/prometheus.log" 2>&1 &
bg_pids+=($!)

"$tool" create-topic -b "$bootstrap" -t test -p 3 -r 3 -c min.insync.replicas=2 >/dev/null
say "created topic test: 3 partitions, replication factor 3, min.insync.replicas=2"
all_ready() { for n in 0 1 2; do [ "$(curl -s -o /dev/null -w '%{http_code}' -m 1 "$(http_url "$n")/readyz")" = 200 ] || return 1; done; }
wait_for 60 "GET /readyz 200 on all three agents" all_ready
full_isr() { [ "$(isr_of_test "$1")" = "0,1,2 0,1,2 0,1,2" ]; }
wait_for 20 "agent 2 sees ISR 0,1,2 everywhere" full_isr 2
say "GET /readyz is 200 on all three agents; ISR 0,1,2 on test-0..2"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$(http_url 0)/healthz")" = 200 ] || fail "/healthz is not 200"

# Healthy: stopping any one broker is safe, so /prestop answers at once.
out=$(curl -sS -m 5 "$(http_url 1)/prestop?timeout=10s")
[[ $out == "safe at once: stopping broker 1 keeps every partition"* ]] || fail "/prestop on a healthy cluster: $out"
say "healthy cluster: GET /prestop on agent 1 -> $out"

# The acks=all producer, and a sampler of offline partitions (agent 0's view:
# its broker stays up throughout).
"$tool" produce -b "$bootstrap" -t test --rate 200 --stop-file "$work/stop-producer" \
  --acked-file "$work/acked" >"$work/producer.json" 2>"$work/producer.log" &
producer=$!
bg_pids+=("$producer")
(
  max_off=0 max_umi=0 samples=0
  while [ ! -e "$work/stop-sampler" ]; do
    m=$(curl -sS -m 1 "$(http_url 0)/metrics" 2>/dev/null || true)
    off=$(awk '$1 == "kafka_agent_cluster_partitions_offline" { print $2 }' <<<"$m")
    umi=$(awk '$1 == "kafka_agent_cluster_partitions_under_min_isr" { print $2 }' <<<"$m")
    if [ -n "$off" ]; then
      samples=$((samples + 1))
      [ "$off" -gt "$max_off" ] && max_off=$off
      [ "$umi" -gt "$max_umi" ] && max_umi=$umi
    fi
    echo "$samples $max_off $max_umi" >"$work/sampler.tmp" && mv "$work/sampler.tmp" "$work/sampler"
    sleep 0.2
  done
) &
sampler=$!
bg_pids+=("$sampler")
sleep 2

# --- 1. node 1 stops; a short /prestop on node 2 gives up at its timeout ------
say "stopping node 1 (SIGTERM, controlled shutdown)"
t_stop1=$(now_ms)
"$cluster" stop-node "$work/kafka" 1 >/dev/null
isr_02() { [ "$(isr_of_test 2)" = "0,2 0,2 0,2" ]; }
wait_for 30 "agent 2 sees ISR 0,2 on test-0..2" isr_02
say "node 1 stopped; agent 2 sees ISR 0,2 on test-0..2 $(secs $(( $(now_ms) - t_stop1 ))) after SIGTERM"
# The quorum rule: voter 1 falls behind once it has not fetched for
# controller.quorum.fetch.timeout.ms (2s).
quorum_at_risk() { [ "$(metric 2 kafka_agent_restart_quorum_at_risk)" = 1 ]; }
wait_for 20 "agent 2: kafka_agent_restart_quorum_at_risk 1" quorum_at_risk
say "agent 2 sees the quorum at risk (voter 1 behind) $(secs $(( $(now_ms) - t_stop1 ))) after node 1's SIGTERM"

t=$(now_ms)
code=$(curl -sS -m 10 -D "$work/short.head" -o "$work/short.body" -w '%{http_code}' "$(http_url 2)/prestop?timeout=3s")
dt=$(( $(now_ms) - t ))
[ "$code" = 200 ] || fail "/prestop?timeout=3s answered $code"
grep -qi '^X-Prestop-Outcome: timeout' "$work/short.head" || fail "outcome: $(cat "$work/short.head")"
grep -Eq '^gave up after 3(\.[0-9])?s \(timeout 3s\): not safe: stopping broker 2 now would leave 3 partition\(s\)' "$work/short.body" ||
  fail "body: $(cat "$work/short.body")"
grep -q '^  quorum: stopping controller 2 would leave 1 caught-up voter(s) of 3; a quorum needs 2$' "$work/short.body" ||
  fail "body without the quorum rule: $(cat "$work/short.body")"
{ [ "$dt" -ge 3000 ] && [ "$dt" -le 6000 ]; } || fail "/prestop?timeout=3s took ${dt}ms, want 3000..6000"
grep -Eq 'gave up after 3(\.[0-9])?s \(timeout 3s\)' "$work/agent-2.log" || fail "agent 2 did not log the timeout"
say "GET /prestop?timeout=3s on agent 2: 200 after $(secs "$dt"), outcome timeout:"
sed 's/^/    /' "$work/short.body"
say "  agent 2 logged: $(grep -Eo 'prestop #[0-9]* .*gave up after 3(\.[0-9])?s.*' "$work/agent-2.log" | cut -c1-160)..."

# --- 2. the real wait: HTTP (as the kubelet) and gRPC (check-restart --wait) --
t_wait=$(now_ms)
curl -sS -m 200 -D "$work/wait.head" -o "$work/wait.body" -w '%{http_code}' \
  "$(http_url 2)/prestop?timeout=180s" >"$work/wait.code" 2>&1 &
curl_pid=$!
bg_pids+=("$curl_pid")
set +e
"$agent" check-restart --addr "$(grpc_addr 2)" --wait --timeout 180s >"$work/cr.out" 2>&1 &
cr_pid=$!
set -e
bg_pids+=("$cr_pid")
waiting_logged() { grep -q 'waiting up to 3m: not safe: stopping broker 2 now would leave 3 partition(s).*test-0, test-1, test-2' "$work/agent-2.log"; }
wait_for 10 "agent 2 to log what it waits for" waiting_logged
two_waiting() { [ "$(metric 2 kafka_agent_prestop_waits)" = 2 ]; }
wait_for 10 "kafka_agent_prestop_waits 2 on agent 2" two_waiting
say "GET /prestop?timeout=180s and check-restart --wait on agent 2 are waiting; agent 2 logged:"
grep -o 'prestop #[0-9]* .*waiting up to 3m.*' "$work/agent-2.log" | sed 's/^/    /'

ur_prom() { [ "$(promql 'max(kafka_agent_cluster_partitions_under_replicated)')" = 3 ]; }
wait_for 30 "Prometheus: max(kafka_agent_cluster_partitions_under_replicated) == 3" ur_prom
say "Prometheus (scraping 3 agents): max(kafka_agent_cluster_partitions_under_replicated) = 3, sum(kafka_agent_prestop_waits) = $(promql 'sum(kafka_agent_prestop_waits)'), min(kafka_agent_restart_safe) = $(promql 'min(kafka_agent_restart_safe)')"

sleep 3
kill -0 "$curl_pid" 2>/dev/null || fail "/prestop answered while node 1 was still down: $(cat "$work/wait.body")"
kill -0 "$cr_pid" 2>/dev/null || fail "check-restart --wait returned while node 1 was down: $(cat "$work/cr.out")"
say "still waiting $(secs $(( $(now_ms) - t_wait ))) later (node 1 is down)"

# --- 3. node 1 comes back: the waits end once it is in every ISR -------------
say "starting node 1 again"
t_start1=$(now_ms)
"$cluster" start-node "$work/kafka" 1 --no-wait
t_isr=""; t_answer=""; isr_at_answer=""
deadline=$(( t_start1 + 120000 ))
while [ -z "$t_answer" ]; do
  [ "$(now_ms)" -lt "$deadline" ] || fail "no /prestop answer within 120s of restarting node 1"
  if [ -z "$t_isr" ] && full_isr 2; then t_isr=$(now_ms); fi
  if ! kill -0 "$curl_pid" 2>/dev/null; then
    t_answer=$(now_ms)
    isr_at_answer=$(isr_of_test 2)
  fi
  sleep 0.05
done
wait "$curl_pid" || fail "curl failed: $(cat "$work/wait.code")"
[ "$(cat "$work/wait.code")" = 200 ] || fail "/prestop answered $(cat "$work/wait.code")"
grep -qi '^X-Prestop-Outcome: safe' "$work/wait.head" || fail "outcome: $(cat "$work/wait.head")"
grep -Eq '^safe after .*: stopping broker 2 keeps every partition at or above min.insync.replicas and a caught-up majority of the quorum \(waited for (the KRaft quorum, test-0, test-1, test-2|test-0, test-1, test-2, the KRaft quorum)\)$' "$work/wait.body" ||
  fail "body: $(cat "$work/wait.body")"
[ "$isr_at_answer" = "0,1,2 0,1,2 0,1,2" ] || fail "/prestop answered while agent 2 saw ISR $isr_at_answer"
set +e; wait "$cr_pid"; cr_rc=$?; set -e
[ "$cr_rc" = 0 ] || fail "check-restart --wait exit $cr_rc: $(cat "$work/cr.out")"
grep -q '^safe after ' "$work/cr.out" || fail "check-restart --wait: $(cat "$work/cr.out")"
[ -n "$t_isr" ] || t_isr=$t_answer
say "node 1 back in every ISR (agent 2's view) $(secs $(( t_isr - t_start1 ))) after its start"
say "GET /prestop answered 200 $(secs $(( t_answer - t_start1 ))) after node 1's start, $(secs $(( t_answer - t_wait ))) after it was asked:"
sed 's/^/    /' "$work/wait.body"
say "check-restart --wait (gRPC) exit 0: $(head -n1 "$work/cr.out")"

# --- 4. the kubelet stops node 2 now; SIGTERM of an agent during a wait ------
say "stopping node 2 (what the kubelet does when the hook returns)"
t_stop2=$(now_ms)
"$cluster" stop-node "$work/kafka" 2 >/dev/null
isr_01() { [ "$(isr_of_test 0)" = "0,1 0,1 0,1" ]; }
wait_for 30 "agent 0 sees ISR 0,1" isr_01
say "node 2 stopped after $(secs $(( $(now_ms) - t_stop2 ))); agent 0 sees ISR 0,1 on test-0..2"

# Node 1's agent now has to wait; SIGTERM it during the wait.
curl -sS -m 30 -D "$work/term.head" -o "$work/term.body" "$(http_url 1)/prestop?timeout=60s" &
term_curl=$!
bg_pids+=("$term_curl")
one_waiting() { [ "$(metric 1 kafka_agent_prestop_waits)" = 1 ]; }
wait_for 10 "a /prestop wait on agent 1" one_waiting
t_term=$(now_ms)
kill -TERM "${agent_pids[1]}"
wait "$term_curl" || fail "curl to agent 1 failed during its SIGTERM"
dt_answer=$(( $(now_ms) - t_term ))
set +e; wait "${agent_pids[1]}"; rc=$?; set -e
dt_exit=$(( $(now_ms) - t_term ))
agent_pids[1]=-1
grep -qi '^X-Prestop-Outcome: stopping' "$work/term.head" || fail "outcome: $(cat "$work/term.head")"
grep -q '^the agent is shutting down (SIGTERM); answering early after .*: not safe: stopping broker 1' "$work/term.body" ||
  fail "body: $(cat "$work/term.body")"
[ "$dt_answer" -le 1000 ] || fail "answered ${dt_answer}ms after SIGTERM, want <= 1000"
{ [ "$rc" = 0 ] && [ "$dt_exit" -le 5000 ]; } || fail "agent 1 exit $rc after ${dt_exit}ms, want 0 within 5000"
say "SIGTERM of agent 1 during a /prestop wait: answered in $(secs "$dt_answer") ($(head -c 70 "$work/term.body")...), agent exit 0 in $(secs "$dt_exit")"
start_agent 1

say "starting node 2 again"
t_start2=$(now_ms)
"$cluster" start-node "$work/kafka" 2 --no-wait
ready2() { [ "$(curl -s -o /dev/null -w '%{http_code}' -m 1 "$(http_url 2)/readyz")" = 200 ]; }
wait_for 120 "agent 2 /readyz 200 again" ready2
wait_for 20 "agent 1 /readyz 200 again" all_ready
say "node 2 ready again $(secs $(( $(now_ms) - t_start2 ))) after its start"

# --- 5. nothing lost, nothing offline, metrics well-formed ---------------------
touch "$work/stop-producer"
wait "$producer" || fail "producer failed: $(cat "$work/producer.log")"
say "producer: $(cat "$work/producer.json")"
acked=$(jq -r .acked "$work/producer.json")
[ "$acked" -gt 0 ] || fail "nothing was acknowledged"
consumed=$("$tool" consume -b "$bootstrap" -t test --expect-file "$work/acked" --timeout 60) ||
  fail "acknowledged messages missing: $consumed"
[ "$(jq -r .missing <<<"$consumed")" = 0 ] || fail "consumer: $consumed"
say "consumer: $consumed"

touch "$work/stop-sampler"
wait "$sampler" || true
read -r samples max_off max_umi <"$work/sampler"
[ "$samples" -ge 50 ] || fail "only $samples samples of the offline count"
[ "$max_off" = 0 ] || fail "$max_off offline partitions sampled"
say "offline partitions: max $max_off over $samples samples of agent 0's /metrics; under min ISR: max $max_umi"

for n in 0 1 2; do
  curl -sS -m 2 "$(http_url "$n")/metrics" >"$work/metrics-$n.txt"
  promtool check metrics <"$work/metrics-$n.txt" >"$work/promtool-$n.out" 2>&1 ||
    fail "promtool check metrics on agent $n: $(cat "$work/promtool-$n.out")"
  [ ! -s "$work/promtool-$n.out" ] || fail "promtool findings on agent $n: $(cat "$work/promtool-$n.out")"
done
say "promtool check metrics: the three agents' /metrics pass ($(grep -c '^# TYPE' "$work/metrics-0.txt") families)"
ur_zero() { [ "$(promql 'max(kafka_agent_cluster_partitions_under_replicated)')" = 0 ]; }
wait_for 30 "Prometheus: under-replicated back to 0" ur_zero
say "Prometheus: max(kafka_agent_cluster_partitions_under_replicated) = 0; prestop outcomes: $(curl -sS "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode 'query=sum by (outcome) (kafka_agent_prestop_requests_total)' | jq -r '[.data.result[] | "\(.metric.outcome)=\(.value[1])"] | join(" ")')"

ok=1
say "PASS"
