# Shell side of the integration suite: one line per case, with the kernel,
# accounted for as in itest.h: a script announces its cases with `plan N`
# before the first one and ends with `end`.
KERNEL=$(uname -r)
record() { echo "$1"; [ -z "${ITEST_RESULTS:-}" ] || echo "$1" >> "$ITEST_RESULTS"; }
pass() { record "PASS $KERNEL $1"; }
fail() { record "FAIL $KERNEL $1: $2"; }
# skip NAME FEATURE DETAIL: FEATURE is a line of tests/integration/features.
skip() { record "SKIP $KERNEL $1: kernel lacks $2: $3"; }
plan() { record "PLAN $KERNEL $1"; }
end() { record "END $KERNEL"; }
# check NAME COMMAND...: pass if COMMAND succeeds.
check() { name=$1; shift; if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"; fi; }
# expect_exit NAME CODE COMMAND...: pass if COMMAND exits with CODE.
expect_exit() {
	name=$1; want=$2; shift 2
	out=$("$@" 2>&1); got=$?
	if [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "exit $got, want $want: $(echo "$out" | tail -n 2 | tr '\n' ' ')"; fi
}
# refused_eperm FILE COMMAND...: COMMAND fails with EPERM and leaves FILE as it was.
refused_eperm() {
	_file=$1; shift
	_before=$(md5sum < "$_file") || return 1
	if _out=$("$@" 2>&1); then echo "it worked: $*"; return 1; fi
	case $_out in *"Operation not permitted"*) ;; *) echo "failed, but not with EPERM: $_out"; return 1 ;; esac
	[ "$(md5sum < "$_file")" = "$_before" ] || { echo "refused, but $_file changed"; return 1; }
}
# append_refused FILE...: a shell append to each fails with EPERM and leaves it
# as it was (bash: dash's echo says "I/O error" whatever the errno).
append_refused() {
	for _f in "$@"; do
		refused_eperm "$_f" bash -c 'echo tamper >> "$1"' bash "$_f" || { echo "(append to $_f)"; return 1; }
	done
}
# seals_are FILE SEALS: `sealctl get` exits 0 and prints exactly that.
seals_are() {
	got=$(sealctl get "$1" 2>&1); rc=$?
	[ $rc = 0 ] && [ "$got" = "$1: $2" ] || { echo "sealctl get: exit $rc: $got, want $1: $2"; return 1; }
}
# policy_loaded: the suites run in any order: load the policy unless one
# before left it loaded (a reload would hide what they did to it).
policy_loaded() {
	sealctl status > /dev/null 2>&1; rc=$?
	[ $rc = 3 ] && { sealctl load; return; }
	[ $rc = 0 ] || { echo "sealctl status exited $rc"; return 1; }
}

# account SUITE EXIT_STATUS RESULTS FEATURES: one FAIL line, named after the
# suite, for a program or script that did not account for every case it
# announced: a non-zero exit with no failing case, death by a signal, no
# closing line, no plan, a plan announced late, fewer or more cases than
# planned, a case reported twice. Then one FAIL for each skip whose feature
# this kernel has, or that names none. Nothing when all is well.
account() {
	awk -v suite="$1" -v rc="$2" -v kernel="$KERNEL" -v features="$4" '
	function version(s,  v) { split(s, v, /[.-]/); return v[1] * 1000 + v[2] }
	BEGIN {
		while ((getline line < features) > 0)
			if (line !~ /^#/ && split(line, f, " ") >= 2) since[f[1]] = f[2]
	}
	$1 == "PLAN" { if (reported) late = 1; plan += $3; planned = 1; next }
	$1 == "END" { ended = 1; next }
	$1 == "PASS" || $1 == "FAIL" || $1 == "SKIP" {
		reported++
		name = $3; sub(/:$/, "", name)
		if (seen[name]++) dup = dup " " name
		if ($1 == "FAIL") failed++
		if ($1 == "SKIP") {
			feature = ($4 == "kernel" && $5 == "lacks") ? $6 : ""; sub(/:$/, "", feature)
			if (!(feature in since))
				bad_skip[name] = "a skip must name a kernel feature of the features list (got \"" substr($0, index($0, ": ") + 2) "\")"
			else if (version(kernel) >= version(since[feature]))
				bad_skip[name] = "skipped for lacking " feature ", which this kernel has (since " since[feature] ")"
		}
	}
	END {
		why = ""
		if (rc > 128) why = why sprintf(", killed by signal %d", rc - 128)
		else if (rc != 0 && !failed) why = why sprintf(", exit %d with no failing case", rc)
		if (!ended) why = why sprintf(", ended without its closing line (exit %d)", rc)
		if (!planned) why = why ", announced no plan"
		else if (reported != plan) why = why sprintf(", announced %d cases, reported %d", plan, reported)
		if (late) why = why ", announced cases after reporting some"
		if (dup != "") why = why ", reported twice:" dup
		if (why != "") printf "FAIL %s %s/accounted: %s\n", kernel, suite, substr(why, 3)
		for (n in bad_skip) printf "FAIL %s %s/skip: %s\n", kernel, n, bad_skip[n]
	}' "$3"
}

# run_suite NAME COMMAND...: run one test program or script, then account
# for its cases; says what it took, so the suite's time budget stays visible.
run_suite() {
	suite=$1; shift
	results=${ITEST_RESULTS_DIR:-/tmp/itest-results}/$suite
	mkdir -p "${results%/*}"; : > "$results"
	t0=$(date +%s)
	ITEST_RESULTS=$results "$@"
	account "$suite" "$?" "$results" "${ITEST_FEATURES:?the features list}"
	echo "  [$KERNEL] $suite took $(($(date +%s) - t0)) s"
}
