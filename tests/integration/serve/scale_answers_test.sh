#!/usr/bin/env bash
# Answers at any size (issue 11, item 2): the real `kafka-agent serve` against
# bench/scale/fake_kafka, a fake broker serving a synthetic cluster of 200,000
# partitions (2,000 topics of 100, RF 3 over 3 brokers, every 50th partition
# under-replicated, min.insync.replicas 2): more than gRPC's default 4 MiB
# message would hold in one unpaged answer. Asserted through the client:
#
#   status                     the summary, 100 rows, and how many it left out
#   status --all               every one of the 200,000 rows (paged answers)
#   status --under-replicated  exactly the 4,000 under-replicated (server-side)
#   status --topic T           that topic's 100 partitions
#   status --json --limit 0    valid JSON with the total
#   check-restart --node-id 0  unsafe, 10 partitions named, the rest counted
#
# No timing is asserted; bench/scale.sh measures. No root, no Kafka; about
# 10-30 s here. Usage: scale_answers_test.sh AGENT_BIN FAKE_KAFKA_BIN
set -euo pipefail

# shellcheck source=tests/lib/common.sh
. "$(dirname "$0")/../../lib/common.sh"
agent=${1:-$LIB_ROOT/build/kafka-agent}
fake=${2:-$LIB_ROOT/build/bench/scale/fake_kafka}
[[ -x $agent ]] || die "build first: $agent"
[[ -x $fake ]] || skip "no $fake (bench/scale not built)"
need grpc-health-probe jq

N=200000
UNDER=$((N / 50))
work=$(mktemp -d /tmp/scale-answers-test.XXXXXX)
pids=()
ok=0
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$ok" = 1 ]; then rm -rf "$work"; else echo "kept logs in $work" >&2; fi
}
exit_traps cleanup

kport=$(free_port)
"$fake" --port "$kport" --partitions "$N" --per-topic 100 --brokers 3 --rf 3 \
  --under-replicated-every 50 >"$work/fake.log" 2>&1 &
pids+=($!)
gport=$(free_port)
addr=127.0.0.1:$gport
"$agent" serve --pod-name kafka-0 --namespace scale --bootstrap "127.0.0.1:$kport" \
  --grpc-listen "$addr" --poll-interval 2s >"$work/agent.log" 2>&1 &
apid=$!
pids+=("$apid")
say "fake broker with $N partitions on :$kport; agent on $addr"

serving() { [ "$(health_of "$addr" kafka.broker)" = SERVING ]; }
await --abort-if "exited $apid" 120 "the agent's first poll (kafka.broker SERVING)" serving
# min.insync.replicas comes from DescribeConfigs, off the poll path.
min_isr_known() {
  "$agent" status --addr "$addr" --topic "$(first_topic)" --json >"$work/topic.json" 2>/dev/null &&
    [ "$(jq '[.partitions.partitions[].min_insync_replicas] | min' "$work/topic.json")" = 2 ]
}
first_topic() { "$agent" status --addr "$addr" --limit 1 2>/dev/null | awk '$2 == "0" {print $1}'; }
await 120 "min.insync.replicas of every topic" min_isr_known

# The table's rows: TOPIC PARTITION LEADER REPLICAS ISR MIN-ISR STATE.
table() { awk 'NF == 7 && $2 ~ /^[0-9]+$/ && $3 ~ /^([0-9]+|none)$/ {print $1, $2}' "$1"; }
rows() { table "$1" | wc -l; }
run() { # run NAME ARGS...: the client's output in $work/NAME.out, its status in RC
  RC=0
  "$agent" "${@:2}" --addr "$addr" --timeout 60s >"$work/$1.out" 2>"$work/$1.err" || RC=$?
}

begin_case "status without a filter summarises"
run status status
check "exit 0" eq "$RC" 0
check "the summary counts $N partitions" file_has "$work/status.out" "$N"
check "100 rows" eq "$(rows "$work/status.out")" 100
check "says how many it left out" file_has "$work/status.out" "^\.\.\. $((N - 100)) more partitions not shown \(100 of $N\); --all"
end_case

begin_case "status --all: every partition, past the 4 MiB message limit"
run all status --all
check "exit 0" eq "$RC" 0
check "$N rows" eq "$(rows "$work/all.out")" "$N"
check "more than 4 MiB of rows" le $((4 << 20)) "$(wc -c <"$work/all.out")"
check "no row twice" eq "$(table "$work/all.out" | sort -u | wc -l)" "$N"
check "nothing left out" file_lacks "$work/all.out" 'not shown'
end_case

begin_case "status --under-replicated: the filter runs in the agent"
run ur status --under-replicated
check "exit 0" eq "$RC" 0
check "$UNDER rows" eq "$(rows "$work/ur.out")" "$UNDER"
check "each one under-replicated" eq "$(grep -c 'under-replicated$' "$work/ur.out" || true)" "$UNDER"
end_case

begin_case "status --topic"
topic=$(first_topic)
run topic status --topic "$topic"
check "exit 0" eq "$RC" 0
check "100 rows of $topic" eq "$(grep -c "^$topic " "$work/topic.out" || true)" 100
end_case

begin_case "status --json --limit 0"
run json status --json --limit 0
check "exit 0" eq "$RC" 0
check "valid JSON, total_size $N" eq "$(jq '.partitions.total_size' "$work/json.out")" "$N"
check "no rows" eq "$(jq '.partitions.partitions | length' "$work/json.out")" 0
check "the status' own count" eq "$(jq '.status.counts.partitions' "$work/json.out")" "$N"
end_case

begin_case "check-restart summarises the partitions at risk"
run restart check-restart --node-id 0
check "exit 1 (unsafe)" eq "$RC" 1
check "10 partitions named" eq "$(grep -c ': isr \[' "$work/restart.out" || true)" 10
check "the rest counted" file_has "$work/restart.out" '^  \.\.\. and [0-9]+ more partitions at risk'
check "a short answer" le "$(wc -c <"$work/restart.out")" 4096
end_case

checks_done
ok=1
