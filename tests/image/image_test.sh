#!/usr/bin/env bash
# Checks the built container image, not the staging directory: builds it
# (container/build-image.sh with buildah, which skips the build when nothing
# changed), inspects the archive with skopeo, unpacks it with
# container/unpack-image.sh (skopeo + umoci) and runs the agent from the
# unpacked root as the image's user, on a read-only root, the way a container
# runtime would: a private mount namespace, the root bind-mounted read-only,
# the pod's volumes mounted where the manifests mount them, then chroot.
#
#   tests/image/image_test.sh [AGENT_BINARY]     default: build/kafka-agent
#
# IMAGE_TEST_OUT: where the image is built (default: the binary's directory,
# so build/kafka-agent-image.*, what `make image` makes).
#
# Checks:
#   - the image config: user 65532:65532, entrypoint ["/kafka-agent"], cmd,
#     SSL_CERT_FILE, OCI labels (version = the project's, revision = HEAD,
#     source, licenses, created = the config's created), linux/<this arch>,
#     one layer (at most 2);
#   - compressed size: printed, and below IMAGE_MAX_COMPRESSED_MIB (10 MiB:
#     7.8 MiB measured with the static binary, ~25% room; the dynamic binary's
#     ~60 shared libraries would not fit);
#   - its files: the binary, glibc (libc, libm, the loader) and no other
#     shared library, /etc/{passwd,group,nsswitch.conf}, the CA bundle, /tmp;
#     no shell, no package manager; owned by root; the binary needs nothing
#     beyond glibc (readelf);
#   - from the unpacked root, as the config's user, read-only root, empty
#     environment: `--version`; the default command (help); `render` for
#     kafka-1 and kafka-4, exit 2 on a bad pod name; `init` with the env, args,
#     user, fsGroup and volumes of manifests/base (pod kafka-1; DNS wait off),
#     the result readable by the Kafka container's user; `init --output` on the
#     read-only root fails with exit 2, "Read-only file system"; `serve` with the
#     sidecar's env answers grpc-health-probe and exits 0 on SIGTERM
#     (IMAGE_TEST_SKIP_SERVE=1 skips serve).
# Needs root (mount namespace, chroot), buildah, skopeo and umoci (exit 77,
# skipped, without them), kustomize and python3 with PyYAML for the manifest
# part. Prints "N passed, M failed" last; exits 1 when anything failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
repo=$LIB_ROOT

case "${1:-}" in
  -h | --help) sed -n '2,37p' "$0"; exit 0 ;;
  -*) usage_error "unknown option $1" ;;
esac
[ "$(id -u)" = 0 ] || skip "needs root (mount namespace, chroot)"
for tool in buildah skopeo umoci; do
  command -v "$tool" >/dev/null || skip "$tool not found (scripts/deps.sh installs it)"
done
need chroot:coreutils unshare:util-linux mount:mount setpriv:util-linux readelf:binutils jq:jq
chroot=$(command -v chroot) # absolute: it runs under `env -i`, with no PATH

binary=${1:-$repo/build/kafka-agent}
[ -x "$binary" ] || usage_error "$binary not found: build it first (make build), or pass its path"
out=${IMAGE_TEST_OUT:-$(cd "$(dirname "$binary")" && pwd)}
max_mib=${IMAGE_MAX_COMPRESSED_MIB:-10}

work=$(mktemp -d)
serve_pid=
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
  if [ -n "$serve_pid" ]; then kill -KILL "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
exit_traps cleanup
chmod 0755 "$work"

finish() {
  checks_done
  exit
}

# --- build ------------------------------------------------------------------------
if "$repo/container/build-image.sh" --engine buildah --binary "$binary" --out "$out" \
  >"$work/build.out" 2>&1; then
  ok "$(sed -n -E '/built|up to date/{s/^build-image: //;p;q}' "$work/build.out")"
else
  not_ok "container/build-image.sh --engine buildah --binary $binary --out $out" "$(cat "$work/build.out")"
  finish
fi
archive=$out/kafka-agent-image.oci.tar
docker_archive=$out/kafka-agent-image.docker.tar

