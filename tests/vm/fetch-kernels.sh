#!/bin/sh
# Usage: fetch-kernels.sh CACHE_DIR NAME...     NAME: 6.1 | 6.12 | latest | next
#
# Downloads the Debian cloud kernel for each NAME into CACHE_DIR/NAME/ (outside
# git, reused across runs) and prints nothing but progress on stderr. Result:
#   CACHE_DIR/NAME/vmlinuz      the kernel
#   CACHE_DIR/NAME/release      its `uname -r`
#   CACHE_DIR/NAME/root/        the unpacked packages (modules under lib/modules)
# Suites the machine's apt configuration does not list are reached through a
# private apt state directory: the system's sources are never edited.
# Set BPFSEAL_REFRESH=1 to re-resolve the newest package.
set -eu
cache=$1; shift
here=$(cd "$(dirname "$0")/../.." && pwd)

suites_for() {
	case $1 in
	6.1)    echo "bookworm bookworm-security" ;;
	6.12)   echo "bookworm-backports" ;;
	latest) echo "sid" ;;
	next)   echo "experimental" ;;	# the next release candidate
	*) echo "fetch-kernels: unknown kernel '$1' (want 6.1, 6.12, latest or next)" >&2; return 1 ;;
	esac
}

fetch_one() {
	name=$1
	dir=$cache/$name
	if [ -s "$dir/vmlinuz" ] && [ -s "$dir/release" ] && [ "${BPFSEAL_REFRESH:-0}" != 1 ]; then
		return 0
	fi
	apt=$cache/apt-$name
	mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/etc/preferences.d" "$apt/etc/sources.list.d"
	: > "$apt/sources.list"
	for s in $(suites_for "$name"); do
		echo "deb $("$here/scripts/apt-mirror.sh" "$s") $s main" >> "$apt/sources.list"
	done
	set -- -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts="$apt/etc/sources.list.d" \
		-o Dir::Etc::Preferences="$apt/etc/preferences" -o Dir::Etc::PreferencesParts="$apt/etc/preferences.d" -o APT::Sandbox::User=root \
		-o Dir::State="$apt" -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt" \
		-o Dir::State::status=/dev/null -o APT::Default-Release=
	echo "fetch-kernels: $name: resolving linux-image-cloud-amd64 in $(suites_for "$name")" >&2
	apt-get "$@" -qq update >&2
	# The metapackage depends on the versioned image; newer Debian splits the
	# image into linux-binary-* (vmlinuz) and linux-modules-* packages.
	image=$(apt-cache "$@" depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ { print $2; exit }')
	[ -n "$image" ] || { echo "fetch-kernels: $name: no linux-image-cloud-amd64" >&2; return 1; }
	pkgs="$image $(apt-cache "$@" depends "$image" |
		awk '/Depends: linux-(binary|modules)-/ && $2 !~ /unsigned/ { print $2 }')"
	rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/root" "$dir.tmp/debs"
	echo "fetch-kernels: $name: downloading $pkgs" >&2
	(cd "$dir.tmp/debs" && apt-get "$@" -qq download $pkgs) >&2
	for deb in "$dir.tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$dir.tmp/root"; done
	vmlinuz=$(find "$dir.tmp/root/boot" "$dir.tmp/root/usr/lib/modules" -name 'vmlinuz*' -type f 2>/dev/null | head -n 1)
	[ -n "$vmlinuz" ] || { echo "fetch-kernels: $name: no vmlinuz in $pkgs" >&2; return 1; }
	mv "$vmlinuz" "$dir.tmp/vmlinuz"
	moddir=$(find "$dir.tmp/root" -path '*/lib/modules/*' -maxdepth 4 -mindepth 3 -type d -name '[0-9]*' | head -n 1)
	basename "$moddir" > "$dir.tmp/release"
	rm -rf "$dir.tmp/debs" "$dir"
	mv "$dir.tmp" "$dir"
	echo "fetch-kernels: $name: $(cat "$dir/release")" >&2
}

for k in "$@"; do fetch_one "$k"; done
