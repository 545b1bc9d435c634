# Shell side of the integration suite: one line per case, with the kernel.
KERNEL=$(uname -r)
pass() { echo "PASS $KERNEL $1"; }
fail() { echo "FAIL $KERNEL $1: $2"; }
# check NAME COMMAND...: pass if COMMAND succeeds.
check() { name=$1; shift; if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"; fi; }
# expect_exit NAME CODE COMMAND...: pass if COMMAND exits with CODE.
expect_exit() {
	name=$1; want=$2; shift 2
	out=$("$@" 2>&1); got=$?
	if [ "$got" = "$want" ]; then pass "$name"; else fail "$name" "exit $got, want $want: $(echo "$out" | tail -n 2 | tr '\n' ' ')"; fi
}
