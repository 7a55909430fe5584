#!/usr/bin/env bash
# Checks that the image build is reproducible and skips work it has done:
#
#   1. container/build-image.sh (buildah) from the same binary into two empty
#      directories: the same image digest, and byte-identical OCI and docker
#      archives;
#   2. again into the first directory: "up to date", the archives untouched;
#   3. with another SOURCE_DATE_EPOCH (an input: the created time) into the
#      first directory: rebuilt, and a different digest (so 1 and 2 are not
#      comparing a constant).
#
#   tests/image/reproducible_test.sh [AGENT_BINARY]    default: build/kafka-agent
#
# Three image builds of a few seconds each. Needs root, buildah and skopeo
# (exit 77, skipped, without them). Prints "N passed, M failed" last.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
repo=$LIB_ROOT

[ "$(id -u)" = 0 ] || skip "needs root (buildah's vfs storage)"
for tool in buildah skopeo; do
  command -v "$tool" >/dev/null || skip "$tool not found (scripts/deps.sh installs it)"
done
binary=${1:-$repo/build/kafka-agent}
[ -x "$binary" ] || usage_error "$binary not found: build it first (make build), or pass its path"

work=$(mktemp -d)
# shellcheck disable=SC2317  # invoked by the trap
cleanup() { rm -rf "$work"; }
exit_traps cleanup

finish() {
  checks_done
  exit
}

# build DIR [ENV...]: builds the image into DIR; its output in DIR.log.
build() {
  local dir=$1
  shift
  mkdir -p "$dir"
  env "$@" "$repo/container/build-image.sh" --engine buildah --binary "$binary" --out "$dir" \
    >"$dir.log" 2>&1
}
digest() { sed -n 's/^digest //p' "$1/kafka-agent-image.inputs"; }
sums() { (cd "$1" && sha256sum kafka-agent-image.oci.tar kafka-agent-image.docker.tar); }

epoch=$(git -C "$repo" log -1 --format=%ct HEAD 2>/dev/null || echo 0)
a=$work/a b=$work/b
if ! build "$a" "SOURCE_DATE_EPOCH=$epoch" || ! build "$b" "SOURCE_DATE_EPOCH=$epoch"; then
  not_ok "build-image.sh" "$(cat "$a.log" "$b.log" 2>/dev/null)"
  finish
fi
if [ -n "$(digest "$a")" ] && [ "$(digest "$a")" = "$(digest "$b")" ]; then
  ok "two builds, one digest: $(digest "$a")"
else
  not_ok "two builds of the same inputs: digests $(digest "$a") and $(digest "$b")"
fi
if [ "$(sums "$a")" = "$(sums "$b")" ]; then
  ok "byte-identical archives: $(sums "$a" | cut -c1-16 | tr '\n' ' ')"
else
  not_ok "the archives differ:" "$(sums "$a")" "$(sums "$b")"
fi

before=$(stat -c '%i %Y' "$a/kafka-agent-image.oci.tar" "$a/kafka-agent-image.docker.tar")
build "$a" "SOURCE_DATE_EPOCH=$epoch" || not_ok "third build" "$(cat "$a.log")"
after=$(stat -c '%i %Y' "$a/kafka-agent-image.oci.tar" "$a/kafka-agent-image.docker.tar")
if grep -q 'is up to date' "$a.log" && [ "$before" = "$after" ]; then
  ok "unchanged inputs: $(grep -m1 -o 'is up to date.*)' "$a.log"), archives untouched"
else
  not_ok "unchanged inputs were rebuilt" "$(cat "$a.log")"
fi

old=$(digest "$a")
build "$a" "SOURCE_DATE_EPOCH=$((epoch + 1))" || not_ok "build with another SOURCE_DATE_EPOCH" "$(cat "$a.log")"
if ! grep -q 'is up to date' "$a.log" && [ -n "$(digest "$a")" ] && [ "$(digest "$a")" != "$old" ]; then
  ok "SOURCE_DATE_EPOCH+1: rebuilt, digest $(digest "$a")"
else
  not_ok "SOURCE_DATE_EPOCH+1: digest $(digest "$a") (before: $old)" "$(cat "$a.log")"
fi

finish
