# Persisted seals, first boot: `sealctl add --persist` records them in the
# state file, which nobody, root included, can then change or remove while
# the policy is loaded. reboot.sh checks them in a second boot of the same
# disks. Each tampering attempt is also made on an unsealed copy, where it
# must work: a refusal is then the policy's.
. "$(dirname "$0")/lib.sh"
filesystems="ext4 xfs"
plan $(( 2 * $(echo $filesystems | wc -w) + 15 ))
state=/var/lib/bpfseal/persisted
check "persist/policy_loaded" policy_loaded
for fs in $filesystems; do
	d=/mnt/$fs/persist
	rm -rf "$d"; mkdir -p "$d"
	printf 'kept across reboots\n' > "$d/kept"
	printf 'gone at reboot\n' > "$d/plain"
	check "persist/$fs/add_persist" sealctl add --persist --seals shrink,grow,write "$d/kept"
	check "persist/$fs/add_plain" sealctl add --seals shrink,grow,write "$d/plain"
done
grep -q " $(stat -c %i /mnt/ext4/persist/kept) " "$state" && pass "persist/state_file_holds_the_record" \
	|| fail "persist/state_file_holds_the_record" "$(cat "$state")"
out=$(sealctl list); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q "/mnt/ext4/persist/kept (persisted)" && pass "persist/list_says_persisted" \
	|| fail "persist/list_says_persisted" "exit $rc: $out"
out=$(sealctl status --json); rc=$?; n=$(echo "$out" | sed -n 's/.*"persisted":\([0-9]*\).*/\1/p')
[ $rc = 0 ] && [ "${n:-0}" -ge 2 ] && pass "persist/status_counts_persisted" || fail "persist/status_counts_persisted" "exit $rc, persisted=$n"
printf x > /mnt/tmpfs/not-kept
out=$(sealctl add --persist --seals write /mnt/tmpfs/not-kept 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "does not outlive a reboot" && pass "persist/tmpfs_refused_with_reason" \
	|| fail "persist/tmpfs_refused_with_reason" "exit $rc: $out"
printf x > /mnt/ext4/persist/mine; chown nobody /mnt/ext4/persist/mine
out=$(su nobody -s /bin/sh -c "sealctl add --persist --seals write /mnt/ext4/persist/mine" 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "needs root" && pass "persist/unprivileged_refused" \
	|| fail "persist/unprivileged_refused" "exit $rc: $out"

# Tampering with the state file, next to the same on a copy that is not sealed.
cp "$state" /mnt/ext4/persist/copy
sum=$(md5sum < "$state")
# NAME COMMAND-WITH-%F [STATE COPY]: refused with EPERM on the state file
# (any other failure is not the policy's), works on the copy
attempt() {
	name=$1; cmd=$2; target=${3:-$state}; copy=${4:-/mnt/ext4/persist/copy}
	out=$(sh -c "$(echo "$cmd" | sed "s|%F|$target|g")" 2>&1); rc=$?
	if [ $rc = 0 ]; then
		fail "persist/tamper/$name" "root did it to the state file"
	elif ! copy_out=$(sh -c "$(echo "$cmd" | sed "s|%F|$copy|g")" 2>&1); then
		fail "persist/tamper/$name" "it fails on an unsealed copy too: proves nothing: $(echo "$copy_out" | tail -n 1)"
	elif ! echo "$out" | grep -q "Operation not permitted"; then
		fail "persist/tamper/$name" "exit $rc, but not refused with EPERM: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	elif [ "$(md5sum < "$state")" != "$sum" ]; then
		fail "persist/tamper/$name" "refused, but the state file changed"
	else
		pass "persist/tamper/$name"
	fi
	cp "$state" /mnt/ext4/persist/copy 2>/dev/null
	rm -f "$state.new" "$state.old"
}
attempt overwrite_in_place 'printf XXXX | dd of=%F bs=1 seek=1 conv=notrunc'
attempt truncate 'truncate -s 0 %F'
attempt replace_by_cp 'printf "" > /tmp/empty && cp /tmp/empty %F'
attempt unlink 'rm -f %F && ! [ -e %F ]'
attempt rename_away 'mv %F %F.old'
attempt rename_over 'printf "" > %F.new && mv %F.new %F'
attempt hard_link 'ln %F %F.link && rm -f %F.link'
mkdir -p /mnt/other
if mount -t ext4 /dev/vda /mnt/other; then
	attempt through_another_mount 'printf XXXX | dd of=%F bs=1 seek=1 conv=notrunc' \
		/mnt/other/.bpfseal-state/persisted /mnt/other/persist/copy
	umount /mnt/other
else
	fail "persist/tamper/through_another_mount" "cannot mount /dev/vda a second time"
fi
rm -f /mnt/ext4/persist/copy
# Appending stays possible: that is how records are added.
check "persist/state_file_takes_appends" sealctl add --persist --seals shrink /mnt/xfs/persist/kept
end
