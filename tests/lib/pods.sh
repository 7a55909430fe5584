#!/usr/bin/env bash
# shellcheck shell=bash
#
# pods.sh — simulated Kubernetes pods on one machine, with network namespaces.
#
# No Kubernetes, no container engine: a "pod" is a network namespace with its
# own address on a bridge, its own host name (a UTS namespace per command), and
# its own /etc/resolv.conf and /etc/hosts written the way the kubelet writes
# them. A dnsmasq plays the cluster DNS; records are published and removed like
# the endpoints of a headless Service.
#
# Everything of a run lives inside namespaces the run creates, so the host's
# interfaces, routes and /etc/resolv.conf are never touched:
#
#   netns ka-<run>-node          the "node": bridge br0 (<prefix>.1/24) and the
#                                cluster DNS (dnsmasq on <prefix>.1:53)
#   netns ka-<run>-pod-<name>    one per pod: eth0 (<prefix>.<n>/24), lo;
#                                its veth peer veth<n> is a port of br0
#   /etc/netns/<netns>/          resolv.conf, hosts, hostname, bind-mounted over
#                                /etc/... by `ip netns exec`
#   /run/ka-pods/<run>/          state: run.env, pods/<name>.env, dns/hosts.d
#                                (one hosts file per published name), the
#                                dnsmasq log (dns/dnsmasq.log, every query)
#
# Use (as root; needs iproute2, dnsmasq-base, util-linux):
#
#   . tests/lib/pods.sh
#   exit_traps pods_cleanup                # (common.sh, which pods.sh sources)
#   pods_init demo1                       # bridge, DNS; sets PODS_* below
#   pods_create kafka-0 10 --namespace kafka --subdomain kafka-headless
#   pods_exec kafka-0 hostname            # -> kafka-0
#   pods_spawn kafka-0 /tmp/init.log kafka-agent init ...   # background;
#   echo "$PODS_PID"                      #   the command's own pid
#   pods_publish_dns kafka-0.kafka-headless.kafka.svc.cluster.local "$(pods_ip kafka-0)"
#   pods_unpublish_dns kafka-0.kafka-headless.kafka.svc.cluster.local
#   pods_delete kafka-0
#   pods_cleanup                          # everything; idempotent
#
# Functions (all return non-zero with a "pods: ..." message on failure):
#
#   pods_can_run                whether this machine can run pods (root,
#                               network namespaces); if not, prints why.
#   pods_init [RUN_ID]          RUN_ID: 1-12 of [a-z0-9] (default: p<shell pid>).
#                               Env read: PODS_SUBNET (a.b.c.0/24; default
#                               10.244.N.0/24 with N derived from RUN_ID and
#                               clear of the host's routes), PODS_CLUSTER_DOMAIN
#                               (cluster.local), PODS_STATE_ROOT (/run/ka-pods),
#                               PODS_DNS (dnsmasq, the default; or external:
#                               no dnsmasq, the caller serves DNS on
#                               PODS_DNS_IP:53 in the node namespace, as the
#                               e2e tests' CoreDNS does; pods_publish_dns and
#                               pods_unpublish_dns are then unavailable).
#                               Sets: PODS_RUN_ID PODS_DIR PODS_NODE_NS
#                               PODS_SUBNET PODS_NET_PREFIX PODS_DNS_IP
#                               PODS_DNS_LOG PODS_HOSTS_DIR PODS_CLUSTER_DOMAIN.
#                               The service kube-dns.kube-system.svc.<domain>
#                               resolves to the DNS address, as in a cluster.
#   pods_create NAME IP [--namespace NS] [--subdomain SVC]
#                               NAME: a DNS label (the pod's host name). IP: a
#                               full address in PODS_SUBNET or just the host
#                               number (2-254). NS: the pod's Kubernetes
#                               namespace (default "default") for the search
#                               list. SVC: spec.subdomain (the headless Service):
#                               the pod's FQDN NAME.SVC.NS.svc.<domain> goes in
#                               its /etc/hosts, as the kubelet does. The FQDN is
#                               NOT published in DNS: call pods_publish_dns.
#   pods_exec NAME CMD [ARG...] run an executable inside the pod (its netns, its
#                               resolv.conf/hosts, a UTS namespace whose host
#                               name is NAME). Foreground; returns CMD's status.
#                               CMD must be a program, not a shell function.
#   pods_spawn NAME LOG CMD [ARG...]
#                               pods_exec in the background, stdout+stderr to
#                               LOG (appended); sets PODS_PID to the pid of CMD
#                               itself (so `kill -TERM "$PODS_PID"` reaches it
#                               and `wait "$PODS_PID"` returns its status).
#   pods_node_exec CMD [ARG...] run a program in the node namespace (reaches
#                               every pod and the DNS; like a shell on the node).
#   pods_publish_dns FQDN IP [IP...] [--no-wait]
#                               add (or replace) the A record(s) of FQDN. Waits
#                               until the DNS serves them (unless --no-wait);
#                               sets PODS_DNS_LAST_MS to how long that took.
#   pods_unpublish_dns FQDN [--no-wait]
#                               remove FQDN; waits until it no longer resolves.
#   pods_resolve FQDN           the addresses the cluster DNS gives for FQDN,
#                               one a line; non-zero if it does not resolve.
#   pods_ip NAME                the pod's address.
#   pods_netns NAME             the pod's network namespace name.
#   pods_fqdn NAME              the pod's FQDN (empty without --subdomain).
#   pods_list                   the run's pods: name, address, FQDN.
#   pods_delete NAME [--grace SECONDS]
#                               kill the pod's processes (TERM, then KILL after
#                               SECONDS, default PODS_KILL_GRACE or 3; give a
#                               JVM more, as terminationGracePeriodSeconds
#                               does), remove its namespace, veth and
#                               /etc/netns files. Its DNS record, if any, stays
#                               until pods_unpublish_dns.
#   pods_cleanup [RUN_ID]       remove everything of the run: processes in its
#                               namespaces (dnsmasq included), namespaces (and so
#                               the veths and the bridge), /etc/netns entries,
#                               state directory. Idempotent; finds leftovers by
#                               name even without state; safe in a trap.
#
# Executed rather than sourced, the script runs one function, with the run
# taken from the argument or PODS_RUN_ID — e.g. after a crashed run:
#   tests/lib/pods.sh cleanup demo1
#   PODS_RUN_ID=demo1 tests/lib/pods.sh exec kafka-0 hostname

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

