#!/usr/bin/env bash
# A real Apache Kafka cluster in KRaft mode on loopback, for the integration and
# e2e tests: 3 nodes (node.id 0,1,2), each process.roles=broker,controller, with
# a static controller.quorum.voters. Jars come from fetch.sh (Maven Central).
#
# Usage: cluster.sh COMMAND DIR [ARGS]
#
#   start DIR [--override k=v]...   new DIR: cluster id, configs, format, start all
#                                   nodes in parallel, wait until every broker is
#                                   in the metadata, print the bootstrap string
#                                   (last line of stdout). Overrides are written
#                                   into every node's server.properties.
#                                   Existing DIR: start its stopped nodes again
#                                   with their data (no format) and wait.
#   stop DIR                        SIGTERM every node, wait; SIGKILL after
#                                   KAFKA_TEST_STOP_TIMEOUT seconds
#   stop-node DIR N                 clean shutdown of node N: SIGTERM, wait until
#                                   the process has exited (SIGKILL after the timeout)
#   kill-node DIR N                 SIGKILL node N and wait until it is gone
#   start-node DIR N [--no-wait] [--override k=v]...
#                                   start node N again on its data; waits until
#                                   node N answers and lists itself (registered,
#                                   unfenced) unless --no-wait. These
#                                   overrides apply to this run only
#                                   (kafka.Kafka --override).
#   wait DIR                        wait until every running node answers on its
#                                   broker port and lists every running node
#                                   (use after start-node --no-wait)
#   status DIR                      one line per node, then the metadata brokers;
#                                   exit 0 if all nodes run, 1 otherwise
#   bootstrap DIR                   print the bootstrap string
#   port DIR N [broker|controller]  print node N's broker (default) or controller port
#
# Environment (read by `start` for a new DIR and saved in DIR/cluster.env; the
# other commands use the saved values, so they need no environment):
#   KAFKA_TEST_BASE_PORT   default 19092. Node N: broker (PLAINTEXT) port
#                          BASE+N, controller port BASE+100+N, i.e.
#                          19092-19094 and 19192-19194.
#   KAFKA_TEST_NODES       default 3 (1..10). Replication factors are min(3, nodes).
#   KAFKA_TEST_EXTRA_PROPS     extra server properties for every node, one k=v per line
#   KAFKA_TEST_EXTRA_PROPS_<N> extra server properties for node N only
# Environment read by every command that starts a JVM:
#   KAFKA_TEST_LIBS        a libs dir to use instead of fetch.sh's
#   KAFKA_TEST_JAVA        java binary (default: java)
#   KAFKA_TEST_HEAP_OPTS   default "-Xms192m -Xmx192m"
#   KAFKA_TEST_JVM_OPTS    default "-XX:+UseSerialGC -XX:TieredStopAtLevel=1
#                          -XX:-UsePerfData -Djava.awt.headless=true" (fastest
#                          start on 2 cores, see README.md)
#   KAFKA_TEST_START_TIMEOUT  seconds to wait for brokers (default 120)
#   KAFKA_TEST_STOP_TIMEOUT   seconds before SIGKILL on stop (default 60)
#
# Exit status: 0 ok; 1 failure (the message names the log files); 2 usage error.
# A failed `start`/`start-node` prints each failed node's first errors and the
# tail of its stdout.log, and stops the JVMs that this run started.
#
# Layout of DIR (never deleted by this script, so a failed run keeps its logs):
#   cluster.env       NODES, BASE_PORT, CLUSTER_ID, KAFKA_LIBS (sourced by commands)
#   bootstrap         the bootstrap string
#   node-N/server.properties  node-N/pid
#   node-N/stdout.log the JVM's stdout+stderr (log4j WARN and above, crashes),
#                     appended on every start, each start marked by a "===" line
#   node-N/server.log the broker's full log4j log (INFO), appended
#   node-N/format.log StorageTool format output
#   node-N/data/      log.dirs (metadata log and partitions)
#   node-N/tmp/       java.io.tmpdir (native compression libraries)
#   server.log, random-uuid.log  output of StorageTool random-uuid
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../../lib/common.sh"
# shellcheck source=tests/lib/kafka.sh
. "$here/../../lib/kafka.sh"

