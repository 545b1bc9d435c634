# Persisted seals, second boot of the same disks (tests/vm/run.sh, mode
# reboot): the policy is loaded first, before anything else opens the
# files; what was persisted is sealed again, the rest is not.
. "$(dirname "$0")/lib.sh"
check "reboot/load" sealctl load
for fs in ext4 xfs; do
	d=/mnt/$fs/persist
	out=$(sealctl get "$d/kept")
	case $fs in
	ext4) want="$d/kept: shrink,grow,write" ;;
	xfs) want="$d/kept: shrink,grow,write" ;;
	esac
	[ "$out" = "$want" ] && pass "reboot/$fs/persisted_seal_back" || fail "reboot/$fs/persisted_seal_back" "$out"
	if (echo tamper >> "$d/kept") 2>/dev/null; then
		fail "reboot/$fs/persisted_seal_enforced" "append succeeded"
	else
		pass "reboot/$fs/persisted_seal_enforced"
	fi
	[ "$(cat "$d/kept")" = "kept across reboots" ] && pass "reboot/$fs/persisted_content_unchanged" \
		|| fail "reboot/$fs/persisted_content_unchanged" "$(cat "$d/kept")"
	out=$(sealctl get "$d/plain")
	[ "$out" = "$d/plain: none" ] && pass "reboot/$fs/plain_seal_gone" || fail "reboot/$fs/plain_seal_gone" "$out"
	check "reboot/$fs/plain_file_writable" sh -c "echo more >> '$d/plain'"
done
out=$(sealctl status --json); n=$(echo "$out" | sed -n 's/.*"persisted":\([0-9]*\).*/\1/p')
[ "${n:-0}" -ge 2 ] && pass "reboot/status_counts_persisted" || fail "reboot/status_counts_persisted" "persisted=$n"
# The state file is protected again in this boot.
if (printf X | dd of=/var/lib/bpfseal/persisted bs=1 seek=1 conv=notrunc) 2>/dev/null; then
	fail "reboot/state_file_protected" "overwrite succeeded"
else
	pass "reboot/state_file_protected"
fi
end
