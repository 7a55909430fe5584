#!/usr/bin/env bash
# real_cluster: the agent on a real Kafka cluster at the largest size this
# machine holds (issue 11, item 4), and its answer against Kafka's own tool.
# Not in bench/run.sh's default set (about 5 minutes at 20k partitions):
# `bench/run.sh real_cluster`, or this script alone.
#
# A KRaft cluster of Apache Kafka 4.4.0 on loopback (tests/integration/kafka/
# cluster.sh, ports from 28092), small segments and indexes; topics of 100
# partitions, replication factor 3, created in batches up to each size of
# BENCH_REAL_SIZES (default "1000 20000"). Before each window the agents must
# see every partition with a full ISR. At each size the agent (A) and, with
# KAFKA_AGENT_BEFORE_BIN, an agent built before this change (B) poll node 0
# side by side (poll interval 2 s) for BENCH_REAL_WINDOW seconds (60):
#
#   CPU per poll      utime+stime over the window / the window's 2 s intervals
#   RSS               idle (end of the window); after `status`, `status --all`,
#                     `status --under-replicated` (and their wall times; the
#                     client is today's for both agents); peak (VmHWM)
#   to/from Kafka     bytes per minute and data segments sent per minute (one
#                     request is one segment: a proxy for requests) over the
#                     window, from the kernel's counters (ss -tie) of every
#                     connection the agent's process holds to a broker or
#                     controller port, sampled every 2 s (a connection seen
#                     first mid-window counts from 0; one closed mid-window
#                     counts up to its last sample); for A also its own
#                     counters (GetStatus kafka_traffic: requests and bytes
#                     per API), the two cross-check each other
#
# Then node 2 stops (so every partition with a replica there is
# under-replicated) and `kafka-agent status --under-replicated` is compared
# with `kafka-topics --describe --under-replicated-partitions`
# (org.apache.kafka.tools.TopicCommand from the kafka-tools jars of
# tests/integration/kafka/fetch-tools.sh): the same (topic, partition) set,
# and the wall time ratio over BENCH_REAL_ROUNDS (3) interleaved rounds of
# hyperfine (1 warm-up + 3 runs each).
#
# Every Kafka replica keeps its active segment's file open, and the open-file
# limit of this machine's processes is 20000 (ulimit -Hn), so the cluster has
# KAFKA_TEST_NODES (default 4) nodes: at 20k partitions with RF 3 that is 15k
# replicas per broker. A size whose replicas per broker would not fit the
# limit (less 2000 for the JVM and sockets) is refused before any topic is made.
#
# Binaries: KAFKA_AGENT_BIN (default build/kafka-agent), KAFKA_TEST_TOOL_BIN
# (default build/tests/kafka-test-tool), KAFKA_AGENT_BEFORE_BIN (optional).
# Results: BENCH_RESULTS/real-cluster.tsv and the summary rows; the cluster's
# logs stay in BENCH_WORK/real with BENCH_KEEP=1.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

SIZES=${BENCH_REAL_SIZES:-1000 20000}
WINDOW=${BENCH_REAL_WINDOW:-60}
ROUNDS=${BENCH_REAL_ROUNDS:-3}
PER_TOPIC=100
BATCH_TOPICS=${BENCH_REAL_BATCH_TOPICS:-20}
INTERVAL=2
BEFORE=${KAFKA_AGENT_BEFORE_BIN:-}
KAFKA_DIR=$ROOT/tests/integration/kafka
TOOL=${KAFKA_TEST_TOOL_BIN:-$ROOT/build/tests/kafka-test-tool}
RESULTS=${BENCH_RESULTS:-$ROOT/build/bench-results}
export KAFKA_TEST_BASE_PORT=${KAFKA_TEST_BASE_PORT:-28092}
export KAFKA_TEST_NODES=${KAFKA_TEST_NODES:-4}
export KAFKA_TEST_HEAP_OPTS=${KAFKA_TEST_HEAP_OPTS:--Xms256m -Xmx1g}
export KAFKA_TEST_START_TIMEOUT=${KAFKA_TEST_START_TIMEOUT:-300}
export KAFKA_TEST_STOP_TIMEOUT=${KAFKA_TEST_STOP_TIMEOUT:-120}
export KAFKA_TEST_EXTRA_PROPS="log.segment.bytes=1048576
log.index.size.max.bytes=65536
log.cleaner.enable=false
offsets.topic.num.partitions=1
num.replica.fetchers=1
num.io.threads=2
num.network.threads=2
num.recovery.threads.per.data.dir=2
replica.fetch.wait.max.ms=1000
auto.create.topics.enable=false
min.insync.replicas=2"

