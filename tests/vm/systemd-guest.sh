#!/bin/sh
# Usage: systemd-guest.sh --cache DIR --out BUILD_DIR [--accel tcg|kvm] [--installs|--after-install] SCENARIO KERNEL LOG
#
# Boots the Debian 12 systemd guest (tests/vm/build-image.sh) through a
# scenario of tests/integration/systemd/ and appends its PASS/FAIL lines and
# console to LOG. Each boot runs the scenario's next stage, which ends by
# rebooting (qemu runs with -no-reboot, so this script boots the same disk
# again: the disk keeps its state, as a machine's does) or by reporting
# BPFSEAL-DONE. A boot that reports neither (panic, hang) fails the run.
#   matrix   KERNEL (6.1, 6.12, latest, next) boots directly (-kernel) with
#            a bootstrap initramfs; installs, restarts, upgrades, removes
#            the .deb. --installs keeps the disk as it is after the install
#            for the other kernels; --after-install waits for that disk (run.sh
#            runs kernels side by side); neither: that disk if there is one
#   lsm      the image's own kernel, booted by GRUB from the disk, so the
#            boot loader's configuration decides the command line:
#            sealctl enable-lsm / disable-lsm across reboots (KERNEL only
#            names its lines; run.sh reports it as the suite vm-lsm)
# Exit status: 0 when every stage reported and no case failed.
set -u
cache=$HOME/.cache/bpfseal; out=build; accel=tcg; installs=no
while [ $# -gt 3 ]; do
	case $1 in
	--installs) installs=yes; shift ;;
	--after-install) installs=wait; shift ;;
	--cache) cache=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	*) break ;;
	esac
