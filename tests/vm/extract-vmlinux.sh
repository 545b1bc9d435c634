#!/bin/sh
# Usage: extract-vmlinux.sh VMLINUZ OUT
# Unpack the ELF vmlinux (with its .BTF section) from a bzImage, the way the
# kernel's scripts/extract-vmlinux does: find a compressed stream, inflate it,
# keep the first result that is an ELF file.
set -eu
in=$1; out=$2
try() { # magic-as-printf-escapes decompressor...
	magic=$1; shift
	for off in $(LC_ALL=C grep -obUaP "$magic" "$in" | cut -d: -f1); do
		tail -c +"$((off + 1))" "$in" | "$@" > "$out" 2>/dev/null || true
		if [ "$(head -c 4 "$out" | od -An -c | tr -d ' ')" = '177ELF' ]; then return 0; fi
	done
	return 1
}
try '\x28\xb5\x2f\xfd' zstd -dcq ||
try '\x1f\x8b\x08' gzip -dc ||
try '\xfd\x37\x7a\x58\x5a\x00' xz -dc ||
try '\x02\x21\x4c\x18' lz4 -dc || { echo "extract-vmlinux: no ELF kernel inside $in" >&2; rm -f "$out"; exit 1; }
