# sealctl as an administrator uses it: the walkthrough, every kind of bad
# input (one clear line, non-zero exit, nothing changed), apply, reload.
. "$(dirname "$0")/lib.sh"
d=/mnt/ext4/sealctl
rm -rf "$d"; mkdir -p "$d"

# --- the README walkthrough
printf 'config v1\n' > "$d/app.conf"
check "sealctl/add_shrink_grow_write" sealctl add --seals shrink,grow,write "$d/app.conf"
if (echo tamper >> "$d/app.conf") 2>/dev/null; then fail "sealctl/append_refused" "append succeeded"; else pass "sealctl/append_refused"; fi
[ "$(cat "$d/app.conf")" = "config v1" ] && pass "sealctl/content_unchanged" || fail "sealctl/content_unchanged" "$(cat "$d/app.conf")"
out=$(sealctl get "$d/app.conf")
[ "$out" = "$d/app.conf: shrink,grow,write" ] && pass "sealctl/get_prints_seals" || fail "sealctl/get_prints_seals" "$out"
out=$(sealctl get --json "$d/app.conf")
case $out in *'"mask":14,"seals":["shrink","grow","write"]'*) pass "sealctl/get_json" ;; *) fail "sealctl/get_json" "$out" ;; esac
out=$(su nobody -s /bin/sh -c "sealctl get '$d/app.conf'" 2>&1)
[ "$out" = "$d/app.conf: shrink,grow,write" ] && pass "sealctl/get_as_nobody" || fail "sealctl/get_as_nobody" "$out"
out=$(sealctl list)
echo "$out" | grep -q " $(stat -c %i "$d/app.conf") shrink,grow,write $d/app.conf$" && pass "sealctl/list_shows_inode_and_path" || fail "sealctl/list_shows_inode_and_path" "$out"

