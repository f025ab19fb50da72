# bash completion for bridgeguard(8): the commands and options of
# `bridgeguard --help` (tests/package checks that they agree).

_bridgeguard()
{
	local cur prev words cword
	_init_completion || return

	local global="-c --config -v --verbose --socket -h --help -V --version"
	case $prev in
	-c | --config | --events)
		_filedir
		return
		;;
	--bridge | --port)
		_available_interfaces
		return
		;;
	--socket | --metrics | --mac | --ipv4 | --ipv6 | --uri)
		return
		;;
	esac

	# The command is the first word that is neither an option nor the
	# argument of one; guest's subcommand follows it.
	local i cmd="" sub=""
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-c | --config | --socket | --events | --metrics | --bridge | \
			--port | --mac | --ipv4 | --ipv6 | --uri)
			((i++))
			;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${words[i]}
			elif [[ $cmd == guest && -z $sub ]]; then
				sub=${words[i]}
			fi
			;;
		esac
	done

	local opts=""
	case $cmd in
	"")
		if [[ $cur != -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "apply check flush
			    status demo run guest reload events audit
			    libvirt-import" -- "$cur")
			return
		fi
		;;
	apply) opts="--dry-run" ;;
	status) opts="--json" ;;
	audit) opts="--json --uri" ;;
	libvirt-import) opts="--uri" ;;
	run) opts="--events --metrics --no-syslog" ;;
	guest)
		case $sub in
		"")
			mapfile -t COMPREPLY < <(compgen -W "add del" -- "$cur")
			return
			;;
		add) opts="--bridge --port --mac --ipv4 --ipv6 --save" ;;
		del) opts="--port --bridge --mac --save" ;;
		esac
		;;
	events)
		opts="--follow"
		if [[ $cur != -* ]]; then
			_filedir
			return
		fi
		;;
	esac
	mapfile -t COMPREPLY < <(compgen -W "$opts $global" -- "$cur")
}
complete -F _bridgeguard bridgeguard
