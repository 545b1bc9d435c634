# The policy loads, attaches and pins on this kernel, idempotently, and
# `sealctl status` says which hooks are active. The suites run in any
# order: this one starts from no policy whatever ran before it (unload
# --force: exit 0, "nothing to do" when none is loaded), and leaves it loaded.
. "$(dirname "$0")/lib.sh"
hooks="lsm/file_permission lsm/mmap_file lsm/file_mprotect lsm/file_fcntl lsm/inode_setattr"
plan $(( 10 + $(echo $hooks | wc -w) ))

check "load/unload_what_ran_before_left" sealctl unload --force
expect_exit "load/status_before_load_says_not_loaded" 3 sealctl status
expect_exit "load/add_before_load_exits_3" 3 sh -c 'echo x > /tmp/f0 && sealctl add --seals write /tmp/f0'
check "load/sealctl_load" sealctl load
check "load/sealctl_load_again_is_idempotent" sealctl load
status=$(sealctl status); rc=$?
echo "$status" | sed "s/^/  [$KERNEL] /"
if [ $rc -eq 0 ] && echo "$status" | grep -q '^policy: *loaded'; then
	pass "load/status_says_loaded"
else
	fail "load/status_says_loaded" "exit $rc"
fi
# Every hook this kernel needs is active; none is merely "inactive" (and a
# status that lists no hook at all says nothing).
if [ $rc -ne 0 ] || ! echo "$status" | grep -q '^  active '; then
	fail "load/all_hooks_for_this_kernel_active" "exit $rc, no hook listed active"
elif echo "$status" | grep -q '^  inactive'; then
	fail "load/all_hooks_for_this_kernel_active" "$(echo "$status" | grep '^  inactive' | tr -s ' ' | tr '\n' ';')"
else
	pass "load/all_hooks_for_this_kernel_active"
fi
for hook in $hooks; do
	if echo "$status" | grep -q "^  active  *$hook "; then
		pass "load/hook_active:$hook"
	else
		fail "load/hook_active:$hook" "not reported active"
	fi
done
json=$(sealctl status --json); rc=$?
case $rc:$json in 0:*'"loaded":true'*) pass "load/status_json_loaded" ;; *) fail "load/status_json_loaded" "exit $rc: $json" ;; esac
[ -e /sys/fs/bpf/bpfseal/maps/seals ] && pass "load/seal_map_pinned" || fail "load/seal_map_pinned" "no /sys/fs/bpf/bpfseal/maps/seals"
perm=$(stat -c %a /run/bpfseal/seals 2>/dev/null)
[ "$perm" = 444 ] && pass "load/public_pin_readonly" || fail "load/public_pin_readonly" "mode '$perm', want 444"
end