need java ss kcat hyperfine grpc-health-probe
[ -x "$TOOL" ] || die "no $TOOL (cmake --build build, or set KAFKA_TEST_TOOL_BIN)"
[ -x "$AGENT" ] || die "no agent binary at $AGENT (make build, or set KAFKA_AGENT_BIN)"
if [ -n "$BEFORE" ]; then
  [ -x "$BEFORE" ] || die "KAFKA_AGENT_BEFORE_BIN=$BEFORE is not executable"
fi
fd_limit=$(ulimit -n)
for n in $SIZES; do
  if ! [[ $n =~ ^[1-9][0-9]*$ ]]; then die "BENCH_REAL_SIZES: '$n' is not a number of partitions"; fi
  per_broker=$(((n * 3 + KAFKA_TEST_NODES - 1) / KAFKA_TEST_NODES))
  if [ "$fd_limit" != unlimited ] && ((per_broker > fd_limit - 2000)); then
    die "$n partitions (RF 3) on $KAFKA_TEST_NODES nodes are $per_broker open segment files per broker, past this machine's open-file limit $fd_limit less 2000: set KAFKA_TEST_NODES higher, or a smaller BENCH_REAL_SIZES"
  fi
done
"$KAFKA_DIR/fetch.sh" >/dev/null
TOOLS_LIBS=$("$KAFKA_DIR/fetch-tools.sh" | tail -n1)

dir=$WORK/real
mkdir -p "$dir" "$RESULTS"
if [ -n "$BEFORE" ]; then
  cp "$BEFORE" "$dir/kafka-agent-before"
  BEFORE=$dir/kafka-agent-before
fi
cluster=$dir/cluster
pids=()
cleanup() {
  local p n
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
  # A throwaway cluster: SIGKILL, no controlled shutdown (with a node down
  # already, the last ones would wait for a quorum that is gone).
  if [ -f "$cluster/cluster.env" ]; then
    for ((n = 0; n < KAFKA_TEST_NODES; n++)); do
      "$KAFKA_DIR/cluster.sh" kill-node "$cluster" "$n" >/dev/null 2>&1 || true
    done
  fi
}
on_exit() {
  cleanup
  cleanup_work
}
exit_traps on_exit

say "real_cluster: $KAFKA_TEST_NODES nodes from port $KAFKA_TEST_BASE_PORT (heap $KAFKA_TEST_HEAP_OPTS), open-file limit $fd_limit; load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "  agent (A): $("$AGENT" --version 2>&1)${BEFORE:+; before (B): $("$BEFORE" --version 2>&1) from $KAFKA_AGENT_BEFORE_BIN}"
t0=$(now_ms)
"$KAFKA_DIR/cluster.sh" start "$cluster" >"$dir/cluster-start.log" 2>&1 ||
  die "the cluster did not start: $(tail -20 "$dir/cluster-start.log")"
bootstrap=$(tail -n1 "$dir/cluster-start.log")
say "  cluster up in $(since "$t0")s: $bootstrap"
node0=127.0.0.1:$KAFKA_TEST_BASE_PORT

who=(after)
[ -n "$BEFORE" ] && who+=(before)
declare -A gport=() apid=()
for w in "${who[@]}"; do
  bin=$AGENT
  [ "$w" = before ] && bin=$BEFORE
  gport[$w]=$(free_port)
  "$bin" serve --pod-name kafka-0 --namespace bench --bootstrap "$node0" \
    --broker-port "$KAFKA_TEST_BASE_PORT" --controller-port $((KAFKA_TEST_BASE_PORT + 100)) \
    --grpc-listen "127.0.0.1:${gport[$w]}" --http-listen "127.0.0.1:$(free_port)" \
    --poll-interval "${INTERVAL}s" >"$dir/agent-$w.log" 2>&1 &
  apid[$w]=$!
  pids+=($!)
done
serving() { [ "$(health_of "$1" kafka.broker)" = SERVING ]; }
for w in "${who[@]}"; do
  wait_until --abort-if "exited ${apid[$w]}" 120 "the $w agent" serving "127.0.0.1:${gport[$w]}" ||
    die "$WAIT_ERROR: $(tail -3 "$dir/agent-$w.log")"
