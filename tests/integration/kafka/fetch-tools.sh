#!/usr/bin/env bash
# Resolve Apache Kafka's command-line tools (tools/pom.xml beside this file:
# org.apache.kafka:kafka-tools, e.g. kafka-metadata-quorum) into the shared
# download cache, in a libs dir apart from the broker's:
#
#   $KAFKA_AGENT_CACHE/kafka-tools/<version>/libs/*.jar
#
# Usage:
#   fetch-tools.sh               fetch if needed; the last line of stdout is the libs dir
#   fetch-tools.sh --print-libs  print the libs dir; exit 1 (no download) if not fetched yet
#
# Same scheme as fetch.sh: a marker file holding the pom's sha256 marks a
# complete download, Maven copies into a temp dir renamed to libs/ at the end,
# concurrent runs are serialised with flock(1).
#
# Run a tool:  java -cp "$(fetch-tools.sh | tail -n1)/*" \
#                org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server H:P describe --status
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/../../.." && pwd)
if [[ -f $repo_root/scripts/env.sh ]]; then
  # shellcheck source=/dev/null
  . "$repo_root/scripts/env.sh"
fi
: "${KAFKA_AGENT_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/kafka-agent}"
pom=$here/tools/pom.xml

die() { echo "fetch-tools.sh: $*" >&2; exit 1; }

pom_version() { sed -n '/<kafka.version>/{s:.*<kafka.version>\([^<]*\)</kafka.version>.*:\1:p;q}' "$1"; }
version=$(pom_version "$pom")
broker_version=$(pom_version "$here/pom.xml")
[[ -n $version ]] || die "no <kafka.version> in $pom"
[[ $version == "$broker_version" ]] ||
  die "tools/pom.xml has Kafka $version but pom.xml has $broker_version; keep them equal"

base=$KAFKA_AGENT_CACHE/kafka-tools/$version
libs=$base/libs
marker=$base/.complete
pom_sum=$(sha256sum "$pom" | cut -d' ' -f1)

is_complete() {
  [[ -f $marker && -f $libs/kafka-tools-$version.jar ]] && [[ $(cat "$marker") == "$pom_sum" ]]
}

case "${1:-}" in
  "") ;;
  --print-libs)
    is_complete || die "kafka-tools $version is not fetched yet (run $0 without arguments)"
    echo "$libs"; exit 0 ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (use --print-libs or no argument)" ;;
esac

if is_complete; then echo "$libs"; exit 0; fi

command -v "${MVN:-mvn}" >/dev/null || die "Maven ('${MVN:-mvn}') not found; install maven"
mkdir -p "$base"
exec 9>"$base/.lock"
flock 9
if is_complete; then echo "$libs"; exit 0; fi

rm -f "$marker"
tmp=$(mktemp -d "$base/.libs.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "fetch-tools.sh: resolving org.apache.kafka:kafka-tools:$version into $libs" >&2
(cd "$tmp" && "${MVN:-mvn}" -B -q -Dstyle.color=never -f "$pom" \
    -Dmaven.repo.local="${KAFKA_MAVEN_REPO:-$KAFKA_AGENT_CACHE/m2}" \
    dependency:copy-dependencies \
    -DoutputDirectory="$tmp/libs" -DincludeScope=runtime) >&2 ||
  die "mvn dependency:copy-dependencies failed for kafka-tools $version"
[[ -f $tmp/libs/kafka-tools-$version.jar ]] || die "kafka-tools-$version.jar missing after mvn"

rm -rf "$libs"
mv "$tmp/libs" "$libs"
echo "$pom_sum" >"$marker.tmp"
mv "$marker.tmp" "$marker"
echo "$libs"
