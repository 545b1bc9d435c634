#!/bin/sh
# Usage: run.sh --cache DIR --out BUILD_DIR --results DIR [--mode test|selftest]
#               [--shuffle SEED [--shuffle-kernels "KERNEL..."]] KERNEL...
#
# Boots each kernel (6.1, 6.12, latest) under qemu with BPF LSM enabled, runs
# the integration suite inside, streams its output and writes
# DIR/vm-KERNEL.result. A guest that panics, hangs or never reports is a
# failure. --shuffle runs the integration suites of the named kernels (all by
# default) in an order drawn from SEED, printed so that it can be repeated.
# Accelerator: BPFSEAL_ACCEL=kvm|tcg, else KVM if a probe boot
# works, else TCG.
set -u
cache=; out=build; results=build/results; mode=test; shuffle=; shuffle_kernels=
while [ $# -gt 0 ]; do
	case $1 in
	--shuffle) shuffle=$2; shift 2 ;;
	--shuffle-kernels) shuffle_kernels=$2; shift 2 ;;
	--cache) cache=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	--mode) mode=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: $0 --cache DIR --out BUILD --results DIR KERNEL..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
cache=${cache:-$HOME/.cache/bpfseal}
timeout_s=${BPFSEAL_VM_TIMEOUT:-600}
# The short boots get the same budget when it is raised (a host busy with other VMs).
short_s=${BPFSEAL_VM_TIMEOUT:-240}
reboot_s=${BPFSEAL_VM_TIMEOUT:-420}
mkdir -p "$results" "$out/vm"
# Without job control, background jobs ignore ^C: take the kernels' lanes down with us.
trap 'trap - INT TERM HUP; kill -TERM 0' INT TERM HUP

"$here/fetch-kernels.sh" "$cache/kernels" "$@" || { echo "vmtest: cannot fetch kernels" >&2; exit 1; }

# Without an lsm-list the kernel boots the stack its distribution built in
# (CONFIG_LSM: Debian turns on AppArmor, Yama, TOMOYO... beside bpf), as users run it.
# Filesystems that differ only in their UUID (and a file with the same inode
# number and generation in each), for durable_test.c: built once per build
# tree into one ext4 "store" disk, which every boot sees read-write as a
# snapshot, so each boot starts from the same images.
make_identity_store() { # store.img
	[ -s "$1" ] && return 0
	w=$out/vm/ident; rm -rf "$w"; mkdir -p "$w/src" "$w/store"
	printf 'the same file in both filesystems\n' > "$w/src/file"
	printf '/dev/null\n0 0\nd--755 0 0\nfile ---644 0 0 %s/src/file\n$\n' "$w" > "$w/xfs.proto"
	truncate -s 16M "$w/store/ext4-a.img" && mkfs.ext4 -q -F -d "$w/src" "$w/store/ext4-a.img" &&
	cp "$w/store/ext4-a.img" "$w/store/ext4-b.img" && tune2fs -U random "$w/store/ext4-b.img" > /dev/null &&
	truncate -s 300M "$w/store/xfs-a.img" && mkfs.xfs -q -f -p "$w/xfs.proto" "$w/store/xfs-a.img" &&
	cp "$w/store/xfs-a.img" "$w/store/xfs-b.img" && xfs_admin -U generate "$w/store/xfs-b.img" > /dev/null 2>&1 &&
	truncate -s 512M "$1.tmp" && mkfs.ext4 -q -F -d "$w/store" "$1.tmp" && mv "$1.tmp" "$1" || {
		echo "vmtest: cannot build the identity images" >&2; rm -f "$1.tmp"; return 1; }
	rm -rf "$w"
}

qemu_cmd() { # accel kernel_dir initrd disk append [lsm-list]   (disk.xfs beside disk)
	case $1 in
	kvm) accel="-accel kvm -cpu host" ;;
	*) accel="-accel tcg,thread=multi -cpu max" ;;
	esac
	store=
	[ -s "$out/vm/identity-store.img" ] && store="-drive file=$out/vm/identity-store.img,if=virtio,format=raw,snapshot=on"
	# shellcheck disable=SC2086
	echo qemu-system-x86_64 $accel -smp 2 -m 1G -nographic -no-reboot \
		-kernel "$2/vmlinuz" -initrd "$3" \
		-drive "file=$4,if=virtio,format=raw,cache=unsafe" \
		-drive "file=$4.xfs,if=virtio,format=raw,cache=unsafe" $store \
		-append "\"console=ttyS0 panic=-1 oops=panic loglevel=4 ${6:+lsm=$6} $5\""
}

