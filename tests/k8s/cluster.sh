#!/usr/bin/env bash
# cluster.sh — a Kubernetes control plane on loopback, for the e2e tests and
# `make demo`: etcd, kube-apiserver, kube-controller-manager and
# kube-scheduler (built by tests/k8s/build.sh), with certificates of its own
# made by openssl. No kubelet: tests/k8s/controlplane/cmd/kubelet-sim plays
# the nodes.
#
#   cluster.sh start DIR [--advertise-address IP] [--port-base N] [--timeout S]
#   cluster.sh node-kubeconfig DIR NODE    a kubelet's credentials (system:node:NODE)
#   cluster.sh user-kubeconfig DIR USER [GROUP]   another client's credentials
#   cluster.sh stop DIR [--timeout S]
#
# start: creates DIR (it must not hold a running cluster), writes the CA and
# the certificates, starts the four components in the background (their pids
# in DIR/pids/, their logs in DIR/logs/), and returns once the API server is
# ready and the controllers and the scheduler serve their health endpoints.
# DIR/kubeconfig is the admin's (system:masters) for kubectl.
# Everything listens on 127.0.0.1 of the network namespace it is started in:
# the e2e tests start it inside their node namespace, so its ports never meet
# another run's. Ports (--port-base N, default 2379 when N is not given: the
# usual ports): etcd N (client) and N+1 (peer), kube-apiserver 6443 (or N+2
# with --port-base), kube-controller-manager 10257 (N+3), kube-scheduler
# 10259 (N+4).
# --advertise-address: the address the API server advertises (the
# `kubernetes` Service's endpoint); must not be loopback. Default: the first
# global IPv4 address of the namespace.
#
# stop: SIGTERM to the components (scheduler, controllers, API server, etcd,
# in that order), SIGKILL to what is left after --timeout (default 10 s).
# Only the pids in DIR/pids/ are signalled, and only when their command line
# still names DIR. Idempotent. DIR itself stays (the caller removes it).
#
# K8S_BIN: take the binaries from there (default: tests/k8s/build.sh's).
# Cost here (2 cores): ready ~3 s after start; ~500 MiB RSS in all.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/env.sh
. "${HERE}/../../scripts/env.sh"
# shellcheck source=tests/k8s/versions.env
. "${HERE}/versions.env"

SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1
CLUSTER_DOMAIN=cluster.local

die() {
  printf 'cluster.sh: %s\n' "$*" >&2
  exit 1
}
usage() {
  sed -n '8,12p' "$0" | sed 's/^# //' >&2
  exit 2
}
log() {
  printf 'cluster.sh: %s\n' "$*" >&2
}
now_ms() {
  local t=${EPOCHREALTIME/./}
  printf '%s\n' $((t / 1000))
}

bin_dir() {
  if [[ -n ${K8S_BIN:-} ]]; then return 0; fi
  K8S_BIN=$("${HERE}/build.sh" --print-bin) ||
    die "the control plane is not built: run make deps (tests/k8s/build.sh)"
}

# ---------------------------------------------------------------- certificates

# cert NAME CN [O] [SAN]: NAME.key/NAME.crt signed by the CA (EC P-256).
cert() {
  local name=$1 cn=$2 o=${3:-} san=${4:-} subj ext
  subj="/CN=${cn}"
  [[ -z ${o} ]] || subj="/O=${o}${subj}"
  ext=${PKI}/${name}.ext
  {
    printf 'basicConstraints=critical,CA:FALSE\n'
    printf 'keyUsage=critical,digitalSignature,keyEncipherment\n'
    if [[ -n ${san} ]]; then
      printf 'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "${san}"
    else
      printf 'extendedKeyUsage=clientAuth\n'
    fi
  } >"${ext}"
  openssl ecparam -name prime256v1 -genkey -noout -out "${PKI}/${name}.key" 2>/dev/null
  openssl req -new -key "${PKI}/${name}.key" -subj "${subj}" -out "${PKI}/${name}.csr" 2>/dev/null
  openssl x509 -req -in "${PKI}/${name}.csr" -CA "${PKI}/ca.crt" -CAkey "${PKI}/ca.key" \
    -CAcreateserial -days 30 -extfile "${ext}" -out "${PKI}/${name}.crt" 2>/dev/null ||
    die "openssl could not sign ${name}"
  rm -f "${PKI}/${name}.csr" "${ext}"
  chmod 0600 "${PKI}/${name}.key"
}