# --- inspect ------------------------------------------------------------------------
skopeo inspect --config "oci-archive:$archive" >"$work/config.json"
skopeo inspect --raw "oci-archive:$archive" >"$work/manifest.json"
skopeo inspect --config "docker-archive:$docker_archive" >"$work/docker-config.json"
version=$(sed -n '/^project([^)]*VERSION [0-9]/{s/^project([^)]*VERSION \([0-9][0-9.]*\).*/\1/p;q}' "$repo/CMakeLists.txt")
user=$(jq -r '.config.User // ""' "$work/config.json")
entrypoint=$(jq -c '.config.Entrypoint' "$work/config.json")
cmd=$(jq -c '.config.Cmd' "$work/config.json")
if [ "$user" = 65532:65532 ]; then ok "user $user"; else not_ok "user is '$user', not 65532:65532"; fi
if [ "$entrypoint" = '["/kafka-agent"]' ] && [ "$cmd" = '["help"]' ]; then
  ok "entrypoint $entrypoint, cmd $cmd"
else
  not_ok "entrypoint $entrypoint, cmd $cmd"
fi
if grep -qx 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' <(jq -r '.config.Env[]?' "$work/config.json"); then
  ok "env SSL_CERT_FILE (the CA bundle for TLS to Kafka)"
else
  not_ok "no SSL_CERT_FILE in the image's env: $(jq -c '.config.Env' "$work/config.json")"
fi
label() { jq -r --arg k "org.opencontainers.image.$1" '.config.Labels[$k] // ""' "$work/config.json"; }
head_rev=$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)
created=$(jq -r '.created // ""' "$work/config.json")
bad_labels=()
[ "$(label version)" = "$version" ] || bad_labels+=("version='$(label version)' (want $version)")
[ "$(label revision)" = "$head_rev" ] || bad_labels+=("revision='$(label revision)' (want HEAD $head_rev)")
[ -n "$(label source)" ] || bad_labels+=("no source")
[ -n "$(label licenses)" ] || bad_labels+=("no licenses")
[ "$(label created)" = "$created" ] && [[ "$created" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]] ||
  bad_labels+=("created='$(label created)', config created '$created'")
[ "$(label title)" = kafka-agent ] || bad_labels+=("title='$(label title)'")
if ((${#bad_labels[@]} == 0)); then
  ok "OCI labels: version $version, revision ${head_rev:0:12}, source $(label source), licenses $(label licenses), created $created"
else
  not_ok "OCI labels: ${bad_labels[*]}"
fi
case "$(uname -m)" in x86_64) want_arch=amd64 ;; aarch64) want_arch=arm64 ;; *) want_arch=$(dpkg --print-architecture) ;; esac
arch=$(jq -r '.architecture' "$work/config.json") os=$(jq -r '.os' "$work/config.json")
if [ "$arch/$os" = "$want_arch/linux" ]; then ok "platform $os/$arch"; else not_ok "platform $os/$arch, want linux/$want_arch"; fi
layers=$(jq '.layers | length' "$work/manifest.json")
compressed=$(jq '[.layers[].size] | add' "$work/manifest.json")
if ((layers >= 1 && layers <= 2)); then ok "$layers layer(s)"; else not_ok "$layers layers (want 1, at most 2)"; fi
mib=$(awk -v b="$compressed" 'BEGIN { printf "%.1f", b / 1048576 }')
if ((compressed < max_mib * 1048576)); then
  ok "compressed size $mib MiB ($compressed bytes) < $max_mib MiB"
else
  not_ok "compressed size $mib MiB ($compressed bytes) >= $max_mib MiB"
fi
if [ "$(jq -r '.config.User' "$work/docker-config.json")" = "$user" ] &&
  [ "$(jq -c '.config.Entrypoint' "$work/docker-config.json")" = "$entrypoint" ]; then
  ok "the docker-archive holds the same image config"
else
  not_ok "the docker-archive's config differs from the OCI archive's"
fi

# --- unpack -------------------------------------------------------------------------
root=$work/root
if "$repo/container/unpack-image.sh" "$archive" "$root" >"$work/unpack.out" 2>&1; then
  ok "$(sed 's/^unpack-image: //' "$work/unpack.out")"
