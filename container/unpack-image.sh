#!/usr/bin/env bash
# Unpacks the kafka-agent image (what `make image` built) into a root
# filesystem directory, without a container engine: what a container runtime
# would run, for chroot / pivot_root into it (tests/image/image_test.sh, the
# simulated pods).
#
#   container/unpack-image.sh [--config FILE] ARCHIVE DIR
#
# ARCHIVE  an OCI archive (build/kafka-agent-image.oci.tar) or a docker-archive
#          (build/kafka-agent-image.docker.tar); the first image in it.
# DIR      the root filesystem to create: it must not exist, or be empty.
# --config FILE  also writes the image's config (OCI image config JSON: User,
#          Entrypoint, Cmd, Env, WorkingDir, Labels) to FILE.
#
# skopeo copies the archive to a temporary OCI layout, umoci unpacks its
# layers (`umoci raw unpack`). As root the files keep the image's owners
# (root:root, so the image user 65532 cannot write to them); otherwise umoci
# runs --rootless and the files belong to the caller.
# Prints one line: the image, its digest and what was unpacked.
# Exit codes: 0 unpacked; 1 failed; 2 bad usage; 3 skopeo or umoci missing.
set -euo pipefail
export LC_ALL=C

usage() {
  echo "usage: $0 [--config FILE] ARCHIVE DIR" >&2
  exit 2
}
die() {
  echo "unpack-image: $*" >&2
  exit 1
}

config_out=
while (($#)); do
  case "$1" in
    --config) [ $# -ge 2 ] || usage; config_out=$2; shift 2 ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    --) shift; break ;;
    -*) echo "unpack-image: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || usage
archive=$1 dir=$2
for tool in skopeo umoci tar; do
  command -v "$tool" >/dev/null ||
    { echo "unpack-image: $tool not found (apt-get install skopeo umoci)" >&2; exit 3; }
done
[ -f "$archive" ] || die "$archive: no such file (build it with make image)"
if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
  die "$dir exists and is not empty: give a new or empty directory"
fi

# Which transport: an OCI layout has an oci-layout file, a docker-archive a
# manifest.json.
members=$(tar -tf "$archive" 2>/dev/null) || die "$archive: not a tar archive"
if grep -qx -e 'oci-layout' -e './oci-layout' <<<"$members"; then
  transport=oci-archive
elif grep -qx -e 'manifest.json' -e './manifest.json' <<<"$members"; then
  transport=docker-archive
else
  die "$archive: neither an OCI archive (no oci-layout) nor a docker-archive (no manifest.json)"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work
skopeo copy --quiet "$transport:$archive" "oci:$work/layout:image" ||
  die "skopeo copy $transport:$archive failed"

rootless=()
[ "$(id -u)" = 0 ] || rootless=(--rootless)
if [ -d "$dir" ]; then rmdir "$dir"; fi
mkdir -p "$(dirname "$dir")"
umoci raw unpack "${rootless[@]}" --image "$work/layout:image" "$dir" >"$work/umoci.log" 2>&1 ||
  { cat "$work/umoci.log" >&2; die "umoci raw unpack failed"; }

if [ -n "$config_out" ]; then
  skopeo inspect --config "oci:$work/layout:image" >"$config_out"
fi
digest=$(skopeo inspect --format '{{.Digest}}' "$transport:$archive")
files=$(find "$dir" -type f | wc -l)
echo "unpack-image: $archive ($transport, $digest) -> $dir ($files files, $(du -sh "$dir" | cut -f1))"