# qemu's TCG itself aborts now and then before the guest's kernel prints a
# line (an assertion in qemu, not the guest): that boot is made once more,
# and says so. A guest that started is never booted again.
boot() { # accel kernel_dir initrd disk append log seconds [lsm-list]
	for try in 1 2; do
		eval "timeout --foreground -k 5 $7 $(qemu_cmd "$1" "$2" "$3" "$4" "$5" "${8:-}")" < /dev/null > "$6" 2>&1
		rc=$?
		[ "$try" = 1 ] && ! grep -aq 'BPFSEAL-KERNEL' "$6" && grep -aq 'qemu-system-x86_64: .*Assertion' "$6" || return $rc
		echo "vmtest: qemu aborted before the guest started ($(grep -a -o -m1 'qemu-system-x86_64: .*' "$6" | cut -c1-160)); booting again" >&2
		cp "$6" "$6.qemu-abort"
	done
}

pick_accel() {
	if [ -n "${BPFSEAL_ACCEL:-}" ]; then echo "$BPFSEAL_ACCEL"; return; fi
	# One probe per build tree: KVM on this host does not fix itself mid-run.
	if [ -s "$out/vm/accel" ]; then cat "$out/vm/accel"; return; fi
	probe_accel "$1" | tee "$out/vm/accel"
}

probe_accel() {
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		k=$cache/kernels/$1
		"$here/build-initramfs.sh" "$out" "$k" "$out/vm/probe.cpio"
		truncate -s 64M "$out/vm/probe.img" "$out/vm/probe.img.xfs"
		if boot kvm "$k" "$out/vm/probe.cpio" "$out/vm/probe.img" "bpfseal.mode=probe" \
			"$out/vm/probe.log" 20 && grep -q BPFSEAL-PROBE-OK "$out/vm/probe.log"; then
			echo kvm; return
		fi
		echo "vmtest: KVM present but a probe boot failed; using TCG ($(grep -m1 -iE 'error|fail' "$out/vm/probe.log" | cut -c1-120))" >&2
	fi
	echo tcg
}

accel=$(pick_accel "$1")
make_identity_store "$out/vm/identity-store.img" || exit 1
# The systemd guests install packages built from this tree, once per run,
# built while the first busybox suites run (systemd-guest.sh waits on the lock).
installed=$out/vm/systemd-installed.qcow2	# the first kernel's, for the others (systemd-guest.sh)
rm -rf "$out/vm/deb" "$installed" "$installed.none"
if [ "$mode" = test ]; then
	mkdir -p "$out/vm/deb"
	flock "$out/vm/deb.lock" "$here/build-test-debs.sh" "$out/vm/deb" &
