#!/usr/bin/env bash
# hot-text: generates cmake/hot-text.ld again, the list of kafka-agent's code
# that runs, which the static link lays out first and together.
#
# Why: the kernel maps a file-backed page fault's 64 KiB neighbourhood (fault-
# around), and the code that runs is spread thinly over the binary's 10 MB of
# .text (Debian's archives are not built with per-function sections), so
# ~2.4 MiB of pages that run kept ~6.5 MiB of it resident. With that code
# together the idle agent's RSS is ~20% lower (bench/README.md).
#
# How: links a copy of build/kafka-agent with a map (the same link command),
# runs it under valgrind's callgrind (Debian package valgrind) the way it is
# used, and hands the profiles to scripts/hot_text.py:
#   render     the init container's derivation (as bench/render_vs_shell)
#   serve      polling bench/scale/fake_kafka (1,000 partitions) with the HTTP
#              side port on: gRPC health checks, /metrics, /healthz, /readyz,
#              a /prestop that times out, `status` and `check-restart`
#              answered, SIGTERM
#   status     the client side of `kafka-agent status`
# Run it after large changes (new code is laid out with the rest until then;
# names that no longer exist match nothing), from a configured static build:
#   scripts/hot-text.sh [BUILD_DIR]      (HOT_TEXT_KEEP=1 keeps its work directory)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/common.sh
. "${ROOT}/tests/lib/common.sh"

BUILD=${1:-${ROOT}/build}
FAKE=${BUILD}/bench/scale/fake_kafka
need valgrind nm ninja curl grpc-health-probe python3
[[ -x ${FAKE} ]] || die "no ${FAKE}: configure with KAFKA_AGENT_BUILD_BENCH=ON and build"
WORK=$(mktemp -d /tmp/hot-text.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "${p}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "${p}" 2>/dev/null || true; done
  [[ -n ${HOT_TEXT_KEEP:-} ]] || rm -rf -- "${WORK:?}"
}
exit_traps cleanup

# The link of kafka-agent, into WORK with a map.
link=$(cd "${BUILD}" && ninja -t commands kafka-agent | tail -n 1)
[[ ${link} == *" -o kafka-agent "* ]] || die "unexpected link command: ${link:0:200}..."
(cd "${BUILD}" && bash -c "${link/ -o kafka-agent / -o ${WORK}/kafka-agent -Wl,-Map=${WORK}/link.map }") >/dev/null
BIN=${WORK}/kafka-agent
say "linked ${BIN} with a map"

CALLGRIND=(valgrind --tool=callgrind --dump-instr=yes)
profile() { # NAME COMMAND...: COMMAND under callgrind, its profile WORK/NAME.cg
  local name=$1
  shift
  "${CALLGRIND[@]}" --callgrind-out-file="${WORK}/${name}.cg" "$@" >"${WORK}/${name}.log" 2>&1
}

cat >"${WORK}/base.properties" <<'EOF'
process.roles=broker,controller
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
log.dirs=/var/lib/kafka/data
num.partitions=3
EOF
profile render "${BIN}" render --pod-name kafka-1 --namespace kafka \
  --base-config "${WORK}/base.properties" || die "render failed: $(tail -3 "${WORK}/render.log")"
say "profiled render"

kport=$(free_port)
"${FAKE}" --port "${kport}" --partitions 1000 --per-topic 100 --brokers 3 --rf 3 \
  --under-replicated-every 50 >"${WORK}/fake.log" 2>&1 &
pids+=($!)
gport=$(free_port)
hport=$(free_port)
"${CALLGRIND[@]}" --callgrind-out-file="${WORK}/serve.cg" "${BIN}" serve --pod-name kafka-0 \
  --namespace hot --bootstrap "127.0.0.1:${kport}" --grpc-listen "127.0.0.1:${gport}" \
  --http-listen "127.0.0.1:${hport}" --poll-interval 1s >"${WORK}/serve.log" 2>&1 &
serve=$!
pids+=("${serve}")
serving() { [[ $(health_of "127.0.0.1:${gport}" kafka.broker) == SERVING ]]; }
wait_until --abort-if "exited ${serve}" 180 "serve under valgrind to answer" serving ||
  die "${WAIT_ERROR}: $(tail -5 "${WORK}/serve.log")"
for service in '' kafka.broker kafka.controller kafka.ready; do
  health_of "127.0.0.1:${gport}" "${service}" >/dev/null
done
for path in /metrics /healthz /readyz '/prestop?timeout=1s'; do
  curl -s -o /dev/null "http://127.0.0.1:${hport}${path}" || true
done
profile status "${BIN}" status --addr "127.0.0.1:${gport}" --timeout 60s ||
  die "status failed: $(tail -3 "${WORK}/status.log")"
"${BIN}" status --addr "127.0.0.1:${gport}" --under-replicated --timeout 60s >/dev/null
"${BIN}" check-restart --addr "127.0.0.1:${gport}" --timeout 60s >/dev/null || true
nap 5
kill -TERM "${serve}"
reap "${serve}" 60 || die "serve did not stop"
say "profiled serve and status"

python3 "${ROOT}/scripts/hot_text.py" "${WORK}/link.map" "${BIN}" \
  "${ROOT}/cmake/hot-text.ld" "${WORK}/serve.cg" "${WORK}/render.cg" "${WORK}/status.cg"
say "wrote cmake/hot-text.ld; rebuild (cmake --build) to use it"
