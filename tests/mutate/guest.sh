#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Runs in the VM (tests/vm/init.sh, mode mutate) from the mutants disk that
# tests/mutate/run.sh made: index.tsv (a mutant a line: id, file, line,
# where, the suites covering its file, the programs it changes, its probe,
# its description), bin/ID/sealctl (the normal build with one mutated bpf
# source) and probe/sealctl (the unmutated sources with a coverage probe at
# every mutant's site, mutants.py probe).
#   bpfseal.mutate=main[:ID]   the baseline, then each "vm" mutant (after ID)
#   bpfseal.mutate=locked:ID[:unaccounted]  locked.sh against one mutant:
#                              locking lasts until reboot, so one boot each;
#                              ID "base" is the baseline; ":unaccounted" when
#                              its baseline did not account for its cases
# The baseline is the unmutated policy over the whole manifest (locked.sh
# for the locked lane): if a case fails, nothing else runs. It runs the
# probe build, and the trace between two suites says which sites each
# suite reaches. A mutant then runs only the suites that reach its site
# (its file's covering suites first, then conformance_test, bypass_test,
# add_rules_test, then the manifest's order) and stops at the first failing
# case; one that fails none has run every suite that reaches it, and a
# suite that never reaches the site cannot tell it from the baseline.
# Without coverage (a site without a probe, or a probe build that did not
# load) it runs the whole manifest. bpfseal.mutate_full=1 runs a survivor
# through the whole manifest too.
# One line per mutant:
#   MUTANT ID FILE:LINE DESCRIPTION killed-by CASE | SURVIVED (...) | did-not-load (WHY) | not-run (WHY)
set -u
M=/mnt/mutate
W=/tmp/mutate
T=/bpfseal/tests
TR=/sys/kernel/tracing
mkdir -p "$W/res" "$W/cov"
. "$T/lib.sh"
export ITEST_FEATURES=$T/features
cmdline=$(tr ' ' '\n' < /proc/cmdline)
spec=$(echo "$cmdline" | sed -n 's/^bpfseal\.mutate=//p')
full=$(echo "$cmdline" | sed -n 's/^bpfseal\.mutate_full=//p')
manifest=$(grep -v '^#' "$T/manifest")
cp /usr/sbin/sealctl "$W/sealctl.base"	# the initramfs carries the unmutated build
DEFAULT_SUITES="conformance_test bypass_test add_rules_test"
everything="the whole manifest"
# Suites that may be stopped at their first failure: they leave nothing
# behind that cleanup() does not undo (no swap, acct, quota, md, cgroup
# throttle, foreign pins).
EARLY_STOP=" conformance_test add_rules_test bypass_test identity_test fence_test race_test pins_test audit_test unprivileged_test socket_test locked.sh "

# What the boot started with: cleanup() goes back to it.
cut -d' ' -f2 /proc/mounts > "$W/mounts"
[ -e /etc/bpfseal ] && etc_bpfseal=yes || etc_bpfseal=no

cleanup() {
	kill -9 -1 2>/dev/null	# stray processes of the suites; spares PID 1 and this shell
	sleep 1
	"$W/sealctl.base" unload --force > /dev/null 2>&1
	swapoff -a 2>/dev/null
	tac /proc/mounts | cut -d' ' -f2 > "$W/mounts.now"
	while read -r mnt; do
		grep -qxF "$mnt" "$W/mounts" || umount -l "$mnt" 2>/dev/null
	done < "$W/mounts.now"
	for l in /dev/loop[0-9]*; do losetup -d "$l" 2>/dev/null; done
	rm -rf /var/lib/bpfseal/* /tmp/itest-results
	[ "$etc_bpfseal" = yes ] || rm -rf /etc/bpfseal
}

# Coverage: the probe build prints a site's id at most once a ~second
# (2^30 ns), so a suite starts after a pause, on a clean trace.
coverage=off
trace_start() {
	[ $coverage = on ] || return 0
	sleep 1.2
	echo > "$TR/trace"
}
trace_end() { # suite
	[ $coverage = on ] || return 0
	grep -o 'bpfseal-mutate-hit [0-9]*' "$TR/trace" | cut -d' ' -f2 | sort -un > "$W/cov/$1"
}

# run_one SUITE LIMIT_S: runs one suite; sets $failed to its first failing
# case ("" if none) and $secs to its time.
run_one() {
	suite=$1 limit=$2 failed=
	res=$W/res/$suite
	: > "$res"
	case $suite in *.sh) prog="sh $T/$suite" ;; *) prog=$T/$suite ;; esac
	t0=$(date +%s)
	# Its own session and process group, so that it can be stopped whole.
	# shellcheck disable=SC2086
	(cd / && ITEST_RESULTS=$res exec setsid $prog) > "$W/out" 2>&1 < /dev/null &
	pid=$!
	early=no
	case $EARLY_STOP in *" $suite "*) early=yes ;; esac
	stopped=
	while kill -0 "$pid" 2>/dev/null; do
		if [ $early = yes ] && grep -q '^FAIL ' "$res"; then stopped=fail; break; fi
		if [ $(($(date +%s) - t0)) -ge "$limit" ]; then stopped=timeout; break; fi
		usleep 200000
	done
	if [ -n "$stopped" ]; then kill -KILL -- "-$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null; fi
	wait "$pid"; rc=$?
	secs=$(($(date +%s) - t0))
	failed=$(sed -n 's/^FAIL [^ ]* \([^:]*\):.*/\1/p' "$res" | head -n 1)
	if [ -z "$failed" ] && [ "$stopped" = timeout ]; then
		failed="$suite/timeout (${limit} s)"
	elif [ -z "$failed" ] && [ -z "$stopped" ] && ! [ -e "$W/unaccounted.$suite" ]; then
		failed=$(account "$suite" "$rc" "$res" "$ITEST_FEATURES" | sed -n 's/^FAIL [^ ]* \([^:]*\):.*/\1/p' | head -n 1)
	fi
}

