#!/usr/bin/env bash
# The agent reads a base config the way Kafka does and writes it back so that
# Kafka reads the same keys and values: a corpus of tricky .properties files
# is rendered by `kafka-agent render --base-config` and both files are loaded
# with java.util.Properties (what Kafka's Utils.loadProps uses) and compared.
# Usage: java_compat_test.sh [AGENT_BIN]
# shellcheck disable=SC1003  # the corpus has lines that end in a backslash
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../../lib/common.sh"
agent=${1:-$LIB_ROOT/build/kafka-agent}
need java
work=$(mktemp -d /tmp/props-compat.XXXXXX)
# shellcheck disable=SC2317  # called by the trap
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$work"; }
exit_traps cleanup

# Keys the agent derives (and so replaces); everything else must survive.
derived=(node.id process.roles controller.quorum.voters listeners
         advertised.listeners controller.listener.names
         inter.broker.listener.name listener.security.protocol.map)

printf '%s\n' \
  '# comment' '! bang comment' '   # indented comment' '' \
  'log.dirs=/var/lib/kafka/data' \
  'num.partitions : 3' \
  'default.replication.factor 3' \
  'min.insync.replicas=2' \
  'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \' \
  '    username="admin" \' \
  '    password="s3cr=t:#!";' \
  'path.with.backslash=C:\\kafka\\data' \
  'escaped\ key\=x=value' \
  'unicode.value=caf\u00e9 \uD83D\uDE00' \
  'leading.space=\   three spaces kept' \
  'trailing.space=kept   ' \
  'tabs=a\tb' \
  'newline.escape=line1\nline2' \
  'empty.value=' \
  'only.key' \
  'hash.in.value=a#b!c' \
  'colon.url=SASL_SSL://host:9093' \
  'dup.key=first' \
  'dup.key=second' \
  'listeners=PLAINTEXT://:1234' \
  'continued.comment.like=a\' \
  '# not a comment, continues the value' \
  >"$work/base.properties"
# Raw ISO-8859-1 bytes and CRLF line ends, as Java reads them.
printf 'latin1.raw=caf\xe9\r\ncrlf.key=v\r\n' >>"$work/base.properties"

"$agent" render --pod-name kafka-0 --namespace kafka \
  --base-config "$work/base.properties" >"$work/rendered.properties" 2>"$work/render.log"
file_has "$work/rendered.properties" 'base config set listeners=PLAINTEXT://:1234; replaced' ||
  fail "the override of listeners is not noted"
if ! java "$here/PropsCompat.java" "$work/base.properties" "$work/rendered.properties" "${derived[@]}"; then
  show <"$work/base.properties"
  say "---"
  show <"$work/rendered.properties"
  fail "see mismatches above, and the two files"
fi
say "PASS: Java reads every base key back with the same value"
