#!/bin/sh
# Usage: build-deb.sh OUT_DIR [VERSION]
#
# Builds the binary packages from a copy of the tree in OUT_DIR/src, so
# dpkg-buildpackage's output (written to the parent of the tree) lands in
# OUT_DIR, then runs lintian on them. VERSION (e.g. 0.1.0-1+vmtest1)
# prepends a changelog entry to the copy: the VM suite's upgrade test
# needs a package that is newer than the one it installs first.
set -eu
out=$1; version=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$out"; mkdir -p "$out/src"
out=$(cd "$out" && pwd)
# The tree without build products or git metadata.
(cd "$top" && tar --exclude=./build --exclude=./.git -cf - .) | tar -C "$out/src" -xf -
if [ -n "$version" ]; then
	entry=$(printf 'bpfseal (%s) unstable; urgency=medium\n\n  * Rebuilt for the VM suite'"'"'s upgrade test.\n\n -- %s  %s\n\n' \
		"$version" "$(sed -n 's/^ -- \(.*>\)  .*/\1/p' "$top/debian/changelog" | head -n 1)" "$(date -R)")
	{ printf '%s\n\n' "$entry"; cat "$top/debian/changelog"; } > "$out/src/debian/changelog"
fi
(cd "$out/src" && dpkg-buildpackage -b -us -uc --no-sign) > "$out/build.log" 2>&1 || {
	echo "deb: dpkg-buildpackage failed; last lines of $out/build.log:" >&2
	tail -n 30 "$out/build.log" >&2
	exit 1
}
rm -rf "$out/src"
changes=$(ls "$out"/*.changes)
# Warnings and errors fail the build; overrides carry their reason in
# debian/*.lintian-overrides. (Its notice about running as root is dropped.)
rc=0
lintian --fail-on error,warning --info --display-info "$changes" > "$out/lintian.log" 2>&1 || rc=$?
sed -i '/running with root privileges/d' "$out/lintian.log"
if [ "$rc" -ne 0 ]; then
	echo "deb: lintian is not clean:" >&2
	cat "$out/lintian.log" >&2
	exit 1
fi
[ ! -s "$out/lintian.log" ] || { echo "deb: lintian notes:" >&2; cat "$out/lintian.log" >&2; }
ls "$out"/*.deb
