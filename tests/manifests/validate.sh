#!/usr/bin/env bash
# Offline checks of the Kubernetes manifests, as `make test` runs them:
#
#   1. `kustomize build` the base, the example and dedicated-controllers
#      overlays, and the TLS component on the base and on the dedicated
#      topology;
#   2. validate every object with kubectl-validate against the Kubernetes
#      OpenAPI schemas of each of K8S_VERSIONS (default "1.29 1.30": the first
#      release with native sidecars on by default, and the newest schemas
#      kubectl-validate v0.0.4 embeds; with 1.27's, `restartPolicy` on an init
#      container is an unknown field);
#   3. assert the safety properties the schema cannot express
#      (check_manifests.py: sidecar, probes, security context, CLUSTER_ID
#      source, no hard-coded voters, consistency between the containers);
#   4. negative controls, so a green run means something: a manifest with a
#      typo'd field must be rejected by kubectl-validate, and each known
#      breakage must be caught by check_manifests.py (--self-test).
#
# Usage: tests/manifests/validate.sh [-v]     (-v prints every passing check)
# Needs kustomize and kubectl-validate (scripts/go-tools.sh builds them into
# the cache) and python3 with PyYAML. Exits non-zero naming what failed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
repo=$LIB_ROOT

read -r -a k8s_versions <<<"${K8S_VERSIONS:-1.29 1.30}"
K8S_VERSION=${k8s_versions[-1]}  # the newest, for the negative controls
verbose=0
case "${1:-}" in
  -v | --verbose) verbose=1 ;;
  "") ;;
  *) echo "usage: $0 [-v]" >&2; exit 2 ;;
esac

need kustomize:scripts/go-tools.sh kubectl-validate:scripts/go-tools.sh
python=$(python_with_yaml) || die "no python3 with PyYAML; install it: apt-get install python3-yaml"

work=$(mktemp -d)
# shellcheck disable=SC2317  # called by the trap
cleanup() { rm -rf "$work"; }
exit_traps cleanup

# check_kubectl_validate FILE [VERSION]: the validator's report goes to kv.out.
check_kubectl_validate() {
  kubectl-validate --version "${2:-$K8S_VERSION}" "$1" >"$work/kv.out" 2>&1
}

# validate_target NAME DIR [check_manifests.py --expect-* flags...]
validate_target() {
  local name=$1 dir=$2
  shift 2
  local out="$work/$name.yaml"
  if ! kustomize build "$dir" >"$out" 2>"$work/build.err"; then
    not_ok "$name: kustomize build $dir" "$(cat "$work/build.err")"
    return
  fi
  ok "$name: kustomize build ($(grep -c '^kind:' "$out") objects)"

  local v
  for v in "${k8s_versions[@]}"; do
    if check_kubectl_validate "$out" "$v"; then
      ok "$name: kubectl-validate --version $v"
    else
      not_ok "$name: kubectl-validate --version $v"
      sed 's/^/    /' "$work/kv.out"
    fi
  done

  if "$python" "$here/check_manifests.py" "$out" "$@" >"$work/check.out" 2>&1; then
    ok "$name: safety properties ($(tail -n 1 "$work/check.out"))"
    if ((verbose)); then sed 's/^/    /' "$work/check.out"; fi
  else
    not_ok "$name: safety properties"
    grep -v '^ok - ' "$work/check.out" | sed 's/^/    /'
  fi
}

echo "== manifests: kustomize $(kustomize version 2>/dev/null), kubectl-validate against Kubernetes ${k8s_versions[*]}"

validate_target base "$repo/manifests/base" \
  --expect-namespace kafka --expect-replicas 3 --expect-controllers 3 \
  --expect-cluster-domain cluster.local
validate_target overlay-example "$repo/manifests/overlays/example" \
  --expect-namespace streaming --expect-replicas 5 --expect-controllers 3 \
  --expect-cluster-domain k8s.example.internal
validate_target overlay-dedicated-controllers "$repo/manifests/overlays/dedicated-controllers" \
  --expect-namespace kafka --expect-replicas 3 --expect-controller-replicas 3 \
  --expect-controllers 3 --expect-cluster-domain cluster.local

