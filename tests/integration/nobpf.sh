# Booted with lsm= lacking "bpf": sealctl must refuse to load, say how to
# enable the BPF LSM, and leave nothing pinned. (Not a t*.sh: run.sh does not
# run it; the harness boots a second time for it.)
. "$(dirname "$0")/lib.sh"
plan 4
out=$(sealctl load 2>&1); rc=$?
if [ $rc = 1 ] && echo "$out" | grep -q 'BPF LSM is not active on this kernel: add "bpf" to the lsm= boot parameter'; then
	pass "nobpf/load_refuses_and_says_how_to_enable"
else
	fail "nobpf/load_refuses_and_says_how_to_enable" "exit $rc: $out"
fi
# Not one pin, whatever its name: links, maps or the public one.
pins=$(find /sys/fs/bpf/bpfseal /run/bpfseal -mindepth 1 ! -type d 2>/dev/null)
[ -z "$pins" ] && pass "nobpf/nothing_attached" || fail "nobpf/nothing_attached" "pinned: $(echo "$pins" | tr '\n' ' ')"
out=$(sealctl status 2>&1); rc=$?
[ $rc = 3 ] && echo "$out" | grep -q 'bpf lsm: *NOT active' && pass "nobpf/status_says_bpf_lsm_not_active" || fail "nobpf/status_says_bpf_lsm_not_active" "exit $rc: $out"
out=$(sealctl monitor 2>&1); rc=$?
[ $rc = 3 ] && echo "$out" | grep -q 'the policy is not loaded' && pass "nobpf/monitor_says_not_loaded" || fail "nobpf/monitor_says_not_loaded" "exit $rc: $out"
end
