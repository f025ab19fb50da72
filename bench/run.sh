#!/bin/bash
# bridgeguard benchmarks: bridgeguard against iptables physdev rules (seed 002),
# libvirt-style ebtables (seed 004), a hand-written nft ruleset and no filter.
#
#   bench/run.sh [--smoke] [--out DIR] [bench.py options...]
#
# Full mode writes bench/results/{results.json,results.tsv,BENCHMARKS.md,bench.png}
# (about 20 minutes on 2 cores).  --smoke runs N=10, 1-second data-plane runs,
# one repetition, into a temporary directory unless --out is given, and exits
# non-zero if any measurement command failed (make check runs it).
#
# Needs root.  Everything happens in network namespaces named bgb-<random>-*,
# which are deleted on exit, error or Ctrl-C; the root namespace's interfaces,
# sysctls and rulesets are never touched (checked at the end).
set -u

here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
smoke=0
out=""
pass=()
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) smoke=1; pass+=(--smoke) ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	--out=*) out=${1#--out=} ;;
	-h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) pass+=("$1") ;;
	esac
	shift
done

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/run.sh: must run as root (it creates network namespaces)" >&2
	exit 1
fi
missing=""
for t in ip nft iptables-restore iptables-legacy-restore ebtables ebtables-restore \
	iperf3 taskset ss ping cc gnuplot sysctl "$py"; do
	command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
if [ -n "$missing" ]; then
	echo "bench/run.sh: missing tools:$missing (WITH_BENCH=1 scripts/deps.sh installs them)" >&2
	exit 1
fi

prefix="bgb-$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')-"
state=$(mktemp -d /tmp/bgb-state.XXXXXX)
keep_out=1
if [ -z "$out" ]; then
	if [ $smoke -eq 1 ]; then
		out=$state/out
		keep_out=0
	else
		out=$here/results
	fi
fi
mkdir -p "$out"

root_state() {
	# Read-only fingerprint of the root namespace's filtering state.
	{
		nft -s list ruleset 2>&1
		cat /proc/sys/net/bridge/bridge-nf-call-iptables \
			/proc/sys/net/bridge/bridge-nf-call-ip6tables \
			/proc/sys/net/bridge/bridge-nf-call-arptables 2>&1
	} | md5sum
}
leaked_links() {
	# Port names the benchmark uses, should one ever land in the root namespace.
	ip -br link 2>/dev/null | awk '{print $1}' | grep -E '^(g[0-9]+|gmon)(@|$)'
}
root_before=$(root_state)
links_before=$(leaked_links)

cleanup() {
	trap - EXIT INT TERM HUP
	# Processes bench.py started and did not stop (it normally does).
	if [ -f "$state/pids" ]; then
		while read -r pid; do
			if [ -r "/proc/$pid/cmdline" ] &&
				tr '\0' ' ' <"/proc/$pid/cmdline" | grep -Eq 'iperf3|udpflood|bridgeguard'; then
				kill "$pid" 2>/dev/null
			fi
		done <"$state/pids"
	fi
	for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix"); do
		ip netns del "$ns" 2>/dev/null
	done
	[ $keep_out -eq 1 ] || [ ! -d "$out" ] || rm -rf "$out"
	rm -rf "$state"
}
child=""
on_signal() {
	echo "bench/run.sh: interrupted" >&2
	# bench.py removes what it made; give it the chance before the trap's sweep.
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null
		wait "$child"
	fi
	exit 130
}
trap cleanup EXIT
trap on_signal INT TERM HUP

start=$(date +%s)
# The driver and the control-plane tools stay on CPU 0; bench.py pins the
# data-plane load to the last CPU.
pin=()
[ "$(nproc)" -gt 1 ] && pin=(taskset -c 0)
"${pin[@]}" "$py" "$here/bench.py" --prefix "$prefix" --state "$state" --out "$out" "${pass[@]}" &
child=$!
wait "$child"
rc=$?
child=""

if [ -f "$out/results.json" ]; then
	"$py" "$here/report.py" "$out" || rc=1
	[ $smoke -eq 1 ] || cat "$out/BENCHMARKS.md"
	if (cd "$out" && gnuplot "$here/plot.gp"); then
		rm -f "$out"/plot-*.dat "$out/plot-series.gp"   # report.py rewrites them
	else
		echo "bench/run.sh: gnuplot failed" >&2
		rc=1
	fi
fi

if [ "$(ip netns list | grep -c "^$prefix")" -ne 0 ]; then
	echo "bench/run.sh: namespaces left behind (deleting them now)" >&2
fi
if [ "$(root_state)" != "$root_before" ]; then
	echo "bench/run.sh: the root namespace's ruleset or bridge sysctls changed during the run" >&2
	rc=1
fi
if [ -n "$(leaked_links)" ] && [ -z "$links_before" ]; then
	echo "bench/run.sh: benchmark port names appeared in the root namespace: $(leaked_links | tr '\n' ' ')" >&2
	rc=1
fi
echo "bench/run.sh: $(( $(date +%s) - start )) s, results in $out$([ $keep_out -eq 1 ] || echo ' (temporary)'), exit $rc"
exit $rc
