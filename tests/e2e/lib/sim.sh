#!/usr/bin/env bash
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153  # SIM_* globals are the caller's; pod.env sets GRACE etc.
#
# sim.sh — the Kafka StatefulSet of manifests/base, run on simulated pods:
# the parts of Kubernetes the e2e scenario needs, on one machine, as root.
#
#   tests/lib/pods.sh   a pod = network namespace + UTS host name + the
#                       kubelet's resolv.conf/hosts; dnsmasq = cluster DNS
#   lib/podspec.py      the built manifests -> each pod's containers: image,
#                       args, env (Downward API, Secret), user, volumeMounts,
#                       probes, in the pod spec's order
#   lib/container.sh    one container: private mount namespace with the
#                       pod's volumes bind-mounted at the manifest's
#                       mountPaths, read-only root, its uid/gid, env -i
#   this file           the kubelet (volumes, containers in order, probes,
#                       graceful termination), the endpoints controller
#                       (DNS records with a delay), and helpers for the story
#
# What a pod gets, per incarnation (WORK/pods/<pod>.<n>/):
#   volumes/<name>   emptyDir (0777 + fsGroup, fresh each incarnation) and
#                    the ConfigMap's files (mode from defaultMode);
#   WORK/pvc/data-<pod>  the volumeClaimTemplate's volume: survives deletion
#                    of the pod (persistentVolumeClaimRetentionPolicy Retain)
#   logs/<container>.log  what `kubectl logs -c <container>` would show
#   events           the kubelet's events for the pod
# Images are "staged" in WORK/images: kafka-agent:* runs the agent binary
# under test; apache/kafka:* runs tests/e2e/kafka-pod/run-kafka.sh (the
# image's entrypoint, emulated) as /etc/kafka/docker/run, with the image's
# /etc/kafka/docker defaults and Kafka's jars (fetch.sh) at /opt/kafka/libs.
#
# The caller sets ROOT, AGENT, TOOL, WORK, RUN and sources this file (after
# tests/lib/pods.sh, which brings tests/lib/common.sh: say, nap, wait_until,
# terminate, ...). Functions are documented where they are defined.

declare -A SIM_KUBELET=() SIM_INC=() SIM_DIR=()
SIM_HELPERS=()
# The Kafka containers' heap when the manifest sets none. At least 128 MiB of
# it goes to the log cleaner's dedupe buffer at start-up (Kafka's default
# log.cleaner.dedupe.buffer.size, which the base config keeps).
SIM_KAFKA_HEAP=${E2E_KAFKA_HEAP_OPTS:--Xms384m -Xmx384m}

# ---------------------------------------------------------------- setup

