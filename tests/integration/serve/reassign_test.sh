#!/usr/bin/env bash
# Issue 10 item 4 against a real 3-node KRaft cluster on loopback: readiness
# during a partition reassignment. Three `kafka-agent serve` sidecars (one per
# node, poll 1s); Kafka's own tools (kafka-tools 4.4: TopicCommand,
# ReassignPartitionsCommand, ConfigCommand) do what an operator would.
#
#   1. Topic moving: 1 partition on brokers 0,1 only, filled with data. Then
#      `kafka-reassign-partitions --execute --throttle` adds broker 2, so the
#      copy lasts several seconds. While it runs, and for 3 polls after, agent
#      2's kafka.ready is sampled (grpc-health-probe, as the kubelet) and must
#      stay SERVING: its replica is only being added. Its GetStatus and the
#      `kafka-agent status` text show the reassignment (moving-0 adding [2]),
#      counts.reassigning_here 1 and not_in_isr 0. Once done (`--verify`,
#      which also removes the throttle): no reassignment listed, broker 2 in
#      moving-0's ISR.
#   2. Control: topic steady, replicas 0,1,2 from the start. A leader-side
#      replication throttle on steady, node 2 stopped, data produced, node 2
#      started again: it is registered and unfenced (kafka.broker SERVING) but
#      an existing replica out of the ISR, so kafka.ready is NOT_SERVING naming
#      steady-0, with no reassignment to excuse it. The throttle is removed
#      and agent 2 becomes ready.
#
# Usage: reassign_test.sh [AGENT_BIN] [KAFKA_TEST_TOOL]
# Prints what it measured; exits non-zero on the first failed assertion and
# keeps the work directory (Kafka, agent and tool logs) for a failed run.
set -euo pipefail

# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../../lib/common.sh"
agent=${1:-$LIB_ROOT/build/kafka-agent}
tool=${2:-$LIB_ROOT/build/tests/kafka-test-tool}
cluster=$LIB_ROOT/tests/integration/kafka/cluster.sh

GRPC_BASE=${REASSIGN_TEST_GRPC_BASE:-28392}
export KAFKA_TEST_BASE_PORT=${KAFKA_TEST_BASE_PORT:-28092}
# Replica fetches of at most 64 KiB (default 1 MiB): a throttled copy moves in
# small steps instead of a few bursts.
export KAFKA_TEST_EXTRA_PROPS="replica.fetch.max.bytes=65536"
MOVE_MB=${REASSIGN_TEST_MB:-2}        # data in moving-0
THROTTLE=${REASSIGN_TEST_THROTTLE:-200000} # bytes/s: about 10 s for 2 MB

need grpc-health-probe jq java
[[ -x $agent && -x $tool ]] || die "build first: $agent, $tool"

work=$(mktemp -d /tmp/reassign-test.XXXXXX)
agent_pids=()
ok=0
cleanup() {
  for p in "${agent_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$cluster" stop "$work/kafka" >/dev/null 2>&1 || true
  if [ "$ok" = 1 ]; then rm -rf "$work"; else echo "kept logs in $work" >&2; fi
}
exit_traps cleanup

tools_libs=$("$LIB_ROOT/tests/integration/kafka/fetch-tools.sh" | tail -n1)
# Kafka's own command-line tools; output to LOG (relative to $work/tools).
ktool() { # log class args...
  local log=$work/tools/$1 cls=$2
  shift 2
  java -Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData \
    -cp "$tools_libs/*" "$cls" --bootstrap-server "$bootstrap" "$@" >"$log" 2>&1 ||
    fail "$cls $*: $(tail -n 5 "$log")"
}
addr() { echo "127.0.0.1:$((GRPC_BASE + $1))"; }
probe() { health_of "$(addr "$1")" "$2"; }
status_json() { "$agent" status --addr "$(addr "$1")" --json 2>/dev/null || true; }
isr_of() { # agent topic
  status_json "$1" | jq -r --arg t "$2" '[.partitions.partitions[] | select(.topic == $t) | (.isr | sort | map(tostring) | join(","))] | join(" ")'
}

mkdir -p "$work/tools"
say "starting a 3-node KRaft cluster on ports $KAFKA_TEST_BASE_PORT.. (logs in $work/kafka)"
bootstrap=$("$cluster" start "$work/kafka" | tail -n1)
say "cluster up: $bootstrap"
for n in 0 1 2; do
  "$agent" serve --pod-name "kafka-$n" --namespace kafka \
    --bootstrap "127.0.0.1:$("$cluster" port "$work/kafka" "$n")" \
    --grpc-listen "$(addr "$n")" --http-listen "" --poll-interval 1s \
    >"$work/agent-$n.log" 2>&1 &
  agent_pids+=($!)
done

