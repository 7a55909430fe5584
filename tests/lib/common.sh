# shellcheck shell=bash
#
# common.sh — what the project's test scripts share: time, waiting with a
# deadline, logging and failing, counted checks, tools. Source it first:
#
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"     # from tests/<x>/
#
# Time
#   now_ms                  the wall clock in milliseconds (no fork)
#   secs MS [DIGITS]        MS as seconds with DIGITS decimals (default 1)
#   since T0_MS [DIGITS]    secs of the time since T0_MS
#   nap SECONDS             sleep without a child process (a read that times
#                           out); a trap's on_signal waits for its end
# Waiting (the one polling loop, and what is built on it)
#   wait_until [--every S] [--abort-if 'CMD ARG...'] LIMIT_S WHAT CMD [ARG...]
#                           runs CMD (in this shell) every S seconds (default
#                           0.1) until it succeeds: 0. After LIMIT_S: 1. When
#                           the abort command succeeds first: 2 (its output
#                           says why). Sets WAITED_MS, and WAIT_ERROR unless 0.
#   await [options] LIMIT_S WHAT CMD...
#                           wait_until that says what it waits for and how
#                           long it took, and fails the test if it never came.
#                           AWAIT_ABORT_IF, if set, is its default --abort-if.
#   time_until LIMIT_S WHAT VAR CMD [VAR CMD]...
#                           polls every CMD (a function name) until each has
#                           succeeded once; VAR = now_ms of its first success
#   alive PID               PID runs (not exited, not a zombie)
#   exited PID...           none of them runs
#   reap PID LIMIT_S        waits until PID (a child) exits, SIGKILL after
#                           LIMIT_S (status 1); REAP_RC = its exit status,
#                           REAP_MS = when it was seen gone
#   terminate PID GRACE_S   SIGTERM, then reap with GRACE_S; TERMINATED_BY
#                           says SIGTERM or SIGKILL after the grace period
# Saying and failing
#   say MSG                 "[ 12.3s] MSG": a step, timed from LIB_T0 (the
#                           start of the first script that sourced this)
#   info MSG...             each MSG indented under the last say
#   show                    stdin indented (a command's output)
#   tail_of N FILE...       each FILE's last N lines, indented, under
#                           "--- FILE (last N lines)"
#   log MSG                 "PROG: MSG" on stderr: a tool's progress and errors
#   die MSG                 log, exit 1: a tool or the set-up failed
#   usage_error MSG         log, exit 2
#   fail MSG                "FAIL: MSG", the script's on_fail hook if it has
#                           one, exit 1: an assertion failed
#   skip MSG                "SKIP: MSG", exit 77 (ctest: SKIP_RETURN_CODE)
#   exit_traps FN           FN on EXIT; SIGINT/SIGTERM exit 130/143 (on_signal)
#   on_signal N             for a trap: exit 128+N, now or when the nap ends
# Checks that go on after a failure, counted
#   check WHAT CMD [ARG...] one assertion: "ok - WHAT" or "FAIL - WHAT"
#   ok WHAT; not_ok WHAT [DETAIL...]
#   begin_case NAME; end_case   a group of checks; end_case says PASS or FAIL
#                           and calls the script's on_case_fail hook
#   checks_done             "N passed, M failed"; status 1 if any failed
#   file_has FILE ERE; file_lacks FILE ERE; no_file PATH; eq A B; ne A B; le A B
# Tools and the agent's answers
#   need TOOL[:PACKAGE]...  die naming each missing tool and what installs it
#   free_port               a free TCP port on 127.0.0.1
#   python_with_yaml        prints a python3 that has PyYAML (status 1: none)
#   health_of ADDR SERVICE [RUNNER...]
#                           SERVING, NOT_SERVING, NOT_FOUND (the server does
#                           not know SERVICE) or ERROR, as the kubelet's gRPC
#                           probe sees it (RUNNER: e.g. pods_node_exec)
#   isr_view                stdin `kafka-agent status --json`; stdout the ISR
#                           of each partition, sorted ids: "0,1,2 0,1,2"

# shellcheck disable=SC2034  # the variables set here are for the caller
[[ -z ${_COMMON_SH:-} ]] || return 0
_COMMON_SH=1

LIB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ -f ${LIB_ROOT}/scripts/env.sh ]]; then
  # shellcheck source=scripts/env.sh
  . "${LIB_ROOT}/scripts/env.sh"
fi
# Sbin directories are not on every root PATH (ctest, sudo, cron).
case ":${PATH}:" in
  *:/usr/sbin:*) ;;
  *) PATH="${PATH}:/usr/sbin:/sbin" ;;
esac
LIB_PROG=${LIB_PROG:-$(basename "$0")}

# ---------------------------------------------------------------- time

now_ms() {
  local t=${EPOCHREALTIME/./}
  printf '%s\n' $((t / 1000))
}

secs() {
  local ms=$1 d=${2:-1} div
  ((d > 0)) || {
    printf '%d' $((ms / 1000))
    return
  }
  div=$((10 ** (3 - d)))
  printf "%d.%0${d}d" $((ms / 1000)) $(((ms % 1000) / div))
}

