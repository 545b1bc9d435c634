#!/bin/sh
# Usage: soak.sh --cache DIR --out BUILD N KERNEL...
# Boots each kernel N times with the shipped qemu settings, running the full
# integration suite, and counts boots that panicked, hung or never reported.
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
	ok=0; bad=0
	for i in $(seq 1 "$n"); do
		res=$out/soak-$k
		if "$here/run.sh" --cache "$cache" --out "$out" --results "$res" "$k" > "$out/soak-$k.log" 2>&1 &&
		   grep -q '^state ok' "$res/vm-$k.result"; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
			cp "$out/vm/console-$k.log" "$out/soak-$k-failure-$i.log"
			echo "soak: $k boot $i failed: $(grep -a -m3 -iE 'panic|BUG|Oops|FAIL ' "$out/vm/console-$k.log" | tr '\n' ' ')"
		fi
	done
	echo "soak: $k: $ok of $n boots clean, $bad failed ($(qemu-system-x86_64 --version | head -n1))"
done
