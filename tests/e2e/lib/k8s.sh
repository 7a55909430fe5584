#!/usr/bin/env bash
# shellcheck shell=bash
# shellcheck disable=SC2034  # K8S_* globals are the caller's
#
# k8s.sh — a real Kubernetes control plane with simulated nodes, for the e2e
# scenario (tests/e2e/demo.sh), on one machine, as root:
#
#   netns ka-<run>-node   the "node network": the pods' bridge (tests/lib/pods.sh)
#     etcd, kube-apiserver, kube-controller-manager, kube-scheduler
#                         (tests/k8s/cluster.sh) on the namespace's 127.0.0.1
#     CoreDNS             the cluster DNS on the bridge address, its kubernetes
#                         plugin watching the API server (Services, EndpointSlices)
#     kubelet-sim x N     one per Node (node-1..N): registers the Node, runs the
#                         pods the scheduler binds to it (tests/k8s/controlplane/
#                         cmd/kubelet-sim)
#   a pod                 netns ka-<run>-pod-<name>, made by its kubelet-sim
#   client                a pods.sh pod outside the API (the operator's shell)
#
# Everything a pod is comes from the API objects: kubectl applies the
# kustomize build of manifests/base, the StatefulSet controller makes the pods
# and PVCs, the scheduler binds them, the EndpointSlice controller and CoreDNS
# make the DNS records.
#
# The caller sets ROOT, AGENT, WORK, RUN and sources this file (after
# tests/lib/pods.sh, which brings tests/lib/common.sh: now_ms, secs, say,
# info, show, nap, alive, on_signal). Functions are documented where they are defined.

K8S_NODES=${K8S_NODES:-3}
K8S_HELPERS=()
declare -A K8S_PIDS=()

# Time, waiting, saying: tests/lib/common.sh (sourced by tests/lib/pods.sh).

# await_exit PID WHAT [SECONDS]: waits until PID has exited (default 150 s);
# `fail` (the caller's) names WHAT past the limit.
await_exit() {
  local pid=$1 what=$2 limit=${3:-150} t0
  t0=$(now_ms)
  while alive "${pid}"; do
    (($(now_ms) - t0 < limit * 1000)) || fail "the ${what} did not finish within ${limit}s"
    nap 0.2
  done
}

# ---------------------------------------------------------------- kubectl

# kc ARGS...: kubectl as the cluster's admin, in the node namespace (where
# the API server listens).
kc() {
  ip netns exec "${PODS_NODE_NS}" "${K8S_BIN}/kubectl" --kubeconfig "${K8S_DIR}/kubeconfig" "$@"
}

# k8s_pod_field POD JSONPATH: one field of a pod in the StatefulSet's namespace.
k8s_pod_field() {
  kc -n "${K8S_NS}" get pod "$1" -o "jsonpath=$2" 2>/dev/null
}

k8s_pod_ip() {
  k8s_pod_field "$1" '{.status.podIP}'
}

