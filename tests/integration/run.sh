#!/bin/sh
# Runs inside the VM: the whole integration suite, one line per case,
# and what each file took, so the suite's time budget stays visible.
# MODE "selftest" adds a case that must fail, to prove failures are seen.
mode=${1:-test}
here=$(dirname "$0")
. "$here/lib.sh"
timed() { # NAME COMMAND...
	name=$1; shift
	t0=$(date +%s)
	"$@"
	echo "  [$KERNEL] $name took $(($(date +%s) - t0)) s"
}
for t in "$here"/t[0-9]*.sh; do
	timed "${t##*/}" sh "$t"
done
for t in "$here"/*_test; do
	timed "${t##*/}" "$t"
done
if [ "$mode" = selftest ]; then
	fail "harness/deliberate_failure" "this case fails on purpose (make vmtest-selftest)"
fi