else
  not_ok "container/unpack-image.sh $archive" "$(cat "$work/unpack.out")"
  finish
fi

# Only what the image is meant to hold.
extra=$(find "$root" \( -type f -o -type l \) -printf '/%P\n' | grep -Ev \
  '^/kafka-agent$|^/lib(64)?/(x86_64-linux-gnu/|aarch64-linux-gnu/)?(libc\.so\.6|libm\.so\.6|ld-linux[-a-z0-9_.]*\.so\.[0-9]+)$|^/etc/(passwd|group|nsswitch\.conf|ssl/certs/ca-certificates\.crt)$|^/usr/lib/ssl/(cert\.pem|certs)$' || true)
if [ -z "$extra" ]; then
  ok "files: /kafka-agent, glibc (libc, libm, loader) and no other library, /etc basics, CA bundle"
else
  not_ok "unexpected files in the image:" "$extra"
fi
tools=$(find "$root" \( -name sh -o -name bash -o -name dash -o -name busybox -o -name apt -o -name apt-get \
  -o -name dpkg -o -name apk -o -name rpm -o -name microdnf -o -name yum \) -printf '/%P\n' | sed -n 1,5p)
if [ -z "$tools" ]; then ok "no shell, no package manager"; else not_ok "found in the image: $tools"; fi
not_root=$(find "$root" ! -user 0 -printf '/%P\n' | sed -n 1,3p)
writable=$(find "$root" -perm -o+w ! -type l ! -path "$root/tmp" -printf '/%P\n' | sed -n 1,3p)
if [ -z "$not_root" ] && [ -z "$writable" ]; then
  ok "every file owned by root; none writable by others but /tmp"
else
  not_ok "owners/modes: not root-owned: $not_root; world-writable: $writable"
