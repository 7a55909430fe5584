#!/usr/bin/env bash
# Assembles the root filesystem of the kafka-agent runtime image: everything a
# dynamically linked binary needs to run with no distribution underneath (the
# image is FROM scratch), and nothing else: no shell, no package manager.
#
#   container/stage-rootfs.sh [--name NAME] BINARY OUTDIR
#
# Copies into OUTDIR (created if missing; running it again, or for a second
# binary, adds to it):
#   /NAME                      the binary (default NAME: its file name)
#   every library `ldd BINARY` lists, at the path ldd prints, and the dynamic
#                              loader at the binary's interpreter path
#   /etc/passwd, /etc/group    root, nobody and nonroot (65532), the image user
#   /etc/nsswitch.conf         passwd/group from files; hosts: files dns, so
#                              getaddrinfo reads /etc/hosts, then DNS
#   /etc/ssl/certs/ca-certificates.crt and OpenSSL's default locations
#                              (/usr/lib/ssl/cert.pem, /usr/lib/ssl/certs) for
#                              TLS to Kafka (librdkafka uses OpenSSL's defaults)
#   /tmp                       empty, mode 1777
# glibc >= 2.34 (bookworm has 2.36) has the `files` and `dns` NSS back-ends
# built into libc.so.6: getaddrinfo needs no libnss_*.so. With an older glibc
# the script copies libnss_files and libnss_dns.
# /etc/hosts and /etc/resolv.conf are not staged: the container runtime (the
# kubelet, docker, podman) mounts its own.
#
# Used by container/Dockerfile (builder stage) and container/build-image.sh
# (buildah) alike, so the image has the same root whichever way it is built.
# The default build links everything but glibc statically, so the libraries
# are libc.so.6, libm.so.6 and the loader.
set -euo pipefail

usage() { echo "usage: $0 [--name NAME] BINARY OUTDIR" >&2; exit 2; }
die() { echo "stage-rootfs: $*" >&2; exit 1; }

name=
while (($#)); do
  case "$1" in
    --name) [ $# -ge 2 ] || usage; name=$2; shift 2 ;;
    --name=*) name=${1#--name=}; shift ;;
    -h | --help) usage ;;
    --) shift; break ;;
    -*) echo "stage-rootfs: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[ $# -eq 2 ] || usage
binary=$1 out=$2
if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then die "$binary: not an executable file"; fi
name=${name:-$(basename "$binary")}
case "$name" in */* | "" | . | ..) die "--name must be a plain file name, not '$name'" ;; esac
command -v ldd >/dev/null || die "ldd not found (Debian package libc-bin)"

mkdir -p "$out"
out=$(cd "$out" && pwd)
[ "$out" != / ] || die "refusing to stage into /"

# copy_file SRC: copies SRC (following symlinks) to the same path under OUTDIR.
copy_file() {
  local src=$1 dst=$out$1
  mkdir -p "$(dirname "$dst")"
  cp -L --preserve=mode "$src" "$dst"
}

install -D -m 0755 "$binary" "$out/$name"

# Shared libraries, and the loader. ldd prints
#   libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)
#   /lib64/ld-linux-x86-64.so.2 (0x...)
#   linux-vdso.so.1 (0x...)                 (in the kernel: nothing to copy)
ldd_out=$(ldd "$binary" 2>&1) || true
if grep -q 'not a dynamic executable' <<<"$ldd_out"; then
  echo "stage-rootfs: $binary is statically linked: no libraries to copy"
else
  if missing=$(grep 'not found' <<<"$ldd_out"); then
    die "$binary has unresolved libraries:"$'\n'"$missing"
  fi
  mapfile -t libs < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$ldd_out")
  ((${#libs[@]})) || die "could not read ldd's output for $binary:"$'\n'"$ldd_out"
  for lib in "${libs[@]}"; do
    copy_file "$lib"
  done
  # The interpreter path is baked into the binary (PT_INTERP); make sure the
  # very path exists even if ldd printed it differently.
  interp=$(grep -m1 -ao '/lib[^[:space:][:cntrl:]]*/ld-linux[^[:space:][:cntrl:]]*\.so\.[0-9]*' "$binary" || true)
  if [ -n "$interp" ] && [ ! -e "$out$interp" ] && [ -e "$interp" ]; then
    copy_file "$interp"
  fi

  # NSS back-ends for getaddrinfo / getpwuid: inside libc since glibc 2.34.
  glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{ print $2 }')
  if [ -n "$glibc" ] && ! printf '%s\n' 2.34 "$glibc" | sort -V -C; then
    libc=$(awk '$1 ~ /^libc\.so/ { print $3 }' <<<"$ldd_out")
    for mod in libnss_files.so.2 libnss_dns.so.2 libresolv.so.2; do
      [ -e "$(dirname "$libc")/$mod" ] && copy_file "$(dirname "$libc")/$mod"
    done
  fi
fi

# Users and groups: numeric 65532 is what the image runs as (USER 65532:65532).
mkdir -p "$out/etc"
cat >"$out/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin
EOF
cat >"$out/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
EOF
cat >"$out/etc/nsswitch.conf" <<'EOF'
passwd: files
group:  files
hosts:  files dns
EOF
chmod 0644 "$out/etc/passwd" "$out/etc/group" "$out/etc/nsswitch.conf"

# CA certificates (Debian's bundle), where OpenSSL looks by default.
bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$bundle" ] || die "$bundle not found: apt-get install ca-certificates"
copy_file "$bundle"
chmod 0644 "$out$bundle"
openssldir=/usr/lib/ssl
if command -v openssl >/dev/null; then
  openssldir=$(openssl version -d | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')
  openssldir=${openssldir:-/usr/lib/ssl}
fi
mkdir -p "$out$openssldir"
ln -sfn "$bundle" "$out$openssldir/cert.pem"
ln -sfn /etc/ssl/certs "$out$openssldir/certs"

install -d -m 1777 "$out/tmp"

files=$(find "$out" -type f | wc -l)
size=$(du -sh "$out" | cut -f1)
echo "stage-rootfs: $binary -> $out/$name ($files files, $size)"
