#!/bin/sh
# Usage: selftest.sh --cache DIR --out BUILD KERNEL
# Proves the VM harness cannot report green by accident. One boot runs the
# faulty fixtures of tests/selftest (a failing case, a binary that crashes
# halfway, one that exits early, a script that exits non-zero, a missing
# case, skips without a reason the harness accepts, a suite that was not
# built): the run must fail and the summary must name each of them, and
# not the fixture that accounts for every case. Then a guest that panics
# and one that hangs must each fail the run.
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
	BPFSEAL_VM_TIMEOUT=60 "$here/run.sh" --cache "$cache" --out "$out" --results "$res" --mode "$mode" "$kernel" \
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
	[ "$mode" = selftest ] || continue
	# Each fixture is named among the failures, but the one that accounts for every case.
	for fixture in $(grep -v '^#' "$here/../selftest/manifest"); do
		named=no
		grep -q "^      $fixture/\|^      selftest/${fixture%.sh}[/:]" "$out/selftest-$mode.summary" && named=yes
		case $fixture:$named in
		accounted.sh:no | accounted.sh:yes) [ "$named" = no ] && echo "ok: $fixture left no failure" ||
			{ echo "BROKEN: $fixture accounts for every case, yet failed"; status=1; } ;;
		*:yes) echo "ok: $fixture is named in the summary" ;;
		*) echo "BROKEN: $fixture is not named in the summary"; status=1 ;;
		esac
	done
done
[ "$status" -eq 0 ] && echo "harness self-test passed: every fault turned the run red under its own name"
exit $status
