#!/usr/bin/env bash
# Builds the real clients the tests use, from the Go module proxy, into the
# cache's bin/: grpc-health-probe (what the kubelet does), grpcurl (what a person
# does), ghz (load), kustomize and kubectl-validate (offline manifest checks).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"

# Pinned: each builds with the Go 1.26 on these machines (kustomize 5.8 needs 1.27).
TOOLS=(
  grpc-health-probe=github.com/grpc-ecosystem/grpc-health-probe@v0.4.62
  grpcurl=github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4
  ghz=github.com/bojand/ghz/cmd/ghz@v0.93.0
  kustomize=sigs.k8s.io/kustomize/kustomize/v5@v5.7.1
  kubectl-validate=sigs.k8s.io/kubectl-validate@v0.0.4
)
mkdir -p "$KAFKA_AGENT_TOOLS"
for t in "${TOOLS[@]}"; do
  name=${t%%=*} mod=${t#*=}
  stamp=$KAFKA_AGENT_TOOLS/.$name.version
  if [ -x "$KAFKA_AGENT_TOOLS/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$mod" ]; then
    continue
  fi
  echo "go-tools: building $mod"
  GOBIN=$KAFKA_AGENT_TOOLS GOTOOLCHAIN=local GOFLAGS=-buildvcs=false go install "$mod"
  echo "$mod" >"$stamp"
done
