#!/usr/bin/env bash
# container.sh — the container-runtime part of a simulated pod: give one
# container its own view of the filesystem, its user, and exec its process.
#
# Run it as root inside the pod (its network and UTS namespaces, as
# tests/lib/pods.sh's pods_spawn does) AND inside a fresh, private mount
# namespace, so that nothing it mounts is visible outside or outlives the
# container process:
#
#   pods_spawn POD LOG unshare --mount --propagation private -- \
#     container.sh --scratch DIR --user UID:GID [--groups G,G] [--ro-root] \
#                  [--mount SRC:DST[:ro]]... [--env-file FILE] [--env K=V]...
#                  [--hostname NAME] [--workdir DIR]
#                  [--rootfs DIR --exec-helper BIN] -- CMD [ARG...]
#
# (tests/k8s's kubelet-sim runs it under `ip netns exec POD-NETNS unshare
# --uts --mount --propagation private`, with --hostname.)
#
#   --scratch DIR     an existing, empty directory of the caller's; a tmpfs is
#                     mounted on it (in this namespace only) for the overlays'
#                     upper layers, so the host's disk gets nothing
#   --user UID:GID    the container's runAsUser / runAsGroup
#   --groups LIST     supplementary groups (the pod's fsGroup)
#   --mount SRC:DST[:ro]
#                     bind SRC (a volume's directory, or an image's file or
#                     directory) at DST, read-only with :ro. A DST that does
#                     not exist on the host is created inside an overlay of
#                     its nearest existing ancestor (e.g. /etc, /opt,
#                     /var/lib), so /etc/kafka-base or /var/lib/kafka/data
#                     exist in the container and never on the host
#   --ro-root         readOnlyRootFilesystem: the root and the overlays are
#                     remounted read-only; only the --mount volumes are writable
#   --env-file FILE   the container's environment, KEY=VALUE items separated by
#                     NUL bytes; the process gets exactly these (plus PATH and
#                     HOSTNAME as a runtime sets them), nothing of ours
#   --env K=V         one more variable, after the file's
#   --hostname NAME   set the host name first (in a UTS namespace of its own)
#   --workdir DIR     the working directory (default /)
#   --rootfs DIR      the container's root is an image's root filesystem: an
#                     overlay with DIR as its lower layer and a tmpfs upper
#                     layer (so the image directory is never written), with
#                     the pod's /etc/hosts, /etc/resolv.conf, /etc/hostname,
#                     a /proc, a minimal /dev and a read-only /sys; the
#                     --mount targets are inside it. CMD is a path inside DIR.
#                     Without --rootfs the container sees the node's root.
#   --exec-helper BIN with --rootfs: `BIN container-exec` chroots, drops to
#                     the user and execs CMD (a FROM-scratch image has no
#                     setpriv or env of its own); kubelet-sim is that BIN
#
# The process runs with no new privileges and an empty capability bounding
# set (allowPrivilegeEscalation: false, capabilities: drop: [ALL]), in /.
# Mounts made by `ip netns exec` under an overlaid directory (the pod's
# /etc/resolv.conf, /etc/hosts, /etc/hostname) are carried over on top of the
# overlay. The script ends by exec'ing CMD, so the pid the caller holds is the
# container's process: SIGTERM reaches it directly.
set -euo pipefail
# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/common.sh"

scratch='' user='' groups='' ro_root=0 env_file='' hostname_='' workdir=/ rootfs='' helper=''
mounts=()
extra_env=()
while (($#)); do
  case $1 in
    --scratch) scratch=${2:?}; shift 2 ;;
    --user) user=${2:?}; shift 2 ;;
    --groups) groups=${2:-}; shift 2 ;;
    --mount) mounts+=("${2:?}"); shift 2 ;;
    --ro-root) ro_root=1; shift ;;
    --env-file) env_file=${2:?}; shift 2 ;;
    --env) extra_env+=("${2:?}"); shift 2 ;;
    --hostname) hostname_=${2:?}; shift 2 ;;
    --workdir) workdir=${2:?}; shift 2 ;;
    --rootfs) rootfs=${2:?}; shift 2 ;;
    --exec-helper) helper=${2:?}; shift 2 ;;
    --) shift; break ;;
    *) die "unknown argument '$1'" ;;
  esac
