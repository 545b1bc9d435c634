#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Usage: run.sh [--cache DIR] [--out DIR] [--rev REV] [--kernel NAME] [--only ID,...]
#               [--report FILE] [--collect]
# --collect writes the report of the run in OUT as far as it got (one that
# was stopped), without running anything.
#
# make mutate: one mutation at a time of the enforcement rules
# (tests/mutate/mutants.py says which), each killed or not by the cases
# that cover it. Everything happens in copies under --out (build/mutate):
# the tree's own bpf/ and include/ are never touched.
#   1. REV (default HEAD) is exported to OUT/src and built as usual.
#   2. seal_rules.h mutants: the host unit tests that include it, each
#      rebuilt with the mutated header.
#   3. BPF mutants: sealctl rebuilt with one mutated source each (two build
#      trees side by side); an unchanged object is "equivalent" and not run.
#      A build of the unmutated sources with a coverage probe at every site
#      (mutants.py probe) runs as the baseline.
#   4. One disk with every mutant's sealctl; one boot of KERNEL (default
#      6.12) runs the baseline and then each mutant (tests/mutate/guest.sh);
#      locked-mode mutants need a boot each (locking lasts until reboot),
#      run beside it when the host has two cores (BPFSEAL_MUTATE_JOBS=1: after).
#   5. OUT/results.tsv, and REPORT (default tests/mutate/results.md): the
#      table and the figures. Exit 1 if the baseline fails, a seal_rules.h
#      mutant survives or a survivor has no reason in tests/MUTATION.md.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=$HOME/.cache/bpfseal; out=$top/build/mutate; rev=HEAD; kernel=6.12; only=; report=; collect=no
while [ $# -gt 0 ]; do
	case $1 in
	--cache) cache=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--rev) rev=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--only) only=,$2,; shift 2 ;;
	--report) report=$2; shift 2 ;;
	--collect) collect=yes; shift ;;
	*) echo "usage: $0 [--cache DIR] [--out DIR] [--rev REV] [--kernel NAME] [--only ID,...] [--report FILE] [--collect]" >&2; exit 2 ;;
	esac
