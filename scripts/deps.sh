#!/bin/sh
# Take a fresh Debian 12 machine to one that builds and tests bpfseal.
# Idempotent: re-running only installs what is missing. Needs root.
#
# libbpf >= 1.4, bpftool >= 7.5 and qemu >= 10 exist only in bookworm-backports;
# the suite is added from the mirror this machine already uses for bookworm.
set -eu
here=$(dirname "$0")

[ "$(id -u)" -eq 0 ] || { echo "deps: must run as root (apt-get install)" >&2; exit 1; }

bpo_list=/etc/apt/sources.list.d/bpfseal-bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	mirror=$("$here/apt-mirror.sh")
	echo "deps: adding bookworm-backports from $mirror to $bpo_list"
	cat > "$bpo_list" <<EOT
# Added by bpfseal's scripts/deps.sh: libbpf, bpftool and qemu come from backports.
Types: deb
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
fi

# Build: clang 19 for BPF CO-RE, llvm-strip; libbpf + bpftool for skeletons.
# Tests: cmocka (host unit tests), qemu + busybox + cpio (VM initramfs),
# e2fsprogs + xfsprogs (ext4 and reflink-capable xfs scratch images), xz/zstd (kernel modules), kmod,
# liburing + libaio (the integration suite drives io_uring and AIO writes).
# libwayland-dev: wl_shm_test is a real wl_shm compositor and client.
# Bench: gnuplot. systemd-analyze verifies the shipped units; libsystemd
# (sd_journal_send, sd_notify) is how `sealctl monitor --journal` writes
# structured journal entries.
# Packages: debhelper + dpkg-dev build the .debs (make deb), lintian checks them.
# The systemd guest: mmdebstrap builds its Debian 12 image, sfdisk partitions
# it, qemu-img makes a copy-on-write overlay per boot sequence.
base_pkgs="make gcc pkg-config clang-19 llvm-19 libelf-dev zlib1g-dev libcmocka-dev
busybox-static cpio e2fsprogs xfsprogs xz-utils zstd kmod liburing-dev libaio-dev gnuplot-nox systemd
libsystemd-dev libwayland-dev ca-certificates debhelper dpkg-dev lintian mmdebstrap fdisk qemu-utils"
bpo_pkgs="libbpf-dev bpftool qemu-system-x86"

missing=
for p in $base_pkgs $bpo_pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
# Older (bookworm) libbpf/bpftool/qemu count as missing: upgrade them from backports.
ver_ok() { # pkg minimum
	v=$(dpkg-query -W -f='${Version}' "$1" 2>/dev/null) || return 1
	dpkg --compare-versions "$v" ge "$2"
}
ver_ok libbpf-dev 1:1.4 || missing="$missing libbpf-dev"
ver_ok bpftool 7.5 || missing="$missing bpftool"
ver_ok qemu-system-x86 1:10 || missing="$missing qemu-system-x86"

if [ -z "$missing" ]; then
	echo "deps: everything already installed"
	exit 0
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -q --no-install-recommends $base_pkgs
apt-get install -y -q --no-install-recommends -t bookworm-backports $bpo_pkgs
ver_ok libbpf-dev 1:1.4 && ver_ok bpftool 7.5 && ver_ok qemu-system-x86 1:10 || {
	echo "deps: backports did not provide libbpf-dev>=1.4, bpftool>=7.5, qemu>=10" >&2
	exit 1
}
echo "deps: done"
