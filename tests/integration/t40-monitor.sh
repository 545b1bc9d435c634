# sealctl monitor as an administrator uses it: two monitors at once (one
# --json) both see a refused write, with its operation, seals, errno, inode,
# process and path; a reload and an unload are recorded; a monitor follows
# the policy through unload and load; status counts; root only.
# (Every refusal class, the storm and the journal: audit_test.c, journal_test.c.)
. "$(dirname "$0")/lib.sh"
# json_fields: what the JSON record of the refused write holds, a pattern a line
json_fields() {
	printf '%s\n' '"errno":"EPERM"' '"seals":\["write"\]' "\"device\":\"$dev\"" "\"ino\":$ino," "\"pid\":$pid," \
		"\"path\":\"$d/app.conf\"" '"comm":"dd"' '"uid":0,' '"name":"app.conf"'
}
plan $(( 19 + $(json_fields | wc -l) ))
started=$(date +%s)
check "monitor/policy_loaded" policy_loaded
d=/mnt/ext4/monitor
rm -rf "$d"; mkdir -p "$d"
printf 'config v1\n' > "$d/app.conf"
check "monitor/seal_write" sealctl add --seals write "$d/app.conf"

# count KEY: a count of `sealctl status --json`; counted since the policy
# was loaded, so this suite compares its own before and after
count() { sealctl status --json | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
consumers() { count consumers; }
denials_before=$(count denials); dropped_before=$(count records_dropped)
# wait_consumers N: until N monitors hold a slot (10 s at most)
wait_consumers() {
	i=0; while [ "$(consumers)" != "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(consumers)" = "$1" ]
}
# wait_line FILE PATTERN: until FILE has a line matching PATTERN (10 s at most)
wait_line() {
	i=0; while ! grep -q -- "$2" "$1" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	grep -- "$2" "$1"
}

sealctl monitor > /tmp/monitor.txt 2> /tmp/monitor.err &
text=$!
sealctl monitor --json > /tmp/monitor.json 2> /tmp/monitor-json.err &
json=$!
wait_consumers 2 && pass "monitor/two_monitors_attached" || fail "monitor/two_monitors_attached" "consumers: $(consumers)"
out=$(sealctl status); rc=$?
[ $rc = 0 ] && echo "$out" | grep -q '^audit: *2 consumers' && pass "monitor/status_counts_consumers" \
	|| fail "monitor/status_counts_consumers" "exit $rc: $(echo "$out" | grep '^audit')"

# A refused write, by a process whose pid we know.
sh -c 'echo $$ > /tmp/writer.pid; exec dd if=/dev/zero of='"$d/app.conf"' bs=1 count=1 conv=notrunc' 2>/dev/null
pid=$(cat /tmp/writer.pid); ino=$(stat -c %i "$d/app.conf"); n=$(stat -c %d "$d/app.conf")
dev="$(( (n >> 8) & 0xfff )):$(( (n & 0xff) | ((n >> 12) & 0xfff00) ))"
line=$(wait_line /tmp/monitor.json '"type":"denied","operation":"write"')
json_fields | while IFS= read -r want; do
	echo "$line" | grep -q "$want" && pass "monitor/json_denied_has:$want" || fail "monitor/json_denied_has:$want" "$line"
done
line=$(wait_line /tmp/monitor.txt "^denied write $d/app.conf ")
echo "$line" | grep -q "^denied write $d/app.conf ($dev ino $ino) seals=write errno=EPERM pid=$pid comm=dd uid=0$" \
	&& pass "monitor/text_line" || fail "monitor/text_line" "$line"
# A seal added: what it added, and every seal in force.
sealctl add --seals shrink "$d/app.conf"
line=$(wait_line /tmp/monitor.txt "^sealed $d/app.conf ")
echo "$line" | grep -q "^sealed $d/app.conf ($dev ino $ino) added=shrink seals=shrink,write pid=[0-9]* comm=sealctl uid=0$" \
	&& pass "monitor/text_sealed_line" || fail "monitor/text_sealed_line" "$line"
# Reads and allowed writes leave nothing.
cat "$d/app.conf" > /dev/null; printf x > "$d/other"
n=$(grep -c '"type":"denied"' /tmp/monitor.json)
[ "$n" = 1 ] && pass "monitor/one_record_for_one_refusal" || fail "monitor/one_record_for_one_refusal" "$n denied records"
# The refusal counted; none of this suite's records dropped.
denials=$(count denials); dropped=$(count records_dropped)
if [ -n "$denials" ] && [ "$denials" -gt "${denials_before:-0}" ] && [ -n "$dropped" ] && [ "$dropped" = "$dropped_before" ]; then
	pass "monitor/status_json_counts"
else
	fail "monitor/status_json_counts" "denials $denials_before -> $denials, records dropped $dropped_before -> $dropped"
fi

# Policy changes.
sealctl load > /dev/null
wait_line /tmp/monitor.json '"type":"policy","operation":"load"' | grep -q '"detail":"reload"' \
	&& pass "monitor/reload_recorded" || fail "monitor/reload_recorded" "$(tail -n 2 /tmp/monitor.json)"
wait_line /tmp/monitor.txt '^policy load reload pid=' > /dev/null && pass "monitor/reload_recorded_in_text" \
	|| fail "monitor/reload_recorded_in_text" "$(tail -n 2 /tmp/monitor.txt)"
sealctl unload --force > /dev/null
wait_line /tmp/monitor.json '"type":"policy","operation":"unload"' > /dev/null && pass "monitor/unload_recorded" \
	|| fail "monitor/unload_recorded" "$(tail -n 2 /tmp/monitor.json)"
sealctl load > /dev/null
sealctl add --seals write "$d/app.conf"
if wait_consumers 2; then following=yes; pass "monitor/monitors_follow_a_new_policy"
else following=no; fail "monitor/monitors_follow_a_new_policy" "consumers: $(consumers)"; fi
(printf x >> "$d/app.conf") 2>/dev/null
wait_line /tmp/monitor.json "\"type\":\"denied\",\"operation\":\"write\".*\"ino\":$ino," | tail -n 1 | grep -q . \
	&& [ "$(grep -c '"type":"denied"' /tmp/monitor.json)" = 2 ] \
	&& pass "monitor/records_after_the_new_policy" || fail "monitor/records_after_the_new_policy" "$(tail -n 3 /tmp/monitor.json)"

# kill fails for a monitor already gone: its exit status would say nothing of SIGTERM.
if kill $text $json; then
	wait $text; rc=$?
	[ $rc = 0 ] && pass "monitor/sigterm_exits_0" || fail "monitor/sigterm_exits_0" "exit $rc"
else
	wait $text; rc=$?
	fail "monitor/sigterm_exits_0" "a monitor had exited before SIGTERM (text exit $rc): $(cat /tmp/monitor.err /tmp/monitor-json.err | tail -n 2 | tr '\n' ' ')"
fi
wait $json
# Slots freed, from two held: no slot held proves nothing.
if [ $following != yes ]; then fail "monitor/slots_freed_on_exit" "the monitors held no slot before they exited"
elif wait_consumers 0; then pass "monitor/slots_freed_on_exit"
else fail "monitor/slots_freed_on_exit" "consumers: $(consumers)"; fi

# A consumer killed outright no longer counts.
sealctl monitor > /dev/null 2>&1 &
killed=$!
if ! wait_consumers 1; then
	fail "monitor/killed_consumer_not_counted" "the monitor never took a slot: consumers $(consumers)"
	kill $killed 2>/dev/null
else
	kill -9 $killed
	wait $killed 2>/dev/null
	wait_consumers 0 && pass "monitor/killed_consumer_not_counted" || fail "monitor/killed_consumer_not_counted" "consumers: $(consumers)"
fi
wait $killed 2>/dev/null

out=$(su nobody -s /bin/sh -c 'sealctl monitor' 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q "root only" && pass "monitor/root_only" || fail "monitor/root_only" "exit $rc: $out"
expect_exit "monitor/bad/rate_limit_without_journal" 2 sealctl monitor --rate-limit 5/1
expect_exit "monitor/bad/rate_limit_malformed" 2 sealctl monitor --journal --rate-limit five
rm -f /tmp/monitor.txt /tmp/monitor.json /tmp/monitor.err /tmp/monitor-json.err /tmp/writer.pid
# The suite's time budget is tight: say what this took.
echo "  [$KERNEL] monitor: t40-monitor.sh took $(( $(date +%s) - started )) s"
end
