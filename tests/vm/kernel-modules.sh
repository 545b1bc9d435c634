#!/bin/sh
# Usage: kernel-modules.sh KERNEL_DIR DEST_DIR MODULE...
#
# Copies MODULE... of the unpacked kernel in KERNEL_DIR, dependencies first,
# uncompressed (busybox insmod reads plain .ko) into DEST_DIR, and lists
# them in load order in DEST_DIR/order. Built-in modules need nothing.
set -eu
kdir=$1; dest=$2; shift 2
release=$(cat "$kdir/release")
base=$kdir/root
[ -d "$base/usr/lib/modules/$release" ] && base=$base/usr
[ -f "$base/lib/modules/$release/modules.dep" ] || depmod -b "$base" "$release" 2>/dev/null
: > "$dest/order"
for m in "$@"; do
	modprobe -d "$base" -S "$release" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	name=$(basename "$ko"); name=${name%.xz}; name=${name%.zst}
	case $ko in
	*.xz) xz -dc "$ko" > "$dest/$name" ;;
	*.zst) zstd -qdc "$ko" > "$dest/$name" ;;
	*) cp "$ko" "$dest/$name" ;;
	esac
	echo "$name" >> "$dest/order"
done
