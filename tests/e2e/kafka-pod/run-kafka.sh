#!/usr/bin/env bash
# Run one Kafka "pod" the way the apache/kafka image's entrypoint does
# (/etc/kafka/docker/run -> configureDefaults -> configure -> launch), from
# Maven Central jars instead of the image, so the server.properties that
# `kafka-agent init` writes goes through exactly what the image does with it.
#
# Usage:
#   CLUSTER_ID=... run-kafka.sh --shared-config DIR --work DIR [--libs DIR]
#                               [--defaults DIR] [--setup-only] [-- KAFKA_ARGS...]
#
#   --shared-config DIR  the pod's /mnt/shared/config (the agent's output dir);
#                        its server.properties, log4j2.yaml, tools-log4j2.yaml
#                        are used if present (all optional)
#   --work DIR           stands in for the container's writable paths:
#                          DIR/config  <- /opt/kafka/config (final configs)
#                          DIR/logs    <- /opt/kafka/logs   (kafka.logs.dir)
#                          DIR/tmp     <- /tmp              (java.io.tmpdir)
#                        Kafka's data goes wherever log.dirs in the config says.
#   --tmp DIR            java.io.tmpdir (default: WORK/tmp); e.g. --work /opt/kafka
#                        --tmp /tmp inside a mount namespace with the pod's volumes
#                        at the image's paths (tests/e2e/lib/container.sh)
#   --libs DIR           Kafka jars (default: tests/integration/kafka/fetch.sh)
#   --defaults DIR       the image's /etc/kafka/docker (default: etc-kafka-docker/
#                        beside this script: server.properties, log4j2.yaml,
#                        tools-log4j2.yaml)
#   --setup-only         stop after setup + format (exit 0), do not start Kafka
#   KAFKA_ARGS           extra kafka.Kafka arguments, e.g. --override k=v
#
# Steps, as in the image:
#   1. CLUSTER_ID defaults to 5L6g3nShT-eMCtK--X86sw when unset (configureDefaults).
#   2. configure: with KAFKA_PROCESS_ROLES=controller, KAFKA_ADVERTISED_LISTENERS
#      is an error; else KAFKA_LISTENERS is derived from KAFKA_ADVERTISED_LISTENERS
#      (host -> 0.0.0.0) when only the latter is set; the final config dir must
#      be writable. (The SSL/SASL/JMX checks of the image are not emulated.)
#   3. launch: `kafka.docker.KafkaDockerWrapper setup --default-configs-dir
#      DEFAULTS --mounted-configs-dir SHARED --final-configs-dir WORK/config`,
#      which writes the final configs AND formats log.dirs with CLUSTER_ID;
#      a failure whose output says "already formatted" is ignored.
#   4. exec kafka.Kafka WORK/config/server.properties (as kafka-server-start.sh),
#      so this script's pid becomes the broker's: SIGTERM it to stop the pod.
#
# Environment, as the image reads it:
#   CLUSTER_ID                     cluster id for the format step
#   KAFKA_<NAME>                   every other KAFKA_* variable is appended to
#                                  server.properties as a property: strip KAFKA_,
#                                  lower-case, '_' -> '.', '...' -> '-', '..' -> '_'
#                                  (KAFKA_LOG_DIRS -> log.dirs). Not turned into
#                                  properties: KAFKA_VERSION KAFKA_HEAP_OPTS
#                                  KAFKA_LOG4J_OPTS KAFKA_OPTS KAFKA_JMX_OPTS
#                                  KAFKA_JVM_PERFORMANCE_OPTS KAFKA_GC_LOG_OPTS
#                                  KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_LOG4J_LOGGERS
#                                  KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_JMX_HOSTNAME
#   KAFKA_LOG4J_ROOT_LOGLEVEL, KAFKA_LOG4J_LOGGERS (k=LEVEL,...),
#   KAFKA_TOOLS_LOG4J_LOGLEVEL     merged into the final log4j2 yaml files
#   KAFKA_HEAP_OPTS                default here "-Xms192m -Xmx192m" (image: -Xmx1G -Xms1G)
#   KAFKA_JVM_PERFORMANCE_OPTS     default here "-XX:+UseSerialGC -XX:TieredStopAtLevel=1
#                                  -XX:-UsePerfData -Djava.awt.headless=true" (image: G1 + CDS)
#   KAFKA_GC_LOG_OPTS              default: GC log to WORK/logs/kafkaServer-gc.log, as the image
#   KAFKA_LOG4J_OPTS, KAFKA_OPTS   as in kafka-run-class.sh
#   JAVA_HOME                      java to use (default: java on PATH)
# This test harness's own variables (KAFKA_AGENT_*, KAFKA_TEST_*, set by
# scripts/env.sh and cluster.sh users) are removed first: a pod's kafka
# container does not have them, and the wrapper would turn them into
# properties. Start this script with `env -i` plus the pod's variables to be
# exact. Every KAFKA_* variable that becomes a property is listed on stderr.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The test libraries: in the repository, or staged beside this script in a
# simulated image (tests/e2e/lib/sim.sh copies them to lib/).
lib=$here/../../lib
[[ -f $lib/kafka.sh ]] || lib=$here/lib
LIB_PROG=run-kafka.sh
# shellcheck source=tests/lib/common.sh
. "$lib/common.sh"
# shellcheck source=tests/lib/kafka.sh
. "$lib/kafka.sh"

