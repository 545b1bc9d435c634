#!/bin/sh
# Usage: build-image.sh CACHE_DIR
#
# The systemd guest: a Debian 12 userspace with systemd as PID 1, GRUB on its
# disk and bookworm's own cloud kernel, built once from the archive the test
# kernels come from (the mirror of this machine's apt configuration) and cached
# as CACHE_DIR/images/bookworm-KEY/ (KEY: a hash of this script and of what
# it copies from guest/, so editing them rebuilds). Prints that directory:
#   disk.img       raw disk: MBR, one ext4 partition labelled bpfseal-root, GRUB
#   vmlinuz, initrd.img, release   bookworm's kernel as installed in the image
# The image carries no bpfseal: the tests install the .deb. A unit,
# bpfseal-vmtest.service, runs the harness's stage script from a disk
# labelled BPFSEAL-T when one is attached (tests/vm/systemd-guest.sh).
# GRUB is installed from inside the guest (grub-install /dev/vda in a first
# boot), as an installer does: the host needs no loop devices. GRUB passes
# an administrator's lsm= without bpf (Ubuntu's list), the starting point of
# the enable-lsm scenario; the matrix boots its kernels directly, not by GRUB.
set -eu
cache=$1
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
key=$(cat "$0" "$here/guest/provision" "$here/guest/bpfseal-vmtest" "$here/guest/bpfseal-vmtest.service" | sha256sum | cut -c1-12)
dir=$cache/images/bookworm-$key
if [ -s "$dir/disk.img" ] && [ -s "$dir/release" ]; then echo "$dir"; exit 0; fi

for tool in mmdebstrap sfdisk mke2fs qemu-system-x86_64; do
	command -v "$tool" > /dev/null || { echo "build-image: $tool not found (make deps installs it)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "build-image: must run as root (mmdebstrap chroots)" >&2; exit 1; }
main=$("$top/scripts/apt-mirror.sh" bookworm)
security=$("$top/scripts/apt-mirror.sh" bookworm-security)
work=$dir.tmp
rm -rf "$work"; mkdir -p "$work"
trap 'rm -rf "$work/root"' EXIT

echo "build-image: debootstrapping Debian 12 (systemd, GRUB, linux-image-cloud-amd64) into $work" >&2
# libbpf >= 1.4 (what the .deb needs) is in bookworm-backports only.
mmdebstrap --mode=root --variant=apt --format=directory \
	--include=systemd,systemd-sysv,udev,dbus,libpam-systemd,linux-image-cloud-amd64,grub-pc,initramfs-tools \
	--include=e2fsprogs,passwd,procps,kmod,pkg-config,gcc,libc6-dev,bash-completion \
	--include=libbpf1/bookworm-backports,libbpf-dev/bookworm-backports \
	--customize-hook='echo bpfseal-guest > "$1/etc/hostname"' \
	--customize-hook='echo "LABEL=bpfseal-root / ext4 defaults 0 1" > "$1/etc/fstab"' \
	--customize-hook="cp '$here/guest/bpfseal-vmtest' \"\$1/usr/local/sbin/bpfseal-vmtest\"" \
	--customize-hook="cp '$here/guest/bpfseal-vmtest.service' \"\$1/etc/systemd/system/\"" \
	--customize-hook="cp '$here/guest/provision' \"\$1/usr/local/sbin/bpfseal-provision\"" \
	--customize-hook='chmod 0755 "$1/usr/local/sbin/bpfseal-vmtest" "$1/usr/local/sbin/bpfseal-provision"' \
	--customize-hook='chroot "$1" systemctl enable bpfseal-vmtest.service' \
	--customize-hook='chroot "$1" systemctl mask serial-getty@ttyS0.service getty@tty1.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer dpkg-db-backup.timer' \
	--customize-hook='sed -i -e "s/^GRUB_TIMEOUT=.*/GRUB_TIMEOUT=0/" -e "s/^GRUB_CMDLINE_LINUX_DEFAULT=.*/GRUB_CMDLINE_LINUX_DEFAULT=\"console=ttyS0 panic=-1 oops=panic loglevel=4 systemd.show_status=0 lsm=landlock,lockdown,yama,integrity,apparmor\"/" "$1/etc/default/grub"' \
	--customize-hook='printf "GRUB_TERMINAL=serial\nGRUB_SERIAL_COMMAND=\"serial --unit=0 --speed=115200\"\nGRUB_DISABLE_OS_PROBER=true\n" >> "$1/etc/default/grub"' \
	--customize-hook='cp "$1"/boot/vmlinuz-* "$1/../vmlinuz"; cp "$1"/boot/initrd.img-* "$1/../initrd.img"; ls "$1/lib/modules" > "$1/../release"' \
	bookworm "$work/root" \
	"deb $main bookworm main" "deb $main bookworm-updates main" \
	"deb $security bookworm-security main" "deb $main bookworm-backports main" >&2

# One partition from 1 MiB (room for GRUB's core image), ext4 made from the tree.
truncate -s 3G "$work/disk.img"
echo 'label: dos
start=2048, type=83, bootable' | sfdisk -q "$work/disk.img"
mke2fs -q -t ext4 -L bpfseal-root -d "$work/root" -E offset=1048576 "$work/disk.img" $(( 3 * 1024 * 1024 - 1024 ))k
rm -rf "$work/root"

echo "build-image: first boot: grub-install /dev/vda, update-grub" >&2
timeout --foreground -k 5 600 qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 1G -nographic -no-reboot \
	-kernel "$work/vmlinuz" -initrd "$work/initrd.img" \
	-drive "file=$work/disk.img,if=virtio,format=raw,cache=unsafe" \
	-append "console=ttyS0 root=LABEL=bpfseal-root rw init=/usr/local/sbin/bpfseal-provision panic=-1" \
	< /dev/null > "$work/provision.log" 2>&1 || true
if ! grep -q '^BPFSEAL-PROVISIONED' "$work/provision.log"; then
	echo "build-image: the provisioning boot failed; last console lines:" >&2
	tail -n 40 "$work/provision.log" | sed 's/^/    | /' >&2
	exit 1
fi
rm -rf "$dir"; mv "$work" "$dir"
echo "build-image: $dir ($(cat "$dir/release"))" >&2
echo "$dir"
