#!/usr/bin/env bash
# Builds the Kubernetes control plane of the e2e tests and `make demo` from the
# Go module proxy, pinned by tests/k8s/versions.env and the go.mod/go.sum
# beside it, into the shared cache outside the work tree:
#
#   $KAFKA_AGENT_CACHE/k8s/$KUBERNETES_VERSION/bin/
#     etcd kube-apiserver kube-controller-manager kube-scheduler kubectl
#     kubelet-sim (this project's stand-in kubelet)  coredns
#
#   tests/k8s/build.sh            build what is missing or out of date
#   tests/k8s/build.sh --print-bin   print the bin directory (exit 1 if incomplete)
#   tests/k8s/build.sh --force    rebuild everything
#   tests/k8s/build.sh [--force] NAME...   only these
#
# One binary at a time (each link of kube-apiserver peaks at ~2 GB);
# K8S_BUILD_JOBS sets `go build -p` (default: the Go default, the core count).
# A binary is rebuilt only when its stamp (a hash of versions.env, the module's
# go.mod/go.sum and the binary's own sources) changes, so `make deps` is quick
# once built. Needs a Go toolchain new enough for Kubernetes 1.34 and CoreDNS
# 1.15 (Go >= 1.26; GOTOOLCHAIN=local: nothing is downloaded but modules).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/env.sh
. "${here}/../../scripts/env.sh"
# shellcheck source=tests/k8s/versions.env
. "${here}/versions.env"

BIN=${KAFKA_AGENT_CACHE}/k8s/${KUBERNETES_VERSION}/bin
CP=${here}/controlplane
DNS=${here}/coredns
# name  module-dir  package
TARGETS=(
  "etcd ${CP} ./cmd/etcd"
  "kube-apiserver ${CP} ./cmd/kube-apiserver"
  "kube-controller-manager ${CP} ./cmd/kube-controller-manager"
  "kube-scheduler ${CP} ./cmd/kube-scheduler"
  "kubectl ${CP} ./cmd/kubectl"
  "kubelet-sim ${CP} ./cmd/kubelet-sim"
  "coredns ${DNS} ."
)

die() {
  printf 'k8s-build: %s\n' "$*" >&2
  exit 1
}

stamp_of() {
  local dir=$1 pkg=$2
  {
    cat "${here}/versions.env" "${dir}/go.mod" "${dir}/go.sum"
    find "${dir}/${pkg#./}" -maxdepth 1 -name '*.go' -type f | sort | xargs cat
    go env GOVERSION
  } | sha256sum | cut -d' ' -f1
}

FORCE=0
ONLY=()
case ${1:-} in
  --print-bin)
    for t in "${TARGETS[@]}"; do
      read -r name _ <<<"${t}"
      [[ -x ${BIN}/${name} ]] || exit 1
    done
    printf '%s\n' "${BIN}"
    exit 0
    ;;
  --force) FORCE=1; shift ;;
  -*) printf 'usage: %s [--print-bin|--force] [NAME...]\n' "$0" >&2; exit 2 ;;
esac
ONLY=("$@")

command -v go >/dev/null || die "no Go toolchain on PATH (Kubernetes ${KUBERNETES_VERSION} needs Go >= 1.24, CoreDNS ${COREDNS_VERSION} Go >= 1.26)"
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0

# The go.mod files must say what versions.env says.
check_version() {
  local dir=$1 mod=$2 want=$3 got
  got=$(cd "${dir}" && go list -m -f '{{.Version}}' "${mod}") ||
    die "cannot read ${mod} from ${dir}/go.mod"
  [[ ${got} == "${want}" ]] ||
    die "${dir#"${here}/"}/go.mod has ${mod} ${got}, versions.env says ${want}: make them agree (go get ${mod}@${want} && go mod tidy)"
}
check_version "${CP}" k8s.io/kubernetes "${KUBERNETES_VERSION}"
check_version "${CP}" go.etcd.io/etcd/server/v3 "${ETCD_VERSION}"
check_version "${CP}" k8s.io/client-go "v0${KUBERNETES_VERSION#v1}"
check_version "${DNS}" github.com/coredns/coredns "${COREDNS_VERSION}"

# Version strings baked into the Kubernetes binaries: without them they say
# v0.0.0-master+$Format:%H$ and kubectl refuses to parse the server version.
minor=${KUBERNETES_VERSION#v1.}
minor=${minor%%.*}
LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X ${pkg}.gitVersion=${KUBERNETES_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
  LDFLAGS+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
done

mkdir -p "${BIN}"
jobs=()
[[ -z ${K8S_BUILD_JOBS:-} ]] || jobs=(-p "${K8S_BUILD_JOBS}")
built=0
t_all=${SECONDS}
for t in "${TARGETS[@]}"; do
  read -r name dir pkg <<<"${t}"
  if ((${#ONLY[@]})) && [[ " ${ONLY[*]} " != *" ${name} "* ]]; then continue; fi
  stamp=$(stamp_of "${dir}" "${pkg}")
  if ((!FORCE)) && [[ -x ${BIN}/${name} && $(cat "${BIN}/.${name}.stamp" 2>/dev/null) == "${stamp}" ]]; then
    continue
  fi
  printf 'k8s-build: building %s (%s)...\n' "${name}" "${pkg}"
  t0=${SECONDS}
  (cd "${dir}" && go build "${jobs[@]}" -trimpath -ldflags "${LDFLAGS}" -o "${BIN}/.${name}.new" "${pkg}") ||
    die "building ${name} failed"
  mv -f "${BIN}/.${name}.new" "${BIN}/${name}"
  printf '%s\n' "${stamp}" >"${BIN}/.${name}.stamp"
  printf 'k8s-build: %s built in %ss (%s)\n' "${name}" $((SECONDS - t0)) "$(du -h "${BIN}/${name}" | cut -f1)"
  built=$((built + 1))
done
if ((built)); then
  printf 'k8s-build: %d binaries built in %ss into %s\n' "${built}" $((SECONDS - t_all)) "${BIN}"
fi