ktool topic-moving.txt org.apache.kafka.tools.TopicCommand --create --topic moving --replica-assignment 0:1
"$tool" create-topic -b "$bootstrap" -t steady -p 1 -r 3 >/dev/null
count=$((MOVE_MB * 1024))
"$tool" produce -b "$bootstrap" -t moving --rate 1000000 --count "$count" --size 1024 >"$work/produce-moving.json"
[ "$(jq -r .acked "$work/produce-moving.json")" = "$count" ] || fail "produce to moving: $(cat "$work/produce-moving.json")"
say "topic moving: 1 partition on brokers 0,1 with $count messages of 1 KiB; topic steady: replicas 0,1,2"
all_ready() { for n in 0 1 2; do [ "$(probe "$n" kafka.ready)" = SERVING ] || return 1; done; }
await 60 "kafka.ready SERVING on all three agents" all_ready
[ "$(isr_of 2 moving)" = "0,1" ] || fail "agent 2 sees moving ISR '$(isr_of 2 moving)', want 0,1"

# --- 1. A reassignment adding broker 2 ------------------------------------------
printf '{"version":1,"partitions":[{"topic":"moving","partition":0,"replicas":[0,1,2]}]}\n' >"$work/reassign.json"
say "kafka-reassign-partitions --execute: moving-0 [0,1] -> [0,1,2], --throttle $THROTTLE"
t_exec=$(now_ms)
ktool reassign-execute.txt org.apache.kafka.tools.reassign.ReassignPartitionsCommand \
  --reassignment-json-file "$work/reassign.json" --execute --throttle "$THROTTLE"
show <"$work/tools/reassign-execute.txt"