# The suites a mutant runs, in order: its file's covering ones first, no repeats.
suite_order() { # covers
	{ echo "$1" | tr ',' '\n'; echo "$DEFAULT_SUITES" | tr ' ' '\n'; echo "$manifest"; } |
		grep -v '^-*$' | awk '!seen[$0]++'
}

limit_of() { # suite: twice its time in the baseline plus a minute
	t=$(cat "$W/time.$1" 2>/dev/null || echo 120)
	echo $((2 * t + 60))
}

# Why a policy did not load: the program the verifier refused, and its last word.
load_failure() {
	BPFSEAL_DEBUG=1 sealctl load > "$W/load.log" 2>&1
	prog=$(sed -n "s/^libbpf: prog '\([^']*\)': failed to load.*/\1/p" "$W/load.log" | head -n 1)
	why=$(grep -B 2 -e '-- END PROG LOAD LOG --' "$W/load.log" | grep -v -e '^processed' -e '-- END' | tail -n 1)
	[ -n "$why" ] || why=$(grep -v '^libbpf: unpinned' "$W/load.log" | tail -n 1)
	echo "${prog:+$prog: }$why" | tr -s '\t ' '  ' | cut -c1-160
}

# One mutant: prints its line.
run_mutant() { # id file line covers programs probe what
	id=$1 covers=$4 programs=$5 probe=$6
	label="MUTANT $1 $2:$3 $7"
	echo "BPFSEAL-MUTATE-START $id"
	t_start=$(date +%s)
	cleanup
	cp "$M/bin/$id/sealctl" /usr/sbin/sealctl
	if [ "$programs" != "*" ] && [ -s "$W/active" ]; then
		hit=no
		for p in $(echo "$programs" | tr ',' ' '); do grep -qxF "$p" "$W/active" && hit=yes; done
		if [ $hit = no ]; then
			echo "$label not-run (it changes only $(echo "$programs" | tr ',' ' '), not attached on $(uname -r))"
			return
		fi
	fi
	suites=$(suite_order "$covers")
	reach=
	if [ $coverage = on ] && [ "$probe" != "-" ]; then
		reach=$(cd "$W/cov" && grep -lx "$probe" -- * 2>/dev/null)
		if [ -z "$reach" ]; then
			echo "$label SURVIVED (no case reaches it)"
			return
		fi
		# Only the suites that reach the site, in the mutant's order.
		suites=$(echo "$suites" | grep -xF "$reach")
	fi
	if ! sealctl load > "$W/load.log" 2>&1; then
		echo "$label did-not-load ($(load_failure))"
		return
	fi
	ran=0
	for s in $suites; do
		[ -e "$T/$s" ] || continue
		case $s in t00-load.sh) sealctl unload --force > /dev/null 2>&1 ;; esac	# it loads the policy itself
		run_one "$s" "$(limit_of "$s")"
		ran=$((ran + 1))
		if [ -n "$failed" ]; then
			echo "$label killed-by $failed"
			echo "BPFSEAL-MUTATE-TIME $id $(($(date +%s) - t_start)) s, $ran suites"
			return
		fi
	done
	if [ -n "$reach" ] && [ "$full" = 1 ]; then
		for s in $manifest; do
			echo "$reach" | grep -qxF "$s" && continue
			case $s in t00-load.sh) sealctl unload --force > /dev/null 2>&1 ;; esac
			run_one "$s" "$(limit_of "$s")"
			ran=$((ran + 1))
			if [ -n "$failed" ]; then echo "$label killed-by $failed (a suite that does not reach it)"; return; fi
		done
		reach=
	fi
	if [ -n "$reach" ]; then
		echo "$label SURVIVED (passed the $ran suites that reach it)"
	else
		echo "$label SURVIVED (passed $everything)"
	fi
	echo "BPFSEAL-MUTATE-TIME $id $(($(date +%s) - t_start)) s, $ran suites"
}

