#!/usr/bin/env bash
# health_probe: the readiness-probe path, grpc.health.v1.Health/Check with
# service "kafka.ready", answered by
#
#   A       kafka-agent serve --bootstrap 127.0.0.1:1 (no Kafka: the snapshot
#           says NOT_SERVING, which is what every server here answers)
#   python  bench/peers/health_server.py: grpcio (Debian python3-grpcio) with a
#           HealthServicer shaped like grpcio-health-checking's
#   go      bench/peers/go-health: grpc-go's own health server
#           (google.golang.org/grpc/health); skipped when Go is missing
#
# All servers run at once, each pinned to CPU 1; the load generator is pinned to
# CPU 0 (BENCH_PIN=0 turns pinning off). Every measurement is taken in rounds,
# and within a round the servers take turns in a rotating order, so each ratio
# compares runs made seconds apart under the same machine noise:
#
#   saturate  ghz, closed loop, BENCH_HEALTH_CONCURRENCY callers on one
#             connection for BENCH_HEALTH_SECONDS: requests/s, p50/p99 latency,
#             and the server's CPU time per Check (from /proc/PID/stat), which
#             stays meaningful when the load generator, not the server, is the
#             bottleneck
#   paced     ghz, one caller at BENCH_HEALTH_RATE requests/s: latency of a
#             server that is not busy, as probes find it
#   exec      grpc-health-probe, a new process and connection per probe (what
#             an exec probe, or the kubelet's own gRPC probe, pays), timed by
#             hyperfine
#   memory    VmRSS of each idle server before the load, VmHWM after it
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${BENCH_HEALTH_ROUNDS:-5}
SECONDS_SAT=${BENCH_HEALTH_SECONDS:-3}
SECONDS_PACED=${BENCH_HEALTH_PACED_SECONDS:-2}
RATE=${BENCH_HEALTH_RATE:-100}
CONCURRENCY=${BENCH_HEALTH_CONCURRENCY:-16}
EXEC_RUNS=${BENCH_HEALTH_EXEC_RUNS:-12}
PEERS=${BENCH_HEALTH_PEERS:-python go}
PIN=${BENCH_PIN:-1}
SERVICE=kafka.ready
PROTO_DIR=$ROOT/proto/grpc/health/v1

need ghz grpc-health-probe hyperfine
[ -x "$AGENT" ] || die "no agent binary at $AGENT (cmake --build build)"

dir=$WORK/health
mkdir -p "$dir"

server_cpu=() client_cpu=()
if [ "$PIN" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  server_cpu=(taskset -c 1) client_cpu=(taskset -c 0)
fi

names=() pids=() ports=()
stop_servers() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'stop_servers; cleanup_work' EXIT

start() { # NAME COMMAND... (the port is in $port)
  local name=$1
  shift
  "${server_cpu[@]}" "$@" >"$dir/$name.log" 2>&1 &
  names+=("$name") pids+=($!) ports+=("$port")
}

# --- the servers ---------------------------------------------------------------
port=$(free_port)
start agent "$AGENT" serve --pod-name kafka-0 --namespace kafka \
  --bootstrap 127.0.0.1:1 --grpc-listen "127.0.0.1:$port" --http-listen ""
for peer in $PEERS; do
  case $peer in
  python)
    if ! "$PY" -c 'import grpc, google.protobuf' 2>/dev/null ||
      ! command -v protoc >/dev/null || [ ! -x /usr/bin/grpc_python_plugin ]; then
      say "  (python peer skipped: needs python3-grpcio, python3-protobuf, protobuf-compiler-grpc)"
      continue
    fi
    mkdir -p "$dir/py"
    protoc -I"$PROTO_DIR" --python_out="$dir/py" --grpc_python_out="$dir/py" \
      --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
      "$PROTO_DIR/health.proto"
    port=$(free_port)
    PYTHONPATH=$dir/py start python "$PY" "$ROOT/bench/peers/health_server.py" \
      "127.0.0.1:$port"
    ;;
  go)
    if ! command -v go >/dev/null; then
      say "  (go peer skipped: no Go toolchain)"
      continue
    fi
    # The first build fetches grpc-go through the Go module proxy; later ones
    # come from Go's caches in a second or two.
    if ! (cd "$ROOT/bench/peers/go-health" &&
      GOTOOLCHAIN=local GOFLAGS=-buildvcs=false go build -trimpath \
        -o "$dir/go-health" .) >"$dir/go-build.log" 2>&1; then
      say "  (go peer skipped: the build failed: $(tail -1 "$dir/go-build.log"))"
      continue
    fi
    port=$(free_port)
    start go "$dir/go-health" "127.0.0.1:$port"
    ;;
  *) die "unknown peer $peer (python, go)" ;;
  esac
