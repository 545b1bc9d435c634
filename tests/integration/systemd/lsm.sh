# Scenario "lsm" of the systemd guest (tests/vm/systemd-guest.sh): the image's
# own Debian kernel booted by GRUB from the disk, so the boot loader's
# configuration decides the command line. From a stack without bpf (what
# Ubuntu boots) to enforcing, and back, with sealctl enable-lsm/disable-lsm.
# Sourced by stage.sh: $T is the test disk, $STATE survives reboots.

UBUNTU_LSM=landlock,lockdown,yama,integrity,apparmor

grub_lsm_count() { grep -c "^[[:space:]]*linux[[:space:]].*lsm=" /boot/grub/grub.cfg; }
default_entry_lsm() { sed -n 's/^[[:space:]]*linux[[:space:]].*[[:space:]]lsm=\([^[:space:]]*\).*/\1/p' /boot/grub/grub.cfg | head -n 1; }
unit_active() { systemctl is-active --quiet bpfseal.service || { journalctl -u bpfseal.service -b -n 3 -o cat; return 1; }; }
# The unit is installed, and its ExecCondition (no bpf in lsm=) skipped it:
# neither active nor failed, and for that reason (systemd's result "exec-condition").
unit_skipped() {
	state="$(systemctl show -P LoadState bpfseal.service) $(systemctl show -P ActiveState bpfseal.service)"
	state="$state $(systemctl show -P Result bpfseal.service)"
	[ "$state" = "loaded inactive exec-condition" ] || { echo "bpfseal.service: $state, want loaded inactive exec-condition"; return 1; }
}

stage_1() {
	plan 14
	check "lsm/booted_by_grub" grep -q 'BOOT_IMAGE=' /proc/cmdline
	# The image's GRUB passes an administrator's lsm= without bpf, where
	# Ubuntu puts it (tests/vm/build-image.sh).
	check "lsm/booted_with_lsm_lacking_bpf" grep -q " lsm=$UBUNTU_LSM\( \|\$\)" /proc/cmdline
	sha256sum /etc/default/grub > "$STATE/grub.sum"
	cat /sys/kernel/security/lsm > "$STATE/lsm-before"
	echo "INFO $KERNEL lsm before enable-lsm: $(cat "$STATE/lsm-before")"
	# grep exits 1 for no match, 2 when it cannot read the list.
	expect_exit "lsm/booted_without_bpf" 1 grep -qE '(^|,)bpf(,|$)' /sys/kernel/security/lsm
	out=$(dpkg -i "$T"/debs/libbpfseal1_*.deb "$T"/debs/libbpfseal-dev_*.deb "$T"/debs/bpfseal_*.deb 2>&1); rc=$?
	[ $rc = 0 ] && echo "$out" | grep -q "sealctl enable-lsm" && pass "lsm/postinst_offers_enable_lsm" ||
		fail "lsm/postinst_offers_enable_lsm" "exit $rc: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	check "lsm/unit_skipped_not_failed" unit_skipped
	# Not loaded (exit 3): the policy cannot load without the BPF LSM.
	out=$(sealctl status 2>&1); rc=$?
	[ $rc = 3 ] && echo "$out" | grep -q "^lsm: *$(cat "$STATE/lsm-before")\$" && pass "lsm/status_names_the_stack" ||
		fail "lsm/status_names_the_stack" "exit $rc: $(echo "$out" | head -n 4 | tr '\n' ' ')"
	out=$(sealctl enable-lsm --dry-run 2>&1)
	if [ $? = 0 ] && echo "$out" | grep -q "lsm=$UBUNTU_LSM,bpf" && [ ! -e /etc/default/grub.d/bpfseal.cfg ]; then
		pass "lsm/enable_dry_run_shows_and_changes_nothing"
	else
		fail "lsm/enable_dry_run_shows_and_changes_nothing" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
	fi
	out=$(sealctl enable-lsm < /dev/null 2>&1); rc=$?
	[ $rc = 1 ] && echo "$out" | grep -q "not confirmed: no terminal to ask on" && [ ! -e /etc/default/grub.d/bpfseal.cfg ] &&
		pass "lsm/enable_refuses_without_terminal_or_yes" ||
		fail "lsm/enable_refuses_without_terminal_or_yes" "exit $rc: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	check "lsm/enable_yes" sealctl enable-lsm --yes
	check "lsm/grub_cfg_edits_lsm_not_duplicates" test "$(grub_lsm_count)" -ge 1 -a "$(grep -c 'lsm=.*lsm=' /boot/grub/grub.cfg)" = 0
	check "lsm/grub_cfg_default_entry" test "$(default_entry_lsm)" = "$UBUNTU_LSM,bpf"
	# (No drop-in, no sum: two missing files would read as unchanged.)
	sum=$(sha256sum /etc/default/grub.d/bpfseal.cfg)
	out=$(sealctl enable-lsm --yes 2>&1); rc=$?
	[ $rc = 0 ] && [ -n "$sum" ] && [ "$(sha256sum /etc/default/grub.d/bpfseal.cfg)" = "$sum" ] && pass "lsm/enable_is_idempotent" ||
		fail "lsm/enable_is_idempotent" "exit $rc: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	out=$(sealctl status 2>&1); rc=$?
	[ $rc = 3 ] && echo "$out" | grep -q "^bpf lsm: .*active after reboot" && pass "lsm/status_says_active_after_reboot" ||
		fail "lsm/status_says_active_after_reboot" "exit $rc: $(echo "$out" | head -n 4 | tr '\n' ' ')"
	out=$(sealctl status --json 2>/dev/null); rc=$?
	[ $rc = 3 ] && echo "$out" | grep -q '"bpf_lsm_pending_reboot":true' && pass "lsm/status_json_pending_reboot" ||
		fail "lsm/status_json_pending_reboot" "exit $rc: $(echo "$out" | cut -c1-200)"
	next_boot
}

