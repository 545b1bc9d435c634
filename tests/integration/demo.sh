#!/bin/sh
# The README's "30 seconds" session, run for real: each step prints its
# command after a prompt ("# " as root, "$ " as a normal user, nobody) and
# then what it printed. One step per line: adding one is adding a line.
# make demo shows it (tests/vm/demo.sh); t40-demo.sh diffs it against the README.
step() { # PROMPT COMMAND
	echo "$1 $2"
	if [ "$1" = "#" ]; then
		DEMO_COMMAND=$2 bash --norc -i -c "$2" 2>&1
	else
		DEMO_COMMAND=$2 su -s /bin/bash nobody -c 'bash --norc -i -c "$DEMO_COMMAND"' 2>&1
	fi | grep -v -e '^bash: cannot set terminal process group' -e '^bash: no job control in this shell'
	# (an interactive bash without a terminal says so first; a user's terminal does not)
}
mkdir -p /srv && rm -f /srv/app.conf

step '#' 'sealctl load'
step '#' "printf 'config v1\n' > /srv/app.conf"
step '#' 'sealctl add --seals shrink,grow,write /srv/app.conf'
step '#' 'echo tamper >> /srv/app.conf'
step '#' 'sealctl get /srv/app.conf'
step '$' 'sealctl get /srv/app.conf          # verification needs no privilege'
