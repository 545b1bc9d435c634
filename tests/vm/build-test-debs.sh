#!/bin/sh
# Usage: build-test-debs.sh OUT_DIR
#
# The packages the systemd guest installs, built from this tree
# (scripts/build-deb.sh): OUT_DIR/install, and OUT_DIR/upgrade, the same
# rebuilt with a higher version for the upgrade case. OUT_DIR/done marks
# success; OUT_DIR/build.log says what failed.
set -eu
out=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$out"; mkdir -p "$out"
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
DEB_BUILD_OPTIONS="nocheck parallel=2" "$top/scripts/build-deb.sh" "$out/install" > "$out/build.log" 2>&1
DEB_BUILD_OPTIONS="nocheck parallel=2" "$top/scripts/build-deb.sh" "$out/upgrade" "$version+vmtest1" >> "$out/build.log" 2>&1
echo ok > "$out/done"