stage_2() {
	plan 10
	echo "INFO $KERNEL lsm after enable-lsm: $(cat /sys/kernel/security/lsm)"
	check "lsm/bpf_active_after_reboot" grep -qE '(^|,)bpf(,|$)' /sys/kernel/security/lsm
	for l in $(tr ',' ' ' < "$STATE/lsm-before"); do
		grep -qE "(^|,)$l(,|$)" /sys/kernel/security/lsm || missing="${missing:-} $l"
	done
	# An empty list of the LSMs before would lose none.
	if [ ! -s "$STATE/lsm-before" ]; then fail "lsm/every_lsm_active_before_still_is" "stage 1 recorded no LSM list"
	elif [ -z "${missing:-}" ]; then pass "lsm/every_lsm_active_before_still_is"
	else fail "lsm/every_lsm_active_before_still_is" "lost:$missing"; fi
	check "lsm/unit_loaded_policy_at_boot" unit_active
	check "lsm/policy_loaded" sealctl status
	out=$(sealctl status --json 2>/dev/null); rc=$?
	[ $rc = 0 ] && echo "$out" | grep -q '"bpf_lsm_pending_reboot":false' && pass "lsm/status_json_not_pending_once_active" ||
		fail "lsm/status_json_not_pending_once_active" "exit $rc: $(echo "$out" | cut -c1-200)"
	check "lsm/disable_yes" sealctl disable-lsm --yes
	check "lsm/disable_removes_only_its_dropin" test ! -e /etc/default/grub.d/bpfseal.cfg
	check "lsm/disable_leaves_etc_default_grub_untouched" sha256sum -c --quiet "$STATE/grub.sum"
	check "lsm/grub_cfg_back_to_original_lsm" test "$(default_entry_lsm)" = "$UBUNTU_LSM"
	out=$(sealctl disable-lsm --yes 2>&1)
	[ $? = 0 ] && echo "$out" | grep -q "nothing to undo" && pass "lsm/disable_is_idempotent" ||
		fail "lsm/disable_is_idempotent" "$(echo "$out" | tr '\n' ' ')"
	next_boot
}

stage_3() {
	plan 2
	check "lsm/original_stack_after_disable_and_reboot" test "$(cat /sys/kernel/security/lsm)" = "$(cat "$STATE/lsm-before")"
	check "lsm/unit_skipped_again" unit_skipped
	done_all
}
