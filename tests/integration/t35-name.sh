# The name seal as an administrator meets it: mv, sed -i, rm and ln on a
# file sealed name,shrink,grow,write are refused with EPERM and the path
# still reads the sealed content. Each command first runs on an unsealed
# copy, where it must work: a refusal is then the policy's.
. "$(dirname "$0")/lib.sh"
filesystems="tmpfs ext4 xfs"
ops="mv_over mv_away sed_i rm_f ln_hard"
plan $(( $(echo $filesystems | wc -w) * (1 + $(echo $ops | wc -w)) + 1 ))
check "name/policy_loaded" policy_loaded
mv_over() { printf 'replacement\n' > "$d/new" && mv "$d/new" "$d/$1"; }
mv_away() { mv "$d/$1" "$d/$1.moved"; }
sed_i() { sed -i s/v1/v2/ "$d/$1"; }
rm_f() { rm -f "$d/$1"; }
ln_hard() { ln "$d/$1" "$d/$1.link"; }
for fs in $filesystems; do
	d=/mnt/$fs/name-tools
	rm -rf "$d"; mkdir -p "$d"
	printf 'setting v1\n' > "$d/cfg"
	check "name/$fs/add" sealctl add --seals name,shrink,grow,write "$d/cfg"
	ino=$(stat -c %i "$d/cfg")
	for op in $ops; do
		printf 'setting v1\n' > "$d/plain"
		if ! out=$($op plain 2>&1); then
			fail "name/$fs/$op/refused_eperm" "fails on an unsealed file too, so it proves nothing: $out"
			rm -f "$d"/cfg?* "$d"/plain*
			continue
		fi
		out=$($op cfg 2>&1); rc=$?
		case $out in *"Operation not permitted"*) eperm=yes ;; *) eperm=no ;; esac
		if [ $rc != 0 ] && [ $eperm = yes ] && [ "$(cat "$d/cfg")" = "setting v1" ] &&
			[ "$(stat -c %i "$d/cfg")" = "$ino" ] && [ ! -e "$d/cfg.moved" ] && [ ! -e "$d/cfg.link" ]; then
			pass "name/$fs/$op/refused_eperm"
		else
			fail "name/$fs/$op/refused_eperm" "exit $rc: $out; cfg reads '$(cat "$d/cfg" 2>&1)', inode $(stat -c %i "$d/cfg" 2>&1), sealed $ino"
		fi
		rm -f "$d"/cfg?* "$d"/plain*
	done
done
end