LOG4J2_CONFIG=$here/log4j2.yaml
JAVA=${KAFKA_TEST_JAVA:-java}
HEAP_OPTS=${KAFKA_TEST_HEAP_OPTS:-$KAFKA_DEFAULT_HEAP_OPTS}
JVM_OPTS=${KAFKA_TEST_JVM_OPTS:-$KAFKA_DEFAULT_JVM_OPTS}
START_TIMEOUT=${KAFKA_TEST_START_TIMEOUT:-120}
STOP_TIMEOUT=${KAFKA_TEST_STOP_TIMEOUT:-60}

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# --- state --------------------------------------------------------------------

DIR=
LAUNCHED=() # nodes started by this invocation
NODES=
BASE_PORT=
CLUSTER_ID=
LIBS=

node_dir() { echo "$DIR/node-$1"; }
broker_port() { echo $((BASE_PORT + $1)); }
controller_port() { echo $((BASE_PORT + 100 + $1)); }

bootstrap_string() {
  local n out=
  for ((n = 0; n < NODES; n++)); do out+="${out:+,}127.0.0.1:$(broker_port "$n")"; done
  echo "$out"
}

load_state() {
  DIR=$1
  [[ -f $DIR/cluster.env ]] || die "$DIR is not a cluster state dir (no $DIR/cluster.env; run '$0 start $DIR')"
  # shellcheck source=/dev/null
  . "$DIR/cluster.env"
  : "${NODES:?}" "${BASE_PORT:?}" "${CLUSTER_ID:?}"
}

check_node_arg() {
  if ! [[ ${1:-} =~ ^[0-9]+$ ]] || (($1 >= NODES)); then
    usage_error "node '${1:-}' is not a node of $DIR (0..$((NODES - 1)))"
  fi
}

# KAFKA_TEST_LIBS, else the jars this state dir was started with
# (cluster.env), else fetch.sh's.
resolve_libs() {
  LIBS=$(kafka_libs "${KAFKA_LIBS:-}") || die "no Kafka jars"
}

# Prints the pid of node N if its JVM is running (checked against the command
# line, so a stale pid file or a reused pid is not mistaken for the node).
node_pid() {
  local nd pid
  nd=$(node_dir "$1")
  [[ -f $nd/pid ]] || return 1
  pid=$(<"$nd/pid")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"kafka.Kafka $nd/server.properties"* ]] || return 1
  echo "$pid"
}
node_runs() { node_pid "$1" >/dev/null; }

# --- configuration ------------------------------------------------------------

