#!/bin/sh
# Usage: demo.sh --cache DIR --out BUILD_DIR [KERNEL]     (make demo; default: latest)
#
# Boots KERNEL in the suite's VM (the busybox guest) and runs the README's
# "30 seconds" session there for real (tests/integration/demo.sh): load,
# seal, the refused append, `sealctl get` as root and as a normal user.
# Prints the session as the README shows it.
set -eu
cache=$HOME/.cache/bpfseal; out=build
while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) break ;;
	esac
done
name=${1:-latest}
here=$(cd "$(dirname "$0")" && pwd)
"$here/fetch-kernels.sh" "$cache/kernels" "$name"
kdir=$cache/kernels/$name
mkdir -p "$out/vm"
"$here/build-initramfs.sh" "$out" "$kdir" "$out/vm/demo-$name.cpio"
truncate -s 64M "$out/vm/demo.img" "$out/vm/demo.img.xfs"
accel="-accel tcg,thread=multi -cpu max"
[ "${BPFSEAL_ACCEL:-}" = kvm ] && accel="-accel kvm -cpu host"
echo "demo: booting $(cat "$kdir/release") ..." >&2
# shellcheck disable=SC2086
timeout --foreground -k 5 180 qemu-system-x86_64 $accel -smp 2 -m 1G -nographic -no-reboot \
	-kernel "$kdir/vmlinuz" -initrd "$out/vm/demo-$name.cpio" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=1 bpfseal.mode=demo" \
	< /dev/null > "$out/vm/demo.log" 2>&1 || true
if ! grep -q '^BPFSEAL-DEMO-END' "$out/vm/demo.log"; then
	echo "demo: the guest did not finish; last console lines:" >&2
	tail -n 30 "$out/vm/demo.log" >&2
	exit 1
fi
tr -d '\r' < "$out/vm/demo.log" | sed -n '/^BPFSEAL-DEMO-BEGIN/,/^BPFSEAL-DEMO-END/p' | sed '1d;$d'
