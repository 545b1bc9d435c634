# examples/sealed_buffer: seal, pass the fd to a child, verify, parse in place.
. "$(dirname "$0")/lib.sh"
plan 6
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
# examples/receiver: fcntl(F_GET_SEALS) only, as an unprivileged receiver would ask.
printf 'one\ntwo\n' > /mnt/ext4/receiver-sealed; printf 'one\n' > /mnt/ext4/receiver-open
chmod 0644 /mnt/ext4/receiver-sealed /mnt/ext4/receiver-open
if ! sealctl add --seals shrink,grow,write /mnt/ext4/receiver-sealed >/dev/null 2>&1; then
	fail "example/receiver_sealed_ext4" "not run: sealctl add refused"
else
	out=$(su nobody -s /bin/sh -c "/examples/receiver /mnt/ext4/receiver-sealed" 2>&1); rc=$?
	[ $rc = 0 ] && echo "$out" | grep -q ": 2 lines parsed in place" && pass "example/receiver_sealed_ext4" 		|| fail "example/receiver_sealed_ext4" "exit $rc: $out"
fi
expect_exit "example/receiver_refuses_unsealed_ext4" 1 su nobody -s /bin/sh -c "/examples/receiver /mnt/ext4/receiver-open"
sealctl add --seals append,name /mnt/ext4/receiver-open >/dev/null 2>&1 \
	&& expect_exit "example/receiver_refuses_append_name_only" 1 /examples/receiver /mnt/ext4/receiver-open \
	|| fail "example/receiver_refuses_append_name_only" "not run: sealctl add refused"
end
