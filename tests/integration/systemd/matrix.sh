# Scenario "matrix" of the systemd guest (tests/vm/systemd-guest.sh), on every
# kernel of the matrix: the .deb under a real systemd, as a machine runs it.
# Sourced by stage.sh: $T is the test disk, $STATE survives reboots.
# Stage 1 (install), the second boot (stage 3) and the package's upgrade,
# remove and purge run on the first kernel booted ($T/first-kernel); the
# others start at stage 2 from the disk as that install left it, where
# their boot is already a later boot applying seals.d again, and end there
# (the suite's time budget).

# The exposure systemd-analyze gives the shipped unit (README, "The
# service"); a change to the unit that raises it fails here.
EXPOSURE_MAX=${EXPOSURE_MAX:-1.7}

all_seals_hold() { # the files sealed in earlier steps keep their seals and refuse appends
	seals_are /srv/app.conf shrink,grow,write && seals_are /srv/release.tar seal,shrink,grow,write &&
		seals_are /run/extra.bin grow && append_refused /srv/app.conf /srv/release.tar /run/extra.bin
}
unit_active() { # the unit is active; else its last journal lines say why
	systemctl is-active --quiet bpfseal.service || { journalctl -u bpfseal.service -b -n 3 -o cat; return 1; }
}
monotonic() { systemctl show -P ActiveEnterTimestampMonotonic "$1"; }
# journal_entry MESSAGE_ID FIELD=VALUE...: the newest such entry of this boot (any MESSAGE_ID if empty), as
# JSON, once bpfseal-journal.service forwarded it (10 s at most)
journal_entry() {
	i=0; id=$1; shift
	while [ $i -lt 100 ]; do
		out=$(journalctl -b -o json --no-pager ${id:+MESSAGE_ID="$id"} "$@" | tail -n 1)
		[ -n "$out" ] && { echo "$out"; return 0; }
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
has_fields() { # JSON "KEY":"VALUE"...: the entry holds each
	json=$1; shift
	for kv in "$@"; do echo "$json" | grep -qF "$kv" || { echo "no $kv in: $json" | cut -c1-600; return 1; }; done
}

stage_1() {
	plan 9
	check "systemd/pid1_is_systemd" test "$(ps -o comm= -p 1)" = systemd
	check "systemd/kernel_modules_of_running_kernel_present" test -e "/lib/modules/$KERNEL/modules.dep"
	out=$(dpkg -i "$T"/debs/libbpfseal1_*.deb "$T"/debs/libbpfseal-dev_*.deb "$T"/debs/bpfseal_*.deb 2>&1) &&
		pass "deb/install" || fail "deb/install" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
	check "deb/install_enables_unit" test "$(systemctl is-enabled bpfseal.service)" = enabled
	check "deb/install_enables_journal_unit" test "$(systemctl is-enabled bpfseal-journal.service)" = enabled
	# dh_installsystemd starts it on a running systemd: the policy is loaded by the unit.
	check "deb/install_starts_unit" unit_active
	check "deb/policy_loaded_by_unit" sealctl status
	check "deb/ships_sealctl_man_completion_seals_d" test -x /usr/sbin/sealctl -a -f /usr/share/man/man8/sealctl.8.gz \
		-a -f /usr/share/bash-completion/completions/sealctl -a -d /etc/bpfseal/seals.d
	check "deb/library_soname_1" test -e "/usr/lib/$(gcc -print-multiarch)/libbpfseal.so.1"
	mkdir -p /srv
	printf 'config v1\n' > /srv/app.conf
	printf 'release\n' > /srv/release.tar
	printf '/srv/app.conf shrink,grow,write\n/srv/release.tar shrink,grow,write,seal\n' > /etc/bpfseal/seals.d/app.conf
	next_boot
}

stage_2() {
	plan 26
	check "systemd/unit_active_after_boot" unit_active
	unit=$(monotonic bpfseal.service); sysinit=$(monotonic sysinit.target)
	if [ "${unit:-0}" -gt 0 ] && [ "$unit" -le "${sysinit:-0}" ]; then
		pass "systemd/policy_loaded_before_sysinit_target"
	else
		fail "systemd/policy_loaded_before_sysinit_target" "bpfseal.service active at ${unit}us, sysinit.target at ${sysinit}us"
	fi
	check "systemd/seals_d_applied_at_boot" seals_are /srv/app.conf shrink,grow,write
	check "systemd/seals_d_seal_list_applied" seals_are /srv/release.tar seal,shrink,grow,write
	check "systemd/seals_d_entries_refuse_writes" append_refused /srv/app.conf /srv/release.tar
	# The journal forwarder: a refusal and a seal added are journal entries with their fields.
	check "journal/unit_active_after_boot" systemctl is-active --quiet bpfseal-journal.service
	printf 'x' > /run/extra.bin; sealctl add --seals grow /run/extra.bin > /dev/null
	sh -c 'echo $$ > /run/writer.pid; exec dd if=/dev/zero of=/srv/app.conf bs=1 count=1 conv=notrunc' 2>/dev/null
	ino=$(stat -c %i /srv/app.conf)
	entry=$(journal_entry b1c0a66eb9c04d20871eda8d9952e34e "OBJECT_PID=$(cat /run/writer.pid)")
	check "journal/denial_forwarded_with_fields" has_fields "$entry" '"SYSLOG_IDENTIFIER":"bpfseal"' '"PRIORITY":"4"' \
		'"BPFSEAL_OPERATION":"write"' '"BPFSEAL_SEALS":"write"' '"BPFSEAL_ERRNO":"EPERM"' "\"BPFSEAL_INODE\":\"$ino\"" \
		'"BPFSEAL_PATH":"/srv/app.conf"' '"OBJECT_COMM":"dd"' '"BPFSEAL_DEVICE":"'
	entry=$(journal_entry 301dd0a5d3ac41ba8c7012ee6b7ae007 "BPFSEAL_INODE=$(stat -c %i /run/extra.bin)")
	check "journal/seal_added_forwarded" has_fields "$entry" '"BPFSEAL_OPERATION":"add_seals"' '"BPFSEAL_SEALS":"grow"' \
		'"OBJECT_COMM":"sealctl"'
	check "systemd/restart" systemctl restart bpfseal.service
	check "systemd/restart_keeps_every_seal" all_seals_hold
	check "systemd/reload" systemctl reload bpfseal.service
	check "systemd/reload_keeps_every_seal" all_seals_hold
	check "systemd/stop" systemctl stop bpfseal.service
	check "systemd/stop_leaves_policy_loaded" sealctl status
	check "systemd/stop_keeps_every_seal" all_seals_hold

	# A login user (through PAM and logind, as su -l does) seals a file it owns.
	# Debian keeps /usr/sbin off users' PATH: they name sealctl by its path.
	useradd -m -s /bin/sh alice
	check "user/login_session" su -l alice -c 'test -n "$XDG_SESSION_ID"'
	check "user/sealctl_add_own_file" su -l alice -c 'printf "mine\n" > ~/mine && /usr/sbin/sealctl add --seals shrink,grow,write ~/mine'
	check "user/sealctl_get_own_file" su -l alice -c 'test "$(/usr/sbin/sealctl get ~/mine)" = "$HOME/mine: shrink,grow,write"'
	check "user/sealed_file_refuses_owner" su -l alice -c \
		'if out=$(bash -c "echo x >> ~/mine" 2>&1); then echo "append succeeded"; exit 1; fi; case $out in *"Operation not permitted"*) ;; *) echo "$out"; exit 1 ;; esac; test "$(cat ~/mine)" = mine'
	# A program built against the installed packages, as a user would build it.
	check "user/build_example_with_pkg_config" su -l alice -c \
		'cc -o ~/sealed_buffer /usr/share/doc/libbpfseal-dev/examples/sealed_buffer.c $(pkg-config --cflags --libs bpfseal)'
	check "user/example_links_libbpfseal_so_1" su -l alice -c 'ldd ~/sealed_buffer | grep -q "libbpfseal.so.1 => /"'
	out=$(su -l alice -c '~/sealed_buffer ~' 2>&1); rc=$?
	[ $rc = 0 ] && echo "$out" | grep -q "child: seals verified, 1000 records parsed in place" &&
		pass "user/example_seals_and_verifies" || fail "user/example_seals_and_verifies" "exit $rc: $(echo "$out" | tr '\n' ' ')"

	# An unmodified receiver: journald takes an entry by descriptor from alice when
	# F_GET_SEALS says seal,shrink,grow,write (systemd 252 wants all four), and an
	# unsealed one from outside /dev/shm, /tmp, /var/tmp it refuses, as documented.
	if ! cc -o /run/journal_fd_send "$T/journal_fd_send.c" 2>/run/cc.log; then
		for n in sealed_fd_accepted unsealed_fd_refused refusal_logged; do fail "journald/$n" "not run: $(tail -n 2 /run/cc.log)"; done
	else
		su -l alice -c 'printf "MESSAGE=an entry by an unsealed descriptor\nBPFSEAL_RECEIVER=unsealed\n" > ~/entry-unsealed &&
			/run/journal_fd_send ~/entry-unsealed'
		su -l alice -c 'printf "MESSAGE=an entry by a sealed descriptor\nBPFSEAL_RECEIVER=sealed\n" > ~/entry-sealed &&
			/usr/sbin/sealctl add --seals seal,shrink,grow,write ~/entry-sealed && /run/journal_fd_send ~/entry-sealed'
		# journald reads its socket in order: once the sealed entry is in, the unsealed one was judged.
		if journal_entry "" "BPFSEAL_RECEIVER=sealed" "_UID=$(id -u alice)" > /dev/null; then
			pass "journald/sealed_fd_accepted"
			check "journald/unsealed_fd_refused" test -z "$(journalctl -b -o cat --no-pager BPFSEAL_RECEIVER=unsealed)"
		else
			fail "journald/sealed_fd_accepted" "no entry BPFSEAL_RECEIVER=sealed from alice in 10 s"
			fail "journald/unsealed_fd_refused" "not run: journald took neither entry, so this one proves nothing"
		fi
		# journald logs through kmsg: its line comes back as a kernel entry.
		check "journald/refusal_logged" sh -c "journalctl -b -o cat --no-pager | grep -q 'Received file outside of allowed directories. Refusing.'"
	fi

	exposure=$(systemd-analyze security --no-pager bpfseal.service | sed -n 's/.*Overall exposure level for bpfseal.service: \([0-9.]*\).*/\1/p')
	echo "INFO $KERNEL systemd-analyze security bpfseal.service: exposure $exposure"
	if [ -n "$exposure" ] && awk -v e="$exposure" -v m="$EXPOSURE_MAX" 'BEGIN { exit !(e <= m) }'; then
		pass "systemd/exposure_at_most_$EXPOSURE_MAX"
	else
		fail "systemd/exposure_at_most_$EXPOSURE_MAX" "exposure ${exposure:-unknown}"
	fi
	[ -e "$T/first-kernel" ] || done_all
	next_boot
}

diagnose() { # what the unit and the policy say, indented under a failure
	{ systemctl status --no-pager bpfseal.service run-bpfseal.mount; journalctl -b -u bpfseal.service -o cat --no-pager | tail -n 15
	  sealctl status | head -n 5; ls -la /run/bpfseal /sys/fs/bpf/bpfseal; findmnt /run/bpfseal; cat /etc/bpfseal/seals.d/*; } 2>&1 | sed 's/^/  [diag] /'
}

stage_3() {
	plan 16
	seals_are /srv/app.conf shrink,grow,write > /dev/null || diagnose
	check "systemd/second_boot_applies_seals_d_again" seals_are /srv/app.conf shrink,grow,write
	check "systemd/second_boot_seals_refuse_writes" append_refused /srv/app.conf /srv/release.tar
	printf 'x' > /run/extra.bin; sealctl add --seals grow /run/extra.bin > /dev/null

	before=$(systemctl show -P InvocationID bpfseal.service)
	new=$(dpkg-deb -f "$(ls "$T"/debs-upgrade/bpfseal_*.deb)" Version)
	out=$(dpkg -i "$T"/debs-upgrade/libbpfseal1_*.deb "$T"/debs-upgrade/libbpfseal-dev_*.deb "$T"/debs-upgrade/bpfseal_*.deb 2>&1) &&
		pass "deb/upgrade" || fail "deb/upgrade" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
	check "deb/upgrade_installed_newer_version" test "$(dpkg-query -W -f='${Version}' bpfseal)" = "$new"
	after=$(systemctl show -P InvocationID bpfseal.service)
	check "deb/upgrade_restarted_unit" test -n "$after" -a "$after" != "$before"
	check "deb/upgrade_unit_active" systemctl is-active --quiet bpfseal.service
	check "deb/upgrade_keeps_every_seal" all_seals_hold

	# Where the unit file is, so its removal is checked where it was.
	unit_file=$(systemctl show -P FragmentPath bpfseal.service)
	out=$(dpkg -r bpfseal 2>&1); rc=$?
	[ $rc = 0 ] && echo "$out" | grep -q "the policy stays loaded and every seal stays in force" &&
		pass "deb/remove_says_policy_stays_loaded" || fail "deb/remove_says_policy_stays_loaded" "exit $rc: $(echo "$out" | tr '\n' ' ')"
	check "deb/remove_removes_sealctl_and_unit" test -n "$unit_file" -a ! -e /usr/sbin/sealctl -a ! -e "$unit_file"
	check "deb/remove_leaves_policy_pinned" test -d /sys/fs/bpf/bpfseal
	check "deb/remove_sealed_files_still_refuse_writes" append_refused /srv/app.conf /srv/release.tar /run/extra.bin
	check "deb/remove_keeps_configuration" test -f /etc/bpfseal/seals.d/app.conf
	check "deb/purge" dpkg -P bpfseal
	check "deb/purge_removes_configuration" test ! -e /etc/bpfseal
	check "deb/purge_sealed_files_still_refuse_writes" append_refused /srv/app.conf
	check "deb/remove_library_packages" dpkg -P libbpfseal-dev libbpfseal1
	done_all
}