# Sample every agent's kafka.ready, and agent 2's GetStatus, until agent 2
# has reported the reassignment and then its end, and 3 polls after that.
samples=0 not_ready_2=0 not_ready_01=0 seen_ms='' gone_ms='' text_seen=0
while :; do
  now=$(now_ms)
  (( now - t_exec < 120000 )) || fail "the reassignment did not end within 120s (see $work)"
  for n in 0 1 2; do
    h=$(probe "$n" kafka.ready)
    if [ "$n" = 2 ]; then
      [ "$h" = SERVING ] || { not_ready_2=$((not_ready_2 + 1)); echo "$now agent 2 $h" >>"$work/not-ready.txt"; }
    elif [ "$h" != SERVING ]; then
      not_ready_01=$((not_ready_01 + 1))
    fi
  done
  samples=$((samples + 1))
  s=$(status_json 2)
  echo "$s" >>"$work/status-2.jsonl"
  n_re=$(jq -r '.status.reassignment_count // 0' <<<"$s")
  if [ "$n_re" -gt 0 ]; then
    [ -n "$seen_ms" ] || seen_ms=$now
    jq -e '.status.reassignments == [{"topic":"moving","partition":0,"replicas":[0,1,2],"adding":[2],"removing":[]}]
           and (.status.counts.reassigning_here == 1) and ((.status.counts.not_in_isr // 0) == 0)' <<<"$s" >/dev/null ||
      fail "agent 2's GetStatus during the move: $(jq -c '{r: .status.reassignments, c: .status.counts}' <<<"$s")"
    if [ "$text_seen" = 0 ]; then
      "$agent" status --addr "$(addr 2)" >"$work/status-2-during.txt" || true
      grep -qx 'reassign 1 in progress: moving-0 adding \[2\] removing \[\]' "$work/status-2-during.txt" ||
        fail "kafka-agent status shows no reassignment: $(cat "$work/status-2-during.txt")"
      text_seen=1
    fi
  elif [ -n "$seen_ms" ] && [ -z "$gone_ms" ]; then
    gone_ms=$now
  fi
  if [ -n "$gone_ms" ] && (( now - gone_ms >= 3000 )); then break; fi
  nap 0.2
done
[ -n "$seen_ms" ] || fail "agent 2 never reported the reassignment"
say "agent 2 reported the reassignment from $(secs $((seen_ms - t_exec)))s to $(secs $((gone_ms - t_exec)))s after --execute started"
say "kafka-agent status on agent 2 during the move:"
grep -E '^(ready|reassign|counts) ' "$work/status-2-during.txt" | show
say "$samples samples of kafka.ready (every agent, every ~0.2s, until 3s after the end): agent 2 NOT_SERVING $not_ready_2 times, agents 0,1 $not_ready_01 times"
[ "$not_ready_2" = 0 ] || fail "agent 2 was NOT_SERVING during the move: $(head -n 5 "$work/not-ready.txt"); reasons: $(jq -r 'select(.status.ready != true) | .status.ready_reason' "$work/status-2.jsonl" | sort | uniq -c)"
[ "$not_ready_01" = 0 ] || fail "agents 0,1 were NOT_SERVING $not_ready_01 times during the move"

ktool reassign-verify.txt org.apache.kafka.tools.reassign.ReassignPartitionsCommand \
  --reassignment-json-file "$work/reassign.json" --verify
show <"$work/tools/reassign-verify.txt"
grep -q 'Reassignment of partition moving-0 is completed' "$work/tools/reassign-verify.txt" ||
  fail "--verify does not say moving-0 is complete"
grep -q 'Clearing broker-level throttles' "$work/tools/reassign-verify.txt" ||
  fail "--verify did not clear the throttle"
s=$(status_json 2)
jq -e '(.status.reassignment_count // 0) == 0 and (.status.reassignments // []) == [] and ((.status.counts.reassigning_here // 0) == 0)' <<<"$s" >/dev/null ||
  fail "after the move agent 2 still lists: $(jq -c .status.reassignments <<<"$s")"
[ "$(isr_of 2 moving)" = "0,1,2" ] || fail "after the move moving-0's ISR is '$(isr_of 2 moving)', want 0,1,2"
[ "$(probe 2 kafka.ready)" = SERVING ] || fail "agent 2 not ready after the move"
say "after --verify: no reassignment listed, moving-0 ISR 0,1,2, agent 2 kafka.ready SERVING"

# --- 2. Control: an existing replica out of the ISR ---------------------------------
# The leaders (0, 1) send steady's data to a follower out of the ISR at
# CONTROL_RATE B/s: node 2 needs about a minute to catch up on 1 MiB.
CONTROL_RATE=10000
for b in 0 1; do
  ktool "throttle-$b.txt" org.apache.kafka.tools.ConfigCommand --alter --entity-type brokers \
    --entity-name "$b" --add-config "leader.replication.throttled.rate=$CONTROL_RATE"
done
ktool throttle-topic.txt org.apache.kafka.tools.ConfigCommand --alter --entity-type topics \
  --entity-name steady --add-config 'leader.replication.throttled.replicas=*'
say "leader-side throttle on steady: $CONTROL_RATE B/s to followers out of the ISR; stopping node 2"
"$cluster" stop-node "$work/kafka" 2
"$tool" produce -b "$bootstrap" -t steady --rate 1000000 --count 1024 --size 1024 >"$work/produce-steady.json"
[ "$(jq -r .acked "$work/produce-steady.json")" = 1024 ] || fail "produce to steady: $(cat "$work/produce-steady.json")"
say "1 MiB produced to steady with node 2 down; starting node 2"
t_start=$(now_ms)
"$cluster" start-node "$work/kafka" 2
registered_not_ready() {
  [ "$(probe 2 kafka.broker)" = SERVING ] && [ "$(probe 2 kafka.ready)" = NOT_SERVING ]
}
await 60 "agent 2: kafka.broker SERVING and kafka.ready NOT_SERVING" registered_not_ready
s=$(status_json 2)
echo "$s" >"$work/status-2-control.json"
jq -e '(.status.reassignment_count // 0) == 0 and ((.status.counts.reassigning_here // 0) == 0)
       and (.status.counts.not_in_isr >= 1)
       and (.status.ready_reason | test("broker 2 is not in the ISR of .*steady-0.*still catching up"))' <<<"$s" >/dev/null ||
  fail "agent 2's GetStatus with a lagging replica: $(jq -c '{reason: .status.ready_reason, c: .status.counts, r: .status.reassignment_count}' <<<"$s")"
say "control: agent 2 registered but NOT ready $(secs $(($(now_ms) - t_start)))s after start-node: $(jq -r .status.ready_reason <<<"$s")"
# It stays so while the throttled copy runs: 10 samples over 5 s.
held=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
  if registered_not_ready; then held=$((held + 1)); fi
  nap 0.5
done
say "control: kafka.broker SERVING and kafka.ready NOT_SERVING in $held of 10 samples over the next 5s"
[ "$held" = 10 ] || fail "agent 2 was ready during the throttled catch-up ($held of 10 samples not ready)"
t_unthrottle=$(now_ms)
for b in 0 1; do
  ktool "unthrottle-$b.txt" org.apache.kafka.tools.ConfigCommand --alter --entity-type brokers \
    --entity-name "$b" --delete-config leader.replication.throttled.rate
done
ktool unthrottle-topic.txt org.apache.kafka.tools.ConfigCommand --alter --entity-type topics \
  --entity-name steady --delete-config leader.replication.throttled.replicas
ready_2() { [ "$(probe 2 kafka.ready)" = SERVING ]; }
await 60 "agent 2 kafka.ready SERVING once the throttle is gone" ready_2
[ "$(isr_of 2 steady)" = "0,1,2" ] || fail "agent 2 ready but steady's ISR is '$(isr_of 2 steady)'"
say "throttle removed: agent 2 ready $(secs $(($(now_ms) - t_unthrottle)))s after the first ConfigCommand (JVM start included), steady-0 ISR 0,1,2"

ok=1
say "PASS"
