#!/bin/sh
# Usage: bench.sh --cache DIR --out BUILD_DIR --results DIR [--scale LIST] [--evicted N] [--jobs N] KERNEL...
#
# `make bench`: boots each kernel (6.1, 6.12, latest) once under qemu with
# instruction counting, runs BUILD_DIR/tests/bench/bench inside (see
# tests/bench/bench.c) and writes
#   DIR/KERNEL.md            the tables, with kernel, qemu, accelerator, date
#   DIR/KERNEL-scaling.png   overhead ratio against the number of sealed inodes
#
# The guest runs with -accel tcg,thread=single -smp 1
# -icount shift=0,align=off,sleep=off: its clock advances one nanosecond per
# guest instruction, so every figure is guest instructions per operation
# (qemu icount, shift=0) -- repeatable, but blind to caches and memory stalls.
# Because the figures count instructions, other load on the host does not
# change them: kernels run --jobs at a time (default: one per host core).
#
# --scale: numbers of sealed inodes for the scaling part. The default stops
# at 250,000: creating and sealing a file costs 50,000-70,000 guest
# instructions and qemu runs ~100 M of them per second under icount, so
# 1,000,000 adds some 10 minutes per kernel (--scale
# 1,1000,10000,100000,1000000 does it).
# --evicted: files sealed on a second ext4 disk, then evicted by a remount,
# before the unsealed rows are measured again (default 1,000,000; 0 skips
# it). Creating, sealing and evicting one costs about 150,000 guest
# instructions: some 25 minutes of a kernel's run, which takes about 40.
# Work files live in BUILD_DIR/bench-vm, apart from the test harness's
# BUILD_DIR/vm. Environment:
#   BPFSEAL_BENCH_MEM      guest memory (default 3G: room for 1,000,000 sealed inodes)
#   BPFSEAL_BENCH_TIMEOUT  seconds per kernel (default 5400)
#   BPFSEAL_BENCH_ARGS     more guest options, e.g. "bpfseal.bench.runs=3 bpfseal.bench.iters=500"
set -u
cache=; out=build; results=bench/results; scale=; evicted=1000000; jobs=
while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	--scale) scale=$2; shift 2 ;;
	--evicted) evicted=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: $0 --cache DIR --out BUILD --results DIR KERNEL..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${cache:-$HOME/.cache/bpfseal}
mem=${BPFSEAL_BENCH_MEM:-3G}
timeout_s=${BPFSEAL_BENCH_TIMEOUT:-5400}
scale=${scale:-1,1000,10000,100000,250000}
jobs=${jobs:-$(nproc)}
guest_args="bpfseal.bench.scale=$scale bpfseal.bench.evicted=$evicted${BPFSEAL_BENCH_ARGS:+ $BPFSEAL_BENCH_ARGS}"
work=$out/bench-vm
mkdir -p "$results" "$work"
[ -x "$out/tests/bench/bench" ] || { echo "bench: $out/tests/bench/bench not built (make bench builds it)" >&2; exit 1; }
command -v gnuplot > /dev/null || echo "bench: gnuplot not installed: no plots (apt-get install gnuplot-nox)" >&2

kernels=$*
"$here/fetch-kernels.sh" "$cache/kernels" "$@" || { echo "bench: cannot fetch kernels" >&2; exit 1; }

accel="-accel tcg,thread=single -cpu max -smp 1"
icount="-icount shift=0,align=off,sleep=off"
qemu_version=$(qemu-system-x86_64 --version | head -n 1 | awk '{print $4}')
revision=$(cd "$top" && git describe --always --dirty 2>/dev/null || echo unknown)
dirty=; case $revision in *-dirty) dirty=" (with uncommitted changes)" ;; esac
echo "bench: qemu $qemu_version, $accel $icount -m $mem, kernels: $* ($jobs at a time)"
echo "bench: unit: guest instructions per operation (qemu icount, shift=0)"