# kubeconfig FILE CERT-NAME: a kubeconfig with that client certificate.
kubeconfig() {
  local file=$1 name=$2
  cat >"${file}" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kafka-agent-e2e
  cluster:
    server: https://127.0.0.1:${APISERVER_PORT}
    certificate-authority: ${PKI}/ca.crt
users:
- name: ${name}
  user:
    client-certificate: ${PKI}/${name}.crt
    client-key: ${PKI}/${name}.key
contexts:
- name: ${name}
  context:
    cluster: kafka-agent-e2e
    user: ${name}
current-context: ${name}
EOF
  chmod 0600 "${file}"
}

load_env() {
  [[ -f ${DIR}/cluster.env ]] || die "${DIR} holds no cluster (no cluster.env): start one first"
  # shellcheck source=/dev/null
  . "${DIR}/cluster.env"
}

# ---------------------------------------------------------------- processes

pid_alive() {
  local st=''
  [[ -r /proc/$1/stat ]] || return 1
  read -r _ _ st _ <"/proc/$1/stat" 2>/dev/null || return 1
  [[ ${st} != Z && ${st} != X ]]
}

# own_pid NAME: the component's pid, if it is alive and still ours (its
# command line names DIR).
own_pid() {
  local f=${DIR}/pids/$1 pid
  [[ -f ${f} ]] || return 1
  pid=$(<"${f}")
  pid_alive "${pid}" || return 1
  grep -qF -- "${DIR}/" <(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null) || return 1
  printf '%s\n' "${pid}"
}

spawn() {
  local name=$1
  shift
  # setsid: a Ctrl-C at the caller's terminal does not reach the cluster; the
  # caller's cleanup stops it in order.
  setsid "$@" >>"${DIR}/logs/${name}.log" 2>&1 </dev/null &
  printf '%s\n' "$!" >"${DIR}/pids/${name}"
}

# wait_healthy NAME URL [CURL-ARGS...]: until URL answers 200 "ok" or the
# deadline; fails naming the log.
# The pid spawn recorded, not own_pid: right after the fork the child may not
# have exec'd the component yet (its command line is still this script's),
# and own_pid would call a starting component gone.
wait_healthy() {
  local name=$1 url=$2 out pid
  shift 2
  pid=$(<"${DIR}/pids/${name}")
  while :; do
    out=$(curl -sS --max-time 1 "$@" "${url}" 2>/dev/null) && [[ ${out} == ok ]] && return 0
    pid_alive "${pid}" || die "${name} exited; the end of ${DIR}/logs/${name}.log:
$(tail -n 15 "${DIR}/logs/${name}.log")"
    (($(now_ms) < DEADLINE)) || die "${name} not healthy at ${url} after ${TIMEOUT}s; see ${DIR}/logs/${name}.log"
    sleep 0.1
  done
}

# ---------------------------------------------------------------- commands

cmd_start() {
  local advertise='' base='' t0
  TIMEOUT=60
  while (($#)); do
    case $1 in
      --advertise-address) advertise=${2:?}; shift 2 ;;
      --port-base) base=${2:?}; shift 2 ;;
      --timeout) TIMEOUT=${2:?}; shift 2 ;;
      *) die "unknown option '$1' (see $0 --help)" ;;
    esac
  done
  [[ -z ${base} || ${base} =~ ^[0-9]+$ && ${base} -ge 1024 && ${base} -le 65000 ]] ||
    { echo "cluster.sh: bad --port-base '${base}': a port number 1024-65000" >&2; exit 2; }
  [[ ${TIMEOUT} =~ ^[0-9]+$ ]] || { echo "cluster.sh: bad --timeout '${TIMEOUT}': whole seconds" >&2; exit 2; }
  if [[ -z ${advertise} ]]; then
    advertise=$(ip -4 -o addr show scope global 2>/dev/null | awk 'NR == 1 { sub("/.*", "", $4); print $4 }')
    [[ -n ${advertise} ]] || die "no global IPv4 address in this network namespace: pass --advertise-address"
  fi
  [[ ${advertise} != 127.* ]] || die "--advertise-address ${advertise} is loopback: the kubernetes Service's endpoints reject it"
  bin_dir
  command -v openssl >/dev/null || die "openssl not found (Debian package openssl)"
  command -v curl >/dev/null || die "curl not found (Debian package curl)"
  if [[ -f ${DIR}/cluster.env ]] && own_pid kube-apiserver >/dev/null; then
    die "${DIR} already runs a cluster: stop it first ($0 stop ${DIR})"
  fi
  ETCD_PORT=${base:-2379}
  APISERVER_PORT=6443 KCM_PORT=10257 SCHED_PORT=10259
  if [[ -n ${base} ]]; then
    APISERVER_PORT=$((base + 2)) KCM_PORT=$((base + 3)) SCHED_PORT=$((base + 4))
  fi
  local p
  for p in "${ETCD_PORT}" $((ETCD_PORT + 1)) "${APISERVER_PORT}" "${KCM_PORT}" "${SCHED_PORT}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/${p}") 2>/dev/null; then
      die "port ${p} on 127.0.0.1 is taken here: start the cluster in its own network namespace, or pass --port-base"
    fi
  done

  t0=$(now_ms)
  DEADLINE=$((t0 + TIMEOUT * 1000))
  mkdir -p "${DIR}" && chmod 0700 "${DIR}"
  DIR=$(cd "${DIR}" && pwd)
  PKI=${DIR}/pki
  rm -rf "${DIR:?}/pki" "${DIR:?}/etcd" "${DIR:?}/pids"
  mkdir -p "${PKI}" "${DIR}/logs" "${DIR}/pids" "${DIR}/etcd"
  chmod 0700 "${DIR}/etcd"
  cat >"${DIR}/cluster.env" <<EOF