# --- refusals with memfd's reasons
printf x > "$d/sealed"
sealctl add --seals seal "$d/sealed"
out=$(sealctl add --seals write "$d/sealed" 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "cannot add seal 'write': file is already sealed with 'seal' (EPERM)" \
	&& pass "sealctl/add_after_seal_says_why" || fail "sealctl/add_after_seal_says_why" "exit $rc: $out"

# --- EBUSY says which writer holds the file (here a loop device)
dd if=/dev/zero of="$d/backing" bs=4096 count=16 2>/dev/null
dev=$(losetup -f)
if [ -n "$dev" ] && losetup "$dev" "$d/backing"; then
	out=$(sealctl add --seals write "$d/backing" 2>&1); rc=$?
	[ $rc = 1 ] && echo "$out" | grep -q "cannot add seal 'write': the kernel writes the file itself (.*) (EBUSY)" \
		&& pass "sealctl/busy_says_the_kernel_writes_it" || fail "sealctl/busy_says_the_kernel_writes_it" "exit $rc: $out"
	losetup -d "$dev"
else
	fail "sealctl/busy_says_the_kernel_writes_it" "cannot attach $d/backing to a loop device"
fi

# --- bad input: one line each, non-zero, nothing changed
printf data > "$d/plain"
expect_exit "sealctl/bad/missing_file" 1 sealctl add --seals write "$d/nope"
expect_exit "sealctl/bad/directory" 1 sealctl add --seals write "$d"
expect_exit "sealctl/bad/device_node" 1 sealctl add --seals write /dev/null
mkfifo "$d/fifo"; expect_exit "sealctl/bad/fifo" 1 sealctl add --seals write "$d/fifo"
# (sockets: socket_test.c; busybox cannot bind one)
ln -s "$d/nowhere" "$d/dangling"; expect_exit "sealctl/bad/dangling_symlink" 1 sealctl add --seals write "$d/dangling"
out=$(sealctl add --seals write "$d/dangling" 2>&1)
echo "$out" | grep -q "dangling symbolic link" && pass "sealctl/bad/dangling_symlink_says_so" || fail "sealctl/bad/dangling_symlink_says_so" "$out"
expect_exit "sealctl/bad/unknown_seal" 2 sealctl add --seals wrte "$d/plain"
expect_exit "sealctl/bad/empty_seal_list" 2 sealctl add --seals "" "$d/plain"
expect_exit "sealctl/bad/no_seals_option" 2 sealctl add "$d/plain"
expect_exit "sealctl/bad/unknown_command" 2 sealctl frobnicate
out=$(sealctl get "$d/plain"); [ "$out" = "$d/plain: none" ] && pass "sealctl/bad/nothing_changed" || fail "sealctl/bad/nothing_changed" "$out"
ln -s "$d/plain" "$d/link"
check "sealctl/add_follows_symlinks" sealctl add --seals grow "$d/link"
out=$(sealctl get "$d/plain"); [ "$out" = "$d/plain: grow" ] && pass "sealctl/symlink_target_sealed" || fail "sealctl/symlink_target_sealed" "$out"
mkdir -p /mnt/ro; mount --bind "$d" /mnt/ro && mount -o remount,bind,ro /mnt/ro
printf x > "$d/rofile"
out=$(sealctl add --seals write /mnt/ro/rofile 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "read-only mount (EROFS)" && pass "sealctl/bad/read_only_mount" || fail "sealctl/bad/read_only_mount" "exit $rc: $out"
umount /mnt/ro
printf x > "$d/rootfile"; chmod 666 "$d/rootfile"
out=$(su nobody -s /bin/sh -c "sealctl add --seals write '$d/rootfile'" 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "neither own the file nor have CAP_FOWNER" && pass "sealctl/bad/caller_without_privilege" || fail "sealctl/bad/caller_without_privilege" "exit $rc: $out"

# --- a filesystem where no identity survives eviction: refused, and said why
out=$(sealctl add --seals grow /proc/sys/kernel/domainname 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "gives bpfseal no identity that survives the inode leaving memory.*(EINVAL)" \
	&& pass "sealctl/bad/filesystem_without_identity" || fail "sealctl/bad/filesystem_without_identity" "exit $rc: $out"
[ "$(sealctl get /proc/sys/kernel/domainname 2>&1)" = "/proc/sys/kernel/domainname: none" ] \
	&& pass "sealctl/bad/filesystem_without_identity_unchanged" \
	|| fail "sealctl/bad/filesystem_without_identity_unchanged" "$(sealctl get /proc/sys/kernel/domainname 2>&1)"

# --- odd names and many files
sp="$d/with space"; nl="$d/with
newline"
printf a > "$sp"; printf b > "$nl"
check "sealctl/path_with_space" sealctl add --seals write "$sp"
check "sealctl/path_with_newline" sealctl add --seals write "$nl"
out=$(sealctl get --json "$nl")
case $out in *'with\u000anewline'*) pass "sealctl/json_escapes_newline" ;; *) fail "sealctl/json_escapes_newline" "$out" ;; esac
out=$(sealctl list --json)
case $out in *'"path":"'"$d"'/with\u000anewline"'*) pass "sealctl/list_json_path" ;; *) fail "sealctl/list_json_path" "$(echo "$out" | cut -c1-300)" ;; esac
mkdir "$d/many"; i=0
while [ $i -lt 10000 ]; do : > "$d/many/f$i"; i=$((i + 1)); done
if sealctl add --seals shrink,grow "$d"/many/* && [ "$(sealctl get "$d/many/f9999")" = "$d/many/f9999: shrink,grow" ]; then
	pass "sealctl/ten_thousand_files_in_one_command"
else
	fail "sealctl/ten_thousand_files_in_one_command" "not all sealed"
fi

# --- apply
mkdir -p /etc/bpfseal/seals.d
printf 'one\n' > "$d/a1"; printf 'two\n' > "$d/a 2"
cat > /etc/bpfseal/seals.d/good.conf <<EOC
# comment
$d/a1 write

$d/a 2 shrink,grow
EOC
check "sealctl/apply_default_dir" sealctl apply
[ "$(sealctl get "$d/a 2")" = "$d/a 2: shrink,grow" ] && pass "sealctl/apply_path_with_space" || fail "sealctl/apply_path_with_space" "$(sealctl get "$d/a 2")"
printf 'three\n' > "$d/a3"
cat > /tmp/bad.conf <<EOC
$d/a3 write
$d/a3 wirte
EOC
out=$(sealctl apply /tmp/bad.conf 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "/tmp/bad.conf:2: unknown seal 'wirte'" && pass "sealctl/apply_bad_line_reported" || fail "sealctl/apply_bad_line_reported" "exit $rc: $out"
[ "$(sealctl get "$d/a3")" = "$d/a3: none" ] && pass "sealctl/apply_bad_file_applies_nothing" || fail "sealctl/apply_bad_file_applies_nothing" "$(sealctl get "$d/a3")"
rm -f /etc/bpfseal/seals.d/good.conf

# --- reload keeps seals; unload refuses while seals exist
check "sealctl/reload" sealctl load
[ "$(sealctl get "$d/app.conf")" = "$d/app.conf: shrink,grow,write" ] && pass "sealctl/reload_keeps_seals" || fail "sealctl/reload_keeps_seals" "$(sealctl get "$d/app.conf")"
if (echo tamper >> "$d/app.conf") 2>/dev/null; then fail "sealctl/reload_keeps_enforcing" "append succeeded"; else pass "sealctl/reload_keeps_enforcing"; fi
expect_exit "sealctl/unload_refuses_with_seals" 1 sealctl unload
out=$(sealctl unload --force 2>&1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q "seals are no longer enforced" && pass "sealctl/unload_force" \
	|| fail "sealctl/unload_force" "exit $rc: $out"
# What unload says is true when it returns: nothing enforces the seals any more.
if (echo appended >> "$d/app.conf") 2>/dev/null; then pass "sealctl/unload_means_unenforced_at_once"
else fail "sealctl/unload_means_unenforced_at_once" "a write was still refused after unload returned"; fi
expect_exit "sealctl/status_after_unload" 3 sealctl status
expect_exit "sealctl/bad/policy_not_loaded" 3 sealctl add --seals write "$d/a3"
check "sealctl/load_again" sealctl load
