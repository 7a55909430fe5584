#!/usr/bin/env bash
# Resolve Apache Kafka's broker runtime (the jars of pom.xml beside this file)
# into the shared download cache, outside the work tree:
#
#   $KAFKA_AGENT_CACHE/kafka/<version>/libs/*.jar
#
# Usage:
#   fetch.sh                 fetch if needed; the last line of stdout is the libs dir
#   fetch.sh --print-libs    print the libs dir; exit 1 (no download) if not fetched yet
#   fetch.sh --print-version print the pinned Kafka version
#   fetch.sh --force         fetch again even if the cache looks complete
#
# Idempotent: a complete download is marked by libs/../.complete holding the
# sha256 of pom.xml; a second run with the same pom only checks the marker.
# Maven copies into a temp dir that is renamed to libs/ only when it finished,
# so an interrupted run never leaves a libs/ that looks complete. Concurrent
# runs are serialised with flock(1).
#
# Environment:
#   KAFKA_AGENT_CACHE   cache root (default from scripts/env.sh: ~/.cache/kafka-agent)
#   KAFKA_MAVEN_REPO    Maven local repository (default $KAFKA_AGENT_CACHE/m2)
#   MVN                 Maven command (default mvn)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../../lib/common.sh"
: "${KAFKA_AGENT_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/kafka-agent}"
pom=$here/pom.xml

# The single source of truth for the version is <kafka.version> in pom.xml.
version=$(sed -n '/<kafka.version>/{s:.*<kafka.version>\([^<]*\)</kafka.version>.*:\1:p;q}' "$pom")
[[ -n $version ]] || die "no <kafka.version> in $pom"

base=$KAFKA_AGENT_CACHE/kafka/$version
libs=$base/libs
marker=$base/.complete
pom_sum=$(sha256sum "$pom" | cut -d' ' -f1)

is_complete() {
  [[ -f $marker && -d $libs && -f $libs/kafka_2.13-$version.jar ]] &&
    [[ $(cat "$marker") == "$pom_sum" ]]
}

force=0
case "${1:-}" in
  "") ;;
  --print-version) echo "$version"; exit 0 ;;
  --print-libs)
    is_complete || die "Kafka $version is not fetched yet (run $0 without arguments)"
    echo "$libs"; exit 0 ;;
  --force) force=1 ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (use --print-libs, --print-version, --force or no argument)" ;;
esac

if [[ $force == 0 ]] && is_complete; then
  echo "$libs"
  exit 0
fi

command -v "${MVN:-mvn}" >/dev/null || die "Maven ('${MVN:-mvn}') not found; install maven"
mkdir -p "$base"
exec 9>"$base/.lock"
flock 9
# Another run may have finished while we waited for the lock.
if [[ $force == 0 ]] && is_complete; then
  echo "$libs"
  exit 0
fi

rm -f "$marker"
tmp=$(mktemp -d "$base/.libs.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log "resolving org.apache.kafka:kafka_2.13:$version into $libs"
# Run from a scratch dir so nothing (target/, ...) lands in the work tree.
(cd "$tmp" && "${MVN:-mvn}" -B -q -Dstyle.color=never -f "$pom" \
    -Dmaven.repo.local="${KAFKA_MAVEN_REPO:-$KAFKA_AGENT_CACHE/m2}" \
    dependency:copy-dependencies \
    -DoutputDirectory="$tmp/libs" -DincludeScope=runtime) >&2 ||
  die "mvn dependency:copy-dependencies failed for Kafka $version"

[[ -f $tmp/libs/kafka_2.13-$version.jar ]] || die "kafka_2.13-$version.jar missing after mvn"
# Exactly one SLF4J binding: an SLF4J 1.x binder class or an SLF4J 2.x
# service provider, counted over all jars.
list_jar() { if command -v unzip >/dev/null; then unzip -Z1 "$1"; else jar tf "$1"; fi; }
bindings=()
for jar in "$tmp"/libs/*.jar; do
  # grep reads a process substitution: were it at the end of a pipe, its early
  # exit would kill unzip with SIGPIPE and fail the pipe (pipefail).
  if grep -Eq '^(org/slf4j/impl/StaticLoggerBinder\.class|META-INF/services/org\.slf4j\.spi\.SLF4JServiceProvider)$' <(list_jar "$jar"); then
    bindings+=("${jar##*/}")
  fi
done
[[ ${#bindings[@]} == 1 ]] ||
  die "expected exactly one SLF4J binding in the resolved jars, found ${#bindings[@]}: ${bindings[*]}"

rm -rf "$libs"
mv "$tmp/libs" "$libs"
echo "$pom_sum" >"$marker.tmp"
mv "$marker.tmp" "$marker"
echo "$libs"
