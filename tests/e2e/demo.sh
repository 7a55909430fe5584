#!/usr/bin/env bash
# The kafka-agent walkthrough, end to end: a 3-broker Kafka (KRaft)
# StatefulSet from manifests/base, applied with kubectl to a real Kubernetes
# control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, CoreDNS) on this machine, whose nodes are simulated
# (kubelet-sim: pods as processes in network namespaces; no container
# engine), with every claim checked.
#
#   tests/e2e/demo.sh [--test] [AGENT_BIN [KAFKA_TEST_TOOL]]
#
# `make demo` runs it as a narrated walkthrough; `make test` (ctest, label
# e2e) runs it with --test: the same scenario and the same assertions, but a
# machine that cannot run it (not root, no network namespaces, no overlayfs)
# is a skip (exit 77) instead of an error.
#
# The story (tests/e2e/README.md has the details); every step goes through
# the API, with kubectl rollout status / kubectl wait as the witnesses:
#   1. kubectl apply: the StatefulSet controller creates the pods in
#      parallel, the scheduler spreads them over the nodes; each pod's init
#      container waits until CoreDNS serves the names it needs (records made
#      by the EndpointSlice controller), then writes Kafka's config
#   2. the brokers register and unfence; every pod becomes Ready
#   3. topic `test` (3 partitions, replication factor 3; min.insync.replicas
#      2 from the base config): every agent reports ISR 0,1,2
#   4. kubectl scale --replicas=2: kafka-2 deleted, its DNS name gone; ISR
#      0,1, 3 under-replicated partitions, restarting kafka-1 now is UNSAFE;
#      acks=all writes still succeed
#   5. kubectl scale --replicas=3: kafka-2 comes back on its old volume and is
#      Ready (in the API) only once it is back in every ISR
#   6. kubectl rollout restart under an acks=all producer and a consumer: the
#      controller replaces kafka-2, kafka-1, kafka-0, each only when the
#      previous is Ready for minReadySeconds; nothing acknowledged is lost, no
#      partition goes offline
#   7. kubectl delete statefulset; the data volumes stay; everything is
#      removed again (also on Ctrl-C or a failure; a failed run keeps its work
#      directory with every log and says where)
#
# Exit: 0 passed; 1 a step failed; 77 (--test only) cannot run here; 130/143
# interrupted (everything is removed, the work directory too).
# Environment: E2E_RATE (producer messages/s, default 1000), KEEP=1 (keep
# the work directory of a passing or interrupted run), E2E_WORK_ROOT (default
# /tmp), E2E_KAFKA_HEAP_OPTS (default -Xms384m -Xmx384m), E2E_AGENT_IMAGE
# (the agent image's archive, unpacked with container/unpack-image.sh) or
# E2E_AGENT_ROOTFS (its unpacked root filesystem); default: a root staged
# from AGENT_BIN with container/stage-rootfs.sh.
set -uo pipefail

MODE=demo
if [[ ${1:-} == --test ]]; then
  MODE='test'
  shift
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "${HERE}/../.." && pwd)
AGENT=${1:-${ROOT}/build/kafka-agent}
TOOL=${2:-${ROOT}/build/tests/kafka-test-tool}
RATE=${E2E_RATE:-1000}

case ":${PATH}:" in
  *:/usr/sbin:*) ;;
  *) PATH="${PATH}:/usr/sbin:/sbin" ;;
esac
# shellcheck source=tests/lib/common.sh
. "${ROOT}/tests/lib/common.sh"
# shellcheck source=tests/lib/pods.sh
. "${ROOT}/tests/lib/pods.sh"
# shellcheck source=tests/e2e/lib/k8s.sh
. "${ROOT}/tests/e2e/lib/k8s.sh"

T0=${LIB_T0}

# ---------------------------------------------------------------- preflight

cannot_run() {
  if [[ ${MODE} == test ]]; then
    printf 'SKIP: %s\n' "$*"
    exit 77
  fi
  printf 'demo: cannot run here: %s\n' "$*" >&2
  exit 1
}
missing() {
  printf 'demo: %s\n' "$*" >&2
  exit 1
}

[[ ${EUID} -eq 0 ]] || cannot_run "needs root (network namespaces, mounts); run it as root or with sudo"
command -v ip >/dev/null || cannot_run "'ip' (iproute2) not found"
probe_ns="ka-probe-$$"
ip netns add "${probe_ns}" 2>/dev/null || cannot_run "'ip netns add' does not work here (no CAP_SYS_ADMIN?)"
ip netns del "${probe_ns}"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems || cannot_run "no overlay filesystem in this kernel"
for t in unshare:util-linux setpriv:util-linux nsenter:util-linux findmnt:util-linux \
  openssl:openssl curl:curl java:default-jre-headless jq:jq python3:python3-yaml \
  grpc-health-probe:scripts/go-tools.sh grpcurl:scripts/go-tools.sh kustomize:scripts/go-tools.sh; do
  command -v "${t%%:*}" >/dev/null || missing "${t%%:*} not found (${t#*:}): run make deps"
done
python3 -c 'import yaml' 2>/dev/null || missing "python3 has no yaml module (python3-yaml): run make deps"
"${ROOT}/tests/k8s/build.sh" --print-bin >/dev/null 2>&1 ||
  missing "the Kubernetes control plane is not built: run make deps (tests/k8s/build.sh)"
"${ROOT}/tests/integration/kafka/fetch.sh" --print-libs >/dev/null 2>&1 ||
  missing "Kafka's jars are not fetched: run make deps (tests/integration/kafka/fetch.sh)"
for b in "${AGENT}" "${TOOL}"; do
  [[ -x ${b} ]] || missing "${b} not found: build first (make build)"
done
AGENT=$(realpath "${AGENT}")
TOOL=$(realpath "${TOOL}")

WORK=$(mktemp -d "${E2E_WORK_ROOT:-/tmp}/kafka-e2e.XXXXXX") || missing "mktemp failed"
chmod 0755 "${WORK}"
# The run id names the namespaces (ka-<run>-*) and picks the pods' subnet
# (10.244.N.0/24 from its hash): k8s<pid>, apart from other tests' runs.
RUN=k8s$$
RUN=${RUN:0:12}
OK=0
STEP_NO=0
STEP_NAME=setup
STEP_T0=${T0}
declare -a STEP_TIMES=()