done
installed=$out/vm/systemd-installed.qcow2	# .none beside it: run.sh's first kernel ended without it
[ $# -eq 3 ] || { echo "usage: $0 --cache DIR --out BUILD SCENARIO KERNEL LOG" >&2; exit 2; }
scenario=$1; name=$2; log=$3
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
timeout_s=${BPFSEAL_SYSTEMD_VM_TIMEOUT:-400}
max_boots=6
vm=$out/vm/systemd-$scenario-$name
rm -rf "$vm"; mkdir -p "$vm"

fail_setup() { echo "FAIL $name systemd-$scenario/setup: $1" | tee -a "$log"; exit 1; }

mkdir -p "$cache"
image=$(flock "$cache/image.lock" "$here/build-image.sh" "$cache" 2> "$vm/build-image.log") ||
	fail_setup "cannot build the Debian 12 image: $(tail -n 3 "$vm/build-image.log" | tr '\n' ' ')"
# The packages under test, and a newer build of them for the upgrade case
# (run.sh starts their build holding the same lock).
flock "$out/vm/deb.lock" sh -c '[ -s "$2/done" ] || "$1/build-test-debs.sh" "$2"' - "$here" "$out/vm/deb" ||
	fail_setup "cannot build the packages: $(tail -n 3 "$out/vm/deb/build.log" | tr '\n' ' ')"

# The disk the guest's bpfseal-vmtest.service runs its stage from.
payload=$vm/payload
mkdir -p "$payload/debs" "$payload/debs-upgrade"
cp "$top/tests/vm/guest/stage.sh" "$top/tests/integration/lib.sh" "$top/tests/integration/features" "$payload/"
cp "$top/tests/integration/systemd/$scenario.sh" "$payload/scenario.sh" || fail_setup "no scenario $scenario"
cp "$top"/tests/integration/systemd/*.c "$payload/"	# receivers' senders, built in the guest
echo "$scenario" > "$payload/scenario"
for p in bpfseal libbpfseal1 libbpfseal-dev; do
	cp "$out"/vm/deb/install/"${p}"_*.deb "$payload/debs/"
	cp "$out"/vm/deb/upgrade/"${p}"_*.deb "$payload/debs-upgrade/"
done

# The matrix installs the package once, on the first kernel it boots, which
# also runs the package's upgrade, remove and purge; its disk as it was
# after that install is where every other kernel starts (stage 2).
if [ "$scenario" = matrix ] && [ "$installs" = wait ]; then
	waited=0
	while [ ! -s "$installed" ] && [ ! -e "$installed.none" ] && [ "$waited" -lt 3600 ]; do
		sleep 2; waited=$((waited + 2))
	done
	[ -s "$installed" ] || echo "INFO $name systemd-$scenario: no installed disk from the first kernel; installing here" | tee -a "$log"
fi
if [ "$scenario" = matrix ] && [ "$installs" != yes ] && [ -s "$installed" ]; then
	qemu-img create -q -f qcow2 -F qcow2 -b "$(cd "$(dirname "$installed")" && pwd)/$(basename "$installed")" "$vm/disk.qcow2"
else
	[ "$scenario" = matrix ] && touch "$payload/first-kernel"	# installs, upgrades, removes
	qemu-img create -q -f qcow2 -F raw -b "$image/disk.img" "$vm/disk.qcow2"
fi || fail_setup "cannot make a disk overlay"
: > "$vm/payload.img"
mke2fs -q -t ext4 -L BPFSEAL-T -d "$payload" "$vm/payload.img" 64M || fail_setup "cannot make the test disk"
case $accel in
kvm) accel_opts="-accel kvm -cpu host" ;;
*) accel_opts="-accel tcg,thread=multi -cpu max" ;;
esac
set -- -drive "file=$vm/disk.qcow2,if=virtio,format=qcow2,cache=unsafe" \
	-drive "file=$vm/payload.img,if=virtio,format=raw,readonly=on"
if [ "$scenario" = matrix ]; then
	kdir=$cache/kernels/$name
	release=$(cat "$kdir/release")
	"$here/build-bootstrap-initramfs.sh" "$kdir" "$vm/bootstrap.cpio" || fail_setup "cannot build the bootstrap initramfs"
	mods=$kdir/root/lib/modules/$release
	[ -d "$mods" ] || mods=$kdir/root/usr/lib/modules/$release
	: > "$vm/modules.img"
	mke2fs -q -t ext4 -d "$mods" "$vm/modules.img" "$(( $(du -sk "$mods" | cut -f1) * 5 / 4 + 16384 ))k" ||
		fail_setup "cannot make the module disk"
	set -- "$@" -drive "file=$vm/modules.img,if=virtio,format=raw,readonly=on" \
		-kernel "$kdir/vmlinuz" -initrd "$vm/bootstrap.cpio" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=4 systemd.show_status=0"
fi

status=0
boot=1 prev_stage=0 retried=no
while :; do
	blog=$vm/console-$boot.log
	start=$(date +%s)
	# shellcheck disable=SC2086
	timeout --foreground -k 5 "$timeout_s" qemu-system-x86_64 $accel_opts -smp 2 -m 1G -nographic -no-reboot \
		"$@" < /dev/null > "$blog" 2>&1 &
	qpid=$!
	tail -n +1 -f "$blog" --pid=$qpid 2>/dev/null | tr -d '\r' | grep --line-buffered -E '^(PASS|FAIL|INFO) ' &
	spid=$!
	wait $qpid; rc=$?
	wait $spid
	# qemu's TCG aborting before the stage started (tests/vm/run.sh, boot): that boot once more.
	if [ "$retried" = no ] && ! grep -aq '^BPFSEAL-STAGE' "$blog" && grep -aq 'qemu-system-x86_64: .*Assertion' "$blog"; then
		echo "systemd-guest: $scenario $name: qemu aborted before stage $((prev_stage + 1)) started ($(grep -a -o -m1 'qemu-system-x86_64: .*' "$blog" | cut -c1-160)); booting again" >&2
		mv "$blog" "$blog.qemu-abort"; retried=yes
		continue
	fi
	tr -d '\r' < "$blog" >> "$log"
	echo "systemd-guest: $scenario $name: boot $boot took $(( $(date +%s) - start ))s" >&2
	# Stages follow one another: one that never ran would take its cases with it.
	stage=$(tr -d '\r' < "$blog" | sed -n 's/^BPFSEAL-STAGE \([0-9]*\)$/\1/p' | head -n 1)
	if [ -n "$stage" ] && [ "$prev_stage" != 0 ] && [ "$stage" != $((prev_stage + 1)) ]; then
		echo "FAIL $name systemd-$scenario/stages: stage $stage ran after stage $prev_stage" | tee -a "$log"
		status=1; break
	fi
	prev_stage=${stage:-$prev_stage}
	if grep -q '^BPFSEAL-DONE' "$blog"; then break; fi
	if ! grep -q '^BPFSEAL-REBOOT' "$blog"; then
		why="guest died"; [ "$rc" = 124 ] && why="guest hung (no report after ${timeout_s}s)"
		echo "FAIL $name systemd-$scenario/boot-$boot: $why; last console lines:" | tee -a "$log"
		tr -d '\r' < "$blog" | tail -n 40 | sed 's/^/    | /' >&2
		status=1; break
	fi
	[ "$boot" = 1 ] && [ "$installs" = yes ] && cp "$vm/disk.qcow2" "$installed.tmp" && mv "$installed.tmp" "$installed"
	boot=$((boot + 1))
	if [ "$boot" -gt "$max_boots" ]; then
		echo "FAIL $name systemd-$scenario/boots: still rebooting after $max_boots boots" | tee -a "$log"
		status=1; break
	fi
done
grep -q '^FAIL ' "$log" && status=1
exit $status
