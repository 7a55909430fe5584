#!/usr/bin/env bash
# Checks that the runtime image's contents are enough to run kafka-agent,
# without a container engine: stages the root filesystem exactly as the
# Dockerfile does (container/stage-rootfs.sh) into a temporary directory and
# runs the binary from it under chroot, as the image's numeric user 65532,
# with nothing else from the host underneath.
#
#   tests/manifests/image_test.sh [AGENT_BINARY]    default: build/kafka-agent
#   tests/manifests/image_test.sh --kcat            stage /usr/bin/kcat instead and
#                                                   run `kcat -V` (checks the staging
#                                                   alone, before the agent is built)
#
# With the agent it checks:
#   - the staged tree holds only the binary, its libraries, the loader, the
#     CA bundle and /etc/{passwd,group,nsswitch.conf}: no shell, no tools;
#   - `--version`, `help`, `render` for kafka-1 (node.id=1, broker+controller,
#     the voters string) and kafka-4 (broker only), and exit 2 on a bad pod name;
#   - `init` as the manifests run it: env and args taken from the built
#     manifests/base (pod kafka-1), the base ConfigMap at KAFKA_BASE_CONFIG,
#     the shared emptyDir with the pod's fsGroup, DNS wait off (no cluster DNS
#     here); the file it writes must be readable by the Kafka container's uid;
#   - `serve` answers grpc.health.v1 for "" (grpc-health-probe, as the kubelet
#     does) and exits 0 on SIGTERM (IMAGE_TEST_SKIP_SERVE=1 skips this part).
# Needs root (chroot), and kustomize + python3 with PyYAML for the manifest
# part. Prints "N passed, M failed" last; exits 1 when anything failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
repo=$LIB_ROOT

IMAGE_UID=65532 IMAGE_GID=65532

[ "$(id -u)" = 0 ] || die "needs root (chroot, and switching to uid $IMAGE_UID)"
# Absolute: the commands below run under `env -i`, with no PATH.
chroot=$(command -v chroot) || die "chroot not found (coreutils)"
need setpriv:util-linux

mode=agent
binary=$repo/build/kafka-agent
case "${1:-}" in
  --kcat) mode=kcat; binary=$(command -v kcat) || die "kcat not found (apt-get install kcat)" ;;
  -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
  -*) die "unknown option $1" ;;
  "") ;;
  *) binary=$1 ;;
esac
[ -x "$binary" ] || die "$binary not found: build it first (make build), or pass its path"

work=$(mktemp -d)
serve_pid=
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
  if [ -n "$serve_pid" ]; then kill -KILL "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
exit_traps cleanup
root=$work/root
chmod 0755 "$work"

finish() {
  checks_done
  exit
}

name=$(basename "$binary")
[ "$mode" = kcat ] || name=kafka-agent
if "$repo/container/stage-rootfs.sh" --name "$name" "$binary" "$root" >"$work/stage.out" 2>&1; then
  ok "staged $(tail -n 1 "$work/stage.out" | sed 's/^stage-rootfs: //')"
else
  not_ok "container/stage-rootfs.sh $binary"
  sed 's/^/    /' "$work/stage.out"
  finish
fi

# Only what the runtime image is meant to hold.
extra=$(find "$root" \( -type f -o -type l \) -printf '/%P\n' | grep -Ev \
  "^/$name\$|^/lib(64|32|x32)?/|^/usr/lib(64)?/[^/]*(\\.so[.0-9]*|/)|^/etc/(passwd|group|nsswitch\\.conf|ssl/certs/ca-certificates\\.crt)\$|^/usr/lib/ssl/(cert\\.pem|certs)\$" || true)
if [ -z "$extra" ]; then ok "the staged root holds only the binary, libraries, loader, CA bundle and /etc basics"
else not_ok "unexpected files in the staged root:" "$extra"; fi
shells=$(find "$root" \( -name sh -o -name bash -o -name busybox -o -name dash \) -printf '/%P\n' | sed -n 1,3p)
if [ -z "$shells" ]; then ok "no shell in the staged root"; else not_ok "a shell in the staged root: $shells"; fi

# What the container runtime would mount: /etc/hosts and /etc/resolv.conf.
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n' >"$root/etc/hosts"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$root/etc/resolv.conf"

me="$IMAGE_UID:$IMAGE_GID"

if [ "$mode" = kcat ]; then
  if out=$(env -i "$chroot" --userspec="$me" "$root" /kcat -V 2>&1) && grep -q librdkafka <<<"$out"; then
    ok "kcat -V runs from the staged root as $me: $(grep -m1 -o 'librdkafka [0-9.]*' <<<"$out")"
  else
    not_ok "kcat -V in the staged root" "$out"
  fi
  finish
fi

