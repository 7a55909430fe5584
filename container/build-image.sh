#!/usr/bin/env bash
# Builds the kafka-agent image (`make image` calls this): a FROM-scratch image
# with the binary and exactly the files container/stage-rootfs.sh stages, user
# 65532:65532, entrypoint /kafka-agent, no shell, no package manager.
#
#   container/build-image.sh [--engine auto|buildah|docker|podman]
#                            [--binary FILE] [--out DIR] [-t NAME:TAG] [--force]
#
# Outputs, in --out (default build/):
#   kafka-agent-image.oci.tar     OCI archive     (skopeo, podman load, ctr import)
#   kafka-agent-image.docker.tar  docker-archive  (docker load, podman load)
#   kafka-agent-image.inputs      what the last build was made from, and its digest
# Both archives hold the image tagged NAME:TAG (default kafka-agent:<project
# version>, what manifests/base runs).
#
# Engines (--engine, or $CONTAINER_ENGINE; default auto):
#   docker, podman  container/Dockerfile: the engine builds the binary from
#                   source in a Debian 12 builder stage and stages the root with
#                   the same stage-rootfs.sh; auto picks one when `docker info` /
#                   `podman info` works.
#   buildah         no engine needed, nothing runs inside a container: strips
#                   --binary (default build/kafka-agent, so build first), stages
#                   it, and assembles the image from the staged root with buildah
#                   (`from scratch`, `copy`, `config`, `commit`) in a throw-away
#                   vfs storage under --out. auto falls back to this.
#
# Reproducible (buildah): the same binary and scripts give the same image digest
# and byte-identical archives. Every timestamp is SOURCE_DATE_EPOCH (default:
# the commit time of HEAD), owners are 0:0, the archives are re-packed sorted
# with fixed mtimes. When the inputs (the staged root, the labels and config,
# these scripts, buildah's version) equal the last build's and both archives
# exist, nothing is rebuilt (--force rebuilds).
#
# Labels: org.opencontainers.image.{title,description,version,revision,source,
# licenses,created}. The repository has no remote and no LICENSE file yet:
# source and licenses are NOASSERTION unless IMAGE_SOURCE / IMAGE_LICENSES
# (an SPDX expression) say otherwise (source defaults to `git remote get-url
# origin` when there is one).
#
# Exit codes: 0 built or up to date; 1 the build failed; 2 bad usage; 3 cannot
# build here (no engine and no buildah, or buildah without root).
set -euo pipefail
umask 022
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() {
  sed -n '6,7p' "$0" | sed 's/^# *//' >&2
  exit 2
}
say() { echo "build-image: $*"; }
die() {
  echo "build-image: $*" >&2
  exit 1
}

engine=${CONTAINER_ENGINE:-auto}
binary=$repo/build/kafka-agent
out=$repo/build
tag=
force=
while (($#)); do
  case "$1" in
    --engine) [ $# -ge 2 ] || usage; engine=$2; shift 2 ;;
    --binary) [ $# -ge 2 ] || usage; binary=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    -t | --tag) [ $# -ge 2 ] || usage; tag=$2; shift 2 ;;
    --force) force=1; shift ;;
    -h | --help) sed -n '2,41p' "$0"; exit 0 ;;
    *) echo "build-image: unknown argument '$1'" >&2; usage ;;
  esac
done
case "$engine" in auto | buildah | docker | podman) ;; *)
  echo "build-image: --engine '$engine': use auto, buildah, docker or podman" >&2
  exit 2 ;;
esac

version=$(sed -n '/^project([^)]*VERSION [0-9]/{s/^project([^)]*VERSION \([0-9][0-9.]*\).*/\1/p;q}' "$repo/CMakeLists.txt")
[ -n "$version" ] || die "no project VERSION in $repo/CMakeLists.txt"
tag=${tag:-kafka-agent:$version}
case "$tag" in *:*) ;; *) tag=$tag:$version ;; esac

