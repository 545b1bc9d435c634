#!/bin/sh
# Usage: run-unit.sh UNIT_BIN_DIR RESULTS_DIR
# Runs the cmocka unit tests on the host and writes RESULTS_DIR/unit.result.
# A binary counts its announced tests ("[==========] Running N test(s)."):
# fewer reported than announced, a missing closing line ("N test(s) run."),
# an exit status other than its failure count, or no test at all fails the
# run, under the binary's name.
set -u
dir=$1; results=$2
mkdir -p "$results"
passed=0; failed=0
: > "$results/unit.failures"
for t in "$dir"/*; do
	[ -x "$t" ] || continue
	name=${t##*/}
	out=$(CMOCKA_MESSAGE_OUTPUT=stdout "$t" 2>&1); rc=$?
	echo "$out"
	announced=$(echo "$out" | sed -n 's/^\[==========\].*Running \([0-9][0-9]*\) test.*/\1/p' | tail -n1)
	ran=$(echo "$out" | sed -n 's/^\[==========\].* \([0-9][0-9]*\) test(s) run\..*/\1/p' | tail -n1)
	# Each test's own line, before the closing summary lists the failed ones again.
	tests=$(echo "$out" | sed '/^\[==========\].* test(s) run\./q')
	p=$(echo "$tests" | grep -c '^\[       OK \]')
	f=$(echo "$tests" | grep -c '^\[  FAILED  \] [^0-9]')
	passed=$((passed + p)); failed=$((failed + f))
	echo "$tests" | sed -n "s/^\[  FAILED  \] \([^0-9].*\)/FAIL host $name\/\1/p" >> "$results/unit.failures"
	why=
	[ -n "$announced" ] || why="$why, announced no tests"
	[ -n "$ran" ] || why="$why, ended without its closing line"
	[ -z "$announced" ] || [ $((p + f)) -eq "$announced" ] || why="$why, announced $announced tests, reported $((p + f))"
	[ "$rc" -eq "$f" ] || why="$why, exit $rc with $f failed"
	if [ -n "$why" ]; then
		echo "FAIL host $name/accounted: ${why#, }" | tee -a "$results/unit.failures"
		failed=$((failed + 1))
	fi
done
[ "$passed" -gt 0 ] || { echo "FAIL host unit/accounted: no unit test ran" | tee -a "$results/unit.failures"; failed=$((failed + 1)); }
printf 'suite unit\nkernel host\npassed %s\nfailed %s\nskipped 0\nstate ok\n' "$passed" "$failed" > "$results/unit.result"
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
