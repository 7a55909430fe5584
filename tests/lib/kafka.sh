# shellcheck shell=bash
#
# kafka.sh — the one way the tests run a Kafka JVM: Apache's jars from Maven
# Central (tests/integration/kafka/fetch.sh), `java -cp 'libs/*' CLASS`, with
# the heap, JVM options, log4j config, kafka.logs.dir and java.io.tmpdir that
# kafka-run-class.sh would give it. tests/integration/kafka/cluster.sh starts
# its brokers with it; tests/e2e/kafka-pod/run-kafka.sh (the apache/kafka
# image's entrypoint, emulated) runs the image's steps on top of it.
# Needs nothing else sourced (it also runs inside a simulated pod).
#
#   kafka_libs [DIR...]     prints the libs dir: KAFKA_TEST_LIBS if set, else
#                           the first DIR holding Kafka's jar, else fetch.sh's
#   kafka_cmd [OPTION...] CLASS [ARG...]
#                           sets the array KAFKA_CMD to the JVM's command line:
#     --libs DIR            the jars (required)
#     --java BIN            default: $JAVA_HOME/bin/java if JAVA_HOME is set, else java
#     --heap OPTS           default KAFKA_DEFAULT_HEAP_OPTS
#     --jvm-opts OPTS       default KAFKA_DEFAULT_JVM_OPTS (fastest start on 2 cores)
#     --logs-dir DIR        -Dkafka.logs.dir
#     --log4j FILE          -Dlog4j2.configurationFile=FILE
#     --log4j-opts OPTS     instead of --log4j: the options as given (KAFKA_LOG4J_OPTS)
#     --tmp DIR             -Djava.io.tmpdir
#     --opts OPTS           more JVM options, last (GC log, JMX, KAFKA_OPTS)
#                           OPTS are option lists, split on white space.
#   kafka_run [OPTION...] CLASS [ARG...]   runs it in the foreground
#   kafka_random_uuid [OPTION...]          prints a new cluster id
#   kafka_format CONFIG CLUSTER_ID [OPTION...]
#                           formats CONFIG's log.dirs (StorageTool format
#                           --ignore-formatted)
# Errors: "kafka: ..." on stderr and status 1.

[[ -z ${_KAFKA_SH:-} ]] || return 0
_KAFKA_SH=1

KAFKA_DEFAULT_HEAP_OPTS="-Xms192m -Xmx192m"
KAFKA_DEFAULT_JVM_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.awt.headless=true"
_KAFKA_SH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

_kafka_has_jar() {
  compgen -G "$1/kafka_2.13-*.jar" >/dev/null
}

kafka_libs() {
  local d fetch=${_KAFKA_SH_DIR}/../integration/kafka/fetch.sh
  if [[ -n ${KAFKA_TEST_LIBS:-} ]]; then
    _kafka_has_jar "${KAFKA_TEST_LIBS}" || {
      echo "kafka: no kafka_2.13 jar in KAFKA_TEST_LIBS '${KAFKA_TEST_LIBS}'" >&2
      return 1
    }
    printf '%s\n' "${KAFKA_TEST_LIBS}"
    return 0
  fi
  for d; do
    if [[ -n ${d} ]] && _kafka_has_jar "${d}"; then
      printf '%s\n' "${d}"
      return 0
    fi
  done
  d=$("${fetch}" | tail -n1) || {
    echo "kafka: ${fetch} failed" >&2
    return 1
  }
  _kafka_has_jar "${d}" || {
    echo "kafka: no kafka_2.13 jar in '${d}' (from fetch.sh)" >&2
    return 1
  }
  printf '%s\n' "${d}"
}

kafka_cmd() {
  local libs='' java=java heap=${KAFKA_DEFAULT_HEAP_OPTS} jvm=${KAFKA_DEFAULT_JVM_OPTS}
  local logs='' log4j='' tmp='' opts=''
  [[ -z ${JAVA_HOME:-} ]] || java=${JAVA_HOME}/bin/java
  while [[ ${1:-} == --* ]]; do
    (($# >= 2)) || { echo "kafka: $1 needs a value" >&2; return 1; }
    case $1 in
      --libs) libs=$2 ;;
      --java) java=$2 ;;
      --heap) heap=$2 ;;
      --jvm-opts) jvm=$2 ;;
      --logs-dir) logs=$2 ;;
      --log4j) log4j="-Dlog4j2.configurationFile=$2" ;;
      --log4j-opts) log4j=$2 ;;
      --tmp) tmp=$2 ;;
      --opts) opts=$2 ;;
      *) echo "kafka: unknown option '$1'" >&2; return 1 ;;
    esac
    shift 2
  done
  (($#)) || { echo "kafka: no main class" >&2; return 1; }
  [[ -n ${libs} ]] || { echo "kafka: --libs DIR is required" >&2; return 1; }
  local -a split
  KAFKA_CMD=("${java}")
  read -r -a split <<<"${heap} ${jvm}"
  KAFKA_CMD+=("${split[@]}")
  [[ -z ${logs} ]] || KAFKA_CMD+=("-Dkafka.logs.dir=${logs}")
  read -r -a split <<<"${log4j}"
  KAFKA_CMD+=("${split[@]}")
  [[ -z ${tmp} ]] || KAFKA_CMD+=("-Djava.io.tmpdir=${tmp}")
  KAFKA_CMD+=(-cp "${libs}/*")
  read -r -a split <<<"${opts}"
  KAFKA_CMD+=("${split[@]}" "$@")
}

kafka_run() {
  kafka_cmd "$@" || return 1
  "${KAFKA_CMD[@]}"
}

kafka_random_uuid() {
  kafka_run "$@" kafka.tools.StorageTool random-uuid
}

kafka_format() {
  local config=$1 id=$2
  shift 2
  kafka_run "$@" kafka.tools.StorageTool format -t "${id}" -c "${config}" --ignore-formatted
}
