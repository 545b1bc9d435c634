#!/bin/sh
# Usage: selftest.sh --cache DIR --out BUILD KERNEL
# Proves the VM harness cannot report green by accident: a deliberately
# failing case, a guest that panics and a guest that hangs must each make
# the run fail and be counted as failures in the summary.
set -u
cache=; out=build
while [ $# -gt 1 ]; do
	case $1 in
	--cache) cache=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) break ;;
	esac
done
kernel=${1:-6.12}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for mode in selftest panic hang; do
	res=$out/selftest-$mode
	rm -rf "$res"
	echo "== harness self-test: $mode (must fail)"
	BPFSEAL_VM_TIMEOUT=40 "$here/run.sh" --cache "$cache" --out "$out" --results "$res" --mode "$mode" "$kernel" \
		> "$out/selftest-$mode.log" 2>&1
	rc=$?
	"$here/../summary.sh" "$res" "$kernel" > "$out/selftest-$mode.summary" 2>&1
	src=$?
	tail -n 1 "$out/selftest-$mode.summary"
	if [ "$rc" -ne 0 ] && [ "$src" -ne 0 ] && ! tail -n 1 "$out/selftest-$mode.summary" | grep -q ' 0 failed'; then
		echo "ok: '$mode' turned the run red (vmtest exit $rc, summary exit $src)"
	else
		echo "BROKEN: '$mode' did not fail the run (vmtest exit $rc, summary exit $src)"
		status=1
	fi
done
[ "$status" -eq 0 ] && echo "harness self-test passed: failures, panics and hangs are all failures"
exit $status
