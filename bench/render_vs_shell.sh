#!/usr/bin/env bash
# render_vs_shell: what it costs a pod start to derive Kafka's config.
#
#   A  kafka-agent render --pod-name kafka-1 --namespace kafka --base-config FILE
#   B  bench/peers/render-config.sh under /bin/sh (dash on Debian): the classic
#      Helm/StatefulSet shell snippet doing the same job
#   B' the same script under bash (what images whose /bin/sh is bash run)
#   and, for context only, `kafka-agent --version`: the agent's process start
#   alone (dynamic loading and static initialisers), the floor under A.
#
# Whole-process wall time, measured by hyperfine without an intermediate shell
# (-N), in BENCH_RENDER_ROUNDS rounds of BENCH_RENDER_RUNS runs of each command;
# the order of the commands rotates every round, so A and B are interleaved
# through the run and share whatever noise the machine has. Before timing, both
# outputs are checked to set the same effective properties.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
trap cleanup_work EXIT

ROUNDS=${BENCH_RENDER_ROUNDS:-10}
RUNS=${BENCH_RENDER_RUNS:-40}
need hyperfine
[ -x "$AGENT" ] || die "no agent binary at $AGENT (cmake --build build)"

dir=$WORK/render
mkdir -p "$dir"
base=$dir/base.properties
# A base config like the ones charts ship: storage, defaults, a stale node.id
# that the derived one must override.
cat >"$base" <<'EOF'
# Base configuration shipped with the chart.
log.dirs=/var/lib/kafka/data
num.partitions=3
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
auto.create.topics.enable=false
log.retention.hours=168
log.segment.bytes=1073741824
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
group.initial.rebalance.delay.ms=3000
node.id=99
EOF

# What the StatefulSet gives the shell snippet; the agent gets flags instead.
export HOSTNAME=kafka-1 POD_NAMESPACE=kafka KAFKA_BASE_CONFIG=$base
peer=$ROOT/bench/peers/render-config.sh
agent_cmd="$AGENT render --pod-name kafka-1 --namespace kafka --base-config $base"
dash_cmd="/bin/sh $peer"
bash_cmd="$(command -v bash) $peer"

say "render_vs_shell: agent render vs the shell snippet, whole process"
say "  A     $agent_cmd"
say "  dash  $dash_cmd   (/bin/sh -> $(readlink -f /bin/sh))"
say "  bash  $bash_cmd"
say "  agent-startup  $AGENT --version   (context: process start alone)"
say "  env   HOSTNAME=kafka-1 POD_NAMESPACE=kafka KAFKA_BASE_CONFIG=<17-line base config>"

$agent_cmd >"$dir/agent.out" 2>/dev/null
$dash_cmd >"$dir/dash.out"
$bash_cmd >"$dir/bash.out"
for p in dash bash; do
  if "${STATS[@]}" props-equal "$dir/agent.out" "$dir/$p.out"; then
    say "  same effective properties: agent and $p"
  else
    say "  WARNING: agent and $p differ in the properties above"
  fi
done

hyperfine_rounds "$dir/round" "$ROUNDS" hyperfine -N --style none --warmup 3 --runs "$RUNS" -- \
  agent "$agent_cmd" dash "$dash_cmd" bash "$bash_cmd" agent-startup "$AGENT --version"
"${STATS[@]}" hyperfine "$SUMMARY" render_vs_shell --context agent-startup "${FILES[@]}"