done

((${#names[@]} > 1)) || die "no peer server to compare with"
serving() { [ "$(health_of "127.0.0.1:$1" "")" = SERVING ]; }
for ((i = 0; i < ${#names[@]}; i++)); do
  wait_until --abort-if "exited ${pids[i]}" 10 "${names[i]} to serve" serving "${ports[i]}" ||
    die "${names[i]} did not serve on ${ports[i]}: $(tail -3 "$dir/${names[i]}.log")"
done

say "health_probe: grpc.health.v1.Health/Check service=$SERVICE"
for ((i = 0; i < ${#names[@]}; i++)); do
  say "  ${names[i]}$(printf '%*s' $((8 - ${#names[i]})) '') 127.0.0.1:${ports[i]} pid ${pids[i]}  $(tr '\0' ' ' <"/proc/${pids[i]}/cmdline" | cut -c1-110)"
done
if ((${#server_cpu[@]})); then
  say "  servers pinned to CPU 1, load generator to CPU 0"
else
  say "  not pinned"
fi
for ((i = 0; i < ${#names[@]}; i++)); do
  grpc-health-probe -addr "127.0.0.1:${ports[i]}" -service "$SERVICE" \
    >"$dir/${names[i]}.probe" 2>&1 || true
done
say "  every server answers $SERVICE with: $(sort -u "$dir"/*.probe | tr '\n' ' ')"

nap 1
rss_args=()
for ((i = 0; i < ${#names[@]}; i++)); do rss_args+=("${names[i]}=${pids[i]}"); done
"${STATS[@]}" rss "$SUMMARY" VmRSS "${rss_args[@]}"

ghz_call() { # OUT ADDR ARGS...
  local out=$1 addr=$2
  shift 2
  "${client_cpu[@]}" ghz --insecure --import-paths "$PROTO_DIR" --proto health.proto \
    --call grpc.health.v1.Health.Check -d "{\"service\":\"$SERVICE\"}" \
    -O json -o "$out" "$@" "$addr" 2>>"$dir/ghz.err"
}

# Warm-up, not recorded: first connections, thread pools, caches.
for ((i = 0; i < ${#names[@]}; i++)); do
  ghz_call /dev/null "127.0.0.1:${ports[i]}" -c "$CONCURRENCY" -z 1s
done

manifest=$dir/manifest.tsv
: >"$manifest"
measure() { # MODE ROUND GHZ_ARGS...
  local mode=$1 round=$2 k i c0 c1 t0 out
  shift 2
  for ((k = 0; k < ${#names[@]}; k++)); do
    i=$(((k + round) % ${#names[@]}))
    out=$dir/$mode-${names[i]}-$round.json
    c0=$(cpu_ticks "${pids[i]}") t0=$(now_ms)
    ghz_call "$out" "127.0.0.1:${ports[i]}" "$@"
    c1=$(cpu_ticks "${pids[i]}")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "${names[i]}" "$round" "$out" \
      $((c1 - c0)) "$(since "$t0" 3)" >>"$manifest"
  done
}
for ((r = 0; r < ROUNDS; r++)); do
  measure saturate "$r" -c "$CONCURRENCY" -z "${SECONDS_SAT}s"
done
for ((r = 0; r < ROUNDS; r++)); do
  measure paced "$r" -c 1 -r "$RATE" -z "${SECONDS_PACED}s"
done
say "  ${ROUNDS} rounds; saturate: -c $CONCURRENCY for ${SECONDS_SAT}s, paced: $RATE req/s for ${SECONDS_PACED}s, per server per round"
"${STATS[@]}" health "$SUMMARY" "$manifest"

# exec probes: a fresh client process and connection per probe. It exits 4 on
# NOT_SERVING, hence -i.
probes=()
for ((i = 0; i < ${#names[@]}; i++)); do
  probes+=("${names[i]}" "grpc-health-probe -addr 127.0.0.1:${ports[i]} -service $SERVICE")
done
hyperfine_rounds "$dir/exec" "$ROUNDS" "${client_cpu[@]}" hyperfine -N -i --style none \
  --warmup 2 --runs "$EXEC_RUNS" -- "${probes[@]}"
say "  exec probe: grpc-health-probe -addr ADDR -service $SERVICE, whole process"
"${STATS[@]}" hyperfine "$SUMMARY.exec" health_probe "${FILES[@]}"
sed 's/\twall time per run\t/\texec probe (grpc-health-probe), wall\t/' \
  "$SUMMARY.exec" >>"$SUMMARY"
rm -f "$SUMMARY.exec"

"${STATS[@]}" rss "$SUMMARY" VmHWM "${rss_args[@]}"