# Write the report of one kernel from its console log.
write_report() { # name release log secs
	name=$1; release=$2; log=$3; secs=$4
	md=$results/$name.md; png=$name-scaling.png; dat=$work/scaling-$name.dat
	tr -d '\r' < "$log" > "$work/console-$name.txt"
	guest=$(sed -n 's/^BPFSEAL-KERNEL \([^ ]*\).*/\1/p' "$work/console-$name.txt" | head -n 1)
	{
		echo "# bpfseal benchmark: $name (${guest:-$release})"
		echo
		echo "- kernel: \`${guest:-$release}\` (Debian cloud kernel, \`$name\` in KERNELS)"
		echo "- qemu: $qemu_version, accelerator TCG: \`$accel -m $mem\`"
		echo "- icount: \`$icount\` -- the guest clock advances 1 ns per guest instruction"
		echo "- unit: **guest instructions per operation (qemu icount, shift=0)**. They count instructions"
		echo "  executed by the whole guest (kernel, user, interrupts), not time: cache misses, TLB refills"
		echo "  and branch mispredictions do not show. Read the ratios, not the absolute numbers."
		echo "- caveat: qemu counts each iteration of a \`rep\`-prefixed string instruction, and \`-cpu max\`"
		echo "  offers FSRM, so the kernel's 4 KiB copy to or from user memory (\`rep movsb\`) counts about"
		echo "  4,000 instructions (compare the pread 1 byte and 4 KiB rows). A real CPU does that copy"
		echo "  in a few hundred cycles at most, so for the 4 KiB reads and writes the overhead relative to"
		echo "  the system call is larger than their ratios say: the 1-byte rows show those paths without"
		echo "  the copy. Operations that copy no data (open, mmap, ftruncate, fallocate, fstat) are not affected."
		echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); source: bpfseal $revision$dirty, policy object sha256 $policy_sum"
		echo "- host: $(nproc) cores; this boot took ${secs} s of wall time (other load on the host changes that, not the figures)"
		echo "- reproduce: \`make bench KERNELS=$name BENCH_SCALE=$scale BENCH_EVICTED=$evicted\` (tests/vm/bench.sh, tests/bench/bench.c); guest options: \`$guest_args\`"
		echo
		sed -n "s/^BENCH //p" "$work/console-$name.txt" | sed 's/[[:space:]]*$//'
		echo
		echo "![overhead ratio against the number of sealed inodes]($png)"
	} > "$md"
	# Plot data: N, then 2/1 and 3/1 for pwrite, pread, open+close.
	awk '$1 == "BENCH-SCALE" { r21[$2, $3] = $4; r31[$2, $3] = $5; if (!seen[$3]++) ns[++n] = $3 }
	     END { for (i = 1; i <= n; i++) { N = ns[i]; print N, r21["pwrite", N], r31["pwrite", N],
		   r21["pread", N], r31["pread", N], r21["open", N], r31["open", N] } }' \
		"$work/console-$name.txt" > "$dat"
	if command -v gnuplot > /dev/null && [ -s "$dat" ]; then
		gnuplot <<-EOF || echo "bench: $name: gnuplot failed" >&2
		set terminal pngcairo size 900,560 font ",10"
		set output "$results/$png"
		set title "bpfseal overhead vs sealed inodes -- ${guest:-$release}\nguest instructions per operation (qemu icount, shift=0), ratio to no policy"
		set logscale x
		set xrange [0.5:*]
		set xlabel "other inodes sealed (tmpfs, grow)"
		set ylabel "ratio to no policy loaded"
		set key below
		set grid
		plot "$dat" using 1:3 with linespoints lw 2 lc 1 pt 7 title "pwrite 4 KiB, sealed (3/1)", \
		     "$dat" using 1:2 with linespoints lw 1 lc 1 dt 2 pt 6 title "pwrite 4 KiB, unsealed (2/1)", \
		     "$dat" using 1:5 with linespoints lw 2 lc 2 pt 7 title "pread 4 KiB, sealed (3/1)", \
		     "$dat" using 1:4 with linespoints lw 1 lc 2 dt 2 pt 6 title "pread 4 KiB, unsealed (2/1)", \
		     "$dat" using 1:7 with linespoints lw 2 lc 3 pt 7 title "open+close, sealed (3/1)", \
		     "$dat" using 1:6 with linespoints lw 1 lc 3 dt 2 pt 6 title "open+close, unsealed (2/1)", \
		     1 with lines lc rgb "gray" notitle
		EOF
	fi
}