done

# --- the kernel's counters of an agent's connections to Kafka -----------------
kafka_ports=
for ((i = 0; i < KAFKA_TEST_NODES; i++)); do
  for p in $((KAFKA_TEST_BASE_PORT + i)) $((KAFKA_TEST_BASE_PORT + 100 + i)); do
    kafka_ports+="${kafka_ports:+ or }dport = :$p"
  done
done
# sock_sample PID: "inode bytes_sent bytes_received data_segs_out", one line
# per established connection of PID to a broker or controller port.
sock_sample() {
  local inodes
  inodes=$(find "/proc/$1/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n' | tr '\n' ' ')
  ss -tieH state established "( $kafka_ports )" 2>/dev/null |
    awk -v inodes=" $inodes " '
      /^[0-9]/ {
        ino = ""
        for (i = 1; i <= NF; i++) if ($i ~ /^ino:/) ino = substr($i, 5)
        mine = ino != "" && index(inodes, " " ino " ") > 0
        next
      }
      mine {
        s = r = g = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^bytes_sent:/) s = substr($i, 12)
          else if ($i ~ /^bytes_received:/) r = substr($i, 16)
          else if ($i ~ /^data_segs_out:/) g = substr($i, 15)
        }
        print ino, s, r, g
        mine = 0
      }'
}
# sock_window FILE: the samples in FILE ("k inode sent received segs", k = 0
# at the window's start) summed over the window: "sent received segs conns".
sock_window() {
  awk '
    $1 == 0 { base[$2] = $3 " " $4 " " $5 }
    { last[$2] = $3 " " $4 " " $5 }
    END {
      for (c in last) {
        split(last[c], l, " ")
        b0 = b1 = b2 = 0
        if (c in base) { split(base[c], b, " "); b0 = b[1]; b1 = b[2]; b2 = b[3] }
        s += l[1] - b0; r += l[2] - b1; g += l[3] - b2; n++
      }
      print s + 0, r + 0, g + 0, n + 0
    }' "$1"
}
rss_kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }
timed() {
  local out=$1 t0
  shift
  t0=$(now_ms)
  "$@" >"$out" 2>>"$dir/client.err" || echo "exit $? from: $*" >>"$dir/client.err"
  echo $(($(now_ms) - t0))
}
# status_field ADDR PYTHON_EXPR: a value of the agent's GetStatus (as `s`).
status_field() {
  "$AGENT" status --addr "$1" --json --limit 0 --timeout 30s 2>/dev/null |
    python3 -c "import json,sys; s = json.load(sys.stdin)['status']; print($2)" 2>/dev/null
}
# settled N: every agent sees N partitions, none under-replicated or offline.
settled() {
  local w got
  for w in "${who[@]}"; do
    got=$(status_field "127.0.0.1:${gport[$w]}" \
      "'%d %d %d' % (s['counts']['partitions'], s['counts']['under_replicated'], s['counts']['offline'])") || return 1
    SETTLED_VIEW="$w: $got"
    read -r p u o <<<"$got"
    ((p >= $1 && u == 0 && o == 0)) || return 1
  done
}

