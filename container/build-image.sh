#!/usr/bin/env bash
# Builds the kafka-agent image with whichever container engine works here
# (`make image` calls this).
#
#   container/build-image.sh [-t IMAGE:TAG] [extra build flags...]
#
# Engine: $CONTAINER_ENGINE if set (docker or podman), else the first of
# docker, podman that can reach a working engine (`docker info` / `podman
# info`). A docker client without a daemon does not count.
# Default tag: kafka-agent:<project version from CMakeLists.txt>, which is the
# image manifests/base runs (images: kafka-agent, newTag).
# Exit codes: 0 built; 1 the build failed; 3 no usable container engine (the
# message says what was tried; tests/manifests/image_test.sh checks the image's
# contents without one).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

version=$(sed -n '/^project([^)]*VERSION [0-9]/{s/^project([^)]*VERSION \([0-9][0-9.]*\).*/\1/p;q}' "$repo/CMakeLists.txt")
tag=kafka-agent:${version:-latest}
if [ "${1:-}" = -t ]; then
  [ $# -ge 2 ] || { echo "usage: $0 [-t IMAGE:TAG] [build flags...]" >&2; exit 2; }
  tag=$2
  shift 2
fi

tried=()
usable() {
  local engine=$1
  if ! command -v "$engine" >/dev/null; then
    tried+=("$engine: not installed")
    return 1
  fi
  local err
  if err=$("$engine" info 2>&1 >/dev/null); then
    return 0
  fi
  tried+=("$engine: installed, but \`$engine info\` failed: $(tail -n 1 <<<"$err")")
  return 1
}

engine=
if [ -n "${CONTAINER_ENGINE:-}" ]; then
  usable "$CONTAINER_ENGINE" && engine=$CONTAINER_ENGINE
else
  for candidate in docker podman; do
    if usable "$candidate"; then engine=$candidate; break; fi
  done
fi
if [ -z "$engine" ]; then
  {
    echo "build-image: no usable container engine, so no image was built."
    printf '  - %s\n' "${tried[@]}"
    echo "  Start a Docker daemon, or install podman (apt-get install podman), or set"
    echo "  CONTAINER_ENGINE. Without an engine, tests/manifests/image_test.sh checks"
    echo "  that the image's contents run the agent (chroot into the staged root)."
  } >&2
  exit 3
fi

args=(build -f "$here/Dockerfile" -t "$tag")
case "$engine" in
  docker) export DOCKER_BUILDKIT=1 ;;  # BuildKit reads container/Dockerfile.dockerignore
  podman) args+=(--ignorefile "$here/Dockerfile.dockerignore") ;;
esac
echo "build-image: $engine ${args[*]} $* $repo"
"$engine" "${args[@]}" "$@" "$repo"
echo "build-image: built $tag with $engine"
