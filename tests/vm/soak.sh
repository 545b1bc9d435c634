#!/bin/sh
# Usage: soak.sh --cache DIR --out BUILD N KERNEL...
# Boots each kernel N times with the shipped qemu settings, running the full
# integration suite, and counts boots that panicked, hung or never reported
# (test failures are counted apart: they are not the guest's fault).
# The counts for the settings we ship are recorded in tests/vm/README.md.
set -u
cache=; out=build
while [ $# -gt 2 ]; do
	case $1 in
	--cache) cache=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) break ;;
	esac
done
n=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
for k in "$@"; do
	clean=0; died=0; red=0
	for i in $(seq 1 "$n"); do
		res=$out/soak-$k
		"$here/run.sh" --cache "$cache" --out "$out" --results "$res" "$k" > "$out/soak-$k.log" 2>&1
		if grep -q '^state ok' "$res/vm-$k.result" 2>/dev/null; then
			clean=$((clean + 1))
			grep -q '^failed 0' "$res/vm-$k.result" || red=$((red + 1))
		else
			died=$((died + 1))
			cp "$out/vm/console-$k.log" "$out/soak-$k-died-$i.log"
			echo "soak: $k boot $i: guest died or hung: $(grep -a -m3 -iE 'panic|BUG|Oops' "$out/vm/console-$k.log" | tr '\n' ' ')"
		fi
	done
	echo "soak: $k: $clean of $n boots clean (no panic, no hang), $died died; $red boots had failing test cases ($(qemu-system-x86_64 --version | head -n1))"
done