# k8s_pod_dir POD: kubelet-sim's directory of the pod's current incarnation
# (logs/<container>.log, volumes/...).
k8s_pod_dir() {
  local uid d
  uid=$(k8s_pod_field "$1" '{.metadata.uid}') && [[ -n ${uid} ]] || return 1
  for d in "${WORK}"/nodes/*/pods/"${K8S_NS}_$1_${uid}"; do
    [[ -d ${d} ]] && { printf '%s\n' "${d}"; return 0; }
  done
  return 1
}

# k8s_log POD CONTAINER: the current container log of the pod (kubectl logs).
k8s_log() {
  local d
  d=$(k8s_pod_dir "$1") || return 1
  printf '%s/logs/%s.log\n' "${d}" "$2"
}

# k8s_fqdn POD: the pod's name in the headless Service.
k8s_fqdn() {
  printf '%s.%s.%s.svc.%s\n' "$1" "${K8S_SVC}" "${K8S_NS}" "${PODS_CLUSTER_DOMAIN}"
}

# k8s_resolve NAME: the addresses the cluster DNS gives for NAME (from the
# node namespace, as a pod would ask it); non-zero when it does not resolve.
k8s_resolve() {
  ip netns exec "${PODS_NODE_NS}" getent ahostsv4 "${1%.}." 2>/dev/null | awk '{ print $1 }' | sort -u | grep .
}

# ---------------------------------------------------------------- setup

# k8s_setup: the node network, the control plane, CoreDNS, the kubelets
# (nodes Ready), one hostPath PersistentVolume per StatefulSet claim, and the
# image table. Sets K8S_* globals. Logs one line per step with its time.
k8s_setup() {
  local t0 n node cidr kcfg base manifest
  K8S_DIR=${WORK}/k8s
  mkdir -p "${K8S_DIR}" "${WORK}/nodes" "${WORK}/pv" "${WORK}/images" "${WORK}/client" || return 1
  K8S_BIN=$("${ROOT}/tests/k8s/build.sh" --print-bin) ||
    { echo "k8s: the control plane is not built: run make deps" >&2; return 1; }

  # The manifests, and what the scenario needs to know of them.
  kustomize build "${ROOT}/manifests/base" >"${WORK}/manifests.yaml" || return 1
  read -r K8S_NS K8S_STS K8S_SVC K8S_REPLICAS K8S_MIN_READY K8S_GRACE K8S_READY_PORT K8S_READY_SERVICE K8S_MAIN K8S_INIT K8S_CLAIM < <(
    python3 - "${WORK}/manifests.yaml" <<'EOF'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
sts = [d for d in docs if d["kind"] == "StatefulSet"]
assert len(sts) == 1, "want one StatefulSet"
s = sts[0]; spec = s["spec"]; pod = spec["template"]["spec"]
main = pod["containers"][0]
rp = main["readinessProbe"]["grpc"]
init = [c for c in pod["initContainers"] if c.get("restartPolicy") != "Always"][0]
print(s["metadata"]["namespace"], s["metadata"]["name"], spec["serviceName"], spec.get("replicas", 1),
      spec.get("minReadySeconds", 0), pod.get("terminationGracePeriodSeconds", 30), rp["port"],
      rp.get("service") or "-", main["name"], init["name"],
      spec["volumeClaimTemplates"][0]["metadata"]["name"])
EOF
  ) || return 1
  [[ -n ${K8S_CLAIM} ]] || { echo "k8s: could not read the StatefulSet from the manifests" >&2; return 1; }
  K8S_PODS=()
  for ((n = 0; n < K8S_REPLICAS; n++)); do K8S_PODS+=("${K8S_STS}-${n}"); done

  # The node network, without dnsmasq: CoreDNS serves the bridge address.
  t0=$(now_ms)
  PODS_DNS=external pods_init "${RUN}" || return 1
  say "node network ${PODS_NODE_NS}: bridge ${PODS_DNS_IP}, pods' subnet ${PODS_SUBNET} ($(($(now_ms) - t0)) ms)"

  t0=$(now_ms)
  pods_node_exec "${ROOT}/tests/k8s/cluster.sh" start "${K8S_DIR}" --advertise-address "${PODS_DNS_IP}" \
    2>"${WORK}/k8s-start.log" || { cat "${WORK}/k8s-start.log" >&2; return 1; }
  K8S_PIDS[etcd]=$(<"${K8S_DIR}/pids/etcd")
  say "control plane up in $(secs $(($(now_ms) - t0)))s: etcd, kube-apiserver, kube-controller-manager, kube-scheduler on 127.0.0.1 of ${PODS_NODE_NS}"
  sed 's/^cluster.sh: /  /' "${WORK}/k8s-start.log" | show

  # CoreDNS, with a user of its own and the permissions of kubeadm's
  # system:coredns role.
  t0=$(now_ms)
  kc apply -f "${ROOT}/tests/k8s/coredns/rbac.yaml" >/dev/null || return 1
  kcfg=$(pods_node_exec "${ROOT}/tests/k8s/cluster.sh" user-kubeconfig "${K8S_DIR}" system:coredns) || return 1
  cat >"${K8S_DIR}/Corefile" <<EOF
${PODS_CLUSTER_DOMAIN}:53 {
    bind ${PODS_DNS_IP}
    ready 127.0.0.1:8181
    errors
    log
    kubernetes ${PODS_CLUSTER_DOMAIN} {
        kubeconfig ${kcfg}
    }
}
EOF
  ip netns exec "${PODS_NODE_NS}" setsid "${K8S_BIN}/coredns" -conf "${K8S_DIR}/Corefile" \
    >"${K8S_DIR}/coredns.log" 2>&1 </dev/null &
  K8S_PIDS[coredns]=$!
  until [[ $(ip netns exec "${PODS_NODE_NS}" curl -s -o /dev/null -w '%{http_code}' --max-time 1 http://127.0.0.1:8181/ready 2>/dev/null) == 200 ]]; do
    alive "${K8S_PIDS[coredns]}" || { tail -n 20 "${K8S_DIR}/coredns.log" >&2; return 1; }
    (($(now_ms) - t0 < 30000)) || { echo "k8s: CoreDNS not ready after 30s" >&2; return 1; }
    nap 0.1
  done
  say "CoreDNS ready on ${PODS_DNS_IP}:53 after $(secs $(($(now_ms) - t0)))s (kubernetes plugin: records from Services and EndpointSlices)"

  # The images: kafka-agent:* from an image root filesystem (the image
  # archive E2E_AGENT_IMAGE unpacked with container/unpack-image.sh, an
  # unpacked root E2E_AGENT_ROOTFS, or one staged from the binary under test);
  # apache/kafka:* emulated with Kafka's jars (its image cannot be fetched).
  local agent_config='{}'
  if [[ -n ${E2E_AGENT_IMAGE:-} ]]; then
    [[ -x ${ROOT}/container/unpack-image.sh ]] ||
      { echo "k8s: E2E_AGENT_IMAGE needs container/unpack-image.sh" >&2; return 1; }
    K8S_AGENT_ROOTFS=${WORK}/images/kafka-agent
    "${ROOT}/container/unpack-image.sh" --config "${WORK}/images/kafka-agent.config.json" \
      "${E2E_AGENT_IMAGE}" "${K8S_AGENT_ROOTFS}" >"${WORK}/images/unpack.log" 2>&1 ||
      { cat "${WORK}/images/unpack.log" >&2; return 1; }
    agent_config=$(jq -c '.config // .' "${WORK}/images/kafka-agent.config.json") || return 1
  elif [[ -n ${E2E_AGENT_ROOTFS:-} ]]; then
    K8S_AGENT_ROOTFS=${E2E_AGENT_ROOTFS}
    [[ -x ${K8S_AGENT_ROOTFS}/kafka-agent ]] ||
      { echo "k8s: E2E_AGENT_ROOTFS=${K8S_AGENT_ROOTFS} has no /kafka-agent" >&2; return 1; }
  else
    K8S_AGENT_ROOTFS=${WORK}/images/kafka-agent
    "${ROOT}/container/stage-rootfs.sh" "${AGENT}" "${K8S_AGENT_ROOTFS}" >"${WORK}/images/stage.log" 2>&1 ||
      { cat "${WORK}/images/stage.log" >&2; return 1; }
  fi
  # (the entrypoint's libraries in docker/lib/, where run-kafka.sh looks).
  mkdir -p "${WORK}/images/kafka/docker/lib" || return 1
  cp "${ROOT}/tests/e2e/kafka-pod/run-kafka.sh" "${WORK}/images/kafka/docker/run" || return 1
  cp "${ROOT}/tests/lib/common.sh" "${ROOT}/tests/lib/kafka.sh" "${WORK}/images/kafka/docker/lib/" || return 1
  cp "${ROOT}"/tests/e2e/kafka-pod/etc-kafka-docker/* "${WORK}/images/kafka/docker/" || return 1
  K8S_KAFKA_LIBS=$("${ROOT}/tests/integration/kafka/fetch.sh" --print-libs) || return 1
  chmod -R a+rX "${WORK}/images" || return 1
  K8S_KAFKA_HEAP=${E2E_KAFKA_HEAP_OPTS:--Xms384m -Xmx384m}
  # The agent image's own entrypoint, user, env and working directory when
  # its config is known (E2E_AGENT_IMAGE), else those of container/Dockerfile.
  jq -n --arg agent "${K8S_AGENT_ROOTFS}" --arg docker "${WORK}/images/kafka/docker" \
    --arg libs "${K8S_KAFKA_LIBS}" --arg heap "${K8S_KAFKA_HEAP}" --argjson cfg "${agent_config}" '{images: [
      ({match: "kafka-agent:*", rootfs: $agent,
        entrypoint: ($cfg.Entrypoint // ["/kafka-agent"]), user: ($cfg.User // "65532:65532")}
       + (if $cfg.Cmd then {cmd: $cfg.Cmd} else {} end)
       + (if $cfg.Env then {env: $cfg.Env} else {} end)
       + (if $cfg.WorkingDir then {workingDir: $cfg.WorkingDir} else {} end)),
      {match: "apache/kafka:*", entrypoint: ["/etc/kafka/docker/run"],
       cmd: ["--shared-config", "/mnt/shared/config", "--work", "/opt/kafka", "--tmp", "/tmp",
             "--libs", "/opt/kafka/libs", "--defaults", "/etc/kafka/docker"],
       mounts: [($docker + ":/etc/kafka/docker:ro"), ($libs + ":/opt/kafka/libs:ro")],
       env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
             "KAFKA_HEAP_OPTS=" + $heap],
       user: "1000:1000"}]}' >"${WORK}/images.json" || return 1

  # The nodes: kubelet-sim per Node, each with a quarter of the subnet.
  t0=$(now_ms)
  K8S_NODE_NAMES=()
  for ((n = 1; n <= K8S_NODES; n++)); do
    node=node-${n}
    K8S_NODE_NAMES+=("${node}")
    cidr=${PODS_NET_PREFIX}.$((n * 64 % 256))/26
    ((n < 4)) || { echo "k8s: at most 3 nodes (one /26 of the /24 each)" >&2; return 1; }
    kcfg=$(pods_node_exec "${ROOT}/tests/k8s/cluster.sh" node-kubeconfig "${K8S_DIR}" "${node}") || return 1
    mkdir -p "${WORK}/nodes/${node}"
    ip netns exec "${PODS_NODE_NS}" setsid "${K8S_BIN}/kubelet-sim" --kubeconfig "${kcfg}" \
      --node-name "${node}" --node-ip "${PODS_DNS_IP}" --pod-cidr "${cidr}" \
      --node-labels "topology.kubernetes.io/zone=zone-${n}" \
      --root-dir "${WORK}/nodes/${node}" --pods-sh "${ROOT}/tests/lib/pods.sh" \
      --container-sh "${ROOT}/tests/e2e/lib/container.sh" --images "${WORK}/images.json" \
      --run-id "${RUN}" >"${WORK}/nodes/${node}/kubelet.log" 2>&1 </dev/null &
    K8S_PIDS[kubelet-${node}]=$!
  done
  kc wait --for=condition=Ready node --all --timeout=60s >/dev/null ||
    { tail -n 20 "${WORK}"/nodes/*/kubelet.log >&2; return 1; }
  say "${K8S_NODES} nodes Ready after $(secs $(($(now_ms) - t0)))s (kubelet-sim: ${K8S_NODE_NAMES[*]}, one zone each)"

  # Storage: a hostPath PersistentVolume per claim the StatefulSet will use,
  # and the claim itself, bound to it before the StatefulSet exists (static
  # provisioning): the StatefulSet takes a claim of its template's name that
  # exists. Claims it made itself would race the PV controller: a pod whose
  # claim is not bound yet is unschedulable, and the scheduler's back-off
  # started one pod 14 s after the others once (its peers' Kafka then logged
  # UnknownHostException for it, as Kafka does for any voter not up yet).
  manifest="---