# run_agent OUTFILE ARGS...: the agent in the staged root as the image user,
# with an empty environment; returns its exit code.
run_agent() {
  local outfile=$1
  shift
  local rc=0
  env -i "$chroot" --userspec="$me" "$root" /kafka-agent "$@" >"$outfile" 2>&1 || rc=$?
  return "$rc"
}

# prop FILE KEY: a key's value from a Java properties file, escapes undone.
prop() {
  local key=${2//./\\.}
  sed -n "s/^[[:space:]]*${key}[[:space:]]*[=:][[:space:]]*//p" "$1" | tail -n 1 | sed 's/\\\(.\)/\1/g'
}

if run_agent "$work/version.out" --version && grep -Eq 'kafka-agent [0-9]' "$work/version.out"; then
  ok "--version as $me: $(head -n 1 "$work/version.out")"
else
  not_ok "--version in the staged root" "$(cat "$work/version.out")"
fi
if run_agent "$work/help.out" help && grep -q 'kafka-agent init' "$work/help.out"; then
  ok "help"
else
  not_ok "help in the staged root" "$(head -n 5 "$work/help.out")"
fi

voters="0@kafka-0.kafka-headless.kafka.svc.cluster.local:29093,1@kafka-1.kafka-headless.kafka.svc.cluster.local:29093,2@kafka-2.kafka-headless.kafka.svc.cluster.local:29093"
if run_agent "$work/render1" render --pod-name kafka-1 --namespace kafka --headless-service kafka-headless \
  && [ "$(prop "$work/render1" node.id)" = 1 ] \
  && [ "$(prop "$work/render1" process.roles)" = broker,controller ] \
  && [ "$(prop "$work/render1" controller.quorum.voters)" = "$voters" ]; then
  ok "render kafka-1: node.id=1, process.roles=broker,controller, voters kafka-0..2"
else
  not_ok "render kafka-1" "$(cat "$work/render1")"
fi
if run_agent "$work/render4" render --pod-name kafka-4 --namespace kafka --headless-service kafka-headless --controllers 3 \
  && [ "$(prop "$work/render4" node.id)" = 4 ] && [ "$(prop "$work/render4" process.roles)" = broker ]; then
  ok "render kafka-4 with 3 controllers: node.id=4, broker only"
else
  not_ok "render kafka-4" "$(cat "$work/render4")"
fi
rc=0
run_agent "$work/bad" render --pod-name kafka-01 || rc=$?
if [ "$rc" = 2 ] && grep -q 'kafka-01' "$work/bad"; then
  ok "render --pod-name kafka-01 exits 2 naming the bad value"
else
  not_ok "render --pod-name kafka-01: exit $rc" "$(cat "$work/bad")"
fi

# --- init, as the manifests run it ----------------------------------------------
python=$(python_with_yaml) || true
if [ -z "$python" ] || ! command -v kustomize >/dev/null; then
  not_ok "init as in the manifests: needs kustomize (scripts/go-tools.sh) and python3 with PyYAML"
elif ! kustomize build "$repo/manifests/base" >"$work/base.yaml" 2>"$work/build.err"; then
  not_ok "kustomize build manifests/base" "$(cat "$work/build.err")"
else
  pod=kafka-1
  "$python" "$here/pod_env.py" "$work/base.yaml" kafka-agent-init --pod-name "$pod" --format json >"$work/init.json"
  "$python" "$here/pod_env.py" "$work/base.yaml" kafka --pod-name "$pod" --format json >"$work/kafka.json"
  mapfile -t init_env < <("$python" "$here/pod_env.py" "$work/base.yaml" kafka-agent-init --pod-name "$pod")
  mapfile -t init_args < <("$python" "$here/pod_env.py" "$work/base.yaml" kafka-agent-init --pod-name "$pod" --format args)
  jget() { "$python" -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: d = d[k]
print(d)' "$@"; }
  init_user="$(jget "$work/init.json" runAsUser):$(jget "$work/init.json" runAsGroup)"
  fs_group=$(jget "$work/init.json" fsGroup)
  kafka_user=$(jget "$work/kafka.json" runAsUser) kafka_group=$(jget "$work/kafka.json" runAsGroup)
  base_cfg=$(jget "$work/init.json" env KAFKA_BASE_CONFIG)
  output=$(jget "$work/init.json" env KAFKA_AGENT_OUTPUT)
  # The ConfigMap, where the manifest mounts it; the emptyDir as the kubelet
  # makes it with an fsGroup (mode 0777, group fsGroup, setgid).
  install -D -m 0444 /dev/null "$root$base_cfg"
  "$python" -c 'import sys,yaml
docs=[d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
cm=[d for d in docs if d.get("kind")=="ConfigMap" and d["metadata"]["name"].startswith("kafka-base-config")][0]
sys.stdout.write(cm["data"][sys.argv[2]])' "$work/base.yaml" "$(basename "$base_cfg")" >"$root$base_cfg"
  outdir=$root$(dirname "$output")
  mkdir -p "$outdir"
  chown "0:$fs_group" "$outdir"
  chmod 2777 "$outdir"
  rc=0
  env -i "${init_env[@]}" KAFKA_DNS_WAIT=none \
    "$chroot" --userspec="$init_user" --groups="$fs_group" "$root" /kafka-agent "${init_args[@]}" \
    >"$work/init.out" 2>&1 || rc=$?
  leftovers=$(find "$outdir" -mindepth 1 ! -name "$(basename "$output")")
  if [ "$rc" = 0 ] && [ -f "$root$output" ] && [ -z "$leftovers" ]; then
    ok "init (${init_args[*]}) with the manifest's env for $pod, as $init_user + group $fs_group: wrote $output, no temp file left"
  else
    not_ok "init with the manifest's env: exit $rc" "$(cat "$work/init.out") ${leftovers}"
  fi
  if [ -f "$root$output" ]; then
    # Read it as the Kafka container's user, not root.
    if setpriv --reuid="$kafka_user" --regid="$kafka_group" --clear-groups cat "$root$output" >"$work/rendered" 2>"$work/read.err"; then
      ok "the Kafka container's user ($kafka_user:$kafka_group) can read it ($(stat -c '%A %u:%g' "$root$output"))"
    else
      not_ok "the Kafka container's user ($kafka_user:$kafka_group) cannot read $output ($(stat -c '%A %u:%g' "$root$output"))" "$(cat "$work/read.err")"
    fi
    want_logdirs=$(prop "$root$base_cfg" log.dirs)
    if [ "$(prop "$work/rendered" node.id)" = 1 ] \
      && [ "$(prop "$work/rendered" controller.quorum.voters)" = "$voters" ] \
      && [ "$(prop "$work/rendered" log.dirs)" = "$want_logdirs" ] \
      && [ "$(prop "$work/rendered" min.insync.replicas)" = 2 ]; then
      ok "its content: derived keys for $pod over the base ConfigMap (log.dirs=$want_logdirs, min.insync.replicas=2)"
    else
      not_ok "content of the file init wrote" "$(cat "$work/rendered")"
    fi
  fi
fi

# --- serve: the kubelet's gRPC probe against the staged binary -------------------
probe=$(command -v grpc-health-probe || true)
if [ "${IMAGE_TEST_SKIP_SERVE:-0}" = 1 ]; then
  echo "skip - serve (IMAGE_TEST_SKIP_SERVE=1)"
elif [ -z "$probe" ]; then
  not_ok "serve: grpc-health-probe not found (scripts/go-tools.sh builds it)"
else
  port=$(free_port)
  http_port=$(free_port)
  env -i POD_NAME=kafka-0 POD_NAMESPACE=kafka KAFKA_HEADLESS_SERVICE=kafka-headless \
    KAFKA_AGENT_GRPC_LISTEN="127.0.0.1:$port" KAFKA_AGENT_BOOTSTRAP=127.0.0.1:1 \
    KAFKA_AGENT_HTTP_LISTEN="127.0.0.1:$http_port" \
    "$chroot" --userspec="$me" "$root" /kafka-agent serve >"$work/serve.out" 2>&1 &
  serve_pid=$!
  # shellcheck disable=SC2317  # called by wait_until
  serving() { [ "$(health_of "127.0.0.1:$port" "")" = SERVING ]; }
  if wait_until --every 0.2 --abort-if "exited $serve_pid" 10 "serve to answer" serving; then
    ok "serve: grpc-health-probe -addr 127.0.0.1:$port (service \"\") is SERVING"
  else
    not_ok "serve: never SERVING on 127.0.0.1:$port" "$(tail -n 20 "$work/serve.out")"
  fi
  # The HTTP side port (libmicrohttpd) from the staged libraries too.
  if command -v curl >/dev/null && alive "$serve_pid"; then
    if healthz=$(curl -sS -m 5 "http://127.0.0.1:$http_port/healthz" 2>&1) &&
      [ "$healthz" = "SERVING: agent is running" ]; then
      ok "serve: GET /healthz on the HTTP side port answers SERVING"
    else
      not_ok "serve: GET /healthz on 127.0.0.1:$http_port" "$healthz"
    fi
  fi
  if ! alive "$serve_pid"; then
    reap "$serve_pid" 0 || true
    not_ok "serve: exited on its own (exit $REAP_RC)" "$(tail -n 20 "$work/serve.out")"
  elif ! terminate "$serve_pid" 5; then
    not_ok "serve: still running 5 s after SIGTERM"
  elif [ "$REAP_RC" = 0 ]; then
    ok "serve: exits 0 on SIGTERM"
  else
    not_ok "serve: exit $REAP_RC on SIGTERM" "$(tail -n 20 "$work/serve.out")"
  fi
  serve_pid=
fi

finish
