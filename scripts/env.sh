# shellcheck shell=sh
# Shared settings for the project's scripts. Source it: `. scripts/env.sh`.
#
# Everything downloaded (Go tools, Kafka jars) lives in one cache outside the
# work tree, so re-runs and CI on the same machine do not download again.
# A caller may run scripts under `env -i`: find HOME for the cache path.
if [ -z "${HOME:-}" ]; then HOME=$(getent passwd "$(id -u)" | cut -d: -f6); export HOME; fi
KAFKA_AGENT_CACHE=${KAFKA_AGENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-agent}
KAFKA_AGENT_TOOLS=$KAFKA_AGENT_CACHE/bin
export KAFKA_AGENT_CACHE KAFKA_AGENT_TOOLS
case ":$PATH:" in *":$KAFKA_AGENT_TOOLS:"*) ;; *) PATH=$KAFKA_AGENT_TOOLS:$PATH ;; esac
export PATH
