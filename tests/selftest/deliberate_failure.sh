# Harness self-test: one case that fails on purpose.
. "$(dirname "$0")/../lib.sh"
plan 1
fail "selftest/deliberate_failure" "this case fails on purpose (make vmtest-selftest)"
end