fi
needed=$(readelf -d "$root/kafka-agent" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
if ! grep -Eqv '^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux[-a-z0-9_.]*\.so\.[0-9]+)$' <(tr ' ' '\n' <<<"$needed" | sed '/^$/d'); then
  ok "/kafka-agent needs only glibc: $needed"
else
  not_ok "/kafka-agent needs more than glibc: $needed"
fi

# --- run from the unpacked root ---------------------------------------------------------
# What the container runtime provides: /etc/hosts and /etc/resolv.conf mounted
# over files it creates, and the volumes' mount points. Made in the unpacked
# copy before it is mounted read-only, as a runtime does in its own rootfs.
mkdir -p "$work/runtime"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n' >"$work/runtime/hosts"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$work/runtime/resolv.conf"
: >"$root/etc/hosts"
: >"$root/etc/resolv.conf"

# The runner, in a private mount namespace: bind the root onto itself, mount
# the volumes (SRC:DST:ro|rw), make the root read-only, and exec the
# entrypoint under chroot as USER with only the given environment.
cat >"$work/in-image.sh" <<'EOF'
set -euo pipefail
root=$1 user=$2 groups=$3 chroot=$4 entry=$5
shift 5
mounts=()
while [ "$1" != --env ]; do mounts+=("$1"); shift; done
shift
envs=()
while [ "$1" != -- ]; do envs+=("$1"); shift; done
shift
mount --make-rprivate /
mount --bind "$root" "$root"
for m in "${mounts[@]}"; do
  IFS=: read -r src dst mode <<<"$m"
  mount --bind "$src" "$root$dst"
  if [ "$mode" = ro ]; then mount -o remount,bind,ro "$root$dst"; fi
done
mount -o remount,bind,ro "$root"
gflag=()
[ -z "$groups" ] || gflag=(--groups="$groups")
exec env -i "${envs[@]}" "$chroot" --userspec="$user" "${gflag[@]}" "$root" "$entry" "$@"
EOF
entry=$(jq -r '.config.Entrypoint[0]' "$work/config.json")
runtime_mounts=("$work/runtime/hosts:/etc/hosts:ro" "$work/runtime/resolv.conf:/etc/resolv.conf:ro")

# image_cmd_for [--user U:G] [--groups G] [--mount SRC:DST:MODE]... [--env K=V]... -- ARGS...
# sets image_cmd to the command that runs the entrypoint with ARGS.
image_cmd=()
image_cmd_for() {
  local u=$user g="" mounts=("${runtime_mounts[@]}") envs=()
  while (($#)); do
    case "$1" in
      --user) u=$2; shift 2 ;;
      --groups) g=$2; shift 2 ;;
      --mount) mounts+=("$2"); shift 2 ;;
      --env) envs+=("$2"); shift 2 ;;
      --) shift; break ;;
      *) break ;;
    esac
  done
  image_cmd=(unshare --mount /bin/bash "$work/in-image.sh" "$root" "$u" "$g" "$chroot" "$entry"
    "${mounts[@]}" --env "${envs[@]}" -- "$@")
}
# in_image (same arguments): runs it in the foreground; the caller redirects.
in_image() {
  image_cmd_for "$@"
  "${image_cmd[@]}"
}
# run_agent OUTFILE ARGS...: as the image user, no env; returns the exit code.
run_agent() {
  local outfile=$1 rc=0
  shift
  in_image -- "$@" >"$outfile" 2>&1 || rc=$?
  return "$rc"
}
# prop FILE KEY: a key's value from a Java properties file, escapes undone.
prop() {
  local key=${2//./\\.}
  sed -n "s/^[[:space:]]*${key}[[:space:]]*[=:][[:space:]]*//p" "$1" | tail -n 1 | sed 's/\\\(.\)/\1/g'
}

if run_agent "$work/version.out" --version && grep -Eq "^kafka-agent $version" "$work/version.out"; then
  ok "--version as $user on a read-only root: $(head -n 1 "$work/version.out")"
else
  not_ok "--version from the image" "$(cat "$work/version.out")"
fi
mapfile -t default_cmd < <(jq -r '.config.Cmd[]?' "$work/config.json")
if run_agent "$work/help.out" "${default_cmd[@]}" && grep -q 'kafka-agent init' "$work/help.out"; then
  ok "the default command (${default_cmd[*]}) prints the usage"
else
  not_ok "the default command (${default_cmd[*]})" "$(head -n 5 "$work/help.out")"
fi

voters="0@kafka-0.kafka-headless.kafka.svc.cluster.local:29093,1@kafka-1.kafka-headless.kafka.svc.cluster.local:29093,2@kafka-2.kafka-headless.kafka.svc.cluster.local:29093"
if run_agent "$work/render1" render --pod-name kafka-1 --namespace kafka --headless-service kafka-headless &&
  [ "$(prop "$work/render1" node.id)" = 1 ] &&
  [ "$(prop "$work/render1" process.roles)" = broker,controller ] &&
  [ "$(prop "$work/render1" controller.quorum.voters)" = "$voters" ]; then
  ok "render kafka-1: node.id=1, process.roles=broker,controller, voters kafka-0..2"
else
  not_ok "render kafka-1" "$(cat "$work/render1")"
fi
if run_agent "$work/render4" render --pod-name kafka-4 --namespace kafka --headless-service kafka-headless --controllers 3 &&
  [ "$(prop "$work/render4" node.id)" = 4 ] && [ "$(prop "$work/render4" process.roles)" = broker ]; then
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
rc=0
run_agent "$work/ro" init --pod-name kafka-1 --dns-wait none --output /etc/server.properties || rc=$?
if [ "$rc" = 2 ] && grep -q '/etc' "$work/ro" && grep -q 'Read-only file system' "$work/ro" &&
  [ ! -e "$root/etc/server.properties" ]; then
  ok "init --output /etc/server.properties: exit 2, \"Read-only file system\" (the root is read-only)"
else
  not_ok "init --output on the read-only root: exit $rc" "$(cat "$work/ro")"
fi

# --- init, as the manifests run it ----------------------------------------------
python=$(python_with_yaml) || true
pod_env=$repo/tests/manifests/pod_env.py
if [ -z "$python" ] || ! command -v kustomize >/dev/null; then
  not_ok "init as in the manifests: needs kustomize (scripts/go-tools.sh) and python3 with PyYAML"
elif ! kustomize build "$repo/manifests/base" >"$work/base.yaml" 2>"$work/build.err"; then
  not_ok "kustomize build manifests/base" "$(cat "$work/build.err")"
else
  pod=kafka-1
  "$python" "$pod_env" "$work/base.yaml" kafka-agent-init --pod-name "$pod" --format json >"$work/init.json"
  "$python" "$pod_env" "$work/base.yaml" kafka --pod-name "$pod" --format json >"$work/kafka.json"
  "$python" "$pod_env" "$work/base.yaml" kafka-agent --pod-name "$pod" --format json >"$work/sidecar.json"
  mapfile -t init_env < <(jq -r '.env | to_entries[] | "\(.key)=\(.value)"' "$work/init.json")
  mapfile -t init_args < <(jq -r '.args[]' "$work/init.json")
  init_user=$(jq -r '"\(.runAsUser):\(.runAsGroup)"' "$work/init.json")
  fs_group=$(jq -r '.fsGroup' "$work/init.json")
  kafka_user=$(jq -r '.runAsUser' "$work/kafka.json") kafka_group=$(jq -r '.runAsGroup' "$work/kafka.json")
  base_cfg=$(jq -r '.env.KAFKA_BASE_CONFIG' "$work/init.json")
  output=$(jq -r '.env.KAFKA_AGENT_OUTPUT' "$work/init.json")
  # The volumes, where the manifest mounts them: the ConfigMap (read-only) and
  # the emptyDir as the kubelet makes it with an fsGroup (0777, setgid, group
  # fsGroup).
  mounts=()
  while IFS=$'\t' read -r path source ro; do
    mkdir -p "$root$path" "$work/vol$path"
    case "$source" in
      configMap)
        "$python" -c 'import sys,yaml
