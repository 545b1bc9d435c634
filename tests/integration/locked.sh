# Locked mode against root (bpf/lock.bpf.c), in the last boot of the suite
# (locking lasts until reboot; init.sh runs it after reboot.sh). Every
# attempt runs first against an unlocked policy, where it must work (a case
# that fails there proves nothing), then against a locked one, where it must
# be refused, and say so: the lock answers EPERM. Afterwards the seal holds,
# every hook is attached and `sealctl status` says locked.
. "$(dirname "$0")/lib.sh"
T=/bpfseal/tests/locked_test
d=/mnt/ext4/locked
f=$d/sealed
mkdir -p "$d"

# A fresh policy (locked if asked) and a freshly sealed file.
fresh() {
	sealctl unload --force > /dev/null 2>&1
	sealctl load "$@" > /dev/null || return 1
	rm -f "$f"; printf 'locked content\n' > "$f"
	sealctl add --seals shrink,grow,write "$f" > /dev/null
}

# Attempts: each returns 0 when it did what it tried. locked_test exits 1
# when refused, 3 when refused in part, 2 when it had nothing to try.
a_get_fd_by_id() { $T list-ids > /tmp/ids; $T get-fds-by-id < /tmp/ids; }
a_obj_get_pins() { $T obj-get-pins; }
a_link_detach() { $T link-detach; }
a_link_update() { $T link-update; }
a_rm_pin() { rm -f "$(ls -d /sys/fs/bpf/bpfseal/links/* | head -n 1)"; }
a_mv_pin() { p=$(ls -d /sys/fs/bpf/bpfseal/links/* | head -n 1); mv -f "$p" "${p}_moved"; }
a_umount_lazy() { umount -l /sys/fs/bpf/bpfseal; }
a_mount_over() { mount -t bpf bpffs /sys/fs/bpf/bpfseal && umount /sys/fs/bpf/bpfseal; }
a_unload() { sealctl unload --force; }
a_fmod_ret() { $T fmod-ret; }
a_fmod_ret_get_seals() { $T fmod-ret-get-seals; }
a_lsm_program() { $T lsm-program; }
a_module() { $T load-module /bpfseal/tamper-module.ko; }
a_kexec() { $T kexec /bpfseal/vmlinuz; }
a_dev_mem() { $T dev-mem; }
a_block_device() { $T write-block-device /dev/vda; }
attempts="get_fd_by_id obj_get_pins link_detach link_update rm_pin mv_pin umount_lazy mount_over unload
fmod_ret fmod_ret_get_seals lsm_program module kexec dev_mem block_device"
plan $(( 2 * $(echo $attempts | wc -w) + 9 ))
# What a refusal of each attempt says: EPERM, but for sealctl's own refusal,
# and get-fds-by-id, which counts what it got (none, of one or more ids).
reason() {
	case $1 in
	unload) echo 'locked until reboot' ;;
	get_fd_by_id) echo '^0 of [1-9][0-9]* descriptors$' ;;
	# busybox mount and umount say EPERM (and only EPERM or EACCES) this way.
	umount_lazy | mount_over) echo 'Operation not permitted\|permission denied (are you root?)' ;;
	*) echo 'Operation not permitted' ;;
	esac
}

# Attempts that take the policy apart; the others leave it as it was.
destructive=" link_detach rm_pin mv_pin umount_lazy mount_over unload "
need_fresh=yes
for a in $attempts; do
	if [ $need_fresh = yes ] && ! fresh; then fail "locked/unlocked/${a}_works" "cannot load a fresh policy"; continue; fi
	case $destructive in *" $a "*) need_fresh=yes ;; *) need_fresh=no ;; esac
	out=$("a_$a" 2>&1 < /dev/null) && pass "locked/unlocked/${a}_works" \
		|| fail "locked/unlocked/${a}_works" "fails without the lock, so it proves nothing: $(echo "$out" | tail -n 1)"
done

# Locked: the same attempts, one after another on the same policy, locked
# as the service locks it at boot (bpfseal.conf).
mkdir -p /etc/bpfseal; printf '# the service locks at boot\nlocked=yes\n' > /etc/bpfseal/bpfseal.conf
fresh && pass "locked/load_locked" || fail "locked/load_locked" "cannot load a locked policy"
out=$(sealctl status); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q '^locked: *yes' && pass "locked/status_says_locked" \
	|| fail "locked/status_says_locked" "exit $rc: $(echo "$out" | head -n 5 | tr '\n' ' ')"
# The audit trail still works: a consumer adds its ring and sees a refusal.
sealctl monitor --json > /tmp/locked-monitor.json 2>&1 &
mon=$!
i=0; until sealctl status --json | grep -q '"consumers":1' || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
(printf x >> "$f") 2>/dev/null
i=0; until grep -q '"type":"denied"' /tmp/locked-monitor.json || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "\"type\":\"denied\",\"operation\":\"write\".*\"path\":\"$f\"" /tmp/locked-monitor.json \
	&& pass "locked/monitor_sees_refusals" || fail "locked/monitor_sees_refusals" "$(head -c 300 /tmp/locked-monitor.json)"
kill $mon; wait $mon
for a in $attempts; do
	out=$("a_$a" 2>&1 < /dev/null); rc=$?
	if [ $rc = 0 ]; then fail "locked/refused/$a" "root did it: $(echo "$out" | tail -n 1)"
	elif [ $rc = 3 ]; then fail "locked/refused/$a" "refused only in part: $(echo "$out" | grep -v "^$" | head -n 6 | tr "\n" " ")"
	elif [ $rc = 126 ] || [ $rc = 127 ]; then fail "locked/refused/$a" "the attempt could not run (exit $rc): $(echo "$out" | tail -n 1)"
	elif [ $rc -gt 128 ]; then fail "locked/refused/$a" "the attempt died of signal $((rc - 128)): $(echo "$out" | tail -n 1)"
	elif ! echo "$out" | grep -q -- "$(reason $a)"; then
		fail "locked/refused/$a" "exit $rc without the refusal's reason ('$(reason $a)'): $(echo "$out" | tail -n 2 | tr "\n" " ")"
	else pass "locked/refused/$a"; fi
done
# The lock request is the machine's administrator's: once locked, anyone else's is refused with EPERM.
out=$(su nobody -s /bin/sh -c "$T lock-request" 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "Operation not permitted" && pass "locked/lock_request_by_nobody_refused" \
	|| fail "locked/lock_request_by_nobody_refused" "exit $rc: $out"
out=$(sealctl load 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "locked until reboot" && pass "locked/reload_refused_and_says_so" \
	|| fail "locked/reload_refused_and_says_so" "exit $rc: $out"
# kill -9 of every process but this shell and PID 1 (init.sh, which runs
# this suite and accounts for it).
kill -9 -1 2>/dev/null
sleep 1
out=$( (echo tamper >> "$f") 2>&1 ); rc=$?
if [ $rc = 0 ]; then fail "locked/seal_holds_after_everything" "append succeeded"
else case $out in
	*"Operation not permitted"*) pass "locked/seal_holds_after_everything" ;;
	*) fail "locked/seal_holds_after_everything" "the append failed, but not with EPERM: $out" ;;
esac; fi
[ "$(cat "$f")" = "locked content" ] && pass "locked/content_unchanged" || fail "locked/content_unchanged" "$(cat "$f")"
out=$(sealctl status); rc=$?
if [ $rc != 0 ] || ! echo "$out" | grep -q '^  active '; then
	fail "locked/every_hook_still_attached" "exit $rc, no hook listed active"
elif echo "$out" | grep -q '^  inactive'; then
	fail "locked/every_hook_still_attached" "$(echo "$out" | grep '^  inactive' | head -n 3 | tr '\n' ' ')"
else pass "locked/every_hook_still_attached"; fi
[ $rc = 0 ] && echo "$out" | grep -q '^locked: *yes' && pass "locked/status_still_locked" || fail "locked/status_still_locked" "exit $rc: $out"
end