# Boot one kernel, run the benchmark, write its report; progress to stdout.
run_kernel() { # name
	name=$1
	kdir=$cache/kernels/$name
	release=$(cat "$kdir/release")
	initrd=$work/initramfs-$name.cpio
	log=$work/console-$name.log
	disk=$work/ext4-$name.img	# the churn row's ext4, made fresh for every boot
	evict_disk=$work/evict-$name.img	# the evicted files' ext4: room for their inodes,
	rm -f "$disk" "$evict_disk"	# whose tables are zeroed here, not by the guest's lazyinit
	truncate -s 512M "$disk" && mkfs.ext4 -q -F "$disk" &&
		truncate -s 2G "$evict_disk" &&
		mkfs.ext4 -q -F -N $((evicted + 65536)) -E lazy_itable_init=0,lazy_journal_init=0 "$evict_disk" ||
		{ echo "bench: $name: cannot make the ext4 disks $disk, $evict_disk" >&2; return 1; }
	echo "bench[$name]: booting $release"
	start=$(date +%s)
	: > "$log"
	# shellcheck disable=SC2086
	timeout --foreground -k 5 "$timeout_s" qemu-system-x86_64 $accel $icount -m "$mem" \
		-nographic -no-reboot -kernel "$kdir/vmlinuz" -initrd "$initrd" \
		-drive "file=$disk,if=virtio,format=raw,cache=unsafe" \
		-drive "file=$evict_disk,if=virtio,format=raw,cache=unsafe" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=4 lsm=lockdown,capability,landlock,bpf bpfseal.mode=bench $guest_args" \
		< /dev/null > "$log" 2>&1 &
	qpid=$!
	tail -n +1 -f "$log" --pid=$qpid 2>/dev/null | grep --line-buffered -E '^(bench:|BENCH-FAILED)' |
		sed -u "s/^bench: /bench[$name]: /; s/\r\$//" &
	wait $qpid; rc=$?
	sleep 0.3
	secs=$(( $(date +%s) - start ))
	if ! grep -q '^BENCH-OK' "$log"; then
		state="exit $rc"; [ "$rc" = 124 ] && state="no result after ${timeout_s}s"
		echo "bench: $name: the benchmark did not finish ($state); last console lines:" >&2
		tail -n 40 "$log" | sed 's/^/    | /' >&2
		return 1
	fi
	write_report "$name" "$release" "$log" "$secs"
	echo "bench[$name]: done in ${secs}s: $results/$name.md, $results/$name-scaling.png"
	rm -f "$disk" "$evict_disk"
	echo ok > "$work/status-$name"
}

# Every initramfs first: all kernels run the same build even if the tree is
# rebuilt meanwhile.
for name in $kernels; do
	rm -f "$work/status-$name"
	"$here/build-initramfs.sh" "$out" "$cache/kernels/$name" "$work/initramfs-$name.cpio" ||
		{ echo "bench: $name: cannot build initramfs" >&2; exit 1; }
done
policy_sum=$(sha256sum "$out/bpfseal.bpf.o" 2>/dev/null | cut -c1-12)

# At most $jobs kernels at a time: before starting one, wait for the oldest.
oldest_pid() { echo "$1"; }
pids=
for name in $kernels; do
	# shellcheck disable=SC2086
	if [ -n "$pids" ] && [ "$(echo $pids | wc -w)" -ge "$jobs" ]; then
		# shellcheck disable=SC2086
		first=$(oldest_pid $pids)
		wait "$first"
		pids=$(echo "$pids" | sed "s/^ *$first//")
	fi
	run_kernel "$name" &
	pids="$pids $!"
done
wait

status=0
for name in $kernels; do
	[ -f "$work/status-$name" ] || { status=1; continue; }
	echo
	echo "== $name ($(sed -n 's/^- kernel: `\([^`]*\)`.*/\1/p' "$results/$name.md")): guest instructions per operation (qemu icount, shift=0)"
	sed -n '/^## Overhead per operation/,/^Targets/p' "$results/$name.md" | grep '^|'
	sed -n '/^Targets/,/^\\\*/p' "$results/$name.md" | grep '^- '
	sed -n '/^| sealed inodes/,/^$/p' "$results/$name.md" | grep '^|'
	grep '^\*\*Reduced' "$results/$name.md"
done
exit $status
