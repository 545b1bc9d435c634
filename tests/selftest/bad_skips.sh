# Harness self-test: a skip naming no known kernel feature, and one for a
# feature every kernel of the matrix has.
. "$(dirname "$0")/../lib.sh"
plan 2
skip "selftest/bad_skips/unknown_feature" no_such_feature "the filesystem was busy"
skip "selftest/bad_skips/feature_this_kernel_has" bpf_lsm "pretends the BPF LSM is missing"
end
