#!/usr/bin/env bash
# metrics_scrape: what one Prometheus scrape of the sidecar's GET /metrics
# costs the server, at 1,000 and 100,000 partitions (a synthetic snapshot;
# BENCH_METRICS_SIZES), against peers serving the same bytes:
#
#   A       metrics-bench-server --mode agent: the agent's own HTTP path
#           (libmicrohttpd HttpServer + SidecarRoutes + RenderMetrics), as
#           `kafka-agent serve` runs it, over a snapshot assessed like the
#           poller does
#   static  metrics-bench-server --mode static: the same exposition rendered
#           once, served as a constant buffer by the same library: the HTTP
#           floor, so A/static is what building the answer adds
#   python  bench/peers/metrics_static_server.py: Python's http.server
#           serving the same bytes from memory (a trivial static server)
#
# Servers pinned to CPU 1, the load generator (bench/scrape.py, one
# keep-alive connection, closed loop) to CPU 0 (BENCH_PIN=0: no pinning).
# Measured: server CPU time per scrape from /proc/PID/task/*/schedstat.
# Context, not a ratio: the time one Assess (the per-snapshot pass the poller
# makes so that a scrape walks no partitions) takes at each size.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

SIZES=${BENCH_METRICS_SIZES:-1000 100000}
ROUNDS=${BENCH_METRICS_ROUNDS:-5}
SECS=${BENCH_METRICS_SECONDS:-2}
PIN=${BENCH_PIN:-1}
SERVER_BIN=${BENCH_METRICS_SERVER:-$ROOT/build/tests/metrics-bench-server}

need curl promtool
[ -x "$SERVER_BIN" ] || die "no $SERVER_BIN (cmake --build build --target metrics-bench-server)"
dir=$WORK/metrics
mkdir -p "$dir"
cp "$SERVER_BIN" "$dir/metrics-bench-server"  # a private copy, like the agent's
SERVER_BIN=$dir/metrics-bench-server

server_cpu=() client_cpu=()
if [ "$PIN" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_cpu=(taskset -c 1) client_cpu=(taskset -c 0)
fi

pids=()
stop_servers() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'stop_servers; cleanup_work' EXIT

serving() { # port log
  local _
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null -m 1 "http://127.0.0.1:$1/metrics" && return 0
    sleep 0.1
  done
  die "nothing serves on $1: $(tail -3 "$2")"
}

say "metrics_scrape: GET /metrics, server CPU per scrape ($ROUNDS rounds x ${SECS}s per server, rotating)"
if ((${#server_cpu[@]})); then say "  servers pinned to CPU 1, load generator to CPU 0"; fi
for n in $SIZES; do
  a_port=$(free_port) s_port=$(free_port) p_port=$(free_port)
  "${server_cpu[@]}" "$SERVER_BIN" --partitions "$n" --mode agent \
    --listen "127.0.0.1:$a_port" >"$dir/agent-$n.log" 2>&1 &
  a_pid=$!
  "${server_cpu[@]}" "$SERVER_BIN" --partitions "$n" --mode static \
    --listen "127.0.0.1:$s_port" >"$dir/static-$n.log" 2>&1 &
  s_pid=$!
  "$SERVER_BIN" --partitions "$n" --dump "$dir/exposition-$n.txt"
  "${server_cpu[@]}" "$PY" "$ROOT/bench/peers/metrics_static_server.py" \
    "$dir/exposition-$n.txt" "$p_port" >"$dir/python-$n.log" 2>&1 &
  p_pid=$!
  pids=("$a_pid" "$s_pid" "$p_pid")
  serving "$a_port" "$dir/agent-$n.log"
  serving "$s_port" "$dir/static-$n.log"
  serving "$p_port" "$dir/python-$n.log"

  # The same answer from all three, and Prometheus' parser accepts it.
  curl -s "http://127.0.0.1:$a_port/metrics" >"$dir/a-$n.txt"
  promtool check metrics <"$dir/a-$n.txt" >"$dir/promtool-$n.out" 2>&1 ||
    die "promtool rejects the agent's exposition: $(cat "$dir/promtool-$n.out")"
  for port in "$s_port" "$p_port"; do
    curl -s "http://127.0.0.1:$port/metrics" >"$dir/b.txt"
    # Only the snapshot's age differs (it is computed per scrape).
    if ! diff <(grep -v '^kafka_agent_snapshot_age_seconds ' "$dir/a-$n.txt") \
      <(grep -v '^kafka_agent_snapshot_age_seconds ' "$dir/b.txt") >/dev/null; then
      die "the peer on $port serves other bytes than the agent"
    fi
  done
  say "  $n partitions: $(wc -c <"$dir/a-$n.txt") bytes, $(grep -c '^# TYPE' "$dir/a-$n.txt") families (same bytes from all three, promtool ok); one Assess: $(sed -n 's/^assess_us //p' "$dir/agent-$n.log") us [context]"
  "${client_cpu[@]}" "$PY" "$ROOT/bench/scrape.py" "$SUMMARY" "$n partitions" \
    "$ROUNDS" "$SECS" "agent=$a_port=$a_pid" "static=$s_port=$s_pid" \
    "python=$p_port=$p_pid"
  stop_servers
done
