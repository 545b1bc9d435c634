#!/bin/sh
# Usage: summary.sh RESULTS_DIR KERNEL...
# One line per suite, then every failed case by name, the skips with their
# reasons, and "N passed, N failed, N skipped" over the host unit tests,
# every kernel and any other suite the VM harness reported (vm-lsm). A
# suite that did not report counts as a failure.
set -u
results=$1; shift
total_p=0; total_f=0; total_s=0; status=0
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
	s=$(awk '$1 == "skipped" { print $2 }' "$f"); s=${s:-0}
	k=$(awk '$1 == "kernel" { print $2 }' "$f"); st=$(awk '$1 == "state" { $1 = ""; print substr($0, 2) }' "$f")
	echo "  $suite ($k): $p passed, $n failed, $s skipped, $st"
	total_p=$((total_p + p)); total_f=$((total_f + n)); total_s=$((total_s + s))
	if [ "$st" != ok ]; then total_f=$((total_f + 1)); status=1; fi
	[ "$n" -eq 0 ] || status=1
	# Every failed case by name (the first 40 of a suite), each skip's reason once with its count.
	if [ -s "$results/$suite.failures" ]; then
		echo "    failed:"
		head -n 40 "$results/$suite.failures" | cut -c1-300 | sed 's/^FAIL [^ ]* /      /'
		[ "$n" -le 40 ] || echo "      ... and $((n - 40)) more ($results/$suite.failures)"
	fi
	if [ -s "$results/$suite.skips" ]; then
		echo "    skipped:"
		sed 's/^SKIP [^ ]* [^ ]*: //' "$results/$suite.skips" | sort | uniq -c | sed 's/^ */      /'
	fi
done
echo "$total_p passed, $total_f failed, $total_s skipped"
exit $status
