#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need on a fresh Debian 12
# machine: Debian packages, the Go-built probe clients and manifest tools, the
# Kubernetes control plane (tests/k8s/build.sh), and Apache Kafka's jars.
# Idempotent and quick when everything is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

DEB_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libabsl-dev librdkafka-dev libspdlog-dev libgtest-dev libgmock-dev libc-ares-dev
  # librdkafka's static dependencies (the static link, cmake/StaticLink.cmake)
  liblz4-dev libzstd-dev libsasl2-dev
  # the HTTP side port; Prometheus and promtool for its tests
  libmicrohttpd-dev prometheus
  dnsmasq-base iproute2 iptables kcat jq procps util-linux python3-yaml shellcheck curl
  hyperfine python3-grpcio python3-protobuf libbenchmark-dev
  # make image without a container engine, and the image tests
  buildah skopeo umoci
  default-jre-headless maven golang-go
  libssl-dev openssl clang libclang-rt-14-dev
)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done
# Go and Java are often present outside dpkg (toolchains preinstalled); accept those.
if command -v go >/dev/null; then missing=("${missing[@]/golang-go}"); fi
if command -v java >/dev/null && command -v mvn >/dev/null; then
  missing=("${missing[@]/default-jre-headless}"); missing=("${missing[@]/maven}")
fi
read -r -a missing <<<"${missing[*]}"
if ((${#missing[@]})); then
  echo "deps: installing Debian packages: ${missing[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

"$here/go-tools.sh"
# The Kubernetes control plane of the e2e tests and the demo (built once).
"$here/../tests/k8s/build.sh"
if [ -x "$here/../tests/integration/kafka/fetch.sh" ]; then
  "$here/../tests/integration/kafka/fetch.sh"
fi
echo "deps: ready (cache: $KAFKA_AGENT_CACHE)"
