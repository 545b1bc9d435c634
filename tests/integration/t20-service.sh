# The systemd unit's commands, exactly as written in it, on this kernel:
# ExecCondition passes, ExecStart loads and applies seals.d, ExecReload (and a
# restart, which has no ExecStop) keeps every seal. ExecStart loads the
# policy whatever ran before, and leaves it loaded.
. "$(dirname "$0")/lib.sh"
plan 8
unit=/bpfseal/bpfseal.service
run_lines() { # KEY: run every KEY= line of the unit in order; a unit without one proves nothing
	[ -r "$unit" ] || { echo "no unit at $unit"; return 1; }
	grep -q "^$1=" "$unit" || { echo "the unit has no $1= line"; return 1; }
	grep "^$1=" "$unit" | sed "s/^$1=//" | while IFS= read -r cmd; do
		sh -c "$cmd" || { echo "command failed: $cmd"; exit 1; }
	done
}
check "service/exec_condition_bpf_lsm_active" run_lines ExecCondition
mkdir -p /etc/bpfseal/seals.d /mnt/tmpfs/svc
printf 'boot config\n' > /mnt/tmpfs/svc/boot.conf
printf 'release\n' > /mnt/tmpfs/svc/release.tar
# "seal" refuses every later add: reloading must still succeed.
printf '/mnt/tmpfs/svc/boot.conf shrink,grow,write\n/mnt/tmpfs/svc/release.tar write,seal\n' > /etc/bpfseal/seals.d/service.conf
check "service/exec_start" run_lines ExecStart
out=$(sealctl get /mnt/tmpfs/svc/boot.conf 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "/mnt/tmpfs/svc/boot.conf: shrink,grow,write" ] \
	&& pass "service/start_applies_seals_d" || fail "service/start_applies_seals_d" "exit $rc: $out"
check "service/exec_reload" run_lines ExecReload
check "service/restart_runs_exec_start_again" run_lines ExecStart
out=$(sealctl get /mnt/tmpfs/svc/boot.conf /mnt/tmpfs/svc/release.tar 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "/mnt/tmpfs/svc/boot.conf: shrink,grow,write
/mnt/tmpfs/svc/release.tar: seal,write" ] \
	&& pass "service/restart_keeps_seals" || fail "service/restart_keeps_seals" "exit $rc: $(echo "$out" | tr '\n' ' ')"
check "service/restart_keeps_enforcing" append_refused /mnt/tmpfs/svc/boot.conf
if [ ! -r "$unit" ]; then fail "service/no_exec_stop" "no unit at $unit"
elif grep -q '^ExecStop' "$unit"; then fail "service/no_exec_stop" "the unit unloads on stop"
else pass "service/no_exec_stop"; fi
rm -f /etc/bpfseal/seals.d/service.conf
end