git_() { git -C "$repo" "$@" 2>/dev/null; }
revision=$(git_ rev-parse HEAD || echo unknown)
epoch=${SOURCE_DATE_EPOCH:-$(git_ log -1 --format=%ct HEAD || echo 0)}
[[ "$epoch" =~ ^[0-9]+$ ]] || { echo "build-image: SOURCE_DATE_EPOCH='$epoch' is not a number of seconds" >&2; exit 2; }
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
source_url=${IMAGE_SOURCE:-$(git_ remote get-url origin || echo NOASSERTION)}
licenses=${IMAGE_LICENSES:-NOASSERTION}
labels=(
  "org.opencontainers.image.title=kafka-agent"
  "org.opencontainers.image.description=Init container and native sidecar for Apache Kafka (KRaft) in a Kubernetes StatefulSet"
  "org.opencontainers.image.version=$version"
  "org.opencontainers.image.revision=$revision"
  "org.opencontainers.image.source=$source_url"
  "org.opencontainers.image.licenses=$licenses"
  "org.opencontainers.image.created=$created"
)

mkdir -p "$out"
out=$(cd "$out" && pwd)
oci_tar=$out/kafka-agent-image.oci.tar
docker_tar=$out/kafka-agent-image.docker.tar
stamp=$out/kafka-agent-image.inputs

# --- engine choice -------------------------------------------------------------
tried=()
usable_engine() {
  local e=$1 err
  if ! command -v "$e" >/dev/null; then tried+=("$e: not installed"); return 1; fi
  if err=$("$e" info 2>&1 >/dev/null); then return 0; fi
  tried+=("$e: installed, but \`$e info\` failed: $(tail -n 1 <<<"$err")")
  return 1
}
if [ "$engine" = auto ]; then
  engine=
  for candidate in docker podman; do
    if usable_engine "$candidate"; then engine=$candidate; break; fi
  done
  if [ -z "$engine" ]; then
    if command -v buildah >/dev/null; then
      engine=buildah
      say "no container engine (${tried[*]}); building with buildah"
    else
      {
        echo "build-image: no usable container engine and no buildah, so no image was built."
        printf '  - %s\n' "${tried[@]}"
        echo "  Install buildah, skopeo and umoci (apt-get install buildah skopeo umoci; scripts/deps.sh"
        echo "  does), start a Docker daemon, or install podman."
      } >&2
      exit 3
    fi
  fi
elif [ "$engine" != buildah ] && ! usable_engine "$engine"; then
  echo "build-image: --engine $engine: ${tried[*]}" >&2
  exit 3
fi

# --- docker / podman: the Dockerfile ----------------------------------------------
if [ "$engine" != buildah ]; then
  args=(build -f "$here/Dockerfile" -t "$tag" --build-arg "SOURCE_DATE_EPOCH=$epoch")
  for l in "${labels[@]}"; do args+=(--label "$l"); done
  case "$engine" in
    docker) export DOCKER_BUILDKIT=1 ;; # BuildKit reads container/Dockerfile.dockerignore
    podman) args+=(--ignorefile "$here/Dockerfile.dockerignore" --timestamp "$epoch") ;;
  esac
  say "$engine ${args[*]} $repo"
  "$engine" "${args[@]}" "$repo" || die "$engine build failed"
  rm -f "$oci_tar" "$docker_tar" "$stamp"
  if [ "$engine" = podman ]; then
    podman save --format docker-archive -o "$docker_tar" "$tag"
    podman save --format oci-archive -o "$oci_tar" "$tag"
  else
    docker save -o "$docker_tar" "$tag"
    if command -v skopeo >/dev/null; then
      skopeo copy --quiet "docker-archive:$docker_tar" "oci-archive:$oci_tar:$tag"
    else
      say "no skopeo: no OCI archive (apt-get install skopeo)"
    fi
  fi
  say "built $tag with $engine: $docker_tar${oci_tar:+, $oci_tar}"
  exit 0
fi

# --- buildah ---------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
  echo "build-image: buildah here needs root (its vfs storage keeps the files' owners);" \
    "run as root, or under \`buildah unshare $0\`" >&2
  exit 3
fi
for tool in buildah skopeo strip; do
  command -v "$tool" >/dev/null ||
    { echo "build-image: $tool not found (apt-get install buildah skopeo binutils)" >&2; exit 3; }
done
if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then
  die "$binary: no such executable; build it first (make build), or pass --binary"