# The TLS component, on the base and on the dedicated topology: a throwaway
# kustomization beside them (kustomize takes relative paths only).
for top in base overlays/dedicated-controllers; do
  dir=$(mktemp -d "$repo/manifests/.validate-tls.XXXXXX")
  printf 'resources: [%s]\ncomponents: [%s]\n' \
    "$(realpath --relative-to="$dir" "$repo/manifests/$top")" \
    "$(realpath --relative-to="$dir" "$repo/manifests/components/tls")" \
    >"$dir/kustomization.yaml"
  name="tls-on-${top##*/}"
  validate_target "$name" "$dir" --expect-namespace kafka --expect-replicas 3
  rm -rf "$dir"
  if [ -s "$work/$name.yaml" ] && ! grep -q 'KAFKA_BROKER_SECURITY_PROTOCOL' "$work/$name.yaml"; then
    fail "$name: the component did not switch the protocols"
  fi
  # Negative controls for the component: each known breakage of it is caught.
  if [ -s "$work/$name.yaml" ]; then
    if "$python" "$here/check_manifests.py" --self-test "$work/$name.yaml" \
      --expect-namespace kafka --expect-replicas 3 >"$work/self-$name.out" 2>&1; then
      ok "negative control: check_manifests.py catches every known breakage of $name ($(tail -n 1 "$work/self-$name.out"))"
    else
      not_ok "negative control: check_manifests.py --self-test on $name"
      grep -v '^ok - ' "$work/self-$name.out" | sed 's/^/    /'
    fi
  fi
done

# --- Negative controls: the checks above must be able to fail. -------------------
base_yaml="$work/base.yaml"
if [ -s "$base_yaml" ]; then
  # A typo'd field name (unknown fields are errors) and a wrong type.
  sed 's/readOnlyRootFilesystem: true/readOnlyRootFileSystem: true/' "$base_yaml" >"$work/typo.yaml"
  sed 's/publishNotReadyAddresses: true/publishNotReadyAddresses: "yes"/' "$base_yaml" >"$work/type.yaml"
  for broken in typo type; do
    if cmp -s "$base_yaml" "$work/$broken.yaml"; then
      not_ok "negative control ($broken): the mutation did not apply"
    elif check_kubectl_validate "$work/$broken.yaml"; then
      not_ok "negative control ($broken): kubectl-validate accepted a broken manifest"
    else
      ok "negative control: kubectl-validate rejects a $broken error ($(awk 'match($0, /spec[^ :]*/) { print substr($0, RSTART, RLENGTH); exit }' "$work/kv.out"))"
    fi
  done
  # Native sidecars do not exist before 1.28: the schemas must know the field.
  if kubectl-validate --version 1.27 "$base_yaml" >"$work/kv127.out" 2>&1; then
    not_ok "negative control: Kubernetes 1.27 schemas accepted restartPolicy on an init container"
  else
    ok "negative control: Kubernetes 1.27 schemas reject the native sidecar (so $K8S_VERSION's accept it knowingly)"
  fi
  if "$python" "$here/check_manifests.py" --self-test "$base_yaml" \
    --expect-namespace kafka --expect-replicas 3 >"$work/self.out" 2>&1; then
    ok "negative control: check_manifests.py catches every known breakage ($(tail -n 1 "$work/self.out"))"
  else
    not_ok "negative control: check_manifests.py --self-test"
    grep -v '^ok - ' "$work/self.out" | sed 's/^/    /'
  fi
fi
ded_yaml="$work/overlay-dedicated-controllers.yaml"
if [ -s "$ded_yaml" ]; then
  if "$python" "$here/check_manifests.py" --self-test "$ded_yaml" \
    --expect-namespace kafka --expect-replicas 3 --expect-controller-replicas 3 \
    >"$work/self-ded.out" 2>&1; then
    ok "negative control: check_manifests.py catches every breakage of the dedicated topology ($(tail -n 1 "$work/self-ded.out"))"
  else
    not_ok "negative control: check_manifests.py --self-test on the dedicated topology"
    grep -v '^ok - ' "$work/self-ded.out" | sed 's/^/    /'
  fi
fi

checks_done
