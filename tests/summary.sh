#!/bin/sh
# Usage: summary.sh RESULTS_DIR KERNEL...
# One line per suite, then "N passed, N failed" over the host unit tests,
# every kernel and any other suite the VM harness reported (vm-lsm). A
# kernel that did not report counts as a failure.
set -u
results=$1; shift
total_p=0; total_f=0; status=0
echo
echo "== summary"
kernels=$(for k in "$@"; do echo "vm-$k"; done)
others=$(cd "$results" 2>/dev/null && ls vm-*.result 2>/dev/null | sed 's/\.result$//' | grep -vxF "$kernels")
for suite in unit $kernels $others; do
	f=$results/$suite.result
	if [ ! -f "$f" ]; then
		echo "  $suite: NO RESULT (did not run or did not report)"
		total_f=$((total_f + 1)); status=1
		continue
	fi
	p=$(awk '$1 == "passed" { print $2 }' "$f"); n=$(awk '$1 == "failed" { print $2 }' "$f")
	k=$(awk '$1 == "kernel" { print $2 }' "$f"); st=$(awk '$1 == "state" { $1 = ""; print substr($0, 2) }' "$f")
	echo "  $suite ($k): $p passed, $n failed, $st"
	total_p=$((total_p + p)); total_f=$((total_f + n))
	if [ "$st" != ok ]; then total_f=$((total_f + 1)); status=1; fi
	[ "$n" -eq 0 ] || status=1
done
echo "$total_p passed, $total_f failed"
exit $status
