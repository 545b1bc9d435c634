#!/bin/sh
# Runs inside the VM: every suite of the manifest (tests/vm/build-initramfs.sh
# writes it from the source tree), each accounted for (lib.sh, run_suite), in
# the manifest's order or shuffled by bpfseal.shuffle=SEED on the kernel
# command line (make vmtest SHUFFLE=SEED).
# MODE "selftest" runs the harness's own faulty fixtures instead: each must
# turn the run red (tests/vm/selftest.sh).
mode=${1:-test}
here=$(dirname "$0")
. "$here/lib.sh"
export ITEST_FEATURES=$here/features
manifest=$here/manifest
[ "$mode" = selftest ] && manifest=$here/selftest/manifest
seed=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^bpfseal\.shuffle=//p')
order=$(grep -v '^#' "$manifest")
if [ -n "$seed" ]; then
	order=$(echo "$order" | awk -v seed="$seed" 'BEGIN { srand(seed) } { print rand() "\t" $0 }' | sort -n | cut -f2)
	echo "BPFSEAL-ORDER seed $seed: $(echo "$order" | tr '\n' ' ')"
fi
for t in $order; do
	p=$here/$t
	[ "$mode" = selftest ] && p=$here/selftest/$t
	if [ ! -x "$p" ]; then
		fail "$t/accounted" "in the manifest but not in the guest"
		continue
	fi
	case $t in
	*.sh) run_suite "$t" sh "$p" ;;
	*) run_suite "$t" "$p" ;;
	esac
done
