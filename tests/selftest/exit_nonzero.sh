# Harness self-test: every case passes, then the script exits non-zero.
. "$(dirname "$0")/../lib.sh"
plan 1
pass "selftest/exit_nonzero/only"
end
exit 3
