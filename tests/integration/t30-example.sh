# examples/sealed_buffer: seal, pass the fd to a child, verify, parse in place.
. "$(dirname "$0")/lib.sh"
plan 3
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
