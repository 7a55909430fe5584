# Shared settings for the project's scripts. Source it: `. scripts/env.sh`.
#
# Everything downloaded (Go tools, Kafka jars) lives in one cache outside the
# work tree, so re-runs and CI on the same machine do not download again.
KAFKA_AGENT_CACHE=${KAFKA_AGENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-agent}
KAFKA_AGENT_TOOLS=$KAFKA_AGENT_CACHE/bin
export KAFKA_AGENT_CACHE KAFKA_AGENT_TOOLS
case ":$PATH:" in *":$KAFKA_AGENT_TOOLS:"*) ;; *) PATH=$KAFKA_AGENT_TOOLS:$PATH ;; esac
export PATH