results=$dir/real.tsv
printf 'size\twho\twindow_ms\tcpu_ms_per_poll\trss_idle_kib\trss_after_kib\thwm_kib\tstatus_ms\tstatus_all_ms\tunder_ms\tsent\treceived\tsegs_out\tconnections\ttraffic_start\ttraffic_end\tstatus_bytes\tall_bytes\tload\n' >"$results"
created=0
for n in $SIZES; do
  topics=$(((n + PER_TOPIC - 1) / PER_TOPIC))
  t0=$(now_ms)
  while ((created < topics)); do
    count=$((topics - created < BATCH_TOPICS ? topics - created : BATCH_TOPICS))
    # A timed-out request may still have created its topics: a retry then
    # finds them there, which is fine.
    for attempt in 1 2 3; do
      if "$TOOL" create-topic -b "$bootstrap" -t scale -p "$PER_TOPIC" -r 3 \
        --count "$count" --start "$created" >"$dir/create.out" 2>"$dir/create.err"; then
        break
      fi
      cat "$dir/create.out" "$dir/create.err" >>"$dir/create.log"
      others=$(grep -v -i -E 'already exists|timed out|no answer' "$dir/create.err" || true)
      [ -n "$others" ] || break # only "already exists" or timeouts: see the wait below
      ((attempt < 3)) || die "creating topics $created..$((created + count - 1)) failed: $(tail -3 "$dir/create.err")"
      nap 5
    done
    cat "$dir/create.out" >>"$dir/create.log"
    created=$((created + count))
  done
  parts=$((created * PER_TOPIC))
  say "  $parts partitions in $created topics (RF 3) requested after $(since "$t0")s"
  SETTLED_VIEW=
  wait_until --every 2 900 "every agent to see $parts partitions with a full ISR" settled "$parts" ||
    die "$WAIT_ERROR (last: ${SETTLED_VIEW:-no answer}; partitions, under-replicated, offline)"
  say "  settled after $(since "$t0")s: every agent sees $parts partitions, none under-replicated"
  # Every new topic's min.insync.replicas asked, a few polls in.
  nap $((INTERVAL * 5))

  status_field "127.0.0.1:${gport[after]}" 'json.dumps(s.get("kafka_traffic", {}))' >"$dir/traffic-$n-start.json" || true
  declare -A c0=()
  for w in "${who[@]}"; do
    c0[$w]=$(cpu_ticks "${apid[$w]}")
    sock_sample "${apid[$w]}" | sed 's/^/0 /' >"$dir/socks-$n-$w.txt"
  done
  tw=$(now_ms)
  for ((k = 1; $(now_ms) - tw < WINDOW * 1000; k++)); do
    nap "$INTERVAL"
    for w in "${who[@]}"; do
      sock_sample "${apid[$w]}" | sed "s/^/$k /" >>"$dir/socks-$n-$w.txt"
    done
  done
  # The window ends for every agent at once; then the answers, one by one.
  window_ms=$(($(now_ms) - tw))
  load=$(cut -d' ' -f1 /proc/loadavg)
  declare -A cpu=() idle=() socks=()
  for w in "${who[@]}"; do
    c1=$(cpu_ticks "${apid[$w]}")
    cpu[$w]=$(python3 -c "print(f'{($c1 - ${c0[$w]}) * 1000 / $(getconf CLK_TCK) / ($window_ms / $((INTERVAL * 1000))):.1f}')")
    idle[$w]=$(rss_kib "${apid[$w]}" VmRSS)
    socks[$w]=$(sock_window "$dir/socks-$n-$w.txt")
  done
  status_field "127.0.0.1:${gport[after]}" 'json.dumps(s.get("kafka_traffic", {}))' >"$dir/traffic-$n-end.json" || true
  for w in "${who[@]}"; do
    addr=127.0.0.1:${gport[$w]}
    st_ms=$(timed "$dir/status-$n-$w.txt" "$AGENT" status --addr "$addr" --timeout 120s)
    all_ms=$(timed "$dir/all-$n-$w.txt" "$AGENT" status --addr "$addr" --all --timeout 120s)
    ur_ms=$(timed "$dir/ur-$n-$w.txt" "$AGENT" status --addr "$addr" --under-replicated --timeout 120s)
    nap 3 # the refresher's trim after a large answer
    after=$(rss_kib "${apid[$w]}" VmRSS)
    hwm=$(rss_kib "${apid[$w]}" VmHWM)
    read -r sent recv segs conns <<<"${socks[$w]}"
    tstart=- tend=-
    if [ "$w" = after ]; then tstart=$dir/traffic-$n-start.json tend=$dir/traffic-$n-end.json; fi
    printf '%s\t' "$parts" "$w" "$window_ms" "${cpu[$w]}" "${idle[$w]}" "$after" "$hwm" \
      "$st_ms" "$all_ms" "$ur_ms" "$sent" "$recv" "$segs" "$conns" "$tstart" "$tend" \
      "$(wc -c <"$dir/status-$n-$w.txt")" "$(wc -c <"$dir/all-$n-$w.txt")" >>"$results"
    printf '%s\n' "$load" >>"$results"
    say "  $parts partitions, $w: ${cpu[$w]} ms CPU per poll, RSS idle $((${idle[$w]} / 1024)) MiB, after answers $((after / 1024)) MiB (peak $((hwm / 1024))); status ${st_ms} ms, --all ${all_ms} ms, --under-replicated ${ur_ms} ms; to Kafka $((sent * 60000 / window_ms)) B/min, from Kafka $((recv * 60000 / window_ms)) B/min, $((segs * 60000 / window_ms)) segments/min ($conns connections)"
  done
  say "  load average $(cut -d' ' -f1-3 /proc/loadavg)"