docs=[d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
cm=[d for d in docs if d.get("kind")=="ConfigMap" and d["metadata"]["name"].startswith("kafka-base-config")][0]
for k, v in cm["data"].items(): open(sys.argv[2] + "/" + k, "w").write(v)' "$work/base.yaml" "$work/vol$path"
        chmod -R a+rX "$work/vol$path"
        ;;
      emptyDir)
        chown "0:$fs_group" "$work/vol$path"
        chmod 2777 "$work/vol$path"
        ;;
    esac
    mounts+=(--mount "$work/vol$path:$path:$ro")
  done < <(jq -r '.volumeMounts | to_entries[] | [.key, .value.source[0], (if .value.readOnly then "ro" else "rw" end)] | @tsv' "$work/init.json")
  envs=()
  for e in "${init_env[@]}"; do
    case "$e" in KAFKA_DNS_WAIT=*) envs+=(--env KAFKA_DNS_WAIT=none) ;; *) envs+=(--env "$e") ;; esac
  done
  rc=0
  in_image --user "$init_user" --groups "$fs_group" "${mounts[@]}" "${envs[@]}" -- "${init_args[@]}" \
    >"$work/init.out" 2>&1 || rc=$?
  written=$work/vol$output
  leftovers=$(find "$(dirname "$written")" -mindepth 1 ! -name "$(basename "$output")")
  if [ "$rc" = 0 ] && [ -f "$written" ] && [ -z "$leftovers" ]; then
    ok "init (${init_args[*]}) with the manifest's env and volumes for $pod, as $init_user + group $fs_group: wrote $output, no temp file left"
  else
    not_ok "init with the manifest's env: exit $rc" "$(cat "$work/init.out") ${leftovers}"
  fi
  if [ -f "$written" ]; then
    if setpriv --reuid="$kafka_user" --regid="$kafka_group" --clear-groups cat "$written" >"$work/rendered" 2>"$work/read.err"; then
      ok "the Kafka container's user ($kafka_user:$kafka_group) can read it ($(stat -c '%A %u:%g' "$written"))"
    else
      not_ok "the Kafka container's user ($kafka_user:$kafka_group) cannot read $output ($(stat -c '%A %u:%g' "$written"))" "$(cat "$work/read.err")"
    fi
    want_logdirs=$(prop "$work/vol$base_cfg" log.dirs)
    if [ "$(prop "$work/rendered" node.id)" = 1 ] &&
      [ "$(prop "$work/rendered" controller.quorum.voters)" = "$voters" ] &&
      [ "$(prop "$work/rendered" log.dirs)" = "$want_logdirs" ] &&
      [ "$(prop "$work/rendered" min.insync.replicas)" = 2 ]; then
      ok "its content: derived keys for $pod over the base ConfigMap (log.dirs=$want_logdirs, min.insync.replicas=2)"
    else
      not_ok "content of the file init wrote" "$(cat "$work/rendered")"
    fi
  fi
