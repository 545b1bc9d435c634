# examples/sealed_buffer: seal, pass the fd to a child, verify, parse in place.
. "$(dirname "$0")/lib.sh"
plan 3
# The suites run in any order: load the policy unless one before left it
# loaded (a reload would hide what they did to it).
policy_loaded() {
	sealctl status > /dev/null 2>&1; rc=$?
	[ $rc = 3 ] && { sealctl load; return; }
	[ $rc = 0 ] || { echo "sealctl status exited $rc"; return 1; }
}
check "example/policy_loaded" policy_loaded
verified="child: seals verified, 1000 records parsed in place"
out=$(/examples/sealed_buffer /mnt/ext4 2>&1); rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q "$verified"; then
	pass "example/sealed_buffer_ext4"
else
	fail "example/sealed_buffer_ext4" "exit $rc: $(echo "$out" | tr '\n' ' ')"
fi
out=$(su nobody -s /bin/sh -c "/examples/sealed_buffer /mnt/tmpfs" 2>&1); rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q "$verified"; then
	pass "example/sealed_buffer_unprivileged"
else
	fail "example/sealed_buffer_unprivileged" "exit $rc: $(echo "$out" | tr '\n' ' ')"
fi
end
