#!/bin/busybox sh
# PID 1 of the test VM: mount what the policy and the suite need, run the
# suite (or the probe), report, power off. The host reads the serial console.
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t securityfs securityfs /sys/kernel/security
mount -t bpf bpffs /sys/fs/bpf
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mkdir -p /mnt/tmpfs /mnt/ext4 /mnt/xfs /mnt/images
mount -t tmpfs -o size=512m scratch /mnt/tmpfs
while read -r m; do insmod "/modules/$m" || echo "BPFSEAL-WARN insmod $m failed"; done < /modules/order

# The suites this init runs itself are accounted for as run.sh's are. Not in
# a subshell: locked.sh's `kill -9 -1` spares only itself and PID 1.
. /bpfseal/tests/lib.sh
export ITEST_FEATURES=/bpfseal/tests/features
suite() { run_suite "$1" sh "/bpfseal/tests/$1"; }
mode=test
for arg in $(cat /proc/cmdline); do
	case $arg in bpfseal.mode=*) mode=${arg#bpfseal.mode=} ;; esac
done
echo "BPFSEAL-KERNEL $(uname -r)"
echo "BPFSEAL-LSM $(cat /sys/kernel/security/lsm)"
case $mode in
probe) echo "BPFSEAL-PROBE-OK"; poweroff -f ;;
panic) echo c > /proc/sysrq-trigger ;;	# harness self-test: a dying guest
hang) while :; do sleep 3600; done ;;	# harness self-test: a silent guest
nobpf) suite nobpf.sh; echo "BPFSEAL-DONE"; poweroff -f ;;	# booted without lsm=...,bpf
demo)	# make demo (tests/vm/demo.sh): the README's session, between markers
	echo "BPFSEAL-DEMO-BEGIN"; sh /bpfseal/tests/demo.sh; echo "BPFSEAL-DEMO-END"
	echo "BPFSEAL-DONE"; poweroff -f ;;
bench)	# make bench (tests/vm/bench.sh): ext4 disks for the churn row and for the evicted files,
	# policy loaded by the bench itself
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vdb ] && break; sleep 0.2; done
	mount -t ext4 /dev/vda /mnt/ext4 || echo "bench: cannot mount the ext4 disk /dev/vda"
	mkdir -p /mnt/evict
	mount -t ext4 /dev/vdb /mnt/evict || echo "bench: cannot mount the ext4 disk /dev/vdb"
	/bpfseal/bench/bench
	echo "BPFSEAL-DONE"
	sync
	poweroff -f ;;
esac
# Give the virtio disk a moment to appear.
for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vda ] && break; sleep 0.2; done
mount -t ext4 /dev/vda /mnt/ext4 || echo "BPFSEAL-WARN cannot mount ext4 scratch /dev/vda"
mount -t xfs /dev/vdb /mnt/xfs || echo "BPFSEAL-WARN cannot mount xfs scratch /dev/vdb"
# Images of filesystems that differ only in their UUID (tests/vm/run.sh).
[ -b /dev/vdc ] && { mount -t ext4 /dev/vdc /mnt/images || echo "BPFSEAL-WARN cannot mount /dev/vdc"; }
chmod 1777 /mnt/tmpfs /mnt/ext4 /mnt/xfs 2>/dev/null
# Persisted seals live on the ext4 disk, which the harness boots again
# (mode reboot): a symlink, so umount of /mnt/ext4 still frees its inodes.
mkdir -p /var/lib /mnt/ext4/.bpfseal-state
ln -sfn /mnt/ext4/.bpfseal-state /var/lib/bpfseal

if [ "$mode" = debug ] && [ -f /bpfseal/debug.sh ]; then
	sh /bpfseal/debug.sh	# BPFSEAL_DEBUG_SCRIPT, for developers
elif [ "$mode" = mutate ]; then
	# make mutate (tests/mutate/run.sh): the mutants on a fourth disk, and their
	# runner, sourced as the suites are: locked.sh's kill -9 -1 spares PID 1 only.
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/vdd ] && break; sleep 0.2; done
	mkdir -p /mnt/mutate
	mount -t ext4 -o ro /dev/vdd /mnt/mutate && . /mnt/mutate/guest.sh
elif [ "$mode" = reboot ]; then
	# The same disks again: persisted seals; then locked mode (it lasts until reboot).
	suite reboot.sh
	suite locked.sh
else
	/bpfseal/tests/run.sh "$mode"
fi
echo "BPFSEAL-DONE"
sync
poweroff -f