done
case $out in /*) ;; *) out=$PWD/$out ;; esac
# A run of some mutants only does not replace the last full run's record.
[ -n "$report" ] || { [ -z "$only" ] && report=$top/tests/mutate/results.md || report=$out/results.md; }
jobs=${BPFSEAL_MUTATE_JOBS:-$(nproc)}
t_all=$(date +%s)
src=$out/src
index=$out/mutants/index.tsv
say() { echo "mutate: $*"; }
elapsed() { echo $(($(date +%s) - $1)); }
wanted() { [ -z "$only" ] || case $only in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
kdir=$cache/kernels/$kernel
if [ "$collect" = yes ]; then
	commit=$(cat "$out/commit") || exit 1
	accel=$(cat "$out/vm/accel.used" 2>/dev/null || echo "?")
	t_vm="?"
	# The main guest's verdicts so far, from its consoles.
	: > "$out/vm/main.lines"
	for f in "$out"/vm/console-main*.log; do
		[ -e "$f" ] && tr -d '\r' < "$f" | grep -a -E '^(MUTANT|BPFSEAL-MUTATE-)' >> "$out/vm/main.lines"
	done
else
mkdir -p "$out"
rm -rf "$out/res" "$out/disk" "$out/vm/lanes"
mkdir -p "$out/res" "$out/disk/bin" "$out/vm"

# --- 1. the sources, exported, and their normal build
commit=$(git -C "$top" rev-parse --short "$rev") || exit 1
echo "$commit" > "$out/commit"
say "mutants of $commit, kernel $kernel, in $out"
rm -rf "$src"; mkdir -p "$src"
git -C "$top" archive "$commit" | tar -x -C "$src" || exit 1
# The cases written for mutants (tests/unit/seal_rules_mutants_test.c) come
# with the tooling when REV predates them.
for f in tests/unit/seal_rules_mutants_test.c; do
	[ -e "$src/$f" ] || [ ! -e "$top/$f" ] || cp "$top/$f" "$src/$f"
done
t0=$(date +%s)
if ! make -C "$src" -j"$(nproc)" all > "$out/build.log" 2>&1; then
	tail -n 20 "$out/build.log" >&2; say "the unmutated tree does not build"; exit 1
fi
say "built the unmutated tree in $(elapsed "$t0") s"
rm -rf "$out/mutants" "$out/probe"
python3 "$here/mutants.py" write "$src" "$out/mutants" || exit 1

# A build tree per worker: a copy of the built tree, where make rebuilds only
# what a mutated source changes. sealctl's objects other than the skeleton's
# user (policy.o) do not depend on the BPF object: make is told so.
worker_tree() { # dir
	rm -rf "$1"; cp -a "$src" "$1"
}
skel_users=$(grep -l 'bpfseal.skel.h' "$src"/user/*.c | xargs -n1 basename)
keep_objs=
for f in "$src"/user/*.c; do
	b=$(basename "$f" .c)
	echo "$skel_users" | grep -qx "$b.c" && continue
	[ -e "$src/build/$b.o" ] && keep_objs="$keep_objs -o build/$b.o"
done
unit_tests=$(cd "$src" && grep -l '"seal_rules.h"' tests/unit/*.c | sed 's|^tests/unit/\(.*\)\.c$|\1|')

# --- 2. seal_rules.h: the host unit tests
t0=$(date +%s)
host_ids=$(awk -F'\t' '$4 == "host" { print $1 }' "$index")
if [ -n "$host_ids" ]; then
	w=$out/work-host; worker_tree "$w"
	for id in $host_ids; do
		wanted "$id" || continue
		file=$(awk -F'\t' -v id="$id" '$1 == id { print $2 }' "$index")
		cp "$out/mutants/$id/$file" "$w/$file"
		verdict=
		# shellcheck disable=SC2086
		if ! make -C "$w" $(for t in $unit_tests; do echo "build/tests/unit/$t"; done) \
			-o build/policy.o -o build/lsm_list.o -o build/libbpfseal.a $keep_objs > "$out/res/$id.build" 2>&1; then
			verdict="did-not-build ($(grep -m1 'error:' "$out/res/$id.build" | cut -c1-120))"
		fi
		for t in $unit_tests; do
			[ -z "$verdict" ] || break
			o=$(CMOCKA_MESSAGE_OUTPUT=stdout "$w/build/tests/unit/$t" 2>&1)
			case $? in 0) ;; *)
				c=$(echo "$o" | sed -n 's/^\[  FAILED  \] \([^0-9].*\)/\1/p' | head -n 1)
				verdict="killed-by $t/${c:-exit status}" ;;
			esac
		done
		echo "${verdict:-SURVIVED}" > "$out/res/$id"
		cp "$src/$file" "$w/$file"	# a fresh mtime: the next build sees the change
	done
	say "seal_rules.h: $(echo "$host_ids" | wc -w) mutants against the unit tests in $(elapsed "$t0") s"
fi

# --- 3. the BPF mutants' sealctl, two trees side by side
t0=$(date +%s)
base_obj=$src/build/bpfseal.bpf.o
build_mutants() { # worker_number workers
	w=$out/work-$1
	worker_tree "$w"
	n=0
	awk -F'\t' '$4 != "host" { print $1 "\t" $2 }' "$index" | while IFS='	' read -r id file; do
		n=$((n + 1))
		[ $((n % $2)) -eq "$1" ] || continue
		wanted "$id" || continue
		cp "$out/mutants/$id/$file" "$w/$file"
		# shellcheck disable=SC2086
		if ! make -C "$w" build/sealctl $keep_objs > "$out/res/$id.build" 2>&1; then
			echo "did-not-build ($(grep -m1 'error:' "$out/res/$id.build" | cut -c1-120))" > "$out/res/$id"
		else
			progs=$(python3 "$here/mutants.py" changed "$base_obj" "$w/build/bpfseal.bpf.o")
			echo "$progs" > "$out/res/$id.programs"
			if [ "$progs" = "=" ]; then
				echo "equivalent (the compiled object is the unmutated one)" > "$out/res/$id"
			else
				mkdir -p "$out/disk/bin/$id"
				cp "$w/build/sealctl" "$out/disk/bin/$id/sealctl"
			fi
		fi
		cp "$src/$file" "$w/$file"
	done
}
workers=$jobs; [ "$workers" -ge 1 ] 2>/dev/null || workers=1; [ "$workers" -le 2 ] || workers=2
i=0; while [ $i -lt "$workers" ]; do build_mutants $i "$workers" & i=$((i + 1)); done
# The baseline with a coverage probe at every site.
w=$out/work-probe; worker_tree "$w"
python3 "$here/mutants.py" probe "$src" "$out/probe" && cp -r "$out/probe/bpf/." "$w/bpf/" &&
	make -C "$w" build/sealctl $keep_objs > "$out/res/probe.build" 2>&1 &&
	mkdir -p "$out/disk/probe" && cp "$w/build/sealctl" "$out/disk/probe/sealctl" ||
	say "the coverage build failed (see $out/res/probe.build): every mutant runs every suite"
wait
say "built $(ls "$out/disk/bin" | wc -l) mutant sealctl binaries in $(elapsed "$t0") s"

# --- 4. the guest
# The index the guest reads: what each mutant changes, and only those to run.
awk -F'\t' -v res="$out/res" -v only="$only" 'BEGIN { OFS = "\t" }
	{
		if ($4 == "host") next
		if (only != "" && index(only, "," $1 ",") == 0) next
		if ((getline v < (res "/" $1)) > 0) { close(res "/" $1); next }	# decided on the host
		p = "*"; f = res "/" $1 ".programs"
		if ((getline p < f) > 0) close(f)
		print $1, $2, $3, $4, $5, p, $6, $7
	}' "$index" > "$out/disk/index.tsv"
cp "$here/guest.sh" "$out/disk/guest.sh"
vm_count=$(awk -F'\t' '$4 == "vm"' "$out/disk/index.tsv" | wc -l)
locked_ids=$(awk -F'\t' '$4 == "locked" { print $1 }' "$out/disk/index.tsv")
"$src/tests/vm/fetch-kernels.sh" "$cache/kernels" "$kernel" > "$out/vm/fetch.log" 2>&1 || {
	cat "$out/vm/fetch.log" >&2; say "cannot fetch kernel $kernel"; exit 1; }
# A REV whose init.sh predates the mutate mode gets this tree's, put before
# its reboot mode (the copy only: REV's tree stays as it is).
if ! grep -q '"$mode" = mutate' "$src/tests/vm/init.sh"; then
	sed -n '/^elif \[ "$mode" = mutate \]/,/guest.sh$/p' "$top/tests/vm/init.sh" > "$out/vm/mutate-case.sh"
	grep -q guest.sh "$out/vm/mutate-case.sh" && grep -q '^elif \[ "$mode" = reboot \]' "$src/tests/vm/init.sh" || {
		say "cannot give $commit's tests/vm/init.sh the mutate mode"; exit 1; }
	awk -v case_file="$out/vm/mutate-case.sh" '/^elif \[ "\$mode" = reboot \]/ {
		while ((getline l < case_file) > 0) print l }
		{ print }' "$src/tests/vm/init.sh" > "$out/vm/init.sh" && cp "$out/vm/init.sh" "$src/tests/vm/init.sh"
fi
"$src/tests/vm/build-initramfs.sh" "$src/build" "$kdir" "$out/vm/initramfs.cpio" || exit 1
mb=$(du -sm "$out/disk" | cut -f1)
rm -f "$out/vm/mutants.img"; truncate -s $((mb + mb / 4 + 32))M "$out/vm/mutants.img"
mkfs.ext4 -q -F -d "$out/disk" "$out/vm/mutants.img" || exit 1
# durable_test's images (tests/vm/run.sh: make_identity_store), from its one definition there.
sed -n '/^make_identity_store()/,/^}/p' "$src/tests/vm/run.sh" > "$out/vm/identity.sh"
grep -q . "$out/vm/identity.sh" || { say "tests/vm/run.sh has no make_identity_store"; exit 1; }
# shellcheck disable=SC1091
. "$out/vm/identity.sh"
( cd "$out" && out=$src/build make_identity_store "$out/vm/identity-store.img" ) || exit 1
accel=${BPFSEAL_ACCEL:-$(cat "$src/build/vm/accel" 2>/dev/null || cat "$top/build/vm/accel" 2>/dev/null || echo tcg)}
echo "$accel" > "$out/vm/accel.used"
case $accel in kvm) accel_args="-accel kvm -cpu host" ;; *) accel_args="-accel tcg,thread=multi -cpu max" ;; esac

# boot NAME SPEC SECONDS: fresh scratch disks, one guest; its console in OUT/vm/console-NAME.log
boot() {
	d=$out/vm/scratch-$1.img
	rm -f "$d" "$d.xfs"; truncate -s 256M "$d"; truncate -s 512M "$d.xfs"
	mkfs.ext4 -q -F "$d" && mkfs.xfs -q -f -m reflink=1 "$d.xfs" || return 1
	# shellcheck disable=SC2086
	timeout --foreground -k 5 "$3" qemu-system-x86_64 $accel_args -smp 2 -m 1G -nographic -no-reboot \
		-kernel "$kdir/vmlinuz" -initrd "$out/vm/initramfs.cpio" \
		-drive "file=$d,if=virtio,format=raw,cache=unsafe" \
		-drive "file=$d.xfs,if=virtio,format=raw,cache=unsafe" \
		-drive "file=$out/vm/identity-store.img,if=virtio,format=raw,snapshot=on" \
		-drive "file=$out/vm/mutants.img,if=virtio,format=raw,snapshot=on" \
		-append "console=ttyS0 panic=-1 oops=panic loglevel=4 bpfseal.mode=mutate bpfseal.mutate=$2 bpfseal.mutate_full=${MUTATE_FULL:-0}" \
		< /dev/null > "$out/vm/console-$1.log" 2>&1
}
lines() { tr -d '\r' < "$1" | grep -a -E '^(MUTANT|BPFSEAL-MUTATE-)' ; }

# The main lane: the baseline, then every "vm" mutant; a guest that dies
# takes the mutant it was running with it (killed: no normal run does that)
# and the next boot goes on after it.
main_lane() {
	from= boots=0
	: > "$out/vm/main.lines"
	while [ "$vm_count" -gt 0 ] && [ $boots -lt 5 ]; do
		boots=$((boots + 1))
		: > "$out/vm/console-main$boots.log"	# there before tail follows it
		boot "main$boots" "main${from:+:$from}" 7200 &
		qpid=$!
		tail -n +1 -f "$out/vm/console-main$boots.log" --pid=$qpid 2>/dev/null |
			grep --line-buffered -a -E '^(MUTANT|BPFSEAL-MUTATE-(BASELINE|COVERAGE|NOTE)|  \[mutate\])' | sed -u 's/\r$//; s/^/  /'
		wait $qpid
		lines "$out/vm/console-main$boots.log" >> "$out/vm/main.lines"
		grep -q '^BPFSEAL-MUTATE-END' "$out/vm/main.lines" && break
		grep -q '^BPFSEAL-MUTATE-BASELINE FAIL' "$out/vm/main.lines" && break
		grep -q '^BPFSEAL-MUTATE-BASELINE ok' "$out/vm/main.lines" || {
			echo "BPFSEAL-MUTATE-BASELINE FAIL the guest died in the baseline" >> "$out/vm/main.lines"; break; }
		last=$(sed -n 's/^BPFSEAL-MUTATE-START //p' "$out/vm/main.lines" | tail -n 1)
		if [ -n "$last" ] && ! grep -q "^MUTANT $last " "$out/vm/main.lines"; then
			w=$(awk -F'\t' -v id="$last" '$1 == id { print $2 ":" $3 " " $8 }' "$out/disk/index.tsv")
			echo "MUTANT $last $w killed-by guest-died (console-main$boots.log)" >> "$out/vm/main.lines"
		fi
		from=$last
	done
}

# The locked lane: the baseline first (with coverage), then one boot per
# mutant whose site it reached.
locked_lane() {
	: > "$out/vm/locked.lines"
	locked_note=
	[ -n "$locked_ids" ] || return 0
	boot locked-base locked:base 900
	lines "$out/vm/console-locked-base.log" >> "$out/vm/locked.lines"
	grep -a '^BPFSEAL-MUTATE-\(BASELINE-LOCKED\|COVERAGE\)' "$out/vm/locked.lines" | sed 's/^/  locked: /'
	grep -q '^BPFSEAL-MUTATE-BASELINE-LOCKED ok' "$out/vm/locked.lines" || {
		say "locked.sh fails on the unmutated policy: locked mutants not run"; return 1; }
	reached=$(sed -n 's/^BPFSEAL-MUTATE-REACHED //p' "$out/vm/locked.lines")
	# The guest reads it from the disk, which is made before: pass it on the command line.
	grep -q '^BPFSEAL-MUTATE-BASELINE-NOTE locked.sh' "$out/vm/locked.lines" && locked_note=1
	for id in $locked_ids; do
		w=$(awk -F'\t' -v id="$id" '$1 == id { print $2 ":" $3 " " $8 }' "$out/disk/index.tsv")
		probe=$(awk -F'\t' -v id="$id" '$1 == id { print $7 }' "$out/disk/index.tsv")
		if grep -q '^BPFSEAL-MUTATE-COVERAGE on' "$out/vm/locked.lines" && [ "$probe" != "-" ] &&
			! echo " $reached " | grep -q " $probe "; then
			l="MUTANT $id $w SURVIVED (no case reaches it)"
		else
			boot "locked-$id" "locked:$id${locked_note:+:unaccounted}" 600
			l=$(lines "$out/vm/console-locked-$id.log" | grep '^MUTANT')
			[ -n "$l" ] || l="MUTANT $id $w killed-by guest-died (console-locked-$id.log)"
		fi
		echo "$l" | tee -a "$out/vm/locked.lines" | sed 's/^/  /'
	done
}

t0=$(date +%s)
say "$vm_count mutants in one boot of $kernel ($(sed -n 1p "$kdir/release" 2>/dev/null)), $(echo "$locked_ids" | wc -w) in a locked boot each, $jobs lane(s), accelerator $accel"
if [ "$jobs" -ge 2 ]; then
	locked_lane &
	lpid=$!
	main_lane
	wait $lpid
else
	main_lane
	locked_lane
fi
t_vm=$(elapsed "$t0")
fi

# --- 5. results
: > "$out/results.tsv"
verdict_of() { # id: the guest's or the host's verdict
	l=$(grep -h "^MUTANT $1 " "$out/vm/main.lines" "$out/vm/locked.lines" 2>/dev/null | head -n 1)
	if [ -n "$l" ]; then
		what=$(awk -F'\t' -v id="$1" '$1 == id { print $7 }' "$index")
		echo "${l#*"$what" }"
	elif [ -s "$out/res/$1" ]; then cat "$out/res/$1"
	elif [ -n "$base_failed" ]; then echo "not-run (the baseline failed: $base_failed)"
	elif [ "$collect" = yes ]; then echo "not-run (the run stopped before it)"
	else echo "not-run (no verdict: see $out/vm/)"
	fi
}
base_failed=$(sed -n 's/^BPFSEAL-MUTATE-BASELINE FAIL //p; s/^BPFSEAL-MUTATE-BASELINE-LOCKED \([^o].*\) [0-9]* s$/locked.sh: \1/p' \
	"$out/vm/main.lines" "$out/vm/locked.lines" 2>/dev/null | head -n 1)
reasons=$top/tests/MUTATION.md
status=0 unexplained=0
while IFS='	' read -r id file line where covers probe what; do
	wanted "$id" || continue
	v=$(verdict_of "$id")
	key="$(basename "$file") $what"
	case $v in
	SURVIVED*)
		if grep -qF "\`$key\`" "$reasons" 2>/dev/null; then v="$v (reason in tests/MUTATION.md)"
		elif [ "$where" != host ]; then v="$v (no reason in tests/MUTATION.md)"; unexplained=$((unexplained + 1)); fi
		[ "$where" = host ] && status=1 ;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$file" "$line" "$where" "$what" "$v" >> "$out/results.tsv"
done < "$index"
[ "$unexplained" -eq 0 ] || status=1
grep -q '^BPFSEAL-MUTATE-BASELINE FAIL' "$out/vm/main.lines" 2>/dev/null && status=1
count() { awk -F'\t' -v w="$1" -v v="$2" '($4 == w || w == "") && index($6, v) == 1' "$out/results.tsv" | wc -l; }
total=$(wc -l < "$out/results.tsv")
killed=$(count "" killed-by) survived=$(count "" SURVIVED) dnl=$(count "" did-not)
other=$((total - killed - survived - dnl))
secs=$(elapsed "$t_all")
release=$(tr -d '\r' 2>/dev/null < "$out/vm/console-main1.log" | sed -n 's/^BPFSEAL-KERNEL //p' | head -n 1)
[ -n "$release" ] || release=$(cat "$kdir/release" 2>/dev/null)
baseline=$(grep -h -E '^BPFSEAL-MUTATE-BASELINE(-LOCKED)? ' "$out/vm/main.lines" "$out/vm/locked.lines" 2>/dev/null |
	sed 's/^BPFSEAL-MUTATE-BASELINE-LOCKED/locked.sh/; s/^BPFSEAL-MUTATE-BASELINE/the manifest/' | sort -u | paste -sd';' - | sed 's/;/; /g')
notes=$(grep -h '^BPFSEAL-MUTATE-BASELINE-NOTE' "$out/vm/main.lines" "$out/vm/locked.lines" 2>/dev/null | sort -u | wc -l)
[ "$notes" -eq 0 ] || baseline="$baseline; $notes suites judged on their cases alone (they do not account for their cases unmutated)"
{
	echo "# make mutate: the last run"
	echo
	echo "Written by \`tests/mutate/run.sh\` (\`make mutate\`); what the operators are and why each"
	echo "survivor survives: [tests/MUTATION.md](../MUTATION.md)."
	echo
	echo "- date: $(date -u +%Y-%m-%d), commit $commit, kernel $release ($kernel), accelerator $accel"
	echo "- mutants: $total; killed $killed, survived $survived, did not build or load $dnl, not run or equivalent $other"
	if [ "$collect" = yes ]; then
		echo "- time: the run was stopped at $(ls -t "$out"/vm/console-*.log | head -n 1 | xargs stat -c %y | cut -c1-16) UTC; its verdicts so far"
	else
		echo "- time: $secs s in all, $t_vm s of it in the guests"
	fi
	echo "- baseline: ${baseline:-none}"
	echo
	echo "| mutant | where | file:line | mutation | result |"
	echo "|---|---|---|---|---|"
	awk -F'\t' '{ gsub(/\|/, "\\|"); printf "| %s | %s | %s:%s | `%s` | %s |\n", $1, $4, $2, $3, $5, $6 }' "$out/results.tsv"
} > "$report"
awk -F'\t' '{ printf "MUTANT %s %s:%s %s %s\n", $1, $2, $3, $5, $6 }' "$out/results.tsv"
say "$total mutants: $killed killed, $survived survived ($unexplained without a reason), $dnl did not build or load, $other not run or equivalent; $secs s; $report"
exit $status
