# sealctl as an administrator uses it: the walkthrough, every kind of bad
# input (one clear line, non-zero exit, nothing changed), apply, reload.
. "$(dirname "$0")/lib.sh"
plan 47
d=/mnt/ext4/sealctl
rm -rf "$d"; mkdir -p "$d"

# refused NAME CODE REASON COMMAND...: COMMAND exits CODE and its output says REASON
refused() {
	name=$1; want=$2; reason=$3; shift 3
	out=$("$@" 2>&1); got=$?
	if [ "$got" = "$want" ] && echo "$out" | grep -q -- "$reason"; then pass "$name"
	else fail "$name" "exit $got, want $want saying '$reason': $(echo "$out" | tail -n 2 | tr '\n' ' ')"; fi
}
check "sealctl/policy_loaded" policy_loaded

# --- the README walkthrough
printf 'config v1\n' > "$d/app.conf"
check "sealctl/add_shrink_grow_write" sealctl add --seals shrink,grow,write "$d/app.conf"
check "sealctl/append_refused" append_refused "$d/app.conf"
[ "$(cat "$d/app.conf")" = "config v1" ] && pass "sealctl/content_unchanged" || fail "sealctl/content_unchanged" "$(cat "$d/app.conf")"
check "sealctl/get_prints_seals" seals_are "$d/app.conf" shrink,grow,write
out=$(sealctl get --json "$d/app.conf"); rc=$?
case $rc:$out in 0:*'"mask":14,"seals":["shrink","grow","write"]'*) pass "sealctl/get_json" ;; *) fail "sealctl/get_json" "exit $rc: $out" ;; esac
out=$(su nobody -s /bin/sh -c "sealctl get '$d/app.conf'" 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "$d/app.conf: shrink,grow,write" ] && pass "sealctl/get_as_nobody" || fail "sealctl/get_as_nobody" "exit $rc: $out"
out=$(sealctl list); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q " $(stat -c %i "$d/app.conf") shrink,grow,write $d/app.conf$" \
	&& pass "sealctl/list_shows_inode_and_path" || fail "sealctl/list_shows_inode_and_path" "exit $rc: $out"

# --- refusals with memfd's reasons
printf x > "$d/sealed"
sealctl add --seals seal "$d/sealed"
refused "sealctl/add_after_seal_says_why" 1 "cannot add seal 'write': file is already sealed with 'seal' (EPERM)" \
	sealctl add --seals write "$d/sealed"

# --- EBUSY says which writer holds the file (here a loop device)
dd if=/dev/zero of="$d/backing" bs=4096 count=16 2>/dev/null
dev=$(losetup -f)
if [ -n "$dev" ] && losetup "$dev" "$d/backing"; then
	refused "sealctl/busy_says_the_kernel_writes_it" 1 "cannot add seal 'write': the kernel writes the file itself (.*) (EBUSY)" \
		sealctl add --seals write "$d/backing"
	losetup -d "$dev"
else
	fail "sealctl/busy_says_the_kernel_writes_it" "cannot attach $d/backing to a loop device"
fi

# --- bad input: one line each saying why, non-zero, nothing changed
printf data > "$d/plain"
only_regular="only regular files can be sealed"
refused "sealctl/bad/missing_file" 1 "$d/nope: cannot add seals: No such file or directory" sealctl add --seals write "$d/nope"
refused "sealctl/bad/directory" 1 "a directory; $only_regular" sealctl add --seals write "$d"
refused "sealctl/bad/device_node" 1 "a character device; $only_regular" sealctl add --seals write /dev/null
mkfifo "$d/fifo"; refused "sealctl/bad/fifo" 1 "a FIFO; $only_regular" sealctl add --seals write "$d/fifo"
# (sockets: socket_test.c; busybox cannot bind one)
ln -s "$d/nowhere" "$d/dangling"
refused "sealctl/bad/dangling_symlink" 1 "dangling symbolic link" sealctl add --seals write "$d/dangling"
expect_exit "sealctl/bad/unknown_seal" 2 sealctl add --seals wrte "$d/plain"
expect_exit "sealctl/bad/empty_seal_list" 2 sealctl add --seals "" "$d/plain"
expect_exit "sealctl/bad/no_seals_option" 2 sealctl add "$d/plain"
expect_exit "sealctl/bad/unknown_command" 2 sealctl frobnicate
check "sealctl/bad/nothing_changed" seals_are "$d/plain" none
ln -s "$d/plain" "$d/link"
check "sealctl/add_follows_symlinks" sealctl add --seals grow "$d/link"
check "sealctl/symlink_target_sealed" seals_are "$d/plain" grow
mkdir -p /mnt/ro; mount --bind "$d" /mnt/ro && mount -o remount,bind,ro /mnt/ro
printf x > "$d/rofile"
refused "sealctl/bad/read_only_mount" 1 "read-only mount (EROFS)" sealctl add --seals write /mnt/ro/rofile
umount /mnt/ro
printf x > "$d/rootfile"; chmod 666 "$d/rootfile"
refused "sealctl/bad/caller_without_privilege" 1 "neither own the file nor have CAP_FOWNER" \
	su nobody -s /bin/sh -c "sealctl add --seals write '$d/rootfile'"

