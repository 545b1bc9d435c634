#!/bin/sh
# Usage: apt-mirror.sh [SUITE]   (default: bookworm)
# Print the URI this machine's own apt configuration uses for SUITE, or for the
# main archive when SUITE is not listed ("debian-security" suites are looked up
# as such). bpfseal never names a mirror itself: it reuses what the
# administrator configured.
set -eu
want=${1:-bookworm}
files=
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] && files="$files $f"
done
lookup() {
	# deb822 (URIs:/Suites:) and one-line ("deb [opts] URI SUITE ...") formats.
	awk -v want="$1" '
		/^[[:space:]]*#/ { next }
		/^[[:space:]]*$/ { u = "" }
		/^URIs:/   { u = $2 }
		/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == want && found == "") found = u }
		/^deb[[:space:]]/ {
			for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/ && $i !~ /=/) break
			if ($(i + 1) == want && found == "") found = $i
		}
		END { if (found != "") print found }
	' $files
}
uri=$(lookup "$want")
[ -n "$uri" ] || uri=$(lookup bookworm)
if [ -z "$uri" ]; then
	echo "apt-mirror: no apt source for suite 'bookworm' in /etc/apt/sources.list{,.d}" >&2
	exit 1
fi
printf '%s\n' "$uri"