# ---------------------------------------------------------------- failure and cleanup

fail() {
  local f
  trap '' INT
  printf '\n'
  say "FAIL in step ${STEP_NO} (${STEP_NAME}): $*"
  if [[ -n ${K8S_BIN:-} && -n ${PODS_NODE_NS:-} ]]; then
    printf -- '--- kubectl get pods,pvc -o wide\n'
    kc -n "${K8S_NS:-kafka}" get pods,pvc -o wide 2>&1 | sed 's/^/    /'
    printf -- '--- kubectl get events (last 15)\n'
    kc -n "${K8S_NS:-kafka}" get events --sort-by=.lastTimestamp 2>&1 | tail -n 15 | cut -c1-220 | sed 's/^/    /'
  fi
  for f in "${WORK}"/nodes/*/pods/*/logs/*.log; do
    [[ -f ${f} ]] || continue
    printf -- '--- %s (last 12 lines)\n' "${f#"${WORK}"/}"
    tail -n 12 "${f}" | cut -c1-300 | sed 's/^/    /'
  done
  for f in "${WORK}"/nodes/*/kubelet.log "${WORK}"/client/*.log; do
    [[ -f ${f} ]] || continue
    printf -- '--- %s (last 8 lines)\n' "${f#"${WORK}"/}"
    tail -n 8 "${f}" | cut -c1-300 | sed 's/^/    /'
  done
  exit 1
}

cleanup() {
  local rc=$?
  trap '' INT TERM
  if [[ -n ${K8S_DIR:-} ]]; then
    ((OK)) || say "cleaning up: stopping the nodes' pods, the kubelets, CoreDNS, the control plane; removing the namespaces..."
    k8s_stop_all
  fi
  if [[ ${KEEP:-0} != 1 ]] && ((OK || rc == 130 || rc == 143)); then
    # Passed, or interrupted (Ctrl-C): nothing of the run stays.
    rm -rf -- "${WORK:?}"
    ((OK)) || say "removed ${WORK} (KEEP=1 keeps it)"
  else
    printf '\nThe work directory is kept: %s\n' "${WORK}"
    printf '  nodes/<node>/kubelet.log                       what each kubelet-sim did\n'
    printf '  nodes/<node>/pods/<ns>_<pod>_<uid>/logs/<c>.log each container'"'"'s output (kubectl logs)\n'
    printf '  k8s/logs/  the control plane; k8s/coredns.log  every DNS query\n'
    printf '  client/  producer, consumer, samples, pods.watch (every pod change the API reported)\n'
    printf '  manifests.yaml  what was applied (kustomize build manifests/base)\n'
    printf 'Remove it with: rm -rf %s\n' "${WORK}"
  fi
  exit "${rc}"
}
exit_traps cleanup

# ---------------------------------------------------------------- helpers

step() {
  local now
  now=$(now_ms)
  if ((STEP_NO > 0)); then STEP_TIMES+=("$(secs $((now - STEP_T0)))s  ${STEP_NO}. ${STEP_NAME}"); fi
  STEP_NO=$((STEP_NO + 1))
  STEP_NAME=$1
  STEP_T0=${now}
  shift
  printf '\n== Step %d/7: %s\n' "${STEP_NO}" "${STEP_NAME}"
  (($# == 0)) || info "$@"
}

# pod_failure: the first container of the StatefulSet's pods that restarted
# or cannot start (the kubelet would retry; here it is a failure of the run).
pod_failure() {
  kc -n "${K8S_NS}" get pods -l "app.kubernetes.io/name=${K8S_STS}" -o json 2>/dev/null | jq -r '
    [.items[] | .metadata.name as $p | (.status.initContainerStatuses // []) + (.status.containerStatuses // [])
     | .[] | select(.restartCount > 0 or ((.state.waiting.reason // "PodInitializing")
                    | IN("PodInitializing", "ContainerCreating") | not))
     | "\($p): container \(.name) restarted \(.restartCount) time(s); \(.state | tostring | .[0:200])"] | first // empty' |
    grep .
}

# await LIMIT_S DESCRIPTION CMD...: polls CMD every 0.2 s until it succeeds;
# fails the run after LIMIT_S seconds or when a container failed (checked
# every 2 s). Sets WAITED_MS.
await() {
  local limit=$1 what=$2 t0 f last
  shift 2
  t0=$(now_ms)
  last=${t0}
  say "waiting for ${what} (at most ${limit}s)"
  until "$@"; do
    if (($(now_ms) - last > 2000)); then
      last=$(now_ms)
      if f=$(pod_failure); then fail "${f}"; fi
    fi
    (($(now_ms) - t0 < limit * 1000)) || fail "timed out after ${limit}s waiting for ${what}"
    nap 0.2
  done
  WAITED_MS=$(($(now_ms) - t0))
  say "  -> done after $(secs "${WAITED_MS}")s"
}

# kwait LIMIT_S DESCRIPTION KUBECTL-ARGS...: a kubectl command that waits
# (rollout status, wait) as the witness; fails the run when it does.
kwait() {
  local limit=$1 what=$2 t0 out
  shift 2
  t0=$(now_ms)
  say "kubectl $* (${what})"
  out=$(kc "$@" --timeout="${limit}s" 2>&1) || fail "kubectl $*: ${out}"
  WAITED_MS=$(($(now_ms) - t0))
  show <<<"${out}"
  say "  -> done after $(secs "${WAITED_MS}")s"
}

# The pod's agent, as the kubelet probes it: SERVING, NOT_SERVING or ERROR.
agent_addr() {
  printf '%s:%s\n' "$(k8s_pod_ip "$1")" "${K8S_READY_PORT}"
}
probe() {
  local out addr
  addr=$(agent_addr "$1") || { echo ERROR; return; }
  if out=$(pods_node_exec grpc-health-probe -addr "${addr}" -service "$2" \
    -connect-timeout 1s -rpc-timeout 1s 2>&1); then
    echo SERVING
  elif [[ ${out} == *NOT_SERVING* ]]; then
    echo NOT_SERVING
  else
    echo ERROR
  fi
}

# probe_all SERVICE PODS...: every pod's agent answers SERVING for SERVICE.
probe_all() {
  local pod
  for pod in "${@:2}"; do
    [[ $(probe "${pod}" "$1") == SERVING ]] || return 1
  done
}

# agent_status POD ARGS...: `kafka-agent status --addr <pod's agent> ARGS`,
# from the node (like an operator with a port-forward).
agent_status() {
  local pod=$1 addr
  shift
  addr=$(agent_addr "${pod}") || return 1
  pods_node_exec "${AGENT}" status --addr "${addr}" "$@"
}

# isr POD: the ISR of each partition of test as the pod's agent sees it,
# e.g. "0,1,2 0,1,2 0,1,2" (sorted ids).
isr() {
  agent_status "$1" --json --topic test --timeout 2s 2>/dev/null |
    jq -r '[.partitions.partitions // [] | .[] | (.isr | sort | map(tostring) | join(","))] | join(" ")'
}

# isr_all WANT PODS...: every pod's agent sees ISR WANT on test-0..2.
isr_all() {
  local pod
  for pod in "${@:2}"; do
    [[ $(isr "${pod}") == "$1" ]] || return 1
  done
}

# api_ready POD: the pod's Ready condition in the API is True.
api_ready() {
  [[ $(k8s_pod_field "$1" '{.status.conditions[?(@.type=="Ready")].status}') == True ]]
}

# no_unknown_host POD: its (current) Kafka logged no UnknownHostException:
# it did not start before the names it needs resolved.
no_unknown_host() {
  local log
  log=$(k8s_log "$1" "${K8S_MAIN}") || fail "$1: no log of its ${K8S_MAIN} container"
  if grep -q UnknownHostException "${log}"; then
    fail "$1: Kafka logged UnknownHostException: $(grep -m1 UnknownHostException "${log}" | cut -c1-200)"
  fi
}

# kafka_ms "2026-11-25 20:17:04,309": a Kafka log timestamp in epoch ms.
kafka_ms() {
  local s
  s=$(date -d "${1%,*}" +%s) || return 1
  printf '%s\n' $((s * 1000 + 10#${1#*,}))
}

# iso_ms 2026-12-01T12:00:00Z: an API timestamp in epoch ms.
iso_ms() {
  local s
  s=$(date -d "$1" +%s) || return 1
  printf '%s\n' $((s * 1000))
}

# On the client pod, as a person would type it (pod DNS names).
client() {
  pods_exec client "$@"
}

agent_dns_addr() {
  printf '%s:%s\n' "$(k8s_fqdn "$1")" "${K8S_READY_PORT}"
}

# check_restart POD [NODE]: the verdict of POD's agent; sets VERDICT, VERDICT_RC.
check_restart() {
  local -a node=()
  [[ -z ${2:-} ]] || node=(--node-id "$2")
  VERDICT_RC=0
  VERDICT=$(pods_node_exec "${AGENT}" check-restart --addr "$(agent_addr "$1")" "${node[@]}" 2>&1) ||
    VERDICT_RC=$?
}

json_field() {
  jq -r ".$2" <<<"$1"
}

# The last JSON result line a kafka-test-tool run printed.
tool_result() {
  grep -E '^\{"(sent|consumed)"' "$1" | tail -n 1
}

progress_line() {
  local p c
  p=$(cat "${WORK}/client/producer.progress" 2>/dev/null) || p='{}'
  c=$(cat "${WORK}/client/consumer.progress" 2>/dev/null) || c='{}'
  printf 'producer: %s sent, %s acknowledged, %s failed; consumer: %s read\n' \
    "$(json_field "${p}" 'sent // 0')" "$(json_field "${p}" 'acked // 0')" \
    "$(json_field "${p}" 'failed // 0')" "$(json_field "${c}" 'consumed // 0')"
}

# sampler: `kafka-agent status --offline --json` on every running agent, as
# often as it can, into client/samples:
#   TIME_MS POD STALE REGISTERED OFFLINE_COUNT OFFLINE_LISTED UNDER_MIN_ISR
# The pods' addresses come from the API (client/pod-ips, refreshed ~1/s).
sampler() {
  local pod ip out n=0
  while [[ ! -e ${WORK}/client/sampler.stop ]]; do
    if ((n++ % 3 == 0)); then
      kc -n "${K8S_NS}" get pods -l "app.kubernetes.io/name=${K8S_STS}" \
        -o jsonpath='{range .items[*]}{.metadata.name} {.status.podIP}{"\n"}{end}' \
        >"${WORK}/client/pod-ips.tmp" 2>/dev/null && mv "${WORK}/client/pod-ips.tmp" "${WORK}/client/pod-ips"
    fi
    while read -r pod ip; do
      [[ -n ${ip} ]] || continue
      out=$(pods_node_exec "${AGENT}" status --addr "${ip}:${K8S_READY_PORT}" --offline --json --timeout 1s 2>/dev/null) || continue
      printf '%s %s %s\n' "$(now_ms)" "${pod}" "$(jq -r '[.status.snapshot_stale,
        .status.broker_registered, .status.counts.offline,
        (.partitions.partitions // [] | length), .status.counts.under_min_isr] | @tsv' <<<"${out}")" \
        >>"${WORK}/client/samples"
    done <"${WORK}/client/pod-ips"
  done
}

# dns_is NAME ADDRESSES: the cluster DNS answers NAME with exactly these
# addresses (none: NAME does not resolve).
dns_is() {
  [[ $(k8s_resolve "$1" | paste -sd' ') == "$2" ]]
}


# ---------------------------------------------------------------- the story

printf 'kafka-agent %s: a Kafka (KRaft) StatefulSet on a real Kubernetes control plane\n' "${MODE}"
info "etcd, kube-apiserver, kube-controller-manager, kube-scheduler and CoreDNS run here for real" \
  "(tests/k8s/versions.env); only the kubelets are simulated: kubelet-sim registers a Node" \
  "and runs the pods bound to it as processes in network namespaces (no container engine" \
  "works here). kubectl applies the kustomize build of manifests/base; from then on the" \
  "StatefulSet controller, the scheduler, the EndpointSlice controller and CoreDNS decide."
info "Work directory: ${WORK}"

say "setting up: node network, control plane, CoreDNS, ${K8S_NODES} nodes, volumes, client pod"
k8s_setup || fail "setup failed"
pods_create client 20 --namespace "${K8S_NS}" || fail "could not create the client pod"
K8S_BOOTSTRAP="${K8S_SVC}.${K8S_NS}.svc.${PODS_CLUSTER_DOMAIN}:9092"
k8s_watch_pods
info "StatefulSet ${K8S_STS}: ${K8S_REPLICAS} replicas in namespace ${K8S_NS}, headless Service ${K8S_SVC}," \
  "readinessProbe gRPC :${K8S_READY_PORT} \"${K8S_READY_SERVICE}\", minReadySeconds ${K8S_MIN_READY}," \
  "terminationGracePeriodSeconds ${K8S_GRACE}; ${K8S_REPLICAS} PersistentVolumes (hostPath) and their claims, bound before the StatefulSet exists."
info "Images: kafka-agent:* from the root filesystem ${K8S_AGENT_ROOTFS}" \
  "(read-only, uid 65532); apache/kafka:* emulated from Kafka's jars, with KAFKA_HEAP_OPTS=${K8S_KAFKA_HEAP}" \
  "in its image environment (the manifest sets no heap; the image's 1 GiB x 3 does not suit this machine)."
info "Client pod $(pods_ip client) (outside the API) runs the producer, the consumer and kafka-agent status."

# 1 ---------------------------------------------------------------------------
step "kubectl apply; the pods start in parallel; init waits for DNS" \
  "The StatefulSet controller creates all ${K8S_REPLICAS} pods at once (podManagementPolicy Parallel) and the" \
  "scheduler spreads them over the nodes. A pod's DNS name exists only once its kubelet reported" \
  "its address, the EndpointSlice controller listed it and CoreDNS saw that: each init container" \
  "(kafka-agent init) waits until its own name and a majority of the controller quorum resolve."
say "kubectl apply -f manifests.yaml (kustomize build manifests/base)"
kc apply -f "${WORK}/manifests.yaml" 2>&1 | show
t_apply=$(now_ms)
have_pods() {
  [[ $(kc -n "${K8S_NS}" get pods -l "app.kubernetes.io/name=${K8S_STS}" -o name 2>/dev/null | wc -l) == "${K8S_REPLICAS}" ]]
}
await 60 "the StatefulSet controller to create ${K8S_REPLICAS} pods" have_pods
kwait 180 "every pod's init done and Kafka started: phase Running" \
  -n "${K8S_NS}" wait --for=jsonpath='{.status.phase}'=Running pod -l "app.kubernetes.io/name=${K8S_STS}"
# Created together, spread over the nodes.
read -r first last < <(awk -F'|' '$2 == "ADDED" { t[$3] = $1 } END {
  mn = 0; mx = 0; for (p in t) { if (!mn || t[p] < mn) mn = t[p]; if (t[p] > mx) mx = t[p] } print mn, mx }' "${K8S_POD_WATCH}")
say "the ${K8S_REPLICAS} pods appeared in the API within $(secs $((last - first)))s of each other, $(secs $((first - t_apply)))s after kubectl apply"
(((last - first) < 3000)) || fail "the pods were not created in parallel (spread over $(secs $((last - first)))s)"
kc -n "${K8S_NS}" get pods -o wide 2>&1 | show
nodes=$(kc -n "${K8S_NS}" get pods -l "app.kubernetes.io/name=${K8S_STS}" -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | sort -u | wc -l)
((nodes == K8S_REPLICAS)) ||
  fail "the scheduler put the ${K8S_REPLICAS} pods on ${nodes} nodes; the manifest's podAntiAffinity prefers one per node"
say "one pod per node, as the manifest's preferred podAntiAffinity asks"
for pod in "${K8S_PODS[@]}"; do
  log=$(k8s_log "${pod}" "${K8S_INIT}") || fail "${pod}: no log of ${K8S_INIT}"
  grep -q 'resolved to' "${log}" || fail "${pod}: its init log has no 'resolved to' line"
  say "${pod}'s init container, what it waited for:"
  grep -E 'dns: (waiting for|.* resolved to|ready after)' "${log}" | sed -E 's/^[^ ]+ +[a-z]+ +//' | cut -c1-150 | show
done
say "what init derived for kafka-2 (from its ordinal) in /mnt/shared/config/server.properties:"
grep -E '^(node\.id|process\.roles|controller\.quorum\.voters|advertised\.listeners|log\.dirs)=' \
  "$(k8s_pod_dir kafka-2)/volumes/kubernetes.io~empty-dir/shared-config/server.properties" | show

# 2 ---------------------------------------------------------------------------
step "the brokers register and unfence; the pods become Ready" \
  "Each sidecar (kafka-agent serve) polls its local broker. kafka.broker (the startup probe) =" \
  "registered and unfenced; kafka.ready (the readiness probe) = that, and in the ISR of every" \
  "partition it hosts. kubelet-sim runs the probes as declared (the kubelet's own gRPC prober)."
declare -A UNFENCED=()
unfenced_all() {
  local pod n t log
  for pod in "${K8S_PODS[@]}"; do
    [[ -n ${UNFENCED[${pod}]:-} ]] && continue
    [[ $(probe "${pod}" kafka.broker) == SERVING ]] || continue
    t=$(($(now_ms) - t_apply))
    UNFENCED[${pod}]=${t}
    log=$(k8s_log "${pod}" "${K8S_MAIN}")
    n=$(grep -c UnknownHostException "${log}")
    say "${pod}: kafka.broker SERVING (registered, unfenced) $(secs "${t}")s after kubectl apply; UnknownHostException lines in its Kafka log: ${n}"
    ((n == 0)) || fail "${pod}: Kafka logged UnknownHostException before registering: $(grep -m1 UnknownHostException "${log}")"
  done
  ((${#UNFENCED[@]} == ${#K8S_PODS[@]}))
}
await 180 "kafka.broker SERVING on every agent" unfenced_all
kwait 180 "every pod Ready" -n "${K8S_NS}" rollout status "statefulset/${K8S_STS}"
READY_ALL_MS=$(($(now_ms) - t_apply))
for pod in "${K8S_PODS[@]}"; do no_unknown_host "${pod}"; done
say "every pod Ready $(secs "${READY_ALL_MS}")s after kubectl apply; no UnknownHostException in any Kafka log"
say "kafka-agent status, from the client pod:  kafka-agent status --addr $(agent_dns_addr kafka-0)"
client "${AGENT}" status --addr "$(agent_dns_addr kafka-0)" | sed '/^$/,$d' | show

# 3 ---------------------------------------------------------------------------
step "topic test: 3 partitions, replication factor 3" \
  "min.insync.replicas is 2 from the base config (the ConfigMap), not set on the topic."
say "client pod: kafka-test-tool create-topic -b ${K8S_BOOTSTRAP} -t test -p 3 -r 3"
client "${TOOL}" create-topic -b "${K8S_BOOTSTRAP}" -t test -p 3 -r 3 2>&1 | show
await 60 "every agent to report ISR 0,1,2 on test-0, test-1, test-2" \
  isr_all "0,1,2 0,1,2 0,1,2" "${K8S_PODS[@]}"
min_isr_is() {
  mins=$(agent_status kafka-0 --json --topic test | jq -r '[.partitions.partitions[].min_insync_replicas] | unique | join(",")')
  [[ ${mins} == "$1" ]]
}
await 30 "kafka-0's agent to report min.insync.replicas 2 on test (from the base config)" min_isr_is 2
say "kafka-agent status --addr $(agent_dns_addr kafka-0) --topic test"
client "${AGENT}" status --addr "$(agent_dns_addr kafka-0)" --topic test | sed '1,/^$/d' | show

# 4 ---------------------------------------------------------------------------
step "kubectl scale --replicas=2: kafka-2 is deleted" \
  "The StatefulSet controller deletes the highest ordinal; kubelet-sim stops Kafka (SIGTERM, the" \
  "sidecar only after Kafka exited). The data volume stays (persistentVolumeClaimRetentionPolicy Retain)."
check_restart kafka-2
say "check-restart for node 2 first (what an operator or a PodDisruptionBudget-aware tool asks):"
show <<<"${VERDICT}"
fqdn2=$(k8s_fqdn kafka-2)
t0=$(now_ms)
kc -n "${K8S_NS}" scale "statefulset/${K8S_STS}" --replicas=2 2>&1 | show
kwait 180 "the pod gone from the API" -n "${K8S_NS}" wait --for=delete pod/kafka-2
DELETE_MS=$(($(now_ms) - t0))
await 30 "${fqdn2} to stop resolving (the EndpointSlice controller and CoreDNS)" \
  dns_is "${fqdn2}" ""
say "kafka-2 gone $(secs "${DELETE_MS}")s after kubectl scale; its DNS name no longer resolves"
pvc=$(kc -n "${K8S_NS}" get pvc "${K8S_CLAIM}-kafka-2" -o jsonpath='{.status.phase}' 2>&1)
[[ ${pvc} == Bound ]] || fail "the claim ${K8S_CLAIM}-kafka-2 should stay (Retain), Bound; got: ${pvc}"
say "PersistentVolumeClaim ${K8S_CLAIM}-kafka-2 kept, still Bound"
await 60 "the agents of kafka-0 and kafka-1 to report ISR 0,1 on every partition" \
  isr_all "0,1 0,1 0,1" kafka-0 kafka-1
for pod in kafka-0 kafka-1; do
  ur=$(agent_status "${pod}" --json --topic test --under-replicated | jq -r '.partitions.partitions | length')
  [[ ${ur} == 3 ]] || fail "${pod}'s agent lists ${ur} under-replicated partitions of test, want 3"
  api_ready "${pod}" || fail "${pod} should stay Ready"
done
say "both agents list 3 under-replicated partitions; kafka-0 and kafka-1 stay Ready (in the API):"
say "kafka-agent status --addr $(agent_dns_addr kafka-0) --topic test --under-replicated"
client "${AGENT}" status --addr "$(agent_dns_addr kafka-0)" --topic test --under-replicated | show
check_restart kafka-0 1
if ((VERDICT_RC != 1)) || [[ ${VERDICT} != UNSAFE* ]]; then
  fail "check-restart --node-id 1 should be UNSAFE (exit 1); got exit ${VERDICT_RC}: ${VERDICT}"
fi
say "kafka-agent check-restart --node-id 1 (exit ${VERDICT_RC}): restarting kafka-1 now would take partitions below min.insync.replicas"
show <<<"${VERDICT}"
say "acks=all writes still succeed with 2 in-sync replicas (= min.insync.replicas): 20000 messages of 4 KiB"
client "${TOOL}" produce -b "${K8S_BOOTSTRAP}" -t test --count 20000 --rate 20000 --start 100000000 --size 4096 \
  --acked-file "${WORK}/client/scaled-down.acked" >"${WORK}/client/scaled-down.log" 2>&1 ||
  fail "producing with kafka-2 away failed: $(tail -n 3 "${WORK}/client/scaled-down.log")"
res=$(tool_result "${WORK}/client/scaled-down.log")
show <<<"${res}"
[[ $(json_field "${res}" acked) == 20000 ]] || fail "with kafka-2 away, want 20000 acknowledged: ${res}"

# 5 ---------------------------------------------------------------------------
step "kubectl scale --replicas=3: kafka-2 rejoins, Ready only once caught up" \
  "A new kafka-2 (new UID, new address) runs init again, finds its old volume, and must copy what" \
  "it missed (the 20000 messages, 80 MB) before it is back in the ISRs; only then is it Ready."
recreated=$(now_ms)
kc -n "${K8S_NS}" scale "statefulset/${K8S_STS}" --replicas=3 2>&1 | show
sidecar_up() { [[ $(probe kafka-2 "") == SERVING ]]; }
await 90 "kafka-2's sidecar to answer (so we can watch its status stream)" sidecar_up
ip2=$(k8s_pod_ip kafka-2)
# (`ip netns exec` execs grpcurl: $! is grpcurl's pid.)
ip netns exec "${PODS_NODE_NS}" grpcurl -plaintext -max-time 600 "${ip2}:${K8S_READY_PORT}" \
  kafka_agent.v1.KafkaAgent/WatchStatus >"${WORK}/client/watch-kafka-2.json" \
  2>"${WORK}/client/watch-kafka-2.err" &
K8S_HELPERS+=($!)
WATCH_PID=$!
say "grpcurl ... kafka_agent.v1.KafkaAgent/WatchStatus on kafka-2 (${ip2}) records every change"
# publishNotReadyAddresses: the name resolves while the pod is not Ready.
await 10 "${fqdn2} to resolve to the new kafka-2's address ${ip2}" dns_is "${fqdn2}" "${ip2}"
! api_ready kafka-2 || fail "kafka-2 is already Ready; cannot show that its name resolves before it is"
say "kafka-2 is not Ready yet, and its name already resolves to its new address (publishNotReadyAddresses: true)"
last=''
t_reg=''
t_ready=''
t_behind=0
deadline=$(($(now_ms) + 180000))
n=0
while [[ -z ${t_ready} ]]; do
  (($(now_ms) < deadline)) || fail "kafka-2 not Ready (in the API) 180s after kubectl scale"
  if ((n++ % 10 == 9)) && f=$(pod_failure); then fail "${f}"; fi
  t=$(now_ms)
  b=$(probe kafka-2 kafka.broker)
  r=$(probe kafka-2 "${K8S_READY_SERVICE}")
  view=$(isr kafka-2)
  if [[ "${b} ${r}" != "${last}" ]]; then
    say "kafka-2 probes: kafka.broker ${b}, kafka.ready ${r}; its agent's ISR view of test: ${view:-?}"
    last="${b} ${r}"
  fi
  [[ -n ${t_reg} || ${b} != SERVING ]] || t_reg=$(now_ms)
  caught_up=1
  for p in ${view}; do [[ ,${p}, == *,2,* ]] || caught_up=0; done
  [[ $(wc -w <<<"${view}") == 3 ]] || caught_up=0
  ((caught_up)) || t_behind=${t}
  if [[ ${r} == SERVING ]] && ((!caught_up)); then
    fail "kafka-2's kafka.ready is SERVING but its ISR view is '${view}'"
  fi
  if api_ready kafka-2; then
    t_ready=$(now_ms)
    ((caught_up)) || fail "kafka-2 is Ready in the API but its agent's ISR view is '${view}'"
  fi
  nap 0.2
done
# The API's own record: the Ready=True event of the new kafka-2 came after
# the last sample in which kafka-2 was still missing from an ISR.
uid2=$(k8s_pod_field kafka-2 '{.metadata.uid}')
t_api=$(awk -F'|' -v u="${uid2}" '$4 == u && $6 == "True" { print $1; exit }' "${K8S_POD_WATCH}")
[[ -n ${t_api} ]] || fail "the API's watch never showed the new kafka-2 Ready"
((t_api > t_behind)) ||
  fail "the API showed kafka-2 Ready at +$(secs $((t_api - recreated)))s, but its agent still saw it out of an ISR at +$(secs $((t_behind - recreated)))s"
[[ -n ${t_reg} ]] || t_reg=${t_ready}
KAFKA2_READY_MS=$((t_api - recreated))
say "kafka-2: broker registered $(secs $((t_reg - recreated)))s, Ready in the API $(secs "${KAFKA2_READY_MS}")s after kubectl scale (last seen out of an ISR at +$(secs $((t_behind - recreated)))s)"
no_unknown_host kafka-2
nap 2.5
kill -TERM "${WATCH_PID}" 2>/dev/null
wait "${WATCH_PID}" 2>/dev/null
jq -s -e 'length >= 2 and any(.[]; .ready == true)' "${WORK}/client/watch-kafka-2.json" >/dev/null 2>&1 ||
  fail "WatchStatus on kafka-2 sent fewer than 2 updates, or none saying ready (see client/watch-kafka-2.json)"
# grpcurl prints proto field names; absent fields are false / 0.
bad=$(jq -s '[.[] | select(.ready == true and (((.counts.not_in_isr // 0) > 0) or (.broker_registered // false) != true))] | length' \
  "${WORK}/client/watch-kafka-2.json")
[[ ${bad} == 0 ]] || fail "WatchStatus on kafka-2: ${bad} updates say ready while not caught up"
phases=$(jq -rs '
  [.[] | if .ready == true then "ready"
         elif (.broker_registered // false) then "registered, catching up (\(.counts.not_in_isr // 0) partitions not in ISR)"
         else "broker not registered yet" end]
  | reduce .[] as $p ([]; if length > 0 and .[-1] == $p then . else . + [$p] end) | join(" -> ")' \
  "${WORK}/client/watch-kafka-2.json")
say "kafka-2's status stream (WatchStatus), its phases in order; never ready while behind:"
show <<<"${phases}"
log2=$(k8s_log kafka-2 "${K8S_MAIN}")
line=$(grep -m1 'The broker has been unfenced' "${log2}")
t_created2=$(awk -F'|' -v u="${uid2}" '$4 == u { print $1; exit }' "${K8S_POD_WATCH}")
say "kafka-2's timeline, in seconds after kubectl scale:"
{
  printf '%s %s\n' "${t_created2}" "pod created by the StatefulSet controller (API watch)"
  [[ -z ${line} ]] || printf '%s %s\n' "$(kafka_ms "${line:1:23}")" "broker unfenced (Kafka's log); it starts fetching what it missed"
  printf '%s %s\n' "${t_api}" "Ready in the API: back in the ISR of every partition it hosts (readiness probe kafka.ready)"
} | sort -n | while read -r ms what; do
  printf '+%5ss  %s\n' "$(secs $((ms - recreated)))" "${what}"
done | show
grep -q 'already formatted' "${log2}" ||
  fail "kafka-2 should have found its storage already formatted (the data volume is kept)"
say "kafka-2's Kafka found its old data: $(grep -m1 'already formatted' "${log2}" | cut -c1-90)..."
await 60 "every agent to report ISR 0,1,2 again" isr_all "0,1,2 0,1,2 0,1,2" "${K8S_PODS[@]}"

# 6 ---------------------------------------------------------------------------
step "kubectl rollout restart under load, driven by readiness" \
  "The StatefulSet controller replaces one pod at a time, highest ordinal first, and only when every" \
  "pod is Ready (and has been for minReadySeconds=${K8S_MIN_READY}). Meanwhile a producer (acks=all," \
  "idempotent, ${RATE} messages/s) and a consumer run on the client pod."
pods_spawn client "${WORK}/client/consumer.log" "${TOOL}" consume -b "${K8S_BOOTSTRAP}" -t test \
  --expect-file "${WORK}/client/expected" --stop-file "${WORK}/client/consumer.stop" --timeout 180 \
  --progress-file "${WORK}/client/consumer.progress" || fail "could not start the consumer"
CONSUMER_PID=${PODS_PID}
pods_spawn client "${WORK}/client/producer.log" "${TOOL}" produce -b "${K8S_BOOTSTRAP}" -t test \
  --rate "${RATE}" --stop-file "${WORK}/client/producer.stop" --acked-file "${WORK}/client/roll.acked" \
  --progress-file "${WORK}/client/producer.progress" || fail "could not start the producer"
PRODUCER_PID=${PODS_PID}
: >"${WORK}/client/pod-ips"
sampler &
SAMPLER_PID=$!
K8S_HELPERS+=("${SAMPLER_PID}")
producing() {
  [[ $(json_field "$(cat "${WORK}/client/producer.progress" 2>/dev/null || echo '{}')" 'acked // 0') -gt 0 ]]
}
await 30 "the producer's first acknowledgements" producing
ROLL_T0=$(now_ms)
roll_mark=$(wc -l <"${K8S_POD_WATCH}")
declare -A OLD_UID=() SEEN_DEL=() SEEN_NEW=() SEEN_READY=() T_DEL=() T_NEW=() T_READY=()
for pod in "${K8S_PODS[@]}"; do OLD_UID[${pod}]=$(k8s_pod_field "${pod}" '{.metadata.uid}'); done
kc -n "${K8S_NS}" rollout restart "statefulset/${K8S_STS}" 2>&1 | show
kc -n "${K8S_NS}" rollout status "statefulset/${K8S_STS}" --timeout=420s >"${WORK}/client/rollout-status.log" 2>&1 &
ROLLOUT_PID=$!
K8S_HELPERS+=("${ROLLOUT_PID}")
say "kubectl rollout status statefulset/${K8S_STS} is the witness; the API's pod events as they come:"
DEL_ORDER=()
ROLL_READY=()
# roll_events: reads the watch lines recorded since the last call; narrates
# deletions, re-creations and Ready transitions, and checks each new pod's
# ISR view when it turns Ready.
roll_events() {
  local t ev name uid _phase ready del node ip view p total
  total=$(wc -l <"${K8S_POD_WATCH}")
  while IFS='|' read -r t ev name uid _phase ready del node ip; do
    if [[ ${uid} == "${OLD_UID[${name}]:-}" && ${del} != - && -z ${SEEN_DEL[${name}]:-} ]]; then
      SEEN_DEL[${name}]=1
      T_DEL[${name}]=${t}
      DEL_ORDER+=("${name}")
      say "${name}: deleted by the StatefulSet controller; $(progress_line)"
    elif [[ ${ev} == ADDED && ${uid} != "${OLD_UID[${name}]:-}" && -z ${SEEN_NEW[${name}]:-} ]]; then
      SEEN_NEW[${name}]=${uid}
      T_NEW[${name}]=${t}
      say "${name}: recreated (uid ${uid:0:8}...)"
    fi
    if [[ ${uid} == "${SEEN_NEW[${name}]:-}" && ${ready} == True && -z ${SEEN_READY[${name}]:-} ]]; then
      SEEN_READY[${name}]=1
      T_READY[${name}]=${t}
      view=$(isr "${name}")
      for p in ${view}; do
        [[ ,${p}, == *,${name##*-},* ]] || fail "${name} is Ready but its agent's ISR view is '${view}'"
      done
      no_unknown_host "${name}"
      ROLL_READY+=("${name} $(secs $((t - T_NEW[${name}])))s")
      say "${name}: Ready on ${node} (${ip}) $(secs $((t - T_NEW[${name}])))s after it was recreated; its ISR view ${view}; $(progress_line)"
    fi
  done < <(sed -n "$((roll_mark + 1)),${total}p" "${K8S_POD_WATCH}")
  roll_mark=${total}
}
n=0
while alive "${ROLLOUT_PID}"; do
  (($(now_ms) - ROLL_T0 < 420000)) || fail "the rolling restart did not finish within 420s"
  if ((n++ % 10 == 9)) && f=$(pod_failure); then fail "${f}"; fi
  roll_events
  nap 0.2
done
# The recorder may be a moment behind kubectl rollout status.
for ((n = 0; n < 50 && ${#SEEN_READY[@]} < ${#K8S_PODS[@]}; n++)); do
  roll_events
  nap 0.1
done
roll_events
wait "${ROLLOUT_PID}"
roll_rc=$?
show <"${WORK}/client/rollout-status.log"
((roll_rc == 0)) || fail "kubectl rollout status failed (exit ${roll_rc})"
ROLL_MS=$(($(now_ms) - ROLL_T0))
[[ "${DEL_ORDER[*]}" == "kafka-2 kafka-1 kafka-0" ]] ||
  fail "the controller deleted the pods in the order '${DEL_ORDER[*]}', want kafka-2 kafka-1 kafka-0"
prev=''
for pod in "${DEL_ORDER[@]}"; do
  [[ -n ${T_READY[${pod}]:-} ]] || fail "the watch never showed the new ${pod} Ready"
  if [[ -n ${prev} ]]; then
    gap=$((T_DEL[${pod}] - T_READY[${prev}]))
    say "${pod} deleted $(secs "${gap}")s after ${prev} became Ready (minReadySeconds ${K8S_MIN_READY})"
    # The controller compares the Ready condition's transition time (whole
    # seconds in the API) with its clock: up to 1 s earlier than ours.
    ((gap >= K8S_MIN_READY * 1000 - 1000)) ||
      fail "${pod} was deleted only $(secs "${gap}")s after ${prev} became Ready; minReadySeconds is ${K8S_MIN_READY}"
  fi
  prev=${pod}
done
say "rolling restart done in $(secs "${ROLL_MS}")s; stopping the producer (it waits for its last acknowledgements)"
: >"${WORK}/client/producer.stop"
await_exit "${PRODUCER_PID}" producer
wait "${PRODUCER_PID}"
prod_rc=$?
PROD=$(tool_result "${WORK}/client/producer.log")
[[ -n ${PROD} ]] || fail "the producer printed no result (exit ${prod_rc})"
cat "${WORK}/client/roll.acked" "${WORK}/client/scaled-down.acked" >"${WORK}/client/expected.tmp"
mv "${WORK}/client/expected.tmp" "${WORK}/client/expected"
: >"${WORK}/client/consumer.stop"
say "consumer: reading until it has seen every acknowledged message (the roll's and step 4's)"
await_exit "${CONSUMER_PID}" consumer 200
wait "${CONSUMER_PID}"
cons_rc=$?
CONS=$(tool_result "${WORK}/client/consumer.log")
[[ -n ${CONS} ]] || fail "the consumer printed no result (exit ${cons_rc})"
: >"${WORK}/client/sampler.stop"
wait "${SAMPLER_PID}"
SENT=$(json_field "${PROD}" sent)
ACKED=$(json_field "${PROD}" acked)
FAILED=$(json_field "${PROD}" failed)
CONSUMED=$(json_field "${CONS}" consumed)
EXPECTED=$(json_field "${CONS}" expected)
SEEN=$(json_field "${CONS}" seen)
MISSING=$(json_field "${CONS}" missing)
read -r SAMPLES FRESH OFFLINE_MAX UNDER_MIN_MAX < <(awk '
  { n++ } $3 == "false" && $4 == "true" { f++; if ($5 > o) o = $5; if ($6 > o) o = $6; if ($7 > u) u = $7 }
  END { print n + 0, f + 0, o + 0, u + 0 }' "${WORK}/client/samples" 2>/dev/null || echo 0 0 0 0)
say "producer: ${PROD}"
say "consumer: ${CONS}"
say "status --offline samples during the roll: ${SAMPLES} (${FRESH} from agents with a fresh snapshot of a registered broker); most offline partitions seen: ${OFFLINE_MAX}; most under min.insync.replicas: ${UNDER_MIN_MAX}"
((prod_rc == 0 && FAILED == 0 && ACKED == SENT)) ||
  fail "the producer lost acknowledgements: sent ${SENT}, acknowledged ${ACKED}, failed ${FAILED} (exit ${prod_rc})"
((SENT > 0)) || fail "the producer sent nothing"
((cons_rc == 0 && MISSING == 0 && SEEN == EXPECTED)) ||
  fail "acknowledged messages were lost: ${MISSING} of ${EXPECTED} not read back"
((EXPECTED == ACKED + 20000)) || fail "expected ${ACKED} + 20000 acknowledged numbers, the consumer had ${EXPECTED}"
((FRESH >= 20)) || fail "too few status samples during the roll (${FRESH}): offline partitions were not watched"
((OFFLINE_MAX == 0)) || fail "a partition went offline during the rolling restart (see client/samples)"
killed=$(cat "${WORK}"/nodes/*/kubelet.log | grep -c "container ${K8S_MAIN} did not exit within the grace period")
((killed == 0)) || fail "${killed} Kafka container(s) needed SIGKILL at the end of the grace period (see nodes/*/kubelet.log)"
say "every Kafka container deleted so far (scale-down, roll) exited on SIGTERM within the grace period"

