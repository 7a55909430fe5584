#!/usr/bin/env bash
# Issue 4 against a real 3-node KRaft cluster on loopback: three
# `kafka-agent serve` sidecars (one per broker), a topic with 3 partitions,
# replication factor 3 and min.insync.replicas=2, then node 2 stopped and
# restarted. Asserted through the clients people use: grpc-health-probe (as
# the kubelet), grpcurl (via reflection) and `kafka-agent status/check-restart`.
#
# Usage: serve_isr_test.sh [AGENT_BIN] [KAFKA_TEST_TOOL]
# Prints the measured times; exits non-zero on the first failed assertion and
# keeps the work directory (Kafka and agent logs) for a failed run.
set -euo pipefail

# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../../lib/common.sh"
agent=${1:-$LIB_ROOT/build/kafka-agent}
tool=${2:-$LIB_ROOT/build/tests/kafka-test-tool}
cluster=$LIB_ROOT/tests/integration/kafka/cluster.sh

POLL_MS=1000
POLL="${POLL_MS}ms"
GRPC_BASE=${SERVE_TEST_GRPC_BASE:-50151}
export KAFKA_TEST_BASE_PORT=${KAFKA_TEST_BASE_PORT:-19292}

need grpc-health-probe grpcurl jq java
[[ -x $agent && -x $tool ]] || die "build first: $agent, $tool"

work=$(mktemp -d /tmp/serve-isr-test.XXXXXX)
agent_pids=()
ok=0
cleanup() {
  for p in "${agent_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$cluster" stop "$work/kafka" >/dev/null 2>&1 || true
  if [ "$ok" = 1 ]; then rm -rf "$work"; else echo "kept logs in $work" >&2; fi
}
exit_traps cleanup

addr() { echo "127.0.0.1:$((GRPC_BASE + $1))"; }
# SERVING / NOT_SERVING / ERROR: agent N's SERVICE, as the kubelet probes it.
probe() { health_of "$(addr "$1")" "$2"; }
status_json() { "$agent" status --addr "$(addr "$1")" --json --topic test 2>/dev/null; }
# ISR of each partition of `test` as "0,1,2 0,1,2 0,1,2" (sorted ids).
isr_of_test() { status_json "$1" | isr_view; }

# Each node also gets a SASL_PLAINTEXT listener (PLAIN, user agent), to show
# that client properties given with --kafka-prop reach librdkafka.
sasl_port() { echo $((KAFKA_TEST_BASE_PORT + 200 + $1)); }
for n in 0 1 2; do
  b=$((KAFKA_TEST_BASE_PORT + n)) c=$((KAFKA_TEST_BASE_PORT + 100 + n)) s=$(sasl_port "$n")
  export "KAFKA_TEST_EXTRA_PROPS_$n=listeners=PLAINTEXT://127.0.0.1:$b,CONTROLLER://127.0.0.1:$c,SASL_PLAINTEXT://127.0.0.1:$s
advertised.listeners=PLAINTEXT://127.0.0.1:$b,SASL_PLAINTEXT://127.0.0.1:$s
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"admin\" password=\"admin-pw\" user_admin=\"admin-pw\" user_agent=\"agent-sasl-pw\";"
done

say "starting a 3-node KRaft cluster (logs in $work/kafka)"
bootstrap=$("$cluster" start "$work/kafka" | tail -n1)
say "cluster up: $bootstrap"

for n in 0 1 2; do
  "$agent" serve --pod-name "kafka-$n" --namespace kafka \
    --bootstrap "127.0.0.1:$("$cluster" port "$work/kafka" "$n")" \
    --grpc-listen "$(addr "$n")" --http-listen "" --poll-interval "$POLL" \
    --kafka-prop client.rack=r$n --kafka-prop sasl.password=hunter2-secret \
    --log-format json >"$work/agent-$n.log" 2>&1 &
  agent_pids+=($!)
done
say "3 agents serving on $(addr 0) $(addr 1) $(addr 2), polling every $POLL"

"$tool" create-topic -b "$bootstrap" -t test -p 3 -r 3 -c min.insync.replicas=2 >/dev/null
say "created topic test: 3 partitions, replication factor 3, min.insync.replicas=2"

all_ready() { for n in 0 1 2; do [ "$(probe "$n" kafka.ready)" = SERVING ] || return 1; done; }
await 60 "kafka.ready SERVING on all three agents" all_ready
say "kafka.ready SERVING on all three agents (grpc-health-probe)"

full_isr() { [ "$(isr_of_test "$1")" = "0,1,2 0,1,2 0,1,2" ]; }
# min.insync.replicas comes from DescribeConfigs on its own thread, off the
# poll path: a new topic's value follows within a couple of polls.
min_isr_of_test() { status_json "$1" | jq -r '[.partitions.partitions[].min_insync_replicas] | unique | join(",")'; }
min_isr_2() { [ "$(min_isr_of_test "$1")" = 2 ]; }
for n in 0 1 2; do
  await 10 "agent $n sees ISR 0,1,2 on every partition" full_isr "$n"
  await 10 "agent $n reports min.insync.replicas 2 on every partition" min_isr_2 "$n"