fi
# Kernels boot two at a time on a 2-core host: most of a guest's suite runs
# one thread, so a lone guest leaves a core idle. BPFSEAL_VM_JOBS=1 runs them
# one after another.
jobs=${BPFSEAL_VM_JOBS:-$(nproc)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
[ "$jobs" -le $# ] || jobs=$#
echo "vmtest: qemu $(qemu-system-x86_64 --version | head -n1 | awk '{print $4}'), accelerator $accel, kernels: $* ($jobs at a time)"

# A suite's result file (tests/summary.sh reads it) and its line on the screen;
# its failed and skipped cases beside it, from the consoles of its boots.
report_suite() { # suite kernel state seconds label CONSOLE_LOG...
	suite=$1 kernel=$2 state=$3 secs=$4 label=$5; shift 5
	cat "$@" 2>/dev/null | tr -d '\r' > "$results/vm-$suite.lines"
	grep -a '^FAIL ' "$results/vm-$suite.lines" > "$results/vm-$suite.failures"
	grep -a '^SKIP ' "$results/vm-$suite.lines" > "$results/vm-$suite.skips"
	p=$(grep -ac '^PASS ' "$results/vm-$suite.lines")
	f=$(wc -l < "$results/vm-$suite.failures") s=$(wc -l < "$results/vm-$suite.skips")
	rm -f "$results/vm-$suite.lines"
	printf 'suite vm-%s\nkernel %s\npassed %s\nfailed %s\nskipped %s\nstate %s\nseconds %s\n' \
		"$suite" "$kernel" "$p" "$f" "$s" "$state" "$secs" > "$results/vm-$suite.result"
	echo "vmtest: $label: $p passed, $f failed, $s skipped, guest $state, ${secs}s"
	[ "$f" -eq 0 ]
}

# One kernel: the busybox suite, the boot without bpf, the second boot of the
# same disks and the systemd guest. Prints its lines; returns non-zero on failure.
run_kernel() { # name first-kernel(yes|no)
	name=$1 first=$2
	kdir=$cache/kernels/$name
	release=$(cat "$kdir/release")
	initrd=$out/vm/initramfs-$name.cpio
	disk=$out/vm/ext4-$name.img
	log=$out/vm/console-$name.log
	status=0 slog=/dev/null
	rm -f "$log.nobpf" "$log.reboot" "$log.systemd-matrix"	# only this run's boots count
	"$here/build-initramfs.sh" "$out" "$kdir" "$initrd" || { echo "vmtest: $name: cannot build initramfs" >&2; return 1; }
	rm -f "$disk" "$disk.xfs"; truncate -s 256M "$disk"; truncate -s 512M "$disk.xfs"
	mkfs.ext4 -q -F "$disk"
	mkfs.xfs -q -f -m reflink=1 "$disk.xfs"
	order=
	if [ -n "$shuffle" ] && { [ -z "$shuffle_kernels" ] || echo " $shuffle_kernels " | grep -qF " $name "; }; then
		order="bpfseal.shuffle=$shuffle"
		echo "vmtest: $name runs its suites shuffled, seed $shuffle (again: make vmtest KERNELS=$name SHUFFLE=$shuffle)"
	fi
	echo "vmtest: booting $name ($release)"
	start=$(date +%s)
	: > "$log"
	boot "$accel" "$kdir" "$initrd" "$disk" "bpfseal.mode=$mode $order" "$log" "$timeout_s" &
	qpid=$!
	# Stream the suite's lines while the guest runs.
	tail -n +1 -f "$log" --pid=$qpid 2>/dev/null | grep --line-buffered -E '^(PASS|FAIL|SKIP|BPFSEAL-|  \[)' &
	spid=$!
	wait $qpid; rc=$?
	wait $spid	# every streamed line is out before the next ones
	secs=$(( $(date +%s) - start ))
	guest=$(tr -d '\r' < "$log" | sed -n 's/.*BPFSEAL-KERNEL \([^ ]*\).*/\1/p' | head -n 1)
	if grep -q '^BPFSEAL-DONE' "$log"; then
		state=ok
	else
		state=died
		[ "$rc" = 124 ] && state="hung (no report after ${timeout_s}s)"
		echo "vmtest: $name: guest did not finish (exit $rc, $state); last console lines:" >&2
		tail -n 60 "$log" | sed 's/^/    | /' >&2
		status=1
	fi
	# A second, short boot with the same stack minus the BPF LSM: sealctl must refuse clearly.
	if [ "$mode" = test ] && [ "$state" = ok ]; then
		stack=$(tr -d '\r' < "$log" | sed -n 's/^BPFSEAL-LSM //p' | head -n 1)
		nobpf=$(echo "$stack" | tr ',' '\n' | grep -vx bpf | paste -sd, -)
		boot "$accel" "$kdir" "$initrd" "$disk" "bpfseal.mode=nobpf" "$log.nobpf" "$short_s" \
			"${nobpf:-lockdown,capability,landlock}"
		grep -a -E '^(PASS|FAIL|SKIP) ' "$log.nobpf"
		if ! grep -q '^BPFSEAL-DONE' "$log.nobpf"; then
			state="died (boot without the BPF LSM)"
			tail -n 30 "$log.nobpf" | sed 's/^/    | /' >&2
			status=1
		fi
		# A third boot on the same disks: persisted seals come back, plain ones do not.
		boot "$accel" "$kdir" "$initrd" "$disk" "bpfseal.mode=reboot" "$log.reboot" "$reboot_s"
		grep -a -E '^(PASS|FAIL|SKIP) ' "$log.reboot"
		if ! grep -q '^BPFSEAL-DONE' "$log.reboot"; then
			state="died (second boot of the same disks)"
			tail -n 30 "$log.reboot" | sed 's/^/    | /' >&2
			status=1
		fi
	fi
	# The same kernel under a real systemd, with the .deb installed (tests/vm/systemd-guest.sh).
	if [ "$mode" = test ] && [ "$state" = ok ]; then
		slog=$log.systemd-matrix
		: > "$slog"
		role=--after-install; [ "$first" = yes ] && role=--installs
		"$here/systemd-guest.sh" --cache "$cache" --out "$out" --accel "$accel" $role matrix "$name" "$slog" ||
			{ status=1; grep -q '^FAIL ' "$slog" || state="died (systemd guest)"; }
		secs=$(( $(date +%s) - start ))
	fi
	report_suite "$name" "${guest:-$release}" "$state" "$secs" "$name (${guest:-?})" \
		"$log" "$log.nobpf" "$log.reboot" "$slog" || status=1
	return $status
}

# The Debian image's own kernel booted by GRUB, so that the boot loader's
# configuration decides the command line: sealctl enable-lsm and disable-lsm
# under systemd (the "lsm" scenario), counted as its own suite, vm-lsm.
run_lsm() {
	slog=$out/vm/console-lsm.log
	start=$(date +%s) status=0 state=ok
	: > "$slog"
	echo "vmtest: booting the image's own kernel (GRUB)"
	"$here/systemd-guest.sh" --cache "$cache" --out "$out" --accel "$accel" lsm 6.1 "$slog" ||
		{ status=1; grep -q '^FAIL ' "$slog" || state="died (systemd guest, lsm)"; }
	guest=$(sed -n 's/^BPFSEAL-KERNEL //p' "$slog" | head -n 1)
	secs=$(( $(date +%s) - start ))
	report_suite lsm "${guest:-grub}" "$state" "$secs" "lsm (the image's kernel, GRUB)" "$slog" || status=1
	return $status
}

# Each kernel's lines go to its own file, shown whole and in order: the first
# unfinished kernel streams, the others wait their turn on the screen.
lanes=$out/vm/lanes
rm -rf "$lanes"; mkdir -p "$lanes"
schedule() {
	first=yes
	for name in "$@"; do
		while [ "$(find "$lanes" -name '*.running' | wc -l)" -ge "$jobs" ]; do sleep 1; done
		: > "$lanes/$name.running"
		(
			# However the lane ends, it reports: the follower waits for its .rc,
			# and the other kernels for the first one's installed disk or .none.
			trap 'echo "$rc" > "$lanes/$name.rc"; rm -f "$lanes/$name.running"
				[ "$first" = no ] || [ -s "$installed" ] || : > "$installed.none"' EXIT
			rc=1
			if [ "$name" = lsm ]; then run_lsm; else run_kernel "$name" "$first"; fi > "$lanes/$name.out" 2>&1
			rc=$?
		) &
		first=no
	done
	wait
}
tasks=$*
# The GRUB scenario runs beside the kernels, with 6.1 (the image's own
# series), second: on the lane the first kernel leaves free, while the
# packages build; the kernels after it then find the installed disk ready.
if [ "$mode" = test ] && echo " $* " | grep -q ' 6\.1 '; then
	first_task=$1; shift
	tasks="$first_task lsm $*"
	set -- "$first_task" "$@"
fi
# shellcheck disable=SC2086
schedule $tasks &
sched=$!
status=0
for name in $tasks; do
	while [ ! -e "$lanes/$name.out" ] && kill -0 $sched 2>/dev/null; do sleep 1; done
	sh -c 'while [ ! -e "$1" ] && kill -0 "$2" 2>/dev/null; do sleep 1; done' - "$lanes/$name.rc" $sched &
	tail -n +1 -f "$lanes/$name.out" --pid=$! 2>/dev/null
	[ -e "$lanes/$name.rc" ] || echo "vmtest: $name: the harness stopped before this kernel reported" >&2
	[ "$(cat "$lanes/$name.rc" 2>/dev/null)" = 0 ] || status=1
done
wait
exit $status