ETCD_PORT=${ETCD_PORT}
APISERVER_PORT=${APISERVER_PORT}
KCM_PORT=${KCM_PORT}
SCHED_PORT=${SCHED_PORT}
ADVERTISE_ADDRESS=${advertise}
K8S_BIN=${K8S_BIN}
PKI=${PKI}
EOF

  # The CA, the serving certificate and one client certificate per component.
  openssl ecparam -name prime256v1 -genkey -noout -out "${PKI}/ca.key" 2>/dev/null
  openssl req -x509 -new -key "${PKI}/ca.key" -subj "/CN=kafka-agent-e2e-ca" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "${PKI}/ca.crt" 2>/dev/null || die "openssl could not make the CA"
  chmod 0600 "${PKI}/ca.key"
  cert apiserver kube-apiserver '' \
    "IP:127.0.0.1,IP:${SERVICE_IP},IP:${advertise},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.${CLUSTER_DOMAIN}"
  cert admin kubernetes-admin system:masters
  cert kube-controller-manager system:kube-controller-manager
  cert kube-scheduler system:kube-scheduler
  # The service account token signing key.
  openssl ecparam -name prime256v1 -genkey -noout -out "${PKI}/sa.key" 2>/dev/null
  openssl ec -in "${PKI}/sa.key" -pubout -out "${PKI}/sa.pub" 2>/dev/null
  chmod 0600 "${PKI}/sa.key"
  kubeconfig "${DIR}/kubeconfig" admin
  kubeconfig "${DIR}/kube-controller-manager.kubeconfig" kube-controller-manager
  kubeconfig "${DIR}/kube-scheduler.kubeconfig" kube-scheduler
  log "certificates and kubeconfigs in ${DIR} ($(($(now_ms) - t0)) ms)"

  # etcd: a throw-away single member; no fsync (the data dies with the run).
  spawn etcd "${K8S_BIN}/etcd" --name e2e --data-dir "${DIR}/etcd" \
    --listen-client-urls "http://127.0.0.1:${ETCD_PORT}" \
    --advertise-client-urls "http://127.0.0.1:${ETCD_PORT}" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "e2e=http://127.0.0.1:$((ETCD_PORT + 1))" \
    --unsafe-no-fsync --log-level warn
  wait_healthy etcd "http://127.0.0.1:${ETCD_PORT}/health" -o /dev/null -w ok
  log "etcd ${ETCD_VERSION} healthy on 127.0.0.1:${ETCD_PORT} ($(($(now_ms) - t0)) ms)"

  spawn kube-apiserver "${K8S_BIN}/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:${ETCD_PORT}" \
    --bind-address 127.0.0.1 --secure-port "${APISERVER_PORT}" \
    --advertise-address "${advertise}" \
    --tls-cert-file "${PKI}/apiserver.crt" --tls-private-key-file "${PKI}/apiserver.key" \
    --client-ca-file "${PKI}/ca.crt" --requestheader-client-ca-file "${PKI}/ca.crt" \
    --service-account-issuer "https://kubernetes.default.svc.${CLUSTER_DOMAIN}" \
    --service-account-key-file "${PKI}/sa.pub" \
    --service-account-signing-key-file "${PKI}/sa.key" \
    --service-cluster-ip-range "${SERVICE_CIDR}" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --profiling=false --v=0
  wait_healthy kube-apiserver "https://127.0.0.1:${APISERVER_PORT}/readyz" \
    --cacert "${PKI}/ca.crt" --cert "${PKI}/admin.crt" --key "${PKI}/admin.key"
  log "kube-apiserver ${KUBERNETES_VERSION} ready on 127.0.0.1:${APISERVER_PORT}, advertising ${advertise} ($(($(now_ms) - t0)) ms)"

  local kcm=${DIR}/kube-controller-manager.kubeconfig sched=${DIR}/kube-scheduler.kubeconfig
  spawn kube-controller-manager "${K8S_BIN}/kube-controller-manager" \
    --kubeconfig "${kcm}" --authentication-kubeconfig "${kcm}" --authorization-kubeconfig "${kcm}" \
    --bind-address 127.0.0.1 --secure-port "${KCM_PORT}" --leader-elect=false \
    --use-service-account-credentials=true \
    --service-account-private-key-file "${PKI}/sa.key" --root-ca-file "${PKI}/ca.crt" \
    --cluster-signing-cert-file "${PKI}/ca.crt" --cluster-signing-key-file "${PKI}/ca.key" \
    --profiling=false --v=0
  spawn kube-scheduler "${K8S_BIN}/kube-scheduler" \
    --kubeconfig "${sched}" --authentication-kubeconfig "${sched}" --authorization-kubeconfig "${sched}" \
    --bind-address 127.0.0.1 --secure-port "${SCHED_PORT}" --leader-elect=false --profiling=false --v=0
  wait_healthy kube-controller-manager "https://127.0.0.1:${KCM_PORT}/healthz" -k
  wait_healthy kube-scheduler "https://127.0.0.1:${SCHED_PORT}/healthz" -k
  log "kube-controller-manager and kube-scheduler healthy; control plane up in $(($(now_ms) - t0)) ms (kubeconfig ${DIR}/kubeconfig)"
}

