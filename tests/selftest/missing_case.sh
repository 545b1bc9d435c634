# Harness self-test: announces three cases, reports two, ends cleanly.
. "$(dirname "$0")/../lib.sh"
plan 3
pass "selftest/missing_case/first"
pass "selftest/missing_case/second"
end
