#!/usr/bin/env bash
# Builds a libFuzzer target with clang (a separate CMake build dir, option
# KAFKA_AGENT_FUZZ) and runs it for SECONDS over its committed seed corpus
# (tests/fuzz/corpus/<corpus>; new inputs go to a scratch dir). Exit 0: no
# crash; 1: a crash (the input is kept under BUILD_DIR/fuzz/artifacts); 77:
# skipped (clang or libFuzzer missing).
#
# Usage: run.sh [SOURCE_DIR] [BUILD_DIR] [SECONDS] [TARGET]
#   defaults: repo, build, 25, wire_decode_fuzzer. Targets and their corpora:
#   wire_decode_fuzzer (wire_decode), config_fuzzer (config),
#   snapshot_fuzzer (snapshot).
set -euo pipefail

src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${2:-$src/build}
seconds=${3:-25}
target=${4:-wire_decode_fuzzer}
fuzz_build=$build/fuzz
corpus=${target%_fuzzer}
seeds=$src/tests/fuzz/corpus/$corpus
[[ -d $seeds ]] || { echo "fuzz: no seed corpus $seeds" >&2; exit 2; }

cxx=${FUZZ_CXX:-clang++}
if ! command -v "$cxx" >/dev/null; then
  echo "fuzz: $cxx not found (apt-get install clang libclang-rt-14-dev); skipped"
  exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe/p.cc"
if ! "$cxx" -fsanitize=fuzzer "$probe/p.cc" -o "$probe/p" 2>"$probe/err"; then
  echo "fuzz: $cxx cannot link libFuzzer (apt-get install libclang-rt-14-dev); skipped"
  sed -n '1,5s/^/  /p' "$probe/err"
  exit 77
fi

t0=$(date +%s)
if [[ ! -f $fuzz_build/build.ninja ]]; then
  cmake -S "$src" -B "$fuzz_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER="$cxx" -DKAFKA_AGENT_FUZZ=ON -DKAFKA_AGENT_BUILD_TESTS=OFF >/dev/null
fi
if ! cmake --build "$fuzz_build" --target "$target" >"$probe/build.log" 2>&1; then
  echo "fuzz: building $target failed; the errors:"
  grep -E 'error|undefined reference' "$probe/build.log" | cut -c1-300 | tail -n 20
  exit 1
fi
echo "fuzz: built $fuzz_build/tests/fuzz/$target in $(($(date +%s) - t0))s"

# New inputs go to a scratch corpus; the committed seeds stay as they are.
work=$fuzz_build/corpus-$corpus
mkdir -p "$work" "$fuzz_build/artifacts"
log=$fuzz_build/last-run-$corpus.log
rc=0
ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=64} \
  "$fuzz_build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=1024 -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$fuzz_build/artifacts/" "$work" "$seeds" >"$log" 2>&1 || rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
echo "fuzz: $target: ${execs:-?} executions in ${seconds}s, corpus $(find "$work" -type f | wc -l) inputs (+$(find "$seeds" -type f | wc -l) seeds); log $log"
if ((rc != 0)); then
  echo "fuzz: FAILED (exit $rc); last lines of the log:"
  tail -n 40 "$log"
  exit 1
fi