done
say "every agent reports ISR 0,1,2 and min.insync.replicas 2 for test-0..2"
"$agent" status --addr "$(addr 0)" --topic test | show

# The same answers through grpcurl and server reflection.
grep -qx kafka_agent.v1.KafkaAgent <(grpcurl -plaintext "$(addr 1)" list) || fail "reflection lacks KafkaAgent"
[ "$(grpcurl -plaintext -d '{"service":"kafka.ready"}' "$(addr 1)" grpc.health.v1.Health/Check | jq -r .status)" = SERVING ] \
  || fail "grpcurl Health/Check kafka.ready is not SERVING"
[ "$(grpcurl -plaintext "$(addr 1)" kafka_agent.v1.KafkaAgent/GetStatus | jq -r .ready)" = true ] \
  || fail "grpcurl GetStatus .ready is not true"
"$agent" check-restart --addr "$(addr 1)" >/dev/null || fail "restarting node 1 should be safe now"
say "grpcurl (reflection): Health/Check SERVING, GetStatus ready; check-restart node 1: safe"

# The same broker through its SASL_PLAINTEXT listener: right and wrong password.
sasl_agent() { # index, password
  "$agent" serve --pod-name kafka-0 --namespace kafka \
    --bootstrap "127.0.0.1:$(sasl_port 0)" --grpc-listen "$(addr "$1")" --http-listen "" --poll-interval "$POLL" \
    --kafka-prop security.protocol=SASL_PLAINTEXT --kafka-prop sasl.mechanism=PLAIN \
    --kafka-prop sasl.username=agent --kafka-prop "sasl.password=$2" \
    >"$work/agent-$1.log" 2>&1 &
  agent_pids+=($!)
}
sasl_agent 3 agent-sasl-pw
sasl_agent 4 wrong-sasl-pw
sasl_ready() { [ "$(probe 3 kafka.ready)" = SERVING ]; }
await 20 "the SASL agent's kafka.ready SERVING" sasl_ready
full_isr 3 || fail "the SASL agent sees ISR $(isr_of_test 3)"
await 20 "the wrong-password agent to report its error" \
  bash -c "'$agent' status --addr '$(addr 4)' --json 2>/dev/null | jq -e '.status.last_error | test(\"uthenticat\")' >/dev/null"
[ "$(probe 4 kafka.broker)" = NOT_SERVING ] || fail "a wrong password should leave kafka.broker NOT_SERVING"
say "over SASL_PLAINTEXT (--kafka-prop): ready with the right password; wrong one: $("$agent" status --addr "$(addr 4)" --json 2>/dev/null | jq -r .status.last_error)"
for p in "${agent_pids[@]: -2}"; do kill "$p"; done
if grep -q -e agent-sasl-pw -e wrong-sasl-pw "$work"/agent-*.log; then fail "a SASL password was logged"; fi

# Secrets given with --kafka-prop never reach the logs.
if grep -q hunter2-secret "$work"/agent-*.log; then fail "a --kafka-prop secret was logged"; fi
grep -q 'sasl.password=<redacted>' "$work/agent-0.log" || fail "expected the redacted property in the log"

# A watch on agent 2's status stream, to check ordering on its way back.
grpcurl -plaintext -max-time 600 "$(addr 2)" kafka_agent.v1.KafkaAgent/WatchStatus >"$work/watch-2.jsonl" 2>&1 &
watch_pid=$!
agent_pids+=("$watch_pid")

# Producing while node 2 is away gives it something to catch up on.
"$tool" produce -b "$bootstrap" -t test --count 20000 --rate 100000 >/dev/null

say "stopping node 2 (SIGTERM, controlled shutdown)"
t_stop=$(now_ms)
"$cluster" stop-node "$work/kafka" 2 &
stopper=$!
t_broker='' t_isr='' t_unsafe=''
broker_2_gone() { [ "$(probe 2 kafka.broker)" = NOT_SERVING ]; }
isr_0_1() { [ "$(isr_of_test 0)" = "0,1 0,1 0,1" ] && [ "$(isr_of_test 1)" = "0,1 0,1 0,1" ]; }
restart_1_unsafe() { ! "$agent" check-restart --addr "$(addr 1)" >/dev/null 2>&1; }
time_until 60 "node 2's absence to be reported" \
  t_broker broker_2_gone t_isr isr_0_1 t_unsafe restart_1_unsafe ||
  fail "node 2's absence not reported within 60s (broker=$t_broker isr=$t_isr unsafe=$t_unsafe)"
