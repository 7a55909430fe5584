#!/usr/bin/env bash
# scale: the agent at 1k-1M partitions (issue 11), two parts.
#
#  1. scale_bench (Google Benchmark): one poll's work (the Metadata answer's
#     bytes decoded and built into the snapshot, assessed), the assessment,
#     ListPartitions (every page; the 100 rows `status` prints by default;
#     --under-replicated) and GetStatus, at each size; today's code (A)
#     against the code before the compact table (B, bench/scale/legacy.h),
#     interleaved at random in the same run; plus the heap the snapshot
#     holds and the poll's peak, per partition.
#  2. The real `kafka-agent serve` against bench/scale/fake_kafka (a fake
#     broker serving a synthetic cluster: topics of 100 partitions, RF 3,
#     3 brokers, 2% under-replicated), one size after the other: CPU per
#     poll; RSS idle and RSS after `status` / `status --all` /
#     `status --under-replicated`, each the lowest and highest of samples
#     over two poll intervals; peak RSS; the answers' wall times; the bytes and
#     requests per minute it exchanges with Kafka (counted by the fake
#     broker). With KAFKA_AGENT_BEFORE_BIN set (an agent built before this
#     change), that agent runs alongside against its own fake broker and
#     every number gets a before/after ratio.
#
# Knobs: BENCH_SCALE_SIZES ("1000 10000 100000 1000000"),
# BENCH_SCALE_BEFORE_SIZES (the sizes the before agent runs; default
# BENCH_SCALE_SIZES), BENCH_SCALE_WINDOW (seconds of polling measured per
# size, 60), BENCH_SCALE_REPS (Google Benchmark repetitions, 5),
# BENCH_SCALE_PARTS ("gbench e2e"), BENCH_SCALE_LAYOUT (the fake's layout:
# "--per-topic 100 --brokers 3 --rf 3").
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

SIZES=${BENCH_SCALE_SIZES:-1000 10000 100000 1000000}
BEFORE_SIZES=${BENCH_SCALE_BEFORE_SIZES:-$SIZES}
WINDOW=${BENCH_SCALE_WINDOW:-60}
REPS=${BENCH_SCALE_REPS:-5}
PARTS=${BENCH_SCALE_PARTS:-gbench e2e}
LAYOUT=${BENCH_SCALE_LAYOUT:---per-topic 100 --brokers 3 --rf 3}
INTERVAL=2
BUILD_DIR=${BENCH_BUILD_DIR:-$ROOT/build}
SCALE_BENCH=$BUILD_DIR/bench/scale/scale_bench
FAKE=$BUILD_DIR/bench/scale/fake_kafka
BEFORE=${KAFKA_AGENT_BEFORE_BIN:-}

need grpc-health-probe
dir=$WORK/scale
mkdir -p "$dir"
say "scale: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------ 1. gbench
if [[ " $PARTS " == *" gbench "* ]]; then
  [ -x "$SCALE_BENCH" ] || die "no $SCALE_BENCH (libbenchmark-dev missing when it was built?)"
  say "scale_bench: $REPS repetitions, interleaved at random; sizes 1k 10k 100k 1M"
  "$SCALE_BENCH" --benchmark_enable_random_interleaving=true \
    --benchmark_repetitions="$REPS" --benchmark_min_time=0.2 \
    --benchmark_report_aggregates_only=false \
    --benchmark_out="$dir/gbench.json" --benchmark_out_format=json \
    >"$dir/gbench.txt" 2>&1 || die "scale_bench failed: $(tail -5 "$dir/gbench.txt")"
  "${STATS[@]}" gbench "$SUMMARY" "$dir/gbench.json"
fi

# ------------------------------------------------------------ 2. the real agent
[[ " $PARTS " == *" e2e "* ]] || exit 0
[ -x "$FAKE" ] || die "no $FAKE"
[ -x "$AGENT" ] || die "no agent binary at $AGENT"
if [ -n "$BEFORE" ]; then
  [ -x "$BEFORE" ] || die "KAFKA_AGENT_BEFORE_BIN=$BEFORE is not executable"
  cp "$BEFORE" "$dir/kafka-agent-before"
  BEFORE=$dir/kafka-agent-before
fi

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'cleanup; cleanup_work' EXIT

rss_kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# rss_span PID: "LOW HIGH", the lowest and highest VmRSS (KiB) sampled every
# 0.1 s over two poll intervals. A single sample lands inside a poll (the new
# table built beside the one in use, the answer's bytes) as often as not at
# 1M partitions; the lowest is what stays resident between polls.
rss_span() {
  local lo='' hi=0 v i
  for ((i = 0; i < INTERVAL * 20; i++)); do
    v=$(rss_kib "$1" VmRSS)
    if [ -z "$lo" ] || ((v < lo)); then lo=$v; fi
    ((v <= hi)) || hi=$v
    nap 0.1
  done
  echo "$lo $hi"
}

# serving ADDR: the agent answers kafka.broker SERVING (its first poll is in).
serving() { [ "$(health_of "$1" kafka.broker)" = SERVING ]; }

# timed OUT CMD...: runs CMD with stdout to OUT; prints its wall time in ms.
timed() {
  local out=$1 t0
  shift
  t0=$(now_ms)
  "$@" >"$out" 2>>"$dir/client.err" || true
  echo $(($(now_ms) - t0))
}

