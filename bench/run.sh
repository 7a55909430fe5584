#!/usr/bin/env bash
# Runs every benchmark and prints one table of ratios, agent (A) against a peer
# (B) measured in the same run. Benchmarks measure, they do not judge: the exit
# status is 0 whatever the ratios are, and non-zero only when a benchmark could
# not run at all (a missing tool or binary, a server that did not start).
#
#   bench/run.sh                      everything, about 7 minutes
#   bench/run.sh render_vs_shell      one benchmark (or: health_probe, quorum_status, metrics_scrape)
#   bench/run.sh scale real_cluster   not in the default set (~10 and ~5 minutes)
#
# The full output and the table's rows (TSV) are kept in BENCH_RESULTS
# (default build/bench-results/). Knobs, all optional: see bench/README.md.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
trap cleanup_work EXIT
export BENCH_WORK BENCH_SUMMARY=$SUMMARY
: >"$SUMMARY"

RESULTS=${BENCH_RESULTS:-$ROOT/build/bench-results}
mkdir -p "$RESULTS"
LOG=$RESULTS/run.log

benches=("$@")
((${#benches[@]})) || benches=(render_vs_shell health_probe quorum_status metrics_scrape)

header() {
  local cpu
  cpu=$(sed -n '/^model name/{s/^model name[[:space:]]*: //p;q}' /proc/cpuinfo)
  say "kafka-agent benchmarks, $(date -u +%FT%TZ)"
  say "machine: $(nproc) cores ($cpu), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
  say "agent: $("$AGENT" --version 2>/dev/null || echo "missing: $AGENT") at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  say "Every result is a ratio A/B of runs interleaved in the same run;"
  say "absolute numbers are context only (the machine may be shared)."
}

failed=()
{
  header
  start=$(now_ms)
  for b in "${benches[@]}"; do
    echo
    if [ ! -x "$ROOT/bench/$b.sh" ]; then
      say "$b: no such benchmark"
      failed+=("$b")
      continue
    fi
    "$ROOT/bench/$b.sh" || failed+=("$b")
  done
  echo
  say "summary (A = kafka-agent; A/B < 1 is better for A where 'better' is lower, > 1 where higher)"
  "${STATS[@]}" table "$SUMMARY"
  say "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $(since "$start" 0) s"
  if ((${#failed[@]})); then
    say "could not run: ${failed[*]}"
  fi
  if ((${#failed[@]})); then echo "${failed[*]}" >"$WORK/failed"; fi
} 2>&1 | tee "$LOG"

cp "$SUMMARY" "$RESULTS/summary.tsv"
say "(full output: $LOG; rows: $RESULTS/summary.tsv)"
[ ! -s "$WORK/failed" ]