write_node_config() {
  local n=$1 nd voters='' i rf isr extra_var line
  shift
  nd=$(node_dir "$n")
  for ((i = 0; i < NODES; i++)); do voters+="${voters:+,}$i@127.0.0.1:$(controller_port "$i")"; done
  rf=$((NODES < 3 ? NODES : 3))
  isr=$((NODES < 2 ? NODES : 2))
  mkdir -p "$nd/data" "$nd/tmp"
  {
    cat <<EOF
# Written by tests/integration/kafka/cluster.sh for node $n of $NODES.
# Identity and quorum (KRaft, static voters).
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(broker_port "$n"),CONTROLLER://127.0.0.1:$(controller_port "$n")
advertised.listeners=PLAINTEXT://127.0.0.1:$(broker_port "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$nd/data

# Internal topics replicated like production (RF 3, min ISR 2), but with few
# partitions: 50 each (the default) costs seconds on 2 cores at the first
# consumer group / transaction.
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
default.replication.factor=$rf
# A consumer group rebalances at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# Topics exist only when a test creates them: no stray topic from a metadata
# request or a producer typo (the broker default is true).
auto.create.topics.enable=false

# Failure detection, shorter than the defaults so ISR changes show quickly:
# a follower that has not caught up for 5 s leaves the ISR (default 30 s);
# broker heartbeats every 1 s (default 2 s) and a broker whose heartbeats
# stop is fenced after 6 s (default 9 s). A clean shutdown (SIGTERM) does not
# wait for these: the broker leaves the ISRs through controlled shutdown.
replica.lag.time.max.ms=5000
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=6000

# The log cleaner allocates its dedupe buffer on the heap at start-up: the
# default 128 MiB does not fit the small test heaps (OutOfMemoryError).
log.cleaner.dedupe.buffer.size=16777216

# Fewer threads: 3 JVMs share 2 cores.
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=4
log.cleaner.threads=1
EOF
    extra_var=KAFKA_TEST_EXTRA_PROPS_$n
    if [[ -n ${KAFKA_TEST_EXTRA_PROPS:-}${!extra_var:-} || $# -gt 0 ]]; then
      echo
      echo "# Extra properties (KAFKA_TEST_EXTRA_PROPS, $extra_var, --override); the last value of a key wins."
      while IFS= read -r line; do
        [[ -z ${line//[[:space:]]/} || $line == \#* ]] && continue
        [[ $line == *=* ]] || die "extra property '$line' is not key=value"
        echo "$line"
      done <<<"${KAFKA_TEST_EXTRA_PROPS:-}
${!extra_var:-}"
      for line in "$@"; do echo "$line"; done
    fi
  } >"$nd/server.properties"
}

# The options of every JVM of node dir ND (the broker and its tools).
jvm_opts() {
  JVM=(--libs "$LIBS" --java "$JAVA" --heap "$HEAP_OPTS" --jvm-opts "$JVM_OPTS"
    --logs-dir "$1" --log4j "$LOG4J2_CONFIG" --tmp "$1/tmp")
}

format_node() {
  local n=$1 nd JVM
  nd=$(node_dir "$n")
  jvm_opts "$nd"
  kafka_format "$nd/server.properties" "$CLUSTER_ID" "${JVM[@]}" </dev/null >"$nd/format.log" 2>&1
}

# --- processes ----------------------------------------------------------------

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

launch_node() { # N [kafka.Kafka args...]
  local n=$1 nd pid JVM
  shift
  nd=$(node_dir "$n")
  if pid=$(node_pid "$n"); then die "node $n already runs (pid $pid)"; fi
  local p
  for p in "$(broker_port "$n")" "$(controller_port "$n")"; do
    if port_in_use "$p"; then
      die "port $p (node $n) is already in use by another process; pick another KAFKA_TEST_BASE_PORT"
    fi
  done
  mkdir -p "$nd/tmp"
  echo "=== $(date -u +%FT%TZ) cluster.sh: starting node $n" >>"$nd/stdout.log"
  # setsid: the brokers outlive this script and ignore the caller's terminal
  # signals; they are stopped with `stop`/`stop-node`/`kill-node`. The inner
  # shell writes its own pid and then becomes the JVM (exec), so the pid file
  # is right even if setsid had to fork.
  jvm_opts "$nd"
  kafka_cmd "${JVM[@]}" kafka.Kafka "$nd/server.properties" "$@" || die "bad JVM command line"
  # shellcheck disable=SC2016 # $$ is for the inner shell
  setsid bash -c 'echo $$ >"$0/pid"; exec "$@"' "$nd" "${KAFKA_CMD[@]}" \
    </dev/null >>"$nd/stdout.log" 2>&1 &
  LAUNCHED+=("$n")
  wait_until 5 "node $n's JVM" node_runs "$n" || die "node $n did not start; see $nd/stdout.log"
}

# Broker ids in the metadata returned by one of the given bootstrap servers.
metadata_brokers() {
  local out
  out=$(kcat -L -b "$1" -m 3 2>/dev/null) || true
  sed -n 's/^ *broker \([0-9][0-9]*\) at .*/\1/p' <<<"$out" | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# Waits until each given node answers on its own broker port with metadata
# that lists every given node. Asking each node itself matters: after a
# SIGKILL the other brokers keep listing the dead broker until its session
# times out, but a restarted node only serves requests once it has caught up
# with the metadata and registered.
wait_brokers() { # label, node ids...
  local label=$1 t0 rc=0 n
  shift
  t0=$(now_ms)
  wait_until --every 0.2 --abort-if "a_node_exited $*" "$START_TIMEOUT" "brokers [$*] ($label)" \
    all_listed "$@" || rc=$?
  case $rc in
    0) log "$label: brokers [$*] up after $(since "$t0")s" ;;
    1) fail_with_logs "timeout (${START_TIMEOUT}s) waiting for brokers [$*] ($label);$VIEWS" "$@" ;;
    *) n=${WAIT_ERROR##*: } # a_node_exited's answer
       fail_with_logs "node $n exited while waiting for $label" "$n" ;;
  esac
}

# Whether each node lists every node (stops at the first that does not);
# VIEWS says what each asked node listed.
all_listed() {
  local n m got
  VIEWS=
  for n in "$@"; do
    got=$(metadata_brokers "127.0.0.1:$(broker_port "$n")")
    VIEWS+=" node $n lists [$got];"
    for m in "$@"; do [[ " $got " == *" $m "* ]] || return 1; done
  done
}

a_node_exited() {
  local n
  for n in "$@"; do
    node_runs "$n" || { echo "$n"; return 0; }
  done
  return 1
}

# Reports a failed start with the nodes' logs, stops the nodes this run
# launched (a failed start leaves no JVM behind) and exits 1. DIR is kept.
fail_with_logs() { # message, nodes...
  local msg=$1 n nd report
  shift
  # Stop first, report after: a reader that went away (SIGPIPE) must not
  # leave JVMs behind.
  trap '' PIPE
  report=$(
    echo "cluster.sh: $msg"
    for n in "$@"; do
      nd=$(node_dir "$n")
      echo "--- node $n: first errors and last 15 lines of $nd/stdout.log; full log: $nd/server.log"
      # The first 5 errors of this start's part of the (appended) stdout.log.
      awk '/^=== .* cluster.sh: starting node/ { n = 0; buf = "" }
        /^\[.*\] (ERROR|FATAL)|^Caused by/ && n < 5 { n++; buf = buf "    " $0 "\n" }
        END { printf "%s", buf }' "$nd/stdout.log" 2>/dev/null || true
      echo "    ..."
      tail -n 15 "$nd/stdout.log" 2>/dev/null | sed 's/^/    /'
    done
  )
  if ((${#LAUNCHED[@]} > 0)); then
    signal_and_wait TERM 20 "${LAUNCHED[@]}" >/dev/null 2>&1 || true
    report+=$'\n'"cluster.sh: stopped the nodes this run started: [${LAUNCHED[*]}]"
  fi
  echo "$report"$'\n'"cluster.sh: logs are kept in $DIR" >&2 || true
  exit 1
}

signal_and_wait() { # signal, timeout, nodes...
  local sig=$1 timeout=$2 n pid left=()
  shift 2
  for n in "$@"; do
    if pid=$(node_pid "$n"); then kill "-$sig" "$pid" 2>/dev/null || true; fi
  done
  wait_until "$timeout" "nodes [$*] to stop" none_runs "$@" && return 0
  for n in "$@"; do if node_runs "$n"; then left+=("$n"); fi; done
  if [[ $sig != KILL ]]; then
    log "nodes [${left[*]}] still run ${timeout}s after SIG$sig: sending SIGKILL"
    signal_and_wait KILL 30 "${left[@]}"
    return 1
  fi
  die "nodes [${left[*]}] survived SIGKILL"
}

none_runs() {
  local n
  for n in "$@"; do ! node_runs "$n" || return 1; done
}

# --- commands -----------------------------------------------------------------

parse_overrides() { # sets OVERRIDES (k=v...) and NO_WAIT from the remaining args
  OVERRIDES=()
  NO_WAIT=0
  while (($#)); do
    case $1 in
      --override)
        (($# >= 2)) || usage_error "--override needs k=v"
        [[ $2 == *=* ]] || usage_error "--override '$2' is not k=v"
        OVERRIDES+=("$2"); shift 2 ;;
      --override=*)
        [[ ${1#--override=} == *=* ]] || usage_error "'$1' is not --override=k=v"
        OVERRIDES+=("${1#--override=}"); shift ;;
      --no-wait) NO_WAIT=1; shift ;;
      *) usage_error "unknown argument '$1'" ;;
    esac
  done
}

cmd_start() {
  local n pids=() t0 running=()
  DIR=$1
  shift
  parse_overrides "$@"
  command -v kcat >/dev/null || die "kcat not found (apt-get install kcat)"
  t0=$(now_ms)
  if [[ -f $DIR/cluster.env ]]; then
    load_state "$DIR"
    ((${#OVERRIDES[@]} == 0)) || usage_error "--override only applies to a new DIR (use start-node --override)"
    resolve_libs
    local stopped=()
    for ((n = 0; n < NODES; n++)); do
      if node_runs "$n"; then running+=("$n"); else stopped+=("$n"); fi
    done
    ((${#stopped[@]} > 0)) || die "all nodes of $DIR already run; bootstrap: $(bootstrap_string)"
    for n in "${stopped[@]}"; do launch_node "$n"; done
  else
    NODES=${KAFKA_TEST_NODES:-3}
    BASE_PORT=${KAFKA_TEST_BASE_PORT:-19092}
    if ! [[ $NODES =~ ^[0-9]+$ ]] || ((NODES < 1 || NODES > 10)); then
      usage_error "KAFKA_TEST_NODES='$NODES' must be 1..10"
    fi
    if ! [[ $BASE_PORT =~ ^[0-9]+$ ]] || ((BASE_PORT < 1024 || BASE_PORT + 100 + NODES > 65535)); then
      usage_error "KAFKA_TEST_BASE_PORT='$BASE_PORT' must be 1024..$((65535 - 100 - NODES))"
    fi
    for ((n = 0; n < NODES; n++)); do
      for p in "$(broker_port "$n")" "$(controller_port "$n")"; do
        if port_in_use "$p"; then die "port $p is already in use; set KAFKA_TEST_BASE_PORT to a free range"; fi
      done
    done
    resolve_libs
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)
    jvm_opts "$DIR"
    CLUSTER_ID=$(kafka_random_uuid "${JVM[@]}" 2>"$DIR/random-uuid.log" | tail -n1)
    [[ $CLUSTER_ID =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid failed; see $DIR/random-uuid.log"
    for ((n = 0; n < NODES; n++)); do write_node_config "$n" "${OVERRIDES[@]}"; done
    # Format all nodes in parallel (one JVM each).
    for ((n = 0; n < NODES; n++)); do format_node "$n" & pids+=($!); done
    local failed=()
    for n in "${!pids[@]}"; do
      wait "${pids[$n]}" || failed+=("$(node_dir "$n")/format.log")
    done
    ((${#failed[@]} == 0)) || die "formatting failed; see ${failed[*]}"
    # Written last: a DIR with cluster.env is a formatted cluster that `start`
    # restarts; without it, `start` begins from scratch.
    {
      printf 'NODES=%q\nBASE_PORT=%q\nCLUSTER_ID=%q\n' "$NODES" "$BASE_PORT" "$CLUSTER_ID"
      printf 'KAFKA_LIBS=%q\n' "$LIBS"
    } >"$DIR/cluster.env"
    bootstrap_string >"$DIR/bootstrap"
    log "cluster id $CLUSTER_ID; configs and storage ready after $(since "$t0")s"
    for ((n = 0; n < NODES; n++)); do launch_node "$n"; done
  fi
  local all=()
  for ((n = 0; n < NODES; n++)); do all+=("$n"); done
  wait_brokers "start" "${all[@]}"
  log "cluster of $NODES nodes up in $(since "$t0")s; logs in $DIR/node-*/"
  bootstrap_string
}

cmd_stop() {
  local n nodes=()
  load_state "$1"
  for ((n = 0; n < NODES; n++)); do if node_runs "$n"; then nodes+=("$n"); fi; done
  ((${#nodes[@]} > 0)) || { log "no node of $DIR runs"; return 0; }
  local t0
  t0=$(now_ms)
  signal_and_wait TERM "$STOP_TIMEOUT" "${nodes[@]}" || true
  log "stopped nodes [${nodes[*]}] in $(since "$t0")s"
}

cmd_stop_node() {
  load_state "$1"
  check_node_arg "${2:-}"
  node_runs "$2" || { log "node $2 does not run"; return 0; }
  local t0
  t0=$(now_ms)
  if signal_and_wait TERM "$STOP_TIMEOUT" "$2"; then
    log "node $2 stopped cleanly in $(since "$t0")s"
  else
    log "node $2 needed SIGKILL"
  fi
}

cmd_kill_node() {
  load_state "$1"
  check_node_arg "${2:-}"
  node_runs "$2" || { log "node $2 does not run"; return 0; }
  signal_and_wait KILL 30 "$2"
  log "node $2 killed"
}

cmd_start_node() {
  load_state "$1"
  check_node_arg "${2:-}"
  local n=$2 args=() o
  shift 2
  parse_overrides "$@"
  resolve_libs
  for o in "${OVERRIDES[@]}"; do args+=(--override "$o"); done
  launch_node "$n" "${args[@]}"
  if ((NO_WAIT == 0)); then
    wait_brokers "start-node $n" "$n"
  fi
}

cmd_wait() {
  local n nodes=()
  load_state "$1"
  for ((n = 0; n < NODES; n++)); do if node_runs "$n"; then nodes+=("$n"); fi; done
  ((${#nodes[@]} > 0)) || die "no node of $DIR runs"
  wait_brokers "wait" "${nodes[@]}"
}

cmd_status() {
  local n pid rc=0
  load_state "$1"
  echo "cluster $CLUSTER_ID, $NODES nodes, state dir $DIR"
  for ((n = 0; n < NODES; n++)); do
    if pid=$(node_pid "$n"); then
      printf 'node %d: running pid %d, broker 127.0.0.1:%d, controller 127.0.0.1:%d\n' \
        "$n" "$pid" "$(broker_port "$n")" "$(controller_port "$n")"
    else
      rc=1
      printf 'node %d: stopped, broker 127.0.0.1:%d, controller 127.0.0.1:%d\n' \
        "$n" "$(broker_port "$n")" "$(controller_port "$n")"
    fi
  done
  if command -v kcat >/dev/null; then
    echo "metadata brokers: [$(metadata_brokers "$(bootstrap_string)")]"
  fi
  return "$rc"
}

main() {
  local cmd=${1:-}
  case $cmd in
    -h|--help|help) usage; exit 0 ;;
    "") usage >&2; exit 2 ;;
  esac
  shift
  [[ -n ${1:-} ]] || usage_error "$cmd needs a state DIR"
  case $cmd in
    start) cmd_start "$@" ;;
    stop) (($# == 1)) || usage_error "usage: stop DIR"; cmd_stop "$1" ;;
    stop-node) (($# == 2)) || usage_error "usage: stop-node DIR N"; cmd_stop_node "$@" ;;
    kill-node) (($# == 2)) || usage_error "usage: kill-node DIR N"; cmd_kill_node "$@" ;;
    start-node) (($# >= 2)) || usage_error "usage: start-node DIR N [--no-wait] [--override k=v]..."; cmd_start_node "$@" ;;
    wait) (($# == 1)) || usage_error "usage: wait DIR"; cmd_wait "$1" ;;
    status) (($# == 1)) || usage_error "usage: status DIR"; cmd_status "$1" ;;
    bootstrap) (($# == 1)) || usage_error "usage: bootstrap DIR"; load_state "$1"; bootstrap_string ;;
    port)
      (($# >= 2 && $# <= 3)) || usage_error "usage: port DIR N [broker|controller]"
      load_state "$1"; check_node_arg "$2"
      case ${3:-broker} in
        broker) broker_port "$2" ;;
        controller) controller_port "$2" ;;
        *) usage_error "port kind '$3' is not broker or controller" ;;
      esac ;;
    *) usage_error "unknown command '$cmd'" ;;
  esac
}

main "$@"