results=$dir/e2e.tsv
printf 'size\twho\tcpu_ms_per_poll\trss_idle_kib\trss_idle_high_kib\trss_after_kib\trss_after_high_kib\thwm_kib\tstatus_ms\tstatus_all_ms\tunder_ms\tunder_rows\twindow_ms\tfake_stats_start\tfake_stats_end\tstatus_bytes\tall_bytes\n' >"$results"

for n in $SIZES; do
  who=(after)
  [ -n "$BEFORE" ] && [[ " $BEFORE_SIZES " == *" $n "* ]] && who+=(before)
  declare -A fport=() gport=() apid=() stats=()
  for w in "${who[@]}"; do
    fport[$w]=$(free_port)
    stats[$w]=$dir/fake-$n-$w.tsv
    # shellcheck disable=SC2086  # LAYOUT is a list of flags
    "$FAKE" --port "${fport[$w]}" --partitions "$n" $LAYOUT \
      --under-replicated-every 50 --stats "${stats[$w]}" \
      >"$dir/fake-$n-$w.log" 2>&1 &
    pids+=($!)
  done
  nap 0.5
  for w in "${who[@]}"; do
    bin=$AGENT
    [ "$w" = before ] && bin=$BEFORE
    gport[$w]=$(free_port)
    "$bin" serve --pod-name kafka-0 --namespace bench \
      --bootstrap "127.0.0.1:${fport[$w]}" --grpc-listen "127.0.0.1:${gport[$w]}" \
      --poll-interval "${INTERVAL}s" --http-listen "" >"$dir/agent-$n-$w.log" 2>&1 &
    apid[$w]=$!
    pids+=($!)
  done
  for w in "${who[@]}"; do
    wait_until --abort-if "exited ${apid[$w]}" 300 "the $w agent at $n partitions" \
      serving "127.0.0.1:${gport[$w]}" ||
      die "$WAIT_ERROR: $(tail -3 "$dir/agent-$n-$w.log")"
  done
  # Let DescribeConfigs of every topic and the first polls settle.
  nap $((INTERVAL * 5))
  declare -A c0=()
  for w in "${who[@]}"; do
    c0[$w]=$(cpu_ticks "${apid[$w]}")
    cp "${stats[$w]}" "$dir/fake-$n-$w-start.tsv"
  done
  t0=$(now_ms)
  nap "$WINDOW"
  window_ms=$(($(now_ms) - t0))
  # The window ends for every agent at once; then the answers, one by one.
  declare -A cpu=() idle=()
  for w in "${who[@]}"; do
    c1=$(cpu_ticks "${apid[$w]}")
    cp "${stats[$w]}" "$dir/fake-$n-$w-end.tsv"
    polls=$((window_ms / (INTERVAL * 1000)))
    cpu[$w]=$(python3 -c "print(f'{($c1 - ${c0[$w]}) * 1000 / $(getconf CLK_TCK) / $polls:.1f}')")
  done
  for w in "${who[@]}"; do idle[$w]=$(rss_span "${apid[$w]}"); done
  for w in "${who[@]}"; do
    cpu_ms=${cpu[$w]}
    addr=127.0.0.1:${gport[$w]}
    st_ms=$(timed "$dir/status-$n-$w.txt" "$AGENT" status --addr "$addr" --timeout 60s)
    all_ms=$(timed "$dir/all-$n-$w.txt" "$AGENT" status --addr "$addr" --all --timeout 120s)
    ur_ms=$(timed "$dir/ur-$n-$w.txt" "$AGENT" status --addr "$addr" --under-replicated --timeout 120s)
    ur_rows=$(grep -c 'under-replicated$' "$dir/ur-$n-$w.txt" || true)
    nap "$INTERVAL" # the refresher's trim after a large answer
    read -r idle_lo idle_hi <<<"${idle[$w]}"
    read -r after after_hi <<<"$(rss_span "${apid[$w]}")"
    hwm=$(rss_kib "${apid[$w]}" VmHWM)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
      "$n" "$w" "$cpu_ms" "$idle_lo" "$idle_hi" "$after" "$after_hi" "$hwm" "$st_ms" "$all_ms" "$ur_ms" "$ur_rows" \
      "$window_ms" "$dir/fake-$n-$w-start.tsv" "$dir/fake-$n-$w-end.tsv" \
      "$(wc -c <"$dir/status-$n-$w.txt")" "$(wc -c <"$dir/all-$n-$w.txt")" >>"$results"
    say "  $n partitions, $w: $cpu_ms ms CPU per poll, RSS idle $((idle_lo / 1024))-$((idle_hi / 1024)) MiB, after answers $((after / 1024))-$((after_hi / 1024)) MiB (peak $((hwm / 1024))), status ${st_ms} ms, --all ${all_ms} ms, --under-replicated ${ur_ms} ms ($ur_rows rows)"
  done
  cleanup
done
"${STATS[@]}" scale "$SUMMARY" "$results"
cp "$results" "${BENCH_RESULTS:-$ROOT/build/bench-results}/scale-e2e.tsv" 2>/dev/null || true