_pods_err() {
  LIB_PROG=pods log "$@"
}

_pods_log() {
  if [[ "${PODS_VERBOSE:-0}" == 1 ]]; then
    _pods_err "$@"
  fi
}

# Runs a command; on failure names it and returns its status.
_pods_run() {
  local rc=0
  "$@" || rc=$?
  if ((rc != 0)); then
    _pods_err "failed (exit ${rc}): $*"
  fi
  return "${rc}"
}

# Root and the programs the library needs, with what to install.
_pods_require() {
  if [[ "${EUID}" -ne 0 ]]; then
    _pods_err "must run as root (network namespaces, bridges and mounts need it)"
    return 1
  fi
  local cmd pkg missing=0
  for cmd in ip:iproute2 dnsmasq:dnsmasq-base unshare:util-linux \
    getent:libc-bin hostname:hostname; do
    pkg=${cmd#*:}
    cmd=${cmd%%:*}
    if ! command -v "${cmd}" >/dev/null 2>&1; then
      _pods_err "'${cmd}' not found: install the Debian package ${pkg}" \
        "(apt-get install -y ${pkg}, or make deps)"
      missing=1
    fi
  done
  return "${missing}"
}

pods_can_run() {
  local probe="ka-probe-$$"
  if [[ "${EUID}" -ne 0 ]]; then
    echo "needs root (network namespaces, mounts); run as root or under sudo"
    return 1
  fi
  if ! command -v ip >/dev/null 2>&1; then
    echo "'ip' (iproute2) not found, so no 'ip netns'"
    return 1
  fi
  if ! ip netns add "${probe}" 2>/dev/null; then
    echo "'ip netns add' does not work here (no CAP_SYS_ADMIN or no netns support)"
    return 1
  fi
  ip netns del "${probe}" 2>/dev/null
}

_pods_valid_run_id() {
  [[ "$1" =~ ^[a-z0-9]{1,12}$ ]]
}

_pods_valid_name() {
  [[ ${#1} -le 63 && "$1" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]]
}

_pods_valid_fqdn() {
  [[ ${#1} -le 253 && "$1" =~ ^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$ ]]
}

_pods_valid_ipv4() {
  local IFS=. a b c d
  [[ "$1" =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || return 1
  read -r a b c d <<<"$1"
  ((10#$a <= 255 && 10#$b <= 255 && 10#$c <= 255 && 10#$d <= 255))
}

_pods_ip2int() {
  local IFS=. a b c d
  read -r a b c d <<<"$1"
  printf '%s\n' $(((10#$a << 24) | (10#$b << 16) | (10#$c << 8) | 10#$d))
}

# _pods_overlap A/LEN B/LEN: true when the two IPv4 prefixes share an address.
_pods_overlap() {
  local a=${1%/*} alen=${1#*/} b=${2%/*} blen=${2#*/} len ai bi mask
  [[ "$1" == */* ]] || alen=32
  [[ "$2" == */* ]] || blen=32
  len=$((alen < blen ? alen : blen))
  ai=$(_pods_ip2int "${a}")
  bi=$(_pods_ip2int "${b}")
  mask=$(((0xffffffff << (32 - len)) & 0xffffffff))
  ((len == 0 || (ai & mask) == (bi & mask)))
}

# The host's IPv4 prefixes (routes and addresses), for picking a subnet that
# does not look like any of them. Default routes are not prefixes to avoid.
_pods_host_prefixes() {
  ip -4 route show 2>/dev/null | awk '$1 != "default" { print $1 }'
  ip -4 -o addr show 2>/dev/null | awk '{ print $4 }'
}

_pods_pick_subnet() {
  local id=$1 n i cand p clash
  local -a host
  mapfile -t host < <(_pods_host_prefixes)
  n=$(printf '%s' "${id}" | cksum | awk '{ print $1 % 250 }')
  for ((i = 0; i < 250; i++)); do
    cand="10.244.$(((n + i) % 250 + 1)).0/24"
    clash=0
    for p in "${host[@]}"; do
      if [[ -n "${p}" ]] && _pods_overlap "${cand}" "${p}"; then
        clash=1
        break
      fi
    done
    if ((clash == 0)); then
      printf '%s\n' "${cand}"
      return 0
    fi
  done
  _pods_err "no free 10.244.N.0/24 subnet; set PODS_SUBNET"
  return 1
}

_pods_state_root() {
  printf '%s\n' "${PODS_STATE_ROOT:-/run/ka-pods}"
}

# Makes the run's variables available: already set (sourced, after
# pods_init), or read back from the run's state (another shell, same run).
_pods_load() {
  if [[ "${EUID}" -ne 0 ]]; then
    _pods_err "must run as root (network namespaces, bridges and mounts need it)"
    return 1
  fi
  if [[ -n "${PODS_DIR:-}" && -f "${PODS_DIR}/run.env" ]]; then
    return 0
  fi
  if [[ -z "${PODS_RUN_ID:-}" ]]; then
    _pods_err "no run: call pods_init first (or set PODS_RUN_ID)"
    return 1
  fi
  local f
  f="$(_pods_state_root)/${PODS_RUN_ID}/run.env"
  if [[ ! -f "${f}" ]]; then
    _pods_err "run '${PODS_RUN_ID}' not found (no ${f}): call pods_init first"
    return 1
  fi
  # shellcheck source=/dev/null
  . "${f}"
}

_pods_pod_env() {
  printf '%s/pods/%s.env\n' "${PODS_DIR}" "$1"
}

# Reads one pod's state into POD_NS POD_IP POD_FQDN POD_VETH.
_pods_load_pod() {
  local name=$1 f
  _pods_load || return 1
  f=$(_pods_pod_env "${name}")
  if [[ ! -f "${f}" ]]; then
    _pods_err "no pod '${name}' in run '${PODS_RUN_ID}'"
    return 1
  fi
  POD_NS='' POD_IP='' POD_FQDN='' POD_VETH=''
  # shellcheck source=/dev/null
  . "${f}"
}

# Writes NAME=VALUE lines (shell-quoted) to a file.
_pods_write_env() {
  local file=$1 kv
  shift
  : >"${file}" || return 1
  for kv in "$@"; do
    printf '%s=%q\n' "${kv%%=*}" "${kv#*=}" >>"${file}" || return 1
  done
}

_pods_netns_empty() {
  [[ -z "$(ip netns pids "$1" 2>/dev/null)" ]]
}

# Kills every process whose network namespace is NS: TERM, then KILL after
# PODS_KILL_GRACE seconds; reaps the ones that are this shell's children.
_pods_kill_netns() {
  local ns=$1 grace=${PODS_KILL_GRACE:-3} pid
  local -a pids all=()
  mapfile -t pids < <(ip netns pids "${ns}" 2>/dev/null)
  ((${#pids[@]} == 0)) && return 0
  all=("${pids[@]}")
  kill -TERM "${pids[@]}" 2>/dev/null || true
  if ! wait_until --every 0.05 "${grace}" "${ns} to empty" _pods_netns_empty "${ns}"; then
    mapfile -t pids < <(ip netns pids "${ns}" 2>/dev/null)
    _pods_err "killing what ignored SIGTERM for ${grace}s in ${ns}: ${pids[*]}"
    kill -KILL "${pids[@]}" 2>/dev/null || true
    all+=("${pids[@]}")
    nap 0.1
  fi
  # Reap our own children (no zombies left for pgrep to find); never wait
  # for one that is somehow still alive.
  mapfile -t pids < <(ip netns pids "${ns}" 2>/dev/null)
  for pid in "${all[@]}"; do
    [[ " ${pids[*]} " == *" ${pid} "* ]] && continue
    wait "${pid}" 2>/dev/null || true
  done
  return 0
}

_pods_del_netns() {
  local ns=$1
  if grep -qxF -- "${ns}" <(ip netns list 2>/dev/null | awk '{ print $1 }'); then
    _pods_kill_netns "${ns}"
    ip netns del "${ns}" 2>/dev/null || _pods_err "could not delete netns ${ns}"
  fi
  if [[ -d "/etc/netns/${ns}" ]]; then
    rm -rf -- "/etc/netns/${ns:?}"
  fi
}

# pods_init [RUN_ID]
pods_init() {
  local id=${1:-p$$} root subnet prefix dir ns dns_ip pid
  _pods_require || return 1
  if ! _pods_valid_run_id "${id}"; then
    _pods_err "bad run id '${id}': use 1-12 characters of [a-z0-9]"
    return 1
  fi
  root=$(_pods_state_root)
  dir="${root}/${id}"
  ns="ka-${id}-node"
  if [[ -e "${dir}" ]] || grep -q "^ka-${id}-" <(ip netns list 2>/dev/null); then
    _pods_err "run '${id}' already exists (state ${dir} or namespaces ka-${id}-*);" \
      "clean it up with: $(realpath "${BASH_SOURCE[0]}") cleanup ${id}"
    return 1
  fi
  if [[ -n "${PODS_SUBNET:-}" ]]; then
    subnet=${PODS_SUBNET}
    if [[ ! "${subnet}" =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0/24$ ]] ||
      ! _pods_valid_ipv4 "${subnet%/*}"; then
      _pods_err "bad PODS_SUBNET '${subnet}': use a.b.c.0/24"
      return 1
    fi
  else
    subnet=$(_pods_pick_subnet "${id}") || return 1
  fi
  prefix=${subnet%.0/24}
  dns_ip="${prefix}.1"

  PODS_RUN_ID=${id}
  PODS_DIR=${dir}
  PODS_NODE_NS=${ns}
  PODS_SUBNET=${subnet}
  PODS_NET_PREFIX=${prefix}
  PODS_DNS_IP=${dns_ip}
  PODS_CLUSTER_DOMAIN=${PODS_CLUSTER_DOMAIN:-cluster.local}
  PODS_HOSTS_DIR="${dir}/dns/hosts.d"
  PODS_DNS_LOG="${dir}/dns/dnsmasq.log"
  export PODS_RUN_ID PODS_DIR PODS_NODE_NS PODS_SUBNET PODS_NET_PREFIX \
    PODS_DNS_IP PODS_CLUSTER_DOMAIN PODS_HOSTS_DIR PODS_DNS_LOG

  # dnsmasq reads the hosts directory after dropping privileges, and
  # `ip netns exec` needs the files readable: 0755/0644 throughout.
  (umask 022 && mkdir -p "${root}" "${dir}/pods" "${dir}/tmp" \
    "${PODS_HOSTS_DIR}") || {
    _pods_err "cannot create ${dir}"
    return 1
  }
  _pods_write_env "${dir}/run.env" PODS_RUN_ID="${id}" PODS_DIR="${dir}" \
    PODS_NODE_NS="${ns}" PODS_SUBNET="${subnet}" PODS_NET_PREFIX="${prefix}" \
    PODS_DNS_IP="${dns_ip}" PODS_CLUSTER_DOMAIN="${PODS_CLUSTER_DOMAIN}" \
    PODS_HOSTS_DIR="${PODS_HOSTS_DIR}" PODS_DNS_LOG="${PODS_DNS_LOG}" || return 1

  if ! ip netns add "${ns}" 2>"${dir}/tmp/netns.err"; then
    _pods_err "ip netns add ${ns} failed: $(cat "${dir}/tmp/netns.err")"
    return 1
  fi
  _pods_run ip -n "${ns}" link set lo up || return 1
  _pods_run ip -n "${ns}" link add br0 type bridge || return 1
  # A fixed MAC: otherwise the bridge takes the lowest MAC of its ports and
  # changes it when a pod comes or goes, and every pod whose ARP entry for the
  # DNS address holds the old one cannot reach the DNS until it expires
  # (lookups time out for 10-30 s). Only this bridge's ports see it.
  _pods_run ip -n "${ns}" link set br0 address 02:00:00:00:00:01 || return 1
  _pods_run ip -n "${ns}" addr add "${dns_ip}/24" dev br0 || return 1
  _pods_run ip -n "${ns}" link set br0 up || return 1

  # The node resolves through the cluster DNS too (for pods_resolve).
  mkdir -p "/etc/netns/${ns}" &&
    printf 'nameserver %s\noptions timeout:1 attempts:2\n' "${dns_ip}" \
      >"/etc/netns/${ns}/resolv.conf" || return 1

  if [[ ${PODS_DNS:-dnsmasq} == external ]]; then
    printf 'PODS_DNS=external\n' >>"${dir}/run.env"
    _pods_log "run ${id}: node ${ns}, subnet ${subnet}, DNS ${dns_ip} served by the caller"
    return 0
  elif [[ ${PODS_DNS:-dnsmasq} != dnsmasq ]]; then
    _pods_err "bad PODS_DNS '${PODS_DNS}': dnsmasq or external"
    return 1
  fi
  # The cluster DNS. Names under the cluster domain that are not published
  # get NXDOMAIN (authoritative, as CoreDNS answers), not REFUSED; no
  # upstream, no /etc/hosts of the host, no config file of the host.
  ip netns exec "${ns}" dnsmasq \
    --keep-in-foreground --conf-file=/dev/null --user=root \
    --pid-file="${dir}/dns/dnsmasq.pid" \
    --no-resolv --no-hosts --bind-interfaces --listen-address="${dns_ip}" \
    --local="/${PODS_CLUSTER_DOMAIN}/" \
    --host-record="kube-dns.kube-system.svc.${PODS_CLUSTER_DOMAIN},${dns_ip}" \
    --hostsdir="${PODS_HOSTS_DIR}" \
    --log-queries --log-facility="${PODS_DNS_LOG}" \
    >"${dir}/dns/dnsmasq.out" 2>&1 &
  pid=$!
  printf 'PODS_DNS_PID=%q\n' "${pid}" >>"${dir}/run.env"
  PODS_DNS_PID=${pid}
  export PODS_DNS_PID
  if wait_until --every 0.05 --abort-if "exited ${pid}" 5 "the cluster DNS" \
    _pods_dns_is "kube-dns.kube-system.svc.${PODS_CLUSTER_DOMAIN}" "${dns_ip}"; then
    _pods_log "run ${id}: node ${ns}, subnet ${subnet}, DNS ${dns_ip} (pid ${pid})"
    return 0
  fi
  _pods_err "dnsmasq did not start (${WAIT_ERROR}); its output:"
  cat "${dir}/dns/dnsmasq.out" "${PODS_DNS_LOG}" >&2 2>/dev/null
  return 1
}

# pods_create NAME IP [--namespace NS] [--subdomain SVC]
pods_create() {
  local name='' ip='' kns=default sub='' fqdn='' ns veth host
  local -a pos=()
  while (($#)); do
    case "$1" in
      --namespace) kns=${2:-}; shift 2 || return 1 ;;
      --namespace=*) kns=${1#*=}; shift ;;
      --subdomain) sub=${2:-}; shift 2 || return 1 ;;
      --subdomain=*) sub=${1#*=}; shift ;;
      -*) _pods_err "pods_create: unknown option $1"; return 1 ;;
      *) pos+=("$1"); shift ;;
    esac
  done
  if ((${#pos[@]} != 2)); then
    _pods_err "usage: pods_create NAME IP [--namespace NS] [--subdomain SVC]"
    return 1
  fi
  name=${pos[0]}
  ip=${pos[1]}
  _pods_load || return 1
  if ! _pods_valid_name "${name}"; then
    _pods_err "bad pod name '${name}': a DNS label ([a-z0-9-], at most 63)"
    return 1
  fi
  if ! _pods_valid_name "${kns}" || { [[ -n "${sub}" ]] && ! _pods_valid_name "${sub}"; }; then
    _pods_err "bad --namespace '${kns}' or --subdomain '${sub}': DNS labels"
    return 1
  fi
  if [[ "${ip}" =~ ^[0-9]+$ ]]; then
    ip="${PODS_NET_PREFIX}.${ip}"
  fi
  host=${ip##*.}
  if ! _pods_valid_ipv4 "${ip}" || [[ "${ip%.*}" != "${PODS_NET_PREFIX}" ]] ||
    ((10#${host} < 2 || 10#${host} > 254)); then
    _pods_err "bad pod address '${pos[1]}': use ${PODS_NET_PREFIX}.2 .. .254 (or 2 .. 254)"
    return 1
  fi
  host=$((10#${host}))
  ip="${PODS_NET_PREFIX}.${host}"
  if [[ -f "$(_pods_pod_env "${name}")" ]]; then
    _pods_err "pod '${name}' already exists"
    return 1
  fi
  if grep -qxF "POD_IP=${ip}" "${PODS_DIR}"/pods/*.env 2>/dev/null; then
    _pods_err "address ${ip} is taken by another pod"
    return 1
  fi
  ns="ka-${PODS_RUN_ID}-pod-${name}"
  veth="veth${host}"
  if [[ -n "${sub}" ]]; then
    fqdn="${name}.${sub}.${kns}.svc.${PODS_CLUSTER_DOMAIN}"
  fi
  _pods_write_env "$(_pods_pod_env "${name}")" POD_NS="${ns}" POD_IP="${ip}" \
    POD_FQDN="${fqdn}" POD_VETH="${veth}" POD_NAMESPACE="${kns}" || return 1
  if ! _pods_create_netns "${name}" "${ns}" "${ip}" "${veth}" "${kns}" "${fqdn}"; then
    _pods_err "could not create pod '${name}'; removing what was made"
    pods_delete "${name}" --grace 0 || true
    return 1
  fi
  _pods_log "pod ${name}: ${ip} in ${ns}${fqdn:+ (${fqdn})}"
}

_pods_create_netns() {
  local name=$1 ns=$2 ip=$3 veth=$4 kns=$5 fqdn=$6 etc
  _pods_run ip netns add "${ns}" || return 1
  _pods_run ip -n "${ns}" link set lo up || return 1
  _pods_run ip -n "${PODS_NODE_NS}" link add "${veth}" type veth \
    peer name eth0 netns "${ns}" || return 1
  _pods_run ip -n "${PODS_NODE_NS}" link set "${veth}" master br0 up || return 1
  _pods_run ip -n "${ns}" addr add "${ip}/24" dev eth0 || return 1
  _pods_run ip -n "${ns}" link set eth0 up || return 1
  _pods_run ip -n "${ns}" route add default via "${PODS_DNS_IP}" || return 1

  # What the kubelet writes into a pod: resolv.conf (ClusterFirst), hosts
  # (with the FQDN line when spec.subdomain is set) and hostname.
  etc="/etc/netns/${ns}"
  (umask 022 && mkdir -p "${etc}") || return 1
  printf 'search %s.svc.%s svc.%s %s\nnameserver %s\noptions ndots:5\n' \
    "${kns}" "${PODS_CLUSTER_DOMAIN}" "${PODS_CLUSTER_DOMAIN}" \
    "${PODS_CLUSTER_DOMAIN}" "${PODS_DNS_IP}" >"${etc}/resolv.conf" || return 1
  {
    printf '# Kubernetes-managed hosts file.\n'
    printf '127.0.0.1\tlocalhost\n'
    printf '::1\tlocalhost ip6-localhost ip6-loopback\n'
    printf 'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\n'
    printf 'fe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n'
    if [[ -n "${fqdn}" ]]; then
      printf '%s\t%s\t%s\n' "${ip}" "${fqdn}" "${name}"
    else
      printf '%s\t%s\n' "${ip}" "${name}"
    fi
  } >"${etc}/hosts" || return 1
  printf '%s\n' "${name}" >"${etc}/hostname" || return 1
}

# pods_exec NAME CMD [ARG...]
pods_exec() {
  if (($# < 2)); then
    _pods_err "usage: pods_exec NAME CMD [ARG...]"
    return 1
  fi
  local name=$1 POD_NS POD_IP POD_FQDN POD_VETH
  shift
  _pods_load_pod "${name}" || return 1
  # ip netns exec execs unshare, which execs sh, which execs CMD: one pid.
  # shellcheck disable=SC2016  # $0 and $@ belong to the inner shell
  ip netns exec "${POD_NS}" unshare --uts -- \
    sh -c 'hostname -- "$0" && exec "$@"' "${name}" "$@"
}

# pods_spawn NAME LOG CMD [ARG...]   (sets PODS_PID)
pods_spawn() {
  if (($# < 3)); then
    _pods_err "usage: pods_spawn NAME LOG CMD [ARG...]"
    return 1
  fi
  local name=$1 log=$2 POD_NS POD_IP POD_FQDN POD_VETH
  shift 2
  _pods_load_pod "${name}" || return 1
  # shellcheck disable=SC2016  # $0 and $@ belong to the inner shell
  ip netns exec "${POD_NS}" unshare --uts -- \
    sh -c 'hostname -- "$0" && exec "$@"' "${name}" "$@" >>"${log}" 2>&1 &
  # shellcheck disable=SC2034  # the caller's
  PODS_PID=$!
}

# pods_node_exec CMD [ARG...]
pods_node_exec() {
  _pods_load || return 1
  ip netns exec "${PODS_NODE_NS}" "$@"
}

# pods_resolve FQDN — as a pod would, through the cluster DNS.
pods_resolve() {
  local fqdn=${1%.}
  _pods_load || return 1
  ip netns exec "${PODS_NODE_NS}" getent ahostsv4 "${fqdn}." 2>/dev/null |
    awk '{ print $1 }' | sort -u | grep .
}

# _pods_dns_is FQDN WANT: the cluster DNS gives exactly the addresses WANT
# (sorted, one a line; empty: FQDN does not resolve).
_pods_dns_is() {
  [[ "$(ip netns exec "${PODS_NODE_NS}" getent ahostsv4 "$1." 2>/dev/null |
    awk '{ print $1 }' | sort -u)" == "$2" ]]
}

# _pods_dns_settled WAIT T0 FQDN [IP...]: after a change of FQDN's record at
# T0 (ms): unless WAIT is 0, waits (up to PODS_DNS_WAIT seconds, default 5)
# until FQDN resolves to exactly the IPs or, with none, no longer resolves.
# Sets PODS_DNS_LAST_MS to how long it took since T0.
_pods_dns_settled() {
  local wait=$1 t0=$2 fqdn=$3 want sign=+
  shift 3
  want=$(printf '%s\n' "$@" | sort -u | grep . || true)
  if ((wait)) && ! wait_until --every 0.01 "${PODS_DNS_WAIT:-5}" \
    "${fqdn} in the cluster DNS" _pods_dns_is "${fqdn}" "${want}"; then
    if (($#)); then
      _pods_err "${fqdn} does not resolve to $* ${PODS_DNS_WAIT:-5}s after publishing it (see ${PODS_DNS_LOG})"
    else
      _pods_err "${fqdn} still resolves ${PODS_DNS_WAIT:-5}s after removing it (see ${PODS_DNS_LOG})"
    fi
    return 1
  fi
  PODS_DNS_LAST_MS=$(($(now_ms) - t0))
  (($#)) || sign=-
  _pods_log "dns: ${sign} ${fqdn}${*:+ $*} (${PODS_DNS_LAST_MS} ms)"
}

# _pods_dns_args FQDN [IP...] [--no-wait]: into the caller's fqdn, ips, wait.
_pods_dns_args() {
  fqdn='' wait=1 ips=()
  while (($#)); do
    case "$1" in
      --no-wait) wait=0 ;;
      *) if [[ -z "${fqdn}" ]]; then fqdn=${1%.}; else ips+=("$1"); fi ;;
    esac
    shift
  done
}

# pods_publish_dns FQDN IP [IP...] [--no-wait]
pods_publish_dns() {
  local fqdn wait t0 a tmp
  local -a ips
  _pods_dns_args "$@"
  if [[ -z "${fqdn}" ]] || ((${#ips[@]} == 0)); then
    _pods_err "usage: pods_publish_dns FQDN IP [IP...] [--no-wait]"
    return 1
  fi
  _pods_load || return 1
  if ! _pods_valid_fqdn "${fqdn}"; then
    _pods_err "bad DNS name '${fqdn}'"
    return 1
  fi
  for a in "${ips[@]}"; do
    if ! _pods_valid_ipv4 "${a}"; then
      _pods_err "bad address '${a}' for ${fqdn}"
      return 1
    fi
  done
  # One hosts file per name, written beside and renamed in: dnsmasq sees one
  # complete file (inotify IN_MOVED_TO), never a half-written one.
  tmp="${PODS_DIR}/tmp/${fqdn}"
  for a in "${ips[@]}"; do
    printf '%s\t%s\n' "${a}" "${fqdn}"
  done >"${tmp}" || return 1
  chmod 0644 "${tmp}" || return 1
  t0=$(now_ms)
  mv -f -- "${tmp}" "${PODS_HOSTS_DIR}/${fqdn}" || return 1
  _pods_dns_settled "${wait}" "${t0}" "${fqdn}" "${ips[@]}"
}

# pods_unpublish_dns FQDN [--no-wait]
pods_unpublish_dns() {
  local fqdn wait t0
  local -a ips
  _pods_dns_args "$@"
  if [[ -z "${fqdn}" ]] || ((${#ips[@]})); then
    _pods_err "usage: pods_unpublish_dns FQDN [--no-wait]"
    return 1
  fi
  _pods_load || return 1
  t0=$(now_ms)
  # Deleting the file is enough: dnsmasq (2.90) flushes the names it read
  # from a file when inotify reports the file removed.
  rm -f -- "${PODS_HOSTS_DIR:?}/${fqdn}"
  _pods_dns_settled "${wait}" "${t0}" "${fqdn}"
}

pods_ip() {
  local POD_NS POD_IP POD_FQDN POD_VETH
  _pods_load_pod "${1:?usage: pods_ip NAME}" || return 1
  printf '%s\n' "${POD_IP}"
}

pods_netns() {
  local POD_NS POD_IP POD_FQDN POD_VETH
  _pods_load_pod "${1:?usage: pods_netns NAME}" || return 1
  printf '%s\n' "${POD_NS}"
}

pods_fqdn() {
  local POD_NS POD_IP POD_FQDN POD_VETH
  _pods_load_pod "${1:?usage: pods_fqdn NAME}" || return 1
  printf '%s\n' "${POD_FQDN}"
}

pods_list() {
  local f name POD_NS POD_IP POD_FQDN POD_VETH
  _pods_load || return 1
  for f in "${PODS_DIR}"/pods/*.env; do
    [[ -f "${f}" ]] || continue
    name=$(basename "${f}" .env)
    _pods_load_pod "${name}" || continue
    printf '%s\t%s\t%s\n' "${name}" "${POD_IP}" "${POD_FQDN:--}"
  done
}

# pods_delete NAME [--grace SECONDS]
pods_delete() {
  local name='' grace=${PODS_KILL_GRACE:-3} POD_NS POD_IP POD_FQDN POD_VETH
  while (($#)); do
    case "$1" in
      --grace) grace=${2:-}; shift 2 || return 1 ;;
      --grace=*) grace=${1#*=}; shift ;;
      *) name=$1; shift ;;
    esac
  done
  if [[ -z "${name}" || ! "${grace}" =~ ^[0-9]+$ ]]; then
    _pods_err "usage: pods_delete NAME [--grace SECONDS]"
    return 1
  fi
  _pods_load_pod "${name}" || return 1
  PODS_KILL_GRACE=${grace} _pods_del_netns "${POD_NS}"
  ip -n "${PODS_NODE_NS}" link del "${POD_VETH}" 2>/dev/null || true
  rm -f -- "$(_pods_pod_env "${name}")"
  _pods_log "pod ${name} deleted"
}

# pods_cleanup [RUN_ID] — never fails, so it can sit in a trap.
pods_cleanup() {
  local id=${1:-${PODS_RUN_ID:-}} dir ns
  local -a nss=()
  [[ -n "${id}" ]] || return 0
  if [[ "${EUID}" -ne 0 ]]; then
    _pods_err "pods_cleanup: must run as root"
    return 1
  fi
  if ! _pods_valid_run_id "${id}"; then
    _pods_err "pods_cleanup: bad run id '${id}'"
    return 0
  fi
  dir="$(_pods_state_root)/${id}"
  # Pods first, the node (bridge, dnsmasq) last; found by name, so a run
  # whose state directory is gone is cleaned up as well.
  mapfile -t nss < <(ip netns list 2>/dev/null | awk '{ print $1 }' |
    grep -E "^ka-${id}-" | sort -r)
  for ns in "${nss[@]}"; do
    [[ "${ns}" == "ka-${id}-node" ]] && continue
    _pods_del_netns "${ns}"
  done
  _pods_del_netns "ka-${id}-node"
  for ns in /etc/netns/ka-"${id}"-*; do
    [[ -d "${ns}" ]] && rm -rf -- "${ns}"
  done
  rmdir /etc/netns 2>/dev/null || true
  if [[ -d "${dir}" ]]; then
    rm -rf -- "${dir:?}"
  fi
  rmdir "$(_pods_state_root)" 2>/dev/null || true
  if [[ "${PODS_RUN_ID:-}" == "${id}" ]]; then
    unset PODS_DIR PODS_NODE_NS PODS_NET_PREFIX PODS_DNS_IP \
      PODS_HOSTS_DIR PODS_DNS_LOG PODS_DNS_PID
  fi
  return 0
}

# Executed, not sourced: `pods.sh FUNCTION-WITHOUT-pods_ ARGS...`.
if [[ "${BASH_SOURCE[0]}" == "${0}" ]]; then
  set -uo pipefail
  cmd=${1:-}
  if [[ -z "${cmd}" || "${cmd}" == -h || "${cmd}" == --help ]]; then
    sed -n '3,/^$/{s/^# \{0,1\}//;p}' "$0"
    printf '%s\n' "usage: $0 {cleanup RUN_ID|list|exec NAME CMD...|...}" \
      "  (the run from PODS_RUN_ID, except for init and cleanup)"
    exit 2
  fi
  shift
  if ! declare -F "pods_${cmd}" >/dev/null; then
    _pods_err "unknown command '${cmd}'"
    exit 2
  fi
  "pods_${cmd}" "$@"
  exit $?
fi
