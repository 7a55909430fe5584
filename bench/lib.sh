# Shared by the benchmark scripts; source it. Brings tests/lib/common.sh (say,
# die, need, free_port, now_ms, secs, ...) and sets:
#   ROOT      the repository
#   AGENT     a copy of the agent binary (KAFKA_AGENT_BIN, default build/kafka-agent)
#   PY        Debian's python3, which has python3-grpcio (BENCH_PYTHON)
#   WORK      scratch directory of this run (BENCH_WORK, else a new temp dir)
#   SUMMARY   the summary table's rows, one TSV line per ratio (BENCH_SUMMARY)
# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lib/common.sh"
ROOT=$LIB_ROOT
AGENT=${KAFKA_AGENT_BIN:-$ROOT/build/kafka-agent}
PY=${BENCH_PYTHON:-/usr/bin/python3}
STATS=("$PY" "$ROOT/bench/stats.py")

if [ -z "${BENCH_WORK:-}" ]; then
  BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/kafka-agent-bench.XXXXXX")
  BENCH_OWN_WORK=1
fi
WORK=$BENCH_WORK
SUMMARY=${BENCH_SUMMARY:-$WORK/summary.tsv}

# Benchmark a private copy of the binary: others may relink build/ meanwhile.
if [ -n "${BENCH_AGENT_COPY:-}" ]; then
  AGENT=$BENCH_AGENT_COPY
elif [ -x "$AGENT" ]; then
  mkdir -p "$WORK/bin"
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    cp "$AGENT" "$WORK/bin/kafka-agent" 2>/dev/null &&
      "$WORK/bin/kafka-agent" --version >/dev/null 2>&1 && break
    nap 3 # being relinked
  done
  AGENT=$WORK/bin/kafka-agent
  BENCH_AGENT_COPY=$AGENT
  export BENCH_AGENT_COPY
fi

# CPU time (user + system, in clock ticks, all threads) a process has used.
cpu_ticks() {
  local rest
  rest=$(sed 's/^.*) //' "/proc/$1/stat")
  # After "pid (comm) ", utime and stime are the 12th and 13th fields.
  # shellcheck disable=SC2086
  set -- $rest
  echo $((${12} + ${13}))
}

# hyperfine_rounds PREFIX ROUNDS HYPERFINE_COMMAND... -- NAME CMD [NAME CMD]...:
# ROUNDS runs of HYPERFINE_COMMAND (e.g. `hyperfine -N --runs 40`) over the
# commands, their order rotating every round so that each shares the
# machine's noise with the others; FILES = the JSON files (PREFIX-ROUND.json).
hyperfine_rounds() {
  local prefix=$1 rounds=$2 r k n
  local -a runner=() names=() cmds=() args=()
  shift 2
  while [[ $1 != -- ]]; do runner+=("$1"); shift; done
  shift
  while (($#)); do names+=("$1") cmds+=("$2"); shift 2; done
  FILES=()
  for ((r = 0; r < rounds; r++)); do
    args=()
    for ((k = 0; k < ${#names[@]}; k++)); do
      n=$(((k + r) % ${#names[@]}))
      args+=(-n "${names[n]}" "${cmds[n]}")
    done
    "${runner[@]}" --export-json "$prefix-$r.json" "${args[@]}" >/dev/null 2>"$prefix.err" ||
      die "hyperfine failed: $(cat "$prefix.err")"
    FILES+=("$prefix-$r.json")
  done
}

cleanup_work() {
  if [ -n "${BENCH_OWN_WORK:-}" ] && [ -z "${BENCH_KEEP:-}" ]; then
    rm -rf "$WORK"
  fi
}