since() {
  secs $(($(now_ms) - $1)) "${2:-1}"
}

# _to_ms SECONDS: sets _MS to SECONDS (e.g. 1.25) in milliseconds (1250).
_to_ms() {
  local whole=${1%%.*} frac=0
  [[ $1 != *.* ]] || frac=${1#*.}
  frac=${frac}000
  _MS=$((10#${whole:-0} * 1000 + 10#${frac:0:3}))
}

if [[ -z ${LIB_T0:-} ]]; then
  LIB_T0=$(now_ms)
  export LIB_T0
fi

# A pipe that this shell holds open for reading and writing: a read on it
# times out and never sees an end of file, so `read -t` is a sleep without a
# child process (a killed script leaves no orphaned `sleep`).
exec {_NAP_FD}<> <(:)
_IN_NAP=0
_SIGNAL=0

# A trap must not `exit` while bash is inside `read -t`: its timer fires later
# into the exiting shell, and bash 5.2 crashes. So traps call on_signal, which
# leaves the exit to the end of the nap; naps are slices of at most 0.25 s.
nap() {
  local now end chunk t _MS
  _to_ms "$1"
  t=${EPOCHREALTIME/./}
  now=$((t / 1000))
  end=$((now + _MS))
  _IN_NAP=1
  while ((now < end && _SIGNAL == 0)); do
    chunk=$((end - now > 250 ? 250 : end - now))
    printf -v t '0.%03d' "${chunk}"
    read -r -t "${t}" -u "${_NAP_FD}" _ || true
    t=${EPOCHREALTIME/./}
    now=$((t / 1000))
  done
  _IN_NAP=0
  if ((_SIGNAL)); then exit $((128 + _SIGNAL)); fi
  return 0
}

on_signal() {
  case $1 in
    2) printf '\n'; say "interrupted" ;;
    15) say "terminated" ;;
  esac
  if ((_IN_NAP)); then
    _SIGNAL=$1
    return 0
  fi
  exit $((128 + $1))
}

exit_traps() {
  # shellcheck disable=SC2064  # the function's name, now
  trap "$1" EXIT
  trap 'on_signal 2' INT
  trap 'on_signal 15' TERM
}

# ---------------------------------------------------------------- waiting

wait_until() {
  local every=0.1 limit what t0 t why _MS
  local -a abort=()
  while [[ ${1:-} == --* ]]; do
    case $1 in
      --every) every=$2 ;;
      --abort-if) read -r -a abort <<<"$2" ;;
      *) die "wait_until: unknown option '$1'" ;;
    esac
    shift 2
  done
  limit=$1 what=$2
  shift 2
  _to_ms "${limit}"
  t=${EPOCHREALTIME/./}
  t0=$((t / 1000))
  WAIT_ERROR=''
  # (The clock is read inline: a poll every 10 ms should not fork.)
  until "$@"; do
    t=${EPOCHREALTIME/./}
    WAITED_MS=$((t / 1000 - t0))
    if ((${#abort[@]})) && why=$("${abort[@]}"); then
      WAIT_ERROR="gave up waiting for ${what}: ${why:-${abort[*]}}"
      return 2
    fi
    if ((WAITED_MS >= _MS)); then
      WAIT_ERROR="timed out after ${limit}s waiting for ${what}"
      return 1
    fi
    nap "${every}"
  done
  t=${EPOCHREALTIME/./}
  WAITED_MS=$((t / 1000 - t0))
}

await() {
  local -a opts=()
  [[ -z ${AWAIT_ABORT_IF:-} ]] || opts=(--abort-if "${AWAIT_ABORT_IF}")
  while [[ ${1:-} == --* ]]; do
    opts+=("$1" "$2")
    shift 2
  done
  say "waiting for $2 (at most $1s)"
  wait_until "${opts[@]}" "$@" || fail "${WAIT_ERROR}"
  say "  -> done after $(secs "${WAITED_MS}")s"
}

time_until() {
  local limit=$1 what=$2 i
  shift 2
  for ((i = 1; i < $#; i += 2)); do printf -v "${!i}" '%s' ''; done
  wait_until "${limit}" "${what}" _stamp_each "$@"
}

# _stamp_each VAR CMD [VAR CMD]...: stamps each VAR whose CMD succeeds now.
_stamp_each() {
  local _var _cmd _pending=0
  while (($#)); do
    _var=$1 _cmd=$2
    shift 2
    [[ -z ${!_var} ]] || continue
    if "${_cmd}"; then printf -v "${_var}" '%s' "$(now_ms)"; else _pending=1; fi
  done
  ((_pending == 0))
}

alive() {
  local st=''
  [[ -r /proc/$1/stat ]] || return 1
  read -r _ _ st _ <"/proc/$1/stat" 2>/dev/null || return 1
  [[ ${st} != Z && ${st} != X ]]
}

exited() {
  local pid
  for pid; do
    ! alive "${pid}" || return 1
  done
}

reap() {
  local pid=$1 killed=0
  if ! wait_until --every 0.01 "$2" "process ${pid} to exit" exited "${pid}"; then
    kill -KILL "${pid}" 2>/dev/null || true
    killed=1
    wait_until --every 0.01 10 "process ${pid} to die" exited "${pid}" || true
  fi
  REAP_MS=$(now_ms)
  REAP_RC=0
  wait "${pid}" 2>/dev/null || REAP_RC=$?
  return "${killed}"
}

terminate() {
  kill -TERM "$1" 2>/dev/null || true
  if reap "$1" "$2"; then
    TERMINATED_BY=SIGTERM
  else
    TERMINATED_BY="SIGKILL after the $2s grace period"
    return 1
  fi
}

# ---------------------------------------------------------------- saying and failing

say() {
  printf '[%6s] %s\n' "$(since "${LIB_T0}")s" "$*"
}

info() {
  printf '          %s\n' "$@"
}

show() {
  sed 's/^/            /'
}

tail_of() {
  local n=$1 f
  shift
  for f; do
    [[ -f ${f} ]] || continue
    printf -- '--- %s (last %d lines)\n' "${f}" "${n}"
    tail -n "${n}" "${f}" | sed 's/^/    /'
  done
}

log() {
  printf '%s: %s\n' "${LIB_PROG}" "$*" >&2 || true
}

die() {
  log "$@"
  exit 1
}

usage_error() {
  log "$@"
  log "run '$0 --help' for usage"
  exit 2
}

fail() {
  say "FAIL: $*"
  if declare -F on_fail >/dev/null; then on_fail "$*"; fi
  exit 1
}

skip() {
  printf 'SKIP: %s\n' "$*"
  exit 77
}

# ---------------------------------------------------------------- counted checks

CHECKS_PASSED=0
CHECKS_FAILED=()
CASES_FAILED=()
_CASE=''
_CASE_FAILS=0
_CHECK_INDENT=''

ok() {
  CHECKS_PASSED=$((CHECKS_PASSED + 1))
  printf '%sok - %s\n' "${_CHECK_INDENT}" "$1"
}

not_ok() {
  local d
  CHECKS_FAILED+=("$1")
  printf '%sFAIL - %s\n' "${_CHECK_INDENT}" "$1"
  shift
  for d; do
    # shellcheck disable=SC2001  # every line of a multi-line detail
    [[ -z ${d} ]] || sed "s/^/${_CHECK_INDENT}    /" <<<"${d}"
  done
}

check() {
  local what=$1
  shift
  if "$@"; then ok "${what}"; else not_ok "${what}"; fi
}

begin_case() {
  _CASE=$1
  _CASE_FAILS=${#CHECKS_FAILED[@]}
  _CHECK_INDENT='  '
  printf '\n=== %s\n' "$1"
}

end_case() {
  _CHECK_INDENT=''
  if ((${#CHECKS_FAILED[@]} == _CASE_FAILS)); then
    printf 'PASS: %s\n' "${_CASE}"
    return 0
  fi
  printf 'FAIL: %s\n' "${_CASE}"
  CASES_FAILED+=("${_CASE}")
  if declare -F on_case_fail >/dev/null; then on_case_fail "${_CASE}"; fi
}

checks_done() {
  local f
  printf '%d passed, %d failed\n' "${CHECKS_PASSED}" "${#CHECKS_FAILED[@]}"
  ((${#CHECKS_FAILED[@]})) || return 0
  for f in "${CHECKS_FAILED[@]}"; do printf 'FAILED: %s\n' "${f}"; done
  return 1
}

file_has() { grep -qE -- "$2" "$1" 2>/dev/null; }
file_lacks() { ! grep -qE -- "$2" "$1" 2>/dev/null; }
no_file() { [[ ! -e $1 ]]; }
eq() { (($1 == $2)); }
ne() { (($1 != $2)); }
le() { (($1 <= $2)); }

# ---------------------------------------------------------------- tools and the agent

need() {
  local t absent=()
  for t; do
    command -v "${t%%:*}" >/dev/null 2>&1 && continue
    if [[ ${t} == *:* ]]; then absent+=("${t%%:*} (${t#*:})"); else absent+=("${t}"); fi
  done
  ((${#absent[@]} == 0)) || die "not found: ${absent[*]}; run make deps"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

python_with_yaml() {
  local p
  for p in python3 /usr/bin/python3; do
    if command -v "${p}" >/dev/null && "${p}" -c 'import yaml' 2>/dev/null; then
      printf '%s\n' "${p}"
      return 0
    fi
  done
  return 1
}

health_of() {
  local addr=$1 service=$2 out
  shift 2
  if out=$("$@" grpc-health-probe -addr "${addr}" -service "${service}" \
    -connect-timeout 1s -rpc-timeout 1s 2>&1); then
    echo SERVING
  elif [[ ${out} == *NOT_SERVING* ]]; then
    echo NOT_SERVING
  elif [[ ${out} == *"code = NotFound"* ]]; then
    echo NOT_FOUND
  else
    echo ERROR
  fi
}

isr_view() {
  jq -r '[.partitions.partitions // [] | .[] | (.isr | sort | map(tostring) | join(","))] | join(" ")'
}