done

# --- `status --under-replicated` against kafka-topics -------------------------
say "  stopping node 2: its replicas leave every ISR"
t0=$(now_ms)
"$KAFKA_DIR/cluster.sh" stop-node "$cluster" 2 >"$dir/stop-node.log" 2>&1 ||
  die "stopping node 2 failed: $(tail -3 "$dir/stop-node.log")"
say "  node 2 stopped in $(since "$t0")s ($(tail -n1 "$dir/stop-node.log"))"
topic_cmd="java -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp '$TOOLS_LIBS/*' org.apache.kafka.tools.TopicCommand --bootstrap-server $node0 --describe --under-replicated-partitions"
# "topic-partition", sorted, from kafka-topics' and from an agent's answer.
theirs() {
  sh -c "$topic_cmd" 2>"$dir/topic-command.err" |
    awk '{ t = p = ""
           for (i = 1; i < NF; i++) { if ($i == "Topic:") t = $(i + 1); if ($i == "Partition:") p = $(i + 1) }
           if (t != "" && p != "") print t "-" p }' | sort
}
ours() {
  "$AGENT" status --addr "127.0.0.1:$1" --under-replicated --timeout 60s 2>>"$dir/client.err" |
    awk '$NF ~ /under-replicated/ { print $1 "-" $2 }' | sort
}
agree() {
  theirs >"$dir/ur-theirs.txt"
  ours "${gport[after]}" >"$dir/ur-ours.txt"
  [ -s "$dir/ur-ours.txt" ] && cmp -s "$dir/ur-theirs.txt" "$dir/ur-ours.txt"
}
t0=$(now_ms)
if wait_until --every 5 300 "the agent and kafka-topics to agree on the under-replicated partitions" agree; then
  say "  same answer after $(since "$t0")s: $(wc -l <"$dir/ur-ours.txt") under-replicated partitions from both"
  agreement="same answer: $(wc -l <"$dir/ur-ours.txt") partitions"
else
  diff "$dir/ur-theirs.txt" "$dir/ur-ours.txt" >"$dir/ur-diff.txt" || true
  say "  DIFFERENT answers ($WAIT_ERROR): agent $(wc -l <"$dir/ur-ours.txt"), kafka-topics $(wc -l <"$dir/ur-theirs.txt"); diff (first 10 lines):"
  sed -n 1,10p "$dir/ur-diff.txt" | show
  agreement="DIFFERENT: agent $(wc -l <"$dir/ur-ours.txt"), kafka-topics $(wc -l <"$dir/ur-theirs.txt")"
fi
if [ -n "$BEFORE" ]; then
  ours "${gport[before]}" >"$dir/ur-before.txt"
  if cmp -s "$dir/ur-theirs.txt" "$dir/ur-before.txt"; then
    say "  the before agent: the same $(wc -l <"$dir/ur-before.txt") partitions"
  else
    say "  the before agent: DIFFERENT, $(wc -l <"$dir/ur-before.txt") partitions"
  fi
fi
printf 'agreement\t%s\n' "$agreement" >"$dir/agreement.tsv"
cmds=(agent "$AGENT status --addr 127.0.0.1:${gport[after]} --under-replicated --timeout 60s"
  kafka-topics "$topic_cmd")
[ -n "$BEFORE" ] && cmds+=(agent-before "$AGENT status --addr 127.0.0.1:${gport[before]} --under-replicated --timeout 60s")
say "  status --under-replicated against kafka-topics, $ROUNDS rounds (load average $(cut -d' ' -f1-3 /proc/loadavg)):"
hyperfine_rounds "$dir/ur" "$ROUNDS" hyperfine --style none --warmup 1 --runs 3 -- "${cmds[@]}"
"${STATS[@]}" hyperfine "$SUMMARY" "real_cluster: status --under-replicated, $((created * PER_TOPIC)) partitions, node 2 down" "${FILES[@]}"
say "  real cluster, per size (after | before | after/before):"
"${STATS[@]}" real "$SUMMARY" "$results"
cp "$results" "$RESULTS/real-cluster.tsv"
say "real_cluster: done; load average $(cut -d' ' -f1-3 /proc/loadavg)"
