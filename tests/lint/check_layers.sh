#!/usr/bin/env bash
# The tree's layering (README "Layout"): base/ includes only base/; init/ and
# sidecar/ include base/ and themselves, never each other; cli/ may include
# them all. Fails naming each include that points up or across.
set -euo pipefail
cd "$(dirname "$0")/../../agent"
allowed() {
  case $1 in
    base) echo "base" ;;
    init) echo "base init" ;;
    sidecar) echo "base sidecar" ;;
    cli) echo "base init sidecar cli" ;;
  esac
}
bad=0
for layer in base init sidecar cli; do
  ok=$(allowed "$layer")
  while IFS=: read -r file line text; do
    target=${text#*\"agent/}
    target=${target%%/*}
    if [[ " $ok " != *" $target "* ]]; then
      echo "layering: agent/$file:$line includes agent/$target/ (a $layer file may include: $ok)"
      bad=1
    fi
  done < <(grep -n '#include "agent/' -r "$layer" || true)
done
for f in *.h *.cc; do
  [[ -e $f ]] || continue
  echo "layering: agent/$f is outside the layer folders (base, init, sidecar, cli)"
  bad=1
done
((bad == 0)) && echo "layering: ok (base <- init, sidecar <- cli)"
exit "$bad"
