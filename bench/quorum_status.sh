#!/usr/bin/env bash
# quorum_status: what it costs to learn the KRaft quorum's state (leader,
# epoch, high watermark, voters, observers), on one real 3-node Kafka
# cluster (tests/integration/kafka/cluster.sh, Kafka 4.4.0 on loopback):
#
#   A         kafka-agent status --json against a running agent (`serve`,
#             poll interval 1s, asking node 0): the quorum section of
#             GetStatus, from the agent's last poll (at most a poll old)
#   kmq       Kafka's own `kafka-metadata-quorum --bootstrap-server B
#             describe --status` (org.apache.kafka.tools.MetadataQuorumCommand
#             from the kafka-tools jars of fetch-tools.sh), with the JVM
#             options kafka-run-class.sh gives a tool (-Xmx256M, G1)
#   kmq-fast  the same with the fast-start JVM options the tests use
#             (SerialGC, C1 only): the tool at its quickest
#   and, for context only (not in the summary):
#   wire      tests' kafka-wire-tool describe-quorum --bootstrap B: a live
#             DescribeQuorum by the agent's own wire client, new process
#
# Whole-process wall time and CPU time (user + system, children included)
# by hyperfine without a shell (-N), BENCH_QUORUM_ROUNDS rounds of
# BENCH_QUORUM_RUNS runs of each command, the order rotating every round.
# Then the agent's own cost of keeping that answer fresh: the serve
# process's CPU time over BENCH_QUORUM_POLL_SECONDS of polling (every
# thread's /proc/PID/task/*/schedstat), per poll, against one kmq run's CPU.
# Before timing, the agent's answer and kmq's must name the same leader and
# voters.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${BENCH_QUORUM_ROUNDS:-5}
RUNS=${BENCH_QUORUM_RUNS:-3}
POLL_SECONDS=${BENCH_QUORUM_POLL_SECONDS:-20}
BASE_PORT=${BENCH_QUORUM_BASE_PORT:-26092}
need hyperfine java jq
[ -x "$AGENT" ] || die "no agent binary at $AGENT (cmake --build build)"
WIRE=${KAFKA_WIRE_TOOL_BIN:-$ROOT/build/tests/kafka-wire-tool}
[ -x "$WIRE" ] || die "no kafka-wire-tool at $WIRE (cmake --build build)"
TOOLS=$("$ROOT/tests/integration/kafka/fetch-tools.sh" | tail -n1) ||
  die "no kafka-tools jars (tests/integration/kafka/fetch-tools.sh failed)"
CLUSTER=$ROOT/tests/integration/kafka/cluster.sh

dir=$WORK/quorum
mkdir -p "$dir"
agent_pid=''
stop_all() {
  [ -z "$agent_pid" ] || { kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; }
  [ ! -f "$dir/kafka/cluster.env" ] || "$CLUSTER" stop "$dir/kafka" >/dev/null 2>&1 || true
}
trap 'stop_all; cleanup_work' EXIT

port_free() {
  python3 -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}
for p in $((BASE_PORT)) $((BASE_PORT + 1)) $((BASE_PORT + 2)) \
  $((BASE_PORT + 100)) $((BASE_PORT + 101)) $((BASE_PORT + 102)); do
  port_free "$p" || die "port $p is taken; set BENCH_QUORUM_BASE_PORT to another base"
done

say "quorum_status: the quorum's state from the agent vs kafka-metadata-quorum"
say "  starting a 3-node KRaft cluster (Kafka $("$ROOT/tests/integration/kafka/fetch.sh" --print-version), ports $BASE_PORT..)"
KAFKA_TEST_BASE_PORT=$BASE_PORT "$CLUSTER" start "$dir/kafka" >"$dir/cluster.out" 2>&1 ||
  die "the cluster did not start: $(tail -5 "$dir/cluster.out")"
broker=127.0.0.1:$BASE_PORT
port=$(free_port)
"$AGENT" serve --pod-name kafka-0 --namespace kafka --bootstrap "$broker" \
  --poll-interval 1s --grpc-listen "127.0.0.1:$port" --http-listen "" >"$dir/agent.log" 2>&1 &
