# bash completion for sealctl(8)
_sealctl()
{
	local cur prev words cword
	_init_completion || return
	local commands="load unload status add get list apply monitor enable-lsm disable-lsm"
	local seals="seal shrink grow write future-write exec append name"

	if [[ $cword -eq 1 ]]; then
		COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
		return
	fi
	case ${words[1]} in
	add)
		if [[ $prev == --seals || $prev == -s ]]; then
			# complete the last item of a comma list
			local done=${cur%,*} last=${cur##*,}
			[[ $done == "$cur" ]] && done= || done+=,
			COMPREPLY=($(compgen -P "$done" -W "$seals" -- "$last"))
			compopt -o nospace
			return
		fi
		[[ $cur == -* ]] && COMPREPLY=($(compgen -W "--seals --persist --help" -- "$cur")) || _filedir
		;;
	get) [[ $cur == -* ]] && COMPREPLY=($(compgen -W "--json --help" -- "$cur")) || _filedir ;;
	apply) [[ $cur == -* ]] && COMPREPLY=($(compgen -W "--help" -- "$cur")) || _filedir conf ;;
	status | list) COMPREPLY=($(compgen -W "--json --help" -- "$cur")) ;;
	unload) COMPREPLY=($(compgen -W "--force --help" -- "$cur")) ;;
	load) COMPREPLY=($(compgen -W "--capacity --locked --help" -- "$cur")) ;;
	monitor) COMPREPLY=($(compgen -W "--json --journal --rate-limit --help" -- "$cur")) ;;
	enable-lsm | disable-lsm) COMPREPLY=($(compgen -W "--yes --dry-run --help" -- "$cur")) ;;
	esac
}
complete -F _sealctl sealctl