cmd_user_kubeconfig() {
  local user=${1:?usage: cluster.sh user-kubeconfig DIR USER [GROUP]} group=${2:-} name
  load_env
  name=user-${user//[^a-zA-Z0-9_.-]/_}
  [[ -f ${PKI}/${name}.crt ]] || cert "${name}" "${user}" "${group}"
  kubeconfig "${DIR}/${name}.kubeconfig" "${name}"
  printf '%s\n' "${DIR}/${name}.kubeconfig"
}

cmd_node_kubeconfig() {
  local node=${1:?usage: cluster.sh node-kubeconfig DIR NODE}
  [[ ${node} =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] ||
    { echo "cluster.sh: bad node name '${node}': a DNS subdomain" >&2; exit 2; }
  cmd_user_kubeconfig "system:node:${node}" system:nodes
}

cmd_stop() {
  local name pid t0 limit=10 left
  local -a pids=()
  while (($#)); do
    case $1 in
      --timeout) limit=${2:?}; shift 2 ;;
      *) die "unknown option '$1'" ;;
    esac
  done
  [[ -d ${DIR}/pids ]] || return 0
  DIR=$(cd "${DIR}" && pwd)
  for name in kube-scheduler kube-controller-manager kube-apiserver etcd; do
    pid=$(own_pid "${name}") || continue
    kill -TERM "${pid}" 2>/dev/null || continue
    pids+=("${pid}")
    t0=$(now_ms)
    while pid_alive "${pid}" && (($(now_ms) - t0 < limit * 1000)); do sleep 0.05; done
    if pid_alive "${pid}"; then
      log "${name} (pid ${pid}) ignored SIGTERM for ${limit}s: SIGKILL"
      kill -KILL "${pid}" 2>/dev/null
    fi
  done
  left=0
  for pid in "${pids[@]}"; do
    for ((i = 0; i < 20; i++)); do pid_alive "${pid}" || break; sleep 0.05; done
    pid_alive "${pid}" && left=$((left + 1))
  done
  rm -rf "${DIR:?}/pids"
  ((left == 0)) || die "${left} component(s) still running after SIGKILL"
}

(($# >= 1)) || usage
case $1 in -h | --help) usage ;; esac
(($# >= 2)) || usage
cmd=$1
DIR=$2
shift 2
case ${cmd} in
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  node-kubeconfig) cmd_node_kubeconfig "$@" ;;
  user-kubeconfig) cmd_user_kubeconfig "$@" ;;
  *) usage ;;
esac