# The baseline's build: the probe build if it loads (coverage), else the plain one.
baseline_build() {
	cp "$W/sealctl.base" /usr/sbin/sealctl
	[ -x "$M/probe/sealctl" ] || { echo "BPFSEAL-MUTATE-COVERAGE off (no probe build)"; return; }
	grep -q " $TR " /proc/mounts || mount -t tracefs tracefs "$TR" 2>/dev/null
	echo "$TR" >> "$W/mounts"	# cleanup() keeps it
	echo 8192 > "$TR/buffer_size_kb" 2>/dev/null
	cleanup
	cp "$M/probe/sealctl" /usr/sbin/sealctl
	if ! [ -w "$TR/trace" ]; then
		echo "BPFSEAL-MUTATE-COVERAGE off (no $TR/trace)"
		cp "$W/sealctl.base" /usr/sbin/sealctl
	elif sealctl load > "$W/load.log" 2>&1; then
		coverage=on
		echo "BPFSEAL-MUTATE-COVERAGE on"
	else
		echo "BPFSEAL-MUTATE-COVERAGE off (the probe build: $(load_failure))"
		cp "$W/sealctl.base" /usr/sbin/sealctl
	fi
	cleanup
}

# The baseline over every suite of the manifest, in its order: a suite's
# time sets its limit for the mutants.
baseline() {
	t_all=$(date +%s)
	baseline_build
	for s in $manifest; do
		trace_start
		run_one "$s" 1200
		trace_end "$s"
		echo "$secs" > "$W/time.$s"
		# A suite that does not account for its cases even unmutated (lib.sh,
		# account), though none fails: judged on its cases alone.
		case $failed in "$s/accounted")
			echo "BPFSEAL-MUTATE-BASELINE-NOTE $s does not account for its cases unmutated: judged on its cases alone"
			: > "$W/unaccounted.$s"; failed= ;;
		esac
		echo "  [mutate] baseline: $s took $secs s${failed:+, failed: $failed}"
		if [ -n "$failed" ]; then
			echo "BPFSEAL-MUTATE-BASELINE FAIL $failed"
			return 1
		fi
	done
	# The programs this kernel attaches: a mutant that changes none of them is not run.
	cleanup
	"$W/sealctl.base" load > /dev/null 2>&1
	"$W/sealctl.base" status --json | tr '{' '\n' |
		sed -n 's/.*"program":"\([^"]*\)".*"state":"active".*/\1/p' > "$W/active"
	echo "BPFSEAL-MUTATE-BASELINE ok $(($(date +%s) - t_all)) s"
}

case $spec in
main*)
	from=${spec#main}; from=${from#:}
	if baseline; then
		started=no; [ -z "$from" ] && started=yes
		while IFS='	' read -r id file line where covers programs probe what <&3; do
			[ "$where" = vm ] || continue
			if [ $started = no ]; then [ "$id" = "$from" ] && started=yes; continue; fi
			run_mutant "$id" "$file" "$line" "$covers" "$programs" "$probe" "$what"
		done 3< "$M/index.tsv"
	fi
	;;
locked:base)
	baseline_build
	trace_start
	run_one locked.sh 900
	trace_end locked.sh
	case $failed in locked.sh/accounted)
		echo "BPFSEAL-MUTATE-BASELINE-NOTE locked.sh does not account for its cases unmutated: judged on its cases alone"
		failed= ;;
	esac
	echo "BPFSEAL-MUTATE-BASELINE-LOCKED ${failed:-ok} $secs s"
	[ $coverage = on ] && echo "BPFSEAL-MUTATE-REACHED $(tr '\n' ' ' < "$W/cov/locked.sh")"
	;;
locked:*)
	# locked.sh alone: the mode it covers exists only there.
	echo 300 > "$W/time.locked.sh"
	DEFAULT_SUITES= manifest= everything=locked.sh
	one=${spec#locked:}
	case $one in *:unaccounted) : > "$W/unaccounted.locked.sh"; one=${one%:unaccounted} ;; esac
	grep "^$one	" "$M/index.tsv" > "$W/one"
	while IFS='	' read -r id file line where covers programs probe what; do
		coverage=off
		run_mutant "$id" "$file" "$line" "locked.sh" "*" "-" "$what"
	done < "$W/one"
	;;
*) echo "BPFSEAL-MUTATE-BASELINE FAIL unknown bpfseal.mutate=$spec" ;;
esac
echo "BPFSEAL-MUTATE-END"
