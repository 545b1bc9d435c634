#!/bin/sh
# Usage: build-initramfs.sh BUILD_DIR KERNEL_DIR OUT.cpio
#
# One initramfs per kernel: busybox, /init, the built sealctl and libbpfseal,
# the integration suite (tests/integration: binaries from BUILD_DIR, scripts
# from the tree), the benchmark if built (BUILD_DIR/tests/bench), the shared
# libraries they need, and the kernel's own virtio-blk, loop, xfs and overlay modules
# (uncompressed: busybox insmod reads plain .ko).
set -eu
build=$1; kdir=$2; out=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/bpfseal-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/bin" "$stage/sbin" "$stage/etc" "$stage/proc" "$stage/sys" "$stage/dev" \
	"$stage/tmp" "$stage/run" "$stage/mnt" "$stage/modules" "$stage/bpfseal/tests" "$stage/usr/sbin" \
	"$stage/examples"
cp /bin/busybox "$stage/bin/busybox"
cp /bin/bash "$stage/bin/bash"	# the demo is a bash session, as the README shows it
cp "$top/tests/vm/init.sh" "$stage/init"
chmod 0755 "$stage/init"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' > "$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$stage/etc/group"

# Programs under test and the suite.
cp "$build/sealctl" "$stage/usr/sbin/sealctl"
cp "$build"/tests/integration/* "$stage/bpfseal/tests/" 2>/dev/null || true
cp "$top"/tests/integration/*.sh "$top/tests/integration/features" "$stage/bpfseal/tests/"
# The suites run.sh runs, listed from the source tree rather than from what
# was copied, so a suite that did not build or copy fails instead of
# vanishing. locked_test is locked.sh's tool, not a suite.
(cd "$top/tests/integration" && ls t[0-9]*.sh && ls ./*_test.c | sed 's|^\./||; s/\.c$//' | grep -vx locked_test) \
	> "$stage/bpfseal/tests/manifest"
# The harness's own faulty fixtures (make vmtest-selftest), when built.
if [ -d "$build/tests/selftest" ]; then
	mkdir -p "$stage/bpfseal/tests/selftest"
	cp "$build"/tests/selftest/* "$top"/tests/selftest/*.sh "$top/tests/selftest/manifest" "$stage/bpfseal/tests/selftest/"
fi
chmod 0755 "$stage"/bpfseal/tests/* "$stage"/bpfseal/tests/selftest/* 2>/dev/null || true
# The README's "30 seconds" session, which t40-demo.sh compares with the real one.
sed -n '/^## 30 seconds/,/^## /p' "$top/README.md" | sed -n '/^```console$/,/^```$/p' | sed '1d;$d' \
	> "$stage/bpfseal/readme-30-seconds.txt"
[ -z "${BPFSEAL_DEBUG_SCRIPT:-}" ] || cp "$BPFSEAL_DEBUG_SCRIPT" "$stage/bpfseal/debug.sh"
# The benchmark (make bench), when built.
if [ -d "$build/tests/bench" ]; then
	mkdir -p "$stage/bpfseal/bench"
	cp "$build"/tests/bench/* "$stage/bpfseal/bench/" 2>/dev/null || true
fi
# The systemd unit as installed with PREFIX=/usr (t20-service.sh runs its commands).
sed 's|@SBINDIR@|/usr/sbin|g' "$top/systemd/bpfseal.service.in" > "$stage/bpfseal/bpfseal.service"
if [ -d "$build/examples" ]; then cp "$build"/examples/* "$stage/examples/" 2>/dev/null || true; fi

# Their shared libraries, at the paths the dynamic loader expects.
for bin in "$stage/usr/sbin/sealctl" "$stage/bin/bash" "$stage"/bpfseal/tests/* "$stage"/bpfseal/tests/selftest/* "$stage"/bpfseal/bench/* "$stage"/examples/*; do
	[ -f "$bin" ] && file -b "$bin" | grep -q ELF || continue
	ldd "$bin" | awk '/=>/ { print $3 } /^[[:space:]]*\/.*ld-linux/ { print $1 }'
done | sort -u | while read -r lib; do
	[ -n "$lib" ] && [ -f "$lib" ] || continue
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
done
# Some tools resolve the loader through /lib64.
mkdir -p "$stage/lib64"
[ -e "$stage/lib64/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$stage/lib64/"

# Kernel modules, dependencies first.
"$top/tests/vm/kernel-modules.sh" "$kdir" "$stage/modules" virtio_pci virtio_blk loop xfs overlay quota_v2 md_mod
release=$(cat "$kdir/release")
base=$kdir/root
[ -d "$base/usr/lib/modules/$release" ] && base=$base/usr

# locked.sh tries to load a module and to kexec a kernel: a small module and this kernel.
tamper=$(find "$base/lib/modules/$release" -name 'tcp_bic.ko*' | head -n 1)
case $tamper in
*.xz) xz -dc "$tamper" > "$stage/bpfseal/tamper-module.ko" ;;
*.zst) zstd -qdc "$tamper" > "$stage/bpfseal/tamper-module.ko" ;;
?*) cp "$tamper" "$stage/bpfseal/tamper-module.ko" ;;
esac
cp "$kdir/vmlinuz" "$stage/bpfseal/vmlinuz"

chmod 0755 "$stage"	# mktemp made it 0700: the guest's / must be searchable by every user
(cd "$stage" && find . -print | cpio -o -H newc --quiet) > "$out"