agent_pid=$!
quorum_known() {
  "$AGENT" status --json --addr "127.0.0.1:$port" 2>/dev/null |
    jq -e '.status.quorum.known == true and .status.quorum.leader_id >= 0' >/dev/null
}
wait_until --abort-if "exited $agent_pid" 30 "the agent to know the quorum" quorum_known ||
  die "the agent never reported the quorum: $(tail -3 "$dir/agent.log")"

# kafka-run-class.sh's defaults for a tool (KAFKA_HEAP_OPTS,
# KAFKA_JVM_PERFORMANCE_OPTS), and the tests' fast start.
kmq_cmd="java -Xmx256M -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true -cp $TOOLS/* org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server $broker describe --status"
kmq_fast_cmd="java -Xmx256M -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.awt.headless=true -cp $TOOLS/* org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server $broker describe --status"
agent_cmd="$AGENT status --json --addr 127.0.0.1:$port"
wire_cmd="$WIRE describe-quorum --bootstrap $broker"

# The same answer from both.
read -r -a kmq_argv <<<"$kmq_cmd"
"${kmq_argv[@]}" >"$dir/kmq.out" 2>"$dir/kmq.err" || die "kafka-metadata-quorum failed: $(tail -3 "$dir/kmq.err")"
$agent_cmd >"$dir/agent.json"
field() { sed -n "/^$1:/{s/^$1: *//p;q}" "$dir/kmq.out"; }
t_leader=$(field LeaderId)
t_voters=$(field CurrentVoters | jq -c '[.[].id] | sort')
a_leader=$(jq -r .status.quorum.leader_id "$dir/agent.json")
a_voters=$(jq -c '[.status.quorum.voters[].id] | sort' "$dir/agent.json")
if [ "$t_leader" != "$a_leader" ] || [ "$t_voters" != "$a_voters" ]; then
  die "different answers: kafka-metadata-quorum leader $t_leader voters $t_voters, the agent leader $a_leader voters $a_voters"
fi
say "  same answer: leader $a_leader, epoch $(jq -r .status.quorum.leader_epoch "$dir/agent.json") (kmq $(field LeaderEpoch)), voters $a_voters"
say "  A         $agent_cmd"
say "  kmq       java <kafka-run-class.sh tool options> MetadataQuorumCommand --bootstrap-server $broker describe --status"
say "  kmq-fast  java <SerialGC, C1 only> MetadataQuorumCommand ... (the tool at its quickest)"
say "  wire      $wire_cmd   (context: a live DescribeQuorum, new process)"

hyperfine_rounds "$dir/round" "$ROUNDS" hyperfine -N --style none --warmup 1 --runs "$RUNS" -- \
  agent "$agent_cmd" kmq "$kmq_cmd" kmq-fast "$kmq_fast_cmd" wire "$wire_cmd"
"${STATS[@]}" hyperfine "$SUMMARY" quorum_status --context wire --cpu "${FILES[@]}"

# The agent's own polling: CPU of every thread of serve over the window.
task_ns() {
  local f sum=0 ns
  for f in /proc/"$1"/task/*/schedstat; do
    read -r ns _ <"$f" 2>/dev/null || continue
    sum=$((sum + ns))
  done
  echo "$sum"
}
ns0=$(task_ns "$agent_pid")
t0=$(now_ms)
nap "$POLL_SECONDS"
ns1=$(task_ns "$agent_pid")
t1=$(now_ms)
n_polls=$(((t1 - t0) / 1000))
per_poll=$(awk -v d=$((ns1 - ns0)) -v n="$n_polls" 'BEGIN { printf "%.6f", d / n / 1e9 }')
kmq_cpu=$(jq -s '[.[] | .results[] | select(.command == "kmq") | .user + .system] | sort | .[length / 2 | floor]' "${FILES[@]}")
say "  the agent's polling: $(awk -v d=$((ns1 - ns0)) 'BEGIN { printf "%.1f", d / 1e6 }') ms CPU over $(secs $((t1 - t0)) 1) s, ~$n_polls polls (each: Metadata, DescribeQuorum, DescribeCluster, ListPartitionReassignments)"
"${STATS[@]}" cpu "$SUMMARY" quorum_status "CPU per poll (A) vs per kmq run" \
  agent-poll "$per_poll" kmq "$kmq_cpu"
