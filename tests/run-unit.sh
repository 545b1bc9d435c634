#!/bin/sh
# Usage: run-unit.sh UNIT_BIN_DIR RESULTS_DIR
# Runs the cmocka unit tests on the host and writes RESULTS_DIR/unit.result.
set -u
dir=$1; results=$2
mkdir -p "$results"
passed=0; failed=0
for t in "$dir"/*; do
	[ -x "$t" ] || continue
	out=$(CMOCKA_MESSAGE_OUTPUT=stdout "$t" 2>&1); rc=$?
	echo "$out"
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
	[ "$rc" -eq 0 ] || [ "${f:-0}" -gt 0 ] || failed=$((failed + 1))
done
printf 'suite unit\nkernel host\npassed %s\nfailed %s\nstate ok\n' "$passed" "$failed" > "$results/unit.result"
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