shared='' work='' tmp='' libs='' defaults=$here/etc-kafka-docker setup_only=0
while (($#)); do
  case $1 in
    --shared-config) (($# >= 2)) || usage_error "$1 needs a DIR"; shared=$2; shift 2 ;;
    --work) (($# >= 2)) || usage_error "$1 needs a DIR"; work=$2; shift 2 ;;
    --tmp) (($# >= 2)) || usage_error "$1 needs a DIR"; tmp=$2; shift 2 ;;
    --libs) (($# >= 2)) || usage_error "$1 needs a DIR"; libs=$2; shift 2 ;;
    --defaults) (($# >= 2)) || usage_error "$1 needs a DIR"; defaults=$2; shift 2 ;;
    --setup-only) setup_only=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done
[[ -n $shared ]] || usage_error "--shared-config DIR is required (the pod's /mnt/shared/config)"
[[ -n $work ]] || usage_error "--work DIR is required"
[[ -d $defaults ]] || usage_error "--defaults '$defaults' is not a directory"
if [[ -n $libs ]]; then
  compgen -G "$libs/kafka_2.13-*.jar" >/dev/null || usage_error "no kafka_2.13 jar in --libs '$libs'"
else
  libs=$(kafka_libs) || die "no Kafka jars"
fi

# Harness variables never reach a pod's kafka container.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep -E '^KAFKA_(AGENT|TEST)_' || true)

[[ -n $tmp ]] || tmp=$work/tmp
mkdir -p "$work/config" "$work/logs" "$tmp"
work=$(cd "$work" && pwd)
tmp=$(cd "$tmp" && pwd)
config_dir=$work/config

# --- run: configureDefaults ----------------------------------------------------
echo "===> Setting default values of environment variables if not already set."
if [[ -z ${CLUSTER_ID:-} ]]; then
  echo "CLUSTER_ID not set. Setting it to default value: \"5L6g3nShT-eMCtK--X86sw\""
  export CLUSTER_ID=5L6g3nShT-eMCtK--X86sw
fi

# --- configure -------------------------------------------------------------------
echo "===> Configuring ..."
if [[ -n ${KAFKA_PROCESS_ROLES-} ]]; then
  echo "Running in KRaft mode..."
  if [[ $KAFKA_PROCESS_ROLES == controller ]]; then
    [[ -z ${KAFKA_ADVERTISED_LISTENERS-} ]] ||
      die "KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller."
    unset KAFKA_ADVERTISED_LISTENERS
  fi
fi
if [[ -z ${KAFKA_LISTENERS-} && ${KAFKA_PROCESS_ROLES-} != controller && -n ${KAFKA_ADVERTISED_LISTENERS-} ]]; then
  # The image's own sed expression, kept verbatim.
  # shellcheck disable=SC2001
  KAFKA_LISTENERS=$(echo "$KAFKA_ADVERTISED_LISTENERS" | sed -e 's|://[^:]*:|://0.0.0.0:|g')
  export KAFKA_LISTENERS
fi
[[ -w $config_dir ]] || die "$config_dir/ file not writable (the image: /opt/kafka/config/ file not writable)"

excluded=" KAFKA_VERSION KAFKA_HEAP_OPTS KAFKA_LOG4J_OPTS KAFKA_OPTS KAFKA_JMX_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_GC_LOG_OPTS KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_LOG4J_LOGGERS KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_JMX_HOSTNAME "
while IFS= read -r name; do
  [[ $excluded == *" $name "* ]] && continue
  echo "run-kafka.sh: env $name becomes a server property (appended to the final server.properties)" >&2
done < <(compgen -e | grep '^KAFKA_' || true)

# --- launch ----------------------------------------------------------------------
# Every JVM: tests/lib/kafka.sh's command line, with the image's variables.
jvm=(--libs "$libs" --jvm-opts "${KAFKA_JVM_PERFORMANCE_OPTS:-$KAFKA_DEFAULT_JVM_OPTS}"
  --logs-dir "$work/logs" --tmp "$tmp")

echo "===> Launching ... "
echo "===> Using provided cluster id $CLUSTER_ID ..."
# kafka-run-class.sh runs tools with the tools log4j2 config; the image points
# it at /opt/kafka/config/tools-log4j2.yaml, which the setup step rewrites.
tools_log4j=$config_dir/tools-log4j2.yaml
[[ -f $tools_log4j ]] || tools_log4j=$defaults/tools-log4j2.yaml
if ! result=$(kafka_run "${jvm[@]}" --heap "${KAFKA_HEAP_OPTS:--Xmx256M}" \
    --log4j "$tools_log4j" --opts "${KAFKA_OPTS:-}" \
    kafka.docker.KafkaDockerWrapper setup \
    --default-configs-dir "$defaults" \
    --mounted-configs-dir "$shared" \
    --final-configs-dir "$config_dir" </dev/null 2>&1); then
  if grep -qi "already formatted" <<<"$result"; then
    grep -i "already formatted" <<<"$result"
  else
    echo "$result"
    die "KafkaDockerWrapper setup failed"
  fi
fi

[[ -f $config_dir/server.properties ]] || die "setup wrote no $config_dir/server.properties"
((setup_only == 0)) || { echo "run-kafka.sh: setup done (--setup-only): $config_dir/server.properties"; exit 0; }

gc_opts=${KAFKA_GC_LOG_OPTS:--Xlog:gc*:file=$work/logs/kafkaServer-gc.log:time,tags:filecount=10,filesize=100M}
kafka_cmd "${jvm[@]}" --heap "${KAFKA_HEAP_OPTS:-$KAFKA_DEFAULT_HEAP_OPTS}" \
  --log4j-opts "${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$config_dir/log4j2.yaml}" \
  --opts "$gc_opts ${KAFKA_JMX_OPTS:-} ${KAFKA_OPTS:-}" \
  kafka.Kafka "$config_dir/server.properties" "$@" || die "bad JVM command line"
exec "${KAFKA_CMD[@]}"