apiVersion: v1
kind: Namespace
metadata: {name: ${K8S_NS}}
"
  for ((n = 0; n < K8S_REPLICAS; n++)); do
    base="${K8S_CLAIM}-${K8S_STS}-${n}"
    manifest+="---
apiVersion: v1
kind: PersistentVolume
metadata: {name: e2e-${base}}
spec:
  capacity: {storage: 100Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ''
  claimRef: {namespace: ${K8S_NS}, name: ${base}}
  hostPath: {path: ${WORK}/pv/${base}, type: DirectoryOrCreate}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${base}
  namespace: ${K8S_NS}
  labels: {app.kubernetes.io/name: ${K8S_STS}, app.kubernetes.io/instance: ${K8S_STS}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: ''
  volumeName: e2e-${base}
  resources: {requests: {storage: 100Gi}}
"
  done
  kc apply -f - <<<"${manifest}" >/dev/null || return 1
  kc -n "${K8S_NS}" wait --for=jsonpath='{.status.phase}'=Bound pvc --all --timeout=60s >/dev/null ||
    { kc -n "${K8S_NS}" get pvc >&2; return 1; }
  K8S_POD_WATCH=${WORK}/client/pods.watch
  return 0
}

# k8s_watch_pods: records every change of the StatefulSet's pods as the API
# reports it, with the local time: WORK/client/pods.watch, lines of
#   TIME_MS|EVENT|NAME|UID|PHASE|READY|DELETION_TIMESTAMP|NODE|POD_IP
# ("-" for an empty field).
k8s_watch_pods() {
  local tmpl
  tmpl='{.type}|{.object.metadata.name}|{.object.metadata.uid}|{.object.status.phase}|'
  tmpl+='{.object.status.conditions[?(@.type=="Ready")].status}|'
  tmpl+='{.object.metadata.deletionTimestamp}|{.object.spec.nodeName}|{.object.status.podIP}{"\n"}'
  {
    kc -n "${K8S_NS}" get pods -l "app.kubernetes.io/name=${K8S_STS}" --watch --output-watch-events \
      -o "jsonpath=${tmpl}" 2>/dev/null | while IFS='|' read -r ev name uid phase ready del node ip; do
      printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$(now_ms)" "${ev}" "${name}" "${uid}" "${phase:--}" \
        "${ready:--}" "${del:--}" "${node:--}" "${ip:--}"
    done
  } >>"${K8S_POD_WATCH}" &
  K8S_HELPERS+=($!)
}

# k8s_stop_all: ends everything of the run (a trap may call it): helpers,
# kubelets and CoreDNS (SIGTERM, by pid), pods' processes (pods.sh cleanup:
# SIGTERM, SIGKILL after 5 s), the control plane (cluster.sh stop), the
# namespaces. Safe to call twice.
k8s_stop_all() {
  local pid name
  local -a sessions=()
  # Each kubelet-sim leads a session (setsid) its containers stay in.
  for name in "${!K8S_PIDS[@]}"; do
    [[ ${name} == kubelet-* ]] && sessions+=("${K8S_PIDS[${name}]}")
  done
  for pid in "${K8S_HELPERS[@]}"; do
    pkill -TERM -P "${pid}" 2>/dev/null
    kill -TERM "${pid}" 2>/dev/null
  done
  for name in "${!K8S_PIDS[@]}"; do
    [[ ${name} == etcd ]] && continue
    kill -TERM "${K8S_PIDS[${name}]}" 2>/dev/null
  done
  for name in "${!K8S_PIDS[@]}"; do
    [[ ${name} == etcd ]] && continue
    wait "${K8S_PIDS[${name}]}" 2>/dev/null
  done
  if [[ -n ${PODS_RUN_ID:-} ]]; then
    local ns
    local -a pids=()
    for ns in $(ip netns list 2>/dev/null | awk -v p="ka-${PODS_RUN_ID}-pod-" 'index($1, p) == 1 { print $1 }'); do
      mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "${ns}" 2>/dev/null)
    done
    ((${#pids[@]} == 0)) || kill -TERM "${pids[@]}" 2>/dev/null
    if [[ -d ${K8S_DIR:-}/pids ]]; then
      "${ROOT}/tests/k8s/cluster.sh" stop "${K8S_DIR}" 2>/dev/null
    fi
    PODS_KILL_GRACE=5 pods_cleanup "${PODS_RUN_ID}"
  fi
  # Whatever of a pod is still running (a failed run once left every pod's
  # agent and two brokers behind) goes with its kubelet's session.
  for pid in "${sessions[@]}"; do
    if pgrep -s "${pid}" >/dev/null; then
      pkill -TERM -s "${pid}"
      nap 2
      pkill -KILL -s "${pid}"
    fi
  done
  for pid in "${K8S_HELPERS[@]}"; do wait "${pid}" 2>/dev/null; done
  K8S_HELPERS=()
  K8S_PIDS=()
}
