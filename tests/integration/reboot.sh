# Persisted seals, second boot of the same disks (tests/vm/run.sh, mode
# reboot): the policy is loaded first, before anything else opens the
# files; what was persisted is sealed again, the rest is not. (init.sh runs
# locked.sh next, in the same boot.)
. "$(dirname "$0")/lib.sh"
filesystems="ext4 xfs"
plan $(( 5 * $(echo $filesystems | wc -w) + 3 ))
check "reboot/load" sealctl load
for fs in $filesystems; do
	d=/mnt/$fs/persist
	out=$(sealctl get "$d/kept" 2>&1); rc=$?
	[ $rc = 0 ] && [ "$out" = "$d/kept: shrink,grow,write" ] && pass "reboot/$fs/persisted_seal_back" \
		|| fail "reboot/$fs/persisted_seal_back" "exit $rc: $out"
	check "reboot/$fs/persisted_seal_enforced" refused_eperm "$d/kept" sh -c 'echo tamper >> "$1"' sh "$d/kept"
	[ "$(cat "$d/kept")" = "kept across reboots" ] && pass "reboot/$fs/persisted_content_unchanged" \
		|| fail "reboot/$fs/persisted_content_unchanged" "$(cat "$d/kept")"
	out=$(sealctl get "$d/plain" 2>&1); rc=$?
	[ $rc = 0 ] && [ "$out" = "$d/plain: none" ] && pass "reboot/$fs/plain_seal_gone" || fail "reboot/$fs/plain_seal_gone" "exit $rc: $out"
	check "reboot/$fs/plain_file_writable" sh -c "echo more >> '$d/plain'"
done
out=$(sealctl status --json); rc=$?; n=$(echo "$out" | sed -n 's/.*"persisted":\([0-9]*\).*/\1/p')
[ $rc = 0 ] && [ "${n:-0}" -ge 2 ] && pass "reboot/status_counts_persisted" || fail "reboot/status_counts_persisted" "exit $rc, persisted=$n"
# The state file is protected again in this boot.
check "reboot/state_file_protected" refused_eperm /var/lib/bpfseal/persisted \
	sh -c 'printf X | dd of=/var/lib/bpfseal/persisted bs=1 seek=1 conv=notrunc'
end