fi

# --- serve: the kubelet's gRPC probe against the image ----------------------------
probe=$(command -v grpc-health-probe || true)
if [ "${IMAGE_TEST_SKIP_SERVE:-0}" = 1 ]; then
  echo "skip - serve (IMAGE_TEST_SKIP_SERVE=1)"
elif [ -z "$probe" ]; then
  not_ok "serve: grpc-health-probe not found (scripts/go-tools.sh builds it)"
else
  port=$(free_port)
  envs=()
  if [ -f "$work/sidecar.json" ]; then
    while IFS= read -r e; do
      case "$e" in KAFKA_AGENT_GRPC_LISTEN=* | KAFKA_AGENT_HTTP_LISTEN=* | KAFKA_AGENT_BOOTSTRAP=*) ;; *) envs+=(--env "$e") ;; esac
    done < <(jq -r '.env | to_entries[] | "\(.key)=\(.value)"' "$work/sidecar.json")
  else
    envs=(--env POD_NAME=kafka-0 --env POD_NAMESPACE=kafka --env KAFKA_HEADLESS_SERVICE=kafka-headless)
  fi
  http_port=$(free_port)
  envs+=(--env "KAFKA_AGENT_GRPC_LISTEN=127.0.0.1:$port" --env KAFKA_AGENT_BOOTSTRAP=127.0.0.1:1)
  envs+=(--env "KAFKA_AGENT_HTTP_LISTEN=127.0.0.1:$http_port")
  # unshare, the runner, env and chroot exec into the agent: $! is its pid.
  image_cmd_for "${envs[@]}" -- serve
  "${image_cmd[@]}" >"$work/serve.out" 2>&1 &
  serve_pid=$!
  serving=
  for _ in $(seq 1 50); do
    if "$probe" -addr "127.0.0.1:$port" -connect-timeout 200ms -rpc-timeout 500ms >/dev/null 2>&1; then
      serving=1
      break
    fi
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ -n "$serving" ]; then
    ok "serve (the sidecar's env): grpc-health-probe -addr 127.0.0.1:$port (service \"\") is SERVING"
  else
    not_ok "serve: never SERVING on 127.0.0.1:$port" "$(tail -n 20 "$work/serve.out")"
  fi
  # The HTTP side port (the static libmicrohttpd) from the image too.
  if command -v curl >/dev/null && kill -0 "$serve_pid" 2>/dev/null; then
    if healthz=$(curl -sS -m 5 "http://127.0.0.1:$http_port/healthz" 2>&1) &&
      [ "$healthz" = "SERVING: agent is running" ]; then
      ok "serve: GET /healthz on the HTTP side port 127.0.0.1:$http_port answers SERVING"
    else
      not_ok "serve: GET /healthz on 127.0.0.1:$http_port" "$healthz"
    fi
  fi
  if kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid"
    for _ in $(seq 1 50); do
      kill -0 "$serve_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$serve_pid" 2>/dev/null; then
      not_ok "serve: still running 5 s after SIGTERM"
    else
      rc=0
      wait "$serve_pid" || rc=$?
      serve_pid=
      if [ "$rc" = 0 ]; then ok "serve: exits 0 on SIGTERM"; else not_ok "serve: exit $rc on SIGTERM" "$(tail -n 20 "$work/serve.out")"; fi
    fi
  else
    rc=0
    wait "$serve_pid" || rc=$?
    serve_pid=
    not_ok "serve: exited on its own (exit $rc)" "$(tail -n 20 "$work/serve.out")"
  fi
fi

finish
