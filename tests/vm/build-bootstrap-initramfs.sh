#!/bin/sh
# Usage: build-bootstrap-initramfs.sh KERNEL_DIR OUT.cpio
#
# A few-hundred-KiB initramfs that boots the systemd guest's disk with a
# test kernel the image does not carry: busybox, the kernel's virtio and ext4
# modules, and /init (tests/vm/guest/bootstrap-init), which mounts the root
# partition, lays the kernel's module tree (the third disk) under
# /lib/modules, and switch_roots into systemd.
set -eu
kdir=$1; out=$2
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/bpfseal-bootstrap.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/newroot" "$stage/modules"
cp /bin/busybox "$stage/bin/busybox"
cp "$here/guest/bootstrap-init" "$stage/init"
chmod 0755 "$stage/init" "$stage"
"$here/kernel-modules.sh" "$kdir" "$stage/modules" virtio_pci virtio_blk ext4
(cd "$stage" && find . -print | cpio -o -H newc --quiet) > "$out"