done
(($#)) || die "no command after --"
[[ ${EUID} -eq 0 ]] || die "must run as root"
[[ -d ${scratch} ]] || die "--scratch '${scratch}' is not a directory"
[[ ${user} =~ ^[0-9]+:[0-9]+$ ]] || die "--user wants UID:GID, got '${user}'"
[[ -z ${rootfs} || -d ${rootfs} ]] || die "--rootfs '${rootfs}' is not a directory"
[[ -z ${rootfs} || -x ${helper} ]] || die "--rootfs needs --exec-helper BIN (kubelet-sim), got '${helper}'"
if [[ -n ${hostname_} ]]; then
  [[ $(readlink /proc/self/ns/uts) != "$(readlink /proc/1/ns/uts)" ]] ||
    die "--hostname: run me in a UTS namespace of my own (unshare --uts)"
  hostname -- "${hostname_}" || die "cannot set the host name ${hostname_}"
fi
# Refuse to run in the host's mount namespace: our mounts must die with us.
if [[ $(readlink /proc/self/ns/mnt) == "$(readlink /proc/1/ns/mnt)" ]]; then
  die "run me under 'unshare --mount --propagation private' (I am in the host's mount namespace)"
fi

# The container's environment and nothing else (env -i), as a runtime
# builds it: the image's PATH, HOSTNAME, then the pod spec's variables.
# Read now: the mounts below may hide the file.
envs=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  "HOSTNAME=$(hostname)")
if [[ -n ${env_file} ]]; then
  mapfile -d '' -t -O "${#envs[@]}" envs <"${env_file}"
fi
envs+=("${extra_env[@]}")

mount -t tmpfs -o mode=0700,size=64m ka-scratch "${scratch}"

# ---------------------------------------------------------------- image root
# --rootfs: the container's root is an overlay of the image's directory, as a
# container runtime makes it; everything is mounted inside it, then the helper
# chroots into it.
if [[ -n ${rootfs} ]]; then
  new=${scratch}/root
  mkdir -p "${scratch}/rootfs/upper" "${scratch}/rootfs/work" "${new}"
  mount -t overlay ka-rootfs \
    -o "lowerdir=${rootfs},upperdir=${scratch}/rootfs/upper,workdir=${scratch}/rootfs/work" "${new}"
  # inside NEW-PATH KIND: creates the mount point (a directory, or a file).
  inside() {
    if [[ $2 == dir ]]; then
      mkdir -p "${new}$1"
    else
      mkdir -p "$(dirname "${new}$1")"
      [[ -e ${new}$1 ]] || : >"${new}$1"
    fi
  }
  for f in /etc/hosts /etc/resolv.conf /etc/hostname; do
    [[ -f ${f} ]] || continue
    inside "${f}" file
    mount --bind "${f}" "${new}${f}"
  done
  inside /proc dir
  mount -t proc -o nosuid,nodev,noexec proc "${new}/proc"
  inside /sys dir
  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "${new}/sys"
  inside /dev dir
  mount -t tmpfs -o nosuid,mode=0755,size=64k ka-dev "${new}/dev"
  for d in null zero full random urandom tty; do
    : >"${new}/dev/${d}"
    mount --bind "/dev/${d}" "${new}/dev/${d}"
  done
  mkdir -p "${new}/dev/shm"
  mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m ka-shm "${new}/dev/shm"
  ln -s /proc/self/fd "${new}/dev/fd"
  ln -s /proc/self/fd/0 "${new}/dev/stdin"
  ln -s /proc/self/fd/1 "${new}/dev/stdout"
  ln -s /proc/self/fd/2 "${new}/dev/stderr"
  for m in "${mounts[@]}"; do
    IFS=: read -r src dst mode <<<"${m}"
    [[ -e ${src} ]] || die "mount source '${src}' does not exist"
    [[ ${dst} == /* ]] || die "mount target '${dst}' is not absolute"
    if [[ -d ${src} ]]; then inside "${dst}" dir; else inside "${dst}" file; fi
    mount --bind "${src}" "${new}${dst}"
    [[ ${mode:-} != ro ]] || mount -o remount,bind,ro "${new}${dst}"
  done
  if ((ro_root)); then
    mount -o remount,ro "${new}"
  fi
  grp=()
  [[ -z ${groups} ]] || grp=(--groups "${groups}")
  env_args=()
  for e in "${envs[@]}"; do env_args+=(--env "${e}"); done
  exec "${helper}" container-exec --chroot "${new}" --workdir "${workdir}" \
    --user "${user}" "${grp[@]}" "${env_args[@]}" -- "$@"
fi

# The nearest ancestor of PATH that exists.
existing_ancestor() {
  local p=$1
  while [[ ! -e ${p} ]]; do p=$(dirname "${p}"); done
  printf '%s\n' "${p}"
}

# Directories to overlay: the nearest existing ancestor of every mount
# target that does not exist; the shortest first, and none below another.
declare -A overlay=()
targets=()
for m in "${mounts[@]}"; do
  IFS=: read -r src dst _ <<<"${m}"
  [[ -e ${src} ]] || die "mount source '${src}' does not exist"
  [[ ${dst} == /* ]] || die "mount target '${dst}' is not absolute"
  targets+=("${dst}")
  if [[ ! -e ${dst} ]]; then
    a=$(existing_ancestor "${dst}")
    [[ ${a} != / ]] || die "cannot create ${dst}: its parent is / (not overlaid)"
    overlay[${a}]=1
  fi
done
mapfile -t overlay_dirs < <(printf '%s\n' "${!overlay[@]}" | awk 'NF { print length, $0 }' |
  sort -n | cut -d' ' -f2-)
done_dirs=()
n=0
for dir in "${overlay_dirs[@]}"; do
  skip=0
  for d in "${done_dirs[@]}"; do [[ ${dir} == "${d}"/* ]] && skip=1; done
  ((skip)) && continue
  n=$((n + 1))
  up=${scratch}/ov${n}
  mkdir -p "${up}/upper" "${up}/work" "${up}/keep"
  # Mounts below DIR (resolv.conf, hosts, hostname of `ip netns exec`) are
  # hidden by the overlay: bind them aside, then back on top of it.
  mapfile -t subs < <(findmnt -rn -o TARGET | awk -v d="${dir}/" 'index($0, d) == 1' | sort)
  i=0
  for s in "${subs[@]}"; do
    i=$((i + 1))
    if [[ -d ${s} ]]; then mkdir "${up}/keep/${i}"; else : >"${up}/keep/${i}"; fi
    mount --bind "${s}" "${up}/keep/${i}"
  done
  mount -t overlay "ka-overlay" \
    -o "lowerdir=${dir},upperdir=${up}/upper,workdir=${up}/work" "${dir}"
  i=0
  for s in "${subs[@]}"; do
    i=$((i + 1))
    [[ -e ${s} ]] || { [[ -d ${up}/keep/${i} ]] && mkdir -p "${s}"; } || : >"${s}"
    mount --bind "${up}/keep/${i}" "${s}"
    umount "${up}/keep/${i}"
  done
  done_dirs+=("${dir}")
done

# A target that hides where other sources live (the tmp volume at /tmp,
# when the volumes are under /tmp) is mounted last.
early=()
late=()
for m in "${mounts[@]}"; do
  IFS=: read -r _ dst _ <<<"${m}"
  hides=0
  for o in "${mounts[@]}"; do
    IFS=: read -r src _ _ <<<"${o}"
    [[ ${src} == "${dst}"/* ]] && hides=1
  done
  if ((hides)); then late+=("${m}"); else early+=("${m}"); fi
done

for m in "${early[@]}" "${late[@]}"; do
  IFS=: read -r src dst mode <<<"${m}"
  if [[ ! -e ${dst} ]]; then
    if [[ -d ${src} ]]; then
      mkdir -p "${dst}"
    else
      mkdir -p "$(dirname "${dst}")"
      : >"${dst}"
    fi
  fi
  mount --bind "${src}" "${dst}"
  if [[ ${mode:-} == ro ]]; then
    mount -o remount,bind,ro "${dst}"
  fi
done

if ((ro_root)); then
  mount -o remount,bind,ro /
  for dir in "${done_dirs[@]}"; do mount -o remount,bind,ro "${dir}"; done
fi

uid=${user%%:*}
gid=${user##*:}
cd "${workdir}"
grp=(--clear-groups)
[[ -z ${groups} ]] || grp=(--groups "${groups}")
exec setpriv --reuid="${uid}" --regid="${gid}" "${grp[@]}" --no-new-privs \
  --bounding-set=-all --inh-caps=-all -- env -i "${envs[@]}" "$@"
