# Harness self-test: a suite that accounts for every case: it must leave no FAIL.
. "$(dirname "$0")/../lib.sh"
plan 2
pass "selftest/accounted/first"
pass "selftest/accounted/second"
end