# 7 ---------------------------------------------------------------------------
step "kubectl delete statefulset; clean up" \
  "The StatefulSet goes (--cascade=orphan), then its pods, all at once, with a grace period of" \
  "${TEARDOWN_GRACE:=15}s: the last brokers cannot finish a controlled shutdown once the controller" \
  "quorum is gone, and would hold on for the manifest's ${K8S_GRACE}s. The claims stay (whenDeleted: Retain)." \
  "Then the kubelets, CoreDNS and the control plane stop; nothing of the run is left."
t0=$(now_ms)
kc -n "${K8S_NS}" delete "statefulset/${K8S_STS}" --cascade=orphan 2>&1 | show
kc -n "${K8S_NS}" delete pods -l "app.kubernetes.io/name=${K8S_STS}" --grace-period="${TEARDOWN_GRACE}" --wait=false 2>&1 | show
kwait 120 "the pods gone" -n "${K8S_NS}" wait --for=delete pod -l "app.kubernetes.io/name=${K8S_STS}"
killed=$(cat "${WORK}"/nodes/*/kubelet.log | grep -c "container ${K8S_MAIN} did not exit within the grace period")
say "the ${#K8S_PODS[@]} pods are gone after $(secs $(($(now_ms) - t0)))s; ${killed} Kafka container(s) needed SIGKILL (no quorum left)"
claims=$(kc -n "${K8S_NS}" get pvc -o name | wc -l)
((claims == K8S_REPLICAS)) || fail "${claims} claims left after deleting the StatefulSet, want ${K8S_REPLICAS} (whenDeleted: Retain)"
say "the ${claims} PersistentVolumeClaims are kept"
pods_delete client --grace 3
k8s_stop_all
left=$(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -c "^ka-${RUN}-")
[[ ${left} == 0 ]] || fail "${left} network namespaces of the run are left"
mounts=$(findmnt -rn -o TARGET,SOURCE | grep -c -- "${WORK}")
[[ ${mounts} == 0 ]] || fail "${mounts} mounts under ${WORK} are left"
alive=$(pgrep -f -- "${WORK}/" | grep -vc "^$$\$")
[[ ${alive} == 0 ]] || fail "${alive} processes of the run are still running: $(pgrep -af -- "${WORK}/" | sed -n 1,3p)"
[[ ! -e /run/ka-pods/${RUN} && ! -e /etc/netns/ka-${RUN}-node ]] || fail "state of the run is left in /run/ka-pods or /etc/netns"
say "nothing left: no namespace ka-${RUN}-*, no mount, no process of the run (control plane, kubelets, containers)"
OK=1

now=$(now_ms)
STEP_TIMES+=("$(secs $((now - STEP_T0)))s  ${STEP_NO}. ${STEP_NAME}")
printf '\n== Summary (%s)\n' "$(if [[ ${MODE} == test ]]; then echo 'every check passed'; else echo 'every claim checked'; fi)"
info "wall time per step:"
for t in "${STEP_TIMES[@]}"; do printf '          %8s  %s\n' "${t%%  *}" "${t#*  }"; done
printf '          %8s  %s\n' "$(secs $((now - T0)))s" "in total"
info "" "every pod Ready $(secs "${READY_ALL_MS}")s after kubectl apply" \
  "kafka-2 after the scale-up: Ready in the API $(secs "${KAFKA2_READY_MS}")s after kubectl scale (only once back in every ISR)" \
  "rolling restart: $(secs "${ROLL_MS}")s; Ready after recreation: $(printf '%s, ' "${ROLL_READY[@]}" | sed 's/, $//')" \
  "producer (acks=all) during the roll: ${SENT} sent, ${ACKED} acknowledged, ${FAILED} failed" \
  "consumer: ${CONSUMED} messages read; all ${EXPECTED} acknowledged ones (${ACKED} of the roll + 20000 of step 4) found, ${MISSING} missing" \
  "offline partitions seen: ${OFFLINE_MAX} (in ${FRESH} samples of kafka-agent status --offline during the roll)"
