#!/bin/sh
# Runs at every boot of the systemd guest (bpfseal-vmtest.service, from the
# test disk): the scenario's next stage. Stages are shell functions stage_1,
# stage_2, ... in scenario.sh; each ends with next_boot or done_all. The
# stage number lives on the guest's own disk, so it survives the reboot.
T=/run/bpfseal-vmtest
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. "$T/lib.sh"
STATE=/var/lib/bpfseal-vmtest
mkdir -p "$STATE"
n=$(cat "$STATE/stage" 2>/dev/null || echo 1)
echo "$((n + 1))" > "$STATE/stage"; sync
echo "BPFSEAL-KERNEL $KERNEL"
echo "BPFSEAL-STAGE $n"
echo "INFO $KERNEL stage $n starts $(cut -d' ' -f1 /proc/uptime)s after boot ($(systemd-analyze time 2>/dev/null | head -n 1))"
# A stage announces its cases (plan N) and ends with one of these; it runs
# in a subshell, accounted for as the busybox guest's suites are (lib.sh).
next_boot() { echo reboot > "$STATE/ending"; end; exit 0; }
done_all() { echo poweroff > "$STATE/ending"; end; exit 0; }
. "$T/scenario.sh"
rm -f "$STATE/ending"
results=$STATE/results-$n
: > "$results"
(
	export ITEST_RESULTS="$results"
	"stage_$n"
	fail "systemd/stage_$n" "the stage did not end with next_boot or done_all"
	echo poweroff > "$STATE/ending"
)
account "systemd-$(cat "$T/scenario")/stage_$n" "$?" "$results" "$T/features"
ending=$(cat "$STATE/ending" 2>/dev/null || echo poweroff)
echo "INFO $KERNEL stage $n ends at $(cut -d' ' -f1 /proc/uptime)s"
# The boot ends here either way: the host boots the disk again for the next stage.
[ "$ending" = reboot ] && echo "BPFSEAL-REBOOT" || echo "BPFSEAL-DONE"
sync
systemctl --no-block "$ending"