# sim_setup: builds the manifests, derives every pod's spec, stages the
# images, starts the cluster DNS and the client pod. Sets the globals below.
sim_setup() {
  local n
  SIM_SPEC=${WORK}/spec
  SIM_EVENTS=${WORK}/events.log
  SIM_SETUP=1
  mkdir -p "${SIM_SPEC}" "${WORK}/pods" "${WORK}/pvc" "${WORK}/images" \
    "${WORK}/client" || return 1

  kustomize build "${ROOT}/manifests/base" >"${WORK}/manifests.yaml" || return 1
  python3 "${ROOT}/tests/e2e/lib/podspec.py" "${WORK}/manifests.yaml" \
    --pod-name "kafka-0" --out "${SIM_SPEC}/kafka-0" || return 1
  # shellcheck source=/dev/null
  . "${SIM_SPEC}/kafka-0/pod.env"
  SIM_STS=${STS_NAME}
  SIM_NS=${NAMESPACE}
  SIM_SVC=${SUBDOMAIN}
  SIM_REPLICAS=${REPLICAS}
  SIM_GRACE=${GRACE}
  SIM_MIN_READY=${MIN_READY}
  SIM_FS_GROUP=${FS_GROUP}
  SIM_POD_MANAGEMENT=${POD_MANAGEMENT}
  SIM_PODS=()
  for ((n = 0; n < SIM_REPLICAS; n++)); do
    SIM_PODS+=("${SIM_STS}-${n}")
    if ((n > 0)); then
      python3 "${ROOT}/tests/e2e/lib/podspec.py" "${WORK}/manifests.yaml" \
        --pod-name "${SIM_STS}-${n}" --out "${SIM_SPEC}/${SIM_STS}-${n}" || return 1
    fi
  done
  # The readiness probe of the main container (the kubelet's view of Ready);
  # the containers' names: SIM_INIT (the init container), SIM_MAIN.
  local c kind p
  for c in ${CONTAINERS}; do
    kind=${c#*:}
    c=${c%%:*}
    [[ ${kind} != init || -n ${SIM_INIT:-} ]] || SIM_INIT=${c}
    [[ ${kind} == main ]] || continue
    p=$(awk '$1 == "readiness"' "${SIM_SPEC}/kafka-0/containers/${c}/probes")
    [[ -n ${p} ]] || { echo "sim: container ${c} has no readinessProbe" >&2; return 1; }
    read -r _ SIM_READY_PORT SIM_READY_SERVICE _ <<<"${p}"
    SIM_MAIN=${c}
  done

  # The images: what each image reference runs, and the files it brings
  # (the entrypoint's libraries in docker/lib/, where run-kafka.sh looks).
  mkdir -p "${WORK}/images/kafka-agent" "${WORK}/images/kafka/docker/lib" || return 1
  cp "${AGENT}" "${WORK}/images/kafka-agent/kafka-agent" || return 1
  cp "${ROOT}/tests/e2e/kafka-pod/run-kafka.sh" "${WORK}/images/kafka/docker/run" || return 1
  cp "${ROOT}/tests/lib/common.sh" "${ROOT}/tests/lib/kafka.sh" \
    "${WORK}/images/kafka/docker/lib/" || return 1
  cp "${ROOT}"/tests/e2e/kafka-pod/etc-kafka-docker/* "${WORK}/images/kafka/docker/" || return 1
  SIM_KAFKA_LIBS=$("${ROOT}/tests/integration/kafka/fetch.sh" --print-libs) || return 1
  chmod -R a+rX "${WORK}/images" "${WORK}/spec" || return 1

  pods_init "${RUN}" || return 1
  SIM_DOMAIN=${PODS_CLUSTER_DOMAIN}
  pods_create client 100 --namespace "${SIM_NS}" || return 1
  SIM_BOOTSTRAP="${SIM_SVC}.${SIM_NS}.svc.${SIM_DOMAIN}:9092"
}

sim_fqdn() {
  printf '%s.%s.%s.svc.%s\n' "$1" "${SIM_SVC}" "${SIM_NS}" "${SIM_DOMAIN}"
}

# The address a pod gets: stable per ordinal (see README: a simplification).
sim_ip() {
  printf '%s.%d\n' "${PODS_NET_PREFIX}" $((10 + ${1##*-}))
}

sim_agent_addr() {
  printf '%s:%s\n' "$(sim_ip "$1")" "${SIM_READY_PORT}"
}

# ---------------------------------------------------------------- DNS

# The headless Service's own name resolves to every published pod address
# (what the client uses as bootstrap). Serialised: publishers run in parallel.
_sim_publish_service() {
  local f ips=()
  (
    flock 9
    for f in "${PODS_HOSTS_DIR}"/*."${SIM_SVC}.${SIM_NS}.svc.${SIM_DOMAIN}"; do
      [[ -f ${f} ]] || continue
      ips+=("$(awk '{ print $1 }' "${f}")")
    done
    if ((${#ips[@]})); then
      pods_publish_dns "${SIM_SVC}.${SIM_NS}.svc.${SIM_DOMAIN}" "${ips[@]}" >/dev/null
    else
      pods_unpublish_dns "${SIM_SVC}.${SIM_NS}.svc.${SIM_DOMAIN}" >/dev/null
    fi
  ) 9>"${WORK}/dns.lock"
}

# _sim_dns_publisher POD DELAY_MS: the endpoints controller and CoreDNS
# catching up: the pod's record appears DELAY_MS after the pod started.
_sim_dns_publisher() {
  local pod=$1 delay=$2 dir=${SIM_DIR[$1]}
  nap "$(secs "${delay}")"
  [[ -e ${dir}/deleted || -e ${WORK}/stop ]] && return 0
  if ! pods_publish_dns "$(sim_fqdn "${pod}")" "$(sim_ip "${pod}")"; then
    echo "publishing its DNS record failed" >"${dir}/failed"
    return 1
  fi
  now_ms >"${dir}/t_dns_published"
  _sim_publish_service
  _sim_event "${pod}" "cluster DNS: $(sim_fqdn "${pod}") -> $(sim_ip "${pod}") published, $(secs "${delay}")s after the pod started"
}

# ---------------------------------------------------------------- kubelet

# _sim_describe POD CONTAINER: e.g. "kafka-agent init (uid 65532; volumes
# /etc/kafka-base (ro), /mnt/shared/config)".
_sim_describe() {
  local spec=${SIM_SPEC}/$1/containers/$2 uid gid image cmd vols
  read -r uid gid <"${spec}/user"
  read -r image <"${spec}/image"
  cmd=$(cat "${spec}/command" "${spec}/args" | paste -sd' ')
  if [[ ! -s ${spec}/command ]]; then
    case ${image} in
      kafka-agent:*) cmd="kafka-agent${cmd:+ }${cmd}" ;;
      *) cmd="the ${image} entrypoint${cmd:+ }${cmd}" ;;
    esac
  fi
  vols=$(awk '{ printf "%s%s%s", (NR > 1 ? ", " : ""), $1, ($3 == "ro" ? " (ro)" : "") }' "${spec}/mounts")
  printf '%s (uid %s; %s)' "${cmd}" "${uid}" "${vols:+volumes }${vols:-no volumes}"
}

_sim_event() {
  local line
  line=$(say "$1: $2")
  printf '%s\n' "${line}" >>"${SIM_EVENTS}"
  if [[ -n ${SIM_DIR[$1]:-} ]]; then printf '%s\n' "${line}" >>"${SIM_DIR[$1]}/events"; fi
  [[ -e ${WORK}/quiet ]] || printf '%s\n' "${line}"
}

# _sim_volumes POD DIR: the pod's volumes, as the kubelet prepares them.
_sim_volumes() {
  local pod=$1 dir=$2 name kind mode v
  while read -r name kind mode; do
    case ${kind} in
      emptyDir)
        v=${dir}/volumes/${name}
        mkdir -p "${v}" && chmod 0777 "${v}"
        ;;
      configMap)
        v=${dir}/volumes/${name}
        mkdir -p "${v}" && cp "${SIM_SPEC}/${pod}/configmaps/${name}/"* "${v}/" &&
          chmod "${mode}" "${v}"/*
        ;;
      pvc)
        v=${WORK}/pvc/${name}-${pod}
        [[ -d ${v} ]] || mkdir -p "${v}"
        ;;
      *) return 1 ;;
    esac || return 1
    # fsGroup: the group owns every volume and new files inherit it
    # (fsGroupChangePolicy OnRootMismatch: only when the root does not match).
    if [[ -n ${SIM_FS_GROUP} && $(stat -c %g "${v}") != "${SIM_FS_GROUP}" ]]; then
      chgrp -R "${SIM_FS_GROUP}" "${v}" && chmod g+rwXs "${v}" || return 1
    fi
  done <"${SIM_SPEC}/${pod}/volumes"
}

_sim_volume_path() {
  local pod=$1 dir=$2 vol=$3 kind
  kind=$(awk -v v="${vol}" '$1 == v { print $2 }' "${SIM_SPEC}/${pod}/volumes")
  if [[ ${kind} == pvc ]]; then
    printf '%s\n' "${WORK}/pvc/${vol}-${pod}"
  else
    printf '%s\n' "${dir}/volumes/${vol}"
  fi
}

# _sim_start_container POD DIR CONTAINER: spawns it; sets SIM_CPID.
_sim_start_container() {
  local pod=$1 dir=$2 c=$3 spec image uid gid path vol mode a
  local -a opts=() cmd=() args=()
  spec=${SIM_SPEC}/${pod}/containers/${c}
  read -r image <"${spec}/image"
  read -r uid gid <"${spec}/user"
  mkdir -p "${dir}/scratch/${c}"
  opts=(--scratch "${dir}/scratch/${c}" --user "${uid}:${gid}" --env-file "${spec}/env")
  [[ -z ${SIM_FS_GROUP} ]] || opts+=(--groups "${SIM_FS_GROUP}")
  [[ $(<"${spec}/ro_root") != true ]] || opts+=(--ro-root)
  while read -r path vol mode; do
    a="$(_sim_volume_path "${pod}" "${dir}" "${vol}"):${path}"
    [[ ${mode} != ro ]] || a+=":ro"
    opts+=(--mount "${a}")
  done <"${spec}/mounts"
  case ${image} in
    kafka-agent:*)
      cmd=("${WORK}/images/kafka-agent/kafka-agent")
      ;;
    apache/kafka:*)
      opts+=(--mount "${WORK}/images/kafka/docker:/etc/kafka/docker:ro"
        --mount "${SIM_KAFKA_LIBS}:/opt/kafka/libs:ro")
      # The manifest sets no heap, so the image's default (-Xmx1G) would
      # apply; three of those do not belong on a small machine. A smaller
      # heap, given as the image reads it (a JVM option, not a property).
      if ! grep -qz '^KAFKA_HEAP_OPTS=' "${spec}/env"; then
        opts+=(--env "KAFKA_HEAP_OPTS=${SIM_KAFKA_HEAP}")
      fi
      cmd=(/etc/kafka/docker/run --shared-config /mnt/shared/config --work /opt/kafka
        --tmp /tmp --libs /opt/kafka/libs --defaults /etc/kafka/docker)
      ;;
    *)
      echo "sim: no staged image for ${image}" >&2
      return 1
      ;;
  esac
  mapfile -t a <"${spec}/command"
  ((${#a[@]} == 0)) || cmd=("${a[@]}")
  mapfile -t args <"${spec}/args"
  pods_spawn "${pod}" "${dir}/logs/${c}.log" unshare --mount --propagation private -- \
    "${ROOT}/tests/e2e/lib/container.sh" "${opts[@]}" -- "${cmd[@]}" "${args[@]}" || return 1
  SIM_CPID=${PODS_PID}
  printf '%s\n' "${SIM_CPID}" >"${dir}/${c}.pid"
}

# _sim_probe_addr ADDR SERVICE: SERVING, NOT_SERVING or ERROR, as a gRPC
# probe of the kubelet sees it (grpc-health-probe from the node).
_sim_probe_addr() {
  health_of "$1" "$2" pods_node_exec
}

_sim_serving() {
  [[ $(_sim_probe_addr "$1" "$2") == SERVING ]]
}

# sim_probe POD SERVICE: the pod's agent, as the kubelet probes it.
sim_probe() {
  _sim_probe_addr "$(sim_agent_addr "$1")" "$2"
}

# _sim_stop_container POD DIR NAME PID GRACE: SIGTERM, SIGKILL after GRACE s.
_sim_stop_container() {
  local pod=$1 dir=$2 c=$3 pid=$4 grace=$5 t0
  t0=$(now_ms)
  terminate "${pid}" "${grace}"
  _sim_event "${pod}" "container ${c} exited (code ${REAP_RC}) $(since "${t0}")s after ${TERMINATED_BY}"
}

# _sim_startup_stop PID: why a startupProbe wait ends early: the pod is
# being deleted (the kubelet's `stop`), or the container exited.
_sim_startup_stop() {
  if ((stop)); then
    echo stop
  elif ! alive "$1"; then
    echo exited
  else
    return 1
  fi
}

# _sim_kubelet POD DIR: runs the pod's containers in the spec's order until
# SIGTERM (the pod is deleted), then stops them: main containers first
# (SIGTERM, SIGKILL after terminationGracePeriodSeconds), then the sidecars
# in reverse order. Runs in the background; writes DIR/state
# (init|running|terminating|terminated) and DIR/failed on a failure.
_sim_kubelet() {
  local pod=$1 dir=$2 item c kind pid rc t0 p port service period failures
  local stop=0 done_pid
  local -a sidecars=() mains=() names=()
  trap 'stop=1' TERM
  # shellcheck source=/dev/null
  . "${SIM_SPEC}/${pod}/pod.env"
  echo init >"${dir}/state"
  for item in ${CONTAINERS}; do
    c=${item%%:*}
    kind=${item#*:}
    ((stop)) && break
    t0=$(now_ms)
    if ! _sim_start_container "${pod}" "${dir}" "${c}"; then
      echo "could not start container ${c}" >"${dir}/failed"
      return 1
    fi
    pid=${SIM_CPID}
    case ${kind} in
      init)
        _sim_event "${pod}" "init container ${c} started: $(_sim_describe "${pod}" "${c}")"
        rc=0
        wait "${pid}" || rc=$?
        if ((stop)); then
          alive "${pid}" && _sim_stop_container "${pod}" "${dir}" "${c}" "${pid}" "${GRACE}"
          break
        fi
        if ((rc != 0)); then
          _sim_event "${pod}" "init container ${c} FAILED (exit ${rc})"
          echo "init container ${c} exited ${rc} (log: ${dir}/logs/${c}.log)" >"${dir}/failed"
          echo failed >"${dir}/state"
          return 1
        fi
        _sim_event "${pod}" "init container ${c} exited 0 after $(secs $(($(now_ms) - t0)))s; its DNS log:"$'\n'"$(
          grep -E 'dns: (waiting for|.* resolved to|ready after)' "${dir}/logs/${c}.log" |
            sed -E 's/^[^ ]+ +[a-z]+ +/            /')"
        now_ms >"${dir}/t_init_done"
        # The agent retries with a backoff of at most 5 s: it should be done
        # within about that of its own record appearing (the other names it
        # needs are older or appear at about the same time).
        if [[ -f ${dir}/t_dns_published ]]; then
          p=$(($(<"${dir}/t_init_done") - $(<"${dir}/t_dns_published")))
          if ((p > 7000)); then
            _sim_event "${pod}" "WARNING: init took $(secs "${p}")s after its DNS record appeared (expected within ~6s); see the DNS query log (dnsmasq.log)"
          fi
        fi
        ;;
      sidecar)
        sidecars+=("${pid}")
        names+=("${pid}:${c}")
        _sim_event "${pod}" "sidecar ${c} started (native sidecar: restartPolicy Always): $(_sim_describe "${pod}" "${c}")"
        # The next container starts once the sidecar's startupProbe passes.
        p=$(awk '$1 == "startup"' "${SIM_SPEC}/${pod}/containers/${c}/probes")
        if [[ -n ${p} ]]; then
          read -r _ port service period failures _ <<<"${p}"
          [[ ${service} != - ]] || service=''
          # Until SERVING, for period x failures seconds from the start.
          p=$((period * failures * 1000 - ($(now_ms) - t0)))
          ((p > 0)) || p=0
          if ! wait_until --every 0.1 --abort-if "_sim_startup_stop ${pid}" \
            "$(secs "${p}" 3)" "the startupProbe" \
            _sim_serving "$(sim_ip "${pod}"):${port}" "${service}"; then
            ((stop)) || {
              echo "sidecar ${c} failed its startupProbe (log: ${dir}/logs/${c}.log)" >"${dir}/failed"
              echo failed >"${dir}/state"
            }
            break
          fi
          _sim_event "${pod}" "sidecar ${c}: startupProbe (gRPC ${port} \"${service}\") passed after $(secs $(($(now_ms) - t0)))s"
        fi
        ;;
      main)
        mains+=("${pid}")
        names+=("${pid}:${c}")
        now_ms >"${dir}/t_main_started"
        _sim_event "${pod}" "container ${c} started: $(_sim_describe "${pod}" "${c}")"
        ;;
    esac
  done
  [[ -e ${dir}/failed ]] || echo running >"${dir}/state"
  while ((!stop)) && ((${#sidecars[@]} + ${#mains[@]} > 0)); do
    done_pid=''
    rc=0
    wait -n -p done_pid "${sidecars[@]}" "${mains[@]}" || rc=$?
    ((stop)) && break
    [[ -n ${done_pid} ]] || continue
    for item in "${names[@]}"; do
      [[ ${item%%:*} == "${done_pid}" ]] && c=${item#*:}
    done
    if [[ ! -e ${WORK}/quiet ]]; then
      _sim_event "${pod}" "container ${c} exited unexpectedly (code ${rc})"
      echo "container ${c} exited unexpectedly with ${rc} (log: ${dir}/logs/${c}.log)" >"${dir}/failed"
    fi
    mains=("${mains[@]/${done_pid}/}")
    sidecars=("${sidecars[@]/${done_pid}/}")
    read -r -a mains <<<"${mains[*]}"
    read -r -a sidecars <<<"${sidecars[*]}"
  done
  echo terminating >"${dir}/state"
  for pid in "${mains[@]}"; do
    for item in "${names[@]}"; do [[ ${item%%:*} == "${pid}" ]] && c=${item#*:}; done
    _sim_stop_container "${pod}" "${dir}" "${c}" "${pid}" "${GRACE}"
  done
  for ((p = ${#sidecars[@]} - 1; p >= 0; p--)); do
    pid=${sidecars[p]}
    for item in "${names[@]}"; do [[ ${item%%:*} == "${pid}" ]] && c=${item#*:}; done
    _sim_stop_container "${pod}" "${dir}" "${c}" "${pid}" "${GRACE}"
  done
  echo terminated >"${dir}/state"
}

# sim_start_pod POD [DNS_DELAY_MS]: what the StatefulSet controller and the
# kubelet do for a new pod: create it (netns, address, hosts/resolv.conf),
# prepare its volumes, run its containers (in the background), and publish
# its DNS record after DNS_DELAY_MS (default: 500-3000 ms at random).
sim_start_pod() {
  local pod=$1 delay=${2:-$((500 + RANDOM % 2500))} inc dir
  inc=$((${SIM_INC[${pod}]:-0} + 1))
  SIM_INC[${pod}]=${inc}
  dir=${WORK}/pods/${pod}.${inc}
  SIM_DIR[${pod}]=${dir}
  mkdir -p "${dir}/logs" "${dir}/volumes" "${dir}/scratch" || return 1
  now_ms >"${dir}/t_created"
  pods_create "${pod}" "$(sim_ip "${pod}")" --namespace "${SIM_NS}" \
    --subdomain "${SIM_SVC}" || return 1
  _sim_volumes "${pod}" "${dir}" || { echo "sim: volumes of ${pod} failed" >&2; return 1; }
  _sim_event "${pod}" "pod created (incarnation ${inc}), address $(sim_ip "${pod}"), data volume ${WORK}/pvc/data-${pod}$( ((inc > 1)) && echo ' (kept from before)')"
  _sim_dns_publisher "${pod}" "${delay}" &
  SIM_HELPERS+=($!)
  _sim_kubelet "${pod}" "${dir}" &
  SIM_KUBELET[${pod}]=$!
}

# sim_delete_pod POD: `kubectl delete pod`: the kubelet stops the containers
# (see _sim_kubelet), then the pod is gone: namespace, emptyDir volumes and,
# as the endpoints controller removes it, its DNS record. The data volume
# stays. Sets SIM_DELETE_MS to how long it took.
sim_delete_pod() {
  local pod=$1 dir=${SIM_DIR[$1]} pid=${SIM_KUBELET[$1]:-} t0
  t0=$(now_ms)
  : >"${dir}/deleted"
  _sim_event "${pod}" "pod deleted: SIGTERM to its main containers, grace period ${SIM_GRACE}s (terminationGracePeriodSeconds); the sidecar keeps running until they exit"
  # The kubelet stops the containers; it gets twice the grace period and 20 s.
  [[ -z ${pid} ]] || terminate "${pid}" $((SIM_GRACE * 2 + 20)) || true
  pods_delete "${pod}" --grace 5 || return 1
  rm -rf -- "${dir:?}/volumes" "${dir:?}/scratch"
  pods_unpublish_dns "$(sim_fqdn "${pod}")" || return 1
  _sim_publish_service
  unset "SIM_KUBELET[${pod}]"
  SIM_DELETE_MS=$(($(now_ms) - t0))
  _sim_event "${pod}" "pod gone after $(secs "${SIM_DELETE_MS}")s; DNS record removed; data volume kept"
}

# sim_pod_failure: prints the first failure any pod's kubelet recorded.
sim_pod_failure() {
  local pod
  for pod in "${!SIM_DIR[@]}"; do
    if [[ -e ${SIM_DIR[${pod}]}/failed && ! -e ${SIM_DIR[${pod}]}/deleted ]]; then
      printf '%s: %s\n' "${pod}" "$(<"${SIM_DIR[${pod}]}/failed")"
      return 0
    fi
  done
  return 1
}

# sim_status POD ARGS...: `kafka-agent status --addr <pod's agent> ARGS`,
# run from the node (like an operator with a port-forward).
sim_status() {
  local pod=$1
  shift
  pods_node_exec "${AGENT}" status --addr "$(sim_agent_addr "${pod}")" "$@"
}

# sim_isr POD [TOPIC]: the ISR of each partition of TOPIC (default test) as
# the pod's agent sees it, e.g. "0,1,2 0,1,2 0,1,2" (sorted ids).
sim_isr() {
  sim_status "$1" --json --topic "${2:-test}" --timeout 2s 2>/dev/null |
    jq -r '[.partitions.partitions // [] | .[] | (.isr | sort | map(tostring) | join(","))] | join(" ")'
}

# sim_stop_all: ends everything of the run (a trap may call it): helpers,
# pods (SIGTERM, SIGKILL after 5 s: no patience on this path), kubelets,
# namespaces and DNS. Safe to call twice.
sim_stop_all() {
  local pid
  : >"${WORK}/quiet" 2>/dev/null
  : >"${WORK}/stop" 2>/dev/null
  for pid in "${SIM_HELPERS[@]}"; do
    kill -TERM "${pid}" 2>/dev/null
  done
  if [[ -n ${PODS_RUN_ID:-} ]]; then
    # SIGTERM to every pod's processes at once (the brokers stop together),
    # then pods_cleanup: SIGKILL after 5 s to what is left, namespaces, DNS.
    local ns
    local -a pids=()
    # The client pod's test tools are not worth waiting for here.
    mapfile -t pids < <(ip netns pids "ka-${PODS_RUN_ID}-pod-client" 2>/dev/null)
    if ((${#pids[@]})); then
      {
        kill -KILL "${pids[@]}"
        for pid in "${pids[@]}"; do wait "${pid}"; done
      } 2>/dev/null
    fi
    pids=()
    for ns in $(ip netns list 2>/dev/null | awk -v p="ka-${PODS_RUN_ID}-pod-" 'index($1, p) == 1 { print $1 }'); do
      mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "${ns}" 2>/dev/null)
    done
    ((${#pids[@]} == 0)) || kill -TERM "${pids[@]}" 2>/dev/null
    PODS_KILL_GRACE=5 pods_cleanup "${PODS_RUN_ID}"
  fi
  for pid in "${SIM_KUBELET[@]}" "${SIM_HELPERS[@]}"; do
    kill -TERM "${pid}" 2>/dev/null
    wait "${pid}" 2>/dev/null
  done
  SIM_KUBELET=()
  SIM_HELPERS=()
}