fi

work=$(mktemp -d "$out/.image-work.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"

case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) arch=$(dpkg --print-architecture 2>/dev/null || uname -m) ;;
esac

# The root: the stripped binary and what stage-rootfs.sh adds, owned by root,
# every mtime SOURCE_DATE_EPOCH.
strip --strip-unneeded -o "$work/kafka-agent" "$binary"
rootfs=$work/rootfs
"$here/stage-rootfs.sh" --name kafka-agent "$work/kafka-agent" "$rootfs" >"$work/stage.log" ||
  { cat "$work/stage.log" >&2; die "container/stage-rootfs.sh failed"; }
chown -hR 0:0 "$rootfs"
find "$rootfs" -exec touch -h -d "@$epoch" {} +

config=(
  --user 65532:65532
  --entrypoint '["/kafka-agent"]'
  --cmd '["help"]'
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
  --port 50051/tcp
  --port 9401/tcp
  --workingdir /
  --os linux --arch "$arch"
  --created-by "container/build-image.sh: COPY the root staged by container/stage-rootfs.sh"
)
for l in "${labels[@]}"; do config+=(--label "$l"); done

# What the image is made of; equal to the last build's => nothing to do.
inputs=$(
  {
    echo "tag $tag"
    printf 'config %s\n' "${config[@]}"
    echo "epoch $epoch"
    buildah --version
    sha256sum "$here/build-image.sh" "$here/stage-rootfs.sh" | sed "s#$repo/##"
    cd "$rootfs"
    find . -printf '%y %m %U:%G %s %p -> %l\n' | sort
    find . -type f -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1
)
if [ -z "$force" ] && [ -f "$oci_tar" ] && [ -f "$docker_tar" ] && [ -f "$stamp" ] &&
  grep -qx "inputs $inputs" "$stamp"; then
  say "$tag is up to date ($(sed -n 's/^digest //p' "$stamp")): same inputs as $oci_tar"
  exit 0
fi

say "$tag from $binary with buildah (vfs storage in $work)"
bah=(buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs)
ctr=$("${bah[@]}" from --quiet scratch)
"${bah[@]}" copy --quiet --chown 0:0 "$ctr" "$rootfs/" / >/dev/null
"${bah[@]}" config "${config[@]}" "$ctr"
"${bah[@]}" commit --quiet --rm --format oci --timestamp "$epoch" --identity-label=false \
  "$ctr" "$tag" >/dev/null
"${bah[@]}" push --quiet "$tag" "oci-archive:$work/oci.tar:$tag"
# The docker-archive from the OCI one: the same image, one tag.
skopeo copy --quiet "oci-archive:$work/oci.tar" "docker-archive:$work/docker.tar:$tag"

# repack ARCHIVE: the same members, sorted, with fixed mtimes and owners, so
# the archive's bytes (not only the image digest) repeat.
repack() {
  local archive=$1 dir=$work/repack
  rm -rf "$dir"
  mkdir -p "$dir"
  tar -xf "$archive" -C "$dir"
  mapfile -t top < <(find "$dir" -mindepth 1 -maxdepth 1 -printf '%P\n' | sort)
  tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner \
    --format=gnu -C "$dir" -cf "$archive.new" "${top[@]}"
  mv "$archive.new" "$archive"
}
repack "$work/oci.tar"
repack "$work/docker.tar"

digest=$(skopeo inspect --format '{{.Digest}}' "oci-archive:$work/oci.tar")
layers=$(skopeo inspect --raw "oci-archive:$work/oci.tar" |
  python3 -c 'import json,sys; m=json.load(sys.stdin); print(len(m["layers"]), sum(l["size"] for l in m["layers"]))')
mv "$work/oci.tar" "$oci_tar"
mv "$work/docker.tar" "$docker_tar"
printf 'inputs %s\ndigest %s\ntag %s\n' "$inputs" "$digest" "$tag" >"$stamp"
say "built $tag $digest: ${layers%% *} layer(s), $(numfmt --to=iec-i --suffix=B "${layers#* }") compressed, root $(du -sh --apparent-size "$rootfs" | cut -f1)B"
say "  $oci_tar"
say "  $docker_tar"
