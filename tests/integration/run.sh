#!/bin/sh
# Runs inside the VM: the whole integration suite, one line per case.
# MODE "selftest" adds a case that must fail, to prove failures are seen.
mode=${1:-test}
here=$(dirname "$0")
. "$here/lib.sh"
for t in "$here"/t[0-9]*.sh; do
	sh "$t"
done
for t in "$here"/*; do
	case $t in *.sh) continue ;; esac
	[ -x "$t" ] && "$t"
done
if [ "$mode" = selftest ]; then
	fail "harness/deliberate_failure" "this case fails on purpose (make vmtest-selftest)"
fi