# --- a filesystem where no identity survives eviction: refused, and said why
refused "sealctl/bad/filesystem_without_identity" 1 "gives bpfseal no identity that survives the inode leaving memory.*(EINVAL)" \
	sealctl add --seals grow /proc/sys/kernel/domainname
check "sealctl/bad/filesystem_without_identity_unchanged" seals_are /proc/sys/kernel/domainname none

# --- odd names and many files
sp="$d/with space"; nl="$d/with
newline"
printf a > "$sp"; printf b > "$nl"
check "sealctl/path_with_space" sealctl add --seals write "$sp"
check "sealctl/path_with_newline" sealctl add --seals write "$nl"
out=$(sealctl get --json "$nl"); rc=$?
case $rc:$out in 0:*'with\u000anewline'*) pass "sealctl/json_escapes_newline" ;; *) fail "sealctl/json_escapes_newline" "exit $rc: $out" ;; esac
out=$(sealctl list --json); rc=$?
case $rc:$out in 0:*'"path":"'"$d"'/with\u000anewline"'*) pass "sealctl/list_json_path" ;;
*) fail "sealctl/list_json_path" "exit $rc: $(echo "$out" | cut -c1-300)" ;; esac
mkdir "$d/many"; i=0
while [ $i -lt 10000 ]; do : > "$d/many/f$i"; i=$((i + 1)); done
out=; if sealctl add --seals shrink,grow "$d"/many/* && out=$(seals_are "$d/many/f0" shrink,grow && seals_are "$d/many/f9999" shrink,grow); then
	pass "sealctl/ten_thousand_files_in_one_command"
else
	fail "sealctl/ten_thousand_files_in_one_command" "not all sealed: $out"
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
check "sealctl/apply_path_with_space" seals_are "$d/a 2" shrink,grow
printf 'three\n' > "$d/a3"
cat > /tmp/bad.conf <<EOC
$d/a3 write
$d/a3 wirte
EOC
out=$(sealctl apply /tmp/bad.conf 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "/tmp/bad.conf:2: unknown seal 'wirte'" && pass "sealctl/apply_bad_line_reported" || fail "sealctl/apply_bad_line_reported" "exit $rc: $out"
# Nothing applied proves something only if the bad file was read.
if [ $rc != 2 ]; then fail "sealctl/apply_bad_file_applies_nothing" "the bad file was not read: exit $rc"
else check "sealctl/apply_bad_file_applies_nothing" seals_are "$d/a3" none; fi
rm -f /etc/bpfseal/seals.d/good.conf

# --- reload keeps seals; unload refuses while seals exist
check "sealctl/reload" sealctl load
check "sealctl/reload_keeps_seals" seals_are "$d/app.conf" shrink,grow,write
check "sealctl/reload_keeps_enforcing" append_refused "$d/app.conf"
# What a receiver asking the kernel (examples/receiver.c) hears: the seals while loaded, nothing after unload.
expect_exit "sealctl/plain_f_get_seals_after_reload" 0 /examples/receiver "$d/app.conf"
refused "sealctl/unload_refuses_with_seals" 1 "Use --force to do it anyway" sealctl unload
out=$(sealctl unload --force 2>&1); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q "seals are no longer enforced" && pass "sealctl/unload_force" \
	|| fail "sealctl/unload_force" "exit $rc: $out"
# What unload says is true when it returns: nothing enforces the seals any more.
if (echo appended >> "$d/app.conf") 2>/dev/null && [ "$(tail -n 1 "$d/app.conf")" = appended ]; then
	pass "sealctl/unload_means_unenforced_at_once"
else fail "sealctl/unload_means_unenforced_at_once" "a write was still refused after unload returned"; fi
expect_exit "sealctl/status_after_unload" 3 sealctl status
expect_exit "sealctl/plain_f_get_seals_after_unload" 1 /examples/receiver "$d/app.conf"
refused "sealctl/bad/policy_not_loaded" 3 "the bpfseal policy is not loaded" sealctl add --seals write "$d/a3"
# The next suite finds the policy loaded.
check "sealctl/load_again" sealctl load
# The force-unloaded seals were not persisted: loading again brings no stale answer back.
expect_exit "sealctl/plain_f_get_seals_after_load_again" 1 /examples/receiver "$d/app.conf"
end