wait "$stopper"
t_exited=$(now_ms)
say "node 2 exited $(( t_exited - t_stop ))ms after SIGTERM"
say "agent 2 kafka.broker NOT_SERVING: $(( t_broker - t_stop ))ms after SIGTERM"
say "agents 0,1 report ISR 0,1 on test-0..2: $(( t_isr - t_stop ))ms after SIGTERM"
say "check-restart node 1 UNSAFE: $(( t_unsafe - t_stop ))ms after SIGTERM"
limit=$(( 3 * POLL_MS ))
for t in "$t_broker" "$t_isr" "$t_unsafe"; do
  [ $(( t - t_exited )) -le "$limit" ] || fail "reported $(( t - t_exited ))ms after node 2 exited; want <= 3 poll intervals (${limit}ms)"
done

ur=$(status_json 0 | jq -r '.status.counts.under_replicated')
[ "$ur" -ge 3 ] || fail "agent 0 reports $ur under-replicated partitions, want >= 3"
[ "$(status_json 0 | jq -r '[.partitions.partitions[] | select(.under_replicated)] | length')" = 3 ] \
  || fail "agent 0 should list test-0..2 as under-replicated"
for n in 0 1; do [ "$(probe "$n" kafka.ready)" = SERVING ] || fail "agent $n kafka.ready should stay SERVING"; done
[ "$(probe 2 kafka.ready)" = NOT_SERVING ] || fail "agent 2 kafka.ready should be NOT_SERVING"
[ "$(probe 2 '')" = SERVING ] || fail "agent 2 itself (\"\") should stay SERVING: it is alive"
set +e
unsafe_out=$("$agent" check-restart --addr "$(addr 1)" 2>&1); unsafe_rc=$?
set -e
[ "$unsafe_rc" = 1 ] || fail "check-restart node 1 exit $unsafe_rc, want 1"
for p in 0 1 2; do
  grep -q "test-$p: isr \[0,1\] -> 1 left; under min.insync.replicas (1 < 2)" <<<"$unsafe_out" \
    || fail "check-restart should name test-$p: $unsafe_out"
done
say "with node 2 down: $ur under-replicated; agents 0,1 ready; check-restart node 1:"
show <<<"$unsafe_out"
"$agent" status --addr "$(addr 0)" --under-replicated --topic test | tail -n 4 | show

say "restarting node 2"
t_start=$(now_ms)
"$cluster" start-node "$work/kafka" 2 --no-wait
t_reg='' t_ready=''
broker_2_back() { [ "$(probe 2 kafka.broker)" = SERVING ] || [ -n "$t_ready" ]; }
ready_2() {
  [ "$(probe 2 kafka.ready)" = SERVING ] || return 1
  # Ready means caught up: agent 2's own snapshot has 2 in every ISR.
  [ "$(isr_of_test 2)" = "0,1,2 0,1,2 0,1,2" ] || fail "agent 2 ready but ISR is $(isr_of_test 2)"
}
time_until 120 "agent 2 to be ready" t_reg broker_2_back t_ready ready_2 ||
  fail "agent 2 not ready within 120s of restarting node 2"
((t_reg <= t_ready)) || t_reg=$t_ready
say "agent 2 kafka.broker SERVING $(( t_reg - t_start ))ms, kafka.ready SERVING $(( t_ready - t_start ))ms after restart"

# In agent 2's status stream, ready never came before node 2 was back in
# every ISR (not_in_isr == 0) and registered.
nap 1
kill "$watch_pid" 2>/dev/null || true
wait "$watch_pid" 2>/dev/null || true
jq -s -e 'length >= 3' "$work/watch-2.jsonl" >/dev/null || fail "WatchStatus sent fewer than 3 updates"
bad=$(jq -s '[.[] | select(.ready == true and (((.counts.notInIsr // .counts.not_in_isr // 0) > 0) or (.brokerRegistered // .broker_registered) != true))] | length' "$work/watch-2.jsonl")
[ "$bad" = 0 ] || fail "WatchStatus had $bad ready statuses while not caught up"
phases=$(jq -rs '[.[] | if .ready == true then "ready" elif (.brokerRegistered // .broker_registered) == true then "catching-up" else "not-registered" end] | reduce .[] as $p ([]; if length > 0 and .[-1] == $p then . else . + [$p] end) | join(" -> ")' "$work/watch-2.jsonl")
say "agent 2 WatchStatus phases: $phases"

# SIGTERM: health NOT_SERVING, exit 0 within 5s.
t_term=$(now_ms)
terminate "${agent_pids[0]}" 30 || true
rc=$REAP_RC dt=$(( REAP_MS - t_term ))
[ "$rc" = 0 ] || fail "agent 0 exited $rc on SIGTERM ($TERMINATED_BY), want 0"
[ "$dt" -le 5000 ] || fail "agent 0 took ${dt}ms to exit, want <= 5000"
say "agent 0 exited 0 ${dt}ms after SIGTERM"

ok=1
say "PASS"
